"""EDA501 and handlers with nothing to protect: the inert-call knowledge (every entry matched by a real call,
no side effect taken as inert), and real consumer shapes in a form with nothing to protect (silent) and a
form doing work (reported)."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from eventlint import api, schemas
from eventlint.config import load_config
from eventlint.facts import HandlerCall
from eventlint.rules import knowledge
from eventlint.rules.debugging import EFFECT_CALLS, INERT_CALLS
from tests.helpers import write_project


def call(name: str, text: str | None = None) -> HandlerCall:
    return HandlerCall(name=name, text=text or name, path="app.py", line=1, column=1, function="app.handle", depth=0)


# (qualified name the extraction gives, source text): calls real handlers make that change nothing outside the process
INERT = [
    ("builtins.print", "print"),
    ("pprint.pprint", "pprint.pprint"),
    ("warnings.warn", "warnings.warn"),
    ("logging.info", "logging.info"),
    ("loguru.logger.success", "logger.success"),
    ("structlog.get_logger.info", "log.info"),
    ("logging.getLogger", "logging.getLogger"),
    ("tomodachi.get_logger", "tomodachi.get_logger"),
    ("config.logger.logger.debug", "logger.debug"),
    ("logging.getLogger.info", "log.info"),
    ("app.log.warning", "log.warning"),
    ("app.log.warn", "log.warn"),
    ("config.logger.logger.error", "logger.error"),
    ("app.logger.exception", "logger.exception"),
    ("app.logger.critical", "logger.critical"),
    ("builtins.str", "str"),
    ("builtins.int", "int"),
    ("builtins.float", "float"),
    ("builtins.bool", "bool"),
    ("builtins.bytes", "bytes"),
    ("builtins.len", "len"),
    ("builtins.repr", "repr"),
    ("builtins.format", "format"),
    ("builtins.dict", "dict"),
    ("user_pb2.UserOutput", "user_pb2.UserOutput"),  # a generated Protobuf message class
    ("user_response.ParseFromString", "user_response.ParseFromString"),
    ("event.MergeFromString", "event.MergeFromString"),
    ("orders_pb2.OrderPlaced.SerializeToString", "order.SerializeToString"),
    ("google.protobuf.json_format.MessageToDict", "MessageToDict"),
    ("builtins.list", "list"),
    ("builtins.set", "set"),
    ("builtins.tuple", "tuple"),
    ("builtins.sorted", "sorted"),
    ("builtins.min", "min"),
    ("builtins.max", "max"),
    ("builtins.sum", "sum"),
    ("builtins.round", "round"),
    ("builtins.isinstance", "isinstance"),
    ("builtins.range", "range"),
    ("builtins.enumerate", "enumerate"),
    ("builtins.zip", "zip"),
    ("builtins.dict.get", "totals.get"),
    ("builtins.list.append", "seen.append"),
    ("builtins.set.add", "email_send_so_far.add"),
    ("builtins.str.upper", "name.upper"),
    ("typing.Dict.get", "metadata.get"),
    ("typing.List.append", "items.append"),
    ("ROUTES.keys", "ROUTES.keys"),
    ("order_counts.values", "order_counts.values"),
    ("totals.items", "totals.items"),
    ("json.loads", "json.loads"),
    ("json.loads.get", "order.get"),
    ("json.dumps", "json.dumps"),
    ("json.dumps.encode", "json.dumps(data).encode"),
    ("message.value.decode", "message.value.decode"),
    ("result.encode", "result.encode"),
    ("'Received data - {}'.format", "'Received data - {}'.format"),
    ("datetime.datetime.now", "datetime.now"),
    ("uuid.uuid4", "uuid.uuid4"),
    ("random.random", "random.random"),
    ("secrets.randbelow", "secrets.randbelow"),
    ("contextvars.ContextVar.get", "CALL_DEPTH.get"),
    ("flask.request.get_data", "request.get_data"),
    ("cloudevents.http.from_http", "from_http"),
    ("tomodachi.transport.aws_sns_sqs.AWSSNSSQSInternalServiceError", "AWSSNSSQSInternalServiceError"),
    ("orders.errors.InvalidOrderException", "InvalidOrderException"),
    ("time.sleep", "time.sleep"),
    ("asyncio.sleep", "asyncio.sleep"),
    ("os.getenv", "os.getenv"),
    ("os.environ.get", "os.environ.get"),
    ("body.count", "body.count"),
    ("requests.get", "requests.get"),
    ("requests.get.json", "requests.get(url).json"),
    ("httpx.get", "httpx.get"),
    ("httpx.get.json", "httpx.get(url).json"),
    ("kafka.KafkaProducer", "KafkaProducer"),
    ("kafka.KafkaProducer.flush", "producer.flush"),
    ("confluent_kafka.Producer", "Producer"),
    ("confluent_kafka.Producer.flush", "producer.flush"),
    ("confluent_kafka.Producer.poll", "producer.poll"),
    ("aiokafka.AIOKafkaProducer", "AIOKafkaProducer"),
    ("aiokafka.AIOKafkaProducer.start", "producer.start"),
    ("aiokafka.AIOKafkaProducer.stop", "producer.stop"),
    ("boto3.client", "boto3.client"),
    ("boto3.resource", "boto3.resource"),
    ("kafka.KafkaConsumer", "KafkaConsumer"),
    ("confluent_kafka.Consumer.poll.value", "msg.value"),
    ("aiokafka.AIOKafkaConsumer.start", "consumer.start"),
    ("aio_pika.connect_robust", "aio_pika.connect_robust"),
    ("pika.BlockingConnection.channel", "pika.BlockingConnection().channel"),
    ("nats.connect", "nats.connect"),
    ("nats.aio.client.Client.jetstream", "nc.jetstream"),
    ("nats.aio.client.Client.close", "nc.close"),
    ("nats.aio.client.Client.drain", "nc.drain"),
    ("nats.js.JetStreamContext.pull_subscribe", "js.pull_subscribe"),
    ("nats.js.JetStreamContext.PullSubscription.fetch", "sub.fetch"),
    ("msgs[0].ack", "msgs[0].ack"),
    ("ch.basic_ack", "ch.basic_ack"),
    ("faststream.rabbit.RabbitMessage.nack", "rmq_message.nack"),
    ("ch.basic_nack", "ch.basic_nack"),
    ("message.reject", "message.reject"),
    ("ch.basic_reject", "ch.basic_reject"),
    ("nats.aio.msg.Msg.ack_sync", "msg.ack_sync"),
    ("nats.aio.msg.Msg.nak", "msg.nak"),
    ("nats.aio.msg.Msg.in_progress", "msg.in_progress"),
    ("aiohttp.ClientSession", "aiohttp.ClientSession"),
    ("httpx.Client", "httpx.Client"),
    ("httpx.AsyncClient", "httpx.AsyncClient"),
    ("requests.Session", "requests.Session"),
    ("aiohttp.ClientSession.post.text", "response.text"),
    ("aiohttp.ClientSession.get.json", "response.json"),
    ("aiohttp.ClientSession.get.read", "resp.read"),
    ("httpx.AsyncClient.post.raise_for_status", "response.raise_for_status"),
    ("redis.Redis", "Redis"),
    ("redis.asyncio.from_url", "redis.asyncio.from_url"),
    ("redis.Redis.ping", "client.ping"),
    ("redis.Redis.pubsub", "r.pubsub"),
    ("redis.client.PubSub.subscribe", "pubsub.subscribe"),
    ("redis.client.PubSub.get_message", "pubsub.get_message"),
    ("redis.Redis.xread", "r.xread"),
    ("redis.asyncio.Redis.xreadgroup", "client.xreadgroup"),
    ("redis.Redis.xgroup_create", "client.xgroup_create"),
    ("redis.Redis.xack", "client.xack"),
    ("redis.Redis.close", "client.close"),
    ("redis.asyncio.Redis.aclose", "client.aclose"),
]

# calls that change the world: never inert, whatever the inert globs say
NOT_INERT = [
    ("sqlalchemy.orm.Session.add", "session.add"),
    ("requests.post", "requests.post"),
    ("aiohttp.ClientSession.post", "session.post"),
    ("faust.App.http_client.post", "app.http_client.post"),  # a faust client's HTTP write, not a consumer call
    ("stripe.Refund.create", "stripe.Refund.create"),
    ("nats.js.JetStreamContext.KeyValue.put", "kv.put"),  # a JetStream key-value write
    ("builtins.open", "open"),
    ("celery.app.task.Task.delay", "handler.delay"),
    ("orders.processor.OrderProcessor.process", "processor.process"),
    ("crud.order_crud.OrderCrud.create_order", "OrderCrud.create_order"),
    ("session.commit", "session.commit"),
    ("orders_pb2_grpc.OrdersStub.PlaceOrder", "stub.PlaceOrder"),  # a gRPC call, not a Protobuf message
    ("redis.Redis.set", "client.set"),  # state kept in Redis
    ("redis.Redis.hset", "client.hset"),
    ("redis.asyncio.Redis.incr", "client.incr"),
    ("redis.Redis.xadd", "client.xadd"),  # a publication
    ("redis.Redis.publish", "r.publish"),
]


# one real URL per reserved documentation name of the knowledge file (RFC 2606 section 3, RFC 6761 section 6)
PLACEHOLDER_URLS = [
    "http://example.com/process",
    "https://api.example.net/v1/orders",
    "https://hooks.example.org/notify",
    "https://carrier.example/shipments",
    "http://billing.test:8080/invoices",
    "https://nowhere.invalid/",
    "f'https://www.example.com/orders/{order_id}'",  # an f-string, as the facts give it
    "https://user:secret@example.com/upload",
]
# URLs a real service answers at: their calls keep their meaning
REAL_URLS = [
    "http://localhost:8000/process",  # a local service is a real one
    "http://billing:8080/invoices",  # a docker-compose service name
    "https://example.community/x",
    "https://notexample.com/x",
    "https://api.stripe.com/v1/charges",
    "https://example.com.evil.io/x",
    "f'http://{host}/x'",  # the host is not known
]


@pytest.mark.parametrize("url", PLACEHOLDER_URLS)
def test_a_call_to_a_reserved_documentation_host_is_a_placeholder(url):
    post = dataclasses.replace(call("aiohttp.ClientSession.post", "session.post"), literals=(url,))
    assert knowledge.placeholder_call(post, knowledge.placeholder_hosts())
    assert not knowledge.placeholder_call(post, ())  # the option emptied: judged as any other call


@pytest.mark.parametrize("url", REAL_URLS)
def test_a_call_to_a_real_host_is_not_a_placeholder(url):
    post = dataclasses.replace(call("requests.post"), literals=(url,))
    assert not knowledge.placeholder_call(post, knowledge.placeholder_hosts())


def test_a_call_with_a_real_url_besides_a_placeholder_or_with_no_url_is_not_a_placeholder():
    hosts = knowledge.placeholder_hosts()
    assert not knowledge.placeholder_call(dataclasses.replace(call("requests.post"), literals=("https://example.com/a", "https://api.acme.io/b")), hosts)
    assert not knowledge.placeholder_call(dataclasses.replace(call("requests.post"), literals=("/process",)), hosts)
    assert not knowledge.placeholder_call(call("requests.post"), hosts)


def test_every_placeholder_host_of_the_knowledge_file_is_matched_by_a_real_url():
    for name in knowledge.placeholder_hosts():
        assert any(
            knowledge.placeholder_call(dataclasses.replace(call("requests.post"), literals=(url,)), (name,)) for url in PLACEHOLDER_URLS
        ), f"{name} has no URL in PLACEHOLDER_URLS"
    # and only the names RFC 2606 and RFC 6761 reserve for documentation and testing
    assert set(knowledge.placeholder_hosts()) == {"example.com", "example.net", "example.org", "example", "test", "invalid"}


@pytest.mark.parametrize("name, text", INERT, ids=[n for n, _ in INERT])
def test_real_inert_calls_are_inert(name, text):
    assert knowledge.matches_any(call(name, text), INERT_CALLS)
    assert not knowledge.matches_any(call(name, text), EFFECT_CALLS)


@pytest.mark.parametrize("name, text", NOT_INERT, ids=[n for n, _ in NOT_INERT])
def test_calls_that_change_the_world_are_not_inert(name, text):
    c = call(name, text)
    assert knowledge.matches_any(c, EFFECT_CALLS) or not knowledge.matches_any(c, INERT_CALLS)


def test_every_entry_of_the_knowledge_file_is_matched_by_a_real_call():
    calls = [call(name, text) for name, text in INERT]
    for group, entries in knowledge.inert_calls().items():
        for entry in entries:
            assert any(knowledge.matches_any(c, (entry,)) for c in calls), f"{group}: {entry} has no real call in INERT"


def test_knowledge_file_is_valid_and_a_mistake_names_the_key():
    assert knowledge.state_by_assignment() == ("faust",)
    assert schemas.problems({"version": 1, "inert": {"output": ["builtins.print"]}}, "inert_calls") == []
    assert [k for k, _ in schemas.problems({"version": 1, "inert": {"output": [""]}}, "inert_calls")] == ["inert.output[0]"]
    [(key, message)] = schemas.problems({"version": 1, "inert": {"output": ["print"]}, "extra": 1}, "inert_calls")
    assert key == "extra" and "unknown key" in message


# -- real consumer shapes ------------------------------------------------------------------------------


EACH = {"when_no_dead_letters": "each"}  # per service, even where no consumer has a dead-letter path


def eda501(tmp_path: Path, files: dict[str, str], options: dict | None = None) -> list:
    root = write_project(tmp_path, {k: textwrap.dedent(v) for k, v in files.items()}, {"exclude": []})
    config = load_config([root])
    if options:
        config = dataclasses.replace(config, raw={**config.raw, "rules": {"options": {"EDA501": options}}})
    return [d for d in api.lint([root], config, select=["EDA501"]).diagnostics if d.code == "EDA501"]


TOMODACHI = """
    import tomodachi
    from tomodachi import aws_sns_sqs

    class Service(tomodachi.Service):
        name = "receipts"

        @aws_sns_sqs("orders-placed")
        async def on_order(self, data):
            tomodachi.get_logger().info("received {}".format(data))
            {work}
"""


def test_a_tomodachi_handler_that_only_logs_is_silent_and_one_that_writes_is_reported(tmp_path):
    assert eda501(tmp_path / "a", {"service.py": TOMODACHI.replace("{work}", "")}) == []
    work = TOMODACHI.replace("{work}", "await receipts.store(data)").replace(
        "from tomodachi import aws_sns_sqs", "from tomodachi import aws_sns_sqs\n    from billing import receipts"
    )
    [finding] = eda501(tmp_path / "b", {"service.py": work})
    assert finding.message.startswith("Service.on_order consumes orders-placed (tomodachi) with no dead-letter path")
    # a team that wants every consumer reported says so
    assert len(eda501(tmp_path / "c", {"service.py": TOMODACHI.replace("{work}", "")}, {"report_inert_handlers": True})) == 1


def test_a_project_function_is_judged_by_the_calls_inside_it(tmp_path):
    app = """
        from kafka import KafkaConsumer

        def show(event):
            print(event["order_id"])

        def handle(event):
            show(event)
            {store}

        for message in KafkaConsumer("orders.placed", group_id="ledger"):
            handle(message.value)
    """
    assert eda501(tmp_path / "a", {"app.py": app.replace("{store}", "")}) == []
    store = app.replace("{store}", "store(event)").replace("def show", "def store(event):\n            open('ledger.txt', 'a').write(str(event))\n\n        def show")
    assert len(eda501(tmp_path / "b", {"app.py": store})) == 1


RELAY = """
    import json
    from kafka import KafkaConsumer, KafkaProducer

    producer = KafkaProducer(bootstrap_servers="kafka:9092")

    for message in KafkaConsumer("orders.placed", bootstrap_servers="kafka:9092"):
        order = json.loads(message.value.decode())
        producer.send("orders.confirmed", json.dumps({"order_id": order["order_id"]}).encode())
"""

PRINTER = """
    import json
    from kafka import KafkaConsumer

    for message in KafkaConsumer("orders.confirmed", bootstrap_servers="kafka:9092"):
        print("confirmed", json.loads(message.value.decode())["order_id"])
"""

WRITER = """
    import json
    import psycopg
    from kafka import KafkaConsumer

    db = psycopg.connect("dbname=shop")
    for message in KafkaConsumer("orders.confirmed", bootstrap_servers="kafka:9092"):
        db.execute("INSERT INTO confirmed (order_id) VALUES (%s)", (json.loads(message.value)["order_id"],))
"""


def test_a_relay_is_judged_by_the_consumers_of_what_it_publishes(tmp_path):
    # its only consumer prints: nothing downstream outlives a process, so neither is reported
    assert eda501(tmp_path / "a", {"relay.py": RELAY, "printer.py": PRINTER}) == []
    # a consumer downstream writes: losing the relay's message loses that row, so the relay is reported
    found = eda501(tmp_path / "b", {"relay.py": RELAY, "writer.py": WRITER}, EACH)
    assert sorted(d.path for d in found) == ["relay.py", "writer.py"]
    # by default, with no dead-letter path anywhere, the two are one finding (dead-lettering not adopted)
    (once,) = eda501(tmp_path / "b", {"relay.py": RELAY, "writer.py": WRITER})
    assert [once.path, *(r.path for r in once.related)] == ["relay.py", "writer.py"]
    # nothing in the analysed code consumes it: its consumer is elsewhere and may do work, so it is reported
    assert [d.path for d in eda501(tmp_path / "c", {"relay.py": RELAY})] == ["relay.py"]


RPC_SERVER = """
    import pika

    def on_request(ch, method, props, body):
        n = int(body)
        ch.basic_publish(
            exchange="",
            routing_key={destination},
            properties=pika.BasicProperties(correlation_id=props.correlation_id),
            body=str(n * n),
        )
        ch.basic_ack(delivery_tag=method.delivery_tag)

    channel = pika.BlockingConnection(pika.ConnectionParameters("localhost")).channel()
    channel.queue_declare(queue="rpc_queue")
    channel.basic_consume(queue="rpc_queue", on_message_callback=on_request)
    channel.start_consuming()
"""


def test_an_rpc_server_answering_on_the_reply_to_queue_is_silent(tmp_path):
    assert eda501(tmp_path / "a", {"server.py": RPC_SERVER.replace("{destination}", "props.reply_to")}) == []
    # the same handler publishing to a named queue nothing here consumes is a relay to an unknown consumer
    assert len(eda501(tmp_path / "b", {"server.py": RPC_SERVER.replace("{destination}", '"squares"')})) == 1


def test_a_faust_agent_is_never_taken_as_inert(tmp_path):
    app = """
        import faust

        app = faust.App("counts", broker="kafka://kafka:9092")
        orders = app.topic("orders.placed")
        counts = app.Table("order_counts", default=int)

        @app.agent(orders)
        async def count(stream):
            async for order in stream:
                counts[order["customer_id"]] += 1
    """
    # the Table is written by assignment, which no call shows
    assert len(eda501(tmp_path, {"app.py": app})) == 1


def test_a_handler_with_an_unknown_client_call_is_reported(tmp_path):
    app = """
        from dapr.ext.grpc import App
        from acme_crm import Client

        app = App()
        crm = Client()

        @app.subscribe(pubsub_name="pubsub", topic="customers")
        def on_customer(event) -> None:
            print(event.data)
            crm.sync(event.data)
    """
    assert len(eda501(tmp_path, {"app.py": app})) == 1


def test_a_dispatching_loop_is_judged_with_the_handlers_it_dispatches_to(tmp_path):
    app = """
        import json
        from confluent_kafka import Consumer
        from audit import archive

        def on_order(event):
            print("order", event["order_id"])

        def on_payment(event):
            print("payment", event["order_id"])

        ROUTES = {"orders.placed": on_order, "payments.captured": on_payment}

        def main():
            consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "audit"})
            consumer.subscribe(sorted(ROUTES.keys()))
            while True:
                msg = consumer.poll(1.0)
                if msg is None or msg.error():
                    continue
                event = json.loads(msg.value())
                ROUTES[msg.topic()](event)
                {work}
                consumer.commit(message=msg)
    """
    assert eda501(tmp_path / "a", {"worker.py": app.replace("{work}", "")}) == []
    # the loop archives every message around the dispatch: that is work a dead-letter path would protect
    [finding] = eda501(tmp_path / "b", {"worker.py": app.replace("{work}", "archive.put(msg.topic(), event)")})
    assert "orders.placed" in finding.message or "payments.captured" in finding.message


PROTOBUF_CACHE = """
    from aiokafka import AIOKafkaConsumer
    from google.protobuf.json_format import MessageToDict

    from prices import prices_pb2

    latest = {}

    async def follow_prices():
        consumer = AIOKafkaConsumer("prices.changed", bootstrap_servers="kafka:9092", group_id="quotes")
        await consumer.start()
        try:
            async for msg in consumer:
                tick = prices_pb2.PriceTick()
                tick.ParseFromString(msg.value)
                latest[tick.symbol] = MessageToDict(tick)
                {work}
        finally:
            await consumer.stop()
"""


def test_a_consumer_that_decodes_protobuf_into_an_in_memory_cache_is_silent_and_one_that_stores_it_is_not(tmp_path):
    # a generated module (prices_pb2) holds message classes: constructing, decoding and mapping one to a dict is inert
    pb2 = {"prices/__init__.py": "", "prices/prices_pb2.py": "class PriceTick:\n    def ParseFromString(self, data):\n        return self\n"}
    assert eda501(tmp_path / "a", {"app.py": PROTOBUF_CACHE.replace("{work}", ""), **pb2}) == []
    stored = PROTOBUF_CACHE.replace("{work}", 'requests.put(f"https://quotes.internal/{tick.symbol}", json=latest[tick.symbol])')
    stored = stored.replace("from aiokafka import AIOKafkaConsumer", "import requests\n    from aiokafka import AIOKafkaConsumer")
    [finding] = eda501(tmp_path / "b", {"app.py": stored, **pb2})
    assert "prices.changed" in finding.message


# a FastStream demo worker forwarding each message over HTTP (faststream.rabbit's RabbitBroker.subscriber, aiohttp)
FORWARDER = """
    import aiohttp
    from faststream.rabbit import RabbitBroker

    broker = RabbitBroker("amqp://guest:guest@rabbitmq:5672/")

    @broker.subscriber("events")
    async def process_message(message: dict):
        print(f"Received message: {message}")
        async with aiohttp.ClientSession() as session:
            async with session.post("{url}", json=message) as response:
                print(f"Response: {await response.text()}")
"""


def test_a_worker_posting_to_a_documentation_host_is_silent_and_one_posting_to_a_real_service_is_reported(tmp_path):
    # a placeholder a tutorial left for the reader: the POST reaches no service, so a kept message has nothing to redo
    assert eda501(tmp_path / "a", {"worker.py": FORWARDER.replace("{url}", "http://example.com/process")}) == []
    # the same worker posting to the service next to it in the compose file does real work
    [finding] = eda501(tmp_path / "b", {"worker.py": FORWARDER.replace("{url}", "http://processor:8000/process")})
    assert finding.message.startswith("worker.process_message consumes events (faststream)")
    # a team that wants placeholder hosts judged as any other says so
    assert len(eda501(tmp_path / "c", {"worker.py": FORWARDER.replace("{url}", "http://example.com/process")}, {"placeholder_hosts": []})) == 1


# a request/reply pair over aio-pika, each side reading its queue with `queue.iterator()` and settling each
# message with `message.process()` (aio-pika's ack-on-exit context manager)
REQUESTER = """
    import aio_pika

    async def send_request(text: str, correlation_id: str):
        connection = await aio_pika.connect_robust("amqp://guest:guest@rabbitmq/")
        async with connection:
            channel = await connection.channel()
            await channel.default_exchange.publish(
                aio_pika.Message(body=text.encode(), correlation_id=correlation_id), routing_key="work_queue"
            )

    async def wait_for_reply(correlation_id: str):
        connection = await aio_pika.connect_robust("amqp://guest:guest@rabbitmq/")
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue("answer_queue", durable=True)
            async with queue.iterator() as queue_iter:
                async for message in queue_iter:
                    async with message.process():
                        if message.correlation_id == correlation_id:
                            {work}
                            break
"""

WORKER = """
    import aio_pika

    async def consume():
        connection = await aio_pika.connect_robust("amqp://guest:guest@rabbitmq/")
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue("work_queue", durable=True)
            async with queue.iterator() as queue_iter:
                async for message in queue_iter:
                    async with message.process():
                        result = message.body.decode().upper()
                        await answer(result, message.correlation_id)

    async def answer(result: str, correlation_id: str):
        connection = await aio_pika.connect_robust("amqp://guest:guest@rabbitmq/")
        async with connection:
            channel = await connection.channel()
            await channel.default_exchange.publish(
                aio_pika.Message(body=result.encode(), correlation_id=correlation_id), routing_key="answer_queue"
            )
            {more}
"""

STORE = "await db.execute('INSERT INTO answers (body) VALUES ($1)', message.body)"


def _requester(work: str) -> str:
    source = REQUESTER.replace("{work}", work)
    return source.replace("import aio_pika", "import aio_pika\n    import asyncpg\n\n    db = asyncpg.create_pool()") if "db." in work else source


def test_a_method_of_the_delivered_message_is_the_frameworks_own(tmp_path):
    # `message.process()` on the iterated aio-pika message settles it: a requester that only prints the reply has
    # nothing to protect, one that stores it has
    assert eda501(tmp_path / "a", {"requester.py": _requester("print(message.body.decode())")}) == []
    [finding] = eda501(tmp_path / "b", {"requester.py": _requester(STORE)})
    assert "answer_queue" in finding.message
    # the facts say which calls are methods of the delivered message
    root = write_project(tmp_path / "c", {"requester.py": textwrap.dedent(_requester("print(message.body.decode())"))}, {"exclude": []})
    facts = api.facts([root], load_config([root]))
    [handler] = [h for h in facts.handlers if h.name.endswith("wait_for_reply")]
    assert {c.text for c in handler.calls if c.on_message} == {"message.process", "message.body.decode"}
    assert {c.text for c in handler.calls if not c.on_message} >= {"connection.channel", "queue.iterator", "print"}


def test_a_worker_answering_a_requester_is_judged_by_what_the_requester_does_with_the_answer(tmp_path):
    worker = WORKER.replace("{more}", "")
    # the answer is consumed here only by a requester that prints it: a kept request would have nothing to redo
    assert eda501(tmp_path / "a", {"requester.py": _requester("print(message.body.decode())"), "worker.py": worker}) == []
    # the requester stores the answer: losing the request loses that row, so both sides are reported
    found = eda501(tmp_path / "b", {"requester.py": _requester(STORE), "worker.py": worker}, EACH)
    assert sorted(d.path for d in found) == ["requester.py", "worker.py"]
    # a worker that also publishes a real event, which nothing here consumes, is not inert
    real = WORKER.replace(
        "{more}", 'await channel.default_exchange.publish(aio_pika.Message(body=result.encode()), routing_key="orders.shipped")'
    )
    found = eda501(tmp_path / "c", {"requester.py": _requester("print(message.body.decode())"), "worker.py": real})
    assert [d.path for d in found] == ["worker.py"]


REDIS_STREAM_WORKER = """
    import logging

    from redis import Redis

    client = Redis(host="redis", port=6379, decode_responses=True)


    def main():
        try:
            client.xgroup_create("math_stream", "math_group", id="0", mkstream=True)
        except Exception:
            pass
        while True:
            response = client.xreadgroup("math_group", "worker-1", {"math_stream": ">"}, count=1, block=2000)
            if response:
                stream, messages = response[0]
                message_id, data = messages[0]
                logging.info("received %s: %s", message_id, data)
                {work}
                client.xack(stream, "math_group", message_id)


    if __name__ == "__main__":
        main()
"""


def test_a_redis_stream_worker_that_only_logs_and_acks_is_silent_and_one_that_keeps_state_is_reported(tmp_path):
    assert eda501(tmp_path / "a", {"worker.py": REDIS_STREAM_WORKER.replace("{work}", "")}) == []
    # the same loop keeping a count in Redis: a redelivered or failed entry has state to protect
    kept = REDIS_STREAM_WORKER.replace("{work}", 'client.hset("totals", data["operation"], data["number"])')
    [finding] = eda501(tmp_path / "b", {"worker.py": kept})
    assert "math_stream" in finding.message
