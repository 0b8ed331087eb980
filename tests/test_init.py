"""`eventlint init`: a starting configuration under which today's code is green and drift is caught."""

import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

from eventlint import api
from eventlint.cli import main
from tests.helpers import fixture

# A new consumer in refunds of StockDepleted, an event inventory owns and nobody outside inventory
# consumed when init ran. Written the way the refunds twin writes consumers (manual commits after
# the work, a dead-letter topic, the correlation id passed on), so the drift itself is the finding.
# The team's own cross-context rule, added to the configuration init wrote (a YAML policy).
TEAM_POLICY = """\
policies:
  - id: ACME601
    name: private-event-consumed-across-contexts
    summary: Checks for consumers of events their owner's context does not publish for others.
    message: "{service} ({context}) consumes {event}, internal to {event_context}"
    forbid-edge:
      event: {public: false}
      relation: other-context
"""

# A new consumer in refunds of StockDepleted, an event inventory owns and nobody outside inventory
# consumed when init ran.
PLANTED = '''\
"""Refunds stop promising delivery dates when stock runs out."""

import json
import logging

from confluent_kafka import Consumer

log = logging.getLogger(__name__)


def on_stock_depleted(event: dict, correlation_id: str) -> None:
    log.info("stock depleted", extra={"event_id": event["event_id"], "correlation_id": correlation_id})


def run() -> None:
    consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "refunds-stock", "enable.auto.commit": False})
    consumer.subscribe(["inventory.depleted"])
    while True:
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            continue
        headers = dict(msg.headers() or [])
        on_stock_depleted(json.loads(msg.value()), headers.get("correlation_id", b"").decode("utf-8"))
        consumer.commit(message=msg, asynchronous=False)
'''


@pytest.fixture()
def shop(tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(fixture("shop"), root)
    (root / "eventlint.yaml").unlink()
    return root


def test_init_on_the_shop_is_green_and_catches_a_new_cross_context_consumer(shop):
    runner = CliRunner()
    before = api.lint([shop])  # the shop without its configuration: inferred services, nothing declared
    assert before.exit_code == 1 and before.diagnostics

    result = runner.invoke(main, ["init", str(shop)])
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((shop / "eventlint.yaml").read_text())
    assert sorted(config["services"]) == ["inventory", "notifications", "orders", "payments", "refunds", "shipping"]
    assert config["contexts"]["orders"] == {
        "services": ["orders"],
        "description": "written by eventlint init: the orders service",
        "public": ["OrderCancelled", "OrderPlaced"],
    }
    assert "public" not in config["contexts"]["refunds"]
    cancelled = config["events"]["OrderCancelled"]
    assert (cancelled["owner"], cancelled["channel"], cancelled["consumers"]) == ("orders", "orders.cancelled", ["inventory", "notifications", "refunds"])
    assert config["events"]["PaymentCompleted"] == {
        "owner": "payments", "channel": "payments.completed", "key": "order_id", "consumers": ["inventory"],
    }
    assert config["events"]["StockDepleted"] == {"owner": "inventory", "channel": "inventory.depleted"}
    assert config["baseline"] == "eventlint-baseline.json"
    recorded = json.loads((shop / "eventlint-baseline.json").read_text())["findings"]
    assert len(recorded) == len(api.lint([shop], use_config_baseline=False).diagnostics) > 0

    green = runner.invoke(main, ["check", str(shop)])
    assert green.exit_code == 0, green.output
    assert f"{len(recorded)} findings recorded in the baseline not shown" in green.output

    (shop / "team.yaml").write_text(TEAM_POLICY)
    with open(shop / "eventlint.yaml", "a") as config_file:
        config_file.write("policies: [team.yaml]\n")
    assert runner.invoke(main, ["check", str(shop)]).exit_code == 0  # today's cross-context consumers are public

    (shop / "services" / "refunds" / "refunds" / "stock.py").write_text(PLANTED)
    red = runner.invoke(main, ["check", str(shop), "--format", "json"])
    assert red.exit_code == 1, red.output
    findings = json.loads(red.output)["diagnostics"]
    assert {d["path"] for d in findings} == {"services/refunds/refunds/stock.py"}
    # the team's policy, the catalog (undocumented consumer) and the coupling rules (internal event) all see it
    assert {"ACME601", "EDA205", "EDA601"} <= {d["code"] for d in findings}
    team = next(d for d in findings if d["code"] == "ACME601")
    assert team["message"] == "refunds (refunds) consumes StockDepleted, internal to inventory"


def test_init_refuses_to_overwrite_without_force(shop):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(shop)]).exit_code == 0
    (shop / "eventlint.yaml").write_text((shop / "eventlint.yaml").read_text() + "rules: {extend-select: [EDA503]}\n")
    again = runner.invoke(main, ["init", str(shop)])
    assert again.exit_code == 2
    assert "eventlint.yaml: init: a configuration exists already; pass --force" in again.output
    forced = runner.invoke(main, ["init", str(shop), "--force"])
    assert forced.exit_code == 0, forced.output
    assert yaml.safe_load((shop / "eventlint.yaml").read_text())["rules"] == {"extend-select": ["EDA503"]}  # kept
    assert runner.invoke(main, ["check", str(shop)]).exit_code == 0


def test_a_baseline_named_in_the_config_must_exist(shop):
    (shop / "eventlint.yaml").write_text("baseline: missing.json\n")
    result = CliRunner().invoke(main, ["check", str(shop)])
    assert result.exit_code == 2
    assert "eventlint.yaml: baseline: baseline file not found: missing.json" in result.output


def test_init_is_deterministic(shop):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(shop)]).exit_code == 0
    first = [(shop / name).read_bytes() for name in ("eventlint.yaml", "eventlint-baseline.json")]
    assert runner.invoke(main, ["init", str(shop), "--force"]).exit_code == 0
    assert [(shop / name).read_bytes() for name in ("eventlint.yaml", "eventlint-baseline.json")] == first


def test_init_writes_a_pack_for_each_in_house_bus_it_recognised(tmp_path):
    root = tmp_path / "inhouse"
    shutil.copytree(fixture("inhouse"), root)
    (root / "eventlint.yaml").unlink()
    before = api.facts([root])
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    assert "Wrote eventlint/inhouse-message-bus.yaml" in result.output
    config = yaml.safe_load((root / "eventlint.yaml").read_text(encoding="utf-8"))
    assert config["frameworks"] == ["eventlint/inhouse-message-bus.yaml"]
    written = yaml.safe_load((root / "eventlint/inhouse-message-bus.yaml").read_text(encoding="utf-8"))
    assert written["framework"] == "inhouse-message-bus"
    assert written["types"] == [{"name": "allocation.service_layer.messagebus.MessageBus"}]
    # listed, the pack describes the bus: the same sites, now under the team's framework name
    after = api.facts([root])

    def sites(facts):
        return (
            {(p.path, p.line, p.event) for p in facts.publishers},
            {(s.path, s.line, s.event, s.handler) for s in facts.subscribers},
        )

    assert sites(after) == sites(before)
    assert {s.framework for s in after.subscribers} == {"inhouse-message-bus"}
    # a second init keeps the team's edits to the pack
    (root / "eventlint/inhouse-message-bus.yaml").write_text(
        (root / "eventlint/inhouse-message-bus.yaml").read_text(encoding="utf-8") + "# edited\n", encoding="utf-8"
    )
    again = CliRunner().invoke(main, ["init", "--force", str(root)])
    assert again.exit_code == 0, again.output
    assert (root / "eventlint/inhouse-message-bus.yaml").read_text(encoding="utf-8").endswith("# edited\n")
