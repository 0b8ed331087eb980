"""NATS JetStream: `js.pull_subscribe_bind(durable, stream=...)` binds to a pull consumer made beforehand
(`js.add_consumer(stream, durable_name=..., filter_subject=...)`): a subscription whose subjects are that consumer's
filter, which the call does not name. It is a site with an unknown channel, so a JetStream publication elsewhere is not
claimed unconsumed (EDA101) while it could be this subscription's; with no such subscription the claim stands."""

from __future__ import annotations

from pathlib import Path

from eventlint import api
from eventlint.config import load_config
from tests.helpers import facts_of, line_of, write_project

PUBLISHER = """
    from fastapi import APIRouter
    from nats import NATS

    router = APIRouter()
    nc = NATS()


    @router.post("/files/{file_id}")
    async def upload(file_id: str):
        await nc.connect("nats://nats:4222")
        js = nc.jetstream()
        await js.add_stream(name="FILES", subjects=["files.uploaded"])
        await js.publish("files.uploaded", file_id.encode())
        await nc.drain()
"""
CONSUMER = """
    import asyncio

    import nats


    async def main():
        nc = await nats.connect("nats://nats:4222")
        js = nc.jetstream()
        await js.add_consumer("FILES", durable_name="indexer", filter_subject="files.uploaded", max_deliver=4)
        sub = await js.pull_subscribe_bind("indexer", stream="FILES")
        while True:
            for msg in await sub.fetch(10, timeout=5):
                print(msg.data)
                await msg.ack()


    if __name__ == "__main__":
        asyncio.run(main())
"""


def project(tmp_path: Path, with_consumer: bool = True) -> Path:
    files = {"api/Dockerfile": "FROM python:3.12\n", "api/routes.py": PUBLISHER}
    if with_consumer:
        files |= {"indexer/Dockerfile": "FROM python:3.12\n", "indexer/app.py": CONSUMER}
    return write_project(tmp_path, files, {"exclude": []})


def eda101(root: Path) -> list:
    return [d for d in api.lint([root], load_config([root]), select=["EDA101"]).diagnostics if d.code == "EDA101"]


def test_a_bound_pull_consumer_is_a_subscription_of_unknown_subjects(tmp_path):
    root = project(tmp_path)
    [sub] = facts_of(root).subscribers
    assert (sub.path, sub.line) == ("indexer/app.py", line_of(root / "indexer/app.py", "js.pull_subscribe_bind("))
    assert (sub.framework, sub.channel, sub.group, sub.ack) == ("nats", None, "indexer", "manual")


def test_a_publication_it_could_read_is_not_claimed_unconsumed(tmp_path):
    assert eda101(project(tmp_path)) == []


def test_without_any_reader_the_claim_stands(tmp_path):
    [finding] = eda101(project(tmp_path, with_consumer=False))
    assert finding.path == "api/routes.py" and "files.uploaded" in finding.message
