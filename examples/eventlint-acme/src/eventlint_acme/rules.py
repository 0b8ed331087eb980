"""ACME's rules, written against eventlint's public API only (eventlint.api)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from eventlint.api import Diagnostic, Example, Publication, PublicationRule, RuleContext, Severity, matches


class RawBrokerPublish(PublicationRule):
    """Checks for services publishing with a raw broker client instead of ACME's platform bus.

    ## What it does
    Reports a publication made with a broker library (kafka-python,
    confluent-kafka, pika, ...) from a service, instead of through
    `acme_platform.bus.EventBus.emit`.

    ## Why is this bad?
    The platform bus writes to the transactional outbox, adds the trace context
    and checks the payload against the registered schema. A raw producer does
    none of it: its events can be lost on a crash, cannot be traced and skip
    the schema registry.

    ## How to fix it
    Publish with `bus.emit(topic, payload, key=...)` of an `EventBus` built for
    the service.
    """

    code = "ACME101"
    name = "raw-broker-publish"
    severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        """
        - platform_frameworks: frameworks (pack names) that are the platform's own buses
        - exempt_services: globs on services allowed to publish directly (the bus's relay itself)
        """

        platform_frameworks: tuple[str, ...] = ("acme-bus",)
        exempt_services: tuple[str, ...] = ("platform-relay",)

    invalid = [
        Example(
            """
            from confluent_kafka import Producer

            producer = Producer({"bootstrap.servers": "kafka:9092"})

            def settle(invoice):
                producer.produce("billing.invoice-settled", key=invoice.id, value=invoice.to_json())  # expect: ACME101
            """,
            config="services: {billing: ['**']}",
        )
    ]
    valid = [
        Example(
            """
            from acme_platform.bus import EventBus

            bus = EventBus(service="billing")

            def settle(invoice):
                bus.emit("billing.invoice-settled", {"invoice_id": invoice.id}, key=invoice.id)
            """,
            config="services: {billing: ['**']}",
        )
    ]

    def check_publication(self, publication: Publication, ctx: RuleContext) -> Iterator[Diagnostic]:
        if publication.service is None or matches(publication.service, self.options.exempt_services):
            return
        if publication.framework in self.options.platform_frameworks:
            return
        what = publication.event or publication.channel or "an event"
        yield self.finding(
            publication,
            f"{publication.service} publishes {what} with {publication.framework} directly, not through the ACME platform bus",
            hint="publish with acme_platform.bus.EventBus.emit(topic, payload, key=...): outbox, tracing and schema checks come with it",
        )


RULES = [RawBrokerPublish]
