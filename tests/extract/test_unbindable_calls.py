"""A call of a project function that leaves a required parameter without a value (`produce_message("updated",
payload)` for `def produce_message(topic, key, value)`) raises TypeError before the function's body runs: it is no
publication (no site, so no EDA101 for its topic) and its handler chain does not enter the body (no EDA403 for a send
that never happens). A call that binds every parameter, or unpacks `*args`/`**kwargs`, is judged as before."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from eventlint.config import load_config
from tests.helpers import facts_of, line_of, write_project

PRODUCER = """
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": "kafka:9092"})


    def produce_message(topic, key, value):
        producer.produce(topic, key=key, value=value)
        producer.flush()
"""
ROUTES = """
    import json

    from flask import Flask, request

    from orders.db import Session
    from orders.models import Order
    from orders.producer import produce_message

    app = Flask(__name__)


    @app.post("/orders")
    def create_order():
        session = Session()
        session.add(Order(**request.json))
        session.commit()
        produce_message("orders.created", "create", json.dumps(request.json))
        return "", 201


    @app.put("/orders/<order_id>")
    def update_order(order_id):
        session = Session()
        session.add(Order(id=order_id, **request.json))
        session.commit()
        produce_message("orders.updated", json.dumps(request.json))
        return "", 200


    @app.delete("/orders/<order_id>")
    def delete_order(order_id):
        session = Session()
        session.query(Order).filter_by(id=order_id).delete()
        session.commit()
        args = ("orders.deleted", "delete", order_id)
        produce_message(*args)
        return "", 204
"""


def project(tmp_path: Path) -> Path:
    return write_project(tmp_path, {
        "orders/Dockerfile": "FROM python:3.12\n",
        "orders/orders/__init__.py": "",
        "orders/orders/db.py": "from sqlalchemy.orm import sessionmaker\n\nSession = sessionmaker()\n",
        "orders/orders/models.py": "class Order:\n    def __init__(self, **fields):\n        self.fields = fields\n",
        "orders/orders/producer.py": PRODUCER,
        "orders/orders/routes.py": ROUTES,
    }, {"exclude": []})


def test_a_call_missing_a_required_argument_is_no_publication(tmp_path):
    root = project(tmp_path)
    routes = root / "orders/orders/routes.py"
    at = {(p.path, p.line): p.channel for p in facts_of(root).publishers if p.path == "orders/orders/routes.py"}
    assert at == {
        ("orders/orders/routes.py", line_of(routes, 'produce_message("orders.created"')): "orders.created",
        ("orders/orders/routes.py", line_of(routes, "produce_message(*args)")): None,
    }


def test_only_the_send_that_can_happen_is_a_dual_write(tmp_path):
    root = project(tmp_path)
    found = [d for d in api.lint([root], load_config([root]), select=["EDA101", "EDA403"]).diagnostics]
    routes = root / "orders/orders/routes.py"
    assert sorted((d.code, d.line) for d in found if d.code == "EDA403") == [
        ("EDA403", line_of(routes, 'produce_message("orders.created"')),
        ("EDA403", line_of(routes, "produce_message(*args)")),
    ]
    assert not any("orders.updated" in d.message for d in found)
