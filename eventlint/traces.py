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
import re
from array import array
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
# attribute name -> (slot, rank): one pass over a span's attributes fills the slots, the newest name winning
_ORDER = (SYSTEM, DESTINATION, OPERATION, ROUTING_KEY, GROUP, SUBSCRIPTION, ("error",), ("otel.status_code",))
FIELDS = {name: (slot, rank) for slot, names in enumerate(_ORDER) for rank, name in enumerate(names)}
SLOTS = len(_ORDER)
ERROR = 6  # slots from here on say nothing about messaging
UNRANKED = len(max(_ORDER, key=len))  # a slot no attribute filled

PRODUCING = frozenset(("publish", "send", "create"))
CONSUMING = frozenset(("receive", "process", "deliver"))
# OTLP's SpanKind numbers; Jaeger writes the same kinds as the `span.kind` tag.
KINDS = {0: "", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
KIND_NAMES = {f"SPAN_KIND_{v.upper()}": v for v in KINDS.values() if v} | {"SPAN_KIND_UNSPECIFIED": ""}
STATUS_ERROR = (2, "STATUS_CODE_ERROR")


class MissingExtra(Exception):
    """The `runtime` extra (opentelemetry-proto, protobuf, msgspec) is not installed."""

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

Destination = tuple[str, str, str]  # system, destination name, routing key
# (producer service, its destination, consumer service, the consumer's destination)
PairKey = tuple[str, Destination, str, Destination]


@dataclass
class Tally:
    """Messages seen on one runtime edge: how many, errors, producer → consumer latencies (ms), an example trace."""

    count: int = 0
    errors: int = 0
    latencies_ms: array = field(default_factory=lambda: array("d"))
    example_trace: str = ""
    broken: int = 0  # consumer spans that started a new trace (consumer-only tallies)
    broken_trace: str = ""


@dataclass
class Observations:
    """Everything read from the trace files, folded as it streams in.

    Producer spans are kept by span id, compactly, for the consumer spans that continue
    or link them; a consumer span is joined to its producer as soon as both were read
    and folded into a `Tally` per edge, so only consumers read before their producer
    wait (`pending`) for the end. Receive spans are kept by id too (a process span under
    one is the same delivery), and non-messaging root spans by id (a consumer whose
    parent is its own service's root started its own trace).
    """

    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    spans: int = 0
    messaging: int = 0
    without_destination: int = 0
    start_ns: int | None = None
    end_ns: int | None = None
    producers: dict[str, tuple[str, Destination, int, bool, bool]] = field(default_factory=dict)  # service, dest, start, error, consumed
    pairs: dict[PairKey, Tally] = field(default_factory=dict)
    consumed_only: dict[tuple[str, Destination], Tally] = field(default_factory=dict)
    produced_only: dict[tuple[str, Destination], Tally] = field(default_factory=dict)
    pending: list[tuple[str, str, str, tuple[str, ...], str, Destination, int, bool]] = field(default_factory=list)
    receivers: dict[str, tuple[str, Destination]] = field(default_factory=dict)
    local_roots: dict[str, str] = field(default_factory=dict)
    services: set[str] = field(default_factory=set)
    validated: set[str] = field(default_factory=set, repr=False)
    keep: list[Span] | None = field(default=None, repr=False)  # every messaging span, when a caller asks (tests)
    finished: bool = False
    _strings: dict[str, str] = field(default_factory=dict, repr=False)
    _dests: dict[Destination, Destination] = field(default_factory=dict, repr=False)

    def intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def consume(self, trace: str, span_id: str, parent: str, links: tuple[str, ...], service: str, dest: Destination, start: int, error: bool, receive: bool) -> None:
        """A consumer span: joined to its producer now if that was read, else kept for `finish`."""
        if receive:
            self.receivers[span_id] = (service, dest)
        if not self._join(trace, parent, links, service, dest, start, error):
            self.pending.append((trace, span_id, parent, links, service, dest, start, error))

    def _join(self, trace: str, parent: str, links: tuple[str, ...], service: str, dest: Destination, start: int, error: bool) -> bool:
        producers = self.producers
        for source in (parent, *links) if links else (parent,):
            found = producers.get(source)
            if found is not None:
                break
        else:
            return False
        producer, pdest, pstart, perror, consumed = found
        if not consumed:
            producers[source] = (producer, pdest, pstart, perror, True)
        key = (producer, pdest, service, dest)
        tally = self.pairs.get(key)
        if tally is None:
            tally = self.pairs[key] = Tally(example_trace=trace)
        tally.count += 1
        tally.errors += perror + error
        tally.latencies_ms.append((start - pstart) / 1e6)
        return True

    def finish(self) -> None:
        """Join the consumers that came before their producers; what stays alone is tallied by itself."""
        if self.finished:
            return
        self.finished = True
        for trace, _span_id, parent, links, service, dest, start, error in self.pending:
            if self.receivers.get(parent) == (service, dest):
                continue  # a process span under its receive span: the same delivery, counted once
            if self._join(trace, parent, links, service, dest, start, error):
                continue
            tally = self.consumed_only.setdefault((service, dest), Tally(example_trace=trace))
            tally.count += 1
            tally.errors += error
            if (not parent and not links) or self.local_roots.get(parent) == service:
                tally.broken += 1
                tally.broken_trace = tally.broken_trace or trace
        self.pending.clear()
        for producer, dest, _start, error, consumed in self.producers.values():
            if not consumed:
                tally = self.produced_only.setdefault((producer, dest), Tally())
                tally.count += 1
                tally.errors += error


def read(paths: Iterable[str | os.PathLike[str]], keep: bool = False) -> Observations:
    """Read every trace file; what cannot be read becomes a Problem and the rest is still read (`keep`: list every span)."""
    seen = Observations(keep=[] if keep else None)
    for path in paths:
        read_file(os.fspath(path), seen)
    seen.finish()
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
        first = handle.readline(LINE_LIMIT)
        whole_line = first.endswith(b"\n") or not handle.read(1)
        handle.seek(len(first))
        # JSON lines: the first line is a record, or is cut short and the second line starts one
        if whole_line and _record_line(first) and (_parses(first) or _record_line(handle.readline(LINE_LIMIT))):
            handle.seek(len(first))
            _read_lines(path, first, handle, seen)
            return
    try:
        if _stream_document(path, seen):
            return
    except UnicodeDecodeError as exc:
        seen.problems.append(Problem(path, 0, f"not UTF-8 text: {exc.reason}"))
        return
    with open(path, "rb") as handle:
        text = handle.read()
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


_DOCUMENT_HEAD = re.compile(r'\ufeff?\s*\{\s*"(data|resourceSpans|resource_spans)"\s*:\s*\[')
_SPACE = re.compile(r"\s*")
CHUNK = 1 << 20
LINE_LIMIT = 16 << 20  # a JSON lines record longer than this is read by the document streamer


class _Text:
    """A text file decoded a chunk at a time, with a cursor; `need` reads on until `n` characters lie ahead."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.buffer = ""
        self.pos = 0
        self.newlines = 0  # newlines in the text dropped so far (for line numbers)

    def need(self, n: int = 1) -> bool:
        while len(self.buffer) - self.pos < n:
            more = self.handle.read(max(CHUNK, len(self.buffer)))
            if not more:
                return False
            if self.pos > 0:
                self.drop()
            self.buffer += more
        return True

    def drop(self) -> None:
        """Forget the text before the cursor."""
        self.newlines += self.buffer.count("\n", 0, self.pos)
        self.buffer, self.pos = self.buffer[self.pos :], 0

    def skip_space(self) -> bool:
        while True:
            self.pos = _SPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer) or not self.need():
                return self.pos < len(self.buffer)

    def value(self, decoder: json.JSONDecoder) -> Any:
        """The JSON value at the cursor, reading on while it is incomplete; ValueError at the end of the file."""
        while True:
            try:
                item, self.pos = decoder.raw_decode(self.buffer, self.pos)
                return item
            except ValueError:
                if not self.need(len(self.buffer) - self.pos + 1):
                    raise

    def line(self) -> int:
        return self.newlines + self.buffer.count("\n", 0, self.pos) + 1


def _stream_document(path: str, seen: Observations) -> bool:
    """One JSON document whose first key is the array of traces (Jaeger `data`, OTLP `resourceSpans`), element by element.

    Only the text not yet decoded and one element's objects are in memory, not the
    whole tree. The document's other keys are skipped; records after it (a JSON lines
    file whose first line was very long) are read as JSON lines. False (nothing read)
    when the document starts otherwise: the caller then loads it whole.
    """
    with open(path, encoding="utf-8") as handle:
        text = _Text(handle)
        text.need(64)
        head = _DOCUMENT_HEAD.match(text.buffer)
        if head is None:
            return False
        key = "data" if head.group(1) == "data" else "resourceSpans"
        decoder = json.JSONDecoder()
        text.pos, index = head.end(), 0
        try:
            while True:  # the array's elements
                if not text.skip_space():
                    raise ValueError("the file ends inside the array")
                char = text.buffer[text.pos]
                if char == "]":
                    text.pos += 1
                    break
                if char == "," and index:
                    text.pos += 1
                    continue
                try:
                    item = text.value(decoder)
                except ValueError:
                    raise ValueError(f"element {index + 1} is cut short or malformed") from None
                index += 1
                _read_record(path, 0, {key: [item]}, seen)
                if text.pos > CHUNK:
                    text.drop()
            while True:  # the document's other keys, up to its end
                if not text.skip_space():
                    raise ValueError("the file ends inside the document")
                char = text.buffer[text.pos]
                if char == "}":
                    text.pos += 1
                    break
                if char != ",":
                    raise ValueError(f"unexpected {char!r}")
                text.pos += 1
                text.skip_space()
                text.value(decoder)  # the key
                text.skip_space()
                if text.buffer[text.pos : text.pos + 1] != ":":
                    raise ValueError("expected ':'")
                text.pos += 1
                text.skip_space()
                text.value(decoder)
        except ValueError as exc:
            seen.problems.append(Problem(path, 0, f"truncated or malformed JSON after {index} `{key}` elements ({exc}); those were read"))
            return True
        start = text.line()
        text.drop()
        lines = _lines(text.buffer, handle)
        next(lines, None)  # the rest of the line the document ends on
        _read_lines(path, None, lines, seen, first_number=start + 1)
    return True


def _lines(rest: str, handle: Any) -> Iterator[str]:
    pending = rest
    while True:
        more = handle.read(CHUNK)
        if not more:
            break
        pending += more
        *complete, pending = pending.split("\n")
        yield from complete
    yield from pending.split("\n")


def _parses(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:  # UnicodeDecodeError too
        return False
    return True


def _record_line(line: bytes) -> bool:
    """The file's first line is a whole record (JSON lines), or one cut short (a truncated JSON lines file)."""
    head = line.lstrip()[:200]
    if not head.startswith(b"{"):
        return False
    return any(key in head for key in (b'"resourceSpans"', b'"resource_spans"', b'"data"'))


def _read_lines(path: str, first: bytes | None, handle: Iterable[Any], seen: Observations, first_number: int = 1) -> None:
    number = first_number - 1
    typed = None
    for line in _chain(first, handle):
        number += 1
        if not line.strip():
            continue
        if path in seen.validated and line.__class__ is bytes and line[:20].lstrip().startswith(b'{"resourceSpans"'):
            # the file's first record passed protobuf's parser: decode the rest straight into structs
            if typed is None:
                msgspec, types = _otlp_types()
                typed = (msgspec.json.Decoder(types.Export, strict=False), (msgspec.ValidationError, msgspec.DecodeError))
            try:
                export = typed[0].decode(line)
            except typed[1]:
                pass  # read again below, to name the problem the same way as any other record's
            else:
                _fold_otlp(path, number, export, seen)
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


def _chain(first: bytes | None, handle: Iterable[Any]) -> Iterator[Any]:
    if first is not None:
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
        try:
            export = _otlp(record)
        except ValueError as exc:
            seen.problems.append(Problem(path, line, f"malformed OTLP JSON ({exc}); the record is skipped"))
            return
        _fold_otlp(path, line, export, seen)
        return
    if isinstance(record, dict) and isinstance(record.get("data"), list):
        origin = f"{path}:{line}" if line else path
        try:
            _jaeger_spans(record, seen, origin)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            seen.problems.append(Problem(path, line, f"malformed Jaeger JSON ({type(exc).__name__}: {exc}); the rest of the record is skipped"))
        return
    keys = ", ".join(sorted(map(str, record))[:5]) if isinstance(record, dict) else type(record).__name__
    seen.problems.append(
        Problem(path, line, f"neither OTLP JSON (`resourceSpans`) nor Jaeger JSON (`data` with `spans`); found {keys or 'an empty object'}")
    )


def _fold_otlp(path: str, line: int, export: Any, seen: Observations) -> None:
    try:
        _otlp_spans(export, seen, f"{path}:{line}" if line else path)
    except (TypeError, ValueError) as exc:
        seen.problems.append(Problem(path, line, f"malformed OTLP JSON ({type(exc).__name__}: {exc}); the rest of the record is skipped"))


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
    """An OTLP AnyValue (decoded) as a plain value: strings, booleans, numbers; arrays and maps as text."""
    if value is None:
        return None
    if value.stringValue is not None:
        return value.stringValue
    if value.intValue is not None:
        return value.intValue
    if value.boolValue is not None:
        return value.boolValue
    if value.doubleValue is not None:
        return float(value.doubleValue)
    for raw in (value.arrayValue, value.kvlistValue):
        if raw is not None:
            return json.dumps(json.loads(bytes(raw)), sort_keys=True)
    return value.bytesValue


_SNAKE = re.compile(r"_([a-z])")


def _camel(value: Any) -> Any:
    """OTLP JSON with protobuf's original field names (`resource_spans`) in the lowerCamelCase the spec requires."""
    if isinstance(value, dict):
        return {_SNAKE.sub(lambda m: m.group(1).upper(), k) if isinstance(k, str) else k: _camel(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _otlp(record: Mapping[str, Any]) -> Any:
    """A decoded JSON record as the typed OTLP export (`otlp_types.Export`); ValueError when it does not fit."""
    msgspec, types = _otlp_types()
    try:
        return msgspec.convert(_camel(record), types.Export, strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None


def _otlp_types() -> Any:
    """msgspec and eventlint's OTLP structs, imported on first use (they need the runtime extra)."""
    try:
        import msgspec

        from eventlint import otlp_types
    except ImportError as exc:
        raise MissingExtra() from exc
    return msgspec, otlp_types


def _otlp_spans(export: Any, seen: Observations, origin: str) -> None:
    """Fold every span of a typed OTLP export into `seen` (the hot loop: a million spans a run)."""
    low, high, count = seen.start_ns, seen.end_ns, 0
    roots = seen.local_roots
    fields = FIELDS
    try:
        for resource_spans in export.resourceSpans:
            service = "unknown_service"
            if resource_spans.resource is not None:
                for kv in resource_spans.resource.attributes:
                    if kv.key == SERVICE:
                        service = str(_any_value(kv.value))
            service = seen.intern(service)
            for scope_spans in resource_spans.scopeSpans or resource_spans.instrumentationLibrarySpans:
                for raw in scope_spans.spans:
                    count += 1
                    start = raw.startTimeUnixNano
                    end = raw.endTimeUnixNano
                    if start and (low is None or start < low):
                        low = start
                    if end and (high is None or end > high):
                        high = end
                    values = None
                    for kv in raw.attributes:
                        field_ = fields.get(kv.key)
                        if field_ is not None:
                            slot, rank = field_
                            if values is None:
                                values, ranks = [None] * SLOTS, [UNRANKED] * SLOTS
                            if rank < ranks[slot]:
                                ranks[slot] = rank
                                value = kv.value
                                text = None if value is None else value.stringValue
                                values[slot] = text if text is not None else _any_value(value)
                    parent = raw.parentSpanId or ""
                    span_id = raw.spanId or ""
                    if values is None or min(ranks[:ERROR]) == UNRANKED:
                        if not parent:
                            roots[span_id] = service
                        continue
                    kind = raw.kind
                    kind = KINDS.get(kind, "") if isinstance(kind, int) else KIND_NAMES.get(kind or "", "")
                    status = raw.status
                    error = status is not None and status.code in STATUS_ERROR
                    links = tuple(link.spanId or "" for link in raw.links)
                    _fold(seen, values, kind, raw.traceId or "", span_id, parent, links, service, start, end, error, origin)
    finally:
        seen.start_ns, seen.end_ns = low, high
        seen.spans += count


def _slots(attrs: Mapping[str, Any]) -> list[Any] | None:
    """The messaging attributes of a plain mapping (Jaeger tags) in slots, or None when there are none."""
    values: list[Any] | None = None
    for key, value in attrs.items():
        field_ = FIELDS.get(key)
        if field_ is not None:
            slot, rank = field_
            if values is None:
                values, ranks = [None] * SLOTS, [UNRANKED] * SLOTS
            if rank < ranks[slot]:
                ranks[slot] = rank
                values[slot] = value
    return values if values is not None and min(ranks[:ERROR]) < UNRANKED else None


def _fold(
    seen: Observations,
    values: list[Any],
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
) -> None:
    """One messaging span into `seen`: a producer kept by id, a consumer joined or kept for later."""
    system, destination, operation, routing_key, group, subscription, error_tag, status_tag = values
    operation = str(operation).lower() if operation else ""
    if kind == "producer" or operation in PRODUCING:
        role = "producer"
    elif kind == "consumer" or operation in CONSUMING:
        role = "consumer"
    else:
        return  # settle, ack, or a client span with no operation: no message moves
    if destination is None:
        destination = subscription
    if destination is None:
        seen.without_destination += 1
        return
    error = error or error_tag in (True, "true") or status_tag == "ERROR"
    key = (str(system or "").lower(), str(destination), str(routing_key or ""))
    dest = seen._dests.get(key)
    if dest is None:
        dest = seen._dests[key] = key
    seen.messaging += 1
    seen.services.add(service)
    if seen.keep is not None:
        seen.keep.append(Span(trace_id, span_id, parent, links, role, service, dest[0], dest[1], dest[2], str(group or ""), start, end, error, origin))
    if role == "producer":
        seen.producers[span_id] = (service, dest, start, error, False)
    else:
        seen.consume(trace_id, span_id, parent, links, service, dest, start, error, operation == "receive")


# -- Jaeger JSON -----------------------------------------------------------------------------


def _jaeger_spans(record: Mapping[str, Any], seen: Observations, origin: str) -> None:
    """Fold every span of a Jaeger document into `seen` (times are microseconds there)."""
    for trace in record["data"]:
        processes = trace.get("processes") or {}
        for raw in trace.get("spans") or ():
            start = int(raw.get("startTime", 0)) * 1000
            end = start + int(raw.get("duration", 0)) * 1000
            seen.spans += 1
            if start and (seen.start_ns is None or start < seen.start_ns):
                seen.start_ns = start
            if end and (seen.end_ns is None or end > seen.end_ns):
                seen.end_ns = end
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
            values = _slots(tags)
            if values is None:
                if not parent and not links:
                    seen.local_roots[span_id] = service
                continue
            _fold(seen, values, kind, str(raw.get("traceID", "")), span_id, parent, tuple(links), service, start, end, False, origin)
