"""AsyncAPI 2.x and 3.x documents read as the event catalog, and the helpers the export writes with.

A document is loaded (JSON, or YAML through yaml.safe_load), checked against the
official JSON Schema of its version (vendored in eventlint/schemas/asyncapi/),
then mapped onto events: each message on a channel is an event, its channel's
address is the event's channel, and the document's operations make its service
the owner (it sends) or a consumer (it receives). `$ref`s are followed inside
the document and into files of the project; a `$ref` to a URL is an error, never
fetched. Every mistake is a ConfigError naming the file, the JSON pointer and
what was expected. See docs/asyncapi.md for the mapping tables.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError

from eventlint import schemas
from eventlint.config import (
    FAST_SAFE_LOADER,
    ConfigError,
    load_yaml_file,
    read_text_file,
)

# Every published 2.x and 3.x version; their official schemas are vendored in eventlint/schemas/asyncapi/.
SUPPORTED_VERSIONS = ("2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0", "3.0.0", "3.1.0")
SERVICE_EXTENSION = "x-eventlint-service"
KEY_EXTENSION = "x-eventlint-key"
KEY_FORMAT_EXTENSION = "x-eventlint-schema-format"  # in a Kafka message binding: the schemaFormat of its `key`
DEPRECATED_EXTENSION = "x-eventlint-deprecated"
COMPATIBILITY_EXTENSION = "x-eventlint-compatibility"
COMPATIBILITY_MODES = ("BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE")
# Words a document title often ends with that are not part of the service's name.
_TITLE_SUFFIXES = {"api", "app", "application", "service", "events", "asyncapi"}
# Schema formats whose payload is a JSON Schema eventlint can use (any version).
_JSON_SCHEMA_FORMATS = ("application/vnd.aai.asyncapi", "application/schema+json", "application/schema+yaml")
# Keywords whose values are data, not schemas: a "$ref" key inside them is not a reference.
_DATA_KEYWORDS = {"const", "enum", "default", "examples", "example"}
_ANNOTATIONS = {"title", "description", "deprecated", "readOnly", "writeOnly", "$comment", "examples", "example", "default"}

Where = tuple[Path, str]


@dataclass(frozen=True)
class DeclaredEvent:
    """An event as the AsyncAPI documents declare it; the catalog turns it into an EventSpec."""

    name: str
    channel: str | None = None
    owner: str | None = None
    consumers: tuple[str, ...] = ()
    description: str | None = None
    also_on: tuple[str, ...] = ()  # the other channels the event's message is listed on
    key: str | None = None
    deprecated: bool | str = False
    compatibility: str | None = None
    payload: Mapping[str, Any] | None = field(default=None, compare=False)
    aliases: tuple[str, ...] = ()  # the message's other names: `name`, `messageId`, `title`, the payload's `title`
    source: str = ""
    line: int = 1
    schema_file: str | None = None  # an Avro/Protobuf payload kept in a file (`schema: {$ref: order.avsc}`), root-relative
    payload_format: str | None = None  # the schemaFormat of an inline Avro (a mapping) or Protobuf (text in `schema_text`) payload
    schema_text: str | None = field(default=None, compare=False)
    key_format: str | None = None  # `json-schema`/`avro`/`protobuf`: the format of `key_schema`, the Kafka binding's `key`
    key_schema: Any = field(default=None, compare=False)  # the message key's schema (a mapping, or a .proto's text), self-contained


# ---------------------------------------------------------------------------------------------
# Files, pointers and references


def escape(token: str) -> str:
    """One JSON pointer token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def show(pointer: str) -> str:
    """How messages name a place in a document: `#/channels/orderPlaced`, or `(top level)`."""
    return f"#{pointer}" if pointer else "(top level)"


def load_data_file(path: Path, what: str) -> Any:
    """A JSON (`.json`) or YAML file, safely loaded; failures are ConfigErrors naming the file."""
    if path.suffix.lower() != ".json":
        return load_yaml_file(path, what)  # libyaml's safe loader when installed, PyYAML's words for errors
    text = read_text_file(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(path, "(syntax)", f"invalid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc


def inside(path: Path, root: Path) -> bool:
    """Whether `path` (symlinks resolved) lies in the project root."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


class Resolver:
    """Follows `$ref`s within a document and into files of the project; never over the network."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._files: dict[Path, Any] = {}
        self._nodes: dict[Path, Any] = {}
        self._ids: dict[str, Path] = {}
        self._indexed: set[Path] = set()
        self.validated: set[Path] = set()  # AsyncAPI documents checked against their official schema

    def add(self, path: Path, data: Any) -> None:
        """Make an already-loaded (or in-memory) document available under `path`."""
        self._files[path] = data

    def load(self, path: Path, what: str = "referenced") -> Any:
        if path not in self._files:
            self._files[path] = load_data_file(path, what)
        return self._files[path]

    def line(self, where: Where) -> int:
        """The 1-based line of a JSON pointer in its file (1 when it cannot be told)."""
        if where[0] not in self._nodes:
            try:
                text = where[0].read_bytes().decode("utf-8-sig")
                self._nodes[where[0]] = yaml.compose(text, Loader=FAST_SAFE_LOADER)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                self._nodes[where[0]] = None
        node, line = self._nodes[where[0]], 1
        for raw in where[1].split("/")[1:]:
            token = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, yaml.MappingNode):
                key, node = next(((k, v) for k, v in node.value if getattr(k, "value", None) == token), (None, None))
                line = key.start_mark.line + 1 if key is not None else 1
            elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
                node = node.value[int(token)]
                line = node.start_mark.line + 1
            else:
                return 1
        return line

    def target(self, ref: Any, file: Path, pointer: str) -> Where:
        """The file and JSON pointer a `$ref` at (file, pointer) names.

        A relative reference names a file of the project (relative to the
        referring file); a URL only the schema file beside the referring file
        whose root `$id` it is, as JSON Schema tools resolve them without a
        network; any other URL is an error, never fetched.
        """
        at = f"{show(pointer)}/$ref" if pointer else "$ref"
        if not isinstance(ref, str):
            raise ConfigError(file, at, f"expected a reference string, got {ref!r}")
        parts = urlsplit(ref)
        fragment = unquote(parts.fragment)
        if parts.scheme or parts.netloc:
            found = self._by_id(ref.split("#", 1)[0], file)
            if found is None:
                raise ConfigError(
                    file,
                    at,
                    f"{ref!r} is a URL; eventlint never fetches references: copy the file into the project and refer to it by a relative path",
                )
            target = found
        elif parts.path:
            target = (file.parent / unquote(parts.path)).resolve()
            if not inside(target, self.root):
                raise ConfigError(file, at, f"{ref!r} points outside the project root {self.root}")
            if not target.is_file():
                raise ConfigError(file, at, f"{ref!r}: file not found: {target}")
        else:
            target = file
        if fragment and not fragment.startswith("/"):
            anchored = _anchor(self.load(target), fragment, "")
            if anchored is None:
                raise ConfigError(file, at, f"{ref!r}: no $anchor {fragment!r} in {target.name}")
            return target, anchored
        return target, fragment

    def _by_id(self, uri: str, near: Path) -> Path | None:
        folder = near.parent
        if folder not in self._indexed:
            self._indexed.add(folder)
            candidates = sorted(folder.iterdir()) if folder.is_dir() and inside(folder, self.root) else []
            for path in candidates:
                if path.suffix.lower() not in (".json", ".yaml", ".yml") or not path.is_file():
                    continue
                try:
                    document = self.load(path.resolve(), "schema")
                except ConfigError:
                    continue  # a broken neighbour is reported when something refers to it
                if isinstance(document, Mapping) and isinstance(document.get("$id"), str):
                    self._ids.setdefault(document["$id"].rstrip("#"), path.resolve())
        return self._ids.get(uri.rstrip("#"))

    def lookup(self, where: Where, referrer: Where) -> Any:
        """The value at a JSON pointer of a file; a pointer that leads nowhere names the referrer."""
        node = self.load(where[0])
        for raw in where[1].split("/")[1:]:
            token = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                place = "" if where[0] == referrer[0] else f" of {where[0]}"
                raise ConfigError(referrer[0], f"{show(referrer[1])}/$ref", f"{show(where[1])}{place} does not exist")
        return node

    def follow(self, node: Any, file: Path, pointer: str, what: str | None = None) -> tuple[Any, Path, str]:
        """Follow a chain of `$ref`s to the object it names, and say where that object lives.

        With `what` ("a channel"), the object must be a mapping, else the error names the first reference.
        """
        seen: set[Where] = set()
        start = (file, pointer)
        while isinstance(node, Mapping) and "$ref" in node:
            where = self.target(node["$ref"], file, pointer)
            if where in seen:
                raise ConfigError(file, f"{show(pointer)}/$ref", "the references form a cycle")
            seen.add(where)
            node = self.lookup(where, (file, pointer))
            file, pointer = where
        if what is not None and not isinstance(node, Mapping):
            raise ConfigError(
                start[0], f"{show(start[1])}/$ref" if seen else show(start[1]), f"expected {what} (a mapping), got {_kind(node)}"
            )
        return node, file, pointer


def _json_data(value: Any) -> Any:
    """JSON's view of a YAML value: dates and times (`default: 2024-05-01`) become their ISO text."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_data(v) for v in value]
    return value


def _embedded(schema: Any, where: Where) -> Any:
    """A whole file's schema, copied into another: its `$id` and `$schema` would change how the copy resolves."""
    if where[1] or not isinstance(schema, dict):
        return schema
    return {k: v for k, v in schema.items() if k not in ("$id", "$schema")}


def _anchor(node: Any, name: str, pointer: str) -> str | None:
    """The JSON pointer of the subschema named `name` by `$anchor` (or a draft-07 `$id: "#name"`)."""
    if isinstance(node, Mapping):
        if node.get("$anchor") == name or node.get("$id") == f"#{name}":
            return pointer
        children: Iterable[tuple[str, Any]] = ((str(k), v) for k, v in node.items() if k not in _DATA_KEYWORDS)
    elif isinstance(node, list):
        children = ((str(i), v) for i, v in enumerate(node))
    else:
        return None
    for key, child in children:
        found = _anchor(child, name, f"{pointer}/{escape(key)}")
        if found is not None:
            return found
    return None


class Inliner:
    """Copies a JSON Schema with every `$ref` replaced by what it names.

    A schema that refers back to itself (recursion) cannot be inlined: every
    reference to it becomes `{"$ref": prefix + name}` and the schema is returned
    in `defs` under that name, itself inlined the same way. Inlining the output
    again gives the same output.
    """

    def __init__(self, resolver: Resolver, prefix: str) -> None:
        self.resolver = resolver
        self.prefix = prefix
        self.defs: dict[str, Any] = {}
        self._names: dict[Where, str] = {}
        self._pending: list[Where] = []
        self._recursive: set[Where] = set()
        self._scanned: set[Where] = set()
        self.files: set[Path] = set()  # every file the inlined schemas came from

    def inline(self, node: Any, file: Path, pointer: str) -> Any:
        """`node` (found at file#pointer) with its references inlined; a root `$defs` or `$id` is dropped."""
        self.files.add(file)
        self._scan(node, file, pointer, ((file, pointer),))
        out = self._walk(node, file, pointer)
        if isinstance(out, dict):
            out = {k: v for k, v in out.items() if k not in ("$defs", "definitions", "$id")}
        while self._pending:
            where = self._pending.pop(0)
            if self._names[where] not in self.defs:
                self.defs[self._names[where]] = _embedded(self._walk(self.resolver.lookup(where, where), where[0], where[1]), where)
        return out

    def _children(self, node: Mapping[str, Any], pointer: str) -> Iterable[tuple[str, Any, str]]:
        for key, value in node.items():
            if key != "$ref" and key not in _DATA_KEYWORDS:
                yield key, value, f"{pointer}/{escape(str(key))}"

    def _scan(self, node: Any, file: Path, pointer: str, stack: tuple[Where, ...]) -> None:
        """Find the schemas that refer back to themselves (a depth-first search for back edges)."""
        if isinstance(node, list):
            for i, value in enumerate(node):
                self._scan(value, file, f"{pointer}/{i}", stack)
            return
        if not isinstance(node, Mapping):
            return
        if "$ref" in node:
            where = self.resolver.target(node["$ref"], file, pointer)
            if where in stack:
                self._recursive.add(where)
            elif where not in self._scanned:
                self._scanned.add(where)
                self.files.add(where[0])
                self._scan(self.resolver.lookup(where, (file, pointer)), where[0], where[1], (*stack, where))
        for _, value, at in self._children(node, pointer):
            self._scan(value, file, at, stack)

    def _name(self, where: Where) -> str:
        if where not in self._names:
            tail = where[1].rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~") or where[0].stem
            base = re.sub(r"[^\w.\-]+", "_", tail) or "schema"
            name, n = base, 2
            while name in self._names.values():
                name, n = f"{base}_{n}", n + 1
            self._names[where] = name
            self._pending.append(where)
        return self._names[where]

    def _walk(self, node: Any, file: Path, pointer: str) -> Any:
        if isinstance(node, list):
            return [self._walk(v, file, f"{pointer}/{i}") for i, v in enumerate(node)]
        if not isinstance(node, Mapping):
            return _json_data(node)
        if "$ref" not in node:
            return {
                str(key): (_json_data(node[key]) if key in _DATA_KEYWORDS else self._walk(node[key], file, f"{pointer}/{escape(str(key))}"))
                for key in node
            }
        where = self.resolver.target(node["$ref"], file, pointer)
        if where in self._recursive:
            resolved: Any = {"$ref": self.prefix + self._name(where)}
        else:
            resolved = _embedded(self._walk(self.resolver.lookup(where, (file, pointer)), where[0], where[1]), where)
        siblings = {key: value for key, value, at in ((k, self._walk(v, file, a), a) for k, v, a in self._children(node, pointer))}
        siblings.update({k: _json_data(node[k]) for k in node if k in _DATA_KEYWORDS})
        if not siblings:
            return resolved
        if isinstance(resolved, dict) and set(siblings) <= _ANNOTATIONS and "$ref" not in resolved:
            return {**resolved, **siblings}
        return {"allOf": [resolved], **siblings}


# ---------------------------------------------------------------------------------------------
# Validation against the official schemas


_META_VALIDATOR = jsonschema.Draft7Validator(jsonschema.Draft7Validator.META_SCHEMA)


@cache
def _validator(version: str) -> Any:
    text = resources.files(schemas).joinpath("asyncapi", f"{version}.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    return jsonschema.validators.validator_for(schema)(schema)


def problems(document: Any, version: str) -> list[tuple[str, str]]:
    """Every way `document` breaks the official AsyncAPI `version` schema, as (JSON pointer, expectation), sorted."""
    found: set[tuple[str, str]] = set()
    for error in _validator(version).iter_errors(document):
        for leaf in _leaves(error):
            if not _reference_in_both(leaf):
                found.add(_describe(leaf))
    return sorted(found)


def _reference_in_both(error: ValidationError) -> bool:
    """`{$ref: ...}` where the schema allows "a Reference Object or a Schema Object" with a `oneOf` (the Kafka
    message binding's `key`): a reference is valid under both alternatives, and is a reference, as the
    specification means it (AsyncAPI's own parser resolves references before validating)."""
    return (
        error.validator == "oneOf"
        and not error.context
        and isinstance(error.instance, Mapping)
        and set(error.instance) == {"$ref"}
        and any("Reference" in str(alternative.get("$ref", "")) for alternative in error.validator_value if isinstance(alternative, Mapping))
    )


def check_version(document: Any, file: Path) -> str:
    """The document's AsyncAPI version, when eventlint reads it."""
    supported = ", ".join(SUPPORTED_VERSIONS[:-1]) + " and " + SUPPORTED_VERSIONS[-1]
    if not isinstance(document, Mapping):
        raise ConfigError(
            file, "(top level)", f"expected an AsyncAPI document (a mapping with `asyncapi`, `info`, `channels`), got {_kind(document)}"
        )
    if "asyncapi" not in document:
        raise ConfigError(file, "(top level)", f"missing required key: asyncapi (the AsyncAPI version; eventlint reads {supported})")
    version = document["asyncapi"]
    if version not in SUPPORTED_VERSIONS:
        hint = " (quote it: a YAML number is not a version)" if isinstance(version, (int, float)) else ""
        raise ConfigError(file, "#/asyncapi", f"unsupported AsyncAPI version {_show(version)}{hint}; eventlint reads {supported}")
    return str(version)


def validate(document: Any, file: Path) -> str:
    """Check the document against the official schema of its version; the first problem is raised."""
    version = check_version(document, file)
    found = problems(document, version)
    if found:
        pointer, message = found[0]
        more = f" ({len(found) - 1} more problem{'s' if len(found) > 2 else ''} in this file)" if len(found) > 1 else ""
        raise ConfigError(file, show(pointer), f"{message}{more} [AsyncAPI {version} schema]")
    return version


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors that say what is wrong: of the alternatives of a oneOf/anyOf, the one that got furthest."""
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else 0, []).append(sub)
    has_ref = isinstance(error.instance, Mapping) and "$ref" in error.instance
    candidates = [errs for errs in branches.values() if has_ref or not _reference_branch(errs)] or list(branches.values())

    def progress(errs: list[ValidationError]) -> tuple[int, bool, int]:
        return (max(len(e.absolute_path) for e in errs), not all(e.validator == "type" for e in errs), -len(errs))

    best = max(candidates, key=progress)
    return [leaf for sub in best for leaf in _leaves(sub)]


def _reference_branch(errors: list[ValidationError]) -> bool:
    return any(e.validator == "required" and "$ref" in (e.validator_value or ()) for e in errors)


def _describe(error: ValidationError) -> tuple[str, str]:
    path = "".join(f"/{escape(str(p))}" for p in error.absolute_path)
    instance = error.instance
    value = error.validator_value
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        allowed = sorted(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        extra = sorted(k for k in instance if k not in allowed and not any(re.search(p, k) for p in patterns))
        if extra:
            key = extra[0]
            close = _close(key, allowed)
            hint = f"did you mean '{close}'?" if close else f"expected one of: {', '.join(allowed)}"
            return f"{path}/{escape(key)}", f"unknown key '{key}'; {hint}"
    if error.validator == "required":
        missing = [k for k in value if isinstance(instance, Mapping) and k not in instance]
        return path, f"missing required key: {', '.join(missing) or value}"
    if error.validator == "type":
        names = [value] if isinstance(value, str) else list(value)
        return path, f"expected {' or '.join(_TYPE_NAMES.get(n, n) for n in names)}, got {_kind(instance)}"
    if error.validator == "enum":
        return path, f"expected one of {', '.join(json.dumps(v) for v in value)}, got {_show(instance)}"
    if error.validator == "const":
        return path, f"expected {json.dumps(value)}, got {_show(instance)}"
    if error.validator == "pattern":
        return path, f"{_show(instance)} does not match the pattern {value}"
    return path, error.message


_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "null": "null",
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }
    return f"{names.get(type(value), type(value).__name__)} {_show(value)}"


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _close(word: str, options: Sequence[str]) -> str | None:
    found = difflib.get_close_matches(word, list(options), n=1)
    return found[0] if found else None


# ---------------------------------------------------------------------------------------------
# Reading documents into events


@dataclass
class _Message:
    """A message on a channel: the event it is, the object itself and where it lives, where the channel lists it."""

    name: str
    channel: str | None
    obj: Mapping[str, Any]
    file: Path
    pointer: str
    version: str
    entry: Where


@dataclass
class _Use:
    """A service sending or receiving a message, from an operation at `where`."""

    service: str
    action: str
    message: _Message
    where: Where


@dataclass
class _Event:
    """An event being assembled from one or several documents, remembering where each fact came from."""

    name: str
    channel: str | None = None
    channel_at: Where | None = None
    also_on: list[str] = field(default_factory=list)
    owner: str | None = None
    owner_at: Where | None = None
    consumers: set[str] = field(default_factory=set)
    message: _Message | None = None
    documents: list[Path] = field(default_factory=list)


def service_name(document: Mapping[str, Any], file: Path) -> str:
    """The application a document describes: `x-eventlint-service` (root or info), else a slug of info.title."""
    found = document.get("info")
    info: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    for holder, pointer in ((document, ""), (info, "/info")):
        if SERVICE_EXTENSION in holder:
            value = holder[SERVICE_EXTENSION]
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(file, f"#{pointer}/{SERVICE_EXTENSION}", f"expected a service name, got {_kind(value)}")
            return value.strip()
    words = re.sub(r"[^a-z0-9]+", " ", str(info.get("title", "")).lower()).split()
    while len(words) > 1 and words[-1] in _TITLE_SUFFIXES:
        words.pop()
    if not words:
        raise ConfigError(file, "#/info/title", f"cannot name the service from this title; set info.{SERVICE_EXTENSION}")
    return "-".join(words)


def read_document(path: Path, resolver: Resolver) -> list[_Event]:
    """The events one AsyncAPI document declares (validated first), in name order."""
    document = resolver.load(path, "AsyncAPI")
    version = validate(document, path)
    resolver.validated.add(path)
    default_service = service_name(document, path)
    if version.startswith("2."):
        messages, uses = _read_v2(document, path, resolver, default_service)
    else:
        messages, uses = _read_v3(document, path, resolver, default_service)
    events: dict[str, _Event] = {}
    for message in messages:
        event = events.setdefault(message.name, _Event(message.name, documents=[path]))
        if message.channel is not None:
            if event.channel is None:
                event.channel, event.channel_at = message.channel, message.entry
            elif message.channel != event.channel and message.channel not in event.also_on:
                event.also_on.append(message.channel)  # one message listed by several channels: one event on each
        if event.message is None or (event.message.obj.get("payload") is None and message.obj.get("payload") is not None):
            event.message = message
    for use in uses:
        event = events[use.message.name]
        if use.action == "receive":
            event.consumers.add(use.service)
        elif event.owner is not None and event.owner != use.service:
            raise ConfigError(
                use.where[0],
                show(use.where[1]),
                f"{use.service} sends {event.name} here and {event.owner} sends it at "
                f"{show(event.owner_at[1]) if event.owner_at else '?'}; an event has one owner",
            )
        else:
            event.owner, event.owner_at = use.service, use.where
    return [events[name] for name in sorted(events)]


def _bound_address(channel: Mapping[str, Any], address: Any) -> Any:
    """The channel as the code names it, from its bindings when they say more than the address.

    An AMQP `routingKey` channel is `exchange/routing_key` (the address is the routing key,
    none for a fanout exchange), as publications to an exchange are named; an AMQP `queue`
    channel is the queue; a Kafka binding's `topic` is the topic.
    """
    bindings = channel.get("bindings")
    if not isinstance(bindings, Mapping):
        return address
    amqp, kafka = bindings.get("amqp"), bindings.get("kafka")
    if isinstance(amqp, Mapping):
        exchange = amqp.get("exchange") if isinstance(amqp.get("exchange"), Mapping) else {}
        queue = amqp.get("queue") if isinstance(amqp.get("queue"), Mapping) else {}
        if amqp.get("is", "routingKey") == "routingKey" and isinstance(exchange.get("name"), str) and exchange["name"]:
            return f"{exchange['name']}/{address}" if isinstance(address, str) and address else exchange["name"]
        if amqp.get("is") == "queue" and isinstance(queue.get("name"), str) and queue["name"]:
            return queue["name"]
    if isinstance(kafka, Mapping) and isinstance(kafka.get("topic"), str) and kafka["topic"]:
        return kafka["topic"]
    return address


def _operation_service(operation: Mapping[str, Any], file: Path, pointer: str, default: str) -> str:
    if SERVICE_EXTENSION not in operation:
        return default
    value = operation[SERVICE_EXTENSION]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(file, f"{show(pointer)}/{SERVICE_EXTENSION}", f"expected a service name, got {_kind(value)}")
    return value.strip()


def _stored_under(where: Where, entry: Where) -> str | None:
    """The key a message reached through a `$ref` is stored under (`#/components/messages/OrderPlaced`)."""
    token = where[1].rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    return token if where != entry and token and not token.isdigit() else None


def _message_name(message: Mapping[str, Any], key: str | None, fallback: str | None) -> str | None:
    for candidate in (message.get("name"), message.get("messageId"), key, message.get("title"), fallback):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


def _read_v3(document: Mapping[str, Any], path: Path, resolver: Resolver, default: str) -> tuple[list[_Message], list[_Use]]:
    messages: list[_Message] = []
    by_place: dict[Where, _Message] = {}
    channel_messages: dict[Where, list[_Message]] = {}
    channels = document.get("channels") or {}
    for channel_id in sorted(channels):
        pointer = f"/channels/{escape(channel_id)}"
        channel, cfile, cpointer = resolver.follow(channels[channel_id], path, pointer, "a channel")
        address = _bound_address(channel, channel.get("address"))
        found: list[_Message] = []
        for key in sorted(channel.get("messages") or {}):
            mpointer = f"{cpointer}/messages/{escape(key)}"
            obj, mfile, mfinal = resolver.follow(channel["messages"][key], cfile, mpointer, "a message")
            name = _message_name(obj, key, None) or key
            message = _Message(
                name, address if isinstance(address, str) else None, obj, mfile, mfinal, str(document["asyncapi"]), (cfile, mpointer)
            )
            found.append(message)
            for place in ((cfile, mpointer), (path, f"{pointer}/messages/{escape(key)}"), (mfile, mfinal)):
                by_place.setdefault(place, message)
        messages.extend(found)
        channel_messages[(path, pointer)] = channel_messages[(cfile, cpointer)] = found
    uses: list[_Use] = []
    operations = document.get("operations") or {}
    for operation_id in sorted(operations):
        pointer = f"/operations/{escape(operation_id)}"
        operation, ofile, opointer = resolver.follow(operations[operation_id], path, pointer, "an operation")
        service = _operation_service(operation, ofile, opointer, default)
        action = str(operation.get("action"))
        on_channel = _channel_of(operation.get("channel"), ofile, f"{opointer}/channel", resolver, channel_messages)
        chosen = _operation_messages(operation.get("messages"), on_channel, ofile, f"{opointer}/messages", resolver, by_place)
        uses.extend(_Use(service, action, m, (ofile, opointer)) for m in chosen)
        reply = operation.get("reply")
        if isinstance(reply, Mapping):
            reply, rfile, rpointer = resolver.follow(reply, ofile, f"{opointer}/reply", "an operation reply")
            reply_channel = (
                _channel_of(reply.get("channel"), rfile, f"{rpointer}/channel", resolver, channel_messages) if reply.get("channel") else []
            )
            replies = _operation_messages(reply.get("messages"), reply_channel, rfile, f"{rpointer}/messages", resolver, by_place)
            opposite = "send" if action == "receive" else "receive"
            uses.extend(_Use(service, opposite, m, (rfile, rpointer)) for m in replies)
    return messages, uses


def _channel_of(ref: Any, file: Path, pointer: str, resolver: Resolver, channels: dict[Where, list[_Message]]) -> list[_Message]:
    if not isinstance(ref, Mapping) or "$ref" not in ref:
        raise ConfigError(file, show(pointer), "expected a reference to a channel of this document ($ref: '#/channels/...')")
    where = resolver.target(ref["$ref"], file, pointer)
    if where not in channels:
        _, final_file, final_pointer = resolver.follow(ref, file, pointer)
        where = (final_file, final_pointer)
    if where not in channels:
        raise ConfigError(file, f"{show(pointer)}/$ref", f"{ref['$ref']!r} does not name a channel of this document")
    return channels[where]


def _operation_messages(
    refs: Any, channel: list[_Message], file: Path, pointer: str, resolver: Resolver, by_place: dict[Where, _Message]
) -> list[_Message]:
    if refs is None:
        return list(channel)
    chosen: list[_Message] = []
    for index, ref in enumerate(refs):
        at = f"{pointer}/{index}"
        if not isinstance(ref, Mapping) or "$ref" not in ref:
            raise ConfigError(file, show(at), "expected a reference to a message of the operation's channel")
        where = resolver.target(ref["$ref"], file, at)
        message = by_place.get(where)
        if message is None:
            _, final_file, final_pointer = resolver.follow(ref, file, at)
            message = by_place.get((final_file, final_pointer))
        if message is None:
            raise ConfigError(file, f"{show(at)}/$ref", f"{ref['$ref']!r} does not name a message of a channel of this document")
        chosen.append(message)
    return chosen


def _read_v2(document: Mapping[str, Any], path: Path, resolver: Resolver, default: str) -> tuple[list[_Message], list[_Use]]:
    """2.x: the channel key is the address; `subscribe` means the application sends, `publish` that it receives."""
    messages: list[_Message] = []
    uses: list[_Use] = []
    channels = document.get("channels") or {}
    for address in sorted(channels):
        channel, cfile, cpointer = resolver.follow(channels[address], path, f"/channels/{escape(address)}", "a channel")
        for verb, action in (("publish", "receive"), ("subscribe", "send")):
            if verb not in channel:
                continue
            operation, ofile, opointer = resolver.follow(channel[verb], cfile, f"{cpointer}/{verb}", "an operation")
            service = _operation_service(operation, ofile, opointer, default)
            if "message" not in operation:
                continue
            obj, mfile, mpointer = resolver.follow(operation["message"], ofile, f"{opointer}/message", "a message")
            alternatives = [(obj, mfile, mpointer, (ofile, f"{opointer}/message"))]
            if isinstance(obj.get("oneOf"), list):
                alternatives = [
                    (*resolver.follow(m, mfile, f"{mpointer}/oneOf/{i}", "a message"), (mfile, f"{mpointer}/oneOf/{i}"))
                    for i, m in enumerate(obj["oneOf"])
                ]
            for alt, afile, apointer, entry in alternatives:
                key = _stored_under((afile, apointer), entry)
                name = _message_name(alt, key, address) or address
                message = _Message(name, _bound_address(channel, address), alt, afile, apointer, str(document["asyncapi"]), entry)
                messages.append(message)
                uses.append(_Use(service, action, message, (ofile, opointer)))
    return messages, uses


def _message_payload(message: _Message, resolver: Resolver) -> dict[str, Any] | None:
    """The message's payload as a self-contained JSON Schema (recursion kept under `$defs`), or None."""
    obj = message.obj
    if "payload" not in obj:
        return None
    payload, pointer = obj["payload"], f"{message.pointer}/payload"
    schema_format = obj.get("schemaFormat")
    if message.version.startswith("3.") and isinstance(payload, Mapping) and "schema" in payload:
        schema_format = payload.get("schemaFormat")
        payload, pointer = payload["schema"], f"{pointer}/schema"
    if isinstance(schema_format, str) and not schema_format.startswith(_JSON_SCHEMA_FORMATS):
        return None
    inliner = Inliner(resolver, "#/$defs/")
    schema = inliner.inline(payload, message.file, pointer)
    if isinstance(schema, bool):
        schema = {} if schema else {"not": {}}
    if not isinstance(schema, dict):
        raise ConfigError(message.file, show(pointer), f"expected a JSON Schema (a mapping), got {_kind(schema)}")
    if inliner.defs:
        schema = {**schema, "$defs": inliner.defs}
    # the document's own parts were checked with it; what references brought in from other files is checked here
    checked = inliner.files <= resolver.validated
    problem = None if checked else jsonschema.exceptions.best_match(_META_VALIDATOR.iter_errors(schema))
    if problem is not None:
        at, expected = _describe(_leaves(problem)[0])
        raise ConfigError(message.file, show(pointer), f"the payload is not a valid JSON Schema at {show(at)}: {expected}")
    return schema


_FOREIGN_FORMATS = ("application/vnd.apache.avro", "application/vnd.google.protobuf")


def _foreign_payload(message: _Message, resolver: Resolver) -> tuple[str, str, Any] | None:
    """An Avro or Protobuf payload (AsyncAPI 3 multi-format schema): (schemaFormat, "file" or "inline", path or schema), else None."""
    payload = message.obj.get("payload")
    if not (message.version.startswith("3.") and isinstance(payload, Mapping)):
        return None
    schema_format = payload.get("schemaFormat")
    if not (isinstance(schema_format, str) and schema_format.startswith(_FOREIGN_FORMATS)):
        return None
    schema = payload.get("schema")
    ref = schema.get("$ref") if isinstance(schema, Mapping) else None
    if isinstance(ref, str):
        if re.match(r"^[a-z][a-z0-9+.-]*:", ref):
            return None  # a registry URL: never fetched, and not needed to read the rest of the document
        if ref.startswith("#"):
            schema, _, _ = resolver.follow(schema, message.file, f"{message.pointer}/payload/schema")
            return schema_format, "inline", schema
        target = (message.file.parent / ref.split("#", 1)[0]).resolve()
        if not inside(target, resolver.root) or not target.is_file():
            raise ConfigError(message.file, f"{show(message.pointer)}/payload/schema/$ref", f"expected a schema file inside the project root, got {ref!r}")
        if target.suffix.lower() in (".avsc", ".proto"):
            return schema_format, "file", target.relative_to(resolver.root).as_posix()
        if schema_format.startswith("application/vnd.apache.avro"):  # Avro kept in a .json file: read as written
            return schema_format, "inline", resolver.load(target, "Avro schema")
        return schema_format, "inline", target.read_text(encoding="utf-8", errors="replace")
    return schema_format, "inline", schema


def _kafka_key(message: _Message, resolver: Resolver) -> str | None:
    """The payload field a Kafka message binding's `key` is: the one JSON Schema payload property that refers to
    the same schema as the key does (`key: {$ref: '#/components/schemas/OrderId'}`). A key schema written out,
    or shared by several properties, names no field; a reference eventlint cannot follow is left alone."""
    obj = message.obj
    try:
        bindings, bfile, bpointer = resolver.follow(obj.get("bindings"), message.file, f"{message.pointer}/bindings")
        kafka = bindings.get("kafka") if isinstance(bindings, Mapping) else None
        key = kafka.get("key") if isinstance(kafka, Mapping) else None
        if not (isinstance(key, Mapping) and isinstance(key.get("$ref"), str)):
            return None
        wanted = resolver.target(key["$ref"], bfile, f"{bpointer}/kafka/key")
        payload, pointer = obj.get("payload"), f"{message.pointer}/payload"
        if message.version.startswith("3.") and isinstance(payload, Mapping) and "schema" in payload:
            schema_format = payload.get("schemaFormat")
            if isinstance(schema_format, str) and not schema_format.startswith(_JSON_SCHEMA_FORMATS):
                return None
            payload, pointer = payload["schema"], f"{pointer}/schema"
        node, pfile, ppointer = resolver.follow(payload, message.file, pointer)
        properties = node.get("properties") if isinstance(node, Mapping) else None
        if not isinstance(properties, Mapping):
            return None
        names = [
            str(name)
            for name, prop in properties.items()
            if isinstance(prop, Mapping) and isinstance(prop.get("$ref"), str)
            and resolver.target(prop["$ref"], pfile, f"{ppointer}/properties/{escape(str(name))}") == wanted
        ]
    except ConfigError:
        return None
    return names[0] if len(names) == 1 else None


_AVRO_ONLY_TYPES = ("record", "enum", "fixed", "map")
_KNOWN_FORMATS = (_FOREIGN_FORMATS[0], *_JSON_SCHEMA_FORMATS)


def _kafka_key_schema(message: _Message, resolver: Resolver) -> tuple[str, Any] | None:
    """(format, schema) of a Kafka message binding's `key`: a JSON Schema (references inlined, the rest under `$defs`),
    an Avro schema (when the message's payload `schemaFormat` is Avro, the binding's `x-eventlint-schema-format`
    says so, the key is a file `.avsc`, or its shape is Avro's own: a type name, a union, a record/enum/fixed/map),
    or a `.proto` the key refers to. A URL is never fetched: no key schema then."""
    obj = message.obj
    bindings, bfile, bpointer = resolver.follow(obj.get("bindings"), message.file, f"{message.pointer}/bindings")
    kafka = bindings.get("kafka") if isinstance(bindings, Mapping) else None
    if not isinstance(kafka, Mapping) or "key" not in kafka:
        return None
    key, pointer = kafka["key"], f"{bpointer}/kafka/key"
    payload = obj.get("payload")
    schema_format = obj.get("schemaFormat")
    if message.version.startswith("3.") and isinstance(payload, Mapping) and "schema" in payload:
        schema_format = payload.get("schemaFormat")
    stated = kafka.get(KEY_FORMAT_EXTENSION)
    if stated is not None and not (isinstance(stated, str) and stated.startswith(_KNOWN_FORMATS)):
        raise ConfigError(bfile, f"{show(bpointer)}/kafka/{KEY_FORMAT_EXTENSION}", f"expected an Avro or JSON Schema schemaFormat ({', '.join(_KNOWN_FORMATS)}...), got {_show(stated)}")
    avro = any(isinstance(f, str) and f.startswith(_FOREIGN_FORMATS[0]) for f in (stated, schema_format if stated is None else None))
    ref = key.get("$ref") if isinstance(key, Mapping) else None
    if isinstance(ref, str):
        if re.match(r"^[a-z][a-z0-9+.-]*:", ref):
            return None  # a registry URL: never fetched
        if not ref.startswith("#"):
            target = (bfile.parent / ref.split("#", 1)[0]).resolve()
            if not inside(target, resolver.root) or not target.is_file():
                raise ConfigError(bfile, f"{show(pointer)}/$ref", f"expected a schema file inside the project root, got {ref!r}")
            if target.suffix.lower() == ".proto":
                return "protobuf", target.read_text(encoding="utf-8", errors="replace")
            if target.suffix.lower() == ".avsc" or avro:
                return "avro", resolver.load(target, "Avro schema")
        elif avro:
            node, _, _ = resolver.follow(key, bfile, pointer)
            return "avro", _json_data(node)
    elif avro or isinstance(key, (str, list)) or (isinstance(key, Mapping) and key.get("type") in _AVRO_ONLY_TYPES):
        return "avro", _json_data(key)
    inliner = Inliner(resolver, "#/$defs/")
    schema = inliner.inline(key, bfile, pointer)
    if isinstance(schema, bool):
        schema = {} if schema else {"not": {}}
    if not isinstance(schema, dict):
        raise ConfigError(bfile, show(pointer), f"expected a JSON Schema (a mapping), got {_kind(schema)}")
    if inliner.defs:
        schema = {**schema, "$defs": inliner.defs}
    return "json-schema", schema


def _extension(obj: Mapping[str, Any], name: str, message: _Message, check: Callable[[Any], bool], expected: str) -> Any:
    if name not in obj:
        return None
    value = obj[name]
    if not check(value):
        raise ConfigError(message.file, f"{show(message.pointer)}/{name}", f"expected {expected}, got {_kind(value)}")
    return value


def _declared(event: _Event, resolver: Resolver) -> DeclaredEvent:
    message = event.message
    description = key = compatibility = None
    deprecated: bool | str = False
    payload = None
    payload_format = schema_file = schema_text = None
    key_schema: tuple[str, Any] | None = None
    aliases: list[str] = []
    if message is not None:
        obj = message.obj
        text = obj.get("description") or obj.get("summary")
        description = text.strip() if isinstance(text, str) and text.strip() else None
        key = _extension(obj, KEY_EXTENSION, message, lambda v: isinstance(v, str) and bool(v), "a payload field name")
        if key is None:
            key = _kafka_key(message, resolver)
        deprecated = (
            _extension(obj, DEPRECATED_EXTENSION, message, lambda v: isinstance(v, (bool, str)), "true, false or a reason") or False
        )
        compatibility = _extension(
            obj, COMPATIBILITY_EXTENSION, message, lambda v: v in COMPATIBILITY_MODES, f"one of {', '.join(COMPATIBILITY_MODES)}"
        )
        key_schema = _kafka_key_schema(message, resolver)
        payload = _message_payload(message, resolver)
        foreign = _foreign_payload(message, resolver) if payload is None else None
        if foreign is not None:
            payload_format, where, found = foreign
            if where == "file":
                schema_file = found
            elif isinstance(found, str):
                schema_text = found  # a .proto written inline
            elif isinstance(found, Mapping):
                payload = found  # an Avro record written inline
        for candidate in (obj.get("name"), obj.get("messageId"), obj.get("title"), (payload or {}).get("title")):
            if isinstance(candidate, str) and candidate.strip() and candidate.strip() != event.name and candidate.strip() not in aliases:
                aliases.append(candidate.strip())
    # where the event is declared: the operation that sends it, else its message, else the first document
    at = event.owner_at or ((message.file, message.pointer) if message is not None else (event.documents[0], ""))
    return DeclaredEvent(
        name=event.name,
        channel=event.channel,
        also_on=tuple(event.also_on),
        owner=event.owner,
        consumers=tuple(sorted(event.consumers)),
        description=description,
        key=key,
        deprecated=deprecated,
        compatibility=compatibility,
        payload=payload,
        aliases=tuple(aliases),
        source=str(at[0]),
        line=resolver.line(at),
        schema_file=schema_file,
        payload_format=payload_format if schema_file is None else None,
        schema_text=schema_text,
        key_format=key_schema[0] if key_schema else None,
        key_schema=key_schema[1] if key_schema else None,
    )


def read_catalog(documents: Sequence[Path], root: Path) -> dict[str, DeclaredEvent]:
    """The events several AsyncAPI documents declare together: owners and consumers combine.

    The same event with two different owners is an error naming both files; an
    event on several channels (in one document or several) is one event on each. The payload and description come from the
    owner's document, else from the first document that has them.
    """
    resolver = Resolver(root)
    merged: dict[str, _Event] = {}
    for path in documents:
        for event in read_document(path, resolver):
            _merge(merged, event)
    return {name: _declared(merged[name], resolver) for name in sorted(merged)}


def _merge(merged: dict[str, _Event], event: _Event) -> None:
    have = merged.get(event.name)
    if have is None:
        merged[event.name] = event
        return
    if have.owner_at and event.owner_at and have.owner != event.owner:
        raise ConfigError(
            event.owner_at[0],
            show(event.owner_at[1]),
            f"{event.owner} sends {event.name} here, but {have.owner} sends it in {have.owner_at[0]} at {show(have.owner_at[1])}; "
            "an event has one owner",
        )
    if event.owner and not have.owner:
        have.owner, have.owner_at = event.owner, event.owner_at
        if event.message is not None and event.message.obj.get("payload") is not None:
            have.message = event.message
    if event.channel and not have.channel:
        have.channel, have.channel_at = event.channel, event.channel_at
    for channel in ([event.channel] if event.channel else []) + event.also_on:
        if channel != have.channel and channel not in have.also_on:
            have.also_on.append(channel)
    if have.message is None or (have.message.obj.get("payload") is None and event.message and event.message.obj.get("payload") is not None):
        have.message = event.message
    have.consumers |= event.consumers
    have.documents.extend(event.documents)


# ---------------------------------------------------------------------------------------------
# Writing


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors or aliases, whatever objects are shared."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_TOP_ORDER = ("asyncapi", "id", "info", "defaultContentType", "servers", "channels", "operations", "components")


def canonical(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document with a fixed top-level order and every mapping below sorted by key."""
    ordered = {k: _sorted(document[k]) for k in _TOP_ORDER if k in document}
    ordered.update({k: _sorted(document[k]) for k in sorted(document) if k not in ordered})
    return ordered


def _sorted(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(k): _sorted(node[k]) for k in sorted(node, key=str)}
    if isinstance(node, list):
        return [_sorted(v) for v in node]
    return node


def render(document: Mapping[str, Any], syntax: str = "yaml") -> str:
    """The document as YAML (default) or JSON text, byte-identical for the same input."""
    ordered = canonical(document)
    if syntax == "json":
        # YAML may have given dates and times (an `example: 2024-05-01`); JSON has only their text
        return json.dumps(ordered, indent=2, ensure_ascii=False, default=str) + "\n"
    return yaml.dump(ordered, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)
