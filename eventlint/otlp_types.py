"""The parts of an OTLP JSON trace export that eventlint reads, as msgspec structs.

msgspec decodes a JSON lines record straight into these, skipping every field not
named here, which is most of a span's bytes; that is three times faster than
`json.loads` into dicts, and the hot loop reads attributes instead of dict lookups.
Field names are OTLP JSON's lowerCamelCase (the spec's required form); records
written with protobuf's original names are renamed first (`traces._camel`).
int64 values may be JSON numbers or strings (protobuf's JSON mapping allows both:
decoders run with `strict=False`, which reads a numeric string as the int), and enums
numbers or names. Needs the `runtime` extra.
"""

from __future__ import annotations

from msgspec import Raw, Struct


class AnyValue(Struct, gc=False):
    stringValue: str | None = None
    intValue: int | None = None
    boolValue: bool | None = None
    doubleValue: float | str | None = None  # NaN and the infinities are strings
    arrayValue: Raw | None = None
    kvlistValue: Raw | None = None
    bytesValue: str | None = None


class KeyValue(Struct, gc=False):
    key: str = ""
    value: AnyValue | None = None


class Link(Struct, gc=False):
    spanId: str | None = ""


class Status(Struct, gc=False):
    code: int | str | None = None


class Span(Struct, gc=False):
    traceId: str | None = ""
    spanId: str | None = ""
    parentSpanId: str | None = ""
    kind: int | str | None = 0
    startTimeUnixNano: int = 0
    endTimeUnixNano: int = 0
    attributes: list[KeyValue] = []
    links: list[Link] = []
    status: Status | None = None


class ScopeSpans(Struct, gc=False):
    spans: list[Span] = []


class Resource(Struct, gc=False):
    attributes: list[KeyValue] = []


class ResourceSpans(Struct, gc=False):
    resource: Resource | None = None
    scopeSpans: list[ScopeSpans] = []
    instrumentationLibrarySpans: list[ScopeSpans] = []  # OTLP before 0.15


class Export(Struct, gc=False):
    resourceSpans: list[ResourceSpans] = []
