"""Rules of the debugging family (EDA5xx): when a message fails, can anyone find out which one and why?"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from eventlint.facts import Diagnostic, ExceptClause, Handler, HandlerCall, Related, Subscription
from eventlint.rules import knowledge
from eventlint.rules.base import Example, Rule, RuleContext, Severity
from eventlint.rules.delivery import ACK_ON_DELIVERY
from eventlint.rules.handler_queries import DEAD_LETTER_CHANNELS, TRANSIENT_QUEUES, short, shown_channel, transient_queue
from eventlint.rules.inert import EFFECT_CALLS, INERT_CALLS, Inert, callers_of, imatches

RETRY_CHANNELS = ("*.retry*", "*-retry*", "*_retry*", "retry.*", "retry-*", "retry_*")
DEAD_LETTER_CALLS = ("*dead*letter*", "*dlq*")
FAILURE_CALLS = (
    "*.basic_nack",
    "*.basic_reject",
    "*.nack",
    "*.nak",
    "*.reject",
    "*.requeue",
    "*.term",
    "*.seek",
    "*TopicEventResponse",
    "*retry*",
    "*failure*.append",
    "sys.exit",
    "os._exit",
)
# a Kafka consumer's manual offset commit: it acknowledges every message up to the one committed
OFFSET_COMMITS = ("*consumer.commit", "*consumer.commit_async", "*.store_offsets")
SETTLE_CALLS = (
    "*.basic_ack",
    "*.ack",
    "*.ack_sync",
    "*.acknowledge",
    "*.delete_message",
    "*.delete_message_batch",
    "*.xack",
)
LOG_LEVELS = ("debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg")
LOGGERS = tuple(f"*log*.{level}" for level in LOG_LEVELS)
# Calls that decode a received message (EDA502's decode_calls), and calls that only gather decoded values in memory:
# rules/knowledge/failure-handling.yaml. A `try` around decoding alone guards decoding, and a message that cannot be
# decoded never will be, so skipping it is a choice (dead-lettering it is EDA501's concern).
DECODE_CALLS = knowledge.failure_handling().decoding
COLLECTING_CALLS = knowledge.failure_handling().collecting
# Calls that start, stop or close a messaging client (EDA502's lifecycle_calls): a `try` around these alone (a
# `finally: try: await consumer.stop()`) guards the client's shutdown, with no message in hand.
LIFECYCLE_CALLS = (
    "*.stop", "*.close", "*.aclose", "*.wait_closed", "*.disconnect", "*.unsubscribe", "*.shutdown", "*.drain",
    "*.stop_consuming", "*.basic_cancel", "*.cancel", "*consumer.commit",
)
# Message fields that carry the caller's reply address (EDA502's reply_fields): a publication that reads one
# answers a waiting caller (an RPC server), which then sees an error result.
REPLY_FIELDS = ("reply_to", "replyto", "reply-to")
# Calls that send a message (EDA502's reply_calls), when the facts do not record the site as a publication (the
# exchange is a parameter of unknown type).
REPLY_CALLS = ("*publish*", "*send*", "*reply*", "*respond*", "*produce*")
# Calls whose failure a team commonly accepts (a notification mail, SMS, push), what only prepares them, and writes
# that record a failure durably: rules/knowledge/failure-handling.yaml (EDA502's best_effort_calls, preparing_calls,
# recording_calls)
_FAILURES = knowledge.failure_handling()
BEST_EFFORT_CALLS = _FAILURES.best_effort
PREPARING_CALLS = _FAILURES.preparing
RECORDING_CALLS = _FAILURES.recording
# what a best-effort `try` may do besides: write output, compute values in memory, read (inert-calls.yaml's groups)
_INERT = knowledge.inert_calls()
VALUE_CALLS = (*_INERT["output"], *_INERT["pure"], *_INERT["reads"], "*.get")
LAST_CALL_LINES = 10  # how far a function's last call is taken to reach, for lack of end positions in the facts


def call_named(call: HandlerCall, patterns: Iterable[str]) -> bool:
    """The call's qualified name or its source text matches a glob, ignoring case."""
    patterns = tuple(patterns)
    return imatches(call.name, patterns) or imatches(call.text, patterns)


def is_template(path: str) -> bool:
    """A record read from a deployment template (AWS SAM, Serverless) rather than from Python."""
    return path.endswith((".yaml", ".yml", ".json"))


# -- EDA501 -------------------------------------------------------------------------------


class NoDeadLetter(Rule):
    """Checks for consumers whose failed messages have nowhere to go.

    ## What it does
    Reports a subscription when nothing shows where a message that keeps
    failing ends up: no dead-letter destination where the subscription or its
    queue is declared (a RabbitMQ `x-dead-letter-exchange` queue argument,
    the default exchange `""` included, which the facts name `amq.default`;
    Dapr's `dead_letter_topic=`, tomodachi's `dead_letter_queue_name=`, an SQS
    `RedrivePolicy` or a Lambda `OnFailure` / `DeadLetterQueue` / `onError`
    destination in a SAM or Serverless template), and no handler code that
    moves failed messages aside itself: a publication to a dead-letter or
    retry channel (`orders.placed.dlq`, `orders-dead-letter`, `orders.DLT`,
    `orders.retry.1`), a publication from an `except` clause that forwards the
    original message (`producer.produce("billing-failures", value=msg.value())`
    whatever the destination is called), or a call of a dead-letter helper, in
    the handler, the functions it calls, or the function that calls it from a
    polling loop (also a shared library's loop that dispatches to it through a
    handler map it is given, `run_loop(consumer, HANDLERS)`). Such publications are the consumer's dead-letter path: EDA101
    and EDA201 do not report them as orphan or undeclared events.

    What counts as evidence depends on the transport. Kafka has no dead-letter
    queue in the broker, so the application must publish to a dead-letter
    topic. AMQP brokers dead-letter through the queue's arguments. An SQS queue's
    redrive policy and a Pub/Sub subscription's dead-letter policy usually live
    in infrastructure code eventlint does not read, so those consumers are not
    reported unless a template in the project consumes the same queue without
    one (`infrastructure_frameworks`). Fire-and-forget transports (Redis
    pub/sub, core NATS) never redeliver, and an in-process bus raises into the
    publisher, so neither is checked. A consumer that acknowledges each message
    on delivery (pika `auto_ack=True`, aio-pika/kombu `no_ack=True`) can never
    dead-letter a failure: EDA402 reports that root cause, once, and this rule
    does not repeat it.

    A dead-letter path keeps a failed message so that the work it should have
    caused can be done later. A handler with no such work is not reported: one
    whose every call is inert (printing, logging, parsing, waiting, reading,
    the consuming client's own calls: `rules/knowledge/inert-calls.yaml`,
    extended with `inert_calls`) and which publishes nothing, or only a reply
    on the caller's reply-to address (an RPC server: the waiting caller sees
    the failure), or only messages whose every consumer in the analysed code
    is itself such a handler. A call into a project function is judged by the
    calls inside it; a call eventlint does not know is taken to do work, so
    an unknown client keeps the handler reported. `report_inert_handlers:
    true` reports these handlers too.

    A consumer of a queue that dies with its consumer is not reported: one
    declared exclusive or auto-delete (the packs' `lifetime`, as aio-pika's
    `declare_queue(exclusive=True, auto_delete=True)` for an RPC reply queue),
    one the broker names, or a name in `transient_queues` (RabbitMQ's direct
    reply-to). Whatever such a queue holds is gone with its consumer, so a
    dead-letter path there keeps nothing worth replaying (EDA402 stays quiet
    on them for the same reason).

    Example code is not reported: a subscription whose path from the analysed
    root passes through a folder of examples, demos or tutorials (`examples/`,
    `docs_src/`, `samples/`: `rules/knowledge/example-code.yaml`, the
    `example_folders` option) teaches the call, not a deployment. Set
    `example_folders: []` to report it too (docs/configuration.md, "Example,
    demo and tutorial code").

    A handler whose every URL literal names a host reserved for documentation
    (RFC 2606 and RFC 6761: `example.com`, `example.net`, `example.org` and the
    names under `.example`, `.test`, `.invalid`; `placeholder_hosts`) calls
    nothing real there: `session.post("http://example.com/process")` is a
    placeholder left for the reader, taken as inert. A method of the
    record a consuming loop receives that no type names (aio-pika's
    `message.process()` in `async for message in queue_iter`) is the
    framework's own, inert too. A worker that
    answers on a named queue (`response_queue`, not the caller's `reply_to`)
    is judged, as any relay, by what the consumers of that queue do.

    A project function that consumes a queue it is given (`def
    consume_queue(self, func, queue_name)`) is one subscription per call of
    it, each naming its queue; the function's own consume call, whose queue is
    the parameter, is the same subscriptions seen from inside and is not
    listed again.

    One service's consumers without a dead-letter path are one root cause:
    one finding per service and framework, at its first subscription, names
    the channels of that site and lists the service's other such
    subscriptions as related locations (text, JSON, SARIF
    `relatedLocations`). As for any finding, only its reported line counts
    for `# noqa`: a suppression there silences the service's finding.

    Where no subscription of the analysed project has a dead-letter path at
    all (none declared in code, a template or the catalog, the default
    exchange `amq.default` included; no handler that moves failed messages
    aside; no consumer of a dead-letter channel; example folders left out),
    the root cause is one design choice not yet made: the project has not
    adopted dead-lettering. That is reported once
    (`when_no_dead_letters: once`, the default): one finding at the first
    service's first such consumer, in site order, naming how many
    subscriptions in how many services have none, with that service's other
    consumers and every other service's first consumer as related
    locations. The exemptions above (acknowledged on delivery, transient
    queues, streams, nothing to protect, example code) apply before
    counting. `each` reports one finding per service as before; `quiet`
    reports nothing there, so that only an inconsistency (some consumers
    have a path, a service's do not) is reported. Where some consumer has a
    dead-letter path, every service lacking one is its own finding whatever
    the option says: the gap is that service's. A `# noqa` on the one
    finding's line silences the project's finding.

    For example, a billing worker and a shipping worker that consume with
    pika, neither queue declared with an `x-dead-letter-exchange`, give one
    finding at billing's `basic_consume` ("no consumer of the project has a
    dead-letter path (dead-lettering is not adopted): 3 subscriptions in 2
    services have none ..."), shipping's first consumer related. Declare
    `arguments={"x-dead-letter-exchange": "billing.dlx"}` on billing's queue
    and the finding moves to shipping, which now lacks what billing has.

    ## Why is this bad?
    A message that fails every time (a poison message: a malformed payload, an
    order for a deleted customer) is either redelivered forever, blocking its
    partition or queue and burning retries, or dropped after the retries run
    out. Either way nobody can later find the message, inspect it, fix the bug
    and replay it: the evidence needed to debug the failure is gone.

    ## How to fix it
    Declare a dead-letter destination where the subscription is declared (the
    queue's `x-dead-letter-exchange`, `dead_letter_topic=`,
    `dead_letter_queue_name=`, a `RedrivePolicy` or `OnFailure` destination in
    the template). Where the broker has none (Kafka), catch the failure in the
    consumer and publish the message, with the error, to a dead-letter topic
    such as `orders.placed.dlq`. Where the project has no dead-letter path
    anywhere, decide once where failed messages go (a dead-letter exchange
    per queue, or one shared helper that every consumer calls from its
    `except`) and apply it to every service the finding lists; a team that
    has chosen not to dead-letter sets `when_no_dead_letters: quiet`.

    ## Default severity
    `info`: reported, never failing a run, until a team raises it
    (`rules: severity: {EDA501: warning}`). On the field check
    (`benchmarks/field/review.yaml`, a new user's first run on 21 public
    repositories) it reported 49 findings before handlers with nothing to
    protect were left out: 4 worth fixing and 45 true but pointless, 39 of
    them tutorial consumers that only print or log, a relay whose only
    consumers do, or an RPC server answering its caller. Then 10: the same 4
    true findings, and a demo POSTing to `http://example.com` and a
    request/reply hello-world (requester and worker) that now have nothing to
    protect (placeholder hosts; aio-pika's `message.process()`). It now
    reports 7: the 4 true findings and three faust demo agents (never taken as
    inert: one prints, one writes a Table, one feeds it), 57 %. On the unseen
    set (`benchmarks/field/unseen/review.yaml`) 4 of 8 are true; example code
    is no longer reported there. On the unseen2 set
    (`benchmarks/field/unseen2/review.yaml`) 1 of 10 was true. Most
    pointless findings were projects with no dead-letter path anywhere
    (demos, templates, learning code), one finding per service; reported
    once per such project (`when_no_dead_letters: once`, session 15), the
    three sets give 2 true of 3 (67 %, was 4 of 7), 2 of 4 (50 %, was 4 of
    8) and 1 of 6 (17 %, was 1 of 10): every true finding there covers
    real services that had adopted no dead-lettering either, so `quiet`
    would hide all 5 and keep 1 pointless, and it is not the default. A
    merged finding counts as true when one service it covers is a real
    one. What is left pointless is mostly single-service demos and
    templates, which no project-wide count can tell from a real service. A
    rule below 80 % precision there does not warn by default.

    Session 16 weighed the signals an engineer would use against the 13
    findings the three sets leave (5 true, 8 pointless). Only one service:
    4 pointless and 1 true (a real FastAPI app whose order consumer sends
    mail), so quieting one-service projects loses a true finding. No tests
    in the repository: 4 pointless, 1 true. A service decided by a
    deployable unit (a compose `build:`, a Dockerfile) rather than the
    layout: 3 of the 5 true, 4 of the 8 pointless. No retry or redelivery
    setting on the subscription (the client's defaults): all 13. A
    template: nothing in its code says so (only its repository's name and
    README). One signal kept every true finding: no deployment file runs
    the consumer (no Dockerfile, no compose `build:`, no stack), which held
    for 2 pointless findings (a folder of faust hello-worlds, a learning
    project whose compose file runs only Kafka) and no true one; the facts
    do not yet record which deployment file runs a service (a Dockerfile at
    the root decides no service of its own), so it is not used. On two
    findings it would not be enough to change the default, and the rule
    stays `info`, reporting once per project that has not adopted
    dead-lettering.

    ## Known limitations
    A handler is judged by its calls: a write without a call (an attribute
    set on an object that something else saves) is not seen, which is why a
    faust agent, whose Table is written by assignment, is never taken as
    inert (`state_by_assignment_frameworks`). A relay is judged by the
    consumers the analysed code shows: when its message is also consumed in
    another repository, that consumer's work is not seen.
    A dead-letter exchange set by a RabbitMQ policy or a definitions file is
    not in the code: list the framework under `infrastructure_frameworks`, or
    suppress the finding. FastStream's `RabbitQueue(arguments=...)` is not read
    for a dead-letter exchange yet, so FastStream RabbitMQ subscribers are
    reported even when their queue has one. A `basic_reject(requeue=False)`
    is not evidence: without a dead-letter exchange it drops the message.
    FastStream NATS subscribers are all taken to be core NATS (at most once),
    JetStream ones included. Consumers of a RabbitMQ stream queue
    (`x-queue-type: stream`, `QueueType.STREAM`) are not reported: a stream
    keeps every message and cannot dead-letter.
    """

    code = "EDA501"
    name = "no-dead-letter"
    # info by default, measured: on the field check (benchmarks/field/review.yaml) 2 of its 3 findings on a
    # first run are worth a team's time (see the docs)
    severity = Severity.INFO

    @dataclass(frozen=True)
    class Options:
        """
        - frameworks: frameworks whose subscriptions are checked (an in-process or in-house bus is not, unless listed)
        - infrastructure_frameworks: frameworks whose dead-letter policy is usually configured outside Python (SQS redrive policy, Pub/Sub subscription policy); reported only when a SAM or Serverless template of the project consumes the same queue without a dead-letter destination
        - fire_and_forget_frameworks: frameworks whose subscriptions without an acknowledgement mode deliver at most once (Redis pub/sub, core NATS) and so have nothing to dead-letter; not reported
        - fire_and_forget_decorators: globs on handler decorators that register at-most-once consumers (FastStream's Redis and NATS subscribers); not reported
        - exempt_channels: globs (case-insensitive) on channels that need no dead-letter path, such as RPC reply queues
        - dead_letter_channels: globs (case-insensitive) on channels that are dead-letter destinations; publishing there is evidence, and consuming one is the end of the line (not reported)
        - retry_channels: globs (case-insensitive) on retry channels; publishing there is evidence
        - dead_letter_calls: globs (case-insensitive) on calls that move a failed message aside (a team's `send_to_dlq` helper); evidence
        - external_references: globs on a template's unresolved channel expressions that name a queue defined in another stack or parameter store, whose dead-letter policy is not visible; not reported
        - no_dead_letter_queue_types: queue types that cannot dead-letter (a RabbitMQ stream keeps every message and has no dead-letter exchange); their consumers are not reported
        - transient_queues: globs on queues (names, or the facts' `broker-named queue in ...` form) that die with their consumer, as an RPC reply queue; their consumers are not reported (queues declared exclusive or auto-delete are known from the framework packs)
        - ack_on_delivery_frameworks: frameworks whose `ack: auto` subscriptions (pika `auto_ack=True`, `no_ack=True`) acknowledge each message when it is delivered: no failure can ever be dead-lettered there, which EDA402 reports once; not reported
        - inert_calls: globs on calls that change nothing outside the process (printing, logging, parsing, waiting, reads, the consuming client's own calls; rules/knowledge/inert-calls.yaml); a handler making only these calls, and publishing nothing or only to consumers that are themselves inert, is not reported
        - state_by_assignment_frameworks: frameworks whose handlers write durable state by plain assignment (a faust Table), which calls do not show; their handlers are never taken as inert
        - report_inert_handlers: report handlers with nothing to protect too (every call inert)
        - example_folders: globs (case-insensitive) on folder names of example, demo and tutorial code (rules/knowledge/example-code.yaml); a subscription whose path from the analysed root passes through one is not reported; `[]` reports there too
        - when_no_dead_letters: what to do where no subscription of the analysed project has a dead-letter path (dead-lettering not adopted at all): `once` reports one finding at the first service's first such consumer, with every other service's first one as related locations; `each` reports one finding per service as where some consumers have a path; `quiet` reports nothing (only an inconsistency is then reported)
        - placeholder_hosts: host names reserved for documentation (RFC 2606, RFC 6761; each with every name below it; rules/knowledge/inert-calls.yaml); a call whose every URL literal names one (`session.post("http://example.com/process")`) reaches no real service and is taken as inert; `[]` judges such calls as any other
        """

        frameworks: tuple[str, ...] = (
            "kafka-python",
            "confluent-kafka",
            "aiokafka",
            "faust",
            "faststream",
            "pika",
            "aio-pika",
            "kombu",
            "nameko",
            "tomodachi",
            "dapr",
            "nats",
            "redis",
            "aws-sam",
            "serverless",
            "cloudformation",
        )
        infrastructure_frameworks: tuple[str, ...] = ("aws-sqs", "google-pubsub")
        fire_and_forget_frameworks: tuple[str, ...] = ("redis", "nats")
        fire_and_forget_decorators: tuple[str, ...] = ("faststream.redis.*.subscriber", "faststream.nats.*.subscriber")
        exempt_channels: tuple[str, ...] = ("*reply*", "*replies*", "amq.rabbitmq.reply-to*")
        dead_letter_channels: tuple[str, ...] = DEAD_LETTER_CHANNELS
        retry_channels: tuple[str, ...] = RETRY_CHANNELS
        dead_letter_calls: tuple[str, ...] = DEAD_LETTER_CALLS
        external_references: tuple[str, ...] = ("!ImportValue*", "Fn::ImportValue*", "${ssm:*", "${cf:*", "{{resolve:*")
        no_dead_letter_queue_types: tuple[str, ...] = ("stream",)
        transient_queues: tuple[str, ...] = TRANSIENT_QUEUES
        ack_on_delivery_frameworks: tuple[str, ...] = ACK_ON_DELIVERY
        inert_calls: tuple[str, ...] = INERT_CALLS
        state_by_assignment_frameworks: tuple[str, ...] = knowledge.state_by_assignment()
        report_inert_handlers: bool = False
        placeholder_hosts: tuple[str, ...] = knowledge.placeholder_hosts()
        example_folders: tuple[str, ...] = knowledge.example_folders()
        when_no_dead_letters: Literal["quiet", "once", "each"] = "once"

    invalid = [
        Example(
            """
            from kafka import KafkaConsumer
            from billing import ledger

            def on_payment(event):
                ledger.record_payment(event["order_id"], event["amount"])

            for message in KafkaConsumer("payments.captured", group_id="billing"):  # expect: EDA501
                on_payment(message.value)
            """,
        ),
        Example(
            """
            import json
            import pika
            import stripe

            def on_refund(channel, method, properties, body):
                refund = json.loads(body)
                stripe.Refund.create(payment_intent=refund["payment_intent"])
                channel.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.queue_declare(queue="billing.refund", durable=True)
            channel.basic_consume(queue="billing.refund", on_message_callback=on_refund)  # expect: EDA501
            """
        ),
        Example(
            """
            from dapr.ext.grpc import App
            from orders.store import save_order

            app = App()

            @app.subscribe(pubsub_name="pubsub", topic="orders")  # expect: EDA501
            def on_order(event) -> None:
                save_order(event.data)
            """
        ),
        Example(
            """
            import boto3

            table = boto3.resource("dynamodb").Table("shipments")

            def handle(event, context):
                for record in event["Records"]:
                    table.put_item(Item={"id": record["messageId"], "body": record["body"]})
            """,
            path="src/app.py",
            files={
                "template.yaml": """
                    Transform: AWS::Serverless-2016-10-31
                    Resources:
                      ShipmentsQueue:
                        Type: AWS::SQS::Queue
                        Properties:
                          QueueName: shipments
                      ShippingFunction:
                        Type: AWS::Serverless::Function
                        Properties:
                          CodeUri: src/
                          Handler: app.handle
                          Runtime: python3.12
                          Events:
                            Shipments:  # expect: EDA501
                              Type: SQS
                              Properties:
                                Queue: !GetAtt ShipmentsQueue.Arn
                """
            },
        ),
    ]
    valid = [
        Example(
            """
            from dapr.ext.grpc import App

            app = App()

            # prints what it receives: nothing it does outlives the process, so a kept message has nothing to redo
            @app.subscribe(pubsub_name="pubsub", topic="orders")
            def on_order(event) -> None:
                print("received", event.data)
            """
        ),
        Example(
            """
            import pika

            def fib(n):
                return n if n < 2 else fib(n - 1) + fib(n - 2)

            # an RPC server: it only answers on the caller's reply-to queue, and the waiting caller sees a failure
            def on_request(ch, method, props, body):
                ch.basic_publish(
                    exchange="",
                    routing_key=props.reply_to,
                    properties=pika.BasicProperties(correlation_id=props.correlation_id),
                    body=str(fib(int(body))),
                )
                ch.basic_ack(delivery_tag=method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.queue_declare(queue="rpc_queue")
            channel.basic_consume(queue="rpc_queue", on_message_callback=on_request)
            channel.start_consuming()
            """
        ),
        Example(
            """
            from kombu import Connection, Consumer, Exchange, Queue

            history = Queue(
                "orders.history",
                exchange=Exchange("orders"),
                routing_key="order.placed",
                queue_arguments={"x-queue-type": "stream"},
            )

            def on_order(body, message):
                print(body["order_id"])
                message.ack()

            with Connection("amqp://rabbitmq//") as connection:
                with Consumer(connection.channel(), queues=[history], callbacks=[on_order]):
                    connection.drain_events()
            """
        ),
        Example(
            """
            from confluent_kafka import Consumer, Producer

            from billing.handlers import handle

            producer = Producer({"bootstrap.servers": "kafka:9092"})

            def run() -> None:
                consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "billing", "enable.auto.commit": False})
                consumer.subscribe(["orders.placed"])
                while True:
                    msg = consumer.poll(1.0)
                    if msg is None or msg.error():
                        continue
                    try:
                        handle(msg.value())
                    except Exception:
                        producer.produce("billing-failures", key=msg.key(), value=msg.value())
                    consumer.commit(message=msg)
            """,
            files={"billing/__init__.py": "", "billing/handlers.py": "def handle(value):\n    return value\n"},
        ),
        Example(
            """
            import json
            from kafka import KafkaConsumer, KafkaProducer
            from billing import ledger

            producer = KafkaProducer()

            def on_payment(event):
                try:
                    ledger.record_payment(event["order_id"], event["amount"])
                except Exception as exc:
                    producer.send("payments.captured.dlq", json.dumps({"event": event, "error": str(exc)}).encode())

            for message in KafkaConsumer("payments.captured", group_id="billing"):
                on_payment(message.value)
            """,
        ),
        Example(
            """
            import pika

            def on_refund(channel, method, properties, body):
                print(body)
                channel.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.queue_declare(queue="billing.refund", durable=True, arguments={"x-dead-letter-exchange": "billing.dlx"})
            channel.basic_consume(queue="billing.refund", on_message_callback=on_refund)
            """
        ),
        Example(
            """
            from dapr.ext.grpc import App

            app = App()

            @app.subscribe(pubsub_name="pubsub", topic="orders", dead_letter_topic="orders-dead-letter")
            def on_order(event) -> None:
                print(event.data)
            """
        ),
        Example(
            """
            def handle(event, context):
                for record in event["Records"]:
                    print(record["body"])
            """,
            path="src/app.py",
            files={
                "template.yaml": """
                    Transform: AWS::Serverless-2016-10-31
                    Resources:
                      ShipmentsQueue:
                        Type: AWS::SQS::Queue
                        Properties:
                          QueueName: shipments
                          RedrivePolicy:
                            deadLetterTargetArn: !GetAtt ShipmentsDLQ.Arn
                            maxReceiveCount: 5
                      ShipmentsDLQ:
                        Type: AWS::SQS::Queue
                        Properties:
                          QueueName: shipments-dlq
                      ShippingFunction:
                        Type: AWS::Serverless::Function
                        Properties:
                          CodeUri: src/
                          Handler: app.handle
                          Runtime: python3.12
                          Events:
                            Shipments:
                              Type: SQS
                              Properties:
                                Queue: !GetAtt ShipmentsQueue.Arn
                """
            },
        ),
        Example(
            """
            import boto3

            sqs = boto3.client("sqs")

            def schedule_pickup(body):
                print(body)

            def poll():
                while True:
                    response = sqs.receive_message(QueueUrl="https://sqs.eu-west-1.amazonaws.com/1/shipments")
                    for message in response.get("Messages", []):
                        schedule_pickup(message["Body"])
            """
        ),
        Example(
            """
            import redis

            def on_price(message):
                print(message["data"])

            pubsub = redis.Redis().pubsub()
            pubsub.subscribe(**{"prices.changed": on_price})
            pubsub.run_in_thread()
            """
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        sites: dict[tuple[str, int, int, str | None], list[Subscription]] = {}
        for subscription in ctx.facts.subscribers:
            key = (subscription.path, subscription.line, subscription.column, subscription.handler)
            sites.setdefault(key, []).append(subscription)
        callers = callers_of(ctx.facts.handlers)
        # one root cause per service and transport: its subscriptions without a dead-letter path are one finding,
        # at the first of them, the others as related locations
        groups: dict[tuple[str, str], list[list[Subscription]]] = {}
        # a wrapper's own consume call (`def consume(self, queue_name): ... queue.consume(...)`) is the same
        # subscription as the calls of the wrapper, which name the queue: those are reported, not it
        wrapped = {(s.framework, v) for s in ctx.facts.subscribers for v in s.via}
        for records in sites.values():
            lacking = [
                s for s in records
                if self._lacks_dead_letter(s, ctx) and not (s.channel is None and (s.framework, s.function) in wrapped)
                and not knowledge.in_example_folder(s.path, self.options.example_folders)
            ]
            if not lacking or self._handler_dead_letters(lacking[0], ctx, callers):
                continue
            if not self.options.report_inert_handlers and self._inert(lacking[0], ctx, callers):
                continue  # nothing it does outlives the process: a kept message would have nothing to redo
            first = lacking[0]
            groups.setdefault((first.service or first.path, first.framework), []).append(lacking)
        for group in groups.values():
            group.sort(key=lambda ls: (ls[0].path, ls[0].line, ls[0].column))
        ordered = sorted(groups.values(), key=lambda g: (g[0][0].path, g[0][0].line, g[0][0].column))
        mode = self.options.when_no_dead_letters
        if len(ordered) > 1 and mode != "each" and not self._adopted(ctx, callers):
            # no consumer anywhere has a dead-letter path: one root cause (dead-lettering not adopted), one finding
            if mode == "once":
                yield self._not_adopted(ordered)
            return
        if not ordered or mode == "quiet" and len(ordered) == 1 and not self._adopted(ctx, callers):
            return
        for group in ordered:
            lacking = group[0]
            first = lacking[0]
            channels = sorted({_channel(s) for s in lacking})
            consumer = short(first.handler) if first.handler else "a consumer"
            example = f"{channels[0]}.dlq" if re.fullmatch(r"[\w.:/-]+", channels[0]) else "<topic>.dlq"
            others = ""
            if len(group) > 1:
                where = f"service {first.service}" if first.service else "this file"
                n = len(group) - 1
                others = f"; {_count(n, 'other subscription')} of {where} {'has' if n == 1 else 'have'} none either (related locations)"
            finding = self.finding(
                first,
                f"{consumer} consumes {', '.join(channels)} ({first.framework}) with no dead-letter path: "
                f"no dead-letter destination is declared and the handler moves no failed message aside{others}",
                hint="declare a dead-letter destination where the subscription or queue is declared (x-dead-letter-exchange, "
                "dead_letter_topic=, dead_letter_queue_name=, a RedrivePolicy or OnFailure destination), or publish "
                f"messages that keep failing to a dead-letter topic such as {example}",
            )
            if len(group) > 1:
                finding = dataclasses.replace(finding, related=tuple(_related(ls) for ls in group[1:]))
            yield finding

    def _adopted(self, ctx: RuleContext, callers: dict[str, list[Handler]]) -> bool:
        """Some subscription of the project (outside example folders) has a dead-letter path: one declared where it
        or its queue is (a dead-letter exchange, `amq.default` included, a redrive policy, a catalog entry), one its
        handler or polling loop provides by moving failed messages aside, or it consumes a dead-letter channel; or a
        queue binding of the project declares a dead-letter exchange."""
        options = self.options
        for subscription in ctx.facts.subscribers:
            if knowledge.in_example_folder(subscription.path, options.example_folders):
                continue
            if subscription.dead_letter:
                return True
            names = (subscription.channel, subscription.channel_expr)
            if any(imatches(n, options.dead_letter_channels) for n in names):
                return True
            if self._handler_dead_letters(subscription, ctx, callers):
                return True
        # a queue declared with a dead-letter exchange where it is bound, away from its consumer
        return any(b.dead_letter and not knowledge.in_example_folder(b.path, options.example_folders) for b in ctx.facts.bindings)

    def _not_adopted(self, groups: list[list[list[Subscription]]]) -> Diagnostic:
        """The one finding of a project where no consumer has a dead-letter path: at the first service's first
        consumer, its other consumers and every other service's first consumer as related locations."""
        lacking = groups[0][0]
        first = lacking[0]
        channels = sorted({_channel(s) for s in lacking})
        consumer = short(first.handler) if first.handler else "a consumer"
        example = f"{channels[0]}.dlq" if re.fullmatch(r"[\w.:/-]+", channels[0]) else "<topic>.dlq"
        sites = sum(len(g) for g in groups)
        services = len({g[0][0].service for g in groups if g[0][0].service})
        files = len({g[0][0].path for g in groups if not g[0][0].service})
        where = " and ".join(
            part for part in (_count(services, "service") if services else "", _count(files, "file") + " outside any service" if files else "") if part
        )
        related = [_related(ls) for ls in groups[0][1:]]
        for group in groups[1:]:
            head = group[0][0]
            unit = f"service {head.service}" if head.service else "its file"
            more = f" (and {_count(len(group) - 1, 'other subscription')} of {unit})" if len(group) > 1 else ""
            who = short(head.handler) if head.handler else "a consumer"
            channels_there = ", ".join(sorted({_channel(s) for s in group[0]}))
            related.append(Related(head.path, head.line, head.column, f"{who} consumes {channels_there} ({head.framework}) with no dead-letter path either{more}"))
        finding = self.finding(
            first,
            f"no consumer of the project has a dead-letter path (dead-lettering is not adopted): {_count(sites, 'subscription')} "
            f"in {where} have none, and no handler moves a failed message aside; {consumer} consumes {', '.join(channels)} "
            f"({first.framework}) here; the service's other consumers and every other service's first are related locations",
            hint="choose where failed messages go, once for the project: a dead-letter exchange or topic per queue "
            "(x-dead-letter-exchange, dead_letter_topic=, dead_letter_queue_name=, a RedrivePolicy or OnFailure "
            "destination), or a shared helper that publishes messages that keep failing to a dead-letter topic such as "
            f"{example}; or set `when_no_dead_letters: quiet` to report only consumers that lack the path others have",
        )
        return dataclasses.replace(finding, related=tuple(related))

    def _inert(self, subscription: Subscription, ctx: RuleContext, callers: dict[str, list[Handler]]) -> bool:
        """Nothing the handler does outlives the process (rules/inert.py, with this rule's options)."""
        options = self.options
        judge = Inert(options.inert_calls, options.state_by_assignment_frameworks, options.placeholder_hosts, options.exempt_channels)
        return judge.handler(subscription, ctx, callers)

    def _lacks_dead_letter(self, subscription: Subscription, ctx: RuleContext) -> bool:
        """This record is checked and nothing at the subscription declares a dead-letter destination."""
        options = self.options
        if subscription.dead_letter:
            return False
        if subscription.queue_type in options.no_dead_letter_queue_types:
            return False  # the broker cannot dead-letter from it: there is no path to ask for
        if transient_queue(subscription, ctx.facts.bindings, options.transient_queues):
            return False  # the queue dies with its consumer (an RPC reply queue): nothing in it outlives a failure
        framework = subscription.framework
        if framework not in options.frameworks and framework not in options.infrastructure_frameworks:
            return False
        names = [subscription.channel, subscription.channel_expr]
        if any(imatches(n, options.exempt_channels) or imatches(n, options.dead_letter_channels) for n in names):
            return False
        if subscription.channel is None and imatches(subscription.channel_expr, options.external_references):
            return False
        if framework in options.fire_and_forget_frameworks and subscription.ack is None:
            return False
        if subscription.ack in ("on-delivery", "auto") and framework in options.ack_on_delivery_frameworks:
            return False  # acknowledged on delivery: nothing can be dead-lettered; EDA402 says so once
        handler = ctx.handlers_by_name.get(subscription.handler or "")
        if handler is not None and any(imatches(d, options.fire_and_forget_decorators) for d in handler.decorators):
            return False
        if framework in options.infrastructure_frameworks:
            return self._template_says_none(subscription, ctx)
        if handler is None and subscription.handler and not is_template(subscription.path):
            return False  # the handler is outside the project: whether it dead-letters cannot be seen
        return True

    def _template_says_none(self, subscription: Subscription, ctx: RuleContext) -> bool:
        """A deployment template of the project consumes the same queue and declares no dead-letter destination."""
        if subscription.channel is None:
            return False
        same = [s for s in ctx.facts.subscribers if s.channel == subscription.channel and is_template(s.path)]
        return bool(same) and not any(s.dead_letter for s in same)

    def _handler_dead_letters(self, subscription: Subscription, ctx: RuleContext, callers: dict[str, list[Handler]]) -> bool:
        """The handler, what it calls, or the polling loop that calls it moves failed messages aside."""
        if not subscription.handler:
            return False
        handler = ctx.handlers_by_name.get(subscription.handler)
        involved = [handler] if handler is not None else []
        # a polling loop that calls the handler (and publishes, so it has facts) may dead-letter around it
        involved += [h for h in callers.get(subscription.handler, ()) if h is not handler]
        # a loop that dispatches to it through a handler map (`handlers.get(msg.topic())(...)`, the record's `via`)
        # may dead-letter around the dispatch: its `except` is this subscription's dead-letter path
        dispatcher = ctx.handlers_by_name.get(subscription.function or "") if subscription.via else None
        if dispatcher is not None and dispatcher not in involved:
            involved.append(dispatcher)
        return any(self._moves_aside(h, ctx) for h in involved)

    def _moves_aside(self, handler: Handler, ctx: RuleContext) -> bool:
        options = self.options
        channels = options.dead_letter_channels + options.retry_channels
        # a publication from an `except` clause that forwards the original message is a dead-letter path,
        # whatever the destination is called (orders-failed, parking-lot)
        forwarded = {(c.path, c.line, c.column) for c in handler.calls if c.in_except and c.forwards_message}
        for publication in ctx.publications_of(handler):
            if imatches(publication.channel, channels) or imatches(publication.channel_expr, channels):
                return True
            if (publication.path, publication.line, publication.column) in forwarded:
                return True
        return any(call_named(call, options.dead_letter_calls) for call in handler.calls)


def _channel(subscription: Subscription) -> str:
    """The subscription's channel, the expression of one not resolved in backticks, its event, or "an unresolved
    channel" (handler_queries.shown_channel)."""
    if subscription.channel is None and subscription.channel_expr is None and subscription.event:
        return subscription.event
    return shown_channel(subscription.channel, subscription.channel_expr)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _related(lacking: list[Subscription]) -> Related:
    first = lacking[0]
    consumer = short(first.handler) if first.handler else "a consumer"
    channels = ", ".join(sorted({_channel(s) for s in lacking}))
    return Related(first.path, first.line, first.column, f"{consumer} consumes {channels} with no dead-letter path either")


# -- EDA502 -------------------------------------------------------------------------------


class SwallowedException(Rule):
    """Checks for handlers that catch every error and carry on as if the message had been handled.

    ## What it does
    Reports an `except` clause in a handler, or in a project function it calls,
    that catches broadly (a bare `except:`, `except Exception`, `except
    BaseException`) and then neither re-raises (any `raise` counts), nor hands
    the message back to the broker (`basic_nack`, `basic_reject`,
    `message.nack()`, `message.reject()`, `msg.nak()`, a `seek` back, a
    Lambda partial-batch `failures.append(...)`, Dapr's `TopicEventResponse`),
    nor publishes anything (a `PaymentFailed` event or a dead-letter
    publication makes the failure visible), nor calls a dead-letter helper.
    Logging alone still swallows the error.

    The consuming loop's own `except` counts like one in the handler when it
    is around the call that hands the message to the handler: a polling loop
    (`for message in consumer:`, `msg = consumer.poll(1.0)`) whose last line
    with calls before a broad clause calls the subscription's handler or a
    handler map (`DISPATCH[msg.topic()](...)`, `HANDLERS.get(topic)(...)`)
    with the message. A clause around decoding or committing alone is not
    the handler's, nor one that `continue`s past the loop's acknowledgement
    (the message is left unacknowledged).

    A clause is not reported when its function acknowledges the message only
    above the clause (`message.ack()` or SQS `delete_message` at the end of
    the `try` body, none after the clause): a failure then leaves the message
    unacknowledged, and the broker redelivers it. Nor when it empties the
    collection of ids its function acknowledges after it (`ack_ids.clear()`
    or `ack_ids = []`, then `xack(stream, group, *ack_ids)`, also through a
    name computed from it: the facts' `withholds`): the failed batch is left
    unacknowledged on purpose. Nor, in a consumer that must settle each
    message itself (`ack: manual`), the consuming loop's clause around
    handlers that acknowledge the messages themselves after their work (from
    their first acknowledgement on only inert calls, or calls their own broad
    clauses catch: a `process_messages` that catches its per-entry failures
    and acknowledges at its end), when the loop's `try` does nothing else with
    the messages but receive them: a failure escaping such a handler leaves
    what it had not acknowledged pending. A clause in a called function
    is not reported when a function above it nacks or dead-letters outside its
    own `except` clauses: the helper is then taken to report failure by its
    return value.

    What the clause's `try` covers decides whether it can swallow a
    message's failure (the facts record where each `try` begins). Not
    reported: a called function's clause that ends in `return <value>` (it
    answers its caller with a fallback, such as a default score); a `try`
    whose body decodes the message (`decode_calls`: parsing a format, a schema
    registry deserializer called on the value, a model validated or built
    from the decoded fields, `model_cls(**data)`; rules/knowledge/failure-handling.yaml)
    and otherwise only logs, computes or gathers values in memory, itself and
    in the project functions it calls (never a read over the network, a write
    or a publication): a message that cannot be decoded never will be, no
    retry fixes it, and skipping it is a choice (dead-lettering it is EDA501's
    concern; in a consumer that receives the messages in its own function,
    only a clause that `continue`s, `break`s or `return`s: one that falls
    through may be around the whole receiving loop, which one undecodable
    message then ends); a `try` whose body only starts, stops or closes the
    client (`lifecycle_calls`, none given the message: `finally: try: await
    consumer.stop()`, a connection's `close()`, an `unsubscribe`), which
    guards the shutdown with no message in hand; a clause that assigns a
    fallback which a later `if` of its function takes over from (`creds =
    None`, then `if not creds:` a new OAuth flow: the arm run when the name
    is false does work, a call that is not inert), where the failure is
    handled by another way to the same result; a clause that puts a stand-in
    value in place of the failed result which later work of its function
    takes on (`status = FAILED`, then `finally: db.update_order_status(order_id,
    status)`: a call that is not inert given that name, with no other
    assignment of it between and not under an `if` that runs only when the
    name is true; the facts' `hands_on`), where the failure is recorded as
    that value; and, in a function that receives the messages
    itself, a `try` whose message-handling calls all sit inside a nested `try`
    whose own broad clause catches first (an outer `except` around creating
    and starting a consumer and its guarded loop).

    A function a handler dispatches the message to through a handler map
    (`ROUTES[event["detail-type"]](event["detail"])` over a dict whose keys are
    literals or constants) is judged as a handler of its own, at its clause,
    with the dispatching handler named; the clause is not reported when that
    handler nacks or dead-letters outside its own `except` clauses.

    Failures a team commonly accepts, or has written down, are not
    reported:

    - a `try` whose protected work is only best-effort: calls that notify a
      person (`best_effort_calls`: an SMTP or Gmail API mail, Django
      `send_mail`, fastapi-mail, a Twilio SMS, a Firebase push, from
      `rules/knowledge/failure-handling.yaml` and the `messages` of
      side-effects.yaml), with what only prepares them (`preparing_calls`:
      composing the MIME message, opening the SMTP session), output,
      in-memory values and reads, or project functions that reach
      best-effort calls and no other known side effect or publication. The
      order is stored; the mail saying so is a courtesy whose loss is
      accepted, and a redelivery would send it twice. A `try` around
      receiving the messages is never best-effort: its failure ends the
      consumption;
    - a clause in a function the handler calls only from functions that
      notify someone and do nothing else (the helper that builds the Gmail
      client for a `send_email` that composes and sends the mail), when its
      `try` reaches no other known side effect or publication;
    - a clause that records the failure durably (`recording_calls`: a
      repository `update` marking the item FAILED, a database or storage
      write), itself or through what it calls: the item can be found and
      retried. A log line is not such a record. A project method that makes
      no call of its own (a `Protocol`'s or an abstract base's, whose
      implementation is injected at run time) is judged by the call's name
      (`self._repository.update(failed)`);
    - a `try` inside an `except` clause that only guards that bookkeeping
      (`try: repository.update(failed) except Exception: log...`): the failure
      it catches is the bookkeeping's, and the outer clause answers for the
      message.

    A team for which a lost notification is a failure sets
    `best_effort_calls: []`.

    An RPC server that turns the failure into an error answer reports it: a
    clause that does not leave its function (no `return`, `continue`,
    `break`) is not reported when the function, after the clause, publishes to
    the received message's reply address (a call reading `reply_fields`, such
    as `routing_key=message.reply_to`): the waiting caller receives the error.

    Several such clauses in one handler (a rollback-and-log clause around
    each of its inserts, or one around the whole handling with another
    inside it) are one root cause: one finding, at the clause whose `try`
    wraps the most (the outer one, whose fix covers the rest; the first of
    equals), with the others as related locations.

    ## Why is this bad?
    The broker sees a successful handler and acknowledges (or commits past)
    the message. Nothing is retried, nothing reaches a dead-letter queue, and
    the only trace of the failure is a log line that nobody connects to the
    message: the order silently never ships.

    ## How to fix it
    Catch only the errors you can handle. Otherwise log and re-raise so the
    broker redelivers and eventually dead-letters the message, or nack/reject
    it explicitly, or publish it to a dead-letter topic (or publish a failure
    event) before carrying on.

    ## Default severity
    `info`: reported, never failing a run, until a team raises it
    (`rules: severity: {EDA502: warning}`). On the field check
    (`benchmarks/field/review.yaml`, a new user's first run on 21 public
    repositories, after session 13) 4 of its 9 findings were worth fixing,
    2 were false (a helper returning a fallback value, an outer `except`
    around starting a consumer and its loop) and 3 were true but pointless (a
    message that cannot parse skipped on purpose, a best-effort mail). Since
    the facts say where a `try` begins, 4 of its 6 are worth fixing and none
    is false; the 2 left were best-effort mails whose SMTP errors are
    swallowed on purpose after the order is stored. Since best-effort
    notifications are known (session 15), all 4 left are worth fixing; on the
    unseen set 6 of 7 (the seventh swallows price ticks on purpose, the next
    tick superseding a lost one). On the unseen2 set, reviewed blind, 2 of 4
    were worth fixing; the other 2 dropped input no retry can decode (a row
    parsed and validated into its model, an Avro deserializer's value) with
    work done only after the `try`, and since decoding is judged with what
    else the `try` does (session 16) the rule reports the 2 worth fixing
    alone. The severity stays `info` until the rule has held that precision
    on repositories nobody here has read.

    ## Known limitations
    Findings are at the clause's line, column 1. Decoding is known by the
    call's name: a schema registry deserializer by a name holding
    `deserializer` (`AVRO_DESERIALISER(...)`), a model class held in a name
    by that name (`model_cls`, `cls`, `event_class`, `klass`); a decoder
    named otherwise makes the `try` judged as any other. A broad `except` around a
    best-effort call the knowledge does not list (a metric, a cache write, a
    mail through an unknown client) is reported: narrow it, extend
    `best_effort_calls`, or suppress the finding. A call whose last name
    part is in CapWords is taken to construct a value, not to do work, when
    judging a best-effort `try`. A project function reached from a
    best-effort `try` is judged by the known side effects in it, not by
    every call it makes. An acknowledgement made
    before the `try` (ack first, then work) is taken to be in its body, and
    one in an `else:` block after the clause to be unconditional. A caller
    that ignores the failure value a helper returns from its clause is not
    seen. A failure returned to the broker by value (a Dapr FastAPI route
    returning `{"status": "RETRY"}`) is not seen. `contextlib.suppress(Exception)`
    has no except clause and is not reported. Facts written before `try_line`
    existed fall back to the older reading: a polling loop's clause is then
    judged only when the dispatch call is the last line with calls above it.
    A reply published after the clause is taken to carry the error, whatever
    it holds, and one in the `try`'s `else:` block to follow the clause too.
    A fallback is seen only through an `if` on the assigned name itself
    (`if not creds:`, `if creds: ... else:`), not `if creds is None:` or a
    test of an attribute.
    In a consumer
    that receives in its own function (`while True: msg = consumer.poll()`,
    `xreadgroup`), a clause that ends above the receiving call guards start-up
    (creating a consumer group, connecting) before any message is in hand, and
    is not judged. Nor is a consumer that must settle each message itself (the
    packs' `ack: manual`, as a Redis stream consumer group) and never does: a
    swallowed failure leaves the message pending, not acknowledged.
    """

    code = "EDA502"
    name = "swallowed-exception"
    # info by default, measured on the field check (benchmarks/field/review.yaml): see "Default severity"
    severity = Severity.INFO

    @dataclass(frozen=True)
    class Options:
        """
        - broad_exceptions: exception types (as written) that catch everything; a bare `except:` always does
        - failure_calls: globs (case-insensitive) on calls that hand a failed message back to the broker or schedule a retry
        - dead_letter_calls: globs (case-insensitive) on calls that move a failed message to a dead-letter destination
        - settle_calls: globs (case-insensitive) on calls that acknowledge one message (ack, SQS delete_message, XACK); when the clause's function makes them only above the clause, a failure leaves the message unacknowledged and it is redelivered
        - decode_calls: globs (case-insensitive) on calls that decode a received message (rules/knowledge/failure-handling.yaml's `decoding`); a `try` whose body makes these and otherwise only logs or computes in memory guards decoding, and a message that cannot be decoded is skipped by choice
        - lifecycle_calls: globs (case-insensitive) on calls that start, stop or close a messaging client (`consumer.stop()`, `connection.close()`, `unsubscribe`, a consumer's `commit`); a `try` whose body makes only these guards the client's lifecycle, with no message in hand
        - reply_fields: fields of the received message (case-insensitive) that carry the caller's reply address; a publication that reads one after the clause answers the caller, who sees the failure
        - reply_calls: globs (case-insensitive) on calls that send a message, for a reply the facts do not record as a publication (an exchange passed in as a parameter)
        - best_effort_calls: globs on calls whose failure a team commonly accepts: a mail, SMS, push or chat message to a person (rules/knowledge/failure-handling.yaml, and side-effects.yaml's `messages`); a `try` whose work is only these (with what prepares them) is not reported, nor a clause in a function reached only through them
        - preparing_calls: globs on calls that only build, address or authorise a best-effort notification (composing a MIME message, opening an SMTP session); part of the best-effort work, never work of their own
        - recording_calls: globs on writes that record a failure durably (a repository update marking the item FAILED, a database or storage write; rules/knowledge/failure-handling.yaml); a clause that makes one, itself or through what it calls, has handled the failure, and a `try` inside an `except` clause that guards such a write only guards the bookkeeping of a failure already caught
        """

        broad_exceptions: tuple[str, ...] = ("Exception", "BaseException", "builtins.Exception", "builtins.BaseException")
        failure_calls: tuple[str, ...] = FAILURE_CALLS
        dead_letter_calls: tuple[str, ...] = DEAD_LETTER_CALLS
        settle_calls: tuple[str, ...] = SETTLE_CALLS
        decode_calls: tuple[str, ...] = DECODE_CALLS
        lifecycle_calls: tuple[str, ...] = LIFECYCLE_CALLS
        reply_fields: tuple[str, ...] = REPLY_FIELDS
        reply_calls: tuple[str, ...] = REPLY_CALLS
        best_effort_calls: tuple[str, ...] = BEST_EFFORT_CALLS
        preparing_calls: tuple[str, ...] = PREPARING_CALLS
        recording_calls: tuple[str, ...] = RECORDING_CALLS

    invalid = [
        # a poll loop handling each message itself (its parts go to several functions) and committing after the clause
        Example(
            """
            import logging
            from confluent_kafka import Consumer
            from kitchen import log_received, bake

            consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "oven", "enable.auto.commit": False})

            def run():
                consumer.subscribe(["pizza.assembled"])
                while True:
                    event = consumer.poll(1)
                    if event is None:
                        continue
                    try:
                        order_id = event.key().decode()
                        log_received(event.topic(), order_id)
                        bake(order_id, event.value())
                    except Exception:  # expect: EDA502
                        logging.exception("could not bake")
                    consumer.commit(asynchronous=False)
            """,
        ),
        Example(
            """
            import json
            import logging
            import pika
            from warehouse import pickups

            log = logging.getLogger(__name__)

            def on_shipment(channel, method, properties, body):
                try:
                    event = json.loads(body)
                    pickups.schedule(event["order_id"], event["address"])
                except Exception:  # expect: EDA502
                    log.exception("could not schedule the pickup")
                channel.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="shipping.pickups", on_message_callback=on_shipment)
            """,
        ),
        Example(
            """
            from kafka import KafkaConsumer
            from billing import ledger

            def on_payment(event):
                try:
                    ledger.record_payment(event["order_id"], event["amount"])
                except:  # expect: EDA502
                    pass

            for message in KafkaConsumer("payments.captured", group_id="billing"):
                on_payment(message.value)
            """,
        ),
        Example(
            """
            from faststream import Logger
            from faststream.rabbit import RabbitBroker
            from shipping.carriers import book

            broker = RabbitBroker()

            def book_label(order):
                try:
                    return book(order["carrier"], order["order_id"])
                except BaseException as exc:  # expect: EDA502
                    print("booking failed", exc)

            @broker.subscriber("shipping.labels")
            async def print_label(order: dict, logger: Logger) -> None:
                book_label(order)
            """,
            files={"shipping/__init__.py": "", "shipping/carriers.py": "def book(carrier, order_id):\n    return order_id\n"},
        ),
    ]
    valid = [
        Example(
            """
            import redis

            r = redis.Redis()

            try:
                r.xgroup_create(name="orders.completed", groupname="warehouse", mkstream=True)
            except Exception as exc:  # the group exists already: start-up, no message in hand
                print(exc)

            while True:
                for _, entries in r.xreadgroup(groupname="warehouse", consumername="w1", streams={"orders.completed": ">"}):
                    for entry_id, fields in entries:
                        print(fields)
                        r.xack("orders.completed", "warehouse", entry_id)
            """,
        ),
        Example(
            """
            import redis

            r = redis.Redis()

            while True:
                try:
                    for _, entries in r.xreadgroup(groupname="billing", consumername="b1", streams={"invoices.due": ">"}):
                        for entry_id, fields in entries:
                            print(fields)
                except Exception as exc:  # nothing is acknowledged without XACK: the entry stays pending
                    print(exc)
            """,
        ),
        Example(
            """
            import json
            import logging
            import pika
            from warehouse import pickups

            log = logging.getLogger(__name__)

            def on_shipment(channel, method, properties, body):
                try:
                    event = json.loads(body)
                    pickups.schedule(event["order_id"], event["address"])
                except Exception:
                    log.exception("could not schedule the pickup")
                    channel.basic_nack(method.delivery_tag, requeue=False)
                    return
                channel.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="shipping.pickups", on_message_callback=on_shipment)
            """,
        ),
        Example(
            """
            import json
            from kafka import KafkaConsumer, KafkaProducer
            from billing import ledger

            producer = KafkaProducer()

            def on_payment(event):
                try:
                    ledger.record_payment(event["order_id"], event["amount"])
                except Exception as exc:
                    producer.send("payments.captured.dlq", json.dumps({"event": event, "error": str(exc)}).encode())

            for message in KafkaConsumer("payments.captured", group_id="billing"):
                on_payment(message.value)
            """,
        ),
        Example(
            """
            from faststream import Logger
            from faststream.rabbit import RabbitBroker
            from shipping.carriers import CarrierDown, book

            broker = RabbitBroker()

            def book_label(order):
                try:
                    return book(order["carrier"], order["order_id"])
                except BaseException as exc:
                    print("booking failed", exc)
                    raise

            @broker.subscriber("shipping.labels")
            async def print_label(order: dict, logger: Logger) -> None:
                try:
                    book_label(order)
                except CarrierDown:
                    logger.warning("carrier down, label will be printed by hand")
            """,
            files={
                "shipping/__init__.py": "",
                "shipping/carriers.py": "class CarrierDown(Exception):\n    pass\n\ndef book(carrier, order_id):\n    return order_id\n",
            },
        ),
        Example(
            """
            import json

            def handle(event, context):
                failures = []
                for record in event["Records"]:
                    try:
                        print(json.loads(record["body"]))
                    except Exception:
                        failures.append({"itemIdentifier": record["messageId"]})
                return {"batchItemFailures": failures}
            """,
            path="src/app.py",
            files={
                "serverless.yml": """
                    service: shipping
                    provider:
                      name: aws
                    functions:
                      handle:
                        handler: src/app.handle
                        events:
                          - sqs: arn:aws:sqs:eu-west-1:123456789012:shipments
                """
            },
        ),
        Example(
            """
            import json
            import logging
            import sqlite3

            from aiokafka import AIOKafkaConsumer

            log = logging.getLogger(__name__)
            db = sqlite3.connect("stock.db")

            async def consume_stock():
                consumer = AIOKafkaConsumer("stock.changed", bootstrap_servers="kafka:9092", group_id="orders")
                await consumer.start()
                try:
                    async for msg in consumer:
                        change = json.loads(msg.value)
                        db.execute("UPDATE stock SET qty = qty + ? WHERE sku = ?", (change["delta"], change["sku"]))
                        db.commit()
                finally:
                    try:
                        await consumer.stop()
                    except Exception as exc:  # the client's shutdown: no message in hand
                        log.exception("could not stop the consumer: %s", exc)
            """,
        ),
        Example(
            """
            import json
            from functools import partial

            import aio_pika
            from aio_pika.abc import AbstractExchange, AbstractIncomingMessage
            from pricing import quotes

            async def on_quote(exchange: AbstractExchange, message: AbstractIncomingMessage) -> None:
                request = json.loads(message.body)
                try:
                    result = {"price": await quotes.price(request["sku"])}
                except Exception as exc:  # answered: the waiting caller receives the error
                    result = {"error": "pricing failed", "reason": str(exc)}
                await exchange.publish(
                    aio_pika.Message(body=json.dumps(result).encode(), correlation_id=message.correlation_id),
                    routing_key=message.reply_to,
                )
                await message.ack()

            async def main() -> None:
                connection = await aio_pika.connect_robust("amqp://guest:guest@localhost/")
                channel = await connection.channel()
                queue = await channel.declare_queue("pricing.quotes")
                await queue.consume(partial(on_quote, channel.default_exchange))
            """,
            files={"pricing/__init__.py": "", "pricing/quotes.py": "async def price(sku):\n    return 1\n"},
        ),
        Example(
            """
            import json
            import logging
            import smtplib
            from email.message import EmailMessage

            import pika
            from orders import store

            log = logging.getLogger(__name__)

            def mail_receipt(order):
                message = EmailMessage()
                message["To"] = order["email"]
                message["Subject"] = f"Order {order['id']} confirmed"
                message.set_content("Thank you for your order.")
                with smtplib.SMTP("smtp.example.com", 587) as smtp:
                    smtp.starttls()
                    smtp.send_message(message)

            def on_order(channel, method, properties, body):
                order = json.loads(body)
                store.save(order)
                try:
                    mail_receipt(order)
                except Exception:  # best-effort: the order is stored, a lost receipt is accepted
                    log.exception("no receipt for order %s", order["id"])
                channel.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="orders.receipts", on_message_callback=on_order)
            """,
            files={"orders/__init__.py": "", "orders/store.py": "def save(order):\n    return order\n"},
        ),
        Example(
            """
            import logging

            from faststream.rabbit import RabbitBroker
            from alerts.gateway import deliver
            from alerts.repository import NotificationRepository

            log = logging.getLogger(__name__)
            broker = RabbitBroker()
            notification_repository = NotificationRepository()

            @broker.subscriber("alerts.triggered")
            async def on_alert(alert: dict) -> None:
                notification = await notification_repository.get(alert["id"])
                try:
                    await deliver(notification)
                    await notification_repository.update(notification.sent())
                except Exception as exc:  # recorded: the notification is marked FAILED, with the reason
                    try:
                        await notification_repository.update(notification.failed(str(exc)))
                    except Exception:  # guards that bookkeeping only
                        log.exception("could not mark notification %s failed", alert["id"])
            """,
            files={
                "alerts/__init__.py": "",
                "alerts/gateway.py": "async def deliver(notification):\n    return notification\n",
                "alerts/repository.py": "class NotificationRepository:\n    pass\n",
            },
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        reported: set[tuple[str, int]] = set()
        covered_by: dict[str, set[str]] = {}  # per handler: the functions it enters only to notify someone
        handled_in: dict[str, set[str]] = {}
        for s in ctx.facts.subscribers:
            if s.function and s.handler and s.handler != s.function:
                handled_in.setdefault(s.function, set()).add(s.handler)
        # where a loop consumer receives its messages: a clause of that function that ends above the receiving
        # call (`xgroup_create`, connecting, declaring) guards start-up, before any message is in hand
        received_at: dict[tuple[str, str], int] = {}
        for s in ctx.facts.subscribers:
            if s.function and s.handler == s.function:
                key = (s.path, s.function)
                received_at[key] = min(received_at.get(key, s.line), s.line)
        for handler in ctx.facts.handlers:
            if handler.role == "handler":
                clauses = [
                    c for c in handler.excepts
                    if not (c.depth == 0 and c.line < received_at.get((c.path, c.function), 0))
                ]
            elif handler.role == "consumer" and handler.name in handled_in:
                # the polling loop's own `except` around the call that dispatches to the handler
                clauses = [c for c in handler.excepts if self._around_dispatch(handler, c, handled_in[handler.name])]
            else:
                continue
            receives = handler.role == "handler" and any(key[1] == handler.name for key in received_at)
            swallowed: list[ExceptClause] = []
            for clause in clauses:
                key = (clause.path, clause.line)
                if key in reported or not self._broad(clause) or self._surfaces_failure(handler, clause, ctx):
                    continue
                if self._not_the_messages(handler, clause, receives, ctx):
                    continue
                if handler.role == "consumer" and self._left_unacknowledged(handler, clause, handled_in[handler.name], ctx):
                    continue
                if self._best_effort(handler, clause, ctx, received_at, covered_by):
                    continue
                reported.add(key)
                swallowed.append(clause)
            if swallowed:
                # one root cause, one finding: the handler swallows failures; the clause whose `try` wraps the most
                # (the outer one around a whole consuming loop, where a fix covers the rest; the first of equals, such
                # as three per-insert rollback-and-log clauses) is the finding, the others its related locations
                first = min(swallowed, key=_widest_first)
                others = sorted((c for c in swallowed if c is not first), key=lambda c: (c.path, c.line))
                finding = self._finding(handler, first, ctx)
                if others:
                    finding = dataclasses.replace(
                        finding,
                        message=f"{finding.message} (and {len(others)} other such clause{'s' if len(others) > 1 else ''} "
                        "of the same handler)",
                        related=tuple(
                            Related(c.path, c.line, 1, f"also swallows the failure ({_caught(c)} in {short(c.function)})")
                            for c in others
                        ),
                    )
                yield finding

    def _around_dispatch(self, loop: Handler, clause: ExceptClause, handlers: set[str]) -> bool:
        """The clause is in the loop's own function and the last line with calls above it (after any earlier
        clause) hands the message to a handler: a call of the handler itself or of a handler map
        (`DISPATCH[msg.topic()](...)`, `HANDLERS.get(topic)(...)`)."""
        if clause.depth != 0 or clause.function != loop.name:
            return False
        body = self._uncaught_body(loop, clause)
        if body is not None:
            # where the facts say where the `try` begins: its body hands a message to a handler, and no clause
            # nested in it catches that failure first
            return any((c.uses_message or c.forwards_message) and (c.name in handlers or _map_dispatch(c.text)) for c in body)
        own = [c for c in loop.calls if c.function == loop.name and c.path == clause.path and not c.in_except]
        earlier = [e.line for e in loop.excepts if e.function == loop.name and e.path == clause.path and e.line < clause.line]
        above = [c for c in own if max(earlier, default=0) < c.line < clause.line]
        if not above:
            return False
        last = max(c.line for c in above)
        return any(
            c.line == last and (c.uses_message or c.forwards_message) and (c.name in handlers or _map_dispatch(c.text))
            for c in above
        )

    def _left_unacknowledged(self, loop: Handler, clause: ExceptClause, handlers: set[str], ctx: RuleContext) -> bool:
        """The consuming loop's clause around handlers that acknowledge the messages themselves, after their work
        (a consumer that must settle each message, `ack: manual`): a failure escaping a handler leaves what it had
        not acknowledged pending, not acknowledged. The loop's `try` hands the messages to such handlers and
        otherwise only receives them or makes inert calls with them; every handler acknowledges (outside its
        `except` clauses), and after its first acknowledgement makes only inert calls, acknowledgements, or calls
        in a `try` whose own broad clause catches them (`process_messages` catching its per-entry failures, then
        `xack` at its end). The same as an outer `except` around a loop whose own clause catches, one call down."""
        subscriptions = [s for s in ctx.facts.subscribers if s.function == loop.name]
        if not subscriptions or not all(s.ack == "manual" for s in subscriptions):
            return False
        body = self._uncaught_body(loop, clause)
        if not body:
            return False
        received = {s.line for s in subscriptions if s.path == clause.path}
        dispatched: set[str] = set()
        for c in body:
            if c.line in received:
                continue  # receiving the messages
            if c.name in handlers and (c.uses_message or c.forwards_message):
                dispatched.add(c.name)
            elif (c.uses_message or c.forwards_message) and not self._inert(c):
                return False  # other work with the messages, which a failure after the handler's acknowledgement skips
        return bool(dispatched) and all(self._settles_after_work(ctx.handlers_by_name.get(name)) for name in dispatched)

    def _settles_after_work(self, handler: Handler | None) -> bool:
        """The handler acknowledges in its own function, outside its `except` clauses, and from its first
        acknowledgement on makes only inert calls, acknowledgements, or calls its own broad clauses catch."""
        if handler is None or handler.truncated:
            return False
        settle = self.options.settle_calls
        own = [c for c in handler.calls if c.function == handler.name and c.path == handler.path]
        settles = [c.line for c in own if not c.in_except and call_named(c, settle)]
        if not settles:
            return False
        caught = [
            span for e in handler.excepts
            if e.function == handler.name and e.path == handler.path and self._broad(e) and not e.reraises
            and (span := try_span(handler, e)) is not None
        ]
        first = min(settles)
        return all(
            c.in_except or call_named(c, settle) or self._inert(c) or any(start <= c.line < end for start, end in caught)
            for c in own if c.line > first
        )

    @staticmethod
    def _inert(call: HandlerCall) -> bool:
        """Output, an in-memory value, a read, a wait: nothing a failure after it would leave half done."""
        return not knowledge.matches_any(call, EFFECT_CALLS) and (
            knowledge.matches_any(call, INERT_CALLS) or knowledge.matches_any(call, VALUE_CALLS)
        )

    def _not_the_messages(self, handler: Handler, clause: ExceptClause, receives: bool, ctx: RuleContext) -> bool:
        """Where the facts say where the clause's `try` begins, a clause that cannot swallow a message's failure:

        - a called function's clause that ends in `return <value>` answers its caller with a fallback (a
          default score, a failure value), and the caller goes on with it;
        - a `try` whose body only decodes the message (`decode_calls`) and computes in memory: one that cannot be
          decoded never will be (in a function that receives the messages itself, only a clause that leaves, as
          `continue` does: one that does not may be around the whole loop, and end the consumption);
        - a `try` whose body only starts, stops or closes the client (`lifecycle_calls`, none given the message):
          no message is in hand;
        - in a function that receives the messages itself (a consuming loop), a `try` whose message-handling
          calls all sit inside nested `try` bodies whose own broad clauses catch without re-raising: this one
          guards only creating, starting and stopping the consumer.
        """
        if clause.depth > 0 and clause.returns_value:
            return True
        if self._falls_back(handler, clause):
            return True
        body = try_body(handler, clause)
        if body is None:
            return False
        # in a function that receives the messages itself, a clause that does not leave (`continue`) may sit outside
        # the loop (`try: async for msg in consumer: ...`), where one undecodable message ends the consumption
        in_place = receives and clause.depth == 0 and not clause.leaves
        if body and not in_place and self._decodes_only(handler, body):
            return True
        if body and all(c.in_except for c in body):
            # a `try` inside an `except` clause around writing the failure down (`repository.update(failed)`):
            # it guards the bookkeeping of a failure already caught, which the outer clause answers for
            recorded, other = self._work(handler, body, ctx, self.options.recording_calls, strict=False)
            if recorded and not other:
                return True
        if body and all(
            call_named(c, self.options.lifecycle_calls) and not (c.uses_message or c.forwards_message) for c in body
        ):
            return True  # stopping or closing the client (`finally: try: await consumer.stop()`): no message in hand
        if not receives or clause.depth != 0:
            return False
        uncaught = self._uncaught_body(handler, clause) or []
        return len(uncaught) < len(body) and not any(c.uses_message or c.forwards_message for c in uncaught)

    def _decodes_only(self, handler: Handler, body: list[HandlerCall]) -> bool:
        """The `try` decodes the message (`decode_calls`) and does nothing else that could fail for another reason:
        its other calls, and those of the project functions it enters, only log, compute or gather values in memory
        (output and in-memory values of inert-calls.yaml, a class constructed, `collecting` calls); never a read
        over the network, a known side effect or a publication. What it catches is a message no retry can decode."""
        decode = self.options.decode_calls
        if not any(call_named(c, decode) for c in body):
            return False
        followed = set(handler.functions)
        entered = [c.name for c in body if c.name in followed]
        reached = reachable(handler, entered)
        # a project function that makes no call of its own (a stub, a Protocol's method, assignments only) says
        # nothing of what it does: taken as work
        if not reached <= {c.function for c in handler.calls}:
            return False
        inside = [c for c in handler.calls if c.function in reached and c.name not in followed]
        return all(
            c.name in followed or call_named(c, decode) or _in_memory(c)
            for c in (*body, *inside)
        )

    def _best_effort(
        self,
        handler: Handler,
        clause: ExceptClause,
        ctx: RuleContext,
        received_at: dict[tuple[str, str], int],
        covered_by: dict[str, set[str]],
    ) -> bool:
        """What the clause's `try` protects is only best-effort work (`best_effort_calls`: a notification mail, an
        SMS, a push), which a team commonly accepts to lose:

        - its body makes best-effort calls, and otherwise only calls that prepare them, write output, compute
          values or read, or project functions that reach best-effort calls and no other known side effect or
          publication;
        - or the clause is in a function the handler reaches only from functions that notify someone and do
          nothing else (a helper making the Gmail client for `send_email`), and its body reaches no other known
          side effect or publication.

        A `try` around receiving the messages (a consumer made or iterated in it) is never best-effort: its failure
        ends the consumption, whatever the handler does.
        """
        body = try_body(handler, clause)
        if body is None or not body or clause.try_line is None:
            return False
        start = received_at.get((clause.path, clause.function))
        if start is not None and clause.try_line <= start < clause.line:
            return False
        options = self.options
        best, other = self._work(handler, body, ctx, options.best_effort_calls, strict=True)
        if best and not other:
            return True
        if clause.depth == 0:
            return False
        covered = covered_by.get(handler.name)
        if covered is None:
            covered = covered_by[handler.name] = self._reached_for_notifications(handler)
        callers = [c for c in handler.calls if c.name == clause.function]
        if clause.function not in covered or not callers:
            return False
        if not all(c.function in covered for c in callers):
            return False
        return not self._work(handler, body, ctx, options.best_effort_calls, strict=False)[1]

    def _reached_for_notifications(self, handler: Handler) -> set[str]:
        """The project functions the handler enters to notify someone, and all they reach: those that make
        best-effort calls and otherwise only calls that prepare them, values, reads and calls of project functions
        (a `send_email` helper composing a MIME message and sending it through Gmail)."""
        options = self.options
        followed = set(handler.functions)
        sends: dict[str, bool] = {}
        for c in handler.calls:
            if c.in_except or sends.get(c.function) is False or c.name in followed:
                continue
            if knowledge.matches_any(c, options.best_effort_calls):
                sends[c.function] = True
            elif not (
                knowledge.matches_any(c, options.preparing_calls)
                or knowledge.matches_any(c, VALUE_CALLS) or _constructs(c)
            ):
                sends[c.function] = False
        return reachable(handler, [f for f, only in sends.items() if only and f in followed])

    def _work(
        self, handler: Handler, calls: list[HandlerCall], ctx: RuleContext, wanted: tuple[str, ...], strict: bool
    ) -> tuple[bool, bool]:
        """(whether the calls, or the project functions they enter, make a `wanted` call; whether they do other
        work). Other work is a publication or a known side effect (side-effects.yaml) not `wanted`, in them or in
        what they enter; when `strict`, also a call of theirs that is none of: `wanted`, preparing, output, an
        in-memory value (a class constructed), a read, a project function."""
        options = self.options
        followed = set(handler.functions)
        sent = {(p.path, p.line) for p in ctx.publications_of(handler)}
        # project functions whose bodies make calls; one that makes none (a Protocol's or an abstract base's
        # method, `...`, the implementation injected at run time) says nothing of what the call does
        doing = {c.function for c in handler.calls}

        def judged_inside(c: HandlerCall) -> bool:
            """A project function is judged by what it does, not by its name; one that does nothing the facts
            see, by the call's name when that names wanted work or a side effect (`self._repository.update(x)`
            through a repository Protocol)."""
            return c.name in followed and (
                c.name in doing or not (knowledge.matches_any(c, wanted) or knowledge.matches_any(c, EFFECT_CALLS))
            )

        found = False
        entered = []
        for c in calls:
            if (c.path, c.line) in sent:
                return found, True
            if judged_inside(c):
                entered.append(c.name)
            elif knowledge.matches_any(c, wanted):
                found = True
            elif knowledge.matches_any(c, EFFECT_CALLS):
                return found, True
            elif strict and not (
                knowledge.matches_any(c, options.preparing_calls) or knowledge.matches_any(c, VALUE_CALLS) or _constructs(c)
            ):
                return found, True
        reached = reachable(handler, entered)
        for c in handler.calls:
            if c.function not in reached or judged_inside(c):
                continue
            if knowledge.matches_any(c, wanted):
                found = True
            elif (c.path, c.line) in sent or knowledge.matches_any(c, EFFECT_CALLS):
                return found, True
        return found, False

    def _falls_back(self, handler: Handler, clause: ExceptClause) -> bool:
        """The clause assigns a name that a later `if` of its function tests, and the arm run when the name is false
        does work (a call that is not inert: not a log line, a conversion, a wait): `creds = None`, then `if not
        creds:` a new OAuth flow. The failure is handled there, by another way to the same result."""
        handed = set(clause.hands_on)
        if clause.fallback is None and not handed:
            return False
        first, last = clause.fallback or (0, -1)
        # or a later call given the value the clause assigned, doing work with it (`status = FAILED` in the clause,
        # then `finally: db.update_status(order_id, status)`): the failure is recorded as that value
        return any(
            c.path == clause.path and c.function == clause.function
            and (first <= c.line <= last or (f"{c.line}:{c.column}" in handed and not c.in_except))
            and not knowledge.matches_any(c, INERT_CALLS)
            for c in handler.calls
        )

    def _uncaught_body(self, handler: Handler, clause: ExceptClause) -> list[HandlerCall] | None:
        """The calls of the clause's `try` body whose failures reach it: those outside the bodies of nested `try`
        statements whose own broad clauses catch without re-raising (None when the facts do not say where it begins)."""
        body = try_body(handler, clause)
        if body is None:
            return None
        inner = [
            e for e in handler.excepts
            if e.path == clause.path and e.function == clause.function and e.try_line is not None
            and clause.try_line is not None and clause.try_line < e.try_line < clause.line
            and self._broad(e) and not e.reraises
        ]
        spans = [span for e in inner if (span := try_span(handler, e)) is not None]
        return [c for c in body if not any(start <= c.line < end for start, end in spans)]

    def _broad(self, clause: ExceptClause) -> bool:
        return not clause.types or any(t in self.options.broad_exceptions for t in clause.types)

    def _surfaces_failure(self, handler: Handler, clause: ExceptClause, ctx: RuleContext) -> bool:
        """The clause re-raises, hands the message back, dead-letters or publishes, itself or through what it calls."""
        if clause.reraises:
            return True
        options = self.options
        signals = options.failure_calls + options.dead_letter_calls
        owned = clause_calls(handler, clause)
        reached = reachable(handler, [c.name for c in owned])
        effects = owned + [c for c in handler.calls if c.function in reached]
        if any(call_named(c, signals) for c in effects):
            return True
        if any(knowledge.matches_any(c, options.recording_calls) for c in effects):
            return True  # the failure is recorded durably (the item marked FAILED): someone can find it and act
        sites = {(c.path, c.line) for c in owned}
        if any((p.path, p.line) in sites or p.function in reached for p in ctx.publications_of(handler)):
            return True
        if not clause.leaves and self._replies_after(handler, clause, ctx):
            return True
        # acknowledged only in the try body (above the clause, none below): a failure leaves it to be redelivered
        settles = [
            c.line
            for c in handler.calls
            if c.function == clause.function and c.path == clause.path and not c.in_except and call_named(c, options.settle_calls)
        ]
        if settles and max(settles) < clause.line:
            return True
        # the clause empties what a later acknowledgement of its function is given (`ack_ids.clear()`, then
        # `xack(stream, group, *ack_ids)`): the failed batch is left unacknowledged on purpose
        withheld = set(clause.withholds)
        if withheld and any(
            c.function == clause.function and c.path == clause.path and not c.in_except
            and f"{c.line}:{c.column}" in withheld and call_named(c, options.settle_calls)
            for c in handler.calls
        ):
            return True
        # a consumer that must settle each message itself (ack `manual`: a Redis stream group, pika without
        # auto_ack) and never does: a swallowed failure leaves the message pending, not acknowledged
        # (a Kafka consumer's offset commit settles too: it commits past the failed message)
        subscriptions = ctx.subscriptions_of.get(handler.name, [])
        if (
            subscriptions
            and all(s.ack == "manual" for s in subscriptions)
            and not any(call_named(c, options.settle_calls + OFFSET_COMMITS) for c in handler.calls)
        ):
            return True
        if handler.role == "consumer" and clause.leaves and settles and max(settles) > clause.line:
            # a loop's clause that `continue`s past the acknowledgement below it leaves the message unacknowledged
            return True
        # a function dispatched to through a handler map is a helper of the handler that dispatches: that one may
        # nack or dead-letter on what it returns
        by = ctx.handlers_by_name.get(handler.dispatched_by or "")
        if by is not None and any(not c.in_except and call_named(c, signals) for c in by.calls):
            return True
        # a helper that catches may report failure by its return value to a caller that nacks or dead-letters
        if clause.depth == 0:
            return False
        return any(c.depth < clause.depth and not c.in_except and call_named(c, signals) for c in handler.calls)

    def _replies_after(self, handler: Handler, clause: ExceptClause, ctx: RuleContext) -> bool:
        """After the clause, outside any clause, its function publishes to the received message's reply address
        (`routing_key=message.reply_to`): an RPC server answering the waiting caller, who then sees the error."""
        options = self.options
        sent = {(p.path, p.line) for p in ctx.publications_of(handler)}
        fields = {f.lower() for f in options.reply_fields}
        return any(
            c.function == clause.function and c.path == clause.path and c.line > clause.line and not c.in_except
            and any(f.lower() in fields for f in c.fields)
            and ((c.path, c.line) in sent or call_named(c, options.reply_calls))
            for c in handler.calls
        )

    def _finding(self, handler: Handler, clause: ExceptClause, ctx: RuleContext) -> Diagnostic:
        caught = _caught(clause)
        owned = clause_calls(handler, clause)
        if not owned:
            does = "does nothing with the error"
        elif all(call_named(c, LOGGERS) for c in owned):
            does = f"only logs it ({', '.join(dict.fromkeys(c.text for c in owned))})"
        else:
            does = f"calls {', '.join(dict.fromkeys(c.text for c in owned))}"
        subscriptions = ctx.subscriptions_of.get(handler.name, ())
        if handler.role == "consumer":
            # the polling loop's clause: the subscriptions it consumes, whose handlers it calls in the `try`
            subscriptions = [s for s in ctx.facts.subscribers if s.function == handler.name]
        channels = sorted({_channel(s) for s in subscriptions})
        handling = f" while handling {', '.join(channels)}" if channels else ""
        if handler.role == "consumer":
            handling = f" (the consuming loop, around its handlers){handling}"
        where = short(clause.function)
        via = f" (called from {short(handler.name)})" if clause.function != handler.name else ""
        if handler.dispatched_by is not None and handler.dispatch_site is not None:
            via += f" (dispatched by {short(handler.dispatched_by)}, line {handler.dispatch_site.line})"
        return self.finding(
            (clause.path, clause.line, 1),
            f"{caught} in {where}{via}{handling} {does}: it neither re-raises, nacks nor publishes, "
            "so the failed message is acknowledged as handled",
            hint="catch only what you can handle; otherwise log and re-raise, nack/reject the message, or publish it "
            "to a dead-letter topic (or publish a failure event)",
            service=handler.service,
        )


def _in_memory(call: HandlerCall) -> bool:
    """Output or a value computed in memory (a conversion, a class constructed, a message field read, a value
    gathered into a list): nothing that fails for a reason a retry could remove."""
    if knowledge.matches_any(call, EFFECT_CALLS) or knowledge.matches_any(call, _INERT["reads"]):
        return False
    return (
        knowledge.matches_any(call, _INERT["output"])
        or knowledge.matches_any(call, _INERT["pure"])
        or _constructs(call)
        or call_named(call, COLLECTING_CALLS)
        or _mapping_get(call)
    )


def _mapping_get(call: HandlerCall) -> bool:
    """`order.get("id")` on a local value (one dot, no URL given): a lookup in a mapping, not a client's GET."""
    return call.name.endswith(".get") and call.name.count(".") == 1 and not any("://" in v for v in call.literals)


def _widest_first(clause: ExceptClause) -> tuple[int, str, int]:
    """Order of a handler's swallowing clauses for its one finding: the widest `try` body first, then by place."""
    span = clause.line - clause.try_line if clause.try_line is not None else 0
    return (-span, clause.path, clause.line)


def _caught(clause: ExceptClause) -> str:
    return "a bare except" if not clause.types else f"except {', '.join(clause.types)}"


def _constructs(call: HandlerCall) -> bool:
    """A class called to build a value (`NotificationCreate(...)`, `MIMEText(body)`): its name's last part is in
    CapWords. What is then done with the object is a call of its own."""
    last = call.name.rsplit(".", 1)[-1]
    return last[:1].isupper() and not last.isupper() and "(" not in last


def _map_dispatch(text: str) -> bool:
    """A call of a value looked up in a map: `DISPATCH[msg.topic()]`, `HANDLERS.get(topic)`, `self.routes[key]`."""
    return text.endswith("]") or bool(re.search(r"\.get\([^()]*(\([^()]*\))?[^()]*\)$", text))


def try_span(handler: Handler, clause: ExceptClause) -> tuple[int, int] | None:
    """The lines of the clause's `try` body: from the `try` to its first clause (None when the facts do not say)."""
    if clause.try_line is None:
        return None
    first = min(
        e.line for e in handler.excepts
        if e.path == clause.path and e.function == clause.function and e.try_line == clause.try_line
    )
    return clause.try_line, first


def try_body(handler: Handler, clause: ExceptClause) -> list[HandlerCall] | None:
    """The calls the clause's function makes in its `try` body (None when the facts do not say where it begins)."""
    span = try_span(handler, clause)
    if span is None:
        return None
    start, end = span
    return [c for c in handler.calls if c.path == clause.path and c.function == clause.function and start <= c.line < end]


def clause_calls(handler: Handler, clause: ExceptClause) -> list[HandlerCall]:
    """The handler's calls made in this except clause (a call belongs to the nearest clause above it)."""
    starts = sorted(e.line for e in handler.excepts if e.path == clause.path and e.function == clause.function)
    owned = []
    for call in handler.calls:
        if not call.in_except or call.path != clause.path or call.function != clause.function or call.line < clause.line:
            continue
        if max(line for line in starts if line <= call.line) == clause.line:
            owned.append(call)
    return owned


def reachable(handler: Handler, names: Iterable[str]) -> set[str]:
    """The project functions of the handler's closure reached by calling `names`."""
    functions = set(handler.functions)
    edges: dict[str, set[str]] = {}
    for call in handler.calls:
        if call.name in functions:
            edges.setdefault(call.function, set()).add(call.name)
    seen: set[str] = set()
    stack = [n for n in names if n in functions]
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(edges.get(name, ()))
    return seen


# -- EDA503 -------------------------------------------------------------------------------


class UnstructuredHandlerLog(Rule):
    """Checks for log lines in handlers that do not say which message they are about.

    ## What it does
    Reports a logging call made while handling a message (in the handler or a
    project function it calls) that carries neither the event id nor a
    correlation id: not as a keyword (structlog's `log.info("charged",
    event_id=...)`), not in the message text (`"event_id=%s"`, an f-string
    hole), not read from the message on the call's lines (`extra={"event_id":
    event["event_id"]}`), and when nothing in the handler binds one to the
    logger first (structlog `bind(...)`, `bind_contextvars(...)`, loguru
    `contextualize(...)`, a `LoggerAdapter`, a correlation-id context
    variable, or a decorator doing so). Names are compared ignoring case,
    `_` and `-`, so `event_id`, `eventId` and `Event-Id` are the same.

    ## Why is this bad?
    When a message fails in production, its log lines are the only record of
    what happened to it. Lines that do not name the message cannot be joined
    to it, to its redeliveries or to the request that caused it: "payment
    declined" among thousands of others says nothing about which order.

    ## How to fix it
    Bind the event id (and the correlation id from the message headers) once
    per message, with `structlog.contextvars.bind_contextvars(event_id=...)`
    or `logger.bind(event_id=...)`, or pass it on every call:
    `log.info("charged", extra={"event_id": event["event_id"]})`.

    ## Known limitations
    The facts name neither a call's arguments nor the keys of a dict passed as
    `extra=`. An id is recognised when it is read from the message on the
    call's lines, or when it was read earlier in the same function and the
    call passes on something derived from the message (`event_id =
    event["event_id"]` then `log.info("charging %s", event_id)`), which also
    accepts a call that passes another field. Context bound by middleware
    outside the project (a FastStream or Dapr middleware) is not seen.
    """

    code = "EDA503"
    name = "unstructured-handler-log"
    severity = Severity.INFO
    default_enabled = False

    @dataclass(frozen=True)
    class Options:
        """
        - loggers: globs (case-insensitive) on the name or text of logging calls
        - id_names: names of the identifiers a log line must carry (compared ignoring case, `_` and `-`)
        - context_calls: globs (case-insensitive) on calls, or handler decorators, that bind context to every later log line; evidence when they carry an id or the message
        """

        loggers: tuple[str, ...] = LOGGERS
        id_names: tuple[str, ...] = ("event_id", "message_id", "correlation_id", "causation_id", "trace_id", "request_id")
        context_calls: tuple[str, ...] = (
            "*.bind",
            "*bind_contextvars",
            "*.contextualize",
            "*LoggerAdapter",
            "*correlation*",
            "*log_context*",
        )

    invalid = [
        Example(
            """
            import logging
            from faststream.kafka import KafkaBroker

            broker = KafkaBroker()
            logger = logging.getLogger(__name__)

            @broker.subscriber("orders.placed")
            async def charge(order: dict) -> None:
                logger.info("charging order %s", order["order_id"])  # expect: EDA503
            """
        ),
        Example(
            """
            import logging
            import pika

            log = logging.getLogger(__name__)

            def on_refund(channel, method, properties, body):
                log.warning("refund failed")  # expect: EDA503
                channel.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="billing.refund", on_message_callback=on_refund)
            """
        ),
        Example(
            """
            import logging
            from google.cloud import pubsub_v1

            subscriber = pubsub_v1.SubscriberClient()

            def callback(message):
                logging.info(f"got {message.data!r}")  # expect: EDA503
                message.ack()

            subscriber.subscribe("projects/shop/subscriptions/billing-orders", callback=callback)
            """
        ),
    ]
    valid = [
        Example(
            """
            import logging
            from faststream.kafka import KafkaBroker

            broker = KafkaBroker()
            logger = logging.getLogger(__name__)

            @broker.subscriber("orders.placed")
            async def charge(order: dict) -> None:
                logger.info("charging order %s", order["order_id"], extra={"event_id": order["event_id"]})
            """
        ),
        Example(
            """
            import pika
            import structlog

            logger = structlog.get_logger()

            def on_refund(channel, method, properties, body):
                log = logger.bind(correlation_id=properties.correlation_id)
                log.warning("refund failed")
                channel.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="billing.refund", on_message_callback=on_refund)
            """
        ),
        Example(
            """
            import logging
            from google.cloud import pubsub_v1

            subscriber = pubsub_v1.SubscriberClient()

            def callback(message):
                logging.info(f"got message_id={message.message_id}")
                message.ack()

            subscriber.subscribe("projects/shop/subscriptions/billing-orders", callback=callback)
            """
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        reported: set[tuple[str, int, int]] = set()
        for handler in ctx.facts.handlers:
            if handler.role != "handler":
                continue
            lines = _call_lines(handler)
            if self._binds_context(handler, lines):
                continue
            for call in handler.calls:
                key = (call.path, call.line, call.column)
                if key in reported or not call_named(call, self.options.loggers) or self._carries_id(handler, call, lines):
                    continue
                reported.add(key)
                yield self.finding(
                    key,
                    f"{call.text} in {short(call.function)} logs without the event id or a correlation id "
                    f"({', '.join(self.options.id_names[:3])}, ...): the line cannot be tied to the message",
                    hint="bind the ids once per message (structlog bind_contextvars(event_id=...), logger.bind(...)) "
                    "or pass them on the call: extra={'event_id': ...}",
                    service=handler.service,
                )

    def _mentions_id(self, text: str) -> bool:
        normalised = _norm(text)
        return any(_norm(name) in normalised for name in self.options.id_names)

    def _carries_id(self, handler: Handler, call: HandlerCall, lines: dict[tuple[str, str], list[int]]) -> bool:
        """An id among the call's keywords, text or literals, or read from the message on the call's lines.

        The facts do not say where a call ends; its lines are taken to run to the next call of the function
        (inclusive: a nested `event.get("event_id")` starts there) or, for the last call, a few lines on. Nor do
        they name a call's arguments: an id read earlier in the function (`event_id = event["event_id"]`) is
        taken to be passed on by a logging call that uses the message.
        """
        if any(self._mentions_id(t) for t in (*call.keywords, *call.literals, call.text)):
            return True
        starts = lines.get((call.path, call.function), [])
        index = bisect_right(starts, call.line)
        end = starts[index] if index < len(starts) else call.line + LAST_CALL_LINES
        for read in handler.reads:
            if read.function != call.function or read.path != call.path or read.line > end or not self._mentions_id(read.field):
                continue
            # read on the call's lines, or earlier into a local that a call using the message may pass on
            if read.line >= call.line or call.uses_message:
                return True
        return False

    def _binds_context(self, handler: Handler, lines: dict[tuple[str, str], list[int]]) -> bool:
        """Something in the handler binds an id (or the message) to the logging context for every later line."""
        patterns = self.options.context_calls
        if any(imatches(d, patterns) for d in handler.decorators):
            return True
        return any(call_named(c, patterns) and (c.uses_message or self._carries_id(handler, c, lines)) for c in handler.calls)


def _call_lines(handler: Handler) -> dict[tuple[str, str], list[int]]:
    """The sorted lines on which each function of the handler's closure makes calls."""
    out: dict[tuple[str, str], set[int]] = {}
    for call in handler.calls:
        out.setdefault((call.path, call.function), set()).add(call.line)
    return {key: sorted(values) for key, values in out.items()}


def _norm(text: str) -> str:
    return text.lower().replace("_", "").replace("-", "").replace(" ", "")


RULES = (NoDeadLetter, SwallowedException, UnstructuredHandlerLog)
