"""What appointments tells the rest of the clinic."""

from django.conf import settings

from clinicbus.producer import correlation_headers, make_producer

_producer = make_producer(settings.KAFKA_CLIENT_ID)
TOPICS = settings.KAFKA_TOPICS


def booked_payload(appointment, correlation_id: str) -> dict:
    return {
        "appointment_id": str(appointment.pk),
        "patient_id": appointment.patient_id,
        "clinician_id": appointment.clinician_id,
        "starts_at": appointment.starts_at.isoformat(),
        "fee_cents": appointment.fee_cents,
        "correlation_id": correlation_id,
    }


def publish_booked(appointment, correlation_id: str) -> None:
    _producer.publish(
        TOPICS["booked"],
        booked_payload(appointment, correlation_id),
        key=str(appointment.pk).encode(),
        headers=correlation_headers(correlation_id),
    )


def publish_completed(appointment_id: str, clinician_id: str, notes_ref: str) -> None:
    _producer.publish(
        TOPICS["completed"],
        {"appointment_id": appointment_id, "clinician_id": clinician_id, "notes_ref": notes_ref},
    )
