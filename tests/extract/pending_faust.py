"""faust idioms the engine cannot express yet (not collected: rename to test_* once the engine handles them).

Each test states the exact record the fixture should produce. Run by hand with
`python -m pytest tests/extract/pending_faust.py`.
"""

from tests.helpers import by_site, facts_of, fixture, line_of

ROOT = fixture("faust")
AGENTS = "services/fulfillment/fulfillment/agents.py"


def test_agent_without_channel_consumes_its_own_topic():
    """`@app.agent(concurrency=4) async def pick_urgent(...)` in module fulfillment.agents of the
    app with id "fulfillment" consumes the topic faust names `f"{app.conf.id}-{agent.name}"`,
    agent.name being `canonshortname(fun)` = "fulfillment.agents.pick_urgent".

    Gap: a `join` part cannot read the decorated function's qualified name as text
    (`decorated: true` yields a function reference, which a join renders as the template "{pick_urgent}").
    """
    facts = facts_of(ROOT)
    [sub] = by_site(facts.subscribers, AGENTS, line_of(ROOT / AGENTS, "@app.agent(concurrency=4)"))
    assert (sub.event, sub.channel, sub.handler, sub.group) == (
        None,
        "fulfillment-fulfillment.agents.pick_urgent",
        "fulfillment.agents.pick_urgent",
        "fulfillment",
    )


def test_agent_cast_publishes_to_the_agents_own_topic():
    """`await pick_urgent.cast(value=PickRequest(...))` inside schedule_shipment.

    Gap: the same as above (the channel bound on the agent is its own topic); every other
    fact of this record is checked in test_faust.py.
    """
    facts = facts_of(ROOT)
    [cast] = by_site(facts.publishers, AGENTS, line_of(ROOT / AGENTS, "await pick_urgent.cast("))
    assert (cast.event, cast.channel, cast.service, cast.function) == (
        "PickRequest",
        "fulfillment-fulfillment.agents.pick_urgent",
        "fulfillment",
        "fulfillment.agents.schedule_shipment",
    )
    assert cast.payload_fields == ("order_id", "priority")


def test_sink_payload_is_what_the_agent_yields():
    """`@app.agent(placed_orders, sink=[scheduled_shipments])` on an async generator that
    `yield ShipmentScheduled(order_id=..., warehouse_id=..., carrier=...)`: faust sends every
    yielded value to each sink (Agent._delegate_to_sinks).

    Gap: the IR records `return` values only, not `yield`ed ones, so no field source can read
    what an agent yields (`returned: true` sees nothing).
    """
    facts = facts_of(ROOT)
    [sink] = by_site(facts.publishers, AGENTS, line_of(ROOT / AGENTS, "@app.agent(placed_orders, sink=[scheduled_shipments])"))
    assert (sink.event, sink.channel, sink.payload_fields, sink.key) == (
        "ShipmentScheduled",
        "fulfillment.shipments",
        ("order_id", "warehouse_id", "carrier"),
        None,
    )
