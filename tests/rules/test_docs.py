"""docs/rules is generated from the rule classes and the built-in policies; a stale page fails here (regenerate: eventlint rules --write-docs docs/rules)."""

from eventlint.report.rule_docs import rule_markdown, rules_index
from eventlint.plugins import builtin_rules as all_rules
from tests.helpers import REPO

DOCS = REPO / "docs" / "rules"


def test_rule_pages_are_current():
    for rule in all_rules():
        page = DOCS / f"{rule.code}.md"
        assert page.is_file(), f"missing {page}"
        assert page.read_text(encoding="utf-8") == rule_markdown(rule), f"{page} is stale"
    assert (DOCS / "README.md").read_text(encoding="utf-8") == rules_index(list(all_rules()))


def test_no_page_for_a_rule_that_does_not_exist():
    codes = {r.code for r in all_rules()}
    pages = {p.stem for p in DOCS.glob("EDA*.md")}
    assert pages == codes
