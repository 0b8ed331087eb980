"""`local-writes` of rules/knowledge/side-effects.yaml: calls an `effects` glob takes by their method's name
(`*.save`, for Django's Model.save) that only write a local file from memory — Pillow's Image.save, numpy.save,
torch.save, openpyxl's Workbook.save, python-docx's Document.save. A handler converting an image named in the message
and saving it to /tmp is no non-idempotent handler (EDA401); a Django model saved in the same handler still is.
Every entry of the list is exercised here."""

from __future__ import annotations

import textwrap

import pytest

from eventlint.rules import knowledge
from eventlint.rules.delivery import NonIdempotentHandler
from eventlint.testing import lint_files

HEAD = """
import json

import boto3
{imports}

sqs = boto3.client("sqs")
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/images"


def work(body):
{body}


def main():
    while True:
        for message in sqs.receive_message(QueueUrl=QUEUE, WaitTimeSeconds=20).get("Messages", []):
            work(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=QUEUE, ReceiptHandle=message["ReceiptHandle"])
"""


def worker(imports: str, body: str) -> str:
    return HEAD.replace("{imports}", textwrap.dedent(imports).strip()).replace("{body}", textwrap.indent(textwrap.dedent(body).strip(), "    "))


# (entry, imports, a handler body writing a local file through it)
CASES = [
    ("PIL.Image.*.save", "from PIL import Image",
     'im = Image.open(body["src"])\nim = im.convert("RGB")\nim.save(body["dst"], "JPEG")'),
    ("numpy.save", "import numpy as np", 'np.save(body["dst"], np.asarray(body["values"]))'),
    ("torch.save", "import torch", 'torch.save({"weights": body["weights"]}, body["dst"])'),
    ("openpyxl.*.save", "from openpyxl import Workbook",
     'wb = Workbook()\nwb.active.append(body["row"])\nwb.save(body["dst"])'),
    ("docx.*.save", "from docx import Document", 'doc = Document()\ndoc.add_paragraph(body["text"])\ndoc.save(body["dst"])'),
]


@pytest.mark.parametrize(("entry", "imports", "body"), CASES, ids=[c[0] for c in CASES])
def test_a_local_file_write_is_no_repeated_side_effect(entry, imports, body):
    assert entry in knowledge.load().local_writes
    assert lint_files(NonIdempotentHandler, worker(imports, body)) == []


def test_a_model_saved_beside_it_is_still_one():
    body = 'im = Image.open(body["src"])\nim.save(body["dst"], "PNG")\nThumbnail(path=body["dst"]).save()'
    [found] = lint_files(NonIdempotentHandler, worker("from PIL import Image\nfrom shop.models import Thumbnail", body))
    assert "writes to the database (Thumbnail.save)" in found.message


def test_every_entry_is_exercised_and_readable():
    known = knowledge.load().local_writes
    assert set(known) == {c[0] for c in CASES}
    assert knowledge.bad_entries(known) == []
