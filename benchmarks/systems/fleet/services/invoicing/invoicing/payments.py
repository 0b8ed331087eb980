"""The payment provider's REST API, through one pooled client."""

import os

import httpx

client = httpx.Client(
    base_url=os.environ.get("PAYMENTS_API_URL", "https://api.payments.example"),
    headers={"Authorization": f"Bearer {os.environ.get('PAYMENTS_API_TOKEN', '')}"},
    timeout=15.0,
)

RATE_CENTS_PER_KG = 180


def price_cents(weight_grams: int) -> int:
    return max(450, weight_grams * RATE_CENTS_PER_KG // 1000)
