"""AsyncAPI 2.6 / 3.0 documents as the catalog, and `eventlint catalog export` (AsyncAPI 3.0) out.

tests/data/asyncapi describes a fulfilment system with one document
per application (orders: 3.0 YAML, payments: 2.6 JSON, warehouse: 3.0 YAML with
request/reply); each document, and the three together, round-trip: import ->
export -> valid against the official 3.0 schema -> import again gives the same
events, owners, consumers and channels.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from eventlint import api, asyncapi, cli
from eventlint.catalog import load_catalog
from eventlint.cli import main
from eventlint.config import ConfigError
from tests.helpers import REPO, fixture, write_project

DOCUMENTS = ("orders.yaml", "payments.json", "warehouse.yaml")
DATA = REPO / "tests" / "data" / "asyncapi"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def project(tmp_path: Path, catalog: list[str] | str, events: dict | None = None) -> Path:
    """A copy of the fixture's documents with an eventlint.yaml naming `catalog`."""
    root = tmp_path / "project"
    shutil.copytree(DATA / "asyncapi", root / "asyncapi")
    config: dict = {"catalog": catalog}
    if events:
        config["events"] = events
    (root / "eventlint.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return root


def catalog_of(root: Path):
    return load_catalog(api.load_config([root]))


def summary(catalog) -> dict[str, tuple]:
    """What a round trip must keep: per event its owner, consumers, channel and the message's details."""
    return {
        name: (e.owner, tuple(sorted(e.consumers)), e.channel, e.key, e.deprecated, e.compatibility, e.description, e.payload)
        for name, e in catalog.events.items()
    }


def exported(root: Path, *args: str) -> str:
    result = run("catalog", "export", str(root), *args)
    assert result.exit_code == 0, result.output
    return result.output


def reimport(tmp_path: Path, text: str, name: str = "exported.yaml"):
    again = tmp_path / "again"
    again.mkdir(exist_ok=True)
    (again / name).write_text(text, encoding="utf-8")
    (again / "eventlint.yaml").write_text(f"catalog: {name}\n", encoding="utf-8")
    return catalog_of(again)


def assert_valid_3_0(document: dict) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert asyncapi.problems(document, "3.0.0") == []


# --- import: what the documents map to ------------------------------------------------------------


def test_asyncapi_3_operations_make_owner_and_consumers(tmp_path):
    events = catalog_of(project(tmp_path, "asyncapi/orders.yaml")).events
    assert {n: (e.owner, e.consumers, e.channel) for n, e in events.items()} == {
        "OrderPlaced": ("orders", (), "orders.placed"),
        "OrderCancelled": ("orders", (), "orders.cancelled"),
        # an operation without `messages` sends every message of its channel
        "OrderStatusChanged": ("orders", (), "orders.{orderId}.status"),
        "PaymentCompleted": (None, ("orders",), "payments.completed"),
    }
    placed = events["OrderPlaced"]
    assert placed.key == "order_id" and placed.source.endswith("orders.yaml")
    assert placed.description == "A customer placed an order and the storefront accepted it."
    assert events["OrderStatusChanged"].deprecated == "subscribe to orders.placed and orders.cancelled instead"


def test_payload_refs_are_inlined_and_recursion_kept_under_defs(tmp_path):
    payload = catalog_of(project(tmp_path, "asyncapi/orders.yaml")).events["OrderPlaced"].payload
    assert payload["required"] == ["order_id", "customer_id", "lines", "total", "placed_at"]
    # `common/schemas.yaml#/Money`, a file beside the document
    assert payload["properties"]["total"]["required"] == ["amount_minor", "currency"]
    assert payload["properties"]["placed_at"] == {"type": "string", "format": "date-time", "description": "RFC 3339 date and time, UTC."}
    # OrderLine refers to itself (a bundle lists its lines): it stays a reference, defined once under $defs
    assert payload["properties"]["lines"]["items"] == {"$ref": "#/$defs/OrderLine"}
    line = payload["$defs"]["OrderLine"]
    assert line["properties"]["bundle"]["items"] == {"$ref": "#/$defs/OrderLine"}
    assert line["properties"]["unit_price"]["properties"]["currency"]["pattern"] == "^[A-Z]{3}$"
    assert set(payload["$defs"]) == {"OrderLine"}
    assert json.dumps(payload).count('"$ref"') == 2


def test_multi_format_payload_of_asyncapi_3(tmp_path):
    payload = catalog_of(project(tmp_path, "asyncapi/orders.yaml")).events["OrderStatusChanged"].payload
    assert payload["required"] == ["order_id", "status"]


def test_asyncapi_2_publish_is_receive_and_subscribe_is_send(tmp_path):
    events = catalog_of(project(tmp_path, "asyncapi/payments.json")).events
    assert {n: (e.owner, e.consumers, e.channel) for n, e in events.items()} == {
        # `publish`: other applications publish to payments, which receives
        "OrderPlaced": (None, ("payments",), "orders.placed"),
        # `subscribe`: other applications subscribe, payments sends; the service is the slug of "Payments API"
        "PaymentCompleted": ("payments", (), "payments.completed"),
        "PaymentFailed": ("payments", (), "payments.failed"),
        "RefundIssued": ("payments", (), "payments.refunds"),
        "RefundRejected": ("payments", (), "payments.refunds"),
        # an inline message named by its messageId, on a 2.x channel whose key is the address
        "ReceiptIssued": ("payments", (), "customers/{customerId}/receipts"),
    }
    assert events["PaymentCompleted"].payload["properties"]["amount"]["properties"]["currency"]["pattern"] == "^[A-Z]{3}$"
    assert events["PaymentCompleted"].description == "The customer was charged for an order."


def test_asyncapi_3_reply_is_sent_by_the_receiver(tmp_path):
    events = catalog_of(project(tmp_path, "asyncapi/warehouse.yaml")).events
    assert {n: (e.owner, e.consumers, e.channel) for n, e in events.items()} == {
        "ReserveStock": (None, ("warehouse",), "warehouse.reservations"),
        "StockReserved": ("warehouse", (), "warehouse.reservations.replies"),
        "StockUnavailable": ("warehouse", (), "warehouse.reservations.replies"),
        # the message is a $ref into orders.yaml, whose own refs resolve there
        "OrderPlaced": (None, ("warehouse",), "orders.placed"),
    }
    assert events["OrderPlaced"].payload["properties"]["total"]["properties"]["amount_minor"]["minimum"] == 0
    assert events["StockReserved"].compatibility == "BACKWARD"


def test_documents_merge_and_the_events_key_wins(tmp_path):
    events = catalog_of(DATA).events
    placed = events["OrderPlaced"]
    # owner from orders.yaml; consumers from payments.json, warehouse.yaml and the events key
    assert (placed.owner, placed.consumers, placed.channel) == ("orders", ("analytics", "payments", "warehouse"), "orders.placed")
    assert placed.compatibility == "FULL_TRANSITIVE" and placed.key == "order_id"
    # the payload is the owner's (orders.yaml), not the consumer's view in payments.json
    assert "lines" in placed.payload["properties"]
    completed = events["PaymentCompleted"]
    assert (completed.owner, completed.consumers) == ("payments", ("orders",))
    assert "payment_id" in completed.payload["properties"] and completed.source.endswith("payments.json")


def test_events_key_fields_win_and_a_schema_file_replaces_the_payload(tmp_path):
    root = project(
        tmp_path,
        ["asyncapi/orders.yaml"],
        events={
            "OrderPlaced": {"owner": "storefront", "channel": "orders.v2.placed", "consumers": ["billing"], "schema": "schemas/order.json"},
            "Unrelated": {"owner": "orders"},
        },
    )
    (root / "schemas").mkdir()
    (root / "schemas" / "order.json").write_text('{"type": "object"}')
    events = catalog_of(root).events
    placed = events["OrderPlaced"]
    assert (placed.owner, placed.channel, placed.consumers, placed.schema, placed.payload) == (
        "storefront",
        "orders.v2.placed",
        ("billing",),
        "schemas/order.json",
        None,
    )
    assert placed.key == "order_id"  # not stated in the key: from the document
    assert list(events)[:2] == ["OrderPlaced", "Unrelated"]
    assert events["OrderCancelled"].owner == "orders"


def test_service_name_from_extension_or_title():
    doc = {"info": {"title": "Orders Service"}}
    assert asyncapi.service_name(doc, Path("a.yaml")) == "orders"
    assert asyncapi.service_name({"info": {"title": "Streetlights Kafka API"}}, Path("a.yaml")) == "streetlights-kafka"
    assert asyncapi.service_name({"info": {"title": "Billing", "x-eventlint-service": "billing-core"}}, Path("a.yaml")) == "billing-core"
    assert asyncapi.service_name({"x-eventlint-service": "ledger", "info": {"title": "x"}}, Path("a.yaml")) == "ledger"
    with pytest.raises(ConfigError) as info:
        asyncapi.service_name({"info": {"title": "Orders", "x-eventlint-service": 3}}, Path("a.yaml"))
    assert info.value.key == "#/info/x-eventlint-service"


def test_declarations_point_at_the_operation_or_message_line(tmp_path):
    events = catalog_of(DATA).events
    for name, text in (
        ("OrderCancelled", "  publishOrderCancelled:"),
        ("PaymentCompleted", '"subscribe": {'),
        ("StockReserved", "    reply:"),
        ("ReserveStock", "    ReserveStock:"),
    ):
        spec = events[name]
        lines = Path(spec.source).read_text().splitlines()
        assert lines[spec.line - 1].startswith(text) or lines[spec.line - 1].strip() == text.strip(), (name, spec.line)


def test_contract_rules_read_an_asyncapi_catalog(tmp_path):
    document = """\
        asyncapi: 3.0.0
        info: {title: Orders Service, version: 1.0.0}
        channels:
          orderPlaced:
            address: orders.placed
            messages:
              OrderPlaced:
                payload:
                  type: object
                  additionalProperties: false
                  required: [order_id, total_cents]
                  properties:
                    order_id: {type: string}
                    total_cents: {type: integer}
        operations:
          publishOrderPlaced:
            action: send
            channel: {$ref: '#/channels/orderPlaced'}
          billingConsumes:
            action: receive
            channel: {$ref: '#/channels/orderPlaced'}
            x-eventlint-service: billing
          loyaltyConsumes:
            action: receive
            channel: {$ref: '#/channels/orderPlaced'}
            x-eventlint-service: loyalty
        """
    root = write_project(
        tmp_path / "p",
        {
            "asyncapi.yaml": document,
            "orders/api.py": """
                import json
                from kafka import KafkaProducer

                producer = KafkaProducer()


                def place(order):
                    payload = {"order_id": order.id, "total": order.total}
                    producer.send("orders.placed", json.dumps(payload).encode(), key=order.id.encode())
            """,
            "billing/consumer.py": """
                from kafka import KafkaConsumer

                for message in KafkaConsumer("orders.placed", group_id="billing"):
                    print(message.value)
            """,
            "shipping/consumer.py": """
                from kafka import KafkaConsumer

                for message in KafkaConsumer("orders.placed", group_id="shipping"):
                    print(message.value)
            """,
        },
        config={
            "services": {"orders": ["orders/**"], "billing": ["billing/**"], "shipping": ["shipping/**"], "loyalty": ["loyalty/**"]},
            "catalog": "asyncapi.yaml",
        },
    )
    result = api.lint([root], select=["EDA203", "EDA205", "EDA206"])
    found = {(d.code, d.path, d.service) for d in result.diagnostics}
    assert found == {
        ("EDA203", "orders/api.py", "orders"),  # `total` is not in the closed payload schema, total_cents is missing
        ("EDA205", "shipping/consumer.py", "shipping"),  # consumes OrderPlaced, not a receiver in the document
        ("EDA206", "asyncapi.yaml", "loyalty"),  # the document says loyalty receives it; no code does
    }
    stale = next(d for d in result.diagnostics if d.code == "EDA206")
    assert stale.line == 16  # the send operation, where the event is declared


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("document", DOCUMENTS)
def test_each_document_round_trips(tmp_path, document):
    root = project(tmp_path, f"asyncapi/{document}")
    before = catalog_of(root)
    text = exported(root)
    assert_valid_3_0(yaml.safe_load(text))
    after = reimport(tmp_path, text)
    assert summary(after) == summary(before)
    assert before.events  # the document declared something


def test_documents_sharing_a_messages_file_round_trip(tmp_path):
    # one messages file shared by two applications' 2.x documents, its messages named only by their keys
    shared = """\
        commentLiked:
          payload: {$ref: './schemas.yaml#/commentLiked'}
        commentChanged:
          payload: {$ref: './schemas.yaml#/commentChanged'}
        """
    schemas = """\
        commentId: {type: string}
        commentLiked:
          type: object
          properties:
            commentId: {allOf: [{$ref: '#/commentId'}, {description: The comment that was liked}]}
        commentChanged:
          type: object
          properties:
            commentId: {$ref: '#/commentId'}
            likes: {type: integer, minimum: 0}
        """
    comments = """\
        asyncapi: 2.2.0
        info: {title: Comments Service, version: 1.0.0}
        channels:
          comment/liked:
            publish:
              message: {$ref: '../common/messages.yaml#/commentLiked'}
          comment/{commentId}/changed:
            parameters:
              commentId: {schema: {$ref: '../common/schemas.yaml#/commentId'}}
            subscribe:
              message: {$ref: '../common/messages.yaml#/commentChanged'}
          comment/{commentId}/deleted:
            subscribe:
              message: {payload: {type: object}}
        """
    notifications = """\
        asyncapi: 2.6.0
        info: {title: Notifications Service, version: 1.0.0}
        channels:
          comment/liked:
            publish:
              message: {$ref: '../common/messages.yaml#/commentLiked'}
        """
    root = write_project(
        tmp_path / "p",
        {
            "common/messages.yaml": shared,
            "common/schemas.yaml": schemas,
            "comments/asyncapi.yaml": comments,
            "notifications/asyncapi.yaml": notifications,
        },
        config={"catalog": ["comments/asyncapi.yaml", "notifications/asyncapi.yaml"]},
    )
    before = catalog_of(root)
    assert {n: (e.owner, e.consumers, e.channel) for n, e in before.events.items()} == {
        "commentChanged": ("comments", (), "comment/{commentId}/changed"),
        "commentLiked": (None, ("comments", "notifications"), "comment/liked"),
        # an inline message with no name, id or title is named by its channel
        "comment/{commentId}/deleted": ("comments", (), "comment/{commentId}/deleted"),
    }
    assert before.events["commentChanged"].payload["properties"]["commentId"] == {"type": "string"}
    text = exported(root)
    assert_valid_3_0(yaml.safe_load(text))
    assert summary(reimport(tmp_path, text)) == summary(before)


def test_the_whole_catalog_round_trips_in_json_too(tmp_path):
    root = DATA
    before = catalog_of(root)
    text = exported(root, "--syntax", "json")
    document = json.loads(text)
    assert_valid_3_0(document)
    assert summary(reimport(tmp_path, text, "exported.json")) == summary(before)
    assert yaml.safe_load(exported(root)) == document
    # operations name their service; each channel address appears once
    status = next(c for c in document["channels"].values() if c["address"] == "orders.{orderId}.status")
    assert status["parameters"] == {"orderId": {}}
    services = {op["x-eventlint-service"] for op in document["operations"].values()}
    assert services == {"analytics", "orders", "payments", "warehouse"}
    addresses = [c["address"] for c in document["channels"].values()]
    assert len(addresses) == len(set(addresses)) == len({e.channel for e in before.events.values()})


def test_one_service_document(tmp_path):
    document = yaml.safe_load(exported(DATA, "--service", "warehouse"))
    assert_valid_3_0(document)
    assert document["info"]["x-eventlint-service"] == "warehouse"
    actions = {(op["action"], m["$ref"].rsplit("/", 1)[-1]) for op in document["operations"].values() for m in op["messages"]}
    assert actions == {("receive", "ReserveStock"), ("send", "StockReserved"), ("send", "StockUnavailable"), ("receive", "OrderPlaced")}
    assert set(document["components"]["messages"]) == {"ReserveStock", "StockReserved", "StockUnavailable", "OrderPlaced"}
    events = reimport(tmp_path, yaml.safe_dump(document)).events
    assert events["StockReserved"].owner == "warehouse" and events["OrderPlaced"].consumers == ("warehouse",)


def test_unknown_service_is_a_usage_error():
    result = run("catalog", "export", str(DATA), "--service", "nope")
    assert result.exit_code == 2
    assert "--service: no service 'nope'; the project has: analytics, orders, payments, warehouse" in result.output


# --- export of code --------------------------------------------------------------------------------


def test_export_of_the_shop_is_valid_and_follows_the_code():
    text = exported(fixture("shop"))
    document = yaml.safe_load(text)
    assert_valid_3_0(document)
    facts = api.facts([fixture("shop")])
    # every publication and subscription with a known service is an operation of that service, with its site
    sites = {site for op in document["operations"].values() for site in op.get("x-eventlint-sites", [])}
    expected = {f"{r.path}:{r.line}" for r in (*facts.publishers, *facts.subscribers) if r.service and (r.event or r.channel)}
    assert sites == expected
    placed = document["channels"]["orders.placed"]
    assert placed == {"address": "orders.placed", "messages": {"OrderPlaced": {"$ref": "#/components/messages/OrderPlaced"}}}
    sends = {
        k for k, op in document["operations"].items() if op["action"] == "send" and op["channel"]["$ref"] == "#/channels/orders.placed"
    }
    assert sends == {"orders.send.orders.placed"}
    assert document["components"]["messages"]["OrderPlaced"]["x-eventlint-key"] == "order_id"
    # notifications' queue is bound to shipping/shipment.*: it receives what shipping sends there, not a message of its own
    shipments = facts.subscribers[[s.channel for s in facts.subscribers].index("notifications.shipments")]
    site = f"{shipments.path}:{shipments.line}"
    [receiving] = [op for op in document["operations"].values() if site in op.get("x-eventlint-sites", [])]
    assert receiving["channel"] == {"$ref": "#/channels/shipping_shipment.dispatched"}
    assert receiving["messages"] == [{"$ref": "#/channels/shipping_shipment.dispatched/messages/ShipmentDispatched"}]
    assert not any(c["address"] == "notifications.shipments" for c in document["channels"].values())


def test_export_is_byte_identical_across_runs(tmp_path):
    for root in (fixture("shop"), DATA):
        assert exported(root) == exported(root)
        assert exported(root, "--syntax", "json") == exported(root, "--syntax", "json")
    out = tmp_path / "shop.asyncapi.yaml"
    result = run("catalog", "export", str(fixture("shop")), "-o", str(out))
    assert result.exit_code == 0 and result.output == ""
    assert out.read_text(encoding="utf-8") == exported(fixture("shop"))


def test_export_reads_schema_files_and_their_sibling_refs(tmp_path):
    root = write_project(
        tmp_path / "p",
        {
            "orders/__init__.py": "",
            "orders/api.py": """
                from kafka import KafkaProducer

                producer = KafkaProducer()


                def place(order):
                    producer.send("orders.placed", {"order_id": order.id})
            """,
            "schemas/order_placed/v1.json": json.dumps({"type": "object", "properties": {"order_id": {"type": "string"}}}),
            "schemas/order_placed/v2.json": json.dumps(
                {
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "$id": "https://shop.example/schemas/order_placed/v2.json",
                    "type": "object",
                    "required": ["order_id", "customer"],
                    "properties": {
                        "order_id": {"type": "string"},
                        "customer": {"$ref": "../customer.json"},
                        "tags": {"$ref": "#/$defs/tags"},
                        "total": {"$ref": "https://shop.example/schemas/money.json"},
                        "status": {"$ref": "#status"},
                    },
                    "$defs": {
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "status": {"$anchor": "status", "enum": ["placed", "paid"]},
                    },
                }
            ),
            # found by its $id beside the referring file, as JSON Schema tools do without a network
            "schemas/order_placed/money.json": json.dumps(
                {"$id": "https://shop.example/schemas/money.json", "type": "object", "required": ["amount_minor", "currency"]}
            ),
            "schemas/customer.json": json.dumps({"type": "object", "properties": {"id": {"type": "string"}, "referrer": {"$ref": "#"}}}),
        },
        config={
            "services": {"orders": ["orders/**"]},
            "events": {"OrderPlaced": {"owner": "orders", "channel": "orders.placed", "schema": "schemas/order_placed"}},
        },
    )
    document = yaml.safe_load(exported(root))
    assert_valid_3_0(document)
    payload = document["components"]["messages"]["OrderPlaced"]["payload"]
    # the latest version (v2) with its $defs inlined; the sibling file refers to itself, so it becomes a component
    assert payload["required"] == ["order_id", "customer"]
    assert payload["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert payload["properties"]["total"] == {"type": "object", "required": ["amount_minor", "currency"]}
    assert payload["properties"]["status"] == {"$anchor": "status", "enum": ["placed", "paid"]}
    assert payload["properties"]["customer"] == {"$ref": "#/components/schemas/customer"}
    assert document["components"]["schemas"]["customer"] == {
        "type": "object",
        "properties": {"id": {"type": "string"}, "referrer": {"$ref": "#/components/schemas/customer"}},
    }
    assert "$schema" not in payload and "$id" not in payload and "$defs" not in payload
    [operation] = document["operations"].values()
    assert operation["x-eventlint-sites"] == ["orders/api.py:7"]


def test_export_of_unusual_names_and_yaml_values(tmp_path):
    root = write_project(
        tmp_path / "p",
        {"schemas/placed.yaml": "type: object\nproperties:\n  placed_on: {type: string, format: date, default: 2024-01-01}\n"},
        config={
            "events": {
                "Order Placed": {
                    "owner": "orders",
                    "channel": "orders placed/v1",
                    "schema": "schemas/placed.yaml",
                    "description": "Commande passée ✓",
                },
                "ordre.créé": {"owner": "orders", "channel": "ordres.créés", "consumers": ["facturation"]},
            }
        },
    )
    text = exported(root)
    document = yaml.safe_load(text)
    assert_valid_3_0(document)
    # ids are ASCII (JavaScript validators read \w as ASCII); names and addresses keep their spelling
    assert set(document["components"]["messages"]) == {"Order_Placed", "ordre.cr"}
    assert document["components"]["messages"]["ordre.cr"]["name"] == "ordre.créé"
    assert {c["address"] for c in document["channels"].values()} == {"orders placed/v1", "ordres.créés"}
    # a YAML date is JSON text in a JSON Schema
    assert document["components"]["messages"]["Order_Placed"]["payload"]["properties"]["placed_on"]["default"] == "2024-01-01"
    assert exported(root, "--syntax", "json") == json.dumps(asyncapi.canonical(document), indent=2, ensure_ascii=False) + "\n"
    assert summary(reimport(tmp_path, text))["ordre.créé"][:3] == ("orders", ("facturation",), "ordres.créés")


def test_export_names_the_schema_that_is_not_valid(tmp_path):
    # YAML 1.1 reads on/off/yes as booleans: the enum repeats true
    root = write_project(
        tmp_path / "p",
        {"schemas/switch.yaml": "type: object\nproperties:\n  state: {enum: [on, off, yes]}\n"},
        config={"events": {"LightSwitched": {"owner": "lights", "schema": "schemas/switch.yaml"}}},
    )
    result = run("catalog", "export", str(root))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "#/components/messages/LightSwitched/payload/properties/state/enum" in result.output
    assert "(event LightSwitched, schema schemas/switch.yaml)" in result.output


def test_export_with_a_missing_schema_file_names_the_event(tmp_path):
    root = write_project(tmp_path / "p", {}, config={"events": {"OrderPlaced": {"owner": "orders", "schema": "schemas/nope.json"}}})
    result = run("catalog", "export", str(root))
    assert result.exit_code == 2
    assert "eventlint.yaml: events.OrderPlaced.schema: no such file or folder: schemas/nope.json" in result.output


# --- bad input: exit 2, the file, the pointer, the expectation -----------------------------------


def bad(tmp_path: Path, text: str, name: str = "asyncapi.yaml", extra: dict[str, str] | None = None) -> str:
    root = tmp_path / "bad"
    root.mkdir(exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")
    for path, body in (extra or {}).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(body, encoding="utf-8")
    (root / "eventlint.yaml").write_text(f"catalog: [{name}]\n", encoding="utf-8")
    result = run("check", str(root))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert str(root) in result.output
    return result.output


V3 = """\
asyncapi: 3.0.0
info: {title: Orders, version: 1.0.0}
channels:
  placed:
    address: orders.placed
    messages:
      OrderPlaced:
        payload: {$ref: '#/components/schemas/Placed'}
operations:
  sendPlaced:
    action: send
    channel: {$ref: '#/channels/placed'}
components:
  schemas:
    Placed: {type: object}
"""


@pytest.mark.parametrize(
    ("text", "pointer", "expectation"),
    [
        (
            V3.replace("action: send", "action: publish"),
            "#/operations/sendPlaced/action",
            'expected one of "send", "receive", got "publish"',
        ),
        (V3.replace("version: 1.0.0", "version: 1.0"), "#/info/version", "expected a string, got a number 1.0"),
        (V3.replace("address: orders.placed", "address: 3"), "#/channels/placed/address", "expected a string or null, got an integer 3"),
        (
            V3.replace("      OrderPlaced:\n", "      OrderPlaced:\n        nmae: OrderPlaced\n"),
            "#/channels/placed/messages/OrderPlaced/nmae",
            "unknown key 'nmae'; did you mean 'name'?",
        ),
        (V3.replace("Placed: {type: object}", "Placed: {type: objekt}"), "#/components/schemas/Placed/type", 'expected one of "array"'),
        (V3.replace("info: {title: Orders, version: 1.0.0}", "info: {title: Orders}"), "#/info", "missing required key: version"),
    ],
)
def test_schema_violations_name_file_pointer_and_expectation(tmp_path, text, pointer, expectation):
    output = bad(tmp_path, text)
    assert f"asyncapi.yaml: {pointer}: {expectation}" in output
    assert "[AsyncAPI 3.0.0 schema]" in output


def test_a_2_6_schema_violation(tmp_path):
    text = json.dumps(
        {
            "asyncapi": "2.6.0",
            "info": {"title": "Payments", "version": "1"},
            "channels": {"payments.completed": {"subscribe": {"message": {"payload": {"type": "object"}}, "operationid": "x"}}},
        }
    )
    output = bad(tmp_path, text, name="payments.json")
    assert (
        "payments.json: #/channels/payments.completed/subscribe/operationid: unknown key 'operationid'; did you mean 'operationId'?"
        in output
    )


@pytest.mark.parametrize(
    ("version", "shown"), [("3.2.0", '"3.2.0"'), ("2.7.0", '"2.7.0"'), ("'1.2.0'", '"1.2.0"'), ("2.6", "2.6 (quote it")]
)
def test_unsupported_version_says_which_are_supported(tmp_path, version, shown):
    output = bad(tmp_path, V3.replace("asyncapi: 3.0.0", f"asyncapi: {version}"))
    assert f"#/asyncapi: unsupported AsyncAPI version {shown}" in output
    assert "eventlint reads 2.0.0, 2.1.0, 2.2.0, 2.3.0, 2.4.0, 2.5.0, 2.6.0, 3.0.0 and 3.1.0" in output


V2 = """\
asyncapi: {version}
info: {{title: Orders Service, version: 1.0.0}}
channels:
  orders.placed:
    subscribe:
      message:
        name: OrderPlaced
        payload: {{type: object, required: [order_id], properties: {{order_id: {{type: string}}}}}}
  payments.completed:
    publish:
      message: {{$ref: '#/components/messages/PaymentCompleted'}}
components:
  messages:
    PaymentCompleted:
      payload: {{type: object}}
"""


@pytest.mark.parametrize("version", asyncapi.SUPPORTED_VERSIONS)
def test_every_published_version_is_read(tmp_path, version):
    text = V3.replace("3.0.0", version) if version.startswith("3.") else V2.format(version=version)
    root = write_project(tmp_path / "p", {"asyncapi.yaml": text}, config={"catalog": "asyncapi.yaml"})
    events = catalog_of(root).events
    assert (events["OrderPlaced"].owner, events["OrderPlaced"].channel) == ("orders", "orders.placed")
    if version.startswith("2."):
        assert events["PaymentCompleted"].consumers == ("orders",)
        assert events["OrderPlaced"].payload["required"] == ["order_id"]
    # every version's official schema is the one applied: a wrong type is caught
    broken = text.replace("version: 1.0.0", "version: [1]")
    (root / "asyncapi.yaml").write_text(broken)
    with pytest.raises(ConfigError) as info:
        catalog_of(root)
    assert info.value.key == "#/info/version" and f"[AsyncAPI {version} schema]" in info.value.message


def test_a_url_ref_is_reported_not_fetched(tmp_path):
    text = V3.replace("payload: {$ref: '#/components/schemas/Placed'}", "payload: {$ref: 'https://schemas.example.com/placed.json'}")
    output = bad(tmp_path, text)
    assert (
        "#/channels/placed/messages/OrderPlaced/payload/$ref: 'https://schemas.example.com/placed.json' is a URL; eventlint never fetches"
        in output
    )


def test_url_refs_eventlint_does_not_need_are_left_alone(tmp_path):
    # as in AsyncAPI's Adeo case study: Avro schemas and binding keys referenced by URL
    text = V3.replace(
        "payload: {$ref: '#/components/schemas/Placed'}",
        "payload:\n          schemaFormat: application/vnd.apache.avro;version=1.9.0\n"
        "          schema: {$ref: 'https://schemas.example.com/OrderPlaced.avsc'}\n"
        "        bindings:\n          kafka:\n            key:\n"
        "              schemaFormat: application/vnd.apache.avro+json;version=1.9.0\n"
        "              schema: {$ref: 'https://schemas.example.com/OrderKey.avsc'}",
    )
    root = write_project(tmp_path / "p", {"asyncapi.yaml": text}, config={"catalog": "asyncapi.yaml"})
    placed = catalog_of(root).events["OrderPlaced"]
    assert (placed.owner, placed.channel, placed.payload) == ("orders", "orders.placed", None)


def test_refs_to_missing_files_pointers_and_outside_the_root(tmp_path):
    output = bad(tmp_path, V3.replace("'#/components/schemas/Placed'", "'schemas/placed.yaml'"))
    assert "#/channels/placed/messages/OrderPlaced/payload/$ref: 'schemas/placed.yaml': file not found" in output
    output = bad(tmp_path, V3.replace("'#/components/schemas/Placed'", "'#/components/schemas/Missing'"))
    assert "#/channels/placed/messages/OrderPlaced/payload/$ref: #/components/schemas/Missing does not exist" in output
    (tmp_path / "outside.yaml").write_text("type: object\n")
    output = bad(tmp_path, V3.replace("'#/components/schemas/Placed'", "'../outside.yaml'"))
    assert "'../outside.yaml' points outside the project root" in output


@pytest.mark.parametrize(
    ("old", "new", "expectation"),
    [
        # schema-valid references to the wrong kind of thing
        (
            "      OrderPlaced:\n        payload: {$ref: '#/components/schemas/Placed'}",
            "      OrderPlaced: {$ref: '#/info/title'}",
            '#/channels/placed/messages/OrderPlaced/$ref: expected a message (a mapping), got a string "Orders"',
        ),
        (
            "payload: {$ref: '#/components/schemas/Placed'}",
            "payload: {$ref: '#/info/version'}",
            '#/channels/placed/messages/OrderPlaced/payload: expected a JSON Schema (a mapping), got a string "1.0.0"',
        ),
        (
            "payload: {$ref: '#/components/schemas/Placed'}",
            "payload: {$ref: 'schemas.yaml#/Placed'}",
            '#/channels/placed/messages/OrderPlaced/payload: the payload is not a valid JSON Schema at #/properties/id/type: expected one of "array"',
        ),
        (
            "payload: {$ref: '#/components/schemas/Placed'}",
            "payload: {$ref: '#/components/schemas/Placed'}\n  loop: {$ref: '#/channels/loop'}",
            "#/channels/loop/$ref: the references form a cycle",
        ),
    ],
)
def test_references_to_the_wrong_thing(tmp_path, old, new, expectation):
    # a referenced file is not covered by the document's schema check: its schemas are checked when inlined
    output = bad(tmp_path, V3.replace(old, new), extra={"schemas.yaml": "Placed: {type: object, properties: {id: {type: strin}}}\n"})
    assert expectation in output


def test_a_missing_or_outside_catalog_file(tmp_path):
    write_project(tmp_path / "p", {}, config={"catalog": ["asyncapi/nope.yaml"]})
    result = run("check", str(tmp_path / "p"))
    assert result.exit_code == 2 and "eventlint.yaml: catalog[0]: file not found: asyncapi/nope.yaml" in result.output
    (tmp_path / "elsewhere.yaml").write_text(V3)
    write_project(tmp_path / "q", {}, config={"catalog": "../elsewhere.yaml"})
    result = run("check", str(tmp_path / "q"))
    assert result.exit_code == 2 and "eventlint.yaml: catalog: ../elsewhere.yaml is outside the project root" in result.output


def test_catalog_in_pyproject(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(DATA / "asyncapi", root / "docs" / "asyncapi")
    (root / "pyproject.toml").write_text('[tool.eventlint]\ncatalog = ["docs/asyncapi/orders.yaml", "docs/asyncapi/nope.yaml"]\n')
    result = run("check", str(root))
    assert result.exit_code == 2 and "pyproject.toml: tool.eventlint.catalog[1]: file not found: docs/asyncapi/nope.yaml" in result.output
    (root / "pyproject.toml").write_text('[tool.eventlint]\ncatalog = "docs/asyncapi/orders.yaml"\n')
    assert catalog_of(root).events["OrderPlaced"].owner == "orders"


def test_a_symlinked_document_pointing_outside_is_refused(tmp_path):
    (tmp_path / "elsewhere.yaml").write_text(V3)
    root = write_project(tmp_path / "p", {}, config={"catalog": "asyncapi.yaml"})
    (root / "asyncapi.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    result = run("check", str(root))
    assert result.exit_code == 2 and "catalog: asyncapi.yaml is outside the project root" in result.output


def test_python_tags_are_refused(tmp_path):
    output = bad(tmp_path, V3.replace("title: Orders", "title: !!python/object/apply:os.system ['echo hi']"))
    assert "asyncapi.yaml: (syntax): invalid YAML" in output and "python/object/apply:os.system" in output


def test_syntax_errors(tmp_path):
    assert "payments.json: (syntax): invalid JSON: line 1, column 2" in bad(tmp_path, "{asyncapi: 2.6.0}", name="payments.json")
    assert "asyncapi.yaml: (syntax): invalid YAML: line 3, column 1" in bad(tmp_path, "asyncapi: 3.0.0\ninfo: [\n")
    assert "asyncapi.yaml: (top level): expected an AsyncAPI document" in bad(tmp_path, "- 1\n- 2\n")


def test_conflicting_owners_across_documents_name_both_files(tmp_path):
    root = project(tmp_path, ["asyncapi/orders.yaml", "asyncapi/storefront.yaml"])
    storefront = V3.replace("title: Orders", "title: Storefront").replace(
        "payload: {$ref: '#/components/schemas/Placed'}", "payload: {type: object}"
    )
    (root / "asyncapi" / "storefront.yaml").write_text(storefront)
    with pytest.raises(ConfigError) as info:
        catalog_of(root)
    error = info.value
    assert error.file.endswith("storefront.yaml") and error.key == "#/operations/sendPlaced"
    assert (
        "storefront sends OrderPlaced here, but orders sends it in" in error.message
        and "orders.yaml at #/operations/publishOrderPlaced" in error.message
    )


def test_one_event_on_channels_of_two_documents_is_one_event_on_both(tmp_path):
    root = project(tmp_path, ["asyncapi/orders.yaml", "asyncapi/audit.yaml"])
    audit = (
        V3.replace("title: Orders", "title: Audit")
        .replace("address: orders.placed", "address: audit.orders")
        .replace("action: send", "action: receive")
    )
    (root / "asyncapi" / "audit.yaml").write_text(audit)
    placed = catalog_of(root).events["OrderPlaced"]
    assert placed.channels == ("orders.placed", "audit.orders")
    assert "audit" in placed.consumers


def _on_two_channels(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "p"
    root.mkdir()
    (root / "asyncapi.yaml").write_text(text, encoding="utf-8")
    (root / "app").mkdir()
    (root / "app" / "audit.py").write_text(
        "from kafka import KafkaConsumer\n\nfor message in KafkaConsumer('orders.placed.v2', group_id='audit'):\n    print(message.value)\n",
        encoding="utf-8",
    )
    (root / "eventlint.yaml").write_text("catalog: [asyncapi.yaml]\nservices:\n  audit: [app/**]\n", encoding="utf-8")
    return root


def test_one_event_on_two_channels_of_one_document(tmp_path):
    text = V3.replace(
        "operations:", "  again:\n    address: orders.placed.v2\n    messages:\n      OrderPlaced: {payload: {type: object}}\noperations:"
    )
    root = _on_two_channels(tmp_path, text)
    catalog = catalog_of(root)
    assert sorted(catalog.events["OrderPlaced"].channels) == ["orders.placed", "orders.placed.v2"]  # channels in id order
    assert [e.name for e in catalog.for_channel("orders.placed.v2")] == ["OrderPlaced"]
    # a consumer of the second channel consumes the event: it is undocumented (EDA205), not undeclared (EDA201)
    result = run("check", str(root), "--select", "EDA201,EDA205", "--no-cache")
    assert "EDA201" not in result.output and "EDA205" in result.output and "OrderPlaced" in result.output


def test_one_message_object_on_two_channels_is_one_event_exported_on_both(tmp_path):
    # the shape of AsyncAPI's streetlights example: one component message listed by two channels
    text = (
        V3.replace(
            "      OrderPlaced:\n        payload: {$ref: '#/components/schemas/Placed'}",
            "      OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}",
        )
        .replace(
            "operations:",
            "  placedAgain:\n    address: orders.placed.v2\n    messages:\n      again: {$ref: '#/components/messages/OrderPlaced'}\noperations:",
        )
        .replace("  schemas:", "  messages:\n    OrderPlaced: {name: OrderPlaced, payload: {type: object}}\n  schemas:")
    )
    root = _on_two_channels(tmp_path, text)
    assert catalog_of(root).events["OrderPlaced"].channels == ("orders.placed", "orders.placed.v2")
    document = yaml.safe_load(exported(root))
    addresses = sorted(c["address"] for c in document["channels"].values() if "OrderPlaced" in c.get("messages", {}))
    assert addresses == ["orders.placed", "orders.placed.v2"]


def test_two_services_sending_one_event_in_one_document(tmp_path):
    text = V3.replace(
        "components:",
        "  storefrontSends:\n    action: send\n    x-eventlint-service: storefront\n    channel: {$ref: '#/channels/placed'}\ncomponents:",
    )
    output = bad(tmp_path, text)
    assert "#/operations/storefrontSends: storefront sends OrderPlaced here and orders sends it at #/operations/sendPlaced" in output


def test_operation_must_name_a_message_of_the_document(tmp_path):
    text = V3.replace(
        "channel: {$ref: '#/channels/placed'}",
        "channel: {$ref: '#/channels/placed'}\n    messages: [{$ref: '#/components/schemas/Placed'}]",
    )
    output = bad(tmp_path, text)
    assert (
        "#/operations/sendPlaced/messages/0/$ref: '#/components/schemas/Placed' does not name a message of a channel of this document"
        in output
    )


def test_vendored_schemas_are_the_published_files_with_their_licence():
    folder = Path(asyncapi.__file__).parent / "schemas" / "asyncapi"
    assert "Apache License" in (folder / "LICENSE").read_text() and "AsyncAPI Initiative" in (folder / "NOTICE").read_text()
    readme = (folder / "README.md").read_text()
    for version in asyncapi.SUPPORTED_VERSIONS:
        data = (folder / f"{version}.json").read_bytes()
        # unmodified: the checksum recorded when they were copied from @asyncapi/specs
        assert f"| `{version}.json` | {version} | `{hashlib.sha256(data).hexdigest()}` |" in readme
        declared = json.loads(data)["properties"]["asyncapi"]
        assert declared.get("const", (declared.get("enum") or [None])[0]) == version
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(asyncapi.SUPPORTED_VERSIONS)


def test_asyncapi_errors_escape_unprintable_keys(tmp_path):
    # found by tests/fuzz: a channel named "\r" made `catalog` errors span two lines
    (tmp_path / "orders.yaml").write_text(
        'asyncapi: 3.0.0\ninfo: {title: Orders, version: "1.0"}\nchannels:\n  "\\r": {unknown: 1}\n', encoding="utf-8"
    )
    (tmp_path / "eventlint.yaml").write_text("catalog: orders.yaml\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("eventlint: error: ") and "orders.yaml" in line and "\\r" in line


# --- bindings --------------------------------------------------------------------------------------


def test_export_writes_the_bindings_the_code_knows_and_reads_back_the_same_channels(tmp_path):
    root = fixture("shop")
    document = yaml.safe_load(exported(root))
    assert_valid_3_0(document)
    facts = api.facts([root])
    # an AMQP publication to an exchange the code binds queues to: the routing key is the address, the exchange a binding
    shipped = document["channels"]["shipping_shipment.dispatched"]
    assert shipped["address"] == "shipment.dispatched"
    assert shipped["bindings"] == {"amqp": {"is": "routingKey", "exchange": {"name": "shipping"}, "bindingVersion": "0.3.0"}}
    # a Kafka consumer's group is its receive operation's groupId, exactly the groups the code names
    groups = {
        (op["x-eventlint-service"], op["channel"]["$ref"]): op["bindings"]["kafka"]["groupId"]["enum"]
        for op in document["operations"].values()
        if "bindings" in op
    }
    expected = {
        (s.service, f"#/channels/{asyncapi.escape(s.channel)}"): s.group
        for s in facts.subscribers
        if s.group and s.service and s.framework in ("kafka-python", "aiokafka", "confluent-kafka", "faust")
    }
    assert groups and {k: v for k, v in groups.items() if k in expected} == {k: [v] for k, v in expected.items()}
    assert set(groups) <= set(expected)
    # the key field's schema is the Kafka message key's
    placed = document["components"]["messages"]["OrderPlaced"]
    key_field = placed["payload"]["properties"]["order_id"]
    assert placed["bindings"]["kafka"]["key"]["type"] == key_field["type"]


@pytest.mark.parametrize("name", ["kombu", "pika", "schema_registry"])
def test_exported_bindings_read_back_as_the_channels_and_keys_of_the_code(tmp_path, name):
    root = fixture(name)
    text = exported(root)
    document = yaml.safe_load(text)
    assert_valid_3_0(document)
    before = {(e, c) for e, c in _exported_channels(document)}
    again = reimport(tmp_path, text)
    # an exchange binding reads back as `exchange/routing_key`, the channel as the code names it
    assert {(n, c) for n, e in again.events.items() for c in e.channels} == before
    bound = [c for c in document["channels"].values() if "amqp" in c.get("bindings", {})]
    facts = api.facts([root])
    channels = {p.channel for p in facts.publishers}
    assert all(f"{c['bindings']['amqp']['exchange']['name']}/{c['address']}" in channels for c in bound)
    assert bool(bound) == (name != "schema_registry")
    keyed = {m["name"] for m in document["components"]["messages"].values() if "bindings" in m}
    # OrderPlaced's key is an Avro string field; a Protobuf payload's key schema is not written
    assert keyed == ({"OrderPlaced"} if name == "schema_registry" else set())
    assert all(again.events[k].key == "order_id" for k in keyed)


def _exported_channels(document: dict) -> list[tuple[str, str]]:
    """(message name, channel as the code names it) of an exported document, bindings taken into account."""
    out = []
    for channel in document["channels"].values():
        amqp = channel.get("bindings", {}).get("amqp")
        address = f"{amqp['exchange']['name']}/{channel['address']}" if amqp else channel["address"]
        for ref in channel["messages"].values():
            message = document["components"]["messages"][ref["$ref"].rsplit("/", 1)[-1]]
            out.append((message["name"], address))
    return out


def test_a_kafka_key_binding_referring_to_a_payload_property_schema_names_the_key(tmp_path):
    text = V3.replace(
        "        payload: {$ref: '#/components/schemas/Placed'}",
        "        payload: {$ref: '#/components/schemas/Placed'}\n        bindings: {kafka: {key: {$ref: '#/components/schemas/OrderId'}}}",
    ).replace(
        "    Placed: {type: object}",
        "    OrderId: {type: string, format: uuid}\n"
        "    Placed:\n      type: object\n      properties:\n"
        "        order_id: {$ref: '#/components/schemas/OrderId'}\n        customer_id: {type: string, format: uuid}",
    )
    assert "kafka: {key:" in text and "order_id: {$ref" in text
    root = tmp_path / "p"
    root.mkdir()
    (root / "asyncapi.yaml").write_text(text, encoding="utf-8")
    (root / "eventlint.yaml").write_text("catalog: [asyncapi.yaml]\n", encoding="utf-8")
    assert catalog_of(root).events["OrderPlaced"].key == "order_id"
    # a key schema written out names no field (it is the schema of customer_id too)
    (root / "asyncapi.yaml").write_text(text.replace("key: {$ref: '#/components/schemas/OrderId'}", "key: {type: string, format: uuid}"), encoding="utf-8")
    assert catalog_of(root).events["OrderPlaced"].key is None
