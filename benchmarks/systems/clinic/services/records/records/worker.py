from clinicbus import topics
from clinicbus.consumer import make_consumer, run_loop
from clinicbus.producer import make_producer
from records import handlers

HANDLERS = {
    topics.PAYMENT_CAPTURED: handlers.on_payment_captured,
    topics.APPOINTMENT_CANCELLED: handlers.on_appointment_cancelled,
    topics.CLAIM_REJECTED: handlers.on_claim_rejected,
    topics.REMINDER_SENT: handlers.on_reminder_sent,
    topics.INVOICE_SETTLED: handlers.on_invoice_settled,
}


def main() -> None:
    consumer = make_consumer("records")
    consumer.subscribe(list(HANDLERS))
    run_loop(consumer, HANDLERS, dead_letters=make_producer("records-dlq"))


if __name__ == "__main__":
    main()
