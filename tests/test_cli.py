"""The command line: outputs, exit codes (0 clean, 1 findings, 2 usage or config error), no tracebacks."""

import json

import pytest
from click.testing import CliRunner

from eventlint import __version__
from eventlint.cli import main
from tests.helpers import fixture


def run(*args, cwd=None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args))
    with runner.isolated_filesystem(temp_dir=cwd):
        return runner.invoke(main, list(args))


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_facts_json_is_the_public_document():
    result = run("facts", str(fixture("kafka_python")))
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert document["eventlint_facts"] == 1
    assert {s["name"] for s in document["services"]} == {"orders", "payments", "analytics"}
    assert any(p["channel"] == "orders.placed" for p in document["publishers"])


def test_facts_text_lists_sites_with_locations():
    result = run("facts", str(fixture("kafka_python")), "--format", "text")
    assert result.exit_code == 0
    assert "publishers:" in result.output and "subscribers:" in result.output
    assert "services/orders/orders/api.py:" in result.output
    assert "-> payments.handlers.charge_for_order" in result.output


def test_facts_output_file(tmp_path):
    out = tmp_path / "facts.json"
    result = run("facts", str(fixture("kafka_python")), "-o", str(out))
    assert result.exit_code == 0 and result.output == ""
    assert json.loads(out.read_text())["eventlint_facts"] == 1


def test_check_clean_project_exits_zero(tmp_path):
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "__init__.py").write_text("")
    (tmp_path / "orders" / "api.py").write_text(
        "from kafka import KafkaProducer\n\nproducer = KafkaProducer()\n\n\n"
        "def place(order):\n    producer.send('orders.placed', {'order_id': order.id}, key=order.id.encode(),\n"
        "                  headers=[('correlation_id', order.request_id.encode())])\n"
    )
    (tmp_path / "eventlint.yaml").write_text("external:\n  consumed: [orders.placed]\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "All checks passed." in result.output
    assert "1 service" in result.output


def test_check_with_a_parse_error_exits_one_and_names_the_place(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "broken.py").write_text("def f(:\n    pass\n")
    (tmp_path / "app" / "ok.py").write_text("x = 1\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert "app/broken.py:1:7: EDA000 syntax error" in result.output
    assert "Found 1 problem (EDA000 × 1)." in result.output
    assert "Traceback" not in result.output


def test_check_json_format(tmp_path):
    (tmp_path / "broken.py").write_text("class :\n")
    result = run("check", str(tmp_path), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [d["code"] for d in document["diagnostics"]] == ["EDA000"]


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ("servics: {}\n", "servics: unknown key 'servics'; did you mean 'services'?"),
        ("services: [a]\n", "services: expected a mapping, got a list"),
        ("frameworks: [nope.yaml]\n", "frameworks[0]: file not found: nope.yaml"),
        ("services: {a: [x}\n", "(syntax): invalid YAML"),
    ],
)
def test_config_errors_exit_two_with_file_and_key(tmp_path, config, fragment):
    path = tmp_path / "eventlint.yaml"
    path.write_text(config)
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert str(path) in result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_broken_framework_pack_is_a_config_error(tmp_path):
    (tmp_path / "bus.yaml").write_text("framework: our-bus\npublish:\n  - call: our.Bus.publish\n    fields: {topic: {arg: 0}}\n")
    (tmp_path / "eventlint.yaml").write_text("frameworks: [bus.yaml]\n")
    result = run("facts", str(tmp_path))
    assert result.exit_code == 2
    assert "bus.yaml: publish[0].fields.topic: unknown key 'topic'; expected one of: event, channel" in result.output


def test_explicit_config_file(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    conf = tmp_path / "custom.yaml"
    conf.write_text("services:\n  web: ['*.py']\n")
    result = run("facts", str(tmp_path), "--config", str(conf))
    assert result.exit_code == 0
    assert json.loads(result.output)["services"] == [{"name": "web", "paths": ["*.py"], "signal": "configured"}]


def test_missing_config_file_is_a_usage_error(tmp_path):
    result = run("check", str(tmp_path), "--config", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2


def test_unknown_option_is_a_usage_error():
    result = run("check", "--no-such-option")
    assert result.exit_code == 2


def test_verbose_lists_skipped_paths(tmp_path):
    import os

    (tmp_path / "app.py").write_text("x = 1\n")
    os.symlink("/etc", tmp_path / "escape")
    result = run("check", str(tmp_path), "--verbose")
    assert result.exit_code == 0
    assert "escape: skipped: symlink to outside the project root, not followed" in result.output


def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path):
    result = run("check", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


# -- check --fail-on ---------------------------------------------------------------------------------

ORPHAN = """
from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers="kafka:9092")

def ship(order):
    producer.send("orders.shipped", {"order_id": order.id})
"""


@pytest.mark.parametrize(
    "severity, fail_on, expected",
    [
        ("warning", None, 1),  # the default: errors and warnings fail, as before
        ("warning", "warning", 1),
        ("warning", "error", 0),
        ("warning", "info", 1),
        ("info", None, 0),
        ("info", "info", 1),
        ("error", "error", 1),
    ],
)
def test_fail_on_sets_the_lowest_failing_severity(tmp_path, severity, fail_on, expected):
    (tmp_path / "app.py").write_text(ORPHAN)
    (tmp_path / "eventlint.yaml").write_text(f"rules:\n  select: [EDA101]\n  severity: {{EDA101: {severity}}}\n")
    args = ["check", str(tmp_path)] + (["--fail-on", fail_on] if fail_on else [])
    result = CliRunner().invoke(main, args)
    assert "EDA101" in result.output
    assert result.exit_code == expected, result.output


def test_fail_on_refuses_an_unknown_severity(tmp_path):
    (tmp_path / "app.py").write_text(ORPHAN)
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--fail-on", "fatal"])
    assert result.exit_code == 2 and "fatal" in result.output


UNRESOLVED_PROJECT = {
    "app/pub.py": (
        "import os\n"
        "from kafka import KafkaProducer\n"
        "\n"
        "producer = KafkaProducer()\n"
        "\n"
        "\n"
        "def forward(topic, payload):\n"
        "    producer.send(topic, payload)\n"
        "\n"
        "\n"
        "def refunds(payload):\n"
        "    producer.send(os.environ['REFUNDS_TOPIC'], payload)\n"
        "    producer.send('orders.placed', payload)\n"
    ),
}


def test_facts_unresolved_lists_each_unknown_with_its_reason(tmp_path, monkeypatch):
    from tests.helpers import write_project

    root = write_project(tmp_path / "repo", UNRESOLVED_PROJECT)
    monkeypatch.chdir(root)  # text paths are from where the run stands
    result = run("facts", str(root), "--unresolved", "--format", "text", "--no-cache")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "app/pub.py:8:5  publisher kafka-python: parameter: channel is parameter `topic` of pub.forward,"
        " and no call site in the analysed code passes it\n"
        "app/pub.py:12:5  publisher kafka-python: config-not-found: channel is `os.environ['REFUNDS_TOPIC']`\n"
        "\n"
        "2 unresolved sites (1 config-not-found, 1 parameter).\n"
    )
    listed = json.loads(run("facts", str(root), "--unresolved", "--no-cache").output)
    assert [(r["line"], r["reason"]) for r in listed] == [(8, "parameter"), (12, "config-not-found")]
    text = run("facts", str(root), "--format", "text", "--no-cache").output
    assert "unresolved:\n  app/pub.py:8:5  publisher kafka-python: parameter:" in text
    document = json.loads(run("facts", str(root), "--no-cache").output)
    [known] = [p for p in document["publishers"] if p["channel"] == "orders.placed"]
    assert "unresolved" not in known and "provenance" not in known


def test_facts_unresolved_says_so_when_everything_is_known():
    result = run("facts", str(fixture("kafka_python")), "--unresolved", "--format", "text")
    assert result.exit_code == 0
    # the relay's inner send has `channel: null`, but its call sites name the topic: nothing to declare
    assert result.output == "Every publisher and subscriber found has a known name and handler.\n"
