"""Diagrams and traces: rendered for real through Graphviz's `dot`, filtered, and byte-identical across runs."""

import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from eventlint import api, diagram
from eventlint.cli import main
from tests.helpers import fixture, line_of

SHOP = fixture("shop")
SERVICES = ["inventory", "notifications", "orders", "payments", "refunds", "shipping"]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (.ci/run installs it)")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@needs_dot
def test_svg_is_rendered_by_dot_parses_and_names_every_service(tmp_path):
    out = tmp_path / "shop.svg"
    result = run("graph", SHOP, "--format", "svg", "-o", out)
    assert result.exit_code == 0, result.output
    root = ET.fromstring(out.read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    for service in SERVICES:
        assert service in texts
    # clusters per bounded context, events as nodes
    assert {"ordering", "payments", "fulfilment", "communication", "OrderPlaced", "ShipmentDispatched"} <= texts


@needs_dot
def test_png_is_rendered_by_dot(tmp_path):
    out = tmp_path / "shop.png"
    result = run("graph", SHOP, "--format", "png", "-o", out)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000


@needs_dot
def test_html_is_one_self_contained_page(tmp_path):
    out = tmp_path / "shop.html"
    assert run("graph", SHOP, "--format", "html", "-o", out).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "src=" not in page and "<link" not in page and "url(" not in page and "@import" not in page  # nothing fetched from elsewhere
    assert all(href.startswith(("https://github.com/eventlint/eventlint/blob/main/docs/rules/", "file://", "#"))
               for href in re.findall(r'href="([^"]*)"', page))  # links only: a rule's page, a file
    assert "Findings per service" in page and "EDA606" in page and "instability" in page
    assert "longest causal chain: 4 events (OrderPlaced → PaymentCompleted → InventoryReserved → ShipmentDispatched)" in page


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "json", pytest.param("svg", marks=needs_dot), pytest.param("html", marks=needs_dot), pytest.param("png", marks=needs_dot)])
def test_output_is_byte_identical_across_runs(tmp_path, fmt):
    first, second = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    assert run("graph", SHOP, "--format", fmt, "-o", first).exit_code == 0
    assert run("graph", SHOP, "--format", fmt, "-o", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_dot_clusters_contexts_labels_edges_by_framework_and_colours_findings():
    result = api.lint([SHOP])
    dot = diagram.to_dot(diagram.build_view(result.graph, result.diagnostics), "shop")
    assert dot.count("subgraph cluster_") == 4
    cluster = dot[dot.index("subgraph cluster_payments") :]
    cluster = cluster[: cluster.index("}")]
    assert "payments" in cluster and "refunds" in cluster and "shipping" not in cluster
    # refunds, the clean twin, is drawn plain; payments carries its findings
    refunds_line = next(line for line in dot.splitlines() if "label=refunds" in line)
    assert "#f8d7da" not in refunds_line
    assert re.search(r'label="payments\n\d+ findings" color="#c0392b" fillcolor="#f8d7da"', dot)
    assert 'label=pika' in dot and 'label=faust' in dot and 'label="confluent-kafka"' in dot
    # the subscription that closes the cycle is drawn in the colour of its findings
    capture = next(line for line in dot.splitlines() if "InventoryReserved" in line and "->" in line and "payments" in line)
    assert "EDA602" in capture and "#c0392b" in capture


def test_filters_and_levels():
    result = api.lint([SHOP])
    graph = result.graph
    by_event = diagram.build_view(graph, (), events=["OrderCancelled"])
    assert {n.name for n in by_event.nodes if n.kind == "service"} == {"orders", "shipping", "inventory", "notifications", "refunds"}
    assert {n.name for n in by_event.nodes if n.kind == "event"} == {"OrderCancelled"}
    by_channel = diagram.build_view(graph, (), events=["orders.cancelled"])
    assert by_channel.nodes == by_event.nodes
    shipping = diagram.build_view(graph, (), services=["shipping"], depth=0)
    assert {n.name for n in shipping.nodes} == {"shipping", "InventoryReserved", "ShipmentDispatched", "OrderCancelled"}
    neighbours = diagram.build_view(graph, (), services=["shipping"])
    assert {n.name for n in neighbours.nodes if n.kind == "service"} == {"shipping", "inventory", "notifications", "refunds"}
    payments = diagram.build_view(graph, (), contexts=["payments"])
    assert {n.name for n in payments.nodes if n.kind == "service"} == {"payments", "refunds"}
    contexts = diagram.build_view(graph, (), level="context")
    assert {(e.source, e.target) for e in contexts.edges} >= {("context:ordering", "context:payments"), ("context:fulfilment", "service:shipping")}
    services = diagram.build_view(graph, (), level="service")
    assert ("service:inventory", "service:payments", "InventoryReserved") in {(e.source, e.target, e.label) for e in services.edges}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--context", "billing"], "--context: no bounded context 'billing'; expected one of: communication, fulfilment, ordering, payments"),
        (["--event", "OrderPlace"], "--event: no event or channel 'OrderPlace'; did you mean OrderPlaced"),
        (["--service", "ledger"], "--service: no service 'ledger'; expected one of: inventory, notifications"),
    ],
)
def test_unknown_filter_values_are_usage_errors(args, message):
    result = CliRunner().invoke(main, ["graph", str(SHOP), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_without_dot_the_message_names_the_install_command_and_the_dot_text_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "flow.svg"
    result = CliRunner().invoke(main, ["graph", str(SHOP), "--format", "svg", "-o", str(out)])
    assert result.exit_code == 2
    assert "apt-get install graphviz" in result.output and "brew install graphviz" in result.output
    assert str(tmp_path / "flow.dot") in result.output
    assert (tmp_path / "flow.dot").read_text(encoding="utf-8").startswith("digraph shop {")
    assert not out.exists()


def test_mermaid_is_a_flowchart_with_a_subgraph_per_context():
    result = run("graph", SHOP, "--format", "mermaid")
    lines = result.output.splitlines()
    assert lines[0] == "flowchart LR"
    assert sum(1 for line in lines if line.strip().startswith("subgraph ")) == 4
    assert any('(["OrderPlaced"])' in line for line in lines)
    assert any('-->|"pika"|' in line for line in lines)


def test_json_graph_carries_metrics_and_summary():
    document = json.loads(run("graph", SHOP, "--format", "json").output)
    assert document["summary"]["cycles"] == [["inventory", "payments", "inventory"]]
    assert document["summary"]["coupled_pairs"] == 9 and document["summary"]["coupled_share"] == 0.6
    notifications = document["metrics"]["services"]["notifications"]
    assert (notifications["fan_in"], notifications["afferent"], notifications["efferent"], notifications["instability"]) == (4, 0, 3, 1.0)
    assert document["metrics"]["contexts"]["ordering"]["instability"] == 0.0


# -- trace -----------------------------------------------------------------------------------


def test_trace_order_placed_follows_the_chain_to_the_last_event(monkeypatch):
    monkeypatch.chdir(SHOP)
    result = CliRunner().invoke(main, ["trace", "OrderPlaced"])
    assert result.exit_code == 0, result.output
    text = result.output
    chain = [
        "OrderPlaced on orders.placed",
        "  published by orders in orders.api.place_order  services/orders/orders/api.py:",
        "  → payments: payments.handlers.handle_order_placed  [confluent-kafka]  services/payments/payments/worker.py:",
        "publishes PaymentCompleted on payments.completed  services/payments/payments/handlers.py:",
        "→ inventory: inventory.agents.reserve_stock  [faust]  services/inventory/inventory/agents.py:",
        "publishes InventoryReserved on inventory.reserved  services/inventory/inventory/agents.py:",
        "→ shipping: shipping.consumer.create_shipment  [aiokafka]  services/shipping/shipping/consumer.py:",
        "publishes ShipmentDispatched on shipping/shipment.dispatched  services/shipping/shipping/dispatch.py:",
        "→ notifications: notifications.shipments.on_shipment  [pika]  services/notifications/notifications/shipments.py:",
    ]
    position = 0
    for step in chain:
        position = text.index(step, position)
    # the last handler swallows its exceptions: the chain breaks silently there
    after = text[position:].splitlines()[1]
    swallowed = line_of(SHOP / "services/notifications/notifications/shipments.py", "except Exception:")
    assert after.strip().startswith("! can break silently:")
    assert f"EDA502 swallowed-exception at services/notifications/notifications/shipments.py:{swallowed}" in after
    assert text.rstrip().endswith("6 steps where the chain can break silently.")


def test_trace_leaves_the_clean_twin_unmarked():
    text = run("trace", "OrderCancelled", SHOP).output
    assert "  published by orders in orders.api.cancel_order" in text and "  published by shipping in shipping.returns.on_parcel_returned" in text
    after_refunds = text[text.index("→ refunds: refunds.handlers.handle_order_cancelled") :].splitlines()[1]
    assert after_refunds.strip().startswith("publishes orders.cancelled.dlq")


def test_trace_json_and_mermaid():
    document = json.loads(run("trace", "orders.placed", SHOP, "--format", "json").output)
    root = document["trace"]
    assert root["event"] == "OrderPlaced"
    [payments] = root["consumers"]
    assert payments["breaks_silently"] is True
    assert {f["code"] for f in payments["findings"]} >= {"EDA501", "EDA103"}
    completed = next(e for e in payments["publishes"] if e["event"] == "PaymentCompleted")
    assert completed["published"][0]["path"] == "services/payments/payments/handlers.py"
    mermaid = run("trace", "OrderPlaced", SHOP, "--format", "mermaid").output
    assert mermaid.startswith("flowchart LR\n") and "classDef breaks" in mermaid and '(["ShipmentDispatched"])' in mermaid


def test_trace_of_an_unknown_event_is_a_usage_error():
    result = CliRunner().invoke(main, ["trace", "OrderPlace", str(SHOP)])
    assert result.exit_code == 2
    assert "no event or channel named 'OrderPlace'; did you mean OrderPlaced" in result.output


# -- check -----------------------------------------------------------------------------------


def test_check_statistics_and_json_carry_the_coupling_summary():
    text = run("check", SHOP, "--statistics", "--no-color").output
    assert "Coupling: 6 services, 10 events, 11 service dependencies, density 0.37, 9 coupled pairs (60%)" in text
    assert "  cycles: inventory → payments → inventory" in text
    document = json.loads(run("check", SHOP, "--format", "json").output)
    assert document["coupling"]["largest_component"] == ["inventory", "payments", "shipping"]
    assert document["coupling"]["longest_chain"] == ["OrderPlaced", "PaymentCompleted", "InventoryReserved", "ShipmentDispatched"]


def test_large_views_bound_the_layout_and_place_edge_labels_after_it():
    nodes = tuple(diagram.Node(id=f"service:s{i}", name=f"s{i}", kind="service") for i in range(30))
    edges = tuple(diagram.Edge(f"service:s{i % 30}", f"service:s{(i * 7 + 1) % 30}", "kafka", "depends") for i in range(diagram.LARGE_VIEW_EDGES + 1))
    large = diagram.to_dot(diagram.View("service", nodes, edges), "big")
    assert "mclimit=0.1" in large and "nslimit=1" in large and "xlabel=kafka" in large and " label=kafka" not in large
    small = diagram.to_dot(diagram.View("service", nodes, edges[:10]), "small")
    assert "mclimit" not in small and "label=kafka" in small and "xlabel" not in small


def test_trace_of_a_channel_carrying_several_events_asks_for_one(tmp_path):
    from tests.helpers import write_project

    root = write_project(
        tmp_path,
        {
            "services/orders/orders/app.py": """
                import boto3

                events = boto3.client("events")

                def place(order):
                    events.put_events(Entries=[{"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": "{}"}])

                def cancel(order):
                    events.put_events(Entries=[{"Source": "shop.orders", "DetailType": "OrderCancelled", "Detail": "{}"}])
                """
        },
        {"exclude": []},
    )
    result = CliRunner().invoke(main, ["trace", "shop.orders", str(root)])
    assert result.exit_code == 2
    assert "channel 'shop.orders' carries several events (OrderCancelled, OrderPlaced); name one" in result.output
    assert CliRunner().invoke(main, ["trace", "OrderPlaced", str(root)]).exit_code == 0
