"""Reading trace exports: OTLP JSON (the Collector's file exporter, the SDKs' OTLP/JSON exporters) and Jaeger JSON.

Only messaging spans matter here, recognised by OpenTelemetry's messaging semantic
conventions, current and older attribute names. A reader streams: JSON lines are
read line by line and each span is folded into an `Observations` as it is decoded,
so memory grows with the number of messaging spans kept for matching, not with
the file. A file that is one JSON document is loaded whole (measured in
docs/runtime.md). Bad input is a `Problem` naming the file (and line), never an
exception, and the rest is still read.

OTLP JSON is not protobuf's canonical JSON (trace and span ids are hex, not
base64), and decoding every span through protobuf's `json_format` costs ~0.5 ms a
span (about eight minutes for a million). So the first record of every OTLP file
is checked with the reference (`opentelemetry-proto` + `json_format`, the
`runtime` extra): a file it rejects is not OTLP and its message says why; the
spans are then decoded by `_otlp_spans` below, which the test suite compares
field by field with the reference on exports written by the OpenTelemetry SDK.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

INSTALL_HINT = "reading OTLP JSON needs the runtime extra: pip install 'eventlint[runtime]'"

# Attribute names, newest first (semantic conventions 1.30 back to 1.x before 1.20).
SYSTEM = ("messaging.system",)
DESTINATION = ("messaging.destination.name", "messaging.destination")
OPERATION = ("messaging.operation.type", "messaging.operation", "messaging.operation.name")
ROUTING_KEY = ("rabbitmq.destination.routing_key", "messaging.rabbitmq.destination.routing_key", "messaging.rabbitmq.routing_key")
MESSAGE_KEY = ("messaging.kafka.message.key", "messaging.kafka.message_key")
GROUP = ("messaging.consumer.group.name", "messaging.kafka.consumer.group", "messaging.kafka.consumer_group")
SUBSCRIPTION = ("messaging.destination.subscription.name",)
SERVICE = "service.name"
MESSAGING_KEYS = frozenset((*SYSTEM, *DESTINATION, *OPERATION, *ROUTING_KEY, *GROUP, *SUBSCRIPTION))

PRODUCING = frozenset(("publish", "send", "create"))
CONSUMING = frozenset(("receive", "process", "deliver"))
# OTLP's SpanKind numbers; Jaeger writes the same kinds as the `span.kind` tag.
KINDS = {0: "", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
KIND_NAMES = {f"SPAN_KIND_{v.upper()}": v for v in KINDS.values() if v} | {"SPAN_KIND_UNSPECIFIED": ""}
STATUS_ERROR = (2, "STATUS_CODE_ERROR")


class MissingExtra(Exception):
    """The `runtime` extra (opentelemetry-proto, protobuf) is not installed."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


@dataclass(frozen=True)
class Problem:
    """Something in an input that could not be read; `line` for JSON lines (1-based), else 0."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class Span:
    """A messaging span: who (service), where (system, destination, routing key), its role and its context."""

    trace_id: str
    span_id: str
    parent_id: str  # "" for a root span
    links: tuple[str, ...]  # span ids of linked spans
    role: str  # "producer" or "consumer"
    service: str
    system: str
    destination: str
    routing_key: str
    group: str
    start_ns: int
    end_ns: int
    error: bool
    origin: str  # file, or file:line


# -- what the reader keeps -------------------------------------------------------------------


@dataclass
class Observations:
    """Everything read from the trace files, folded as it streams in.

    Producer spans are kept by span id (for the consumer spans that continue or link
    them); consumer spans are kept compactly until every file is read, since a consumer
    may come before its producer. Other spans leave their time and, for a root, its id
    and service (a consumer whose parent is a local root started its own trace).
    """

    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    spans: int = 0
    messaging: int = 0
    without_destination: int = 0
    start_ns: int | None = None
    end_ns: int | None = None
    producers: dict[str, tuple[str, tuple[str, str, str], int, bool]] = field(default_factory=dict)
    consumers: list[Span] = field(default_factory=list)
    local_roots: dict[str, str] = field(default_factory=dict)
    services: set[str] = field(default_factory=set)
    validated: set[str] = field(default_factory=set, repr=False)
    keep: list[Span] | None = field(default=None, repr=False)  # every messaging span, when a caller asks (tests)
    _strings: dict[str, str] = field(default_factory=dict, repr=False)

    def intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def see(self, start: int, end: int) -> None:
        self.spans += 1
        if start and (self.start_ns is None or start < self.start_ns):
            self.start_ns = start
        if end and (self.end_ns is None or end > self.end_ns):
            self.end_ns = end

    def add(self, span: Span) -> None:
        if self.keep is not None:
            self.keep.append(span)
        self.messaging += 1
        self.services.add(span.service)
        if span.role == "producer":
            self.producers[span.span_id] = (span.service, (span.system, span.destination, span.routing_key), span.start_ns, span.error)
        else:
            self.consumers.append(span)


def read(paths: Iterable[str | os.PathLike[str]], keep: bool = False) -> Observations:
    """Read every trace file; what cannot be read becomes a Problem and the rest is still read (`keep`: list every span)."""
    seen = Observations(keep=[] if keep else None)
    for path in paths:
        read_file(os.fspath(path), seen)
    return seen


def read_file(path: str, seen: Observations) -> None:
    """Read one OTLP JSON or Jaeger JSON file (one document, or JSON lines) into `seen`."""
    seen.files.append(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below; read line by line
    except OSError as exc:
        seen.problems.append(Problem(path, 0, f"cannot read: {exc.strerror or exc}"))
        return
    with handle:
        first = handle.readline()
        if _record_line(first):
            _read_lines(path, first, handle, seen)
            return
        text = first + handle.read()
    try:
        document = json.loads(text)
    except UnicodeDecodeError as exc:
        seen.problems.append(Problem(path, 0, f"not UTF-8 text: {exc.reason}"))
        return
    except ValueError as exc:
        seen.problems.append(Problem(path, 0, f"not JSON ({exc}); expected OTLP JSON (`resourceSpans`) or Jaeger JSON (`data`)"))
        return
    del text
    _read_record(path, 0, document, seen)


def _record_line(line: bytes) -> bool:
    """The file's first line is a whole record (JSON lines), or one cut short (a truncated JSON lines file)."""
    head = line.lstrip()[:200]
    if not head.startswith(b"{"):
        return False
    return any(key in head for key in (b'"resourceSpans"', b'"resource_spans"', b'"data"'))


def _read_lines(path: str, first: bytes, handle: Any, seen: Observations) -> None:
    number = 0
    for line in _chain(first, handle):
        number += 1
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except UnicodeDecodeError as exc:
            seen.problems.append(Problem(path, number, f"not UTF-8 text: {exc.reason}"))
            continue
        except ValueError as exc:
            seen.problems.append(Problem(path, number, f"truncated or malformed JSON line ({exc}); the line is skipped"))
            continue
        _read_record(path, number, record, seen)


def _chain(first: bytes, handle: Any) -> Iterator[bytes]:
    yield first
    yield from handle


def _read_record(path: str, line: int, record: Any, seen: Observations) -> None:
    if isinstance(record, dict) and ("resourceSpans" in record or "resource_spans" in record):
        if path not in seen.validated:
            seen.validated.add(path)
            problem = validate_otlp(record)
            if problem:
                seen.problems.append(Problem(path, line, f"not OTLP JSON: {problem}"))
                return
        origin = f"{path}:{line}" if line else path
        try:
            for span in _otlp_spans(record, seen, origin):
                seen.add(span)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            seen.problems.append(Problem(path, line, f"malformed OTLP JSON ({type(exc).__name__}: {exc}); the rest of the record is skipped"))
        return
    if isinstance(record, dict) and isinstance(record.get("data"), list):
        origin = f"{path}:{line}" if line else path
        try:
            for span in _jaeger_spans(record, seen, origin):
                seen.add(span)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            seen.problems.append(Problem(path, line, f"malformed Jaeger JSON ({type(exc).__name__}: {exc}); the rest of the record is skipped"))
        return
    keys = ", ".join(sorted(map(str, record))[:5]) if isinstance(record, dict) else type(record).__name__
    seen.problems.append(
        Problem(path, line, f"neither OTLP JSON (`resourceSpans`) nor Jaeger JSON (`data` with `spans`); found {keys or 'an empty object'}")
    )


def validate_otlp(record: Mapping[str, Any]) -> str | None:
    """protobuf's own JSON parser over one OTLP record (its first resource): None, or why it is not OTLP."""
    try:
        from google.protobuf import json_format
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    except ImportError as exc:
        raise MissingExtra() from exc
    resources = record.get("resourceSpans", record.get("resource_spans"))
    if not isinstance(resources, list):
        return f"`resourceSpans` must be a list, got {type(resources).__name__}"
    sample = {"resourceSpans": [_sample(r) for r in resources[:1]]}
    try:
        json_format.ParseDict(sample, ExportTraceServiceRequest(), ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        return str(exc)
    return None


def _sample(resource: Any) -> Any:
    """A resource with at most a few spans, for the reference parser (which is slow)."""
    if not isinstance(resource, dict):
        return resource
    scopes = resource.get("scopeSpans", resource.get("scope_spans"))
    if not isinstance(scopes, list):
        return resource
    key = "scopeSpans" if "scopeSpans" in resource else "scope_spans"
    return {**resource, key: [{**s, "spans": s.get("spans", [])[:3]} if isinstance(s, dict) else s for s in scopes[:3]]}


# -- OTLP JSON -------------------------------------------------------------------------------


def _any_value(value: Any) -> Any:
    """An OTLP AnyValue as a plain value (strings, booleans, numbers; arrays and maps as text)."""
    if not isinstance(value, dict):
        return value
    for key in ("stringValue", "string_value"):
        if key in value:
            return value[key]
    for key in ("intValue", "int_value"):
        if key in value:
            return int(value[key])
    for key in ("boolValue", "bool_value"):
        if key in value:
            return bool(value[key])
    for key in ("doubleValue", "double_value"):
        if key in value:
            return float(value[key])
    return json.dumps(value, sort_keys=True)


def _attributes(items: Any) -> dict[str, Any]:
    if not items:
        return {}
    return {kv["key"]: _any_value(kv.get("value")) for kv in items}


def _get(d: Mapping[str, Any], camel: str, snake: str, default: Any = None) -> Any:
    value = d.get(camel)
    return d.get(snake, default) if value is None else value


def _otlp_spans(record: Mapping[str, Any], seen: Observations, origin: str) -> Iterator[Span]:
    for resource_spans in _get(record, "resourceSpans", "resource_spans", ()) or ():
        resource = _attributes((resource_spans.get("resource") or {}).get("attributes"))
        service = seen.intern(str(resource.get(SERVICE) or "unknown_service"))
        for scope_spans in _get(resource_spans, "scopeSpans", "scope_spans", ()) or _get(resource_spans, "instrumentationLibrarySpans", "instrumentation_library_spans", ()) or ():
            for raw in scope_spans.get("spans") or ():
                start = int(_get(raw, "startTimeUnixNano", "start_time_unix_nano", 0) or 0)
                end = int(_get(raw, "endTimeUnixNano", "end_time_unix_nano", 0) or 0)
                seen.see(start, end)
                kind = raw.get("kind", 0)
                kind = KINDS.get(kind, "") if isinstance(kind, int) else KIND_NAMES.get(kind, "")
                attrs = raw.get("attributes")
                names = {kv["key"] for kv in attrs} if attrs else set()
                span_id = str(_get(raw, "spanId", "span_id", ""))
                parent = str(_get(raw, "parentSpanId", "parent_span_id", "") or "")
                if not names & MESSAGING_KEYS:
                    if not parent and kind in ("server", "internal", "client", ""):
                        seen.local_roots[span_id] = service
                    continue
                status = raw.get("status") or {}
                error = status.get("code") in STATUS_ERROR
                links = tuple(str(_get(link, "spanId", "span_id", "")) for link in raw.get("links") or ())
                span = _messaging_span(
                    _attributes(attrs), kind, str(_get(raw, "traceId", "trace_id", "")), span_id, parent, links, service, start, end, error, origin, seen
                )
                if span is not None:
                    yield span


def _messaging_span(
    attrs: Mapping[str, Any],
    kind: str,
    trace_id: str,
    span_id: str,
    parent: str,
    links: tuple[str, ...],
    service: str,
    start: int,
    end: int,
    error: bool,
    origin: str,
    seen: Observations,
) -> Span | None:
    operation = str(_first(attrs, OPERATION) or "").lower()
    if kind == "producer" or operation in PRODUCING:
        role = "producer"
    elif kind == "consumer" or operation in CONSUMING:
        role = "consumer"
    else:
        return None  # settle, ack, or a client span with no operation: no message moves
    destination = _first(attrs, DESTINATION)
    if destination is None:
        destination = _first(attrs, SUBSCRIPTION)
    if destination is None:
        seen.without_destination += 1
        return None
    return Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_id=parent,
        links=links,
        role=role,
        service=service,
        system=seen.intern(str(_first(attrs, SYSTEM) or "").lower()),
        destination=seen.intern(str(destination)),
        routing_key=seen.intern(str(_first(attrs, ROUTING_KEY) or "")),
        group=seen.intern(str(_first(attrs, GROUP) or "")),
        start_ns=start,
        end_ns=end,
        error=error or attrs.get("error") is True or attrs.get("otel.status_code") == "ERROR",
        origin=origin,
    )


def _first(attrs: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = attrs.get(name)
        if value is not None and value != "":
            return value
        if name in attrs and name in DESTINATION:
            return value  # the default exchange is an empty name, and still a destination
    return None


# -- Jaeger JSON -----------------------------------------------------------------------------


def _jaeger_spans(record: Mapping[str, Any], seen: Observations, origin: str) -> Iterator[Span]:
    for trace in record["data"]:
        processes = trace.get("processes") or {}
        for raw in trace.get("spans") or ():
            start = int(raw.get("startTime", 0)) * 1000
            end = start + int(raw.get("duration", 0)) * 1000
            seen.see(start, end)
            process = raw.get("process") or processes.get(raw.get("processID"), {})
            service = seen.intern(str(process.get("serviceName") or "unknown_service"))
            tags = {t["key"]: t.get("value") for t in raw.get("tags") or ()}
            references = raw.get("references") or ()
            parent = ""
            links: list[str] = []
            for ref in references:
                if ref.get("refType") == "CHILD_OF" and not parent and ref.get("traceID") == raw.get("traceID"):
                    parent = str(ref.get("spanID", ""))
                else:
                    links.append(str(ref.get("spanID", "")))
            if not parent and raw.get("parentSpanID"):
                parent = str(raw["parentSpanID"])
            kind = str(tags.get("span.kind") or "").lower()
            span_id = str(raw.get("spanID", ""))
            if not tags.keys() & MESSAGING_KEYS:
                if not parent and not links and kind in ("server", "internal", "client", ""):
                    seen.local_roots[span_id] = service
                continue
            error = tags.get("error") in (True, "true") or tags.get("otel.status_code") == "ERROR"
            span = _messaging_span(tags, kind, str(raw.get("traceID", "")), span_id, parent, tuple(links), service, start, end, error, origin, seen)
            if span is not None:
                yield span


def peak_memory_mb() -> float | None:
    """This process's peak resident memory in MB (Linux and macOS), for the benchmark."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
