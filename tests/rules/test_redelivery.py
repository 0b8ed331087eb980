"""EDA401 judges redelivery along the chain that feeds a handler (#14): a broker consumer's handler can see a
message again; an in-process bus and Celery (by default) hand each message over once, so their handlers repeat
their work only when their own subscription redelivers or when a handler at risk hands the event on."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from eventlint.catalog import load_catalog
from eventlint.config import Config
from eventlint.facts import Handler, HandlerCall, ProjectFacts, Publication, SiteRef, Subscription
from eventlint.rules.base import RuleContext
from eventlint.rules.delivery import NonIdempotentHandler
from eventlint.testing import lint_files

BUS = {
    "shop/__init__.py": "",
    "shop/events.py": (
        "class OrderPlaced:\n    def __init__(self, order_id):\n        self.order_id = order_id\n\n\n"
        "class OrderPaid:\n    def __init__(self, order_id):\n        self.order_id = order_id\n"
    ),
    "shop/bus.py": (
        "class MessageBus:\n    def __init__(self, handlers):\n        self.handlers = handlers\n\n"
        "    def handle(self, event):\n        for handler in self.handlers[type(event)]:\n            handler(event)\n"
    ),
    "billing/__init__.py": "",
    "billing/gateway.py": "def charge_card(order_id):\n    return order_id\n",
}
# two hops inside the process: OrderPlaced's handler hands OrderPaid to the same bus, whose handler charges
HANDLERS = """
from billing.gateway import charge_card
from shop.events import OrderPaid, OrderPlaced

def place(event):
    from shop.runtime import bus
    bus.handle(OrderPaid(event.order_id))

def charge(event):
    charge_card(event.order_id)

HANDLERS = {OrderPlaced: [place], OrderPaid: [charge]}
"""
RUNTIME = "from shop.bus import MessageBus\nfrom shop.handlers import HANDLERS\n\nbus = MessageBus(HANDLERS)\n"
KAFKA_FEEDER = """
from kafka import KafkaConsumer

from shop.events import OrderPlaced
from shop.runtime import bus

def on_order(value):
    bus.handle(OrderPlaced(value["order_id"]))

for message in KafkaConsumer("orders.placed", group_id="billing"):
    on_order(message.value)
"""
HTTP_FEEDER = """
from flask import Flask, request

from shop.events import OrderPlaced
from shop.runtime import bus

api = Flask(__name__)

@api.post("/orders")
def place_order():
    bus.handle(OrderPlaced(request.json["order_id"]))
    return "", 201
"""


def _bus_project(feeder: str) -> dict[str, str]:
    return {**BUS, "shop/handlers.py": HANDLERS, "shop/runtime.py": RUNTIME, "app.py": feeder}


def test_a_bus_handler_two_hops_from_a_kafka_consumer_is_at_risk_and_the_message_names_the_chain():
    found = lint_files(NonIdempotentHandler, _bus_project(KAFKA_FEEDER))
    assert [(d.path, d.line) for d in found] == [("shop/handlers.py", 9)]
    message = found[0].message
    assert "handlers.place hands it on through inhouse at shop/handlers.py:6" in message
    assert "app hands it on through inhouse at app.py:7 and consumes orders.placed (kafka-python)" in message


def test_the_same_bus_handler_fed_only_by_an_http_endpoint_is_silent():
    assert lint_files(NonIdempotentHandler, _bus_project(HTTP_FEEDER)) == []


def test_a_feeder_that_deduplicates_before_the_hand_off_stops_the_chain():
    feeder = KAFKA_FEEDER.replace(
        "def on_order(value):\n",
        "def on_order(value):\n    if already_processed(value['event_id']):\n        return\n",
    ).replace("from shop.runtime import bus\n", "from shop.runtime import bus\n\ndef already_processed(event_id):\n    return False\n")
    assert lint_files(NonIdempotentHandler, _bus_project(feeder)) == []


def test_naming_no_framework_once_judges_every_handler_as_before():
    found = lint_files(NonIdempotentHandler, _bus_project(HTTP_FEEDER), options={"once_frameworks": []})
    assert [(d.path, d.line) for d in found] == [("shop/handlers.py", 9)]
    assert "(" not in found[0].message.rpartition("repeats it")[2]  # a broker consumer's own handler: no chain to name


CELERY_TASK = """
import requests
from celery import shared_task
from django.db import transaction

from shop.models import Order

@shared_task({decorator})
{atomic}def ship(self, order_id):
    Order.objects.create(reference=order_id)
    requests.post("https://carrier.internal/shipments", json={{"order": order_id}})
    {after}
"""
MODELS = {"shop/__init__.py": "", "shop/models.py": "from django.db import models\n\n\nclass Order(models.Model):\n    reference = models.TextField()\n"}


def _task(decorator: str = "bind=True", atomic: bool = False, after: str = "") -> dict[str, str]:
    source = CELERY_TASK.format(decorator=decorator, atomic="@transaction.atomic\n" if atomic else "", after=after)
    return {"app.py": source, **MODELS}


def _lines(files: dict[str, str]) -> list[tuple[int, str]]:
    return [(d.line, d.message.split(" and nothing")[0].split(" ", 1)[1]) for d in lint_files(NonIdempotentHandler, files)]


def test_a_celery_task_nothing_feeds_from_a_broker_and_nothing_retries_is_silent():
    assert _lines(_task()) == []


def test_autoretry_for_repeats_what_came_before_the_failing_call():
    found = _lines(_task("bind=True, autoretry_for=(Exception,)", after="requests.get('https://carrier.internal/ping')"))
    assert found == [(9, "writes to the database (objects.create)")]


def test_a_retry_after_an_atomic_rollback_repeats_the_http_call_but_not_the_database_write():
    found = _lines(_task("bind=True, autoretry_for=(Exception,)", atomic=True, after="requests.get('https://carrier.internal/ping')"))
    assert found == [(11, "makes a state-changing HTTP request (requests.post)")]


def test_an_effect_nothing_follows_is_not_repeated_by_a_retry():
    # a retry comes after an exception; raised by the last call, it means that call's effect did not happen
    assert _lines(_task("bind=True, autoretry_for=(Exception,)", atomic=True)) == []


def test_acks_late_redelivers_even_after_an_atomic_block():
    # a worker lost between the commit and the late acknowledgement runs the task again
    found = lint_files(NonIdempotentHandler, _task("bind=True, acks_late=True", atomic=True))
    assert [d.line for d in found] == [10]
    assert "celery runs it again for the same message: ack:after-handler" in found[0].message


def test_a_bound_task_that_asks_for_a_retry_is_at_risk():
    found = lint_files(NonIdempotentHandler, _task(after="self.retry(countdown=5)"))
    assert [d.line for d in found] == [9]
    assert "self.retry" in found[0].message


# -- the facts shape of a consumer dispatching through a map to Celery tasks (#13 writes it) -------------------


def _call(name: str, function: str, line: int, depth: int = 0) -> HandlerCall:
    return HandlerCall(name=name, text=name, path="svc/tasks.py", line=line, column=5, function=function, depth=depth)


def _facts(dispatched: bool) -> ProjectFacts:
    """A Kafka consumer loop whose `EVENT_HANDLERS[topic][key].delay(event)` names two tasks (one publication
    record per task, at the same site), and a beat-fed task queued by a periodic job."""
    consume = "svc.consuming.Consumer.consume"
    site = SiteRef("svc/consuming.py", 30, 21)
    tasks = ("svc.tasks.create_user", "svc.tasks.charge", "svc.tasks.close_cycle")
    subscribers = [
        Subscription(event=None, channel="users", framework="confluent-kafka", service="svc", path="svc/consuming.py",
                     line=12, column=9, handler=consume, ack="auto-commit", function="svc.consuming.Consumer.__init__"),
        *(Subscription(event=None, channel=t, framework="celery", service="svc", path="svc/tasks.py", line=10 * i + 1,
                       column=1, handler=t, kind="task") for i, t in enumerate(tasks)),
        Subscription(event=None, channel="svc.tasks.close_cycles", framework="celery", service="svc", path="svc/tasks.py",
                     line=40, column=1, handler="svc.tasks.close_cycles", kind="task"),
    ]
    publishers = [
        Publication(event=None, channel="svc.tasks.close_cycle", framework="celery", service="svc", path="svc/tasks.py",
                    line=43, column=9, function="svc.tasks.close_cycles", kind="task"),
    ]
    if dispatched:
        publishers += [
            Publication(event=None, channel=t, framework="celery", service="svc", path=site.path, line=site.line,
                        column=site.column, function=consume, kind="task", derived=True)
            for t in tasks[:2]
        ]
    handlers = [
        Handler(name=consume, path="svc/consuming.py", line=25, column=5, service="svc", functions=(consume,),
                publications=(site,) if dispatched else ()),
        Handler(name="svc.tasks.close_cycles", path="svc/tasks.py", line=41, column=1, service="svc",
                functions=("svc.tasks.close_cycles",), publications=(SiteRef("svc/tasks.py", 43, 9),)),
        *(Handler(name=t, path="svc/tasks.py", line=10 * i + 2, column=1, service="svc", functions=(t,),
                  calls=(_call("svc.models.User.objects.create", t, 10 * i + 3),))
          for i, t in enumerate(tasks)),
    ]
    return ProjectFacts(root=".", publishers=tuple(publishers), subscribers=tuple(subscribers), handlers=tuple(handlers))


def _check(facts: ProjectFacts) -> list[tuple[int, str]]:
    config = Config(root=Path("."))
    ctx = RuleContext(facts=facts, config=config, catalog=load_catalog(config))
    return sorted((d.line, d.message) for d in NonIdempotentHandler().check(ctx))


def test_celery_tasks_dispatched_from_a_kafka_consumer_loop_are_at_risk_and_the_beat_fed_one_is_not():
    found = _check(_facts(dispatched=True))
    assert [line for line, _ in found] == [3, 13]
    assert all(
        "Consumer.consume hands it on through celery at svc/consuming.py:30 and consumes users (confluent-kafka)" in m
        for _, m in found
    )


def test_until_the_dispatch_is_known_no_task_is_judged_at_risk():
    assert _check(_facts(dispatched=False)) == []


def test_the_retry_setting_round_trips_through_the_facts_document():
    facts = _facts(dispatched=False)
    sub = dataclasses.replace(facts.subscribers[1], retry="on-error")
    facts = dataclasses.replace(facts, subscribers=(facts.subscribers[0], sub, *facts.subscribers[2:]))
    assert ProjectFacts.from_json(facts.to_json()).subscribers[1].retry == "on-error"


def test_the_bus_pack_eventlint_init_writes_is_still_in_process(tmp_path):
    from eventlint import api
    from eventlint.testing import write_project

    root = write_project(tmp_path / "shop", _bus_project(HTTP_FEEDER))
    outcome = api.init_project([root], force=True)
    assert outcome.bus_packs  # the bus is now described by a pack named after it, not `inhouse`
    result = api.lint([root], select=["EDA401"], use_config_baseline=False)
    assert {s.framework for s in result.facts.subscribers} == {"inhouse-message-bus"}
    assert result.diagnostics == ()
    kafka = write_project(tmp_path / "kafka", _bus_project(KAFKA_FEEDER))
    api.init_project([kafka], force=True)
    found = api.lint([kafka], select=["EDA401"], use_config_baseline=False).diagnostics
    assert [(d.path, d.line) for d in found] == [("shop/handlers.py", 9)]


def test_a_retried_task_that_queues_another_before_the_failing_call_queues_it_again():
    source = """
import requests
from celery import shared_task

@shared_task
def notify(order_id):
    requests.post("https://mail.internal/send", json={"order": order_id})

@shared_task(autoretry_for=(Exception,))
def close(order_id):
    notify.delay(order_id)
    requests.get(f"https://carrier.internal/orders/{order_id}").raise_for_status()

@shared_task(autoretry_for=(Exception,))
def close_last(order_id):
    requests.get(f"https://carrier.internal/orders/{order_id}").raise_for_status()
    notify.delay(order_id)
"""
    found = lint_files(NonIdempotentHandler, source)
    assert [d.line for d in found] == [6]
    assert "close hands it on through celery at app.py:10; celery runs it again for the same message: retry:on-error" in found[0].message
    # the same task queued only as the last thing a retried task does is not queued twice
    assert lint_files(NonIdempotentHandler, source.replace("    notify.delay(order_id)\n    requests.get", "    requests.get", 1)) == []
