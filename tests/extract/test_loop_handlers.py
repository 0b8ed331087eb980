"""A poll loop's handler: the function the message is handed to, else the loop's own function when the loop
handles the message itself, giving its parts to several functions."""

from tests.helpers import facts_of, write_project

UTILS = '''
import logging


def log_event_received(topic, key, value):
    logging.info("received %s %s %s", topic, key, value)


def log_error(error):
    logging.error("consumer error: %s", error)
'''

INLINE = '''
import json

from confluent_kafka import Consumer, Producer

from utils import log_event_received

CONSUMER = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "bake"})
PRODUCER = Producer({"bootstrap.servers": "kafka:9092"})


def pizza_baked(order_id, minutes):
    PRODUCER.produce("pizza-baked", key=order_id, value=json.dumps({"minutes": minutes}))


def receive_pizza_assembled():
    CONSUMER.subscribe(["pizza-assembled"])
    while True:
        event = CONSUMER.poll(1)
        if event is None or event.error():
            continue
        order_id = event.key().decode()
        order = json.loads(event.value())
        log_event_received(event.topic(), event.key(), order)
        pizza_baked(order_id, order["minutes"])
        CONSUMER.commit(event)
'''

DELEGATES = '''
import json

from confluent_kafka import Consumer

from utils import log_error


def process(message):
    print(json.loads(message.value()))


def run():
    consumer = Consumer({"bootstrap.servers": "kafka:9092", "group.id": "orders"})
    consumer.subscribe(["orders"])
    while True:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            log_error(msg.error())
            continue
        process(msg)
'''


def test_a_loop_that_gives_parts_of_the_message_to_several_functions_is_the_handler(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"app/utils.py": UTILS, "app/bake.py": INLINE}))
    assert [(s.channel, s.handler) for s in facts.subscribers] == [("pizza-assembled", "bake.receive_pizza_assembled")]


def test_the_function_given_the_message_itself_is_the_handler(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", {"app/utils.py": UTILS, "app/worker.py": DELEGATES}))
    assert [(s.channel, s.handler) for s in facts.subscribers] == [("orders", "worker.process")]
