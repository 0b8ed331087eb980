"""Value flow: factories returning clients (whole, in tuples, in dicts), consumers made in factories."""

from tests.helpers import facts_of, pubs, subs, write_project

CLIENTS = '''
from kafka import KafkaConsumer, KafkaProducer


def make_clients(config):
    admin = None
    producer = KafkaProducer(bootstrap_servers=config["servers"])
    consumer = KafkaConsumer("orders.placed", group_id="billing")
    return admin, producer, consumer, config


def make_bus():
    return {"producer": KafkaProducer(), "topic": "billing.invoiced"}


def make_consumer(topic):
    return KafkaConsumer(topic, group_id="ledger")
'''

MAIN = '''
from clients import make_bus, make_clients, make_consumer
from handlers import on_order, on_refund


class Worker:
    def __init__(self, config):
        _, self.producer, self.consumer, _ = make_clients(config)

    def run(self):
        for msg in self.consumer:
            on_order(msg.value)
            self.producer.send("billing.charged", msg.value)


def main():
    *_, producer, consumer, cfg = make_clients({})
    producer.send("billing.started", b"")
    bus = make_bus()
    bus["producer"].send(bus["topic"], b"")


def refunds():
    consumer = make_consumer("payments.refunded")
    while True:
        batch = consumer.poll(timeout_ms=500)
        on_refund(batch)
'''

HANDLERS = '''
def on_order(value):
    print(value)


def on_refund(batch):
    print(batch)
'''


def _facts(tmp_path):
    return facts_of(write_project(tmp_path / "repo", {"app/clients.py": CLIENTS, "app/main.py": MAIN, "app/handlers.py": HANDLERS}))


def test_clients_from_factories_in_tuples_and_dicts(tmp_path):
    assert pubs(_facts(tmp_path)) == {
        ("app/main.py", 12, None, "billing.charged", None, "main.Worker.run"),
        ("app/main.py", 17, None, "billing.started", None, "main.main"),
        ("app/main.py", 19, None, "billing.invoiced", None, "main.main"),
    }


def test_a_consumer_made_in_a_factory_is_handled_where_its_caller_loops(tmp_path):
    assert subs(_facts(tmp_path)) == {
        # returned as the third item of a tuple, unpacked into self.consumer, iterated in another method
        ("app/clients.py", 7, None, "orders.placed", None, "handlers.on_order"),
        # the topic is a parameter: the call site names it, the caller's poll loop names the handler
        ("app/main.py", 23, None, "payments.refunded", None, "handlers.on_refund"),
        ("app/clients.py", 16, None, None, None, "handlers.on_refund"),
    }


def test_callers_that_disagree_leave_the_handler_unknown(tmp_path):
    files = {
        "app/factory.py": '''
            from kafka import KafkaConsumer

            def make():
                return KafkaConsumer("audit.events")
        ''',
        "app/a.py": '''
            from factory import make

            def handle_a(m):
                print(m)

            def run_a():
                for m in make():
                    handle_a(m)
        ''',
        "app/b.py": '''
            from factory import make

            def handle_b(m):
                print(m)

            def run_b():
                for m in make():
                    handle_b(m)
        ''',
    }
    [sub] = facts_of(write_project(tmp_path / "repo", files)).subscribers
    assert (sub.channel, sub.handler) == ("audit.events", None)


NOTIFIER = '''
import functools
from functools import partial

import redis
from aiokafka import AIOKafkaProducer


class Notifier:
    def __init__(self):
        self.client = AIOKafkaProducer(bootstrap_servers="kafka:9092")

    async def notify(self, order):
        async def publish(data, topic):
            await self.client.send_and_wait(topic, data)

        await publish(order, "orders.notified")
        await publish(order, topic="orders.audited")


def handle(region, message):
    print(region, message)


def listen():
    pubsub = redis.Redis().pubsub()
    pubsub.subscribe(**{"orders.eu": functools.partial(handle, "eu")})
    pubsub.subscribe(**{"orders.us": partial(handle, "us")})
    pubsub.run_in_thread(sleep_time=0.01)
'''


def test_nested_helpers_in_methods_and_partial_handlers(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"svc/app.py": NOTIFIER}))
    assert pubs(facts) == {
        ("svc/app.py", 14, None, None, None, "app.Notifier.notify.publish"),
        ("svc/app.py", 16, None, "orders.notified", None, "app.Notifier.notify"),
        ("svc/app.py", 17, None, "orders.audited", None, "app.Notifier.notify"),
    }
    assert subs(facts) == {
        ("svc/app.py", 26, None, "orders.eu", None, "app.handle"),
        ("svc/app.py", 27, None, "orders.us", None, "app.handle"),
    }
    [inner] = [p for p in facts.publishers if p.line == 14]
    assert inner.unresolved is None  # its call sites carry the names


PUBLISHER = '''
import os
from os import environ

from external_topics import AUDIT
from kafka import KafkaConsumer, KafkaProducer

producer = KafkaProducer()
TOPIC = os.getenv("ORDERS_TOPIC", "orders.placed")
PREFIX = environ.get("PREFIX", "prod")
UNSET = os.environ.get("UNSET_TOPIC", "")


def publish_all(payload):
    producer.send(TOPIC, payload)
    producer.send(f"{PREFIX}.orders.cancelled", payload)
    producer.send(os.environ["REFUNDS_TOPIC"], payload)
    producer.send(AUDIT, payload)
    for topic in payload["topics"]:
        producer.send(topic, payload)
    producer.send(UNSET, payload)


def forward(topic, payload):
    producer.send(topic, payload)


def consume():
    for message in KafkaConsumer(os.getenv("IN_TOPIC")):
        print(message)
'''


def test_environment_defaults_carry_their_provenance_and_unknowns_their_reason(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"app/pub.py": PUBLISHER}))
    got = {(p.line, p.channel, p.provenance, p.unresolved) for p in facts.publishers}
    assert got == {
        (14, "orders.placed", "default of environment variable ORDERS_TOPIC (app/pub.py:8)", None),
        (15, "prod.orders.cancelled", "default of environment variable PREFIX (app/pub.py:9)", None),
        (16, None, None, "config-not-found: channel is `os.environ['REFUNDS_TOPIC']`"),
        (17, None, None, "import-not-resolved: channel is `external_topics.AUDIT`, from a module outside the analysed code"),
        (19, None, None, "runtime-input: channel is `topic`"),
        # an empty default is a placeholder, not a name
        (20, None, None, "config-not-found: channel is `os.environ.get('UNSET_TOPIC', '')`"),
        (24, None, None, "parameter: channel is parameter `topic` of pub.forward, and no call site in the analysed code passes it"),
    }
    [sub] = facts.subscribers
    assert (sub.channel, sub.unresolved) == (None, "config-not-found: channel is `os.getenv('IN_TOPIC')`")


BASES = '''
from kafka import KafkaConsumer, KafkaProducer


class BaseWorker:
    topic = None
    group = "workers"

    def __init__(self):
        self.consumer = KafkaConsumer(self.topic, group_id=self.group)

    def run(self):
        for message in self.consumer:
            self.handle(message.value)

    def handle(self, value):
        raise NotImplementedError


class BasePublisher:
    TOPIC: str

    def __init__(self):
        self.producer = KafkaProducer()

    def publish(self, event):
        self.producer.send(self.TOPIC, event)
'''

SUBCLASSES = '''
from base import BasePublisher, BaseWorker


class OrdersWorker(BaseWorker):
    topic = "orders.placed"

    def handle(self, value):
        print(value)


class RefundsWorker(BaseWorker):
    topic = "payments.refunded"
    group = "refunds"

    def handle(self, value):
        print("refund", value)


class InvoicePublisher(BasePublisher):
    TOPIC = "billing.invoiced"
'''


def test_class_attributes_read_through_a_subclass(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"workers/base.py": BASES, "workers/subs.py": SUBCLASSES}))
    # the inherited methods run once per subclass, with the subclass's attributes and methods;
    # the abstract base's own `self.topic = None` names nothing and is not reported
    assert pubs(facts) == {("workers/base.py", 26, None, "billing.invoiced", None, "base.BasePublisher.publish")}
    assert {(s.line, s.channel, s.handler, s.group) for s in facts.subscribers} == {
        (9, "orders.placed", "subs.OrdersWorker.handle", "workers"),
        (9, "payments.refunded", "subs.RefundsWorker.handle", "refunds"),
    }


ROUTER = '''
import json

from kafka import KafkaProducer

producer = KafkaProducer()
TOPICS = {"order": "orders.events", "payment": "payments.events"}


def emit(kind, payload):
    producer.send(TOPICS[kind], json.dumps(payload).encode())


def on_change(record, deleted):
    action = "Deleted" if deleted else "Modified"
    producer.send(f"catalog.Product{action}", b"")


def route(message):
    producer.send(TOPICS.get(message["type"], "misc.events"), b"")


def many(a, b, c, d, e):
    x = ("a" if a else "b") + ("c" if b else "d") + ("e" if c else "f") + ("g" if d else "h") + ("i" if e else "j")
    producer.send(x, b"")


def main():
    emit("order", {})
'''


def test_finite_value_sets_give_one_derived_record_per_name(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"app/pub.py": ROUTER}))
    got = {(p.line, p.channel, p.derived, p.unresolved) for p in facts.publishers}
    assert got == {
        # the wrapper's lookup is bound at its call site: exactly the caller's topic, not every value
        (10, None, False, None),
        (28, "orders.events", False, None),
        (15, "catalog.ProductDeleted", True, None),
        (15, "catalog.ProductModified", True, None),
        (19, "misc.events", True, None),
        (19, "orders.events", True, None),
        (19, "payments.events", True, None),
        # 2**5 possible names is past the bound: unknown, with the reason
        (24, None, False, "too-many-values: channel is `('a' if ... else 'b') + ('c' if ... else 'd') + ('e' if ... else 'f')"
         " + ('g' if ... else 'h') + ('i' if ... else 'j')`"),
    }
    [deleted] = [p for p in facts.publishers if p.channel == "catalog.ProductDeleted"]
    assert deleted.provenance == (
        "one of 2 values of `f'catalog.Product{action}'`, from 2 values of `('Deleted' if ... else 'Modified')` (app/pub.py:14)"
    )


SETTINGS = '''
from dataclasses import dataclass

from pydantic_settings import BaseSettings


class KafkaSettings(BaseSettings):
    orders_topic: str = "orders.placed"
    bootstrap: str = "kafka:9092"


@dataclass
class ChannelConfig:
    topic: str = "default.topic"
    group: str = "g"


settings = KafkaSettings()
billing = ChannelConfig(topic="billing.invoiced")
plain = ChannelConfig()
positional = ChannelConfig("audit.logged")
'''

SENDER = '''
from kafka import KafkaProducer

from config import billing, plain, positional, settings

producer = KafkaProducer(bootstrap_servers=settings.bootstrap)
producer.send(settings.orders_topic, b"")
producer.send(billing.topic, b"")
producer.send(plain.topic, b"")
producer.send(positional.topic, b"")
'''


def test_settings_defaults_and_constructor_fields(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"app/config.py": SETTINGS, "app/pub.py": SENDER}))
    assert {(p.line, p.channel, p.provenance) for p in facts.publishers} == {
        # a settings field's default: the environment may override it, so the record says where it came from
        (6, "orders.placed", "default of settings field KafkaSettings.orders_topic (app/config.py:7)"),
        # what the constructor was given wins over the class's default (keyword, then position)
        (7, "billing.invoiced", None),
        (8, "default.topic", None),
        (9, "audit.logged", None),
    }


ENV_WRAPPER = '''
import os


def ev(k, v):
    return os.getenv(k, v).strip().lstrip()


def trimmed(k, v):
    return os.environ.get(k, v).rstrip("/")
'''

RELAY = '''
from celery import Celery

from app.utils import ev, trimmed

app = Celery("relay", broker="pyamqp://")


def relay(body):
    task_name = ev("RELAY_TASK_NAME", "shop.tasks.handle_conversion")
    app.send_task(task_name, (body,))
    app.send_task(trimmed("AUDIT_TASK", "shop.tasks.audit/"), (body,))
    app.send_task(ev("UNSET_TASK", ""), (body,))
'''


def test_an_in_house_getenv_wrapper_reads_its_default_as_a_direct_getenv_does(tmp_path):
    # `def ev(k, v): return os.getenv(k, v).strip()` in another module: the default is the value, overridable
    facts = facts_of(write_project(tmp_path / "repo", {"app/__init__.py": "", "app/utils.py": ENV_WRAPPER, "app/relay.py": RELAY}))
    got = {(p.line, p.channel, p.provenance) for p in facts.publishers}
    assert got == {
        (10, "shop.tasks.handle_conversion", "default of environment variable RELAY_TASK_NAME (app/utils.py:5)"),
        (11, "shop.tasks.audit", "default of environment variable AUDIT_TASK (app/utils.py:9)"),
        # an empty default stays a placeholder through the wrapper
        (12, None, None),
    }


FALLBACKS = '''
import os


def get_env(name, default=None):
    value = os.environ.get(name)
    if value is None:
        return default
    return value


def required(name, default):
    value = os.getenv(name)
    if not value:
        raise RuntimeError(name)
    return value
'''

FALLBACK_SENDER = '''
from celery import Celery

from app.config import get_env, required

app = Celery("relay", broker="pyamqp://")


def relay(body):
    app.send_task(get_env("BILLING_TASK", "shop.tasks.bill"), (body,))
    app.send_task(required("SHIPPING_TASK", "shop.tasks.ship"), (body,))
'''


def test_a_default_returning_wrapper_reads_its_fallback_and_one_that_raises_stays_unknown(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"app/__init__.py": "", "app/config.py": FALLBACKS, "app/send.py": FALLBACK_SENDER}))
    got = {(p.line, p.channel, p.provenance) for p in facts.publishers}
    assert got == {
        (9, "shop.tasks.bill", "default of the environment read by app.config.get_env (app/config.py:4)"),
        # `required` never returns its second argument: the variable must be set
        (10, None, None),
    }
