"""Fuzzing what a team writes beside its code: damaged files give exit 0/1, or exit 2 naming file and key.

A small, realistic project (the kafka-python fixture's services, the shop's schemas, the
AsyncAPI documents of tests/data/asyncapi, a team policy file, a configuration using every
key) is written afresh for each example with one of its files damaged by
tests/fuzz/mutations.py; then the CLI runs as a user would. Whatever the damage, the
command ends with exit 0 or 1, or exit 2 and one `eventlint: error:` line naming a file
and what is wrong in it; never a traceback, never an exception escaping click. Another
repository's facts file, damaged the same way, goes through `check --facts`.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from hypothesis import event, given
from hypothesis import strategies as st

from eventlint.cli import main
from eventlint.report.text import facts_json
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.mutations import damaged_text, dump, mutated, pyproject
from tests.helpers import FIXTURES, REPO, facts_of

ASYNCAPI = REPO / "tests" / "data" / "asyncapi" / "asyncapi"
SCHEMAS = FIXTURES / "shop" / "schemas"

CONFIG: dict[str, Any] = {
    "services": {"orders": ["services/orders/**"], "payments": ["services/payments/**"], "analytics": "services/analytics/**"},
    "exclude": ["**/tests/**"],
    "extend-exclude": ["services/orders/orders/outbox.py"],
    "payload-event-keys": ["event_type", "type"],
    "events": {
        "OrderPlaced": {
            "owner": "orders",
            "key": "order_id",
            "channel": "orders.placed",
            "schema": "schemas/order_placed/",
            "consumers": ["payments", "analytics"],
            "description": "A customer placed an order.",
        },
        "OrderCancelled": {"owner": "orders", "channel": "orders.cancelled", "schema": "schemas/order_cancelled.json", "compatibility": "FULL"},
    },
    "external": {"consumed": ["*.dlq"], "published": []},
    "catalog": ["asyncapi/orders.yaml", "asyncapi/payments.json"],
    "contracts": {"compatibility": "BACKWARD", "open-content": "strict"},
    "contexts": {
        "ordering": {"services": ["orders"], "public": ["OrderPlaced", "OrderCancelled"], "description": "Taking orders."},
        "money": {"services": ["payments"], "public": []},
    },
    "rules": {
        "extend-select": ["EDA503"],
        "ignore": ["EDA104"],
        "severity": {"EDA4": "error", "EDA601": "info"},
        "options": {"EDA401": {"payments": ["*charge*", "billing.psp.*"]}},
    },
    "per-file-ignores": {"services/analytics/**": ["EDA1"]},
    "policies": ["policies/team.yaml"],
}

POLICY: dict[str, Any] = {
    "policies": [
        {
            "id": "ACME001",
            "name": "analytics-consumes-payments",
            "summary": "Analytics never consumes payment events.",
            "why": "Card data must not reach the warehouse.",
            "fix": "Consume the anonymised payments.summary stream instead.",
            "message": "{service} consumes {event} ({handler})",
            "hint": "ask the payments team for a summary event",
            "severity": "warning",
            "forbid-edge": {"consumer": {"service": "analytics"}, "event": {"channel": "payments.*"}},
        }
    ]
}


def base_files() -> dict[str, str]:
    """Every file of the project, as text, keyed by root-relative path."""
    files: dict[str, str] = {}
    for source in sorted((FIXTURES / "kafka_python" / "services").rglob("*.py")):
        files["services/" + source.relative_to(FIXTURES / "kafka_python" / "services").as_posix()] = source.read_text(encoding="utf-8")
    for source in sorted(SCHEMAS.glob("order_*/*.json")) + [SCHEMAS / "order_cancelled.json"]:
        files["schemas/" + source.relative_to(SCHEMAS).as_posix()] = source.read_text(encoding="utf-8")
    for source in sorted(p for p in ASYNCAPI.rglob("*") if p.is_file()):
        files["asyncapi/" + source.relative_to(ASYNCAPI).as_posix()] = source.read_text(encoding="utf-8")
    files["eventlint.yaml"] = dump(CONFIG, "yaml")
    files["policies/team.yaml"] = dump(POLICY, "yaml")
    return files


BASE = base_files()
ORDERS_ASYNCAPI = yaml.safe_load(BASE["asyncapi/orders.yaml"])
PAYMENTS_ASYNCAPI = json.loads(BASE["asyncapi/payments.json"])
SCHEMA_V2 = json.loads(BASE["schemas/order_placed/v2.json"])
SCHEMA_CANCELLED = json.loads(BASE["schemas/order_cancelled.json"])
# another repository's facts (`eventlint facts --repository fulfilment`), for `check --facts`: its services are not ours
FOREIGN_FACTS = json.loads(facts_json(dataclasses.replace(facts_of("faststream"), repository="fulfilment")))


@contextmanager
def project(changes: dict[str, str | None], git: bool = False) -> Iterator[Path]:
    """A fresh copy of the project with `changes` applied (None removes a file); optionally committed first."""
    with tempfile.TemporaryDirectory(prefix="eventlint-fuzz-") as tmp:
        root = Path(tmp)
        write(root, BASE)
        if git:
            for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.name=fuzz", "-c", "user.email=fuzz@example.com", "commit", "-qm", "base"]):
                subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
        for rel, text in changes.items():
            if text is None:
                (root / rel).unlink()
        write(root, {rel: text for rel, text in changes.items() if text is not None})
        yield root


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogatepass"))


ERROR_LINE = re.compile(r"^eventlint: error: (?P<file>[^\n]+?)(:\d+)?(:| at )(?P<rest>.+)$")


def run(root: Path, args: list[str], damaged: str) -> Result:
    """Run the CLI in `root` and check the outcome is an exit code, never an exception."""
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    assert escaped is None, f"{type(escaped).__name__}: {escaped} escaped `eventlint {' '.join(args)}` on damaged {damaged}"
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output, result.stderr)
    event(f"{args[0]}: exit {result.exit_code}")  # --hypothesis-show-statistics shows how deep the damage got
    if result.exit_code == 2:
        lines = [line for line in result.stderr.splitlines() if line.startswith("eventlint: error:")]
        assert lines, f"exit 2 without an error line: {result.stderr!r}"
        assert result.stderr.rstrip("\n").endswith(lines[0]), f"the error is not one line: {result.stderr!r}"
        match = ERROR_LINE.match(lines[0])
        assert match, f"the error names no file and key: {lines[0]!r}"
        assert match.group("rest").strip(), lines[0]
        assert _names_a_project_file(root, match.group("file"), lines[0]), f"the error names no file of the project: {lines[0]!r}"
    return result


def _names_a_project_file(root: Path, named: str, line: str) -> bool:
    # the damaged file itself, or the file a damaged entry points to (a schema, a policy, a catalog document)
    named = named.strip()
    if named.startswith(str(root)) or (root / named).exists() or (root / named).parent.exists():
        return True
    return any(rel in line for rel in BASE) or str(root) in line


COMMANDS = st.sampled_from([["check"], ["graph", "--format", "json"], ["catalog", "export", "--syntax", "json"], ["rules"], ["facts"]])


def _command(command: list[str], root: Path) -> list[str]:
    if command == ["rules"]:
        return ["rules", "--config", str(root / "eventlint.yaml")] if (root / "eventlint.yaml").exists() else ["rules"]
    return [*command, str(root)]


@fuzz_settings(0.125)
@given(mutated(CONFIG), st.sampled_from(["yaml", "json"]), st.data(), COMMANDS)
def test_damaged_eventlint_yaml(config, syntax, data, command):
    text = data.draw(damaged_text(dump(config, syntax), yaml_syntax=True))
    with project({"eventlint.yaml": text}) as root:
        run(root, _command(command, root), "eventlint.yaml")


@fuzz_settings(0.125)
@given(mutated(CONFIG), st.data(), COMMANDS)
def test_damaged_pyproject_section(config, data, command):
    text = data.draw(damaged_text(pyproject(config), yaml_syntax=False))
    with project({"eventlint.yaml": None, "pyproject.toml": text}) as root:
        args = [*command, str(root)] if command != ["rules"] else ["rules", "--config", str(root / "pyproject.toml")]
        run(root, args, "pyproject.toml")


@fuzz_settings(0.125)
@given(st.sampled_from(["schemas/order_placed/v2.json", "schemas/order_cancelled.json"]), st.data())
def test_damaged_event_schemas(target, data):
    base = SCHEMA_V2 if target.endswith("v2.json") else SCHEMA_CANCELLED
    text = data.draw(damaged_text(dump(data.draw(mutated(base)), "json"), yaml_syntax=False))
    command = data.draw(st.sampled_from(["check", "schema check", "schema diff"]))
    with project({target: text}, git=command == "schema check") as root:
        if command == "check":
            args = ["check", str(root)]
        elif command == "schema check":
            args = ["schema", "check", "--against", "HEAD", str(root)]
        else:
            args = ["schema", "diff", str(root / "schemas/order_placed/v1.json"), str(root / target), "--config", str(root / "eventlint.yaml")]
        run(root, args, target)


@fuzz_settings(0.125)
@given(st.sampled_from(["asyncapi/orders.yaml", "asyncapi/payments.json"]), st.data(), st.sampled_from([["check"], ["graph", "--format", "json"], ["catalog", "export", "--syntax", "json"]]))
def test_damaged_asyncapi_documents(target, data, command):
    yaml_syntax = target.endswith(".yaml")
    document = data.draw(mutated(ORDERS_ASYNCAPI if yaml_syntax else PAYMENTS_ASYNCAPI))
    text = data.draw(damaged_text(dump(document, "yaml" if yaml_syntax else "json"), yaml_syntax=yaml_syntax))
    with project({target: text}) as root:
        run(root, _command(command, root), target)


@fuzz_settings(0.125)
@given(mutated(POLICY), st.data(), st.sampled_from([["check"], ["rules"], ["graph", "--format", "json"]]))
def test_damaged_policy_files(policy, data, command):
    text = data.draw(damaged_text(dump(policy, "yaml"), yaml_syntax=True))
    with project({"policies/team.yaml": text}) as root:
        run(root, _command(command, root), "policies/team.yaml")


@fuzz_settings(0.125)
@given(mutated(FOREIGN_FACTS, max_mutations=4), st.data())
def test_damaged_facts_of_another_repository(document, data):
    text = data.draw(damaged_text(dump(document, "json"), yaml_syntax=False))
    with project({"foreign/fulfilment.json": text}) as root:
        run(root, ["check", str(root), "--facts", str(root / "foreign/fulfilment.json")], "foreign/fulfilment.json")
