"""Every rule's embedded examples, run through the testing kit (eventlint.testing) that teams use for theirs.

Built-in Python rules and built-in policies (rules/policies/*.yaml) alike:
invalid examples produce findings exactly on `# expect: CODE` lines, valid ones none.
"""

import re

import pytest

from eventlint import testing
from eventlint.plugins import builtin_rules

# EDA002 reports broken plugins: an embedded example cannot install one (tests/test_plugins.py covers it)
WITHOUT_EXAMPLES = {"EDA002"}


@pytest.mark.parametrize("case", testing.example_cases(builtin_rules()), ids=str)
def test_example(case):
    case.check()


def test_every_rule_has_examples_and_docs():
    for rule in builtin_rules():
        if rule.code not in WITHOUT_EXAMPLES:
            assert rule.invalid and rule.valid, rule.code
        assert re.fullmatch(r"EDA[0-7][0-9]{2}", rule.code), rule.code
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name
        sections = rule.sections()
        assert {"What it does", "Why is this bad?", "How to fix it"} <= set(sections), rule.code
        documented = set(rule.option_docs())
        assert documented == {f.name for f in rule.option_fields()}, f"{rule.code}: every option documented, nothing else"


def test_codes_and_names_are_unique():
    rules = builtin_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)


def test_the_kit_fails_an_example_whose_finding_is_on_another_line():
    from eventlint.rules.delivery import NonIdempotentHandler

    wrong = NonIdempotentHandler.invalid[0]
    moved = testing.Example(wrong.source.replace("  # expect: EDA401", ""), files={**wrong.files, "extra.py": "x = 1  # expect: EDA401\n"})
    with pytest.raises(AssertionError, match="expected"):
        testing.check_example(NonIdempotentHandler, moved, "invalid")
