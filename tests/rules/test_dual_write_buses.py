"""EDA403 through in-process buses (#14 item 6): handing an event to an in-house bus is not a broker write,
but what the bus's handlers do is part of the function's work, one bus hop deep."""

from __future__ import annotations

from eventlint.rules.delivery import DualWrite
from eventlint.testing import lint_files

BUS = {
    "shop/__init__.py": "",
    "shop/events.py": "class OrderPlaced:\n    def __init__(self, order_id):\n        self.order_id = order_id\n",
    "shop/bus.py": (
        "class MessageBus:\n    def __init__(self, handlers):\n        self.handlers = handlers\n\n"
        "    def handle(self, event):\n        for handler in self.handlers[type(event)]:\n            handler(event)\n"
    ),
    "shop/handlers.py": (
        "from shop.events import OrderPlaced\n\n\n"
        "def save_order(event, session=None):\n    session.add(event)\n    session.commit()\n\n\n"
        "HANDLERS = {OrderPlaced: [save_order]}\n"
    ),
}
API = """
from kafka import KafkaProducer

from shop.bus import MessageBus
from shop.events import OrderPlaced
from shop.handlers import HANDLERS

bus = MessageBus(HANDLERS)
producer = KafkaProducer(bootstrap_servers="kafka:9092")

def place_order(order_id):
    bus.handle(OrderPlaced(order_id))
    producer.send("orders.placed", {"order_id": order_id})
"""


def test_a_write_made_by_the_bus_handler_and_a_publish_in_the_caller_are_a_dual_write():
    found = lint_files(DualWrite, {"app.py": API, **BUS})
    assert [(d.path, d.line) for d in found] == [("app.py", 12)]
    assert "writes to the database (session.add via handlers.save_order)" in found[0].message


def test_handing_an_event_to_the_bus_alone_is_not_a_broker_write():
    source = API.replace('    producer.send("orders.placed", {"order_id": order_id})\n', "")
    assert lint_files(DualWrite, {"app.py": source, **BUS}) == []


def test_without_following_the_bus_the_write_is_out_of_sight():
    # naming nothing in-process makes the hand-over a broker write of its own, and the bus is not followed:
    # the write its handler makes is not seen from place_order
    assert lint_files(DualWrite, {"app.py": API, **BUS}, options={"in_process_frameworks": []}) == []
