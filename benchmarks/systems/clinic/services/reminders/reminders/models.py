from django.db import models


class ReminderLog(models.Model):
    appointment_id = models.CharField(max_length=40)
    kind = models.CharField(max_length=20)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("appointment_id", "kind")]
