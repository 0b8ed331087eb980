"""Handler maps inside a handler (fixtures/handler_maps): every function of a module-level map with known keys that
the message is dispatched through is a handler of its own, named with the handler that dispatches to it."""

import pytest

from eventlint import api
from eventlint.config import load_config
from eventlint.facts import SiteRef
from tests.helpers import facts_of, fixture, line_of, write_project
from tests.rules.test_debugging import diagnostics

ROOT = fixture("handler_maps")
APP = ROOT / "rewards/app.py"
WORKER = ROOT / "claims/claims/worker.py"
STORE = ROOT / "claims/claims/store.py"


def dispatched(facts):
    return {h.name: (h.role, h.dispatched_by, h.dispatch_site) for h in facts.handlers if h.dispatched_by}


def test_a_lambda_routing_by_detail_type_and_a_pool_routing_by_topic_make_each_mapped_function_a_handler():
    facts = facts_of(ROOT)
    lambda_site = SiteRef("rewards/app.py", line_of(APP, 'ROUTES[event["detail-type"]](event["detail"])'), 5)
    pool_site = SiteRef("claims/claims/worker.py", line_of(WORKER, "handler(json.loads(raw))"), 9)
    assert dispatched(facts) == {
        "app.credit_points": ("handler", "app.on_event", lambda_site),
        "app.debit_points": ("handler", "app.on_event", lambda_site),
        "app.thank_reviewer": ("handler", "app.on_event", lambda_site),
        # keyed by an environment default and a constant of another module, looked up with .get into a local name
        "claims.store.open_claim": ("handler", "claims.worker.process", pool_site),
        "claims.store.close_claim": ("handler", "claims.worker.process", pool_site),
    }
    # the dispatching handler keeps only its own calls: the routed functions are judged on their own
    on_event = next(h for h in facts.handlers if h.name == "app.on_event")
    assert on_event.functions == ("app.on_event",)


def test_maps_known_only_at_run_time_dispatch_nothing():
    facts = facts_of(ROOT)
    # `{os.environ["AUDIT_TOPIC"]: ...}` (a key with no default) and a map filled by register() at run time
    assert not any(h.dispatched_by == "claims.audit.run" for h in facts.handlers)
    assert "claims.store.open_claim" not in {h.name for h in facts.handlers if h.dispatched_by is None}


def test_the_handler_rules_judge_the_mapped_functions_at_their_effects():
    result = api.lint([ROOT], load_config([ROOT]), select=["EDA401", "EDA402", "EDA502"])
    found = {(d.code, d.path, d.line) for d in result.diagnostics}
    assert found == {
        # no idempotency key (debit_points sends one: no finding there)
        ("EDA401", "rewards/app.py", line_of(APP, "response = requests.post(LEDGER, json=")),
        ("EDA401", "rewards/app.py", line_of(APP, "ses.send_email(")),
        # thank_reviewer's `except Exception` guards a thank-you mail alone: best-effort (EDA502, below without that)
        ("EDA401", "claims/claims/store.py", line_of(STORE, "conn.execute(\"INSERT")),
        ("EDA401", "claims/claims/store.py", line_of(STORE, "conn.execute(\"UPDATE")),
        # the automatic commit is judged by the work the routed functions do
        ("EDA402", "claims/claims/worker.py", line_of(WORKER, "consumer.subscribe(")),
        # claims.audit.run: its maps are unknown, so nothing it would dispatch to is judged
    }
    messages = {d.line: d.message for d in result.diagnostics if d.path == "rewards/app.py"}
    dispatch_line = line_of(APP, 'ROUTES[event["detail-type"]](event["detail"])')
    assert f"app.credit_points (dispatched by app.on_event, line {dispatch_line})" in messages[line_of(APP, "response = requests.post(LEDGER, json=")]
    # a team for which a lost mail is a failure: the routed function's clause is judged as a handler's
    swallowed = diagnostics(ROOT, "EDA502", {"best_effort_calls": []})
    assert [(d.path, d.line) for d in swallowed] == [("rewards/app.py", line_of(APP, "except Exception:"))]
    assert f"(dispatched by app.on_event, line {dispatch_line})" in swallowed[0].message


@pytest.mark.parametrize(("decorator", "judged"), [("@app.task", False), ("@app.task(acks_late=True)", True)])
def test_a_mapped_function_is_as_much_at_risk_as_the_task_that_dispatches_to_it(tmp_path, decorator, judged):
    # a Celery task acknowledged before it runs and never retried hands each message over once: what it
    # dispatches to is as safe as the task itself; acknowledged late, a redelivery runs both again
    root = write_project(
        tmp_path,
        {
            "jobs/__init__.py": "",
            "jobs/tasks.py": """
import requests
from celery import Celery

app = Celery("jobs")


def charge(payload):
    requests.post("https://pay.internal/charges", json=payload)


ROUTES = {"charge": charge}


DECORATOR
def run(kind, payload):
    ROUTES[kind](payload)
""".replace("DECORATOR", decorator),
        },
    )
    facts = facts_of(root)
    assert dispatched(facts)["jobs.tasks.charge"][1] == "jobs.tasks.run"
    result = api.lint([root], load_config([root]), select=["EDA401"])
    assert [(d.path, d.line) for d in result.diagnostics] == (
        [("jobs/tasks.py", line_of(root / "jobs/tasks.py", "requests.post("))] if judged else []
    )


def test_the_dispatch_fields_survive_the_facts_document():
    facts = facts_of(ROOT)
    document = facts.to_json()
    routed = next(h for h in document["handlers"] if h["name"] == "app.credit_points")
    assert routed["dispatched_by"] == "app.on_event" and set(routed["dispatch_site"]) == {"path", "line", "column"}
    plain = next(h for h in document["handlers"] if h["name"] == "app.on_event")
    assert "dispatched_by" not in plain and "dispatch_site" not in plain
    assert type(facts).from_json(document) == facts
