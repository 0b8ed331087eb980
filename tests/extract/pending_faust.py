"""faust idioms the engine cannot express yet (not collected: rename to test_* once the engine handles them).

Each test states the exact record the fixture should produce. Run by hand with
`python -m pytest tests/extract/pending_faust.py`.
"""

from tests.helpers import by_site, facts_of, fixture, line_of

ROOT = fixture("faust")
AGENTS = "services/fulfillment/fulfillment/agents.py"


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
