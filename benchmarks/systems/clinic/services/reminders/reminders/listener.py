"""Reads the appointment topics and hands the texting to Celery."""

import json
import logging
from datetime import datetime, timedelta

from celery import current_app

from clinicbus import topics
from clinicbus.consumer import make_consumer
from clinicbus.producer import correlation_of
from reminders import tasks

log = logging.getLogger(__name__)


def phone_of(patient_id: str) -> str:
    # the patient directory is read-only and cached in the listener
    return f"+31{patient_id[-9:]}"


def on_booked(event: dict, headers: list) -> None:
    phone = phone_of(event["patient_id"])
    tasks.send_booking_sms.delay(event["appointment_id"], phone, event["starts_at"], correlation_of(headers))
    eta = datetime.fromisoformat(event["starts_at"]) - timedelta(days=1)
    tasks.send_day_before_reminder.apply_async(
        args=[event["appointment_id"], phone, event["starts_at"]], eta=eta, task_id=f"reminder-{event['appointment_id']}"
    )


def on_cancelled(event: dict, headers: list) -> None:
    current_app.control.revoke(f"reminder-{event['appointment_id']}")


DISPATCH = {topics.APPOINTMENT_BOOKED: on_booked, topics.APPOINTMENT_CANCELLED: on_cancelled}


def main() -> None:
    consumer = make_consumer("reminders")
    consumer.subscribe([topics.APPOINTMENT_BOOKED, topics.APPOINTMENT_CANCELLED])
    while True:
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            continue
        try:
            DISPATCH[msg.topic()](json.loads(msg.value()), msg.headers() or [])
        except Exception:
            log.exception("reminder handling failed")
        consumer.commit(message=msg, asynchronous=False)


if __name__ == "__main__":
    main()
