"""Value flow: factories returning clients (whole, in tuples, in dicts), consumers made in factories."""

from tests.helpers import facts_of, pubs, subs, write_project

CLIENTS = '''
from kafka import KafkaConsumer, KafkaProducer


def make_clients(config):
    admin = None
    producer = KafkaProducer(bootstrap_servers=config["servers"])
    consumer = KafkaConsumer("orders.placed", group_id="billing")
    return admin, producer, consumer, config


def make_bus():
    return {"producer": KafkaProducer(), "topic": "billing.invoiced"}


def make_consumer(topic):
    return KafkaConsumer(topic, group_id="ledger")
'''

MAIN = '''
from clients import make_bus, make_clients, make_consumer
from handlers import on_order, on_refund


class Worker:
    def __init__(self, config):
        _, self.producer, self.consumer, _ = make_clients(config)

    def run(self):
        for msg in self.consumer:
            on_order(msg.value)
            self.producer.send("billing.charged", msg.value)


def main():
    *_, producer, consumer, cfg = make_clients({})
    producer.send("billing.started", b"")
    bus = make_bus()
    bus["producer"].send(bus["topic"], b"")


def refunds():
    consumer = make_consumer("payments.refunded")
    while True:
        batch = consumer.poll(timeout_ms=500)
        on_refund(batch)
'''

HANDLERS = '''
def on_order(value):
    print(value)


def on_refund(batch):
    print(batch)
'''


def _facts(tmp_path):
    return facts_of(write_project(tmp_path / "repo", {"app/clients.py": CLIENTS, "app/main.py": MAIN, "app/handlers.py": HANDLERS}))


def test_clients_from_factories_in_tuples_and_dicts(tmp_path):
    assert pubs(_facts(tmp_path)) == {
        ("app/main.py", 12, None, "billing.charged", None, "main.Worker.run"),
        ("app/main.py", 17, None, "billing.started", None, "main.main"),
        ("app/main.py", 19, None, "billing.invoiced", None, "main.main"),
    }


def test_a_consumer_made_in_a_factory_is_handled_where_its_caller_loops(tmp_path):
    assert subs(_facts(tmp_path)) == {
        # returned as the third item of a tuple, unpacked into self.consumer, iterated in another method
        ("app/clients.py", 7, None, "orders.placed", None, "handlers.on_order"),
        # the topic is a parameter: the call site names it, the caller's poll loop names the handler
        ("app/main.py", 23, None, "payments.refunded", None, "handlers.on_refund"),
        ("app/clients.py", 16, None, None, None, "handlers.on_refund"),
    }


def test_callers_that_disagree_leave_the_handler_unknown(tmp_path):
    files = {
        "app/factory.py": '''
            from kafka import KafkaConsumer

            def make():
                return KafkaConsumer("audit.events")
        ''',
        "app/a.py": '''
            from factory import make

            def handle_a(m):
                print(m)

            def run_a():
                for m in make():
                    handle_a(m)
        ''',
        "app/b.py": '''
            from factory import make

            def handle_b(m):
                print(m)

            def run_b():
                for m in make():
                    handle_b(m)
        ''',
    }
    [sub] = facts_of(write_project(tmp_path / "repo", files)).subscribers
    assert (sub.channel, sub.handler) == ("audit.events", None)
