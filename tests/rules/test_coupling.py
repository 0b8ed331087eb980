"""The coupling family (EDA6xx) beyond its embedded examples: messages with the numbers, options, the shop."""

from eventlint import api
from eventlint.config import load_config
from eventlint.rules.coupling import _service
from tests.helpers import fixture, write_project


def path(service):
    return f"services/{service}/{service}/app.py"


def lint(tmp_path, files, code, config=None, options=None):
    config = {"exclude": [], **(config or {})}
    if options:
        config["rules"] = {"options": {code: options}}
    root = write_project(tmp_path, files, config)
    return [d for d in api.lint([root], load_config([root]), select=[code]).diagnostics if d.code == code]


LOOP = {
    path("orders"): _service("orders", consumes=["stock.reserved"], publishes=["orders.placed"]),
    path("stock"): _service("stock", consumes=["orders.placed"], publishes=["stock.reserved"]),
    path("ship"): _service("ship", consumes=["stock.reserved"]),
}


def test_cycle_message_names_the_services_and_the_events_that_link_them(tmp_path):
    [finding] = lint(tmp_path, LOOP, "EDA602")
    assert finding.message == (
        "services orders → stock → orders depend on each other through events: "
        "stock consumes orders.placed from orders; orders consumes stock.reserved from stock"
    )
    assert (finding.path, finding.service, finding.event, finding.severity) == (path("stock"), "stock", "orders.placed", "error")


def test_a_service_outside_every_context_consuming_an_internal_event(tmp_path):
    files = {path("orders"): _service("orders", publishes=["orders.audited"]), path("audit"): _service("audit", consumes=["orders.audited"])}
    config = {"contexts": {"ordering": {"services": ["orders"], "public": ["orders.placed"]}}}
    [finding] = lint(tmp_path, files, "EDA601", config)
    assert finding.message == (
        "audit (no context) consumes orders.audited, internal to context ordering: it is not in `contexts.ordering.public`"
    )
    assert not lint(tmp_path / "ignored", files, "EDA601", config, {"ignore_events": ["orders.*"]})
    # without contexts there is nothing to judge
    assert not lint(tmp_path / "none", files, "EDA601")


def test_the_catalog_owner_places_an_event_in_its_context(tmp_path):
    # billing publishes orders.placed too, but the catalog says orders owns it: ordering's public list decides
    files = {
        path("orders"): _service("orders", publishes=["orders.placed"]),
        path("billing"): _service("billing", publishes=["orders.placed"]),
        path("mail"): _service("mail", consumes=["orders.placed"]),
    }
    config = {
        "events": {"orders.placed": {"owner": "orders"}},
        "contexts": {"ordering": {"services": ["orders"]}, "billing": {"services": ["billing"], "public": ["*"]}, "mail": {"services": ["mail"]}},
    }
    [finding] = lint(tmp_path, files, "EDA601", config)
    assert "internal to context ordering" in finding.message
    [shared] = lint(tmp_path / "owner", files, "EDA605", config)
    assert shared.message == "orders.placed, owned by orders, is also published by billing"
    assert shared.path == path("orders")


def test_fan_in_options_reach_the_rule(tmp_path):
    files = {
        path("shop"): _service("shop", publishes=["a.one", "a.two", "a.three"]),
        path("audit"): _service("audit", consumes=["a.one", "a.two", "a.three"]),
    }
    assert not lint(tmp_path / "default", files, "EDA603")
    [finding] = lint(tmp_path / "two", files, "EDA603", options={"max_events": 2})
    assert finding.message == "audit consumes 3 events (limit 2): a.one, a.three, a.two"
    assert finding.severity == "warning"


def test_broadcast_options_reach_the_rule(tmp_path):
    consumers = {path(n): _service(n, consumes=["orders.placed"]) for n in ("billing", "mail", "stock")}
    files = {path("orders"): _service("orders", publishes=["orders.placed"]), **consumers}
    assert not lint(tmp_path / "default", files, "EDA604")
    [finding] = lint(tmp_path / "narrow", files, "EDA604", options={"max_consumers": 2})
    assert finding.message == "orders.placed is consumed by 3 services (billing, mail, stock; 75% of all services, limit 2)"
    [share] = lint(tmp_path / "share", files, "EDA604", options={"min_services": 4, "max_share": 0.7})
    assert "limit 70% of 4 services" in share.message


def test_distributed_monolith_reports_every_number(tmp_path):
    [finding] = lint(tmp_path, LOOP, "EDA607", options={"max_component": 1, "min_services": 3})
    assert finding.message == (
        "the services are coupled like a distributed monolith: coupled pairs above 50%; a strongly connected group larger than 1"
    )
    assert finding.hint.startswith(
        "2 of 3 service pairs coupled (67%), 1 dependency cycle, largest strongly connected group 2 (orders, stock), density 0.50. "
    )
    assert not lint(tmp_path / "relaxed", LOOP, "EDA607", options={"max_component": 2, "max_coupled_share": 0.7})


def test_the_shop_has_one_finding_per_coupling_rule_and_none_on_refunds():
    result = api.lint([fixture("shop")])
    coupling = [d for d in result.diagnostics if d.code.startswith("EDA6")]
    assert sorted(d.code for d in coupling) == ["EDA601", "EDA602", "EDA603", "EDA604", "EDA605", "EDA606", "EDA607"]
    assert not [d for d in coupling if d.service == "refunds" or "refunds" in d.path]
    [monolith] = [d for d in coupling if d.code == "EDA607"]
    assert monolith.hint.startswith("9 of 15 service pairs coupled (60%)")


# -- EDA602: a request and its reply are one dependency, not a cycle (#19) ---------------------------

REQUESTER = """
    import uuid

    import aio_pika

    URL = "amqp://guest:guest@rabbitmq/"


    async def ask(text):
        correlation_id = str(uuid.uuid4())
        connection = await aio_pika.connect_robust(URL)
        async with connection:
            channel = await connection.channel()
            await channel.default_exchange.publish(
                aio_pika.Message(body=text.encode(), correlation_id=correlation_id),
                routing_key="quotes.requests",
            )
            queue = await channel.declare_queue("quotes.replies", durable=True)
            async with queue.iterator() as messages:
                async for message in messages:
                    async with message.process():
                        if message.correlation_id == correlation_id:
                            return message.body.decode()
"""

RESPONDER = """
    import aio_pika

    URL = "amqp://guest:guest@rabbitmq/"


    async def serve():
        connection = await aio_pika.connect_robust(URL)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue("quotes.requests", durable=True)
            async with queue.iterator() as messages:
                async for message in messages:
                    async with message.process():
                        price = len(message.body) * 3
                        await channel.default_exchange.publish(
                            aio_pika.Message(body=str(price).encode(), correlation_id=message.correlation_id),
                            routing_key="quotes.replies",
                        )
"""


def request_reply(requester=REQUESTER, responder=RESPONDER):
    return {
        "desk/Dockerfile": "FROM python:3.12\n",
        "desk/desk/client.py": requester,
        "pricing/Dockerfile": "FROM python:3.12\n",
        "pricing/pricing/server.py": responder,
    }


def test_a_request_and_its_reply_make_no_cycle(tmp_path):
    assert lint(tmp_path, request_reply(), "EDA602") == []


def test_a_return_event_without_a_request_for_an_answer_is_a_cycle(tmp_path):
    # the request carries no correlation id: nothing asked for an answer, and the return message is a dependency
    requester = REQUESTER.replace(", correlation_id=correlation_id)", ")")
    assert "correlation_id=correlation_id)" not in requester
    [finding] = lint(tmp_path, request_reply(requester=requester), "EDA602")
    assert "desk" in finding.message and "pricing" in finding.message
