"""redis facts the engine does not produce yet (not collected by pytest: run it by name once the engine can).

1. The payload a wrapper passes through a serialiser is not read at the caller:
       def publish(channel, msg):
           redis_client.publish(channel, json.dumps(msg))
       publish(channels.ORDER_PLACED, {"type": "OrderPlaced", "order_id": order.id})
   gives event null and payload_fields null at the caller; expected event "OrderPlaced" (the dict's "type")
   and payload_fields ("type", "order_id"). A parameter passed straight through (`client.xadd(stream, fields)`)
   is read; one wrapped in json.dumps(...) is not.
2. Channels given as keyword arguments, each with its callback (redis-py: "Channels supplied as keyword
   arguments expect a channel name as the key and a callable as the value"):
       pubsub.subscribe(**{"orders.placed": record_order})
       pubsub.psubscribe(**{"payments.*": record_payment})
       pubsub.run_in_thread(sleep_time=0.01)
   give one record with channel null and an unresolved handler; expected one record per keyword: channel
   "orders.placed" handled by analytics.metrics.record_order, "payments.*" by analytics.metrics.record_payment.
   No field source reads keyword names (or the keys of a `**mapping`) paired with their values, so the pack
   cannot say it yet; `subscribe(orders_placed=record_order)` is the same case.
"""

from tests.extract.test_redis import LIVE, ROOT, SERVICE
from tests.helpers import by_site, facts_of, line_of, subs


def test_wrapper_payload_through_a_serialiser():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, SERVICE, line_of(ROOT / SERVICE, "publish(channels.ORDER_PLACED"))
    assert (placed.event, placed.payload_fields) == ("OrderPlaced", ("type", "order_id"))
    [cancelled] = by_site(facts.publishers, SERVICE, line_of(ROOT / SERVICE, "publish(channels.ORDER_CANCELLED"))
    assert (cancelled.event, cancelled.payload_fields) == ("OrderCancelled", ("type", "order_id", "reason"))


def test_keyword_channels_with_their_callbacks():
    facts = facts_of(ROOT)
    subscribe = line_of(ROOT / LIVE, "pubsub.subscribe(**")
    psubscribe = line_of(ROOT / LIVE, "pubsub.psubscribe(**")
    assert {s for s in subs(facts) if s[0] == LIVE} == {
        (LIVE, subscribe, None, "orders.placed", "analytics", "analytics.metrics.record_order"),
        (LIVE, psubscribe, None, "payments.*", "analytics", "analytics.metrics.record_payment"),
    }
