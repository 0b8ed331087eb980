"""Redis clients from library factories: redis-om's get_redis_connection and aioredis 2.x's from_url."""

from tests.helpers import facts_of, fixture, line_of, pubs, subs, write_project

ROOT = fixture("redis_clients")
FULFILLMENT = "inventory/fulfillment.py"
EVENTS = "payments/events.py"


def at(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_redis_om_and_aioredis_clients_are_redis_clients():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        (FULFILLMENT, at(FULFILLMENT, "redis.xadd("), None, "refund-order", "inventory", "inventory.fulfillment.run"),
        (EVENTS, at(EVENTS, "redis.xadd("), None, "order-completed", "payments", "payments.events.order_completed"),
    }
    assert subs(facts) == {
        (FULFILLMENT, at(FULFILLMENT, "redis.xreadgroup("), None, "order-completed", "inventory", "inventory.fulfillment.run"),
        (EVENTS, at(EVENTS, "pubsub.subscribe("), None, "refunds", "payments", "payments.events.watch_refunds"),
    }
    [group] = [s for s in facts.subscribers if s.path == FULFILLMENT]
    assert (group.group, group.ack) == ("warehouse-group", "manual")
    assert {p.framework for p in facts.publishers} | {s.framework for s in facts.subscribers} == {"redis"}


def test_aioredis_1_is_not_read_as_redis_py(tmp_path):
    # aioredis 1.x's client (create_redis) is not described: its stream calls stay out of the facts rather
    # than meet a Pub/Sub channel of the same name
    files = {
        "producer.py": '''
            import aioredis

            async def main():
                redis = await aioredis.create_redis("redis://localhost")
                await redis.xadd("temperature", {"celsius": "21"})
        ''',
    }
    facts = facts_of(write_project(tmp_path / "repo", files))
    assert not facts.publishers
