"""From discovered files to project facts: parse each file once, resolve, match the patterns.

A run reads every file's bytes once. With a cache, the facts of a run whose
inputs are all unchanged are read back whole, and each file's IR is read back
when its content is unchanged. The prefilter (`prefilter.py`) leaves out files
that cannot matter; those are only vetted by CPython's parser, so a syntax error
is reported wherever it is. Files to parse are spread over a process pool when
there are enough of them. None of this changes a fact: the same inputs give the
same facts with and without the cache, the prefilter or the pool.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventlint import __version__
from eventlint.cache import CACHE_DIR, Cache, digest
from eventlint.config import Config
from eventlint.discover import Discovery, SourceFile
from eventlint.extract import codec, ir
from eventlint.extract.configfiles import signature
from eventlint.extract.guard import ParseFailure, python_parse
from eventlint.extract.limits import (
    Expired,
    Limits,
    OverBudget,
    deadline,
    limits_of,
    process_died,
    timed_out,
    too_large,
)
from eventlint.extract.patterns import PatternSet, load_patterns
from eventlint.extract.prefilter import Scan, ScanFile, relevant, root_package, scan, triggers
from eventlint.facts import (
    Binding,
    Diagnostic,
    FactsFormatError,
    MessagingImport,
    ProjectFacts,
    Skipped,
    Subscription,
    decode_facts,
    encode_facts,
)
from eventlint.resources import builtin_frameworks, rules_dir

if TYPE_CHECKING:
    from eventlint.extract.resolve import Project

__all__ = ["Options", "extract", "parse_file"]

Progress = Callable[[int, int], None]
# Below this many files to parse, starting worker processes costs more than it saves.
POOL_THRESHOLD = 48
_EXTRACT_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Options:
    """How to run an extraction; none of these changes the facts."""

    cache: bool = False
    cache_dir: Path | None = None  # default: <root>/.eventlint_cache
    prefilter: bool = True
    jobs: int | None = None  # None: every idle core (`_workers`), above POOL_THRESHOLD files to parse
    progress: Progress | None = None
    # receives (file name, YAML text) of a pack for each in-house bus recognised (`eventlint init`);
    # a run answered from the facts cache has none to give: pass cache=False with it
    bus_packs: list[tuple[str, str]] | None = None
    # absolute path -> content read instead of the file: an editor's unsaved buffers (the language server); never written
    overlay: Mapping[str, bytes] | None = None


# Build the IR from CPython's tree (`astir`), with libcst (`visitor`) for the files it refuses; False: libcst
# for every file. Both give the same IR (tests/extract/test_astir.py); libcst's parse costs ~8× CPython's.
IR_FROM_AST = True


def parse_file(source: bytes, path: str, module: str) -> ir.Module:
    """The IR of one module; raises ParseFailure for a file neither parser can read."""
    python = python_parse(source)
    if IR_FROM_AST and python[0] is not None:
        from eventlint.extract import astir

        try:
            return astir.build(python[0], astir.decoded(source), path, module)
        except astir.Unsupported:
            pass  # a shape only libcst's reading reproduces exactly: FALLBACKS says which
    from eventlint.extract.visitor import (
        parse_module,  # libcst is imported only when a file needs it
    )

    return parse_module(source, path, module, python)


def extract(discovery: Discovery, config: Config, options: Options | None = None) -> ProjectFacts:
    """Every publication, subscription and binding in the discovered files."""
    options = options or Options()
    cache = Cache(options.cache_dir or discovery.root / CACHE_DIR) if options.cache else None
    diagnostics: list[Diagnostic] = []
    skipped: list[Skipped] = list(discovery.skipped)
    sources: list[tuple[SourceFile, bytes]] = []
    templates: list[SourceFile] = []
    limits = limits_of(config.raw)
    oversized: list[tuple[SourceFile, OverBudget]] = []
    overlay = options.overlay or {}
    for source in discovery.files:
        if source.kind == "template":
            templates.append(source)  # templates.py reads it itself and reports what it cannot read
        try:
            unsaved = overlay.get(str(source.abspath))
            size = len(unsaved) if unsaved is not None else None
            large = too_large(size if size is not None else source.abspath.stat().st_size, limits) if source.kind == "python" else None
            if large is not None:  # not even read: the size alone decides
                oversized.append((source, large))
                continue
            data = unsaved if unsaved is not None else source.abspath.read_bytes()
        except OSError as exc:
            if source.kind == "python":
                skipped.append(Skipped(source.path, f"cannot read file: {exc.strerror or exc}"))
                continue
            data = b""
        sources.append((source, data))

    run_key = _run_key(discovery, config, sources, skipped, limits, oversized) if cache is not None else ""
    if cache is not None:
        cached = _cached_facts(cache, run_key, discovery.root)
        if cached is not None:
            return cached
    loaded: list[PatternSet] = []
    packs_key = _packs_key(config) if cache is not None else ""
    # a pack entry is written only after the packs loaded: these exact files passed the schema then
    validated = cache is not None and _stored_trigger(cache, packs_key) is not None

    def patterns() -> PatternSet:
        if not loaded:
            loaded.append(load_patterns(config, validated))
        return loaded[0]

    python = [(s, d) for s, d in sources if s.kind == "python"]
    if options.prefilter:
        keep = _prefilter(python, sources, patterns, cache, packs_key, root_package(discovery.root, {f.path for f in discovery.files}))
    else:
        keep = {s.path for s, _ in python}
    with _no_cyclic_gc():
        outcomes = _parse_all(python, keep, cache, options, discovery.root.as_posix(), limits.file_timeout)

    facts_key = ""
    budgeted = any(isinstance(o, OverBudget) for o in outcomes)  # the machine's verdict: nothing is cached
    if budgeted:
        sys.audit("eventlint.uncacheable", "a file went over a budget")  # nor is the run's output (results.py)
    if cache is not None and not budgeted:
        # Facts are a function of each file's outcome (its IR, not its bytes): an edit that leaves every IR as
        # it was (a comment, a docstring-free blank line at the end) gives the facts of the run that had it.
        facts_key = _facts_key(discovery, config, sources, skipped, python, outcomes, limits, oversized)
        cached = _facts_entry(cache, facts_key, discovery.root)
        if cached is not None:
            cache.put("run", run_key, {"facts": facts_key})
            return cached
    # Decoded in place, each entry's text dropped as its module is built; the files' bytes are not needed past
    # this point: at a million lines, holding them and the texts through resolution was ~60 MB of the peak.
    for index, ((source, data), outcome) in enumerate(zip(python, outcomes)):
        outcomes[index] = _decoded(outcome, source, data)
    python_files = [s for s, _ in python]
    del python, sources

    modules: list[tuple[ir.Module, str, str]] = []
    failures = [*zip(python_files, outcomes), *oversized]
    for source, outcome in sorted(failures, key=lambda pair: pair[0].path):
        if isinstance(outcome, ParseFailure):
            diagnostics.append(
                Diagnostic(
                    code="EDA000",
                    message=f"{outcome.message} (the file was not analysed)",
                    path=source.path,
                    line=outcome.line,
                    column=outcome.column,
                    hint=getattr(outcome, "hint", "fix the file so Python can parse it; every other file was still checked"),
                )
            )
        elif outcome is not None:
            modules.append((outcome, source.import_name, source.sys_root))

    reads: dict[str, str] = {}  # the configuration files the resolver looked at, and their signatures
    with _no_cyclic_gc():
        facts = _facts(discovery, config, patterns(), modules, templates, diagnostics, skipped, options.bus_packs, reads)
    if cache is not None and not validated and not options.prefilter:  # (the prefilter wrote it otherwise)
        cache.put("scan", packs_key, {"trigger": triggers(patterns()).pattern.decode("latin-1")})
    if cache is not None and not budgeted:
        cache.put("reads", facts_key, reads)  # before the facts: an entry without its reads is never used
        cache.put_bytes("facts", facts_key, encode_facts(facts))
        cache.put("run", run_key, {"facts": facts_key})
    return facts


def _facts(
    discovery: Discovery,
    config: Config,
    patterns: PatternSet,
    modules: list[tuple[ir.Module, str, str]],
    templates: list[SourceFile],
    diagnostics: list[Diagnostic],
    skipped: list[Skipped],
    bus_packs: list[tuple[str, str]] | None = None,
    reads: dict[str, str] | None = None,
) -> ProjectFacts:
    # imported here: a run answered from the cache never needs the resolver
    from eventlint.extract.handlers import HandlerAnalysis
    from eventlint.extract.resolve import Project
    from eventlint.extract.sites import SiteFinder

    project = Project(modules, patterns, discovery.root, root_package(discovery.root, {f.path for f in discovery.files}))
    project.protos = discovery.protos
    buses = _inhouse(project, bus_packs)
    services = {f.path: f.service for f in discovery.files}
    finder = SiteFinder(project, services, config.payload_event_keys)
    direct = finder.direct()
    publishers, subscribers, bindings = finder.records(direct + finder.through_wrappers(direct))
    if buses:
        publishers.extend(finder.collected_events())
    subscribers, bindings = _declared_dead_letters(subscribers, bindings)

    if templates:
        from eventlint.extract.templates import template_facts

        declared = template_facts(discovery, templates, project)
        # a topic ARN or queue URL read from an environment variable the template sets for this code
        publishers = [declared.resolve(p) for p in publishers]  # type: ignore[misc]
        subscribers = [declared.resolve(s) for s in subscribers]  # type: ignore[misc]
        subscribers.extend(declared.subscriptions)
        bindings = [*bindings, *declared.bindings]
        diagnostics.extend(declared.problems)

    handlers = HandlerAnalysis(project, finder.ev, services, finder.inference).handlers(subscribers, publishers, finder.loop_messages, finder.loop_seeds)
    if reads is not None:
        reads.update(project.configs.reads)

    return ProjectFacts(
        imports=_messaging_imports(project, modules, services),
        root=discovery.root.as_posix(),
        services=discovery.services,
        publishers=tuple(publishers),
        subscribers=tuple(subscribers),
        bindings=tuple(bindings),
        handlers=tuple(handlers),
        diagnostics=tuple(diagnostics),
        skipped=tuple(skipped),
        files=len(discovery.files),
    ).sorted()


def _messaging_imports(
    project: Project, modules: list[tuple[ir.Module, str, str]], services: dict[str, str | None]
) -> tuple[MessagingImport, ...]:
    """Each file's imports of a messaging library the packs name (`modules:`), whichever were recognised: the report
    says which libraries a run saw when it recognised little (report/coverage.py). A project module of that name is not one."""
    owners: dict[str, list[str]] = {}
    for framework in project.patterns.frameworks.values():
        for name in framework.modules:
            owners.setdefault(name, []).append(framework.name)
    by_root: dict[str, list[str]] = {}  # an import's first name -> the libraries it could be (one lookup per import)
    for name in owners:
        by_root.setdefault(name.split(".", 1)[0], []).append(name)
    found: list[MessagingImport] = []
    for module, _, _ in modules:
        importer = project.mods.get(module.name)
        seen: dict[str, bool] = {}  # library -> only its errors and types are imported
        for imp in module.imports:
            if imp.relative:
                continue
            for name in by_root.get(imp.target.split(".", 1)[0], ()):
                if (imp.target == name or imp.target.startswith(name + ".")) and project.find_module(name, importer) is None:
                    seen[name] = seen.get(name, True) and _support_only(imp.target[len(name) :])
        service = services.get(module.path)
        found.extend(MessagingImport(module.path, name, tuple(sorted(owners[name])), seen[name], service) for name in sorted(seen))
    return tuple(found)


# what a library's import brings when it brings no client: its errors, exceptions and types
_SUPPORT_MODULES = frozenset({"errors", "error", "exceptions", "abc", "types", "typing"})
_SUPPORT_SUFFIXES = ("Error", "Exception", "Warning")


def _support_only(rest: str) -> bool:
    """Whether the part of an import after the library's name (`.errors.KafkaError`) names only errors or types."""
    parts = [p for p in rest.split(".") if p]
    return bool(parts) and (any(p in _SUPPORT_MODULES for p in parts) or parts[-1].endswith(_SUPPORT_SUFFIXES))


def _inhouse(project: Project, bus_packs: list[tuple[str, str]] | None) -> list[Any]:
    """In-house buses recognised from their shape (`inhouse.py`): the pack of those no pack describes joins the patterns."""
    from eventlint.extract.inhouse import FRAMEWORK, pack, pack_file, recognise
    from eventlint.extract.patterns import extended
    from eventlint.extract.resolve import Evaluator

    buses = recognise(project, Evaluator(project))
    new = [bus for bus in buses if not bus.described]
    if new:
        # a team's own pack may be called `inhouse` too: the recognised buses then go by another name
        name = FRAMEWORK if FRAMEWORK not in project.patterns.frameworks else f"{FRAMEWORK}-recognised"
        project.patterns = extended(project.patterns, pack(new, name), "(in-house bus recognised by eventlint)")
        if bus_packs is not None:
            bus_packs.extend(pack_file(bus) for bus in new)
    return buses


# -- prefilter ---------------------------------------------------------------------------------------


def _prefilter(
    python: list[tuple[SourceFile, bytes]],
    sources: list[tuple[SourceFile, bytes]],
    patterns: Callable[[], PatternSet],
    cache: Cache | None,
    packs_key: str = "",
    package: str | None = None,
) -> set[str]:
    """The paths the prefilter keeps. With a cache, the trigger and each file's scan come from the previous run
    where their inputs are unchanged, so an edit costs neither loading (and validating) the packs nor a
    rescan of every file; the packs are loaded only if the facts have to be computed after all."""
    texts = [d.decode("utf-8", "replace") for s, d in sources if s.kind == "template"]
    files = [ScanFile(s.path, s.module, s.import_name, d) for s, d in python]
    if cache is None:
        return relevant(files, patterns(), texts, package=package)
    trigger = _stored_trigger(cache, packs_key)
    if trigger is None:
        trigger = triggers(patterns())
        cache.put("scan", packs_key, {"trigger": trigger.pattern.decode("latin-1")})
    scans_key = digest("scans", _code_fingerprint(), trigger.pattern)
    stored = cache.get("scan", scans_key)
    previous: dict[str, Any] = stored if isinstance(stored, dict) else {}
    keys = [digest(f.path, f.module, f.data) for f in files]
    scans: list[Scan | None] = [_stored_scan(previous.get(key)) for key in keys]
    current: dict[str, Any] = {}
    for index, (key, f) in enumerate(zip(keys, files)):
        found = scans[index]
        if found is None:
            found = scans[index] = scan(f, trigger)
        current[key] = [found[0], found[1]]
    if current.keys() != previous.keys():
        cache.put("scan", scans_key, current)  # this run's files only: the entry never grows past the tree
    return relevant(files, trigger, texts, scans, package)


def _stored_trigger(cache: Cache, packs_key: str) -> re.Pattern[bytes] | None:
    stored = cache.get("scan", packs_key)
    if isinstance(stored, dict) and isinstance(stored.get("trigger"), str):
        try:
            return re.compile(stored["trigger"].encode("latin-1"))
        except (re.error, UnicodeEncodeError):
            return None
    return None


def _stored_scan(value: Any) -> Scan | None:
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], list) and isinstance(value[1], bool):
        if all(isinstance(name, str) for name in value[0]):
            return value[0], value[1]
    return None


def _packs_key(config: Config) -> str:
    """The code and every input of `load_patterns`: the pack files' bytes and the frameworks disabled."""
    parts: list[bytes | str] = [_code_fingerprint()]
    for pack in [*builtin_frameworks(), *config.frameworks]:
        try:
            parts += [str(pack), Path(pack).read_bytes()]
        except OSError:
            parts += [str(pack), "unreadable"]
    parts.append(json.dumps(sorted(config.disable_frameworks)))
    return digest("packs", *parts)


# -- parsing: cache, pool ------------------------------------------------------------------------------


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: parsing and resolving allocate millions of objects that stay alive
    (or are freed by reference counting: syntax trees hold no cycles), and its repeated scans of them cost
    a third of a parse. Memory is unaffected; the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

@dataclass(frozen=True)
class _Encoded:
    """A module's IR as its cache entry holds it, decoded only when the facts have to be computed."""

    text: str
    digest: str


@dataclass(frozen=True)
class _Fresh:
    """A module parsed by this run, with the digest of its encoded IR (with a cache only)."""

    module: ir.Module
    digest: str


Outcome = ir.Module | _Encoded | _Fresh | ParseFailure | None  # None: vetted by CPython, not needed


@dataclass(frozen=True)
class _Job:
    path: str
    module: str
    data: bytes
    parse: bool  # False: the prefilter left it out; only CPython's verdict is wanted
    key: str
    cache_dir: str | None
    timeout: float = 0.0  # limits.file-timeout; 0: none


def _parse_all(
    python: list[tuple[SourceFile, bytes]], keep: set[str], cache: Cache | None, options: Options, root: str = "", timeout: float = 0.0
) -> list[Outcome]:
    """The outcome of every Python file, in order: from the cache where possible, parsed otherwise.

    The files that only needed CPython's verdict, and got a clean one, are remembered together in one
    entry (their keys), not one entry each: creating a file per vetted file was a third of a cold run.
    """
    salt = _parser_fingerprint() if cache is not None else ""
    index_key = digest(salt, "vetted", root)
    vetted = _vetted_index(cache, index_key)
    outcomes: list[Outcome] = [None] * len(python)
    keys: list[str] = []
    todo: list[tuple[int, _Job]] = []
    for index, (source, data) in enumerate(python):
        parse = source.path in keep
        # the entry's key, with a cache only: hashing every file's bytes was ~1 % of a run with --no-cache
        key = digest(salt, "ir" if parse else "vet", source.path, source.module, data) if cache is not None else ""
        keys.append(key)
        if cache is not None:
            if not parse and key in vetted:
                continue
            hit = _cached_outcome(cache, key, parse)
            if hit is not _MISS:
                outcomes[index] = hit
                continue
        todo.append((index, _Job(source.path, source.module, data, parse, key, str(cache.directory) if cache else None, timeout)))

    parsed = sum(1 for _, job in todo if job.parse)
    jobs = _workers(options.jobs) if parsed >= POOL_THRESHOLD else 1
    results: Iterator[Outcome]
    if jobs > 1:
        results = _pooled([job for _, job in todo], jobs)
    else:
        results = (_run_job(job, cache) for _, job in todo)
    for done, ((index, _), outcome) in enumerate(zip(todo, results), start=1):
        outcomes[index] = outcome
        if options.progress is not None:
            options.progress(done, len(todo))
    if cache is not None:
        clean = sorted(keys[i] for i, (source, _) in enumerate(python) if source.path not in keep and outcomes[i] is None)
        if set(clean) != vetted:
            cache.put("vet", index_key, clean)
    return outcomes


def _workers(requested: int | None) -> int:
    """How many processes parse. `--jobs N` is taken as asked. By default, one per core this process may run
    on (its affinity mask, not the machine's count) that other processes are not already using: a pool on
    busy cores only adds the cost of starting workers and sending every module's IR back (measured: +10 %
    CPU, no gain in wall time, on 2 cores at a load average of 2-6), so a busy machine parses in this
    process (what `make -l` does with the load average)."""
    if requested is not None:
        return requested
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on Unix
        busy = 0.0
    return max(1, min(cores, round(cores - busy)))


def _vetted_index(cache: Cache | None, key: str) -> set[str]:
    if cache is None:
        return set()
    stored = cache.get("vet", key)
    return {k for k in stored if isinstance(k, str)} if isinstance(stored, list) else set()


def _pooled(jobs: list[_Job], workers: int) -> Iterator[Outcome]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from eventlint.extract import visitor  # noqa: F401  imported once here, inherited by every forked worker

    # fork shares the already-imported interpreter state with the workers; elsewhere the platform default
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    chunk = max(1, min(32, len(jobs) // (workers * 8)))
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=gc.disable) as pool:
            for outcome in pool.map(_run_job, jobs, chunksize=chunk):
                done += 1
                yield outcome
    except BrokenProcessPool:
        # A worker died (the kernel's OOM killer, a crash in native code) and took its chunk with it.
        # The rest is redone one process per file, so the file that kills its process is the one reported.
        for job in jobs[done:]:
            yield _isolated(job, context)


def _isolated(job: _Job, context: Any) -> Outcome:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=gc.disable) as pool:
        try:
            return pool.submit(_run_job, job).result()
        except BrokenProcessPool:
            return process_died()


def _run_job(job: _Job, shared: Cache | None = None) -> Outcome:
    """Parse (or only vet) one file; store the outcome in the cache when there is one.

    `shared`: this process's cache of the run (the serial path), whose directories it already made; a pool's
    worker opens `job.cache_dir` itself (a `Cache` per file made two `mkdir` calls and a `stat` per file)."""
    outcome: Outcome
    try:
        with deadline(job.timeout):
            outcome = _analyse(job)
    except ParseFailure as exc:
        outcome = exc
    except Expired:  # the timer fired as the file finished, before it was cleared
        outcome = timed_out(job.timeout)
    if isinstance(outcome, OverBudget):
        return outcome  # the machine's verdict, not the file's: never cached
    if job.cache_dir is not None:
        cache = shared if shared is not None else Cache(Path(job.cache_dir))
        if isinstance(outcome, ParseFailure):
            cache.put("ir", job.key, {"failure": [outcome.message, outcome.line, outcome.column]})
        elif outcome is not None:  # (a clean verdict is recorded in the run's index of vetted files instead)
            text = codec.encode(outcome)
            cache.put_text("ir", job.key, text)
            return _Fresh(outcome, digest(text))
    return outcome


def _analyse(job: _Job) -> Outcome:
    if job.parse:
        return parse_file(job.data, job.path, job.module)
    tree, error = python_parse(job.data)
    # a file CPython refuses gets the full treatment, so its diagnostic is the one a full run gives
    outcome = parse_file(job.data, job.path, job.module) if error is not None else None
    del tree
    return outcome


_MISS = object()


def _cached_outcome(cache: Cache, key: str, parse: bool) -> object:
    text = cache.get_text("ir", key)
    if text is None:
        return _MISS
    try:
        if text.startswith("{"):
            data = json.loads(text)
            if "failure" in data:
                message, line, column = data["failure"]
                return ParseFailure(str(message), int(line), int(column))
            return None if data.get("vetted") is True and not parse else _MISS
        if not parse:
            return _MISS
        if not text.startswith("[") or not text.endswith("]"):
            return _MISS  # not an encoded module (decode would refuse it): rebuilt by this run
        return _Encoded(text, digest(text))
    except (ValueError, TypeError, KeyError, AttributeError):
        return _MISS  # a corrupt entry: rebuilt by this run


def _decoded(outcome: Outcome, source: SourceFile, data: bytes) -> Outcome:
    """The outcome with its module decoded, for the resolver; an entry that does not decode is parsed again."""
    if isinstance(outcome, _Fresh):
        return outcome.module
    if isinstance(outcome, _Encoded):
        try:
            return codec.decode(outcome.text)
        except ValueError:
            try:
                return parse_file(data, source.path, source.module)
            except ParseFailure as exc:
                return exc
    return outcome


def _parser_fingerprint() -> str:
    """The version and the code that turns bytes into IR: a change to either invalidates every entry."""
    parts = [__version__, codec.fingerprint()]
    for name in ("visitor.py", "astir.py", "builders.py", "guard.py", "positions.py", "ir.py", "codec.py"):
        try:
            parts.append(digest((_EXTRACT_DIR / name).read_bytes()))
        except OSError:
            parts.append(name)
    return digest(*parts)


def _code_fingerprint() -> str:
    """Every source file of the extraction (a development checkout changes without a version bump)."""
    parts = [__version__]
    extra = [_EXTRACT_DIR.parent / "facts.py", _EXTRACT_DIR.parent / "discover.py", _EXTRACT_DIR.parent / "units.py"]
    extra.append(rules_dir() / "knowledge" / "serializers.yaml")  # extract/serializers.py reads it
    for path in sorted(_EXTRACT_DIR.glob("*.py")) + extra:
        try:
            parts += [path.name, digest(path.read_bytes())]
        except OSError:
            parts.append(path.name)
    return digest(*parts)


def _run_key(
    discovery: Discovery,
    config: Config,
    sources: list[tuple[SourceFile, bytes]],
    skipped: list[Skipped],
    limits: Limits = Limits(),
    oversized: Sequence[tuple[SourceFile, OverBudget]] = (),
) -> str:
    """Everything the facts depend on: code, packs, the relevant settings, every file and how it was discovered."""
    parts: list[bytes | str] = [_code_fingerprint(), discovery.root.as_posix()]
    # the pack files themselves (not the loaded patterns: a warm run should not parse 18 YAML files)
    for pack in [*builtin_frameworks(), *config.frameworks]:
        try:
            parts += [str(pack), Path(pack).read_bytes()]
        except OSError:
            parts += [str(pack), "unreadable"]
    parts.append(json.dumps(sorted(config.disable_frameworks)))
    parts.append(json.dumps(list(config.payload_event_keys)))
    parts.append(json.dumps([[s.name, list(s.paths), s.signal, list(s.variant)] for s in discovery.services]))
    parts.append(json.dumps(sorted([s.path, s.reason] for s in skipped)))
    for source, data in sources:
        parts += [source.path, source.kind, source.service or "", source.module, source.import_name, source.sys_root, digest(data)]
    parts.append(str(len(discovery.files)))
    parts.append(json.dumps(list(discovery.protos)))  # which `.proto` a generated `x_pb2` class maps to (extract/protos.py)
    parts.append(json.dumps([limits.max_file_bytes, [[s.path, o.message] for s, o in oversized]]))
    return digest(*parts)


def _facts_key(
    discovery: Discovery,
    config: Config,
    sources: list[tuple[SourceFile, bytes]],
    skipped: list[Skipped],
    python: list[tuple[SourceFile, bytes]],
    outcomes: list[Outcome],
    limits: Limits = Limits(),
    oversized: Sequence[tuple[SourceFile, OverBudget]] = (),
) -> str:
    """Everything the facts are computed from once the files are parsed: the run key's parts, with each Python
    file's bytes replaced by its outcome (the digest of its encoded IR, a parse failure, or a clean verdict)."""
    signature: dict[str, str] = {}
    for (source, _), outcome in zip(python, outcomes):
        if isinstance(outcome, (_Encoded, _Fresh)):
            signature[source.path] = "ir:" + outcome.digest
        elif isinstance(outcome, ParseFailure):
            signature[source.path] = json.dumps(["failure", outcome.message, outcome.line, outcome.column])
        elif outcome is None:
            signature[source.path] = "vetted"
        else:  # pragma: no cover - with a cache every parsed module carries its digest
            signature[source.path] = "ir:" + digest(codec.encode(outcome))
    contents = [(source, signature[source.path].encode() if source.kind == "python" else data) for source, data in sources]
    return digest("facts", _run_key(discovery, config, contents, skipped, limits, oversized))


def _facts_entry(cache: Cache, key: str, root: Path) -> ProjectFacts | None:
    """The stored facts under `key`, if every configuration file they were computed from is as it was then
    (the resolver reads those lazily, so they are not in the key: `extract/configfiles.py`)."""
    reads = cache.get("reads", key)
    if not isinstance(reads, dict) or any(
        not isinstance(sig, str) or signature(root, str(rel)) != sig for rel, sig in sorted(reads.items())
    ):
        return None
    data = cache.get_bytes("facts", key)
    if data is None:
        return None
    try:
        return decode_facts(data)
    except (FactsFormatError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _cached_facts(cache: Cache, key: str, root: Path) -> ProjectFacts | None:
    """The facts of a run with exactly these inputs: the run entry names its facts entry."""
    pointer = cache.get("run", key)
    if not isinstance(pointer, dict) or not isinstance(pointer.get("facts"), str):
        return None
    return _facts_entry(cache, pointer["facts"], root)


def _declared_dead_letters(
    subscribers: list[Subscription], bindings: list[Binding]
) -> tuple[list[Subscription], list[Binding]]:
    """A queue declared somewhere with a dead-letter exchange has it wherever it is bound or consumed."""
    declared: dict[str, str] = {}
    for binding in sorted(bindings, key=lambda b: (b.path, b.line, b.column)):
        if binding.queue and binding.dead_letter:
            declared.setdefault(binding.queue, binding.dead_letter)
    subscribers = [
        dataclasses.replace(s, dead_letter=declared[s.channel]) if s.dead_letter is None and s.channel in declared else s
        for s in subscribers
    ]
    bindings = [
        dataclasses.replace(b, dead_letter=declared[b.queue]) if b.dead_letter is None and b.queue in declared else b
        for b in bindings
    ]
    return subscribers, bindings
