from django.db import models


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked"
        CANCELLED = "cancelled"
        COMPLETED = "completed"

    patient_id = models.CharField(max_length=40)
    clinician_id = models.CharField(max_length=40)
    starts_at = models.DateTimeField()
    fee_cents = models.IntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)


class OutboxEvent(models.Model):
    topic = models.CharField(max_length=120)
    key = models.CharField(max_length=64)
    payload = models.JSONField()
    headers = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True)
