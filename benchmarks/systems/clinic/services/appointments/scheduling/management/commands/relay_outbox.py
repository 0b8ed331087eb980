import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clinicbus.producer import make_producer
from scheduling.models import OutboxEvent


class Command(BaseCommand):
    help = "Publishes outbox rows in order, then marks them sent."

    def handle(self, *args, **options):
        producer = make_producer("appointments-relay")
        while True:
            with transaction.atomic():
                rows = list(OutboxEvent.objects.select_for_update(skip_locked=True).filter(sent_at=None).order_by("id")[:100])
                for row in rows:
                    producer.publish(row.topic, row.payload, key=row.key.encode(), headers=[(k, v.encode()) for k, v in row.headers])
                producer.flush()
                OutboxEvent.objects.filter(id__in=[r.id for r in rows]).update(sent_at=timezone.now())
            if not rows:
                time.sleep(1)
