"""nats-py: core publish/request/subscribe (queue groups, sub.messages, next_msg), JetStream publish, pull and push consumers."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("nats")
BUS = "services/orders/orders/bus.py"
API = "services/orders/orders/api.py"
STREAMS = "services/orders/orders/streams.py"
INVENTORY = "services/inventory/inventory/main.py"
RESPONDER = "services/inventory/inventory/handlers.py"
SHIPPING = "services/shipping/shipping/worker.py"
AUDIT = "services/audit/audit/main.py"
CONSUMER = "services/notifications/notifications/consumer.py"


def _line(path: str, snippet: str, occurrence: int = 1) -> int:
    return line_of(ROOT / path, snippet, occurrence)


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # the raw JetStream publish inside the emit(subject, event) helper
        (BUS, _line(BUS, "await js.publish(subject"), None, None, "orders", "orders.bus.emit"),
        # the helper's callers: the subject passed in, the event from the "type" of the dict serialised in the helper
        (API, _line(API, "await bus.emit(", 1), "OrderPlaced", "orders.placed", "orders", "orders.api.place_order"),
        (API, _line(API, "await bus.emit(", 2), "OrderCancelled", "orders.cancelled", "orders", "orders.api.cancel_order"),
        # request/reply: the request is a publication to the subject the responders subscribe to
        (API, _line(API, "await bus.nc.request("), None, "inventory.reserve", "orders", "orders.api.place_order"),
        # JetStream publish from inside the pull consumer's loop; orjson.dumps is looked through to the "type" key
        (SHIPPING, _line(SHIPPING, "await self.js.publish("), "ShipmentCreated", "shipping.created", "shipping", "shipping.worker.ShipmentWorker.run"),
        # self.nc: Optional[NATS] = None in __init__, connected in connect()
        (CONSUMER, _line(CONSUMER, "self.nc.publish("), None, "notifications.receipt-sent", "notifications", "notifications.consumer.ReceiptConsumer.run"),
    }
    assert {p.framework for p in facts.publishers} == {"nats"}


def test_wrapper_call_sites_resolve_the_subject_and_keep_the_raw_call():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, BUS, _line(BUS, "await js.publish(subject"))
    assert (inner.channel, inner.channel_expr, inner.via) == (None, "subject", ())
    for occurrence in (1, 2):
        [outer] = by_site(facts.publishers, API, _line(API, "await bus.emit(", occurrence))
        assert outer.via == ("orders.bus.emit",)
        assert outer.channel_expr is None


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        # core NATS, `async for msg in sub.messages` (the subject keeps its wildcard)
        (AUDIT, _line(AUDIT, 'nc.subscribe("orders.>")'), None, "orders.>", "audit", "audit.store.append"),
        # core NATS, `msg = await sub.next_msg()` in a loop
        (AUDIT, _line(AUDIT, 'nc.subscribe("payments.*")'), None, "payments.*", "audit", "audit.store.append"),
        # core NATS queue subscriptions with a callback, by keyword and positionally (subject, queue, cb)
        (INVENTORY, _line(INVENTORY, 'nc.subscribe("inventory.reserve"'), None, "inventory.reserve", "inventory", "inventory.handlers.reserve_stock"),
        (INVENTORY, _line(INVENTORY, 'nc.subscribe("orders.cancelled"'), None, "orders.cancelled", "inventory", "inventory.handlers.release_stock"),
        # JetStream pull consumer: the messages come from psub.fetch() in another method
        (SHIPPING, _line(SHIPPING, "self.js.pull_subscribe("), None, "orders.placed", "shipping", "shipping.shipments.create_shipment"),
        # JetStream push subscription with a callback
        (SHIPPING, _line(SHIPPING, 'self.js.subscribe("orders.cancelled"'), None, "orders.cancelled", "shipping", "shipping.worker.ShipmentWorker.on_cancelled"),
        # JetStream push subscription without a callback, on a client first set to None in __init__: `async for msg in sub.messages`
        (CONSUMER, _line(CONSUMER, "self.js.subscribe("), None, "orders.placed", "notifications", "notifications.mailer.send_receipt"),
    }
    assert {s.framework for s in facts.subscribers} == {"nats"}


def test_group_and_ack_of_every_subscription():
    facts = facts_of(ROOT)
    assert {(s.path, s.line, s.group, s.ack, s.via) for s in facts.subscribers} == {
        # the durable name is the group; pulled messages are acked by the code
        (SHIPPING, _line(SHIPPING, "self.js.pull_subscribe("), "shipping", "manual", ()),
        # a JetStream queue subscription with manual_ack=True
        (SHIPPING, _line(SHIPPING, 'self.js.subscribe("orders.cancelled"'), "shipping", "manual", ()),
        # a sync JetStream subscriber (no cb) is not auto-acked: the code calls msg.ack()
        (CONSUMER, _line(CONSUMER, "self.js.subscribe("), "notifications", "manual", ()),
        # core NATS queue groups; core NATS has no acks
        (INVENTORY, _line(INVENTORY, 'nc.subscribe("inventory.reserve"'), "inventory", None, ()),
        (INVENTORY, _line(INVENTORY, 'nc.subscribe("orders.cancelled"'), "inventory", None, ()),
        # plain subscriptions: every subscriber gets every message
        (AUDIT, _line(AUDIT, 'nc.subscribe("orders.>")'), None, None, ()),
        (AUDIT, _line(AUDIT, 'nc.subscribe("payments.*")'), None, None, ()),
    }


def test_payload_fields_of_every_publication():
    facts = facts_of(ROOT)
    assert {(p.path, p.line, p.event, p.payload_fields, p.key) for p in facts.publishers} == {
        (SHIPPING, _line(SHIPPING, "await self.js.publish("), "ShipmentCreated", ("type", "order_id", "shipment_id"), None),
        # json.dumps(...).encode() is looked through
        (API, _line(API, "await bus.nc.request("), None, ("order_id", "items"), None),
        # the emit(subject, event) helper serialises its parameter: the callers' dicts
        (API, _line(API, "await bus.emit(", 1), "OrderPlaced", ("type", "event_id", "order_id", "total_cents"), None),
        (API, _line(API, "await bus.emit(", 2), "OrderCancelled", ("type", "event_id", "order_id", "reason"), None),
        # inside the helper the payload is its parameter
        (BUS, _line(BUS, "await js.publish(subject"), None, None, None),
        # an encoded id string has no fields
        (CONSUMER, _line(CONSUMER, "self.nc.publish("), None, None, None),
    }


def test_declarations_and_replies_are_not_sites():
    facts = facts_of(ROOT)
    not_sites = {
        (STREAMS, _line(STREAMS, "js.add_stream(")),
        (BUS, _line(BUS, "nc.jetstream(")),
        (BUS, _line(BUS, "await nc.connect(")),
        # the reply goes to the requester's private inbox
        (RESPONDER, _line(RESPONDER, "await msg.respond(")),
        (SHIPPING, _line(SHIPPING, "self.psub.fetch(")),
        (SHIPPING, _line(SHIPPING, "await msg.ack()")),
    }
    sites = {(r.path, r.line) for r in (*facts.publishers, *facts.subscribers)}
    assert not sites & not_sites
    assert not any(r.path in (STREAMS, RESPONDER) for r in (*facts.publishers, *facts.subscribers))


def test_headers_are_the_keys_of_the_headers_mapping():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    assert headers == {
        # js.publish(subject, ..., headers={"Nats-Msg-Id": ...}) in the wrapper, and at its call sites
        (BUS, line_of(ROOT / BUS, "ack = await js.publish(")): ("Nats-Msg-Id",),
        (API, line_of(ROOT / API, "await bus.emit(")): ("Nats-Msg-Id",),
        (API, line_of(ROOT / API, "await bus.emit(", occurrence=2)): ("Nats-Msg-Id",),
        (API, line_of(ROOT / API, "reply = await bus.nc.request(")): (),
        (SHIPPING, line_of(ROOT / SHIPPING, "await self.js.publish(")): (),
        (CONSUMER, line_of(ROOT / CONSUMER, "await self.nc.publish(")): (),
    }
