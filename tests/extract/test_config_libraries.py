"""Configuration libraries (Starlette `Config`, python-decouple, environs): a variable read with a default
gives the default, marked as overridable by the variable, unless docker-compose or the `.env` file the
library reads sets it; what cannot be read as a string stays unknown with its reason."""

from tests.helpers import facts_of, write_project

STARLETTE = '''
from starlette.config import Config
from aiokafka import AIOKafkaProducer

config = Config(".env")
prefixed = Config(env_prefix="APP_")

ORDERS_TOPIC = config("ORDERS_TOPIC", default="orders")
PAYMENTS_TOPIC = config.get("PAYMENTS_TOPIC", cast=str, default="payments")
AUDIT_TOPIC = config("AUDIT_TOPIC", cast=CommaSeparatedStrings, default="audit")
REQUIRED_TOPIC = config("REQUIRED_TOPIC")
FROM_ENV_FILE = config("REFUNDS_TOPIC", default="refunds")
PREFIXED = prefixed("SHIPPING_TOPIC", default="shipping")


async def publish(producer: AIOKafkaProducer, event):
    await producer.send_and_wait(ORDERS_TOPIC, event)
    await producer.send_and_wait(PAYMENTS_TOPIC, event)
    await producer.send_and_wait(AUDIT_TOPIC, event)
    await producer.send_and_wait(REQUIRED_TOPIC, event)
    await producer.send_and_wait(FROM_ENV_FILE, event)
    await producer.send_and_wait(PREFIXED, event)
'''

DECOUPLE = '''
import decouple
import pika
from decouple import AutoConfig, Csv, config

settings = AutoConfig(search_path="/etc/app")

EXCHANGE = config("EXCHANGE", "orders.exchange")
QUEUE = decouple.config("QUEUE", default="orders.queue", cast=str)
KEYS = config("KEYS", default="a,b", cast=Csv())
DLX = settings("DLX", default="orders.dlx")


def publish(channel: pika.adapters.blocking_connection.BlockingChannel, body):
    channel.basic_publish(exchange=EXCHANGE, routing_key=QUEUE, body=body)
    channel.basic_publish(exchange=DLX, routing_key=KEYS, body=body)
'''

ENVIRONS = '''
from environs import Env
from kafka import KafkaProducer

env = Env()
env.read_env()

producer = KafkaProducer()
producer.send(env.str("INVOICES_TOPIC", "invoices"), b"x")
producer.send(env("REMINDERS_TOPIC", default="reminders"), b"x")
producer.send(env.int("PARTITIONS", 3), b"x")
'''


def _publishers(facts):
    return {(p.path, p.line, p.channel, p.provenance, p.unresolved) for p in facts.publishers}


def test_starlette_config_defaults_and_env_file(tmp_path):
    root = write_project(tmp_path / "repo", {"app/settings.py": STARLETTE, "app/.env": "REFUNDS_TOPIC=refunds.v2\n"})
    got = {(line, channel, provenance, unresolved) for _, line, channel, provenance, unresolved in _publishers(facts_of(root))}
    assert got == {
        (16, "orders", "default of environment variable ORDERS_TOPIC (app/settings.py:7)", None),
        (17, "payments", "default of environment variable PAYMENTS_TOPIC (app/settings.py:8)", None),
        # a cast other than str makes something else of the text
        (18, None, None, "call-result: channel is `config('AUDIT_TOPIC', cast=CommaSeparatedStrings, default='audit')`"),
        (19, None, None, "config-not-found: channel is `config('REQUIRED_TOPIC')`"),
        # the .env file the library reads wins over the default
        (20, "refunds.v2", "config: app/.env REFUNDS_TOPIC", None),
        (21, "shipping", "default of environment variable APP_SHIPPING_TOPIC (app/settings.py:12)", None),
    }


def test_decouple_config_and_autoconfig(tmp_path):
    root = write_project(tmp_path / "repo", {"svc/publisher.py": DECOUPLE})
    assert _publishers(facts_of(root)) == {
        (
            "svc/publisher.py",
            14,
            "orders.exchange/orders.queue",
            "default of environment variable EXCHANGE (svc/publisher.py:7); "
            "default of environment variable QUEUE (svc/publisher.py:8)",
            None,
        ),
        # AutoConfig's default is read; `cast=Csv()` makes a list of the text, so the key stays unknown
        (
            "svc/publisher.py",
            15,
            None,
            None,
            "partial: channel is only partly known: `orders.dlx/{config('KEYS', default='a,b', cast=Csv())}`",
        ),
    }


def test_environs_string_reads_only(tmp_path):
    root = write_project(tmp_path / "repo", {"producer.py": ENVIRONS})
    got = {(line, channel, unresolved) for _, line, channel, _, unresolved in _publishers(facts_of(root))}
    assert got == {
        (8, "invoices", None),
        (9, "reminders", None),
        (10, None, "call-result: channel is `env.int('PARTITIONS', 3)`"),
    }


DECOUPLE_FILES = '''
from decouple import config
from kafka import KafkaProducer

producer = KafkaProducer()
producer.send(config("ORDERS_TOPIC", default="orders"), b"x")
'''

STARLETTE_NO_FILE = '''
from starlette.config import Config
from kafka import KafkaProducer

config = Config()
producer = KafkaProducer()
producer.send(config("ORDERS_TOPIC", default="orders"), b"x")
'''


def test_the_library_reads_its_own_env_file_even_in_a_compose_container(tmp_path):
    compose = "services:\n  orders:\n    build: ./orders\n"
    root = write_project(
        tmp_path / "repo",
        {"compose.yaml": compose, "orders/.env": "ORDERS_TOPIC=orders.v2\n", "orders/app/pub.py": DECOUPLE_FILES},
    )
    [pub] = facts_of(root).publishers
    assert (pub.channel, pub.provenance) == ("orders.v2", "config: orders/.env ORDERS_TOPIC")


def test_decouple_reads_settings_ini_first_which_is_not_read_here(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {"orders/settings.ini": "[settings]\nORDERS_TOPIC=orders.ini\n", "orders/pub.py": DECOUPLE_FILES},
    )
    [pub] = facts_of(root).publishers
    assert (pub.channel, pub.unresolved) == (None, "config-not-found: channel is `config('ORDERS_TOPIC', default='orders')`")


def test_a_config_without_a_file_reads_only_the_environment(tmp_path):
    root = write_project(tmp_path / "repo", {".env": "ORDERS_TOPIC=orders.v2\n", "compose.yaml": "services:\n  app:\n    build: .\n", "pub.py": STARLETTE_NO_FILE})
    [pub] = facts_of(root).publishers
    assert (pub.channel, pub.provenance) == ("orders", "default of environment variable ORDERS_TOPIC (pub.py:6)")
