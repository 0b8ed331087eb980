"""A team's in-process bus described in YAML: publish/subscribe calls, a decorator, handler registries."""

from tests.helpers import facts_of, fixture, line_of, pubs, subs

ROOT = fixture("inprocess")
WIRING = "shop/common/wiring.py"
SERVICE = "shop/orders/service.py"
WAREHOUSE = "shop/warehouse/handlers.py"
AUDIT = "shop/billing/audit.py"


def test_publications_name_the_event_class():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        (SERVICE, line_of(ROOT / SERVICE, "message_bus.publish(OrderPlaced("), "OrderPlaced", None, "orders", "shop.orders.service.place_order"),
        (SERVICE, line_of(ROOT / SERVICE, "message_bus.publish(event)"), "OrderCancelled", None, "orders", "shop.orders.service.cancel_order"),
        (WAREHOUSE, line_of(ROOT / WAREHOUSE, "bus.publish(events.StockReserved("), "StockReserved", None, "warehouse", "shop.warehouse.handlers.reserve_stock"),
    }
    assert {p.framework for p in facts.publishers} == {"shop-bus"}


def test_payload_fields_of_a_local_event_variable():
    facts = facts_of(ROOT)
    [cancel] = [p for p in facts.publishers if p.function == "shop.orders.service.cancel_order"]
    # OrderCancelled(order_id, reason): positional arguments map to the dataclass fields
    assert cancel.payload_fields == ("order_id", "reason")


def test_registries_decorators_and_subscribe_calls():
    facts = facts_of(ROOT)
    placed = line_of(ROOT / WIRING, "events.OrderPlaced: [")
    cancelled = line_of(ROOT / WIRING, "events.OrderCancelled: [")
    assert subs(facts) == {
        # one record per handler of a registry entry, at the entry's line; the service is the handler's
        (WIRING, placed, "OrderPlaced", None, "warehouse", "shop.warehouse.handlers.reserve_stock"),
        (WIRING, placed, "OrderPlaced", None, "billing", "shop.billing.handlers.issue_invoice"),
        (WIRING, cancelled, "OrderCancelled", None, "warehouse", "shop.warehouse.handlers.release_stock"),
        # a mapping handed straight to the bus constructor
        (WIRING, line_of(ROOT / WIRING, "MessageBus(handlers="), "StockReserved", None, "billing", "shop.billing.handlers.mark_reserved"),
        (WIRING, line_of(ROOT / WIRING, "bus.subscribe(events.InvoiceIssued"), "InvoiceIssued", None, "billing", "shop.billing.handlers.email_invoice"),
        (AUDIT, line_of(ROOT / AUDIT, "@bus.on(OrderPlaced)"), "OrderPlaced", None, "billing", "shop.billing.audit.record_order_for_audit"),
    }


def test_the_bus_implementation_is_not_a_use_of_the_bus():
    facts = facts_of(ROOT)
    assert not [s for s in facts.subscribers if s.path == "shop/common/bus.py"]
    assert not [p for p in facts.publishers if p.path == "shop/common/bus.py"]
