"""aioredis 1.x (`create_redis`, `xadd`, `xread_group` over a list of streams, `xread`, `publish_json`,
`subscribe`), with the stream name read from config.yaml and passed through a helper."""

from tests.helpers import facts_of, fixture, line_of

ROOT = fixture("aioredis_legacy")
PRODUCER = "sensors/producer.py"
CONSUMER = "sensors/consumer.py"


def _line(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_aioredis_1_sites_and_names():
    facts = facts_of(ROOT)
    assert {(p.path, p.line, p.channel, p.provenance, p.via) for p in facts.publishers} == {
        # the helper's own call: its stream is a parameter, named at the caller
        (PRODUCER, _line(PRODUCER, "await redis.xadd(stream"), None, None, ()),
        (PRODUCER, _line(PRODUCER, "await append(redis"), "sensors.readings", "config: config.yaml redis.stream", ("producer.append",)),
        (PRODUCER, _line(PRODUCER, "publish_json("), "sensors.alerts", None, ()),
    }
    assert {p.framework for p in facts.publishers} == {"redis"}
    assert {(s.path, s.line, s.channel, s.group, s.handler) for s in facts.subscribers} == {
        (CONSUMER, _line(CONSUMER, "redis.xread_group("), "sensors.readings", "archive", "consumer.store"),
        (CONSUMER, _line(CONSUMER, "pool.xread("), "sensors.readings", None, "consumer.store"),
        (CONSUMER, _line(CONSUMER, "redis.subscribe("), "sensors.alerts", None, None),
    }
    [group] = [s for s in facts.subscribers if s.group == "archive"]
    assert group.ack == "manual"  # entries stay pending until xack unless no_ack=True
