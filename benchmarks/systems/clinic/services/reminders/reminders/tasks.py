from celery import shared_task
from django.db import transaction
from twilio.base.exceptions import TwilioRestException

from clinicbus import topics
from clinicbus.producer import correlation_headers, make_producer
from reminders.models import ReminderLog
from reminders.sms import send_text

producer = make_producer("reminders")


@shared_task(bind=True, acks_late=True, autoretry_for=(TwilioRestException,), retry_backoff=True, max_retries=5)
def send_booking_sms(self, appointment_id: str, phone: str, starts_at: str, correlation_id: str):
    send_text(phone, f"Your appointment is booked for {starts_at}.")
    producer.publish(
        topics.REMINDER_SENT,
        {"appointment_id": appointment_id, "kind": "booking", "correlation_id": correlation_id},
        key=appointment_id.encode(),
        headers=correlation_headers(correlation_id),
    )


@shared_task(bind=True, acks_late=True, autoretry_for=(TwilioRestException,), retry_backoff=True, max_retries=5)
def send_day_before_reminder(self, appointment_id: str, phone: str, starts_at: str):
    # the log row and the text stand or fall together: a failed send rolls the row back and the retry texts again
    with transaction.atomic():
        _, created = ReminderLog.objects.get_or_create(appointment_id=appointment_id, kind="day-before")
        if not created:
            return
        send_text(phone, f"Reminder: your appointment is tomorrow at {starts_at}.")
