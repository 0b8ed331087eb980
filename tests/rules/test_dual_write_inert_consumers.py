"""EDA403 on an event whose every consumer only shows or logs it (#19): a confirmation committed, then published,
whose only reader streams it to the browser carries no state that can disagree with the database; a consumer that
writes, an event nobody here consumes, or `report_inert_consumers: true` reports it."""

from __future__ import annotations

from tests.rules.test_debugging import at, findings, project

CONFIRM = """
    import json

    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from sqlalchemy.orm import Session

    from shop.db import Order, engine


    async def confirm(order_id: int) -> None:
        with Session(engine) as session:
            session.get(Order, order_id).status = "CONFIRMED"
            session.commit()
        producer = AIOKafkaProducer(bootstrap_servers="kafka:9092")
        await producer.start()
        try:
            await producer.send_and_wait("order-notifications", json.dumps({"order_id": order_id}).encode())
        finally:
            await producer.stop()
"""
LIVE_FEED = """
    import json

    from aiokafka import AIOKafkaConsumer


    async def live_updates(user_id: int):
        consumer = AIOKafkaConsumer("order-notifications", bootstrap_servers="kafka:9092", group_id="sse")
        await consumer.start()
        try:
            async for msg in consumer:
                event = json.loads(msg.value.decode("utf-8"))
                if event["user_id"] == user_id:
                    yield f"data: {json.dumps(event)}\\n\\n"
        finally:
            await consumer.stop()
"""
SHOP = {"shop/__init__.py": "", "shop/db.py": "engine = None\n\n\nclass Order:\n    pass\n"}
PUBLISH = 'await producer.send_and_wait("order-notifications"'


def test_an_event_only_a_live_feed_reads_is_not_a_dual_write(tmp_path):
    root = project(tmp_path, {**SHOP, "orders.py": CONFIRM, "feed.py": LIVE_FEED})
    assert findings(root, "EDA403") == set()


def test_a_consumer_that_writes_keeps_it_reported(tmp_path):
    writing = LIVE_FEED.replace(
        '                if event["user_id"] == user_id:',
        '                Session(engine).add(Order())\n                if event["user_id"] == user_id:',
    ).replace("from aiokafka import AIOKafkaConsumer\n", "from aiokafka import AIOKafkaConsumer\n    from sqlalchemy.orm import Session\n\n    from shop.db import Order, engine\n")
    root = project(tmp_path, {**SHOP, "orders.py": CONFIRM, "feed.py": writing})
    assert findings(root, "EDA403") == {at(root, "orders.py", PUBLISH)}


def test_an_event_nobody_here_consumes_is_still_reported(tmp_path):
    root = project(tmp_path, {**SHOP, "orders.py": CONFIRM})
    assert findings(root, "EDA403") == {at(root, "orders.py", PUBLISH)}


def test_report_inert_consumers_reports_it(tmp_path):
    root = project(tmp_path, {**SHOP, "orders.py": CONFIRM, "feed.py": LIVE_FEED}, {"report_inert_consumers": True}, "EDA403")
    assert findings(root, "EDA403") == {at(root, "orders.py", PUBLISH)}


def test_inert_calls_option_reaches_the_rule(tmp_path):
    # with nothing taken as inert, the feed's json.loads is work: the dual write is reported
    root = project(tmp_path, {**SHOP, "orders.py": CONFIRM, "feed.py": LIVE_FEED}, {"inert_calls": ["builtins.print"]}, "EDA403")
    assert findings(root, "EDA403") == {at(root, "orders.py", PUBLISH)}
