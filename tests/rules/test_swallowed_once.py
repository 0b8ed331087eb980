"""EDA502: several clauses of one handler that swallow its failures are one root cause, reported once at the clause
whose `try` wraps the most (the first of equals) with the others as related locations (issue #19, item 5); clauses of different handlers stay separate."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from tests.helpers import write_project

CONSUMER = """
    import json

    from kafka import KafkaConsumer
    from sqlalchemy.orm import Session

    from ledger.db import engine
    from ledger.models import Payment, Shipment, Invoice

    def on_order(order):
        session = Session(engine)
        try:
            session.add(Payment(order_id=order["id"], amount=order["total"]))
            session.commit()
        except Exception as exc:
            session.rollback()
            print("payment insert failed", exc)
        try:
            session.add(Shipment(order_id=order["id"]))
            session.commit()
        except Exception as exc:
            session.rollback()
            print("shipment insert failed", exc)
        try:
            session.add(Invoice(order_id=order["id"]))
            session.commit()
        except Exception as exc:
            session.rollback()
            print("invoice insert failed", exc)

    def on_refund(refund):
        session = Session(engine)
        try:
            session.add(Payment(order_id=refund["id"], amount=-refund["amount"]))
            session.commit()
        except Exception as exc:
            session.rollback()
            print("refund insert failed", exc)

    def run():
        consumer = KafkaConsumer("orders.created", "orders.refunded", group_id="ledger",
                                 value_deserializer=lambda v: json.loads(v))
        for message in consumer:
            if message.topic == "orders.created":
                on_order(message.value)
            else:
                on_refund(message.value)
    """

FILES = {
    "ledger/__init__.py": "",
    "ledger/db.py": "from sqlalchemy import create_engine\n\nengine = create_engine('sqlite://')\n",
    "ledger/models.py": "class Payment:\n    pass\n\nclass Shipment:\n    pass\n\nclass Invoice:\n    pass\n",
    "ledger/consumer.py": CONSUMER,
}


def _lines(text: str, needle: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines(), 1) if needle in line]


def test_three_clauses_of_one_handler_are_one_finding_with_the_others_related(tmp_path: Path):
    root = write_project(tmp_path, FILES)
    result = api.lint([root], api.load_config([root]), select=["EDA502"])
    text = (root / "ledger/consumer.py").read_text()
    clauses = _lines(text, "except Exception as exc:")
    found = sorted((d.path, d.line) for d in result.diagnostics)
    # on_order's three clauses: one finding at the first; on_refund, another handler, its own
    assert found == [("ledger/consumer.py", clauses[0]), ("ledger/consumer.py", clauses[3])], found
    first = next(d for d in result.diagnostics if d.line == clauses[0])
    assert [(r.path, r.line) for r in first.related] == [("ledger/consumer.py", clauses[1]), ("ledger/consumer.py", clauses[2])]
    assert "2 other such clauses of the same handler" in first.message
    refund = next(d for d in result.diagnostics if d.line == clauses[3])
    assert refund.related == ()


LOOP = """
    import json

    from kafka import KafkaConsumer
    from sqlalchemy.orm import Session

    from ledger.db import engine
    from ledger.models import Payment, Shipment

    def run():
        consumer = KafkaConsumer("orders.created", group_id="ledger", value_deserializer=lambda v: json.loads(v))
        session = Session(engine)
        for message in consumer:
            try:
                order = message.value
                try:
                    session.add(Payment(order_id=order["id"], amount=order["total"]))
                    session.commit()
                except Exception as exc:
                    session.rollback()
                    print("payment insert failed", exc)
                session.add(Shipment(order_id=order["id"]))
                session.commit()
            except Exception as exc:
                print("order failed", exc)
    """


def test_the_finding_sits_at_the_clause_whose_try_wraps_the_most(tmp_path: Path):
    # an inner clause around one insert and an outer one around the whole handling: the outer clause is where a fix
    # covers both, so it is the finding and the inner one its related location, whatever their order in the file
    root = write_project(tmp_path, {**FILES, "ledger/consumer.py": LOOP})
    result = api.lint([root], api.load_config([root]), select=["EDA502"])
    inner, outer = _lines((root / "ledger/consumer.py").read_text(), "except Exception as exc:")
    [finding] = result.diagnostics
    assert (finding.path, finding.line) == ("ledger/consumer.py", outer)
    assert [(r.path, r.line) for r in finding.related] == [("ledger/consumer.py", inner)]
    assert "(and 1 other such clause of the same handler)" in finding.message
