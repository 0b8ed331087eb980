"""faust: topics declared with app.topic(), @app.agent() subscribers and sinks, Topic.send / send_soon, App.send,
and agents used as publishers (`await agent.send(...)` / `.cast(...)`)."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("faust")
TOPICS = "services/orders/orders/topics.py"
VIEWS = "services/orders/orders/views.py"
ORDER_AGENTS = "services/orders/orders/agents.py"
COMMANDS = "services/orders/orders/commands.py"
STREAMS = "services/fulfillment/fulfillment/streams.py"
AGENTS = "services/fulfillment/fulfillment/agents.py"
PIPELINE = "services/analytics/pipeline.py"


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # a topic object declared in another module, reached through `from orders import topics`
        (VIEWS, line_of(ROOT / VIEWS, "await topics.order_placed_topic.send("), "OrderPlaced", "orders.placed", "orders", "orders.views.OrderListView.post"),
        (VIEWS, line_of(ROOT / VIEWS, "topics.order_cancelled_topic.send_soon("), "OrderCancelled", "orders.cancelled", "orders", "orders.views.cancel_order"),
        # the agent's sink: what it yields goes to scheduled_shipments, whose value type is the event
        (AGENTS, line_of(ROOT / AGENTS, "@app.agent(placed_orders, sink=[scheduled_shipments])"), "ShipmentScheduled", "fulfillment.shipments", "fulfillment", "fulfillment.agents.schedule_shipment"),
        # an agent imported from another module is a publisher: `mark_paid.send(...)` writes to the agent's topic
        (COMMANDS, line_of(ROOT / COMMANDS, "await mark_paid.send("), "PaymentCaptured", "payments.captured", "orders", "orders.commands.replay_payments"),
        # `pick_urgent.cast(...)` on an agent without a channel: faust's own topic f"{app.conf.id}-{agent.name}"
        # (pending_faust.py::test_agent_cast_publishes_to_the_agents_own_topic)
        (AGENTS, line_of(ROOT / AGENTS, "await pick_urgent.cast("), "PickRequest", "fulfillment-fulfillment.agents.pick_urgent", "fulfillment", "fulfillment.agents.schedule_shipment"),
        # App.send with a topic object declared without a value type, and with a plain topic name
        (AGENTS, line_of(ROOT / AGENTS, "await app.send("), None, "fulfillment.audit", "fulfillment", "fulfillment.agents.release_stock"),
        (PIPELINE, line_of(ROOT / PIPELINE, 'await app.send("analytics.order-counts"'), None, "analytics.order-counts", "analytics", "pipeline.publish_totals"),
    }
    assert {p.framework for p in facts.publishers} == {"faust"}


def test_payload_fields_and_keys():
    facts = facts_of(ROOT)
    [placed] = by_site(facts.publishers, VIEWS, line_of(ROOT / VIEWS, "await topics.order_placed_topic.send("))
    # `event = OrderPlaced(order_id=..., customer_id=..., total_cents=...)` is followed from `value=event`
    assert placed.payload_fields == ("order_id", "customer_id", "total_cents")
    assert placed.key == "event.order_id"
    [cancelled] = by_site(facts.publishers, VIEWS, line_of(ROOT / VIEWS, "topics.order_cancelled_topic.send_soon("))
    # OrderCancelled(order_id, reason): positional arguments map to the Record's fields in order
    assert cancelled.payload_fields == ("order_id", "reason")
    assert cancelled.key == "order_id"
    [audit] = by_site(facts.publishers, AGENTS, line_of(ROOT / AGENTS, "await app.send("))
    assert audit.payload_fields == ("action", "order_id")
    assert audit.key == "cancellation.order_id"
    [totals] = by_site(facts.publishers, PIPELINE, line_of(ROOT / PIPELINE, 'await app.send("analytics.order-counts"'))
    assert totals.payload_fields == ("customer_id", "orders")
    assert totals.key == "customer_id"
    # `mark_paid.send(key=row.order_id, value=PaymentCaptured(...))`: keyword-only, as Agent.send is
    [sent] = by_site(facts.publishers, COMMANDS, line_of(ROOT / COMMANDS, "await mark_paid.send("))
    assert sent.payload_fields == ("order_id", "payment_id", "amount_cents")
    assert sent.key == "row.order_id"
    # `pick_urgent.cast(value=PickRequest(...))` without a key
    [cast] = by_site(facts.publishers, AGENTS, line_of(ROOT / AGENTS, "await pick_urgent.cast("))
    assert (cast.payload_fields, cast.key) == (("order_id", "priority"), None)
    # a sink is sent only the yielded value, never a key; the yielded fields are not read yet
    # (pending_faust.py::test_sink_payload_is_what_the_agent_yields)
    [sink] = by_site(facts.publishers, AGENTS, line_of(ROOT / AGENTS, "@app.agent(placed_orders, sink=[scheduled_shipments])"))
    assert (sink.payload_fields, sink.key) == (None, None)


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    count_line = line_of(ROOT / PIPELINE, "@app.agent(order_events)")
    assert subs(facts) == {
        (ORDER_AGENTS, line_of(ROOT / ORDER_AGENTS, "@app.agent(payments_topic)"), "PaymentCaptured", "payments.captured", "orders", "orders.agents.mark_paid"),
        # the app is imported under another name (`fulfillment_app as app`), the topic from streams.py
        (AGENTS, line_of(ROOT / AGENTS, "@app.agent(placed_orders, sink="), "OrderPlaced", "orders.placed", "fulfillment", "fulfillment.agents.schedule_shipment"),
        # a topic given by name, its value type beside it
        (AGENTS, line_of(ROOT / AGENTS, '@app.agent("orders.cancelled", value_type=OrderCancelled)'), "OrderCancelled", "orders.cancelled", "fulfillment", "fulfillment.agents.release_stock"),
        # no channel: faust makes the agent its own topic, not named statically yet
        # (pending_faust.py::test_agent_without_channel_consumes_its_own_topic)
        (AGENTS, line_of(ROOT / AGENTS, "@app.agent(concurrency=4)"), None, "fulfillment-fulfillment.agents.pick_urgent", "fulfillment", "fulfillment.agents.pick_urgent"),
        # one topic object over two topic names: one record per name
        (PIPELINE, count_line, "OrderEvent", "orders.placed", "analytics", "pipeline.count_orders"),
        (PIPELINE, count_line, "OrderEvent", "orders.cancelled", "analytics", "pipeline.count_orders"),
    }


def test_consumer_group_is_the_app_id():
    facts = facts_of(ROOT)
    groups = {(s.path, s.handler): s.group for s in facts.subscribers}
    assert groups == {
        (ORDER_AGENTS, "orders.agents.mark_paid"): "orders",
        # App(id="fulfillment", ...) by keyword
        (AGENTS, "fulfillment.agents.schedule_shipment"): "fulfillment",
        (AGENTS, "fulfillment.agents.release_stock"): "fulfillment",
        (AGENTS, "fulfillment.agents.pick_urgent"): "fulfillment",
        (PIPELINE, "pipeline.count_orders"): "analytics",
    }


def test_subscriber_lines_are_the_decorators_own():
    facts = facts_of(ROOT)
    [mark_paid] = [s for s in facts.subscribers if s.handler == "orders.agents.mark_paid"]
    assert (mark_paid.line, mark_paid.column) == (line_of(ROOT / ORDER_AGENTS, "@app.agent(payments_topic)"), 1)
    assert mark_paid.line + 1 == line_of(ROOT / ORDER_AGENTS, "async def mark_paid(")


def test_topic_declarations_alone_are_not_sites():
    facts = facts_of(ROOT)
    # app.topic(...) declares a topic; orders.archive is declared and never used
    for path in (TOPICS, STREAMS):
        assert [r for r in (*facts.publishers, *facts.subscribers) if r.path == path] == []
    assert all(r.channel != "orders.archive" for r in (*facts.publishers, *facts.subscribers))
    # the App constructor is no site either
    assert [r for r in (*facts.publishers, *facts.subscribers) if r.path.endswith("/app.py")] == []


def test_headers_are_the_keys_of_the_headers_mapping():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    assert headers == {
        # send(key=..., value=..., headers={"x-request-id": ...})
        (VIEWS, line_of(ROOT / VIEWS, "await topics.order_placed_topic.send(")): ("x-request-id",),
        (VIEWS, line_of(ROOT / VIEWS, "topics.order_cancelled_topic.send_soon(")): (),
        (COMMANDS, line_of(ROOT / COMMANDS, "await mark_paid.send(")): (),
        (AGENTS, line_of(ROOT / AGENTS, "await pick_urgent.cast(")): (),
        (AGENTS, line_of(ROOT / AGENTS, "await app.send(")): (),
        (PIPELINE, line_of(ROOT / PIPELINE, "await app.send(")): (),
        # a sink sends what the agent yields: faust sets the headers, the code does not say
        (AGENTS, line_of(ROOT / AGENTS, "@app.agent(placed_orders, sink=")): None,
    }


def test_a_builtin_value_type_is_not_an_event(tmp_path):
    # faust's own "raw" example: the topic carries plain strings; `str` is the encoding, not an event
    from tests.helpers import write_project

    root = write_project(
        tmp_path / "greeter",
        {
            "app.py": """
                import faust

                app = faust.App("greeter", broker="kafka://localhost:9092")
                greetings = app.topic("greetings", value_type=str, value_serializer="raw")
                orders = app.topic("orders", value_type=bytes)

                @app.agent(greetings)
                async def greet(stream):
                    async for greeting in stream:
                        print(greeting)

                @app.timer(interval=1.0)
                async def produce():
                    await greetings.send(value="Hello, World!")
                    await orders.send(value=b"x")
                """
        },
    )
    facts = facts_of(root)
    assert {(p.event, p.channel) for p in facts.publishers} == {(None, "greetings"), (None, "orders")}
    assert {(s.event, s.channel) for s in facts.subscribers} == {(None, "greetings")}
