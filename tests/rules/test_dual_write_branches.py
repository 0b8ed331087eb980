"""EDA403 judges a write and a publication along one path: not in exclusive arms of one `if`
(fixtures/router_branches), and the `arms` fact that says which arms a call is in."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from tests.helpers import facts_of, fixture, line_of, write_project

ROOT = fixture("router_branches")
API = ROOT / "parcels/api.py"


def _found(root: Path, *codes: str) -> set[tuple[str, str, int]]:
    result = api.lint([root], api.load_config([root]), select=list(codes))
    return {(d.code, d.path, d.line) for d in result.diagnostics}


def test_routers_whose_arms_write_or_publish_are_silent_and_one_path_that_does_both_is_reported():
    found = _found(ROOT, "EDA403")
    # handler (early return) and admin_handler (if/elif/else) are silent; the write in an arm that does not return,
    # and an early return inside a loop (an earlier record was already written), are dual writes
    assert found == {
        ("EDA403", "parcels/api.py", line_of(API, "sns.publish(", 2)),
        ("EDA403", "parcels/api.py", line_of(API, "return register(body)", 2)),
    }


def _arms(function: str) -> dict[str, tuple[str, ...]]:
    facts = facts_of(ROOT)
    handler = next(h for h in facts.handlers if h.name.endswith(function))
    return {c.text: c.arms for c in handler.calls if c.function == handler.name and c.text in ("register", "cancel")}


def test_the_arms_of_an_if_else_and_of_an_early_return_are_recorded():
    admin = _arms("api.admin_handler")
    assert len(admin["register"]) == 1 and len(admin["cancel"]) == 2  # the `elif` is an `if` of its own
    (statement,) = {a.rsplit(":", 1)[0] for a in admin["register"]} & {a.rsplit(":", 1)[0] for a in admin["cancel"]}
    assert f"{statement}:0" in admin["register"] and f"{statement}:1" in admin["cancel"]
    routed = _arms("api.handler")
    assert routed["register"][0].endswith(":0") and routed["cancel"] == (routed["register"][0][:-1] + "1",)
    # inside a loop an early return does not make the rest exclusive
    assert _arms("api.batch_handler")["cancel"] == ()


def test_a_return_inside_try_finally_does_not_make_the_rest_exclusive(tmp_path: Path):
    files = {
        "app/__init__.py": "",
        "app/api.py": """
            import boto3

            sns = boto3.client("sns")
            table = boto3.resource("dynamodb").Table("parcels")

            def handler(event, context):
                try:
                    if event["kind"] == "ping":
                        return {"statusCode": 200}
                    table.put_item(Item={"id": event["id"]})
                finally:
                    sns.publish(TopicArn="arn:aws:sns:eu-west-1:1:parcels", Message="done")
            """,
    }
    root = write_project(tmp_path, files)
    assert {code for code, _, _ in _found(root, "EDA403")} == {"EDA403"}
