import os

import httpx

_maps = httpx.Client(base_url=os.environ.get("MAPS_API_URL", "https://maps.internal.example/v2"), timeout=10.0)


class Unroutable(Exception):
    pass


def plan_route(address: str, weight_grams: int) -> dict:
    response = _maps.get("/routes", params={"to": address, "weight": weight_grams})
    if response.status_code == 422:
        raise Unroutable(response.json()["reason"])
    response.raise_for_status()
    return response.json()
