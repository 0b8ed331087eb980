"""A client reached through a parameter annotated `Annotated[Client, Depends(factory)]` (FastAPI's dependency
injection, kept as text in the IR because its metadata is a call) is typed by the annotation's first argument, as a
plain `producer: AIOKafkaProducer` is: its publications are sites, and the consumer of their topic in another service
is not told that nothing publishes it (EDA102)."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from eventlint.config import load_config
from tests.helpers import facts_of, line_of, pubs, write_project

CATALOG = """
    from typing import Annotated

    from aiokafka import AIOKafkaProducer
    from fastapi import APIRouter, Depends


    async def get_kafka_producer():
        producer = AIOKafkaProducer(bootstrap_servers="broker:19092")
        await producer.start()
        try:
            yield producer
        finally:
            await producer.stop()


    router = APIRouter()


    @router.post("/products")
    async def add_product(name: str, producer: {annotation}):
        await producer.send("product_created", name.encode(), key=name.encode())


    @router.delete("/products/{{product_id}}")
    async def delete_product(product_id: int, producer: Annotated[AIOKafkaProducer, Depends(get_kafka_producer)],
                             tag: Annotated[str, Depends(lambda: "x")] = "x"):
        await producer.send_and_wait("product_deleted", str(product_id).encode())
"""
STOCK = """
    import asyncio

    from aiokafka import AIOKafkaConsumer


    async def consume(topic):
        consumer = AIOKafkaConsumer(topic, bootstrap_servers="broker:19092", group_id="stock",
                                    enable_auto_commit=False)
        await consumer.start()
        try:
            async for message in consumer:
                print(message.value)
                await consumer.commit()
        finally:
            await consumer.stop()


    async def main():
        await asyncio.gather(consume("product_created"), consume("product_deleted"))


    asyncio.run(main())
"""
INJECTED = "Annotated[AIOKafkaProducer, Depends(get_kafka_producer)]"


def project(tmp_path: Path, annotation: str = INJECTED) -> Path:
    return write_project(tmp_path, {
        "catalog/Dockerfile": "FROM python:3.12\n",
        "catalog/app/routes.py": CATALOG.replace("{annotation}", annotation),
        "stock/Dockerfile": "FROM python:3.12\n",
        "stock/worker.py": STOCK,
    }, {"exclude": []})


def test_an_annotated_dependency_is_the_client_its_first_argument_names(tmp_path):
    root = project(tmp_path)
    routes = root / "catalog/app/routes.py"
    sent = {(p[0], p[1], p[3]) for p in pubs(facts_of(root))}
    assert sent == {
        ("catalog/app/routes.py", line_of(routes, 'await producer.send("product_created"'), "product_created"),
        ("catalog/app/routes.py", line_of(routes, 'await producer.send_and_wait("product_deleted"'), "product_deleted"),
    }


def test_the_consumer_of_an_injected_producers_topic_is_not_told_nothing_publishes_it(tmp_path):
    root = project(tmp_path)
    found = [d for d in api.lint([root], load_config([root]), select=["EDA102"]).diagnostics if d.code == "EDA102"]
    assert found == []


def test_what_the_annotation_does_not_type_stays_unknown(tmp_path):
    # the false form's cause, kept visible: an un-annotated parameter with no caller is not a client
    root = project(tmp_path, annotation="Annotated[object, Depends(get_kafka_producer)]")
    sent = {p[3] for p in pubs(facts_of(root))}
    assert sent == {"product_deleted"}
    found = [d for d in api.lint([root], load_config([root]), select=["EDA102"]).diagnostics if d.code == "EDA102"]
    assert [d.message.split(",")[0] for d in found] == ["worker.consume consumes product_created"]
