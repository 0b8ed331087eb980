"""EDA502 on deliberate drops of input that can never be decoded (#19): a `try` that only decodes the message
(a format, a schema registry deserializer, a model built from the fields) and otherwise only logs or gathers
values in memory drops what no retry can fix, and is not reported; the same `try` around work as well (a write,
a publication, a read over the network) swallows that work's failures and is. The calls are data:
rules/knowledge/failure-handling.yaml (`decoding`, `collecting`)."""

from __future__ import annotations

import pytest

from eventlint.facts import HandlerCall
from eventlint.rules import knowledge
from eventlint.rules.debugging import call_named
from tests.rules.test_debugging import at, findings, project

# confluent-kafka with a schema registry: the deserializer guarded alone, the work in the `else:`
AVRO_LOOP = """
    import logging

    from confluent_kafka import Consumer, Producer
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    log = logging.getLogger(__name__)
    registry = SchemaRegistryClient({"url": "http://schema-registry:8081"})
    ORDER_DESERIALIZER = AvroDeserializer(registry)
    producer = Producer({"bootstrap.servers": "kafka:9092"})


    def log_received(topic, key, value):
        log.info("received %s %s: %s", topic, key.decode() if isinstance(key, bytes) else key, value)


    def run():
        consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "kitchen", "enable.auto.commit": False})
        consumer.subscribe(["orders.placed"])
        while True:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            try:
                order = ORDER_DESERIALIZER(msg.value(), SerializationContext(msg.topic(), MessageField.VALUE))
                items = order.get("items", list())
                log_received(msg.topic(), msg.key(), order)
            except Exception:
                log.exception("undecodable order %s: dropped", msg.key())
            else:
                producer.produce("orders.cooked", key=msg.key(), value=str(len(items)))
                producer.flush()
            consumer.commit(message=msg, asynchronous=False)
"""
AVRO_DROP = "except Exception:"

# a Redis streams consumer group: each entry parsed and validated into its stream's model, the batch written after
STREAM_BATCH = """
    import json
    import logging
    from datetime import datetime

    import redis.asyncio as redis
    from pydantic import BaseModel

    from shop.db import Session

    log = logging.getLogger(__name__)
    client = redis.Redis(host="redis")


    class Product(BaseModel):
        sku: str
        created_at: datetime


    MODELS = {b"products": Product}


    async def process(entries):
        rows, done, malformed = [], [], []
        for stream, messages in entries:
            model_cls = MODELS.get(stream)
            for entry_id, fields in messages:
                try:
                    data = json.loads(fields[b"data"])
                    data["created_at"] = datetime.fromisoformat(data["created_at"])
                    rows.append(model_cls(**data))
                    done.append(entry_id)
                except Exception as exc:
                    log.warning("%s: parse/validation error %s: dropped", entry_id, exc)
                    malformed.append(entry_id)
        async with Session() as session:
            session.add_all(rows)
            await session.commit()
        await client.xack("products", "loaders", *done, *malformed)


    async def run():
        while True:
            entries = await client.xreadgroup("loaders", "loader-1", {"products": ">"}, count=100, block=5000)
            await process(entries)
"""
STREAM_DROP = "except Exception as exc:"


def files(source):
    return {"kitchen.py": source, "shop/__init__.py": "", "shop/db.py": "def Session():\n    return None\n"}


@pytest.mark.parametrize("source", [AVRO_LOOP, STREAM_BATCH], ids=["avro-deserializer", "stream-models"])
def test_a_drop_of_what_cannot_be_decoded_is_not_reported(tmp_path, source):
    root = project(tmp_path, files(source))
    assert findings(root, "EDA502") == set()


@pytest.mark.parametrize(
    "source, old, new, drop",
    [
        # the work moved into the `try`: a failed produce is swallowed and the offset committed past it
        (
            AVRO_LOOP,
            """                log_received(msg.topic(), msg.key(), order)
            except Exception:""",
            """                log_received(msg.topic(), msg.key(), order)
                producer.produce("orders.cooked", key=msg.key(), value=str(len(items)))
            except Exception:""",
            AVRO_DROP,
        ),
        # a read over the network in the `try`: a timeout is not a message no retry can decode
        (
            AVRO_LOOP,
            "items = order.get(\"items\", list())",
            "items = requests.get(f\"http://menu/items/{order['id']}\").json()",
            AVRO_DROP,
        ),
        # each entry written as it is parsed: a failed write is dropped with the malformed ones
        (
            STREAM_BATCH,
            "rows.append(model_cls(**data))",
            "await client.hset(f\"product:{data['sku']}\", mapping=data)",
            STREAM_DROP,
        ),
    ],
    ids=["produce-inside", "http-read-inside", "write-inside"],
)
def test_the_same_drop_around_work_is_reported(tmp_path, source, old, new, drop):
    assert old in source
    changed = source.replace(old, new)
    if "requests." in new:
        changed = changed.replace("import logging\n", "import logging\n\n    import requests\n", 1)
    root = project(tmp_path, files(changed))
    assert findings(root, "EDA502") == {at(root, "kitchen.py", drop)}


def test_without_the_decoding_knowledge_the_drop_is_reported(tmp_path):
    root = project(tmp_path, files(AVRO_LOOP), {"decode_calls": ["json.loads"]}, "EDA502")
    assert findings(root, "EDA502") == {at(root, "kitchen.py", AVRO_DROP)}


# -- the knowledge file: every decoding and collecting entry matched by a call real code makes ----------------------

# (qualified name the extraction gives, source text)
DECODING = [
    ("json.loads", "json.loads"),
    ("orjson.loads", "orjson.loads"),
    ("ujson.loads", "ujson.loads"),
    ("simplejson.loads", "simplejson.loads"),
    ("msgpack.unpackb", "msgpack.unpackb"),
    ("msgpack.loads", "msgpack.loads"),
    ("fastavro.schemaless_reader", "fastavro.schemaless_reader"),
    ("base64.b64decode", "base64.b64decode"),
    ("msg.value.decode", "msg.value().decode"),
    ("xml.etree.ElementTree.fromstring", "ET.fromstring"),
    ("orders_pb2.Order.ParseFromString", "order.ParseFromString"),
    ("datetime.datetime.fromisoformat", "datetime.fromisoformat"),
    ("datetime.datetime.strptime", "datetime.strptime"),
    ("ORDER_DESERIALIZER", "ORDER_DESERIALIZER"),
    ("AVRO_DESERIALISER", "AVRO_DESERIALISER"),
    ("app.models.Order.model_validate", "Order.model_validate"),
    ("app.models.Order.model_validate_json", "Order.model_validate_json"),
    ("app.models.Order.parse_raw", "Order.parse_raw"),
    ("app.models.Order.parse_obj", "Order.parse_obj"),
    ("app.models.Order.from_json", "Order.from_json"),
    ("model_cls", "model_cls"),
    ("cls", "cls"),
    ("event_class", "event_class"),
    ("klass", "klass"),
    ("msg.value", "msg.value"),
    ("msg.key", "msg.key"),
    ("msg.topic", "msg.topic"),
]
COLLECTING = [("rows.append", "rows.append"), ("pending.appendleft", "pending.appendleft"), ("batch.extend", "batch.extend")]


def call(name, text):
    return HandlerCall(name=name, text=text, path="app.py", line=1, column=1, function="app.handle", depth=0)


def test_every_decoding_and_collecting_entry_is_matched_by_a_real_call():
    handling = knowledge.failure_handling()
    for entries, real in ((handling.decoding, DECODING), (handling.collecting, COLLECTING)):
        calls = [call(n, t) for n, t in real]
        for entry in entries:
            assert any(call_named(c, (entry,)) for c in calls), f"{entry} has no real call"
        for c in calls:
            assert call_named(c, entries), c.name


@pytest.mark.parametrize(
    "name, text",
    [
        ("requests.get", "requests.get"),  # a read over the network can fail for a reason a retry removes
        ("sqlalchemy.orm.Session.add", "session.add"),
        ("confluent_kafka.Producer.produce", "producer.produce"),
        ("redis.asyncio.Redis.hset", "client.hset"),
    ],
)
def test_work_is_not_decoding(name, text):
    handling = knowledge.failure_handling()
    assert not call_named(call(name, text), handling.decoding + handling.collecting)


# aiokafka, the loop in the handler's own function: a drop inside the loop goes on with the next message; the same
# clause around the whole loop ends the consumption on the first undecodable message
IN_PLACE_LOOP = """
    import json
    import logging

    from aiokafka import AIOKafkaConsumer

    log = logging.getLogger(__name__)
    prices = {}


    async def consume_prices():
        consumer = AIOKafkaConsumer("prices", bootstrap_servers="kafka:9092", group_id="quotes")
        await consumer.start()
        try:
            async for msg in consumer:
                try:
                    tick = json.loads(msg.value.decode("utf-8"))
                except Exception:
                    log.warning("undecodable tick at offset %s: dropped", msg.offset)
                    continue
                prices[tick["symbol"]] = tick["price"]
                log.info("price %s", tick)
        finally:
            await consumer.stop()
"""
AROUND_THE_LOOP = """
    import json
    import logging

    from aiokafka import AIOKafkaConsumer

    log = logging.getLogger(__name__)
    prices = {}


    async def consume_prices():
        consumer = AIOKafkaConsumer("prices", bootstrap_servers="kafka:9092", group_id="quotes")
        await consumer.start()
        try:
            async for msg in consumer:
                tick = json.loads(msg.value.decode("utf-8"))
                log.info("price %s", tick)
        except Exception as exc:
            log.error("consumer failed: %s", exc)
        finally:
            await consumer.stop()
"""


def test_an_in_place_loop_drops_what_it_cannot_decode_inside_the_loop(tmp_path):
    assert findings(project(tmp_path, {"quotes.py": IN_PLACE_LOOP}), "EDA502") == set()


def test_a_clause_around_the_whole_loop_is_reported(tmp_path):
    root = project(tmp_path, {"quotes.py": AROUND_THE_LOOP})
    assert findings(root, "EDA502") == {at(root, "quotes.py", "except Exception as exc:")}
