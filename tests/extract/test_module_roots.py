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
