"""FastStream idioms the engine cannot express yet (not collected: rename to test_* once the engine handles them).

Each test states the exact records the fixture should produce. Run by hand with
`python -m pytest tests/extract/pending_faststream.py`.
"""

from tests.helpers import by_site, facts_of, fixture, line_of

ROOT = fixture("faststream")
CHECKOUT_API = "services/checkout/checkout/api.py"
BILLING = "services/billing/billing/handlers.py"
LEDGER = "services/billing/billing/ledger.py"
SHIPPING = "services/shipping/shipping/handlers.py"
NOTIFICATIONS = "services/notifications/notifications/handlers.py"
INVENTORY = "services/inventory/inventory/service.py"
REPORTING = "services/reporting/reporting/router.py"


def test_builtin_annotation_is_not_an_event():
    """`async def record_ledger_entry(body: dict, message: KafkaMessage)`.

    Gap: `annotation: 0` turns any class into the event, builtins included, so the
    records say event "dict". A builtin (dict, str, bytes, list, Any) names no event.
    """
    facts = facts_of(ROOT)
    site = line_of(ROOT / LEDGER, '@broker.subscriber("orders.placed", "payments.captured"')
    assert {(s.event, s.channel, s.group) for s in by_site(facts.subscribers, LEDGER, site)} == {
        (None, "orders.placed", "billing-ledger"),
        (None, "payments.captured", "billing-ledger"),
    }


def test_router_prefix_is_part_of_the_channel():
    """`router = KafkaRouter(prefix="reporting.")`: FastStream prepends the prefix to every topic
    a router's subscribers and publishers name (also RabbitRouter queues and routing keys,
    RedisRouter channels/lists/streams, NatsRouter subjects).

    Gap: a type's `bind` accepts only the site field names (`prefix` is refused by the
    schema), and a `join` over `args: 0` keeps only the first topic, so the pack cannot
    carry the router's prefix to its sites.
    """
    facts = facts_of(ROOT)
    [sub] = by_site(facts.subscribers, REPORTING, line_of(ROOT / REPORTING, '@router.subscriber("rebuild-requested"'))
    assert (sub.event, sub.channel, sub.handler, sub.group) == (
        "RebuildRequested",
        "reporting.rebuild-requested",
        "reporting.router.rebuild",
        "reporting",
    )
    [pub] = by_site(facts.publishers, REPORTING, line_of(ROOT / REPORTING, "await totals_published.publish(totals)"))
    assert (pub.event, pub.channel, pub.function) == ("DailyTotals", "reporting.daily-totals", "reporting.router.rebuild")


def test_publisher_decorator_payload_comes_from_the_returned_value():
    """`@router.publisher("invoices.issued")` on `async def issue_invoice(...) -> InvoiceIssued`
    whose body ends in `return InvoiceIssued(invoice_id=..., order_id=..., pdf_url=...)`.

    Gap: a field source reads call arguments only; there is no source for "what the
    decorated function returns" (the engine already follows `returns` for wrappers).
    """
    facts = facts_of(ROOT)
    expected = {
        (BILLING, '@router.publisher("invoices.issued")'): ("invoice_id", "order_id", "pdf_url"),
        (SHIPPING, "@dispatched"): ("order_id", "carrier", "tracking_code", "dispatched_at"),
        (NOTIFICATIONS, '@broker.publisher("notifications.sent")'): ("channel", "order_id"),
        (INVENTORY, '@router.publisher("inventory.released")'): ("order_id",),
    }
    for (path, snippet), fields in expected.items():
        [pub] = by_site(facts.publishers, path, line_of(ROOT / path, snippet))
        assert pub.payload_fields == fields, (path, snippet)


def test_serialised_shared_contract_names_the_event():
    """checkout/api.py: `await kafka.broker.publish(OrderCancelled(order_id=..., reason=...).model_dump(mode="json"), "orders.cancelled", ...)`
    where OrderCancelled comes from libs/shop_contracts/shop_contracts/events.py (a package
    installed into every service).

    Gap: a module under another sys.path root (libs/shop_contracts) is not importable from
    services/checkout, so the class stays an external name; a serialiser method
    (`.model_dump()`) on an external constructor call is not looked through
    (`OrderCancelled(...)` alone is, and a project class with `.model_dump()` is).
    """
    facts = facts_of(ROOT)
    [pub] = by_site(facts.publishers, CHECKOUT_API, line_of(ROOT / CHECKOUT_API, "await kafka.broker.publish(", 2))
    assert (pub.event, pub.channel, pub.function, pub.payload_fields) == (
        "OrderCancelled",
        "orders.cancelled",
        "checkout.api.cancel_order",
        ("order_id", "reason"),
    )
