"""Celery: @app.task / @shared_task consumers, .delay() / .apply_async() / send_task("name") senders, kind `task`."""

from eventlint import api
from tests.helpers import facts_of, fixture, line_of, pubs, subs, write_project

ROOT = fixture("celery")
WORKER = "services/shop/shop/worker.py"
VIEWS = "services/shop/shop/views.py"
MAILER = "services/mailer/mailer/tasks.py"


def at(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_tasks_are_consumers_named_like_celery_names_them():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        # no name=: Celery's default "<module>.<function>"
        (WORKER, at(WORKER, "@app.task"), None, "shop.worker.resize_image", "shop", "shop.worker.resize_image"),
        (WORKER, at(WORKER, "@app.task(bind=True"), None, "shop.orders.confirm", "shop", "shop.worker.confirm_order"),
        (WORKER, at(WORKER, "@shared_task"), None, "shop.worker.purge_abandoned_carts", "shop", "shop.worker.purge_abandoned_carts"),
        (MAILER, at(MAILER, "@app.task(name="), None, "mailer.send_receipt", "mailer", "mailer.tasks.send_receipt"),
    }
    assert {s.kind for s in facts.subscribers} == {"task"}
    assert {s.framework for s in facts.subscribers} == {"celery"}


def test_delay_apply_async_and_send_task_send_task_messages():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # the Task object carries its name to wherever it is imported
        (VIEWS, at(VIEWS, "resize_image.delay("), None, "shop.worker.resize_image", "shop", "shop.views.upload"),
        (VIEWS, at(VIEWS, 'send_task("analytics.track_upload"'), None, "analytics.track_upload", "shop", "shop.views.upload"),
        # queue= picks a broker queue, not the task
        (VIEWS, at(VIEWS, "confirm_order.apply_async("), None, "shop.orders.confirm", "shop", "shop.views.checkout"),
        (VIEWS, at(VIEWS, 'app.send_task("mailer.send_receipt"'), None, "mailer.send_receipt", "shop", "shop.views.checkout"),
        (VIEWS, at(VIEWS, 'current_app.send_task("mailer'), None, "mailer.send_receipt", "shop", "shop.views.resend"),
    }
    assert {p.kind for p in facts.publishers} == {"task"}
    [by_name] = [p for p in facts.publishers if p.line == at(VIEWS, 'app.send_task("mailer.send_receipt"')]
    assert by_name.payload_fields == ("order_id", "total")


def test_a_task_nothing_sends_is_not_a_phantom_subscription():
    result = api.lint([ROOT], api.load_config([ROOT]))
    flow = [(d.code, d.path, d.line) for d in result.diagnostics if d.code in ("EDA101", "EDA102")]
    # purge_abandoned_carts runs from a beat schedule (no EDA102); every task sent by name or object meets its
    # consumer, except the one whose worker is in another repository
    assert flow == [("EDA101", VIEWS, at(VIEWS, 'send_task("analytics.track_upload"'))]


def test_default_task_names_use_the_module_name_python_gives_not_a_disambiguated_one(tmp_path):
    # two deployables, each run from its own folder (`celery -A app.worker worker`), each with an
    # app/worker.py: eventlint tells the modules apart internally, but Celery names a task after
    # the module's __name__, which is `app.worker` in both
    worker = """
        from celery import Celery

        app = Celery("app", broker="amqp://guest@rabbit//")

        @app.task
        def {name}(user_id):
            return user_id
        """
    root = write_project(
        tmp_path / "repo",
        {
            "app1/app/__init__.py": "",
            "app1/app/worker.py": worker.format(name="sync_notification"),
            "app2/app/__init__.py": "",
            "app2/app/worker.py": worker.format(name="notify"),
        },
    )
    facts = facts_of(root)
    assert sorted(s.channel for s in facts.subscribers) == ["app.worker.notify", "app.worker.sync_notification"]
