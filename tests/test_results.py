"""The findings cache (eventlint/results.py): a warm `check` replays its stored output only when no input changed.

Each kind of input is changed once and the run must be recomputed (the real
checker runs again) and print what an uncached run prints; after it, the same run
is replayed again. A replay is byte-identical to an uncached run, in every format,
and a warm run in a fresh process imports neither the rules, networkx, libcst nor
jsonschema.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventlint import results, workspace
from eventlint.cli import main
from tests.helpers import FIXTURES, Counted, write_project

ASYNCAPI = """\
asyncapi: 3.0.0
info: {title: Orders Service, version: 1.0.0}
channels:
  orderPlaced:
    address: orders.placed
    messages:
      OrderPlaced:
        payload:
          type: object
          additionalProperties: false
          required: [order_id, total_cents]
          properties:
            order_id: {type: string}
            total_cents: {type: integer}
operations:
  publishOrderPlaced:
    action: send
    channel: {$ref: '#/channels/orderPlaced'}
  billingConsumes:
    action: receive
    channel: {$ref: '#/channels/orderPlaced'}
    x-eventlint-service: billing
"""

POLICIES = """\
policies:
  - id: ACME001
    name: shipping-consumes-orders
    summary: Shipping never consumes order events.
    why: Shipping works from reservations.
    fix: Consume the reservation instead.
    message: "{service} consumes {event} ({handler})"
    severity: warning
    forbid-edge:
      consumer: {service: shipping}
      event: {name: "*"}
"""


def _project(root: Path) -> Path:
    """Orders (kafka-python) with an AsyncAPI catalog, a JSON Schema with a `$ref` to another file, and a policy."""
    return write_project(
        root,
        {
            "asyncapi.yaml": ASYNCAPI,
            "policies.yaml": POLICIES,
            "schemas/refunded.json": '{"$ref": "common.json#/$defs/refund"}\n',
            "schemas/common.json": '{"$defs": {"refund": {"type": "object", "required": ["order_id", "amount"]}}}\n',
            "orders/api.py": """
                import json
                from kafka import KafkaProducer

                producer = KafkaProducer()


                def place(order):
                    payload = {"order_id": order.id, "total": order.total}
                    producer.send("orders.placed", json.dumps(payload).encode(), key=order.id.encode())


                def refund(order):
                    payload = {"order_id": order.id, "amount": order.total}
                    producer.send("orders.refunded", json.dumps(payload).encode(), key=order.id.encode())
            """,
            "billing/consumer.py": """
                from kafka import KafkaConsumer

                for message in KafkaConsumer("orders.placed", "orders.refunded", group_id="billing"):
                    print(message.value)
            """,
            "shipping/consumer.py": """
                from kafka import KafkaConsumer

                for message in KafkaConsumer("orders.placed", group_id="shipping"):
                    print(message.value)
            """,
        },
        config={
            "services": {"orders": ["orders/**"], "billing": ["billing/**"], "shipping": ["shipping/**"]},
            "catalog": "asyncapi.yaml",
            "events": {"OrderRefunded": {"owner": "orders", "channel": "orders.refunded", "schema": "schemas/refunded.json", "consumers": ["billing"]}},
            "policies": ["policies.yaml"],
        },
    )


class Runs(Counted):
    """`check` in this process, counting the runs that were really computed (not replayed)."""

    computed = property(lambda self: self.calls)

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> None:
        super().__init__(monkeypatch, workspace, "check", cache_dir)

    def __call__(self, root: Path, *args: str, cache: bool = True) -> tuple[int, str]:
        runner = CliRunner(env={"EVENTLINT_CACHE_DIR": str(self.cache_dir)})
        result = runner.invoke(main, ["check", str(root), "--no-color", *args, *(() if cache else ("--no-cache",))])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, result.output


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


EDITS = {
    "python source": lambda r: _append(r / "shipping/consumer.py", "\n\ndef late(event):\n    return event\n"),
    "configuration": lambda r: _replace(r / "eventlint.yaml", "- billing", "- billing\n    - shipping"),
    "AsyncAPI document": lambda r: _replace(r / "asyncapi.yaml", "x-eventlint-service: billing", "x-eventlint-service: shipping"),
    "catalog schema": lambda r: _replace(r / "schemas/refunded.json", "#/$defs/refund", "#/$defs/refund2"),
    "schema named by $ref": lambda r: _replace(r / "schemas/common.json", '"order_id", "amount"', '"order_id", "amount", "reason"'),
    "policy file": lambda r: _replace(r / "policies.yaml", "{service} consumes", "{service} reads"),
    "file added": lambda r: (r / "shipping/returns.py").write_text("from kafka import KafkaConsumer\n\nfor m in KafkaConsumer('orders.refunded', group_id='shipping'):\n    print(m)\n"),
    "file removed": lambda r: (r / "shipping/consumer.py").unlink(),
    "gitignore (read by git)": lambda r: _replace(r / ".gitignore", "build/", "shipping/"),
    "file touched, same contents": lambda r: os.utime(r / "orders/api.py", ns=(0, 1_000_000_000)),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_each_kind_of_input_recomputes_the_result(kind, tmp_path, monkeypatch):
    root = _project(tmp_path / "p")
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    first, uncached, after, computed = Runs(monkeypatch, tmp_path / "cache").around_edit(root, EDITS[kind])
    if kind == "file touched, same contents":
        assert computed == 0, "the content hash decides: same bytes, new stat, still replayed"
    else:
        assert computed == 1, f"{kind} changed; the result was replayed"
        assert after != first or kind in ("python source", "file touched, same contents"), "the edit should change the report"
    assert after == uncached


def test_framework_pack_version_and_options_are_inputs(tmp_path, monkeypatch):
    root = tmp_path / "inprocess"
    shutil.copytree(FIXTURES / "inprocess", root)
    runs = Runs(monkeypatch, tmp_path / "cache")
    runs(root)
    runs(root)
    assert runs.computed == 1
    _append(root / "eventlint/shop-bus.yaml", "# a team's note\n")
    runs(root)
    assert runs.computed == 2, "a framework pack changed"
    runs(root, "--format", "json")
    assert runs.computed == 3, "another output format is another command line"
    runs(root, "--select", "EDA1")
    assert runs.computed == 4, "another selection"
    runs(root)
    assert runs.computed == 4
    monkeypatch.setattr(results, "__version__", "0.0.0-test")
    runs(root)
    assert runs.computed == 5, "another eventlint version"


def test_imported_plugin_code_is_an_input(tmp_path, monkeypatch):
    """A module the run imports (a local plugin's code) is an input by its source."""
    import importlib

    plugin = tmp_path / "plugin_dir" / "eventlint_results_probe.py"
    plugin.parent.mkdir()
    plugin.write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(plugin.parent))
    root = tmp_path / "inprocess"
    shutil.copytree(FIXTURES / "inprocess", root)
    runs = Runs(monkeypatch, tmp_path / "cache")
    counting = workspace.check

    def importing(*args, **kwargs):  # as plugin discovery imports a plugin during the run
        sys.modules.pop("eventlint_results_probe", None)
        importlib.invalidate_caches()
        importlib.import_module("eventlint_results_probe")
        return counting(*args, **kwargs)

    monkeypatch.setattr(workspace, "check", importing)
    runs(root)
    runs(root)
    assert runs.computed == 1
    plugin.write_text("VALUE = 22\n", encoding="utf-8")
    runs(root)
    assert runs.computed == 2
    sys.modules.pop("eventlint_results_probe", None)


def test_runs_that_write_files_or_skip_the_cache_are_not_stored(tmp_path, monkeypatch):
    root = tmp_path / "inprocess"
    shutil.copytree(FIXTURES / "inprocess", root)
    runs = Runs(monkeypatch, tmp_path / "cache")
    runs(root, cache=False)
    runs(root, cache=False)
    runs(root, "--add-noqa", "--select", "EDA999")
    runs(root, "--add-noqa", "--select", "EDA999")
    assert runs.computed == 4
    assert not (tmp_path / "cache" / results.KIND).exists()


def test_report_file_is_written_again_on_replay(tmp_path, monkeypatch):
    root = tmp_path / "inprocess"
    shutil.copytree(FIXTURES / "inprocess", root)
    report = tmp_path / "report.sarif"
    runs = Runs(monkeypatch, tmp_path / "cache")
    runs(root, "--format", "sarif", "-o", str(report))
    written = report.read_bytes()
    report.unlink()
    runs(root, "--format", "sarif", "-o", str(report))
    assert runs.computed == 1
    assert report.read_bytes() == written


def _cli(root: Path, cache_dir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, EVENTLINT_CACHE_DIR=str(cache_dir))
    env.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, *args[:1], "-m", "eventlint.cli", "check", str(root), *args[1:]], capture_output=True, env=env, check=False)


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_replay_is_byte_identical_to_an_uncached_run(output_format, tmp_path):
    root = _project(tmp_path / "p")
    cache_dir = tmp_path / "cache"
    uncached = _cli(root, cache_dir, "-Xutf8", "--format", output_format, "--no-cache")
    cold = _cli(root, cache_dir, "-Xutf8", "--format", output_format)
    warm = _cli(root, cache_dir, "-Ximporttime", "--format", output_format)
    assert (cold.returncode, cold.stdout, cold.stderr) == (uncached.returncode, uncached.stdout, uncached.stderr)
    assert (warm.returncode, warm.stdout) == (uncached.returncode, uncached.stdout)
    imports = [line for line in warm.stderr.decode().splitlines() if line.startswith("import time:")]
    report_stderr = "\n".join(line for line in warm.stderr.decode().splitlines() if not line.startswith("import time:"))
    assert report_stderr == uncached.stderr.decode().rstrip("\n")
    imported = {line.rsplit("|", 1)[1].strip() for line in imports}
    assert imported, "importtime lines expected"
    for heavy in ("networkx", "libcst", "jsonschema", "eventlint.rules", "eventlint.api", "yaml"):
        assert heavy not in imported, f"a warm run imported {heavy}"


def test_a_changed_input_in_a_fresh_process_is_seen(tmp_path):
    root = _project(tmp_path / "p")
    cache_dir = tmp_path / "cache"
    _cli(root, cache_dir, "-Xutf8")
    target = root / "shipping/consumer.py"
    target.write_text(target.read_text() + textwrap.dedent("""

        for again in KafkaConsumer("orders.refunded", group_id="shipping"):
            print(again.value)
    """))
    uncached = _cli(root, cache_dir, "-Xutf8", "--no-cache")
    warm = _cli(root, cache_dir, "-Xutf8")
    assert (warm.returncode, warm.stdout, warm.stderr) == (uncached.returncode, uncached.stdout, uncached.stderr)
    assert b"orders.refunded" in uncached.stdout or b"OrderRefunded" in uncached.stdout


def test_environment_read_by_the_run_is_an_input(tmp_path):
    """networkx reads the names of the whole environment when a run imports it: a new variable is a new input."""
    root = _project(tmp_path / "p")
    cache_dir = tmp_path / "cache"
    _cli(root, cache_dir, "-Xutf8")
    warm = _cli(root, cache_dir, "-Ximporttime")
    assert b" eventlint.api\n" not in warm.stderr
    env = dict(os.environ, EVENTLINT_CACHE_DIR=str(cache_dir), EVENTLINT_RESULTS_TEST_VARIABLE="1")
    again = subprocess.run([sys.executable, "-Ximporttime", "-m", "eventlint.cli", "check", str(root)], capture_output=True, env=env, check=False)
    # (a computed run imports the API; networkx itself is not imported when the rules' findings are stored)
    assert b" eventlint.api\n" in again.stderr, "the environment changed: the run is computed again"
    assert again.stdout == warm.stdout


def test_a_machine_verdict_keeps_the_run_out_of_the_cache(tmp_path, monkeypatch):
    """A file over its time budget is the machine's verdict, not the inputs': the next run tries again."""
    from tests.test_limits import project, slow_module

    project(tmp_path / "p", "limits: {file-timeout: 0.2}\n", **{"app/slow.py": slow_module(4000)})
    runs = Runs(monkeypatch, tmp_path / "cache")
    code, output = runs(tmp_path / "p", "--select", "EDA000")
    assert code == 1 and "limits.file-timeout" in output
    runs(tmp_path / "p", "--select", "EDA000")
    assert runs.computed == 2
    assert not (tmp_path / "cache" / results.KIND).exists()


def test_the_uncacheable_event_is_heard_only_while_recording(tmp_path):
    sys.audit(results.UNCACHEABLE, "outside any recording")  # nothing listens: no effect
    with results.record() as recording:
        sys.audit(results.UNCACHEABLE, "a file went over a budget")
    assert recording.uncacheable == "a file went over a budget"
    assert not results.store(recording, tmp_path, "k" * 40, 0, [tmp_path])
    with results.record() as clean:
        pass
    assert clean.uncacheable is None
    assert results.store(clean, tmp_path, "k" * 40, 0, [tmp_path])


def test_a_file_changed_while_the_run_read_it_keeps_the_run_out_of_the_cache(tmp_path, monkeypatch):
    """Its stat is newer than the run's start: the output may reflect the version before, so nothing is stored."""
    import time

    root = _project(tmp_path / "p")
    later = time.time_ns() + 3600 * 10**9  # as if saved during the run (stamps after its start)
    os.utime(root / "orders/api.py", ns=(later, later))
    runs = Runs(monkeypatch, tmp_path / "cache")
    runs(root)
    runs(root)
    assert runs.computed == 2


def test_stdout_and_stderr_interleave_as_they_did(tmp_path):
    """`2>&1`: the report (stdout) and the statistics after it (stderr) come back in the order they were written."""
    root = _project(tmp_path / "p")
    env = dict(os.environ, EVENTLINT_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "eventlint.cli", "check", str(root), "--format", "json", "--statistics"]
    outputs = [subprocess.run([*command, *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, check=False).stdout for extra in (["--no-cache"], [], [])]
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].index(b'"diagnostics"') < outputs[0].index(b"ACME001  shipping-consumes-orders")  # the report, then the table
