"""One identity per event: the resolver's precedence, and every consumer of event names using it."""

from collections import Counter
from pathlib import Path

import yaml
from click.testing import CliRunner

from eventlint import api, suppress
from eventlint.catalog import Catalog, EventSpec
from eventlint.cli import main
from eventlint.config import load_config
from eventlint.facts import Binding, Diagnostic, ProjectFacts, Publication, Subscription
from eventlint.identity import TRANSPORTS, Identity, compatible, transport_of, unqualified
from eventlint.report.asyncapi import export_asyncapi
from eventlint.resources import builtin_frameworks

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def pub(event=None, channel=None, framework="kafka-python", **kw):
    return Publication(event, channel, framework, kw.pop("service", "svc"), kw.pop("path", "app.py"), kw.pop("line", 1), 1, "f", **kw)


def sub(event=None, channel=None, framework="kafka-python", **kw):
    return Subscription(event, channel, framework, kw.pop("service", "svc"), kw.pop("path", "app.py"), kw.pop("line", 2), 1, "h", **kw)


def catalog(**events):
    return Catalog(events={name: EventSpec(name=name, **spec) for name, spec in events.items()})


def identity(records, cat=None, bindings=()):
    facts = ProjectFacts(
        root=".",
        publishers=tuple(r for r in records if isinstance(r, Publication)),
        subscribers=tuple(r for r in records if isinstance(r, Subscription)),
        bindings=tuple(bindings),
    )
    return Identity.of(facts, cat or Catalog())


# -- precedence -------------------------------------------------------------------------------


def test_a_catalog_key_wins_over_the_channel_of_another_declared_event():
    record = pub("OrderCancelled", "orders.placed")
    ids = identity([record], catalog(OrderPlaced={"channel": "orders.placed"}, OrderCancelled={"channel": "orders.cancelled"}))
    assert ids.event(record) == "OrderCancelled"


def test_an_alias_names_its_catalog_event():
    record = pub("com.acme.parcel.delivered", "parcels")
    ids = identity([record], catalog(ParcelDelivered={"aliases": ("com.acme.parcel.delivered",)}))
    assert ids.event(record) == ids.node(record) == "ParcelDelivered"
    assert {"com.acme.parcel.delivered", "parcels", "ParcelDelivered"} <= set(ids.aliases("ParcelDelivered"))


def test_an_alias_two_events_claim_names_neither():
    record = pub("Event", "misc")
    ids = identity([record], catalog(A={"aliases": ("Event",)}, B={"aliases": ("Event",)}))
    assert ids.declared(record) is None
    assert ids.event(record) == "Event"


def test_the_catalog_channel_names_an_undeclared_class_on_it():
    record = pub("ShipmentScheduledEvent", "shipment_scheduled")
    ids = identity([record], catalog(ShipmentScheduled={"channel": "shipment_scheduled"}))
    assert ids.event(record) == "ShipmentScheduled"


def test_a_channel_two_catalog_events_share_names_neither():
    named, bare = pub("OrderShipped", "orders"), sub(None, "orders")
    ids = identity([named, bare], catalog(OrderPlaced={"channel": "orders"}, OrderCancelled={"channel": "orders"}))
    assert ids.event(named) == "OrderShipped"
    assert ids.event(bare) is None
    assert ids.node(bare) == "orders"


def test_a_queue_bound_to_a_catalog_address_is_that_event():
    record = sub(None, "billing.invoices", framework="pika")
    binding = Binding("pika", "billing.invoices", "invoices", "invoice.issued", "svc", "app.py", 3, 1)
    ids = identity([record], catalog(InvoiceIssued={"channel": "invoices/invoice.issued"}), [binding])
    assert ids.event(record) == "InvoiceIssued"


def test_a_transport_qualified_catalog_key_declares_the_name_on_that_broker():
    kafka, redis = pub(None, "test"), pub(None, "test", framework="redis")
    ids = identity([kafka, redis], catalog(**{"test@kafka": {"channel": "test"}, "test@redis": {"channel": "test"}}))
    assert (ids.node(kafka), ids.node(redis)) == ("test@kafka", "test@redis")
    assert ids.declared(kafka).name == "test@kafka"


# -- transports -------------------------------------------------------------------------------


def test_one_name_on_two_brokers_is_two_events_spelled_with_their_transport():
    records = [pub(None, "test"), sub(None, "test"), pub(None, "test", framework="redis"), sub(None, "test", framework="redis")]
    ids = identity(records)
    assert [ids.node(r) for r in records] == ["test@kafka", "test@kafka", "test@redis", "test@redis"]
    assert ids.find("test") == ["test@kafka", "test@redis"]
    assert unqualified("test@kafka on test") == "test on test"


def test_one_name_on_one_broker_keeps_its_plain_spelling():
    records = [pub(None, "test"), sub(None, "test", framework="aiokafka"), sub(None, "test", framework="faust")]
    ids = identity(records)
    assert {ids.node(r) for r in records} == {"test"}


def test_a_framework_on_several_brokers_has_no_transport_and_meets_any():
    assert transport_of("faststream") is None
    assert compatible(None, "kafka") and compatible("redis", None) and not compatible("kafka", "redis")
    records = [pub(None, "test"), pub(None, "test", framework="faststream")]
    ids = identity(records)
    assert [ids.node(r) for r in records] == ["test", "test"]
    assert ids.same_broker(records[0], records[1])


def test_a_catalog_event_joins_records_on_different_brokers():
    kafka, redis = pub("OrderPlaced", "orders"), sub("OrderPlaced", "orders", framework="redis")
    ids = identity([kafka, redis], catalog(OrderPlaced={}))
    assert ids.node(kafka) == ids.node(redis) == "OrderPlaced"
    assert ids.same_broker(kafka, redis)


def test_every_builtin_pack_has_its_transport_or_is_known_to_span_several():
    several = {"faststream", "tomodachi"}
    for path in builtin_frameworks():
        name = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["framework"]
        assert (name in TRANSPORTS) != (name in several), name


# -- the fixtures -----------------------------------------------------------------------------


def _lint(name):
    root = FIXTURES / name
    return api.lint([root], load_config([root]))


def test_a_catalog_key_and_its_channel_are_one_node_and_no_false_cross_context_finding():
    result = _lint("identity")
    graph = result.graph
    assert graph.events() == ["InvoiceIssued", "ParcelDelivered", "ShipmentScheduled"]
    assert graph.publishers_of("ShipmentScheduled") == ["fulfillment"]
    assert graph.consumers_of("ShipmentScheduled") == ["notifications"]
    assert graph.find_event("shipment_scheduled") == graph.find_event("ShipmentScheduledEvent") == "ShipmentScheduled"
    codes = {d.code for d in result.diagnostics}
    # before: EDA601 twice (ShipmentScheduledEvent, com.acme.parcel.delivered), EDA201 twice, EDA206, EDA102
    assert not codes & {"EDA601", "EDA201", "EDA206", "EDA102"}, result.diagnostics


def test_the_asyncapi_export_describes_one_message_per_event():
    root = FIXTURES / "identity"
    config = load_config([root])
    document = export_asyncapi(api.facts([root], config), api.load_catalog(config), root)
    messages = sorted(document["components"]["messages"])
    assert messages == ["InvoiceIssued", "ParcelDelivered", "ShipmentScheduled"]
    addresses = sorted(c["address"] or "" for c in document["channels"].values())
    assert addresses.count("shipment_scheduled") == 1


def test_same_named_topics_on_two_brokers_stay_two_events():
    result = _lint("brokers")
    graph = result.graph
    assert graph.events() == ["test@kafka", "test@redis"]
    assert sorted(graph.service_graph().edges()) == [("kafka-producer", "kafka-consumer"), ("redis-publisher", "redis-subscriber")]
    assert "EDA605" not in {d.code for d in result.diagnostics}  # before: "test is published by 2 services"
    assert graph.candidates("test") == ["test@kafka", "test@redis"]


def test_trace_asks_which_event_a_name_on_two_brokers_means():
    runner = CliRunner()
    root = str(FIXTURES / "brokers")
    ambiguous = runner.invoke(main, ["trace", "test", root])
    assert ambiguous.exit_code == 2
    assert "'test' carries several events (test@kafka, test@redis); name one" in ambiguous.output
    chosen = runner.invoke(main, ["trace", "test@redis", root])
    assert chosen.exit_code == 0, chosen.output
    assert "redis-subscriber" in chosen.output and "kafka-consumer" not in chosen.output


# -- the baseline ----------------------------------------------------------------------------


def test_a_baseline_written_under_an_earlier_name_still_absorbs_the_finding(tmp_path):
    (tmp_path / "app.py").write_text("producer.send('shipment_scheduled', event)\n", encoding="utf-8")
    sources = suppress.SourceLines(tmp_path)
    old = Diagnostic("EDA601", "notifications consumes ShipmentScheduledEvent, internal to context fulfilment", "app.py", 1, 1)
    new = Diagnostic(
        "EDA601", "notifications consumes ShipmentScheduled, internal to context fulfilment", "app.py", 1, 1, event="ShipmentScheduled"
    )
    recorded = Counter({("EDA601", "app.py", suppress.fingerprint(old, sources.line("app.py", 1))): 1})
    kept, absorbed = suppress.apply_baseline([new], recorded, sources)
    assert (kept, absorbed) == ([new], 0)
    kept, absorbed = suppress.apply_baseline([new], recorded, sources, lambda e: ("ShipmentScheduledEvent", "shipment_scheduled"))
    assert (kept, absorbed) == ([], 1)


def test_policy_name_globs_match_an_event_with_or_without_its_transport(tmp_path):
    from tests.helpers import write_project

    root = write_project(
        tmp_path,
        {
            "services/orders/orders/app.py": """
                import redis
                from kafka import KafkaProducer

                producer = KafkaProducer()
                r = redis.Redis()

                def recalculate(order):
                    producer.send("orders.internal", key=order.id.encode(), value={"id": order.id})
                    r.publish("orders.internal", order.id)
                """,
            "services/billing/billing/app.py": """
                from kafka import KafkaConsumer

                for message in KafkaConsumer("orders.internal", group_id="billing"):
                    print(message.value)
                """,
        },
        {"exclude": [], "rules": {"select": ["EDA691"]}},
    )
    result = api.lint([root], load_config([root]))
    assert result.graph.events() == ["orders.internal@kafka", "orders.internal@redis"]
    assert [(d.code, d.path) for d in result.diagnostics] == [("EDA691", "services/billing/billing/app.py")]
    assert "orders.internal@kafka" in result.diagnostics[0].message


def test_the_asyncapi_export_keeps_a_channel_per_broker():
    root = FIXTURES / "brokers"
    config = load_config([root])
    document = export_asyncapi(api.facts([root], config), api.load_catalog(config), root)
    assert {k: v["address"] for k, v in document["channels"].items()} == {"test_kafka": "test", "test_redis": "test"}
    assert sorted(document["components"]["messages"]) == ["test_kafka", "test_redis"]
