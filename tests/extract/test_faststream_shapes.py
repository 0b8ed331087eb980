"""FastStream shapes read wrongly or not at all before: batch publishers, subscriber objects, injected parameters, request."""

from tests.helpers import facts_of, fixture, line_of, pubs, subs

ROOT = fixture("faststream_shapes")
APP = "services/telemetry/telemetry/app.py"
RPC = "services/gateway/gateway/rpc.py"


def at(path: str, snippet: str, occurrence: int = 1) -> int:
    return line_of(ROOT / path, snippet, occurrence)


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        (APP, at(APP, "await alerts.publish("), "Alert", "alerts", "telemetry", "telemetry.app.check"),
        # stacked publisher decorators: the returned Alert goes to both topics
        (APP, at(APP, '@broker.publisher("alerts.email")'), "Alert", "alerts.email", "telemetry", "telemetry.app.route_alert"),
        (APP, at(APP, '@broker.publisher("alerts.sms")'), "Alert", "alerts.sms", "telemetry", "telemetry.app.route_alert"),
        # publish(a, b) on a batch publisher: two messages to the publisher's topic; the 2nd argument is no topic
        (APP, at(APP, "await readings.publish("), "Reading", "readings.raw", "telemetry", "telemetry.app.warm_up"),
        (APP, at(APP, "await broker.publish_batch("), "Reading", "readings.backfill", "telemetry", "telemetry.app.warm_up"),
        # request/reply publishes to the subject / channel it names
        (RPC, at(RPC, "await nats.request("), "PriceQuery", "prices.get", "gateway", "gateway.rpc.quote"),
        (RPC, at(RPC, "await redis.request("), None, "stock.check", "gateway", "gateway.rpc.check_stock"),
    }


def test_batch_publish_reads_no_message_as_a_channel():
    facts = facts_of(ROOT)
    channels = {p.channel for p in facts.publishers}
    assert not any("Reading(" in (c or "") for c in channels)
    [batch] = [p for p in facts.publishers if p.line == at(APP, "await readings.publish(")]
    assert batch.channel_expr is None or "Reading" not in batch.channel_expr


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        # batch=True: the handler's List[Reading] holds the events
        (APP, at(APP, '@broker.subscriber("readings.raw"'), "Reading", "readings.raw", "telemetry", "telemetry.app.store_batch"),
        # `logger: Logger` and `Depends(...)` are injected: the event is the body's class
        (APP, at(APP, '@broker.subscriber("readings.checked"'), "Reading", "readings.checked", "telemetry", "telemetry.app.check"),
        # `KafkaMessage` and `Annotated[str, Context(...)]` are injected too
        (APP, at(APP, '@broker.subscriber("readings.audit"'), "Reading", "readings.audit", "telemetry", "telemetry.app.audit"),
        # one subscriber object applied twice, once with a filter
        (APP, at(APP, "@commands(filter="), "Reading", "sensor.commands", "telemetry", "telemetry.app.on_json_command"),
        (APP, at(APP, "@commands", 2), None, "sensor.commands", "telemetry", "telemetry.app.on_other_command"),
        (APP, at(APP, '@broker.subscriber("alerts"'), "Alert", "alerts", "telemetry", "telemetry.app.route_alert"),
        (RPC, at(RPC, '@nats.subscriber("prices.get"'), "PriceQuery", "prices.get", "gateway", "gateway.rpc.answer_price"),
    }


def test_subscriber_objects_carry_group_and_ack():
    facts = facts_of(ROOT)
    for handler in ("telemetry.app.on_json_command", "telemetry.app.on_other_command"):
        [sub] = [s for s in facts.subscribers if s.handler == handler]
        assert (sub.group, sub.ack) == ("telemetry", "auto-commit")
