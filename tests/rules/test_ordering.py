"""The ordering family (EDA3xx) on the fixtures, on shapes the examples leave out, and with options."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from eventlint import api
from eventlint.catalog import Catalog, EventSpec
from eventlint.config import load_config
from eventlint.facts import Publication
from eventlint.rules.ordering import KeyNotEntityId, parse_key
from tests.helpers import FIXTURES, fixture, line_of, write_project

FIXTURE_NAMES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def lint(root: Path, code: str):
    result = api.lint([root], load_config([root]), select=[code])
    return [d for d in result.diagnostics if d.code == code]


def findings(root: Path, code: str) -> set[tuple[str, int]]:
    return {(d.path, d.line) for d in lint(root, code)}


def project(tmp_path: Path, files: dict[str, str], config: dict | None = None) -> Path:
    return write_project(tmp_path, files, {"exclude": [], **(config or {})})


def at(root: Path, path: str, snippet: str, occurrence: int = 1) -> tuple[str, int]:
    return path, line_of(root / path, snippet, occurrence)


def with_catalog(tmp_path: Path, name: str, events: dict) -> Path:
    """A copy of a fixture with events declared in its configuration."""
    root = tmp_path / name
    shutil.copytree(fixture(name), root)
    config_file = root / "eventlint.yaml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8")) if config_file.exists() else {}
    config = config or {}
    config["events"] = events
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    return root


# -- EDA301 publish-without-key on the fixtures ----------------------------------------------


# faust's sink (one ShipmentScheduled per order on scheduled_shipments) and pick_urgent.cast (one PickRequest per
# urgent order), and executor_handoff's helper (orders.shipped / .cancelled / .returned, one topic each) publish
# without a key, but each topic carries one kind of message: one message per entity, nothing to keep in order.
EDA301_ON_FIXTURES = {
    "shop": {
        # the shared helper takes key=; cancel_order does not pass it
        ("services/orders/orders/api.py", "messaging.publish(topics.ORDER_CANCELLED"),
        ("services/inventory/inventory/agents.py", "await inventory_reserved.send("),
    },
}


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_publish_without_key_on_every_fixture(name):
    root = fixture(name)
    expected = {at(root, path, snippet) for path, snippet in EDA301_ON_FIXTURES.get(name, set())}
    assert findings(root, "EDA301") == expected


def test_publish_without_key_leaves_batches_and_explicit_partitions_alone():
    # confluent-kafka produce_batch: every record of the list has its own "key"
    assert findings(fixture("confluent_kafka"), "EDA301") == set()
    # aiokafka send_batch(batch, topic, partition=...): the records were keyed when appended
    assert findings(fixture("aiokafka"), "EDA301") == set()


def test_publish_without_key_wrapper_message_names_the_callers(tmp_path):
    root = project(
        tmp_path,
        {
            "bus.py": """
                from kafka import KafkaProducer

                producer = KafkaProducer()

                def emit(topic, event):
                    producer.send(topic, event)
            """,
            "app.py": """
                from bus import emit

                def place(order):
                    emit("orders", order)

                def cancel(order):
                    emit("orders", order)
            """,
        },
    )
    [finding] = lint(root, "EDA301")
    assert (finding.path, finding.line) == at(root, "bus.py", "producer.send(")
    assert "none of its callers can key" in finding.message
    assert "orders from app.py:4" in finding.message
    assert "orders from app.py:7" in finding.message
    assert "give bus.emit a key parameter" in finding.hint


def test_publish_without_key_through_kwargs_is_reported_at_callers_that_pass_none(tmp_path):
    root = project(
        tmp_path,
        {
            "bus.py": """
                from kafka import KafkaProducer

                producer = KafkaProducer()

                def send(topic, event, **kwargs):
                    producer.send(topic, event, **kwargs)
            """,
            "app.py": """
                from bus import send

                def place(order):
                    send("orders", order, key=order.order_id)

                def cancel(order):
                    send("orders", order)
            """,
        },
    )
    assert findings(root, "EDA301") == {at(root, "app.py", 'send("orders", order)')}


def test_publish_without_key_through_nested_wrappers(tmp_path):
    root = project(
        tmp_path,
        {
            "bus.py": """
                from confluent_kafka import Producer

                producer = Producer({})

                def send(topic, value, key=None):
                    producer.produce(topic, value, key=key)

                def publish_event(topic, value, key=None):
                    send(topic, value, key=key)
            """,
            "app.py": """
                from bus import publish_event

                def place(order):
                    publish_event("orders", order, key=order.order_id)

                def cancel(order):
                    publish_event("orders", order)
            """,
        },
    )
    assert findings(root, "EDA301") == {at(root, "app.py", 'publish_event("orders", order)')}


def test_publish_without_key_fifo_through_a_helper_is_judged_by_the_callers_channel(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                import boto3

                sqs = boto3.client("sqs")
                BASE = "https://sqs.eu-west-1.amazonaws.com/123456789012/"

                def enqueue(url, body):
                    sqs.send_message(QueueUrl=url, MessageBody=body)

                def refund(payment):
                    enqueue(BASE + "refunds.fifo", payment.to_json())

                def receipt(payment):
                    enqueue(BASE + "receipts", payment.to_json())
            """,
        },
    )
    [finding] = lint(root, "EDA301")
    assert (finding.path, finding.line) == at(root, "app.py", "sqs.send_message(")
    assert "refunds.fifo" in finding.message and "receipts" not in finding.message
    assert "message group id" in finding.message


def test_publish_without_key_options_reach_the_rule(tmp_path):
    source = {
        "app.py": """
            from google.cloud import pubsub_v1

            publisher = pubsub_v1.PublisherClient(
                publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
            )

            def announce(order):
                publisher.publish("projects/shop/topics/orders", order.to_json().encode())

            def announce_keyed(order):
                publisher.publish("projects/shop/topics/orders", order.to_json().encode(), ordering_key=order.order_id)
        """
    }
    root = project(tmp_path / "default", source)
    assert findings(root, "EDA301") == set()
    options = {"rules": {"options": {"EDA301": {"partitioned-frameworks": ["google-pubsub"]}}}}
    root = project(tmp_path / "ordered", source, options)
    assert findings(root, "EDA301") == {at(root, "app.py", "publisher.publish(")}


# -- EDA302 key-not-entity-id ---------------------------------------------------------------

DECLARED = {
    "OrderPlaced": {"key": "order_id", "channel": "orders.placed"},
    "OrderCancelled": {"key": "order_id", "channel": "orders.cancelled"},
    "OrderLineReserved": {"key": "order_id"},
    "RefundRequested": {"key": "order_id", "channel": "payments.refund-requested"},
    "PaymentFailed": {"key": "order_id"},
    "PaymentCaptured": {"key": "order_id"},
    "PaymentCompleted": {"key": "order_id"},
    "PointsAwarded": {"key": "customer_id", "channel": "loyalty.points-awarded"},
    "ShipmentDispatched": {"key": "order_id", "channel": "shipments.dispatched"},
    "OrderCounts": {"key": "customer_id", "channel": "analytics.order-counts"},
}
KEYED_FIXTURES = ["aiokafka", "aws", "confluent_kafka", "faststream", "faust", "google_pubsub", "kafka_python"]
# the shop declares its events' keys and plants a publication keyed by the wrong entity (tests/rules/test_shop.py)
UNDECLARED_FIXTURES = [name for name in FIXTURE_NAMES if name != "shop"]


@pytest.mark.parametrize("name", UNDECLARED_FIXTURES)
def test_key_not_entity_id_without_declared_keys_finds_nothing(name):
    assert findings(fixture(name), "EDA302") == set()


@pytest.mark.parametrize("name", KEYED_FIXTURES)
def test_key_not_entity_id_accepts_every_fixture_keyed_by_its_entity(tmp_path, name):
    # order.id, str(order.id), order_id.encode(), event['order_id'], payment.order_id, row.order_id, ...
    assert findings(with_catalog(tmp_path, name, DECLARED), "EDA302") == set()


def test_key_not_entity_id_reports_a_publisher_keying_by_another_entity(tmp_path):
    declared = {**DECLARED, "OrderPlaced": {"key": "customer_id"}, "PaymentCompleted": {"key": "payment_id"}}
    root = with_catalog(tmp_path, "shop", declared)
    found = lint(root, "EDA302")
    assert {(d.path, d.line) for d in found} == {
        at(root, "services/orders/orders/api.py", "    messaging.publish("),
        at(root, "services/payments/payments/handlers.py", "messaging.publish(", 2),
        # the shop's planted violation: PaymentFailed keyed by the customer
        at(root, "services/payments/payments/handlers.py", "messaging.publish(", 1),
    }
    placed = next(d for d in found if d.path.endswith("orders/api.py"))
    # `order.id` is the id of an order, and order is the entity of another declared key
    assert placed.message == (
        "api.place_order keys OrderPlaced by `order.id` (order.id identifies another entity), "
        "not by the declared entity id customer_id"
    )
    assert placed.event == "OrderPlaced"


def test_key_not_entity_id_uses_the_channel_for_publications_without_an_event(tmp_path):
    declared = {**DECLARED, "RefundRequested": {"key": "payment_id", "channel": "payments.refund-requested"}}
    root = with_catalog(tmp_path, "kafka_python", declared)
    [finding] = lint(root, "EDA302")
    assert (finding.path, finding.line) == at(root, "services/orders/orders/outbox.py", 'relay.relay("payments.refund-requested"')
    assert "keys payments.refund-requested (RefundRequested) by `row.order_id`" in finding.message


def test_key_not_entity_id_a_helper_computing_the_key_is_reported_once(tmp_path):
    root = project(
        tmp_path,
        {
            "bus.py": """
                from kafka import KafkaProducer

                producer = KafkaProducer()

                def send_order(topic, order):
                    producer.send(topic, order, key=order.customer_id)
            """,
            "app.py": """
                from bus import send_order

                class OrderPlaced:
                    def __init__(self, order_id, customer_id):
                        self.order_id = order_id
                        self.customer_id = customer_id

                def place(order):
                    send_order("orders.placed", order)

                def replay(order):
                    send_order("orders.placed", order)
            """,
        },
        {"events": {"OrderPlaced": {"key": "order_id", "channel": "orders.placed"}}},
    )
    assert findings(root, "EDA302") == {at(root, "bus.py", "producer.send(")}


def spec(**events: str) -> Catalog:
    return Catalog(events={name: EventSpec(name=name, key=key) for name, key in events.items()})


def judge(key: str, field: str = "order_id", function: str = "app.orders.place", options=None) -> str | None:
    rule = KeyNotEntityId(options or KeyNotEntityId.Options())
    owner = Publication("OrderPlaced", "orders.placed", "kafka-python", None, "app.py", 1, 1, function, key=key)
    parsed = parse_key(key)
    assert parsed is not None
    return rule._mismatch(parsed, field, owner, spec(OrderPlaced=field, CustomerUpdated="customer_id"))


@pytest.mark.parametrize(
    "key",
    [
        "order_id",
        "order.order_id",
        "event['order_id']",
        "event.get('order_id')",
        "str(order_id).encode()",
        "str(order.order_id).encode('utf-8')",
        "orderId",
        "payload['OrderID']",
        "order.id",
        "str(order.id).encode()",
        "new_order.id",
        "event.order.id",
        "event['order']['id']",
        "f'{order.customer_id}-{order.id}'",
        "hash(order_id) % 16",
        "uuid.UUID(order.order_id).bytes",
        "str(uuid.uuid5(NAMESPACE, order.order_id))",
    ],
)
def test_keys_that_read_the_declared_field(key):
    assert judge(key) is None


def test_self_id_in_a_method_of_the_entity_class():
    assert judge("str(self.id)", function="app.models.Order.place") is None
    assert judge("str(self.id)", function="app.services.Checkout.place") is None  # not judged either way


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("customer_id", "customer_id identifies another entity"),
        ("order.customer_id.encode()", "customer_id identifies another entity"),
        ("event['event_id']", "event_id identifies another entity"),
        ("customer.id", "customer.id identifies another entity"),
        ("str(uuid.uuid4())", "uuid.uuid4() gives every message its own key"),
        ("uuid4().hex", "uuid4() gives every message its own key"),
        ("f'{order_id}-{time.time()}'", "time.time() gives every message its own key"),
        ("'orders'", "a constant: every message gets the same key"),
        ("42", "a constant: every message gets the same key"),
        ("ORDER_KEY", "a constant: every message gets the same key"),
        ("settings.ORDER_KEY.encode()", "a constant: every message gets the same key"),
    ],
)
def test_keys_that_do_not(key, reason):
    assert judge(key) == reason


@pytest.mark.parametrize("key", ["key", "k", "msg.key()", "make_key(order)", "row.id", "event.id", "event.aggregate_id", "partition_key"])
def test_keys_that_cannot_be_judged(key):
    assert judge(key) is None


def test_key_not_entity_id_options_reach_the_rule(tmp_path):
    files = {
        "app.py": """
            from kafka import KafkaProducer
            from ids import snowflake

            producer = KafkaProducer()

            class OrderPlaced:
                def __init__(self, order_id):
                    self.order_id = order_id

            def place(order):
                producer.send("orders.placed", OrderPlaced(order.id), key=snowflake.next())
        """,
        "ids.py": "class snowflake:\n    @staticmethod\n    def next():\n        return 1\n",
    }
    events = {"events": {"OrderPlaced": {"key": "order_id"}}}
    assert findings(project(tmp_path / "default", files, events), "EDA302") == set()
    options = {**events, "rules": {"options": {"EDA302": {"random-keys": ["snowflake.*"]}}}}
    root = project(tmp_path / "custom", files, options)
    assert findings(root, "EDA302") == {at(root, "app.py", "producer.send(")}


# -- EDA303 unordered-consumption -----------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in UNDECLARED_FIXTURES if n not in ("celery_dispatch", "sam_fifo", "handler_maps")])
def test_unordered_consumption_finds_nothing_on_the_fixtures(name):
    # no fixture but the shop (its planted violation, tests/rules/test_shop.py) and celery_dispatch (below) hands
    # messages to a pool; the asyncio.gather calls in redis/nats run consumers side by side (in main(), not in a handler)
    assert findings(fixture(name), "EDA303") == set()


def test_unordered_consumption_a_kafka_consumer_handing_each_record_to_a_thread_pool():
    root = fixture("handler_maps")
    assert findings(root, "EDA303") == {at(root, "claims/claims/worker.py", "pool.submit(process")}


def test_unordered_consumption_a_kafka_consumer_handing_each_message_to_a_celery_task():
    # the task chosen from the handler map runs on whichever worker is free: one entity's messages can finish out of order
    root = fixture("celery_dispatch")
    assert findings(root, "EDA303") == {at(root, "services/ledger/ledger/consuming.py", "handler.delay(event)")}


def test_unordered_consumption_a_sam_fifo_trigger_is_an_ordered_transport():
    # fixtures/sam_fifo: a Lambda function on a FIFO queue fans its batch out to a thread pool (a dict comprehension
    # over event["Records"]); the one reading the same queue record by record and the one fanning out a standard
    # queue's batch are silent
    root = fixture("sam_fifo")
    assert findings(root, "EDA303") == {at(root, "routing/app.py", "_pool.submit(_process, record)")}


def test_the_ordering_knowledge_file_gives_the_rules_their_transports():
    from eventlint.rules import knowledge
    from eventlint.rules.ordering import UnorderedConsumption

    shipped = knowledge.ordering()
    assert {"aws-sam", "serverless", "cloudformation", "aws-sqs"} <= set(shipped.fifo_consumers)
    assert UnorderedConsumption.Options().fifo_frameworks == shipped.fifo_consumers
    assert UnorderedConsumption.Options().ordered_frameworks == shipped.partitioned
    assert UnorderedConsumption.Options().fifo_channels == shipped.fifo_channels == ("*.fifo",)


def test_unordered_consumption_a_serverless_fifo_trigger_and_a_standard_one(tmp_path):
    files = {
        "serverless.yml": """
            service: routing
            provider:
              name: aws
              runtime: python3.12
            functions:
              route:
                handler: handler.route
                events:
                  - sqs:
                      arn: arn:aws:sqs:eu-west-1:123456789012:parcel-events.fifo
              label:
                handler: handler.label
                events:
                  - sqs:
                      arn: arn:aws:sqs:eu-west-1:123456789012:label-requests
            """,
        "handler.py": """
            import asyncio

            async def _handle(record):
                print(record["body"])

            def route(event, context):
                tasks = [asyncio.ensure_future(_handle(r)) for r in event["Records"]]
                return tasks

            def label(event, context):
                tasks = [asyncio.ensure_future(_handle(r)) for r in event["Records"]]
                return tasks
            """,
    }
    root = project(tmp_path, files, None)
    assert findings(root, "EDA303") == {at(root, "handler.py", "asyncio.ensure_future(_handle(r))", 1)}


def test_unordered_consumption_one_finding_per_call_for_several_handlers(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                from concurrent.futures import ThreadPoolExecutor
                from kafka import KafkaConsumer

                pool = ThreadPoolExecutor()

                def process(message):
                    print(message)

                def dispatch(message):
                    pool.submit(process, message)

                def on_placed(message):
                    dispatch(message)

                def on_cancelled(message):
                    dispatch(message)

                def placed():
                    for message in KafkaConsumer("orders.placed", group_id="a"):
                        on_placed(message)

                def cancelled():
                    for message in KafkaConsumer("orders.cancelled", group_id="a"):
                        on_cancelled(message)
            """
        },
    )
    [finding] = lint(root, "EDA303")
    assert (finding.path, finding.line) == at(root, "app.py", "pool.submit(")
    assert finding.message.startswith("app.on_cancelled, app.on_placed hand messages of orders.cancelled, orders.placed (kafka-python)")
    assert "(via app.dispatch)" in finding.message


@pytest.mark.parametrize(
    "dispatch",
    [
        "executors[hash(message.key) % N].submit(process, message)",
        "executors[message.partition % N].submit(process, message)",
        "worker_for(message).submit(process, message)",
        "executors[0].submit(process, message).result()",
    ],
)
def test_unordered_consumption_keyed_or_waited_dispatch(tmp_path, dispatch):
    root = project(
        tmp_path,
        {
            "app.py": f"""
                from concurrent.futures import ThreadPoolExecutor
                from kafka import KafkaConsumer

                N = 4
                executors = [ThreadPoolExecutor(max_workers=1) for _ in range(N)]

                def worker_for(message):
                    return executors[hash(message.key) % N]

                def process(message):
                    print(message)

                def run():
                    for message in KafkaConsumer("orders.placed", group_id="a"):
                        {dispatch}
            """
        },
    )
    assert findings(root, "EDA303") == set()


def test_unordered_consumption_round_robin_is_not_keyed(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                import itertools
                from concurrent.futures import ThreadPoolExecutor
                from kafka import KafkaConsumer

                N = 4
                executors = [ThreadPoolExecutor(max_workers=1) for _ in range(N)]
                turn = itertools.count()

                def process(message):
                    print(message)

                def run():
                    for message in KafkaConsumer("orders.placed", group_id="a"):
                        executors[next(turn) % N].submit(process, message)
            """
        },
    )
    assert findings(root, "EDA303") == {at(root, "app.py", ".submit(process, message)")}


def test_unordered_consumption_options_reach_the_rule(tmp_path):
    files = {
        "app.py": """
            from concurrent.futures import ThreadPoolExecutor
            import pika

            pool = ThreadPoolExecutor()

            def work(body):
                print(body)

            def on_message(channel, method, properties, body):
                pool.submit(work, body)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="orders", on_message_callback=on_message)
        """
    }
    assert findings(project(tmp_path / "default", files), "EDA303") == set()
    options = {"rules": {"options": {"EDA303": {"ordered-frameworks": ["pika"]}}}}
    root = project(tmp_path / "ordered", files, options)
    assert findings(root, "EDA303") == {at(root, "app.py", "pool.submit(")}
    options = {"rules": {"options": {"EDA303": {"ordered-frameworks": ["pika"], "concurrent-calls": ["*.apply_async"]}}}}
    assert findings(project(tmp_path / "narrowed", files, options), "EDA303") == set()


# -- what the facts do not show yet (engine changes; see the report in docs) ----------------


def test_poll_loop_hands_messages_to_a_pool(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                from concurrent.futures import ThreadPoolExecutor
                from confluent_kafka import Consumer

                pool = ThreadPoolExecutor()

                def handle(msg):
                    print(msg.value())

                def run():
                    consumer = Consumer({"group.id": "billing"})
                    consumer.subscribe(["orders.placed"])
                    while True:
                        msg = consumer.poll(1.0)
                        pool.submit(handle, msg)
            """
        },
    )
    assert findings(root, "EDA303") == {at(root, "app.py", "pool.submit(")}


def test_create_task_around_the_handler_call(tmp_path):
    root = project(
        tmp_path,
        {
            "app.py": """
                import asyncio
                from aiokafka import AIOKafkaConsumer

                async def handle(msg):
                    print(msg.value)

                async def run():
                    consumer = AIOKafkaConsumer("orders.placed", group_id="billing")
                    async for msg in consumer:
                        asyncio.create_task(handle(msg))
            """
        },
    )
    assert findings(root, "EDA303") == {at(root, "app.py", "asyncio.create_task(")}


# -- EDA301: ordering matters only where one entity can have several messages on a topic (#19) ----------

ROUTED_HELPER = {
    "src/__init__.py": "",
    "src/services/__init__.py": "",
    "src/services/kafka/__init__.py": "",
    "src/services/kafka/producers.py": """
        from aiokafka import AIOKafkaProducer


        async def produce_orders(data_json):
            producer = AIOKafkaProducer(bootstrap_servers="kafka:9092")
            await producer.start()
            try:
                await producer.send_and_wait(topic="order_topic", value=data_json.encode("utf-8"))
            finally:
                await producer.stop()
    """,
    "src/routers/__init__.py": "",
    "src/routers/orders.py": """
        import json

        from fastapi import APIRouter

        # the app runs from src/ (`uvicorn main:app`): `services` is importable from there
        from services.kafka.producers import produce_orders

        router = APIRouter()


        @router.post("/orders")
        async def create_order(order: dict):
            await produce_orders(json.dumps({"type": "create", "order": order}))


        @router.patch("/orders/{order_id}")
        async def update_status(order_id: int, status: str):
            await produce_orders(json.dumps({"type": "status", "order_id": order_id, "status": status}))
    """,
}


def test_a_helper_two_functions_publish_through_carries_two_kinds_of_message(tmp_path):
    root = project(tmp_path, ROUTED_HELPER)
    assert findings(root, "EDA301") == {at(root, "src/services/kafka/producers.py", "await producer.send_and_wait(")}


def test_a_helper_one_function_publishes_through_carries_one_kind(tmp_path):
    files = dict(ROUTED_HELPER)
    files["src/routers/orders.py"] = files["src/routers/orders.py"].split("\n\n        @router.patch")[0] + "\n"
    assert findings(project(tmp_path, files), "EDA301") == set()


def test_one_kind_per_topic_through_a_wrapper_is_not_reported(tmp_path):
    root = project(
        tmp_path,
        {
            "bus.py": """
                from kafka import KafkaProducer

                producer = KafkaProducer()

                def emit(topic, event):
                    producer.send(topic, event)
            """,
            "app.py": """
                from bus import emit

                def place(order):
                    emit("orders.placed", order)

                def cancel(order):
                    emit("orders.cancelled", order)
            """,
        },
    )
    # one placement and one cancellation per order, each on its own topic: no topic holds two messages of an order
    assert findings(root, "EDA301") == set()


@pytest.mark.parametrize(("topic", "reported"), [("order-status", True), ("order-details", False)])
def test_a_stream_of_changes_from_one_site_is_reported(tmp_path, topic, reported):
    root = project(
        tmp_path,
        {
            "app.py": f"""
                from kafka import KafkaProducer

                producer = KafkaProducer()

                def on_status(order, status):
                    producer.send("{topic}", {{"order_id": order.id, "status": status}})
            """,
        },
    )
    assert findings(root, "EDA301") == ({("app.py", 6)} if reported else set())


def test_change_streams_option_reaches_the_rule(tmp_path):
    files = {
        "app.py": """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def reprice(sku, price):
                producer.send("prices", {"sku": sku, "price": price})
        """,
    }
    assert findings(project(tmp_path, files), "EDA301") == set()
    root = project(tmp_path / "opt", files, {"rules": {"options": {"EDA301": {"change-streams": ["price*"]}}}})
    assert findings(root, "EDA301") == {("app.py", 6)}


def test_a_declared_key_says_order_matters(tmp_path):
    files = {
        "app.py": """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def export(order):
                producer.send("order_details", {"order_id": order.id})
        """,
    }
    assert findings(project(tmp_path, files), "EDA301") == set()
    events = {"events": {"OrderDetail": {"channel": "order_details", "key": "order_id"}}}
    assert findings(project(tmp_path / "declared", files, events), "EDA301") == {("app.py", 6)}


# -- EDA303: handing messages to concurrent workers matters only where an entity has several (#19) -------------

CONCURRENT_CONSUMER = """
    from concurrent.futures import ThreadPoolExecutor

    from kafka import KafkaConsumer

    from users import store

    pool = ThreadPoolExecutor(max_workers=8)

    for message in KafkaConsumer("{topic}", group_id="tasks"):
        pool.submit(store.save, message.value)
"""

ONE_KIND = """
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers="kafka:9092")

    def register(user):
        producer.send("{topic}", {{"user_id": user.id, "name": user.name}}, key=str(user.id).encode())
"""

SECOND_KIND = """
    def rename(user):
        producer.send("{topic}", {{"user_id": user.id, "name": user.new_name}}, key=str(user.id).encode())
"""


@pytest.mark.parametrize(
    ("topic", "publishers", "reported"),
    [
        ("users.registered", ONE_KIND, False),  # one registration per user: nothing of one user to keep in order
        ("users", ONE_KIND + SECOND_KIND, True),  # registrations and renames of one user share the topic
        ("users.registered", "", True),  # published elsewhere: what the topic carries is unknown
        ("user-status", ONE_KIND, True),  # a name that says it carries one user's changes
    ],
)
def test_unordered_consumption_needs_several_messages_of_one_entity(tmp_path, topic, publishers, reported):
    files = {
        "users/__init__.py": "",
        "users/store.py": "def save(value):\n    pass\n",
        "consumer.py": CONCURRENT_CONSUMER.replace("{topic}", topic),
    }
    if publishers:
        files["accounts.py"] = publishers.replace("{topic}", topic).replace("{{", "{").replace("}}", "}")
    root = project(tmp_path, files)
    expected = {at(root, "consumer.py", "pool.submit(")} if reported else set()
    assert findings(root, "EDA303") == expected
