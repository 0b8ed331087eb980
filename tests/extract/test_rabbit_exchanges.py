"""RabbitMQ routing read the way the broker routes: fanout and headers exchanges, FastStream paths, stream queues."""

import dataclasses

from eventlint import api
from tests.helpers import facts_of, fixture, line_of

ROOT = fixture("rabbit_exchanges")
APP = "services/logs/logs/app.py"
AUDIT = "services/audit/audit/consumer.py"


def at(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def lint():
    return api.lint([ROOT], api.load_config([ROOT]))


def test_fanout_and_headers_bindings_have_no_routing_key():
    facts = facts_of(ROOT)
    assert {(b.path, b.queue, b.exchange, b.routing_key) for b in facts.bindings} == {
        # routing_key="metrics" on a fanout binding is ignored by the broker
        (APP, "logs-archive", "logs.all", None),
        (APP, "logs-metrics", "logs.all", None),
        (APP, "logs-alerts", "logs.by-header", None),
        # the path logs.{level} is bound as logs.*
        (APP, "logs-levels", "logs.by-level", "logs.*"),
        (AUDIT, "audit-trail", "audit.events", None),
        (AUDIT, "audit-ledger", "audit.ledger", "entry"),
    }


def test_subscriber_channels_follow_the_exchange_type_and_paths():
    facts = facts_of(ROOT)
    channels = {s.handler: s.channel for s in facts.subscribers}
    assert channels["logs.app.archive_line"] == "logs.all"
    assert channels["logs.app.count_line"] == "logs.all"
    assert channels["logs.app.page_on_call"] == "logs.by-header"
    assert channels["logs.app.by_level_line"] == "logs.by-level/logs.*"
    # NATS subject path: audit.{service}.events is subscribed as audit.*.events
    assert channels["logs.app.audit_event"] == "audit.*.events"


def test_every_publication_meets_its_consumers():
    codes = [(d.code, d.path, d.line) for d in lint().diagnostics if d.code in ("EDA101", "EDA102")]
    # fanout with and without a routing key, headers, a topic key matched by a path, a NATS subject path
    assert codes == []


def test_stream_queues_are_recorded_and_not_asked_to_dead_letter():
    facts = facts_of(ROOT)
    types = {s.handler: s.queue_type for s in facts.subscribers}
    assert types["logs.app.replay"] == "stream"
    assert types["audit.consumer.on_entry"] == "stream"
    assert types["logs.app.archive_line"] is None
    # the fixture's handlers only log: asked to report such handlers too, a classic queue without a dead-letter
    # exchange is reported and the stream queues are not
    config = api.load_config([ROOT])
    rules = {**(config.raw.get("rules") or {}), "options": {"EDA501": {"report_inert_handlers": True, "when_no_dead_letters": "each"}}}
    result = api.lint([ROOT], dataclasses.replace(config, raw={**config.raw, "rules": rules}), select=["EDA501"])
    flagged = {(d.path, d.line) for d in result.diagnostics}
    assert (APP, at(APP, "@broker.subscriber(history)")) not in flagged
    assert (AUDIT, at(AUDIT, "queues=[ledger]")) not in flagged
    assert (APP, at(APP, "@broker.subscriber(archive, everything)")) in flagged
