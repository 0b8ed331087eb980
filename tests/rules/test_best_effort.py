"""EDA502 and EDA402 on failures a handler handles another way (#19): a fallback taking over from what failed."""

from __future__ import annotations

import pytest

from eventlint import schemas
from eventlint.facts import HandlerCall
from eventlint.rules import knowledge
from eventlint.rules.debugging import EFFECT_CALLS
from tests.rules.test_debugging import at, findings, project

# -- a clause that assigns a fallback, which a later branch of its function handles ------------------------------

TOKEN = """
    import logging

    import pika
    import requests
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials
    from google_auth_oauthlib.flow import InstalledAppFlow

    log = logging.getLogger(__name__)


    def credentials():
        creds = Credentials.from_authorized_user_file("token.json", ["https://www.googleapis.com/auth/calendar"])
        if creds.expired and creds.refresh_token:
            try:
                creds.refresh(Request())
            except Exception as exc:
                log.warning("refresh failed: %s", exc)
                creds = None
        if not creds:
            flow = InstalledAppFlow.from_client_secrets_file("client.json", ["https://www.googleapis.com/auth/calendar"])
            creds = flow.run_local_server(port=0)
        return creds


    def on_booking(channel, method, properties, body):
        token = credentials().token
        requests.post("https://www.googleapis.com/calendar/v3/calendars/primary/events", data=body,
                      headers={"Authorization": f"Bearer {token}"})
        channel.basic_ack(method.delivery_tag)


    channel = pika.BlockingConnection().channel()
    channel.basic_consume(queue="bookings", on_message_callback=on_booking)
"""


def test_a_failed_refresh_that_falls_back_to_a_new_flow_is_handled(tmp_path):
    root = project(tmp_path, {"calendar_sync.py": TOKEN})
    assert findings(root, "EDA502") == set()


@pytest.mark.parametrize(
    "change",
    [
        # the later branch runs when the name is true: the failure only skips the work
        ("if not creds:", "if creds:"),
        # the branch run on the fallback only logs
        (
            """flow = InstalledAppFlow.from_client_secrets_file("client.json", ["https://www.googleapis.com/auth/calendar"])
            creds = flow.run_local_server(port=0)""",
            """log.error("no credentials")""",
        ),
        # the branch tests another name
        ("if not creds:", "if not flow_allowed:"),
    ],
)
def test_a_fallback_nothing_takes_over_from_is_still_swallowed(tmp_path, change):
    old, new = change
    assert old in TOKEN
    root = project(tmp_path, {"calendar_sync.py": TOKEN.replace(old, new)})
    assert findings(root, "EDA502") == {at(root, "calendar_sync.py", "except Exception as exc:")}


def test_the_else_of_a_positive_test_is_a_fallback_too(tmp_path):
    source = TOKEN.replace(
        """        if not creds:
            flow""",
        """        if creds:
            log.info("refreshed")
        else:
            flow""",
    )
    root = project(tmp_path, {"calendar_sync.py": source})
    assert findings(root, "EDA502") == set()


# -- best-effort notifications (rules/knowledge/failure-handling.yaml) -------------------------------------------

RECEIPTS = """
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
        except Exception:
            log.exception("no receipt for order %s", order.get("id"))
        channel.basic_ack(method.delivery_tag)


    channel = pika.BlockingConnection().channel()
    channel.basic_consume(queue="orders.receipts", on_message_callback=on_order)
"""
STORE = {
    "orders/__init__.py": "",
    "orders/store.py": (
        "import sqlite3\n\ndb = sqlite3.connect('orders.db')\n\n\ndef save(order):\n"
        "    db.execute('INSERT INTO orders (id) VALUES (?)', (order['id'],))\n"
    ),
}


def test_a_try_around_a_receipt_mail_alone_is_best_effort(tmp_path):
    root = project(tmp_path, {**STORE, "receipts.py": RECEIPTS})
    assert findings(root, "EDA502") == set()
    # a team that does not accept losing one says so
    assert findings(root, "EDA502", {"best_effort_calls": []}) == {at(root, "receipts.py", "except Exception:")}


@pytest.mark.parametrize(
    "old, new",
    [
        # the order is stored inside the same try: its failure is swallowed too
        ("        store.save(order)\n        try:\n", "        try:\n            store.save(order)\n"),
        # a call the knowledge does not know, next to the mail
        ("            mail_receipt(order)\n", "            mail_receipt(order)\n            loyalty.credit_points(order['id'])\n"),
    ],
)
def test_a_try_protecting_more_than_the_mail_is_still_reported(tmp_path, old, new):
    assert old in RECEIPTS
    source = RECEIPTS.replace(old, new).replace("    import pika\n", "    import loyalty\n    import pika\n")
    root = project(tmp_path, {**STORE, "receipts.py": source})
    assert findings(root, "EDA502") == {at(root, "receipts.py", "except Exception:")}


def test_a_helper_doing_a_database_write_next_to_the_mail_is_not_best_effort(tmp_path):
    source = RECEIPTS.replace(
        "            smtp.send_message(message)\n",
        "            smtp.send_message(message)\n        store.save(order)\n",
    ).replace("        store.save(order)\n        try:", "        try:")
    root = project(tmp_path, {**STORE, "receipts.py": source})
    assert findings(root, "EDA502") == {at(root, "receipts.py", "except Exception:")}


LOOP = """
    import logging

    from email.message import EmailMessage

    import aiosmtplib
    from aiokafka import AIOKafkaConsumer

    log = logging.getLogger(__name__)


    async def welcome(user: dict) -> None:
        message = EmailMessage()
        message["To"] = user["email"]
        message["Subject"] = "Welcome"
        message.set_content("Hello!")
        await aiosmtplib.send(message, hostname="smtp.example.com", port=587, start_tls=True)


    async def consume_users() -> None:
        try:
            consumer = AIOKafkaConsumer("users.created", bootstrap_servers="kafka:9092", group_id="welcome")
            await consumer.start()
            async for msg in consumer:
                await welcome(msg.value)
        except Exception as exc:
            log.error("consumer stopped: %s", exc)
"""


def test_a_try_around_receiving_is_never_best_effort(tmp_path):
    # the failure ends the consumption, whatever the handler does
    root = project(tmp_path, {"welcome.py": LOOP})
    assert findings(root, "EDA502") == {at(root, "welcome.py", "except Exception as exc:")}


def test_an_auto_commit_consumer_that_only_mails_is_not_reported(tmp_path):
    root = project(tmp_path, {"welcome.py": LOOP})
    assert findings(root, "EDA402") == set()
    assert findings(root, "EDA402", {"best_effort_calls": []}) == {at(root, "welcome.py", "AIOKafkaConsumer(")}


def test_an_auto_commit_consumer_that_also_writes_is_reported(tmp_path):
    source = LOOP.replace(
        "        await aiosmtplib.send(message, hostname=\"smtp.example.com\", port=587, start_tls=True)\n",
        "        await aiosmtplib.send(message, hostname=\"smtp.example.com\", port=587, start_tls=True)\n"
        "        users.insert_one({'_id': user['id'], 'welcomed': True})\n",
    ).replace("    log = logging", "    users = MongoClient().app.users\n    log = logging").replace(
        "    import logging\n", "    import logging\n\n    from pymongo import MongoClient\n", 1
    )
    root = project(tmp_path, {"welcome.py": source})
    assert findings(root, "EDA402") == {at(root, "welcome.py", "AIOKafkaConsumer(")}


GMAIL = """
    import base64
    import logging
    from email.mime.text import MIMEText

    from google.oauth2.credentials import Credentials
    from google_auth_oauthlib.flow import InstalledAppFlow
    from googleapiclient.discovery import build
    from kafka import KafkaConsumer

    log = logging.getLogger(__name__)


    def gmail():
        try:
            flow = InstalledAppFlow.from_client_secrets_file("client.json", ["https://mail.google.com/"])
            creds = flow.run_local_server(port=0)
        except Exception as exc:
            log.error("no Gmail credentials: %s", exc)
            return None
        return build("gmail", "v1", credentials=creds)


    def send_welcome(address):
        service = gmail()
        if not service:
            return
        message = MIMEText("Welcome aboard")
        message["to"] = address
        raw = base64.urlsafe_b64encode(message.as_bytes()).decode()
        service.users().messages().send(userId="me", body={"raw": raw}).execute()


    for record in KafkaConsumer("users.created", group_id="mailer"):
        send_welcome(record.value["email"])
"""


def test_a_clause_reached_only_on_the_way_to_a_mail_is_best_effort(tmp_path):
    root = project(tmp_path, {"mailer.py": GMAIL})
    assert findings(root, "EDA502") == set()
    assert findings(root, "EDA502", {"best_effort_calls": []}) == {at(root, "mailer.py", "except Exception as exc:")}


def test_a_clause_also_reached_on_the_way_to_other_work_is_reported(tmp_path):
    # the handler also uses the Gmail client to change the account's settings: not a notification
    source = GMAIL.replace(
        "    for record in KafkaConsumer",
        """    def on_user(user):
        send_welcome(user["email"])
        gmail().users().settings().updateVacation(userId="me", body={"enableAutoReply": False}).execute()


    for record in KafkaConsumer""",
    ).replace('        send_welcome(record.value["email"])', "        on_user(record.value)")
    root = project(tmp_path, {"mailer.py": source})
    assert findings(root, "EDA502") == {at(root, "mailer.py", "except Exception as exc:")}


# -- a failure recorded durably --------------------------------------------------------------------------------

ALERTS = """
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
        except Exception as exc:
            try:
                await notification_repository.update(notification.failed(str(exc)))
            except Exception:
                log.exception("could not mark notification %s failed", alert["id"])
"""
ALERT_FILES = {
    "alerts/__init__.py": "",
    "alerts/gateway.py": "async def deliver(notification):\n    return notification\n",
    "alerts/repository.py": "class NotificationRepository:\n    pass\n",
}


def test_a_failure_marked_in_a_repository_is_recorded_and_its_bookkeeping_guard_is_not_the_messages(tmp_path):
    root = project(tmp_path, {**ALERT_FILES, "alerts_consumer.py": ALERTS})
    assert findings(root, "EDA502") == set()
    # without the knowledge both clauses swallow: the outer one only runs the guarded write, the inner one logs
    assert findings(root, "EDA502", {"recording_calls": []}) == {
        at(root, "alerts_consumer.py", "except Exception as exc:"),
        at(root, "alerts_consumer.py", "except Exception:"),
    }


def test_a_django_save_marking_the_failure_records_it(tmp_path):
    source = ALERTS.replace(
        """            try:
                await notification_repository.update(notification.failed(str(exc)))
            except Exception:
                log.exception("could not mark notification %s failed", alert["id"])""",
        """            notification.status = "FAILED"
            notification.save(update_fields=["status"])""",
    )
    root = project(tmp_path, {**ALERT_FILES, "alerts_consumer.py": source})
    assert findings(root, "EDA502") == set()


def test_a_log_line_is_no_record(tmp_path):
    source = ALERTS.replace(
        """            try:
                await notification_repository.update(notification.failed(str(exc)))
            except Exception:
                log.exception("could not mark notification %s failed", alert["id"])""",
        """            log.error("alert %s failed: %s", alert["id"], exc)""",
    )
    root = project(tmp_path, {**ALERT_FILES, "alerts_consumer.py": source})
    assert findings(root, "EDA502") == {at(root, "alerts_consumer.py", "except Exception as exc:")}


def test_a_guarded_retry_of_the_work_inside_a_clause_is_no_bookkeeping(tmp_path):
    source = ALERTS.replace(
        "                await notification_repository.update(notification.failed(str(exc)))\n",
        "                await deliver(notification)\n",
    )
    root = project(tmp_path, {**ALERT_FILES, "alerts_consumer.py": source})
    assert at(root, "alerts_consumer.py", "except Exception:") in findings(root, "EDA502")


# the same bookkeeping in a use case whose repository is a port (a Protocol, an abstract base): the implementation is
# injected at run time, so the method the call resolves to does nothing the facts see; the call's own name says what
PORTS = {
    "alerts/__init__.py": "",
    "alerts/ports.py": """
        from typing import Protocol


        class NotificationRepositoryProtocol(Protocol):
            async def update(self, notification) -> None: ...


        class EmailClientProtocol(Protocol):
            async def send(self, to: str, body: str) -> None: ...
    """,
    "alerts/use_cases.py": """
        import logging

        from alerts.ports import EmailClientProtocol, NotificationRepositoryProtocol

        log = logging.getLogger(__name__)


        class SendEmailNotificationUseCase:
            def __init__(self, repository: NotificationRepositoryProtocol, email_client: EmailClientProtocol) -> None:
                self._repository = repository
                self._email_client = email_client

            async def execute(self, notifications) -> None:
                for notification in notifications:
                    try:
                        await self._email_client.send(to=notification.recipient, body=notification.text)
                        await self._repository.update(notification.make_sent())
                    except Exception:
                        log.exception("could not send notification %s", notification.id)
                        try:
                            failed = notification.mark_failed()
                            await self._repository.update(failed)
                        except Exception:
                            log.exception("could not mark notification %s FAILED", notification.id)
                        continue
    """,
    "alerts_consumer.py": """
        from faststream.kafka import KafkaBroker

        from alerts.use_cases import SendEmailNotificationUseCase
        from infra import email_client, repository

        broker = KafkaBroker("kafka:9092")
        use_case = SendEmailNotificationUseCase(repository, email_client)


        @broker.subscriber("alert-triggered", group_id="notifications")
        async def consume_alert_triggered(alert: dict) -> None:
            await use_case.execute(alert["notifications"])
    """,
    "infra.py": "repository = None\nemail_client = None\n",
}


def test_bookkeeping_through_a_repository_port_reached_from_a_resolved_consumer_is_recorded(tmp_path):
    root = project(tmp_path, PORTS)
    assert findings(root, "EDA502") == set()
    # the handler reaches the use case, and the port's method is one of its project functions: without the knowledge
    # both clauses swallow (so the use case's clauses are judged, and the exemption is what keeps them quiet)
    assert findings(root, "EDA502", {"recording_calls": []}) == {
        at(root, "alerts/use_cases.py", "except Exception:"),
        at(root, "alerts/use_cases.py", "except Exception:", 2),
    }


@pytest.mark.parametrize("body", ["...", "pass", "raise NotImplementedError"])
def test_an_abstract_base_repository_is_a_port_too(tmp_path, body):
    files = dict(PORTS)
    files["alerts/ports.py"] = f"""
        from abc import ABC, abstractmethod


        class NotificationRepositoryProtocol(ABC):
            @abstractmethod
            async def update(self, notification) -> None:
                {body}


        class EmailClientProtocol(ABC):
            @abstractmethod
            async def send(self, to: str, body: str) -> None:
                {body}
    """
    root = project(tmp_path, files)
    assert findings(root, "EDA502") == set()
    assert len(findings(root, "EDA502", {"recording_calls": []})) == 2


def test_a_port_method_that_is_not_a_write_guards_no_bookkeeping(tmp_path):
    files = dict(PORTS)
    files["alerts/use_cases.py"] = PORTS["alerts/use_cases.py"].replace(
        "await self._repository.update(failed)", "await self._email_client.send(to=\"ops\", body=str(failed))"
    )
    root = project(tmp_path, files)
    assert at(root, "alerts/use_cases.py", "except Exception:", 2) in findings(root, "EDA502")


# -- a failure that leaves the messages unacknowledged (Redis streams: the entries stay pending) ------------------

STREAM_WORKER = """
    import json
    import logging
    import time

    import redis
    from prices.db import Price, Session

    log = logging.getLogger(__name__)
    r = redis.Redis(decode_responses=True)


    def process_batch(response):
        to_ack = []
        malformed = []
        rows = []
        for stream, entries in response:
            for entry_id, fields in entries:
                try:
                    rows.append(Price(**json.loads(fields["data"])))
                    to_ack.append(entry_id)
                except Exception as exc:
                    log.warning("%s: cannot parse: %s", entry_id, exc)
                    malformed.append(entry_id)
        try:
            with Session() as session:
                session.add_all(rows)
                session.commit()
        except Exception:
            log.exception("commit failed: nothing acknowledged")
            to_ack.clear()
        ids = malformed + to_ack
        if ids:
            try:
                r.xack("prices", "inserters", *ids)
            except Exception:
                log.exception("could not acknowledge %d entries", len(ids))


    def run():
        while True:
            try:
                response = r.xreadgroup("inserters", "w1", {"prices": ">"}, count=100, block=5000)
                if response:
                    process_batch(response)
            except Exception:
                log.exception("worker loop error; continuing")
                time.sleep(2)
"""
STREAM_FILES = {
    "prices/__init__.py": "",
    "prices/db.py": "class Session:\n    pass\n\n\nclass Price:\n    pass\n",
}


def stream_findings(tmp_path, source):
    root = project(tmp_path, {**STREAM_FILES, "worker.py": source})
    return root, findings(root, "EDA502")


def test_a_clause_that_withdraws_the_batch_from_its_acknowledgement_and_the_loop_around_it_swallow_nothing(tmp_path):
    root, found = stream_findings(tmp_path, STREAM_WORKER)
    # nor the parse failure, acknowledged with the malformed entries on purpose: its `try` only decodes and builds
    # the row in memory, and a message that cannot be decoded never will be (tests/rules/test_decode_drops.py)
    assert found == set()
    # with the row written inside that `try`, a failed write would be dropped with the malformed: reported
    written = STREAM_WORKER.replace("rows.append(Price(**json.loads(fields[\"data\"])))", "r.hset(entry_id, mapping=json.loads(fields[\"data\"]))")
    assert written != STREAM_WORKER
    root, found = stream_findings(tmp_path / "written", written)
    assert found == {at(root, "worker.py", "except Exception as exc:")}


@pytest.mark.parametrize("emptied", ["to_ack = []", "to_ack = list()"])
def test_reassigning_the_ids_empty_withdraws_them_too(tmp_path, emptied):
    root, found = stream_findings(tmp_path, STREAM_WORKER.replace("to_ack.clear()", emptied))
    assert found == set()


def test_emptying_what_no_acknowledgement_is_given_is_still_swallowed(tmp_path):
    # the clause empties the rows, and every id is acknowledged: the failed batch is acknowledged as handled
    root, found = stream_findings(tmp_path, STREAM_WORKER.replace("to_ack.clear()", "rows.clear()"))
    assert at(root, "worker.py", "except Exception:") in found


def test_the_loop_is_reported_when_its_handler_acknowledges_before_its_work(tmp_path):
    source = STREAM_WORKER.replace(
        """        try:
            with Session() as session:""",
        """        r.xack("prices", "inserters", *to_ack)
        try:
            with Session() as session:""",
    ).replace(
        """            log.exception("commit failed: nothing acknowledged")
            to_ack.clear()""",
        """            log.exception("commit failed")
            raise""",
    )
    root, found = stream_findings(tmp_path, source)
    # the commit's failure now escapes to the loop after the entries were acknowledged: the loop swallows it
    assert at(root, "worker.py", "except Exception:", 3) in found


def test_the_loop_is_reported_when_it_does_work_of_its_own_with_the_messages(tmp_path):
    source = STREAM_WORKER.replace(
        "                    process_batch(response)\n",
        "                    process_batch(response)\n                    archive(response)\n",
    ).replace("    def run():", "    def archive(response):\n        Session().add_all(response)\n\n\n    def run():")
    root, found = stream_findings(tmp_path, source)
    assert at(root, "worker.py", "except Exception:", 3) in found


# -- the knowledge file: every entry matched by a call real code makes -------------------------------------------


def call(name: str, text: str | None = None) -> HandlerCall:
    return HandlerCall(name=name, text=text or name, path="app.py", line=1, column=1, function="app.handle", depth=0)


# (qualified name the extraction gives, source text) of calls real notification code makes
BEST_EFFORT = [
    ("smtplib.SMTP.send_message", "smtp.send_message"),
    ("smtplib.SMTP_SSL.sendmail", "server.sendmail"),
    ("aiosmtplib.send", "aiosmtplib.send"),
    ("aiosmtplib.SMTP.send_message", "smtp.send_message"),
    ("aiosmtplib.SMTP.sendmail", "smtp.sendmail"),
    ("django.core.mail.send_mail", "send_mail"),
    ("django.core.mail.send_mass_mail", "send_mass_mail"),
    ("django.core.mail.mail_admins", "mail_admins"),
    ("django.core.mail.mail_managers", "mail_managers"),
    ("django.core.mail.EmailMessage.send", "email.send"),
    ("django.core.mail.EmailMultiAlternatives.send", "msg.send"),
    ("django.core.mail.get_connection.send_messages", "connection.send_messages"),
    ("fastapi_mail.FastMail.send_message", "fm.send_message"),
    ("flask_mail.Mail.send", "mail.send"),
    ("flask_mail.Message.send", "msg.send"),
    ("flask_mailman.EmailMessage.send", "msg.send"),
    ("service.users().messages().send", "service.users().messages().send"),
    ("service.users().messages().send(userId='me', body=body).execute", "service.users().messages().send(userId='me', body=body).execute"),
    ("sendgrid.SendGridAPIClient.send", "sg.send"),
    ("boto3.client.send_email", "ses.send_email"),
    ("boto3.client.send_raw_email", "ses.send_raw_email"),
    ("boto3.client.send_templated_email", "ses.send_templated_email"),
    ("twilio.rest.Client.messages.create", "client.messages.create"),
    ("vonage.Sms.send_message", "sms.send_message"),
    ("firebase_admin.messaging.send", "messaging.send"),
    ("firebase_admin.messaging.send_each", "messaging.send_each"),
    ("firebase_admin.messaging.send_each_for_multicast", "messaging.send_each_for_multicast"),
    ("firebase_admin.messaging.send_multicast", "messaging.send_multicast"),
    ("firebase_admin.messaging.send_all", "messaging.send_all"),
    ("aioapns.APNs.send_notification", "apns.send_notification"),
    ("apns2.client.APNsClient.send_notification", "client.send_notification"),
    ("slack_sdk.WebClient.chat_postMessage", "client.chat_postMessage"),
    ("slack_sdk.web.async_client.AsyncWebClient.chat_postMessage", "client.chat_postMessage"),
    ("telegram.Bot.send_message", "bot.send_message"),
]
PREPARING = [
    ("email.message.EmailMessage", "EmailMessage"),
    ("email.mime.text.MIMEText.as_bytes", "message.as_bytes"),
    ("base64.urlsafe_b64encode", "base64.urlsafe_b64encode"),
    ("base64.urlsafe_b64encode.decode", "base64.urlsafe_b64encode(message.as_bytes()).decode"),
    ("smtplib.SMTP", "smtplib.SMTP"),
    ("smtplib.SMTP_SSL", "smtplib.SMTP_SSL"),
    ("smtplib.SMTP.starttls", "smtp.starttls"),
    ("smtplib.SMTP.ehlo", "smtp.ehlo"),
    ("smtplib.SMTP_SSL.login", "server.login"),
    ("smtplib.SMTP.quit", "smtp.quit"),
    ("aiosmtplib.SMTP", "aiosmtplib.SMTP"),
    ("aiosmtplib.SMTP.connect", "smtp.connect"),
    ("aiosmtplib.SMTP.starttls", "smtp.starttls"),
    ("aiosmtplib.SMTP.login", "smtp.login"),
    ("aiosmtplib.SMTP.quit", "smtp.quit"),
    ("fastapi_mail.ConnectionConfig", "ConnectionConfig"),
    ("fastapi_mail.MessageSchema", "MessageSchema"),
    ("fastapi_mail.FastMail", "FastMail"),
    ("django.core.mail.EmailMessage", "EmailMessage"),
    ("django.core.mail.EmailMultiAlternatives", "EmailMultiAlternatives"),
    ("django.core.mail.EmailMultiAlternatives.attach_alternative", "msg.attach_alternative"),
    ("django.template.loader.render_to_string", "render_to_string"),
    ("flask_mail.Message", "Message"),
    ("sendgrid.helpers.mail.Mail", "Mail"),
    ("firebase_admin.messaging.Message", "messaging.Message"),
    ("firebase_admin.messaging.MulticastMessage", "messaging.MulticastMessage"),
    ("firebase_admin.messaging.Notification", "messaging.Notification"),
    ("service.users", "service.users"),
    ("service.users().messages", "service.users().messages"),
]
RECORDING = [
    ("self._repository.update", "self._repository.update"),
    ("app.repositories.OrderRepository.save", "self.order_repository.save"),
    ("repository.add", "repository.add"),
    ("notification_repository.create", "notification_repository.create"),
    ("repositories.insert_failure", "repositories.insert_failure"),
    ("self.repository.upsert", "self.repository.upsert"),
    ("self.repo.add", "self.repo.add"),
    ("repo.create", "repo.create"),
    ("self.repo.save", "self.repo.save"),
    ("repo.update", "repo.update"),
]


@pytest.mark.parametrize("name, text", BEST_EFFORT, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BEST_EFFORT)])
def test_real_notification_calls_are_best_effort(name, text):
    assert knowledge.matches_any(call(name, text), knowledge.failure_handling().best_effort)


@pytest.mark.parametrize("name, text", RECORDING, ids=[f"{n}-{i}" for i, (n, _) in enumerate(RECORDING)])
def test_repository_writes_record(name, text):
    assert knowledge.matches_any(call(name, text), knowledge.failure_handling().recording)


def test_preparing_calls_are_no_work_of_their_own():
    for name, text in PREPARING:
        c = call(name, text)
        assert knowledge.matches_any(c, knowledge.failure_handling().preparing), name
        assert not knowledge.matches_any(c, EFFECT_CALLS), name


@pytest.mark.parametrize(
    "name, text",
    [
        ("requests.post", "requests.post"),  # a webhook: state changed elsewhere, not a notification
        ("sqlalchemy.orm.Session.add", "session.add"),
        ("stripe.Charge.create", "stripe.Charge.create"),
        ("aiokafka.AIOKafkaProducer.send_and_wait", "producer.send_and_wait"),
        ("service.users().settings().updateVacation", "service.users().settings().updateVacation"),
    ],
)
def test_work_that_must_not_be_lost_is_not_best_effort(name, text):
    assert not knowledge.matches_any(call(name, text), knowledge.failure_handling().best_effort)


def test_every_entry_of_the_knowledge_file_is_matched_by_a_real_call():
    real = {"best-effort": BEST_EFFORT, "preparing": PREPARING, "recording": RECORDING}
    for group, entries in knowledge.failure_handling().groups.items():
        calls = [call(n, t) for n, t in real[group.split(".")[0]]]
        for entry in entries:
            assert any(knowledge.matches_any(c, (entry,)) for c in calls), f"{group}: {entry} has no real call"


def test_the_side_effect_groups_it_names_are_folded_in():
    handling = knowledge.failure_handling()
    effects = knowledge.load().effects
    assert set(effects["messages"]) <= set(handling.best_effort)
    assert set(effects["db-writes"]) | set(effects["storage-writes"]) <= set(handling.recording)


def test_knowledge_file_is_valid_and_a_mistake_names_the_key():
    minimal = {"version": 1, "best-effort": {"mail": ["aiosmtplib.send"]}, "preparing": {"mail": ["email.*"]}, "recording": ["*repo.save"]}
    assert schemas.problems(minimal, "failure_handling") == []
    assert [k for k, _ in schemas.problems({**minimal, "recording": [""]}, "failure_handling")] == ["recording[0]"]
    [(key, message)] = schemas.problems({**minimal, "extra": 1}, "failure_handling")
    assert key == "extra" and "unknown key" in message


# -- a clause that puts a stand-in value in place of the failed result, which later work takes on -----------------

STATUS = """
    import logging

    import requests
    from confluent_kafka import Consumer

    from orders import db

    log = logging.getLogger(__name__)
    FAILED = "something_wrong"


    def follow_status():
        consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "status"})
        consumer.subscribe(["pizza-status"])
        while True:
            event = consumer.poll(1.0)
            if event is None or event.error():
                continue
            order_id = event.key().decode()
            try:
                status = requests.get(f"https://tracker.internal/orders/{order_id}", timeout=5).json()["status"]
            except Exception:
                status = FAILED
                log.exception("no status for %s", order_id)
            finally:
                db.update_order_status(order_id, status)
"""


def test_a_stand_in_value_recorded_after_the_clause_is_handled(tmp_path):
    root = project(tmp_path, {"status.py": STATUS})
    assert findings(root, "EDA502") == set()


@pytest.mark.parametrize(
    "old, new",
    [
        # the later work runs only when the value is true: the stand-in skips it
        ("            finally:\n                db.update_order_status(order_id, status)",
         "            if status:\n                db.update_order_status(order_id, status)"),
        # a later call given the value only logs it
        ("db.update_order_status(order_id, status)", "log.info('status %s', status)"),
        # the name is assigned again before the work: the stand-in never reaches it
        ("            finally:\n                db.update_order_status(order_id, status)",
         "            status = event.headers()\n            db.update_order_status(order_id, status)"),
    ],
)
def test_a_stand_in_nothing_takes_on_is_still_swallowed(tmp_path, old, new):
    assert old in STATUS
    root = project(tmp_path, {"status.py": STATUS.replace(old, new).replace("status = FAILED", "status = None")})
    assert findings(root, "EDA502") == {at(root, "status.py", "except Exception:")}
