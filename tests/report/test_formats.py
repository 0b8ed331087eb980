"""Every output format: shape, determinism, and what CI systems need from it."""

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from eventlint.cli import main
from tests.helpers import fixture

SHOP = fixture("shop")


def check(*args):
    result = CliRunner().invoke(main, ["check", str(SHOP), *args])
    assert result.exit_code in (0, 1), result.output
    return result


def test_text_is_one_line_per_finding_then_a_summary():
    out = check("--no-color").output
    first = out.splitlines()[0]
    path, line, col, rest = first.split(":", 3)
    assert path.endswith((".py", ".yaml")) and line.isdigit() and col.isdigit() and rest.startswith(" EDA")
    assert "\x1b[" not in out
    *_, found, fixable = out.rstrip().splitlines()  # ruff's order: the count, then what --fix would fix
    assert found.startswith("Found ") and fixable.startswith("[*] ") and "`--fix`" in fixable


def test_text_colour_when_asked():
    assert "\x1b[" in check("--color").output


def test_statistics_counts_per_code():
    out = check("--statistics", "--no-color").output
    assert any(line.split()[1:3] == ["EDA401", "non-idempotent-handler"] for line in out.splitlines() if line[:1].strip().isdigit() or line.startswith(" "))


def test_json_report():
    document = json.loads(check("--format", "json").output)
    assert document["eventlint_report"] == 1
    assert document["summary"]["problems"] == len(document["diagnostics"]) > 0
    assert {"code", "severity", "message", "hint", "path", "line", "column", "service", "event"} <= set(document["diagnostics"][0])


def test_github_annotations():
    lines = check("--format", "github").output.splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert all("file=" in line and ",line=" in line and ",title=EDA" in line for line in lines)
    assert all("\n" not in line for line in lines)


def test_junit_is_well_formed_xml():
    root = ET.fromstring(check("--format", "junit").output)
    assert root.tag == "testsuites"
    failures = root.findall(".//failure")
    assert failures and int(root.get("failures")) == len(failures)


def test_junit_clean_run_has_a_passing_case(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--format", "junit"])
    root = ET.fromstring(result.stdout)
    assert result.exit_code == 0 and root.get("failures") == "0" and root.findall(".//testcase")


def sarif():
    return json.loads(check("--format", "sarif").output)


def test_sarif_shape_github_needs():
    document = sarif()
    assert document["version"] == "2.1.0"
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "eventlint" and driver["version"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["help"]["text"] and rule["help"]["markdown"]
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert location["region"]["startLine"] >= 1
        assert result["partialFingerprints"]["eventlint/v1"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_every_format_is_byte_identical_across_runs(fmt):
    assert check("--format", fmt, "--no-color").output == check("--format", fmt, "--no-color").output


def test_output_file(tmp_path):
    out = tmp_path / "report.sarif"
    result = CliRunner().invoke(main, ["check", str(SHOP), "--format", "sarif", "-o", str(out)])
    assert result.output == "" and json.loads(out.read_text())["version"] == "2.1.0"


@pytest.mark.slow
def test_sarif_passes_microsofts_validator_and_the_official_schema(tmp_path):
    """The SARIF multitool (npm) validates the log; its package ships the official 2.1.0 schema too."""
    npm = shutil.which("npm")
    assert npm, "CI installs Node.js; this test needs npm"
    tools = Path(os.environ.get("EVENTLINT_SARIF_TOOLS", tmp_path / "tools"))
    if not (tools / "node_modules" / ".bin" / "sarif-multitool").exists():
        tools.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--silent", "--prefix", str(tools), "@microsoft/sarif-multitool"], check=True, timeout=600)
    log = tmp_path / "shop.sarif"
    log.write_text(check("--format", "sarif").output)
    schema = json.loads((tools / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(json.loads(log.read_text()), schema)
    proc = subprocess.run(
        [str(tools / "node_modules" / ".bin" / "sarif-multitool"), "validate", str(log), "--output", str(tmp_path / "v.sarif")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((tmp_path / "v.sarif").read_text())
    errors = [r for run in report["runs"] for r in run.get("results", []) if r.get("level") == "error"]
    assert errors == [], errors
