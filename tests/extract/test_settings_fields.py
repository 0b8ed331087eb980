"""Names held in fields of classes with generated fields (fixtures/settings_fields): pydantic `Field(...)` defaults,
pydantic-settings aliases and pydantic v1 `env=` naming the environment variable, dataclass `field(...)` and attrs
`attr.ib` / `attrs.field` defaults. A default is the value the code runs with unless the environment overrides it
(a settings class says so in `provenance`); a field with no default, a factory eventlint cannot follow, or a
call that is no field specifier stays unknown with a reason, never the call's text as a name."""

import pytest

from tests.helpers import facts_of, fixture, line_of, write_project

ROOT = fixture("settings_fields")
PRICES = "services/prices/prices/app.py"
ALERTS = "services/alerts/alerts/worker.py"
PRICES_CONFIG = "services/prices/prices/config.py"
ALERTS_CONFIG = "services/alerts/alerts/config.py"


def _line(rel: str, snippet: str) -> int:
    return line_of(ROOT / rel, snippet)


@pytest.fixture(scope="module")
def records():
    facts = facts_of(ROOT)
    return {(r.path, r.line): (r.channel, r.provenance, r.unresolved) for r in (*facts.publishers, *facts.subscribers)}


def _default(cls: str, field: str, rel: str, snippet: str, variables: str = "") -> str:
    named = f", environment variable {variables}" if variables else ""
    return f"default of settings field {cls}.{field}{named} ({rel}:{_line(rel, snippet)})"


def test_pydantic_settings_field_defaults_name_the_variable_that_overrides_them(records):
    # Field(default=..., alias=...): the alias is the variable, without env_prefix
    assert records[(PRICES, _line(PRICES, "settings.price_updates_topic"))] == (
        "price-updates",
        _default("BrokerSettings", "price_updates_topic", PRICES_CONFIG, "price_updates_topic:", "KAFKA_PRICE_UPDATES_TOPIC"),
        None,
    )
    # the default passed by position; no alias: env_prefix + name, as for a plain default
    assert records[(PRICES, _line(PRICES, "topic=settings.alerts_topic"))] == (
        "alerts.raised",
        _default("BrokerSettings", "alerts_topic", PRICES_CONFIG, "alerts_topic:"),
        None,
    )
    # a factory that is a lambda returning a string gives that string
    assert records[(PRICES, _line(PRICES, "settings.audit_topic"))] == (
        "prices.audit",
        _default("BrokerSettings", "audit_topic", PRICES_CONFIG, "audit_topic:"),
        None,
    )
    # AliasChoices: any of its names, the first one set
    assert records[(PRICES, _line(PRICES, "settings.snapshot_topic"))] == (
        "prices.snapshots",
        _default("BrokerSettings", "snapshot_topic", PRICES_CONFIG, "snapshot_topic:", "PRICES_SNAPSHOT_TOPIC or SNAPSHOT_TOPIC"),
        None,
    )
    # `env=` is pydantic v1's: pydantic-settings ignores it, so it names no variable here
    assert records[(PRICES, _line(PRICES, "settings.legacy_topic"))] == (
        "prices.legacy",
        _default("BrokerSettings", "legacy_topic", PRICES_CONFIG, "legacy_topic:"),
        None,
    )


def test_a_field_with_no_default_is_read_from_the_variable_it_names(records):
    # validation_alias names the variable; docker-compose sets it for the service built from this folder
    assert records[(PRICES, _line(PRICES, "settings.dead_letter_topic"))] == (
        "prices.dead-letters",
        "config: docker-compose.yml services.prices.environment PRICES_DEAD_LETTERS",
        None,
    )
    # pydantic v1: Field(..., env="X") is required and read from X, not from env_prefix + name
    assert records[(ALERTS, _line(ALERTS, "KafkaConsumer(settings.topic"))] == (
        "alerts.raised",
        "config: docker-compose.yml services.alerts.environment ALERTS_TOPIC",
        None,
    )


def test_what_cannot_be_known_stays_unknown_with_a_reason(records):
    # required, and nothing sets PRICES_REPLAY_TOPIC
    assert records[(PRICES, _line(PRICES, "settings.replay_topic"))] == (
        None,
        None,
        "config-not-found: channel is `environment variable PRICES_replay_topic`",
    )
    # a factory eventlint cannot follow
    assert records[(PRICES, _line(PRICES, "settings.archive_topic"))] == (
        None,
        None,
        "call-result: channel is `topic_from_registry()`",
    )
    # an alias inside Annotated is not read: no variable is looked up under a guessed name
    assert records[(PRICES, _line(PRICES, "settings.annotated_topic"))][0] is None
    # a pydantic field read on the class is no class attribute
    assert records[(PRICES, _line(PRICES, "BrokerSettings.dead_letter_topic"))][0] is None
    # attr.ib(default=attr.NOTHING) has no default
    assert records[(ALERTS, _line(ALERTS, "legacy.paged"))][0] is None
    # a call that is no field specifier (marshmallow) gives no name from its keywords
    assert records[(ALERTS, _line(ALERTS, "Schema.topic"))] == (
        None,
        None,
        "call-result: channel is `fields.Str(load_default='alerts.schema')`",
    )


def test_pydantic_v1_env_names_the_variable_and_an_alias_does_not(records):
    assert records[(ALERTS, _line(ALERTS, "settings.retry_topic"))] == (
        "alerts.retry",
        _default("AlertSettings", "retry_topic", ALERTS_CONFIG, "retry_topic:", "ALERTS_RETRY_TOPIC or RETRY_TOPIC"),
        None,
    )
    assert records[(ALERTS, _line(ALERTS, "settings.digest_topic"))] == (
        "alerts.digest",
        _default("AlertSettings", "digest_topic", ALERTS_CONFIG, "digest_topic:"),
        None,
    )


@pytest.mark.parametrize(
    ("snippet", "channel"),
    [
        ("channels.delivered", "alerts.delivered"),  # dataclasses.field(default=...)
        ("channels.muted", "alerts.muted"),  # dataclasses.field(default_factory=lambda: ...)
        ("legacy.escalated", "alerts.escalated"),  # attr.ib(default) by position
        ("modern.closed", "alerts.closed"),  # attrs.field(default=...)
        ("modern.reopened", "alerts.reopened"),  # attrs.field(factory=lambda: ...)
    ],
)
def test_dataclass_and_attrs_field_defaults_are_the_value(records, snippet, channel):
    # no settings class: nothing in the environment overrides these, so no provenance
    assert records[(ALERTS, _line(ALERTS, snippet))] == (channel, None, None)


SETTINGS = '''
import socket

import pydantic
from pydantic import Field
from pydantic.fields import Field as FieldInfoFactory
from pydantic_settings import BaseSettings


def Column(default=None, **kwargs):
    return default


class Topics(BaseSettings):
    by_module: str = pydantic.Field(default="orders.placed")
    by_fields_module: str = FieldInfoFactory("orders.cancelled")
    empty_factory: list[str] = Field(default_factory=list)
    own_column: str = Column(default="not.a.field")
    per_host: str = Field(default=socket.gethostname())


topics = Topics(by_module="orders.overridden")
defaults = Topics()
'''

SENDER = '''
from kafka import KafkaProducer

from app.config import defaults, topics

producer = KafkaProducer()
producer.send(topics.by_module, b"")
producer.send(defaults.by_module, b"")
producer.send(defaults.by_fields_module, b"")
producer.send(defaults.own_column, b"")
producer.send(defaults.per_host, b"")
'''


def test_every_spelling_of_the_specifier_and_the_constructor_winning(tmp_path):
    root = write_project(tmp_path / "repo", {"app/__init__.py": "", "app/config.py": SETTINGS, "app/pub.py": SENDER})
    got = {(p.line, p.channel, p.unresolved is None) for p in facts_of(root).publishers}
    assert got == {
        # what the constructor was given wins over the field's default
        (6, "orders.overridden", True),
        (7, "orders.placed", True),
        (8, "orders.cancelled", True),
        # a project function named like a specifier is followed as a function (it returns its argument),
        # not read as a field specifier
        (9, "not.a.field", True),
        # a default eventlint cannot compute stays unknown
        (10, None, False),
    }


NESTED = '''
from kafka import KafkaProducer
from pydantic import Field
from pydantic_settings import BaseSettings


class KafkaTopics(BaseSettings):
    orders: str = Field("orders.placed", alias="ORDERS_TOPIC")


class AppSettings(BaseSettings):
    kafka: KafkaTopics = Field(default_factory=KafkaTopics)
    factory: KafkaTopics = Field(default_factory=dict)


settings = AppSettings()
producer = KafkaProducer()
producer.send(settings.kafka.orders, b"")
producer.send(settings.factory.orders, b"")
'''


def test_a_default_factory_that_is_a_project_class_builds_its_instance(tmp_path):
    root = write_project(tmp_path / "repo", {"app/pub.py": NESTED})
    got = {(p.line, p.channel, p.provenance) for p in facts_of(root).publishers}
    assert got == {
        (17, "orders.placed", "default of settings field KafkaTopics.orders, environment variable ORDERS_TOPIC (app/pub.py:7)"),
        # a library factory (dict) builds nothing eventlint knows
        (18, None, None),
    }


V1_CONFIG_FIELDS = '''
from kafka import KafkaProducer
from pydantic import BaseSettings


class Topics(BaseSettings):
    orders: str

    class Config:
        env_prefix = "SHOP_"
        fields = {"orders": {"env": "ORDERS_TOPIC"}}


settings = Topics()
KafkaProducer().send(settings.orders, b"")
'''


def test_pydantic_v1_config_fields_may_name_the_variable_so_nothing_is_guessed(tmp_path):
    # compose sets SHOP_ORDERS, which is not what `Config.fields` makes the field read
    compose = "services:\n  shop:\n    build: .\n    environment:\n      SHOP_ORDERS: shop.not-read\n"
    root = write_project(tmp_path / "repo", {"docker-compose.yml": compose, "app/pub.py": V1_CONFIG_FIELDS})
    assert [p.channel for p in facts_of(root).publishers] == [None]
