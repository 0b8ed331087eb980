"""Family 0: what the engine itself reports."""

from __future__ import annotations

from collections.abc import Iterator

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


RULES = (ParseError, UnusedSuppression, PluginError)
