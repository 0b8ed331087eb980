"""fixtures/sam_shared_folder: SAM functions sharing one code folder are one service, and EventBridge
publications meet rules by detail-type when both sides know it (the shared source is not the event)."""

from eventlint import api
from eventlint.config import load_config
from eventlint.units import infer_services
from tests.helpers import facts_of, fixture, line_of, write_project

ROOT = fixture("sam_shared_folder")


def test_functions_sharing_a_code_folder_are_one_service():
    facts = facts_of(ROOT)
    services = {s.name: s.paths for s in facts.services}
    assert services == {"orders": ("orders/api.py", "orders/payments.py"), "shipping": ("shipping/app.py",)}
    assert {p.service for p in facts.publishers} == {"orders"}


def test_functions_with_folders_of_their_own_stay_apart(tmp_path):
    template = """
Transform: AWS::Serverless-2016-10-31
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: payments/, Handler: app.handler}
  B:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: refunds/, Handler: app.handler}
  C:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: refunds/, Handler: audit.handler}
"""
    write_project(tmp_path, {"template.yaml": template, "payments/app.py": "", "refunds/app.py": "", "refunds/audit.py": ""})
    owner, services = infer_services(tmp_path, ["payments/app.py", "refunds/app.py", "refunds/audit.py", "template.yaml"])
    assert owner["payments/app.py"] == "payments"
    assert owner["refunds/app.py"] == owner["refunds/audit.py"] == "refunds"
    assert len(services) == 2


def test_a_rule_on_one_detail_type_does_not_consume_another_of_the_same_source():
    result = api.lint([ROOT], load_config([ROOT]), select=["EDA101", "EDA102"])
    api_py = ROOT / "orders/api.py"
    # OrderPlaced shares the source shop.orders with OrderPaid, which shipping's rule matches: it is still unconsumed
    assert {(d.code, d.path, d.line) for d in result.diagnostics} == {("EDA101", "orders/api.py", line_of(api_py, "events.put_events("))}


def test_a_rule_without_a_detail_type_takes_every_event_of_its_source(tmp_path):
    template = (ROOT / "template.yaml").read_text().replace("              detail-type: [OrderPaid]\n", "")
    files = {
        "template.yaml": template,
        "orders/api.py": (ROOT / "orders/api.py").read_text(),
        "orders/payments.py": (ROOT / "orders/payments.py").read_text(),
        "shipping/app.py": (ROOT / "shipping/app.py").read_text(),
    }
    root = write_project(tmp_path, files)
    result = api.lint([root], load_config([root]), select=["EDA101", "EDA102"])
    assert [d.code for d in result.diagnostics] == []
