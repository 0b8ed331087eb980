"""Framework packs: the built-ins load, and a team's broken pack is a clear config error."""

from pathlib import Path

import pytest

from eventlint.config import Config, ConfigError, load_config
from eventlint.extract.patterns import load_patterns
from eventlint.resources import builtin_frameworks


def test_every_builtin_pack_loads_and_names_its_modules():
    patterns = load_patterns(Config(root=Path(".")))
    names = {fw.name for fw in patterns.frameworks.values()}
    assert len(builtin_frameworks()) == len(names) >= 17
    assert {"kafka-python", "confluent-kafka", "aiokafka", "faust", "faststream", "pika", "aio-pika", "kombu",
            "nameko", "tomodachi", "dapr", "aws-sns", "aws-sqs", "aws-eventbridge", "google-pubsub", "redis",
            "nats", "celery"} <= names
    assert all(fw.modules for fw in patterns.frameworks.values())


def pack(tmp_path, text):
    (tmp_path / "bus.yaml").write_text(text)
    (tmp_path / "eventlint.yaml").write_text("frameworks: [bus.yaml]\n")
    return load_config([tmp_path])


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("publish: []\n", "(top level)", "missing required key: 'framework'"),
        ("framework: x\npublish:\n  - fields: {}\n", "publish[0]", ""),
        ("framework: x\npublish:\n  - call: a.B.c\n    fields: {handler: {arg: 0}}\n", "publish[0].fields.handler", "not a publish field"),
        ("framework: x\nsubscribe:\n  - call: a.B.c\n    fields: {channel: {loop: true}}\n", "subscribe[0].fields.channel", "`loop` applies to the handler field only"),
        ("framework: x\nsubscribe:\n  - call: a.B.c\n    fields: {channel: {format: 'x'}}\n", "subscribe[0].fields.channel", "says where the value comes from"),
        ("framework: x\npublish:\n  - registry: {assigned: '*'}\n", "publish[0].registry", "use it under `subscribe`"),
        ("framework: x\nsubscribe:\n  - decorator: a.b\n    untyped: true\n", "subscribe[0].untyped", "applies to `call` sites only"),
        ("framework: kafka-python\n", "framework", "is already defined by"),
        ("framework: x\ntypes:\n  - name: a.B\n    from: [{call: a.b, when: {equals: 1}}]\n", "types[0].from[0].when", "expected `arg` or `kw`"),
        ("framework: x\ninjected: [Logger()]\n", "injected[0]", ""),
        ("framework: x\nbind:\n  - call: a.Q\n    fields: {routing_key: {const: null, when_value: {read: {arg: 1}}}}\n", "bind[0].fields.routing_key.when_value", "'in'"),
        ("framework: x\nbind:\n  - call: a.Q\n    fields: {routing_key: {arg: 2, placeholders: 1}}\n", "bind[0].fields.routing_key.placeholders", ""),
        ("framework: x\npublish:\n  - call: a.B.c\n    fields: {queue_type: {const: stream}}\n", "publish[0].fields.queue_type", "not a publish field"),
    ],
)
def test_pack_mistakes_name_file_and_key(tmp_path, text, key, fragment):
    config = pack(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_patterns(config)
    assert info.value.file == str((tmp_path / "bus.yaml").resolve())
    assert info.value.key == key
    assert fragment in info.value.message


def test_disabling_an_unknown_builtin_is_an_error(tmp_path):
    (tmp_path / "eventlint.yaml").write_text("disable-frameworks: [kafka]\n")
    with pytest.raises(ConfigError) as info:
        load_patterns(load_config([tmp_path]))
    assert "no built-in framework is named 'kafka'" in info.value.message
    assert info.value.key == "disable-frameworks"
    assert info.value.file == str((tmp_path / "eventlint.yaml").resolve())


def test_disabled_builtin_is_not_loaded(tmp_path):
    (tmp_path / "eventlint.yaml").write_text("disable-frameworks: [redis]\n")
    patterns = load_patterns(load_config([tmp_path]))
    assert "redis" not in patterns.frameworks and "kafka-python" in patterns.frameworks


def test_every_builtin_pack_passes_the_framework_schema():
    # a run skips the schema for the shipped packs (they are code, not input): this is where they are checked
    import yaml

    from eventlint import schemas

    for path in builtin_frameworks():
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        assert schemas.problems(data, "framework") == [], path
