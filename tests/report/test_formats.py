"""Every output format: shape, determinism, and what CI systems need from it."""

import json
import os
from collections import Counter
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
    out = check("--no-color", "--show-info").output
    first = out.splitlines()[0]
    path, line, col, rest = first.split(":", 3)
    assert path.endswith((".py", ".yaml")) and line.isdigit() and col.isdigit() and rest.startswith(" EDA")
    assert "\x1b[" not in out
    *_, found, fixable = out.rstrip().splitlines()  # ruff's order: the count, then what --fix would fix
    assert found.startswith("Found ") and fixable.startswith("[*] ") and "`--fix`" in fixable


def test_reports_for_people_show_errors_and_warnings_and_count_the_notes():
    """#19 item 4: text, concise and github show errors and warnings and count the info-level notes in one
    closing line; JSON keeps every finding; the exit code does not depend on what is shown."""
    every = json.loads(check("--format", "json").stdout)["diagnostics"]
    infos = [d for d in every if d["severity"] == "info"]
    failing = [d for d in every if d["severity"] != "info"]
    assert infos and failing  # the shop has both, or this test proves nothing
    codes = ", ".join(f"{c} × {n}" for c, n in sorted(Counter(d["code"] for d in infos).items()))
    closing = f"{len(infos)} info-level note{'s' if len(infos) > 1 else ''} not shown ({codes}): --show-info shows them."
    for fmt, count in (("text", None), ("concise", None), ("github", "::")):
        result = check("--format", fmt, "--no-color")
        lines = result.stdout.rstrip().splitlines()
        assert lines[-1] == closing, fmt
        shown = [line for line in lines if (line.startswith("::") if count else " EDA" in line and line.split(":", 3)[-1].startswith(" EDA"))]
        assert len(shown) == len(failing), fmt
        assert result.exit_code == 1
    shown_all = check("--format", "concise", "--show-info").stdout
    assert "not shown" not in shown_all and len([ln for ln in shown_all.splitlines() if ": EDA" in ln]) == len(every)
    # --fail-on info shows everything too; --fail-on error still shows the warnings, and hides only the notes
    assert "not shown" not in check("--format", "concise", "--fail-on", "info").stdout
    errors_only = check("--format", "concise", "--fail-on", "error").stdout.rstrip().splitlines()
    assert errors_only[-1] == closing
    assert len([ln for ln in errors_only if ": EDA" in ln]) == len(failing)


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
    lines = check("--format", "github", "--show-info").output.splitlines()
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
    related = tmp_path / "related"
    related.mkdir()
    logs = {"shop.sarif": check("--format", "sarif").output, "related.sarif": run(related_project(related), "--format", "sarif")}
    assert "relatedLocations" in logs["related.sarif"]
    assert "toolExecutionNotifications" in logs["related.sarif"]  # nothing consumes there: a limited run (report/coverage.py)
    schema = json.loads((tools / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "sarif-2.1.0.json").read_text())
    for name, text in logs.items():
        log = tmp_path / name
        log.write_text(text)
        jsonschema.validate(json.loads(text), schema)
        proc = subprocess.run(
            [str(tools / "node_modules" / ".bin" / "sarif-multitool"), "validate", str(log), "--output", str(tmp_path / f"v-{name}")],
            capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        report = json.loads((tmp_path / f"v-{name}").read_text())
        errors = [r for run in report["runs"] for r in run.get("results", []) if r.get("level") == "error"]
        assert errors == [], (name, errors)


RELATED = {
    # one orphan event published from two places: one finding, the second publication related
    "app.py": (
        "from kafka import KafkaProducer\n"
        "\n"
        'producer = KafkaProducer(bootstrap_servers="kafka:9092")\n'
        "\n"
        "def ship(order):\n"
        '    producer.send("orders.shipped", {"order_id": order.id})\n'
        "\n"
        "def reship(order):\n"
        '    producer.send("orders.shipped", {"order_id": order.id})\n'
    )
}


def related_project(tmp_path):
    for name, text in RELATED.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def run(root, *args):
    result = CliRunner().invoke(main, ["check", str(root), "--select", "EDA101", *args])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def test_related_locations_in_text_json_and_sarif(tmp_path, monkeypatch):
    root = related_project(tmp_path)
    monkeypatch.chdir(root)
    text = run(".", "--no-color")
    assert "app.py:6:5: EDA101" in text and "  = related: app.py:9:5: also publishes it" in text
    [d] = json.loads(run(".", "--format", "json"))["diagnostics"]
    assert d["related"] == [{"path": "app.py", "line": 9, "column": 5, "message": "also publishes it"}]
    [result] = json.loads(run(".", "--format", "sarif"))["runs"][0]["results"]
    [related] = result["relatedLocations"]
    assert related["id"] == 1 and related["message"] == {"text": "also publishes it"}
    assert related["physicalLocation"]["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    assert related["physicalLocation"]["region"] == {"startLine": 9, "startColumn": 5}

