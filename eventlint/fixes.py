"""Fixes: the edits that make a finding go away, offered only where their shape is unambiguous.

A fix is `safe` when it keeps what the program does (documenting a consumer the
code shows), `unsafe` when it may change it or lose information a person put
there (removing a consumer that may live in another repository). `--fix` applies
the safe ones, `--unsafe-fixes` both (ruff's split).

Catalog fixes (EDA205, EDA206) are line-level edits of the YAML, so comments,
key order and layout survive byte for byte: every proposed edit is applied in
memory and the file re-read with safe YAML; unless the result differs from the
original only in that one event's `consumers`, the fix is not offered.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dataclasses import dataclass, field

import yaml

from eventlint.catalog import EventSpec
from eventlint.facts import Diagnostic, Edit, Fix
from eventlint.routes import Flow
from eventlint.rules.base import Example, Rule, RuleContext, coerce_options
from eventlint.rules.flow import CorrelationIdDropped, CorrelationNames, calls_by_site

SAFE, UNSAFE = "safe", "unsafe"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")
_FLOW_LIST = re.compile(r"(?P<key>consumers\s*:\s*)\[(?P<items>[^\[\]{}#'\"]*)\]")


@dataclass(frozen=True)
class FixExample:
    """A project with one finding of `code` (`before`), and its files once the fix is applied (`after`, dedented)."""

    code: str
    before: Example
    after: dict[str, str] = field(default_factory=dict)
    applicability: str = SAFE


_MARKETING = """
from nameko.events import event_handler

class MarketingService:
    name = "marketing"

    @event_handler("orders", "order_placed")
    def send_coupon(self, payload):
        pass
"""
_PAYMENTS = _MARKETING.replace("MarketingService", "PaymentsService").replace('"marketing"', '"payments"').replace("send_coupon", "charge")


# billing.gateway, as the EDA402 examples have it
_GATEWAY = {"billing/__init__.py": "", "billing/gateway.py": "def charge_card(customer, amount):\n    return customer, amount\n"}


def _catalog(events: str, services: str = "marketing: [app.py]") -> str:
    return f"services:\n  {services}\nevents:\n{events}"


_FAUST = """
import faust

app = faust.App("fulfillment")
shipments = app.topic("fulfillment.shipments")

async def schedule(order):
    await shipments.send(value={"order_id": order.order_id, "lines": order.lines})
"""

_PIKA = """
import json

import pika
import requests


def on_shipment(channel, method, properties, body):
    shipment = json.loads(body)
    requests.post("https://carrier.internal/pickups", json=shipment)


connection = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq"))
channel = connection.channel()
channel.queue_declare(queue="shipments", durable=True, arguments={"x-dead-letter-exchange": "shipments.dlx"})
channel.basic_consume(queue="shipments", on_message_callback=on_shipment, auto_ack=True)
channel.start_consuming()
"""

_AIO_PIKA = """
import asyncio

import aio_pika
import httpx


async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    httpx.post("https://carrier.internal/shipments", content=message.body)


async def main() -> None:
    connection = await aio_pika.connect_robust("amqp://guest:guest@rabbitmq/")
    channel = await connection.channel()
    queue = await channel.declare_queue("shipments", durable=True, arguments={"x-dead-letter-exchange": "shipments.dlx"})
    await queue.consume(on_message, no_ack=True)
    await asyncio.Future()
"""

_KAFKA_LOOP = """
import json

from kafka import KafkaConsumer

from billing.gateway import charge_card


def on_order(order):
    if order["total"] == 0:
        return  # nothing to charge
    charge_card(order["customer_id"], order["total"])


def run():
    consumer = KafkaConsumer(
        "orders.placed",
        bootstrap_servers="kafka:9092",
        group_id="billing",
        value_deserializer=json.loads,
    )
    try:
        for message in consumer:
            on_order(message.value)
    finally:
        consumer.close()
"""

_AIOKAFKA_LOOP = """
import json

from aiokafka import AIOKafkaConsumer

from billing.gateway import charge_card


def on_order(order):
    charge_card(order["customer_id"], order["total"])


async def consume():
    consumer = AIOKafkaConsumer("orders.placed", bootstrap_servers="kafka:9092", group_id="billing", enable_auto_commit=True)
    await consumer.start()
    try:
        async for msg in consumer:
            on_order(json.loads(msg.value))
    finally:
        await consumer.stop()
"""

_FRESH_ID = """
import json
import uuid

from kafka import KafkaConsumer, KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092", value_serializer=lambda v: json.dumps(v).encode())


def on_order(event):
    producer.send("payments.requested", {"order_id": event["order_id"], "correlation_id": str(uuid.uuid4())})
"""
_FRESH_LOOP = """

for message in KafkaConsumer("orders.placed", group_id="payments", value_deserializer=json.loads):
    on_order(message.value)
"""
_CHECKOUT = """
import uuid

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")


def place_order(order_id):
    producer.send("orders.placed", {"order_id": order_id, "correlation_id": str(uuid.uuid4())})
"""

_FASTSTREAM = """
from faststream import Context
from faststream.kafka import KafkaBroker

broker = KafkaBroker("kafka:9092")
captured = broker.publisher("payments.captured")


@broker.subscriber("orders.placed", group_id="payments")
async def charge(order: dict, correlation_id: str = Context("message.correlation_id")) -> None:
    await captured.publish({"order_id": order["order_id"]}, correlation_id="")
"""

# The before/after pairs the test suite applies and re-checks (tests/test_fixes.py); docs/fixes.md shows them.
EXAMPLES = [
    FixExample(
        "EDA205",
        Example(_MARKETING, config=_catalog("  order_placed:\n    owner: orders\n    consumers: [payments]   # ask them first\n")),
        {"eventlint.yaml": _catalog("  order_placed:\n    owner: orders\n    consumers: [payments, marketing]   # ask them first\n")},
    ),
    FixExample(
        "EDA205",
        Example(_MARKETING, config=_catalog("  order_placed:\n    owner: orders\n    consumers:\n      - payments\n    description: An order.\n")),
        {"eventlint.yaml": _catalog("  order_placed:\n    owner: orders\n    consumers:\n      - payments\n      - marketing\n    description: An order.\n")},
    ),
    FixExample(
        "EDA205",
        Example(_MARKETING, config=_catalog("  order_placed:\n    owner: orders\n    channel: orders.order_placed\n# the end\n")),
        {"eventlint.yaml": _catalog("  order_placed:\n    owner: orders\n    channel: orders.order_placed\n    consumers: [marketing]\n# the end\n")},
    ),
    FixExample(
        "EDA205",
        Example(_MARKETING, config=_catalog("  order_placed: {owner: orders, channel: orders.order_placed}\n")),
        {"eventlint.yaml": _catalog("  order_placed: {owner: orders, channel: orders.order_placed, consumers: [marketing]}\n")},
    ),
    FixExample(
        "EDA206",
        Example(
            _PAYMENTS,
            files={"loyalty.py": "POINTS = 10\n"},
            config=_catalog("  order_placed: {owner: orders, consumers: [payments, loyalty]}\n", "payments: [app.py]\n  loyalty: [loyalty.py]"),
        ),
        {"eventlint.yaml": _catalog("  order_placed: {owner: orders, consumers: [payments]}\n", "payments: [app.py]\n  loyalty: [loyalty.py]")},
    ),
    FixExample(
        "EDA206",
        Example(_PAYMENTS, config=_catalog("  order_placed:\n    owner: orders\n    consumers:\n      - payments\n      - loyalty  # billing's\n", "payments: [app.py]")),
        {"eventlint.yaml": _catalog("  order_placed:\n    owner: orders\n    consumers:\n      - payments\n", "payments: [app.py]")},
        applicability=UNSAFE,  # `loyalty` is no service here: it may consume from another repository
    ),
    FixExample(
        "EDA301",
        Example(_FAUST, config="events:\n  ShipmentScheduled:\n    owner: fulfillment\n    key: order_id\n    channel: fulfillment.shipments\n"),
        {"app.py": _FAUST.replace('order.lines})', 'order.lines}, key=order.order_id)').lstrip("\n")},
        applicability=UNSAFE,  # the key's type must suit the producer's key serializer
    ),
    # EDA402 and EDA103 change what the program does at run time: unsafe
    FixExample(
        "EDA402",
        Example(_PIKA),
        {"app.py": _PIKA.replace(
            "    requests.post(\"https://carrier.internal/pickups\", json=shipment)\n",
            "    requests.post(\"https://carrier.internal/pickups\", json=shipment)\n    channel.basic_ack(delivery_tag=method.delivery_tag)\n",
        ).replace("auto_ack=True", "auto_ack=False").lstrip("\n")},
        applicability=UNSAFE,
    ),
    FixExample(
        "EDA402",
        Example(_AIO_PIKA),
        {"app.py": _AIO_PIKA.replace("content=message.body)\n", "content=message.body)\n    await message.ack()\n").replace("no_ack=True", "no_ack=False").lstrip("\n")},
        applicability=UNSAFE,
    ),
    FixExample(
        "EDA402",
        Example(_KAFKA_LOOP, files=_GATEWAY),
        {"app.py": _KAFKA_LOOP.replace(
            "        value_deserializer=json.loads,\n", "        value_deserializer=json.loads,\n        enable_auto_commit=False,\n"
        ).replace("            on_order(message.value)\n", "            on_order(message.value)\n            consumer.commit()\n").lstrip("\n")},
        applicability=UNSAFE,
    ),
    FixExample(
        "EDA402",
        Example(_AIOKAFKA_LOOP, files=_GATEWAY),
        {"app.py": _AIOKAFKA_LOOP.replace("enable_auto_commit=True", "enable_auto_commit=False").replace(
            "            on_order(json.loads(msg.value))\n", "            on_order(json.loads(msg.value))\n            await consumer.commit()\n"
        ).lstrip("\n")},
        applicability=UNSAFE,
    ),
    FixExample(
        "EDA103",
        Example(_FRESH_ID + _FRESH_LOOP, files={"checkout.py": _CHECKOUT}),
        {"app.py": (_FRESH_ID + _FRESH_LOOP).replace('"correlation_id": str(uuid.uuid4())', '"correlation_id": event["correlation_id"]').lstrip("\n")},
        applicability=UNSAFE,
    ),
    FixExample(
        "EDA103",
        Example(_FASTSTREAM),
        {"app.py": _FASTSTREAM.replace('correlation_id="")', "correlation_id=correlation_id)").lstrip("\n")},
        applicability=UNSAFE,
    ),
]


def _edits() -> Any:
    """The libcst rewrites, imported only when a finding has a fix to compute (the IR is built without libcst)."""
    from eventlint.extract import fixes as edits

    return edits


def attach(diagnostics: Iterable[Diagnostic], ctx: RuleContext, overlay: Mapping[str, bytes] | None = None) -> list[Diagnostic]:
    """The findings, each with the fix it can be given (if any); `overlay` (absolute path -> content) is read
    instead of those files (an editor's unsaved buffers), so the edits fit what the analysis saw."""
    texts: dict[str, str | None] = {}
    for path, data in (overlay or {}).items():
        try:
            texts[path] = data.decode("utf-8")
        except UnicodeDecodeError:
            texts[path] = None
    out = []
    for d in diagnostics:
        fix = _propose(d, ctx, texts) if d.fix is None else d.fix
        out.append(dataclasses.replace(d, fix=fix) if fix is not None else d)
    return out


def _propose(d: Diagnostic, ctx: RuleContext, texts: dict[str, str | None]) -> Fix | None:
    if d.code == "EDA205" and d.service and d.event:
        spec = ctx.catalog.events.get(d.event)
        if spec is None:
            return None
        return _consumers_fix(spec, ctx, texts, add=d.service, applicability=SAFE, message=f"Add `{d.service}` to `events.{spec.name}.consumers`")
    if d.code == "EDA206" and d.service and d.event:
        spec = ctx.catalog.events.get(d.event)
        if spec is None:
            return None
        # a name that is no service here may be another repository's consumer: removing it loses what a person wrote
        ours = any(s.name == d.service for s in ctx.facts.services)
        return _consumers_fix(
            spec, ctx, texts, remove=d.service, applicability=SAFE if ours else UNSAFE,
            message=f"Remove `{d.service}` from `events.{spec.name}.consumers`",
        )
    if d.code == "EDA301":
        return _key_fix(d, ctx, texts)
    if d.code == "EDA402":
        return _ack_fix(d, ctx, texts)
    if d.code == "EDA103":
        return _correlation_fix(d, ctx, texts)
    return None


def _source(ctx: RuleContext, path: str, texts: dict[str, str | None]) -> str | None:
    """A project file's text, read once per run (or the editor's unsaved buffer of it)."""
    full = str(Path(ctx.facts.root) / path)
    if full not in texts:
        try:
            texts[full] = Path(full).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            texts[full] = None
    return texts[full]


def _options(rule: type[Rule], ctx: RuleContext) -> Any:
    rules = ctx.config.raw.get("rules") if isinstance(ctx.config.raw, dict) else None
    configured = (rules or {}).get("options") or {} if isinstance(rules, dict) else {}
    options, _ = coerce_options(rule, configured.get(rule.code, {}) if isinstance(configured, dict) else {})
    return options


# -- EDA402: acknowledge after the handler -------------------------------------------------------


@dataclass(frozen=True)
class AckAfterCallback:
    """A framework whose consuming call names a callback: turn `keyword=True` off, acknowledge at the callback's end."""

    method: str  # the consuming call's method
    keyword: str  # the automatic acknowledgement's keyword
    callback_keyword: str
    callback_position: int
    params: int  # the callback's positional parameters
    is_async: bool
    statement: str  # the acknowledgement, `{0}`, `{1}` the callback's parameters
    settles: tuple[str, ...]  # methods that acknowledge or reject already: the callback settles the message itself


@dataclass(frozen=True)
class CommitAfterLoop:
    """A framework whose consumer is iterated: turn `keyword` off, commit at the end of the loop's body."""

    keyword: str
    is_async: bool
    statement: str  # `{0}` the consumer's name
    settles: tuple[str, ...]


# The shapes the EDA402 fix knows, by framework (the APIs: pika's `basic_consume(queue, on_message_callback,
# auto_ack=False)` and `basic_ack(delivery_tag=...)`, aio-pika's `queue.consume(callback, no_ack=False)` and
# `await message.ack()`, kafka-python's / aiokafka's `enable_auto_commit` and `commit()`).
ACK_AFTER: dict[str, AckAfterCallback | CommitAfterLoop] = {
    "pika": AckAfterCallback(
        "basic_consume", "auto_ack", "on_message_callback", 1, 4, False,
        "{0}.basic_ack(delivery_tag={1}.delivery_tag)", ("basic_ack", "basic_nack", "basic_reject"),
    ),
    "aio-pika": AckAfterCallback("consume", "no_ack", "callback", 0, 1, True, "await {0}.ack()", ("ack", "nack", "reject", "process")),
    "kafka-python": CommitAfterLoop("enable_auto_commit", False, "{0}.commit()", ("commit", "commit_async")),
    "aiokafka": CommitAfterLoop("enable_auto_commit", True, "await {0}.commit()", ("commit",)),
}


# what a subscription's `ack` says when the library acknowledges or commits for the code (docs/facts.md);
# `auto` is what a pack that does not say when writes
AUTOMATIC_ACKS = ("on-delivery", "auto-commit", "auto")


def _ack_fix(d: Diagnostic, ctx: RuleContext, texts: dict[str, str | None]) -> Fix | None:
    """Automatic acknowledgement off, and an acknowledgement (or commit) after the handler's work; unsafe, as a
    message whose handler raises is now redelivered (or left unacknowledged) instead of lost."""
    subs = [s for s in ctx.facts.subscribers if (s.path, s.line, s.column) == (d.path, d.line, d.column) and s.ack in AUTOMATIC_ACKS and not s.via]
    if not subs or len({(s.framework, s.handler) for s in subs}) != 1 or not subs[0].handler:
        return None
    sub = subs[0]
    shape = ACK_AFTER.get(sub.framework)
    source = _source(ctx, d.path, texts) if shape is not None else None
    if shape is None or source is None:
        return None
    if isinstance(shape, AckAfterCallback):
        handler = ctx.handlers_by_name.get(sub.handler)
        if handler is None or handler.path != d.path:
            return None
        found = _edits().ack_after_callback(
            source, d.line, d.column, shape.method, shape.keyword, shape.callback_keyword, shape.callback_position,
            sub.handler.rsplit(".", 1)[-1], shape.params, shape.is_async, shape.statement, shape.settles,
        )
        message = f"Set `{shape.keyword}=False` and acknowledge at the end of `{sub.handler.rsplit('.', 1)[-1]}`"
        if not any(s.dead_letter for s in subs):
            # EDA501 stands back while messages are acknowledged on delivery (EDA402's message says no dead-letter
            # destination can receive them); once they are not, it reports the missing path
            message += " (then declare a dead-letter exchange: EDA501)"
    else:
        found = _edits().commit_after_loop(source, d.line, d.column, shape.keyword, shape.is_async, shape.statement, shape.settles)
        message = f"Set `{shape.keyword}=False` and commit at the end of the consuming loop"
    if found is None:
        return None
    return Fix(UNSAFE, message, tuple(Edit(d.path, *edit) for edit in found))


# -- EDA103: pass the incoming correlation id on ---------------------------------------------------


def _correlation_fix(d: Diagnostic, ctx: RuleContext, texts: dict[str, str | None]) -> Fix | None:
    """The empty or fresh correlation id a handler publishes replaced by the one it consumed; unsafe, as the
    published value changes (and reading a field the message lacks may fail)."""
    call = calls_by_site(ctx.facts.handlers).get((d.path, d.line, d.column))
    handler = ctx.handlers_by_name.get(call.function) if call is not None else None
    if call is None or not call.placeholders or handler is None or handler.role != "handler" or handler.path != d.path:
        return None
    names = CorrelationNames(_options(CorrelationIdDropped, ctx).correlation_names)
    source = _source(ctx, d.path, texts)
    if source is None:
        return None
    found = _edits().propagate_correlation(
        source, d.line, d.column, handler.name.rsplit(".", 1)[-1], names.__contains__,
        lambda a, b: b in CorrelationNames([a]), _upstream_field(handler, ctx, names),
    )
    if found is None:
        return None
    edit, incoming = found
    return Fix(UNSAFE, f"Pass on the incoming correlation id (`{incoming}`)", (Edit(d.path, *edit),))


def _upstream_field(handler: Any, ctx: RuleContext, names: CorrelationNames) -> str | None:
    """The one payload field that carries a correlation id in every publication reaching the handler, if there is one."""
    subscriptions = ctx.subscriptions_of.get(handler.name, [])
    if not subscriptions:
        return None
    flow = Flow(ctx.facts, ctx.catalog, identity=ctx.identity)
    fields: set[str] = set()
    for publication in ctx.facts.publishers:
        if any(flow.reaches(publication, s) for s in subscriptions):
            carried = names.among(publication.payload_fields)
            if len(carried) != 1:
                return None
            fields.add(carried[0])
    return fields.pop() if len(fields) == 1 else None


# -- EDA301: pass the declared key ---------------------------------------------------------------

_KEYED = ("kafka-python", "confluent-kafka", "aiokafka", "faust")


def _key_fix(d: Diagnostic, ctx: RuleContext, texts: dict[str, str | None]) -> Fix | None:
    """`key=<the payload's value of the declared key>` on a direct Kafka call; unsafe, as the key's type
    must suit the producer's key serializer (kafka-python without one wants bytes)."""
    sites = [p for p in ctx.facts.publishers if (p.path, p.line, p.column) == (d.path, d.line, d.column) and not p.via]
    if len(sites) != 1 or sites[0].framework not in _KEYED or sites[0].key:
        return None
    site = sites[0]
    # the event the finding names, else the one catalogued on the site's channel
    specs = [ctx.catalog.events[d.event]] if d.event in ctx.catalog.events else [
        e for e in ctx.catalog.events.values() if site.channel is not None and e.channel == site.channel
    ]
    if len(specs) != 1 or not specs[0].key or not specs[0].key.isidentifier():
        return None
    spec = specs[0]
    source = _source(ctx, d.path, texts)
    if source is None:
        return None
    found = _edits().add_key_argument(source, d.line, d.column, site.framework, spec.key)
    if found is None:
        return None
    line, column, text = found
    return Fix(UNSAFE, f"Pass `{spec.key}` as the key", (Edit(d.path, line, column, line, column, text),))


# -- catalog edits --------------------------------------------------------------------------


def _consumers_fix(
    spec: EventSpec,
    ctx: RuleContext,
    texts: dict[str, str | None],
    applicability: str,
    message: str,
    add: str | None = None,
    remove: str | None = None,
) -> Fix | None:
    name = add or remove
    if name is None or not _NAME.match(name):
        return None
    source = os.path.abspath(spec.source)
    if not source.endswith((".yaml", ".yml")):
        return None
    if source not in texts:
        try:
            texts[source] = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            texts[source] = None
    text = texts[source]
    if text is None:
        return None
    lines = text.splitlines(keepends=True)
    edit = _consumers_edit(lines, spec.line, add=add, remove=remove)
    if edit is None:
        return None
    line, column, end_line, end_column, content = edit
    root = os.path.abspath(ctx.facts.root)
    path = os.path.relpath(source, root).replace(os.sep, "/") if source.startswith(root + os.sep) else source
    proposed = Edit(path, line, column, end_line, end_column, content)
    if not _only_consumers_changed(text, apply_edits(text, [proposed]), spec.name, add=add, remove=remove):
        return None
    return Fix(applicability, message, (proposed,))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _significant(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _consumers_edit(lines: list[str], key_line: int, add: str | None, remove: str | None) -> tuple[int, int, int, int, str] | None:
    """(line, column, end_line, end_column, content) of the edit, or None when the shape is not one we edit."""
    if not 1 <= key_line <= len(lines):
        return None
    head = lines[key_line - 1]
    if "\t" in head:
        return None
    base = _indent(head)
    body = head.split(":", 1)[1] if ":" in head else ""
    if body.strip().startswith("{"):
        return _flow_mapping_edit(head, key_line, add, remove)
    if body.strip() and not body.strip().startswith("#"):
        return None  # `Name: something` on one line that is neither a block nor a flow mapping
    # the event's block: the lines below it indented deeper
    block: list[int] = []
    for number in range(key_line + 1, len(lines) + 1):
        text = lines[number - 1]
        if not _significant(text):
            continue
        if "\t" in text[: _indent(text) + 1]:
            return None
        if _indent(text) <= base:
            break
        block.append(number)
    if not block:
        return None
    child = _indent(lines[block[0] - 1])
    keys = [n for n in block if _indent(lines[n - 1]) == child]
    found = [n for n in keys if re.match(r"consumers\s*:", lines[n - 1].strip())]
    if not found:
        if add is None:
            return None
        last = block[-1]
        # after the event's last line (which ends with a newline unless the file does not)
        if lines[last - 1].endswith("\n"):
            return (last + 1, 1, last + 1, 1, f"{' ' * child}consumers: [{add}]\n")
        end = len(lines[last - 1]) + 1
        return (last, end, last, end, f"\n{' ' * child}consumers: [{add}]")
    number = found[0]
    text = lines[number - 1]
    match = _FLOW_LIST.search(text)
    if match is not None:
        return _flow_list_edit(number, match, add, remove)
    after = text.split(":", 1)[1].strip()
    if after and not after.startswith("#"):
        return None
    sequence: list[int] = []
    for n in (n for n in block if n > number):
        stripped = lines[n - 1].strip()
        if _indent(lines[n - 1]) == child and not stripped.startswith("-"):
            break
        if not stripped.startswith("- "):
            return None
        sequence.append(n)
    if not sequence:
        return None
    names = [lines[n - 1].strip()[2:].split("#", 1)[0].strip() for n in sequence]
    if not all(_NAME.match(v) for v in names):
        return None
    if add is not None:
        last = sequence[-1]
        prefix = lines[last - 1][: lines[last - 1].index("-")]
        ending = "" if lines[last - 1].endswith("\n") else "\n"
        if ending:
            return (last, len(lines[last - 1]) + 1, last, len(lines[last - 1]) + 1, f"\n{prefix}- {add}")
        return (last + 1, 1, last + 1, 1, f"{prefix}- {add}\n")
    if names.count(remove) != 1 or len(names) == 1:
        return None  # emptying the list changes its type (null); leave that to a person
    n = sequence[names.index(remove)]
    return (n, 1, n + 1, 1, "")


def _flow_list_edit(number: int, match: re.Match[str], add: str | None, remove: str | None) -> tuple[int, int, int, int, str] | None:
    raw = match.group("items")
    names = [item.strip() for item in raw.split(",")] if raw.strip() else []
    if not all(_NAME.match(item) for item in names):
        return None
    if add is not None:
        if add in names:
            return None
        names.append(add)
    else:
        if names.count(remove) != 1:
            return None
        names.remove(remove)
    start, end = match.start("items"), match.end("items")
    return (number, start + 1, number, end + 1, ", ".join(names))


def _flow_mapping_edit(head: str, number: int, add: str | None, remove: str | None) -> tuple[int, int, int, int, str] | None:
    value = head.split(":", 1)[1]
    if value.count("{") != 1 or value.count("}") != 1 or "'" in value or '"' in value:
        return None
    match = _FLOW_LIST.search(head)
    if match is not None:
        return _flow_list_edit(number, match, add, remove)
    if add is None:
        return None
    close = head.index("}")
    inner = head[head.index("{") + 1 : close]
    separator = ", " if inner.strip() else ""
    return (number, close + 1, number, close + 1, f"{separator}consumers: [{add}]")


def _only_consumers_changed(before: str, after: str, event: str, add: str | None, remove: str | None) -> bool:
    try:
        old, new = yaml.safe_load(before), yaml.safe_load(after)
    except yaml.YAMLError:
        return False
    events_old, events_new = _events(old), _events(new)
    if events_old is None or events_new is None or event not in events_old or event not in events_new:
        return False
    was, now = dict(events_old[event]), dict(events_new[event])
    consumers_old, consumers_new = list(was.pop("consumers", None) or []), list(now.pop("consumers", None) or [])
    expected = consumers_old + [add] if add is not None else [c for c in consumers_old if c != remove]
    if consumers_new != expected or was != now:
        return False
    rest_old = {k: v for k, v in events_old.items() if k != event}
    rest_new = {k: v for k, v in events_new.items() if k != event}
    if rest_old != rest_new:
        return False
    # everything outside the catalog is untouched too
    return _without_events(old) == _without_events(new)


def _events(document: object) -> dict | None:
    if not isinstance(document, dict):
        return None
    events = document.get("events", document)
    if not isinstance(events, dict) or not all(isinstance(v, dict) for v in events.values()):
        return None
    return events


def _without_events(document: object) -> object:
    return {k: v for k, v in document.items() if k != "events"} if isinstance(document, dict) and "events" in document else None


# -- applying ---------------------------------------------------------------------------------


def _offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(text) for text in lines[: line - 1]) + column - 1


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """`text` with `edits` (of one file, not overlapping) applied."""
    lines = text.splitlines(keepends=True)
    spans = sorted(((_offset(lines, e.line, e.column), _offset(lines, e.end_line, e.end_column), e.content) for e in edits), reverse=True)
    for start, end, content in spans:
        text = text[:start] + content + text[end:]
    return text


def select(diagnostics: Iterable[Diagnostic], unsafe: bool) -> list[Fix]:
    """The fixes to apply: safe ones, and unsafe ones too when asked."""
    return [d.fix for d in diagnostics if d.fix is not None and (unsafe or d.fix.applicability == SAFE)]


def plan(fixes: Sequence[Fix], read: dict[str, str]) -> tuple[dict[str, str], int]:
    """The new text of each file, applying whole fixes whose edits do not overlap an earlier one's (ruff's rule).

    `read` maps each edit's path to the file's current text. Returns the changed
    texts and how many fixes went in; the rest wait for the next round.
    """
    taken: dict[str, list[tuple[int, int]]] = {}
    chosen: dict[str, list[Edit]] = {}
    applied = 0
    for fix in fixes:
        spans = []
        for e in fix.edits:
            if e.path not in read:
                break
            lines = read[e.path].splitlines(keepends=True)
            spans.append((e.path, _offset(lines, e.line, e.column), _offset(lines, e.end_line, e.end_column)))
        else:
            if any(not (end <= s or start >= t) or (start == end == s) for path, start, end in spans for s, t in taken.get(path, [])):
                continue
            for (path, start, end), e in zip(spans, fix.edits):
                taken.setdefault(path, []).append((start, end))
                chosen.setdefault(path, []).append(e)
            applied += 1
    return {path: apply_edits(read[path], edits) for path, edits in chosen.items()}, applied


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"))
