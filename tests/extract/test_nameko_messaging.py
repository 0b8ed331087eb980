"""nameko's messaging extensions: @consume(queue) consumers of kombu queues and the Publisher dependency."""

from eventlint import api
from tests.helpers import facts_of, fixture, line_of, pubs, subs

ROOT = fixture("nameko_messaging")
PUBLISHER = "services/publisher/publisher/service.py"
ENTITIES = "services/publisher/publisher/entities.py"
CONSUMER = "services/consumer/consumer/service.py"


def at(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_publisher_dependency_publishes_to_its_exchange():
    facts = facts_of(ROOT)
    function = "publisher.service.PublisherService.create"
    assert pubs(facts) == {
        # Publisher(exchange=publications) called with a routing key: "exchange/routing_key"
        (PUBLISHER, at(PUBLISHER, "self.publish(payload"), None, "publications/publication.created", "publisher", function),
        # a fanout exchange: no routing key
        (PUBLISHER, at(PUBLISHER, "self.publish_audit("), None, "audit", "publisher", function),
    }
    assert {p.framework for p in facts.publishers} == {"nameko"}


def test_consume_reads_the_kombu_queue():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        (CONSUMER, at(CONSUMER, "@consume(new_publications)"), None, "new_publications", "consumer", "consumer.service.ConsumerService.receive_new_publication"),
        (CONSUMER, at(CONSUMER, "@consume(queue=retries"), None, "publication_retries", "consumer", "consumer.service.ConsumerService.retry_publication"),
        (CONSUMER, at(CONSUMER, "@consume(audit_log)"), None, "audit_log", "consumer", "consumer.service.ConsumerService.record"),
    }
    [retries] = [s for s in facts.subscribers if s.channel == "publication_retries"]
    assert retries.dead_letter == "parking"


def test_queues_are_kombu_bindings():
    facts = facts_of(ROOT)
    assert {(b.path, b.queue, b.exchange, b.routing_key) for b in facts.bindings} == {
        (ENTITIES, "new_publications", "publications", "publication.created"),
        (ENTITIES, "audit_log", "audit", None),
        (CONSUMER, "publication_retries", "retries", "publication.retry"),
    }


def test_every_publication_reaches_its_consumer():
    root = ROOT
    result = api.lint([root], api.load_config([root]))
    codes = {(d.code, d.path, d.line) for d in result.diagnostics}
    # the Publisher's messages meet the @consume handlers through the queue bindings
    assert not any(code == "EDA101" for code, _, _ in codes)
    assert ("EDA102", CONSUMER, at(CONSUMER, "@consume(new_publications)")) not in codes
    assert ("EDA102", CONSUMER, at(CONSUMER, "@consume(audit_log)")) not in codes
