"""Payload shapes: fields, literal JSON types and whether the field list is complete."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import facts_of, write_project

KAFKA = "from kafka import KafkaProducer\nproducer = KafkaProducer()\n"


def _only_publication(tmp_path: Path, body: str):
    write_project(tmp_path, {"app.py": KAFKA + body})
    found = facts_of(tmp_path).publishers
    assert len(found) == 1, found
    return found[0]


def test_dict_literal_fields_and_types(tmp_path: Path) -> None:
    pub = _only_publication(
        tmp_path,
        'producer.send("orders", {"order_id": "o-1", "total": 12, "rate": 0.5, "paid": True, "note": None, "items": [], "meta": {}})\n',
    )
    assert pub.payload_fields == ("order_id", "total", "rate", "paid", "note", "items", "meta")
    assert dict(pub.payload_types) == {
        "order_id": "string", "total": "integer", "rate": "number", "paid": "boolean",
        "note": "null", "items": "array", "meta": "object",
    }
    assert pub.payload_partial is False


def test_non_literal_values_have_no_type(tmp_path: Path) -> None:
    pub = _only_publication(tmp_path, 'def send(order):\n    producer.send("orders", {"order_id": order.id, "total": 3})\n')
    assert dict(pub.payload_types) == {"total": "integer"}


def test_spread_makes_the_field_list_partial(tmp_path: Path) -> None:
    pub = _only_publication(tmp_path, 'def send(extra):\n    producer.send("orders", {"order_id": "o", **extra})\n')
    assert pub.payload_fields == ("order_id",)
    assert pub.payload_partial is True


def test_keys_stored_before_the_send_are_fields(tmp_path: Path) -> None:
    body = (
        "def send(order):\n"
        '    payload = {"order_id": order.id}\n'
        '    payload["total"] = 10\n'
        '    producer.send("orders", payload)\n'
        '    payload["late"] = 1\n'
    )
    pub = _only_publication(tmp_path, body)
    assert pub.payload_fields == ("order_id", "total")
    assert dict(pub.payload_types) == {"total": "integer"}
    assert pub.payload_partial is False


def test_update_after_the_literal_makes_it_partial(tmp_path: Path) -> None:
    body = 'def send(extra):\n    payload = {"order_id": "o"}\n    payload.update(extra)\n    producer.send("orders", payload)\n'
    assert _only_publication(tmp_path, body).payload_partial is True


def test_constructed_event_is_partial_with_literal_types(tmp_path: Path) -> None:
    body = (
        "import json\nfrom dataclasses import dataclass, asdict\n\n"
        "@dataclass\nclass OrderPlaced:\n    order_id: str\n    total: int = 0\n\n"
        'producer.send("orders", json.dumps(asdict(OrderPlaced("o-1", total="12"))).encode())\n'
    )
    pub = _only_publication(tmp_path, body)
    assert pub.event == "OrderPlaced"
    assert pub.payload_fields == ("order_id", "total")
    assert dict(pub.payload_types) == {"order_id": "string", "total": "string"}
    assert pub.payload_partial is True
