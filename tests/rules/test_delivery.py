"""EDA402 and EDA403 beyond their examples: exact findings on every fixture, options, and the shapes the examples leave out."""

from __future__ import annotations

import textwrap

import pytest

from eventlint import api
from eventlint.config import load_config
from tests.helpers import FIXTURES, fixture, line_of, write_project

CODES = ("EDA402", "EDA403")


def findings(root, codes=CODES):
    result = api.lint([root], load_config([root]), select=list(codes))
    return [d for d in result.diagnostics if d.code in codes]


def project(tmp_path, files: dict[str, str], options: dict | None = None, extra: dict | None = None):
    """Write a small project; `options` go under rules.options (by code)."""
    config = {"exclude": [], **(extra or {})}
    if options:
        config["rules"] = {"options": options}
    return write_project(tmp_path, files, config)


def at(name: str, path: str, snippet: str, code: str, occurrence: int = 1) -> tuple[str, str, int, str]:
    return (name, path, line_of(fixture(name) / path, snippet, occurrence), code)


# Every finding of both rules on the fixtures, each one read and judged a true positive.
EXPECTED = {
    # kombu Consumer(no_ack=True): the audit trail loses events on a crash
    at("kombu", "services/audit/main.py", "no_ack=True", "EDA402"),
    # (pika's services/analytics consumes with auto_ack=True from an exclusive queue: the queue and its
    # unacknowledged messages die with the connection whatever the ack mode, so EDA402 is silent; #19 item 2)
    # the pull loop acks, then announces the receipt it sent: a crash in between loses the announcement
    at("nats", "services/notifications/notifications/consumer.py", "await msg.ack()", "EDA402"),
    # FastStream's Kafka subscribers commit offsets automatically by default (AckPolicy.ACK_FIRST, 0.5's
    # auto_commit=True; its docs call it at most once), and these handlers charge cards or publish (#14 item 5)
    at("faststream", "services/billing/billing/handlers.py", '@router.subscriber("orders.placed"', "EDA402"),
    at("faststream", "services/billing/billing/handlers.py", '@router.subscriber("payments.retry-requested"', "EDA402"),
    at("faststream", "services/billing/billing/handlers.py", '@router.subscriber("payments.captured"', "EDA402"),
    at("faststream_shapes", "services/telemetry/telemetry/app.py", '@broker.subscriber("readings.checked"', "EDA402"),
    at("faststream_shapes", "services/telemetry/telemetry/app.py", '@broker.subscriber("alerts"', "EDA402"),
    # a FastStream Kafka subscriber commits first by default (ACK_FIRST) and the handler's result is published
    at("layout_examples", "examples/echo.py", '@broker.subscriber("echo-in")', "EDA402"),
    at("faststream", "services/reporting/reporting/router.py", '@router.subscriber("rebuild-requested"', "EDA402"),
    # kafka-python with enable_auto_commit left on, and the handlers send e-mail
    at("shop", "services/notifications/notifications/payments.py", "consumer = KafkaConsumer(", "EDA402"),
    at("shop", "services/notifications/notifications/payments.py", "consumer = KafkaConsumer(", "EDA402", 2),
    at("shop", "services/notifications/notifications/orders.py", "consumer = KafkaConsumer(", "EDA402"),
    # the README's "RabbitMQ consumer with automatic acknowledgement"
    at("shop", "services/notifications/notifications/shipments.py", "auto_ack=True", "EDA402"),
    # DynamoDB put_item, then EventBridge put_events
    at("aws_sam", "src/orders/app.py", "events.put_events(", "EDA403"),
    # DynamoDB update_item, then EventBridge put_events
    at("aws_sam", "src/orders/app.py", "    events.put_events(", "EDA403", 2),
    # the processed-marker put_item, then put_events: a failed publish is never retried
    at("aws_sam", "src/payments/app.py", "events.put_events(", "EDA403"),
    # confluent-kafka commits offsets automatically, whatever the Celery task chosen for the message does
    at("celery_dispatch", "services/ledger/ledger/consuming.py", "self.consumer.subscribe(", "EDA402"),
    # kafka-python commits offsets automatically; the topic's handler, reached through a dict, charges a card
    at("dispatch", "billing/billing/consumer.py", "consumer = KafkaConsumer(", "EDA402"),
    # db.commit(), then dispatch
    at("nameko", "services/orders/orders/service.py", "self.dispatch(events.ORDER_CREATED", "EDA403"),
    at("nameko", "services/orders/orders/service.py", "self._notify(events.ORDER_CANCELLED", "EDA403"),
    # an update in an `if` arm that does not return, then the publication; an early return inside a loop
    at("router_branches", "parcels/api.py", "sns.publish(", "EDA403", 2),
    at("router_branches", "parcels/api.py", "return register(body)", "EDA403", 2),
    # repository.add -> session.add, then messaging.publish
    at("shop", "services/orders/orders/api.py", "messaging.publish(", "EDA403"),
    # INSERT / UPDATE through asyncpg, then aws_sns_sqs_publish through publish_event
    at("tomodachi", "services/orders/orders/service.py", "await self.publish_event(", "EDA403", 1),
    at("tomodachi", "services/orders/orders/service.py", "await self.publish_event(", "EDA403", 2),
    # a database write, then the publish helper handed to a thread
    at("executor_handoff", "shipping/api.py", "asyncio.to_thread(events.publish", "EDA403"),
    # aiokafka commits automatically; the handler books a label through a thread
    at("executor_handoff", "shipping/worker.py", "consumer = AIOKafkaConsumer(", "EDA402"),
    # confluent-kafka commits automatically; the functions of the pool's handler map write to the database
    at("handler_maps", "claims/claims/worker.py", "consumer.subscribe(", "EDA402"),
}


def _expected_for(name):
    return sorted((path, line, code) for fx, path, line, code in EXPECTED if fx == name)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_fixture_findings(name):
    found = sorted((d.path, d.line, d.code) for d in findings(fixture(name)))
    expected = _expected_for(name)
    assert found == expected, [f"{d.path}:{d.line}: {d.code} {d.message}" for d in findings(fixture(name))]


def test_messages_name_both_sides():
    by_line = {d.line: d for d in findings(fixture("shop"))}
    api_line = line_of(fixture("shop") / "services/orders/orders/api.py", "messaging.publish(")
    message = by_line[api_line].message
    assert "api.place_order" in message and "_session.add via OrderRepository.add" in message and "OrderPlaced" in message
    assert by_line[api_line].service == "orders" and by_line[api_line].event == "OrderPlaced"
    nats = findings(fixture("nats"))[0]
    assert "ReceiptConsumer.run acknowledges the message (msg.ack)" in nats.message
    assert "publishes notifications.receipt-sent" in nats.message


# -- EDA402 ------------------------------------------------------------------------------

PIKA_AUTO_ACK = {
    "app.py": """
        import pika

        def on_message(channel, method, properties, body):
            print(body)

        channel = pika.BlockingConnection().channel()
        channel.basic_consume(queue="audit", on_message_callback=on_message, auto_ack=True)
    """
}


def test_auto_ack_is_reported_even_without_known_side_effects(tmp_path):
    # a call eventlint knows nothing of may do anything: only a handler whose every call is inert is spared
    files = {"app.py": PIKA_AUTO_ACK["app.py"].replace("print(body)", "audit.record(body)").replace(
        "import pika", "import pika\n        from audit import trail as audit")}
    (found,) = findings(project(tmp_path, files))
    assert found.line == 8 and "automatic acknowledgement (pika)" in found.message


@pytest.mark.parametrize(
    "body",
    [
        "print(body)",
        'logging.getLogger(__name__).info("received %s", json.loads(body))',
        # a tutorial's request to a documentation host reaches no real service
        'requests.post("https://example.com/hook", data=body)',
    ],
)
def test_auto_ack_on_a_handler_that_only_prints_or_logs_is_not_reported(tmp_path, body):
    files = {"app.py": PIKA_AUTO_ACK["app.py"].replace("print(body)", body).replace(
        "import pika", "import json\n        import logging\n\n        import pika\n        import requests")}
    assert findings(project(tmp_path / "a", files)) == []
    # with the knowledge emptied, it is judged as any other handler
    (found,) = findings(project(tmp_path / "b", files, {"EDA402": {"inert_calls": []}}))
    assert "automatic acknowledgement (pika)" in found.message


def test_auto_commit_on_a_handler_that_only_logs_is_not_reported_but_real_work_is(tmp_path):
    source = """
        import logging
        from kafka import KafkaConsumer

        log = logging.getLogger(__name__)

        def on_order(event):
            log.info("order %s", event["id"])

        def run():
            for message in KafkaConsumer("orders.placed", group_id="audit"):
                on_order(message.value)
    """
    assert findings(project(tmp_path / "a", {"app.py": source})) == []
    (found,) = findings(project(tmp_path / "b", KAFKA_AUTO_COMMIT))
    assert "automatic offset commits" in found.message


def test_option_ack_on_delivery_frameworks(tmp_path):
    assert not findings(project(tmp_path, PIKA_AUTO_ACK, {"EDA402": {"ack-on-delivery-frameworks": []}}))


KAFKA_AUTO_COMMIT = {
    "app.py": """
        import requests
        from kafka import KafkaConsumer

        def on_order(event):
            requests.post("https://ledger.internal/entries", json=event)

        def run():
            for message in KafkaConsumer("orders.placed", group_id="ledger"):
                on_order(message.value)
    """
}


def test_auto_commit_with_a_side_effect(tmp_path):
    (found,) = findings(project(tmp_path, KAFKA_AUTO_COMMIT))
    assert found.line == 8 and "(group ledger) with automatic offset commits (kafka-python)" in found.message
    assert "makes a state-changing HTTP request (requests.post)" in found.message


def test_option_auto_commit_frameworks(tmp_path):
    assert not findings(project(tmp_path, KAFKA_AUTO_COMMIT, {"EDA402": {"auto-commit-frameworks": ["aiokafka"]}}))


def test_option_classification_extends_side_effects(tmp_path):
    files = {"app.py": KAFKA_AUTO_COMMIT["app.py"].replace("requests.post", "ledger.record").replace("import requests", "import ledger")}
    files["ledger.py"] = "def record(url, json):\n    pass\n"
    assert not findings(project(tmp_path / "a", files))
    (found,) = findings(project(tmp_path / "b", files, {"EDA402": {"db-writes": ["ledger.record"]}}))
    assert "writes to the database (ledger.record)" in found.message


def test_confluent_auto_commit_with_stored_offsets_is_not_reported(tmp_path):
    files = {
        "app.py": """
            import requests
            from confluent_kafka import Consumer

            def run():
                consumer = Consumer({"group.id": "ledger", "enable.auto.offset.store": False})
                consumer.subscribe(["orders.placed"])
                while True:
                    msg = consumer.poll(1.0)
                    if msg is None:
                        continue
                    requests.post("https://ledger.internal/entries", data=msg.value())
                    consumer.store_offsets(message=msg)
        """
    }
    assert not findings(project(tmp_path / "stored", files))
    post = '        requests.post("https://ledger.internal/entries", data=msg.value())\n'
    store = "        consumer.store_offsets(message=msg)\n"
    early = {"app.py": textwrap.dedent(files["app.py"]).replace(post + store, store + post)}
    found = findings(project(tmp_path / "early", early))
    assert [(d.line, "consumer.store_offsets" in d.message) for d in found] == [(11, True)]


def test_ack_in_a_helper_is_reported_where_the_helper_is_called(tmp_path):
    files = {
        "app.py": """
            import requests
            from google.cloud import pubsub_v1

            def done(message):
                message.ack()

            def callback(message):
                done(message)
                requests.post("https://carrier.internal/shipments", data=message.data)

            pubsub_v1.SubscriberClient().subscribe("projects/p/subscriptions/shipping", callback=callback)
        """
    }
    (found,) = findings(project(tmp_path, files))
    assert found.line == 8
    assert "app.callback acknowledges the message (message.ack via app.done)" in found.message


def test_ack_in_except_or_on_an_early_return_is_not_reported(tmp_path):
    files = {
        "app.py": """
            import json

            import requests
            from google.cloud import pubsub_v1

            def callback(message):
                try:
                    data = json.loads(message.data)
                except ValueError:
                    message.ack()
                    return
                if data.get("test"):
                    message.ack()
                    return
                requests.post("https://carrier.internal/shipments", json=data)
                message.ack()

            pubsub_v1.SubscriberClient().subscribe("projects/p/subscriptions/shipping", callback=callback)
        """
    }
    assert not findings(project(tmp_path, files))


def test_commit_before_publishing_in_a_loop_that_calls_the_handler(tmp_path):
    """The loop function publishes, so its facts are there (role "publisher") even though the handler is another function."""
    files = {
        "app.py": """
            from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

            def enrich(order):
                return {"order": order, "vip": False}

            async def run(producer: AIOKafkaProducer):
                consumer = AIOKafkaConsumer("orders.placed", group_id="enricher", enable_auto_commit=False)
                async for msg in consumer:
                    enriched = enrich(msg.value)
                    await consumer.commit()
                    await producer.send("orders.enriched", enriched)
        """
    }
    (found,) = findings(project(tmp_path, files))
    assert found.line == 10 and "app.run acknowledges the message (consumer.commit)" in found.message
    assert "publishes orders.enriched" in found.message


def test_option_publications_are_work(tmp_path):
    files = {
        "app.py": """
            from nats.aio.client import Client

            async def run(nc: Client):
                js = nc.jetstream()
                sub = await js.pull_subscribe("orders.placed", "receipts")
                for msg in await sub.fetch(10):
                    await msg.ack()
                    await nc.publish("receipts.sent", msg.data)
        """
    }
    assert [d.line for d in findings(project(tmp_path / "on", files))] == [7]
    assert not findings(project(tmp_path / "off", files, {"EDA402": {"publications-are-work": False}}))


# -- EDA403 ------------------------------------------------------------------------------


def test_a_shared_function_is_reported_once_in_its_own_name(tmp_path):
    files = {
        "app.py": """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def save_and_announce(session, order):
                session.add(order)
                producer.send("orders.placed", order.encode())

            def place_order(session, order):
                save_and_announce(session, order)

            def reorder(session, order):
                save_and_announce(session, order)
        """
    }
    (found,) = findings(project(tmp_path, files))
    assert found.line == 7 and found.message.startswith("app.save_and_announce writes to the database (session.add)")


HELPERS = """
    from faststream.kafka import KafkaBroker
    from kafka import KafkaProducer

    broker = KafkaBroker()
    producer = KafkaProducer()

    def save(session, order):
        session.add(order)
        session.commit()

    def announce(order):
        producer.send("orders.placed", order.encode())

    @broker.subscriber("orders.requested")
    async def place_order(order: dict, session) -> None:
        save(session, order)
        announce(order)
"""


def test_write_and_publication_in_different_helpers_meet_in_the_caller(tmp_path):
    # (FastStream's Kafka default also commits offsets automatically: EDA402, at the decorator)
    (found,) = [d for d in findings(project(tmp_path, {"app.py": HELPERS})) if d.code == "EDA403"]
    assert found.line == 17
    assert "app.place_order writes to the database (session.add via app.save)" in found.message
    assert "publishes orders.placed (KafkaProducer.send via app.announce)" in found.message


def test_write_and_publication_in_different_helpers_of_a_plain_function(tmp_path):
    source = HELPERS.replace('@broker.subscriber("orders.requested")\n    async def', "def")
    (found,) = findings(project(tmp_path, {"app.py": source}))
    assert found.line == 16


BUS_PACK = """
framework: team-bus
modules: [bus]
types:
  - name: bus.Bus
publish:
  - call: bus.Bus.publish
    fields:
      event: {arg: 0}
"""


def test_option_in_process_frameworks(tmp_path):
    files = {
        "bus.py": "class Bus:\n    def publish(self, event):\n        pass\n",
        "app.py": """
            from bus import Bus

            bus = Bus()

            class OrderPlaced:
                pass

            def place_order(session, order):
                session.add(order)
                bus.publish(OrderPlaced())
        """,
        "team-bus.yaml": BUS_PACK,
    }
    extra = {"frameworks": ["team-bus.yaml"]}
    assert [d.line for d in findings(project(tmp_path / "a", files, extra=extra))] == [10]
    assert not findings(project(tmp_path / "b", files, {"EDA403": {"in-process-frameworks": ["team-bus"]}}, extra=extra))


def test_option_outbox_calls_is_needed_for_a_relay_without_outbox_in_its_names(tmp_path):
    from eventlint.rules import rule_by_code

    example = rule_by_code("EDA403").valid[5]
    assert example.options == {"outbox_calls": ["events.store.*"]}
    files = example.all_files()
    (found,) = findings(project(tmp_path, files))
    assert "app.forward_events writes to the database (db.execute via store.mark_sent)" in found.message


def test_early_ack_is_excused_by_an_ack_inside_the_work(tmp_path):
    files = {
        "app.py": """
            import requests
            from google.cloud import pubsub_v1

            def process(message):
                requests.post("https://carrier.internal/shipments", data=message.data)
                message.ack()

            def callback(message):
                if message.attributes.get("test"):
                    message.ack()
                    return
                process(message)

            pubsub_v1.SubscriberClient().subscribe("projects/p/subscriptions/shipping", callback=callback)
        """
    }
    assert not findings(project(tmp_path, files))


def test_a_failure_publication_in_an_except_clause_does_not_pair_with_the_success_write(tmp_path):
    files = {
        "app.py": """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def on_order(session, order):
                try:
                    session.add(order)
                    session.commit()
                except Exception:
                    session.rollback()
                    producer.send("orders.dead-letter", order.encode())
                    raise
        """
    }
    assert not findings(project(tmp_path / "error-path", files))
    accepted = '        raise\n    producer.send("orders.accepted", order.encode())\n'
    both = {"app.py": textwrap.dedent(files["app.py"]).replace("        raise\n", accepted)}
    assert [d.line for d in findings(project(tmp_path / "success-path", both))] == [13]


# -- #14 item 5: what the packs say about a library's own acknowledgement --------------------------

CELERY_EARLY = {
    "app.py": """
        import requests
        from celery import Celery

        app = Celery("shop", broker="amqp://rabbitmq")

        @app.task(acks_late=False)
        def notify(order_id):
            requests.post("https://crm.internal/notes", json={"order": order_id})
    """
}


def test_celery_early_ack_is_recorded_but_judged_only_when_a_team_asks(tmp_path):
    # Celery acknowledges before the task runs on purpose (its docs: tasks may not be idempotent), so the
    # default does not report it; a team that wants at-least-once tasks lists celery
    assert not findings(project(tmp_path / "a", CELERY_EARLY))
    options = {"EDA402": {"ack-on-delivery-frameworks": ["celery"]}}
    (found,) = findings(project(tmp_path / "b", CELERY_EARLY, options))
    assert found.code == "EDA402" and "with automatic acknowledgement (celery)" in found.message


def test_faststream_rabbit_default_acknowledges_after_the_handler(tmp_path):
    files = {
        "app.py": """
            import requests
            from faststream.rabbit import RabbitBroker

            broker = RabbitBroker("amqp://rabbitmq/")

            @broker.subscriber("notes")
            async def note(body: dict) -> None:
                requests.post("https://crm.internal/notes", json=body)
        """
    }
    assert [d.code for d in findings(project(tmp_path / "a", files))] == []
    first = {"app.py": files["app.py"].replace('@broker.subscriber("notes")', '@broker.subscriber("notes", ack_policy=AckPolicy.ACK_FIRST)').replace(
        "from faststream.rabbit import RabbitBroker", "from faststream import AckPolicy\n            from faststream.rabbit import RabbitBroker")}
    assert [d.code for d in findings(project(tmp_path / "b", first))] == ["EDA402"]


# -- EDA402 and queues that die with their consumer (#19 item 2) ---------------------------------------------

_TAIL_CONSUMER = """
import pika
import requests

from logtail.setup import channel


def callback(ch, method, properties, body):
    requests.post("https://search.internal/logs/_doc", data=body)


channel.basic_consume(queue="log-tail", on_message_callback=callback, auto_ack=True)
channel.start_consuming()
"""


@pytest.mark.parametrize(
    ("declare", "reported"),
    [
        ('channel.queue_declare(queue="log-tail", exclusive=True)', False),
        ('channel.queue_declare("log-tail", False, False, False, True)', False),  # auto_delete, by position
        ('channel.queue_declare(queue="log-tail", durable=True)', True),
        ('channel.queue_declare(queue="log-tail", exclusive=False, auto_delete=False)', True),
    ],
)
def test_auto_ack_from_a_queue_declared_exclusive_or_auto_delete_in_another_file_of_the_service(tmp_path, declare, reported):
    setup = f'import pika\n\nchannel = pika.BlockingConnection(pika.ConnectionParameters(host="localhost")).channel()\n{declare}\n'
    root = project(
        tmp_path,
        {"logtail/__init__.py": "", "logtail/setup.py": setup, "logtail/tail.py": _TAIL_CONSUMER, "pyproject.toml": "[project]\nname = 'logtail'\n"},
    )
    found = findings(root, ("EDA402",))
    assert [(d.path, d.code) for d in found] == ([("logtail/tail.py", "EDA402")] if reported else [])


def test_a_queue_of_the_same_name_declared_exclusive_by_another_service_does_not_count(tmp_path):
    setup = 'import pika\n\nchannel = pika.BlockingConnection().channel()\nchannel.queue_declare(queue="log-tail", exclusive=True)\n'
    root = project(
        tmp_path,
        {
            "services/other/other/__init__.py": "",
            "services/other/other/setup.py": setup,
            "services/logtail/logtail/__init__.py": "",
            "services/logtail/logtail/setup.py": 'import pika\n\nchannel = pika.BlockingConnection().channel()\n',
            "services/logtail/logtail/tail.py": _TAIL_CONSUMER,
        },
    )
    assert [d.path for d in findings(root, ("EDA402",))] == ["services/logtail/logtail/tail.py"]


def test_broker_named_and_direct_reply_to_queues_are_transient_by_the_option(tmp_path):
    source = """
import pika
import requests

channel = pika.BlockingConnection().channel()


def on_reply(ch, method, props, body):
    requests.post("https://orders.internal/quotes", data=body)


result = channel.queue_declare(queue="")
channel.basic_consume(queue=result.method.queue, on_message_callback=on_reply, auto_ack=True)
channel.basic_consume(queue="amq.rabbitmq.reply-to", on_message_callback=on_reply, auto_ack=True)
"""
    assert findings(project(tmp_path / "a", {"rpc.py": source}), ("EDA402",)) == []
    # with the option emptied both are reported again: the option is what decides
    found = findings(project(tmp_path / "b", {"rpc.py": source}, options={"EDA402": {"transient_queues": []}}), ("EDA402",))
    assert len(found) == 2


# -- EDA402: an early branch that acknowledges, writes and `continue`s (#19 unseen2 message defect) -----------------

_STREAM_TRANSFORM = """
    import json

    import redis

    r = redis.Redis(decode_responses=True)


    def transform():
        while True:
            batch = r.xreadgroup("transformers", "t1", {"pages": ">"}, count=10, block=5000)
            for _, entries in batch:
                for entry_id, fields in entries:
                    page = json.loads(fields["html"])
                    container = page.get("product")
                    if not container:
                        r.xack("pages", "transformers", entry_id)
                        r.xadd("products", {"url": fields["url"], "price": ""})
                        continue
                    product = {"url": fields["url"], "price": container["price"]}
                    r.xack("pages", "transformers", entry_id)
                    r.xadd("products", product)
"""


def test_an_early_branch_names_the_write_that_follows_its_ack_there(tmp_path):
    root = project(tmp_path, {"transform.py": _STREAM_TRANSFORM})
    path = root / "transform.py"
    found = {d.line: d.message for d in findings(root, ("EDA402",))}
    early, main = line_of(path, "r.xack(", 1), line_of(path, "r.xack(", 2)
    assert set(found) == {early, main}
    # each acknowledgement names the write of its own path: the next line, not the other branch's
    assert f"line {early + 1})" in found[early] and f"line {main + 1})" in found[main]


def test_work_only_on_the_path_a_branch_continues_past_is_not_after_its_ack(tmp_path):
    # the early branch drops the entry (acknowledged, nothing written); the write below never follows that ack
    source = _STREAM_TRANSFORM.replace('                        r.xadd("products", {"url": fields["url"], "price": ""})\n', "").replace(
        '                    r.xack("pages", "transformers", entry_id)\n                    r.xadd("products", product)\n',
        '                    r.xadd("products", product)\n                    r.xack("pages", "transformers", entry_id)\n',
    )
    assert findings(project(tmp_path, {"transform.py": source}), ("EDA402",)) == []


# -- an unresolved channel is shown as the expression it is, in backticks (#19) -------------------------------------

_UNRESOLVED = """
    import redis
    import requests
    from kafka import KafkaConsumer
    from starlette.config import Config

    config = Config(".env")
    r = redis.Redis()


    def on_product(event):
        requests.post("https://catalog.internal/products", json=event)


    def run():
        for message in KafkaConsumer(config("KAFKA_PRODUCT_TOPIC", cast=str), group_id=config("KAFKA_GROUP", cast=str)):
            on_product(message.value)


    def relay(stream_name):
        for _, entries in r.xreadgroup("relays", "r1", {"products": ">"}):
            for entry_id, fields in entries:
                r.xack("products", "relays", entry_id)
                r.xadd(stream_name, fields)
"""


def test_unresolved_channels_are_shown_in_backticks(tmp_path):
    messages = [d.message for d in findings(project(tmp_path, {"app.py": _UNRESOLVED}), ("EDA402",))]
    assert any("consumes `config(" in m and "KAFKA_PRODUCT_TOPIC" in m and "(group `config(" in m for m in messages), messages
    assert any("publishes to `stream_name`" in m for m in messages), messages
    assert not any(" consumes config(" in m or "publishes stream_name" in m for m in messages)
