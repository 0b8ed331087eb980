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


def _emit_calls() -> set[tuple[str, int]]:
    """bus.emit(subject, event) callers: their event and payload are pending (tests/extract/pending_nats.py)."""
    return {(API, _line(API, "await bus.emit(", 1)), (API, _line(API, "await bus.emit(", 2))}


def _callback_subscribes() -> set[tuple[str, int]]:
    """subscribe(..., cb=handler): the handler is pending (tests/extract/pending_nats.py)."""
    return {
        (INVENTORY, _line(INVENTORY, 'nc.subscribe("inventory.reserve"')),
        (INVENTORY, _line(INVENTORY, 'nc.subscribe("orders.cancelled"')),
        (SHIPPING, _line(SHIPPING, 'self.js.subscribe("orders.cancelled"')),
    }


def _pending_sites() -> set[tuple[str, int]]:
    # ReceiptConsumer's clients are assigned in connect() after `self.nc: Optional[NATS] = None`: pending
    return _emit_calls() | _callback_subscribes() | {
        (CONSUMER, _line(CONSUMER, "self.js.subscribe(")),
        (CONSUMER, _line(CONSUMER, "self.nc.publish(")),
    }


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    pending = _pending_sites()
    assert {p for p in pubs(facts) if (p[0], p[1]) not in pending} == {
        # the raw JetStream publish inside the emit(subject, event) helper
        (BUS, _line(BUS, "await js.publish(subject"), None, None, "orders", "orders.bus.emit"),
        # request/reply: the request is a publication to the subject the responders subscribe to
        (API, _line(API, "await bus.nc.request("), None, "inventory.reserve", "orders", "orders.api.place_order"),
        # JetStream publish from inside the pull consumer's loop; orjson.dumps is looked through to the "type" key
        (SHIPPING, _line(SHIPPING, "await self.js.publish("), "ShipmentCreated", "shipping.created", "shipping", "shipping.worker.ShipmentWorker.run"),
    }
    assert {(p[0], p[1], p[3], p[4], p[5]) for p in pubs(facts) if (p[0], p[1]) in _emit_calls()} == {
        (API, _line(API, "await bus.emit(", 1), "orders.placed", "orders", "orders.api.place_order"),
        (API, _line(API, "await bus.emit(", 2), "orders.cancelled", "orders", "orders.api.cancel_order"),
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
    pending = _pending_sites()
    assert {s for s in subs(facts) if (s[0], s[1]) not in pending} == {
        # core NATS, `async for msg in sub.messages` (the subject keeps its wildcard)
        (AUDIT, _line(AUDIT, 'nc.subscribe("orders.>")'), None, "orders.>", "audit", "audit.store.append"),
        # core NATS, `msg = await sub.next_msg()` in a loop
        (AUDIT, _line(AUDIT, 'nc.subscribe("payments.*")'), None, "payments.*", "audit", "audit.store.append"),
        # JetStream pull consumer: the messages come from psub.fetch() in another method
        (SHIPPING, _line(SHIPPING, "self.js.pull_subscribe("), None, "orders.placed", "shipping", "shipping.shipments.create_shipment"),
    }
    # the subject, queue group and service of the callback subscriptions are already right
    assert {(s.path, s.line, s.channel, s.service, s.group) for s in facts.subscribers if (s.path, s.line) in _callback_subscribes()} == {
        (INVENTORY, _line(INVENTORY, 'nc.subscribe("inventory.reserve"'), "inventory.reserve", "inventory", "inventory"),
        # subscribe(subject, queue, cb) positionally
        (INVENTORY, _line(INVENTORY, 'nc.subscribe("orders.cancelled"'), "orders.cancelled", "inventory", "inventory"),
        (SHIPPING, _line(SHIPPING, 'self.js.subscribe("orders.cancelled"'), "orders.cancelled", "shipping", "shipping"),
    }
    assert {s.framework for s in facts.subscribers} == {"nats"}


def test_group_and_ack_of_every_subscription():
    facts = facts_of(ROOT)
    pending = _pending_sites() - _callback_subscribes()
    assert {(s.path, s.line, s.group, s.ack, s.via) for s in facts.subscribers if (s.path, s.line) not in pending} == {
        # the durable name is the group; pulled messages are acked by the code
        (SHIPPING, _line(SHIPPING, "self.js.pull_subscribe("), "shipping", "manual", ()),
        # a JetStream queue subscription with manual_ack=True
        (SHIPPING, _line(SHIPPING, 'self.js.subscribe("orders.cancelled"'), "shipping", "manual", ()),
        # core NATS queue groups; core NATS has no acks
        (INVENTORY, _line(INVENTORY, 'nc.subscribe("inventory.reserve"'), "inventory", None, ()),
        (INVENTORY, _line(INVENTORY, 'nc.subscribe("orders.cancelled"'), "inventory", None, ()),
        # plain subscriptions: every subscriber gets every message
        (AUDIT, _line(AUDIT, 'nc.subscribe("orders.>")'), None, None, ()),
        (AUDIT, _line(AUDIT, 'nc.subscribe("payments.*")'), None, None, ()),
    }


def test_payload_fields_of_every_publication():
    facts = facts_of(ROOT)
    # the caller side of emit() and the request's payload are pending (json.dumps(...).encode())
    checked = {BUS, SHIPPING}
    assert {(p.path, p.line, p.payload_fields, p.key) for p in facts.publishers if p.path in checked} == {
        (SHIPPING, _line(SHIPPING, "await self.js.publish("), ("type", "order_id", "shipment_id"), None),
        # inside the helper the payload is its parameter
        (BUS, _line(BUS, "await js.publish(subject"), None, None),
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
