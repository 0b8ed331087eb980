"""Envelope classes: one class carries every event, its name in a field (`event_name=`, `type=`); the
field's value is the event, never the class, and nothing when that value is not known."""

from tests.helpers import facts_of, line_of, write_project

STREAMING = '''
import json
import typing
from dataclasses import asdict, dataclass
from uuid import uuid4

import attrs
from confluent_kafka import Producer
from django.db.models import TextChoices


class EventNames(TextChoices):
    USER_CREATED = "UserCreated"
    USER_ROLE_CHANGED = "UserRoleChanged"


@attrs.define(kw_only=True)
class Event:
    event_name: str = attrs.field()
    event_version: str = attrs.field()
    data: typing.Union[typing.List, typing.Dict] = attrs.field()
    event_id: str = attrs.field(converter=str, default=attrs.Factory(uuid4))


@dataclass
class Envelope:
    type: str
    payload: dict


@dataclass
class OrderPlaced:
    order_id: str
    total: int
    type: str = "order.placed"


@dataclass
class Shipment:
    shipment_id: str
    type: str


class EventStreaming:
    def __init__(self):
        self.producer = Producer({"bootstrap.servers": "kafka:9092"})

    def user_created(self, user):
        event = Event(event_name=EventNames.USER_CREATED, event_version="v1", data={"id": user.id})
        self.producer.produce(topic="user-stream", key="created", value=json.dumps(attrs.asdict(event)).encode("utf-8"))

    def role_changed(self, user):
        event = Event(event_name=EventNames.USER_ROLE_CHANGED.value, event_version="v1", data={"role": user.role})
        self.producer.produce("user-stream", json.dumps(attrs.asdict(event)))

    def relay(self, name, data):
        self.producer.produce("user-stream", json.dumps(attrs.asdict(Event(event_name=name, event_version="v1", data=data))))

    def audit(self):
        self.producer.produce("audit", json.dumps(asdict(Envelope("audit.recorded", {"ok": True}))))

    def order(self, oid):
        self.producer.produce("orders", json.dumps(asdict(OrderPlaced(oid, 10, type="order.placed.v2"))))

    def shipment(self, sid):
        self.producer.produce("shipments", json.dumps(asdict(Shipment(sid, type="shipment.scheduled"))))
'''


def test_the_name_field_of_an_envelope_is_the_event(tmp_path):
    root = write_project(tmp_path / "envelopes", {"svc/__init__.py": "", "svc/streaming.py": STREAMING})
    facts = facts_of(root)
    path = root / "svc/streaming.py"
    events = {p.line: p.event for p in facts.publishers}
    # attrs envelope, the name an enum member (and its .value)
    assert events[line_of(path, 'topic="user-stream"')] == "UserCreated"
    assert events[line_of(path, 'produce("user-stream", json.dumps(attrs.asdict(event)))')] == "UserRoleChanged"
    # the name is a parameter no caller binds: not the envelope class either
    assert events[line_of(path, "event_name=name")] is None
    # a dataclass envelope built positionally (`type`, then `payload`)
    assert events[line_of(path, 'produce("audit"')] == "audit.recorded"
    # a class that declares its own name as a default is the event, whatever a construction passes
    assert events[line_of(path, 'produce("orders"')] == "OrderPlaced"
    # a class with fields of its own and no body field is the event too
    assert events[line_of(path, 'produce("shipments"')] == "Shipment"
