"""Names read from the configuration files the code reads: YAML/JSON, INI, `.env`, docker-compose."""

import os

import pytest

from eventlint import api
from eventlint.extract import Options
from tests.helpers import facts_of, write_project

YAML_PUB = '''
import redis
import yaml

stream = open("config.yaml", "r")
config = yaml.load(stream, Loader=yaml.FullLoader)
r = redis.StrictRedis(host=config["redis_host"])


def publish(fields):
    r.publish(config["redis_topic"], fields)
    r.publish(config["kafka"]["topic"], fields)
    r.publish(config["missing_topic"], fields)
    r.publish(config.get("audit_topic", "audit.fallback"), fields)
'''

YAML_SUB = '''
import redis
import yaml


def handle(message):
    print(message)


def main():
    with open("settings/pubsub.yaml") as f:
        cfg = yaml.safe_load(f)
    p = redis.Redis().pubsub()
    p.subscribe(**{cfg["channels"]["in"]: handle})
    p.run_in_thread(sleep_time=0.01)
'''

CONFIG_YAML = '''
redis_host: localhost
redis_topic: "temperature"
kafka:
  topic: sensors.readings
'''


def _records(facts):
    return {(r.path, r.line, r.channel, r.provenance, r.unresolved) for r in (*facts.publishers, *facts.subscribers)}


def test_yaml_values_resolve_relative_to_the_root_and_to_the_reading_file(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "pubsub/publisher.py": YAML_PUB,
            "config.yaml": CONFIG_YAML,  # at the root, where the script is run from
            "worker/subscriber.py": YAML_SUB,
            "worker/settings/pubsub.yaml": "channels:\n  in: alerts.raised\n",  # beside the reading file
        },
    )
    assert _records(facts_of(root)) == {
        ("pubsub/publisher.py", 10, "temperature", "config: config.yaml redis_topic", None),
        ("pubsub/publisher.py", 11, "sensors.readings", "config: config.yaml kafka.topic", None),
        ("pubsub/publisher.py", 12, None, None, "config-key-not-found: channel is `config['missing_topic']`"),
        ("pubsub/publisher.py", 13, "audit.fallback", None, None),
        ("worker/subscriber.py", 13, "alerts.raised", "config: worker/settings/pubsub.yaml channels.in", None),
    }


def test_an_ambiguous_or_missing_or_unsafe_file_leaves_the_name_unknown(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "pubsub/publisher.py": YAML_PUB,
            "config.yaml": CONFIG_YAML,
            "pubsub/config.yaml": "redis_topic: other\n",  # two candidates that differ
            "worker/subscriber.py": YAML_SUB,
            # a tag safe_load refuses: never constructed, the value stays unknown
            "worker/settings/pubsub.yaml": "channels: !!python/object/apply:os.system ['true']\n",
        },
    )
    got = _records(facts_of(root))
    assert ("pubsub/publisher.py", 10, None, None, "config-ambiguous: channel is `config['redis_topic']`") in got
    assert ("worker/subscriber.py", 13, None, None, "config-not-found: channel is `cfg['channels']['in']`") in got
    (root / "pubsub/config.yaml").unlink()
    (root / "config.yaml").unlink()
    got = _records(facts_of(root))
    assert ("pubsub/publisher.py", 10, None, None, "config-not-found: channel is `config['redis_topic']`") in got


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="the platform has no symlinks")
def test_a_symlink_out_of_the_project_is_never_read(tmp_path):
    outside = tmp_path / "secrets.yaml"
    outside.write_text(CONFIG_YAML, encoding="utf-8")
    root = write_project(tmp_path / "repo", {"pubsub/publisher.py": YAML_PUB})
    (root / "config.yaml").symlink_to(outside)
    got = _records(facts_of(root))
    assert ("pubsub/publisher.py", 10, None, None, "config-not-found: channel is `config['redis_topic']`") in got


INI_PUB = '''
import configparser

from kafka import KafkaProducer

config = configparser.ConfigParser()
config.read("settings.ini")
producer = KafkaProducer(bootstrap_servers=config["kafka"]["servers"])


def publish(order):
    producer.send(config["kafka"]["topic"], order)
    producer.send(config.get("kafka", "audit_topic"), order)
    producer.send(config.get("kafka", "dlq_topic", fallback="orders.dlq"), order)
    producer.send(config["kafka"]["nope"], order)
'''

INI_SUB = '''
from configparser import ConfigParser

from confluent_kafka import Consumer


def run():
    parser = ConfigParser()
    parser.read(["defaults.ini", "local.ini"])
    consumer = Consumer({"group.id": parser.get("consumer", "group")})
    consumer.subscribe([parser.get("consumer", "topic")])
    while True:
        msg = consumer.poll(1.0)
        print(msg.value())
'''

SETTINGS_INI = '''
[DEFAULT]
prefix = shop

[kafka]
servers = localhost:9092
topic = %(prefix)s.orders
audit_topic = audit.orders
'''


def test_ini_values_through_configparser_with_its_interpolation(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "app/pub.py": INI_PUB,
            "app/settings.ini": SETTINGS_INI,
            "consumer/sub.py": INI_SUB,
            "defaults.ini": "[consumer]\ngroup = billing\ntopic = orders.placed\n",
            "local.ini": "[consumer]\ntopic = orders.local\n",  # read last: it wins
        },
    )
    assert _records(facts_of(root)) == {
        ("app/pub.py", 11, "shop.orders", "config: app/settings.ini [kafka] topic", None),
        ("app/pub.py", 12, "audit.orders", "config: app/settings.ini [kafka] audit_topic", None),
        ("app/pub.py", 13, "orders.dlq", None, None),
        ("app/pub.py", 14, None, None, "config-key-not-found: channel is `config['kafka']['nope']`"),
        ("consumer/sub.py", 10, "orders.local", "config: local.ini [consumer] topic", None),
    }


ENV_PUB = '''
import os

from kafka import KafkaProducer

producer = KafkaProducer()


def publish(order):
    producer.send(os.getenv("ORDERS_TOPIC"), order)
    producer.send(os.environ["AUDIT_TOPIC"], order)
    producer.send(os.environ["UNSET_TOPIC"], order)
'''

SETTINGS_PUB = '''
from kafka import KafkaProducer
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_")
    invoices_topic: str


settings = Settings()
producer = KafkaProducer()


def invoice(order):
    producer.send(settings.invoices_topic, order)
'''

COMPOSE = '''
services:
  orders:
    build: ./orders
    environment:
      - ORDERS_TOPIC=orders.placed
      - AUDIT_TOPIC=${AUDIT_TOPIC:-audit.default}
  billing:
    build:
      context: ./billing
    environment:
      BILLING_INVOICES_TOPIC: billing.invoiced
      ORDERS_TOPIC: orders.for-billing
  tools:
    image: tools:latest
    environment:
      UNSET_TOPIC: tools.only
'''


def test_compose_environment_of_the_service_built_from_the_files_folder(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "docker-compose.yml": COMPOSE,
            ".env": "AUDIT_TOPIC=audit.from-env\n",
            "orders/app/pub.py": ENV_PUB,
            "billing/pub.py": SETTINGS_PUB,
        },
    )
    assert _records(facts_of(root)) == {
        ("orders/app/pub.py", 9, "orders.placed", "config: docker-compose.yml services.orders.environment ORDERS_TOPIC", None),
        # compose substitutes ${AUDIT_TOPIC} from the .env beside it
        ("orders/app/pub.py", 10, "audit.from-env", "config: docker-compose.yml services.orders.environment AUDIT_TOPIC", None),
        # set only for a service that is not built from this folder: which one runs this code is unknown
        (
            "orders/app/pub.py",
            11,
            None,
            None,
            "config-ambiguous: channel is `os.environ['UNSET_TOPIC']`",
        ),
        # a settings field with no default: env_prefix + name, any case
        ("billing/pub.py", 15, "billing.invoiced", "config: docker-compose.yml services.billing.environment BILLING_INVOICES_TOPIC", None),
    }


def test_dotenv_when_no_compose_service_sets_it_and_services_sharing_a_folder_give_a_derived_set(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "orders/.env": "ORDERS_TOPIC='orders.placed'  \nexport AUDIT_TOPIC=audit.events # comment\n",
            "orders/app/pub.py": ENV_PUB,
        },
    )
    got = _records(facts_of(root))
    assert ("orders/app/pub.py", 9, "orders.placed", "config: orders/.env ORDERS_TOPIC", None) in got
    assert ("orders/app/pub.py", 10, "audit.events", "config: orders/.env AUDIT_TOPIC", None) in got
    assert ("orders/app/pub.py", 11, None, None, "config-not-found: channel is `os.environ['UNSET_TOPIC']`") in got

    (root / "compose.yaml").write_text(
        "services:\n"
        "  eu:\n    build: .\n    environment: [ORDERS_TOPIC=orders.eu]\n"
        "  us:\n    build: .\n    environment: [ORDERS_TOPIC=orders.us]\n",
        encoding="utf-8",
    )
    facts = facts_of(root)
    derived = sorted((p.channel, p.derived, p.provenance) for p in facts.publishers if p.line == 9)
    origin = (
        "one of 2 values of environment variable ORDERS_TOPIC (config: compose.yaml services.eu.environment ORDERS_TOPIC; "
        "config: compose.yaml services.us.environment ORDERS_TOPIC)"
    )
    assert derived == [("orders.eu", True, origin), ("orders.us", True, origin)]


def _cached(root):
    return api.facts([root], api.load_config([root]), Options(cache=True)).to_json()


def test_editing_a_configuration_file_recomputes_the_cached_facts(tmp_path):
    root = write_project(tmp_path / "repo", {"pubsub/publisher.py": YAML_PUB, "config.yaml": CONFIG_YAML}, config={})
    first = _cached(root)
    assert first == _cached(root)  # answered from the cache
    (root / "config.yaml").write_text(CONFIG_YAML.replace("temperature", "humidity"), encoding="utf-8")
    second = _cached(root)
    assert second == api.facts([root], api.load_config([root]), Options(cache=False)).to_json()
    assert {p["channel"] for p in second["publishers"]} >= {"humidity"}
    assert "temperature" not in {p["channel"] for p in second["publishers"]}
    # a file that was absent when the facts were computed, created later, is seen too
    (root / "pubsub/config.yaml").write_text("redis_topic: pressure\n", encoding="utf-8")
    third = _cached(root)
    assert third == api.facts([root], api.load_config([root]), Options(cache=False)).to_json()
    assert "humidity" not in {p["channel"] for p in third["publishers"]}  # two candidates that differ now


def test_env_file_of_the_service_and_no_dotenv_inside_a_compose_container(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "docker-compose.yml": "services:\n  orders:\n    build: ./orders\n    env_file: [orders/orders.env]\n",
            "orders/orders.env": "ORDERS_TOPIC=orders.placed\n",
            # compose does not pass this file into the container: AUDIT_TOPIC is not set there
            "orders/.env": "AUDIT_TOPIC=audit.events\n",
            "orders/app/pub.py": ENV_PUB,
        },
    )
    got = _records(facts_of(root))
    assert ("orders/app/pub.py", 9, "orders.placed", "config: orders/orders.env ORDERS_TOPIC", None) in got
    assert ("orders/app/pub.py", 10, None, None, "config-not-found: channel is `os.environ['AUDIT_TOPIC']`") in got
