"""EDA401: a project helper whose body makes a known effect is judged by that effect; EDA204: an optional
field read with `[...]` after a `.get()` of it in the same function is guarded."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from tests.helpers import line_of, write_project

GATEWAY = '''
import stripe


def refund_deposit(intent_id, appointment_id):
    return stripe.Refund.create(payment_intent=intent_id, idempotency_key=f"refund-{appointment_id}")


def charge(customer, amount):
    return stripe.PaymentIntent.create(customer=customer, amount=amount, currency="eur", confirm=True)


def charge_credit_card(customer, amount):
    return customer, amount
'''

HANDLERS = '''
from kafka import KafkaConsumer

from billing import gateway


def on_cancelled(event):
    if event.get("deposit_id"):
        gateway.refund_deposit(event["deposit_id"], event["appointment_id"])


def on_rejected(event):
    gateway.charge(event["customer"], event["amount"])


def on_legacy(event):
    gateway.charge_credit_card(event["customer"], event["amount"])


def on_unguarded(event):
    print(event["deposit_id"])
    print(event.get("deposit_id"))


def run():
    for message in KafkaConsumer("appointments.cancelled", group_id="billing"):
        on_cancelled(message.value)
    for message in KafkaConsumer("claims.rejected", group_id="billing"):
        on_rejected(message.value)
    for message in KafkaConsumer("claims.legacy", group_id="billing"):
        on_legacy(message.value)
    for message in KafkaConsumer("appointments.cancelled", group_id="billing-audit"):
        on_unguarded(message.value)
'''

SCHEMA = '{"type": "object", "required": ["appointment_id"], "properties": {"appointment_id": {"type": "string"}, "deposit_id": {"type": "string"}}}'


def _project(tmp_path: Path) -> Path:
    config = {
        "services": {"billing": ["billing/**"]},
        "events": {"AppointmentCancelled": {"owner": "billing", "channel": "appointments.cancelled", "schema": "cancelled.json"}},
    }
    files = {"billing/__init__.py": "", "billing/gateway.py": GATEWAY, "billing/handlers.py": HANDLERS, "cancelled.json": SCHEMA}
    return write_project(tmp_path, files, config)


def _found(root: Path, code: str) -> set[tuple[str, int]]:
    result = api.lint([root], api.load_config([root]), select=[code])
    return {(d.path, d.line) for d in result.diagnostics if d.code == code}


def test_a_helper_is_judged_by_the_effect_inside_it(tmp_path: Path):
    root = _project(tmp_path)
    handlers = root / "billing/handlers.py"
    assert _found(root, "EDA401") == {
        # the charge inside gateway.charge has no idempotency key
        ("billing/handlers.py", line_of(handlers, "gateway.charge(")),
        # a helper with no known effect inside is still judged by its name
        ("billing/handlers.py", line_of(handlers, "gateway.charge_credit_card(")),
    }


def test_an_optional_field_read_after_its_get_is_guarded(tmp_path: Path):
    root = _project(tmp_path)
    handlers = root / "billing/handlers.py"
    # on_unguarded reads it with [...] before any .get(): still reported
    assert _found(root, "EDA204") == {("billing/handlers.py", line_of(handlers, 'print(event["deposit_id"])'))}
