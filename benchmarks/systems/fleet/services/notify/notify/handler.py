import logging

from notify import mail, notices

logger = logging.getLogger()


def recipient_of(parcel_id: str) -> str:
    # recipients opted in with a parcel-scoped alias; the mail relay resolves it
    return f"{parcel_id}@recipients.fleet.example"


def on_route_planned(detail: dict) -> None:
    try:
        mail.send(recipient_of(detail["parcel_id"]), "Your parcel is on its way", f"Expected at {detail['eta']}.")
    except Exception:
        logger.warning("could not mail route for %s", detail["parcel_id"])


def mail_once(notice_id: str, to: str, subject: str, text: str) -> None:
    if not notices.claim(notice_id):
        return
    try:
        mail.send(to, subject, text)
    except Exception:
        notices.release(notice_id)
        raise


def on_delivered(detail: dict) -> None:
    parcel_id = detail["parcel_id"]
    mail_once(f"{parcel_id}:delivered", recipient_of(parcel_id), "Your parcel was delivered", f"Delivered at {detail['delivered_at']}.")


def on_returned(detail: dict) -> None:
    parcel_id = detail["parcel_id"]
    mail_once(f"{parcel_id}:returned", recipient_of(parcel_id), "Your parcel is coming back", "It could not be delivered.")


HANDLERS = {"RoutePlanned": on_route_planned, "DeliveryCompleted": on_delivered, "ParcelReturned": on_returned}


def on_event(event, context):
    HANDLERS[event["detail-type"]](event["detail"])
