"""EDA502 judges the consuming loop's own broad `except` around the call that dispatches to the handler
(fixtures/loop_except)."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from tests.helpers import fixture, line_of, write_project

ROOT = fixture("loop_except")


def _found(root: Path) -> set[tuple[str, int]]:
    result = api.lint([root], api.load_config([root]), select=["EDA502"])
    return {(d.path, d.line) for d in result.diagnostics}


def test_a_loop_that_swallows_its_handlers_errors_is_reported_and_one_that_dead_letters_is_not():
    assert _found(ROOT) == {
        # through a topic map (confluent-kafka), and calling the handler itself (kafka-python)
        ("reminders/listener.py", line_of(ROOT / "reminders/listener.py", "except Exception:")),
        ("audit/consumer.py", line_of(ROOT / "audit/consumer.py", "except Exception:")),
    }
    # ledger: the clause around decoding runs before any handler; the one around the handler dead-letters


def test_the_message_says_it_is_the_loop(tmp_path: Path):
    result = api.lint([ROOT], api.load_config([ROOT]), select=["EDA502"])
    listener = next(d for d in result.diagnostics if d.path == "reminders/listener.py")
    assert "the consuming loop, around its handlers" in listener.message
    assert "clinic.appointment.booked" in listener.message


def test_a_broad_except_after_the_dispatch_is_not_the_dispatchs(tmp_path: Path):
    files = {
        "app/__init__.py": "",
        "app/worker.py": """
            import logging

            from kafka import KafkaConsumer

            log = logging.getLogger(__name__)

            def handle(message):
                log.info("got %s", message.value)

            def run():
                consumer = KafkaConsumer("orders.placed", group_id="app", enable_auto_commit=False)
                for message in consumer:
                    handle(message)
                    try:
                        consumer.commit()
                    except Exception:
                        log.exception("commit failed")
            """,
    }
    root = write_project(tmp_path, files)
    assert _found(root) == set()


_REDIS_LOOP = """
    import logging

    import redis

    log = logging.getLogger(__name__)
    r = redis.Redis()

    def handle(fields):
        log.info("order %s", fields["order_id"])

    def run():
        while True:
            for stream, entries in r.xreadgroup("billing", "worker-1", streams={"orders": ">"}, count=10, block=5000):
                for message_id, fields in entries:
                    try:
                        handle(fields)
                    except Exception:
                        log.exception("order event failed"){leave}
                    r.xack(stream, "billing", message_id)
    """


def test_a_clause_that_continues_past_the_acknowledgement_leaves_the_message_pending(tmp_path: Path):
    left = write_project(tmp_path / "left", {"app/__init__.py": "", "app/worker.py": _REDIS_LOOP.replace("{leave}", "\n                        continue")})
    acked = write_project(tmp_path / "acked", {"app/__init__.py": "", "app/worker.py": _REDIS_LOOP.replace("{leave}", "")})
    assert _found(left) == set()
    assert _found(acked) == {("app/worker.py", line_of(acked / "app/worker.py", "except Exception:"))}
