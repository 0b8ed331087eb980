"""A run that could judge little says so, in every format, and never ends in a plain "All checks passed."
(issue 19, item 6). The projects are written here in the libraries' real API shapes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from eventlint.cli import main
from eventlint.facts import MessagingImport, ProjectFacts, Publication, Subscription
from eventlint.report import coverage, text

# confluent-kafka imported only for its error codes: the client is made elsewhere, nothing is recognised
KAFKA_ERRORS = (
    "from confluent_kafka import KafkaError, KafkaException\n"
    "\n"
    "\n"
    "def check_message(msg):\n"
    "    if msg.error() is None:\n"
    "        return msg\n"
    "    if msg.error().code() == KafkaError._PARTITION_EOF:\n"
    "        return None\n"
    "    raise KafkaException(msg.error())\n"
)

# Google Pub/Sub: the topic comes from the environment, set nowhere in the repository
PUBSUB_ENV_TOPIC = (
    "import json\n"
    "import os\n"
    "\n"
    "from google.cloud import pubsub_v1\n"
    "\n"
    "publisher = pubsub_v1.PublisherClient()\n"
    'topic_path = publisher.topic_path(os.environ["GCP_PROJECT"], os.environ["PUBSUB_TOPIC"])\n'
    "\n"
    "\n"
    "def order_created(order):\n"
    '    future = publisher.publish(topic_path, json.dumps(order).encode("utf-8"))\n'
    "    return future.result()\n"
)

# kafka-python: one topic, produced and consumed here
KAFKA_BOTH = {
    "producer.py": (
        "from kafka import KafkaProducer\n"
        "\n"
        'producer = KafkaProducer(bootstrap_servers="kafka:9092")\n'
        "\n"
        "\n"
        "def place(order):\n"
        '    producer.send("orders.placed", {"order_id": order["id"]})\n'
    ),
    "consumer.py": (
        "from kafka import KafkaConsumer\n"
        "\n"
        'consumer = KafkaConsumer("orders.placed", bootstrap_servers="kafka:9092", group_id="billing")\n'
        "\n"
        "\n"
        "def run():\n"
        "    for message in consumer:\n"
        "        print(message.value)\n"
    ),
}

# pika: a connection is opened, but nothing in the file publishes or consumes through it that eventlint sees
PIKA_CONNECTION = (
    "import pika\n"
    "\n"
    "\n"
    "def connect(url):\n"
    "    return pika.BlockingConnection(pika.URLParameters(url))\n"
)

# boto3 for S3 only
BOTO3_S3 = (
    "import boto3\n"
    "\n"
    's3 = boto3.client("s3")\n'
    "\n"
    "\n"
    "def archive(key, body):\n"
    '    s3.put_object(Bucket="archive", Key=key, Body=body)\n'
)

# redis-py streams: the consumer group reads a stream per key of a comprehension over names read at run time
REDIS_COMPREHENSION = (
    "import json\n"
    "\n"
    "import redis\n"
    "\n"
    'r = redis.Redis(host="redis", decode_responses=True)\n'
    "\n"
    "\n"
    "def stream_names():\n"
    '    with open("streams.json") as f:\n'
    "        return json.load(f)\n"
    "\n"
    "\n"
    "def run(consumer):\n"
    "    while True:\n"
    '        response = r.xreadgroup("workers", consumer, {name: ">" for name in stream_names()}, count=10, block=5000)\n'
    "        for stream, entries in response or []:\n"
    "            for entry_id, fields in entries:\n"
    "                print(fields)\n"
    '                r.xack(stream, "workers", entry_id)\n'
)


def project(root: Path, files: dict[str, str], config: str = "") -> Path:
    for name, body in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(body)
    (root / "eventlint.yaml").write_text(config or "services:\n  app: ['**']\n")
    return root


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["check", str(root), "--no-cache", "--no-color", *args])


def report(root: Path) -> tuple[str, dict, dict]:
    """(text, JSON summary, the SARIF run) of one project; the exit code is the one a clean run has."""
    out = run(root)
    document = json.loads(run(root, "--format", "json").stdout)
    sarif = json.loads(run(root, "--format", "sarif").stdout)["runs"][0]
    assert out.exit_code == 0, out.stdout + out.stderr
    return out.stdout, document["summary"], sarif


def notifications(sarif_run: dict) -> list[dict]:
    return [n for invocation in sarif_run.get("invocations", ()) for n in invocation.get("toolExecutionNotifications", ())]


def test_nothing_recognised_names_the_messaging_imports_it_saw(tmp_path):
    out, summary, sarif = report(project(tmp_path, {"app/errors.py": KAFKA_ERRORS, "app/main.py": "print('hi')\n"}))
    assert "All checks passed" not in out
    assert (
        "Nothing checked: no publisher or subscriber recognised in 2 files, though messaging libraries are imported "
        "(confluent_kafka in 1 file): their calls were not recognised." in out
    )
    assert "Next: `eventlint facts --format text`" in out
    assert summary["coverage"]["limited"] is True
    assert [limit["kind"] for limit in summary["coverage"]["limits"]] == ["nothing-recognised"]
    # only its errors are imported: named, but not counted as a file where a client went unrecognised
    assert summary["coverage"]["imports"] == [{"module": "confluent_kafka", "files": 1, "files_without_sites": 0}]
    assert sarif["results"] == []  # not a fake finding: a notification of the run
    (note,) = notifications(sarif)
    assert note["descriptor"]["id"] == "nothing-recognised" and note["level"] == "warning"
    assert "confluent_kafka in 1 file" in note["message"]["text"]
    assert sarif["invocations"][0]["executionSuccessful"] is True
    assert sarif["properties"]["coverage"]["sites"] == 0


def test_nothing_recognised_and_nothing_imported_says_that_too(tmp_path):
    out, summary, _ = report(project(tmp_path, {"main.py": "print('hi')\n"}))
    assert "no publisher or subscriber recognised in 1 file, and no messaging library eventlint knows is imported" in out
    assert summary["coverage"]["imports"] == []


def test_most_sites_unresolved_and_no_subscriber_are_said_plainly(tmp_path):
    out, summary, sarif = report(project(tmp_path, {"orders/events.py": PUBSUB_ENV_TOPIC}))
    assert "All checks passed" not in out
    assert "Limited check:" in out
    assert "1 of 1 messaging site has a destination eventlint could not resolve (config-not-found × 1)" in out
    assert "no subscriber recognised: nothing here consumes what the 1 publication sends" in out
    assert "Next: `eventlint facts --unresolved`" in out
    assert out.rstrip().endswith("No problems found in what could be checked.")
    assert [limit["kind"] for limit in summary["coverage"]["limits"]] == ["mostly-unresolved", "no-subscriber"]
    assert summary["coverage"]["unresolved_sites"] == 1 and summary["coverage"]["next"] == "eventlint facts --unresolved"
    assert [n["descriptor"]["id"] for n in notifications(sarif)] == ["mostly-unresolved", "no-subscriber"]
    assert sarif["results"] == []


def test_a_well_recognised_project_keeps_its_plain_summary(tmp_path):
    out, summary, sarif = report(project(tmp_path, KAFKA_BOTH))
    assert out.rstrip().endswith("All checks passed.")
    assert "Limited check" not in out and "Next:" not in out
    assert summary["coverage"] == {
        "limited": False,
        "sites": 2,
        "unresolved_sites": 0,
        "limits": [],
        "imports": [{"module": "kafka", "files": 2, "files_without_sites": 0}],
        "next": None,
    }
    assert notifications(sarif) == [] and "invocations" not in sarif


def test_consumers_declared_elsewhere_are_not_a_limit(tmp_path):
    files = {"producer.py": KAFKA_BOTH["producer.py"]}
    out, summary, _ = report(project(tmp_path / "a", files, "external:\n  consumed: [orders.placed]\n"))
    assert out.rstrip().endswith("All checks passed.") and summary["coverage"]["limited"] is False
    alone = json.loads(run(project(tmp_path / "b", files), "--format", "json").stdout)["summary"]
    assert [limit["kind"] for limit in alone["coverage"]["limits"]] == ["no-subscriber"]


TWO_SERVICES = "services:\n  legacy: ['legacy/**']\n  app: ['**']\n"


def test_a_service_importing_a_messaging_library_with_nothing_recognised_is_named(tmp_path):
    out, summary, _ = report(project(tmp_path, {**KAFKA_BOTH, "legacy/amqp.py": PIKA_CONNECTION}, TWO_SERVICES))
    assert [limit["kind"] for limit in summary["coverage"]["limits"]] == ["unrecognised-imports"]
    assert "messaging libraries imported in services where no publisher or subscriber was recognised: legacy (pika in 1 file)" in out
    assert "Next: `eventlint facts --format text`" in out
    # in a service whose other files hold sites, the same file is a connection helper of a recognised service
    _, summary, _ = report(project(tmp_path / "one", {**KAFKA_BOTH, "legacy/amqp.py": PIKA_CONNECTION}))
    assert summary["coverage"]["limited"] is False
    # a library recognised in another service: an application framework also serves HTTP or RPC, nothing is said
    admin = "from kafka.admin import KafkaAdminClient\n\nadmin = KafkaAdminClient(bootstrap_servers='kafka:9092')\n"
    _, summary, _ = report(project(tmp_path / "known", {**KAFKA_BOTH, "legacy/admin.py": admin}, TWO_SERVICES))
    assert summary["coverage"]["limited"] is False


def test_an_import_of_errors_only_is_not_unrecognised_code(tmp_path):
    errors = "from kafka.errors import KafkaTimeoutError\n\n\ndef retryable(exc):\n    return isinstance(exc, KafkaTimeoutError)\n"
    extra = {"app/retry.py": errors, "app/aio.py": "from aiokafka.errors import KafkaError\n"}
    out, summary, _ = report(project(tmp_path, {**KAFKA_BOTH, **extra}))
    assert summary["coverage"]["limited"] is False and out.rstrip().endswith("All checks passed.")
    assert {"module": "aiokafka", "files": 1, "files_without_sites": 0} in summary["coverage"]["imports"]


def test_a_transport_imported_beside_another_librarys_sites_is_not_unrecognised_code(tmp_path):
    # FastStream over RabbitMQ, with aio-pika's connection type in the same file
    app = (
        "from aio_pika import RobustConnection\n"
        "from faststream.rabbit import RabbitBroker\n"
        "\n"
        'broker = RabbitBroker("amqp://guest:guest@rabbitmq:5672/")\n'
        "\n"
        "\n"
        '@broker.subscriber("orders")\n'
        "async def handle(body: dict) -> None:\n"
        "    print(body)\n"
        "\n"
        "\n"
        "async def place(order: dict) -> None:\n"
        '    await broker.publish(order, "orders")\n'
        "\n"
        "\n"
        "def connection(conn: RobustConnection | None) -> RobustConnection | None:\n"
        "    return conn\n"
    )
    out, summary, _ = report(project(tmp_path, {"app.py": app}))
    assert summary["coverage"]["limited"] is False, summary
    assert {"module": "aio_pika", "files": 1, "files_without_sites": 0} in summary["coverage"]["imports"]


def test_beside_another_limit_the_files_importing_a_library_without_its_sites_are_named(tmp_path):
    # kafka sites are recognised (so no `unrecognised-imports`), nothing consumes: where to look is said too
    admin = (
        "from kafka.admin import KafkaAdminClient, NewTopic\n\n\ndef create(names):\n"
        '    client = KafkaAdminClient(bootstrap_servers="kafka:9092")\n'
        "    client.create_topics([NewTopic(name, num_partitions=3, replication_factor=1) for name in names])\n"
    )
    root = project(tmp_path, {"producer.py": KAFKA_BOTH["producer.py"], "admin.py": admin})
    document = json.loads(run(root, "--format", "json").stdout)["summary"]["coverage"]
    assert [limit["kind"] for limit in document["limits"]] == ["no-subscriber", "imports-without-sites"]
    assert "imported where no publisher or subscriber was recognised: kafka in 1 file" in run(root).stdout


def test_a_general_purpose_client_alone_is_not_a_limit_unless_configured(tmp_path):
    files = {**KAFKA_BOTH, "legacy/storage.py": BOTO3_S3}
    _, summary, _ = report(project(tmp_path / "a", files, TWO_SERVICES))
    assert summary["coverage"]["limited"] is False
    assert {"module": "boto3", "files": 1, "files_without_sites": 1} in summary["coverage"]["imports"]
    _, summary, _ = report(project(tmp_path / "b", files, TWO_SERVICES + "coverage:\n  shared-modules: []\n"))
    assert [limit["kind"] for limit in summary["coverage"]["limits"]] == ["unrecognised-imports"]


def test_the_unresolved_share_is_configuration(tmp_path):
    config = "services:\n  app: ['**']\nexternal:\n  consumed: ['*']\ncoverage:\n  unresolved-share: 1\n"
    out, summary, _ = report(project(tmp_path, {"orders/events.py": PUBSUB_ENV_TOPIC}, config))
    assert summary["coverage"]["limited"] is False and summary["coverage"]["unresolved_sites"] == 1
    assert out.rstrip().endswith("All checks passed.")
    bad = project(tmp_path / "bad", {"a.py": "x = 1\n"}, "coverage:\n  unresolved-share: 2\n")
    result = run(bad)
    assert result.exit_code == 2 and "coverage.unresolved-share" in result.stderr


def test_concise_report_carries_the_limits(tmp_path):
    root = project(tmp_path, {"orders/events.py": PUBSUB_ENV_TOPIC})
    out = run(root, "--output-format", "concise").stdout
    assert "Limited check: 1 of 1 messaging site has a destination" in out
    assert out.rstrip().endswith("No problems found in what could be checked.")


def test_findings_and_limits_are_both_reported(tmp_path):
    # a publication nothing consumes is a finding (EDA101); that nothing is consumed at all is the limit beside it
    root = project(tmp_path, {"producer.py": KAFKA_BOTH["producer.py"]})
    result = run(root)
    assert result.exit_code == 1
    assert "no subscriber recognised" in result.stdout and "Found 1 problem" in result.stdout
    assert "No problems found" not in result.stdout


def test_a_site_that_reads_no_destination_is_listed_by_facts_unresolved(tmp_path):
    root = project(tmp_path, {"worker.py": REDIS_COMPREHENSION})
    listed = CliRunner().invoke(main, ["facts", str(root), "--unresolved", "--no-cache", "--format", "text"]).output
    line = next(n for n, text in enumerate(REDIS_COMPREHENSION.splitlines(), 1) if "xreadgroup" in text)
    assert f"worker.py:{line}:" in listed and "subscriber redis:" in listed, listed
    records = json.loads(CliRunner().invoke(main, ["facts", str(root), "--unresolved", "--no-cache", "--format", "json"]).output)
    assert any(r["line"] == line and r["kind"] == "subscriber" for r in records)


def test_records_with_nothing_read_get_a_reason_and_count_as_unresolved():
    common = dict(framework="redis", service="app", path="w.py", line=3, column=5)
    bare = Subscription(event=None, channel=None, handler=None, **common)
    inner = Publication(event=None, channel=None, function="w.send", channel_expr="stream", **common)  # a wrapper's own call
    facts = ProjectFacts(root="/r", subscribers=(bare,), publishers=(inner,), files=1)
    (row,) = text.unresolved_records(facts)
    assert row["reason"] == "no-value" and row["kind"] == "subscriber" and "comprehension" in row["detail"]
    found = coverage.assess(facts)
    assert (found.sites, found.unresolved) == (1, 1)


def test_imports_in_facts_round_trip():
    facts = ProjectFacts(root="/r", imports=(MessagingImport("a.py", "kombu", ("kombu",), True, "app"),), files=1)
    assert ProjectFacts.from_json(json.loads(json.dumps(facts.to_json()))) == facts
    assert "imports" not in ProjectFacts(root="/r").to_json()  # older documents stay as they were
