"""kombu: Producer.publish, SimpleQueue.put, Consumer / Connection.Consumer / ConsumerMixin consumers, Queue bindings."""

from tests.helpers import by_site, facts_of, fixture, line_of, pubs, subs

ROOT = fixture("kombu")
TASKS = "services/dispatcher/dispatcher/tasks.py"
VIEWS = "services/dispatcher/dispatcher/views.py"
EVENTS = "services/dispatcher/dispatcher/events.py"
RESULTS = "services/dispatcher/dispatcher/results.py"
ENTITIES = "services/dispatcher/dispatcher/entities.py"
QUEUES = "services/worker/worker/queues.py"
RUNNER = "services/worker/worker/runner.py"
AUDIT = "services/audit/main.py"


def binds(facts) -> set[tuple]:
    """(path, line, queue, exchange, routing_key, service, dead_letter) of every binding."""
    return {(b.path, b.line, b.queue, b.exchange, b.routing_key, b.service, b.dead_letter) for b in facts.bindings}


def test_publishers_are_exact():
    facts = facts_of(ROOT)
    assert pubs(facts) == {
        # the raw call inside the wrapper: its routing key is the wrapper's parameter
        (TASKS, line_of(ROOT / TASKS, "self.producer.publish("), None, None, "dispatcher", "dispatcher.tasks.TaskDispatcher.send"),
        # the wrapper's callers: the exchange joined with the caller's priority
        (VIEWS, line_of(ROOT / VIEWS, 'dispatcher.send("high"'), None, "tasks/high", "dispatcher", "dispatcher.views.upload_image"),
        (VIEWS, line_of(ROOT / VIEWS, 'dispatcher.send("low"'), None, "tasks/low", "dispatcher", "dispatcher.views.nightly_cleanup"),
        # exchange and routing key bound when the Producer was made; the event named by the payload's "type"
        (EVENTS, line_of(ROOT / EVENTS, "producer.publish("), "ImageUploaded", "events/image.uploaded", "dispatcher", "dispatcher.events.announce_upload"),
        # SimpleQueue("reports") publishes to Exchange("reports") with routing key "reports"
        (EVENTS, line_of(ROOT / EVENTS, "queue.put("), None, "reports/reports", "dispatcher", "dispatcher.events.submit_report"),
        # Connection.Producer() with the exchange given to publish()
        (RESULTS, line_of(ROOT / RESULTS, "connection.Producer().publish("), None, "tasks/high", "dispatcher", "dispatcher.results.call"),
        # ConsumerProducerMixin.producer replying on the default exchange to a dynamic reply_to queue
        (RUNNER, line_of(ROOT / RUNNER, "self.producer.publish("), None, None, "worker", "worker.runner.TaskWorker.process_task"),
    }
    assert {p.framework for p in facts.publishers} == {"kombu"}


def test_unresolved_channels_keep_their_expression():
    facts = facts_of(ROOT)
    [inner] = by_site(facts.publishers, TASKS, line_of(ROOT / TASKS, "self.producer.publish("))
    assert (inner.channel, inner.channel_expr) == (None, "tasks/{priority}")
    [reply] = by_site(facts.publishers, RUNNER, line_of(ROOT / RUNNER, "self.producer.publish("))
    assert (reply.channel, reply.channel_expr) == (None, "message.properties.get('reply_to')")
    for snippet in ('dispatcher.send("high"', 'dispatcher.send("low"'):
        [outer] = by_site(facts.publishers, VIEWS, line_of(ROOT / VIEWS, snippet))
        assert outer.via == ("dispatcher.tasks.TaskDispatcher.send",)


def test_payload_fields():
    facts = facts_of(ROOT)
    [uploaded] = by_site(facts.publishers, EVENTS, line_of(ROOT / EVENTS, "producer.publish("))
    assert uploaded.payload_fields == ("type", "image_id", "owner_id")
    [report] = by_site(facts.publishers, EVENTS, line_of(ROOT / EVENTS, "queue.put("))
    assert report.payload_fields == ("report_id", "rows")
    # the wrapper builds the body itself: its callers carry the same fields
    for snippet in ('dispatcher.send("high"', 'dispatcher.send("low"'):
        [outer] = by_site(facts.publishers, VIEWS, line_of(ROOT / VIEWS, snippet))
        assert outer.payload_fields == ("task", "kwargs")


def test_subscribers_are_exact():
    facts = facts_of(ROOT)
    worker_line = line_of(ROOT / RUNNER, "return [Consumer(queues=task_queues")
    assert subs(facts) == {
        # get_consumers' Consumer by keyword: one record per queue
        (RUNNER, worker_line, None, "tasks.high", "worker", "worker.runner.TaskWorker.process_task"),
        (RUNNER, worker_line, None, "tasks.low", "worker", "worker.runner.TaskWorker.process_task"),
        # get_consumers' Consumer is partial(Consumer, channel): the queue is its first positional argument
        (RUNNER, line_of(ROOT / RUNNER, "return [Consumer(dead_letter_queue"), None, "tasks.dead-letter", "worker", "worker.deadletters.record_dead_letter"),
        # Consumer(channel, queues=[...], callbacks=[...])
        (AUDIT, line_of(ROOT / AUDIT, "with Consumer(channel, queues=[audit_queue]"), None, "audit.events", "audit", "main.on_event"),
        # Connection.Consumer(queue, ...) on a reply queue named per call; the callback is a nested function
        (RESULTS, line_of(ROOT / RESULTS, "with connection.Consumer(reply_queue"), None, None, "dispatcher", "dispatcher.results.call.on_reply"),
        # SimpleQueue.get in drain_reports(conn): the Connection comes from the caller through an unannotated parameter
        (AUDIT, line_of(ROOT / AUDIT, "message = queue.get(block=True"), None, "reports", "audit", "main.write_report"),
    }
    assert {s.framework for s in facts.subscribers} == {"kombu"}


def test_reply_queue_channel_is_an_expression():
    facts = facts_of(ROOT)
    [reply] = by_site(facts.subscribers, RESULTS, line_of(ROOT / RESULTS, "with connection.Consumer(reply_queue"))
    assert reply.channel_expr == "dispatcher.replies.{uuid.uuid4().hex}"


def test_ack_mode():
    facts = facts_of(ROOT)
    acks = {(s.path, s.line, s.channel): s.ack for s in facts.subscribers}
    worker_line = line_of(ROOT / RUNNER, "return [Consumer(queues=task_queues")
    assert acks == {
        (RUNNER, worker_line, "tasks.high"): "manual",
        (RUNNER, worker_line, "tasks.low"): "manual",
        (RUNNER, line_of(ROOT / RUNNER, "return [Consumer(dead_letter_queue"), "tasks.dead-letter"): "manual",
        (AUDIT, line_of(ROOT / AUDIT, "with Consumer(channel, queues=[audit_queue]"), "audit.events"): "on-delivery",
        (RESULTS, line_of(ROOT / RESULTS, "with connection.Consumer(reply_queue"), None): "manual",
        # SimpleQueue without no_ack: the code acknowledges
        (AUDIT, line_of(ROOT / AUDIT, "message = queue.get(block=True"), "reports"): "manual",
    }


def test_dead_letter_per_queue_of_a_consumer():
    facts = facts_of(ROOT)
    dead_letters = {(s.path, s.line, s.channel): s.dead_letter for s in facts.subscribers}
    worker_line = line_of(ROOT / RUNNER, "return [Consumer(queues=task_queues")
    assert dead_letters == {
        # two queues consumed together: only tasks.high was declared with x-dead-letter-exchange
        (RUNNER, worker_line, "tasks.high"): "tasks.dlx",
        (RUNNER, worker_line, "tasks.low"): None,
        (RUNNER, line_of(ROOT / RUNNER, "return [Consumer(dead_letter_queue"), "tasks.dead-letter"): None,
        (AUDIT, line_of(ROOT / AUDIT, "with Consumer(channel, queues=[audit_queue]"), "audit.events"): None,
        (RESULTS, line_of(ROOT / RESULTS, "with connection.Consumer(reply_queue"), None): None,
        (AUDIT, line_of(ROOT / AUDIT, "message = queue.get(block=True"), "reports"): None,
    }


def test_bindings_are_exact():
    facts = facts_of(ROOT)
    assert binds(facts) == {
        # dead-letter exchange from queue_arguments
        (QUEUES, line_of(ROOT / QUEUES, "    Queue(", 1), "tasks.high", "tasks", "high", "worker", "tasks.dlx"),
        (QUEUES, line_of(ROOT / QUEUES, 'Queue("tasks.low"'), "tasks.low", "tasks", "low", "worker", None),
        # a fanout exchange without a routing key
        (QUEUES, line_of(ROOT / QUEUES, 'dead_letter_queue = Queue("tasks.dead-letter"'), "tasks.dead-letter", "tasks.dlx", None, "worker", None),
        (AUDIT, line_of(ROOT / AUDIT, 'audit_queue = Queue("audit.events"'), "audit.events", "events", "#", "audit", None),
        # SimpleQueue("reports") declares Queue("reports", Exchange("reports"), routing_key="reports")
        (EVENTS, line_of(ROOT / EVENTS, 'conn.SimpleQueue("reports")'), "reports", "reports", "reports", "dispatcher", None),
        # the same declaration on a Connection passed to drain_reports(conn), an unannotated parameter
        (AUDIT, line_of(ROOT / AUDIT, 'queue = conn.SimpleQueue("reports")'), "reports", "reports", "reports", "audit", None),
    }
    assert {b.framework for b in facts.bindings} == {"kombu"}


def test_declarations_are_not_sites():
    facts = facts_of(ROOT)
    declarations = [
        (ENTITIES, 'task_exchange = Exchange("tasks"'),
        (ENTITIES, 'events_exchange = Exchange("events"'),
        (QUEUES, 'task_exchange = Exchange("tasks"'),
        (QUEUES, 'dead_letter_exchange = Exchange("tasks.dlx"'),
        # a Queue without an exchange (the reply queue) is a declaration, not a binding
        (RESULTS, 'reply_queue = Queue(f"dispatcher.replies'),
        (TASKS, 'self.producer = connection.Producer(serializer="json")'),
        (EVENTS, "producer = Producer(channel, exchange=events_exchange"),
    ]
    for path, snippet in declarations:
        line = line_of(ROOT / path, snippet)
        for records in (facts.publishers, facts.subscribers, facts.bindings):
            assert by_site(records, path, line) == [], (path, snippet)


def test_headers_are_the_keys_of_the_headers_mapping():
    facts = facts_of(ROOT)
    headers = {(p.path, p.line): p.headers for p in facts.publishers}
    assert headers[(EVENTS, line_of(ROOT / EVENTS, "queue.put("))] == ("report-format",)
    assert headers[(EVENTS, line_of(ROOT / EVENTS, "producer.publish("))] == ()
    # correlation_id= and reply_to= are message properties kombu takes as **properties: not header names
    assert headers[(RESULTS, line_of(ROOT / RESULTS, "connection.Producer().publish("))] == ()
    assert {h for (path, _), h in headers.items() if path in (VIEWS, TASKS, RUNNER)} == {()}


# -- ConsumerMixin.get_consumers: the factory by position ---------------------------------------------------------

MIXIN = fixture("kombu_consumer_mixin")
RECEIVERS = "exporter/receivers.py"


def test_get_consumers_factory_is_the_first_parameter_whatever_its_name():
    facts = facts_of(MIXIN)
    at = lambda snippet: line_of(MIXIN / RECEIVERS, snippet)  # noqa: E731
    assert {(s.path, s.line, s.channel, s.channel_expr, s.handler, s.handler_expr, s.ack) for s in facts.subscribers} == {
        # `consumer: Type[Consumer]`: kombu passes partial(Consumer, channel) whatever the annotation says; the
        # queues are the subclass's (given through super().__init__, which is not followed: unknown, as text)
        (RECEIVERS, at("return [consumer(queues=self.queues"), None, "queues", "exporter.receivers.ManifestReceiver.on_message", None, "manual"),
        # `_consumer`, the queue its first positional argument
        (RECEIVERS, at("return [_consumer([experiment_queue]"), "ingest.experiments.new", None, "exporter.receivers.ExperimentListener.on_experiment", None, "manual"),
        # tools.Inspector.get_consumers is no ConsumerMixin's: nothing there
    }


def test_an_intermediate_base_leaving_the_callback_to_subclasses_is_no_consumer_of_its_own():
    facts = facts_of(MIXIN)
    line = line_of(MIXIN / RECEIVERS, "return [consumer(queues=self.queues")
    # NotifyingReceiver inherits get_consumers but defines no on_message: only ManifestReceiver, which does, consumes
    assert [(s.handler, s.handler_expr) for s in by_site(facts.subscribers, RECEIVERS, line)] == [
        ("exporter.receivers.ManifestReceiver.on_message", None)
    ]
