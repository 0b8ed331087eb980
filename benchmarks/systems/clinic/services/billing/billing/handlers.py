import logging

import stripe

from billing import gateway
from clinicbus import topics
from clinicbus.producer import correlation_headers, correlation_of, make_producer

log = logging.getLogger(__name__)
producer = make_producer("billing")


def on_appointment_booked(event: dict, headers: list) -> None:
    invoice = gateway.issue_invoice(event["patient_id"], event["appointment_id"], event["fee_cents"])
    producer.publish(
        topics.INVOICE_ISSUED,
        {
            "invoice_id": invoice.id,
            "appointment_id": event["appointment_id"],
            "patient_id": event["patient_id"],
            "amount_cents": event["fee_cents"],
            "currency": "eur",
        },
        key=event["patient_id"].encode(),
        headers=[("source", b"billing")],
    )


def on_appointment_cancelled(event: dict, headers: list) -> None:
    if event.get("deposit_intent_id"):
        gateway.refund_deposit(event["deposit_intent_id"], event["appointment_id"])


def on_claim_rejected(event: dict, headers: list) -> None:
    correlation_id = correlation_of(headers) or event["correlation_id"]
    try:
        intent = gateway.charge_patient(event["patient_id"], event["amount_cents"], f"appointment {event['appointment_id']}")
    except stripe.error.CardError:
        log.info("card declined for appointment %s; cancelling", event["appointment_id"])
        producer.publish(
            topics.APPOINTMENT_CANCELLED,
            {"appointment_id": event["appointment_id"], "reason": "unpaid", "correlation_id": correlation_id},
            key=event["appointment_id"].encode(),
            headers=correlation_headers(correlation_id),
        )
        return
    producer.publish(
        topics.PAYMENT_CAPTURED,
        {"appointment_id": event["appointment_id"], "payment_intent_id": intent.id, "amount_cents": intent.amount},
        key=event["appointment_id"].encode(),
        headers=correlation_headers(correlation_id),
    )
    producer.publish(
        topics.INVOICE_SETTLED,
        {"invoice_id": event["invoice_id"], "appointment_id": event["appointment_id"]},
        key=event["invoice_id"].encode(),
        headers=correlation_headers(correlation_id),
    )
