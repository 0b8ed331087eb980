"""faust agents registered programmatically: `app.agent(channel)(fn)`, also inside a helper given the channel."""

from eventlint import api
from tests.helpers import facts_of, fixture, line_of, pubs, subs

ROOT = fixture("faust_agents")
AGENTS = "fraud/agents.py"


def at(snippet: str) -> int:
    return line_of(ROOT / AGENTS, snippet)


def test_applied_agents_are_subscriptions():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        # registered at module level: the agent's channel is the topic object's
        (AGENTS, at("scorer = app.agent(transactions)(score)"), "Transaction", "transactions", "fraud", "fraud.agents.score"),
        # registered in a helper: the channel is bound where the helper is called ...
        (AGENTS, at("auditor = attach_auditor(alerts)"), None, "fraud.alerts", "fraud", "fraud.agents.audit"),
        # ... and the call inside the helper keeps the parameter as its unresolved channel
        (AGENTS, at("return app.agent(channel"), None, None, "fraud", "fraud.agents.audit"),
    }
    [inner] = [s for s in facts.subscribers if s.line == at("return app.agent(channel")]
    assert inner.channel_expr == "channel"
    # the handler is the registered coroutine, as for @app.agent, and the app's id is the group
    assert {(s.function, s.group) for s in facts.subscribers} == {("fraud.agents.score", "fraud"), ("fraud.agents.audit", "fraud")}
    [outer] = [s for s in facts.subscribers if s.line == at("auditor = attach_auditor(alerts)")]
    assert outer.via == ("fraud.agents.attach_auditor",)


def test_an_applied_agent_is_an_agent_object():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        (AGENTS, at("await alerts.send("), None, "fraud.alerts", "fraud", "fraud.agents.score"),
        # scorer = app.agent(transactions)(score): scorer.send() writes to the agent's topic
        (AGENTS, at("await scorer.send("), "Transaction", "transactions", "fraud", "fraud.agents.rescore"),
    }


def test_the_flow_is_closed():
    result = api.lint([ROOT], api.load_config([ROOT]))
    assert [d for d in result.diagnostics if d.code in ("EDA101", "EDA102")] == []
