"""From discovered files to project facts: parse each file once, resolve, match the patterns."""

from __future__ import annotations

import dataclasses

from eventlint.config import Config
from eventlint.discover import Discovery
from eventlint.extract import ir
from eventlint.extract.handlers import HandlerAnalysis
from eventlint.extract.patterns import load_patterns
from eventlint.extract.resolve import Project
from eventlint.extract.sites import SiteFinder
from eventlint.extract.visitor import ParseFailure, parse_module
from eventlint.facts import Binding, Diagnostic, ProjectFacts, Skipped, Subscription

__all__ = ["extract", "parse_file"]


def parse_file(source: bytes, path: str, module: str) -> ir.Module:
    """The IR of one module; raises ParseFailure for a file libcst cannot read."""
    return parse_module(source, path, module)


def extract(discovery: Discovery, config: Config) -> ProjectFacts:
    """Every publication, subscription and binding in the discovered files."""
    patterns = load_patterns(config)
    modules: list[tuple[ir.Module, str, str]] = []
    diagnostics: list[Diagnostic] = []
    skipped: list[Skipped] = list(discovery.skipped)
    templates = []
    for source in discovery.files:
        if source.kind == "template":
            templates.append(source)
            continue
        try:
            data = source.abspath.read_bytes()
        except OSError as exc:
            skipped.append(Skipped(source.path, f"cannot read file: {exc.strerror or exc}"))
            continue
        try:
            module = parse_file(data, source.path, source.module)
        except ParseFailure as exc:
            diagnostics.append(
                Diagnostic(
                    code="EDA000",
                    message=f"{exc.message} (the file was not analysed)",
                    path=source.path,
                    line=exc.line,
                    column=exc.column,
                    hint="fix the file so Python can parse it; every other file was still checked",
                )
            )
            continue
        modules.append((module, source.import_name, source.sys_root))

    project = Project(modules, patterns)
    services = {f.path: f.service for f in discovery.files}
    finder = SiteFinder(project, services, config.payload_event_keys)
    direct = finder.direct()
    publishers, subscribers, bindings = finder.records(direct + finder.through_wrappers(direct))
    subscribers, bindings = _declared_dead_letters(subscribers, bindings)

    if templates:
        from eventlint.extract.templates import template_subscriptions

        found, problems = template_subscriptions(discovery, templates, project)
        subscribers.extend(found)
        diagnostics.extend(problems)

    handlers = HandlerAnalysis(project, finder.ev, services).handlers(subscribers, publishers, finder.loop_messages)

    return ProjectFacts(
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
