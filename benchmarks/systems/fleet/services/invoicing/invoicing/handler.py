"""EventBridge target: bill the sender when a parcel is delivered, credit them when it is not."""

import logging

from invoicing.payments import client, price_cents

logger = logging.getLogger()


def charge_delivery(detail: dict) -> None:
    response = client.post(
        "/v1/charges",
        json={
            "account": detail["sender_id"],
            "amount": price_cents(detail.get("weight_grams", 1000)),
            "currency": "eur",
            "reference": f"delivery-{detail['parcel_id']}",
        },
    )
    response.raise_for_status()


def credit_failed_delivery(detail: dict) -> None:
    response = client.post(
        "/v1/credits",
        json={"account": detail["sender_id"], "amount": 200, "currency": "eur", "reason": "failed delivery"},
        headers={"Idempotency-Key": f"credit-{detail['parcel_id']}"},
    )
    response.raise_for_status()


ROUTES = {"DeliveryCompleted": charge_delivery, "DeliveryFailed": credit_failed_delivery}


def on_delivery_event(event, context):
    logger.info("invoicing %s for %s", event["detail-type"], event["detail"].get("parcel_id"))
    ROUTES[event["detail-type"]](event["detail"])
