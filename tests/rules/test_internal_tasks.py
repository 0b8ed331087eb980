"""A service's own Celery tasks are not catalog events (EDA201, EDA606 `internal_kinds`): fixtures/celery_internal."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from tests.helpers import fixture, line_of, write_project

ROOT = fixture("celery_internal")


def _found(root: Path, *codes: str) -> set[tuple[str, str, int]]:
    result = api.lint([root], api.load_config([root]), select=list(codes))
    return {(d.code, d.path, d.line) for d in result.diagnostics}


def test_a_task_sent_and_run_inside_one_service_is_not_an_undeclared_event():
    found = _found(ROOT, "EDA201")
    api_py = ROOT / "orders/orders/api.py"
    worker = ROOT / "mailer/mailer/worker.py"
    # reminders' own task is silent; the task orders sends to mailer's worker is a contract between two services
    assert found == {
        ("EDA201", "orders/orders/api.py", line_of(api_py, "mailer.send_task(")),
        ("EDA201", "mailer/mailer/worker.py", line_of(worker, "@app.task(")),
    }


def test_a_service_outside_every_context_is_reported_at_its_first_event_not_its_own_task():
    found = _found(ROOT, "EDA606")
    listener = ROOT / "reminders/reminders/listener.py"
    assert found == {("EDA606", "reminders/reminders/listener.py", line_of(listener, "KafkaConsumer("))}


def test_an_empty_internal_kinds_judges_internal_tasks_too(tmp_path: Path):
    files = {
        "app/__init__.py": "",
        "app/tasks.py": (
            "from celery import Celery\n\napp = Celery('app')\n\n\n@app.task\ndef work(x):\n    print(x)\n\n\n"
            "def start(x):\n    work.delay(x)\n"
        ),
    }
    events = {"OrderPlaced": {"owner": "app", "channel": "orders.placed"}}
    root = write_project(tmp_path, files, {"services": {"app": ["app/**"]}, "events": events})
    assert _found(root, "EDA201") == set()
    root2 = write_project(tmp_path / "judged", files, {"services": {"app": ["app/**"]}, "events": events, "rules": {"options": {"EDA201": {"internal_kinds": []}}}})
    assert {code for code, _, _ in _found(root2, "EDA201")} == {"EDA201"}
    assert len(_found(root2, "EDA201")) == 2
