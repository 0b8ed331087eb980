import json
import uuid

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from scheduling import events
from scheduling.models import Appointment, OutboxEvent


def _correlation_id(request) -> str:
    return request.headers.get("X-Correlation-ID") or str(uuid.uuid4())


@require_POST
def book_appointment(request):
    body = json.loads(request.body)
    appointment = Appointment(
        patient_id=body["patient_id"],
        clinician_id=body["clinician_id"],
        starts_at=body["starts_at"],
        fee_cents=body["fee_cents"],
    )
    appointment.save()
    events.publish_booked(appointment, _correlation_id(request))
    return JsonResponse({"id": appointment.pk}, status=201)


@require_POST
def cancel_appointment(request, pk):
    correlation_id = _correlation_id(request)
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=pk)
        appointment.status = Appointment.Status.CANCELLED
        appointment.save(update_fields=["status"])
        OutboxEvent.objects.create(
            topic=events.TOPICS["cancelled"],
            key=str(appointment.pk),
            payload={"appointment_id": str(appointment.pk), "reason": "patient", "correlation_id": correlation_id},
            headers=[["x-correlation-id", correlation_id]],
        )
    return JsonResponse({"id": pk, "status": "cancelled"})


@require_POST
def complete_appointment(request, pk):
    # the clinician's tablet records the visit in records; appointments only relays the fact
    body = json.loads(request.body)
    events.publish_completed(str(pk), body["clinician_id"], body["notes_ref"])
    return JsonResponse({"id": pk, "status": "completed"})
