"""Code against runtime: trace exports (OTLP JSON from the OpenTelemetry SDK, Jaeger JSON) beside the shop's event graph."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventlint import api, traces
from eventlint.cli import main
from eventlint.testing import write_project

from . import runtime_traffic

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "fixtures" / "shop"
JAEGER = Path(__file__).resolve().parent / "data" / "runtime" / "jaeger_shop.json"


@pytest.fixture(scope="module")
def shop_export(tmp_path_factory):
    """The planted export: the SDK's spans and the OTLP JSON lines file its file exporter wrote."""
    path = tmp_path_factory.mktemp("traces") / "shop.jsonl"
    spans = runtime_traffic.run(path)
    return path, spans


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _handler_line(found: api.ProjectFacts, channel: str) -> tuple[str, int]:
    """Where the shop's code handles `channel` (its handler's def), from the facts."""
    subscription = next(s for s in found.subscribers if s.channel == channel)
    handler = next(h for h in found.handlers if h.name == subscription.handler)
    return handler.path, handler.line


def test_the_planted_export_reports_exactly_its_three_differences(shop_export):
    path, _ = shop_export
    code, out, err = _run("runtime", str(path), str(SHOP), "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    found = {(d["code"], d["path"], d["line"]): d for d in report["diagnostics"]}
    assert sorted(c for c, _, _ in found) == ["EDA701", "EDA702", "EDA703"]

    topic, extra = runtime_traffic.PLANTED["extra_consumer"]
    runtime_only = next(d for (c, _, _), d in found.items() if c == "EDA701")
    assert f"-> OrderPlaced -> {extra} (not in the repository)" in runtime_only["message"]
    assert runtime_only["path"] == "services/orders/orders/api.py"  # where the code publishes orders.placed

    facts = api.facts([SHOP])
    omitted, consumer = runtime_traffic.PLANTED["omitted"]
    subscription = next(s for s in facts.subscribers if s.channel == omitted and s.service == consumer)
    code_only = next(d for (c, _, _), d in found.items() if c == "EDA702")
    assert (code_only["path"], code_only["line"]) == (subscription.path, subscription.line)
    assert "traces show no such message in 20" in code_only["message"]

    _, broken_consumer = runtime_traffic.PLANTED["broken"]
    queue = next(s.channel for s in facts.subscribers if s.service == broken_consumer and s.framework == "pika")
    broken = next(d for (c, _, _), d in found.items() if c == "EDA703")
    assert (broken["path"], broken["line"]) == _handler_line(facts, queue)
    assert "started a new trace" in broken["message"]

    edges = {(e["producer"], e["event"], e["consumer"]): e for e in report["runtime"]["edges"]}
    placed = edges[("orders", "OrderPlaced", "payments")]
    assert placed["messages"] == 20 and placed["in_code"] and placed["latency_ms"]["p95"] >= placed["latency_ms"]["p50"] >= 0
    assert edges[("orders", "OrderCancelled", "refunds")]["errors"] > 0  # the refund handler's declined refunds
    assert "analytics" in err  # the service outside the repository is named


def test_an_export_without_planted_differences_reports_nothing(tmp_path):
    path = tmp_path / "clean.jsonl"
    runtime_traffic.run(path, plant=False)
    code, out, err = _run("runtime", str(path), str(SHOP))
    assert code == 0, out + err
    assert "All checks passed." in out


def test_the_reader_agrees_with_the_sdk_on_every_messaging_span(shop_export):
    path, spans = shop_export
    seen = traces.read([path], keep=True)
    assert not seen.problems
    assert seen.spans == len(spans)
    assert seen.keep is not None
    read = {s.span_id: s for s in seen.keep}
    for span in spans:
        ident = f"{span.context.span_id:016x}"
        got = read[ident]
        assert got.trace_id == f"{span.context.trace_id:032x}"
        assert got.parent_id == (f"{span.parent.span_id:016x}" if span.parent else "")
        assert got.role == span.kind.name.lower()
        assert got.service == span.resource.attributes["service.name"]
        assert got.destination == span.attributes["messaging.destination.name"]
        assert got.routing_key == span.attributes.get("messaging.rabbitmq.destination.routing_key", "")
        assert (got.start_ns, got.end_ns) == (span.start_time, span.end_time)
        assert got.error == (span.status.status_code.name == "ERROR")
    assert len(read) == len(spans)


def _snake(value):
    """OTLP JSON with protobuf's original field names, as some exporters write it."""
    if isinstance(value, dict):
        return {re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k): _snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value


def test_every_spelling_of_a_record_reads_the_same(shop_export, tmp_path):
    """Records after a file's first are decoded straight into structs; other spellings take the general path.

    Both must give the same spans: original (snake_case) field names, int64 as numbers
    instead of strings, nulls for absent fields, and spaces that defeat the fast path's
    check all read like the exporter's own lines.
    """
    path, _ = shop_export
    lines = path.read_text().splitlines()
    assert len(lines) > 2  # so the typed path reads most of the file
    expected = traces.read([path], keep=True).keep

    def ints(value):  # int64 as JSON numbers; an absent field written as null
        if isinstance(value, dict):
            spelled = {k: int(v) if k.endswith("UnixNano") else ints(v) for k, v in value.items()}
            return spelled | {"traceState": None} if "spanId" in value else spelled
        return [ints(v) for v in value] if isinstance(value, list) else value

    variants = {
        "snake.jsonl": [json.dumps(_snake(json.loads(line))) for line in lines],
        "numbers_and_nulls.jsonl": [json.dumps(ints(json.loads(line))) for line in lines],
        "spaced.jsonl": ["{ " + line[1:] for line in lines],
    }
    for name, written in variants.items():
        variant = tmp_path / name
        variant.write_text("\n".join(written) + "\n")
        seen = traces.read([variant], keep=True)
        assert not seen.problems, name
        assert [(s.span_id, s.trace_id, s.parent_id, s.role, s.service, s.destination, s.start_ns, s.end_ns, s.error) for s in seen.keep] == [
            (s.span_id, s.trace_id, s.parent_id, s.role, s.service, s.destination, s.start_ns, s.end_ns, s.error) for s in expected
        ], name


def test_a_bad_record_after_the_first_is_named_and_the_others_are_read(shop_export, tmp_path):
    path, _ = shop_export
    lines = path.read_text().splitlines()
    broken = json.loads(lines[2])
    broken["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["startTimeUnixNano"] = "yesterday"
    lines[2] = json.dumps(broken, separators=(",", ":"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    seen = traces.read([bad])
    assert [str(p) for p in seen.problems] == [
        f"{bad}:3: malformed OTLP JSON (Expected `int`, got `str` - at `$.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano`); the record is skipped"
    ]
    whole = traces.read([path])
    skipped = sum(len(s["spans"]) for r in broken["resourceSpans"] for s in r["scopeSpans"])
    assert seen.spans == whole.spans - skipped


def test_protobufs_parser_refuses_what_is_not_otlp(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "01", "startTimeUnixNano": "yesterday"}]}]}]}))
    seen = traces.read([bad])
    assert len(seen.problems) == 1
    assert str(seen.problems[0]).startswith(f"{bad}:1: not OTLP JSON: ")
    assert "yesterday" in str(seen.problems[0])  # json_format's own message


def test_jaeger_json_with_older_attribute_names_links_and_errors():
    config = api.load_config([SHOP])
    result = api.lint([SHOP], config, select=["EDA7"], traces=[JAEGER])
    comparison = result.runtime
    assert comparison is not None and not comparison.problems
    edges = {(e.producer, e.event, e.consumer): e for e in comparison.edges}
    placed = edges[("orders", "OrderPlaced", "payments")]  # messaging.destination, messaging.operation (before 1.20)
    assert (placed.count, placed.errors, placed.percentile(0.5)) == (1, 1, 12.0)
    shipped = edges[("shipping", "ShipmentDispatched", "notifications")]  # a FOLLOWS_FROM link across traces
    assert (shipped.count, shipped.percentile(0.95)) == (1, 25.0)
    assert comparison.broken == []
    assert comparison.spans == 7 and comparison.messaging == 4  # an HTTP span, a settle span, a poll without destination
    assert comparison.without_destination == 1
    assert {d.code for d in result.diagnostics if d.code.startswith("EDA7")} == {"EDA702"}
    assert comparison.window == "2025-12-07T10:00:00.000Z .. 2025-12-07T10:00:00.046Z"


def test_bad_input_is_named_and_the_rest_is_read(shop_export, tmp_path):
    path, _ = shop_export
    lines = path.read_bytes().splitlines(keepends=True)
    truncated = tmp_path / "truncated.jsonl"
    truncated.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    other = tmp_path / "metrics.json"
    other.write_text(json.dumps({"resourceMetrics": []}))
    code, out, err = _run("runtime", str(truncated), str(other), str(JAEGER), str(SHOP))
    assert f"{truncated}:{len(lines)}: truncated or malformed JSON line" in err
    assert f"{other}: neither OTLP JSON" in err
    assert "Runtime edges" in out and "orders -> OrderPlaced -> payments  20 msgs" in out  # the rest was read
    assert "EDA701" in out and code == 1


# (msgspec is a core dependency since the cache's facts codec: it cannot be missing)
@pytest.mark.parametrize("module", ["google.protobuf"])
def test_a_missing_extra_is_one_line_and_exit_2(shop_export, monkeypatch, module):
    path, _ = shop_export
    monkeypatch.setitem(sys.modules, module, None)
    code, _, err = _run("runtime", str(path), str(SHOP))
    assert code == 2
    assert err.strip() == f"eventlint: error: --traces: {traces.INSTALL_HINT}"


def test_runtime_needs_a_trace_file():
    code, _, err = _run("runtime", str(SHOP))
    assert code == 2 and "trace export" in err


def test_check_traces_adds_the_runtime_findings(shop_export):
    path, _ = shop_export
    code, out, _ = _run("check", str(SHOP), "--traces", str(path), "--format", "json")
    codes = [d["code"] for d in json.loads(out)["diagnostics"]]
    assert {"EDA701", "EDA702", "EDA703"} <= set(codes)
    assert any(c.startswith("EDA1") for c in codes)  # the code's own findings are still there
    assert code == 1


def test_sarif_of_runtime(shop_export):
    path, _ = shop_export
    _, out, _ = _run("runtime", str(path), str(SHOP), "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["EDA701", "EDA702", "EDA703"]


def test_service_names_map_runtime_names_and_unknown_ones_are_errors(tmp_path):
    files = {
        "orders/app.py": 'from kafka import KafkaProducer\n\np = KafkaProducer()\n\ndef place(o):\n    p.send("orders.placed", {"id": o})\n',
        "billing/app.py": 'from kafka import KafkaConsumer\n\nfor m in KafkaConsumer("orders.placed", group_id="b"):\n    print(m.value)\n',
    }
    spans = [
        _jaeger_span("t1", "01", "p0", "producer"),
        _jaeger_span("t1", "02", "p1", "consumer", parent="01"),
    ]
    trace = {"data": [{"traceID": "t1", "spans": spans, "processes": {"p0": {"serviceName": "orders-api"}, "p1": {"serviceName": "billing"}}}]}
    (tmp_path / "t.json").write_text(json.dumps(trace))
    config = {"services": {"orders": ["orders/**"], "billing": ["billing/**"]}}
    write_project(tmp_path, files, config)
    code, out, err = _run("runtime", str(tmp_path / "t.json"), str(tmp_path))
    assert code == 1 and "orders-api (not in the repository)" in out
    write_project(tmp_path, files, {**config, "runtime": {"service-names": {"orders-api": "orders"}}})
    code, out, err = _run("runtime", str(tmp_path / "t.json"), str(tmp_path))
    assert code == 0, out + err
    write_project(tmp_path, files, {**config, "runtime": {"service-names": {"orders-api": "order"}}})
    code, out, err = _run("runtime", str(tmp_path / "t.json"), str(tmp_path))
    assert code == 2 and "runtime.service-names.orders-api: unknown service 'order'" in err


def _jaeger_span(trace: str, span: str, process: str, kind: str, parent: str | None = None) -> dict:
    return {
        "traceID": trace,
        "spanID": span,
        "references": [{"refType": "CHILD_OF", "traceID": trace, "spanID": parent}] if parent else [],
        "startTime": 1765101600000000,
        "duration": 10,
        "tags": [
            {"key": "span.kind", "type": "string", "value": kind},
            {"key": "messaging.system", "type": "string", "value": "kafka"},
            {"key": "messaging.destination.name", "type": "string", "value": "orders.placed"},
        ],
        "processID": process,
    }


def test_graph_overlay_draws_runtime_only_dashed_and_code_only_grey(shop_export):
    path, _ = shop_export
    code, dot, _ = _run("graph", str(SHOP), "--traces", str(path))
    assert code == 0

    def edge(source, target):
        return re.search(rf"{source}_\w+ -> {target}_\w+ \[([^\]]*)\]", dot).group(1)

    analytics = edge("event_OrderPlaced", "service_analytics")
    assert "style=dashed" in analytics and "20 msgs, p95" in analytics
    failed = edge("event_PaymentFailed", "service_notifications")
    assert "#b0b0b0" in failed  # the planted code-only edge
    placed = edge("event_OrderPlaced", "service_payments")
    assert "20 msgs, p95" in placed and "#b0b0b0" not in placed and "dashed" not in placed
    code, plain, _ = _run("graph", str(SHOP))
    assert "msgs" not in plain and "dashed" not in plain


def test_trace_marks_the_steps_seen_at_runtime(shop_export):
    path, _ = shop_export
    code, out, _ = _run("trace", "OrderPlaced", str(SHOP), "--traces", str(path), "--format", "json")
    assert code == 0

    def steps(event):
        for consumer in event["consumers"]:
            yield event["event"], consumer
            for caused in consumer["publishes"]:
                yield from steps(caused)

    seen = {(e, c["service"]): c["runtime_messages"] for e, c in steps(json.loads(out)["trace"])}
    assert seen[("OrderPlaced", "payments")] == 20
    assert seen[("PaymentFailed", "notifications")] == 0
    _, text, _ = _run("trace", "OrderPlaced", str(SHOP), "--traces", str(path))
    assert "(not seen at runtime)" in text and "(runtime: 20 msgs)" in text


def test_same_export_same_report(shop_export):
    path, _ = shop_export
    first = _run("runtime", str(path), str(SHOP), "--format", "json")
    again = _run("runtime", str(path), str(SHOP), "--format", "json", "--no-cache")
    assert first == again


def test_other_teams_flows_on_unknown_destinations_are_left_out(tmp_path):
    spans = [_jaeger_span("t9", "91", "p0", "producer"), _jaeger_span("t9", "92", "p1", "consumer", parent="91")]
    for span in spans:
        span["tags"][2]["value"] = "ledger.posted"
    trace = {"data": [{"traceID": "t9", "spans": spans, "processes": {"p0": {"serviceName": "ledger"}, "p1": {"serviceName": "audit"}}}]}
    (tmp_path / "foreign.json").write_text(json.dumps(trace))
    result = api.lint([SHOP], api.load_config([SHOP]), select=["EDA7"], traces=[tmp_path / "foreign.json"])
    assert result.runtime is not None and result.runtime.unrelated == 1
    assert result.runtime.edges == [] and result.runtime.unknown_services == ()
    assert not [d for d in result.diagnostics if d.code == "EDA701"]


def test_one_big_document_is_streamed_element_by_element_and_its_cut_is_named(tmp_path):
    whole = traces.read([JAEGER])
    text = JAEGER.read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"traceID": "000000000000000000000000000c0003"')])
    seen = traces.read([cut])
    assert [p.message for p in seen.problems] == [
        "truncated or malformed JSON after 2 `data` elements (element 3 is cut short or malformed); those were read"
    ]
    assert seen.spans == 4 and whole.spans == 7
    reordered = tmp_path / "reordered.json"  # `data` not first: loaded whole, same result
    document = json.loads(text)
    reordered.write_text(json.dumps({"total": 0, **document}))
    again = traces.read([reordered])
    assert (again.spans, again.messaging, sorted(again.pairs)) == (whole.spans, whole.messaging, sorted(whole.pairs))


def test_a_json_lines_file_with_a_huge_first_line_reads_the_same(shop_export, tmp_path, monkeypatch):
    path, _ = shop_export
    lines = path.read_bytes().splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(lines[:-1]) + lines[-1][:100])
    normal = traces.read([cut])
    monkeypatch.setattr(traces, "LINE_LIMIT", 100)  # every first line is "huge" now
    streamed = traces.read([cut])
    assert [str(p) for p in streamed.problems] == [str(p) for p in normal.problems]
    assert normal.problems[0].line == len(lines)
    assert (streamed.spans, streamed.messaging, streamed.pairs.keys()) == (normal.spans, normal.messaging, normal.pairs.keys())


def test_a_document_with_one_trace_a_line_is_a_document_not_json_lines(tmp_path):
    document = json.loads(JAEGER.read_text())
    path = tmp_path / "download.json"
    path.write_text('{"data": [' + ",\n".join(json.dumps(t) for t in document["data"]) + '], "total": 0}\n')
    seen = traces.read([path])
    assert not seen.problems and seen.spans == 7


@pytest.mark.parametrize(
    ("system", "matched"),
    [("kafka", "orders.placed"), ("redis", None), ("rabbitmq", None), ("", "orders.placed"), ("pulsar", None)],
)
def test_a_destination_is_matched_only_to_events_on_its_broker(tmp_path, system, matched):
    """The identity resolver decides the event, and the span's `messaging.system` its transport."""
    files = {
        "orders/app.py": 'from kafka import KafkaProducer\n\np = KafkaProducer()\n\ndef place(o):\n    p.send("orders.placed", {"id": o})\n',
        "billing/app.py": 'from kafka import KafkaConsumer\n\nfor m in KafkaConsumer("orders.placed", group_id="b"):\n    print(m.value)\n',
    }
    spans = [_jaeger_span("t1", "01", "p0", "producer"), _jaeger_span("t1", "02", "p1", "consumer", parent="01")]
    for span in spans:
        span["tags"][1]["value"] = system
    trace = {"data": [{"traceID": "t1", "spans": spans, "processes": {"p0": {"serviceName": "orders"}, "p1": {"serviceName": "billing"}}}]}
    (tmp_path / "t.json").write_text(json.dumps(trace))
    write_project(tmp_path, files, {"services": {"orders": ["orders/**"], "billing": ["billing/**"]}})
    result = api.lint([tmp_path], api.load_config([tmp_path]), select=["EDA7"], traces=[tmp_path / "t.json"])
    assert result.runtime is not None
    resolved = [(e.producer, e.event, e.consumer) for e in result.runtime.edges if e.resolved]
    assert resolved == ([("orders", matched, "billing")] if matched else [])
