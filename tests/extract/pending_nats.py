"""nats facts the engine does not produce yet (not collected by pytest: run it by name once the engine can).

1. A handler spec that lists a source before `loop: true` ignores that source: the pack says
       handler: [{arg: 2, kw: cb}, {loop: true}]
   ("a list of sources tried in order"), but the engine goes straight to the message loop, so
       await nc.subscribe("inventory.reserve", queue="inventory", cb=reserve_stock)
   gives handler null ("messages of nc.subscribe(...)"), or whatever loop it finds nearby (the push
   subscription in ShipmentWorker.start is reported as handled by `start` itself); expected the callback:
   inventory.handlers.reserve_stock, inventory.handlers.release_stock, ShipmentWorker.on_cancelled.
2. The payload a wrapper passes through a serialiser is not read at the caller, and `.encode()` after
   `json.dumps(...)` is not looked through at all:
       await nc.publish("a.one", json.dumps({"type": "One", "id": 1}).encode())
   gives event null and payload_fields null; expected event "One", payload_fields ("type", "id")
   (`json.dumps({...})` alone works). Through the emit(subject, event) helper, whose body is
   `js.publish(subject, json.dumps(event).encode(), ...)`, the callers' dicts are expected likewise.
3. A client attribute declared as None in __init__ and assigned in an async connect() is never resolved:
       def __init__(self, url):
           self.nc: Optional[NATS] = None          # also with a plain `self.nc = None`
           self.js: Optional[JetStreamContext] = None
       async def connect(self):
           self.nc = await nats.connect(self.url)
           self.js = self.nc.jetstream()
   The first assignment (None) wins, and the annotation is not used, so `self.js.subscribe(...)` and
   `self.nc.publish(...)` in other methods are not sites at all. Expected the two records below.
4. The ack mode of a JetStream push subscription depends on whether a callback is given (nats-py: "Sync
   subscribers do not auto ack"; manual_ack "disables auto acking for async subscriptions"). The pattern
   format cannot make a field depend on another argument's presence, so
       sub = await js.subscribe("orders.placed", durable="notifications")   # no cb; msg.ack() in the loop
   gets ack "auto" from `manual_ack`'s default; expected "manual".
"""

from tests.extract.test_nats import API, CONSUMER, INVENTORY, ROOT, SHIPPING, _callback_subscribes
from tests.helpers import by_site, facts_of, line_of, pubs, subs


def test_callback_handlers():
    facts = facts_of(ROOT)
    assert {s for s in subs(facts) if (s[0], s[1]) in _callback_subscribes()} == {
        (INVENTORY, line_of(ROOT / INVENTORY, 'nc.subscribe("inventory.reserve"'), None, "inventory.reserve", "inventory", "inventory.handlers.reserve_stock"),
        (INVENTORY, line_of(ROOT / INVENTORY, 'nc.subscribe("orders.cancelled"'), None, "orders.cancelled", "inventory", "inventory.handlers.release_stock"),
        (SHIPPING, line_of(ROOT / SHIPPING, 'self.js.subscribe("orders.cancelled"'), None, "orders.cancelled", "shipping", "shipping.worker.ShipmentWorker.on_cancelled"),
    }


def test_payload_through_json_dumps_encode():
    facts = facts_of(ROOT)
    [reserve] = by_site(facts.publishers, API, line_of(ROOT / API, "await bus.nc.request("))
    assert (reserve.event, reserve.payload_fields) == (None, ("order_id", "items"))
    [placed] = by_site(facts.publishers, API, line_of(ROOT / API, "await bus.emit(", 1))
    assert (placed.event, placed.payload_fields) == ("OrderPlaced", ("type", "event_id", "order_id", "total_cents"))
    [cancelled] = by_site(facts.publishers, API, line_of(ROOT / API, "await bus.emit(", 2))
    assert (cancelled.event, cancelled.payload_fields) == ("OrderCancelled", ("type", "event_id", "order_id", "reason"))


def test_clients_assigned_after_a_none_placeholder():
    facts = facts_of(ROOT)
    run = "notifications.consumer.ReceiptConsumer.run"
    assert {p for p in pubs(facts) if p[0] == CONSUMER} == {
        (CONSUMER, line_of(ROOT / CONSUMER, "self.nc.publish("), None, "notifications.receipt-sent", "notifications", run),
    }
    assert {s for s in subs(facts) if s[0] == CONSUMER} == {
        (CONSUMER, line_of(ROOT / CONSUMER, "self.js.subscribe("), None, "orders.placed", "notifications", "notifications.mailer.send_receipt"),
    }


def test_sync_jetstream_subscription_is_acked_by_the_code():
    facts = facts_of(ROOT)
    [receipts] = by_site(facts.subscribers, CONSUMER, line_of(ROOT / CONSUMER, "self.js.subscribe("))
    assert (receipts.group, receipts.ack) == ("notifications", "manual")

