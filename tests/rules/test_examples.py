"""Every rule's embedded examples: invalid ones produce findings exactly on `# expect: CODE` lines, valid ones none."""

import re

import pytest
import yaml

from eventlint import api
from eventlint.config import load_config
from eventlint.rules import all_rules

EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")


def _cases():
    for rule in all_rules():
        for kind in ("invalid", "valid"):
            for index, example in enumerate(getattr(rule, kind)):
                yield pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{index}")


def materialise(tmp_path, rule, example):
    """Write an example project; its options go under rules.options.<CODE>."""
    files = example.all_files()
    config_text = files.pop("eventlint.yaml", "")
    config = yaml.safe_load(config_text) or {}
    if example.options:
        config.setdefault("rules", {}).setdefault("options", {})[rule.code] = dict(example.options)
    config.setdefault("exclude", [])
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if EXPECT.search(config_text) and not example.options:
        # findings in the configuration itself: keep its text (and lines) as written
        files["eventlint.yaml"] = config_text + ("" if "exclude:" in config_text else "exclude: []\n")
        (tmp_path / "eventlint.yaml").write_text(files["eventlint.yaml"], encoding="utf-8")
    else:
        (tmp_path / "eventlint.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    expected = set()
    for path, text in files.items():
        for number, line in enumerate(text.splitlines(), start=1):
            match = EXPECT.search(line)
            if match and rule.code in re.split(r"\s*,\s*", match.group("codes")):
                expected.add((path, number))
    return expected


@pytest.mark.parametrize(("rule", "kind", "example"), list(_cases()))
def test_example(tmp_path, rule, kind, example):
    expected = materialise(tmp_path, rule, example)
    if kind == "invalid":
        assert expected, "an invalid example marks its findings with `# expect: CODE`"
    else:
        assert not expected, "a valid example expects nothing"
    result = api.lint([tmp_path], load_config([tmp_path]), select=[rule.code])
    found = {(d.path, d.line) for d in result.diagnostics if d.code == rule.code}
    assert found == expected, [f"{d.path}:{d.line}: {d.message}" for d in result.diagnostics]


def test_every_rule_has_examples_and_docs():
    for rule in all_rules():
        assert rule.invalid and rule.valid, rule.code
        assert re.fullmatch(r"EDA[0-6][0-9]{2}", rule.code), rule.code
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name
        sections = rule.sections()
        assert {"What it does", "Why is this bad?", "How to fix it"} <= set(sections), rule.code
        documented = set(rule.option_docs())
        assert documented == {f.name for f in rule.option_fields()}, f"{rule.code}: every option documented, nothing else"


def test_codes_and_names_are_unique():
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
