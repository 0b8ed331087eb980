"""Schema Registry subject names: which subject an event's value schema is registered under.

Confluent's serializers name the subject with a strategy (`subject.name.strategy` in the
serializer's configuration; `value.subject.name.strategy` in Java):

- TopicNameStrategy (the default): `<topic>-value` (`<topic>-key` for a key schema);
- RecordNameStrategy: the record's fully qualified name;
- TopicRecordNameStrategy: `<topic>-<fully qualified record name>`.

The record name is the Avro record's full name (`namespace.name`), the Protobuf message's
fully-qualified name (`package.Message`: the class the producer's `ProtobufSerializer` is given,
else the file's first message), and a JSON Schema's `title`. A strategy is named as in the Java serializers' configuration, by the Java
class, or by confluent-kafka-python's function (`topic_record_subject_name_strategy`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventlint.compat.base import Schema

DEFAULT_STRATEGY = "TopicNameStrategy"
STRATEGIES = ("TopicNameStrategy", "RecordNameStrategy", "TopicRecordNameStrategy")
_SPELLINGS = {
    **{name: name for name in STRATEGIES},
    **{f"io.confluent.kafka.serializers.subject.{name}": name for name in STRATEGIES},
    "topic_subject_name_strategy": "TopicNameStrategy",
    "record_subject_name_strategy": "RecordNameStrategy",
    "topic_record_subject_name_strategy": "TopicRecordNameStrategy",
}


def strategy_name(spelled: str | None) -> str | None:
    """The strategy a configuration value names (any of the spellings above), None when it names none of them."""
    if spelled is None:
        return None
    return _SPELLINGS.get(spelled.strip()) or _SPELLINGS.get(spelled.strip().rsplit(".", 1)[-1])


def strategy(contracts: Mapping[str, Any] | None) -> str:
    """`contracts.subject-strategy`, else TopicNameStrategy."""
    return strategy_name(str((contracts or {}).get("subject-strategy") or DEFAULT_STRATEGY)) or DEFAULT_STRATEGY


def record_name(schema: Schema) -> str | None:
    """The fully qualified record name a strategy uses, None when the schema has none (an Avro primitive, no title)."""
    document = schema.document
    if schema.format == "avro":
        import avro.schema

        # a named type (record, enum, fixed); a primitive, array, map or union has no record name
        return document.fullname if isinstance(document, avro.schema.NamedSchema) and document.fullname else None
    if schema.format == "protobuf":
        from eventlint.compat import protobuf

        return protobuf.first_message_name(document)
    if isinstance(document, Mapping) and isinstance(document.get("title"), str) and document["title"]:
        return str(document["title"])
    return None


def subject(strategy_used: str, topic: str | None, schema: Schema | None, key: bool = False, record: str | None = None) -> str | None:
    """The subject the schema is registered under, None when the strategy needs what is not known.

    `record` is the record name when the code states it: the message class a `ProtobufSerializer` is
    given (Confluent's serializer names the subject with that message's full name, not the file's first)."""
    part = "key" if key else "value"
    if strategy_used == "TopicNameStrategy":
        return f"{topic}-{part}" if topic else None
    record = record or (record_name(schema) if schema is not None else None)
    if record is None:
        return None
    if strategy_used == "RecordNameStrategy":
        return record
    if strategy_used == "TopicRecordNameStrategy":
        return f"{topic}-{record}" if topic else None
    return None
