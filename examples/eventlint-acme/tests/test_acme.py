"""ACME's rules and bus pack, tested with eventlint's testing kit."""

from pathlib import Path

import pytest

from eventlint import api
from eventlint.testing import Expect, assert_findings, example_cases, lint_files

from eventlint_acme import FRAMEWORKS
from eventlint_acme.rules import RULES, RawBrokerPublish


@pytest.mark.parametrize("case", example_cases(RULES), ids=str)
def test_examples(case):
    case.check()


def test_the_bus_pack_finds_emits_and_handlers(tmp_path):
    (tmp_path / "app.py").write_text(
        "from acme_platform.bus import EventBus\n"
        "bus = EventBus(service='billing')\n"
        "def settle(invoice):\n"
        "    bus.emit('billing.invoice-settled', {'invoice_id': invoice.id}, key=invoice.id)\n"
        "@bus.handler('orders.placed', group='billing')\n"
        "def on_order(event):\n"
        "    settle(event)\n"
    )
    (tmp_path / "eventlint.yaml").write_text(f"frameworks: [{Path(FRAMEWORKS[0]).as_posix()}]\nservices: {{billing: ['**']}}\n")
    facts = api.facts([tmp_path])
    assert [(p.channel, p.framework, p.line) for p in facts.publishers] == [("billing.invoice-settled", "acme-bus", 4)]
    assert [(s.channel, s.group, s.handler) for s in facts.subscribers] == [("orders.placed", "billing", "app.on_order")]


def test_exempt_services_publish_directly():
    source = "import pika\npika.BlockingConnection().channel().basic_publish(exchange='', routing_key='relay', body=b'')\n"
    config = {"services": {"platform-relay": ["**"]}}
    assert lint_files(RawBrokerPublish, source, config=config) == []
    found = lint_files(RawBrokerPublish, source, config=config, options={"exempt_services": []})
    assert_findings(found, [Expect("ACME101", line=2, message="platform-relay publishes relay with pika directly")])
