"""Write a large OTLP JSON lines trace export (or one Jaeger JSON document) for measuring `eventlint runtime`.

    python benchmarks/generate_traces.py /tmp/spans.jsonl --spans 1000000
    /usr/bin/time -v eventlint runtime /tmp/spans.jsonl fixtures/shop > /dev/null

The traffic follows fixtures/shop's topics: each message is a producer span and one
consumer span per consumer, every tenth trace starts at an HTTP server span, one
consumer in fifty starts its own trace (lost context). Batches of 500 spans per
line, as the Collector's file exporter writes them. Deterministic (seeded).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

FLOWS = [
    ("orders", "orders.placed", ["payments"]),
    ("payments", "payments.completed", ["inventory"]),
    ("inventory", "inventory.reserved", ["payments", "shipping"]),
    ("orders", "orders.cancelled", ["inventory", "notifications", "refunds"]),
    ("payments", "payments.failed", ["notifications"]),
]
BATCH = 500
START = 1_765_101_600_000_000_000


def _attr(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _span(rng: random.Random, trace: str, span: str, parent: str, name: str, kind: int, start: int, attrs: list[dict]) -> dict:
    return {
        "traceId": trace,
        "spanId": span,
        "parentSpanId": parent,
        "flags": 256,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(start + rng.randrange(100_000, 5_000_000)),
        "attributes": attrs,
        "status": {"code": 2} if rng.random() < 0.01 else {},
    }


def generate(total: int, rng: random.Random):
    """(service, span) pairs until `total` spans."""
    made = 0
    clock = START
    while made < total:
        producer, topic, consumers = FLOWS[rng.randrange(len(FLOWS))]
        trace = f"{rng.getrandbits(128):032x}"
        clock += rng.randrange(10_000, 2_000_000)
        parent = ""
        if rng.random() < 0.1:
            parent = f"{rng.getrandbits(64):016x}"
            yield producer, _span(rng, trace, parent, "", "POST /orders", 2, clock, [_attr("http.request.method", "POST")])
            made += 1
        span = f"{rng.getrandbits(64):016x}"
        messaging = [_attr("messaging.system", "kafka"), _attr("messaging.destination.name", topic), _attr("messaging.operation.type", "send")]
        yield producer, _span(rng, trace, span, parent, f"send {topic}", 4, clock + 1000, messaging)
        made += 1
        for consumer in consumers:
            lost = rng.random() < 0.02
            consumed = [
                _attr("messaging.system", "kafka"),
                _attr("messaging.destination.name", topic),
                _attr("messaging.operation.type", "process"),
                _attr("messaging.consumer.group.name", consumer),
            ]
            own_trace = f"{rng.getrandbits(128):032x}" if lost else trace
            yield consumer, _span(rng, own_trace, f"{rng.getrandbits(64):016x}", "" if lost else span, f"process {topic}", 5, clock + rng.randrange(200_000, 40_000_000), consumed)
            made += 1


def write_otlp(path: Path, total: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        batch: dict[str, list[dict]] = {}
        size = 0
        for service, span in generate(total, rng):
            batch.setdefault(service, []).append(span)
            size += 1
            if size == BATCH:
                out.write(json.dumps(_request(batch), separators=(",", ":")) + "\n")
                batch, size = {}, 0
        if batch:
            out.write(json.dumps(_request(batch), separators=(",", ":")) + "\n")


def _request(batch: dict[str, list[dict]]) -> dict:
    return {
        "resourceSpans": [
            {"resource": {"attributes": [_attr("service.name", service)]}, "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}]}
            for service, spans in sorted(batch.items())
        ]
    }


def write_jaeger(path: Path, total: int, seed: int) -> None:
    """One document `{"data": [...]}` (what Jaeger's UI downloads), written trace by trace."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"data": [')
        first = True
        for trace in _jaeger_traces(generate(total, rng)):
            out.write(("" if first else ",\n") + json.dumps(trace, separators=(",", ":")))
            first = False
        out.write('], "total": 0, "limit": 0, "offset": 0, "errors": null}\n')


def _jaeger_traces(spans):
    """Jaeger traces from consecutive spans of one trace (the generator makes each trace's spans together)."""
    trace = None
    for service, span in spans:
        if trace is not None and trace["traceID"] != span["traceId"]:
            yield trace
            trace = None
        if trace is None:
            trace = {"traceID": span["traceId"], "spans": [], "processes": {}}
        trace["processes"][service] = {"serviceName": service, "tags": []}
        refs = [{"refType": "CHILD_OF", "traceID": span["traceId"], "spanID": span["parentSpanId"]}] if span["parentSpanId"] else []
        tags = [{"key": a["key"], "type": "string", "value": a["value"]["stringValue"]} for a in span["attributes"]]
        tags.append({"key": "span.kind", "type": "string", "value": {2: "server", 4: "producer", 5: "consumer"}[span["kind"]]})
        start = int(span["startTimeUnixNano"]) // 1000
        trace["spans"].append(
            {"traceID": span["traceId"], "spanID": span["spanId"], "operationName": span["name"], "references": refs, "startTime": start,
             "duration": (int(span["endTimeUnixNano"]) // 1000) - start, "tags": tags, "processID": service}
        )
    if trace is not None:
        yield trace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["otlp", "jaeger"], default="otlp")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    (write_otlp if args.format == "otlp" else write_jaeger)(args.output, args.spans, args.seed)


if __name__ == "__main__":
    main()
