"""Declarative policies (eventlint/rules/policy.py): each constraint, the engine features they reuse, and their errors."""

import json
import textwrap

import pytest
import yaml
from click.testing import CliRunner

from eventlint import api
from eventlint.cli import main
from eventlint.config import ConfigError
from eventlint.testing import Expect, assert_findings, lint_files, policy_rules
from tests.helpers import line_of, write_project

# marketing publishes coupons; payments and analytics consume them; orders publishes to audit.*
FILES = {
    "services/marketing/campaigns.py": """
        from kafka import KafkaProducer

        producer = KafkaProducer()

        def launch(coupon):
            producer.send("marketing.coupon-issued", value={"coupon_id": coupon.id, "percent": coupon.percent}, key=coupon.id)
    """,
    "services/payments/discounts.py": """
        from kafka import KafkaConsumer

        def apply_coupon(event):
            print(event["coupon_id"])

        for message in KafkaConsumer("marketing.coupon-issued", group_id="payments"):
            apply_coupon(message.value)
    """,
    "services/analytics/sink.py": """
        from kafka import KafkaConsumer

        for message in KafkaConsumer("marketing.coupon-issued", group_id="analytics"):
            print(message.value)
    """,
    "services/orders/audit.py": """
        from kafka import KafkaProducer

        producer = KafkaProducer()

        def record(order, user):
            producer.send("audit.orders", value={"order_id": order.id, "actor_id": user.id}, key=order.id)

        def record_anonymously(order):
            producer.send("audit.orders", value={"order_id": order.id}, key=order.id)

        def record_opaque(payload):
            producer.send("audit.orders", value=payload, key=payload["id"])
    """,
}
CONFIG = {
    "services": {name: [f"services/{name}/**"] for name in ("marketing", "payments", "analytics", "orders")},
    "contexts": {
        "growth": {"services": ["marketing", "analytics"]},
        "money": {"services": ["payments"]},
        "commerce": {"services": ["orders"]},
    },
    "exclude": [],
    "policies": ["team/policies.yaml"],
}
TEAM = """
policies:
  - id: ACME001
    name: payments-consumes-marketing
    summary: Payments never consumes marketing events.
    why: Money must not move on a campaign's say-so.
    fix: Have marketing call the payments API with a signed request instead.
    message: "{service} consumes {event} of context {event_context} ({handler})"
    hint: "ask growth for a command API"
    forbid-edge:
      consumer: {context: money}
      event: {context: growth}
"""


def project(tmp_path, policies=TEAM, config=None):
    root = write_project(tmp_path / "repo", FILES, {**CONFIG, **(config or {})})
    (root / "team").mkdir()
    (root / "team" / "policies.yaml").write_text(textwrap.dedent(policies).lstrip(), encoding="utf-8")
    return root


def codes(result, code):
    return [(d.path, d.line, d.message) for d in result.diagnostics if d.code == code]


def test_forbid_edge_by_context_is_reported_with_the_team_code_in_text_and_sarif(tmp_path):
    root = project(tmp_path)
    line = line_of(root / "services/payments/discounts.py", "KafkaConsumer(")
    runner = CliRunner()
    text = runner.invoke(main, ["check", str(root), "--select", "ACME"])
    assert text.exit_code == 1, text.output
    assert f"services/payments/discounts.py:{line}:" in text.output
    assert "ACME001 payments consumes marketing.coupon-issued of context growth (discounts.apply_coupon)" in text.output
    assert "= hint: ask growth for a command API" in text.output
    sarif = json.loads(runner.invoke(main, ["check", str(root), "--select", "ACME", "--format", "sarif"]).output)
    run = sarif["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["ACME001"]
    rule = run["tool"]["driver"]["rules"][0]
    assert rule["id"] == "ACME001" and rule["name"] == "payments-consumes-marketing"
    assert "helpUri" not in rule  # the team's rule has no page in eventlint's docs
    assert rule["help"]["text"].startswith("Reports every subscription") and "Money must not move" in rule["help"]["text"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == line


def test_the_rules_command_lists_a_policy_with_its_file(tmp_path):
    root = project(tmp_path)
    result = CliRunner().invoke(main, ["rules", "--config", str(root / "eventlint.yaml")])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("ACME001"))
    assert "payments-consumes-marketing" in row and "policy team/policies.yaml" in row


def test_relation_and_public_matchers(tmp_path):
    policies = """
    policies:
      - id: ACME002
        name: private-event-crosses-context
        summary: Events not in their context's public list stay in the context.
        message: "{service} ({context}) consumes {event}, internal to {event_context}"
        forbid-edge: {event: {public: false}, relation: other-context}
      - id: ACME003
        name: same-context-consumer
        summary: Lists consumers inside the owner's context.
        message: "{service} shares a context with {owner}"
        forbid-edge: {relation: same-context}
    """
    root = project(tmp_path, policies)
    result = api.lint([root], select=["ACME"])
    assert [m for _, _, m in codes(result, "ACME002")] == ["payments (money) consumes marketing.coupon-issued, internal to growth"]
    assert [m for _, _, m in codes(result, "ACME003")] == ["analytics shares a context with marketing"]
    public = {"contexts": {**CONFIG["contexts"], "growth": {"services": ["marketing", "analytics"], "public": ["marketing.*"]}}}
    assert codes(api.lint([project(tmp_path / "public", policies, public)], select=["ACME"]), "ACME002") == []


def test_require_edge_reports_events_without_the_required_consumer(tmp_path):
    policies = """
    policies:
      - id: ACME010
        name: unaudited-growth-event
        summary: Every growth event is consumed by analytics.
        require-edge: {consumer: {service: analytics}, event: {context: growth}}
      - id: ACME011
        name: unaudited-commerce-event
        summary: Every commerce event is consumed by analytics.
        require-edge: {consumer: {service: analytics}, event: {owner: orders}}
    """
    result = api.lint([project(tmp_path, policies)], select=["ACME"])
    assert codes(result, "ACME010") == []
    root = tmp_path / "repo"
    line = line_of(root / "services/orders/audit.py", 'producer.send("audit.orders"')
    assert codes(result, "ACME011") == [
        ("services/orders/audit.py", line, "audit.orders, published by orders, has no required consumer: ACME011 requires one")
    ]


def test_require_payload_fields_skips_payloads_that_are_not_known(tmp_path):
    policies = """
    policies:
      - id: ACME020
        name: audit-without-actor
        summary: Audit events carry actor_id.
        require-payload: {event: {channel: "audit.*"}, fields: [actor_id]}
      - id: ACME021
        name: audit-without-trace
        summary: Audit events carry a traceparent header.
        require-payload: {event: {channel: "audit.*"}, publisher: {function: "*anonymously"}, headers: [traceparent]}
    """
    root = project(tmp_path, policies)
    result = api.lint([root], select=["ACME"])
    anonymous = line_of(root / "services/orders/audit.py", "value={\"order_id\": order.id}, key")
    assert codes(result, "ACME020") == [
        ("services/orders/audit.py", anonymous, "audit.record_anonymously publishes audit.orders on audit.orders without payload field actor_id")
    ]
    assert [m for _, _, m in codes(result, "ACME021")] == [
        "audit.record_anonymously publishes audit.orders on audit.orders without header traceparent"
    ]


@pytest.mark.parametrize(
    ("metric", "limit", "subject", "members"),
    [
        ("consumers-per-event", 1, "marketing.coupon-issued", "analytics, payments"),
        ("afferent", 1, "marketing", "analytics, payments"),
        ("fan-out", 0, "marketing", "marketing.coupon-issued"),
    ],
)
def test_limits(tmp_path, metric, limit, subject, members):
    policies = f"""
    policies:
      - id: ACME030
        name: over-the-limit
        summary: A limit.
        limit: {{metric: {metric}, max: {limit}}}
    """
    result = api.lint([project(tmp_path, policies)], select=["ACME"])
    found = [m for _, _, m in codes(result, "ACME030")]
    value = len(members.split(", "))
    assert f"{subject} has {metric} {value}, above the limit of {limit}: {members}" in found


def test_limits_over_contexts_count_what_crosses_the_boundary(tmp_path):
    policies = """
    policies:
      - id: ACME031
        name: context-with-many-dependents
        summary: A context limit.
        limit: {metric: afferent, max: 0, scope: context, service: {context: "gr*"}}
    """
    result = api.lint([project(tmp_path, policies)], select=["ACME"])
    root = tmp_path / "repo"
    line = line_of(root / "services/marketing/campaigns.py", "producer.send(")
    # analytics consumes marketing's event too, but inside growth: only money depends on growth
    assert codes(result, "ACME031") == [
        ("services/marketing/campaigns.py", line, "growth has afferent 1, above the limit of 0: money")
    ]


def test_a_limit_is_an_option_the_configuration_may_change(tmp_path):
    policies = """
    policies:
      - id: ACME032
        name: many-consumers
        summary: A limit.
        limit: {metric: consumers-per-event, max: 1}
    """
    assert codes(api.lint([project(tmp_path / "a", policies)], select=["ACME"]), "ACME032")
    relaxed = project(tmp_path / "b", policies, {"rules": {"options": {"ACME032": {"max": 2}}}})
    assert codes(api.lint([relaxed], select=["ACME"]), "ACME032") == []
    wrong = project(tmp_path / "c", policies, {"rules": {"options": {"ACME032": {"max": "two"}}}})
    with pytest.raises(ConfigError, match="rules.options.ACME032.max: expected an integer"):
        api.lint([wrong], select=["ACME"])


def test_a_chain_longer_than_the_limit(tmp_path):
    policy = tmp_path / "chain.yaml"
    policy.write_text(
        "policies:\n  - id: ACME040\n    name: long-chain\n    summary: Short chains.\n    limit: {metric: chain-length, max: 2}\n"
    )
    source = """
        from faststream.kafka import KafkaBroker

        broker = KafkaBroker()

        def start():
            broker.publish({"n": 1}, "a")

        @broker.subscriber("a")
        @broker.publisher("b")
        async def one(body: dict) -> dict:
            return body

        @broker.subscriber("b")
        @broker.publisher("c")
        async def two(body: dict) -> dict:
            return body
    """
    assert_findings(lint_files(policy, source), [Expect("ACME040", line=6, message="a has chain-length 3, above the limit of 2: a -> b -> c")])


def test_classify_feeds_the_built_in_rules_and_goes_with_the_policy(tmp_path):
    policies = """
    policies:
      - id: ACME050
        name: acme-ledger-and-outbox
        summary: Our ledger moves money; our Outbox.enqueue deduplicates.
        classify:
          payments: ["acme.ledger.post*"]
          idempotency: ["*Outbox.enqueue"]
    """
    files = {
        "acme/__init__.py": "",
        "acme/ledger.py": "def post_entry(account, cents):\n    return account, cents\n",
        "acme/outbox.py": "class Outbox:\n    def enqueue(self, event_id):\n        return event_id\n",
        "app.py": """
            from kafka import KafkaConsumer
            from acme.ledger import post_entry
            from acme.outbox import Outbox

            def on_refund(event):
                post_entry(event["account"], event["cents"])

            def on_payment(event):
                Outbox().enqueue(event["event_id"])
                post_entry(event["account"], event["cents"])

            for message in KafkaConsumer("refunds", group_id="ledger", enable_auto_commit=False):
                on_refund(message.value)
            for message in KafkaConsumer("payments", group_id="ledger", enable_auto_commit=False):
                on_payment(message.value)
        """,
    }
    root = write_project(tmp_path / "repo", files, {"exclude": [], "policies": ["policies.yaml"]})
    (root / "policies.yaml").write_text(textwrap.dedent(policies))
    found = api.lint([root], select=["EDA401", "ACME050"]).diagnostics
    assert [(d.code, d.line) for d in found] == [("EDA401", line_of(root / "app.py", "post_entry(event", 1))]
    assert "moves money (ledger.post_entry)" in found[0].message
    assert api.lint([root], select=["EDA401"]).diagnostics == ()  # without the policy, post_entry is nothing


def test_policies_reuse_severity_noqa_and_baseline(tmp_path):
    root = project(tmp_path, config={"rules": {"severity": {"ACME001": "info"}}})
    result = api.lint([root], select=["ACME"])
    assert [d.severity for d in result.diagnostics] == ["info"] and result.exit_code == 0
    target = root / "services/payments/discounts.py"
    baseline = tmp_path / "baseline.json"
    baseline.write_text(api.lint([root], select=["ACME"]).baseline())
    assert api.lint([root], select=["ACME"], baseline=baseline).baselined == 1
    text = target.read_text().replace('group_id="payments"):', 'group_id="payments"):  # noqa: ACME001')
    target.write_text(text)
    assert api.lint([root], select=["ACME"]).diagnostics == ()
    assert [d.code for d in api.lint([root], ignore=["ACME001"]).diagnostics if d.code.startswith("ACME")] == []


@pytest.mark.parametrize(
    ("text", "line", "key", "fragment"),
    [
        (
            "policies:\n  - id: ACME001\n    name: x\n    summary: y\n    forbid-edge:\n      consumer: {servce: payments}\n",
            6,
            "policies[0].forbid-edge.consumer.servce",
            "unknown key 'servce'; did you mean 'service'?",
        ),
        ("policies:\n  - id: acme1\n    name: x\n    summary: y\n    limit: {metric: fan-in, max: 1}\n", 2, "policies[0].id", "does not match"),
        ("policies:\n  - id: ACME001\n    name: x\n    summary: y\n    limit: {metric: fan-in, max: many}\n", 5, "policies[0].limit.max", "expected an integer"),
        (
            "policies:\n  - id: ACME001\n    name: x\n    summary: y\n    limit: {metric: fan-in, max: 1}\n    forbid-edge: {}\n",
            2,
            "policies[0]",
            "exactly one constraint",
        ),
        (
            "policies:\n  - id: ACME001\n    name: x\n    summary: y\n    message: '{servic} consumes'\n    forbid-edge: {}\n",
            5,
            "policies[0].message",
            "unknown placeholder {servic}",
        ),
        (
            "policies:\n  - id: ACME001\n    name: x\n    summary: y\n    limit: {metric: chain-length, max: 1, scope: context}\n",
            5,
            "policies[0].limit.scope",
            "chain-length measures events",
        ),
        (
            "policies:\n  - id: ACME001\n    name: x\n    summary: y\n    limit: {metric: fan-in, max: 1, event: {name: x}}\n",
            5,
            "policies[0].limit.event",
            "fan-in measures services",
        ),
        ("policies:\n  - id: EDA401\n    name: x\n    summary: y\n    limit: {metric: fan-in, max: 1}\n", 2, "id", "already the code of eventlint's non-idempotent-handler"),
        ("policies:\n  - id: ACME001\n    name: x\n    summary: y\n    forbid-edge: {consumer: [oops\n", 6, "(syntax)", "invalid YAML"),
    ],
)
def test_a_malformed_policy_names_file_line_and_key(tmp_path, text, line, key, fragment):
    root = project(tmp_path, policies=text)
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    path = root / "team" / "policies.yaml"
    assert f"eventlint: error: {path}:{line}: {key}: " in result.output, result.output
    assert fragment in result.output


def test_a_missing_policy_file_names_the_config_key(tmp_path):
    root = project(tmp_path, config={"policies": ["team/nope.yaml"]})
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 2
    assert "eventlint.yaml: policies[0]: policy file not found: team/nope.yaml" in result.output


def test_policies_may_be_named_by_a_glob(tmp_path):
    root = project(tmp_path, config={"policies": ["team/*.yaml"]})
    (root / "team" / "more.yaml").write_text(
        "policies:\n  - id: ACME099\n    name: any-growth-consumer\n    summary: s\n    forbid-edge: {event: {context: growth}}\n"
    )
    ruleset = api.rule_set(api.load_config([root]))
    assert (ruleset.origin("ACME001"), ruleset.origin("ACME099")) == ("policy team/policies.yaml", "policy team/more.yaml")
    result = CliRunner().invoke(main, ["check", str(root), "--config", str(root / "eventlint.yaml")])
    assert "ACME099" in result.output and "ACME001" in result.output
    (root / "eventlint.yaml").write_text(yaml.safe_dump({**CONFIG, "policies": ["nothing/*.yaml"]}))
    missing = CliRunner().invoke(main, ["check", str(root)])
    assert missing.exit_code == 2 and "policies[0]: no policy file matches nothing/*.yaml" in missing.output


def test_policy_rules_load_from_the_testing_kit_with_the_same_errors(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("policies:\n  - id: ACME001\n    name: x\n    summary: y\n    forbid-edge: {consumer: {service: 3}}\n")
    with pytest.raises(ConfigError) as error:
        policy_rules(path)
    assert str(error.value).startswith(f"{path}:5: policies[0].forbid-edge.consumer.service: expected a string or a list")
    path.write_text(yaml.safe_dump({"policies": [{"id": "ACME001", "name": "x", "summary": "y", "forbid-edge": {}}]}))
    assert [r.code for r in policy_rules(path)] == ["ACME001"]
