"""The command line: parse options, call the API, print. Exit 0 clean, 1 findings, 2 usage or config error."""

from __future__ import annotations

import dataclasses
import difflib
import gc
import importlib
import os
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from eventlint import __version__, results
from eventlint.cache import replace_file


class _Lazy:
    """A module imported on first use: a warm `check` replays its stored result without importing the
    rules, networkx, libcst or jsonschema (eventlint/results.py)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


class _LazyChoice(click.Choice):
    """A `click.Choice` whose values are a module's constant, read when first needed."""

    def __init__(self, module: _Lazy, attr: str) -> None:  # noqa: D107 - click.Choice's own state, read lazily
        self._source = (module, attr)
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(getattr(*self._source))


api = _Lazy("eventlint.api")
diagram = _Lazy("eventlint.diagram")
fixes = _Lazy("eventlint.fixes")
suppress = _Lazy("eventlint.suppress")
workspace = _Lazy("eventlint.workspace")
config_schema = _Lazy("eventlint.report.config_schema")
formats = _Lazy("eventlint.report.formats")
positions = _Lazy("eventlint.report.positions")
rule_docs = _Lazy("eventlint.report.rule_docs")
schema = _Lazy("eventlint.report.schema")
text = _Lazy("eventlint.report.text")
schemas = _Lazy("eventlint.schemas")

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _no_collector(func: F) -> F:
    """Run a one-shot command with the cyclic garbage collector paused, and restore it after (an in-process caller,
    a test's CliRunner, gets it back). Importing the engine (~500 modules, ~190 dataclasses) and the run's parsing,
    resolving and rules allocate millions of objects that live until the end, and hold no cycles to reclaim: the
    collector's scans of them were ~0.15 s CPU of a cold check of 205k lines, and the peak memory is the same
    without them (104 MB both ways; the cyclic garbage of a whole run is ~2,300 objects, of the imports' class
    building). extract's own pause (`_no_cyclic_gc`) covers a library caller."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if was_enabled:
                # what is still alive (the modules, kept answers) is left out of the collector's later scans: the
                # first collection after the run, and the one at exit, would otherwise scan it all (~0.09 s)
                gc.freeze()
                gc.enable()

    return wrapper  # type: ignore[return-value]


def _config_errors(func: F) -> F:
    """Turn configuration mistakes into one clear line on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            if not isinstance(exc, (api.ConfigError, api.SchemaError)):
                raise
            click.echo(f"eventlint: error: {exc}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file (default: the nearest eventlint.yaml or pyproject.toml with [tool.eventlint]).",
)
paths_argument = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))


TRACE_SUFFIXES = (".json", ".jsonl", ".ndjson")
traces_option = click.option(
    "--traces",
    "traces",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A trace export (OTLP JSON or Jaeger JSON) to compare the code with (docs/runtime.md). Repeatable.",
)
no_cache_option = click.option("--no-cache", is_flag=True, help="Neither read nor write .eventlint_cache/ (results are the same, only slower).")
prefilter_option = click.option(
    "--no-prefilter",
    is_flag=True,
    help="Parse every file, even those that cannot matter (to check the prefilter: results are the same, only slower).",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that parse files on a cold run (default: every idle core, for runs large enough to gain).",
)


class _ProgressBar:
    """A progress bar on stderr for runs that take more than a second on a terminal; silent otherwise."""

    DELAY = 1.0
    WIDTH = 30

    def __init__(self) -> None:
        recording = results.active()
        self.stream = recording.original_stderr() if recording is not None else sys.stderr  # not part of a stored result
        self.enabled = self.stream.isatty()
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.start < self.DELAY:
            return
        filled = self.WIDTH * done // max(total, 1)
        click.echo(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} files", nl=False, file=self.stream)
        self.shown = True
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.shown:
            click.echo("\r" + " " * (self.WIDTH + 30) + "\r", nl=False, file=self.stream)
            self.shown = False


def _options(no_cache: bool, no_prefilter: bool, jobs: int | None, progress: _ProgressBar) -> api.Options:
    directory = os.environ.get("EVENTLINT_CACHE_DIR")
    return api.Options(
        cache=not no_cache, cache_dir=Path(directory) if directory else None, prefilter=not no_prefilter, jobs=jobs, progress=progress
    )


def _write(output: str, output_file: Path | None, color: bool | None = None) -> None:
    if output_file is None:
        click.echo(output, nl=False, color=color)
    else:
        data = output.replace("\n", os.linesep).encode("utf-8")  # the bytes `write_text` wrote
        try:
            replace_file(output_file, data)  # never seen half-written, even with another run writing it too
        except OSError as exc:
            raise api.ConfigError(output_file, "--output-file", f"cannot write: {exc.strerror or exc}") from exc
        results.wrote(output_file, data)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eventlint")
def main() -> None:
    """eventlint: a static architecture linter for event-driven Python codebases."""


@main.command()
@paths_argument
@config_option
@click.option(
    "--output-format",
    "--format",
    "output_format",
    type=click.Choice(["text", "concise", "json", "sarif", "github", "junit"]),
    default="text",
    show_default=True,
    help="Report format (`--output-format` is the same option, as in ruff).",
)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--select", "select", multiple=True, metavar="CODES", help="Only these rules (codes or prefixes, comma-separated).")
@click.option("--extend-select", multiple=True, metavar="CODES", help="These rules too.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Not these rules.")
@click.option("--statistics", is_flag=True, help="Also print the number of findings per rule.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Report only findings not recorded in this baseline.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path), help="Record today's findings in this file and exit 0.")
@click.option("--color/--no-color", default=None, help="Colour the text report (default: when writing to a terminal).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="warning",
    show_default=True,
    help="Exit 1 when a finding of this severity or a higher one remains (error: errors only; info: any finding).",
)
@click.option(
    "--show-info",
    is_flag=True,
    help="Text, concise and github reports: also show the info-level notes (as --fail-on info does). "
    "JSON, SARIF and JUnit reports always list every finding.",
)
@click.option("--verbose", "-v", is_flag=True, help="Also list the paths that were skipped, and why.")
@click.option(
    "--facts",
    "foreign_facts",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Merge another repository's facts (a file from `eventlint facts -o`, or a directory of them). Repeatable.",
)
@traces_option
@no_cache_option
@prefilter_option
@jobs_option
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: CODE` comments for every current finding (Python files) and exit 0.")
@click.option("--strict", is_flag=True, help="Exit 2 when a project has no Python file, no service, or no recognised publisher or subscriber.")
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply the safe fixes (`[*]` in the report), then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, apply the unsafe fixes too.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of applying them; exit 1 when there is one.")
@_no_collector
@_config_errors
@results.cached(
    paths_of=lambda kw: kw["paths"],
    # a run that writes files, or asked for no cache, is never replayed
    skip=lambda kw: kw["no_cache"] or kw["apply_fixes"] or kw["diff"] or kw["add_noqa"] or kw["write_baseline"] is not None,
)
def check(
    paths: tuple[Path, ...],
    config_file: Path | None,
    output_format: str,
    output_file: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    statistics: bool,
    baseline: Path | None,
    write_baseline: Path | None,
    color: bool | None,
    exit_zero: bool,
    fail_on: str,
    verbose: bool,
    foreign_facts: tuple[Path, ...],
    no_cache: bool,
    no_prefilter: bool,
    jobs: int | None,
    add_noqa: bool,
    strict: bool,
    apply_fixes: bool = False,
    unsafe_fixes: bool = False,
    diff: bool = False,
    traces: tuple[Path, ...] = (),
    show_info: bool = False,
) -> None:
    """Check the project that contains PATHS (default: the current directory).

    With no configuration at or above PATHS, every configuration below them is a
    project of its own, all checked in one report.
    """
    plan = workspace.plan(paths, config_file)
    progress = _ProgressBar()

    def run(plan: workspace.Plan) -> workspace.Checked:
        return workspace.check(
            plan,
            select=select or None,
            ignore=ignore,
            extend_select=extend_select,
            baseline=None if write_baseline else baseline,
            use_config_baseline=write_baseline is None,
            options=_options(no_cache, no_prefilter, jobs, progress),
            foreign_facts=foreign_facts,
            traces=traces,
        )

    try:
        checked = run(plan)
    finally:
        progress.close()
    cwd = Path.cwd().resolve()
    if diff:
        changed, count = _fix_round(checked, unsafe_fixes, write=False)
        click.echo("".join(fixes.unified_diff(os.path.relpath(path, cwd), before, after) for path, (before, after) in sorted(changed.items())), nl=False)
        click.echo(f"Would fix {_plural(count, 'problem')}.", err=True)
        sys.exit(EXIT_FINDINGS if changed else EXIT_CLEAN)
    if apply_fixes:
        fixed = 0
        for _ in range(MAX_FIX_ROUNDS):  # a fix that overlaps another waits for the next round, as in ruff
            changed, count = _fix_round(checked, unsafe_fixes, write=True)
            if not changed:
                break
            fixed += count
            plan = workspace.plan(paths, config_file)  # the catalog may have changed
            checked = run(plan)
        click.echo(f"Fixed {_plural(fixed, 'problem')}.", err=True)
    _discovery_notes(plan, checked, cwd, strict)
    for result in checked.results:
        _runtime_warnings(result.runtime)
    if add_noqa:
        edits = [e for r in checked.results for e in suppress.add_noqa(r.diagnostics, Path(r.config.root))]
        added = sum(e.added for e in edits)
        click.echo(f"Added {added} noqa directives to {sum(1 for e in edits if e.added)} files.", err=True)
        for edit in edits:
            for line in edit.unplaceable:
                click.echo(f"{edit.path}:{line}: cannot carry a comment (inside a multi-line string or a continued line); not suppressed", err=True)
        sys.exit(EXIT_CLEAN)
    if write_baseline is not None:
        if len(checked.results) > 1:
            roots = ", ".join(str(r.config.root) for r in checked.results)
            raise api.ConfigError(None, "--write-baseline", f"a baseline belongs to one project; run it in each of {roots}")
        _write(checked.results[0].baseline(), write_baseline)
        click.echo(f"Recorded {len(checked.results[0].diagnostics)} findings in {write_baseline}.", err=True)
        sys.exit(EXIT_CLEAN)
    rules = {r.code: r for result in checked.results for r in result.rules}
    names = {r.code: r.name for result in checked.results for r in api.rules(result.config)}
    use_color = False
    # machine formats: paths from the repository root (where CI and code scanning stand); text: from here
    for_people = output_format in ("text", "concise")
    base = cwd if for_people else workspace.report_base(Path(checked.results[0].config.root), cwd)
    diagnostics = checked.diagnostics(base, absolute_outside=for_people)
    if not for_people:
        diagnostics = positions.with_end_positions(diagnostics, base)
    every = diagnostics  # what the exit code and the machine formats (JSON, SARIF, JUnit) see
    not_shown = None
    if output_format in ("text", "concise", "github") and not show_info:
        # a report for people shows errors and warnings (also those below --fail-on error, as ruff
        # and ESLint show warnings that do not fail the run); info-level notes, the rules whose measured
        # precision is too low to lead a first run, are counted in one closing line unless asked for
        if fail_on != "info":
            hidden = tuple(d for d in diagnostics if d.severity == "info")
            if hidden:
                diagnostics = tuple(d for d in diagnostics if d.severity != "info")
                not_shown = text.not_shown_line(hidden)
    covered = checked.coverage()  # what the checks could judge: said in every report, never a finding
    if output_format == "json":
        single = checked.results[0] if len(checked.results) == 1 else None
        coupling = single.graph.summary().to_json() if single is not None else None
        runtime = single.runtime.to_json() if single is not None and single.runtime is not None else None
        # several projects are several graphs: each one's coupling, under its root
        projects = None if single is not None else sorted(
            ({"root": workspace.relative_to(Path(r.config.root).resolve(), ".", base, False), "coupling": r.graph.summary().to_json()} for r in checked.results),
            key=lambda p: p["root"],
        )
        rendered = formats.json_report(
            checked.facts(base), diagnostics, checked.baselined, coupling=coupling, runtime=runtime, projects=projects, coverage=covered
        )
    elif output_format == "sarif":
        prints = _fingerprints(checked, base)
        found = {i: prints[_identity(d)] for i, d in enumerate(diagnostics) if _identity(d) in prints}
        provenance = workspace.provenance(base) if workspace.repository_root(base) == base else None
        rendered = formats.sarif_report(diagnostics, list(rules.values()), found, workspace.base_uri(base), provenance, coverage=covered)
    elif output_format == "github":
        rendered = formats.github_report(diagnostics) + (f"{not_shown}\n" if not_shown else "")
    elif output_format == "junit":
        rendered = formats.junit_report(diagnostics, names)
    elif output_format == "concise":
        rendered = text.concise_report(checked.facts(base, True), diagnostics, baselined=checked.baselined, not_shown=not_shown, coverage=covered)
    else:
        use_color = color if color is not None else (output_file is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
        coupling_lines = checked.results[0].graph.summary().lines() if statistics and len(checked.results) == 1 else None
        rendered = text.check_report(
            checked.facts(base, True),
            diagnostics,
            verbose=verbose,
            color=use_color,
            statistics=statistics,
            names=names,
            baselined=checked.baselined,
            coupling=coupling_lines,
            projects=len(checked.results),
            not_shown=not_shown,
            coverage=covered,
        )
    _write(rendered, output_file, color=True if output_format == "text" and use_color else None)
    if statistics and output_format != "text":
        coupling_tail = checked.results[0].graph.summary().lines() if len(checked.results) == 1 else []
        click.echo("\n".join(text.statistics_table(diagnostics, names) + coupling_tail), err=True)
    if strict and checked.problems(cwd):
        sys.exit(EXIT_ERROR)
    failing = _FAIL_ON[fail_on]
    sys.exit(EXIT_CLEAN if exit_zero or not any(d.severity in failing for d in every) else EXIT_FINDINGS)


# `check --fail-on SEVERITY`: the severities that fail the run (the default, warning, is what
# `api.Result.exit_code` has always meant: errors and warnings fail, informational findings do not).
_FAIL_ON = {"error": ("error",), "warning": ("error", "warning"), "info": ("error", "warning", "info")}


MAX_FIX_ROUNDS = 10


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _fix_round(checked: workspace.Checked, unsafe: bool, write: bool) -> tuple[dict[str, tuple[str, str]], int]:
    """Apply (or with write=False, only compute) one round of non-overlapping fixes: {path: (before, after)}, and how many."""
    changed: dict[str, tuple[str, str]] = {}
    count = 0
    for result in checked.results:
        root = Path(result.config.root)
        chosen = fixes.select(result.diagnostics, unsafe)
        texts: dict[str, str] = {}
        for fix in chosen:
            for edit in fix.edits:
                target = root / edit.path
                if edit.path not in texts and target.is_file() and not target.is_symlink():
                    texts[edit.path] = target.read_text(encoding="utf-8")
        new, applied = fixes.plan(chosen, texts)
        count += applied
        for rel, after in sorted(new.items()):
            target = root / rel
            changed[str(target)] = (texts[rel], after)
            if write:
                target.write_text(after, encoding="utf-8")
    return changed, count


def _fingerprints(checked: workspace.Checked, base: Path) -> dict[Any, str]:
    """Each rebased finding's fingerprint, from its line as its own project names it (stable wherever the run stands)."""
    prints: dict[Any, str] = {}
    for result in checked.results:
        if result.sources is None:
            continue
        rebased = workspace.rebase(result.diagnostics, Path(result.config.root), base)
        for original, moved in zip(result.diagnostics, rebased):
            prints[_identity(moved)] = suppress.fingerprint(original, result.sources.line(original.path, original.line))
    return prints


def _identity(d: api.Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.path, d.line, d.column, d.code, d.message)


def _discovery_notes(plan: workspace.Plan, checked: workspace.Checked, cwd: Path, strict: bool) -> None:
    """Say how the projects were found, and warn (or with --strict, fail) when a run recognised nothing."""
    level = "error" if strict else "warning"
    if plan.inferred:
        click.echo(
            f"eventlint: note: no configuration at or above {plan.start} nor below it (looked for {', '.join(workspace.LOOKED_FOR)}); "
            "services were inferred from the repository (`eventlint facts --format text` shows from what); `eventlint init` writes a configuration",
            err=True,
        )
    elif plan.how == "below":
        roots = [workspace.relative_to(Path(c.root).resolve(), ".", cwd, True) for _, c in plan.projects]
        click.echo(f"eventlint: note: no configuration at or above {plan.start}; checking {len(roots)} project{'s' if len(roots) != 1 else ''} below it: {', '.join(roots)}", err=True)
    for problem in checked.problems(cwd):
        click.echo(f"eventlint: {level}: {problem}", err=True)


@main.command("server")
def server() -> None:
    """Run the language server (LSP over stdio) for editors; see docs/editors.md."""
    try:
        from eventlint import server as lsp  # pygls is an optional extra
    except ImportError:
        click.echo("eventlint: error: the language server needs pygls and lsprotocol: pip install 'eventlint[lsp]'", err=True)
        sys.exit(EXIT_ERROR)
    lsp.serve()


@main.command("runtime")
@click.argument("inputs", nargs=-1, type=click.Path(exists=True, path_type=Path), metavar="TRACES... [PATHS]...")
@config_option
@traces_option
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True, help="Report format.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--select", "select", multiple=True, metavar="CODES", help="Only these rules (default: the runtime family, EDA7).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@no_cache_option
@_config_errors
def runtime_command(
    inputs: tuple[Path, ...],
    config_file: Path | None,
    traces: tuple[Path, ...],
    output_format: str,
    output_file: Path | None,
    select: tuple[str, ...],
    exit_zero: bool,
    no_cache: bool,
) -> None:
    """Compare trace exports (OTLP JSON or Jaeger JSON: *.json, *.jsonl, *.ndjson) with the code under PATHS.

    Reports flows seen at runtime that the code lacks (EDA701), flows of the code never seen in the
    traces' window (EDA702) and consumers whose spans start a new trace (EDA703), with per-edge
    message counts, p50/p95 producer-to-consumer latency and errors.
    """
    files = tuple(p for p in inputs if p.is_file() and p.suffix.lower() in TRACE_SUFFIXES) + traces
    paths = tuple(p for p in inputs if not (p.is_file() and p.suffix.lower() in TRACE_SUFFIXES))
    if not files:
        raise click.UsageError("name at least one trace export (a .json, .jsonl or .ndjson file, or --traces FILE)")
    config = api.load_config(paths, config_file)
    result = api.lint(paths, config, select=select or ["EDA7"], options=_options(no_cache, False, None, _ProgressBar()), traces=files)
    chosen = [c.strip().upper() for value in (select or ("EDA7",)) for c in value.split(",") if c.strip()]
    # the configuration's extend-select adds rules to any selection; this command reports the chosen ones only
    result = dataclasses.replace(result, diagnostics=tuple(d for d in result.diagnostics if d.code.startswith(tuple(chosen))))
    comparison = result.runtime
    assert comparison is not None
    _runtime_warnings(comparison)
    if output_format == "json":
        rendered = formats.json_report(result.facts, result.diagnostics, result.baselined, runtime=comparison.to_json())
    elif output_format == "sarif":
        sources = result.sources
        prints = {i: suppress.fingerprint(d, sources.line(d.path, d.line)) for i, d in enumerate(result.diagnostics)} if sources else {}
        rendered = formats.sarif_report(result.diagnostics, result.rules, prints)
    else:
        names = {r.code: r.name for r in api.rules(config)}
        rendered = text.check_report(result.facts, result.diagnostics, names=names, baselined=result.baselined)
        rendered += "\n".join(comparison.edge_lines()) + "\n"
    _write(rendered, output_file)
    sys.exit(EXIT_CLEAN if exit_zero else result.exit_code)


def _runtime_warnings(comparison: Any) -> None:
    """What could not be read in the trace files, and the runtime services no configured service matches (stderr)."""
    if comparison is None:
        return
    for problem in comparison.problems:
        click.echo(f"eventlint: warning: {problem}", err=True)
    if comparison.unknown_services:
        click.echo(
            f"eventlint: warning: runtime services not in the repository: {', '.join(comparison.unknown_services)} "
            "(map a differing name under runtime.service-names)",
            err=True,
        )
    if comparison.without_destination:
        click.echo(f"eventlint: warning: {comparison.without_destination} messaging spans name no destination; not compared", err=True)


@main.command("rules")
@config_option
@click.option("--format", "--output-format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--write-docs", type=click.Path(file_okay=False, path_type=Path), help="Write one Markdown page per built-in rule and policy into this directory.")
@click.option(
    "--write-schema",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Write the configuration's JSON Schema for editors (every rule code and option) to this file ({config_schema.SCHEMA_FILE}).",
)
@_config_errors
def list_rules(config_file: Path | None, output_format: str, write_docs: Path | None, write_schema: Path | None) -> None:
    """List every rule: code, name, default status, origin, summary (plugins and the configuration's policies too)."""
    if write_schema is not None:
        builtin = list(api.builtin_rules())
        _write(config_schema.render(config_schema.editor_schema(schemas.load_schema("config"), builtin)), write_schema)
        click.echo(f"Wrote the configuration schema ({len(builtin)} rules) to {write_schema}.")
        return
    if write_docs is not None:
        builtin = list(api.builtin_rules())
        write_docs.mkdir(parents=True, exist_ok=True)
        for stale in write_docs.glob("EDA*.md"):
            stale.unlink()
        for rule in builtin:
            (write_docs / f"{rule.code}.md").write_text(rule_docs.rule_markdown(rule), encoding="utf-8")
        (write_docs / "README.md").write_text(rule_docs.rules_index(builtin), encoding="utf-8")
        click.echo(f"Wrote {len(builtin)} rule pages to {write_docs}.")
        return
    config = api.load_config((), config_file)
    ruleset = api.rule_set(config)
    for problem in ruleset.problems:
        click.echo(f"eventlint: warning: plugin {problem.origin} {problem.message}", err=True)
    rules = list(ruleset.rules)
    if output_format == "markdown":
        click.echo(rule_docs.rules_index(rules), nl=False)
        return
    if output_format == "json":
        click.echo(rule_docs.rules_json(rules, {r.code: _origin_label(ruleset, r.code) for r in rules}), nl=False)
        return
    width = max(len(r.name) for r in rules)
    origin_width = max(len(_origin_label(ruleset, r.code)) for r in rules)
    cells = {rule.code: rule_docs.precision_cell(rule.code) for rule in rules}  # measured on the field check
    cell_width = max(len(c) for c in cells.values())
    for rule in rules:
        status = rule.severity.value if rule.default_enabled else "off"
        click.echo(f"{rule.code:<7} {rule.name:<{width}}  {status:<7}  {cells[rule.code]:<{cell_width}}  {_origin_label(ruleset, rule.code):<{origin_width}}  {rule.summary()}")


def _origin_label(ruleset: api.RuleSet, code: str) -> str:
    origin = ruleset.origin(code)
    return origin.split(" (entry point")[0]


@main.command()
@paths_argument
@click.option("--force", is_flag=True, help="Replace an existing configuration (its settings other than services, contexts, events and baseline are kept).")
@_config_errors
def init(paths: tuple[Path, ...], force: bool) -> None:
    """Write eventlint.yaml for the project in PATH (default: here) from what the code does, with a baseline of today's findings."""
    outcome = api.init_project(paths, force=force)
    click.echo(
        f"Wrote {outcome.config_file}: {outcome.services} services (a context each), {outcome.events} events.\n"
        f"Wrote {outcome.baseline_file}: {outcome.findings} current findings accepted; `eventlint check` reports only new ones."
    )
    for pack in outcome.bus_packs:
        click.echo(f"Wrote {pack}: the in-house bus eventlint recognised; confirm or edit it (listed under frameworks:).")


@main.command()
@click.argument("code")
@_config_errors
def explain(code: str) -> None:
    """Show the documentation of rule CODE (e.g. EDA401)."""
    for rule in api.rules(api.load_config(())):
        if rule.code == code.upper() or rule.name == code:
            click.echo(rule_docs.rule_markdown(rule), nl=False)
            return
    click.echo(f"eventlint: error: no rule {code!r}; `eventlint rules` lists them", err=True)
    sys.exit(EXIT_ERROR)


@main.command()
@paths_argument
@config_option
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the facts here.")
@click.option("--repository", metavar="NAME", help="Name this repository in the facts, for `check --facts` elsewhere (default: its directory's name).")
@click.option(
    "--unresolved",
    is_flag=True,
    help="List only the sites whose event, channel or handler stayed unknown, with the reason (what to declare).",
)
@no_cache_option
@prefilter_option
@jobs_option
@_no_collector
@_config_errors
def facts(
    paths: tuple[Path, ...],
    config_file: Path | None,
    output_format: str,
    output_file: Path | None,
    repository: str | None,
    unresolved: bool,
    no_cache: bool,
    no_prefilter: bool,
    jobs: int | None,
) -> None:
    """Print every publisher and subscriber found under PATHS (the public facts format)."""
    config = api.load_config(paths, config_file)
    progress = _ProgressBar()
    try:
        found = api.facts(paths, config, _options(no_cache, no_prefilter, jobs, progress))
    finally:
        progress.close()
    if repository is not None:
        if not repository.strip() or api.FOREIGN in repository:
            raise api.ConfigError(None, "--repository", f"expected a non-empty name without '{api.FOREIGN}', got {repository!r}")
        found = dataclasses.replace(found, repository=repository)
    shown = found if output_format == "json" else workspace.rebase_facts(found, Path.cwd().resolve())  # text: from here, as `check`'s
    if unresolved:
        rendered = text.unresolved_json(found) if output_format == "json" else text.unresolved_text(shown)
    else:
        rendered = text.facts_json(found) if output_format == "json" else text.facts_text(shown)
    _write(rendered, output_file)


@main.group()
def cache() -> None:
    """Manage the cache of extracted facts (.eventlint_cache/ at the project root)."""


@cache.command("clean")
@paths_argument
@config_option
@_config_errors
def cache_clean(paths: tuple[Path, ...], config_file: Path | None) -> None:
    """Remove the cache of the project that contains PATHS (default: the current directory)."""
    config = api.load_config(paths, config_file)
    directory = os.environ.get("EVENTLINT_CACHE_DIR")
    removed = api.clean_cache(config, Path(directory) if directory else None)
    click.echo(f"Removed {removed}." if removed else "No cache to remove.", err=True)


@main.command("graph")
@paths_argument
@config_option
@click.option(
    "--format",
    "output_format",
    type=_LazyChoice(diagram, "FORMATS"),
    default=None,
    help="Output format (default: from --output-file's extension, else dot).",
)
@click.option(
    "--output-file",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the diagram here (required for png); .dot .gv .svg .png .mmd .json .html choose the format.",
)
@click.option("--level", type=_LazyChoice(diagram, "LEVELS"), default="event", show_default=True, help="Draw events, services only, or contexts.")
@click.option("--context", "contexts", multiple=True, metavar="NAME", help="Only this bounded context (and what it exchanges).")
@click.option("--event", "events", multiple=True, metavar="NAME", help="Only this event (name or channel), its publishers and consumers.")
@click.option("--service", "services", multiple=True, metavar="NAME", help="Only this service and its neighbours.")
@click.option("--depth", type=click.IntRange(min=0), help="Also services this many dependency steps away from the filtered ones.")
@traces_option
@_config_errors
def graph_command(
    paths: tuple[Path, ...],
    config_file: Path | None,
    output_format: str | None,
    output_file: Path | None,
    level: str,
    contexts: tuple[str, ...],
    events: tuple[str, ...],
    services: tuple[str, ...],
    depth: int | None,
    traces: tuple[Path, ...] = (),
) -> None:
    """Draw the event flow of the project that contains PATHS: services grouped by bounded context, events, findings."""
    output_format = _graph_format(output_format, output_file)
    if output_format == "png" and output_file is None:
        raise click.UsageError("--format png needs --output-file")
    config = api.load_config(paths, config_file)
    result = api.lint(paths, config, traces=traces)
    try:
        view = diagram.build_view(result.graph, result.diagnostics, level, contexts, events, services, depth)
    except ValueError as exc:
        click.echo(f"eventlint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    if result.runtime is not None:
        _runtime_warnings(result.runtime)
        view = diagram.overlay(view, result.runtime)
    title = Path(config.root).name or "eventlint"
    if output_format == "mermaid":
        _write(diagram.to_mermaid(view), output_file)
        return
    if output_format == "json":
        _write(diagram.to_json(view, result.graph), output_file)
        return
    dot = diagram.to_dot(view, title)
    if output_format == "dot":
        _write(dot, output_file)
        return
    try:
        image = diagram.render(dot, "png" if output_format == "png" else "svg")
    except diagram.GraphvizMissing as exc:
        target = output_file.with_suffix(".dot") if output_file is not None else None
        _write(exc.dot, target)
        where = f" the DOT text is in {target}" if target else " the DOT text was written to standard output"
        click.echo(f"eventlint: error: {exc};{where}", err=True)
        sys.exit(EXIT_ERROR)
    if output_format == "png":
        assert output_file is not None
        try:
            replace_file(output_file, image)
        except OSError as exc:
            raise api.ConfigError(output_file, "--output-file", f"cannot write: {exc.strerror or exc}") from exc
        return
    svg = image.decode("utf-8")
    if output_format == "html":
        rules = api.rules(config)
        names = {r.code: r.name for r in rules}
        explain = {r.code: rule_docs.rule_markdown(r) for r in rules}
        page = diagram.to_html(view, result.graph, svg, result.diagnostics, names, f"{title}: event flow", explain, str(Path(config.root).resolve()))
        _write(page, output_file)
        return
    _write(svg, output_file)


GRAPH_EXTENSIONS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".mmd": "mermaid", ".mermaid": "mermaid", ".json": "json", ".html": "html", ".htm": "html"}


def _graph_format(given: str | None, output_file: Path | None) -> str:
    """The diagram format: --format, else the output file's extension, else DOT; an extension that disagrees is an error."""
    if output_file is None:
        return given or "dot"
    suffix = output_file.suffix.lower()
    implied = GRAPH_EXTENSIONS.get(suffix)
    if given is None and implied is None:
        known = " ".join(sorted(GRAPH_EXTENSIONS))
        raise click.UsageError(f"cannot tell the format from {output_file.name!r}: use one of {known}, or give --format")
    if given is not None and implied is not None and implied != given:
        raise click.UsageError(f"--format {given} would write {given} into {output_file.name!r}, which names {implied}; drop --format or rename the file")
    return given or implied  # type: ignore[return-value]


@main.command()
@click.argument("event")
@paths_argument
@config_option
@click.option("--format", "output_format", type=click.Choice(["text", "json", "mermaid"]), default="text", show_default=True)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the trace here.")
@traces_option
@_config_errors
def trace(event: str, paths: tuple[Path, ...], config_file: Path | None, output_format: str, output_file: Path | None, traces: tuple[Path, ...] = ()) -> None:
    """Follow EVENT (name or channel) through its handlers to the events they publish, and on to the last one."""
    config = api.load_config(paths, config_file)
    result = api.lint(paths, config, traces=traces)
    _runtime_warnings(result.runtime)
    seen = diagram.runtime_steps(result.runtime) if result.runtime is not None else None
    found = result.graph.find_event(event)
    if found is None:
        carried = result.graph.candidates(event)
        if carried:
            on_channel = all(event in result.graph.event(e)["channels"] for e in carried)
            what = f"channel '{event}' carries" if on_channel else f"'{event}' names"
            click.echo(f"eventlint: error: {what} several events ({', '.join(carried)}); name one", err=True)
            sys.exit(EXIT_ERROR)
        close = difflib.get_close_matches(event, result.graph.events(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known events: {', '.join(result.graph.events()) or 'none'}"
        click.echo(f"eventlint: error: no event or channel named '{event}'{hint}", err=True)
        sys.exit(EXIT_ERROR)
    root = result.graph.trace(found)
    names = {r.code: r.name for r in api.rules()}
    if output_format == "json":
        rendered = diagram.trace_json(root, result.diagnostics, names, seen)
    elif output_format == "mermaid":
        rendered = diagram.trace_mermaid(root, result.diagnostics, seen)
    else:  # for a person: paths from where the run stands, as `check`'s text
        cwd = Path.cwd().resolve()
        shown = workspace.rebase(result.diagnostics, Path(result.config.root), cwd, absolute_outside=True)
        rendered = diagram.trace_text(workspace.rebase_trace(root, Path(result.config.root), cwd), shown, names, seen)
    _write(rendered, output_file)


@main.group("schema")
def schema_group() -> None:
    """Event schemas: compatibility of JSON Schema, Avro and Protobuf versions (Confluent's modes, buf's levels; see docs/compatibility.md), and the schema the code really sends."""


MODES = ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"]
schema_format = click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)


@schema_group.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice(MODES, case_sensitive=False), help="Compatibility mode (default: contracts.compatibility, else BACKWARD).")
@click.option("--open-content", "policy", type=click.Choice(["strict", "lenient"]), help="JSON Schema open content model policy (default: contracts.open-content, else strict).")
@click.option("--protobuf-level", "level", type=click.Choice(["WIRE_JSON", "WIRE"], case_sensitive=False), help="buf's breaking level for .proto files (default: contracts.protobuf-level, else WIRE_JSON).")
@config_option
@schema_format
@_config_errors
def schema_diff(old: Path, new: Path, mode: str | None, policy: str | None, level: str | None, config_file: Path | None, output_format: str) -> None:
    """Compare schema file OLD with NEW (.json/.yaml, .avsc or .proto): every change and whether it breaks the mode (exit 1 on a break)."""
    config = api.load_config([old], config_file)
    result = api.schema_diff(old, new, mode.upper() if mode else None, policy, config, protobuf_level=level.upper() if level else None)
    click.echo(schema.diff_json(result) if output_format == "json" else schema.diff_text(result), nl=False)
    sys.exit(result.exit_code)


@schema_group.command("check")
@paths_argument
@click.option("--against", "against", required=True, metavar="REF", help="The git ref to compare with (e.g. origin/main, HEAD~1, v1.4.0), or a folder of Schema Registry subjects (<subject>.avsc/.json/.proto).")
@config_option
@schema_format
@_config_errors
def schema_check(paths: tuple[Path, ...], against: str, config_file: Path | None, output_format: str) -> None:
    """Compare every schema the catalog names with the same file at git REF, or with its registry subject's schema in folder REF (exit 1 on a break)."""
    config = api.load_config(paths, config_file)
    result = api.schema_check(against, paths, config)
    click.echo(schema.check_json(result) if output_format == "json" else schema.check_text(result), nl=False)
    sys.exit(result.exit_code)


@schema_group.command("infer")
@paths_argument
@click.option("--event", help="Only the publications of this event.")
@config_option
@schema_format
@_config_errors
def schema_infer(paths: tuple[Path, ...], event: str | None, config_file: Path | None, output_format: str) -> None:
    """Print the schema each publication under PATHS really sends, inferred from its payload (unknown parts are `{}`)."""
    config = api.load_config(paths, config_file)
    inferred = api.schema_infer(paths, config, event=event)
    click.echo(schema.infer_json(inferred) if output_format == "json" else schema.infer_text(inferred), nl=False)


@main.group()
def catalog() -> None:
    """The event catalog: export it (AsyncAPI)."""


@catalog.command("export")
@paths_argument
@config_option
@click.option("--format", "output_format", type=click.Choice(["asyncapi"]), default="asyncapi", show_default=True, help="Document format.")
@click.option("--service", help="Only this service's document (default: every service, each operation naming its service).")
@click.option("--syntax", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True, help="Write YAML or JSON.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the document here.")
@_config_errors
def catalog_export(
    paths: tuple[Path, ...], config_file: Path | None, output_format: str, service: str | None, syntax: str, output_file: Path | None
) -> None:
    """Write an AsyncAPI 3.0 document of what the code under PATHS sends and receives."""
    config = api.load_config(paths, config_file)
    _write(api.export_catalog(paths, config, service=service, syntax=syntax), output_file)


if __name__ == "__main__":  # pragma: no cover
    main()
