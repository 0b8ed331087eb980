"""EDA501 on a shared aio-pika helper and an RPC reply queue (fixtures/aio_pika_rpc_helper; found on the unseen
set, session 14): a queue that dies with its consumer needs no dead-letter path, and a wrapper's inner consume is
the same subscription as its call sites."""

import shutil

from eventlint import api
from tests.helpers import facts_of, fixture, line_of

ROOT = fixture("aio_pika_rpc_helper")
MAIN = "shipping/main.py"
RABBIT = "shipping/rabbit.py"


def _eda501(root):
    return api.lint([root], api.load_config([root]), select=["EDA501"]).diagnostics


def test_one_finding_at_the_call_sites_without_the_reply_queue_or_the_wrappers_inner_consume():
    [finding] = _eda501(ROOT)
    assert (finding.path, finding.line) == (MAIN, line_of(ROOT / MAIN, '"orders.paid"'))
    assert "orders.paid" in finding.message and "1 other subscription" in finding.message
    assert [(r.path, r.line) for r in finding.related] == [(MAIN, line_of(ROOT / MAIN, '"orders.cancelled"'))]


def test_the_facts_still_hold_the_reply_queue_and_the_inner_consume():
    facts = facts_of(ROOT)
    reply = [s for s in facts.subscribers if s.path == RABBIT and s.lifetime == "exclusive"]
    inner = [s for s in facts.subscribers if s.path == RABBIT and s.channel_expr == "queue_name"]
    assert len(reply) == 1 and len(inner) == 1


def test_a_dead_letter_exchange_on_the_helpers_queue_silences_every_subscription(tmp_path):
    root = tmp_path / "aio_pika_rpc_helper"
    shutil.copytree(ROOT, root)
    helper = root / RABBIT
    text = helper.read_text()
    declared = "declare_queue(queue_name, durable=True)"
    assert declared in text
    helper.write_text(text.replace(declared, 'declare_queue(queue_name, durable=True, arguments={"x-dead-letter-exchange": "shipping.dlx"})'))
    assert list(_eda501(root)) == []


def test_a_reply_queue_that_outlives_its_consumer_is_still_reported(tmp_path):
    root = tmp_path / "aio_pika_rpc_helper"
    shutil.copytree(ROOT, root)
    helper = root / RABBIT
    text = helper.read_text()
    text = text.replace("declare_queue(queue_name, durable=True)", 'declare_queue(queue_name, durable=True, arguments={"x-dead-letter-exchange": "shipping.dlx"})')
    text = text.replace("declare_queue(exclusive=True, auto_delete=True)", 'declare_queue("shipping.quote-answers", durable=True)')
    helper.write_text(text)
    [finding] = _eda501(root)
    assert (finding.path, finding.line) == (RABBIT, line_of(root / RABBIT, "await callback_queue.consume("))
