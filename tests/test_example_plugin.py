"""The example plugin (examples/eventlint-acme) installed into a fresh virtualenv next to eventlint: its rule and
its bus pack come in through the entry points, a team policy in YAML sits beside it, and `eventlint check` reports
both with the team's codes in text and SARIF; the plugin's own tests pass with eventlint.testing (slow, run in CI)."""

import json
import os
import subprocess
import textwrap
import venv

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.slow

PLUGIN = REPO / "examples" / "eventlint-acme"

FILES = {
    # billing publishes with a raw Kafka producer: ACME101 (the plugin's rule)
    "services/billing/billing/invoices.py": """
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": "kafka:9092"})

        def settle(invoice):
            producer.produce("billing.invoice-settled", key=invoice.id, value=invoice.to_json())
    """,
    # marketing publishes through the ACME bus (found by the plugin's framework pack)
    "services/marketing/marketing/coupons.py": """
        from acme_platform.bus import EventBus

        bus = EventBus(service="marketing")

        def issue(coupon):
            bus.emit("marketing.coupon-issued", {"coupon_id": coupon.id, "percent": coupon.percent}, key=coupon.id)
    """,
    # payments consumes a marketing event through the ACME bus: ACME001 (the team's YAML policy)
    "services/payments/payments/discounts.py": """
        from acme_platform.bus import EventBus

        bus = EventBus(service="payments")

        @bus.handler("marketing.coupon-issued", group="payments")
        def apply_coupon(event):
            print(event["coupon_id"])
    """,
    "eventlint.yaml": """
        services:
          billing: [services/billing/**]
          marketing: [services/marketing/**]
          payments: [services/payments/**]
        contexts:
          growth: {services: [marketing]}
          money: {services: [billing, payments]}
        policies: [policies/acme.yaml]
        rules:
          select: [ACME]
    """,
    "policies/acme.yaml": """
        policies:
          - id: ACME001
            name: payments-consumes-marketing
            summary: Payments never consumes marketing events.
            message: "{service} consumes {event}, an event of {event_context}"
            forbid-edge:
              consumer: {service: payments}
              event: {context: growth}
    """,
}


def _run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)


def test_example_plugin_and_team_policy_are_reported_with_team_codes(tmp_path):
    venv.EnvBuilder(with_pip=True, clear=True).create(tmp_path / "venv")
    bin_dir = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin")
    install = _run([bin_dir / "python", "-m", "pip", "install", "-q", str(REPO), str(PLUGIN), "pytest"])
    assert install.returncode == 0, install.stderr

    tests = _run([bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", str(PLUGIN / "tests")], cwd=tmp_path)
    assert tests.returncode == 0, tests.stdout + tests.stderr

    listing = _run([bin_dir / "eventlint", "rules"], cwd=tmp_path)
    row = next(line for line in listing.stdout.splitlines() if line.startswith("ACME101"))
    assert "raw-broker-publish" in row and "eventlint-acme 0.1.0" in row
    # the built-in policies ship in the wheel
    assert any(line.startswith("EDA691 ") and "internal-event-consumed-elsewhere" in line for line in listing.stdout.splitlines())

    project = tmp_path / "project"
    for rel, text in FILES.items():
        target = project / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"))

    text = _run([bin_dir / "eventlint", "check", str(project), "--no-color"], cwd=tmp_path)
    assert text.returncode == 1, text.stdout + text.stderr
    assert (
        "services/billing/billing/invoices.py:6:5: ACME101 billing publishes billing.invoice-settled with confluent-kafka"
        " directly, not through the ACME platform bus"
    ) in text.stdout
    assert "services/payments/payments/discounts.py:5:1: ACME001 payments consumes marketing.coupon-issued, an event of growth" in text.stdout

    sarif = _run([bin_dir / "eventlint", "check", str(project), "--format", "sarif"], cwd=tmp_path)
    assert sarif.returncode == 1
    run = json.loads(sarif.stdout)["runs"][0]
    results = sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"])
    # outside a git repository, machine formats name paths from where the run stands (tmp_path)
    assert results == [
        ("ACME001", "project/services/payments/payments/discounts.py"),
        ("ACME101", "project/services/billing/billing/invoices.py"),
    ]
    assert sorted(r["id"] for r in run["tool"]["driver"]["rules"]) == ["ACME001", "ACME101"]
