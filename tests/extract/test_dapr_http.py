"""Dapr without the SDK: publishing through the sidecar's HTTP API (requests/httpx POST to
/v1.0/publish/{pubsub}/{topic}, the URL built with an f-string, % or +) and programmatic subscription
(a Flask/FastAPI route /dapr/subscribe returning the subscriptions; each handler is the routed function)."""

from eventlint.catalog import Catalog
from eventlint.config import Config
from eventlint.extract.patterns import load_patterns
from eventlint.extract.prefilter import triggers
from eventlint.routes import Flow
from tests.helpers import facts_of, line_of, write_project

CHECKOUT = '''
import json
import os
import time

import httpx
import requests

base_url = os.getenv("BASE_URL", "http://localhost") + ":" + os.getenv("DAPR_HTTP_PORT", "3500")
PUBSUB_NAME = "orderpubsub"
TOPIC = "orders"

for i in range(1, 10):
    order = {"orderId": i}
    result = requests.post(url="%s/v1.0/publish/%s/%s" % (base_url, PUBSUB_NAME, TOPIC), json=order)
    requests.post(f"{base_url}/v1.0/publish/{PUBSUB_NAME}/payments?metadata.rawPayload=true", json=order)
    httpx.post(base_url + "/v1.0/publish/" + PUBSUB_NAME + "/" + os.environ["AUDIT_TOPIC"], json=order)
    requests.post("https://shipping.example.com/api/orders", json=order)
    requests.post("%s/api/%d" % (base_url, i), json=order)
    time.sleep(1)
'''

PROCESSOR = '''
import json

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/dapr/subscribe", methods=["GET"])
def subscribe():
    subscriptions = [
        {"pubsubname": "orderpubsub", "topic": "orders", "route": "orders"},
        {"pubsubname": "orderpubsub", "topic": "payments", "route": "/payments", "deadLetterTopic": "poison"},
        {"pubsubname": "orderpubsub", "topic": "refunds", "route": "refunds"},
    ]
    return jsonify(subscriptions)


@app.route("/orders", methods=["POST"])
def orders_subscriber():
    print(request.json["data"]["orderId"])
    return json.dumps({"success": True}), 200


@app.post("/payments")
def payments_subscriber():
    return "", 200


@app.route("/health")
def health():
    return "ok"
'''

FASTAPI = '''
from fastapi import FastAPI

app = FastAPI()


@app.get("/dapr/subscribe")
def subscribe():
    return [{"pubsubname": "orderpubsub", "topic": "orders", "route": "/orders"}]


@app.post("/orders")
async def on_order(event: dict):
    return {"success": True}
'''

PLAIN_WEB = '''
from flask import Flask

app = Flask(__name__)


@app.route("/items")
def items():
    return [{"topic": "not-a-subscription", "route": "items"}]
'''


def _facts(tmp_path):
    root = write_project(
        tmp_path / "dapr_http",
        {
            "checkout/app.py": CHECKOUT,
            "processor/app.py": PROCESSOR,
            "fastapi_processor/main.py": FASTAPI,
            "web/app.py": PLAIN_WEB,
        },
    )
    return root, facts_of(root)


def test_http_publish_names_the_topic(tmp_path):
    root, facts = _facts(tmp_path)
    path = root / "checkout/app.py"
    found = {(p.line, p.channel, p.channel_expr) for p in facts.publishers}
    assert found == {
        (line_of(path, "result = requests.post("), "orders", None),
        (line_of(path, "payments?metadata"), "payments", None),
        (line_of(path, "httpx.post("), None, "{os.environ['AUDIT_TOPIC']}"),
    }  # a POST to any other URL is no publication
    assert {p.framework for p in facts.publishers} == {"dapr"}
    [orders] = [p for p in facts.publishers if p.channel == "orders"]
    assert orders.payload_fields == ("orderId",)
    # the pub/sub component is the broker connection; read out of a URL that also holds an environment
    # variable's default (the sidecar's address), it is not known for sure: one text, one provenance
    assert {p.channel: p.broker for p in facts.publishers} == {"orders": None, "payments": None, None: "orderpubsub"}


def test_programmatic_subscription_routes_to_the_handler(tmp_path):
    root, facts = _facts(tmp_path)
    records = {(s.path, s.channel): s for s in facts.subscribers}
    assert set(records) == {
        ("processor/app.py", "orders"),
        ("processor/app.py", "payments"),
        ("processor/app.py", "refunds"),
        ("fastapi_processor/main.py", "orders"),
    }
    assert records[("processor/app.py", "orders")].handler == "processor.app.orders_subscriber"
    assert records[("processor/app.py", "payments")].handler == "processor.app.payments_subscriber"
    assert records[("processor/app.py", "payments")].dead_letter == "poison"
    # no function is routed at /refunds: the handler is unknown, never the /dapr/subscribe function
    assert records[("processor/app.py", "refunds")].handler is None
    assert {s.broker for s in facts.subscribers} == {"orderpubsub"}
    assert records[("fastapi_processor/main.py", "orders")].handler == "main.on_order"  # a script folder: its module is `main`
    assert records[("processor/app.py", "orders")].line == line_of(root / "processor/app.py", '@app.route("/dapr/subscribe"')
    flow = Flow(facts, Catalog())
    [published] = [p for p in facts.publishers if p.channel == "orders"]
    assert flow.reaches(published, records[("fastapi_processor/main.py", "orders")])


def test_web_apps_are_looked_at_only_where_dapr_routes_are(tmp_path):
    pattern = triggers(load_patterns(Config(root=tmp_path)))
    assert pattern.search(b"from flask import Flask\napp = Flask(__name__)\n") is None
    assert pattern.search(b"import requests\nrequests.post(url)\n") is None
    assert pattern.search(b"@app.route('/dapr/subscribe')") is not None
    assert pattern.search(b"requests.post(f'{base}/v1.0/publish/{p}/{t}')") is not None
