"""nameko facts the engine does not produce yet (not collected; run with `pytest tests/extract/pending_nameko.py`).

Gap: a channel built with `join` from a parameter of a publish helper. In

    class OrdersService:
        name = "orders"
        dispatch = EventDispatcher()

        def cancel_order(self, order_id, reason):
            self._notify("order_cancelled", {"order_id": order_id})

        def _notify(self, event_type, payload):
            self.dispatch(event_type, payload)

the pack's channel is join("/", [class_attr name + ".events", arg 0]). `_join_parts` returns the
unresolved part (the parameter) in place of the whole join, so the wrapper pass substitutes the
argument for the entire channel: the call site gets channel "order_cancelled" and the prefix
"orders.events/" is lost.
"""

from tests.helpers import by_site, facts_of, fixture, line_of

ROOT = fixture("nameko")
ORDERS = "services/orders/orders/service.py"


def test_helper_call_site_keeps_the_exchange_in_the_channel():
    facts = facts_of(ROOT)
    [notified] = by_site(facts.publishers, ORDERS, line_of(ROOT / ORDERS, "self._notify(events.ORDER_CANCELLED"))
    assert (notified.event, notified.channel) == ("order_cancelled", "orders.events/order_cancelled")
    assert notified.channel_expr is None
    assert notified.via == ("orders.service.OrdersService._notify",)


def test_raw_call_in_the_helper_shows_the_channel_template():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, ORDERS, line_of(ROOT / ORDERS, "self.dispatch(event_type, payload)"))
    # the known part of the join is kept, as for f"orders.events/{event_type}"
    assert (inner.channel, inner.channel_expr) == (None, "orders.events/{event_type}")
