"""The rules' findings cache (eventlint/rule_results.py): the rules run again exactly when one of their inputs changed.

Each kind of input is changed once; the run must then give what an uncached run
gives, and the rules must have run again unless the change left every input of
theirs as it was (an edit of Python code that changes no fact).
"""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventlint import api, rule_results
from eventlint.cli import main
from eventlint.extract import Options
from eventlint.facts import Diagnostic, Edit, Fix, Related
from eventlint.rules import engine
from tests.helpers import FIXTURES, Counted
from tests.test_results import EDITS, _append, _project, _replace


class Lints(Counted):
    """`api.lint` with the cache on (or off), counting the runs of the rules engine."""

    ran = property(lambda self: self.calls)

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> None:
        super().__init__(monkeypatch, engine, "run", cache_dir)

    def __call__(self, root: Path, cache: bool = True, **kwargs) -> tuple[Diagnostic, ...]:
        config = api.load_config([root])
        return api.lint([root], config, options=Options(cache=cache, cache_dir=self.cache_dir), **kwargs).diagnostics


RULE_EDITS = {
    **{k: v for k, v in EDITS.items() if k not in ("gitignore (read by git)", "file touched, same contents")},
    # a schema a `$ref` names that does not exist yet: the rules only asked whether it is there
    "schema created where a $ref found none": lambda r: (r / "schemas/later.json").write_text('{"type": "object", "required": ["reason"]}\n'),
    # the same bytes, now through a link out of the project (never followed): only the link itself changed, which
    # only the record of `os.lstat` (Path.resolve) sees
    "schema replaced by a link out of the project": lambda r: _link_out(r / "schemas/common.json"),
    "python source, a fact moves": lambda r: _replace(r / "orders/api.py", "def place(order):", "def place(order):\n    audit = None"),
}
# edits that leave every input of the rules as it was: the facts (no site, handler or value changes), the
# configuration, the catalog's files
UNCHANGED_FOR_RULES = {"python source"}


def _link_out(path: Path) -> None:
    outside = path.parent.parent.parent / "outside" / path.name
    outside.parent.mkdir(exist_ok=True)
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)


def _with_missing_schema(root: Path) -> None:
    (root / "schemas/refunded.json").write_text('{"allOf": [{"$ref": "common.json#/$defs/refund"}, {"$ref": "later.json"}]}\n')


@pytest.mark.parametrize("kind", sorted(RULE_EDITS))
def test_each_kind_of_input_runs_the_rules_again(kind, tmp_path, monkeypatch):
    root = _project(tmp_path / "p")
    _with_missing_schema(root)
    first, uncached, after, ran = Lints(monkeypatch, tmp_path / "cache").around_edit(root, RULE_EDITS[kind])
    assert after == uncached
    assert after != first or kind in (*UNCHANGED_FOR_RULES, "schema named by $ref"), "the edit should change the findings"
    if kind in UNCHANGED_FOR_RULES:
        assert ran == 0, f"{kind}: no input of the rules changed, yet they ran again"
    else:
        assert ran == 1, f"{kind} changed; the stored findings were used"


def test_the_command_line_selection_and_options_are_inputs(tmp_path, monkeypatch):
    root = tmp_path / "shop"
    shutil.copytree(FIXTURES / "shop", root)
    lints = Lints(monkeypatch, tmp_path / "cache")
    full = lints(root)
    narrow = lints(root, select=["EDA1"])
    assert lints.ran == 2 and narrow == lints(root, select=["EDA1"], cache=False)
    assert lints(root, ignore=["EDA1"]) == lints(root, ignore=["EDA1"], cache=False)
    assert lints.ran == 5
    assert lints(root) == full and lints(root, select=["EDA1"]) == narrow and lints.ran == 5
    _append(root / "eventlint.yaml", "rules:\n  severity:\n    EDA101: error\n")
    assert lints(root) == lints(root, cache=False) and lints.ran == 7, "a severity in the configuration"


def test_imported_code_is_an_input(tmp_path, monkeypatch):
    """A module the run has imported (a schema library, eventlint itself, a plugin's helper) is an input by its file."""
    module = tmp_path / "mods" / "eventlint_rule_results_probe.py"
    module.parent.mkdir()
    module.write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(module.parent))
    importlib.import_module("eventlint_rule_results_probe")
    try:
        root = tmp_path / "inprocess"
        shutil.copytree(FIXTURES / "inprocess", root)
        lints = Lints(monkeypatch, tmp_path / "cache")
        lints(root)
        lints(root)
        assert lints.ran == 1
        module.write_text("VALUE = 22\n", encoding="utf-8")
        lints(root)
        assert lints.ran == 2
    finally:
        sys.modules.pop("eventlint_rule_results_probe", None)


def test_plugin_rules_rules_under_test_and_traces_are_never_stored(tmp_path, monkeypatch):
    from eventlint.rules.base import ProjectRule

    class Probe(ProjectRule):
        """Checks nothing.

        ## Why is this bad?
        It is a probe.
        """

        code = "EDA990"
        name = "probe"

        def check(self, ctx):
            return iter(())

    root = tmp_path / "inprocess"
    shutil.copytree(FIXTURES / "inprocess", root)
    lints = Lints(monkeypatch, tmp_path / "cache")
    lints(root, extra_rules=[Probe])
    lints(root, extra_rules=[Probe])
    assert lints.ran == 2
    assert not (tmp_path / "cache" / rule_results.KIND).exists()


def test_a_stored_finding_reads_back_as_it_was(tmp_path):
    finding = Diagnostic(
        "EDA205", "billing consumes `OrderPlaced`", "a.py", 3, 5, "warning", "add it", 3, 9, "billing", "OrderPlaced",
        (Related("b.py", 1, 1, "the other publication"),),
        Fix("safe", "Add `billing`", (Edit("eventlint.yaml", 4, 1, 4, 1, "- billing\n"),)),
    )
    cache = api.Cache(tmp_path)
    recorder = rule_results.Recorder()
    assert rule_results.findings(cache, "k" * 40, recorder, lambda: [finding]) == [finding]
    assert rule_results.findings(cache, "k" * 40, rule_results.Recorder(), lambda: []) == [finding], "read back"


def test_a_corrupt_or_foreign_entry_is_computed_again(tmp_path):
    cache = api.Cache(tmp_path)
    cache.put(rule_results.KIND, "a" * 40, {"findings": [{"nonsense": 1}], "reads": [], "code": {}})
    found = Diagnostic("EDA101", "m", "a.py", 1, 1)
    assert rule_results.findings(cache, "a" * 40, rule_results.Recorder(), lambda: [found]) == [found]
    assert rule_results.findings(cache, "a" * 40, rule_results.Recorder(), lambda: []) == [found], "rewritten"


def test_cli_output_from_stored_findings_is_the_uncached_output(tmp_path):
    root = _project(tmp_path / "p")
    env = {"EVENTLINT_CACHE_DIR": str(tmp_path / "cache")}
    runner = CliRunner(env=env)
    for args in ([], ["--format", "json"], ["--format", "sarif"]):
        uncached = runner.invoke(main, ["check", str(root), "--no-color", "--no-cache", *args]).output
        runner.invoke(main, ["check", str(root), "--no-color", *args])
        # a Python edit that changes no fact: the findings cache of the whole run misses, the rules' hits
        _append(root / "billing/consumer.py", f"\n\ndef note_{len(args)}():\n    return {len(args)}\n")
        assert runner.invoke(main, ["check", str(root), "--no-color", *args]).output == uncached


FIXTURE_ROOTS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and any(p.rglob("*.py")))
# three fixtures in the fast suite (one with a catalog, schemas and contexts); every fixture with the slow tests
FAST = {"shop", "kafka_python", "handler_maps"}
FIXTURE_PARAMS = [pytest.param(p, marks=() if p.name in FAST else pytest.mark.slow, id=p.name) for p in FIXTURE_ROOTS]


@pytest.mark.parametrize("source", FIXTURE_PARAMS)
def test_after_edits_the_findings_are_those_of_an_uncached_run(source, tmp_path, monkeypatch):
    """Each fixture, cached: an edit that moves every fact of a file down a line, then code that changes no fact,
    then the edit undone; each time the findings are those of a run without any cache."""
    root = tmp_path / source.name
    shutil.copytree(source, root)
    lints = Lints(monkeypatch, tmp_path / "cache")
    lints(root)
    files = sorted(p for p in root.rglob("*.py") if "import" in p.read_text(encoding="utf-8", errors="replace"))
    if not files:
        pytest.skip("a fixture without an importing Python file has nothing to move")  # none today; kept honest
    target = files[len(files) // 2]
    original = target.read_bytes()
    edits = [
        lambda: target.write_bytes(b"# a line above: every fact of the file moves down\n" + original),
        lambda: _append(target, "\n\ndef probe_edit(value):\n    return value\n"),
        lambda: target.write_bytes(original),
    ]
    for edit in edits:
        edit()
        assert lints(root) == lints(root, cache=False)


def test_a_run_with_stored_findings_builds_no_graph(tmp_path):
    """After an edit that changes no fact, the run is computed (the whole-run cache misses) but no rule runs:
    networkx, which only the event graph needs, is not even imported."""
    import os
    import subprocess

    root = _project(tmp_path / "p")
    env = dict(os.environ, EVENTLINT_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("NO_COLOR", None)

    def run(*flags: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, *flags, "-m", "eventlint.cli", "check", str(root)], capture_output=True, env=env, check=False)

    first = run()
    _append(root / "billing/consumer.py", "\n\ndef later(event):\n    return event\n")
    again = run("-Ximporttime")
    assert b" eventlint.api\n" in again.stderr, "the edit is an input of the whole run: it is computed"
    assert b" networkx\n" not in again.stderr
    assert again.stdout == first.stdout and again.returncode == first.returncode
