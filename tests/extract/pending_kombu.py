"""kombu facts the engine does not produce yet (not collected by pytest: run it by name once the engine can).

1. A wrapper whose channel is a `join` with one of its parameters loses the constant parts:
       def send(self, priority, name, **kwargs):
           self.producer.publish({...}, exchange=task_exchange, routing_key=priority)   # Exchange("tasks")
       dispatcher.send("high", "resize_image", ...)
   gives channel "high" at the caller; expected "tasks/high".
2. `key:` is not applied to the items of a list, and `dead_letter` is one value per site rather than per record:
       Consumer(queues=[Queue("tasks.high", ..., queue_arguments={"x-dead-letter-exchange": "tasks.dlx"}),
                        Queue("tasks.low", ...)], ...)
   gives dead_letter None on both records; expected "tasks.dlx" on tasks.high and None on tasks.low.
3. An unannotated parameter that receives a Connection from its caller is not typed:
       def drain_reports(conn):
           queue = conn.SimpleQueue("reports"); message = queue.get(...); write_report(message.payload)
       with Connection(url) as connection: drain_reports(connection)
   gives no subscription and no binding; expected both.
4. A callback defined as a nested function is not resolved: `callbacks=[on_reply]` where `def on_reply` is
   local to the enclosing function gives handler None (handler_expr "on_reply"); expected its qualified name.
"""

from tests.extract.test_kombu import AUDIT, RESULTS, ROOT, RUNNER, VIEWS
from tests.helpers import by_site, facts_of, line_of


def test_wrapper_joins_the_exchange_with_the_callers_routing_key():
    facts = facts_of(ROOT)
    [upload] = by_site(facts.publishers, VIEWS, line_of(ROOT / VIEWS, 'dispatcher.send("high"'))
    assert upload.channel == "tasks/high"
    [cleanup] = by_site(facts.publishers, VIEWS, line_of(ROOT / VIEWS, 'dispatcher.send("low"'))
    assert cleanup.channel == "tasks/low"


def test_dead_letter_per_queue_of_a_consumer():
    facts = facts_of(ROOT)
    records = by_site(facts.subscribers, RUNNER, line_of(ROOT / RUNNER, "return [Consumer(queues=task_queues"))
    assert {(s.channel, s.dead_letter) for s in records} == {("tasks.high", "tasks.dlx"), ("tasks.low", None)}


def test_connection_passed_to_an_unannotated_parameter():
    facts = facts_of(ROOT)
    [sub] = by_site(facts.subscribers, AUDIT, line_of(ROOT / AUDIT, "message = queue.get(block=True"))
    assert (sub.event, sub.channel, sub.service, sub.handler, sub.ack) == (None, "reports", "audit", "main.write_report", "manual")
    [binding] = by_site(facts.bindings, AUDIT, line_of(ROOT / AUDIT, 'queue = conn.SimpleQueue("reports")'))
    assert (binding.queue, binding.exchange, binding.routing_key, binding.service) == ("reports", "reports", "reports", "audit")


def test_nested_function_callback():
    facts = facts_of(ROOT)
    [reply] = by_site(facts.subscribers, RESULTS, line_of(ROOT / RESULTS, "with connection.Consumer(reply_queue"))
    assert reply.handler == "dispatcher.results.call.on_reply"
