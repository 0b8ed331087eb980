"""Paths where people and CI stand, and projects found below a repository root (issue 20, items 1 and 2).

A git repository holds the shop in `shop/` (its configuration there, none at the
root) and an unrelated folder `docs/`. Every format is run from the repository
root, from `shop/` and from `docs/`: every path the text report names must open
from the current directory, every path of the machine formats from the
repository root, and SARIF must say where that root is and which commit it is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from eventlint.cli import main
from tests.helpers import fixture


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("monorepo") / "repo"
    shutil.copytree(fixture("shop"), root / "shop", ignore=shutil.ignore_patterns(".eventlint_cache", "__pycache__"))
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# docs\n")
    _git(root.parent, "init", "-q", str(root))
    _git(root, "add", "-A")
    _git(root, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "shop")
    _git(root, "remote", "add", "origin", "https://user:secret-token@git.example.invalid/acme/shop.git")
    return root


def _run(cwd: Path, *args: str):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def _paths(fmt: str, out: str) -> list[str]:
    if fmt in ("text", "concise"):
        return [line.split(":", 1)[0] for line in out.splitlines() if line and not line.startswith((" ", "Analysed", "Found", "Skipped", "[*] "))]
    if fmt == "json":
        return [d["path"] for d in json.loads(out)["diagnostics"]]
    if fmt == "sarif":
        run = json.loads(out)["runs"][0]
        return [unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]]
    if fmt == "github":
        return [line.split("file=", 1)[1].split(",", 1)[0] for line in out.splitlines()]
    assert fmt == "junit"
    return [case.get("classname") for case in ET.fromstring(out).iter("testcase")]


WHERE = {"root": ".", "project": "shop", "sibling": "docs"}


@pytest.mark.parametrize("fmt", ["text", "concise", "json", "sarif", "github", "junit"])
@pytest.mark.parametrize("where", list(WHERE))
def test_every_path_opens_from_where_it_is_meant_to(repo, fmt, where):
    cwd = repo / WHERE[where]
    target = os.path.relpath(repo / "shop", cwd)
    result = _run(cwd, "check", target, "--format", fmt, "--no-color", "--no-cache", "--show-info")  # every finding's path
    assert result.exit_code == 1, result.output
    paths = _paths(fmt, result.stdout)
    assert len(paths) >= 40
    base = cwd if fmt in ("text", "concise") else repo
    missing = [p for p in paths if not (base / p).is_file()]
    assert missing == []
    if fmt not in ("text", "concise"):
        assert all(p.startswith("shop/") for p in paths)


def test_sarif_names_its_root_commit_and_repository_without_credentials(repo):
    run = json.loads(_run(repo / "docs", "check", "../shop", "--format", "sarif", "--no-cache").stdout)["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.endswith("/") and Path(unquote(urlsplit(base).path)) == repo.resolve()
    [provenance] = run["versionControlProvenance"]
    assert provenance["revisionId"] == _git(repo, "rev-parse", "HEAD")
    assert provenance["repositoryUri"] == "https://git.example.invalid/acme/shop.git"
    assert provenance["mappedTo"] == {"uriBaseId": "%SRCROOT%"}
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in run["results"]]
    assert sum("endLine" in r for r in regions) >= len(regions) // 2
    for region in regions:
        if "endLine" in region:
            assert (region["endLine"], region["endColumn"]) > (region["startLine"], region["startColumn"])


def test_end_position_covers_the_whole_call(repo):
    document = json.loads(_run(repo, "check", "shop", "--format", "json", "--no-cache").stdout)
    source = (repo / "shop/services/inventory/inventory/agents.py").read_text().splitlines()
    [call] = [d for d in document["diagnostics"] if d["path"] == "shop/services/inventory/inventory/agents.py" and d["line"] == 19][:1]
    assert source[call["line"] - 1][call["column"] - 1 :].startswith("inventory_reserved.send(")
    assert source[call["end_line"] - 1][: call["end_column"] - 1].rstrip().endswith(")")
    assert call["end_line"] > call["line"]


def test_a_repository_root_without_configuration_checks_every_project_below(repo, tmp_path):
    mono = tmp_path / "mono"
    shutil.copytree(repo, mono, ignore=shutil.ignore_patterns(".eventlint_cache"))
    shutil.copytree(fixture("inprocess"), mono / "libs" / "bus", ignore=shutil.ignore_patterns(".eventlint_cache", "__pycache__"))
    alone_shop = _run(mono / "shop", "check", "--format", "json", "--no-cache")
    alone_bus = _run(mono / "libs" / "bus", "check", "--format", "json", "--no-cache")
    both = _run(mono, "check", "--format", "json", "--no-cache")
    assert "checking 2 projects below it: libs/bus, shop" in both.stderr
    expected = sorted(
        (d["path"], d["line"], d["code"]) for d in json.loads(alone_shop.stdout)["diagnostics"] + json.loads(alone_bus.stdout)["diagnostics"]
    )
    got = [(d["path"], d["line"], d["code"]) for d in json.loads(both.stdout)["diagnostics"]]
    assert sorted(got) == expected and got == sorted(got, key=lambda t: (t[0], t[1])) and any(p.startswith("libs/bus/") for p, _, _ in got) and any(p.startswith("shop/") for p, _, _ in got)
    assert both.exit_code == max(alone_shop.exit_code, alone_bus.exit_code)
    text = _run(mono, "check", "--no-cache", "--no-color").stdout
    assert "2 projects: Analysed" in text
    named = _run(mono, "check", "shop", "libs/bus/shop", "--format", "json", "--no-cache")  # paths in two projects
    assert [(d["path"], d["line"], d["code"]) for d in json.loads(named.stdout)["diagnostics"]] == got


def test_the_json_report_of_several_projects_has_each_ones_coupling(repo, tmp_path):
    mono = tmp_path / "mono"
    shutil.copytree(repo, mono, ignore=shutil.ignore_patterns(".eventlint_cache"))
    shutil.copytree(fixture("inprocess"), mono / "libs" / "bus", ignore=shutil.ignore_patterns(".eventlint_cache", "__pycache__"))
    alone = {name: json.loads(_run(mono / name, "check", "--format", "json", "--no-cache").stdout) for name in ("shop", "libs/bus")}
    both = json.loads(_run(mono, "check", "--format", "json", "--no-cache").stdout)
    assert both["projects"] == [{"root": name, "coupling": alone[name]["coupling"]} for name in ("libs/bus", "shop")]
    assert both["projects"][1]["coupling"]["services"] == 6  # the shop's own graph, not a sum
    assert "coupling" not in both and "projects" not in alone["shop"]  # one project: its summary under `coupling`, as before
    # from a project's folder, the other project's root is named from the repository root too
    inside = json.loads(_run(mono / "docs", "check", str(mono / "shop"), str(mono / "libs" / "bus"), "--format", "json", "--no-cache").stdout)
    assert [p["root"] for p in inside["projects"]] == ["libs/bus", "shop"]


@pytest.mark.parametrize("where", ["", "shop", "docs"])
def test_facts_and_trace_text_name_files_from_the_current_directory(repo, where):
    cwd = repo / where
    shop = repo / "shop"
    facts = _run(cwd, "facts", str(shop), "--format", "text", "--no-cache").stdout
    sites = [line.split()[0].rsplit(":", 2)[0] for line in facts.splitlines() if line.startswith("  ") and ".py:" in line.split()[0]]
    assert sites and all((cwd / path).is_file() for path in sites), sites
    assert all(not Path(path).is_absolute() for path in sites) == (where != "docs")  # outside the current folder: absolute
    trace = _run(cwd, "trace", "OrderCancelled", str(shop)).stdout
    named = [word.rsplit(":", 1)[0] for line in trace.splitlines() for word in line.replace(",", " ").replace(";", " ").split() if ".py:" in word]
    assert named and all((cwd / path).is_file() for path in named), named
    assert "! can break silently" in trace  # the findings still meet their steps once their paths move too
    unresolved = _run(cwd, "facts", str(shop), "--unresolved", "--format", "text", "--no-cache").stdout
    listed = [line.split()[0].rsplit(":", 2)[0] for line in unresolved.splitlines() if ".py:" in line.split(" ")[0]]
    assert all((cwd / path).is_file() for path in listed), listed


def test_a_run_without_configuration_says_what_it_looked_for(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    result = _run(tmp_path, "check", "--no-cache")
    assert "no configuration at or above" in result.stderr and "eventlint.yaml" in result.stderr and "pyproject.toml" in result.stderr
    assert "inferred" in result.stderr and "eventlint init" in result.stderr


@pytest.mark.parametrize(
    "files, problem, verdict",
    [
        ({}, "no Python file found", "Nothing checked: no Python file found."),
        (
            {"app.py": "x = 1\n"},
            "no publisher or subscriber recognised in 1 files; `eventlint facts --format text`",
            "Nothing checked: no publisher or subscriber recognised in 1 file, and no messaging library eventlint knows is imported.",
        ),
        (
            {"app.py": "import pika\n\nconnection = pika.BlockingConnection()\n"},
            "no publisher or subscriber recognised in 1 files (messaging libraries imported: pika in 1); `eventlint facts --format text`",
            "Nothing checked: no publisher or subscriber recognised in 1 file, though messaging libraries are imported (pika in 1 file)",
        ),
    ],
)
def test_a_run_that_recognises_nothing_warns_and_strict_fails(tmp_path, files, problem, verdict):
    for name, body in files.items():
        (tmp_path / name).write_text(body)
    relaxed = _run(tmp_path, "check", "--no-cache")
    assert relaxed.exit_code == 0
    assert f"eventlint: warning: .: {problem}" in relaxed.stderr.replace(f"{tmp_path}: ", ".: ")
    assert "All checks passed" not in relaxed.stdout
    assert verdict in relaxed.stdout
    strict = _run(tmp_path, "check", "--no-cache", "--strict")
    assert strict.exit_code == 2 and f"eventlint: error: " in strict.stderr


def test_a_project_with_sites_but_no_service_warns(tmp_path):
    (tmp_path / "eventlint.yaml").write_text("services: {}\n")
    (tmp_path / "app.py").write_text(
        "from kafka import KafkaProducer\n\nproducer = KafkaProducer()\n\n\ndef place(order):\n    producer.send('orders.placed', b'x')\n"
    )
    result = _run(tmp_path, "check", "--no-cache", "--strict")
    assert "no service found; run `eventlint init`" in result.stderr and result.exit_code == 2


def test_a_configuration_inside_a_project_does_not_make_a_second_project(tmp_path):
    from eventlint import workspace

    for folder in ("a", "a/inner", "b/deep"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "eventlint.yaml").write_text("")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "eventlint.yaml").write_text("")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "eventlint.yaml").write_text("")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "pyproject.toml").write_text("[tool.eventlint]\nexclude = []\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    (tmp_path / "e").symlink_to(tmp_path / "c", target_is_directory=True)  # never followed
    found = [p.relative_to(tmp_path).as_posix() for p in workspace.find_configs(tmp_path)]
    assert found == ["a/eventlint.yaml", "b/deep/eventlint.yaml", "c/pyproject.toml"]


def test_github_annotations_give_columns_only_on_one_line_regions(repo):
    lines = _run(repo, "check", "shop", "--format", "github", "--no-cache").stdout.splitlines()
    several = [line for line in lines if ",endLine=" in line and f",line={line.split(',line=')[1].split(',')[0]}," in line
               and line.split(",endLine=")[1].split(",")[0] != line.split(",line=")[1].split(",")[0]]
    assert several, "the shop has a finding on a call over several lines"
    assert all(",col=" not in line and ",endColumn=" not in line for line in several)
    single = [line for line in lines if ",endColumn=" in line]
    assert single and all(line.split(",endLine=")[1].split(",")[0] == line.split(",line=")[1].split(",")[0] for line in single)
