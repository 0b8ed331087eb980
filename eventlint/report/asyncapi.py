"""`eventlint catalog export --format asyncapi`: an AsyncAPI 3.0 document of what the code does.

One channel per channel address seen in the code or the catalog (an event
whose channel is unknown gets a channel of its own with `address: null`), one
message per event with the catalog's payload schema, and per service one
`send` or `receive` operation per channel, marked with `x-eventlint-service`
(and `x-eventlint-sites`, the places in the code, when the code does it).
See docs/asyncapi.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventlint import asyncapi, compat
from eventlint.catalog import Catalog, EventSpec
from eventlint.config import ConfigError
from eventlint.facts import ProjectFacts, Publication, Subscription
from eventlint.identity import transport_of, transport_suffix, unqualified
from eventlint.routes import Flow

VERSION = "3.0.0"
KAFKA_BINDING = "0.5.0"
KAFKA_AVRO_BINDING = "0.4.0"
JSON_SCHEMA_FORMAT = "application/schema+json;version=draft-07"  # the last Kafka binding whose message `key` may be an Avro schema object
AMQP_BINDING = "0.3.0"


@dataclass(frozen=True)
class _Broker:
    """What the facts know of the brokers behind the channels: for the export's bindings."""

    transports: dict[str, frozenset[str]]  # channel -> the transports the code uses it on
    exchanges: frozenset[str]  # AMQP exchanges the code binds queues to
    groups: dict[tuple[str, str], frozenset[str]]  # (service, channel) -> Kafka consumer groups

    def only(self, channel: str | None, transport: str) -> bool:
        return channel is not None and self.transports.get(channel) == frozenset({transport})


def _broker(facts: ProjectFacts) -> _Broker:
    transports: dict[str, set[str]] = {}
    groups: dict[tuple[str, str], set[str]] = {}
    for record in (*facts.publishers, *facts.subscribers):
        transport = transport_of(record.framework)
        if record.channel and transport:
            transports.setdefault(record.channel, set()).add(transport)
    for sub in facts.subscribers:
        if sub.service and sub.channel and sub.group and transport_of(sub.framework) == "kafka":
            groups.setdefault((sub.service, sub.channel), set()).add(sub.group)
    exchanges = frozenset(b.exchange for b in facts.bindings if b.exchange and transport_of(b.framework) == "amqp")
    return _Broker(
        {c: frozenset(t) for c, t in transports.items()}, exchanges, {k: frozenset(v) for k, v in groups.items()}
    )


@dataclass(frozen=True, order=True)
class _Use:
    """A service sending or receiving an event on a channel; `site` is where the code does it."""

    service: str
    action: str
    event: str
    channel: str | None
    site: str | None = None


def export_asyncapi(facts: ProjectFacts, catalog: Catalog, root: Path, service: str | None = None) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the project (or of one service), checked against the official schema.

    `root` is the project root: schema files are read inside it, never outside.
    """
    uses, events = _uses(facts, catalog)
    if service is not None:
        known = sorted({u.service for u in uses} | {s.name for s in facts.services})
        if service not in known:
            raise ConfigError(None, "--service", f"no service {service!r}; the project has: {', '.join(known) or 'none'}")
        uses = [u for u in uses if u.service == service]
        events = {(u.event, u.channel) for u in uses}
    channels = _channel_ids(events)
    resolver = asyncapi.Resolver(root)
    inliner = asyncapi.Inliner(resolver, "#/components/schemas/")
    messages = _message_ids({e for e, _ in events})
    document: dict[str, Any] = {
        "asyncapi": VERSION,
        "info": _info(root, service),
        "channels": {},
        "operations": _operations(uses, channels, messages),
        "components": {"messages": {}},
    }
    broker = _broker(facts)
    for (event, channel), channel_id in channels.items():
        entry = document["channels"].setdefault(channel_id, _channel(unqualified(channel) if channel else channel, broker))
        entry["messages"][messages[event]] = {"$ref": f"#/components/messages/{messages[event]}"}
    _operation_bindings(document["operations"], uses, channels, broker)
    on_kafka = {e for e, c in events if broker.only(c, "kafka")}
    # a declared key schema is Kafka's (`<topic>-key`): written unless the code carries the event on another broker
    off_kafka = {e for e, c in events if c in broker.transports and not broker.only(c, "kafka")}
    for event, message_id in messages.items():
        spec = catalog.event(event)
        message = _message(event, spec, resolver, inliner, event in on_kafka)
        key = _declared_key(spec, resolver, inliner) if spec is not None and event not in off_kafka else None
        if key is not None:
            message["bindings"] = {"kafka": key}
        document["components"]["messages"][message_id] = message
    if inliner.defs:
        document["components"]["schemas"] = inliner.defs
    _check(document, catalog)
    return document


def _uses(facts: ProjectFacts, catalog: Catalog) -> tuple[list[_Use], set[tuple[str, str | None]]]:
    """What each service sends and receives (code and catalog), and every (event, channel) to describe."""
    uses: set[_Use] = set()
    events: set[tuple[str, str | None]] = set()
    flow = Flow(facts, catalog)
    carried: dict[str, set[str]] = {}
    records: list[Publication | Subscription] = [*flow.publications, *facts.subscribers]
    for record in records:
        event = flow.event(record)
        if event and record.channel:
            carried.setdefault(record.channel, set()).add(event)
    sites: list[tuple[Publication | Subscription, str, list[tuple[str, str | None]]]] = []
    for publication in flow.publications:
        sites.append((publication, "send", _events_of(publication, flow, catalog, carried)))
    for subscription in facts.subscribers:
        sites.append((subscription, "receive", _received(subscription, flow, catalog, carried)))
    for record, action, pairs in sites:
        for event, channel in pairs:
            events.add((event, channel))
            if record.service:
                uses.add(_Use(record.service, action, event, channel, f"{record.path}:{record.line}"))
    for spec in catalog.events.values():
        for channel in spec.channels or (None,):
            events.add((spec.name, channel))
            if spec.owner:
                uses.add(_Use(spec.owner, "send", spec.name, channel))
            for consumer in spec.consumers:
                uses.add(_Use(consumer, "receive", spec.name, channel))
    return sorted(uses, key=lambda u: (u.service, u.action, u.event, u.channel or "", u.site or "")), events


def _received(subscription: Subscription, flow: Flow, catalog: Catalog, carried: dict[str, set[str]]) -> list[tuple[str, str | None]]:
    """The (event, channel) pairs a subscription receives.

    When neither the subscription, the catalog nor another site says what its channel
    carries (an AMQP queue, a pattern), it receives what the publications routed to it
    publish, on their channels: a queue what is sent to the exchanges and routing keys
    it is bound to, a pattern what is sent on the channels it matches.
    """
    own = _events_of(subscription, flow, catalog, carried)
    charted = flow.event(subscription) or (
        subscription.channel and (catalog.for_channel(subscription.channel) or carried.get(subscription.channel))
    )
    if charted:
        return own
    pairs: set[tuple[str, str | None]] = set()
    for publication in flow.publications:
        if flow.reaches(publication, subscription):
            pairs.update(_events_of(publication, flow, catalog, carried))
    return sorted(pairs, key=lambda ec: (ec[0], ec[1] or "")) or own


def _events_of(record: Publication | Subscription, flow: Flow, catalog: Catalog, carried: dict[str, set[str]]) -> list[tuple[str, str | None]]:
    """The (event, channel) pairs a site stands for.

    The event is the record's identity (identity.py: the catalog's event under any of its names).
    What the code leaves unknown is filled in from the catalog (an event's
    channel, a channel's events), else from the events other sites name on the
    same channel; a channel nobody names an event for stands for its own event
    (`name@transport` when the same name is used on two brokers).
    """
    event, channel = flow.event(record), record.channel
    if event:
        spec = catalog.event(event)
        return [_on_broker(event, channel or (spec.channel if spec else None))]
    if channel:
        names = sorted(d.name for d in catalog.for_channel(channel)) or sorted(carried.get(channel, ())) or [flow.identity.node(record) or channel]
        return [_on_broker(name, channel) for name in names]
    return []


def _on_broker(event: str, channel: str | None) -> tuple[str, str | None]:
    """An event told apart by its transport (`test@kafka`) travels on a channel of that broker: `test@kafka`, address `test`."""
    suffix = transport_suffix(event)
    return event, (channel + suffix if channel and suffix and not channel.endswith(suffix) else channel)


def _slug(text: str) -> str:
    # ASCII: the ids of components must match ^[\w\d\.\-_]+$, and JavaScript validators read \w as ASCII
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("_") or "_"


def _unique(names: Iterable[tuple[Any, str]]) -> dict[Any, str]:
    """Give each key its preferred id, with _2, _3, ... when two keys want the same one (in sorted order)."""
    out: dict[Any, str] = {}
    taken: set[str] = set()
    for key, preferred in sorted(names, key=lambda kv: (kv[1], str(kv[0]))):
        name, n = preferred, 2
        while name in taken:
            name, n = f"{preferred}_{n}", n + 1
        taken.add(name)
        out[key] = name
    return out


def _channel_ids(events: set[tuple[str, str | None]]) -> dict[tuple[str, str | None], str]:
    by_address = _unique((c, _slug(c)) for c in {c for _, c in events if c is not None})
    unaddressed = _unique((e, _slug(e)) for e in {e for e, c in events if c is None})
    taken = set(by_address.values())
    ids: dict[tuple[str, str | None], str] = {}
    for event, channel in sorted(events, key=lambda ec: (ec[0], ec[1] or "")):
        if channel is not None:
            ids[(event, channel)] = by_address[channel]
        else:
            name = unaddressed[event]
            ids[(event, channel)] = name if name not in taken else f"{name}_unaddressed"
    return ids


def _channel(address: str | None, broker: _Broker | None = None) -> dict[str, Any]:
    """A channel; each `{name}` in its address is declared as a parameter, as AsyncAPI requires.

    An AMQP publication to an exchange the code binds queues to (`shipping/shipment.dispatched`)
    is written as AsyncAPI says it: the routing key as the address and the exchange in the
    channel's `amqp` binding (which the import reads back as `exchange/routing_key`).
    """
    bindings: dict[str, Any] = {}
    if broker is not None and address and "/" in address and broker.only(address, "amqp"):
        exchange, _, routing_key = address.partition("/")
        if exchange in broker.exchanges and routing_key:
            address = routing_key
            bindings["amqp"] = {"is": "routingKey", "exchange": {"name": exchange}, "bindingVersion": AMQP_BINDING}
    channel: dict[str, Any] = {"address": address, "messages": {}}
    names = sorted(set(re.findall(r"\{([A-Za-z0-9_\-]+)\}", address or "")))
    if names:
        channel["parameters"] = {name: {} for name in names}
    if bindings:
        channel["bindings"] = bindings
    return channel


def _operation_bindings(operations: dict[str, Any], uses: list[_Use], channels: dict[tuple[str, str | None], str], broker: _Broker) -> None:
    """A Kafka `receive` operation names its service's consumer group(s) there, when the code names them."""
    by_key: dict[tuple[str, str], set[str]] = {}
    for use in uses:
        if use.action == "receive" and use.channel is not None:
            by_key.setdefault((use.service, channels[(use.event, use.channel)]), set()).update(broker.groups.get((use.service, use.channel), ()))
    by_ref = {f"#/channels/{asyncapi.escape(c)}": c for c in channels.values()}
    for operation in operations.values():
        if operation["action"] != "receive":
            continue
        channel_id = by_ref.get(operation["channel"]["$ref"], "")
        groups = sorted(by_key.get((operation[asyncapi.SERVICE_EXTENSION], channel_id), ()))
        if groups:
            group: dict[str, Any] = {"type": "string", "enum": groups}
            operation["bindings"] = {"kafka": {"groupId": group, "bindingVersion": KAFKA_BINDING}}


def _message_ids(events: set[str]) -> dict[str, str]:
    return dict(sorted(_unique((e, _slug(e)) for e in events).items()))


def _info(root: Path, service: str | None) -> dict[str, Any]:
    if service is not None:
        return {
            "title": service,
            "version": "0.0.0",
            "description": f"What {service} sends and receives, found by eventlint in the code and the event catalog of {root.name}.",
            asyncapi.SERVICE_EXTENSION: service,
        }
    return {
        "title": f"{root.name} events",
        "version": "0.0.0",
        "description": (
            f"The events of {root.name}, found by eventlint in the code and the event catalog. Several applications share "
            f"this document: each operation names its service in {asyncapi.SERVICE_EXTENSION}."
        ),
    }


def _operations(uses: list[_Use], channels: dict[tuple[str, str | None], str], messages: dict[str, str]) -> dict[str, Any]:
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for use in uses:
        channel_id = channels[(use.event, use.channel)]
        entry = grouped.setdefault((use.service, use.action, channel_id), {"events": set(), "sites": set()})
        entry["events"].add(use.event)
        if use.site:
            entry["sites"].add(use.site)
    ids = _unique((key, _slug(f"{key[0]}.{key[1]}.{key[2]}")) for key in grouped)
    operations: dict[str, Any] = {}
    for key, entry in sorted(grouped.items()):
        service, action, channel_id = key
        ref = asyncapi.escape(channel_id)
        operation: dict[str, Any] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{ref}"},
            "messages": [{"$ref": f"#/channels/{ref}/messages/{messages[e]}"} for e in sorted(entry["events"])],
            asyncapi.SERVICE_EXTENSION: service,
        }
        if entry["sites"]:
            operation["x-eventlint-sites"] = sorted(entry["sites"], key=_site_key)
        operations[ids[key]] = operation
    return operations


def _site_key(site: str) -> tuple[str, int]:
    path, _, line = site.rpartition(":")
    return path, int(line)


def _message(event: str, spec: EventSpec | None, resolver: asyncapi.Resolver, inliner: asyncapi.Inliner, on_kafka: bool = False) -> dict[str, Any]:
    message: dict[str, Any] = {"name": event}
    if spec is None:
        return message
    if spec.description:
        message["description"] = spec.description
    if spec.key:
        message[asyncapi.KEY_EXTENSION] = spec.key
    if spec.deprecated:
        message[asyncapi.DEPRECATED_EXTENSION] = spec.deprecated
    if spec.compatibility:
        message[asyncapi.COMPATIBILITY_EXTENSION] = spec.compatibility
    payload = _payload(spec, resolver, inliner)
    if payload is not None:
        message["payload"] = payload
    key = _key_schema(spec, payload) if on_kafka else None
    if key is not None:
        message["bindings"] = {"kafka": {"key": key, "bindingVersion": KAFKA_BINDING}}
        if isinstance(payload, dict) and "schemaFormat" in payload:  # a JSON Schema key beside an Avro payload: say which it is
            message["bindings"]["kafka"][asyncapi.KEY_FORMAT_EXTENSION] = JSON_SCHEMA_FORMAT
    return message


def _key_schema(spec: EventSpec, payload: Any) -> dict[str, Any] | None:
    """The Kafka message key's schema: the schema of the payload field that is the key, when the payload says it."""
    if not spec.key or not isinstance(payload, dict):
        return None
    if "schemaFormat" in payload:
        if not str(payload["schemaFormat"]).startswith("application/vnd.apache.avro"):
            return None
        record = payload.get("schema")
        fields = record.get("fields") if isinstance(record, dict) else None
        found = [f.get("type") for f in fields or () if isinstance(f, dict) and f.get("name") == spec.key]
        kind = found[0] if len(found) == 1 else None
        return {"type": _AVRO_JSON.get(kind)} if isinstance(kind, str) and kind in _AVRO_JSON else None
    prop = (payload.get("properties") or {}).get(spec.key) if isinstance(payload.get("properties"), dict) else None
    if not isinstance(prop, dict) or not prop or "$ref" in prop:
        return None
    return {k: v for k, v in prop.items() if k in ("type", "format", "enum", "const", "pattern", "minLength", "maxLength")} or None


def _declared_key(spec: EventSpec, resolver: asyncapi.Resolver, inliner: asyncapi.Inliner) -> dict[str, Any] | None:
    """The Kafka message binding for the event's declared key schema (`key_schema`, or a binding key read from
    AsyncAPI): JSON Schema as binding 0.5.0's schema object; Avro as binding 0.4.0's Avro schema object, its
    schemaFormat kept in `x-eventlint-schema-format`; a Protobuf key has no place in the binding (None)."""
    if spec.key_schema is not None:
        store = compat.SchemaStore.from_directory(resolver.root)
        try:
            _, latest = compat.load_versions((Path(spec.base) / spec.key_schema).resolve(), store)[-1]
        except compat.SchemaError:
            return None  # reported by EDA200 (a key schema that cannot be used)
        fmt, where = latest.format, resolver.root / latest.file
        document = compat.multi_format(latest)[1] if fmt == "avro" else latest.document
    elif spec.key_payload is not None and spec.key_payload_format is not None:
        fmt, document = spec.key_payload_format, spec.key_payload
        where = Path(spec.source or ".") / f"<key of {json.dumps(spec.name)}>"
    else:
        return None
    if fmt == "avro":
        schema_format = compat.format_of_name("avro").SCHEMA_FORMAT  # type: ignore[attr-defined]
        return {"key": document, asyncapi.KEY_FORMAT_EXTENSION: schema_format, "bindingVersion": KAFKA_AVRO_BINDING}
    if fmt != "json-schema" or not isinstance(document, dict):
        return None
    resolver.add(where, document)
    schema = inliner.inline(document, where, "")
    if isinstance(schema, dict):
        schema = {k: v for k, v in schema.items() if k != "$schema"}
    return {"key": schema, asyncapi.KEY_FORMAT_EXTENSION: JSON_SCHEMA_FORMAT, "bindingVersion": KAFKA_BINDING}


_AVRO_JSON = {"string": "string", "int": "integer", "long": "integer", "float": "number", "double": "number", "boolean": "boolean"}


def _payload(spec: EventSpec, resolver: asyncapi.Resolver, inliner: asyncapi.Inliner) -> Any:
    if spec.schema:
        # the newest version, found the way every contract rule finds it
        store = compat.SchemaStore.from_directory(resolver.root)
        _, latest = compat.load_versions((Path(spec.base) / spec.schema).resolve(), store)[-1]
        if latest.format != "json-schema":
            # AsyncAPI 3's multi-format schema object: the Avro or Protobuf schema as it is, with its format
            schema_format, document = compat.multi_format(latest)
            return {"schemaFormat": schema_format, "schema": document}
        path = resolver.root / latest.file
        resolver.add(path, latest.document)
        schema = inliner.inline(latest.document, path, "")
    elif spec.payload is not None:
        # an inline payload (from an AsyncAPI document) is its own document: its `#/$defs/...` point into it
        where = Path(spec.source or ".") / f"<payload of {json.dumps(spec.name)}>"
        resolver.add(where, spec.payload)
        schema = inliner.inline(spec.payload, where, "")
    else:
        return None
    if isinstance(schema, dict):
        schema = {k: v for k, v in schema.items() if k != "$schema"}
    return schema


def _check(document: dict[str, Any], catalog: Catalog) -> None:
    found = asyncapi.problems(document, VERSION)
    if found:
        pointer, message = found[0]
        source = ""
        parts = pointer.split("/")
        if len(parts) > 3 and parts[1] == "components" and parts[2] in ("messages", "schemas"):
            # name the event and the schema it came from: that is what the user can fix
            spec = next((e for e in catalog.events.values() if _slug(e.name) == parts[3].replace("~1", "/").replace("~0", "~")), None)
            if spec is not None:
                source = f" (event {spec.name}, schema {spec.schema or spec.source})"
        raise ConfigError("(exported AsyncAPI document)", asyncapi.show(pointer), f"{message}{source}: the schema is not valid JSON Schema")
