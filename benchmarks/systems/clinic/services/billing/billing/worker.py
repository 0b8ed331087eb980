from billing import handlers
from clinicbus import topics
from clinicbus.consumer import make_consumer, run_loop

HANDLERS = {
    topics.APPOINTMENT_BOOKED: handlers.on_appointment_booked,
    topics.APPOINTMENT_CANCELLED: handlers.on_appointment_cancelled,
    topics.CLAIM_REJECTED: handlers.on_claim_rejected,
}


def main() -> None:
    consumer = make_consumer("billing")
    consumer.subscribe(list(HANDLERS))
    run_loop(consumer, HANDLERS, dead_letters=handlers.producer)


if __name__ == "__main__":
    main()
