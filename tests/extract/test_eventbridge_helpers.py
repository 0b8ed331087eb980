"""EventBridge put_events whose Entries a shared library builds: source and detail-type through parameters,
entries from a list comprehension or appended in a loop."""

from tests.helpers import facts_of, fixture, line_of, pubs

ROOT = fixture("eventbridge_helpers")
BUS = "libs/shop_events/shop_events/bus.py"
ORDERS = "services/orders/orders/handlers.py"
SHIPPING = "services/shipping/shipping/rules.py"


def at(path: str, snippet: str) -> int:
    return line_of(ROOT / path, snippet)


def test_every_caller_of_the_helpers_is_a_publication():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # the raw calls inside the library: their source and detail-type are its parameters
        (BUS, at(BUS, "return _events.put_events(Entries=[make_entry"), None, None, None, "shop_events.bus.publish_records"),
        # entries appended in a loop are not an empty list: the site stays, with what was appended
        (BUS, at(BUS, "return _events.put_events(Entries=entries)"), None, None, None, "shop_events.bus.publish_in_chunks"),
        (ORDERS, at(ORDERS, "publish_records(SOURCE"), "OrderPlaced", "shop.orders", "orders", "orders.handlers.place"),
        (ORDERS, at(ORDERS, "publish_in_chunks(SOURCE"), "OrderShipped", "shop.orders", "orders", "orders.handlers.ship"),
        # a detail-type passed through two helpers
        (SHIPPING, at(SHIPPING, 'publish_records("shop.shipping"'), None, "shop.shipping", "shipping", "shipping.rules.announce"),
        (SHIPPING, at(SHIPPING, 'announce("ParcelDelivered"'), "ParcelDelivered", "shop.shipping", "shipping", "shipping.rules.delivered"),
    }


def test_unresolved_names_keep_their_parameters():
    facts = facts_of(ROOT)
    [chunks] = [p for p in facts.publishers if p.function == "shop_events.bus.publish_in_chunks"]
    assert (chunks.event_expr, chunks.channel_expr) == ("detail_type", "source")
    [shipped] = [p for p in facts.publishers if p.function == "orders.handlers.ship"]
    assert shipped.via == ("shop_events.bus.publish_in_chunks",)
