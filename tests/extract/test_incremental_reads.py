"""What a module's facts were read from is recorded completely (`resolve.Reads`, #18 item 3, step 2).

With `Project(track=True)`, the site finder and the handler analysis keep, per module, the bits of
every module whose IR the questions behind its records (publications, subscriptions, bindings,
handlers) read, and of every project-wide name or summary they looked up. Incremental resolution
re-resolves after an edit only the modules whose bits meet the edit. That is exact only if the record
is complete, which this checks the hard way: for every fixture and every module M, M is edited (its
strings changed, its whole content emptied and written back, the file removed and added); the
project is resolved again from nothing; every other module whose recorded bits do not meet the edit
(M's own bit, the module names a file that came or went answers to, the summaries that changed) must
have exactly the records (and direct sites) it had before. A module whose questions met a cut or
scanned every module (VOLATILE) is recomputed on any edit and is not compared; how many were compared
is asserted, so the check cannot pass empty. (A comment-only edit leaves the IR as it was: the facts
cache answers it whole.)
"""
from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from pathlib import Path

import pytest

from eventlint import api
from eventlint.discover import discover
from eventlint.extract import _inhouse, ir, parse_file
from eventlint.extract.guard import ParseFailure
from eventlint.extract.handlers import HandlerAnalysis
from eventlint.extract.patterns import PatternSet, load_patterns
from eventlint.extract.resolve import VOLATILE, Project
from eventlint.extract.sites import Found, SiteFinder
from tests.helpers import FIXTURES, REPO, write_project

Modules = list[tuple[ir.Module, str, str]]


def _modules(root: Path) -> tuple[Modules, PatternSet, Path]:
    config = api.load_config([root])
    found = discover([root], config)
    modules: Modules = []
    for source in found.files:
        if source.kind != "python":
            continue
        try:
            modules.append((parse_file(source.abspath.read_bytes(), source.path, source.module), source.import_name, source.sys_root))
        except ParseFailure:
            continue
    return modules, load_patterns(config), found.root


class _Run:
    """One resolution of the direct sites from nothing, with what each module's sites read."""

    def __init__(self, modules: Modules, patterns: PatternSet, root: Path, track: bool = True) -> None:
        self.project = Project(modules, patterns, root, track=track)
        self.buses = repr(_inhouse(self.project, None))
        finder = SiteFinder(self.project, {}, ())
        direct = finder.direct()
        self.sites: dict[str, list[str]] = {}
        for site in direct:
            self.sites.setdefault(site.mod.name, []).append(_render(site))
        self.direct_reads = dict(finder.direct_reads)
        publishers, subscribers, bindings = finder.records(direct + finder.through_wrappers(direct))
        by_path = {m.ir.path: m.name for m in self.project._by_path.values()}
        self.records: dict[str, list[str]] = {}
        for record in [*publishers, *subscribers, *bindings]:
            self.records.setdefault(by_path[record.path], []).append(repr(record))
        analysis = HandlerAnalysis(self.project, finder.ev, {}, finder.inference)
        handlers = analysis.handlers(subscribers, publishers, finder.loop_messages)
        for handler in handlers:
            self.records.setdefault(by_path[handler.path], []).append(repr(handler))
        self.records = {name: sorted(texts) for name, texts in self.records.items()}
        if not track:
            return
        self.reads = analysis.module_reads(finder.module_reads())
        self.decoded = set(analysis.decoded)
        self.routed = dict(analysis.routed)
        self.publications: dict[str, list[tuple]] = {}
        for publication in publishers:
            if publication.function:
                self.publications.setdefault(publication.function, []).append((publication.path, publication.line, publication.column))
        self.roles: dict[str, list[tuple]] = {}
        for handler in handlers:
            self.roles.setdefault(by_path[handler.path], []).append((handler.name, handler.role, handler.dispatched_by, handler.dispatch_site))
        # the summaries of every module a question may read as a whole
        self.subclasses = {k: list(v) for k, v in finder._subclasses().items()}
        self.terminals = {k: [(s.mod.name, c) for s, c in v] for k, v in finder._terminal_index().items()}
        # the same entries as how many calls of each name each module holds: what a call is, and where, is read
        # through its module's bit by whatever evaluates it (`_callers`)
        self.terminal_calls = {k: sorted(Counter(s.mod.name for s, _ in v).items()) for k, v in finder._terminal_index().items()}
        self.django = {m.name: getattr(self.project.django_settings(m), "name", None) for m in self.project._by_path.values()}
        self.wrappers = sorted(finder.wrappers_asked)
        self.loops: dict[str, list[tuple]] = {}
        for qname, messages, seeds in finder.loop_log:
            self.loops.setdefault(qname, []).append((sorted(messages), sorted(seeds)))
        # the loops' final messages and seeds (what a reader finds once every module added its own)
        self.loop_state = {q: (sorted(m), sorted(finder.loop_seeds.get(q, ()))) for q, m in finder.loop_messages.items()}
        self.receivers = dict(finder.dispatch.receivers)
        self.bound = set(finder.bound_wrappers)
        self.runs_in = dict(finder._runs_in_memo)
        # what each module's resolution wrote to those summaries (`Reads.wrote`), taken last: an index the
        # questions did not build is built above, and its writers recorded
        tracked = self.project.reads
        assert tracked is not None
        self.writes = {name: {key: frozenset(values) for key, values in keys.items()} for name, keys in tracked.writes.items()}
        self.write_reads = dict(tracked.write_reads)


def _render(site: Found) -> str:
    fields = {f.name: getattr(site, f.name) for f in dataclasses.fields(site) if f.name not in ("mod", "origin", "pattern")}
    return repr((site.mod.name, site.pattern.framework, site.pattern.target, site.pattern.kind, site.pattern.form, fields))


def _strings_changed(node: object) -> object:
    """The same IR with every string literal changed: every value read from it changes, nothing else."""
    if isinstance(node, ir.Str):
        return ir.Str(node.value + "~edited")
    if isinstance(node, tuple):
        return tuple(_strings_changed(item) for item in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {f.name: _strings_changed(getattr(node, f.name)) for f in dataclasses.fields(node)}
        return dataclasses.replace(node, **changes)  # type: ignore[arg-type]
    return node


def _emptied(module: ir.Module) -> ir.Module:
    body = ir.Function(ir.MODULE_BODY, 1, 0, None, None, (), (), (), (), (), (), None, False)
    return ir.Module(module.path, module.name, (), (body,), ())


def _edit_bits(  # noqa: C901 - one summary after another
    before: _Run, after: _Run, old: ir.Module | None, new: ir.Module | None, import_names: set[str]
) -> int:
    """The bits an edit of `old` into `new` (None: the file is absent) meets, in `before`'s numbering: what an
    incremental run computes from the edited module alone, plus the summaries that changed."""
    reads = before.project.reads
    assert reads is not None
    bits = before.project._by_path[old.path].bit if old is not None else 0
    names = _file_keys(old, new, import_names) | _summary_changes(before, after)
    for name in names:
        bits |= reads.key(name)
    return bits


def _file_keys(old: ir.Module | None, new: ir.Module | None, import_names: set[str]) -> set[str]:
    """The names a file that comes or goes changes: what its module name, imports and path find (the names a module
    defines are read through its own bit, `Reads.named`)."""
    if old is not None and new is not None:
        return set()
    module = old or new
    assert module is not None
    return {f"mod:{module.name}", f"path:{module.path}"} | {f"import:{name}" for name in import_names}


def _summary_changes(before: _Run, after: _Run, calls: bool = True) -> set[str]:  # noqa: C901 - one summary after another
    """The keys of every summary entry whose value differs between two runs, each summary compared whole: the calls
    by name with their content and the loops' entries in the order they were added, or with `calls` False how many
    calls of each name each module holds and the loops' final messages (what a partial run restores)."""
    names: set[str] = set()
    for key in set(before.subclasses) | set(after.subclasses):
        if before.subclasses.get(key) != after.subclasses.get(key):
            names.add(f"#subclasses:{key}")
    old_terminals, new_terminals = (before.terminals, after.terminals) if calls else (before.terminal_calls, after.terminal_calls)
    for key in set(old_terminals) | set(new_terminals):
        if old_terminals.get(key) != new_terminals.get(key):
            names.add(f"#terminal:{key}")
    # a module's own answer is compared where both runs have it (a file that comes or goes is resolved again)
    if any(after.django.get(name, shown) != shown for name, shown in before.django.items()):
        names.add("#django")
    if before.wrappers != after.wrappers:
        names.add("#wrappers")
    loops = (before.loops, after.loops) if calls else (before.loop_state, after.loop_state)
    for table, prefix in (loops, "#loop:"), ((before.receivers, after.receivers), "#receiver:"):
        old_table, new_table = table
        names |= {f"{prefix}{key}" for key in set(old_table) | set(new_table) if old_table.get(key) != new_table.get(key)}
    names |= {f"#bound:{key}" for key in before.bound ^ after.bound}
    names |= {f"#runs_in:{key}" for key in set(before.runs_in) | set(after.runs_in) if before.runs_in.get(key) != after.runs_in.get(key)}
    names |= {f"#decoded:{key}" for key in before.decoded ^ after.decoded}
    for table, prefix in (
        ((before.routed, after.routed), "#routed:"),
        ((before.publications, after.publications), "#pubs:"),
        ((before.roles, after.roles), "#roles:"),
    ):
        old_table, new_table = table
        names |= {f"{prefix}{key}" for key in set(old_table) | set(new_table) if old_table.get(key) != new_table.get(key)}
    return names


def _check_edits(root: Path, sample: int | None = None) -> tuple[int, int]:
    """(modules compared, modules recomputed) over every edit of every module of the project at `root` (or of
    `sample` of them: those whose facts other modules read first, then every few others)."""
    modules, patterns, where = _modules(root)
    before = _Run(modules, patterns, where)
    compared = recomputed = 0
    chosen = range(len(modules))
    if sample is not None:
        infos = [before.project._by_path[m.path] for m, _, _ in modules]
        read = [i for i, info in enumerate(infos) if sum(1 for bits in before.reads.values() if bits & info.bit) > 1]
        rest = [i for i in range(len(modules)) if i not in read]
        chosen = sorted(read[: sample // 2] + rest[:: max(1, len(rest) // (sample - sample // 2))][: sample - sample // 2])
    for index in chosen:
        old, import_name, sys_root = modules[index]
        names = {n for n, entries in before.project._import_index.items() if any(e[1] == old.name for e in entries)}
        edits: list[tuple[str, ir.Module | None]] = [("strings changed", _strings_changed(old)), ("emptied", _emptied(old)), ("removed", None)]  # type: ignore[list-item]
        for label, new in edits:
            edited = [*modules[:index], *([(new, import_name, sys_root)] if new is not None else []), *modules[index + 1 :]]
            after = _Run(edited, patterns, where)
            if after.buses != before.buses:
                continue  # the in-house buses recognised changed: a whole-project resolution (`_inhouse`)
            edit = _edit_bits(before, after, old, new, names if label == "removed" else set())
            done = _compare(before, after, edit, old.name, f"{old.path} {label}")
            compared, recomputed = compared + done[0], recomputed + done[1]
            if label == "removed":  # and the other way: the file added to a project that did not have it
                done = _compare(after, before, _edit_bits(after, before, None, old, names), old.name, f"{old.path} added")
                compared, recomputed = compared + done[0], recomputed + done[1]
            elif label == "emptied":  # and the other way: its functions, classes, handlers and imports written
                assert new is not None
                done = _compare(after, before, _edit_bits(after, before, new, old, set()), old.name, f"{old.path} filled in")
                compared, recomputed = compared + done[0], recomputed + done[1]
    return compared, recomputed


def _compare(before: _Run, after: _Run, edit: int, edited: str, what: str) -> tuple[int, int]:
    compared = recomputed = 0
    for name, bits in before.reads.items():
        if name != edited and not before.direct_reads[name] & (edit | VOLATILE):
            assert after.sites.get(name, []) == before.sites.get(name, []), (
                f"{what}: {name}'s direct sites changed, but what they were read from does not meet the edit"
            )
        if name == edited or bits & (edit | VOLATILE):
            recomputed += 1
            continue
        compared += 1
        assert after.records.get(name, []) == before.records.get(name, []), (
            f"{what}: {name}'s records changed, but what they were read from does not meet the edit"
        )
    return compared, recomputed


# every fixture in CI (about a minute: each module edited four ways, the project resolved again each time)
EVERY_FIXTURE = [
    pytest.param(p.name, marks=() if p.name in ("shop", "dispatch", "handler_maps", "inhouse", "django_settings") else pytest.mark.slow, id=p.name)
    for p in sorted(FIXTURES.iterdir())
    if p.is_dir()
]


@pytest.mark.parametrize("fixture", EVERY_FIXTURE)
def test_an_edit_changes_only_the_facts_of_modules_that_read_it(fixture: str) -> None:
    compared, recomputed = _check_edits(FIXTURES / fixture)
    assert compared > 0 or not any((FIXTURES / fixture).rglob("*.py"))


@pytest.mark.parametrize("fixture", EVERY_FIXTURE)
def test_tracking_what_is_read_changes_no_fact(fixture: str) -> None:
    modules, patterns, where = _modules(FIXTURES / fixture)
    assert _Run(modules, patterns, where, track=True).records == _Run(modules, patterns, where, track=False).records


@pytest.mark.slow
def test_an_edit_of_a_generated_monorepo_changes_only_the_facts_that_read_it(tmp_path: Path) -> None:
    # the benchmark's generator at its smallest (86 files): a sample of modules, each edited four ways
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    generate(tmp_path / "mono", 1500, seed=11)
    compared, recomputed = _check_edits(tmp_path / "mono", sample=12)
    assert compared > recomputed > 0


def test_a_value_read_across_modules_and_through_a_cache_is_recorded(tmp_path: Path) -> None:
    # the channel comes from another module through a constant, a class attribute and an enumeration; the
    # third module reads none of it. Editing `names` must change `app.pub`'s sites, and their record says so.
    root = write_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/names.py": 'import enum\nclass Topic(str, enum.Enum):\n    ORDERS = "orders"\nBASE = "orders"\n',
            "app/pub.py": (
                "from kafka import KafkaProducer\nfrom app.names import BASE, Topic\n"
                "producer = KafkaProducer()\n"
                "def a():\n    producer.send(BASE, b'x')\n"
                "def b():\n    producer.send(Topic.ORDERS.value, b'x')\n"
            ),
            "app/other.py": "from kafka import KafkaProducer\nKafkaProducer().send('audit', b'x')\n",
        },
    )
    modules, patterns, where = _modules(root)
    run = _Run(modules, patterns, where)
    bit = {m.name: m.bit for m in run.project._by_path.values()}
    assert run.reads["app.pub"] & bit["app.names"]
    assert not run.reads["app.other"] & bit["app.names"]
    assert not run.reads["app.other"] & VOLATILE
    compared, recomputed = _check_edits(root)
    assert compared >= 3 and recomputed >= 3


@pytest.mark.parametrize("fixture", ["shop", "dispatch", "handler_maps", "inhouse", "django_settings"])
def test_what_a_module_read_reads_back_in_another_run_whatever_the_order_of_its_modules(fixture: str) -> None:
    # step 1 of wiring the record into runs: a cache entry holds each module's read set as paths and key buckets
    # (`Project.read_names`); the next run, whose modules are numbered in another order, reads it back as its own bits
    modules, patterns, where = _modules(FIXTURES / fixture)
    forward = _Run(modules, patterns, where)
    backward = _Run(list(reversed(modules)), patterns, where)
    assert forward.reads.keys() == backward.reads.keys() and forward.reads
    moved = 0
    for name, bits in forward.reads.items():
        names = forward.project.read_names(bits)
        assert backward.project.read_bits(*names) == backward.reads[name], f"{fixture}: {name}'s reads read back differently"
        assert backward.project.read_names(backward.reads[name]) == names
        moved += backward.reads[name] != bits
    assert moved, "the two runs number the modules alike: the check would pass without the translation"
    # a module whose file is gone reads back as VOLATILE: whatever read it is resolved again
    gone = modules[0][0].path
    rest = _Run(modules[1:], patterns, where)
    assert rest.project.read_bits(False, (gone,), ()) == VOLATILE


def test_a_default_read_through_an_in_house_getenv_wrapper_records_the_wrappers_module(tmp_path: Path) -> None:
    # `ev("RELAY_TASK_NAME", "...")` and a default-returning wrapper in another module: the channel depends on
    # how `app.env` reads the environment, so editing it must re-resolve `app.send`
    root = write_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/env.py": (
                "import os\n"
                "def ev(k, v):\n    return os.getenv(k, v).strip()\n"
                "def get_env(name, default=None):\n    value = os.environ.get(name)\n"
                "    if value is None:\n        return default\n    return value\n"
            ),
            "app/send.py": (
                "from celery import Celery\nfrom app.env import ev, get_env\n"
                "app = Celery('relay')\n"
                "def a():\n    app.send_task(ev('RELAY_TASK_NAME', 'shop.tasks.a'))\n"
                "def b():\n    app.send_task(get_env('OTHER_TASK', 'shop.tasks.b'))\n"
            ),
            "app/other.py": "from kafka import KafkaProducer\nKafkaProducer().send('audit', b'x')\n",
        },
    )
    modules, patterns, where = _modules(root)
    run = _Run(modules, patterns, where)
    bit = {m.name: m.bit for m in run.project._by_path.values()}
    assert run.reads["app.send"] & bit["app.env"]
    assert not run.reads["app.other"] & bit["app.env"]
    compared, recomputed = _check_edits(root)
    assert compared >= 3
