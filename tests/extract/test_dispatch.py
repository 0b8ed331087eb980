"""Dispatch inside a consumer: the handler a message really reaches, per topic, routing key or event type."""

from eventlint.extract import parse_file
from tests.helpers import facts_of, fixture, line_of, write_project

ROOT = fixture("dispatch")
BILLING = "billing/billing/consumer.py"
SHIPPING = "shipping/shipping/worker.py"
NOTIFY = "notify/notify/callbacks.py"
ALERTS = "alerts/alerts/listener.py"
AUDIT = "audit/audit/consumer.py"


def records(facts, path):
    return {(s.event, s.channel, s.service, s.handler, s.via) for s in facts.subscribers if s.path == path}


def test_a_dict_keyed_by_topic_gives_each_topic_its_handler():
    facts = facts_of(ROOT)
    where = f"billing.consumer.run:{line_of(ROOT / BILLING, 'HANDLERS[message.topic](message.value)')}"
    assert records(facts, BILLING) == {
        (None, "orders.placed", "billing", "billing.handlers.handle_order", (where,)),
        (None, "payments.captured", "billing", "billing.handlers.handle_payment", (where,)),
        # a topic the map does not name stays with the loop's function
        (None, "billing.audit", "billing", "billing.consumer.run", ()),
    }


def test_if_elif_on_the_topic():
    facts = facts_of(ROOT)
    paid = line_of(ROOT / SHIPPING, "steps.schedule_shipment(")
    cancelled = line_of(ROOT / SHIPPING, "steps.cancel_shipment(")
    assert records(facts, SHIPPING) == {
        (None, "orders.paid", "shipping", "shipping.steps.schedule_shipment", (f"shipping.worker.main:{paid}",)),
        (None, "orders.cancelled", "shipping", "shipping.steps.cancel_shipment", (f"shipping.worker.main:{cancelled}",)),
        (None, "inventory.low", "shipping", "shipping.worker.main", ()),
    }


def test_a_dict_keyed_by_the_event_type_in_a_callback():
    facts = facts_of(ROOT)
    where = f"notify.callbacks.on_message:{line_of(ROOT / NOTIFY, 'handler(event)')}"
    assert records(facts, NOTIFY) == {
        ("UserRegistered", "notifications", "notify", "notify.senders.welcome_email", (where,)),
        ("PasswordReset", "notifications", "notify", "notify.senders.reset_email", (where,)),
        # event types the map does not name still reach the callback
        (None, "notifications", "notify", "notify.callbacks.on_message", ()),
    }
    roles = {h.name: h.role for h in facts.handlers}
    assert roles["notify.callbacks.on_message"] == "handler"
    assert roles["notify.senders.welcome_email"] == "handler"


def test_match_on_the_topic_and_an_arm_that_does_the_work_itself():
    facts = facts_of(ROOT)
    critical = line_of(ROOT / ALERTS, "await page_on_call(")
    assert records(facts, ALERTS) == {
        (None, "alerts.critical", "alerts", "alerts.pager.page_on_call", (f"alerts.listener.consume:{critical}",)),
        # the metrics arm also keeps the raw message itself: record_metric is not all that handles it
        (None, "alerts.metrics", "alerts", "alerts.listener.consume", ()),
        (None, "alerts.debug", "alerts", "alerts.listener.consume", ()),
    }


def test_isinstance_on_a_decoded_event_names_the_event_class():
    facts = facts_of(ROOT)
    opened = line_of(ROOT / AUDIT, "self.on_opened(event)")
    closed = line_of(ROOT / AUDIT, "self.on_closed(event)")
    assert records(facts, AUDIT) == {
        ("AccountOpened", "accounts", "audit", "audit.consumer.AccountAuditor.on_opened", (f"audit.consumer.AccountAuditor.run:{opened}",)),
        ("AccountClosed", "accounts", "audit", "audit.consumer.AccountAuditor.on_closed", (f"audit.consumer.AccountAuditor.run:{closed}",)),
        (None, "accounts", "audit", "audit.consumer.AccountAuditor.run", ()),
    }


def test_handler_rules_judge_the_dispatched_handler():
    facts = facts_of(ROOT)
    handlers = {h.name: h for h in facts.handlers}
    schedule = handlers["shipping.steps.schedule_shipment"]
    assert schedule.role == "handler"
    assert "requests.post" in {c.name for c in schedule.calls}
    assert {r.field for r in handlers["notify.senders.reset_email"].reads} == {"email", "reset_link"}


PROJECT = {
    "svc/__init__.py": "",
    "svc/handlers.py": """
        def on_placed(event):
            pass

        def on_cancelled(event):
            pass

        def on_paid(event):
            pass
    """,
}


def _project(tmp_path, consumer: str):
    files = dict(PROJECT)
    files["svc/consumer.py"] = consumer
    root = write_project(tmp_path, files, {"services": {"svc": ["svc/**"]}})
    return {(s.event, s.channel, s.handler) for s in facts_of(root).subscribers}


def test_match_on_a_mapping_key_and_a_local_handler_variable(tmp_path):
    found = _project(
        tmp_path,
        """
        import json
        from kafka import KafkaConsumer
        from svc import handlers

        def run():
            for msg in KafkaConsumer("orders", group_id="svc"):
                event = json.loads(msg.value)
                match event:
                    case {"type": "OrderPlaced"}:
                        handlers.on_placed(event)
                    case {"type": "OrderCancelled"}:
                        handlers.on_cancelled(event)
        """,
    )
    assert found == {
        ("OrderPlaced", "orders", "svc.handlers.on_placed"),
        ("OrderCancelled", "orders", "svc.handlers.on_cancelled"),
        (None, "orders", "svc.consumer.run"),  # other event types reach the loop and go no further
    }


def test_a_type_field_of_the_transport_record_is_not_an_event(tmp_path):
    # redis pub/sub hands out {"type": "message", "channel": ..., "data": ...}: "message" is no event
    found = _project(
        tmp_path,
        """
        import redis
        from svc import handlers

        def listen():
            pubsub = redis.Redis(decode_responses=True).pubsub()
            pubsub.subscribe("orders")
            for message in pubsub.listen():
                if message["type"] == "message":
                    handlers.on_placed(message["data"])
        """,
    )
    assert found == {(None, "orders", "svc.handlers.on_placed")}


def test_a_value_not_read_from_the_message_is_no_dispatch(tmp_path):
    found = _project(
        tmp_path,
        """
        import os
        from kafka import KafkaConsumer
        from svc import handlers

        MODE = os.environ.get("MODE", "placed")

        def run():
            for msg in KafkaConsumer("orders", group_id="svc"):
                kind = MODE
                if kind == "placed":
                    handlers.on_placed(msg.value)
                else:
                    handlers.on_cancelled(msg.value)
        """,
    )
    # two candidate handlers and no dispatch on the message: the loop's function handles it
    assert {h for _, _, h in found} <= {"svc.consumer.run", "svc.handlers.on_placed"}
    assert all(event is None for event, _, _ in found)


def test_a_key_that_is_not_a_literal_is_no_route(tmp_path):
    found = _project(
        tmp_path,
        """
        from kafka import KafkaConsumer
        from svc import handlers

        def run(wanted):
            for msg in KafkaConsumer("orders", "refunds", group_id="svc"):
                if msg.topic == wanted:
                    handlers.on_placed(msg.value)
        """,
    )
    # no route: the loop's own choice of handler (the one function given the message) stands for both topics
    assert found == {(None, "orders", "svc.handlers.on_placed"), (None, "refunds", "svc.handlers.on_placed")}


def test_branches_in_the_ir():
    source = b'''
def f(msg):
    if msg.topic() in ("a", "b"):
        handle(msg)
    elif isinstance(msg, (A, B)) or isinstance(msg, C):
        other(msg)
    match msg["kind"]:
        case "x" | "y":
            hx(msg)
        case Foo():
            hf(msg)
        case _:
            pass
'''
    module = parse_file(source, "m.py", "m")
    [fn] = [f for f in module.functions if f.name == "f"]
    from eventlint.extract import ir

    got = [(ir.unparse(b.subject), tuple(ir.unparse(k) for k in b.keys), b.test, tuple(ir.unparse(c) for c in b.calls)) for b in fn.branches]
    assert sorted(got) == sorted(
        [
            ("msg.topic()", ("'a'", "'b'"), "eq", ("handle(msg)",)),
            ("msg", ("A", "B", "C"), "isinstance", ("other(msg)",)),
            ("msg['kind']", ("'x'", "'y'"), "eq", ("hx(msg)",)),
            ("msg['kind']", ("Foo",), "isinstance", ("hf(msg)",)),
        ]
    )


def test_a_polled_transport_record_type_is_not_an_event(tmp_path):
    found = _project(
        tmp_path,
        """
        import redis
        from svc import handlers

        def poll():
            pubsub = redis.Redis(decode_responses=True).pubsub()
            pubsub.subscribe("orders")
            while True:
                message = pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] == "message":
                    handlers.on_placed(message["data"])
        """,
    )
    assert all(event is None for event, _, _ in found)


def test_a_decorator_registry_object_dispatched_by_channel():
    facts = facts_of(ROOT)
    listener = "search/search/listener.py"
    where = f"search.registry.Registry.dispatch:{line_of(ROOT / 'search/search/registry.py', 'handler(payload)')}"
    assert records(facts, listener) == {
        (None, "products.updated", "search", "search.indexers.reindex_product", (where,)),
        (None, "products.deleted", "search", "search.indexers.drop_product", (where,)),
        # a channel nothing registered for: the registry's dispatch still receives it, as before
        (None, "products.viewed", "search", "search.registry.Registry.dispatch", ()),
    }


def test_a_module_level_registry_filled_by_a_decorator_function(tmp_path):
    found = _project(
        tmp_path,
        """
        import json
        from kafka import KafkaConsumer

        HANDLERS = {}

        def on(event_type):
            def register(fn):
                HANDLERS[event_type] = fn
                return fn
            return register

        @on("OrderPlaced")
        def placed(event):
            pass

        @on("OrderCancelled")
        def cancelled(event):
            pass

        def run():
            for msg in KafkaConsumer("orders", group_id="svc"):
                event = json.loads(msg.value)
                HANDLERS[event["event_type"]](event)
        """,
    )
    assert found == {
        ("OrderPlaced", "orders", "svc.consumer.placed"),
        ("OrderCancelled", "orders", "svc.consumer.cancelled"),
        (None, "orders", "svc.consumer.run"),
    }


def test_a_registry_that_stores_something_else_is_no_route(tmp_path):
    found = _project(
        tmp_path,
        """
        from kafka import KafkaConsumer

        HANDLERS = {}

        def on(topic):
            def register(fn):
                HANDLERS[topic] = wrap(fn)
                return fn
            return register

        def wrap(fn):
            return fn

        @on("orders")
        def placed(event):
            pass

        def run():
            for msg in KafkaConsumer("orders", group_id="svc"):
                HANDLERS[msg.topic](msg.value)
        """,
    )
    assert found == {(None, "orders", "svc.consumer.run")}


def test_a_standard_library_class_is_no_event(tmp_path):
    found = _project(
        tmp_path,
        """
        import json
        from collections.abc import Mapping
        from kafka import KafkaConsumer
        from svc import handlers

        def run():
            for msg in KafkaConsumer("orders", group_id="svc"):
                data = json.loads(msg.value)
                if isinstance(data, Mapping):
                    handlers.on_placed(data)
                elif isinstance(data, list):
                    handlers.on_cancelled(data)
        """,
    )
    assert all(event is None for event, _, _ in found)


def test_routing_key_arms_in_a_pika_callback(tmp_path):
    found = _project(
        tmp_path,
        """
        import json
        import pika
        from svc import handlers

        def on_message(ch, method, properties, body):
            if method.routing_key == "order.placed":
                handlers.on_placed(json.loads(body))
            elif method.routing_key == "order.cancelled":
                handlers.on_cancelled(json.loads(body))
            ch.basic_ack(delivery_tag=method.delivery_tag)

        def main():
            channel = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq")).channel()
            channel.basic_consume(queue="orders", on_message_callback=on_message)
            channel.start_consuming()
        """,
    )
    # the queue is the channel; each routing key's handler gets its own record, other keys reach the callback
    assert found == {
        (None, "orders", "svc.handlers.on_placed"),
        (None, "orders", "svc.handlers.on_cancelled"),
        (None, "orders", "svc.consumer.on_message"),
    }


def test_an_event_type_tested_in_a_decorated_handler_that_does_the_work_itself(tmp_path):
    found = _project(
        tmp_path,
        """
        from faststream.kafka import KafkaBroker

        broker = KafkaBroker("kafka:9092")
        db = {}

        @broker.subscriber("orders")
        async def on_order(event: dict):
            if event["type"] == "OrderPlaced":
                db.setdefault(event["id"], event)
            elif event["type"] in ("OrderCancelled", "OrderRefunded"):
                db.pop(event["id"], None)
        """,
    )
    # the arms work on the message themselves: the handler stays, each event gets its record
    assert found == {
        (None, "orders", "svc.consumer.on_order"),
        ("OrderPlaced", "orders", "svc.consumer.on_order"),
        ("OrderCancelled", "orders", "svc.consumer.on_order"),
        ("OrderRefunded", "orders", "svc.consumer.on_order"),
    }


def test_a_callback_given_the_transport_record_names_no_event_from_it(tmp_path):
    found = _project(
        tmp_path,
        """
        import redis
        from svc import handlers

        def on_alert(message):
            if message["type"] == "message":
                handlers.on_placed(message["data"])

        def listen():
            pubsub = redis.Redis().pubsub()
            pubsub.subscribe(**{"alerts": on_alert})
            pubsub.run_in_thread(sleep_time=0.01)
        """,
    )
    assert all(event is None for event, _, _ in found)


def test_a_nested_map_by_topic_then_event_type(tmp_path):
    found = _project(
        tmp_path,
        """
        import json
        from kafka import KafkaConsumer
        from svc import handlers

        HANDLERS = {
            "orders": {"OrderPlaced": handlers.on_placed, "OrderCancelled": handlers.on_cancelled},
            "payments": {"OrderPlaced": handlers.on_paid},
        }

        def run():
            for msg in KafkaConsumer("orders", "payments", group_id="svc"):
                event = json.loads(msg.value)
                HANDLERS[msg.topic][event["type"]](event)
        """,
    )
    assert found == {
        # each event type under its own topic only: OrderPlaced on payments is on_paid's, not on_placed's
        ("OrderPlaced", "orders", "svc.handlers.on_placed"),
        ("OrderCancelled", "orders", "svc.handlers.on_cancelled"),
        ("OrderPlaced", "payments", "svc.handlers.on_paid"),
        (None, "orders", "svc.consumer.run"),
        (None, "payments", "svc.consumer.run"),
    }


def test_a_nested_map_by_topic_then_something_else(tmp_path):
    found = _project(
        tmp_path,
        """
        from confluent_kafka import Consumer
        from svc import handlers

        HANDLERS = {"orders": {"created": handlers.on_placed, "cancelled": handlers.on_cancelled}, "payments": {"paid": handlers.on_paid}}

        def run():
            consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "svc"})
            consumer.subscribe(["orders", "payments"])
            while True:
                msg = consumer.poll(1.0)
                topic, key = msg.topic(), msg.key().decode()
                handler = HANDLERS[topic][key]
                handler(msg.value())
        """,
    )
    # the record's key is no name: every function under a topic is a handler of that topic
    assert found == {
        (None, "orders", "svc.handlers.on_placed"),
        (None, "orders", "svc.handlers.on_cancelled"),
        (None, "payments", "svc.handlers.on_paid"),
    }


def test_a_nested_map_holding_something_else_is_no_route(tmp_path):
    found = _project(
        tmp_path,
        """
        import json
        from kafka import KafkaConsumer
        from svc import handlers

        HANDLERS = {"orders": {"OrderPlaced": handlers.on_placed, "OrderCancelled": print}}

        def run():
            for msg in KafkaConsumer("orders", group_id="svc"):
                event = json.loads(msg.value)
                HANDLERS[msg.topic][event["type"]](event)
        """,
    )
    assert found == {(None, "orders", "svc.consumer.run")}
