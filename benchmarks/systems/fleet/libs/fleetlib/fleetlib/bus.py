"""Puts domain events on the fleet EventBridge bus."""

import json
import os

import boto3

_events = boto3.client("events")
BUS_NAME = os.environ.get("FLEET_BUS_NAME", "fleet")


def entry(source: str, detail_type: str, detail: dict) -> dict:
    return {
        "EventBusName": BUS_NAME,
        "Source": source,
        "DetailType": detail_type,
        "Detail": json.dumps(detail, default=str),
    }


def put_event(source: str, detail_type: str, detail: dict) -> None:
    response = _events.put_events(Entries=[entry(source, detail_type, detail)])
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"EventBridge refused {detail_type}: {response['Entries']}")
