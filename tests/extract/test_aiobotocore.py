"""aiobotocore (the asyncio port of botocore) on SNS/SQS: `get_session().create_client("sns")` as an async context
manager and clients annotated with the types-aiobotocore names are boto3's clients, so a transactional-outbox relay's
publish is a site (its destination unresolved) and an absence rule does not claim that nothing publishes what the
relay could (fixtures/aiobotocore_relay; found on the unseen set, session 14)."""

from eventlint import api
from tests.helpers import facts_of, fixture, line_of

ROOT = fixture("aiobotocore_relay")
DISPATCH = "relay/relay/dispatch.py"
WORKER = "billing/billing/worker.py"


def test_sns_publications_through_an_aiobotocore_client():
    facts = facts_of(ROOT)
    found = {(p.path, p.line, p.framework, p.channel, p.function) for p in facts.publishers}
    assert found == {
        # the outbox row names the topic: a site whose destination is not statically known
        (DISPATCH, line_of(ROOT / DISPATCH, "await client.publish(TopicArn=created"), "aws-sns", None, "relay.dispatch.publish_row"),
        (DISPATCH, line_of(ROOT / DISPATCH, "await client.publish(", 2), "aws-sns", "relay-started", "relay.dispatch.announce_started"),
    }
    [row] = [p for p in facts.publishers if p.channel is None]
    assert row.channel_expr == "row['topic']"


def test_sqs_polling_loop_through_an_annotated_aiobotocore_client():
    facts = facts_of(ROOT)
    assert {(s.path, s.line, s.framework, s.channel, s.handler) for s in facts.subscribers} == {
        (WORKER, line_of(ROOT / WORKER, "response = await sqs.receive_message("), "aws-sqs", "invoice-requested", "billing.worker.issue_invoice"),
    }


def _codes(root):
    return sorted((d.code, d.path) for d in api.lint([root], api.load_config([root]), select=["EDA102"]).diagnostics)


def test_an_unresolved_relay_publication_keeps_eda102_quiet():
    # with the relay: its SNS publish to a row's topic could feed the queue, so nothing is claimed
    assert _codes(ROOT) == []
    # the billing service alone: nothing could publish invoice-requested, and EDA102 says so
    assert _codes(ROOT / "billing") == [("EDA102", "billing/worker.py")]
