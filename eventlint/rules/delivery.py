"""Rules of the delivery family (EDA4xx): at-least-once delivery meets the handler."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from eventlint.facts import Diagnostic, Handler, HandlerCall, Publication, Subscription
from eventlint.rules.base import (
    Example,
    HandlerRule,
    Rule,
    RuleContext,
    Severity,
    matches,
)
from eventlint.rules import knowledge
from eventlint.rules.inert import INERT_CALLS, Inert, callers_of  # calls that change nothing outside the process (EDA402, EDA403)
from eventlint.rules.handler_queries import (
    chain,
    named,
    reaching_call,
    TRANSIENT_QUEUES,
    short,
    shown_channel,
    transient_queue,
    with_literal,
)

_KNOWN = knowledge.load()
PAYMENTS = _KNOWN.effects["payments"]
DB_WRITES = _KNOWN.effects["db-writes"]
SQL_EXECUTE = ("*.execute", "*.executemany", "*.exec_driver_sql")
SQL_WRITE = r"\b(insert\s+into|update\s+\w+\s+set)\b"
HTTP_WRITES = _KNOWN.effects["http-writes"]
MESSAGES = _KNOWN.effects["messages"]
BEST_EFFORT = knowledge.failure_handling().best_effort  # notifications a team commonly accepts to lose (EDA402)
STORAGE_WRITES = _KNOWN.effects["storage-writes"]
# calls an effects glob matches by method name that only write a local file (Pillow's Image.save): never an effect
LOCAL_WRITES = _KNOWN.local_writes
# reads that return None (or an empty result) when the record is not there: SQLAlchemy/SQLModel, Django, pymongo,
# DB-API cursors, DynamoDB
LOOKUP_CALLS = (
    "*.first",
    "*.one_or_none",
    "*.scalar_one_or_none",
    "*.scalar",
    "*session.get",
    "*Session.get",
    "*.find_one",
    "*.fetchone",
    "*.exists",
    "*.get_item",
)
RELEASE_CALLS = ("*.delete", "*.delete_item", "*.delete_one", "*.srem", "*.hdel", "*release*", "*unmark*", "*.rollback")


# an in-house bus (extract/inhouse.py recognises it by its shape) and the event its handlers are registered for
_BUS = {
    "shop/__init__.py": "",
    "shop/events.py": "class OrderPlaced:\n    def __init__(self, order_id):\n        self.order_id = order_id\n",
    "shop/bus.py": (
        "class MessageBus:\n    def __init__(self, handlers):\n        self.handlers = handlers\n\n"
        "    def handle(self, event):\n        for handler in self.handlers[type(event)]:\n            handler(event)\n"
    ),
}
_BUS_HANDLERS = "from kafka import KafkaProducer\n\nfrom shop.events import OrderPlaced\n\n\n{handler}\n\nHANDLERS = {{OrderPlaced: [announce]}}\n"
# a cosmicpython-style bus: `HANDLERS = {Event: [handler, ...]}` handed to a MessageBus, run in the caller's stack
_PAYMENT_BUS = {
    "shop/__init__.py": "",
    "shop/events.py": "class OrderPlaced:\n    def __init__(self, customer_id, total):\n        self.customer_id = customer_id\n        self.total = total\n",
    "shop/bus.py": _BUS["shop/bus.py"],
    "billing/__init__.py": "",
    "billing/gateway.py": "def charge_card(customer, amount):\n    return customer, amount\n",
}
_PAYMENT_HANDLERS = """
    from billing.gateway import charge_card
    from shop.events import OrderPlaced

    def charge(event):
        charge_card(event.customer_id, event.total){expect}

    HANDLERS = {{OrderPlaced: [charge]}}
    """
# project files the examples import
_SHOP_MODELS = {
    "shop/__init__.py": "",
    "shop/models.py": "from django.db import models\n\n\nclass Order(models.Model):\n    paid_total = models.IntegerField(default=0)\n"
    "    shipped = models.BooleanField(default=False)\n    shipped_at = models.DateTimeField(null=True)\n",
}


class NonIdempotentHandler(HandlerRule):
    """Checks for handlers whose side effects repeat when a message is redelivered.

    ## What it does
    Follows each handler into the project functions it calls (five levels) and
    looks for a side effect that is not idempotent when nothing in the handler
    shows the message was deduplicated. What counts is data, in
    `rules/knowledge/side-effects.yaml` (the defaults of the options below):

    - money: Stripe (resources and `StripeClient` services), Adyen checkout,
      Braintree `transaction.sale`, PayPal payments and order captures;
    - database writes: SQLAlchemy sessions sync and async (`add`, `merge`,
      bulk writes), Django `save` / `objects.create` / `bulk_*`, SQL `INSERT`,
      `UPDATE`, `UPSERT`, `MERGE` through `execute` (DB-API, psycopg, sqlite3,
      asyncpg `execute`/`fetchrow`/`fetchval`), DynamoDB `put_item` /
      `update_item` / batch writes, MongoDB inserts and updates, Redis counters;
    - state-changing HTTP: `POST`/`PUT`/`PATCH` with requests, httpx and aiohttp,
      module-level or on a `Session` / `Client` / `AsyncClient` /
      `ClientSession` (with a `base_url` or not), and `.request("POST", ...)`;
    - messages to people: smtplib, SES, SNS `publish(PhoneNumber=...)`, Twilio,
      SendGrid, Firebase Cloud Messaging, APNs;
    - object storage: S3 `put_object` / uploads, GCS `upload_from_*`.

    Calls are recognised through the object they are made on: a client made at
    module level or in a function (`client = httpx.AsyncClient(...)`), kept on
    `self` in any method, handed in as an annotated parameter
    (`session: AsyncSession`), renamed (`api = client`), or opened by
    `with ... as`. Deletes and overwrites of a key (HTTP `DELETE`, Redis `SET`,
    SQL `DELETE`) leave the same state when repeated and are not counted, nor
    is a processed marker: a write of only the fields it names (Django
    `save(update_fields=[...])`) when each is given a literal or the current
    time before it (`order.notified = True`); a field changed any other way
    (`order.count += 1`, a value from the message) keeps it a write.
    Nor is a request whose every URL literal names a host reserved for
    documentation (RFC 2606 and RFC 6761: `example.com`, `example.net`,
    `example.org`, and names under `.example`, `.test`, `.invalid`;
    `placeholder_hosts`, from `rules/knowledge/inert-calls.yaml`):
    `session.post("http://example.com/process", json=message)` in a demo
    reaches no service. A base URL set elsewhere (`httpx.Client(base_url=...)`,
    an environment variable) is not read, so such a client stays judged.
    `placeholder_hosts: []` judges these calls as any other.

    Evidence of deduplication: a lookup of the incoming event id before the
    effect (`already_processed(event_id)`, an inbox table, `exists`), a
    conditional write (Redis `SET NX` / `SETNX`, DynamoDB
    `ConditionExpression="attribute_not_exists(...)"`, Mongo `$setOnInsert`),
    SQL `ON CONFLICT` / `ON DUPLICATE KEY` / `INSERT OR IGNORE` / `MERGE`,
    catching the duplicate-key error a dedup insert raises (`IntegrityError`,
    `UniqueViolation`, `DuplicateKeyError`, `ConditionalCheckFailedException`),
    an idempotency key on the call (Stripe `idempotency_key=` or
    `options={"idempotency_key": ...}`, an `Idempotency-Key` header), or an
    idempotency decorator. A write that returns whether it made the record
    (`created_flag_writes`: Django `get_or_create`) is a claim for the effects
    that run only when it did: `_, created = Log.objects.get_or_create(...)`
    then `if not created: return`, or `if created:` around the effect (in the
    effect's function or one on the way to it). A claim written *before* the
    effect (`SET NX`, a conditional put, a created flag) and not released when
    the effect fails — in an `except` clause, or for a created flag by an
    atomic block (`with transaction.atomic():` opened before it, or
    `@transaction.atomic` on the handler) rolling it back — is reported too:
    the redelivery is skipped and the work is lost.

    Two more shapes deduplicate by the record's own key. An effect that runs
    only when a lookup made with the message found nothing (`lookup_calls`:
    `existing = session.exec(select(User).where(User.id == user_id)).first()`,
    then `if existing: continue` in the consumer loop, or `return`, before
    the insert; a comparison inside the query counts as using the message).
    And a database write of a record whose primary key (`natural_key_keywords`:
    `id`, `pk`, `_id`) is given a value from the message, in the call or in the
    call that made the object it is handed (`item = Item(id=event["id"], ...)`,
    `session.add(item)`): a redelivery fails on the unique key. A generated key
    (`Reservation(product_id=...)`) keeps the write reported.

    Which handlers can see a message again is judged along the chain that
    feeds them. A broker consumer's handler always can. An in-process bus (an
    in-house bus recognised by its shape, blinker, pyee) runs its handlers in
    the caller's stack, and Celery acknowledges a task message just before the
    task runs: their handlers (`once_frameworks`) repeat their work only when

    - their own subscription redelivers, as the framework packs record it:
      Celery `acks_late=True` (`ack: after-handler`; a worker lost after the
      work runs the task again), `autoretry_for=` (`retry: on-error`), or a
      `self.retry()` in the task. A retry comes after an exception, so it
      repeats an effect only when the task's body calls something after it,
      and not a database write rolled back by `@transaction.atomic` on the
      task; or
    - a publication that reaches them (`bus.handle(OrderPlaced(...))`,
      `task.delay(event)`, whatever the dispatch) is made in the handler chain
      of a handler at risk that does not deduplicate first, hop after hop: a
      Kafka consumer loop that queues a Celery task, an in-process handler that
      hands a second event to the bus, a retried task that queues another
      before the call that fails. The message names the chain.

    A handler fed only by an HTTP endpoint, a periodic job, or a consumer that
    checks the event id before the hand-off is not reported.

    A function a handler dispatches the message to through a handler map
    (`ROUTES[event["detail-type"]](event["detail"])`, `ROUTES.get(topic)(value)`
    over a module-level dict whose keys are literals or constants) is judged as
    a handler of its own, at its effect, as much at risk as the handler that
    dispatches to it; the message names that handler and the dispatch line.
    Its deduplication is its own: a claim in one mapped function does not cover
    another's effect.

    ## Why is this bad?
    Brokers deliver at least once: a consumer that crashes after the effect but
    before its acknowledgement, a rebalance, or a retry delivers the same
    message again. A redelivered `OrderPlaced` charges the card twice.

    ## How to fix it
    Record the ids of processed events and skip the ones already seen (an
    inbox table written in the same transaction as the effect, or Redis
    `SET key NX` released when the effect fails), or make the effect idempotent
    itself: pass the event id as the payment provider's idempotency key, or
    write with an upsert.

    ## Limitations
    - An entry with a condition is written `GLOB if keyword NAME`,
      `GLOB if literal REGEX` or `GLOB if field KEY` (in options and `classify`
      policies too); a client whose maker the extraction cannot see (a factory
      in a library, a dependency-injection container) is known only by its text
      (`*client.post`, `*session.add`).
    - A claim and the effect it guards are compared only within one function.
    - A handler of a `once_frameworks` framework whose feeder is not in the
      facts (a dispatch the extraction cannot resolve, a beat schedule, a
      script outside the project) is taken as not redelivered. Celery's
      app-wide `task_acks_late` setting is not read: only the decorator's
      `acks_late=`. Redis Pub/Sub, which never redelivers, still counts as a
      broker.
    - "Something after the effect" is a call on a later line of the task's own
      body at the same indentation or less: a call inside a later `if` block
      is not counted.
    - A full `save()` (no `update_fields`) is a write even on an instance that
      `get_or_create` has just made under an `if created:` guard: which instance
      a call is made on is not in the facts.
    - A lookup guards only through an `if` on the name its result is given, in
      the effect's function or one on the way to it; an `if NAME: continue` in
      a loop guards the rest of that pass of the loop body (its `except`
      clauses left out). A `natural_key_keywords` keyword is taken to be the
      table's primary key: a non-unique column named `id` would hide a repeat.
    - A created flag guards only through an `if` on its name (`if created:`,
      `if not created: return`); `if created and x:` or a flag passed on is not
      read. An atomic block is taken to cover the claim and the effect when it
      is opened before the claim in the same function (its end is not in the
      facts).
    """

    code = "EDA401"
    name = "non-idempotent-handler"
    severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        """
        - payments: calls that move money (globs on a call's qualified name or text, optionally `GLOB if keyword|literal|field ...`)
        - db_writes: calls that write to a database
        - sql_execute: globs on calls that run SQL; a write when their SQL text inserts or updates
        - http_writes: HTTP calls that change state
        - messages: calls that send e-mail, SMS or push messages
        - storage_writes: calls that write to object storage
        - dedup_calls: calls that look up or record an event id; evidence when they use the message
        - conditional_writes: writes that do nothing when the record exists (Redis SET NX, DynamoDB attribute_not_exists, Mongo $setOnInsert); the write is its own dedup
        - created_flag_writes: writes that return whether they made the record (Django `get_or_create`); a claim on the message for the effects that run only when it did (`if not created: return`, `if created:`)
        - marker_writes: writes that store only the fields they name (Django `save(update_fields=...)`); not a side effect when each field named is given a literal or the current time before the call (a processed marker)
        - idempotency_keywords: keyword arguments that make a call idempotent
        - idempotency_headers: header names (dict keys in a call's arguments) that make a call idempotent
        - idempotency_decorators: globs on decorators that make a handler idempotent
        - duplicate_errors: globs on exception types a dedup insert raises on a duplicate; catching one is evidence
        - release_calls: calls in an `except` clause that release a claim taken before the effect
        - upsert_sql: regular expression on SQL text that makes a write idempotent
        - once_frameworks: globs on frameworks that hand each message to its handler once (in-process buses, Celery by default); their handlers are judged only when their subscription redelivers or what feeds them is redelivered
        - redelivering: subscription settings, `FIELD:VALUE` over the facts' `ack` and `retry`, that make such a framework run the handler again (Celery `acks_late=True` is `ack:after-handler`, `autoretry_for=` is `retry:on-error`)
        - retry_calls: calls in a handler of such a framework that run it again for the same message (a bound Celery task's `self.retry()`)
        - natural_key_keywords: keywords naming a record's own primary key; a database write of a record given one from the message (`session.add(Item(id=event.id, ...))`, `Item.objects.create(pk=...)`) fails on the key when the message comes again, so it is not a repeated effect
        - lookup_calls: calls that look a record up and return nothing when it is absent (`.first()`, `.one_or_none()`, `session.get`, `find_one`); an effect that runs only when one made on the message found nothing (`existing = ...first()`, then `if existing: continue` or `return`) is deduplicated by it
        - rollback_decorators: globs on handler decorators that roll its database writes back when it raises, so a retry after an exception does not repeat them (Django `@transaction.atomic`)
        - placeholder_hosts: host names reserved for documentation (RFC 2606, RFC 6761; each with every name below it; rules/knowledge/inert-calls.yaml); a call whose every URL literal names one (`requests.post("https://example.com/hook")`) reaches no real service and is not a side effect; `[]` judges such calls as any other
        """

        payments: tuple[str, ...] = PAYMENTS
        db_writes: tuple[str, ...] = DB_WRITES
        sql_execute: tuple[str, ...] = SQL_EXECUTE
        http_writes: tuple[str, ...] = HTTP_WRITES
        messages: tuple[str, ...] = MESSAGES
        storage_writes: tuple[str, ...] = STORAGE_WRITES
        dedup_calls: tuple[str, ...] = _KNOWN.dedup_calls
        conditional_writes: tuple[str, ...] = _KNOWN.conditional_writes
        created_flag_writes: tuple[str, ...] = _KNOWN.created_flags
        marker_writes: tuple[str, ...] = _KNOWN.marker_writes
        idempotency_keywords: tuple[str, ...] = _KNOWN.keywords
        idempotency_headers: tuple[str, ...] = _KNOWN.headers
        idempotency_decorators: tuple[str, ...] = ("*idempotent*", "*dedup*", "*deduplicate*")
        duplicate_errors: tuple[str, ...] = _KNOWN.duplicate_errors
        release_calls: tuple[str, ...] = RELEASE_CALLS
        upsert_sql: str = _KNOWN.upsert_sql
        once_frameworks: tuple[str, ...] = _KNOWN.once_frameworks
        redelivering: tuple[str, ...] = _KNOWN.redelivering
        retry_calls: tuple[str, ...] = _KNOWN.retry_calls
        rollback_decorators: tuple[str, ...] = _KNOWN.rollback_decorators
        lookup_calls: tuple[str, ...] = LOOKUP_CALLS
        natural_key_keywords: tuple[str, ...] = ("id", "pk", "_id")
        placeholder_hosts: tuple[str, ...] = knowledge.placeholder_hosts()

    invalid = [
        Example(
            """
            from kafka import KafkaConsumer
            from shop.models import Order

            def on_payment(event):
                order = Order.objects.get(id=event["order_id"])
                order.paid_total += event["amount"]
                order.save(update_fields=["paid_total"])  # expect: EDA401

            for message in KafkaConsumer("payments.captured", group_id="orders"):
                on_payment(message.value)
            """,
            files=_SHOP_MODELS,
        ),
        Example(
            """
            from kafka import KafkaConsumer
            from billing.gateway import charge_credit_card

            def on_order(event):
                charge_credit_card(event["customer_id"], event["total"])  # expect: EDA401

            for message in KafkaConsumer("orders.placed", group_id="billing"):
                on_order(message.value)
            """,
            files={"billing/__init__.py": "", "billing/gateway.py": "def charge_credit_card(customer, amount):\n    return customer, amount\n"},
        ),
        Example(
            """
            import pika
            import requests

            def record_shipment(body):
                requests.post("https://carrier.internal/shipments", json={"order": body.decode()})

            def on_message(channel, method, properties, body):
                record_shipment(body)  # expect: EDA401
                channel.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="shipments", on_message_callback=on_message)
            """
        ),
        Example(
            """
            from faststream.kafka import KafkaBroker

            broker = KafkaBroker()

            @broker.subscriber("orders.placed")
            async def welcome(order: dict, session) -> None:
                session.add(Welcome(order["id"]))  # expect: EDA401
                session.commit()
            """
        ),
        Example(
            """
            import redis
            from kafka import KafkaConsumer
            from notify import send_email

            r = redis.Redis()

            def on_signup(event):
                if not r.set(f"welcome:{event['user_id']}", 1, nx=True, ex=86400):
                    return
                send_email(event["email"], "Welcome!")  # expect: EDA401

            for message in KafkaConsumer("users.signed-up", group_id="mail"):
                on_signup(message.value)
            """,
            files={"notify.py": "def send_email(to, subject):\n    pass\n"},
        ),
        Example(
            """
            import httpx
            from aiokafka import AIOKafkaConsumer

            client = httpx.AsyncClient(base_url="https://payments.internal")

            async def settle(event: dict) -> None:
                await client.post("/v1/payouts", json=event)  # expect: EDA401

            async def run() -> None:
                consumer = AIOKafkaConsumer("invoices.due", group_id="payouts", enable_auto_commit=False)
                await consumer.start()
                async for msg in consumer:
                    await settle(msg.value)
                    await consumer.commit()
            """
        ),
        Example(
            """
            from faststream.rabbit import RabbitBroker
            from twilio.rest import Client

            broker = RabbitBroker()

            class Notifier:
                def __init__(self, sid: str, token: str) -> None:
                    self.twilio = Client(sid, token)

                def text(self, phone: str, body: str) -> None:
                    self.twilio.messages.create(to=phone, from_="+15005550006", body=body)

            notifier = Notifier("AC123", "secret")

            @broker.subscriber("deliveries.arrived")
            async def on_arrival(event: dict) -> None:
                notifier.text(event["phone"], "Your parcel has arrived")  # expect: EDA401
            """
        ),
        Example(
            """
            import boto3
            from faststream.kafka import KafkaBroker

            broker = KafkaBroker()
            sns = boto3.client("sns")

            @broker.subscriber("logins.suspicious")
            async def warn(event: dict) -> None:
                sns.publish(PhoneNumber=event["phone"], Message="New sign-in to your account")  # expect: EDA401
            """
        ),
        Example(
            """
            import boto3
            from faststream.kafka import KafkaBroker

            broker = KafkaBroker()
            s3 = boto3.client("s3")

            @broker.subscriber("reports.requested")
            async def render(event: dict) -> None:
                s3.put_object(Bucket="reports", Key=f"{event['user_id']}/latest.pdf", Body=b"%PDF")  # expect: EDA401
            """
        ),
        Example(
            """
            from kafka import KafkaConsumer
            from sqlalchemy.ext.asyncio import AsyncSession

            from ledger.models import Entry

            class Ledger:
                def __init__(self, session: AsyncSession) -> None:
                    self.db = session

                async def record(self, event: dict) -> None:
                    self.db.add(Entry(event))
                    await self.db.commit()

            async def on_payment(ledger: Ledger, event: dict) -> None:
                await ledger.record(event)  # expect: EDA401

            for message in KafkaConsumer("payments.captured", group_id="ledger"):
                on_payment(Ledger(None), message.value)
            """,
            files={"ledger/__init__.py": "", "ledger/models.py": "class Entry:\n    def __init__(self, data):\n        self.data = data\n"},
        ),
        Example(
            _PAYMENT_HANDLERS.format(expect="  # expect: EDA401"),
            files={
                **_PAYMENT_BUS,
                # the bus runs the handler in this consumer's stack: a redelivered message runs it again
                "consumer.py": (
                    "from kafka import KafkaConsumer\n\nfrom app import HANDLERS\nfrom shop.bus import MessageBus\n"
                    "from shop.events import OrderPlaced\n\nbus = MessageBus(HANDLERS)\n\n\n"
                    "def on_order(value):\n    bus.handle(OrderPlaced(value['customer_id'], value['total']))\n\n\n"
                    "for message in KafkaConsumer('orders.placed', group_id='billing'):\n    on_order(message.value)\n"
                ),
            },
        ),
        Example(
            """
            import requests
            from celery import shared_task
            from kafka import KafkaConsumer

            @shared_task
            def ship(event):
                requests.post("https://carrier.internal/shipments", json=event)  # expect: EDA401

            # the Kafka message is committed once the task is queued; a redelivery queues it again
            def consume():
                for message in KafkaConsumer("orders.paid", group_id="shipping"):
                    ship.delay(message.value)
            """
        ),
        Example(
            """
            import requests
            from celery import shared_task

            # autoretry_for runs the task again after a failure of anything after the POST
            @shared_task(bind=True, autoretry_for=(requests.RequestException,), retry_backoff=True)
            def notify_carrier(self, order_id):
                requests.post("https://carrier.internal/pickups", json={"order": order_id})  # expect: EDA401
                requests.get(f"https://carrier.internal/pickups/{order_id}").raise_for_status()
            """
        ),
    ]
    valid = [
        Example(
            _PAYMENT_HANDLERS.format(expect=""),
            files={
                **_PAYMENT_BUS,
                # fed only by an HTTP endpoint: the bus hands each event over once and nothing redelivers it
                "api.py": (
                    "from flask import Flask, request\n\nfrom app import HANDLERS\nfrom shop.bus import MessageBus\n"
                    "from shop.events import OrderPlaced\n\napi = Flask(__name__)\nbus = MessageBus(HANDLERS)\n\n\n"
                    "@api.post('/orders')\ndef place_order():\n"
                    "    bus.handle(OrderPlaced(request.json['customer_id'], request.json['total']))\n    return '', 201\n"
                ),
            },
        ),
        Example(
            _PAYMENT_HANDLERS.format(expect=""),
            files={
                **_PAYMENT_BUS,
                "billing/inbox.py": "def seen(event_id):\n    return False\n",
                # the consumer drops a redelivered message before it reaches the bus
                "consumer.py": (
                    "from kafka import KafkaConsumer\n\nfrom app import HANDLERS\nfrom billing.inbox import seen\n"
                    "from shop.bus import MessageBus\nfrom shop.events import OrderPlaced\n\nbus = MessageBus(HANDLERS)\n\n\n"
                    "def on_order(value):\n    if seen(value['event_id']):\n        return\n"
                    "    bus.handle(OrderPlaced(value['customer_id'], value['total']))\n\n\n"
                    "for message in KafkaConsumer('orders.placed', group_id='billing'):\n    on_order(message.value)\n"
                ),
            },
        ),
        Example(
            """
            from celery import Celery, shared_task
            from django.db import transaction

            from shop.models import Order

            app = Celery("shop")

            # queued by a periodic job, acknowledged before it runs, and retried only after the atomic block
            # rolled its writes back
            @shared_task(bind=True, autoretry_for=(Exception,), retry_kwargs={"max_retries": 3})
            @transaction.atomic
            def close_order(self, order_id):
                order = Order.objects.get(id=order_id)
                Order.objects.create(paid_total=order.paid_total)
                order.delete()

            @app.task
            def close_orders():
                for order in Order.objects.filter(shipped=True):
                    close_order.delay(order.id)
            """,
            files=_SHOP_MODELS,
        ),
        Example(
            """
            from django.utils import timezone
            from kafka import KafkaConsumer
            from shop.models import Order

            # a processed marker: the same fields set to the same state again on a redelivery
            def on_shipped(event):
                order = Order.objects.get(id=event["order_id"])
                order.shipped = True
                order.shipped_at = timezone.now()
                order.save(update_fields=["shipped", "shipped_at"])

            for message in KafkaConsumer("shipments.sent", group_id="orders"):
                on_shipped(message.value)
            """,
            files=_SHOP_MODELS,
        ),
        Example(
            """
            from kafka import KafkaConsumer
            from billing.gateway import charge_credit_card
            from billing.inbox import already_processed, mark_processed

            def on_order(event):
                if already_processed(event["event_id"]):
                    return
                charge_credit_card(event["customer_id"], event["total"])
                mark_processed(event["event_id"])

            for message in KafkaConsumer("orders.placed", group_id="billing"):
                on_order(message.value)
            """,
            files={
                "billing/__init__.py": "",
                "billing/gateway.py": "def charge_credit_card(customer, amount):\n    return customer, amount\n",
                "billing/inbox.py": "def already_processed(event_id):\n    return False\n\ndef mark_processed(event_id):\n    pass\n",
            },
        ),
        Example(
            """
            import stripe
            from faststream.rabbit import RabbitBroker

            broker = RabbitBroker()

            @broker.subscriber("orders")
            async def charge(order: dict) -> None:
                stripe.PaymentIntent.create(amount=order["total"], currency="eur", idempotency_key=order["event_id"])
            """
        ),
        Example(
            """
            import pika

            def on_message(channel, method, properties, body, db=None):
                db.execute("INSERT INTO shipments (order_id) VALUES (%s) ON CONFLICT DO NOTHING", (body,))
                channel.basic_ack(method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="shipments", on_message_callback=on_message)
            """
        ),
        Example(
            """
            import redis
            from kafka import KafkaConsumer
            from notify import send_email

            r = redis.Redis()

            def on_signup(event):
                key = f"welcome:{event['user_id']}"
                if not r.set(key, 1, nx=True, ex=86400):
                    return
                try:
                    send_email(event["email"], "Welcome!")
                except Exception:
                    r.delete(key)
                    raise

            for message in KafkaConsumer("users.signed-up", group_id="mail"):
                on_signup(message.value)
            """,
            files={"notify.py": "def send_email(to, subject):\n    pass\n"},
        ),
        Example(
            """
            import httpx
            from aiokafka import AIOKafkaConsumer

            client = httpx.AsyncClient(base_url="https://payments.internal")

            async def settle(event: dict) -> None:
                await client.post("/v1/payouts", json=event, headers={"Idempotency-Key": event["event_id"]})

            async def run() -> None:
                consumer = AIOKafkaConsumer("invoices.due", group_id="payouts", enable_auto_commit=False)
                await consumer.start()
                async for msg in consumer:
                    await settle(msg.value)
                    await consumer.commit()
            """
        ),
        Example(
            """
            import boto3
            from aws_lambda_powertools.utilities.data_classes import SQSEvent

            table = boto3.resource("dynamodb").Table("receipts")

            def handler(event, context):
                for record in SQSEvent(event).records:
                    try:
                        table.put_item(
                            Item={"pk": record.message_id, "body": record.body},
                            ConditionExpression="attribute_not_exists(pk)",
                        )
                    except table.meta.client.exceptions.ConditionalCheckFailedException:
                        continue
            """
        ),
        Example(
            """
            from pymongo import MongoClient
            from kafka import KafkaConsumer

            shipments = MongoClient().shop.shipments

            def on_order(event):
                shipments.update_one(
                    {"_id": event["order_id"]},
                    {"$setOnInsert": {"status": "pending", "items": event["items"]}},
                    upsert=True,
                )

            consumer = KafkaConsumer("orders.placed", group_id="shipping", enable_auto_commit=False)
            for message in consumer:
                on_order(message.value)
                consumer.commit()
            """
        ),
        Example(
            """
            import psycopg
            from kafka import KafkaConsumer
            from billing.gateway import charge_credit_card

            def on_order(conn: psycopg.Connection, event):
                try:
                    with conn.transaction():
                        conn.execute("INSERT INTO inbox (event_id) VALUES (%s)", (event["event_id"],))
                        charge_credit_card(event["customer_id"], event["total"])
                except psycopg.errors.UniqueViolation:
                    return

            conn = psycopg.connect()
            for message in KafkaConsumer("orders.placed", group_id="billing"):
                on_order(conn, message.value)
            """,
            files={"billing/__init__.py": "", "billing/gateway.py": "def charge_credit_card(customer, amount):\n    return customer, amount\n"},
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        risks = self._redelivered(ctx)
        for handler in ctx.facts.handlers:
            if handler.role == "handler" and handler.name in risks:
                yield from self.check_handler(handler, ctx, risks[handler.name])

    def check_handler(self, handler: Handler, ctx: RuleContext, risk: _Risk | None = None) -> Iterator[Diagnostic]:
        options = self.options
        risk = risk or _Risk()
        if any(named_decorator(d, options.idempotency_decorators) for d in handler.decorators):
            return
        # a retry after an exception follows the rollback of the handler's database writes: they do not repeat
        rolled_back = risk.retry_only and any(matches(d, options.rollback_decorators) for d in handler.decorators)
        claims = [c for c in handler.calls if knowledge.matches_any(c, options.conditional_writes) and not c.in_except]
        if self._deduplicated(handler) and not claims:
            return
        # a project helper whose body makes a known effect itself is judged by that effect (its idempotency
        # key, its upsert), not by its own name (`gateway.refund_deposit` -> `stripe.Refund.create(idempotency_key=)`)
        judged_inside = {c.function for c in handler.calls if c.function and _classify(c, options) is not None}
        index = _callee_index(handler)
        for call in handler.calls:
            if call.name in judged_inside and call.name in handler.functions:
                continue
            what = self._effect(call)
            if what is None or (rolled_back and what == "writes to the database"):
                continue
            if what == "writes to the database" and set(call.message_keywords) & set(options.natural_key_keywords):
                continue  # the record's primary key comes from the message: a redelivery fails on the unique key
            if risk.retry_only and not _followed(handler, call):
                continue  # a retry comes after an exception: one in the effect itself means it did not happen
            site = reaching_call(handler, call)
            effect = short(call.name if "." in call.name else call.text)
            route = chain(handler, call)[1:]
            via = f" via {' -> '.join(short(name) for name in route)}" if route else ""
            if self._looked_up(handler, call, index):
                continue  # it runs only when a lookup of the message's record found nothing
            guard = self._created_guard(handler, call, index)
            if guard is not None:
                claims = [*claims, guard]
                if self._rolled_back(handler, guard):
                    continue
            if claims or self._deduplicated(handler):
                claim = self._unreleased_claim(handler, call, claims)
                if claim is None:
                    continue
                yield self.finding(
                    (site.path, site.line, site.column),
                    f"{who(handler)} claims the message ({short(claim.name if '.' in claim.name else claim.text)}, "
                    f"line {claim.line}) before it {what} ({effect}{via}) and never releases the claim when that fails: "
                    "the redelivery is skipped as a duplicate and the work is lost",
                    hint="release the claim in an except clause (delete the key) and re-raise, or record the message as "
                    "processed after the effect, in the same transaction when the effect is a database write",
                    service=handler.service,
                )
                return
            yield self.finding(
                (site.path, site.line, site.column),
                f"{who(handler)} {what} ({effect}{via}) and nothing deduplicates the incoming message: "
                f"a redelivery repeats it{f' ({risk.why})' if risk.why else ''}",
                hint="skip messages whose id was already processed (inbox table, Redis SET NX), or pass the event id "
                "as an idempotency key / write with an upsert",
                service=handler.service,
            )
            return

    def _effect(self, call: HandlerCall) -> str | None:
        options = self.options
        if any(k in options.idempotency_keywords for k in call.keywords):
            return None
        if (set(options.idempotency_headers) | set(options.idempotency_keywords)) & set(call.fields):
            return None  # Idempotency-Key header, Stripe's options={"idempotency_key": ...}
        if with_literal(call, options.upsert_sql):
            return None
        if knowledge.matches_any(call, options.conditional_writes):
            return None
        if knowledge.placeholder_call(call, options.placeholder_hosts):
            return None  # a request to a documentation host (`https://example.com/...`): it reaches no real service
        return _classify(call, options)

    def _redelivered(self, ctx: RuleContext) -> dict[str, _Risk]:
        """The handlers whose message can come again, and why.

        A broker consumer's handler can always see a message again. A framework in `once_frameworks` hands
        each message over once: its handler is at risk when its own subscription redelivers (`redelivering`,
        `retry_calls`), or when a publication that reaches it is made in the handler chain of a handler at
        risk that does not deduplicate first (followed hop by hop, in-process buses and Celery alike).
        """
        options = self.options
        once = options.once_frameworks
        subscribed: dict[str, list[Subscription]] = {}
        loops: set[str] = set()
        for sub in ctx.facts.subscribers:
            if sub.handler:
                subscribed.setdefault(sub.handler, []).append(sub)
            if sub.function and not matches(sub.framework, once):
                loops.add(sub.function)  # a polling loop hands the broker's messages on itself
        risks: dict[str, _Risk] = {}
        for handler in ctx.facts.handlers:
            subs = subscribed.get(handler.name, [])
            if handler.dispatched_by is not None and not subs:
                continue  # as much at risk as the handler that dispatches to it (below)
            if any(not matches(s.framework, once) for s in subs) or (not subs and handler.role == "handler") or handler.name in loops:
                risks[handler.name] = _Risk()
                continue
            settings = sorted({f"{f}:{v}" for s in subs for f, v in (("ack", s.ack), ("retry", s.retry)) if v} & set(options.redelivering))
            retries = sorted({c.text for c in handler.calls if c.depth == 0 and knowledge.matches_any(c, options.retry_calls)})
            if settings or retries:
                framework = subs[0].framework
                said = ", ".join([*settings, *retries])
                risks[handler.name] = _Risk(
                    retry_only=all(s.startswith("retry:") for s in settings),
                    why=f"{framework} runs it again for the same message: {said}",
                )
        _inherit_dispatch(ctx.facts.handlers, risks)
        by_framework: dict[str, list[Subscription]] = {}
        for sub in ctx.facts.subscribers:
            if matches(sub.framework, once) and sub.handler:
                by_framework.setdefault(sub.framework, []).append(sub)
        if not by_framework:
            return risks
        flow = ctx.flow
        queue = sorted(risks)
        while queue:
            feeder = ctx.handlers_by_name.get(queue.pop(0))
            if feeder is None or self._deduplicated(feeder):
                continue
            known = risks[feeder.name]
            calls_at = {(c.path, c.line, c.column): c for c in feeder.calls}
            for publication in sorted(ctx.publications_of(feeder), key=lambda p: (p.path, p.line, p.column)):
                if known.retry_only:
                    # a retry hands the event on again only when the hand-off happened before the failing call
                    call = calls_at.get((publication.path, publication.line, publication.column))
                    if call is None or not _followed(feeder, call):
                        continue
                for sub in by_framework.get(publication.framework, ()):
                    target = sub.handler or ""
                    if target == feeder.name or (target in risks and not risks[target].retry_only):
                        continue
                    if not flow.reaches(publication, sub):
                        continue
                    hop = f"{short(feeder.name)} hands it on through {publication.framework} at {publication.path}:{publication.line}"
                    if known.why:
                        why = f"{hop}; {known.why}"
                    else:
                        why = f"{hop} and {_consumes(feeder.name, ctx.facts.subscribers, once)}"
                    risks[target] = _Risk(retry_only=False, why=why)
                    queue.append(target)
        _inherit_dispatch(ctx.facts.handlers, risks)
        return risks

    def _deduplicated(self, handler: Handler) -> bool:
        options = self.options
        for call in handler.calls:
            if knowledge.matches_any(call, options.dedup_calls) and call.uses_message:
                return True
            if knowledge.matches_any(call, options.conditional_writes):
                return True
        return any(matches(t, options.duplicate_errors) for clause in handler.excepts for t in clause.types)

    def _looked_up(self, handler: Handler, effect: HandlerCall, index: dict[str, HandlerCall]) -> bool:
        """The effect, or a call on the way to it, runs only when a lookup made with the message in the same function
        found nothing (`existing = session.exec(select(User).where(User.id == user_id)).first()`, then `if
        existing: continue` in the consumer loop, or `if existing: return`): a redelivery finds the record and skips."""
        lookups = self.options.lookup_calls
        if not lookups:
            return False
        at: dict[tuple[str, int, int], list[HandlerCall]] = {}
        for c in handler.calls:
            at.setdefault((c.path, c.line, c.column), []).append(c)
        for step in _steps(effect, handler, index):
            guards = {g for c in at.get((step.path, step.line, step.column), ()) for g in c.guards}
            for guard in sorted(guards):
                if not guard.startswith("!"):
                    continue
                line, _, column = guard[1:].partition(":")
                # a chain starts where its first call does: `session.exec(...)` and its `.first()` share the place
                chain = [c for c in at.get((step.path, int(line), int(column)), ()) if c.function == step.function]
                if any(named(c, lookups) for c in chain) and any(c.uses_message for c in chain):
                    return True
        return False

    def _created_guard(self, handler: Handler, effect: HandlerCall, index: dict[str, HandlerCall]) -> HandlerCall | None:
        """A write returning whether it made the record (`get_or_create`) whose true result the effect runs under,
        in the effect's function or in a function on the way to it."""
        options = self.options
        if not options.created_flag_writes:
            return None
        calls_at = {(c.path, c.line, c.column): c for c in handler.calls}
        for step in _steps(effect, handler, index):
            call = calls_at.get((step.path, step.line, step.column))
            for guard in call.guards if call is not None else ():
                if guard.startswith("!"):
                    continue  # runs when that call's result is false: not a created flag
                line, _, column = guard.partition(":")
                flag = calls_at.get((step.path, int(line), int(column)))
                if flag is not None and flag.function == step.function and knowledge.matches_any(flag, options.created_flag_writes):
                    return flag
        return None

    def _rolled_back(self, handler: Handler, claim: HandlerCall) -> bool:
        """The claim is undone when the effect fails: the handler is `@transaction.atomic`, or its function opens an
        atomic block (`with transaction.atomic():`) before it (the end of the block is not in the facts)."""
        rollback = self.options.rollback_decorators
        if claim.function == handler.name and any(matches(d, rollback) for d in handler.decorators):
            return True
        return any(
            c.function == claim.function and c.path == claim.path and c.line <= claim.line and named(c, rollback)
            for c in handler.calls
        )

    def _unreleased_claim(self, handler: Handler, effect: HandlerCall, claims: list[HandlerCall]) -> HandlerCall | None:
        """A conditional write made before `effect` in the same function, with no except clause there releasing it."""
        for claim in claims:
            if claim.function != effect.function or claim.path != effect.path or claim.line >= effect.line:
                continue
            released = any(
                clause.function == claim.function and matches_release(clause.calls, self.options.release_calls)
                for clause in handler.excepts
            )
            if not released:
                return claim
        return None


def _inherit_dispatch(handlers: tuple[Handler, ...], risks: dict[str, _Risk]) -> None:
    """A function a handler dispatches the message to through a handler map sees it again when that handler does."""
    changed = True
    while changed:
        changed = False
        for handler in handlers:
            by = handler.dispatched_by
            if by is not None and by in risks and handler.name not in risks:
                risks[handler.name] = risks[by]
                changed = True


def who(handler: Handler) -> str:
    """The handler's short name, and the handler that dispatches to it through a handler map."""
    if handler.dispatched_by is None or handler.dispatch_site is None:
        return short(handler.name)
    return f"{short(handler.name)} (dispatched by {short(handler.dispatched_by)}, line {handler.dispatch_site.line})"


def _followed(handler: Handler, call: HandlerCall) -> bool:
    """The handler's own body makes another call after the one that leads to `call`: something that may raise once
    the effect is done. Only a call on a later line that starts at the same indentation or less counts, as the
    facts hold no call's end: a call on the next line of a multi-line argument list is part of the effect."""
    site = reaching_call(handler, call)
    return any(
        other.depth == 0 and not other.in_except and other.line > site.line and other.column <= site.column
        for other in handler.calls
    )


def _consumes(function: str, subscribers: tuple[Subscription, ...], once: tuple[str, ...]) -> str:
    """`consumes orders (kafka-python)`: what a broker consumer's handler or loop function consumes."""
    subs = [s for s in subscribers if not matches(s.framework, once) and function in (s.handler, s.function)]
    if not subs:
        return "consumes from a broker"
    channels = ", ".join(sorted({shown_channel(s.channel, s.channel_expr, s.event) for s in subs}))
    return f"consumes {channels} ({', '.join(sorted({s.framework for s in subs}))})"


@dataclass(frozen=True)
class _Risk:
    """Why a handler's message can come again: `why` is empty for a broker consumer's own handler;
    `retry_only` when only the framework's retry after an exception runs it again."""

    retry_only: bool = False
    why: str = ""


def matches_release(calls: tuple[str, ...], patterns: tuple[str, ...]) -> bool:
    return any(matches(c, patterns) for c in calls)


def _classify(call: HandlerCall, options: Any) -> str | None:
    """The kind of side effect a call is, by the rule's options (None: not one)."""
    if knowledge.matches_any(call, LOCAL_WRITES):
        return None
    if knowledge.matches_any(call, options.payments):
        return "moves money"
    if _db_write(call, options):
        return "writes to the database"
    if knowledge.matches_any(call, options.http_writes):
        return "makes a state-changing HTTP request"
    if knowledge.matches_any(call, options.messages):
        return "sends a message to a person"
    if knowledge.matches_any(call, getattr(options, "storage_writes", ())):
        return "writes to object storage"
    return None


def named_decorator(name: str, patterns: tuple[str, ...]) -> bool:
    from eventlint.rules.base import matches

    return matches(name, patterns)


# ---------------------------------------------------------------------------------------------
# EDA402 and EDA403: the same side-effect classification as EDA401, followed through the
# handler's calls to the function where the two things being compared meet.

ACK_ON_DELIVERY = ("pika", "aio-pika", "kombu", "redis", "faststream")
AUTO_COMMIT = ("kafka-python", "aiokafka", "confluent-kafka", "faststream")
ACK_CALLS = (
    "*.basic_ack",
    "*.ack",
    "*.ack_sync",
    "*.ack_with_response",
    "*.xack",
    "*.acknowledge",
    "*consumer.commit",
    "*consumer.commit_async",
    "*Consumer.commit",
    "*Consumer.commit_async",
    "*.store_offsets",
    "*.delete_message",
    "*.delete_message_batch",
)
OFFSET_STORE_CALLS = ("*.store_offsets",)
DB_COMMITS = ("*session.commit", "*Session.commit", "*db.commit", "*conn.commit", "*connection.commit", "*transaction.commit")
OUTBOX_CALLS = ("*outbox*", "*Outbox*", "*OUTBOX*")
OUTBOX_SQL = r"outbox"
TRANSACTIONAL_PRODUCER = ("*.begin_transaction", "*.send_offsets_to_transaction", "*.commit_transaction")
# buses inside the process (#13's in-house buses, blinker signals, pyee emitters): handing them an event is not a
# broker write, but what their handlers do is part of the publishing function's work
IN_PROCESS = ("inhouse", "inhouse-*", "blinker", "pyee")
END = 10**9  # a step after every call of its function: what a decorator publishes when the function returns

# project files the examples below import
_GATEWAY = {"billing/__init__.py": "", "billing/gateway.py": "def charge_card(customer, amount):\n    return customer, amount\n"}
_LEDGER = {"ledger/__init__.py": "", "ledger/models.py": "class Entry:\n    def __init__(self, data):\n        self.data = data\n"}
_ORDERS = {"orders/__init__.py": "", "orders/models.py": "class Order:\n    def __init__(self, **fields):\n        self.id = None\n"}


@dataclass(frozen=True)
class _Step:
    """One level of the way from a handler's own body to a call: the call made in `function`."""

    function: str
    path: str
    line: int
    column: int
    text: str
    in_except: bool = False
    arms: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()


def _exclusive(a: _Step, b: _Step) -> bool:
    """The two calls are in different arms of one `if` of their function: they never both run."""
    mine = dict(arm.rsplit(":", 1) for arm in a.arms)
    return any(mine.get(statement, side) != side for statement, side in (arm.rsplit(":", 1) for arm in b.arms))


def _apart(a: tuple[_Step, ...], b: tuple[_Step, ...]) -> bool:
    """Where the two ways part, one step runs only when the other does not, in one run of the function or one pass
    of its loop: different arms of one `if`, or one runs under a call's true result and the other under its false
    one (`if not found: ack; write; continue`, then `ack; write` below)."""
    level = _meet(a, b)
    if level is None or level >= len(a) or level >= len(b):
        return False
    x, y = a[level], b[level]
    if _exclusive(x, y):
        return True
    theirs = set(y.guards)
    return any((g[1:] if g.startswith("!") else f"!{g}") in theirs for g in x.guards)


@dataclass(frozen=True)
class _Work:
    """Something a handler does that must not be lost: a side effect or a publication."""

    what: str
    label: str
    steps: tuple[_Step, ...]
    publication: Publication | None = None
    best_effort: bool = False  # a notification a team commonly accepts to lose (EDA402's best_effort_calls)


def _effect(call: HandlerCall, options: Any) -> str | None:
    """EDA401's classification of a call as a side effect, read from the rule's own options."""
    return _classify(call, options)


def _db_write(call: HandlerCall, options: Any) -> bool:
    # a processed marker repeats to the same state (EDA401 asks that); it is still a write that can part from
    # the event stream (EDA403) or be lost (EDA402), so only a rule with the option skips it
    if knowledge.matches_any(call, getattr(options, "marker_writes", ())) and marks_only(call):
        return False
    sql_write = getattr(options, "sql_write", SQL_WRITE)
    return knowledge.matches_any(call, options.db_writes) or (named(call, options.sql_execute) and with_literal(call, sql_write))


def marks_only(call: HandlerCall) -> bool:
    """Every field the write names (its string literals) is given a literal or the current time before it:
    a processed marker (`order.notified = True; order.save(update_fields=["notified"])`) that repeats to the same state."""
    kinds = dict(a.rsplit(":", 1) for a in call.assigned)
    return bool(call.literals) and all(kinds.get(field) in ("const", "now") for field in call.literals)


def _callee_index(handler: Handler) -> dict[str, HandlerCall]:
    """The first call (shallowest, then earliest) of each function the handler's analysis entered."""
    first: dict[str, HandlerCall] = {}
    for call in sorted(handler.calls, key=lambda c: (c.depth, c.path, c.line, c.column)):
        first.setdefault(call.name, call)
        first.setdefault(f"{call.name}.__init__", call)
    return first


def _steps_to_function(function: str, handler: Handler, index: dict[str, HandlerCall]) -> list[_Step]:
    """The calls through which the handler enters `function` (empty for the handler itself)."""
    steps: list[_Step] = []
    seen: set[str] = set()
    while function != handler.name and function not in seen:
        seen.add(function)
        parent = index.get(function)
        if parent is None or parent.function == function:
            break
        steps.append(
            _Step(parent.function, parent.path, parent.line, parent.column, parent.text, parent.in_except, parent.arms, parent.guards)
        )
        function = parent.function
    return list(reversed(steps))


def _steps(call: HandlerCall, handler: Handler, index: dict[str, HandlerCall]) -> tuple[_Step, ...]:
    own = _Step(call.function, call.path, call.line, call.column, call.text, call.in_except, call.arms, call.guards)
    return (*_steps_to_function(call.function, handler, index), own)


def _meet(a: tuple[_Step, ...], b: tuple[_Step, ...]) -> int | None:
    """The level at which two ways part: both steps there are calls in the same function (None: they never part)."""
    for level, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return level if x.function == y.function else None
    return None


def _label(call_text: str, steps: tuple[_Step, ...], level: int) -> str:
    """`effect via a.f -> b.g`: the call, and the functions entered below the meeting level."""
    route = [s.function for s in steps[level + 1 :]]
    via = f" via {' -> '.join(short(name) for name in route)}" if route else ""
    return f"{call_text}{via}"


def _publications(handler: Handler, ctx: RuleContext, ignored: tuple[str, ...], index: dict[str, HandlerCall]) -> list[_Work]:
    """The handler's publications as work, each with its way from the handler's body (one per site)."""
    calls_at = {(c.path, c.line, c.column): c for c in handler.calls}
    out: dict[tuple[str, int, int], _Work] = {}
    for publication in ctx.publications_of(handler):
        if matches(publication.framework, ignored):
            continue
        site = (publication.path, publication.line, publication.column)
        known = out.get(site)
        if known is not None and known.publication is not None and (known.publication.event or known.publication.channel):
            continue
        call = calls_at.get(site)
        if call is not None:
            steps = _steps(call, handler, index)
            text = short(call.name if "." in call.name else call.text)
        elif publication.function:
            # a decorator publishes what the function returns: after everything the function does
            end = _Step(publication.function, publication.path, END, 0, "return")
            steps = (*_steps_to_function(publication.function, handler, index), end)
            text = f"the return value of {short(publication.function)}"
        else:
            continue
        out[site] = _Work(f"publishes {_subject(publication)}", text, steps, publication)
    return list(out.values())


def _subject(publication: Publication) -> str:
    if publication.event or publication.channel:
        return publication.event or publication.channel or ""
    return f"to `{publication.channel_expr}`" if publication.channel_expr else "an event"


class AckBeforeProcessing(Rule):
    """Checks for messages acknowledged, or their offsets committed, before the handler's work is done.

    ## What it does
    Reports the three ways a consumer tells the broker "done" before it is:

    - a subscription that acknowledges on delivery: pika `auto_ack=True`,
      aio-pika and kombu `no_ack=True`, Redis `XREADGROUP ... NOACK`,
      FastStream RabbitMQ / NATS / Redis `ack_policy=AckPolicy.ACK_FIRST`;
    - a Kafka consumer with automatic offset commits (`enable_auto_commit`, on
      by default in kafka-python and aiokafka; `enable.auto.commit` in
      confluent-kafka; FastStream's Kafka subscribers by default, which is
      `AckPolicy.ACK_FIRST` in 0.6 and `auto_commit=True` in 0.5) whose
      handler has a side effect: a payment, a database
      write, a state-changing HTTP request, an e-mail or SMS, a publication
      (the same classification as EDA401);
    - an explicit acknowledgement (`channel.basic_ack(...)`, `message.ack()`,
      `await message.ack()`, `consumer.commit()`, `store_offsets`, `xack`, SQS
      `delete_message`) made before a side effect of the same handler or
      consuming loop. The calls are compared where they meet: in the handler
      itself, or in the project function from which both are reached.

    An event handed to an in-process bus (`in_process_frameworks`:
    `bus.handle(OrderPlaced(...))`, blinker `send`, pyee `emit`) is work
    through what the bus's handlers do — their side effects and broker
    publications, one bus hop deep — so a loop with automatic commits that
    hands events to a bus whose handler charges a card is reported, and one
    whose bus handlers only log is not. A Celery `task.delay(...)` is a broker
    publication and is work itself. So is what the functions of a handler map do
    when the handler calls what it looks up there (`ROUTES[msg.topic()](value)`
    over a dict with known keys; their facts carry `dispatched_by`).

    A subscription acknowledged on delivery or committed automatically whose
    handler does nothing that outlives the process is not reported: it makes
    only inert calls (`inert_calls`: printing, logging, parsing, waiting,
    reads, requests to documentation hosts, from
    `rules/knowledge/inert-calls.yaml`, as EDA501 judges a consumer with
    nothing to redo) and publishes nothing, so a lost message leaves nothing
    undone (a tutorial's callback that prints the body).

    An automatic-commit subscription whose handler's only work is notifying
    people (`best_effort_calls`: a mail, an SMS, a push, from
    `rules/knowledge/failure-handling.yaml` and the `messages` the rule
    classifies) is not reported: losing a notification mail on a crash
    (at most once) is a fair choice, and committing later would send it
    twice on a redelivery instead. A handler that also writes, pays or
    publishes is reported. A team for which a lost notification is a
    failure sets `best_effort_calls: []`.

    Automatic acknowledgement from a queue that dies with its consumer is not
    reported: one declared exclusive or auto-delete (pika `queue_declare`,
    aio-pika `declare_queue`: the packs' `lifetime`), one the broker names
    (`queue_declare(queue="")`, as in an RPC client's reply queue or a log
    tail), or RabbitMQ's direct reply-to. When the consumer crashes, the queue
    and every unacknowledged message go with it, so acknowledging late would
    save nothing.

    ## Why is this bad?
    Once a message is acknowledged the broker will not deliver it again. A
    consumer that crashes, is redeployed or raises between the acknowledgement
    and the work loses the message: the card is never charged, the e-mail never
    sent, the follow-up event never published. Automatic offset commits do
    not wait for the handler either: aiokafka and confluent-kafka commit from a
    background timer the offsets of messages already handed out, kafka-python
    commits at the next poll and when the consumer is closed (also after the
    handler raised), so a message in progress or whose handling failed is
    skipped for good.

    ## How to fix it
    Acknowledge after the work: turn automatic acknowledgement off (pika
    `auto_ack=False`, aio-pika / kombu `no_ack=False`, Kafka
    `enable_auto_commit=False` / `enable.auto.commit: false`) and acknowledge or
    commit at the end of the handler, once its side effects are done (or use
    aio-pika's `async with message.process():` around the work). With
    confluent-kafka you may keep automatic commits and set
    `enable.auto.offset.store: false`, calling `consumer.store_offsets(msg)`
    after the work. Make the handler idempotent (EDA401), since
    acknowledging late means a message may arrive twice.

    ## Limitations
    - A named reply queue that is neither exclusive nor auto-delete (its name
      sent as `reply_to`) is still reported: the value of `reply_to` is not in
      the facts.
    - An auto-delete queue with several consumers requeues a crashed consumer's
      unacknowledged messages to the others; such a queue is still treated as
      dying with its consumer.
    - When a library acknowledges by itself comes from the framework packs,
      each default looked up in the library's documentation and cited there:
      a subscription's `ack` is `on-delivery`, `auto-commit`, `after-handler`
      (NATS JetStream callbacks, FastStream's RabbitMQ / NATS / Redis default
      and its `ACK`, `REJECT_ON_ERROR`, `NACK_ON_ERROR` policies: not a
      finding) or `manual`. The frameworks judged are listed in
      `ack_on_delivery_frameworks` and `auto_commit_frameworks`, which also say
      what a plain `auto` means (from a team's pack that does not say when).
    - Order is the order of lines in a function: an acknowledgement in a branch
      that returns early (a skipped duplicate or poison message) is recognised
      only when another acknowledgement follows the work (later in the function,
      or inside the call that does the work); one in an `except` clause is
      ignored. Calls in different arms of an `if`, or one under `if not X:`
      whose arm `continue`s and one in the rest of the loop pass (X the result
      of a call), are on paths apart: the work named is the first one reached
      from the acknowledgement on its own path.
    - A polling loop is seen only when it is part of a handler's facts: when the
      loop itself is the handler, or when the function running it also
      publishes. A loop that commits before calling a separate handler function
      (`consumer.commit()` then `handle(msg)`) is not analysed.
    - The end of an `async with message.process():` block is not a call: a
      block that closes before the work is not seen.
    - A confluent-kafka consumer with `enable.auto.offset.store: false` is
      recognised by a `store_offsets` call in the handler's facts only.
    - An auto-commit subscription whose handler is not known (a consumer made
      at module level and iterated inside a function) is not reported.
    """

    code = "EDA402"
    name = "ack-before-processing"
    severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        """
        - ack_on_delivery_frameworks: frameworks whose subscriptions are judged when they acknowledge each message as it is delivered (`ack: on-delivery` in the packs, or `auto` from a pack that does not say when); always a finding
        - auto_commit_frameworks: frameworks whose subscriptions are judged when they commit offsets by themselves, whatever the handler's outcome (`ack: auto-commit`, or `auto` from a pack that does not say when); a finding when the handler has a side effect
        - ack_calls: globs on calls that acknowledge a message or commit its offset
        - offset_store_calls: globs on calls that mark a message processed for the next automatic commit; an auto-commit handler that makes one is not reported
        - payments: globs on a call's qualified name or text that move money
        - db_writes: globs on calls that write to a database
        - sql_execute: globs on calls that run SQL; a write when their SQL text matches sql_write
        - sql_write: regular expression on SQL text that writes
        - http_writes: globs on HTTP calls that change state
        - messages: globs on calls that send e-mail, SMS or push messages
        - storage_writes: calls that write to object storage
        - publications_are_work: a publication is work that must not be lost, like a side effect
        - in_process_frameworks: globs on frameworks whose publications stay in the process (in-house buses, the `inhouse-*` packs `eventlint init` writes for them, blinker, pyee); handing them an event is not work by itself, what the handlers they run do is
        - transient_queues: globs on queues (names, or the facts' `broker-named queue in ...` form) that die with their consumer; automatic acknowledgement from them is not reported (queues declared exclusive or auto-delete are known from the framework packs)
        - best_effort_calls: globs on calls whose loss a team commonly accepts: a mail, SMS, push or chat message to a person (rules/knowledge/failure-handling.yaml, and the `messages` of side-effects.yaml); an auto-commit subscription whose handler's only work is such calls is not reported; set to `[]` to report it
        - inert_calls: globs on calls that change nothing outside the process (printing, logging, parsing, waiting, reads; rules/knowledge/inert-calls.yaml, as EDA501 judges them); a subscription acknowledged on delivery or committed automatically whose handler makes only these calls and publishes nothing has nothing to lose, and is not reported; `[]` reports it
        - placeholder_hosts: host names reserved for documentation (RFC 2606, RFC 6761; rules/knowledge/inert-calls.yaml); a call whose every URL literal names one reaches no real service and is taken as inert when judging a handler with `inert_calls`; `[]` judges such calls as any other
        """

        ack_on_delivery_frameworks: tuple[str, ...] = ACK_ON_DELIVERY
        auto_commit_frameworks: tuple[str, ...] = AUTO_COMMIT
        ack_calls: tuple[str, ...] = ACK_CALLS
        offset_store_calls: tuple[str, ...] = OFFSET_STORE_CALLS
        payments: tuple[str, ...] = PAYMENTS
        db_writes: tuple[str, ...] = DB_WRITES
        sql_execute: tuple[str, ...] = SQL_EXECUTE
        sql_write: str = SQL_WRITE
        http_writes: tuple[str, ...] = HTTP_WRITES
        messages: tuple[str, ...] = MESSAGES
        storage_writes: tuple[str, ...] = STORAGE_WRITES
        publications_are_work: bool = True
        in_process_frameworks: tuple[str, ...] = IN_PROCESS
        transient_queues: tuple[str, ...] = TRANSIENT_QUEUES
        best_effort_calls: tuple[str, ...] = BEST_EFFORT
        inert_calls: tuple[str, ...] = INERT_CALLS
        placeholder_hosts: tuple[str, ...] = knowledge.placeholder_hosts()

    invalid = [
        Example(
            """
            from faststream.kafka import KafkaBroker

            from billing.gateway import charge_card

            broker = KafkaBroker("kafka:9092")

            # FastStream's Kafka default (AckPolicy.ACK_FIRST) commits offsets automatically: at most once
            @broker.subscriber("orders.placed", group_id="billing")  # expect: EDA402
            async def charge(order: dict) -> None:
                charge_card(order["customer_id"], order["total"])
            """,
            files=_GATEWAY,
        ),
        Example(
            """
            from faststream.rabbit import RabbitBroker
            from faststream import AckPolicy

            from billing.gateway import charge_card

            broker = RabbitBroker("amqp://guest:guest@rabbitmq:5672/")

            @broker.subscriber("payments", ack_policy=AckPolicy.ACK_FIRST)  # expect: EDA402
            async def charge(order: dict) -> None:
                charge_card(order["customer_id"], order["total"])
            """,
            files=_GATEWAY,
        ),
        Example(
            """
            import json

            import pika
            import requests

            def on_shipment(channel, method, properties, body):
                requests.post("https://carrier.internal/pickups", json=json.loads(body))

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="shipments", on_message_callback=on_shipment, auto_ack=True)  # expect: EDA402
            channel.start_consuming()
            """
        ),
        Example(
            """
            import pika
            import requests

            def on_entry(channel, method, properties, body):
                requests.post("https://audit.internal/entries", data=body)

            channel = pika.BlockingConnection(pika.ConnectionParameters(host="rabbitmq")).channel()
            # durable and shared: a crashed consumer's auto-acknowledged messages are gone, the queue stays
            channel.queue_declare(queue="audit", durable=True, exclusive=False)
            channel.basic_consume(queue="audit", on_message_callback=on_entry, auto_ack=True)  # expect: EDA402
            channel.start_consuming()
            """
        ),
        Example(
            """
            from kafka import KafkaConsumer

            from app_handlers import HANDLERS
            from shop.bus import MessageBus
            from shop.events import OrderPlaced

            bus = MessageBus(HANDLERS)

            # the bus runs charge() in this loop's stack, while kafka-python commits offsets on its own
            def run():
                consumer = KafkaConsumer("orders.placed", group_id="billing")  # expect: EDA402
                for message in consumer:
                    bus.handle(OrderPlaced(message.value["customer_id"], message.value["total"]))
            """,
            files={**_PAYMENT_BUS, "app_handlers.py": _PAYMENT_HANDLERS.format(expect="")},
        ),
        Example(
            """
            from kafka import KafkaConsumer
            from billing.gateway import charge_card

            def on_order(event):
                charge_card(event["customer_id"], event["total"])

            def run():
                consumer = KafkaConsumer("orders.placed", group_id="billing")  # expect: EDA402
                for message in consumer:
                    on_order(message.value)
            """,
            files=_GATEWAY,
        ),
        Example(
            """
            import aio_pika
            import httpx

            async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                await message.ack()  # expect: EDA402
                httpx.post("https://carrier.internal/shipments", content=message.body)

            async def main() -> None:
                connection = await aio_pika.connect_robust("amqp://guest:guest@localhost/")
                channel = await connection.channel()
                queue = await channel.declare_queue("shipments", durable=True)
                await queue.consume(on_message)
            """
        ),
        Example(
            """
            from google.cloud import pubsub_v1
            from sqlalchemy.orm import Session

            from ledger.models import Entry

            def callback(message):
                message.ack()  # expect: EDA402
                with Session() as session:
                    session.add(Entry(message.data))
                    session.commit()

            subscriber = pubsub_v1.SubscriberClient()
            subscriber.subscribe("projects/shop/subscriptions/ledger", callback=callback)
            """,
            files=_LEDGER,
        ),
        Example(
            """
            import requests
            from confluent_kafka import Consumer

            def run(session):
                consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "ledger", "enable.auto.commit": False})
                consumer.subscribe(["payments.captured"])
                while True:
                    msg = consumer.poll(1.0)
                    if msg is None:
                        continue
                    consumer.commit(message=msg)  # expect: EDA402
                    requests.post("https://ledger.internal/entries", data=msg.value())
            """
        ),
    ]
    valid = [
        Example(
            """
            import pika

            # a tutorial's consumer that only prints what it receives: a message lost on a crash leaves nothing undone
            def callback(ch, method, properties, body):
                print(f" [x] Received {body.decode()}")

            channel = pika.BlockingConnection(pika.ConnectionParameters(host="localhost")).channel()
            channel.queue_declare(queue="hello")
            channel.basic_consume(queue="hello", on_message_callback=callback, auto_ack=True)
            channel.start_consuming()
            """
        ),
        Example(
            """
            from faststream.kafka import KafkaBroker
            from faststream import AckPolicy

            from billing.gateway import charge_card

            broker = KafkaBroker("kafka:9092")

            # committed after the handler returns, and not when it raises
            @broker.subscriber("orders.placed", group_id="billing", ack_policy=AckPolicy.REJECT_ON_ERROR)
            async def charge(order: dict) -> None:
                charge_card(order["customer_id"], order["total"])
            """,
            files=_GATEWAY,
        ),
        Example(
            """
            from faststream.rabbit import RabbitBroker

            from billing.gateway import charge_card

            broker = RabbitBroker("amqp://guest:guest@rabbitmq:5672/")

            # FastStream's RabbitMQ default acknowledges when the handler returns (rejects when it raises)
            @broker.subscriber("payments")
            async def charge(order: dict) -> None:
                charge_card(order["customer_id"], order["total"])
            """,
            files=_GATEWAY,
        ),
        Example(
            """
            import json

            import pika
            import requests

            def on_shipment(channel, method, properties, body):
                requests.post("https://carrier.internal/pickups", json=json.loads(body))
                channel.basic_ack(delivery_tag=method.delivery_tag)

            channel = pika.BlockingConnection().channel()
            channel.basic_consume(queue="shipments", on_message_callback=on_shipment)
            channel.start_consuming()
            """
        ),
        # a log tail on an exclusive queue (RabbitMQ's publish/subscribe tutorial): the queue dies with the consumer
        Example(
            """
            import pika

            connection = pika.BlockingConnection(pika.ConnectionParameters(host="localhost"))
            channel = connection.channel()
            channel.exchange_declare(exchange="logs", exchange_type="fanout")
            channel.queue_declare(queue="log-tail", exclusive=True)
            channel.queue_bind(exchange="logs", queue="log-tail")

            def callback(ch, method, properties, body):
                print(body)

            channel.basic_consume(queue="log-tail", on_message_callback=callback, auto_ack=True)
            channel.start_consuming()
            """
        ),
        # an RPC client's reply queue, named by the broker and sent as reply_to
        Example(
            """
            import uuid

            import pika

            class RpcClient:
                def __init__(self):
                    self.connection = pika.BlockingConnection(pika.ConnectionParameters(host="localhost"))
                    self.channel = self.connection.channel()
                    result = self.channel.queue_declare(queue="", exclusive=True)
                    self.reply_queue = result.method.queue
                    self.channel.basic_consume(queue=self.reply_queue, on_message_callback=self.on_reply, auto_ack=True)
                    self.response = None
                    self.correlation_id = None

                def on_reply(self, ch, method, props, body):
                    if props.correlation_id == self.correlation_id:
                        self.response = body

                def call(self, n):
                    self.correlation_id = str(uuid.uuid4())
                    self.channel.basic_publish(
                        exchange="",
                        routing_key="rpc_queue",
                        properties=pika.BasicProperties(reply_to=self.reply_queue, correlation_id=self.correlation_id),
                        body=str(n),
                    )
                    while self.response is None:
                        self.connection.process_data_events(time_limit=None)
                    return int(self.response)
            """
        ),
        # aio-pika: a temporary queue declared exclusive, consumed with no_ack
        Example(
            """
            import aio_pika

            async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                print(message.body)

            async def main() -> None:
                connection = await aio_pika.connect_robust("amqp://guest:guest@localhost/")
                channel = await connection.channel()
                exchange = await channel.declare_exchange("logs", aio_pika.ExchangeType.FANOUT)
                queue = await channel.declare_queue(exclusive=True)
                await queue.bind(exchange)
                await queue.consume(on_message, no_ack=True)
            """
        ),
        Example(
            """
            from kafka import KafkaConsumer
            from billing.gateway import charge_card

            def on_order(event):
                charge_card(event["customer_id"], event["total"])

            def run():
                consumer = KafkaConsumer("orders.placed", group_id="billing", enable_auto_commit=False)
                for message in consumer:
                    on_order(message.value)
                    consumer.commit()
            """,
            files=_GATEWAY,
        ),
        Example(
            """
            import aio_pika
            import httpx

            async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                httpx.post("https://carrier.internal/shipments", content=message.body)
                await message.ack()

            async def main() -> None:
                connection = await aio_pika.connect_robust("amqp://guest:guest@localhost/")
                channel = await connection.channel()
                queue = await channel.declare_queue("shipments", durable=True)
                await queue.consume(on_message)
            """
        ),
        Example(
            """
            from google.cloud import pubsub_v1
            from sqlalchemy.orm import Session

            from ledger.models import Entry

            def callback(message):
                with Session() as session:
                    session.add(Entry(message.data))
                    session.commit()
                message.ack()

            subscriber = pubsub_v1.SubscriberClient()
            subscriber.subscribe("projects/shop/subscriptions/ledger", callback=callback)
            """,
            files=_LEDGER,
        ),
        Example(
            """
            import requests
            from confluent_kafka import Consumer

            def run(session):
                consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "ledger", "enable.auto.commit": False})
                consumer.subscribe(["payments.captured"])
                while True:
                    msg = consumer.poll(1.0)
                    if msg is None:
                        continue
                    requests.post("https://ledger.internal/entries", data=msg.value())
                    consumer.commit(message=msg)
            """
        ),
        Example(
            """
            from nats.aio.client import Client
            from shipping.store import already_shipped, create_shipment

            async def on_order(msg):
                if already_shipped(msg.data):
                    await msg.ack()
                    return
                create_shipment(msg.data)
                await msg.ack()

            async def main() -> None:
                nc = Client()
                await nc.connect()
                js = nc.jetstream()
                await js.subscribe("orders.placed", durable="shipping", cb=on_order, manual_ack=True)
            """,
            files={
                "shipping/__init__.py": "",
                "shipping/store.py": (
                    "import requests\n\n"
                    "def already_shipped(data):\n    return False\n\n"
                    "def create_shipment(data):\n    requests.post('https://carrier.internal/shipments', data=data)\n"
                ),
            },
        ),
        Example(
            """
            from kafka import KafkaConsumer

            def record(value):
                print(value)

            def run():
                for message in KafkaConsumer("orders.placed", group_id="analytics"):
                    record(message.value)
            """
        ),
        Example(
            """
            import logging

            from kafka import KafkaConsumer

            from shop.bus import MessageBus
            from shop.events import OrderPlaced

            log = logging.getLogger(__name__)

            def audit(event):
                log.info("order placed: %s", event.total)

            bus = MessageBus({OrderPlaced: [audit]})

            # handing the event to the bus is no work by itself: its only handler logs
            def run():
                for message in KafkaConsumer("orders.placed", group_id="audit"):
                    bus.handle(OrderPlaced(message.value["customer_id"], message.value["total"]))
            """,
            files=_PAYMENT_BUS,
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        yield from self._automatic(ctx)
        yield from self._early(ctx)

    # -- subscriptions that acknowledge by themselves ---------------------------------------

    def _automatic(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        options = self.options
        sites: dict[tuple[str, int, int, str, str], list[Subscription]] = {}
        # a wrapper's own consumer (`def consume(topic): AIOKafkaConsumer(topic, ...)`) is the same subscription as the
        # calls of the wrapper, which name the topic: those are reported, not it (as EDA501 does)
        wrapped = {(s.framework, v) for s in ctx.facts.subscribers for v in s.via}
        for sub in ctx.facts.subscribers:
            if sub.channel is None and (sub.framework, sub.function) in wrapped:
                continue
            # the framework packs say when a library acknowledges by itself (on-delivery, auto-commit,
            # after-handler); a plain `auto` (a team's own pack, an older facts document) is read through the lists
            if sub.ack in ("on-delivery", "auto") and sub.framework in options.ack_on_delivery_frameworks:
                kind = "delivery"
            elif sub.ack in ("auto-commit", "auto") and sub.framework in options.auto_commit_frameworks:
                kind = "commit"
            else:
                continue
            if kind == "delivery" and self._transient(sub, ctx):
                continue  # the queue dies with its consumer: acknowledging later would save nothing
            if self._inert(ctx.handlers_by_name.get(sub.handler or ""), ctx):
                continue  # it only prints, logs or parses: a lost message leaves nothing undone
            sites.setdefault((sub.path, sub.line, sub.column, sub.handler or "", kind), []).append(sub)
        for (_, _, _, handler_name, kind), subs in sorted(sites.items()):
            first = subs[0]
            channels = ", ".join(sorted({shown_channel(s.channel, s.channel_expr) for s in subs}))
            who = short(handler_name) if handler_name else (first.handler_expr or "the handler")
            if kind == "delivery":
                yield self.finding(
                    first,
                    f"{who} consumes {channels} with automatic acknowledgement ({first.framework}): the broker forgets "
                    f"each message when it is delivered, so a crash or an exception in {who} loses it, and no "
                    "dead-letter destination can ever receive it",
                    hint="turn automatic acknowledgement off (pika auto_ack=False, aio-pika/kombu no_ack=False, "
                    "xreadgroup without noack) and acknowledge at the end of the handler, after its work",
                )
                continue
            handler = ctx.handlers_by_name.get(handler_name)
            if handler is None or any(named(c, options.offset_store_calls) for c in handler.calls):
                continue
            work = self._works(handler, ctx)
            if not work:
                continue
            if all(w.best_effort and w.publication is None for w in work):
                continue  # only notifications a team commonly accepts to lose: at-most-once is a fair choice
            first_work = min(work, key=lambda w: (w.steps[0].line, w.steps[0].column, len(w.steps)))
            # a group the extraction could not resolve is kept as its expression (`config('GROUP_ID', cast=str)`)
            shown = f"`{first.group}`" if first.group and re.search(r"[()\[\]{}\s]", first.group) else first.group
            group = f" (group {shown})" if first.group else ""
            yield self.finding(
                first,
                f"{who} consumes {channels}{group} with automatic offset commits ({first.framework}) and "
                f"{first_work.what} ({_label(first_work.label, first_work.steps, 0)}): offsets are committed whatever "
                "the handler's outcome, so a message still being processed, or whose processing failed, can be committed "
                "and is never delivered again",
                hint="disable automatic commits (enable_auto_commit=False / enable.auto.commit: false; FastStream: "
                "ack_policy=AckPolicy.REJECT_ON_ERROR, or auto_commit=False before 0.6) and commit after the "
                "work, or with confluent-kafka set enable.auto.offset.store: false and store_offsets(msg) after the work",
            )

    def _inert(self, handler: Handler | None, ctx: RuleContext) -> bool:
        """The handler (and what it calls in the project) makes only inert calls (`inert_calls`: prints, logs,
        parses, waits, reads; a request to a documentation host; a method of the delivered record no type names)
        and publishes nothing: EDA501's judgement of a consumer with nothing to redo. A handler not in the facts,
        or whose analysis was cut short, is not known to be inert."""
        options = self.options
        if handler is None or handler.truncated or not options.inert_calls or ctx.publications_of(handler):
            return False
        followed = set(handler.functions)
        read = {(r.path, r.line, r.column) for r in handler.reads if r.access == "get"}
        for call in handler.calls:
            if knowledge.placeholder_call(call, options.placeholder_hosts):
                continue
            if _effect(call, options) is not None:
                return False  # what the rule calls work (a project `charge_card` too, by its name)
            if call.name in followed or (call.path, call.line, call.column) in read:
                continue  # a project function (its own calls are judged), a field read (`event.get("id")`)
            if call.on_message and call.name == call.text:
                continue  # a method of the record a consuming loop receives (`message.process()`): the framework's own
            if not knowledge.matches_any(call, options.inert_calls):
                return False
        return True

    def _transient(self, sub: Subscription, ctx: RuleContext) -> bool:
        """The consumed queue dies with its consumer (handler_queries.transient_queue)."""
        return transient_queue(sub, ctx.facts.bindings, self.options.transient_queues)

    # -- explicit acknowledgements before the work -----------------------------------------

    def _early(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        options = self.options
        reported: set[tuple[str, int, int]] = set()
        for handler in ctx.facts.handlers:
            acks = [c for c in handler.calls if named(c, options.ack_calls) and not c.in_except]
            if not acks:
                continue
            works = self._works(handler, ctx)
            if not works:
                continue
            index = _callee_index(handler)
            ack_steps = [(ack, _steps(ack, handler, index)) for ack in acks]
            for ack, steps in sorted(ack_steps, key=lambda a: (a[0].depth, a[0].path, a[0].line, a[0].column)):
                early = self._first_work_after(steps, works, ack_steps)
                if early is None:
                    continue
                level, work = early
                site = steps[level]
                if (site.path, site.line, site.column) in reported:
                    continue
                reported.add((site.path, site.line, site.column))
                ack_label = _label(ack.text, steps, level)
                yield self.finding(
                    (site.path, site.line, site.column),
                    f"{short(site.function)} acknowledges the message ({ack_label}) before it "
                    f"{work.what} ({_label(work.label, work.steps, level)}, {_where(work.steps[level])}): "
                    "a crash in between loses the message and the work is never done",
                    hint="acknowledge or commit after the work, at the end of the handler",
                    service=handler.service,
                    event=work.publication.event if work.publication else None,
                )

    def _first_work_after(
        self, steps: tuple[_Step, ...], works: list[_Work], acks: list[tuple[HandlerCall, tuple[_Step, ...]]]
    ) -> tuple[int, _Work] | None:
        """The first work that follows this acknowledgement where the two meet.

        A work that some other acknowledgement follows too is left out: the early one is then on a path
        that skips the work (a duplicate or poison message acknowledged and dropped). Work on a path apart from
        the acknowledgement's (the other arm of an `if`, the rest of a loop pass its branch `continue`s past) is
        not reached from it, and an acknowledgement on a path apart from the work's does not follow it.
        """
        candidates = []
        for work in works:
            level = _meet(steps, work.steps)
            if level is None or level >= len(steps) or level >= len(work.steps):
                continue
            here, there = steps[level], work.steps[level]
            if there.line <= here.line or _apart(steps, work.steps):
                continue
            if any(other != steps and _after(other, work.steps) and not _apart(other, work.steps) for _, other in acks):
                continue
            candidates.append((level, there.line, there.column, work))
        if not candidates:
            return None
        level, _, _, work = min(candidates, key=lambda c: (c[1], c[2]))
        return level, work

    def _works(self, handler: Handler, ctx: RuleContext) -> list[_Work]:
        options = self.options
        index = _callee_index(handler)
        works = self._own_works(handler, ctx, index)
        # an event handed to an in-process bus is work through what the bus's handlers do (one hop)
        for prefix, target, _ in _bus_hops(handler, ctx, options.in_process_frameworks, index):
            for work in self._own_works(target, ctx, _callee_index(target)):
                works.append(dataclasses.replace(work, steps=(*prefix, *work.steps)))
        # and through the functions it dispatches the message to with a handler map (`ROUTES[topic](msg)`)
        for prefix, target in _dispatch_hops(handler, ctx, index):
            for work in self._own_works(target, ctx, _callee_index(target)):
                works.append(dataclasses.replace(work, steps=(*prefix, *work.steps)))
        return works

    def _own_works(self, handler: Handler, ctx: RuleContext, index: dict[str, HandlerCall]) -> list[_Work]:
        options = self.options
        works = []
        for call in handler.calls:
            what = _effect(call, options)
            if what is not None:
                label = short(call.name if "." in call.name else call.text)
                best = knowledge.matches_any(call, getattr(options, "best_effort_calls", ()))
                works.append(_Work(what, label, _steps(call, handler, index), best_effort=best))
        if options.publications_are_work:
            works.extend(_publications(handler, ctx, options.in_process_frameworks, index))
        return works


def _bus_hops(
    handler: Handler, ctx: RuleContext, in_process: tuple[str, ...], index: dict[str, HandlerCall]
) -> Iterator[tuple[tuple[_Step, ...], Handler, Publication]]:
    """For each event the handler hands to an in-process bus: the steps to the hand-off, and each handler the bus
    runs for it (one hop; the handler itself is left out)."""
    publications = [p for p in ctx.publications_of(handler) if matches(p.framework, in_process)]
    if not publications:
        return
    flow = ctx.flow
    calls_at = {(c.path, c.line, c.column): c for c in handler.calls}
    for publication in publications:
        call = calls_at.get((publication.path, publication.line, publication.column))
        if call is None:
            continue
        prefix = _steps(call, handler, index)
        for subscription in ctx.facts.subscribers:
            if subscription.framework != publication.framework or not flow.reaches(publication, subscription):
                continue
            target = ctx.handlers_by_name.get(subscription.handler or "")
            if target is None or target.name == handler.name:
                continue
            yield prefix, target, publication


def _dispatch_hops(handler: Handler, ctx: RuleContext, index: dict[str, HandlerCall]) -> Iterator[tuple[tuple[_Step, ...], Handler]]:
    """For each function the handler dispatches the message to through a handler map: the steps to the call that
    looks it up, and that function's handler facts."""
    calls_at = {(c.path, c.line, c.column): c for c in handler.calls}
    for target in ctx.facts.handlers:
        site = target.dispatch_site
        if target.dispatched_by != handler.name or site is None:
            continue
        call = calls_at.get((site.path, site.line, site.column))
        if call is not None:
            yield _steps(call, handler, index), target


def _after(a: tuple[_Step, ...], b: tuple[_Step, ...]) -> bool:
    """`a` runs after `b`: later in the function where they meet, or inside the call that is `b`."""
    level = _meet(a, b)
    if level is None:
        return len(a) > len(b) and a[: len(b)] == b
    if level >= len(a) or level >= len(b):
        return False
    return a[level].line > b[level].line


def _where(step: _Step) -> str:
    return "when it returns" if step.line == END else f"line {step.line}"


class DualWrite(Rule):
    """Checks for functions that write to a database and publish an event with no transactional outbox.

    ## What it does
    Looks at every function that publishes — message handlers and publishers
    alike (HTTP endpoints, jobs) — and follows it into the project functions it
    calls. When one function both writes to a database (the writes EDA401 knows:
    `session.add`, `.save()`, `.objects.create`, `insert_one`, `put_item`, SQL
    `INSERT`/`UPDATE` through `execute`, and `session.commit()`) and publishes to
    a broker, and nothing under it writes to an outbox (an `*outbox*` call or
    table) or uses a transactional producer, the publication is reported, with
    the function where the two meet.

    The write and the publication are judged along one path: a router whose
    arms do one each (`if route == "/parcels": return register(body)` then
    `return cancel(parcel_id)`, or the arms of one `if` / `elif` / `else`) is
    not a dual write. Arms are exclusive when they are the body and the
    `elif`/`else` of one `if`, or the body of an `if` that returns or raises
    and the rest of the function — unless a loop or `try` around the `if`
    brings control back (another record of a batch, a `finally`).

    An event whose every consumer in the analysed code does nothing that
    outlives its process is not reported: each consumer only shows, logs or
    parses what it receives (a live feed to a browser over server-sent events
    or a WebSocket, a log line; the calls of `rules/knowledge/inert-calls.yaml`,
    judged as EDA501 judges a handler with nothing to protect, relays
    included). A lost event then costs a live notification, and no state kept
    from the stream can disagree with the database. An event with no consumer
    in the analysed code, or one an unresolved consumer could receive, is
    still reported; `report_inert_consumers: true` reports these too. On the
    three review sets (`benchmarks/field/`) this left out one finding, judged
    pointless (a confirmation whose only reader streams it to the browser),
    and none of the 19 judged true.

    ## Why is this bad?
    The database and the broker are two systems with no shared transaction. The
    process can commit the order and die before the `OrderPlaced` is sent — the
    order is never paid for or shipped — or publish and then fail to commit, so
    consumers act on an order that does not exist. Retrying does not help: the
    retry either republishes or skips the half that already happened.

    ## How to fix it
    Use a transactional outbox: insert the event into an outbox table in the
    same database transaction as the change, and let a relay (or change data
    capture, e.g. Debezium) publish the rows and mark them sent. Consumers must
    then tolerate duplicates (EDA401). A team's own outbox helper can be named
    in the `outbox_calls` option.

    ## Limitations
    - Writes are recognised by name (the same classification as EDA401); an ORM
      object changed by attribute assignment and committed elsewhere is not.
    - A publication to an in-process bus (`in_process_frameworks`: in-house
      buses recognised by their shape, blinker signals, pyee emitters) is not a
      broker write; the handlers the bus runs for that event are followed
      instead, one bus hop deep, so a write before `bus.handle(OrderPlaced(...))`
      and a Kafka send in the `OrderPlaced` handler are one dual write.
    - Only functions with facts of their own are examined: handlers, and
      functions whose own body publishes (directly or through a wrapper that
      takes the destination). A plain function that writes and then calls a
      publishing helper with a fixed destination is not seen; the helper is.
    - A transactional producer (`begin_transaction`, `send_offsets_to_transaction`)
      is accepted as evidence by default, as the team's statement that the step
      is designed for it; it does not by itself make the database write atomic
      with the publication.
    - Exclusive arms are read from `if` statements only (not `match` cases, nor
      two arms whose conditions exclude each other across separate `if`s).
    """

    code = "EDA403"
    name = "dual-write"
    severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        """
        - db_writes: globs on calls that write to a database
        - sql_execute: globs on calls that run SQL; a write when their SQL text matches sql_write
        - sql_write: regular expression on SQL text that writes
        - db_commits: globs on calls that commit a database transaction
        - outbox_calls: globs on calls (or the functions under the one that writes and publishes) that show a transactional outbox
        - outbox_sql: regular expression on SQL text that writes to an outbox table
        - transactional_calls: globs on calls of a transactional producer, taken as evidence too
        - in_process_frameworks: globs on frameworks whose publications stay in the process (in-house buses, the `inhouse-*` packs `eventlint init` writes for them, blinker, pyee); not broker writes, but the handlers they run are followed
        - inert_calls: globs on calls that change nothing outside the process (rules/knowledge/inert-calls.yaml, as EDA501's); an event whose every consumer in the analysed code makes only these (a live feed to a browser, a log) carries no state anyone keeps, and its dual write is not reported
        - report_inert_consumers: report a dual write whose event only inert consumers receive too
        """

        db_writes: tuple[str, ...] = DB_WRITES
        sql_execute: tuple[str, ...] = SQL_EXECUTE
        sql_write: str = SQL_WRITE
        db_commits: tuple[str, ...] = DB_COMMITS
        outbox_calls: tuple[str, ...] = OUTBOX_CALLS
        outbox_sql: str = OUTBOX_SQL
        transactional_calls: tuple[str, ...] = TRANSACTIONAL_PRODUCER
        in_process_frameworks: tuple[str, ...] = IN_PROCESS
        inert_calls: tuple[str, ...] = INERT_CALLS
        report_inert_consumers: bool = False

    invalid = [
        Example(
            """
            from shop.bus import MessageBus
            from shop.events import OrderPlaced
            from shop.handlers import HANDLERS

            bus = MessageBus(HANDLERS)

            def place_order(session, order):
                session.add(order)
                session.commit()
                bus.handle(OrderPlaced(order.id))  # expect: EDA403
            """,
            files={**_BUS, "shop/handlers.py": _BUS_HANDLERS.format(handler=(
                "producer = KafkaProducer(bootstrap_servers='kafka:9092')\n\n\n"
                "def announce(event):\n    producer.send('orders.placed', {'order_id': event.order_id})\n"
            ))},
        ),
        Example(
            """
            import json

            from kafka import KafkaProducer
            from orders.models import Order

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def place_order(session, customer_id, total):
                order = Order(customer_id=customer_id, total=total)
                session.add(order)
                session.commit()
                producer.send("orders.placed", json.dumps({"order_id": order.id}).encode())  # expect: EDA403
            """,
            files=_ORDERS,
        ),
        Example(
            """
            from nameko.events import EventDispatcher
            from nameko.rpc import rpc

            from orders.models import Order

            class OrdersService:
                name = "orders"
                dispatch = EventDispatcher()

                @rpc
                def create_order(self, customer_id, total):
                    order = Order(customer_id=customer_id, total=total)
                    self.db.add(order)
                    self.db.commit()
                    self.dispatch("order_created", {"order_id": order.id})  # expect: EDA403
            """,
            files=_ORDERS,
        ),
        Example(
            """
            import asyncpg
            import tomodachi

            async def insert_order(customer_id, total):
                conn = await asyncpg.connect()
                await conn.execute("INSERT INTO orders (customer_id, total) VALUES ($1, $2)", customer_id, total)

            class OrdersService(tomodachi.Service):
                name = "orders"

                @tomodachi.aws_sns_sqs("payment-captured")
                async def on_payment(self, data):
                    await insert_order(data["customer_id"], data["total"])
                    await tomodachi.aws_sns_sqs_publish(self, data, topic="order-paid")  # expect: EDA403
            """
        ),
        Example(
            """
            from faststream.kafka import KafkaBroker
            from pydantic import BaseModel

            broker = KafkaBroker()

            class InvoiceIssued(BaseModel):
                order_id: str

            @broker.subscriber("payments.captured")
            @broker.publisher("invoices.issued")  # expect: EDA403
            async def issue_invoice(payment: dict, session) -> InvoiceIssued:
                session.add(payment)
                await session.commit()
                return InvoiceIssued(order_id=payment["order_id"])
            """
        ),
    ]
    valid = [
        Example(
            """
            from shop.bus import MessageBus
            from shop.events import OrderPlaced
            from shop.handlers import HANDLERS

            bus = MessageBus(HANDLERS)

            # the bus's handler only records the event in the outbox; a relay publishes it
            def place_order(session, order):
                session.add(order)
                session.commit()
                bus.handle(OrderPlaced(order.id))
            """,
            files={**_BUS, "shop/handlers.py": _BUS_HANDLERS.format(handler=(
                "def announce(event, conn=None):\n"
                "    conn.execute('INSERT INTO outbox (topic, order_id) VALUES (%s, %s)', ('orders.placed', event.order_id))\n"
            ))},
        ),
        Example(
            """
            import json

            from orders.models import Order, OutboxMessage

            def place_order(session, customer_id, total):
                order = Order(customer_id=customer_id, total=total)
                session.add(order)
                session.add(OutboxMessage(topic="orders.placed", payload=json.dumps({"order_id": order.id})))
                session.commit()
            """,
            files={
                "orders/__init__.py": "",
                "orders/models.py": (
                    "class Order:\n    def __init__(self, **fields):\n        self.id = None\n\n"
                    "class OutboxMessage:\n    def __init__(self, **fields):\n        pass\n"
                ),
            },
        ),
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def relay_outbox(conn):
                for row in conn.execute("SELECT id, topic, payload FROM outbox WHERE sent_at IS NULL").fetchall():
                    producer.send(row.topic, row.payload)
                    conn.execute("UPDATE outbox SET sent_at = now() WHERE id = %s", (row.id,))
                conn.commit()
            """
        ),
        Example(
            """
            import asyncpg
            import tomodachi

            async def insert_order(customer_id, total):
                conn = await asyncpg.connect()
                async with conn.transaction():
                    await conn.execute("INSERT INTO orders (customer_id, total) VALUES ($1, $2)", customer_id, total)
                    await conn.execute("INSERT INTO outbox (topic, payload) VALUES ('order-paid', $1)", customer_id)

            class OrdersService(tomodachi.Service):
                name = "orders"

                @tomodachi.aws_sns_sqs("payment-captured")
                async def on_payment(self, data):
                    await insert_order(data["customer_id"], data["total"])
            """
        ),
        Example(
            """
            from nameko.events import EventDispatcher
            from nameko.rpc import rpc

            from orders.models import Order
            from orders.outbox import record_event

            class OrdersService:
                name = "orders"
                dispatch = EventDispatcher()

                @rpc
                def create_order(self, customer_id, total):
                    order = Order(customer_id=customer_id, total=total)
                    self.db.add(order)
                    record_event(self.db, "order_created", {"order_id": order.id})
                    self.db.commit()
            """,
            files={
                "orders/__init__.py": "",
                "orders/models.py": "class Order:\n    def __init__(self, **fields):\n        self.id = None\n",
                "orders/outbox.py": "def record_event(db, event_type, payload):\n    pass\n",
            },
        ),
        Example(
            """
            from kombu import Connection, Exchange, Producer

            from events.store import mark_sent, pending

            events = Exchange("events", type="topic")

            def forward_events(conn: Connection, db) -> None:
                producer = Producer(conn.channel(), exchange=events)
                for row in pending(db):
                    producer.publish(row.payload, routing_key=row.routing_key)
                    mark_sent(db, row.id)
            """,
            files={
                "events/__init__.py": "",
                "events/store.py": (
                    "def pending(db):\n"
                    "    return db.execute('SELECT id, routing_key, payload FROM domain_events WHERE sent_at IS NULL')\n\n"
                    "def mark_sent(db, event_id):\n"
                    "    db.execute('UPDATE domain_events SET sent_at = now() WHERE id = %s', (event_id,))\n"
                ),
            },
            options={"outbox_calls": ["events.store.*"]},
        ),
        Example(
            """
            from confluent_kafka import Consumer, Producer

            producer = Producer({"bootstrap.servers": "kafka:9092", "transactional.id": "invoicing-1"})

            def invoice(consumer: Consumer, msg, db) -> None:
                producer.begin_transaction()
                db.execute("INSERT INTO invoices (order_id) VALUES (%s) ON CONFLICT DO NOTHING", (msg.key(),))
                producer.produce("invoices.issued", key=msg.key(), value=msg.value())
                producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata())
                producer.commit_transaction()
            """
        ),
        Example(
            """
            import json

            from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
            from sqlalchemy.orm import Session

            from shop.db import Order, engine

            async def confirm(order_id: int) -> None:
                with Session(engine) as session:
                    session.get(Order, order_id).status = "CONFIRMED"
                    session.commit()
                producer = AIOKafkaProducer(bootstrap_servers="kafka:9092")
                await producer.start()
                try:
                    await producer.send_and_wait("order-notifications", json.dumps({"order_id": order_id}).encode())
                finally:
                    await producer.stop()

            # its only consumer streams it to the browser (server-sent events): nothing it does outlives the process
            async def live_updates(user_id: int):
                consumer = AIOKafkaConsumer("order-notifications", bootstrap_servers="kafka:9092", group_id="sse")
                await consumer.start()
                try:
                    async for msg in consumer:
                        event = json.loads(msg.value.decode("utf-8"))
                        if event["user_id"] == user_id:
                            yield f"data: {json.dumps(event)}\\n\\n"
                finally:
                    await consumer.stop()
            """,
            files={"shop/__init__.py": "", "shop/db.py": "engine = None\n\n\nclass Order:\n    pass\n"},
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        options = self.options
        reported: set[str] = set()
        inert = Inert(options.inert_calls, knowledge.state_by_assignment(), knowledge.placeholder_hosts())
        callers: dict[str, list[Handler]] | None = None
        in_process = any(matches(p.framework, options.in_process_frameworks) for p in ctx.facts.publishers)
        for handler in ctx.facts.handlers:
            index = _callee_index(handler)
            writes = [(c, _steps(c, handler, index)) for c in handler.calls if _db_write(c, options) or named(c, options.db_commits)]
            publications = _publications(handler, ctx, options.in_process_frameworks, index)
            if in_process:
                bus_writes, bus_publications = self._through_buses(handler, ctx, index)
                writes += bus_writes
                publications += bus_publications
            if not writes or not publications:
                continue
            meetings: dict[str, list[tuple[_Step, _Step, HandlerCall, _Work, int]]] = {}
            for write, steps in writes:
                for publication in publications:
                    level = _meet(steps, publication.steps)
                    if level is None or level >= len(steps) or level >= len(publication.steps):
                        continue
                    if steps[level].in_except != publication.steps[level].in_except:
                        # an error path (a failure event, a dead letter) against the success path's write
                        continue
                    if _exclusive(steps[level], publication.steps[level]):
                        # a router: the write in one arm of an `if`, the publication in another
                        continue
                    meetings.setdefault(steps[level].function, []).append((steps, publication, write, level))
            # a write whose own function already meets a publication is reported there; pairing it again with
            # a sibling's publication in the caller (two branches of a dispatcher) says nothing new
            meetings = {
                function: kept
                for function, pairs in meetings.items()
                if (kept := [p for p in pairs if not {s.function for s in p[0][p[3] + 1 :]} & set(meetings)])
            }
            for function, found in sorted(meetings.items()):
                if function in reported or self._outbox(function, handler):
                    continue
                reported.add(function)
                # name a write rather than a commit, a library call rather than a project function named like
                # one (`repo.save`), then the first of each in the function where they meet
                write_steps, _, write, level = min(
                    found,
                    key=lambda f: (self._commit_only(f[2]), f[2].name in handler.functions, f[0][f[3]].line, f[0][f[3]].column),
                )
                _, publication, _, pub_level = min(
                    found, key=lambda f: (f[1].steps[f[3]].line, f[1].steps[f[3]].column, not _named_pub(f[1]))
                )
                pub_step = publication.steps[pub_level]
                sent = [f[1].publication for f in found]
                if not options.report_inert_consumers and all(p is not None for p in sent):
                    callers = callers if callers is not None else callers_of(ctx.facts.handlers)
                    if all(inert.publication(p, ctx, callers) for p in sent if p is not None):
                        continue  # every consumer of what it publishes only shows or logs it: no state to disagree
                done = "commits a database transaction" if self._commit_only(write) else "writes to the database"
                write_label = _label(short(write.name if "." in write.name else write.text), write_steps, level)
                if pub_step.line == END and publication.publication is not None:
                    site = (publication.publication.path, publication.publication.line, publication.publication.column)
                else:
                    site = (pub_step.path, pub_step.line, pub_step.column)
                yield self.finding(
                    site,
                    f"{short(function)} {done} ({write_label}) and {publication.what} "
                    f"({_label(publication.label, publication.steps, pub_level)}) with no transactional outbox: "
                    "when one succeeds and the other fails, the database and the event stream disagree",
                    hint="insert the event into an outbox table in the same transaction as the write and let a relay "
                    "publish it (or use change data capture); name your own outbox helper in the outbox_calls option",
                    service=handler.service,
                    event=publication.publication.event if publication.publication else None,
                )

    def _commit_only(self, call: HandlerCall) -> bool:
        return not _db_write(call, self.options)

    def _through_buses(
        self, handler: Handler, ctx: RuleContext, index: dict[str, HandlerCall]
    ) -> tuple[list[tuple[HandlerCall, tuple[_Step, ...]]], list[_Work]]:
        """The writes and broker publications of the handlers an in-process bus runs for the events this
        function hands it, each reached through the call that hands the event over (one bus hop)."""
        options = self.options
        writes: list[tuple[HandlerCall, tuple[_Step, ...]]] = []
        publications: list[_Work] = []
        for prefix, target, _ in _bus_hops(handler, ctx, options.in_process_frameworks, index):
            target_index = _callee_index(target)
            for c in target.calls:
                if _db_write(c, options) or named(c, options.db_commits):
                    writes.append((c, (*prefix, *_steps(c, target, target_index))))
            for work in _publications(target, ctx, options.in_process_frameworks, target_index):
                publications.append(_Work(work.what, work.label, (*prefix, *work.steps), work.publication))
        return writes, publications

    def _outbox(self, function: str, handler: Handler) -> bool:
        """Evidence of an outbox or a transactional producer in `function` or the functions it calls."""
        options = self.options
        reach = {function}
        changed = True
        while changed:
            changed = False
            for call in handler.calls:
                if call.function in reach:
                    for target in (call.name, f"{call.name}.__init__"):
                        if target in handler.functions and target not in reach:
                            reach.add(target)
                            changed = True
        if any(matches(name, options.outbox_calls) for name in reach):
            return True
        for call in handler.calls:
            if call.function not in reach:
                continue
            if named(call, (*options.outbox_calls, *options.transactional_calls)) or with_literal(call, options.outbox_sql):
                return True
        return False


def _named_pub(work: _Work) -> bool:
    return work.publication is not None and bool(work.publication.event or work.publication.channel)


RULES = (NonIdempotentHandler, AckBeforeProcessing, DualWrite)
