"""aiokafka facts the engine does not produce yet (not collected by pytest: run it by name once the engine can).

aiokafka clients must be created inside a running event loop, so code often declares the object at module
or instance level and binds it later in an async startup function. The engine reads only the declaration.

1. A module-level name rebound through `global` in a function is not followed (nor its annotation):
       producer: AIOKafkaProducer | None = None

       async def startup():
           global producer
           producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP)

       async def place_order(order):
           await producer.send("orders.placed", asdict(OrderPlaced(...)), key=order.id.encode())
   gives no publication; expected one: event "OrderPlaced", channel "orders.placed", function
   "orders.api.place_order", payload_fields ("order_id", "customer_id", "total_cents"), key "order.id.encode()".
2. An attribute set to None in __init__ and bound in another method resolves to the None:
       def __init__(self, bootstrap_servers):
           self._consumer = None

       async def start(self):
           self._consumer = AIOKafkaConsumer(bootstrap_servers=..., group_id="payments-refunds", enable_auto_commit=False)
           self._consumer.subscribe([REFUND_REQUESTED])
   gives no subscription; expected channel "payments.refund-requested", handler
   "payments.handlers.issue_refund" (`async for record in self._consumer` in run()), group "payments-refunds",
   ack "manual".
"""

from tests.extract.test_aiokafka import API, LISTENER, ROOT
from tests.helpers import by_site, facts_of, line_of


def test_module_level_producer_bound_in_startup():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, API, line_of(ROOT / API, "await producer.send(topics.ORDER_PLACED"))
    assert (placed.event, placed.channel, placed.service, placed.function) == ("OrderPlaced", "orders.placed", "orders", "orders.api.place_order")
    assert placed.payload_fields == ("order_id", "customer_id", "total_cents")
    assert placed.key == "order.id.encode()"


def test_attribute_bound_after_init():
    facts = facts_of(ROOT)
    [refunds] = by_site(facts.subscribers, LISTENER, line_of(ROOT / LISTENER, "self._consumer.subscribe("))
    assert (refunds.channel, refunds.service, refunds.handler) == ("payments.refund-requested", "payments", "payments.handlers.issue_refund")
    assert (refunds.group, refunds.ack) == ("payments-refunds", "manual")
