"""Hypothesis strategies for Python modules that use the supported frameworks in every argument shape.

A module is built from the real shapes of each framework pack (rules/frameworks/*.yaml,
fixtures/): its imports, the client objects it constructs, the publish/subscribe calls and
the decorators it registers handlers with. Arguments are drawn from every kind of
expression (literals of each type, f-strings, names, attribute chains, subscripts, calls,
starred and double-starred arguments, lambdas, comprehensions, walrus). The sites are
placed at module level, in functions, coroutines, methods, nested defs and classes, behind
wrappers that forward their parameters, and under stacked decorators.
"""

from __future__ import annotations

import functools
import keyword
from dataclasses import dataclass

from hypothesis import strategies as st


@dataclass(frozen=True)
class Pack:
    """One framework's vocabulary: imports, objects (`name = Factory(...)`), calls and decorators.

    `{a}` in a template stands for an argument list, `{v}` for an expression. Templates
    that await or use `async with`/`async for` only go into coroutines.
    """

    name: str
    imports: tuple[str, ...]
    objects: tuple[str, ...]
    calls: tuple[str, ...]
    decorators: tuple[str, ...] = ()
    handler_params: tuple[str, ...] = ("message",)
    in_class: tuple[str, ...] = ()


PACKS: tuple[Pack, ...] = (
    Pack(
        "kafka-python",
        ("from kafka import KafkaProducer, KafkaConsumer", "import kafka", "from kafka import KafkaProducer as Producer", "from kafka import *"),
        ("producer = KafkaProducer({a})", "consumer = KafkaConsumer({a})", "producer = Producer({a})"),
        ("producer.send({a})", "consumer.subscribe({a})", "consumer.assign({a})", "KafkaConsumer({a})",
         "kafka.KafkaProducer({a}).send({a})", "producer.send({a}).get({a})"),
    ),
    Pack(
        "confluent-kafka",
        ("from confluent_kafka import Producer, Consumer", "import confluent_kafka",
         "from confluent_kafka import SerializingProducer, DeserializingConsumer"),
        ("producer = Producer({a})", "consumer = Consumer({a})", "producer = confluent_kafka.Producer({a})",
         "consumer = DeserializingConsumer({a})"),
        ("producer.produce({a})", "consumer.subscribe({a})", "producer.produce_batch({a})", "consumer.assign({a})",
         "producer.poll({a})", "msg = consumer.poll({a})"),
    ),
    Pack(
        "aiokafka",
        ("from aiokafka import AIOKafkaProducer, AIOKafkaConsumer", "import aiokafka"),
        ("producer = AIOKafkaProducer({a})", "consumer = AIOKafkaConsumer({a})", "producer = aiokafka.AIOKafkaProducer({a})"),
        ("await producer.send_and_wait({a})", "await producer.send({a})", "consumer.subscribe({a})",
         "await producer.send_batch({a})", "AIOKafkaConsumer({a})"),
    ),
    Pack(
        "faust",
        ("import faust", "from faust import App, Record"),
        ("app = faust.App({a})", "topic = app.topic({a})", "app = App({a})"),
        ("await topic.send({a})", "await app.send({a})", "await topic.send_soon({a})", "await process.cast({a})",
         "await process.ask({a})", "app.topic({a})"),
        ("@app.agent({a})", "@app.agent()", "@app.timer({a})"),
        ("stream",),
    ),
    Pack(
        "faststream",
        ("from faststream.kafka import KafkaBroker, KafkaRouter", "from faststream.rabbit import RabbitBroker, RabbitQueue, RabbitExchange",
         "from faststream.nats import NatsBroker", "from faststream.redis import RedisBroker", "from faststream import FastStream"),
        ("broker = KafkaBroker({a})", "broker = RabbitBroker({a})", "broker = NatsBroker({a})", "broker = RedisBroker({a})",
         "router = KafkaRouter({a})", "publisher = broker.publisher({a})", "app = FastStream(broker)"),
        ("await broker.publish({a})", "await publisher.publish({a})", "broker.include_router(router)", "RabbitQueue({a})"),
        ("@broker.subscriber({a})", "@broker.publisher({a})", "@router.subscriber({a})", "@router.publisher({a})", "@publisher"),
        ("body",),
    ),
    Pack(
        "pika",
        ("import pika", "from pika import BlockingConnection, ConnectionParameters, BasicProperties"),
        ("connection = pika.BlockingConnection({a})", "channel = connection.channel()", "connection = BlockingConnection({a})",
         "properties = pika.BasicProperties({a})"),
        ("channel.basic_publish({a})", "channel.basic_consume({a})", "channel.queue_bind({a})", "channel.queue_declare({a})",
         "channel.exchange_declare({a})", "channel.start_consuming()", "for method, props, body in channel.consume({a}):\n    pass"),
        (),
        ("ch", "method", "properties", "body"),
    ),
    Pack(
        "aio-pika",
        ("import aio_pika", "from aio_pika import connect_robust, Message, ExchangeType"),
        ("connection = await aio_pika.connect_robust({a})", "channel = await connection.channel()",
         "exchange = await channel.declare_exchange({a})", "queue = await channel.declare_queue({a})",
         "exchange = await channel.get_exchange({a})"),
        ("await exchange.publish({a})", "await queue.bind({a})", "await queue.consume({a})",
         "await channel.default_exchange.publish({a})", "async with queue.iterator({a}) as it:\n    async for message in it:\n        pass"),
    ),
    Pack(
        "kombu",
        ("from kombu import Connection, Exchange, Queue, Producer, Consumer", "import kombu"),
        ("conn = Connection({a})", "exchange = Exchange({a})", "queue = Queue({a})", "producer = Producer({a})",
         "producer = conn.Producer({a})", "simple = conn.SimpleQueue({a})"),
        ("producer.publish({a})", "Consumer({a})", "conn.Consumer({a})", "simple.put({a})", "simple.get({a})",
         "with Consumer({a}) as c:\n    conn.drain_events()"),
        (),
        ("body", "message"),
    ),
    Pack(
        "nameko",
        ("from nameko.events import EventDispatcher, event_handler, BROADCAST", "from nameko.standalone.events import event_dispatcher"),
        ("dispatch = event_dispatcher({a})",),
        ("self.dispatch({a})", "dispatch({a})", "EventDispatcher()({a})"),
        ("@event_handler({a})",),
        ("self", "payload"),
        ("name = {v}", "dispatch = EventDispatcher()"),
    ),
    Pack(
        "boto3",
        ("import boto3", "from boto3 import client", "import boto3.session"),
        ("sns = boto3.client({a})", "sqs = boto3.client('sqs')", "events = boto3.client('events')", "sns = boto3.client('sns')",
         "topic = boto3.resource('sns').Topic({a})", "queue = boto3.resource('sqs').Queue({a})", "sqs = client({a})"),
        ("sns.publish({a})", "sqs.send_message({a})", "sqs.receive_message({a})", "events.put_events({a})",
         "sqs.send_message_batch({a})", "topic.publish({a})", "queue.send_message({a})", "queue.receive_messages({a})",
         "sns.publish_batch({a})"),
    ),
    Pack(
        "google-pubsub",
        ("from google.cloud import pubsub_v1", "from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient"),
        ("publisher = pubsub_v1.PublisherClient({a})", "subscriber = pubsub_v1.SubscriberClient({a})",
         "topic_path = publisher.topic_path({a})", "subscription = subscriber.subscription_path({a})", "publisher = PublisherClient()"),
        ("publisher.publish({a})", "subscriber.subscribe({a})", "subscriber.pull({a})", "future = publisher.publish({a})"),
    ),
    Pack(
        "redis",
        ("import redis", "import redis.asyncio as aioredis", "from redis import Redis"),
        ("r = redis.Redis({a})", "r = redis.from_url({a})", "r = Redis.from_url({a})", "pubsub = r.pubsub({a})",
         "pipe = r.pipeline({a})"),
        ("r.publish({a})", "pubsub.subscribe({a})", "pubsub.psubscribe({a})", "r.xadd({a})", "r.xreadgroup({a})",
         "pipe.publish({a})", "for item in pubsub.listen():\n    pass"),
    ),
    Pack(
        "nats",
        ("import nats", "from nats.aio.client import Client as NATS"),
        ("nc = await nats.connect({a})", "nc = NATS()", "js = nc.jetstream({a})"),
        ("await nc.publish({a})", "await nc.subscribe({a})", "await js.publish({a})", "await js.subscribe({a})",
         "await js.pull_subscribe({a})", "await nc.request({a})"),
        (),
        ("msg",),
    ),
    Pack(
        "dapr",
        ("from dapr.clients import DaprClient", "from dapr.ext.fastapi import DaprApp", "from dapr.ext.grpc import App"),
        ("client = DaprClient({a})", "dapr_app = DaprApp({a})", "grpc_app = App({a})"),
        ("client.publish_event({a})", "with DaprClient() as c:\n    c.publish_event({a})"),
        ("@dapr_app.subscribe({a})", "@grpc_app.subscribe({a})"),
        ("event",),
    ),
    Pack(
        "tomodachi",
        ("import tomodachi",),
        (),
        ("await tomodachi.aws_sns_sqs_publish({a})",),
        ("@tomodachi.aws_sns_sqs({a})", "@tomodachi.amqp({a})"),
        ("self", "data"),
        ("name = {v}",),
    ),
)

KEYWORDS = (
    "topic", "topics", "value", "key", "headers", "partition", "exchange", "routing_key", "body", "queue",
    "on_message_callback", "auto_ack", "properties", "subject", "cb", "data", "pubsub_name", "topic_name",
    "TopicArn", "Message", "MessageAttributes", "QueueUrl", "MessageBody", "Entries", "channel", "stream",
    "group_id", "enable_auto_commit", "dead_letter_queue", "dlq", "callback", "message", "payload", "event_type",
    "source_service", "handler_type", "arguments", "durable", "no_ack", "name", "stream_name", "id", "fields",
    "list_prefix", "retry", "partitions", "subscription", "request", "bootstrap_servers", "value_serializer",
)
NAMES = (
    "producer", "consumer", "channel", "topic", "TOPIC", "settings", "self", "cls", "app", "broker", "event",
    "message", "msg", "payload", "order", "os", "json", "publish", "send", "handler", "handle", "queue", "r",
    "sns", "sqs", "client", "kafka", "pika", "faust", "exchange", "routing", "ORDERS", "événement", "_", "__name__",
)
ATTRIBUTES = ("topics", "ORDERS", "value", "id", "name", "order_id", "channel", "publish", "send", "environ", "get", "format", "__class__")
WRAPPERS = ("functools.wraps(handler)", "staticmethod", "classmethod", "retry(times=3)", "log_calls", "property", "contextlib.contextmanager")


@functools.cache
def identifiers() -> st.SearchStrategy[str]:
    """Names: the framework vocabulary (to collide with real objects) or any identifier."""
    generated = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True).filter(lambda s: not keyword.iskeyword(s))
    return st.one_of(st.sampled_from(NAMES), generated)


@functools.cache
def literals() -> st.SearchStrategy[str]:
    """A literal of every kind Python has, as source text."""
    return st.one_of(
        st.text(max_size=20).map(repr),
        st.sampled_from(["'orders.placed'", "'OrderPlaced'", "'orders/placed'", "'*.placed'", "''", "'orders.{region}'", "'%s.placed'"]),
        st.binary(max_size=12).map(repr),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.sampled_from(["True", "False", "None", "...", "1j", "0x1F", "1_000", "1e308", "float('nan')", "r'\\d+'", "b''", "u'x'"]),
        st.sampled_from(["'a' 'b'", "'orders' '.placed'", "('orders.'\n    'placed')"]),
    )


def fstrings(names: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """f-strings with replacement fields (names, attribute chains, calls, numbers), conversions and format specs."""
    field_expr = st.one_of(names, dotted(names), dotted(names).map(lambda d: f"{d}()"), st.integers().map(str))
    part = st.one_of(
        st.sampled_from(["orders.", "placed", "-", "", "{{", "}}", "é", "\\n"]),
        st.tuples(field_expr, st.sampled_from(["", "!r", "!s", ":>10", "!r:^10", ":%Y", "=", ":{width}"])).map(lambda t: "{" + t[0] + t[1] + "}"),
    )
    return st.lists(part, max_size=4).map(lambda parts: "f'" + "".join(parts) + "'")


def dotted(names: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """An attribute chain such as `settings.topics.ORDERS`."""
    return st.tuples(names, st.lists(st.sampled_from(ATTRIBUTES), max_size=3)).map(lambda t: ".".join((t[0], *t[1])))


@functools.cache
def expressions() -> st.SearchStrategy[str]:
    """Any argument expression, recursively built (bounded depth)."""
    names = identifiers()
    base = st.one_of(literals(), names, dotted(names))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            fstrings(names),
            st.tuples(dotted(names), st.lists(inner, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
            st.lists(inner, max_size=3).map(lambda xs: f"[{', '.join(xs)}]"),
            st.lists(inner, max_size=3).map(lambda xs: f"({', '.join(xs)},)" if xs else "()"),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: "{" + ", ".join(xs) + "}"),
            st.lists(st.tuples(inner, inner), max_size=3).map(lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"),
            st.lists(st.tuples(st.sampled_from(KEYWORDS), inner), max_size=3, unique_by=lambda kv: kv[0]).map(lambda kv: "dict(" + ", ".join(f"{k}={v}" for k, v in kv) + ")"),
            st.tuples(inner, inner).map(lambda t: "{" + f"**({t[0]}), 'type': {t[1]}" + "}"),
            st.tuples(st.lists(names, max_size=3, unique=True), inner).map(lambda t: f"(lambda {', '.join(t[0])}: {t[1]})"),
            st.tuples(inner, st.sampled_from(["+", "%", "*", "or", "and", "if x else"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, inner).map(lambda t: f"'{{}}.{{}}'.format({t[0]}, {t[1]})"),
            st.tuples(inner, names, inner).map(lambda t: f"[{t[0]} for {t[1]} in {t[2]}]"),
            st.tuples(names, inner).map(lambda t: f"({t[0]} := {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"os.environ.get({t[0]}, {t[1]})"),
            inner.map(lambda e: f"json.dumps({e}).encode()"),
            inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f"-({e})"),
        )

    return st.recursive(base, extend, max_leaves=6)


@functools.cache
def arguments() -> st.SearchStrategy[str]:
    """An argument list: positional (some starred), then keywords (some `**`), in a valid order."""
    expr = expressions()
    positional = st.lists(st.one_of(expr, expr, expr.map(lambda e: f"*({e})")), max_size=4)
    keywords = st.lists(
        st.one_of(
            st.tuples(st.sampled_from(KEYWORDS), expr).map(lambda t: f"{t[0]}={t[1]}"),
            st.tuples(identifiers(), expr).map(lambda t: f"{t[0]}={t[1]}"),
            expr.map(lambda e: f"**({e})"),
        ),
        max_size=4,
        unique_by=lambda s: s.split("=", 1)[0] if "=" in s and not s.startswith("**") else s,
    )
    return st.tuples(positional, keywords).map(lambda t: ", ".join(t[0] + t[1]))


def is_async(template: str) -> bool:
    """Whether the code only parses inside a coroutine."""
    return "await " in template or "async " in template


def indent(block: str, depth: int = 1) -> str:
    pad = "    " * depth
    return "\n".join(pad + line if line.strip() else line for line in block.splitlines())


def fill(template: str, draw: st.DrawFn, args: st.SearchStrategy[str]) -> str:
    """The template with each `{a}` replaced by a fresh argument list, `{v}` by an expression."""
    out = template
    while "{a}" in out:
        out = out.replace("{a}", draw(args), 1)
    while "{v}" in out:
        out = out.replace("{v}", draw(expressions()), 1)
    return out


@st.composite
def framework_module(draw: st.DrawFn, packs: tuple[Pack, ...] = PACKS) -> str:
    """A module using one to three frameworks, their sites placed in every kind of scope."""
    chosen = draw(st.lists(st.sampled_from(packs), min_size=1, max_size=3, unique_by=lambda p: p.name))
    args = arguments()
    lines = ["import os", "import json", "import functools"]
    for pack in chosen:
        lines.extend(draw(st.lists(st.sampled_from(pack.imports), min_size=1, max_size=2, unique=True)))
    if draw(st.booleans()):
        lines.append(f"{draw(identifiers())} = {draw(expressions())}")
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        pack = draw(st.sampled_from(chosen))
        lines.append(draw(placement(pack, args)))
    return "\n".join(lines) + "\n"


@st.composite
def placement(draw: st.DrawFn, pack: Pack, args: st.SearchStrategy[str]) -> str:
    """One piece of code using `pack`: objects and calls in some scope, a handler, or a wrapper."""
    kind = draw(st.sampled_from(["statements", "handler", "wrapper", "class"]))
    if kind == "handler" and pack.decorators:
        return draw(handler(pack, args))
    if kind == "wrapper" and pack.calls:
        return draw(wrapper(pack, args))
    if kind == "class":
        return draw(service_class(pack, args))
    return draw(statements(pack, args))


@st.composite
def body(draw: st.DrawFn, pack: Pack, args: st.SearchStrategy[str], coroutine: bool) -> list[str]:
    """Object constructions and calls of `pack` (awaited ones only in a coroutine)."""
    templates = [t for t in pack.objects + pack.calls if coroutine or not is_async(t)]
    if not templates:
        return ["pass"]
    chosen = draw(st.lists(st.sampled_from(templates), min_size=1, max_size=4))
    return [fill(t, draw, args) for t in chosen]


@st.composite
def statements(draw: st.DrawFn, pack: Pack, args: st.SearchStrategy[str]) -> str:
    """Sites at module level, in a function, a coroutine, or a def nested in a def."""
    scope = draw(st.sampled_from(["module", "def", "async", "nested", "loop", "try"]))
    coroutine = scope in ("async", "nested")
    lines = draw(body(pack, args, coroutine and scope != "module"))
    block = "\n".join(lines)
    name = draw(identifiers())
    params = draw(parameters())
    if scope == "module":
        return block if not is_async(block) else f"async def {name}({params}):\n{indent(block)}"
    if scope == "def":
        return f"def {name}({params}):\n{indent(block)}"
    if scope == "async":
        return f"async def {name}({params}):\n{indent(block)}"
    if scope == "loop":
        return f"def {name}({params}):\n    while True:\n{indent(block, 2)}"
    if scope == "try":
        return f"def {name}({params}):\n    try:\n{indent(block, 2)}\n    except Exception as exc:\n        raise\n    finally:\n        pass"
    inner = draw(identifiers())
    return f"def {name}({params}):\n    async def {inner}():\n{indent(block, 2)}\n    return {inner}"


@st.composite
def parameters(draw: st.DrawFn) -> str:
    """A parameter list: plain, defaulted, `*args`, keyword-only, `**kwargs`."""
    names = draw(st.lists(identifiers(), max_size=4, unique=True))
    parts: list[str] = []
    for index, name in enumerate(names):
        if index == len(names) - 1 and draw(st.booleans()):
            parts.append(f"**{name}")
        elif index == 1 and draw(st.booleans()):
            parts.append(f"*{name}")
        elif parts and "=" in parts[-1] or draw(st.integers(0, 3)) == 0:
            parts.append(f"{name}={draw(literals())}")
        else:
            parts.append(name)
    return ", ".join(parts)


@st.composite
def handler(draw: st.DrawFn, pack: Pack, args: st.SearchStrategy[str]) -> str:
    """A handler registered by one or more of the pack's decorators, stacked with others."""
    decorators = draw(st.lists(st.one_of(st.sampled_from(pack.decorators), st.sampled_from(WRAPPERS).map(lambda w: "@" + w)), min_size=1, max_size=4))
    decorators = [fill(d, draw, args) for d in decorators]
    name = draw(identifiers())
    params = ", ".join(pack.handler_params) if draw(st.booleans()) else draw(parameters())
    coroutine = draw(st.booleans())
    inner = draw(handler_body(pack, args, coroutine))
    if draw(st.integers(0, 5)) == 0:  # a framework decorator on a class
        return "\n".join(decorators) + f"\nclass {name}({draw(identifiers())}):\n{indent(inner)}"
    head = "async def" if coroutine else "def"
    return "\n".join(decorators) + f"\n{head} {name}({params}):\n{indent(inner)}"


@st.composite
def handler_body(draw: st.DrawFn, pack: Pack, args: st.SearchStrategy[str], coroutine: bool) -> str:
    """What a handler does: read fields, publish, catch exceptions, loop over a stream."""
    lines = draw(st.lists(st.sampled_from([
        "order = json.loads(message.value)",
        "order_id = event['order_id']",
        "total = event.get('total', 0)",
        "if event.type == 'OrderPlaced':\n    return",
        "try:\n    charge(event.order_id)\nexcept Exception:\n    pass",
        "for item in event['items']:\n    reserve(item)",
        "async for event in stream:\n    print(event.id)",
        "return None",
        "yield event",
    ]), max_size=3))
    lines = [line for line in lines if coroutine or "async for" not in line]
    if draw(st.booleans()):
        lines.extend(draw(body(pack, args, coroutine)))
    return "\n".join(lines) or "pass"


@st.composite
def wrapper(draw: st.DrawFn, pack: Pack, args: st.SearchStrategy[str]) -> str:
    """A project function forwarding its parameters to a library call, maybe through a second wrapper, then called."""
    coroutine = draw(st.booleans())
    templates = [t for t in pack.calls if "\n" not in t and (coroutine or not is_async(t))]
    if not templates:
        return "pass"
    template = draw(st.sampled_from(templates))
    params = draw(st.lists(identifiers().filter(lambda n: n not in ("self", "cls")), min_size=1, max_size=3, unique=True))
    forwarded = ", ".join(
        draw(st.sampled_from([p, f"{p}={p}", f"*{p}", f"**{p}", f"f'orders.{{{p}}}'", f"{p}.encode()"])) for p in params
    )
    forwarded = _valid_order(forwarded.split(", "))
    call = template.replace("{a}", forwarded, 1)
    while "{a}" in call:
        call = call.replace("{a}", draw(args), 1)
    outer = draw(identifiers())
    head = "async def" if coroutine else "def"
    out = [f"{head} {outer}({', '.join(params)}):", indent(f"return {call}" if draw(st.booleans()) and "=" not in call.split("(")[0] else call)]
    callee = outer
    if draw(st.booleans()):
        second = draw(identifiers())
        out.append(f"{head} {second}(*args, **kwargs):\n    return {'await ' if coroutine else ''}{outer}(*args, **kwargs)")
        callee = second
    uses = draw(st.lists(args, min_size=1, max_size=3))
    prefix = "await " if coroutine else ""
    caller = "async def" if coroutine else "def"
    out.append(f"{caller} {draw(identifiers())}():\n" + "\n".join(f"    {prefix}{callee}({a})" for a in uses))
    return "\n".join(out)


def _valid_order(parts: list[str]) -> str:
    """Positional and `*x` first, then `k=v` and `**x`, so the call parses."""
    rest = [p for p in parts if "=" in p or p.startswith("**")]
    first = [p for p in parts if p not in rest]
    seen: set[str] = set()
    later = []
    for part in rest:
        key = part.split("=", 1)[0]
        if key not in seen:
            seen.add(key)
            later.append(part)
    return ", ".join(first + later)


@st.composite
def service_class(draw: st.DrawFn, pack: Pack, args: st.SearchStrategy[str]) -> str:
    """A class holding the pack's objects as attributes, with methods (and a nested class) using them."""
    name = draw(identifiers()).capitalize() or "Service"
    members = [fill(m, draw, args) for m in pack.in_class]
    members.extend(f"{draw(identifiers())} = {draw(expressions())}" for _ in range(draw(st.integers(0, 1))))
    objects = draw(st.lists(st.sampled_from(pack.objects), max_size=2)) if pack.objects else []
    init_lines = [fill(t, draw, args) for t in objects if not is_async(t)]
    init = ["def __init__(self):"] + [indent(f"self.{line}" if "=" in line.split("(")[0] else line) for line in init_lines] + ["    pass"]
    members.append("\n".join(init))
    if pack.decorators and draw(st.booleans()):
        members.append(draw(handler(pack, args)))
    coroutine = draw(st.booleans())
    method_body = [line.replace("producer.", "self.producer.").replace("channel.", "self.channel.") for line in draw(body(pack, args, coroutine))]
    head = "async def" if coroutine else "def"
    members.append(f"{head} {draw(identifiers())}(self, event):\n" + indent("\n".join(method_body)))
    if draw(st.booleans()):
        members.append(f"class {name}Inner:\n" + indent(draw(statements(pack, args))))
    return f"class {name}({draw(st.sampled_from(['', 'object', 'Base', 'tomodachi.Service']))}):\n" + indent("\n\n".join(members))
