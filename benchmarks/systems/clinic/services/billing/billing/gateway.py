"""Stripe calls billing makes. Stripe is billing's ledger: billing keeps no database of its own."""

import os

import stripe

stripe.api_key = os.environ.get("STRIPE_API_KEY", "")


def issue_invoice(customer_id: str, appointment_id: str, amount_cents: int):
    return stripe.Invoice.create(
        customer=customer_id,
        metadata={"appointment_id": appointment_id},
        collection_method="send_invoice",
        days_until_due=14,
        idempotency_key=f"invoice-{appointment_id}",
    )


def refund_deposit(payment_intent_id: str, appointment_id: str):
    return stripe.Refund.create(payment_intent=payment_intent_id, idempotency_key=f"refund-{appointment_id}")


def charge_patient(customer_id: str, amount_cents: int, description: str):
    return stripe.PaymentIntent.create(
        amount=amount_cents,
        currency="eur",
        customer=customer_id,
        description=description,
        confirm=True,
        off_session=True,
    )
