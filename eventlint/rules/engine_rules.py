"""Family 0: what the engine itself reports."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from eventlint import compat
from eventlint.facts import Diagnostic
from eventlint.rules.base import Example, Rule, RuleContext, Severity


class ParseError(Rule):
    """Checks for files eventlint could not read.

    ## What it does
    Reports a Python file (or a deployment template) that does not parse, or
    that cannot be decoded, with the parser's message and position. The file is
    left out of the analysis; every other file is still checked.

    ## Why is this bad?
    Publishers and subscribers in a file that is not analysed are invisible:
    the flow graph and every rule that depends on it are incomplete.

    ## How to fix it
    Fix the syntax error, or declare the file's encoding with a PEP 263 comment
    (`# -*- coding: latin-1 -*-`), or exclude the file in `eventlint.yaml`.
    """

    code = "EDA000"
    name = "parse-error"
    severity = Severity.ERROR
    invalid = [Example("def broken(:  # expect: EDA000\n    pass\n")]
    valid = [Example("def fine():\n    pass\n")]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        # extraction reports these; the rule exists to be selected, documented and suppressed
        yield from (d for d in ctx.facts.diagnostics if d.code == self.code)


class UnusedSuppression(Rule):
    """Checks for suppression comments that silence nothing.

    ## What it does
    Reports a `# noqa: EDA...` or `# eventlint: ignore[...]` comment naming an
    eventlint code that no finding on that line has. A bare `# noqa`, and codes
    of other tools, are left alone.

    ## Why is this bad?
    A stale suppression hides the next real finding on that line, and tells
    readers a problem exists where there is none.

    ## How to fix it
    Delete the comment, or the code that no longer applies.
    """

    code = "EDA001"
    name = "unused-suppression"
    severity = Severity.WARNING
    default_enabled = False
    invalid = [Example("import json  # noqa: EDA000  # expect: EDA001\n")]
    valid = [Example("import json  # noqa: F401\n")]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        # computed after suppressions are applied (eventlint.api); nothing to do on the facts alone
        return iter(())


class PluginError(Rule):
    """Checks for plugins that could not be used.

    ## What it does
    Reports a plugin, found through the `eventlint.rules` or `eventlint.frameworks`
    entry points, that does not import, names something that is not a rule or a
    framework pattern file, reuses the code of another rule, or raises an
    exception inside `check`. The message names the distribution and the entry
    point. The plugin's rule is left out; every other rule still runs.

    ## Why is this bad?
    A rule that silently does not run looks exactly like a rule that finds
    nothing: the team believes a constraint holds that nobody checks.

    ## How to fix it
    Upgrade or fix the plugin, or uninstall it. `eventlint rules` lists every
    rule with the package it comes from.

    ## Examples
    A plugin cannot be installed from an embedded example; tests/test_plugins.py
    installs broken plugins and checks this rule's findings.
    """

    code = "EDA002"
    name = "plugin-error"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        # reported by eventlint.api from what loading and running the plugins met
        return iter(())


class BrokenSchema(Rule):
    """Checks for catalogued schemas that cannot be read: not parseable, not valid in their format, or unresolvable.

    ## What it does
    Loads every schema the catalog names (JSON Schema, Avro `.avsc`, Protobuf
    `.proto`; a file or a folder of versions; the `key_schema` too) and reports one finding per event
    whose schema cannot be used, at the file and line of the mistake, with the
    reason: invalid JSON or YAML, a JSON Schema that fails its metaschema, an
    unknown Avro type, a `.proto` syntax error, an import that is not found or
    that imports itself, a `$ref` to a URL or outside the project (eventlint
    never fetches anything). The run goes on: the other events are checked, and
    the contract rules skip this one.

    ## Why is this bad?
    A schema nobody can read is no contract: producers and consumers cannot be
    checked against it, and the registry will refuse it at deploy time.

    ## How to fix it
    Fix the file at the line named; vendor a remote `$ref` into the project
    (or let a `$id` beside the referring file name it).
    """

    code = "EDA003"
    name = "broken-schema"
    severity = Severity.ERROR

    invalid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                producer.send("orders.placed", value=order.to_json(), key=order.id)
            """,
            config="""
            events:
              OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.yaml}
            """,
            files={
                "schemas/order_placed.yaml": """
                    type: object
                    properties:
                      order_id:
                        type: text  # expect: EDA003
                """,
            },
        ),
    ]
    valid = [
        Example(
            """
            from kafka import KafkaProducer

            producer = KafkaProducer()

            def place_order(order):
                producer.send("orders.placed", value=order.to_json(), key=order.id)
            """,
            config="""
            events:
              OrderPlaced: {owner: app, channel: orders.placed, schema: schemas/order_placed.avsc}
            """,
            files={
                "schemas/order_placed.avsc": """
                    {"type": "record", "name": "OrderPlaced", "fields": [{"name": "order_id", "type": "string"}]}
                """,
            },
        ),
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for spec in sorted(ctx.catalog.events.values(), key=lambda e: e.name):
            for which, error in (("schema", ctx.schemas.error(spec)), ("key schema", ctx.schemas.key_error(spec))):
                if error is None:
                    continue
                inline = spec.payload_format is not None if which == "schema" else spec.key_schema is None
                if inline:  # an inline payload (or Kafka binding key) of an AsyncAPI message: at the message
                    where = (_project_path(spec.source, ctx), spec.line, 1)
                else:
                    file = error.file.split("@", 1)[0]
                    where = (_project_path(file, ctx), error.line or _pointer_line(ctx, file, error.pointer), 1)
                yield self.finding(
                    where,
                    f"{which} of `{spec.name}` cannot be used: {error.message}" + (f" (at {error.pointer})" if error.pointer else ""),
                    hint="fix the schema file; the contract rules skip this event until it loads",
                    event=spec.name,
                    service=spec.owner,
                )


def _pointer_line(ctx: RuleContext, schema_file: str, pointer: str) -> int:
    """The line of a JSON pointer's last key in a JSON or YAML file (1 when it cannot be told)."""
    parts = [p for p in pointer.split("/") if p]
    if not parts:
        return 1
    try:
        text = ctx.schemas.store.text(schema_file)  # the store reads nothing outside the project root
    except compat.SchemaError:
        return 1
    key = re.escape(parts[-1].replace("~1", "/").replace("~0", "~"))
    pattern = re.compile(rf'"{key}"\s*:|^\s*-?\s*[\'"]?{key}[\'"]?\s*:', re.MULTILINE)
    matches = list(pattern.finditer(text))
    if not matches:
        return 1
    if len(parts) >= 2:  # prefer the occurrence after its parent key
        parent = re.search(rf'"{re.escape(parts[-2])}"\s*:|^\s*[\'"]?{re.escape(parts[-2])}[\'"]?\s*:', text, re.MULTILINE)
        later = [m for m in matches if parent is None or m.start() > parent.start()]
        matches = later or matches
    return text.count("\n", 0, matches[0].start()) + 1

def _project_path(schema_file: str, ctx: RuleContext) -> str:
    """A file named relative to the configuration's root (or absolute) as a path relative to the project root."""
    absolute = os.path.join(os.path.abspath(ctx.config.root), schema_file)
    root = os.path.abspath(ctx.facts.root)
    return os.path.relpath(absolute, root).replace(os.sep, "/") if absolute.startswith(root + os.sep) else schema_file


RULES = (ParseError, UnusedSuppression, PluginError, BrokenSchema)
