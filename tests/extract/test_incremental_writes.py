"""What each module's resolution wrote to the summaries is recorded completely (`Reads.wrote`, #18 item 3).

A module's read set says which modules read a summary (`#loop:`, `#roles:`, `#runs_in:`, ...), not whether an
edit changed it. The other half is recorded here: per module, the summary entries its own resolution wrote
(and what computing a memoised entry read, `Reads.write_reads`). A partial run can then work out what to
resolve again from stored runs alone: the edited module and every module whose reads (or write reads) meet
the edit; then, while the writes of those modules differ from their stored ones, the readers of each changed
entry (`resolve_again`). This checks, for every fixture, every module and every kind of edit (strings changed,
emptied, filled in again, removed, added), against two full resolutions, that this fixpoint is enough:

- every summary entry that differs between the runs (each summary compared whole) is among the changed
  writes the fixpoint found;
- the modules left out wrote exactly what they wrote before, and have exactly the records and direct sites
  they had: the stored ones stand.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from eventlint.extract import ir
from eventlint.extract.resolve import resolve_again
from tests.extract.test_incremental_reads import EVERY_FIXTURE, _emptied, _file_keys, _modules, _Run, _strings_changed, _summary_changes
from tests.helpers import FIXTURES, write_project


def _check(before: _Run, after: _Run, old: ir.Module | None, new: ir.Module | None, import_names: set[str], what: str) -> tuple[int, int]:
    """(modules left out, modules resolved again) for one edit of `old` into `new` (None: the file is absent)."""
    module = old or new
    assert module is not None
    project = before.project
    # stored by the run before, read back in the run after's numbering (a path it does not hold: VOLATILE)
    reads = {name: project.read_names(bits) for name, bits in before.reads.items()}
    write_reads = {name: project.read_names(bits) for name, bits in before.write_reads.items()}

    def resolve(names: set[str]) -> dict[str, set[str]]:
        # a partial run knows what the modules it resolved again write now, and what they wrote before
        old_writes, new_writes = before.writes, after.writes
        return {
            n: {k for k in set(old_writes.get(n, {})) | set(new_writes.get(n, {})) if old_writes.get(n, {}).get(k) != new_writes.get(n, {}).get(k)}
            for n in names
        }

    again, changed, reason = resolve_again(after.project, reads, write_reads, {module.path: module.name}, _file_keys(old, new, import_names), resolve)
    assert reason is None, f"{what}: {reason}"
    missing = _summary_changes(before, after, calls=False) - changed
    assert not missing, f"{what}: summary entries changed that no module resolved again wrote differently: {sorted(missing)}"
    modules = set(before.reads) | set(after.reads)
    for name in sorted(modules - again):
        assert after.writes.get(name, {}) == before.writes.get(name, {}), f"{what}: {name} is left out, but what it wrote changed"
        assert after.records.get(name, []) == before.records.get(name, []), f"{what}: {name} is left out, but its records changed"
        assert after.sites.get(name, []) == before.sites.get(name, []), f"{what}: {name} is left out, but its direct sites changed"
    return len(modules - again), len(modules & again)


def _check_edits(root: Path) -> tuple[int, int]:
    modules, patterns, where = _modules(root)
    before = _Run(modules, patterns, where)
    left = again = 0
    for index, (old, import_name, sys_root) in enumerate(modules):
        names = {n for n, entries in before.project._import_index.items() if any(e[1] == old.name for e in entries)}
        edits: list[tuple[str, ir.Module | None]] = [("strings changed", _strings_changed(old)), ("emptied", _emptied(old)), ("removed", None)]  # type: ignore[list-item]
        for label, new in edits:
            edited = [*modules[:index], *([(new, import_name, sys_root)] if new is not None else []), *modules[index + 1 :]]
            after = _Run(edited, patterns, where)
            if after.buses != before.buses:
                continue  # the in-house buses recognised changed: a whole-project resolution (`_inhouse`)
            done = [_check(before, after, old, new, names if new is None else set(), f"{old.path} {label}")]
            if label == "removed":  # and the other way: the file added to a project that did not have it
                done.append(_check(after, before, None, old, names, f"{old.path} added"))
            elif label == "emptied":  # and the other way: its functions, classes, handlers and imports written
                assert new is not None
                done.append(_check(after, before, new, old, set(), f"{old.path} filled in"))
            left += sum(d[0] for d in done)
            again += sum(d[1] for d in done)
    return left, again


@pytest.mark.parametrize("fixture", EVERY_FIXTURE)
def test_re_resolving_the_readers_of_changed_writes_reaches_every_changed_summary(fixture: str) -> None:
    left, again = _check_edits(FIXTURES / fixture)
    # a fixture of scripts that each call `main()` leaves nothing out: which services run a function
    # (`#runs_in:`) is charged whole to the module that asked, and it evaluates every call of that name
    assert left + again > 0 or not any((FIXTURES / fixture).rglob("*.py"))


def test_a_changed_loop_write_brings_in_its_readers(tmp_path: Path) -> None:
    # `worker` consumes in a loop and hands each message to `handle` (in another module): editing the loop's
    # module changes what `#loop:`/`#roles:` say, which `handlers` reads though it never reads `worker`'s IR
    root = write_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/handlers.py": "def handle(message):\n    print(message.value)\n",
            "app/worker.py": (
                "from kafka import KafkaConsumer\nfrom app.handlers import handle\n"
                "def run():\n    consumer = KafkaConsumer('orders')\n    for message in consumer:\n        handle(message)\n"
            ),
            "app/other.py": "from kafka import KafkaProducer\nKafkaProducer().send('audit', b'x')\n",
        },
    )
    left, again = _check_edits(root)
    assert left > 0 and again > 0
