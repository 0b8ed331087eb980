"""Topic names, one place for every service."""

APPOINTMENT_BOOKED = "clinic.appointment.booked"
APPOINTMENT_CANCELLED = "clinic.appointment.cancelled"
APPOINTMENT_COMPLETED = "clinic.appointment.completed"
REMINDER_SENT = "clinic.reminder.sent"

INVOICE_ISSUED = "billing.invoice.issued"
INVOICE_VOIDED = "billing.invoice.voided"
INVOICE_SETTLED = "billing.invoice.settled"
PAYMENT_CAPTURED = "billing.payment.captured"

CLAIM_SUBMITTED = "insurance.claim.submitted"
CLAIM_REJECTED = "insurance.claim.rejected"


def dead_letter(topic: str) -> str:
    return f"{topic}.dlq"
