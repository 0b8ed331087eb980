import json
import os

import psycopg

from clinicbus import topics
from clinicbus.producer import correlation_headers, make_producer
from insurance.rules import rejection_reason

producer = make_producer("insurance")


def on_invoice_issued(event: dict) -> None:
    reason = rejection_reason(event["patient_id"], event["amount_cents"])
    if reason is not None:
        producer.publish(
            topics.CLAIM_REJECTED,
            {
                "claim_ref": f"claim-{event['invoice_id']}",
                "invoice_id": event["invoice_id"],
                "appointment_id": event["appointment_id"],
                "patient_id": event["patient_id"],
                "amount_cents": event["amount_cents"],
                "reason": reason,
                "correlation_id": event.get("correlation_id", ""),
            },
            key=event["appointment_id"].encode(),
            headers=correlation_headers(event.get("correlation_id", "")),
        )
        return
    with psycopg.connect(os.environ["INSURANCE_DSN"]) as conn:
        with conn.transaction():
            conn.execute(
                "INSERT INTO claims (invoice_id, patient_id, amount_cents) VALUES (%s, %s, %s) ON CONFLICT (invoice_id) DO NOTHING",
                (event["invoice_id"], event["patient_id"], event["amount_cents"]),
            )
            conn.execute(
                "INSERT INTO outbox (topic, key, payload) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (topics.CLAIM_SUBMITTED, event["invoice_id"], json.dumps({"invoice_id": event["invoice_id"]})),
            )


def on_invoice_voided(event: dict) -> None:
    with psycopg.connect(os.environ["INSURANCE_DSN"]) as conn:
        conn.execute("DELETE FROM claims WHERE invoice_id = %s", (event["invoice_id"],))
