"""pika scripts whose channel comes from a tuple-returning factory in a sibling module or the root package."""

import shutil

from eventlint import api
from eventlint.extract import Options
from tests.helpers import facts_of, fixture, line_of, pubs, subs

ROOT = fixture("pika_scripts")
EMIT = "tutorials/fanout/emit_log.py"
RECEIVE = "tutorials/fanout/receive_logs.py"
PRODUCER = "accounts/users/producer.py"
CONSUMER = "accounts/audit/consumer.py"


def at(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_sites_behind_a_sibling_factory_and_a_root_package_import_are_found():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # `from conn import open_channel` in a package folder: the script's own folder on sys.path
        (EMIT, at(EMIT, "basic_publish"), None, "logs", "pika_scripts", "tutorials.fanout.emit_log"),
        # `from pika_scripts.accounts.broker import channel_pair`: the analysed root is that package
        (PRODUCER, at(PRODUCER, "basic_publish"), None, "accounts/user.signed_up", "pika_scripts", "accounts.users.producer.user_signed_up"),
    }
    assert subs(facts) == {
        # the broker names the queue: no channel, tied to `logs` by its binding
        (RECEIVE, at(RECEIVE, "basic_consume"), None, None, "pika_scripts", "tutorials.fanout.receive_logs.callback"),
        (CONSUMER, at(CONSUMER, "basic_consume"), None, "user-signups", "pika_scripts", "accounts.audit.consumer.run.on_signup"),
    }
    assert {(b.path, b.queue, b.exchange, b.routing_key) for b in facts.bindings} == {
        (RECEIVE, None, "logs", ""),
        # `queue_declare(queue="", exclusive=True)`: the declaration of a queue that dies with its consumer
        (RECEIVE, None, None, None),
        ("accounts/users/topology.py", "user-signups", "accounts", "user.signed_up"),
    }


def test_the_same_facts_without_the_prefilter():
    # the importer of `pika_scripts.accounts.broker` names no framework: the prefilter keeps it through that import
    with_prefilter = facts_of(ROOT)
    without = api.facts([ROOT], api.load_config([ROOT]), Options(prefilter=False))
    assert with_prefilter.to_json() == without.to_json()


def test_a_queue_the_broker_names_receives_what_its_exchange_is_sent():
    graph = api.graph([ROOT], api.load_config([ROOT]))
    delivered = {(event, handler) for event, handler, _ in graph.edges("delivers")}
    assert ("logs", "tutorials.fanout.receive_logs.callback") in delivered
    assert ("accounts/user.signed_up", "accounts.audit.consumer.run.on_signup") in delivered


def test_a_fanout_publication_read_through_a_broker_named_queue_is_no_orphan(tmp_path):
    # even when the team asks to hear about orphans that an unresolved consumer could explain: this one is resolved
    root = tmp_path / "pika_scripts"  # the root package keeps its name
    shutil.copytree(ROOT, root)
    (root / "eventlint.yaml").write_text("rules:\n  options:\n    EDA101: {unresolved-candidates: report}\n", encoding="utf-8")
    result = api.lint([root], api.load_config([root]))
    assert [(d.path, d.line) for d in result.diagnostics if d.code == "EDA101"] == []


def test_auto_ack_from_the_tutorials_exclusive_broker_named_queue_is_not_reported():
    # RabbitMQ's publish/subscribe tutorial: the queue dies with its consumer, a late ack would save nothing (#19)
    result = api.lint([ROOT], api.load_config([ROOT]))
    assert [(d.path, d.code) for d in result.diagnostics if d.code == "EDA402"] == []
