"""Flow rules (EDA1xx) show an unresolved channel as every rule message does (`handler_queries.shown_channel`:
the expression in backticks, never bare), and EDA101's orphan publications, which EDA102 also asks for, are
found once per run."""

from __future__ import annotations

from eventlint import api
from eventlint.config import load_config
from eventlint.rules import flow as flow_rules
from eventlint.rules.flow import describe, related_sites
from tests.helpers import facts_of, write_project

PUBLISHER_AND_UNRESOLVED_CONSUMER = {
    "orders/publish.py": """
        from kafka import KafkaProducer

        producer = KafkaProducer(bootstrap_servers="kafka:9092")

        def place(order):
            producer.send("orders.placed", b"placed")
    """,
    "billing/consume.py": """
        import os

        from kafka import KafkaConsumer

        from billing.ledger import record

        def run():
            for message in KafkaConsumer(os.environ["ORDERS_TOPIC"], group_id="billing"):
                record(message.value)
    """,
    "billing/ledger.py": """
        def record(value):
            return value
    """,
}

# one fanout exchange nobody binds, a queue named like it: EDA101 reports the publication, and EDA102 asks for
# the orphans to leave that consumer to EDA101's finding
UNBOUND_FANOUT = {
    "app.py": """
        import json
        import pika

        channel = pika.BlockingConnection().channel()
        channel.exchange_declare(exchange="orders", exchange_type="fanout")

        def publish_order(order):
            channel.basic_publish(exchange="orders", routing_key="created_order", body=json.dumps(order))

        def on_order(ch, method, properties, body):
            print(body)

        channel.basic_consume(queue="orders", on_message_callback=on_order, auto_ack=False)
        channel.basic_consume(queue="payments", on_message_callback=on_order, auto_ack=False)
    """,
}


def test_describe_shows_an_unresolved_channel_in_backticks():
    assert describe(None, None, "topic_for(order)") == "to `topic_for(order)`"
    assert describe(None, None) == "to an unresolved channel"
    assert describe("OrderPlaced", "orders", "x") == "OrderPlaced on orders"


def test_related_unresolved_consumers_show_their_expression_in_backticks(tmp_path):
    config = {"rules": {"options": {"EDA101": {"unresolved-candidates": "info"}}}}
    root = write_project(tmp_path, PUBLISHER_AND_UNRESOLVED_CONSUMER, config)
    result = api.lint([root], load_config([root]), select=["EDA101"])
    [finding] = result.diagnostics
    assert finding.severity == "info"
    [related] = finding.related
    assert related.path == "billing/consume.py"
    assert related.message.endswith("(`os.environ['ORDERS_TOPIC']`)"), related.message
    # and as the helper shows any record: the expression, never bare
    [subscription] = [s for s in facts_of(root).subscribers if s.channel is None]
    [shown] = related_sites([subscription], "consumes")
    assert shown.message == f"consumes (`{subscription.channel_expr}`)"


def test_eda101_and_eda102_find_the_orphans_once_per_run(tmp_path, monkeypatch):
    root = write_project(tmp_path, UNBOUND_FANOUT)
    config = load_config([root])
    separately = sorted(
        (d.code, d.path, d.line, d.message)
        for code in ("EDA101", "EDA102")
        for d in api.lint([root], config, select=[code]).diagnostics
    )
    calls = []
    find = flow_rules._find_orphans

    def counting(*args, **kwargs):
        calls.append(args[2])
        return find(*args, **kwargs)

    monkeypatch.setattr(flow_rules, "_find_orphans", counting)
    together = sorted((d.code, d.path, d.line, d.message) for d in api.lint([root], config, select=["EDA101", "EDA102"]).diagnostics)
    assert together == separately
    assert any(code == "EDA101" for code, *_ in together)
    assert len(calls) == 1  # EDA102 read EDA101's answer, kept on the run's flow
    # another list of example folders is another question: found again
    rules = {"rules": {"options": {"EDA102": {"example-folders": ["nothing-here"]}}}}
    other = write_project(tmp_path / "other", UNBOUND_FANOUT, rules)
    calls.clear()
    api.lint([other], load_config([other]), select=["EDA101", "EDA102"])
    assert len(calls) == 2
