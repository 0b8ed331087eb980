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


# -- tasks reached through a handler map (fixtures/celery_dispatch) ---------------------------------

DISPATCH = fixture("celery_dispatch")
CONSUMING = "services/ledger/ledger/consuming.py"


def test_delay_on_a_task_chosen_from_a_nested_map_sends_each_task_the_map_holds():
    facts = facts_of(DISPATCH)
    line = line_of(DISPATCH / CONSUMING, "handler.delay(event)")
    sent = [p for p in facts.publishers if p.path == CONSUMING]
    # topic then message key, both read from the Kafka record: any of the three tasks, never record_refund
    assert sorted((p.line, p.channel, p.kind, p.derived) for p in sent) == [
        (line, "ledger.pay_out", "task", True),
        (line, "ledger.tasks.charge_assignment", "task", True),
        (line, "ledger.tasks.open_account", "task", True),
    ]
    assert {p.function for p in sent} == {"ledger.consuming.KafkaConsumer.consume"}
    assert all(p.provenance and p.provenance.startswith("one of 3 values of `self.EVENT_HANDLERS[topic][key]`") for p in sent)


def test_the_map_s_tasks_meet_their_workers_and_are_no_fan_in_from_elsewhere():
    result = api.lint([DISPATCH], api.load_config([DISPATCH]))
    codes = {d.code for d in result.diagnostics}
    # every task the consumer sends has its worker in the same service: no EDA101 / EDA102 for them
    assert not any(d.code in ("EDA101", "EDA102") and "ledger.tasks.open_account" in d.message for d in result.diagnostics)
    assert "EDA603" not in codes
    graph = result.graph
    assert set(graph.publishers_of("ledger.tasks.open_account")) == {"ledger"}


def _tasks_module() -> str:
    return """
        from celery import shared_task

        @shared_task
        def a(event):
            return event

        @shared_task
        def b(event):
            return event

        def c(event):
            return event
        """


def test_a_one_level_map_by_subscript_and_by_get(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "svc/__init__.py": "",
            "svc/tasks.py": _tasks_module(),
            "svc/worker.py": """
                from svc import tasks

                HANDLERS = {"a": tasks.a, "b": tasks.b}

                def on_message(message):
                    HANDLERS[message["kind"]].delay(message)

                def on_other(message):
                    task = HANDLERS.get(message["kind"])
                    task.apply_async((message,))

                def on_known():
                    HANDLERS["b"].delay({})
                """,
        },
    )
    facts = facts_of(root)
    sent = sorted((p.function.rsplit(".", 1)[-1], p.channel, p.derived) for p in facts.publishers)
    assert sent == [
        ("on_known", "svc.tasks.b", False),
        ("on_message", "svc.tasks.a", True),
        ("on_message", "svc.tasks.b", True),
        ("on_other", "svc.tasks.a", True),
        ("on_other", "svc.tasks.b", True),
    ]


def test_a_map_that_also_holds_something_else_names_no_task(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "svc/__init__.py": "",
            "svc/tasks.py": _tasks_module(),
            "svc/worker.py": """
                from svc import tasks

                MIXED = {"a": tasks.a, "c": tasks.c}
                EXTENDED = {"a": tasks.a, **EXTRA}
                NESTED = {"x": {"a": tasks.a}, "y": tasks.b}

                def on_message(message):
                    MIXED[message["kind"]].delay(message)
                    EXTENDED[message["kind"]].delay(message)
                    NESTED[message["t"]][message["kind"]].delay(message)
                """,
        },
    )
    facts = facts_of(root)
    # a plain function, an unknown spread and a path that leaves the maps: which task runs is not known
    assert [p.channel for p in facts.publishers if p.channel is not None] == []


# -- celery beat schedules ----------------------------------------------------------------------------

LEDGER_CELERY = "services/ledger/ledger/celery.py"
LEDGER_SETTINGS = "services/ledger/ledger/settings.py"
REPORTS = "services/reports/reports/worker.py"


def test_each_beat_schedule_entry_sends_its_task_from_the_service_that_schedules_it():
    facts = facts_of(DISPATCH)
    scheduled = {(p.path, p.line, p.channel, p.service, p.kind, p.derived) for p in facts.publishers if p.path != CONSUMING}
    assert scheduled == {
        # app.conf.beat_schedule = {...}: at the entry's 'task' line
        (LEDGER_CELERY, line_of(DISPATCH / LEDGER_CELERY, '"task": "ledger.tasks.close_billing_cycles"'), "ledger.tasks.close_billing_cycles", "ledger", "task", False),
        # Django settings read with namespace="CELERY"
        (LEDGER_SETTINGS, line_of(DISPATCH / LEDGER_SETTINGS, '"task": "ledger.tasks.send_payout_report"'), "ledger.tasks.send_payout_report", "ledger", "task", False),
        # app.conf.update(beat_schedule=SCHEDULE), the mapping assigned above it
        (REPORTS, line_of(DISPATCH / REPORTS, '"task": "reports.worker.build_daily_report"'), "reports.worker.build_daily_report", "reports", "task", False),
        # a name built at run time stays unknown (and says so)
        (REPORTS, line_of(DISPATCH / REPORTS, '"task": app.main'), None, "reports", "task", False),
        # add_periodic_task(schedule, sig) in the on_after_configure handler: the signature's task
        (REPORTS, line_of(DISPATCH / REPORTS, "sender.add_periodic_task("), "reports.worker.refresh_totals", "reports", "task", False),
        # a signature sent at once
        (REPORTS, line_of(DISPATCH / REPORTS, ".apply_async(countdown=5)"), "reports.worker.refresh_totals", "reports", "task", False),
    }
    [unknown] = [p for p in facts.publishers if p.path == REPORTS and p.channel is None]
    assert unknown.unresolved is not None


def test_scheduled_tasks_meet_their_workers():
    result = api.lint([DISPATCH], api.load_config([DISPATCH]))
    flow = sorted((d.code, d.path, d.message.split(" consumes ")[-1]) for d in result.diagnostics if d.code in ("EDA101", "EDA102"))
    # every task sent (through the map, by a schedule) has its worker; only the two Kafka topics, which another
    # service publishes, have no publisher here
    assert flow == [
        ("EDA102", CONSUMING, "task-lifecycle, which nothing in the analysed code publishes"),
        ("EDA102", CONSUMING, "user-stream, which nothing in the analysed code publishes"),
    ]


def test_a_schedule_on_something_that_is_not_a_celery_app_is_no_site(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "svc/__init__.py": "",
            "svc/settings.py": """
                # a Django settings module: it imports nothing of Celery's
                CELERYBEAT_SCHEDULE = {"old-style": {"task": "svc.jobs.tick", "schedule": 10.0}}
                BEAT_SCHEDULE = {"not-a-setting": {"task": "svc.jobs.never", "schedule": 10.0}}
                """,
            # a celeryconfig module read with app.config_from_object("svc.celeryconfig")
            "svc/celeryconfig.py": """
                beat_schedule = {"every-minute": {"task": "svc.jobs.minute", "schedule": 60.0}}
                """,
            "svc/worker.py": """
                from celery import Celery

                class Config:
                    pass

                app = Celery("svc")
                config = Config()
                config.beat_schedule = {"mine": {"task": "svc.jobs.mine", "schedule": 1.0}}
                config.update(beat_schedule={"mine": {"task": "svc.jobs.mine", "schedule": 1.0}})
                app.conf.beat_schedule = {"no-task": {"schedule": 1.0}}
                """,
        },
    )
    facts = facts_of(root)
    assert sorted((p.path, p.channel) for p in facts.publishers) == [("svc/celeryconfig.py", "svc.jobs.minute"), ("svc/settings.py", "svc.jobs.tick")]


def test_the_prefilter_keeps_a_settings_module_that_names_no_framework(tmp_path):
    from eventlint.config import Config
    from eventlint.extract.patterns import load_patterns
    from eventlint.extract.prefilter import triggers

    found = triggers(load_patterns(Config(tmp_path)))
    assert found.search(b'CELERY_BEAT_SCHEDULE = {"x": {"task": "a.b", "schedule": 1.0}}\n')
    assert not found.search(b'INSTALLED_APPS = ["shop"]\n')


def test_add_periodic_task_on_something_else_or_with_no_signature(tmp_path):
    root = write_project(
        tmp_path / "repo",
        {
            "svc/__init__.py": "",
            "svc/worker.py": """
                from celery import Celery

                app = Celery("svc")

                @app.task
                def tick():
                    pass

                @app.on_after_finalize.connect
                def setup(sender, **kwargs):
                    sender.add_periodic_task(5.0, tick.signature(), name="tick")
                    sender.add_periodic_task(5.0, make_signature())
                """,
            # a module that does not import celery: its add_periodic_task is someone else's
            "svc/cron.py": """
                from svc import tick_source

                def setup(scheduler):
                    scheduler.add_periodic_task(5.0, tick_source.job)
                """,
        },
    )
    facts = facts_of(root)
    assert sorted((p.path, p.channel or "") for p in facts.publishers) == [("svc/worker.py", ""), ("svc/worker.py", "svc.worker.tick")]
