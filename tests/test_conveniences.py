"""What ruff users expect around the check (issue 20, item 6): concise output, `rules --format json`,
the diagram format from the output file's extension, the GitHub Action, and a pre-commit `rev` that exists."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from eventlint import api
from eventlint.cli import main
from tests.helpers import fixture

SHOP = fixture("shop")
REPO = Path(__file__).resolve().parents[1]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_concise_is_one_line_per_finding_and_a_total():
    findings = json.loads(invoke("check", str(SHOP), "--format", "json").stdout)["diagnostics"]
    for option in ("--output-format", "--format"):  # --format stays as the alias it always was
        result = invoke("check", str(SHOP), option, "concise", "--show-info")  # every finding, info too
        lines = result.stdout.splitlines()
        assert result.exit_code == 1
        fixable = sum(1 for f in findings if f["fix"] and f["fix"]["applicability"] == "safe")
        assert len(lines) == len(findings) + 2 and lines[-2] == f"Found {len(findings)} problems."
        hidden = sum(1 for f in findings if f["fix"] and f["fix"]["applicability"] == "unsafe")
        tail = f"; {hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the `--unsafe-fixes` option" if hidden else ""
        assert lines[-1] == f"[*] {fixable} fixable with the `--fix` option{tail}."
        for line, finding in zip(lines, findings):
            assert re.match(r"^\S+:\d+:\d+: EDA\d{3} ", line), line
            mark = "[*] " if finding["fix"] and finding["fix"]["applicability"] == "safe" else ""
            assert line.endswith(f": {finding['code']} {mark}{finding['message']}")


def test_rules_json_lists_every_rule_with_its_options():
    document = json.loads(invoke("rules", "--format", "json").stdout)
    rules = {r.code: r for r in api.rules()}
    assert [entry["code"] for entry in document] == list(rules)
    for entry in document:
        rule = rules[entry["code"]]
        assert entry["name"] == rule.name and entry["default_enabled"] == rule.default_enabled
        assert entry["explanation"] == invoke("explain", rule.code).stdout
        assert [o["name"] for o in entry["options"]] == [f.name for f in rule.option_fields()]
    eda402 = next(e for e in document if e["code"] == "EDA402")
    assert {"name": "publications_are_work", "schema": {"type": "boolean"}, "default": True} .items() <= next(
        o for o in eda402["options"] if o["name"] == "publications_are_work"
    ).items()


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("flow.png", lambda data: data.startswith(b"\x89PNG\r\n\x1a\n")),
        ("flow.svg", lambda data: b"<svg" in data[:400]),
        ("flow.dot", lambda data: data.startswith(b"digraph")),
        ("flow.gv", lambda data: data.startswith(b"digraph")),
        ("flow.mmd", lambda data: data.startswith(b"flowchart")),
        ("flow.json", lambda data: "nodes" in json.loads(data)),
        ("flow.html", lambda data: data.lstrip().lower().startswith(b"<!doctype html>")),
    ],
)
def test_graph_format_follows_the_output_file_extension(tmp_path, name, check):
    target = tmp_path / name
    result = invoke("graph", str(SHOP), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert check(target.read_bytes())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "flow.txt"], "cannot tell the format from 'flow.txt'"),
        (["-o", "flow.png", "--format", "dot"], "--format dot would write dot into 'flow.png', which names png"),
    ],
)
def test_graph_extension_mistakes_are_usage_errors(tmp_path, args, message):
    args = [a if not a.startswith("flow.") else str(tmp_path / a) for a in args]
    result = invoke("graph", str(SHOP), *args)
    assert result.exit_code == 2 and message in result.output
    assert not any(tmp_path.iterdir())


def test_graph_explicit_format_with_an_unknown_extension_is_kept(tmp_path):
    target = tmp_path / "flow.txt"
    assert invoke("graph", str(SHOP), "--format", "mermaid", "-o", str(target)).exit_code == 0
    assert target.read_text().startswith("flowchart")


def test_the_github_action_runs_checks_the_cli_accepts(tmp_path):
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    declared = set(action["inputs"])
    used = set(re.findall(r"inputs\.([\w-]+)", (REPO / "action.yml").read_text()))
    assert used <= declared
    steps = action["runs"]["steps"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in steps)
    [check] = [s for s in steps if s.get("id") == "check"]
    commands = [line.strip() for line in check["run"].splitlines() if line.strip().startswith("eventlint ")]
    assert len(commands) == 2
    sarif = tmp_path / "eventlint.sarif"
    values = {"$EVENTLINT_PATH": str(SHOP), "$EVENTLINT_SARIF": str(sarif), "$EVENTLINT_ARGS": ""}
    for command in commands:
        for name, value in values.items():
            command = command.replace(f'"{name}"', shlex.quote(value)).replace(name, value)
        result = invoke(*shlex.split(command)[1:])
        assert result.exit_code == 1, result.output
    assert json.loads(sarif.read_text())["runs"][0]["results"]


def test_the_readme_pre_commit_rev_exists():
    readme = (REPO / "README.md").read_text()
    snippet = readme.split("## pre-commit", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    rev = yaml.safe_load(snippet)["repos"][0]["rev"]
    tags = subprocess.run(["git", "tag", "--list"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    if tags:
        assert rev in tags, f"the README pins {rev!r}; tags: {tags}"
    else:  # nothing is tagged yet: the README must say to pin a commit, not name a tag that does not exist
        assert rev == "<commit>" and "No release is tagged yet" in readme
