"""A handler map subscribed by its keys and handed to a shared library's poll loop (fixtures/shared_loop)."""

import dataclasses

from eventlint import api
from eventlint.config import load_config
from tests.helpers import facts_of, fixture, line_of, write_project

ROOT = fixture("shared_loop")
LOOP = ROOT / "libs/kafkaloop/kafkaloop/loop.py"


def records(facts, path):
    return {(s.channel, s.service, s.handler, s.via, s.function, s.unresolved) for s in facts.subscribers if s.path == path}


def test_list_of_a_handler_map_subscribes_each_key_and_the_shared_loop_routes_it():
    facts = facts_of(ROOT)
    where = f"kafkaloop.loop.run_forever:{line_of(LOOP, 'handler(payload)')}"
    assert records(facts, "services/payments/payments/worker.py") == {
        ("orders.placed", "payments", "payments.handlers.on_order_placed", (where,), "kafkaloop.loop.run_forever", None),
        ("orders.cancelled", "payments", "payments.handlers.on_order_cancelled", (where,), "kafkaloop.loop.run_forever", None),
    }


def test_a_starred_map_and_a_map_passed_by_keyword_to_the_same_loop():
    facts = facts_of(ROOT)
    where = f"kafkaloop.loop.run_forever:{line_of(LOOP, 'handler(payload)')}"
    # the same shared loop, bound to shipping's own map: each service's routes are its own
    assert records(facts, "services/shipping/shipping/worker.py") == {
        ("payments.captured", "shipping", "shipping.handlers.on_payment_captured", (where,), "kafkaloop.loop.run_forever", None),
    }


def test_keys_of_a_map_and_a_subscript_dispatch():
    facts = facts_of(ROOT)
    where = f"kafkaloop.loop.run_simple:{line_of(LOOP, 'routes[msg.topic()](json.loads(msg.value()))')}"
    assert records(facts, "services/audit/audit/worker.py") == {
        ("orders.placed", "audit", "audit.handlers.record_order", (where,), "kafkaloop.loop.run_simple", None),
        ("payments.captured", "audit", "audit.handlers.record_payment", (where,), "kafkaloop.loop.run_simple", None),
    }
    roles = {h.name: h.role for h in facts.handlers}
    assert roles["audit.handlers.record_order"] == "handler"
    assert roles["kafkaloop.loop.run_simple"] == "consumer"


def test_the_shared_loops_except_is_the_dead_letter_path_of_its_subscriptions():
    # the fixture's handlers only print (nothing to protect: not reported by default); asked to report such handlers
    # too, the subscriptions of run_forever (which dead-letters to <topic>.dlq from its except) stay silent and those
    # of run_simple (no dead-letter path) are reported
    config = load_config([ROOT])
    assert api.lint([ROOT], config, select=["EDA501"]).diagnostics == ()
    rules = {**(config.raw.get("rules") or {}), "options": {"EDA501": {"report_inert_handlers": True}}}
    result = api.lint([ROOT], dataclasses.replace(config, raw={**config.raw, "rules": rules}), select=["EDA501"])
    found = {(d.path, d.line) for d in result.diagnostics}
    audit = ("services/audit/audit/worker.py", line_of(ROOT / "services/audit/audit/worker.py", "consumer.subscribe("))
    assert found == {audit}


def test_a_map_with_a_spread_or_a_consumer_handed_to_a_non_loop_stays_unknown(tmp_path):
    files = {
        "svc/__init__.py": "",
        "svc/handlers.py": "def on_a(event):\n    print(event)\n",
        "svc/worker.py": """
from confluent_kafka import Consumer

from svc import handlers
from svc.extra import EXTRA

HANDLERS = {"a.topic": handlers.on_a, **EXTRA}


def describe(consumer):
    print(consumer)


def main():
    consumer = Consumer({"bootstrap.servers": "k:9092", "group.id": "svc"})
    consumer.subscribe(list(HANDLERS))
    describe(consumer)
""",
        "svc/extra.py": "import os\nEXTRA = {os.environ['T']: print}\n",
    }
    root = write_project(tmp_path, files, {"services": {"svc": ["svc/**"]}})
    [record] = facts_of(root).subscribers
    # the keys are not all known: no channel is guessed, and nothing is taken as the handler
    assert record.channel is None
    assert record.handler is None
    assert record.unresolved is not None and record.unresolved.startswith("call-result")


def test_dict_keys_in_values(tmp_path):
    files = {
        "svc/__init__.py": "",
        "svc/worker.py": """
from kafka import KafkaConsumer

ROUTES = {"x.one": print, "x.two": print}

def run():
    consumer = KafkaConsumer(*ROUTES.keys(), group_id="svc")
    for msg in consumer:
        print(msg)
""",
    }
    root = write_project(tmp_path, files, {"services": {"svc": ["svc/**"]}})
    assert {s.channel for s in facts_of(root).subscribers} == {"x.one", "x.two"}
