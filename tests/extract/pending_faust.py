"""faust idioms the engine cannot express yet (not collected: rename to test_* once the engine handles them).

Each test states the exact record the fixture should produce. Run by hand with
`python -m pytest tests/extract/pending_faust.py`.
"""

from tests.helpers import by_site, facts_of, fixture, line_of

ROOT = fixture("faust")
COMMANDS = "services/orders/orders/commands.py"
AGENTS = "services/fulfillment/fulfillment/agents.py"


def test_agent_send_publishes_to_the_agents_topic():
    """`@app.agent(payments_topic) async def mark_paid(...)` makes `mark_paid` an Agent;
    `await mark_paid.send(key=..., value=PaymentCaptured(...))` sends to payments.captured.

    Gap: a decorated function cannot become a framework object (a `types[].from`
    producer for "the result of decorator X", binding the decorator's arguments), so
    `<agent>.send` / `.cast` / `.ask` have no receiver type to match.
    """
    facts = facts_of(ROOT)
    [sent] = by_site(facts.publishers, COMMANDS, line_of(ROOT / COMMANDS, "await mark_paid.send("))
    assert (sent.event, sent.channel, sent.service, sent.function) == (
        "PaymentCaptured",
        "payments.captured",
        "orders",
        "orders.commands.replay_payments",
    )
    assert sent.payload_fields == ("order_id", "payment_id", "amount_cents")
    assert sent.key == "row.order_id"


def test_agent_without_channel_consumes_its_own_topic():
    """`@app.agent(concurrency=4) async def pick_urgent(...)` in module fulfillment.agents of the
    app with id "fulfillment" consumes the topic faust names `f"{app.conf.id}-{agent.name}"`,
    agent.name being `canonshortname(fun)` = "fulfillment.agents.pick_urgent".

    Gap: a `join` part cannot read the decorated function's qualified name as text
    (`decorated: true` yields a function reference, which a join returns unchanged).
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
    """`await pick_urgent.cast(value=PickRequest(...))` inside schedule_shipment: both gaps above."""
    facts = facts_of(ROOT)
    [cast] = by_site(facts.publishers, AGENTS, line_of(ROOT / AGENTS, "await pick_urgent.cast("))
    assert (cast.event, cast.channel, cast.service, cast.function) == (
        "PickRequest",
        "fulfillment-fulfillment.agents.pick_urgent",
        "fulfillment",
        "fulfillment.agents.schedule_shipment",
    )
    assert cast.payload_fields == ("order_id", "priority")


def test_sink_publication_names_the_sink_value_type():
    """`@app.agent(placed_orders, sink=[scheduled_shipments])` where
    `scheduled_shipments = app.topic("fulfillment.shipments", value_type=ShipmentScheduled)`.

    Gap: `key:` reads a bound value of one object, not of each object in a list
    (`{kw: sink, key: event}` yields nothing for a list of topics; `each:` items are
    read with `item:` only when they are dict literals).
    """
    facts = facts_of(ROOT)
    [sink] = by_site(facts.publishers, AGENTS, line_of(ROOT / AGENTS, "@app.agent(placed_orders, sink=[scheduled_shipments])"))
    assert (sink.event, sink.channel, sink.function) == (
        "ShipmentScheduled",
        "fulfillment.shipments",
        "fulfillment.agents.schedule_shipment",
    )
