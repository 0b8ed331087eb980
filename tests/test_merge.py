"""Facts from other repositories: `eventlint facts --repository NAME -o FILE` there, `check --facts` here."""

from __future__ import annotations

import json

from click.testing import CliRunner

from eventlint import api
from eventlint.cli import main
from tests.helpers import write_project

ORDERS = {
    "services/orders/orders/__init__.py": "",
    "services/orders/orders/api.py": """
        from kafka import KafkaProducer

        producer = KafkaProducer()

        def place(order):
            producer.send("orders.placed", {"order_id": order.id})
        """,
}
BILLING = {
    "services/billing/billing/__init__.py": "",
    "services/billing/billing/consumer.py": """
        import json

        from kafka import KafkaConsumer

        def run():
            consumer = KafkaConsumer("orders.placed", group_id="billing", enable_auto_commit=False)
            for message in consumer:
                print(json.loads(message.value)["order_id"])
                consumer.commit()
        """,
}


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _facts_file(tmp_path, name, files, repository=None):
    root = write_project(tmp_path / name, files, config={})
    out = tmp_path / "artefacts" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    args = ["facts", root, "-o", out] + (["--repository", repository] if repository else [])
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return root, out


def test_facts_file_names_its_repository(tmp_path):
    _, out = _facts_file(tmp_path, "billing-repo", BILLING, repository="billing")
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["repository"] == "billing"
    assert "repository" not in document["services"][0]  # a repository's own services are untagged


def test_a_consumer_in_another_repository_answers_an_orphan_publication(tmp_path):
    orders, _ = _facts_file(tmp_path, "orders-repo", ORDERS)
    alone = invoke("check", orders, "--select", "EDA101", "--format", "json")
    assert alone.exit_code == 1 and "orders.placed" in alone.output
    _facts_file(tmp_path, "billing-repo", BILLING, repository="billing")
    merged = invoke("check", orders, "--select", "EDA101", "--format", "json", "--facts", tmp_path / "artefacts" / "billing-repo.json")
    assert merged.exit_code == 0, merged.output
    result = api.lint([orders], api.load_config([orders]), foreign_facts=[tmp_path / "artefacts" / "billing-repo.json"])
    assert {(s.name, s.repository) for s in result.facts.services} == {("orders", None), ("billing", "billing")}
    (consumer,) = [s for s in result.facts.subscribers if s.service == "billing"]
    assert consumer.path == "billing::services/billing/billing/consumer.py" and consumer.function == "billing::billing.consumer.run"


def test_a_directory_of_facts_files_and_foreign_findings_stay_foreign(tmp_path):
    orders, _ = _facts_file(tmp_path, "orders-repo", ORDERS)
    # the billing repository has a consumer whose channel nobody here or there publishes
    lonely = dict(BILLING)
    lonely["services/billing/billing/consumer.py"] = lonely["services/billing/billing/consumer.py"].replace("orders.placed", "refunds.issued")
    _facts_file(tmp_path, "billing-repo", lonely, repository="billing")
    result = invoke("check", orders, "--facts", tmp_path / "artefacts", "--format", "json")
    paths = {d["path"] for d in json.loads(result.output)["diagnostics"]}
    assert paths and all(not p.startswith("billing::") for p in paths), paths


def test_conflicting_service_definitions_are_reported_not_merged(tmp_path):
    orders, _ = _facts_file(tmp_path, "orders-repo", ORDERS)
    _facts_file(tmp_path, "legacy-repo", ORDERS, repository="legacy")
    result = invoke("check", orders, "--facts", tmp_path / "artefacts" / "legacy-repo.json")
    assert result.exit_code == 2
    assert "service 'orders' of repository 'legacy' is also defined by orders-repo (local)" in result.output
    assert "legacy-repo.json" in result.output and "Traceback" not in result.output


def test_the_same_repository_twice_is_a_conflict(tmp_path):
    orders, _ = _facts_file(tmp_path, "orders-repo", ORDERS)
    _, first = _facts_file(tmp_path, "billing-repo", BILLING, repository="billing")
    second = tmp_path / "artefacts" / "billing-copy.json"
    second.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    result = invoke("check", orders, "--facts", first, "--facts", second)
    assert result.exit_code == 2 and "repository 'billing' is also described by" in result.output


def test_this_repositorys_own_artefact_is_skipped(tmp_path):
    orders, own = _facts_file(tmp_path, "orders-repo", ORDERS)
    plain = invoke("check", orders, "--format", "json")
    with_own = invoke("check", orders, "--format", "json", "--facts", own)
    assert (with_own.exit_code, with_own.output) == (plain.exit_code, plain.output)


def test_bad_facts_files_name_the_file_and_exit_2(tmp_path):
    orders, _ = _facts_file(tmp_path, "orders-repo", ORDERS)
    bad = tmp_path / "bad.json"
    for text, expected in (
        ("{not json", "expected a JSON facts document"),
        ('{"eventlint_facts": 99, "root": "/x"}', "eventlint_facts"),
        ('{"eventlint_facts": 1, "root": "/x"}', "missing required key"),
        (json.dumps({"eventlint_facts": 1, "root": "/x", "files": 1, "services": [], "publishers": [{"event": 3}],
                     "subscribers": [], "bindings": [], "handlers": [], "diagnostics": [], "skipped": []}), "publishers[0]"),
    ):
        bad.write_text(text, encoding="utf-8")
        result = invoke("check", orders, "--facts", bad)
        assert result.exit_code == 2, result.output
        assert str(bad) in result.output and expected in result.output and "Traceback" not in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("check", orders, "--facts", empty)
    assert result.exit_code == 2 and "found none" in result.output


def test_repository_name_is_checked(tmp_path):
    root = write_project(tmp_path / "r", ORDERS, config={})
    result = invoke("facts", root, "--repository", "a::b")
    assert result.exit_code == 2 and "--repository" in result.output
