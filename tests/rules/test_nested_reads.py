"""EDA204 on attribute chains of a handler typed with a model (FastStream decodes the message into it), on
`.get()` chains, and on the top level of nested reads.

Handlers are written in FastStream's real shape (`@broker.subscriber("topic") async def h(order: Model)`,
faststream.kafka.KafkaBroker) and kafka-python's consuming loop. The schema defines `customer.id` and
`customer.name` (`name` optional); each read is expected to be reported exactly when the schema does not
define the path it reads (and, for `event["a"]["b"]` only, when it reads an optional key as required).
"""

from __future__ import annotations

import json
import textwrap

import pytest

from eventlint import testing
from eventlint.rules.contracts import ConsumerReadsUnknownField

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "order_id": {"type": "string"},
        "total_cents": {"type": "integer"},
        "customer": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            "required": ["id"],
        },
    },
    "required": ["order_id", "total_cents", "customer"],
}
CONFIG = "events:\n  OrderPlaced: {owner: shop, channel: orders.placed, schema: schemas/order_placed.json}\n"

FASTSTREAM = """
from faststream import FastStream
from faststream.kafka import KafkaBroker
from pydantic import BaseModel

broker = KafkaBroker("kafka:9092")
app = FastStream(broker)


class Customer(BaseModel):
    id: str
    name: str | None = None
    email: str | None = None


class OrderPlaced(BaseModel):
    order_id: str
    total_cents: int
    customer: Customer
    coupon: str | None = None


@broker.subscriber("orders.placed", group_id="billing")
async def on_order(order: OrderPlaced) -> None:
    {body}
"""

KAFKA = """
import json

from kafka import KafkaConsumer

consumer = KafkaConsumer("orders.placed", group_id="billing", bootstrap_servers="kafka:9092")


def handle(event):
    {body}


def run():
    for message in consumer:
        handle(json.loads(message.value))
"""


def findings(template: str, body: str) -> list[str]:
    files = {
        "shop/app.py": textwrap.dedent(template).replace("{body}", body),
        "schemas/order_placed.json": json.dumps(SCHEMA),
    }
    return [d.message for d in testing.lint_files(ConsumerReadsUnknownField, files, config=CONFIG)]


CASES = [
    # a model-typed FastStream handler: attribute chains are the message's fields
    (FASTSTREAM, "charge(order.customer.id, order.total_cents)", []),
    (FASTSTREAM, "charge(order.customer.name)", []),  # optional, but an attribute of a model never raises KeyError
    (FASTSTREAM, "mail(order.customer.email)", ["reads `customer.email`, which the `OrderPlaced` schema does not define"]),
    (FASTSTREAM, "redeem(order.coupon)", ["reads `.coupon` of `OrderPlaced`, which the `OrderPlaced` schema does not define"]),
    (FASTSTREAM, "log(order.model_dump())", []),  # the model's own API
    (FASTSTREAM, "charge(order.buyer.id)", ["reads `buyer`, which the `OrderPlaced` schema does not define"]),
    # `.get()` chains: each key judged below the one before, names only (a default is given)
    (KAFKA, 'charge(event.get("customer", {}).get("id"))', []),
    (KAFKA, 'charge(event.get("customer", {}).get("name"))', []),
    (KAFKA, 'mail(event.get("customer", {}).get("email"))', ["reads `customer.email`, which the `OrderPlaced` schema does not define"]),
    (KAFKA, 'mail(event["customer"].get("email"))', ["reads `customer.email`, which the `OrderPlaced` schema does not define"]),
    # subscripts: an optional key read as required raises KeyError; an undefined top level is reported too
    (KAFKA, 'charge(event["customer"]["name"])', ["reads optional `customer.name` of `OrderPlaced` as required: messages without it raise KeyError"]),
    (KAFKA, 'charge(event["buyer"]["id"])', ["reads `buyer`, which the `OrderPlaced` schema does not define"]),
    # attributes of what is not a model-typed message are not judged
    (KAFKA, "charge(event.customer.id, event.buyer.id)", []),
]


@pytest.mark.parametrize("template, body, expected", CASES, ids=[f"{i}-{c[1]}" for i, c in enumerate(CASES)])
def test_nested_reads(template, body, expected):
    assert findings(template, body) == expected


def test_the_handler_fact_names_its_message_class(tmp_path):
    from tests.helpers import facts_of, write_project

    root = write_project(tmp_path / "p", {"shop/app.py": textwrap.dedent(FASTSTREAM).replace("{body}", "pass")}, {"services": {"shop": ["shop/**"]}})
    (handler,) = [h for h in facts_of(root).handlers if h.name.endswith("on_order")]
    assert handler.message_class == "app.OrderPlaced"
