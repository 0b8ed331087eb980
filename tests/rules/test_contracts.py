"""Contract rules beyond their embedded examples: routing, catalogs in their own file, broken schemas."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from eventlint import api
from eventlint.cli import main
from tests.helpers import write_project

PIKA_CONSUMER = """
import pika

channel = pika.BlockingConnection().channel()
channel.queue_bind(queue="emails", exchange="shipping", routing_key="shipment.*")

def on_message(ch, method, properties, body):
    ch.basic_ack(method.delivery_tag)

channel.basic_consume(queue="emails", on_message_callback=on_message)
"""


def _codes(root: Path, *codes: str) -> list[tuple[str, str, int]]:
    result = api.lint([root], api.load_config([root]), select=list(codes))
    return [(d.code, d.path, d.line) for d in result.diagnostics]


def test_a_queue_bound_to_the_event_route_consumes_it(tmp_path: Path) -> None:
    config = {
        "services": {"notifications": "app.py"},
        "events": {"ShipmentDispatched": {"owner": "shipping", "channel": "shipping/shipment.dispatched", "consumers": []}},
    }
    write_project(tmp_path, {"app.py": PIKA_CONSUMER}, config)
    found = _codes(tmp_path, "EDA201", "EDA205")
    assert [c for c, _, _ in found] == ["EDA205"], found


def test_pattern_subscriptions_are_not_judged_undeclared(tmp_path: Path) -> None:
    source = 'import redis\n\nr = redis.Redis()\np = r.pubsub()\np.psubscribe("audit.*")\n'
    write_project(tmp_path, {"app.py": source}, {"events": {"OrderPlaced": {"channel": "orders.placed"}}})
    assert _codes(tmp_path, "EDA201") == []


def test_events_kept_in_their_own_file(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "app.py": 'from kafka import KafkaProducer\n\nKafkaProducer().send("orders.placed", b"{}", key=b"1")\n',
            "catalog/events.yaml": "OrderPlaced:\n  owner: orders\n  channel: orders.placed\n",
        },
        {"services": {"app": "app.py"}, "events": "catalog/events.yaml"},
    )
    found = _codes(tmp_path, "EDA202", "EDA207")
    assert ("EDA202", "catalog/events.yaml", 1) in found
    assert ("EDA207", "app.py", 3) in found


def test_a_documented_consumer_that_is_no_service_is_stale(tmp_path: Path) -> None:
    write_project(tmp_path, {"app.py": ""}, {"events": {"OrderPlaced": {"owner": "app", "consumers": ["ghost"]}}})
    result = api.lint([tmp_path], api.load_config([tmp_path]), select=["EDA206"])
    assert [d.message for d in result.diagnostics] == ["`ghost`, a documented consumer of `OrderPlaced`, is not a service of this project"]


def test_a_broken_schema_is_one_finding_and_the_other_events_are_still_checked(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "app.py": (
                "from kafka import KafkaProducer\n\nproducer = KafkaProducer()\n"
                'producer.send("orders.placed", {"order_id": "1"})\n'
                'producer.send("orders.cancelled", {"order_id": 1})\n'
            ),
            "schemas/order_placed.json": '{\n  "type": "object",\n  "properties": {\n    "order_id": {"type": 12}\n  }\n}\n',
            "schemas/order_cancelled.json": '{"type": "object", "properties": {"order_id": {"type": "string"}}}',
        },
        {
            "events": {
                "OrderPlaced": {"channel": "orders.placed", "schema": "schemas/order_placed.json"},
                "OrderCancelled": {"channel": "orders.cancelled", "schema": "schemas/order_cancelled.json"},
            }
        },
    )
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--select", "EDA203,EDA003"])
    assert result.exit_code == 1
    assert "schemas/order_placed.json:4:1: EDA003 schema of `OrderPlaced` cannot be used: not a valid schema" in result.output
    assert "(at /properties/order_id/type)" in result.output
    assert "app.py:5:1: EDA203 payload of `OrderCancelled` does not match its schema" in result.output  # still checked
    assert "Traceback" not in result.output


def test_a_missing_schema_file_names_the_key(tmp_path: Path) -> None:
    write_project(tmp_path, {"app.py": ""}, {"events": {"OrderPlaced": {"schema": "schemas/nope.json"}}})
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "events.OrderPlaced.schema" in result.output and "schemas/nope.json" in result.output


def test_a_schema_outside_the_project_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.json").write_text("{}", encoding="utf-8")
    write_project(tmp_path / "proj", {"app.py": ""}, {"events": {"OrderPlaced": {"schema": "../outside.json"}}})
    result = CliRunner().invoke(main, ["check", str(tmp_path / "proj")])
    assert result.exit_code == 2
    assert "outside the project root" in result.output


def test_payload_and_reads_follow_refs_into_other_schema_files(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        {
            "app.py": (
                "import json\nfrom kafka import KafkaConsumer, KafkaProducer\n\nproducer = KafkaProducer()\n"
                'producer.send("orders.placed", json.dumps({"order_id": "1", "total": "12"}).encode())\n\n\n'
                "def bill(order):\n    charge(order[\"order_id\"], order[\"amount\"])\n\n\n"
                'for message in KafkaConsumer("orders.placed", group_id="billing"):\n    bill(json.loads(message.value))\n'
            ),
            "schemas/order_placed.json": '{"$ref": "common.json#/$defs/Order"}',
            "schemas/common.json": (
                '{"$defs": {"Money": {"type": "integer"}, "Order": {"type": "object", "additionalProperties": false,'
                ' "required": ["order_id", "total"], "properties": {"order_id": {"type": "string"}, "total": {"$ref": "#/$defs/Money"}}}}}'
            ),
        },
        {"events": {"OrderPlaced": {"channel": "orders.placed", "schema": "schemas/order_placed.json"}}},
    )
    found = sorted((d.code, d.line, d.message) for d in api.lint([tmp_path], api.load_config([tmp_path]), select=["EDA203", "EDA204"]).diagnostics)
    assert [(code, line) for code, line, _ in found] == [("EDA203", 5), ("EDA204", 9)]
    assert "`total` is a string, the schema says integer" in found[0][2]
    assert "reads `amount`, which the `OrderPlaced` schema does not define" in found[1][2]
