"""EDA401 on real client shapes: each side effect of the knowledge file in a defect form (reported)
and a correct form (silent), reached through instances, attributes, helpers and aliases; the
knowledge file itself; and a team's own entries through the rule's options."""

from __future__ import annotations

import textwrap

import pytest

from eventlint import schemas
from eventlint.rules import knowledge
from eventlint.rules.delivery import NonIdempotentHandler
from eventlint.testing import lint_files

HEAD = """
from faststream.kafka import KafkaBroker

broker = KafkaBroker()
"""


def handler(imports: str, setup: str, body: str) -> str:
    """A FastStream subscriber whose body is `body` (it receives `event: dict`)."""
    return (
        textwrap.dedent(imports)
        + HEAD
        + textwrap.dedent(setup)
        + '\n\n@broker.subscriber("orders.placed")\nasync def on_order(event: dict) -> None:\n'
        + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
        + "\n"
    )


# (id, imports, module-level setup, defect body, correct body)
CASES = [
    (
        "httpx-async-client-base-url",
        "import httpx\n",
        'client = httpx.AsyncClient(base_url="https://carrier.internal")\n',
        'await client.post("/pickups", json=event)',
        'await client.post("/pickups", json=event, headers={"Idempotency-Key": event["event_id"]})',
    ),
    (
        "requests-session-request-post",
        "import requests\n",
        "http = requests.Session()\n",
        'http.request("POST", "https://crm.internal/contacts", json=event)',
        'http.request("GET", "https://crm.internal/contacts", params=event)',
    ),
    (
        "aiohttp-session-alias",
        "import aiohttp\n",
        "",
        'async with aiohttp.ClientSession() as web:\n    api = web\n    await api.put("https://erp.internal/orders", json=event)',
        'async with aiohttp.ClientSession() as web:\n    api = web\n    await api.get("https://erp.internal/orders", params=event)',
    ),
    (
        "smtplib-with-as",
        "import smtplib\n",
        "",
        'with smtplib.SMTP("mail.example") as smtp:\n    smtp.send_message(event["mail"])',
        'with smtplib.SMTP("mail.example") as smtp:\n    smtp.noop()',
    ),
    (
        "aiosmtplib",
        "import aiosmtplib\n",
        "",
        'await aiosmtplib.send(event["mail"], hostname="smtp.example")',
        'await aiosmtplib.SMTP(hostname="smtp.example").connect()',
    ),
    (
        "ses-client",
        "import boto3\n",
        'ses = boto3.client("ses")\n',
        'ses.send_raw_email(RawMessage={"Data": event["mime"]})',
        'ses.get_send_quota()',
    ),
    (
        "sns-sms-vs-topic",
        "import boto3\n",
        'sns = boto3.client("sns")\n',
        'sns.publish(PhoneNumber=event["phone"], Message="Your order shipped")',
        'sns.publish(TopicArn="arn:aws:sns:eu-west-1:1:orders", Message="shipped")',
    ),
    (
        "sendgrid",
        "from sendgrid import SendGridAPIClient\n",
        'sendgrid_client = SendGridAPIClient("key")\n',
        'sendgrid_client.send(event["mail"])',
        'sendgrid_client.client.templates.get()',
    ),
    (
        "fcm",
        "from firebase_admin import messaging\n",
        "",
        'messaging.send(messaging.Message(token=event["token"]))',
        'messaging.Message(token=event["token"])',
    ),
    (
        "stripe-client-service",
        "from stripe import StripeClient\n",
        'stripe_client = StripeClient("sk_test")\n',
        'stripe_client.payment_intents.create(params={"amount": event["total"], "currency": "eur"})',
        'stripe_client.payment_intents.create(params={"amount": event["total"]}, options={"idempotency_key": event["event_id"]})',
    ),
    (
        "adyen-checkout",
        "import Adyen\n",
        "adyen = Adyen.Adyen()\n",
        'adyen.checkout.payments_api.payments({"amount": event["amount"], "reference": event["order_id"]})',
        'adyen.checkout.payments_api.payments({"amount": event["amount"]}, idempotency_key=event["event_id"])',
    ),
    (
        "braintree-gateway",
        "import braintree\n",
        "gateway = braintree.BraintreeGateway(braintree.Configuration(braintree.Environment.Sandbox))\n",
        'gateway.transaction.sale({"amount": event["total"]})',
        'gateway.transaction.find(event["transaction_id"])',
    ),
    (
        "asyncpg-insert-vs-on-conflict",
        "import asyncpg\n",
        "",
        'conn = await asyncpg.connect()\nawait conn.execute("INSERT INTO shipments (order_id) VALUES ($1)", event["id"])',
        'conn = await asyncpg.connect()\nawait conn.execute("INSERT INTO shipments (order_id) VALUES ($1) ON CONFLICT DO NOTHING", event["id"])',
    ),
    (
        "dynamodb-table-put-vs-conditional",
        "import boto3\n",
        'table = boto3.resource("dynamodb").Table("orders")\n',
        'table.put_item(Item={"pk": event["id"], "status": "new"})',
        'try:\n    table.put_item(Item={"pk": event["id"]}, ConditionExpression="attribute_not_exists(pk)")\n'
        "except table.meta.client.exceptions.ConditionalCheckFailedException:\n    return",
    ),
    (
        "mongo-insert-vs-set-on-insert",
        "from motor.motor_asyncio import AsyncIOMotorClient\n",
        "orders = AsyncIOMotorClient().shop.orders\n",
        'await orders.insert_one({"_id": event["id"], "items": event["items"]})',
        'await orders.update_one({"_id": event["id"]}, {"$setOnInsert": {"items": event["items"]}}, upsert=True)',
    ),
    (
        "redis-incr-vs-claim-released",
        "import redis.asyncio as redis\n",
        "r = redis.Redis()\n",
        'await r.incr(f"orders:{event[\'customer_id\']}")',
        'await r.hset(f"orders:{event[\'id\']}", mapping=event)',
    ),
    (
        # a count bumped and saved vs a processed marker: the fields named are set to literals or the time
        "django-save-update-fields-counter-vs-marker",
        "from django.utils import timezone\nfrom shop.models import Order\n",
        "",
        'order = Order.objects.get(id=event["id"])\norder.attempts += 1\norder.save(update_fields=["attempts"])',
        'order = Order.objects.get(id=event["id"])\norder.notified = True\norder.notified_at = timezone.now()\n'
        'order.save(update_fields=["notified", "notified_at"])',
    ),
    (
        # one field named is copied from the message, not a marker: still a write
        "django-save-update-fields-value-vs-marker",
        "from shop.models import Order\n",
        "",
        'order = Order.objects.get(id=event["id"])\norder.done = True\norder.total = event["total"]\norder.save(update_fields=["done", "total"])',
        'order = Order.objects.get(id=event["id"])\norder.done = True\norder.save(update_fields=["done"])',
    ),
    (
        "s3-put-object",
        "import boto3\n",
        's3 = boto3.client("s3")\n',
        's3.put_object(Bucket="invoices", Key=f"{event[\'id\']}.pdf", Body=b"%PDF")',
        's3.get_object(Bucket="invoices", Key=f"{event[\'id\']}.pdf")',
    ),
    (
        "gcs-upload",
        "from google.cloud import storage\n",
        'bucket = storage.Client().bucket("exports")\n',
        'bucket.blob(event["id"]).upload_from_string(event["csv"])',
        'bucket.blob(event["id"]).download_as_bytes()',
    ),
]


@pytest.mark.parametrize(("imports", "setup", "defect", "correct"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_defect_reported_correct_form_silent(imports, setup, defect, correct):
    found = lint_files(NonIdempotentHandler, handler(imports, setup, defect))
    assert [d.code for d in found] == ["EDA401"], [d.message for d in found]
    assert lint_files(NonIdempotentHandler, handler(imports, setup, correct)) == []


def test_self_attribute_annotated_session_through_a_helper():
    files = {
        "app.py": handler(
            "from ledger.repo import Ledger\n",
            "ledger = Ledger(None)\n",
            "await ledger.record(event)",
        ),
        "ledger/__init__.py": "",
        "ledger/repo.py": textwrap.dedent(
            """
            from sqlalchemy.ext.asyncio import AsyncSession

            class Ledger:
                def __init__(self, session: AsyncSession) -> None:
                    self.db = session

                async def record(self, event):
                    self.db.add(event)
            """
        ),
    }
    found = lint_files(NonIdempotentHandler, files)
    assert len(found) == 1 and "writes to the database (AsyncSession.add via Ledger.record)" in found[0].message


def test_claim_before_the_effect_is_a_lost_message_not_a_safe_handler():
    lost = handler(
        "import redis.asyncio as redis\nimport httpx\n",
        "r = redis.Redis()\n",
        """
        if not await r.set(f"seen:{event['id']}", 1, nx=True):
            return
        await httpx.AsyncClient().post("https://carrier.internal/pickups", json=event)
        """,
    )
    found = lint_files(NonIdempotentHandler, lost)
    assert len(found) == 1 and "claims the message" in found[0].message and "work is lost" in found[0].message
    released = lost.replace(
        '    await httpx.AsyncClient().post("https://carrier.internal/pickups", json=event)\n',
        '    try:\n        await httpx.AsyncClient().post("https://carrier.internal/pickups", json=event)\n'
        '    except Exception:\n        await r.delete(f"seen:{event[\'id\']}")\n        raise\n',
    )
    assert released != lost
    assert lint_files(NonIdempotentHandler, released) == []


def test_a_team_adds_a_conditional_entry_through_the_options():
    source = handler("from postbox import Postbox\n", "box = Postbox()\n", 'box.dispatch(recipient=event["to"], body="hi")')
    files = {"app.py": source, "postbox.py": "class Postbox:\n    pass\n"}
    assert lint_files(NonIdempotentHandler, files) == []
    found = lint_files(NonIdempotentHandler, files, options={"messages": ["*box.dispatch if keyword recipient"]})
    assert [d.code for d in found] == ["EDA401"]
    assert lint_files(NonIdempotentHandler, files, options={"messages": ["*box.dispatch if keyword sender"]}) == []


@pytest.mark.parametrize("url", ["http://example.com/process", "https://hooks.example.org/notify", "https://carrier.example/pickups", "http://billing.test/invoices"])
def test_a_post_to_a_documentation_host_is_no_side_effect(url):
    # a demo forwarding each message to a host reserved for documentation (RFC 2606, RFC 6761): it reaches no service
    body = f"""
        async with aiohttp.ClientSession() as session:
            async with session.post("{url}", json=event) as response:
                print(await response.text())
    """
    placeholder = handler("import aiohttp\n", "", body)
    assert lint_files(NonIdempotentHandler, placeholder) == []
    # the same POST to a real service repeats on every redelivery
    real = handler("import aiohttp\n", "", body.replace(url, "http://processor:8000/process"))
    [finding] = lint_files(NonIdempotentHandler, real)
    assert "makes a state-changing HTTP request (ClientSession.post)" in finding.message
    # a team that wants placeholder hosts judged as any other says so
    assert len(lint_files(NonIdempotentHandler, placeholder, options={"placeholder_hosts": []})) == 1


def test_knowledge_file_is_valid_and_every_entry_readable():
    known = knowledge.load()
    entries = [e for group in known.effects.values() for e in group] + list(known.dedup_calls + known.conditional_writes + known.marker_writes)
    assert known.marker_writes and knowledge.bad_entries(entries) == []
    assert set(known.effects) == {"payments", "db-writes", "http-writes", "messages", "storage-writes"}


def test_knowledge_schema_names_the_bad_key():
    broken = {
        "version": 1,
        "effects": {"payments": [{"call": "*.charge", "method": "POST"}]},
        "dedup": {"calls": [], "conditional-writes": [], "keywords": [], "headers": [], "upsert-sql": "x", "duplicate-errors": []},
    }
    keys = [key for key, _ in schemas.problems(broken, "side_effects")]
    assert keys and keys[0].startswith("effects.payments")
    assert schemas.problems({**broken, "effects": {"payments": ["*.charge"]}}, "side_effects") == []


def test_a_classify_policy_adds_storage_writes_and_conditional_writes(tmp_path):
    policy = tmp_path / "acme.yaml"
    policy.write_text(
        textwrap.dedent(
            """
            policies:
              - id: ACME401
                name: acme-vault-and-ledger
                summary: Our vault stores files; our ledger's post_once is a conditional write.
                classify:
                  storage-writes: ["*vault.store"]
                  conditional-writes: ["*ledger.post_once if keyword event_id"]
            """
        ),
        encoding="utf-8",
    )
    modules = {"acme/__init__.py": "", "acme/vault.py": "def store(data):\n    pass\n",
               "acme/ledger.py": "def post_once(amount, event_id):\n    pass\n"}
    plain = {"app.py": handler("from acme import vault\n", "", 'vault.store(event["pdf"])'), **modules}
    claimed = {
        "app.py": handler(
            "from acme import ledger, vault\n",
            "",
            'if not ledger.post_once(event["amount"], event_id=event["id"]):\n    return\nvault.store(event["pdf"])',
        ),
        **modules,
    }
    config = {"policies": [str(policy)]}
    for files in (plain, claimed):
        assert lint_files(NonIdempotentHandler, files) == []
    found = lint_files(NonIdempotentHandler, plain, config=config, select=["EDA401", "ACME401"])
    assert [d.message for d in found if "writes to object storage (vault.store)" in d.message and "nothing deduplicates" in d.message]
    found = lint_files(NonIdempotentHandler, claimed, config=config, select=["EDA401", "ACME401"])
    assert [d.message for d in found if "claims the message (ledger.post_once" in d.message], [d.message for d in found]


def test_a_processed_marker_is_still_a_write_for_the_dual_write_rule():
    from eventlint.rules.delivery import DualWrite

    files = {
        "app.py": """
            from kafka import KafkaProducer
            from shop.models import Order

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def pay(order_id):
                order = Order.objects.get(id=order_id)
                order.status = "paid"
                order.save(update_fields=["status"])
                producer.send("orders.paid", {"order_id": order_id})
        """
    }
    # repeating it sets the same state (not EDA401), but it can commit while the send fails (EDA403)
    assert [d.code for d in lint_files(DualWrite, files)] == ["EDA403"]
