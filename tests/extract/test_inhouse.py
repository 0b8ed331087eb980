"""In-house buses recognised from their shape, with no configuration (framework `inhouse`)."""

import shutil

from tests.helpers import facts_of, fixture, line_of, pubs, subs, write_project

ROOT = fixture("inhouse")
HANDLERS = "allocation/service_layer/handlers.py"
MODEL = "allocation/domain/model.py"
API = "allocation/entrypoints/flask_app.py"


def test_a_handler_map_bus_its_registries_and_the_messages_handed_to_it():
    facts = facts_of(ROOT)
    assert subs(facts) == {
        (HANDLERS, line_of(ROOT / HANDLERS, "events.Allocated: ["), "Allocated", None, "allocation", "allocation.service_layer.handlers.add_allocation_to_read_model"),
        (HANDLERS, line_of(ROOT / HANDLERS, "events.OutOfStock: ["), "OutOfStock", None, "allocation", "allocation.service_layer.handlers.send_out_of_stock_notification"),
        (HANDLERS, line_of(ROOT / HANDLERS, "commands.Allocate: allocate"), "Allocate", None, "allocation", "allocation.service_layer.handlers.allocate"),
        (HANDLERS, line_of(ROOT / HANDLERS, "commands.CreateBatch: add_batch"), "CreateBatch", None, "allocation", "allocation.service_layer.handlers.add_batch"),
    }
    assert {s.framework for s in facts.subscribers} == {"inhouse"}


def test_commands_sent_to_the_bus_and_events_collected_by_the_aggregate():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        (API, line_of(ROOT / API, "bus.handle(cmd)"), "CreateBatch", None, "allocation", "allocation.entrypoints.flask_app.add_batch"),
        (API, line_of(ROOT / API, "bus.handle(cmd)", 2), "Allocate", None, "allocation", "allocation.entrypoints.flask_app.allocate_endpoint"),
        # the publication is where the aggregate records the event; the unit of work drains the list
        (MODEL, line_of(ROOT / MODEL, "events.Allocated("), "Allocated", None, "allocation", "allocation.domain.model.Product.allocate"),
        (MODEL, line_of(ROOT / MODEL, "events.OutOfStock("), "OutOfStock", None, "allocation", "allocation.domain.model.Product.allocate"),
    }
    [allocated] = [p for p in facts.publishers if p.event == "Allocated"]
    assert allocated.framework == "inhouse"
    assert allocated.payload_fields == ("orderid", "sku", "qty", "batchref")


def test_the_bus_itself_is_not_a_use_of_the_bus():
    facts = facts_of(ROOT)
    assert not [r for r in (*facts.publishers, *facts.subscribers) if r.path.endswith("messagebus.py")]


def test_a_described_bus_is_left_to_its_pack_and_the_same_bus_is_recognised_without_it(tmp_path):
    described = facts_of(fixture("inprocess"))
    assert {s.framework for s in described.subscribers} == {"shop-bus"}
    root = tmp_path / "inprocess"
    shutil.copytree(fixture("inprocess"), root)
    config = (root / "eventlint.yaml").read_text(encoding="utf-8")
    (root / "eventlint.yaml").write_text(config.split("frameworks:")[0], encoding="utf-8")
    recognised = facts_of(root)
    assert {p.framework for p in recognised.publishers} | {s.framework for s in recognised.subscribers} == {"inhouse"}
    assert pubs(recognised) == pubs(described)
    # everything but the map handed to the constructor, which the bus unpacks in a way not followed
    wiring = fixture("inprocess") / "shop/common/wiring.py"
    constructor = line_of(wiring, "MessageBus(handlers=")
    assert subs(recognised) == {s for s in subs(described) if s[1] != constructor}


def _facts(tmp_path, files):
    return facts_of(write_project(tmp_path, files, {"services": {"app": ["**"]}}))


EVENTS = """
    from dataclasses import dataclass

    @dataclass
    class OrderPlaced:
        order_id: str
"""


def test_dispatch_without_registration_is_not_a_bus(tmp_path):
    facts = _facts(
        tmp_path,
        {
            "events.py": EVENTS,
            "router.py": """
                class Router:
                    def __init__(self):
                        self.routes = {}

                    def route(self, request):
                        return self.routes[type(request)](request)

                def use(router, order):
                    router.route(order)
            """,
        },
    )
    assert not facts.publishers and not facts.subscribers


def test_a_handler_map_without_a_bus_is_not_a_registry(tmp_path):
    facts = _facts(
        tmp_path,
        {
            "events.py": EVENTS,
            "handlers.py": """
                from events import OrderPlaced

                def on_placed(event):
                    pass

                EVENT_HANDLERS = {OrderPlaced: [on_placed]}
            """,
        },
    )
    assert not facts.subscribers


def test_an_event_list_nobody_drains_is_not_a_publication(tmp_path):
    facts = _facts(
        tmp_path,
        {
            "events.py": EVENTS,
            "bus.py": """
                from collections import defaultdict

                class Bus:
                    def __init__(self):
                        self._subscribers = defaultdict(list)

                    def subscribe(self, event_type, handler):
                        self._subscribers[event_type].append(handler)

                    def publish(self, event):
                        for handler in self._subscribers[type(event)]:
                            handler(event)
            """,
            "order.py": """
                from events import OrderPlaced

                class Order:
                    def __init__(self, order_id):
                        self.events = []
                        self.events.append(OrderPlaced(order_id))
            """,
        },
    )
    assert not facts.publishers
    assert not facts.subscribers  # the bus is recognised, but nothing subscribes through it


def test_a_dispatcher_with_subscribe_and_publish(tmp_path):
    facts = _facts(
        tmp_path,
        {
            "events.py": EVENTS,
            "dispatcher.py": """
                class Dispatcher:
                    def __init__(self):
                        self._listeners = {}

                    def subscribe(self, event_type, listener):
                        self._listeners.setdefault(event_type, []).append(listener)

                    def publish(self, event):
                        for listener in self._listeners.get(type(event), []):
                            listener(event)

                dispatcher = Dispatcher()
            """,
            "app.py": """
                from dispatcher import dispatcher
                from events import OrderPlaced

                def notify(event: OrderPlaced):
                    pass

                dispatcher.subscribe(OrderPlaced, notify)

                def place(order_id):
                    dispatcher.publish(OrderPlaced(order_id=order_id))
            """,
        },
    )
    assert {(p.event, p.framework, p.function) for p in facts.publishers} == {("OrderPlaced", "inhouse", "app.place")}
    assert {(s.event, s.framework, s.handler) for s in facts.subscribers} == {("OrderPlaced", "inhouse", "app.notify")}


def test_a_team_pack_called_inhouse_does_not_clash_with_a_recognised_bus(tmp_path):
    root = tmp_path / "inhouse"
    shutil.copytree(ROOT, root)
    (root / "team.yaml").write_text(
        "framework: inhouse\nmodules: [notifications]\ntypes:\n  - name: notifications.Hub\n"
        "publish:\n  - call: notifications.Hub.post\n    fields:\n      event: {arg: 0}\n",
        encoding="utf-8",
    )
    config = (root / "eventlint.yaml").read_text(encoding="utf-8")
    (root / "eventlint.yaml").write_text(config + "frameworks: [team.yaml]\n", encoding="utf-8")
    facts = facts_of(root)
    assert {s.framework for s in facts.subscribers} == {"inhouse-recognised"}
    assert len(facts.subscribers) == 4
