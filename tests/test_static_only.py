"""Nothing analysed is ever run: booby-trapped code stays inert, YAML tags are refused, no network.

The project under test is the shop, copied, with every Python file made to
write a marker file (one outside the project, one inside) and to delete a victim
file outside the project the moment it is imported or executed — module bodies,
package `__init__`s, a conftest, a setup.py, and framework-decorated handlers
whose decorators and bodies would both fire. Every command that reads a project
runs on it; afterwards no marker exists, the victim is intact, no module of the
project is in `sys.modules`, and the audit hook saw no import, no `exec` of the
project's code and no socket.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import fixture
from tests.hostile import recording, run, write

TRAP = """\
import os as _os, shutil as _shutil
for _marker in ({outside!r}, {inside!r}):
    open(_marker, "w").write(__name__)
_shutil.rmtree({victim_dir!r}, ignore_errors=True)
"""

HANDLERS = '''
import faust
from nameko.events import event_handler

app = faust.App("payments", broker="kafka://localhost")
orders_topic = app.topic("orders.placed")


def _trap(name):
    open({outside!r}, "w").write(name)
    return name


@app.agent(orders_topic)
async def on_order_placed(stream):
    async for event in stream:
        open({outside!r}, "w").write("agent")


class Audit:
    name = _trap("audit")

    @event_handler("orders", _trap("OrderPlaced"))
    def on_order(self, payload):
        open({inside!r}, "w").write("handler")
'''


def trapped_shop(base: Path) -> tuple[Path, dict[str, Path]]:
    """The shop under base/shop with every Python file booby-trapped; the trap paths by name."""
    root = base / "shop"
    shutil.copytree(fixture("shop"), root)
    paths = {
        "outside": base / "MARKER-outside",
        "inside": root / "MARKER-inside",
        "victim_dir": base / "victim",
    }
    write(base, "victim/keep.txt", "must survive\n")
    names = {k: str(v) for k, v in paths.items()}
    trap = TRAP.format(**names)
    for path in sorted(root.rglob("*.py")):
        path.write_text(trap + path.read_text(encoding="utf-8"), encoding="utf-8")
    for rel in ("conftest.py", "setup.py", "services/payments/conftest.py", "libs/shopkit/setup.py"):
        write(root, rel, trap + "from setuptools import setup\nsetup(name='trap')\n")
    write(root, "services/payments/payments/audit.py", trap + HANDLERS.format(**names))
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "shop")
    return root, paths


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def project_commands(root: Path, out: Path) -> list[list[str]]:
    """Every command that reads a project, in every output format that needs nothing installed."""
    r = str(root)
    schema = root / "schemas" / "order_cancelled.json"
    commands = [
        *(["check", r, "--format", f] for f in ("text", "json", "sarif", "github", "junit")),
        ["check", r, "--statistics", "--verbose"],
        ["check", r, "--write-baseline", str(out / "baseline.json")],
        ["check", r, "--no-cache", "--jobs", "2"],
        ["facts", r, "-o", str(out / "facts.json")],
        ["check", r, "--facts", str(out / "facts.json")],
        *(["facts", r, "--format", f] for f in ("json", "text")),
        *(["graph", r, "--format", f] for f in ("dot", "mermaid", "json")),
        ["graph", r, "--level", "service"],
        *(["trace", "OrderPlaced", r, "--format", f] for f in ("text", "json", "mermaid")),
        ["schema", "check", r, "--against", "HEAD"],
        ["schema", "diff", str(schema), str(schema)],
        *(["catalog", "export", r, "--syntax", s] for s in ("yaml", "json")),
        ["rules", "--config", str(root / "eventlint.yaml")],
        ["explain", "EDA401"],
    ]
    if shutil.which("dot"):
        commands += [["graph", r, "--format", f, "-o", str(out / f"flow.{f}")] for f in ("svg", "png", "html")]
    return commands


def project_modules(root: Path) -> set[str]:
    """Names a Python import of the project's files would put in sys.modules."""
    names = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        names.add(parts[-2] if parts[-1] == "__init__" and len(parts) > 1 else parts[-1])
    return names - {"__init__"}


def assert_inert(root: Path, paths: dict[str, Path], record, before: set[str]) -> None:
    assert not paths["outside"].exists(), "analysed code ran: the outside marker was written"
    assert not paths["inside"].exists(), "analysed code ran: the inside marker was written"
    assert (paths["victim_dir"] / "keep.txt").read_text() == "must survive\n"
    assert [f for f in record.imported if str(root) in f] == []
    assert [f for f in record.executed if str(root) in f] == []
    assert record.connected == []
    gained = {name.split(".")[0] for name in set(sys.modules) - before}
    assert gained & project_modules(root) == set(), gained & project_modules(root)
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        assert str(root) not in module_file, name


def test_every_command_leaves_booby_trapped_code_inert(tmp_path):
    root, paths = trapped_shop(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    before = set(sys.modules)
    seen: dict[str, int] = {}
    with recording() as record:
        for args in project_commands(root, out):
            result = run(args)
            assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.output)
            assert result.exit_code in (0, 1), (args, result.output)
            seen[" ".join(args[:3])] = result.exit_code
    assert_inert(root, paths, record, before)
    assert seen["check " + str(root) + " --format"] == 1  # the shop's planted findings were found, so the code was read


def test_init_leaves_booby_trapped_code_inert(tmp_path):
    root, paths = trapped_shop(tmp_path)
    before = set(sys.modules)
    with recording() as record:
        result = run(["init", str(root), "--force"])
    assert result.exit_code == 0, result.output
    assert (root / "eventlint.yaml").read_text(encoding="utf-8").count("OrderPlaced") >= 1
    assert_inert(root, paths, record, before)


def test_commands_from_inside_the_project_leave_it_inert(tmp_path):
    """Run with the project as the working directory (where an import would find its modules first)."""
    root, paths = trapped_shop(tmp_path)
    before = set(sys.modules)
    with recording() as record:
        for args in (["check"], ["facts"], ["graph", "--format", "mermaid"], ["trace", "PaymentCompleted"], ["catalog", "export"]):
            result = run(args, cwd=root)
            assert result.exit_code in (0, 1), (args, result.output)
    assert_inert(root, paths, record, before)


# --- YAML is only safe-loaded ------------------------------------------------------------

EXPLOIT = "!!python/object/apply:os.system ['touch {marker}']"
EXPLOIT_TAGS = (
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "!!python/name:os.system",
    "!!python/module:os",
)


def _tagged_projects(root: Path, marker: Path, tag: str) -> dict[str, list[str]]:
    """One project per place YAML is read, each carrying the exploit tag there; the command that reads it."""
    value = tag.format(marker=marker)
    write(root, "app/__init__.py", "")
    write(root, "app/pub.py", 'from kafka import KafkaProducer\nKafkaProducer().send("orders.placed", b"x")\n')
    places: dict[str, list[str]] = {}

    config = root / "config"
    write(config, "eventlint.yaml", f"services:\n  app: {value}\n")
    places["eventlint.yaml"] = ["check", str(config)]

    schema_yaml = root / "schema_yaml"
    write(schema_yaml, "eventlint.yaml", "events:\n  OrderPlaced:\n    schema: schemas/order.yaml\n")
    write(schema_yaml, "schemas/order.yaml", f"type: object\nproperties:\n  id: {value}\n")
    places["schema (catalog)"] = ["check", str(schema_yaml)]
    places["schema (schema diff)"] = ["schema", "diff", str(schema_yaml / "schemas/order.yaml"), str(schema_yaml / "schemas/order.yaml")]

    asyncapi = root / "asyncapi"
    write(asyncapi, "eventlint.yaml", "catalog: [asyncapi.yaml]\n")
    write(asyncapi, "asyncapi.yaml", f"asyncapi: 3.0.0\ninfo:\n  title: {value}\n  version: '1'\n")
    places["AsyncAPI document"] = ["check", str(asyncapi)]

    policy = root / "policy"
    write(policy, "eventlint.yaml", "policies: [policy.yaml]\n")
    write(policy, "policy.yaml", f"code: EDA901\nname: {value}\n")
    places["policy file"] = ["check", str(policy)]
    places["policy file (rules)"] = ["rules", "--config", str(policy / "eventlint.yaml")]

    framework = root / "framework"
    write(framework, "eventlint.yaml", "frameworks: [bus.yaml]\n")
    write(framework, "bus.yaml", f"name: {value}\n")
    places["framework pattern"] = ["check", str(framework)]

    pyproject = root / "pyproject"
    write(pyproject, "pyproject.toml", f'[tool.eventlint]\nservices = {{ app = "{value}" }}\nunknown = "{value}"\n')
    places["pyproject.toml"] = ["check", str(pyproject)]
    return places


@pytest.mark.parametrize("tag", EXPLOIT_TAGS)
def test_python_yaml_tags_are_an_error_and_run_nothing(tmp_path, tag):
    marker = tmp_path / "MARKER"
    before = set(sys.modules)
    with recording() as record:
        for place, args in _tagged_projects(tmp_path / "p", marker, tag).items():
            result = run(args)
            if place == "schema (catalog)":  # a catalogued schema that cannot be read is an EDA003 finding; the run goes on
                assert result.exit_code == 1 and "schemas/order.yaml:3:1: EDA003 " in result.output, (place, result.output)
            else:
                assert result.exit_code == 2, (place, result.output)
                assert result.output.startswith("eventlint: error: "), (place, result.output)
            assert "Traceback" not in result.output, (place, result.output)
            if place != "pyproject.toml":  # TOML has no tags: there the text is an inert string
                assert "python/" in result.output, (place, result.output)
    assert not marker.exists()
    assert record.processes == [p for p in record.processes if p.startswith("git ")]
    assert [n for n in set(sys.modules) - before if n.startswith("subprocess") and n != "subprocess"] == []


def test_the_tag_error_names_the_file_and_the_line(tmp_path):
    places = _tagged_projects(tmp_path / "p", tmp_path / "MARKER", EXPLOIT_TAGS[0])
    output = run(places["eventlint.yaml"]).output
    assert "config/eventlint.yaml" in output and "line 2" in output and "python/object/apply" in output


# --- no network ----------------------------------------------------------------------------


class NetworkUsed(AssertionError):
    """Raised by any attempt to reach the network during a run."""


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise NetworkUsed(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def test_no_command_touches_the_network_on_the_shop(tmp_path, no_network):
    root, _ = trapped_shop(tmp_path)
    (tmp_path / "out").mkdir()
    with recording() as record:
        for args in project_commands(root, tmp_path / "out"):
            result = run(args)
            assert not isinstance(result.exception, NetworkUsed), (args, result.exception)
            assert result.exit_code in (0, 1), (args, result.output)
    assert record.connected == []


def test_a_schema_ref_to_a_url_is_reported_not_fetched(tmp_path, no_network):
    root = tmp_path / "remote"
    write(root, "eventlint.yaml", "events:\n  OrderPlaced:\n    owner: app\n    channel: orders.placed\n    schema: schemas/order.json\n")
    write(root, "app/__init__.py", "")
    write(root, "app/pub.py", 'from kafka import KafkaProducer\nKafkaProducer().send("orders.placed", {"id": 1})\n')
    write(
        root,
        "schemas/order.json",
        '{"type": "object", "properties": {"id": {"$ref": "https://schemas.example.com/id.json"}}}\n',
    )
    outputs = []
    with recording() as record:
        for args in (
            ["check", str(root), "--format", "json"],
            ["schema", "diff", str(root / "schemas/order.json"), str(root / "schemas/order.json")],
            ["catalog", "export", str(root)],
            ["graph", str(root), "--format", "json"],
        ):
            result = run(args)
            assert not isinstance(result.exception, NetworkUsed), (args, result.exception)
            assert result.exit_code in (0, 1, 2), (args, result.output)
            outputs.append(result.output)
    assert record.connected == []
    assert any("https://schemas.example.com/id.json" in o for o in outputs), outputs
