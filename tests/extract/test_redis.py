"""redis-py: Pub/Sub publish/subscribe/psubscribe (sync and asyncio), Streams xadd/xreadgroup/xread, pipelines, wrappers."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("redis")
NOTIFY = "services/orders/orders/notify.py"
SERVICE = "services/orders/orders/service.py"
OUTBOX = "services/orders/orders/outbox.py"
STREAMS = "services/payments/payments/streams.py"
HANDLERS = "services/payments/payments/handlers.py"
WORKER = "services/payments/payments/worker.py"
LISTENER = "services/notifications/notifications/main.py"
CLIENTS = "services/analytics/analytics/clients.py"
LIVE = "services/analytics/analytics/live.py"
REPLAY = "services/analytics/analytics/replay.py"


def _line(path: str, snippet: str, occurrence: int = 1) -> int:
    return line_of(ROOT / path, snippet, occurrence)


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # the literal fields dict of xadd names the event through its "type" key
        (SERVICE, _line(SERVICE, "redis_client.xadd("), "OrderPlaced", "stream:orders", "orders", "orders.service.place_order"),
        # the publish(channel, msg) helper's callers: the event from the "type" of the dict passed through json.dumps
        (SERVICE, _line(SERVICE, "publish(channels.ORDER_PLACED"), "OrderPlaced", "orders.placed", "orders", "orders.service.place_order"),
        (SERVICE, _line(SERVICE, "publish(channels.ORDER_CANCELLED"), "OrderCancelled", "orders.cancelled", "orders", "orders.service.cancel_order"),
        # the raw call inside the publish(channel, msg) helper
        (NOTIFY, _line(NOTIFY, "redis_client.publish(channel"), None, None, "orders", "orders.notify.publish"),
        # a pipeline queues the same commands as the client
        (OUTBOX, _line(OUTBOX, "pipe.xadd(row.stream"), None, None, "orders", "orders.outbox.OutboxRelay.flush"),
        # an untyped client parameter: xadd is matched by name in a module importing redis
        (STREAMS, _line(STREAMS, "client.xadd(stream"), None, None, "payments", "payments.streams.append"),
        (HANDLERS, _line(HANDLERS, "    append("), "PaymentCaptured", "stream:payments", "payments", "payments.handlers.handle_order_event"),
        (HANDLERS, _line(HANDLERS, 'r.publish("payments.captured"'), None, "payments.captured", "payments", "payments.handlers.handle_order_event"),
    }
    assert {p.framework for p in facts.publishers} == {"redis"}


def test_payload_fields_of_every_publication():
    facts = facts_of(ROOT)
    assert {(p.path, p.line, p.payload_fields, p.key) for p in facts.publishers} == {
        # xadd: the keys of the literal fields dict
        (SERVICE, _line(SERVICE, "redis_client.xadd("), ("type", "order_id", "customer_id", "total_cents"), None),
        # the dict the publish(channel, msg) helper serialises with json.dumps is read at its callers
        (SERVICE, _line(SERVICE, "publish(channels.ORDER_PLACED"), ("type", "order_id"), None),
        (SERVICE, _line(SERVICE, "publish(channels.ORDER_CANCELLED"), ("type", "order_id", "reason"), None),
        # the fields dict handed to the append(client, stream, fields) helper is read at its caller
        (HANDLERS, _line(HANDLERS, "    append("), ("type", "order_id", "charge_id"), None),
        # inside the helpers the payload is a parameter; a bare string and a row decoded at run time have no fields
        (STREAMS, _line(STREAMS, "client.xadd(stream"), None, None),
        (NOTIFY, _line(NOTIFY, "redis_client.publish(channel"), None, None),
        (HANDLERS, _line(HANDLERS, 'r.publish("payments.captured"'), None, None),
        (OUTBOX, _line(OUTBOX, "pipe.xadd(row.stream"), None, None),
    }


def test_wrapper_call_sites_resolve_the_channel_and_keep_the_raw_call():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, NOTIFY, _line(NOTIFY, "redis_client.publish(channel"))
    assert (inner.channel, inner.channel_expr) == (None, "channel")
    for snippet in ("publish(channels.ORDER_PLACED", "publish(channels.ORDER_CANCELLED"):
        [outer] = by_site(facts.publishers, SERVICE, _line(SERVICE, snippet))
        assert outer.via == ("orders.notify.publish",)
        assert outer.channel_expr is None
    [untyped] = by_site(facts.publishers, STREAMS, _line(STREAMS, "client.xadd(stream"))
    assert (untyped.channel, untyped.channel_expr) == (None, "stream")


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    listen = _line(LISTENER, "await pubsub.subscribe(*ORDER_CHANNELS)")
    assert subs(facts) == {
        # subscribe(*channels): one record per channel; `async for message in pubsub.listen()` leads to dispatch()
        (LISTENER, listen, None, "orders.placed", "notifications", "notifications.dispatch.dispatch"),
        (LISTENER, listen, None, "orders.cancelled", "notifications", "notifications.dispatch.dispatch"),
        # psubscribe: the channel is the pattern; messages come from get_message() in a loop
        (LISTENER, _line(LISTENER, 'await pubsub.psubscribe("payments.*")'), None, "payments.*", "notifications", "notifications.dispatch.on_payment"),
        # a consumer group loop in a worker class; the handler lives in another module
        (WORKER, _line(WORKER, "self.redis.xreadgroup("), None, "stream:orders", "payments", "payments.handlers.handle_order_event"),
        # xread without a group, on a replica handed out by Sentinel
        (REPLAY, _line(REPLAY, "replica.xread("), None, "stream:orders", "analytics", "analytics.metrics.record_entry"),
        # channels given as keyword arguments, each with the callback run_in_thread() calls
        (LIVE, _line(LIVE, "pubsub.subscribe(**"), None, "orders.placed", "analytics", "analytics.metrics.record_order"),
        (LIVE, _line(LIVE, "pubsub.psubscribe(**"), None, "payments.*", "analytics", "analytics.metrics.record_payment"),
    }
    assert {s.framework for s in facts.subscribers} == {"redis"}


def test_group_and_ack_of_every_subscription():
    facts = facts_of(ROOT)
    listen = _line(LISTENER, "await pubsub.subscribe(*ORDER_CHANNELS)")
    assert {(s.path, s.line, s.channel, s.group, s.ack, s.via) for s in facts.subscribers} == {
        # entries read by a consumer group stay pending until xack(): manual
        (WORKER, _line(WORKER, "self.redis.xreadgroup("), "stream:orders", "payments", "manual", ()),
        # no group, nothing to acknowledge: every reader gets every entry / message
        (REPLAY, _line(REPLAY, "replica.xread("), "stream:orders", None, None, ()),
        (LISTENER, listen, "orders.placed", None, None, ()),
        (LISTENER, listen, "orders.cancelled", None, None, ()),
        (LISTENER, _line(LISTENER, 'await pubsub.psubscribe("payments.*")'), "payments.*", None, None, ()),
        (LIVE, _line(LIVE, "pubsub.subscribe(**"), "orders.placed", None, None, ()),
        (LIVE, _line(LIVE, "pubsub.psubscribe(**"), "payments.*", None, None, ()),
    }


def test_declarations_alone_are_not_sites():
    facts = facts_of(ROOT)
    declarations = {
        # pubsub() with no channel, returned by a factory
        (CLIENTS, _line(CLIENTS, "client.pubsub(ignore_subscribe_messages=True)")),
        (LISTENER, _line(LISTENER, "async with client.pubsub() as pubsub")),
        (LISTENER, _line(LISTENER, "pubsub = client.pubsub(ignore_subscribe_messages=True)")),
        # group creation, acknowledgement and the thread that runs registered callbacks
        (WORKER, _line(WORKER, "self.redis.xgroup_create(")),
        (WORKER, _line(WORKER, "self.redis.xack(")),
        (LIVE, _line(LIVE, "pubsub.run_in_thread(")),
    }
    sites = {(r.path, r.line) for r in (*facts.publishers, *facts.subscribers)}
    assert not sites & declarations
    assert not any(r.path == CLIENTS for r in (*facts.publishers, *facts.subscribers))


def test_redis_messages_have_no_headers():
    # Pub/Sub messages and stream entries carry only their payload: known to set no headers
    facts = facts_of(ROOT)
    assert {p.headers for p in facts.publishers} == {()}
