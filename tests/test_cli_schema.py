"""`eventlint schema diff` and `eventlint schema check --against REF` (in a real temporary git repository)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventlint.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="schema check reads the old version with git")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def write(path: Path, document) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2), encoding="utf-8")
    return path


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=eventlint", "-c", "user.email=eventlint@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


MONEY = {
    "$defs": {
        "Money": {
            "type": "object",
            "properties": {"amount": {"type": "number"}, "currency": {"type": "string", "maxLength": 3}},
            "required": ["amount", "currency"],
        }
    }
}
ORDER_PLACED = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"order_id": {"type": "string"}, "total": {"$ref": "common.json#/$defs/Money"}},
    "required": ["order_id", "total"],
    "additionalProperties": False,
}
CONFIG = """\
services:
  orders: [services/orders/**]
  shipping: [services/shipping/**]
  notifications: [services/notifications/**]
events:
  OrderPlaced:
    owner: orders
    channel: orders.placed
    schema: schemas/order_placed
    consumers: [notifications, analytics]
  OrderCancelled:
    owner: orders
    channel: orders.cancelled
    schema: schemas/order_cancelled.json
"""
SHIPPING = """\
from kafka import KafkaConsumer

consumer = KafkaConsumer("orders.placed", group_id="shipping")


def run():
    for message in consumer:
        print(message.value["order_id"])
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    write(root / "eventlint.yaml", CONFIG)
    write(root / "schemas/order_placed/common.json", MONEY)
    write(root / "schemas/order_placed/v1.json", ORDER_PLACED)
    write(root / "schemas/order_cancelled.json", {"type": "object", "properties": {"order_id": {"type": "string"}}})
    write(root / "services/shipping/shipping/consumer.py", SHIPPING)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    return root


def test_unchanged_schemas_are_compatible(repo):
    result = run("schema", "check", "--against", "HEAD", str(repo))
    assert result.exit_code == 0, result.output
    assert "OrderPlaced: schemas/order_placed/v1.json: unchanged since HEAD" in result.output
    assert "No breaking schema change." in result.output


def test_a_breaking_change_names_the_change_its_classification_and_the_consumers(repo):
    money = json.loads(json.dumps(MONEY))
    money["$defs"]["Money"]["properties"]["amount"] = {"type": "integer"}  # in the shared file, through $ref
    write(repo / "schemas/order_placed/common.json", money)
    result = run("schema", "check", "--against", "HEAD", str(repo))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    change = "  /properties/total/properties/amount/type: type-narrowed: type number → integer [breaks BACKWARD]  BREAK"
    assert change in lines
    # documented consumers and the service whose code subscribes to the channel, sorted
    assert lines[lines.index(change) + 1] == "    hurts: analytics, notifications, shipping"
    assert lines[-1] == "1 breaking change(s) in 1 schema file(s)."


def test_json_output_and_a_new_version_file(repo):
    v2 = json.loads(json.dumps(ORDER_PLACED))
    v2["properties"]["coupon"] = {"type": "string"}
    write(repo / "schemas/order_placed/v2.json", v2)
    result = run("schema", "check", "--against", "HEAD", str(repo), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["against"] == "HEAD" and document["compatible"] is True
    statuses = {s["path"]: s["status"] for s in document["schemas"]}
    assert statuses == {
        "schemas/order_cancelled.json": "unchanged",
        "schemas/order_placed/v1.json": "unchanged",
        "schemas/order_placed/v2.json": "new",
    }


def test_the_event_mode_decides_what_breaks(repo):
    # a value removed from the reader's point of view: FORWARD only cares about what new writers send
    config = CONFIG.replace("    schema: schemas/order_cancelled.json\n", "    schema: schemas/order_cancelled.json\n    compatibility: FORWARD\n")
    write(repo / "eventlint.yaml", config)
    write(repo / "schemas/order_cancelled.json", {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]})
    result = run("schema", "check", "--against", "HEAD", str(repo))
    assert result.exit_code == 0, result.output
    assert "/required/order_id: required-added: property 'order_id' is now required [breaks BACKWARD]" in result.output
    assert "mode FORWARD" in result.output
    write(repo / "eventlint.yaml", config.replace("compatibility: FORWARD", "compatibility: FULL"))
    assert run("schema", "check", "--against", "HEAD", str(repo)).exit_code == 1


def test_older_ref_and_history(repo):
    write(repo / "schemas/order_cancelled.json", {"type": "object", "properties": {"order_id": {"type": "integer"}}})
    git(repo, "commit", "-q", "-am", "order id is a number")
    assert run("schema", "check", "--against", "HEAD", str(repo)).exit_code == 0
    result = run("schema", "check", "--against", "HEAD~1", str(repo))
    assert result.exit_code == 1
    assert "/properties/order_id/type: type-changed: type string → integer [breaks BACKWARD and FORWARD]  BREAK" in result.output


@pytest.mark.parametrize("ref", ["no-such-branch", "HEAD~5"])
def test_a_missing_ref_is_an_error_naming_it(repo, ref):
    result = run("schema", "check", "--against", ref, str(repo))
    assert result.exit_code == 2
    assert f"--against: {ref!r} is not a commit" in result.output
    assert "Traceback" not in result.output


def test_outside_a_git_repository_is_an_error(tmp_path):
    write(tmp_path / "eventlint.yaml", "events:\n  OrderPlaced: {schema: order.json}\n")
    write(tmp_path / "order.json", {"type": "object"})
    result = run("schema", "check", "--against", "main", str(tmp_path))
    assert result.exit_code == 2
    assert "'main' is not a commit of a git repository" in result.output


def test_a_malformed_schema_in_the_working_tree_is_an_error(repo):
    write(repo / "schemas/order_cancelled.json", {"type": "object", "properties": {"order_id": {"type": "text"}}})
    result = run("schema", "check", "--against", "HEAD", str(repo))
    assert result.exit_code == 2
    assert "schemas/order_cancelled.json at /properties/order_id/type: not a valid schema" in result.output


def test_diff_exit_codes_and_formats(tmp_path):
    old = write(tmp_path / "v1.json", {"type": "object", "properties": {"status": {"enum": ["NEW", "PAID"]}}})
    new = write(tmp_path / "v2.json", {"type": "object", "properties": {"status": {"enum": ["NEW", "PAID", "SHIPPED"]}}})
    backward = run("schema", "diff", str(old), str(new))
    assert backward.exit_code == 0, backward.output
    assert '/properties/status/enum: enum-value-added: value "SHIPPED" newly allowed [breaks FORWARD]' in backward.output
    assert "Compatible under BACKWARD." in backward.output
    forward = run("schema", "diff", str(old), str(new), "--mode", "FORWARD", "--format", "json")
    assert forward.exit_code == 1
    document = json.loads(forward.output)
    assert document["compatible"] is False and document["mode"] == "FORWARD"
    assert document["changes"] == [
        {
            "path": "/properties/status/enum",
            "kind": "enum-value-added",
            "description": 'value "SHIPPED" newly allowed',
            "breaks_backward": False,
            "breaks_forward": True,
            "breaks_mode": True,
        }
    ]


def test_diff_open_content_policy(tmp_path):
    old = write(tmp_path / "v1.json", {"type": "object", "properties": {"id": {"type": "string"}}})
    new = write(tmp_path / "v2.json", {"type": "object", "properties": {"id": {"type": "string"}, "note": {"type": "string"}}})
    strict = run("schema", "diff", str(old), str(new))
    assert strict.exit_code == 1
    assert "property-added-open-model: property 'note' added (open content model) [breaks BACKWARD]  BREAK" in strict.output
    assert run("schema", "diff", str(old), str(new), "--open-content", "lenient").exit_code == 0
    write(tmp_path / "eventlint.yaml", "contracts:\n  open-content: lenient\n")
    assert run("schema", "diff", str(old), str(new)).exit_code == 0


def test_diff_errors_exit_2(tmp_path):
    good = write(tmp_path / "v1.json", {"type": "object"})
    url = write(tmp_path / "v2.json", {"type": "object", "properties": {"total": {"$ref": "https://example.com/money.json"}}})
    result = run("schema", "diff", str(good), str(url))
    assert result.exit_code == 2
    assert "v2.json at /properties/total/$ref: $ref 'https://example.com/money.json' points outside the project" in result.output
    broken = write(tmp_path / "v3.json", "{not json")
    result = run("schema", "diff", str(good), str(broken))
    assert result.exit_code == 2 and "expected JSON: line 1" in result.output
    assert run("schema", "diff", str(good), str(tmp_path / "missing.json")).exit_code == 2


def test_project_in_a_subfolder_of_the_repository(tmp_path):
    repo = tmp_path / "mono"
    project = repo / "platform" / "shop"
    write(project / "eventlint.yaml", "events:\n  OrderPlaced:\n    schema: schemas/order placed.json\n    consumers: [billing]\n")
    write(project / "schemas/order placed.json", {"type": "object", "properties": {"id": {"type": "string"}}, "additionalProperties": False})
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    write(project / "schemas/order placed.json", {"type": "object", "properties": {}, "additionalProperties": False})
    result = run("schema", "check", "--against", "HEAD", str(project))
    assert result.exit_code == 1, result.output
    assert "/properties/id: property-removed-closed-model: property 'id' removed (closed content model) [breaks BACKWARD]  BREAK" in result.output
    assert "    hurts: billing" in result.output


def test_a_symlink_at_the_ref_is_not_followed(repo):
    (repo / "schemas/order_cancelled.json").unlink()
    (repo / "schemas/order_cancelled.json").symlink_to("/etc/hostname")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a link")
    (repo / "schemas/order_cancelled.json").unlink()
    write(repo / "schemas/order_cancelled.json", {"type": "object"})
    result = run("schema", "check", "--against", "HEAD", str(repo))
    assert result.exit_code == 0, result.output
    assert "OrderCancelled: schemas/order_cancelled.json: new since HEAD" in result.output


def test_schema_paths_are_relative_to_the_file_that_declares_the_event(tmp_path):
    root = tmp_path / "shop"
    write(root / "eventlint.yaml", "events: catalog/events.yaml\n")
    write(root / "catalog/events.yaml", "OrderPlaced:\n  schema: schemas/order_placed.json\n  consumers: [billing]\n")
    write(root / "catalog/schemas/order_placed.json", {"type": "object", "properties": {"total": {"type": "number"}}})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    write(root / "catalog/schemas/order_placed.json", {"type": "object", "properties": {"total": {"type": "number", "minimum": 0}}})
    result = run("schema", "check", "--against", "HEAD", str(root))
    assert result.exit_code == 1, result.output
    assert "OrderPlaced: catalog/schemas/order_placed.json: 1 change(s) since HEAD" in result.output
    assert "/properties/total/minimum: minimum-added: minimum 0 added [breaks BACKWARD]  BREAK" in result.output
