"""The facts model: what eventlint extracts from a codebase, and its public JSON form.

Every record is a frozen, slotted dataclass. `ProjectFacts.to_json()` and
`ProjectFacts.from_json()` round-trip losslessly; the JSON layout is versioned
by `FACTS_VERSION` and described by `eventlint/schemas/facts.json`.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

FACTS_VERSION = 1


@dataclass(frozen=True, slots=True)
class Service:
    """A deployable unit; its files are those matching `paths` (globs relative to the root)."""

    name: str
    paths: tuple[str, ...]
    repository: str | None = None  # set on services merged in from another repository's facts
    signal: str | None = None  # what decided the service: "configured", a compose entry, a Dockerfile, ... (eventlint.units)
    variant: tuple[str, ...] = ()  # (its variant folder, the sibling variants): alternatives never deployed together (eventlint.units)


@dataclass(frozen=True, slots=True)
class Publication:
    """One place in the code that sends an event."""

    event: str | None
    channel: str | None
    framework: str
    service: str | None
    path: str
    line: int
    column: int
    function: str | None
    key: str | None = None
    payload_fields: tuple[str, ...] | None = None
    event_expr: str | None = None
    channel_expr: str | None = None
    via: tuple[str, ...] = ()
    headers: tuple[str, ...] | None = None
    payload_types: tuple[tuple[str, str], ...] = ()
    payload_partial: bool = False
    kind: str | None = None  # what the message is: "event" or "command" (from its class), "task" (a Celery task), "change" (a data store's change stream, which nothing publishes); None when not known
    unresolved: str | None = None  # why the name stays unknown: "category: detail" (docs/facts.md)
    provenance: str | None = None  # where a name from configuration came from
    derived: bool = False  # the name is one of a few possible values at this site (docs/facts.md)
    payload_schema: str | None = None  # the payload's inferred JSON Schema, as JSON text (docs/facts.md)
    broker: str | None = None  # the broker connection, when the code states it: a normalized, non-secret label (docs/facts.md)
    payload_format: str | None = None  # `avro`/`json-schema` when `payload_schema` is a serializer's schema, not one inferred (docs/facts.md)
    subject_strategy: str | None = None  # the serializer's `subject.name.strategy` (TopicNameStrategy...), when its conf states one
    schema_unresolved: str | None = None  # why a serializer's schema stays unknown, "category: detail" (a generated class with no `.proto` found)
    key_schema: str | None = None  # the schema the key serializer writes the key with, as `payload_schema` is the value's (docs/facts.md)
    key_format: str | None = None  # `avro`/`json-schema`/`protobuf`: the format of `key_schema`
    key_subject_strategy: str | None = None  # the key serializer's `subject.name.strategy`, when its conf states one


@dataclass(frozen=True, slots=True)
class Subscription:
    """One place where a handler is bound to an event or channel."""

    event: str | None
    channel: str | None
    framework: str
    service: str | None
    path: str
    line: int
    column: int
    handler: str | None
    group: str | None = None
    ack: str | None = None
    dead_letter: str | None = None
    event_expr: str | None = None
    channel_expr: str | None = None
    handler_expr: str | None = None
    via: tuple[str, ...] = ()
    function: str | None = None
    kind: str | None = None  # what the message is: "event" or "command" (from its class), "task" (a Celery task), "change" (a data store's change stream, which nothing publishes); None when not known
    queue_type: str | None = None  # the consumed queue's declared type (RabbitMQ x-queue-type: classic, quorum, stream)
    lifetime: str | None = None  # the consumed queue dies with its consumer, as declared: "exclusive" or "auto-delete" (packs)
    unresolved: str | None = None  # why the name or handler stays unknown: "category: detail" (docs/facts.md)
    provenance: str | None = None  # where a name from configuration came from
    derived: bool = False  # the name is one of a few possible values at this site (docs/facts.md)
    broker: str | None = None  # the broker connection, when the code states it: a normalized, non-secret label (docs/facts.md)
    retry: str | None = None  # the framework runs the handler again for the same message: "on-error" (Celery autoretry_for)
    payload_schema: str | None = None  # the schema the consumer's deserializer decodes with, as JSON text (`payload_format`)
    payload_format: str | None = None  # `protobuf`: `payload_schema` names the generated class's `.proto` and message (docs/facts.md)
    schema_unresolved: str | None = None  # why the deserializer's schema stays unknown, "category: detail"


@dataclass(frozen=True, slots=True)
class Binding:
    """A broker-side route declared in code: a queue bound to an exchange or topic."""

    framework: str
    queue: str | None
    exchange: str | None
    routing_key: str | None
    service: str | None
    path: str
    line: int
    column: int
    dead_letter: str | None = None
    queue_expr: str | None = None  # a queue the broker names (`queue_declare(queue="")`): which one, when `queue` is null
    lifetime: str | None = None  # the queue dies with its consumer, as declared: "exclusive" or "auto-delete" (packs)


@dataclass(frozen=True, slots=True)
class HandlerCall:
    """A call made while handling a message, in the handler or a project function it calls."""

    name: str
    text: str
    path: str
    line: int
    column: int
    function: str
    depth: int
    keywords: tuple[str, ...] = ()
    literals: tuple[str, ...] = ()
    uses_message: bool = False
    in_except: bool = False
    fields: tuple[str, ...] = ()
    awaited: bool = False
    forwards_message: bool = False
    placeholders: tuple[str, ...] = ()
    assigned: tuple[str, ...] = ()
    arms: tuple[str, ...] = ()  # the `if` arms it is in (`<if>:0` / `<if>:1`); calls in different arms never both run
    guards: tuple[str, ...] = ()  # `line:column` of calls in its function whose true result it runs under (`if created:`)
    # keywords given a value read from the message, of the call or of the call that made the object it is handed
    # (`session.add(item)` after `item = Item(id=msg.id)`: `id`); omitted when empty
    message_keywords: tuple[str, ...] = ()
    # a method of the record a consuming loop receives (`async for message in it: message.process()`, `msg.value().decode()`); omitted when false
    on_message: bool = False


@dataclass(frozen=True, slots=True)
class ExceptClause:
    """An `except` clause met while handling a message."""

    path: str
    line: int
    function: str
    depth: int
    types: tuple[str, ...]
    reraises: bool
    calls: tuple[str, ...] = ()
    column: int = 1
    leaves: bool = False  # the clause ends in `continue`/`break`/`return`: what follows its `try` is skipped
    try_line: int | None = None  # the line of its `try` statement: the `try` body runs from there to the first clause (docs/facts.md)
    returns_value: bool = False  # the clause ends in `return <value>` (not None): its function answers the caller with a fallback
    # the first and last line of the arm of a later `if` in its function that runs when a name the clause assigns is
    # false (`creds = None`, then `if not creds:`): the work that takes over from what failed (docs/facts.md)
    fallback: tuple[int, int] | None = None
    # `line:column` of later calls of its function given a collection the clause empties (`ack_ids.clear()` or
    # `ack_ids = []`, then `xack(stream, group, *ack_ids)`): what the clause keeps from them; omitted when empty
    withholds: tuple[str, ...] = ()
    # `line:column` of later calls of its function given a name the clause assigns (`status = FAILED`, then
    # `finally: db.update_status(order_id, status)`): where its stand-in value is taken on; omitted when empty
    hands_on: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldRead:
    """A field of the consumed message read by the handler (`event["x"]`, `event.x`, `event.get("x")`)."""

    field: str
    path: str
    line: int
    column: int
    function: str
    access: str = "item"
    subfields: tuple[str, ...] | None = None  # keys read below `field` (`event["order"]["id"]`: ("id",)); None for none


@dataclass(frozen=True, slots=True)
class SiteRef:
    """Where a record is: enough to find it among the publishers or subscribers."""

    path: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Handler:
    """What a handler does, following calls into project functions (several levels, cycle-safe).

    `role` is "handler" for a function that handles messages, "consumer" for a
    function running a consuming loop that hands them to a handler, "publisher"
    for a function that publishes without consuming (an API endpoint, a job).
    """

    name: str
    path: str
    line: int
    column: int
    service: str | None
    params: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    calls: tuple[HandlerCall, ...] = ()
    excepts: tuple[ExceptClause, ...] = ()
    reads: tuple[FieldRead, ...] = ()
    publications: tuple[SiteRef, ...] = ()
    truncated: bool = False
    role: str = "handler"
    message_class: str | None = None  # the model class the message parameter is annotated with (docs/facts.md)
    message_schema: str | None = None  # that class as a reader: JSON Schema text, required = fields without a default (docs/facts.md)
    # a function another handler hands the message to through a dispatch map (`ROUTES[topic](msg)`): that handler,
    # and the call that looks it up (docs/facts.md)
    dispatched_by: str | None = None
    dispatch_site: SiteRef | None = None


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that belongs to a finding (another publication of the same event, the candidate site that
    could be what the finding says is missing), with what it is."""

    path: str
    line: int
    column: int
    message: str = ""


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text from (line, column) to (end_line, end_column) of `path` with `content` (1-based, columns in characters)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A change that makes a finding go away: `safe` keeps the program's meaning, `unsafe` may change it (ruff's split)."""

    applicability: str
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A finding: from the engine (EDA000) or a rule; `service`/`event` say what it concerns; `related` the other
    places that belong to it (rendered as SARIF `relatedLocations`)."""

    code: str
    message: str
    path: str
    line: int
    column: int
    severity: str = "error"
    hint: str | None = None
    end_line: int | None = None
    end_column: int | None = None
    service: str | None = None
    event: str | None = None
    related: tuple[Related, ...] = ()
    fix: Fix | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path discovery or extraction did not analyse, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class MessagingImport:
    """A file that imports a messaging library a framework pack names (its `modules`), and those packs."""

    path: str
    module: str
    frameworks: tuple[str, ...]
    support_only: bool = False  # only its errors, exceptions or types (`from aiokafka.errors import ...`): no client
    service: str | None = None  # the service of the file


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    """Everything extracted from one project root."""

    root: str
    services: tuple[Service, ...] = ()
    publishers: tuple[Publication, ...] = ()
    subscribers: tuple[Subscription, ...] = ()
    bindings: tuple[Binding, ...] = ()
    handlers: tuple[Handler, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    files: int = 0
    repository: str | None = None  # the name `eventlint facts --repository` gave this repository
    imports: tuple[MessagingImport, ...] = ()  # what the report says was seen when little was recognised (docs/facts.md)

    def sorted(self) -> ProjectFacts:
        """Return a copy with every list in its canonical, deterministic order."""
        return dataclasses.replace(
            self,
            services=tuple(sorted(self.services, key=lambda s: s.name)),
            publishers=tuple(sorted(set(self.publishers), key=_site_key)),
            subscribers=tuple(sorted(set(self.subscribers), key=_site_key)),
            bindings=tuple(sorted(set(self.bindings), key=_site_key)),
            handlers=tuple(sorted(set(self.handlers), key=lambda h: (h.name, h.path, h.line))),
            diagnostics=tuple(sorted(set(self.diagnostics), key=_site_key)),
            skipped=tuple(sorted(set(self.skipped), key=lambda s: (s.path, s.reason))),
            imports=tuple(sorted(set(self.imports), key=lambda i: (i.path, i.module))),
        )

    def to_json(self) -> dict[str, Any]:
        """The public, versioned JSON form (see docs/facts.md)."""
        out: dict[str, Any] = {"eventlint_facts": FACTS_VERSION}
        if self.repository is not None:
            out["repository"] = self.repository
        out |= {
            "root": self.root,
            "files": self.files,
            "services": [_service_to_json(s) for s in self.services],
            "publishers": [_site_to_json(p) for p in self.publishers],
            "subscribers": [_site_to_json(s) for s in self.subscribers],
            "bindings": [_record_to_json(b) for b in self.bindings],
            "handlers": [_record_to_json(h) for h in self.handlers],
            "diagnostics": [_diagnostic_to_json(d) for d in self.diagnostics],
            "skipped": [_record_to_json(s) for s in self.skipped],
        }
        if self.imports:  # absent when empty: older documents stay as they were
            out["imports"] = [_record_to_json(i) for i in self.imports]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectFacts:
        """Inverse of `to_json`; raises FactsFormatError on a document of another shape.

        Value types are not checked here (the cache reads its own documents through this, and
        validating costs more than reading): validate a document from elsewhere against
        `eventlint/schemas/facts.json` first, as `check --facts` does.
        """
        if not isinstance(data, dict) or data.get("eventlint_facts") != FACTS_VERSION:
            raise FactsFormatError(f"not an eventlint facts document of version {FACTS_VERSION}")
        try:
            return cls(
                root=data["root"],
                repository=data.get("repository"),
                files=data.get("files", 0),
                services=tuple(_record_from_json(Service, s) for s in data.get("services", ())),
                publishers=tuple(_record_from_json(Publication, p) for p in data.get("publishers", ())),
                subscribers=tuple(_record_from_json(Subscription, s) for s in data.get("subscribers", ())),
                bindings=tuple(_record_from_json(Binding, b) for b in data.get("bindings", ())),
                handlers=tuple(_handler_from_json(h) for h in data.get("handlers", ())),
                diagnostics=tuple(_diagnostic_from_json(d) for d in data.get("diagnostics", ())),
                skipped=tuple(_record_from_json(Skipped, s) for s in data.get("skipped", ())),
                imports=tuple(_record_from_json(MessagingImport, i) for i in data.get("imports", ())),
            )
        except (KeyError, TypeError) as exc:
            raise FactsFormatError(f"malformed facts document: {exc}") from exc


class FactsFormatError(ValueError):
    """A facts JSON document that does not have the published shape."""


def encode_facts(facts: ProjectFacts) -> bytes:
    """The cache's form of the facts: msgspec's JSON of the dataclasses, every field (not the public document
    of `to_json`, which leaves out fields at their defaults). Writing it costs a tenth of `to_json` and
    `json.dumps`, and reading it back (`decode_facts`) half of `json.loads` and `from_json` (#18 item 4)."""
    import msgspec  # imported when the cache is written or read: `facts` itself stays cheap to import

    return msgspec.json.encode(facts)


def decode_facts(data: bytes) -> ProjectFacts:
    """Inverse of `encode_facts`; raises FactsFormatError on bytes of another shape (an entry of an older
    version), so the cache computes them again."""
    import msgspec

    try:
        return msgspec.json.decode(data, type=ProjectFacts)
    except (msgspec.DecodeError, msgspec.ValidationError, TypeError) as exc:
        raise FactsFormatError(f"not an encoded facts entry: {exc}") from exc


def _site_key(record: Any) -> tuple:
    fields = [getattr(record, "path", ""), getattr(record, "line", 0), getattr(record, "column", 0)]
    fields.extend("" if v is None else str(v) for v in dataclasses.astuple(record))
    return tuple(fields)


def _record_to_json(record: Any) -> dict[str, Any]:
    names, omitted, emptied = _plan(type(record))
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(record, name)
        out[name] = value if type(value) in _PLAIN else _value_to_json(value)  # most values are plain: no call
    for name in omitted:
        if out[name] in (None, False):
            del out[name]  # present only when there is something to say: older documents stay as they were
    for name in emptied:
        if out[name] == []:
            del out[name]
    return out


_OMITTED_WHEN_NULL = ("unresolved", "provenance", "derived", "payload_schema", "payload_format", "subject_strategy", "schema_unresolved", "key_schema", "key_format", "key_subject_strategy", "subfields", "queue_expr", "broker", "message_class", "message_schema", "dispatched_by", "dispatch_site", "lifetime", "try_line", "returns_value", "on_message", "fallback", "support_only")


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    # dataclasses.fields() per record was most of the cost of writing a large facts document
    return tuple(f.name for f in dataclasses.fields(kind))


# fields left out when an empty list: older documents stay as they were
_OMITTED_WHEN_EMPTY = ("message_keywords", "withholds", "hands_on")


@functools.cache
def _plan(kind: type) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A record type's fields, those of them left out when null or false, and those left out when empty:
    found once per type, not looked up by name in every record written (a facts document holds ~10^5)."""
    names = _field_names(kind)
    return names, tuple(n for n in _OMITTED_WHEN_NULL if n in names), tuple(n for n in _OMITTED_WHEN_EMPTY if n in names)


def _diagnostic_to_json(diagnostic: Diagnostic) -> dict[str, Any]:
    out = _record_to_json(diagnostic)
    if not diagnostic.related:
        del out["related"]  # extraction's diagnostics have none: the facts document stays as it was
    del out["fix"]  # fixes belong to a check's report, not to the facts document
    return out


def _site_to_json(record: Publication | Subscription) -> dict[str, Any]:
    out = _record_to_json(record)
    if record.kind is None:
        del out["kind"]  # only messages known to be a command or an event carry it
    return out


def _service_to_json(service: Service) -> dict[str, Any]:
    out = _record_to_json(service)
    if service.repository is None:
        del out["repository"]  # only merged services carry it: a repository's own facts stay as they were
    if service.signal is None:
        del out["signal"]
    if not service.variant:
        del out["variant"]
    return out


_PLAIN = (str, int, float, bool, type(None))


def _value_to_json(value: Any) -> Any:
    if type(value) in _PLAIN:  # most values: asked first, it halves the cost of writing a large facts document
        return value
    if hasattr(type(value), "__dataclass_fields__"):
        return _record_to_json(value)
    if isinstance(value, tuple):
        return [v if type(v) in _PLAIN else _value_to_json(v) for v in value]
    return value


def _handler_from_json(data: dict[str, Any]) -> Handler:
    nested = {"calls": HandlerCall, "excepts": ExceptClause, "reads": FieldRead, "publications": SiteRef}
    values = dict(data)
    for key, kind in nested.items():
        values[key] = [_record_from_json(kind, item) for item in data.get(key, ())]
    if isinstance(data.get("dispatch_site"), dict):
        values["dispatch_site"] = _record_from_json(SiteRef, data["dispatch_site"])
    return _record_from_json(Handler, values)


def _diagnostic_from_json(data: dict[str, Any]) -> Diagnostic:
    related = tuple(_record_from_json(Related, item) for item in data.get("related", ()))
    return _record_from_json(Diagnostic, {k: v for k, v in data.items() if k != "related"} | {"related": related})


def _record_from_json(kind: type, data: dict[str, Any]) -> Any:
    values: dict[str, Any] = {}
    for name, required in _field_specs(kind):
        if name not in data:
            if required:
                raise KeyError(f"{kind.__name__}.{name}")
            continue
        value = data[name]
        values[name] = tuple(tuple(v) if isinstance(v, list) else v for v in value) if isinstance(value, list) else value
    return kind(**values)


@functools.cache
def _field_specs(kind: type) -> tuple[tuple[str, bool], ...]:
    """(name, required) of each field: computed once per record class (reading a cached run's facts)."""
    return tuple(
        (f.name, f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING) for f in dataclasses.fields(kind)
    )


__all__ = [
    "FACTS_VERSION",
    "Binding",
    "Diagnostic",
    "Related",
    "Edit",
    "ExceptClause",
    "FactsFormatError",
    "FieldRead",
    "Fix",
    "Handler",
    "HandlerCall",
    "MessagingImport",
    "ProjectFacts",
    "Publication",
    "Service",
    "SiteRef",
    "Skipped",
    "Subscription",
]
