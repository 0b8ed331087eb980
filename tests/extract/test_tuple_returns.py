"""Clients and names returned in a tuple and unpacked by position (`_, producer, consumer, _ = make_clients(...)`).

The fixture is the shape of a confluent-kafka service whose one helper makes the Producer, Consumer and
AdminClient from an INI file of client settings, each client in the arm of an `if` with `else: x = None`,
and returns them as a tuple the services unpack into module globals; topic names come from an INI file read
through `configparser` (a static path: resolved; a path from the command line: unknown, with its reason).
The small projects below pin each unpacking shape, and the ones that must stay unknown.
"""

from tests.helpers import facts_of, fixture, line_of, pubs, subs, write_project

ROOT = fixture("kafka_client_factory")
OVEN = "kitchen/oven.py"
STATUS = "kitchen/status.py"


def _channels(facts):
    return {(r.path, r.line, r.channel, r.unresolved) for r in (*facts.publishers, *facts.subscribers)}


def test_clients_made_in_a_helper_and_unpacked_into_globals_are_recognised():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        (OVEN, line_of(ROOT / OVEN, "PRODUCER.produce("), None, "pizza-baked", None, "oven.pizza_baked"),
        (STATUS, line_of(ROOT / STATUS, "AUDIT_PRODUCER.produce("), None, "pizza-audit", None, "status.track"),
    }
    assert subs(facts) == {
        (OVEN, line_of(ROOT / OVEN, "CONSUMER.subscribe("), None, "pizza-ordered", None, "oven.pizza_baked"),
        (STATUS, line_of(ROOT / STATUS, "CONSUMER.subscribe("), None, None, None, "status.track"),
    }
    assert {r.framework for r in (*facts.publishers, *facts.subscribers)} == {"confluent-kafka"}


def test_ini_topic_names_carry_where_they_came_from_and_a_command_line_file_stays_unknown():
    facts = facts_of(ROOT)
    found = {(r.path, r.channel, r.provenance, r.unresolved) for r in (*facts.publishers, *facts.subscribers)}
    assert (OVEN, "pizza-baked", "config: kitchen/config/topics.ini [kafka-topics] pizza_baked", None) in found
    assert (OVEN, "pizza-ordered", "config: kitchen/config/topics.ini [kafka-topics] pizza_ordered", None) in found
    # `SETTINGS.read_file(open(sys.argv[1]))`: which file is read is known only at run time
    assert (STATUS, None, None, "config-not-found: channel is `SETTINGS['kafka-topics']['pizza_status']`") in found


SHAPES = '''
from confluent_kafka import Consumer, Producer

CONF = {"bootstrap.servers": "kafka:9092"}


def pair(conf):
    return Producer(conf), Consumer({**conf, "group.id": "billing"})


def nested(conf):
    return (Producer(conf), "orders.placed"), Consumer({**conf, "group.id": "shipping"})


def by_region(conf, region):
    if region == "eu":
        return Producer(conf), "orders.eu"
    return Producer(conf), "orders.us"


def maybe(conf, enabled):
    if not enabled:
        return None
    return Producer(conf), "orders.enabled"


def audit_topics(enabled):
    if not enabled:
        return []
    return ["payments.audit"]


class Relay:
    def __init__(self, conf):
        (self.producer, self.topic), self.consumer = nested(conf)

    def forward(self, body):
        self.producer.produce(self.topic, value=body)


producer, consumer = pair(CONF)
(nested_producer, nested_topic), nested_consumer = nested(CONF)
first, *rest = pair(CONF)
*others, last = pair(CONF)
region_producer, region_topic = by_region(CONF, "eu")
maybe_producer, maybe_topic = maybe(CONF, True)


def run(order):
    producer.produce("payments.requested", value=order)
    nested_producer.produce(nested_topic, value=order)
    first.produce("payments.first", value=order)
    region_producer.produce(region_topic, value=order)
    maybe_producer.produce(maybe_topic, value=order)


def consume():
    last.subscribe(["payments.last"])
    consumer.subscribe(audit_topics(True))
    nested_consumer.subscribe([nested_topic])
    while True:
        msg = last.poll(1.0)
        print(msg)
'''


def test_unpacking_by_position_nested_starred_and_into_attributes(tmp_path):
    root = write_project(tmp_path / "repo", {"app/main.py": SHAPES})
    facts = facts_of(root)
    path = "app/main.py"
    at = lambda snippet: line_of(root / path, snippet)  # noqa: E731
    assert {(r.line, r.channel, r.derived) for r in facts.publishers} == {
        (at('producer.produce("payments.requested"'), "payments.requested", False),
        (at("nested_producer.produce("), "orders.placed", False),
        (at('first.produce("payments.first"'), "payments.first", False),
        # two returns of one arity: each position is one of its items (the `if` is not evaluated: both, derived)
        (at("region_producer.produce("), "orders.eu", True),
        (at("region_producer.produce("), "orders.us", True),
        # `return None` is a placeholder nothing is unpacked from
        (at("maybe_producer.produce("), "orders.enabled", False),
        (at("self.producer.produce("), "orders.placed", False),
    }
    assert {(r.line, r.channel, r.group) for r in facts.subscribers} == {
        (at('last.subscribe(["payments.last"])'), "payments.last", "billing"),
        (at("nested_consumer.subscribe("), "orders.placed", "shipping"),
        # an empty list returned early adds nothing: the other return's names
        (at("consumer.subscribe(audit_topics(True))"), "payments.audit", "billing"),
    }


UNKNOWN = '''
from confluent_kafka import Producer

producer = Producer({"bootstrap.servers": "kafka:9092"})


def topics(fast):
    if fast:
        return "orders.fast", "audit.fast"
    return "orders.slow", "audit.slow", "overflow"


def chosen(fast):
    return ("orders.a", "audit.a") if fast else ("orders.b", "audit.b", "overflow")


def rewritten():
    names = ["orders.first", "audit.first"]
    names[0] = "orders.second"
    return names


def grown():
    names = ["orders.first", "audit.first"]
    names.insert(0, "orders.zero")
    return names


def kept():
    names = ["orders.kept", "audit.kept"]
    return names


def send(order):
    unequal, _ = topics(True)
    producer.produce(unequal, value=order)
    conditional, _ = chosen(True)
    producer.produce(conditional, value=order)
    changed, _ = rewritten()
    producer.produce(changed, value=order)
    *_, moved = grown()
    producer.produce(moved, value=order)
    same, _ = kept()
    producer.produce(same, value=order)
'''


def test_returns_that_cannot_be_matched_by_position_stay_unknown_with_their_reason(tmp_path):
    root = write_project(tmp_path / "repo", {"app/main.py": UNKNOWN})
    facts = facts_of(root)
    path = "app/main.py"
    at = lambda snippet: line_of(root / path, snippet)  # noqa: E731
    assert _channels(facts) == {
        # returns of unequal arity: which one an unpacking of two takes is not matched up (never the last one)
        (path, at("producer.produce(unequal"), None, "not-static: channel is `topics(True)[0]`"),
        # a conditional expression between tuples
        (path, at("producer.produce(conditional"), None, "not-static: channel is `chosen(True)[0]`"),
        # a list changed after it was built (an item stored, an item inserted before): not read by position
        (path, at("producer.produce(changed"), None, "not-static: channel is `rewritten()[0]`"),
        (path, at("producer.produce(moved"), None, "not-static: channel is `grown()[-1]`"),
        # the correct form: a list left as it was built
        (path, at("producer.produce(same"), "orders.kept", None),
    }
