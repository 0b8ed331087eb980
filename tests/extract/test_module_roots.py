"""Module roots: imports resolve the way the interpreter would with each plausible folder on sys.path."""

from tests.helpers import facts_of, pubs, write_project

FILES = {
    # a script folder importing a sibling folder with no __init__.py anywhere (a PEP 420 namespace package);
    # the helper module is named like the library it wraps
    "scripts/utils/kafka.py": '''
        from kafka import KafkaProducer

        def make_producer():
            return KafkaProducer(bootstrap_servers="localhost:9092")
    ''',
    "scripts/seed.py": '''
        from utils.kafka import make_producer

        producer = make_producer()
        producer.send("orders.seeded", b"{}")
    ''',
    # a src/ layout inside a service folder, imported by the service's entry point
    "services/billing/src/billing_svc/__init__.py": "",
    "services/billing/src/billing_svc/bus.py": '''
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": "kafka:9092"})
    ''',
    "services/billing/main.py": '''
        from billing_svc.bus import producer

        producer.produce("invoices.issued", value=b"{}")
    ''',
    # a sub-project nested in the repository, with its own root above a namespace folder
    "examples/shop_app/shop/kafka_client.py": '''
        from aiokafka import AIOKafkaProducer

        def producer():
            return AIOKafkaProducer(bootstrap_servers="kafka:9092")
    ''',
    "examples/shop_app/shop/orders/__init__.py": "",
    "examples/shop_app/shop/orders/publish.py": '''
        from shop.kafka_client import producer

        async def place():
            p = producer()
            await p.send_and_wait("shop.orders", b"{}")
    ''',
}


def test_scripts_src_layouts_and_nested_projects_resolve(tmp_path):
    facts = facts_of(write_project(tmp_path / "repo", FILES))
    assert pubs(facts) == {
        ("scripts/seed.py", 4, None, "orders.seeded", None, "seed"),
        ("services/billing/main.py", 3, None, "invoices.issued", "billing", "main"),
        ("examples/shop_app/shop/orders/publish.py", 5, None, "shop.orders", None, "orders.publish.place"),
    }


def test_the_nearest_root_wins(tmp_path):
    # two `utils/kafka.py`: the one next to the script is what `python jobs/nightly.py` imports
    files = {
        "utils/kafka.py": '''
            from kafka import KafkaProducer
            TOPIC = "root.topic"
        ''',
        "jobs/utils/kafka.py": '''
            from kafka import KafkaProducer
            TOPIC = "jobs.topic"
        ''',
        "jobs/nightly.py": '''
            from kafka import KafkaProducer
            from utils.kafka import TOPIC

            KafkaProducer().send(TOPIC, b"{}")
        ''',
    }
    facts = facts_of(write_project(tmp_path / "repo", files))
    assert {p.channel for p in facts.publishers} == {"jobs.topic"}


def test_a_module_named_like_a_library_does_not_import_itself(tmp_path):
    files = {
        "tools/kafka.py": '''
            from kafka import KafkaProducer
            from kafka import KafkaProducer as P

            P().send("tools.ping", b"")
        ''',
    }
    facts = facts_of(write_project(tmp_path / "repo", files))
    assert {p.channel for p in facts.publishers} == {"tools.ping"}


def test_import_cycles_stay_unknown(tmp_path):
    files = {
        "app/a.py": '''
            from kafka import KafkaProducer
            from b import TOPIC

            KafkaProducer().send(TOPIC, b"")
        ''',
        "app/b.py": "from a import TOPIC\n",
    }
    facts = facts_of(write_project(tmp_path / "repo", files))
    [pub] = facts.publishers
    assert pub.channel is None and pub.channel_expr == "b.TOPIC"


def test_a_script_in_a_package_folder_imports_its_sibling_by_its_bare_name(tmp_path):
    # `python jobs/seed.py`: the script's folder is first on sys.path even though jobs/ is a package
    files = {
        "jobs/__init__.py": "",
        "jobs/clients.py": '''
            from kafka import KafkaProducer

            def make_clients():
                return KafkaProducer(bootstrap_servers="kafka:9092"), "orders.seeded"
        ''',
        "jobs/seed.py": '''
            from clients import make_clients

            producer, topic = make_clients()
            producer.send(topic, b"{}")
        ''',
    }
    facts = facts_of(write_project(tmp_path / "repo", files))
    assert {(p.path, p.channel) for p in facts.publishers} == {("jobs/seed.py", "orders.seeded")}


def test_a_module_inside_a_package_imports_by_a_name_relative_to_a_folder_above_it(tmp_path):
    # `cd src && uvicorn main:app`: src/ is a package, yet src/routers/orders.py imports `services.bus` from src/
    files = {
        "src/__init__.py": "",
        "src/services/__init__.py": "",
        "src/services/bus.py": '''
            from kafka import KafkaProducer

            TOPIC = "orders.placed"
            producer = KafkaProducer(bootstrap_servers="kafka:9092")
        ''',
        "src/routers/__init__.py": "",
        "src/routers/orders.py": '''
            from services.bus import TOPIC, producer

            def place(order):
                producer.send(TOPIC, b"{}")
        ''',
    }
    facts = facts_of(write_project(tmp_path / "repo", files))
    assert {(p.path, p.channel, p.framework) for p in facts.publishers} == {("src/routers/orders.py", "orders.placed", "kafka-python")}


def test_a_bare_import_with_no_sibling_and_a_sibling_named_like_a_framework_stay_external(tmp_path):
    files = {
        "svc/__init__.py": "",
        # inside a package, `from kafka import ...` next to a kafka.py wrapper means the library
        "svc/kafka.py": '''
            TOPIC = "wrapper.topic"

            class KafkaProducer:
                def send(self, topic, value):
                    pass
        ''',
        "svc/publish.py": '''
            from kafka import KafkaProducer
            from settings import TOPIC

            KafkaProducer().send(TOPIC, b"{}")
        ''',
    }
    facts = facts_of(write_project(tmp_path / "repo", files))
    [pub] = [p for p in facts.publishers if p.path == "svc/publish.py"]
    # the library's producer; `settings` is in no folder the script could have on sys.path
    assert pub.framework == "kafka-python" and pub.channel is None and pub.channel_expr == "settings.TOPIC"


def test_an_analysed_root_that_is_a_package_is_imported_by_its_own_name(tmp_path):
    files = {
        "__init__.py": "",
        "bus/__init__.py": "",
        "bus/client.py": '''
            from kafka import KafkaProducer

            def producer():
                return KafkaProducer(bootstrap_servers="kafka:9092")
        ''',
        "orders/__init__.py": "",
        "orders/place.py": '''
            from shopapp.bus.client import producer

            def place(order):
                producer().send("orders.placed", order)
        ''',
    }
    facts = facts_of(write_project(tmp_path / "shopapp", files))
    assert {(p.path, p.channel) for p in facts.publishers} == {("orders/place.py", "orders.placed")}
    # only under its own name: the same tree in a folder named otherwise does not answer to `shopapp`
    facts = facts_of(write_project(tmp_path / "shop-app", files))
    assert not facts.publishers


def test_each_service_imports_its_own_module_of_a_name_two_services_share(tmp_path):
    # prices/src is a sys.path root (no src/__init__.py); alerts/src is a package up to the repository root,
    # so `config.broker` names no module under alerts' own root: its service is started from alerts/src
    # (PYTHONPATH=/app/src), where `config/broker.py` is its own, not prices'
    files = {
        "prices/__init__.py": "",
        "prices/src/config/__init__.py": "",
        "prices/src/config/broker.py": 'TOPIC = "prices.updated"\n',
        "prices/src/consumers/__init__.py": "",
        "prices/src/consumers/pub.py": '''
            from kafka import KafkaProducer

            from config.broker import TOPIC

            KafkaProducer().send(TOPIC, b"{}")
        ''',
        "alerts/__init__.py": "",
        "alerts/src/__init__.py": "",
        "alerts/src/config/__init__.py": "",
        "alerts/src/config/broker.py": 'TOPIC = "alerts.raised"\n',
        "alerts/src/consumers/__init__.py": "",
        "alerts/src/consumers/pub.py": '''
            from kafka import KafkaProducer

            from config.broker import TOPIC

            KafkaProducer().send(TOPIC, b"{}")
        ''',
    }
    facts = facts_of(write_project(tmp_path / "repo", files))
    assert {(p.path, p.channel) for p in facts.publishers} == {
        ("prices/src/consumers/pub.py", "prices.updated"),
        ("alerts/src/consumers/pub.py", "alerts.raised"),
    }
