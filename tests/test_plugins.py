"""Plugins through entry points: rules and framework packs are found, listed with their origin, and a broken
plugin is reported by name (EDA002) without taking the run down. The distributions here are written as
plain dist-info directories on sys.path, which is all importlib.metadata needs."""

import importlib
import json
import sys
import textwrap

import pytest
from click.testing import CliRunner

from eventlint import api, plugins
from eventlint.cli import main
from tests.helpers import write_project

MODULE = '''
from dataclasses import dataclass

from eventlint.api import Diagnostic, Example, ProjectRule, PublicationRule, Severity


class LoudPublisher(PublicationRule):
    """Checks for publications on channels whose names shout.

    ## What it does
    Reports publications on upper-case channels.

    ## Why is this bad?
    Our topics are lower-case.

    ## How to fix it
    Rename the topic.
    """

    code = "TEAM101"
    name = "loud-channel"
    severity = Severity.WARNING

    def check_publication(self, publication, ctx):
        if publication.channel and publication.channel.isupper():
            yield self.finding(publication, f"{publication.channel} is upper-case")


class Crash(ProjectRule):
    """Checks nothing: it raises."""

    code = "TEAM102"
    name = "crashing-rule"

    def check(self, ctx):
        raise RuntimeError("boom")


class Clash(ProjectRule):
    """Reuses a built-in code."""

    code = "EDA401"
    name = "clash"

    def check(self, ctx):
        return iter(())


RULES = [LoudPublisher, Crash]
NOT_A_RULE = object
FRAMEWORKS = __file__.replace("teamrules.py", "teambus.yaml")
'''

BUS = """
framework: team-bus
description: The team's bus.
modules: [teambus]
types:
  - name: teambus.Bus
publish:
  - call: teambus.Bus.send
    fields:
      channel: {arg: 0}
"""


@pytest.fixture()
def installed(tmp_path, monkeypatch):
    """A distribution `team-rules 1.2` with good and broken entry points, on sys.path."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "teamrules.py").write_text(textwrap.dedent(MODULE))
    (site / "teambus.yaml").write_text(textwrap.dedent(BUS))
    info = site / "team_rules-1.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: team-rules\nVersion: 1.2\n")
    (info / "entry_points.txt").write_text(
        "[eventlint.rules]\n"
        "good = teamrules:RULES\n"
        "missing = teamrules_missing:RULES\n"
        "not-a-rule = teamrules:NOT_A_RULE\n"
        "clash = teamrules:Clash\n"
        "[eventlint.frameworks]\n"
        "bus = teamrules:FRAMEWORKS\n"
        "bad-bus = teamrules:NOT_A_RULE\n"
    )
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    plugins.discover_plugins.cache_clear()
    yield site
    plugins.discover_plugins.cache_clear()
    sys.modules.pop("teamrules", None)


def test_plugin_rules_run_and_broken_plugins_are_named(installed, tmp_path):
    root = write_project(
        tmp_path / "repo",
        {"app.py": "from teambus import Bus\nbus = Bus()\nbus.send('ORDERS')\nbus.send('orders')\n"},
        {"exclude": []},
    )
    result = api.lint([root], select=["TEAM", "EDA002"])
    found = [(d.code, d.path, d.line, d.message) for d in result.diagnostics]
    assert ("TEAM101", "app.py", 3, "ORDERS is upper-case") in found  # found through the plugin's framework pack
    origin = "team-rules 1.2 (entry point {} = {})"
    problems = sorted(m for c, _, _, m in found if c == "EDA002")
    assert problems == sorted([
        f"plugin {origin.format('bad-bus', 'teamrules:NOT_A_RULE')} expected the path of a framework pattern file, got <class 'object'>",
        f"plugin {origin.format('clash', 'teamrules:Clash')} rule EDA401 (Clash) reuses the code of eventlint's non-idempotent-handler; it is not loaded",
        f"plugin {origin.format('good', 'teamrules:RULES')} failed in TEAM102 (Crash.check): RuntimeError: boom",
        f"plugin {origin.format('missing', 'teamrules_missing:RULES')} cannot be imported: ModuleNotFoundError: No module named 'teamrules_missing'",
        f"plugin {origin.format('not-a-rule', 'teamrules:NOT_A_RULE')} <class 'object'> is not a subclass of eventlint.api.Rule",
    ])
    assert {d.path for d in result.diagnostics if d.code == "EDA002"} == {"eventlint.yaml"}
    assert result.exit_code == 1
    # the built-in EDA401 is still eventlint's
    assert api.rule_set().origin("EDA401") == "eventlint"


def test_rules_command_lists_plugin_rules_with_their_package(installed):
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if line.startswith("TEAM101"))
    assert "loud-channel" in row and "warning" in row and "team-rules 1.2" in row
    assert "eventlint: warning: plugin team-rules 1.2 (entry point missing = teamrules_missing:RULES) cannot be imported" in result.output


def test_broken_plugins_appear_in_sarif_and_the_run_goes_on(installed, tmp_path):
    root = write_project(tmp_path / "repo", {"app.py": "from teambus import Bus\nBus().send('LOUD')\n"}, {"exclude": []})
    result = CliRunner().invoke(main, ["check", str(root), "--format", "sarif"])
    assert result.exit_code == 1
    assert "no service found" in result.stderr  # the warning goes to stderr: stdout stays one SARIF document
    ids = [r["ruleId"] for r in json.loads(result.stdout)["runs"][0]["results"]]
    assert "TEAM101" in ids and ids.count("EDA002") == 5


def test_ignoring_eda002_silences_plugin_problems(installed, tmp_path):
    root = write_project(tmp_path / "repo", {"app.py": "x = 1\n"}, {"exclude": [], "rules": {"ignore": ["EDA002"]}})
    assert api.lint([root]).diagnostics == ()


def test_a_rule_under_test_that_raises_fails_the_test_instead_of_being_reported():
    from eventlint.api import ProjectRule
    from eventlint.testing import lint_files

    class Broken(ProjectRule):
        """Raises."""

        code = "TEAM900"
        name = "broken"

        def check(self, ctx):
            raise ValueError("bug in the rule")

    with pytest.raises(ValueError, match="bug in the rule"):
        lint_files(Broken, "x = 1\n")


def test_the_public_api_exports_what_the_docs_promise():
    promised = {
        "Rule", "ProjectRule", "HandlerRule", "PublicationRule", "SubscriptionRule", "RuleContext", "Severity",
        "Example", "Diagnostic", "ProjectFacts", "Publication", "Subscription", "Binding", "Handler", "HandlerCall",
        "ExceptClause", "FieldRead", "SiteRef", "Service", "Catalog", "EventSpec", "Config", "ConfigError",
        "EventGraph", "Context", "Metrics", "matches", "call_matches", "lint", "facts", "graph", "rules", "rule_set",
        "load_config", "Result",
    }
    assert promised <= set(api.__all__)
    assert all(hasattr(api, name) for name in api.__all__)
