"""pika facts the engine does not produce yet (not collected by pytest: run it by name once the engine can).

1. A wrapper whose channel is a `join` with one of its parameters loses the constant parts:
       def publish(self, routing_key, event):
           self.channel.basic_publish(exchange="orders", routing_key=routing_key, body=json.dumps(event))
       publisher.publish("order.placed", {...})
   gives channel "order.placed" at the caller; expected "orders/order.placed".
2. The payload a wrapper passes through a serialiser (`body=json.dumps(event)`) is not read at the caller:
   expected payload_fields of the caller's literal dict.
3. Dead-letter arguments given to `queue_declare(queue=Q, arguments={"x-dead-letter-exchange": DLX})` are not
   carried to the binding and the consumer of the same queue name (`queue_bind(queue=Q, ...)`,
   `basic_consume(queue=Q, ...)`): pika hands out no queue object to bind them to.
"""

from tests.extract.test_pika import ROOT, SERVICE, TOPOLOGY, WORKER
from tests.helpers import by_site, facts_of, line_of


def test_wrapper_joins_the_exchange_with_the_callers_routing_key():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, SERVICE, line_of(ROOT / SERVICE, "publisher.publish(", 1))
    assert placed.channel == "orders/order.placed"
    [cancelled] = by_site(facts.publishers, SERVICE, line_of(ROOT / SERVICE, "publisher.publish(", 2))
    assert cancelled.channel == "orders/order.cancelled"


def test_wrapper_payload_through_a_serialiser():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, SERVICE, line_of(ROOT / SERVICE, "publisher.publish(", 1))
    assert placed.payload_fields == ("order_id", "customer_id", "total_cents")
    [cancelled] = by_site(facts.publishers, SERVICE, line_of(ROOT / SERVICE, "publisher.publish(", 2))
    assert cancelled.payload_fields == ("order_id", "reason")


def test_dead_letter_exchange_from_queue_declare():
    facts = facts_of(ROOT)
    [binding] = by_site(facts.bindings, TOPOLOGY, line_of(ROOT / TOPOLOGY, "channel.queue_bind(queue=CHARGE_QUEUE"))
    assert (binding.queue, binding.dead_letter) == ("billing.charge", "billing.dlx")
    [charge] = by_site(facts.subscribers, WORKER, line_of(ROOT / WORKER, "self.channel.basic_consume(queue=topology.CHARGE_QUEUE"))
    assert (charge.channel, charge.dead_letter) == ("billing.charge", "billing.dlx")
