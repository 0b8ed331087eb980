"""Output never wavers: every command that reads a project, in every format, gives the same bytes however it is run.

For each fixture under fixtures/ (the shop in the fast suite, the others marked
slow: CI runs them), each command's output (stdout bytes and exit
code) is compared with a reference run (`--no-cache --jobs 1`, absolute path)
across: repeated runs (5 on the shop, 2 elsewhere, to bound CI time), a process
pool (`--jobs 2` with the pool threshold lowered so the pool really runs), a
fresh cache and the warm cache after it, and (on the shop and a few layouts:
FROM_ELSEWHERE) a run from another working directory with a relative path and
one from inside the project with `.`.
Commands that take no cache or jobs options (graph, trace, catalog export,
schema check against HEAD, schema diff of the shop's two OrderPlaced versions)
are compared across repetitions and working directories; `schema diff` names its
two files as given, and the text of `check`, `facts` and `trace` names paths from
the current directory, so from another directory only those names differ.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventlint import api, extract
from eventlint.cli import main
from tests.helpers import FIXTURES

FIXTURE_ROOTS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and any(p.rglob("*.py")))
# The shop (every rule family, schemas, contexts) runs in the fast suite (~20 s); the other fixtures
# (~5 s each, ~100 s together) run in CI with the slow tests.
FIXTURE_PARAMS = [pytest.param(p, marks=() if p.name == "shop" else pytest.mark.slow, id=p.name) for p in FIXTURE_ROOTS]
REPEATS = {"shop": 5}
# Which directory a command runs from and how its path is spelled is the command line's business, not the
# extractor's: the shop and a few layouts of other shapes (a SAM stack, Docker folders, a Django settings package,
# a layered package) also run from the parent folder and from inside; the other fixtures compare repeated runs,
# both caches and the pool, where an extractor's nondeterminism would show (CI's time is bounded).
FROM_ELSEWHERE = {"shop", "aws_sam", "layout_docker", "django_settings", "layout_layered"}
assert FROM_ELSEWHERE <= {p.name for p in FIXTURE_ROOTS}, "FROM_ELSEWHERE names a fixture that is gone"
CHECK_FORMATS = ("text", "json", "sarif", "github", "junit")


def _invoke(args: list[str], cwd: Path, cache_dir: Path | None) -> tuple[int, str]:
    env = {"EVENTLINT_CACHE_DIR": str(cache_dir)} if cache_dir else {}
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner(env=env).invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout


def _commands(target: str, event: str | None, versioned: str | None) -> dict[str, tuple[list[str], bool]]:
    """name -> (arguments, whether it takes --no-cache/--jobs)."""
    commands: dict[str, tuple[list[str], bool]] = {}
    for fmt in CHECK_FORMATS:
        commands[f"check {fmt}"] = (["check", target, "--format", fmt, "--no-color"], True)
    for fmt in ("json", "text"):
        commands[f"facts {fmt}"] = (["facts", target, "--format", fmt], True)
    for fmt in ("json", "mermaid", "dot"):
        commands[f"graph {fmt}"] = (["graph", target, "--format", fmt], False)
    if event is not None:
        for fmt in ("text", "json", "mermaid"):
            commands[f"trace {fmt}"] = (["trace", event, target, "--format", fmt], False)
    for syntax in ("yaml", "json"):
        commands[f"catalog export {syntax}"] = (["catalog", "export", target, "--syntax", syntax], False)
    for fmt in ("text", "json"):
        commands[f"schema check {fmt}"] = (["schema", "check", target, "--against", "HEAD", "--format", fmt], False)
    if versioned:  # a schema folder with two versions: the shop's OrderPlaced
        versions = f"{target}/{versioned}"
        for fmt in ("text", "json"):
            commands[f"schema diff {fmt}"] = (["schema", "diff", f"{versions}/v1.json", f"{versions}/v2.json", "--format", fmt], False)
    return commands


def _first_event(root: Path) -> str | None:
    events = sorted(api.graph([root]).events())
    return events[0] if events else None


@pytest.mark.parametrize("root", FIXTURE_PARAMS)
def test_every_output_is_byte_identical_however_it_is_run(root, tmp_path, monkeypatch):
    event = _first_event(root)
    versioned = "schemas/order_placed" if (root / "schemas/order_placed/v2.json").is_file() else None
    absolute = _commands(str(root), event, versioned)
    from_parent = _commands(root.name, event, versioned)
    from_inside = _commands(".", event, versioned)
    repeats = REPEATS.get(root.name, 2)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for name, (args, tunable) in absolute.items():
        plain = [*args, "--no-cache", "--jobs", "1"] if tunable else args
        reference = _invoke(plain, outside, None)
        assert reference[0] in (0, 1), (name, reference)
        # GitHub annotations are one line per finding: a project with none (fixtures/inhouse, whose bus handlers
        # nothing redelivers) prints nothing, which the exit code 0 confirms
        assert reference[1] or (name == "check github" and reference[0] == 0), f"{name}: no output"
        for attempt in range(1, repeats):
            assert _invoke(plain, outside, None) == reference, f"{name}: run {attempt + 1} differs"
        if root.name in FROM_ELSEWHERE:
            suffix = plain[len(args):]
            _check_from_elsewhere(name, root, reference, [*from_parent[name][0], *suffix], [*from_inside[name][0], *suffix])
        if tunable:
            cache = tmp_path / f"cache-{name.replace(' ', '-')}"
            assert _invoke([*args, "--jobs", "1"], outside, cache) == reference, f"{name}: fresh cache differs"
            assert any(cache.rglob("*.json")), f"{name}: the cache was not written"
            assert _invoke([*args, "--jobs", "1"], outside, cache) == reference, f"{name}: warm cache differs"
            with monkeypatch.context() as patch:
                patch.setattr(extract, "POOL_THRESHOLD", 1)  # the fixtures are small: make the pool run
                assert _invoke([*args, "--no-cache", "--jobs", "2"], outside, None) == reference, f"{name}: --jobs 2 differs"


def _check_from_elsewhere(name: str, root: Path, reference: tuple[int, str], from_parent: list[str], from_inside: list[str]) -> None:
    """The same command run from the project's parent folder with a relative path, and from inside it with `.`."""
    if name.startswith("schema diff"):  # it names the two files as they were given, like diff(1)
        assert _invoke(from_parent, root.parent, None)[1] == reference[1].replace(f"{root}/", f"{root.name}/")
    elif name in ("check text", "facts text", "trace text"):  # paths from the current directory (absolute outside it), like ruff
        parent_run, inside_run = _invoke(from_parent, root.parent, None), _invoke(from_inside, root, None)
        assert parent_run == (reference[0], reference[1].replace(f"{root}/", f"{root.name}/")), f"{name}: from the parent differs"
        assert inside_run == (reference[0], reference[1].replace(f"{root}/", "")), f"{name}: `.` from inside differs"
    else:
        assert _invoke(from_parent, root.parent, None) == reference, f"{name}: relative path from the parent differs"
        assert _invoke(from_inside, root, None) == reference, f"{name}: `.` from inside differs"


def _swap(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


# Edits of each kind, applied one after another to a copy of the shop (#18 item 3): after each, the
# cached runs (the first computes, reusing the per-file and facts caches; the second replays the
# findings cache) print exactly what a run without any cache prints.
SHIPPING = "services/shipping/shipping"
EDITS = [
    ("body edit", lambda r: _swap(r / "services/orders/orders/api.py", '        headers={"correlation_id": request_id},\n', "")),
    (
        "new publisher",
        lambda r: (r / SHIPPING / "returns.py").write_text(
            (r / SHIPPING / "returns.py").read_text(encoding="utf-8")
            + '\n\ndef on_parcel_lost(order_id: str) -> None:\n    messaging.publish(topics.ORDER_CANCELLED, OrderCancelled(order_id=order_id, reason="lost"))\n',
            encoding="utf-8",
        ),
    ),
    (
        "import change",
        lambda r: (
            # the publisher's module is aliased, and `topics` now names a module without ORDER_CANCELLED
            _swap(r / SHIPPING / "returns.py", "from shopkit import messaging, topics", "from shopkit import events as topics, messaging as bus"),
            _swap(r / SHIPPING / "returns.py", "    messaging.publish(", "    bus.publish("),
        ),
    ),
    (
        "file added",
        lambda r: (r / SHIPPING / "recall.py").write_text(
            '"""Recalled parcels."""\n\nfrom shopkit import messaging, topics\nfrom shopkit.events import OrderCancelled\n\n\n'
            'def on_recall(order_id: str) -> None:\n    messaging.publish(topics.ORDER_CANCELLED, OrderCancelled(order_id=order_id, reason="recalled"), key=order_id)\n',
            encoding="utf-8",
        ),
    ),
    ("file removed", lambda r: (r / SHIPPING / "returns.py").unlink()),
    # a constant's value in a module every service imports: its dependants' facts change, the module's own do not
    ("a name's value", lambda r: _swap(r / "libs/shopkit/shopkit/topics.py", '"inventory.reserved"', '"inventory.held"')),
    (
        "file reading a config file added",
        lambda r: (
            (r / SHIPPING / "config").mkdir(),
            (r / SHIPPING / "config/recalls.yaml").write_text("recalls:\n  topic: parcels.recalled\n", encoding="utf-8"),
            (r / SHIPPING / "recall.py").write_text(
                '"""Recalled parcels: the topic comes from the service\'s settings file."""\n\nimport yaml\n\n'
                "from shopkit import messaging\nfrom shopkit.events import OrderCancelled\n\n"
                'with open("config/recalls.yaml") as settings:\n    SETTINGS = yaml.safe_load(settings)\n\n\n'
                "def on_recall(order_id: str) -> None:\n"
                '    messaging.publish(SETTINGS["recalls"]["topic"], OrderCancelled(order_id=order_id, reason="recalled"), key=order_id)\n',
                encoding="utf-8",
            ),
        ),
    ),
    # no Python file changes: only the configuration file the resolver read the channel from
    ("config file edit", lambda r: _swap(r / SHIPPING / "config/recalls.yaml", "parcels.recalled", "parcels.withdrawn")),
    ("config file removed", lambda r: (r / SHIPPING / "config/recalls.yaml").unlink()),
]


def test_cached_output_equals_a_cold_run_after_every_kind_of_edit(tmp_path):
    import shutil

    root = tmp_path / "shop"
    shutil.copytree(FIXTURES / "shop", root, ignore=shutil.ignore_patterns(".eventlint_cache"))
    cache_dir = tmp_path / "cache"
    previous = {}
    for fmt in ("text", "json"):
        # --show-info: every finding, so an edit that changes only an info-level note still changes the text report
        previous[fmt] = _invoke(["check", str(root), "--no-color", "--show-info", "--format", fmt], tmp_path, cache_dir)  # fill every cache
    for kind, edit in EDITS:
        edit(root)
        for fmt in ("text", "json"):
            args = ["check", str(root), "--no-color", "--show-info", "--format", fmt]
            cold = _invoke([*args, "--no-cache", "--jobs", "1"], tmp_path, None)
            assert cold != previous[fmt], f"{kind}: the edit should change the {fmt} report"
            assert _invoke(args, tmp_path, cache_dir) == cold, f"{kind}, {fmt}: computed with the caches"
            assert _invoke(args, tmp_path, cache_dir) == cold, f"{kind}, {fmt}: replayed"
            previous[fmt] = cold
