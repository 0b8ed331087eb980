"""Example, demo and tutorial code: the completeness rules (EDA101, EDA102, EDA501) do not report a site under a
folder of examples (rules/knowledge/example-code.yaml, their `example_folders` option); the rules about what code
does wrong still do, the graph is unchanged, and the analysed root's own name never counts."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from eventlint import api, schemas
from eventlint.config import load_config
from eventlint.rules import knowledge
from tests.helpers import write_project

# one path per entry of the knowledge file, where real projects keep such code
EXAMPLE_PATHS = [
    "examples/basic_examples/aws_sns_sqs_service.py",  # tomodachi
    "example/consumer.py",
    "samples/snippets/subscriber.py",  # googleapis python-pubsub
    "sample/worker.py",
    "demo/worker.py",
    "demos/kafka/consumer.py",
    "tutorial/receive_logs.py",
    "tutorials/rabbitmq/worker.py",
    "docs/source/rabbitmq-tutorial/examples/2-work-queues/worker.py",  # aio-pika
    "docs_src/getting_started/subscription/app.py",  # FastStream, FastAPI
    "library/Examples/app.py",  # any depth, any case
]
# service code that only looks like it
SERVICE_PATHS = ["examples.py", "src/exampleservice/app.py", "services/demo_api/consumer.py", "orders/sampler/worker.py", "app.py"]


@pytest.mark.parametrize("path", EXAMPLE_PATHS)
def test_a_path_under_an_example_folder_is_example_code(path):
    assert knowledge.in_example_folder(path, knowledge.example_folders())
    assert not knowledge.in_example_folder(path, ())  # the option emptied: nothing is example code


@pytest.mark.parametrize("path", SERVICE_PATHS)
def test_a_service_path_is_not_example_code(path):
    assert not knowledge.in_example_folder(path, knowledge.example_folders())


def test_every_entry_of_the_knowledge_file_is_matched_by_a_real_path():
    for entry in knowledge.example_folders():
        assert any(knowledge.in_example_folder(p, (entry,)) for p in EXAMPLE_PATHS), f"{entry} has no path in EXAMPLE_PATHS"


def test_knowledge_file_is_valid_and_a_mistake_names_the_key():
    assert schemas.problems({"version": 1, "folders": ["examples"]}, "example_code") == []
    assert [k for k, _ in schemas.problems({"version": 1, "folders": ["a/b"]}, "example_code")] == ["folders[0]"]


def lint(tmp_path: Path, files: dict[str, str], codes: list[str], options: dict | None = None) -> list:
    analysed = write_project(tmp_path, {k: textwrap.dedent(v) for k, v in files.items()}, {"exclude": []})
    config = load_config([analysed])
    if options:
        config = dataclasses.replace(config, raw={**config.raw, "rules": {"options": {c: options for c in codes}}})
    return sorted((d.code, d.path) for d in api.lint([analysed], config, select=codes).diagnostics if d.code in codes)


# a tomodachi service (tomodachi.aws_sns_sqs and aws_sns_sqs_publish, as in tomodachi's own examples/) that stores a
# receipt, then announces it on a topic nothing here consumes
SERVICE = """
    import tomodachi
    from tomodachi.envelope.json_base import JsonBase

    from receipts import store

    class Receipts(tomodachi.Service):
        name = "receipts"

        @tomodachi.aws_sns_sqs("orders-paid", queue_name="receipts-orders-paid", message_envelope=JsonBase)
        async def on_paid(self, data: dict) -> None:
            await store.save(data["order_id"])
            await tomodachi.aws_sns_sqs_publish(self, {"order_id": data["order_id"]}, topic="receipts-stored", message_envelope=JsonBase)
"""
STORE = {"receipts/__init__.py": "", "receipts/store.py": "async def save(order_id):\n    open('receipts.txt', 'a').write(order_id)\n"}
PAYER = """
    import tomodachi
    from tomodachi.envelope.json_base import JsonBase

    class Payments(tomodachi.Service):
        name = "payments"

        @tomodachi.http("POST", r"/pay")
        async def pay(self, request):
            await tomodachi.aws_sns_sqs_publish(self, {"order_id": "o-1"}, topic="orders-paid", message_envelope=JsonBase)
"""


def test_the_completeness_rules_are_quiet_on_example_code_and_report_the_same_service_code(tmp_path):
    codes = ["EDA101", "EDA501"]
    # the same file as a service: no dead-letter queue, and nothing consumes receipts-stored
    assert lint(tmp_path / "a", {"service/app.py": SERVICE, **STORE}, codes) == [("EDA101", "service/app.py"), ("EDA501", "service/app.py")]
    # under a library's examples/: it teaches the decorator and the publish call, not a deployment
    assert lint(tmp_path / "b", {"library/examples/app.py": SERVICE, **STORE}, codes) == []
    # a team that wants example code judged too empties the option
    found = lint(tmp_path / "c", {"library/examples/app.py": SERVICE, **STORE}, codes, {"example_folders": []})
    assert found == [("EDA101", "library/examples/app.py"), ("EDA501", "library/examples/app.py")]


def test_the_analysed_roots_own_name_never_counts(tmp_path):
    # `eventlint check examples/`: that code is the project being judged
    found = lint(tmp_path / "examples", {"app.py": SERVICE, **STORE}, ["EDA101", "EDA501"])
    assert found == [("EDA101", "app.py"), ("EDA501", "app.py")]


def test_a_subscription_in_example_code_with_no_publisher_is_quiet(tmp_path):
    consumer_only = SERVICE.replace('            await tomodachi.aws_sns_sqs_publish(self, {"order_id": data["order_id"]}, topic="receipts-stored", message_envelope=JsonBase)\n', "")
    # a tomodachi consumer whose queue has no publisher here: EDA102 in service code, quiet in docs_src/
    assert lint(tmp_path / "a", {"svc/app.py": consumer_only, **STORE}, ["EDA102"]) == [("EDA102", "svc/app.py")]
    assert lint(tmp_path / "b", {"docs_src/app.py": consumer_only, **STORE}, ["EDA102"]) == []
    assert lint(tmp_path / "c", {"docs_src/app.py": consumer_only, **STORE}, ["EDA102"], {"example_folders": []}) == [("EDA102", "docs_src/app.py")]


def test_example_code_still_counts_in_the_graph_and_for_the_rules_about_wrong_code(tmp_path):
    # the service's publication of orders-paid is consumed by the example: not an orphan, whatever the example is
    assert lint(tmp_path / "a", {"payments/app.py": PAYER, "examples/app.py": SERVICE, **STORE}, ["EDA101"]) == []
    # and the example's own orphan is not reported while the service's would be
    found = lint(tmp_path / "b", {"payments/app.py": PAYER, "examples/app.py": SERVICE, **STORE}, ["EDA101"], {"example_folders": []})
    assert found == [("EDA101", "examples/app.py")]
