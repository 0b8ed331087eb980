"""EDA501 where no consumer of the project has a dead-letter path: one root cause (dead-lettering not adopted),
reported once at the first service's first consumer with every other service's first consumer related
(`when_no_dead_letters: once`, the default); where some consumer has one, each service lacking it is its own
finding, as with `each`; `quiet` reports only that inconsistency."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from click.testing import CliRunner

from eventlint import api
from eventlint.config import load_config
from eventlint.cli import main
from tests.helpers import line_of, write_project

BILLING = """
    import json

    import pika
    import stripe

    def on_refund(channel, method, properties, body):
        refund = json.loads(body)
        stripe.Refund.create(payment_intent=refund["payment_intent"])
        channel.basic_ack(delivery_tag=method.delivery_tag)

    channel = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq")).channel()
    channel.queue_declare(queue="billing.refund", durable=True{arguments})
    channel.basic_consume(queue="billing.refund", on_message_callback=on_refund)
    channel.start_consuming()
"""
DEAD_LETTERED = ', arguments={"x-dead-letter-exchange": "billing.dlx"}'
SHIPPING = """
    import pika
    import requests

    def on_order(channel, method, properties, body):
        requests.post("https://carrier.internal/labels", data=body, timeout=5)
        channel.basic_ack(delivery_tag=method.delivery_tag)

    def on_cancel(channel, method, properties, body):
        requests.delete("https://carrier.internal/labels", data=body, timeout=5)
        channel.basic_ack(delivery_tag=method.delivery_tag)

    channel = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq")).channel()
    channel.queue_declare(queue="shipping.orders", durable=True)
    channel.queue_declare(queue="shipping.cancellations", durable=True)
    channel.basic_consume(queue="shipping.orders", on_message_callback=on_order)
    channel.basic_consume(queue="shipping.cancellations", on_message_callback=on_cancel)
    channel.start_consuming()
"""


def eda501(tmp_path: Path, billing_arguments: str = "", options: dict | None = None) -> tuple[Path, list]:
    files = {
        "billing/Dockerfile": "FROM python:3.12\n",
        "billing/worker.py": BILLING.replace("{arguments}", billing_arguments),
        "shipping/Dockerfile": "FROM python:3.12\n",
        "shipping/worker.py": SHIPPING,
    }
    root = write_project(tmp_path, files, {"exclude": []})
    config = load_config([root])
    if options:
        config = dataclasses.replace(config, raw={**config.raw, "rules": {"options": {"EDA501": options}}})
    return root, [d for d in api.lint([root], config, select=["EDA501"]).diagnostics if d.code == "EDA501"]


def test_no_dead_letter_path_anywhere_is_one_finding_with_the_other_services_related(tmp_path):
    root, found = eda501(tmp_path)
    (finding,) = found
    billing, shipping = root / "billing/worker.py", root / "shipping/worker.py"
    assert (finding.path, finding.line) == ("billing/worker.py", line_of(billing, "basic_consume("))
    assert finding.message.startswith("no consumer of the project has a dead-letter path (dead-lettering is not adopted): 3 subscriptions in 2 services")
    assert "worker.on_refund consumes billing.refund (pika) here" in finding.message
    assert [(r.path, r.line) for r in finding.related] == [("shipping/worker.py", line_of(shipping, "basic_consume(", 1))]
    assert finding.related[0].message == (
        "worker.on_order consumes shipping.orders (pika) with no dead-letter path either (and 1 other subscription of service shipping)"
    )
    assert "when_no_dead_letters: quiet" in finding.hint
    # the JSON and SARIF reports carry the other service as a related location
    out = CliRunner().invoke(main, ["check", str(root), "--select", "EDA501", "--format", "json"]).output
    [reported] = json.loads(out)["diagnostics"]
    assert [r["path"] for r in reported["related"]] == ["shipping/worker.py"]
    out = CliRunner().invoke(main, ["check", str(root), "--select", "EDA501", "--format", "sarif"]).output
    [result] = json.loads(out)["runs"][0]["results"]
    assert [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in result["relatedLocations"]] == ["shipping/worker.py"]


def test_each_reports_every_service_as_before(tmp_path):
    root, found = eda501(tmp_path, options={"when_no_dead_letters": "each"})
    assert sorted((d.path, d.line) for d in found) == [
        ("billing/worker.py", line_of(root / "billing/worker.py", "basic_consume(")),
        ("shipping/worker.py", line_of(root / "shipping/worker.py", "basic_consume(", 1)),
    ]


def test_quiet_reports_nothing_where_dead_lettering_is_not_adopted(tmp_path):
    assert eda501(tmp_path, options={"when_no_dead_letters": "quiet"})[1] == []


def test_a_service_without_the_path_others_have_is_its_own_finding(tmp_path):
    # billing's queue has a dead-letter exchange, shipping's two do not: an inconsistency, reported per service
    for mode in ("once", "quiet", "each"):
        root, found = eda501(tmp_path / mode, DEAD_LETTERED, {"when_no_dead_letters": mode})
        (finding,) = found
        shipping = root / "shipping/worker.py"
        assert (finding.path, finding.line) == ("shipping/worker.py", line_of(shipping, "basic_consume(", 1))
        assert finding.message.startswith("worker.on_order consumes shipping.orders (pika) with no dead-letter path:")
        assert [(r.path, r.line) for r in finding.related] == [("shipping/worker.py", line_of(shipping, "basic_consume(", 2))]


def test_the_default_exchange_as_dead_letter_exchange_counts_as_adopted(tmp_path):
    # `x-dead-letter-exchange: ""` (the default exchange, amq.default) is a dead-letter path too
    arguments = ', arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "billing.refund.failed"}'
    _, found = eda501(tmp_path, arguments)
    assert [d.path for d in found] == ["shipping/worker.py"]
