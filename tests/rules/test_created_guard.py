"""EDA401 reads a Django `get_or_create` whose `created` flag guards the effect as a claim on the message
(fixtures/django_created_guard), and the `guards` fact behind it."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from tests.helpers import facts_of, fixture, line_of, write_project

ROOT = fixture("django_created_guard")
TASKS = ROOT / "notices/tasks.py"


def _found(root: Path) -> dict[int, str]:
    result = api.lint([root], api.load_config([root]), select=["EDA401"])
    return {d.line: d.message for d in result.diagnostics}


def test_a_created_guard_inside_an_atomic_block_is_dedup_and_one_committed_first_is_an_unreleased_claim():
    found = _found(ROOT)
    reschedule = line_of(TASKS, 'send_mail("Appointment moved"')
    reminder = line_of(TASKS, 'send_mail("Appointment tomorrow"')
    # send_booking_notice (with transaction.atomic) and send_cancel_notice (@transaction.atomic, `if created:`) are silent
    assert set(found) == {reschedule, reminder}
    assert "claims the message (objects.get_or_create" in found[reschedule]
    assert "never releases the claim" in found[reschedule]
    assert "nothing deduplicates" in found[reminder]  # the flag is not tested


def _guards(task: str) -> dict[str, tuple[str, ...]]:
    handler = next(h for h in facts_of(ROOT).handlers if h.name == f"notices.tasks.{task}")
    return {c.name: c.guards for c in handler.calls if c.function == handler.name}


def test_the_guards_fact_names_the_flag_call():
    booking = _guards("send_booking_notice")
    flag = str(line_of(TASKS, 'kind="booking"')) + ":"
    (guard,) = booking["django.core.mail.send_mail"]
    assert guard.startswith(flag)
    assert booking["NoticeLog.objects.get_or_create"] == ()
    assert len(_guards("send_cancel_notice")["django.core.mail.send_mail"]) == 1  # `if created:` around it
    assert _guards("send_reminder_notice")["django.core.mail.send_mail"] == ()


def test_a_guard_on_the_wrong_side_is_not_dedup(tmp_path: Path):
    files = {
        "notices/__init__.py": "",
        "notices/models.py": "class NoticeLog:\n    objects = None\n",
        "notices/tasks.py": """
            from celery import shared_task
            from django.core.mail import send_mail
            from django.db import transaction

            from notices.models import NoticeLog

            @shared_task(acks_late=True)
            def send_notice(appointment_id, email):
                with transaction.atomic():
                    _, created = NoticeLog.objects.get_or_create(appointment_id=appointment_id)
                    if created:
                        return
                    send_mail("Booked", "Booked.", "clinic@example.com", [email])
            """,
    }
    root = write_project(tmp_path, files)
    assert [m for m in _found(root).values() if "nothing deduplicates" in m]
