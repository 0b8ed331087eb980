"""aio-pika where the exchange is not named where it is used (fixtures/aio_pika_injected; found on the unseen set,
session 14): the channel an exchange keeps (`self.exchange.channel`) is a channel, a publish to an injected exchange
has an unknown exchange (not the default one), and a routing key sent to or bound from an unknown exchange keeps the
absence rules from claiming that nothing consumes or publishes it."""

from eventlint import api
from tests.helpers import facts_of, fixture, line_of

ROOT = fixture("aio_pika_injected")
API = "orders/orders/api.py"
CONSUMER = "billing/billing/consumer.py"


def test_a_queue_declared_on_the_channel_an_exchange_keeps_is_consumed():
    facts = facts_of(ROOT)
    assert {(s.path, s.line, s.channel, s.handler) for s in facts.subscribers} == {
        (CONSUMER, line_of(ROOT / CONSUMER, "await queue.consume("), "billing.orders", "billing.consumer.OrderConsumer.on_order"),
    }
    assert {(b.queue, b.exchange, b.routing_key) for b in facts.bindings} == {("billing.orders", None, "order.created")}


def test_a_publish_to_an_injected_exchange_has_no_known_channel():
    facts = facts_of(ROOT)
    [created] = facts.publishers
    assert (created.path, created.line) == (API, line_of(ROOT / API, "await exchange.publish("))
    # not the default exchange's queue `order.created`: an exchange that is not known, with that routing key
    assert (created.event, created.channel, created.channel_expr) == ("order_created", None, "{exchange}/order.created")


def _found(root):
    return sorted((d.code, d.path) for d in api.lint([root], api.load_config([root]), select=["EDA101", "EDA102"]).diagnostics)


def test_a_routing_key_to_and_from_unknown_exchanges_is_not_an_absence():
    assert _found(ROOT) == []
    # each side alone: nothing could receive order_created, nothing could feed billing.orders
    assert _found(ROOT / "orders") == [("EDA101", "orders/api.py")]
    assert _found(ROOT / "billing") == [("EDA102", "billing/consumer.py")]
