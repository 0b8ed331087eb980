"""The debugging family (EDA5xx) on the fixtures, on cases the examples do not cover, and with options."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from eventlint import api
from eventlint.config import load_config
from tests.helpers import fixture, line_of, write_project


EACH = {"when_no_dead_letters": "each"}  # EDA501 per service even where no consumer has a dead-letter path


def findings(root: Path, code: str, options: dict | None = None) -> set[tuple[str, int]]:
    """(path, line) of each finding, and for EDA502 of each clause a finding names as swallowing too: the clauses
    of one handler are one finding at the first, the others its related locations (tests/rules/test_swallowed_once.py)."""
    found: set[tuple[str, int]] = set()
    for d in diagnostics(root, code, options):
        found.add((d.path, d.line))
        if code == "EDA502":
            found |= {(r.path, r.line) for r in d.related}
    return found


def diagnostics(root: Path, code: str, options: dict | None = None) -> list:
    """The rule's findings on a project, with `options` for it on top of the project's configuration."""
    config = load_config([root])
    if options:
        raw = dict(config.raw)
        rules = dict(raw.get("rules") or {})
        rules["options"] = {**(rules.get("options") or {}), code: options}
        config = dataclasses.replace(config, raw={**raw, "rules": rules})
    result = api.lint([root], config, select=[code])
    return [d for d in result.diagnostics if d.code == code]


def project(tmp_path: Path, files: dict[str, str], options: dict | None = None, code: str = "") -> Path:
    config: dict = {"exclude": []}
    if options:
        config["rules"] = {"options": {code: options}}
    return write_project(tmp_path, files, config)


def at(root: Path, path: str, snippet: str, occurrence: int = 1) -> tuple[str, int]:
    """(path, line) of a snippet in a written project file."""
    return path, line_of(root / path, snippet, occurrence)


# -- EDA501 no-dead-letter on the fixtures ------------------------------------------------


def test_no_dead_letter_templates_report_triggers_without_a_destination():
    sam = fixture("aws_sam") / "template.yaml"
    assert findings(fixture("aws_sam"), "EDA501") == {
        # CloudWatchEvent trigger of a function without a DeadLetterQueue
        ("template.yaml", line_of(sam, "PaymentCaptured:")),
        # a queue of the template without a RedrivePolicy
        ("template.yaml", line_of(sam, "ShipmentRequests:")),
        # RefundRequests (!ImportValue: a queue of another stack) is not judged
    }
    sls = fixture("serverless") / "serverless.yml"
    # notifyCustomer's two triggers without a destination are one root cause of the notifications service: one
    # finding at the first, the other (one site, although its pattern gives shop.shipping and shop.returns) related
    [finding] = diagnostics(fixture("serverless"), "EDA501")
    assert (finding.path, finding.line) == ("serverless.yml", line_of(sls, "- sns: shipment-dispatched"))
    assert [(r.path, r.line) for r in finding.related] == [("serverless.yml", line_of(sls, "- eventBridge:", occurrence=2))]
    assert finding.related[0].message == "handler.notify_customer consumes shop.returns, shop.shipping with no dead-letter path either"
    assert "1 other subscription of service notifications has none either" in finding.message


def test_no_dead_letter_amqp_queues_without_a_dead_letter_exchange():
    audit = fixture("kombu") / "services/audit/main.py"
    runner = fixture("kombu") / "services/worker/worker/runner.py"
    # tasks.high has a dead-letter exchange and tasks.low has none, on the same site; the dead-letter queue's own
    # consumer and the RPC reply queue are not reported
    # the audit Consumer(no_ack=True) acknowledges on delivery: EDA402 reports it, once (#19)
    assert ("services/audit/main.py", line_of(audit, "Consumer(channel, queues=[audit_queue]")) in findings(fixture("kombu"), "EDA402")
    assert findings(fixture("kombu"), "EDA501") == {
        ("services/audit/main.py", line_of(audit, "queue.get(block=True")),
        ("services/worker/worker/runner.py", line_of(runner, "Consumer(queues=task_queues")),
    }
    # billing's refund handler is a stub that only logs (nothing to protect: not reported by default); asked to
    # report such handlers too, the queue without a dead-letter exchange is reported and the one with it is not
    assert findings(fixture("pika"), "EDA501") == set()
    lines = {line for _, line in findings(fixture("pika"), "EDA501", {"report_inert_handlers": True})}
    worker = fixture("pika") / "services/billing/billing/worker.py"
    assert line_of(worker, "topology.REFUND_QUEUE") in lines
    assert line_of(worker, "topology.CHARGE_QUEUE") not in lines  # declared with x-dead-letter-exchange


def test_no_dead_letter_the_default_exchange_is_a_dead_letter_path():
    root = fixture("amqp_default_dlx")
    # tasks (FastStream RabbitQueue) and mailer (pika queue_declare) dead-letter through the default exchange
    # (`x-dead-letter-exchange: ""`): not reported; audit declares nothing: reported
    assert findings(root, "EDA501") == {("audit/consumer.py", line_of(root / "audit/consumer.py", "queue.consume(on_event)"))}
    facts = api.facts([root], load_config([root]))
    dead = {s.path: s.dead_letter for s in facts.subscribers}
    # "the default exchange" and "not declared" differ in the facts: a name that is never falsy, and null
    assert dead == {"tasks/app.py": "amq.default", "mailer/worker.py": "amq.default", "audit/consumer.py": None}
    assert {(b.queue, b.dead_letter) for b in facts.bindings if b.dead_letter} == {("emails", "amq.default"), ("tasks", "amq.default")}


@pytest.mark.parametrize(
    "declaration",
    [
        # kombu: Queue(name, exchange, routing_key, queue_arguments=...)
        'Queue("jobs", Exchange("jobs"), routing_key="jobs", queue_arguments={"x-dead-letter-exchange": ""})',
        # aio-pika: declare_queue(name, arguments=...) is awaited in the consumer below instead
        None,
    ],
)
def test_no_dead_letter_default_exchange_in_kombu_and_aio_pika(tmp_path, declaration):
    if declaration is not None:
        files = {
            "worker.py": f"""
                import requests
                from kombu import Connection, Exchange, Queue

                jobs = {declaration}


                def on_job(body, message):
                    requests.post("https://api.jobs.internal/jobs", json=body, timeout=5)
                    message.ack()


                with Connection("amqp://localhost//") as conn:
                    with conn.Consumer(jobs, callbacks=[on_job]):
                        while True:
                            conn.drain_events()
                """
        }
    else:
        files = {
            "worker.py": """
                import asyncio

                import aio_pika
                import httpx


                async def main():
                    connection = await aio_pika.connect_robust("amqp://localhost/")
                    channel = await connection.channel()
                    queue = await channel.declare_queue(
                        "jobs", durable=True, arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "jobs.failed"}
                    )
                    async with queue.iterator() as messages:
                        async for message in messages:
                            async with message.process():
                                await httpx.AsyncClient().post("https://api.jobs.internal/jobs", content=message.body)


                asyncio.run(main())
                """
        }
    root = project(tmp_path, files)
    assert findings(root, "EDA501") == set()
    subs = api.facts([root], load_config([root])).subscribers
    assert [s.dead_letter for s in subs] == ["amq.default"]
    # without the argument the same consumer is reported
    text = (root / "worker.py").read_text(encoding="utf-8")
    text = text.replace(', queue_arguments={"x-dead-letter-exchange": ""}', "")
    text = text.replace(', arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "jobs.failed"}', "")
    (root / "worker.py").write_text(text, encoding="utf-8")
    assert len(findings(root, "EDA501")) == 1


def test_no_dead_letter_skips_infrastructure_and_fire_and_forget_transports():
    assert findings(fixture("aws"), "EDA501") == set()
    assert findings(fixture("google_pubsub"), "EDA501") == set()
    assert findings(fixture("inprocess"), "EDA501") == set()
    # Redis pub/sub and xread are at most once; the stream consumer group redelivers
    worker = fixture("redis") / "services/payments/payments/worker.py"
    assert findings(fixture("redis"), "EDA501") == {("services/payments/payments/worker.py", line_of(worker, "xreadgroup("))}
    # core NATS is at most once; JetStream consumers redeliver (shipping's cancellation handler only logs:
    # nothing to protect)
    # (per service: no consumer of the fixture has a dead-letter path, which `once`, the default, reports once)
    nats = findings(fixture("nats"), "EDA501", EACH)
    assert {path for path, _ in nats} == {
        "services/notifications/notifications/consumer.py",
        "services/shipping/shipping/worker.py",
    }
    assert len(nats) == 2
    # reported too when asked, as a related location of the shipping service's one finding
    worker = fixture("nats") / "services/shipping/shipping/worker.py"
    reported = {d.path: d for d in diagnostics(fixture("nats"), "EDA501", {"report_inert_handlers": True, **EACH})}
    related = reported["services/shipping/shipping/worker.py"].related
    assert [(r.path, r.line) for r in related] == [("services/shipping/shipping/worker.py", line_of(worker, '"orders.cancelled"'))]


def test_no_dead_letter_message_names_consumer_channels_and_framework():
    reported = diagnostics(fixture("faust"), "EDA501", EACH)
    messages = {d.message for d in reported}
    assert (
        "pipeline.count_orders consumes orders.cancelled, orders.placed (faust) with no dead-letter path: "
        "no dead-letter destination is declared and the handler moves no failed message aside"
    ) in messages
    assert all(d.hint and "dead-letter" in d.hint for d in reported)


# -- EDA501 beyond the examples -------------------------------------------------------------

KAFKA_LOOP = """
    from kafka import KafkaConsumer, KafkaProducer

    producer = KafkaProducer()

    def on_payment(event):
        print(event["order_id"])

    def run():
        consumer = KafkaConsumer("payments.captured", group_id="billing")
        for message in consumer:
            try:
                on_payment(message.value)
            except Exception:
                producer.send("payments.captured.dlq", message.value)
            consumer.commit()
"""


def test_no_dead_letter_accepts_a_dead_letter_publish_in_the_polling_loop(tmp_path):
    assert findings(project(tmp_path, {"app.py": KAFKA_LOOP}), "EDA501") == set()


def test_no_dead_letter_accepts_a_dead_letter_helper(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                from kafka import KafkaConsumer
                from platform_kit import send_to_dlq

                def on_payment(event):
                    try:
                        print(event["order_id"])
                    except Exception as exc:
                        send_to_dlq(event, exc)

                for message in KafkaConsumer("payments.captured", group_id="billing"):
                    on_payment(message.value)
            """
        },
    )
    assert findings(root, "EDA501") == set()


def test_no_dead_letter_options_reach_the_rule(tmp_path):
    app = """
        from kafka import KafkaConsumer
        from billing import ledger

        def on_payment(event):
            ledger.record_payment(event["order_id"])

        for message in KafkaConsumer("payments.captured", group_id="billing"):
            on_payment(message.value)
    """
    root = project(tmp_path / "a", {"app.py": app})
    assert findings(root, "EDA501") == {at(root, "app.py", "KafkaConsumer(")}
    unchecked = project(tmp_path / "b", {"app.py": app}, {"frameworks": ["pika"]}, "EDA501")
    assert findings(unchecked, "EDA501") == set()
    # a team whose Kafka platform dead-letters outside the code
    infra = project(tmp_path / "c", {"app.py": app}, {"infrastructure_frameworks": ["kafka-python"]}, "EDA501")
    assert findings(infra, "EDA501") == set()


SQS_POLLER = """
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

SAM_WITHOUT_REDRIVE = """
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
          Handler: lambda_app.handle
          Runtime: python3.12
          Events:
            Shipments:
              Type: SQS
              Properties:
                Queue: !GetAtt ShipmentsQueue.Arn
"""


def test_no_dead_letter_infrastructure_queue_reported_when_a_template_shows_no_redrive(tmp_path):
    alone = project(tmp_path / "a", {"app.py": SQS_POLLER})
    assert findings(alone, "EDA501") == set()
    handler = "from shipping import carriers\n\ndef handle(event, context):\n    carriers.book(event)\n"
    files = {"app.py": SQS_POLLER, "template.yaml": SAM_WITHOUT_REDRIVE, "src/lambda_app.py": handler}
    shown = project(tmp_path / "b", files)
    assert findings(shown, "EDA501", EACH) == {at(shown, "app.py", "receive_message("), at(shown, "template.yaml", "Shipments:")}


# -- EDA502 swallowed-exception ---------------------------------------------------------------


def test_swallowed_exception_on_the_fixtures():
    shipments = fixture("shop") / "services/notifications/notifications/shipments.py"
    # payments.handlers catches Exception too, but publishes PaymentFailed from the clause
    assert findings(fixture("shop"), "EDA502") == {
        ("services/notifications/notifications/shipments.py", line_of(shipments, "except Exception:")),
    }
    # Lambda partial-batch failures hand the record back to SQS
    assert findings(fixture("aws_sam"), "EDA502") == set()
    assert findings(fixture("serverless"), "EDA502") == set()
    # narrow clauses (PaymentDeclined, CardError, DataError) are not broad
    assert findings(fixture("faststream"), "EDA502") == set()
    assert findings(fixture("dapr"), "EDA502") == set()
    assert findings(fixture("redis"), "EDA502") == set()


def test_swallowed_exception_helper_reporting_failure_to_a_caller_that_nacks(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                import json
                import logging
                import pika

                log = logging.getLogger(__name__)

                def process(body):
                    try:
                        json.loads(body)
                        return True
                    except Exception:
                        log.exception("bad body")
                        return False

                def on_message(channel, method, properties, body):
                    if process(body):
                        channel.basic_ack(method.delivery_tag)
                    else:
                        channel.basic_nack(method.delivery_tag, requeue=False)

                channel = pika.BlockingConnection().channel()
                channel.basic_consume(queue="billing.refund", on_message_callback=on_message)
            """
        },
    )
    assert findings(root, "EDA502") == set()


def test_swallowed_exception_publishing_through_a_helper_from_the_clause(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                from kafka import KafkaConsumer, KafkaProducer

                producer = KafkaProducer()

                def report_failure(event):
                    producer.send("payments.failed", b"failed")

                def on_payment(event):
                    try:
                        print(event["order_id"])
                    except ValueError:
                        print("not a number")
                    except Exception:
                        report_failure(event)

                for message in KafkaConsumer("payments.captured", group_id="billing"):
                    on_payment(message.value)
            """
        },
    )
    assert findings(root, "EDA502") == set()


def test_swallowed_exception_acknowledged_only_in_the_try_body(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                import json
                import logging

                import boto3
                from google.cloud import pubsub_v1

                log = logging.getLogger(__name__)
                sqs = boto3.client("sqs")
                QUEUE = "https://sqs.eu-west-1.amazonaws.com/1/shipments"

                def poll():
                    while True:
                        response = sqs.receive_message(QueueUrl=QUEUE, MaxNumberOfMessages=10)
                        for message in response.get("Messages", []):
                            try:
                                print(json.loads(message["Body"]))
                                sqs.delete_message(QueueUrl=QUEUE, ReceiptHandle=message["ReceiptHandle"])
                            except Exception:
                                log.exception("left on the queue, redelivered after the visibility timeout")

                def callback(message):
                    try:
                        print(message.data)
                    except Exception:
                        log.exception("acknowledged below all the same")
                    message.ack()

                subscriber = pubsub_v1.SubscriberClient()
                subscriber.subscribe("projects/shop/subscriptions/billing", callback=callback)
            """
        },
    )
    assert findings(root, "EDA502") == {at(root, "app.py", "except Exception:", 2)}


def test_swallowed_exception_one_finding_per_clause_and_options(tmp_path):
    files = {
        "app.py": """
            from kafka import KafkaConsumer
            from billing import ledger

            def record(event):
                try:
                    ledger.add(int(event["amount"]))
                except ValueError:
                    print("bad amount")

            def on_payment(event):
                record(event)

            def on_refund(event):
                record(event)

            for message in KafkaConsumer("payments.captured", group_id="billing"):
                on_payment(message.value)
            for message in KafkaConsumer("refunds.requested", group_id="billing"):
                on_refund(message.value)
        """
    }
    assert findings(project(tmp_path / "a", files), "EDA502") == set()
    broad = project(tmp_path / "b", files, {"broad_exceptions": ["Exception", "ValueError"]}, "EDA502")
    assert findings(broad, "EDA502") == {at(broad, "app.py", "except ValueError")}  # reached from two handlers, reported once
    # a helper answering with a fallback value (`return 0`) hands its caller a result, not a swallowed failure
    fallback = project(
        tmp_path / "c",
        {"app.py": files["app.py"].replace("ledger.add(int(event[\"amount\"]))", "return int(event[\"amount\"])").replace('print("bad amount")', "return 0")},
        {"broad_exceptions": ["Exception", "ValueError"]},
        "EDA502",
    )
    assert "return 0" in (fallback / "app.py").read_text() and findings(fallback, "EDA502") == set()


# -- EDA503 unstructured-handler-log ------------------------------------------------------------


def test_unstructured_handler_log_is_off_by_default(tmp_path):
    # the shop turns EDA503 on in its eventlint.yaml; without that line it is off
    import shutil

    copy = tmp_path / "shop"
    shutil.copytree(fixture("shop"), copy)
    config = copy / "eventlint.yaml"
    config.write_text(config.read_text().replace("  extend-select: [EDA503]\n", ""))
    result = api.lint([copy], load_config([copy]))
    assert not [d for d in result.diagnostics if d.code == "EDA503"]
    assert [d for d in api.lint([fixture("shop")], load_config([fixture("shop")])).diagnostics if d.code == "EDA503"]
    shipments = fixture("shop") / "services/notifications/notifications/shipments.py"
    handlers = fixture("shop") / "services/payments/payments/handlers.py"
    assert findings(fixture("shop"), "EDA503") == {
        ("services/notifications/notifications/shipments.py", line_of(shipments, "log.exception(")),
        ("services/payments/payments/handlers.py", line_of(handlers, "log.warning(")),
    }


PIKA_LOGS = """
    import logging
    import pika

    log = logging.getLogger(__name__)

    def on_refund(channel, method, properties, body):
        log.info(
            "refunding",
            extra={"event_id": properties.message_id},
        )
        log.info("refund done")
        channel.basic_ack(method.delivery_tag)

    channel = pika.BlockingConnection().channel()
    channel.basic_consume(queue="billing.refund", on_message_callback=on_refund)
"""


def test_unstructured_handler_log_reads_the_id_on_the_calls_lines(tmp_path):
    root = project(tmp_path, {"app.py": PIKA_LOGS})
    assert findings(root, "EDA503") == {at(root, "app.py", "log.info(", 2)}


def test_unstructured_handler_log_options_reach_the_rule(tmp_path):
    root = project(tmp_path, {"app.py": PIKA_LOGS}, {"id_names": ["order_id"], "loggers": ["*log*.info"]}, "EDA503")
    # message_id no longer counts; "refund done" carries no order_id
    assert findings(root, "EDA503") == {at(root, "app.py", "log.info("), at(root, "app.py", "log.info(", 2)}


def test_unstructured_handler_log_id_read_into_a_local_earlier(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                import logging
                from faststream.kafka import KafkaBroker

                broker = KafkaBroker()
                log = logging.getLogger(__name__)

                @broker.subscriber("orders.placed")
                async def charge(order: dict) -> None:
                    event_id = order["event_id"]
                    log.info("charging for %s", event_id)
                    log.info("charged")
            """
        },
    )
    # the first call passes a value derived from the message after the id was read; the second names nothing
    assert findings(root, "EDA503") == {at(root, "app.py", 'log.info("charged")')}


def test_unstructured_handler_log_contextvars_bind_covers_the_handler(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                import logging
                import structlog
                from faststream.kafka import KafkaBroker

                broker = KafkaBroker()
                log = logging.getLogger(__name__)

                @broker.subscriber("orders.placed")
                async def charge(order: dict) -> None:
                    structlog.contextvars.bind_contextvars(event_id=order["event_id"])
                    log.info("charging")
            """
        },
    )
    assert findings(root, "EDA503") == set()


@pytest.mark.parametrize("code", ["EDA501", "EDA502", "EDA503"])
def test_debugging_rules_run_clean_on_an_empty_project(tmp_path, code):
    assert findings(project(tmp_path, {"app.py": "x = 1\n"}), code) == set()


# -- one problem, one finding (#19): an auto-ack consumer is EDA402's, not EDA501's -------------------

PIKA_CONSUMER = """
    import json
    import pika
    import requests

    def charge(ch, method, properties, body):
        order = json.loads(body)
        requests.post("https://billing.internal/charges", json=order)
        print("charging", order["order_id"])

    channel = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq")).channel()
    channel.queue_declare(queue="billing")
    channel.basic_consume(queue="billing", on_message_callback=charge, auto_ack=True)
    channel.start_consuming()
"""


def test_an_auto_ack_consumer_is_reported_once_by_eda402(tmp_path):
    root = write_project(tmp_path, {"app.py": PIKA_CONSUMER})
    result = api.lint([root], load_config([root]), select=["EDA402", "EDA501"])
    [d] = result.diagnostics
    assert d.code == "EDA402" and "no dead-letter destination can ever receive it" in d.message


def test_a_consumer_acknowledging_after_the_work_without_a_dead_letter_is_still_eda501(tmp_path):
    source = PIKA_CONSUMER.replace(
        'print("charging", order["order_id"])',
        'print("charging", order["order_id"])\n        gateway.charge(order)\n        ch.basic_ack(method.delivery_tag)',
    ).replace(", auto_ack=True", "").replace("    import pika\n", "    import pika\n    from billing import gateway\n")
    root = write_project(tmp_path, {"app.py": source})
    result = api.lint([root], load_config([root]), select=["EDA402", "EDA501"])
    assert [d.code for d in result.diagnostics] == ["EDA501"]


# -- EDA502: what the clause's `try` covers (#19) ---------------------------------------------------

STARTED_LOOP = """
    import json
    import logging

    from aiokafka import AIOKafkaConsumer

    from orders import store

    log = logging.getLogger(__name__)


    async def consume_orders():
        try:
            consumer = AIOKafkaConsumer("orders", bootstrap_servers="kafka:9092", group_id="tracker")
            await consumer.start()
            try:
                async for msg in consumer:
                    order = json.loads(msg.value.decode("utf-8"))
                    await store.save(order)
            except Exception as exc:
                log.error("consumer failed: %s", exc)
            finally:
                await consumer.stop()
        except Exception as exc:
            log.error("could not start the consumer: %s", exc)
"""


def test_an_outer_except_around_starting_a_consumer_and_its_guarded_loop_is_not_the_messages(tmp_path):
    files = {"orders/__init__.py": "", "orders/store.py": "async def save(order):\n    pass\n", "tracker.py": STARTED_LOOP}
    root = project(tmp_path, files)
    # the inner clause ends the loop on any failure and stop() commits past the message; the outer one guards
    # creating and starting the consumer: the loop's failures never reach it
    assert findings(root, "EDA502") == {at(root, "tracker.py", "except Exception as exc:", 1)}


def test_an_outer_except_is_the_messages_when_nothing_inside_catches_first(tmp_path):
    source = STARTED_LOOP.replace(
        """            except Exception as exc:
                log.error("consumer failed: %s", exc)
            finally:""",
        """            finally:""",
    )
    files = {"orders/__init__.py": "", "orders/store.py": "async def save(order):\n    pass\n", "tracker.py": source}
    root = project(tmp_path, files)
    assert findings(root, "EDA502") == {at(root, "tracker.py", "except Exception as exc:", 1)}
    assert 'log.error("could not start' in (root / "tracker.py").read_text().splitlines()[at(root, "tracker.py", "except Exception as exc:", 1)[1]]


POLL_LOOP = """
    import json
    import logging
    import sqlite3

    from confluent_kafka import Consumer

    db = sqlite3.connect("orders.db")
    consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "tracker"})
    consumer.subscribe(["orders"])

    while True:
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            continue
        try:
            order = json.loads(msg.value().decode("utf-8"))
        except Exception:
            logging.exception("cannot parse the message, skipping it")
            continue
        db.execute("INSERT INTO orders (id, total) VALUES (?, ?)", (order["id"], order["total"]))
        consumer.commit(asynchronous=False)
"""


@pytest.mark.parametrize("guards_the_work", [False, True])
def test_a_try_around_decoding_alone_skips_a_message_that_never_decodes(tmp_path, guards_the_work):
    source = POLL_LOOP
    insert = '''db.execute("INSERT INTO orders (id, total) VALUES (?, ?)", (order["id"], order["total"]))'''
    if guards_the_work:
        source = source.replace("        " + insert + "\n", "").replace(
            '''            order = json.loads(msg.value().decode("utf-8"))
        except''',
            f'''            order = json.loads(msg.value().decode("utf-8"))
            {insert}
        except''',
        )
        assert insert in source
    root = project(tmp_path, {"tracker.py": source})
    expected = {at(root, "tracker.py", "except Exception:")} if guards_the_work else set()
    assert findings(root, "EDA502") == expected


def test_decode_calls_option_reaches_the_rule(tmp_path):
    root = project(tmp_path, {"tracker.py": POLL_LOOP}, {"decode_calls": ["*.decode"]}, "EDA502")
    # json.loads and msg.value() are no longer decoding calls: the clause guards more than decoding
    assert findings(root, "EDA502") == {at(root, "tracker.py", "except Exception:")}


# -- EDA502: a `try` around the client's shutdown; an RPC server answering with an error (#19) -------------

STOPPED_LOOP = """
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
                try:
                    change = json.loads(msg.value)
                    db.execute("UPDATE stock SET qty = qty + ? WHERE sku = ?", (change["delta"], change["sku"]))
                    db.commit()
                except Exception as exc:
                    log.exception("could not apply the stock change: %s", exc)
        finally:
            try:
                await consumer.stop()
            except Exception as exc:
                log.exception("could not stop the consumer: %s", exc)
"""


def test_a_try_around_stopping_the_consumer_has_no_message_in_hand(tmp_path):
    files = {"worker.py": STOPPED_LOOP}
    root = project(tmp_path, files)
    # the per-message clause swallows (auto-commit moves past the failed change) and is reported; the clause
    # around `consumer.stop()` in `finally` guards the shutdown, with no message in hand
    assert findings(root, "EDA502") == {at(root, "worker.py", "except Exception as exc:", 1)}


def test_a_try_around_the_work_and_the_stop_is_the_messages(tmp_path):
    source = STOPPED_LOOP.replace(
        "                await consumer.stop()\n",
        "                db.execute(\"DELETE FROM stock WHERE qty = 0\")\n                await consumer.stop()\n",
    )
    root = project(tmp_path, {"worker.py": source})
    assert findings(root, "EDA502") == {
        at(root, "worker.py", "except Exception as exc:", 1),
        at(root, "worker.py", "except Exception as exc:", 2),
    }


def test_a_call_named_like_closing_that_is_given_the_message_does_its_work(tmp_path):
    source = """
        import logging

        from kafka import KafkaConsumer

        from support import tickets

        log = logging.getLogger(__name__)


        def on_resolved(event):
            try:
                tickets.close(event["ticket_id"])
            except Exception:
                log.exception("could not close the ticket")


        for message in KafkaConsumer("tickets.resolved", group_id="support"):
            on_resolved(message.value)
    """
    files = {"support/__init__.py": "", "support/tickets.py": "def close(ticket_id):\n    pass\n", "app.py": source}
    root = project(tmp_path, files)
    assert findings(root, "EDA502") == {at(root, "app.py", "except Exception:")}


def test_lifecycle_calls_option_reaches_the_rule(tmp_path):
    files = {"worker.py": STOPPED_LOOP}
    root = project(tmp_path, files, {"lifecycle_calls": ["*.close"]}, "EDA502")
    assert findings(root, "EDA502") == {
        at(root, "worker.py", "except Exception as exc:", 1),
        at(root, "worker.py", "except Exception as exc:", 2),
    }


RPC_SERVER = """
    import json
    import logging
    from functools import partial

    import aio_pika
    from aio_pika.abc import AbstractExchange, AbstractIncomingMessage

    from pricing import quotes

    log = logging.getLogger(__name__)


    async def on_quote(exchange: AbstractExchange, message: AbstractIncomingMessage) -> None:
        request = json.loads(message.body)
        try:
            result = {"price": await quotes.price(request["sku"])}
        except Exception as exc:
            log.exception("pricing failed")
            result = {"error": "pricing failed", "reason": str(exc)}
        await exchange.publish(
            aio_pika.Message(body=json.dumps(result).encode(), correlation_id=message.correlation_id),
            routing_key=message.reply_to,
        )
        await message.ack()


    async def on_restock(message: AbstractIncomingMessage) -> None:
        request = json.loads(message.body)
        try:
            await quotes.restock(request["sku"])
        except Exception:
            log.exception("restock failed")
        await message.ack()


    async def main() -> None:
        connection = await aio_pika.connect_robust("amqp://guest:guest@localhost/")
        channel = await connection.channel()
        queue = await channel.declare_queue("pricing.quotes")
        await queue.consume(partial(on_quote, channel.default_exchange))
        restocks = await channel.declare_queue("pricing.restocks")
        await restocks.consume(on_restock)
"""
PRICING = {"pricing/__init__.py": "", "pricing/quotes.py": "async def price(sku):\n    return 1\n\n\nasync def restock(sku):\n    pass\n"}


def test_an_rpc_server_answering_the_caller_with_an_error_reports_the_failure(tmp_path):
    root = project(tmp_path, {**PRICING, "server.py": RPC_SERVER})
    # the quote's clause turns the failure into an error answer published to the caller's reply_to; the restock's
    # clause only logs, and the message is acknowledged as handled
    assert findings(root, "EDA502") == {at(root, "server.py", "except Exception:")}


@pytest.mark.parametrize(
    "change",
    [
        # the clause returns: the answer below is never sent
        ('result = {"error": "pricing failed", "reason": str(exc)}\n', 'return\n'),
        # the answer goes to a fixed queue, not to the caller's reply address
        ("routing_key=message.reply_to,", 'routing_key="pricing.audit",'),
    ],
)
def test_an_rpc_server_that_does_not_answer_after_the_clause_swallows(tmp_path, change):
    source = RPC_SERVER.replace(*change)
    assert source != RPC_SERVER
    root = project(tmp_path, {**PRICING, "server.py": source})
    assert findings(root, "EDA502") == {at(root, "server.py", "except Exception as exc:"), at(root, "server.py", "except Exception:")}


def test_reply_fields_option_reaches_the_rule(tmp_path):
    root = project(tmp_path, {**PRICING, "server.py": RPC_SERVER}, {"reply_fields": ["respond_to"]}, "EDA502")
    assert findings(root, "EDA502") == {at(root, "server.py", "except Exception as exc:"), at(root, "server.py", "except Exception:")}
