from records.db import LedgerLine, Session
from records.inbox import seen_before


def on_payment_captured(event: dict, headers: list) -> None:
    with Session.begin() as session:
        if seen_before(session, f"payment:{event['payment_intent_id']}"):
            return
        session.add(
            LedgerLine(
                patient_id=event["payer_name"],
                appointment_id=event["appointment_id"],
                kind="payment",
                amount_cents=event["amount_cents"],
            )
        )


def on_appointment_cancelled(event: dict, headers: list) -> None:
    with Session.begin() as session:
        if seen_before(session, f"cancel:{event['appointment_id']}"):
            return
        session.add(LedgerLine(appointment_id=event["appointment_id"], kind="cancelled", note=event.get("reason")))


def on_claim_rejected(event: dict, headers: list) -> None:
    with Session.begin() as session:
        if seen_before(session, f"claim-rejected:{event['claim_ref']}"):
            return
        session.add(LedgerLine(patient_id=event["patient_id"], appointment_id=event["appointment_id"], kind="claim-rejected", note=event["reason"]))


def on_reminder_sent(event: dict, headers: list) -> None:
    with Session.begin() as session:
        if seen_before(session, f"reminder:{event['appointment_id']}:{event['kind']}"):
            return
        session.add(LedgerLine(appointment_id=event["appointment_id"], kind="reminder", note=event["kind"]))


def on_invoice_settled(event: dict, headers: list) -> None:
    with Session.begin() as session:
        if seen_before(session, f"settled:{event['invoice_id']}"):
            return
        session.add(LedgerLine(appointment_id=event["appointment_id"], kind="settled"))
