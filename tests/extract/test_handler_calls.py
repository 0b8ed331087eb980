"""Handler facts name a call on an object by what made the object (client instances, `with ... as`,
`self` attributes, annotated parameters, aliases, boto3 clients by service), and record whether a call
forwards the message itself and which ids it fills with an empty or fresh value."""

from __future__ import annotations

from tests.helpers import facts_of, write_project


def extract_project(root, files):
    return facts_of(write_project(root, files))

SOURCE = '''
import smtplib
import uuid

import boto3
import httpx
from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy.orm import Session

http = httpx.Client(base_url="https://carrier.example")
ses = boto3.client("ses")
producer = KafkaProducer()


class Store:
    def __init__(self, session: Session) -> None:
        self.session = session

    def keep(self, row):
        self.session.add(row)


def handle(msg, store: Store):
    api = http
    api.post("/pickups", json=msg.value)
    ses.send_email(Source="a@example.com", Destination={}, Message={})
    with smtplib.SMTP("mail.example") as smtp:
        smtp.send_message(msg.value)
    store.keep(msg.value)
    try:
        pass
    except Exception:
        producer.send("dead", msg.value, headers=[("correlation_id", b"")])
        producer.send("failed", {"offset": msg.offset(), "trace_id": str(uuid.uuid4())})


for message in KafkaConsumer("orders", group_id="g"):
    handle(message, Store(None))
'''


def test_calls_named_by_their_receivers_maker(tmp_path):
    facts = extract_project(tmp_path, {"app.py": SOURCE})
    handler = next(h for h in facts.handlers if h.name == "app.handle")
    names = {c.text: c.name for c in handler.calls}
    assert names["api.post"] == "httpx.Client.post"
    assert names["ses.send_email"] == "boto3.client.ses.send_email"
    assert names["smtp.send_message"] == "smtplib.SMTP.send_message"
    assert names["self.session.add"] == "sqlalchemy.orm.Session.add"


def test_forwarded_message_and_placeholder_ids(tmp_path):
    facts = extract_project(tmp_path, {"app.py": SOURCE})
    handler = next(h for h in facts.handlers if h.name == "app.handle")
    sends = {c.literals[0]: c for c in handler.calls if c.name.endswith("KafkaProducer.send")}
    assert sends["dead"].forwards_message and sends["dead"].in_except
    assert sends["dead"].placeholders == ("correlation_id:empty",)
    assert not sends["failed"].forwards_message
    assert sends["failed"].placeholders == ("trace_id:fresh",)


def test_assigned_attributes_of_the_receiver_and_list_literals(tmp_path):
    files = {
        "app.py": """
            from django.utils import timezone
            from kafka import KafkaConsumer

            from shop.models import Order

            def on_event(event):
                order = Order.objects.get(id=event["id"])
                order.notified = True
                order.notified_at = timezone.now()
                order.total = event["total"]
                order.attempts += 1
                order.save(update_fields=["notified", "notified_at", "total", "attempts"])

            for message in KafkaConsumer("orders", group_id="g"):
                on_event(message.value)
        """,
    }
    facts = extract_project(tmp_path, files)
    [save] = [c for h in facts.handlers for c in h.calls if c.text == "order.save" and h.name == "app.on_event"]
    # a literal, the current time, a value from elsewhere; an augmented assignment is not an assignment
    assert save.assigned == ("notified:const", "notified_at:now", "total:value")
    assert save.literals == ("notified", "notified_at", "total", "attempts")
