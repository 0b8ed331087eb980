"""Rules of the delivery family (EDA4xx): at-least-once delivery meets the handler."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from eventlint.facts import Diagnostic, Handler, HandlerCall
from eventlint.rules.base import Example, HandlerRule, RuleContext, Severity
from eventlint.rules.handler_queries import chain, named, reaching_call, short, with_literal

PAYMENTS = ("*charge*", "*Charge.create", "*PaymentIntent.create", "*PaymentIntent.confirm", "*refund*", "*payout*", "*capture_payment*")
DB_WRITES = (
    "*session.add",
    "*Session.add",
    "*session.add_all",
    "*.objects.create",
    "*.objects.bulk_create",
    "*.save",
    "*.insert_one",
    "*.insert_many",
    "*.put_item",
    "*.bulk_write",
    "*.increment*",
)
SQL_EXECUTE = ("*.execute", "*.executemany", "*.exec_driver_sql")
SQL_WRITE = r"\b(insert\s+into|update\s+\w+\s+set)\b"
HTTP_WRITES = (
    "requests.post",
    "requests.put",
    "requests.patch",
    "requests.Session.post",
    "httpx.post",
    "httpx.put",
    "httpx.patch",
    "httpx.Client.post",
    "httpx.AsyncClient.post",
    "aiohttp.ClientSession.post",
    "aiohttp.ClientSession.put",
    "*session.post",
    "*session.put",
    "*session.patch",
    "*client.post",
    "*client.put",
    "*client.patch",
)
MESSAGES = (
    "*send_mail*",
    "*send_email*",
    "*sendmail",
    "*SMTP*.send_message",
    "*smtp.send_message",
    "*send_sms*",
    "*.messages.create",
    "*send_push*",
    "*send_notification*",
)


class NonIdempotentHandler(HandlerRule):
    """Checks for handlers whose side effects repeat when a message is redelivered.

    ## What it does
    Follows each handler into the project functions it calls and looks for a
    side effect that is not idempotent — charging a payment, writing to a
    database, an HTTP POST/PUT/PATCH, sending an e-mail or SMS — when nothing in
    the handler shows the message was deduplicated: no lookup of the incoming
    event id before the effect, no `INSERT ... ON CONFLICT DO NOTHING` or
    upsert, no idempotency key on the call (Stripe's `idempotency_key=`), no
    Redis `SET NX`, no idempotency decorator.

    ## Why is this bad?
    Brokers deliver at least once: a consumer that crashes after the effect but
    before its acknowledgement, a rebalance, or a retry delivers the same
    message again. A redelivered `OrderPlaced` charges the card twice.

    ## How to fix it
    Record the ids of processed events and skip the ones already seen (an
    inbox table written in the same transaction as the effect, or Redis
    `SET key NX`), or make the effect idempotent itself: pass the event id as
    the payment provider's idempotency key, or write with an upsert.
    """

    code = "EDA401"
    name = "non-idempotent-handler"
    severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        """
        - payments: globs on a call's qualified name or text that move money
        - db_writes: globs on calls that write to a database
        - sql_execute: globs on calls that run SQL; a write when their SQL text inserts or updates
        - http_writes: globs on HTTP calls that change state
        - messages: globs on calls that send e-mail, SMS or push messages
        - dedup_calls: globs on calls that look up or record an event id; evidence when they use the message
        - idempotency_keywords: keyword arguments that make a call idempotent
        - idempotency_decorators: globs on decorators that make a handler idempotent
        - upsert_sql: regular expression on SQL text that makes a write idempotent
        """

        payments: tuple[str, ...] = PAYMENTS
        db_writes: tuple[str, ...] = DB_WRITES
        sql_execute: tuple[str, ...] = SQL_EXECUTE
        http_writes: tuple[str, ...] = HTTP_WRITES
        messages: tuple[str, ...] = MESSAGES
        dedup_calls: tuple[str, ...] = (
            "*processed*",
            "*already*",
            "*seen*",
            "*dedup*",
            "*idempot*",
            "*duplicate*",
            "*inbox*",
            "*.exists",
            "*.setnx",
            "*.sismember",
        )
        idempotency_keywords: tuple[str, ...] = ("idempotency_key", "IdempotencyKey", "idempotency_token", "ClientToken")
        idempotency_decorators: tuple[str, ...] = ("*idempotent*", "*dedup*", "*deduplicate*")
        upsert_sql: str = r"on\s+conflict|on\s+duplicate\s+key|insert\s+or\s+(ignore|replace)|merge\s+into"

    invalid = [
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
                requests.post("https://carrier.example/shipments", json={"order": body.decode()})

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
    ]
    valid = [
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
                if not r.set(f"welcome:{event['user_id']}", 1, nx=True, ex=86400):
                    return
                send_email(event["email"], "Welcome!")

            for message in KafkaConsumer("users.signed-up", group_id="mail"):
                on_signup(message.value)
            """,
            files={"notify.py": "def send_email(to, subject):\n    pass\n"},
        ),
    ]

    def check_handler(self, handler: Handler, ctx: RuleContext) -> Iterator[Diagnostic]:
        options = self.options
        if any(named_decorator(d, options.idempotency_decorators) for d in handler.decorators):
            return
        if self._deduplicated(handler):
            return
        for call in handler.calls:
            what = self._effect(call)
            if what is None:
                continue
            site = reaching_call(handler, call)
            effect = short(call.name if "." in call.name else call.text)
            route = chain(handler, call)[1:]
            via = f" via {' -> '.join(short(name) for name in route)}" if route else ""
            yield self.finding(
                (site.path, site.line, site.column),
                f"{short(handler.name)} {what} ({effect}{via}) and nothing deduplicates the incoming message: "
                "a redelivery repeats it",
                hint="skip messages whose id was already processed (inbox table, Redis SET NX), or pass the event id "
                "as an idempotency key / write with an upsert",
                service=handler.service,
            )
            return

    def _effect(self, call: HandlerCall) -> str | None:
        options = self.options
        if any(k in options.idempotency_keywords for k in call.keywords):
            return None
        if any(with_literal(call, options.upsert_sql) for _ in (0,)):
            return None
        if named(call, options.payments):
            return "moves money"
        if named(call, options.db_writes):
            return "writes to the database"
        if named(call, options.sql_execute) and with_literal(call, SQL_WRITE):
            return "writes to the database"
        if named(call, options.http_writes):
            return "makes a state-changing HTTP request"
        if named(call, options.messages):
            return "sends a message to a person"
        return None

    def _deduplicated(self, handler: Handler) -> bool:
        options = self.options
        for call in handler.calls:
            if named(call, options.dedup_calls) and call.uses_message:
                return True
            if "nx" in call.keywords and named(call, ("*.set",)):
                return True
        return False


def named_decorator(name: str, patterns: tuple[str, ...]) -> bool:
    from eventlint.rules.base import matches

    return matches(name, patterns)


RULES = (NonIdempotentHandler,)
