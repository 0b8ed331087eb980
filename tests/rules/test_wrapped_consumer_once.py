"""EDA402 on a consumer made inside a wrapper whose callers name the topic (`async def consume(topic):
AIOKafkaConsumer(topic, ...)`, started as `asyncio.create_task(consume("product_created", ...))`): the subscription is
reported at the call that names it, once, not a second time at the wrapper's own consumer with the topic unknown
(as EDA501 already does)."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from eventlint.config import load_config
from tests.helpers import line_of, write_project

CONSUMER = """
    import logging

    from aiokafka import AIOKafkaConsumer
    from sqlmodel import Session

    from .db import engine
    from .models import Inventory

    logger = logging.getLogger(__name__)


    async def kafka_inventory_consumer(topic, bootstrap_servers):
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap_servers, group_id="inventory",
                                    auto_offset_reset="earliest"{commit})
        await consumer.start()
        try:
            async for message in consumer:
                with Session(engine) as session:
                    session.add(Inventory(product_id=int(message.value), stock=0))
                    session.commit()
        finally:
            await consumer.stop()
"""
MAIN = """
    import asyncio

    from fastapi import FastAPI

    from .kafka import kafka_inventory_consumer

    app = FastAPI()


    @app.on_event("startup")
    async def on_startup():
        asyncio.create_task(kafka_inventory_consumer("product_created", "broker:19092"))
"""


def eda402(tmp_path: Path, commit: str = "") -> tuple[Path, list]:
    root = write_project(tmp_path, {
        "inventory/Dockerfile": "FROM python:3.12\n",
        "inventory/app/__init__.py": "",
        "inventory/app/db.py": "from sqlmodel import create_engine\n\nengine = create_engine('postgresql://db/inventory')\n",
        "inventory/app/models.py": "from sqlmodel import SQLModel\n\n\nclass Inventory(SQLModel):\n    pass\n",
        "inventory/app/kafka.py": CONSUMER.replace("{commit}", commit),
        "inventory/app/main.py": MAIN,
    }, {"exclude": []})
    found = api.lint([root], load_config([root]), select=["EDA402"]).diagnostics
    return root, [d for d in found if d.code == "EDA402"]


def test_the_wrapped_consumer_is_reported_once_at_the_call_that_names_its_topic(tmp_path):
    root, found = eda402(tmp_path)
    [finding] = found
    main = root / "inventory/app/main.py"
    assert (finding.path, finding.line) == ("inventory/app/main.py", line_of(main, "asyncio.create_task("))
    assert "consumes product_created (group inventory) with automatic offset commits" in finding.message


def test_committing_after_the_work_is_silent(tmp_path):
    # the correct form: no automatic commits (the handler commits nothing either, so nothing to judge here)
    assert eda402(tmp_path, ", enable_auto_commit=False")[1] == []
