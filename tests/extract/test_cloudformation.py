"""Plain CloudFormation templates (YAML, and JSON as `cdk synth` writes it): event source mappings, SNS
subscriptions of Lambda functions and of SQS queues."""

import dataclasses

from eventlint import api
from tests.helpers import facts_of, fixture, line_of

ROOT = fixture("aws_cloudformation")
CDK = "cdk.out/SearchStack.template.json"
STACK = "stacks/stock-alerts/template.yaml"
WORKER = "services/search/search/worker.py"


def at(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_event_source_mappings_and_lambda_subscriptions_are_subscriptions():
    facts = facts_of(ROOT)
    templates = {
        (s.path, s.line, s.framework, s.channel, s.handler, s.handler_expr, s.kind)
        for s in facts.subscribers
        if s.path.endswith((".json", ".yaml"))
    }
    assert templates == {
        # a CDK asset is a copy of the code under cdk.out: the handler is named, not found
        (CDK, at(CDK, '"ThumbnailerFunctionSqsEventSource5E6F7A8B"'), "cloudformation", "thumbnail-requests", None, "thumbnails.handler", None),
        # Code: src/ is the project's own directory: the handler is found; a table's stream is a change stream
        (STACK, at(STACK, "AlertsStreamMapping:"), "cloudformation", "stock-alerts", "alerts.on_alert_change", None, "change"),
        (STACK, at(STACK, "InventorySubscription:"), "cloudformation", "inventory-events", "alerts.on_alert_change", None, None),
    }


def test_a_cdk_sns_subscription_binds_the_queue_to_the_topic():
    facts = facts_of(ROOT)
    assert {(b.path, b.line, b.queue, b.exchange, b.routing_key) for b in facts.bindings} == {
        (CDK, at(CDK, '"IndexerQueueSearchStackInventoryEvents1D4C5A2B"'), "search-indexer", "inventory-events", None),
    }


def test_the_topic_reaches_the_container_polling_its_queue():
    result = api.lint([ROOT], api.load_config([ROOT]))
    flow = {(d.code, d.path, d.line) for d in result.diagnostics if d.code in ("EDA101", "EDA102")}
    # inventory-events -> (SNS subscription) -> search-indexer -> the worker's receive_message loop, and the
    # alerts function; the stream has no publisher to find. Only thumbnail-requests has no publisher here: an
    # event source the template declares, fed from outside the repository, which EDA102 leaves alone by default
    # (template_entry_points: quiet, #19 item 3) and reports when asked to.
    assert flow == set()
    config = api.load_config([ROOT])
    rules = dict(config.raw.get("rules") or {})
    rules["options"] = {**(rules.get("options") or {}), "EDA102": {"template_entry_points": "report"}}
    result = api.lint([ROOT], dataclasses.replace(config, raw={**config.raw, "rules": rules}))
    flow = {(d.code, d.path, d.line) for d in result.diagnostics if d.code in ("EDA101", "EDA102")}
    assert flow == {("EDA102", CDK, at(CDK, '"ThumbnailerFunctionSqsEventSource5E6F7A8B"'))}
