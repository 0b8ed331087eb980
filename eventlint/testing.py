"""The testing kit: run a rule (a Python class or a YAML policy) over small projects and assert its findings.

Usable from any pytest suite (the built-in rules' examples run through it)::

    from eventlint.testing import Expect, assert_findings, lint_files, check_examples, policy_rules

    def test_acme101():
        found = lint_files(AcmeRule, {"app.py": SOURCE}, config={"services": {"billing": ["**"]}})
        assert_findings(found, [Expect("ACME101", line=7, message="charges")])

    @pytest.mark.parametrize("case", example_cases(AcmeRule), ids=str)
    def test_examples(case):
        case.check()

An invalid example marks each line where a finding must be with
`# expect: CODE` (several codes: `# expect: ACME101, EDA401`); a valid example
has no marker and must produce no finding of the rule.
"""

from __future__ import annotations

import re
import tempfile
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from eventlint import api
from eventlint.facts import Diagnostic
from eventlint.rules.base import Example, Rule
from eventlint.rules.policy import CLASSIFY_TARGETS, load_policy_file

EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")

RuleLike = type[Rule] | str | Path


@dataclass(frozen=True)
class Expect:
    """One expected finding: its code, and optionally its line, path and a fragment of its message."""

    code: str
    line: int | None = None
    message: str | None = None
    path: str | None = None

    def matches(self, d: Diagnostic) -> bool:
        return (
            d.code == self.code
            and (self.line is None or d.line == self.line)
            and (self.path is None or d.path == self.path)
            and (self.message is None or self.message in d.message)
        )


def policy_rules(path: str | Path) -> tuple[type[Rule], ...]:
    """The rules of a policy file (a ConfigError names the file, line and key of a mistake)."""
    return tuple(load_policy_file(Path(path)))


def write_project(root: Path, files: Mapping[str, str], config: Mapping[str, Any] | str | None = None) -> Path:
    """Write `files` (dedented) and eventlint.yaml under `root`; tests are not excluded by default here.

    A configuration given as text is written as it is (its lines are where findings
    about the configuration itself are reported), with `exclude: []` added when it has none.
    """
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    if isinstance(config, str):
        text = textwrap.dedent(config).lstrip("\n")
        data = yaml.safe_load(text) or {}
        if "exclude" not in data:
            text = text + ("" if not text or text.endswith("\n") else "\n") + "exclude: []\n"
    else:
        data = dict(config or {})
        data.setdefault("exclude", [])
        text = yaml.safe_dump(data, sort_keys=True)
    (root / "eventlint.yaml").write_text(text, encoding="utf-8")
    return root


def lint_files(
    rule: RuleLike | Sequence[RuleLike],
    files: Mapping[str, str] | str,
    config: Mapping[str, Any] | str | None = None,
    options: Mapping[str, Any] | None = None,
    select: Sequence[str] | None = None,
) -> list[Diagnostic]:
    """Findings of `rule` (and only it, unless `select` says more) on a temporary project made of `files`.

    `files` maps root-relative paths to source (a single string is `app.py`);
    `options` go under rules.options.<CODE> of the rule.
    """
    with tempfile.TemporaryDirectory(prefix="eventlint-testing-") as tmp:
        root = Path(tmp).resolve()
        sources = {"app.py": files} if isinstance(files, str) else dict(files)
        rules = _rules(rule)
        data: Mapping[str, Any] | str | None = config
        if options:
            merged = (yaml.safe_load(config) if isinstance(config, str) else dict(config or {})) or {}
            merged.setdefault("rules", {}).setdefault("options", {})[rules[0].code] = dict(options)
            data = merged
        write_project(root, sources, data)
        return lint_tree(root, rules, select=select)


def lint_tree(root: str | Path, rule: RuleLike | Sequence[RuleLike], select: Sequence[str] | None = None) -> list[Diagnostic]:
    """Findings of `rule` on an existing project tree (its eventlint.yaml, if any, applies)."""
    rules = _rules(rule)
    installed = set(api.rules())
    extra = [r for r in rules if r not in installed]
    codes = list(select) if select else [r.code for r in rules]
    result = api.lint([Path(root)], api.load_config([Path(root)]), select=codes, extra_rules=extra)
    return list(result.diagnostics)


def assert_findings(found: Iterable[Diagnostic], expected: Iterable[Expect], exact: bool = True) -> None:
    """Every expected finding is there (each matched once); with `exact`, nothing else is."""
    remaining = list(found)
    missing = []
    for want in expected:
        hit = next((d for d in remaining if want.matches(d)), None)
        if hit is None:
            missing.append(want)
        else:
            remaining.remove(hit)
    problems = [f"missing: {w}" for w in missing]
    if exact:
        problems += [f"unexpected: {describe(d)}" for d in remaining]
    if problems:
        raise AssertionError("\n".join(problems))


def describe(d: Diagnostic) -> str:
    return f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}"


# -- embedded examples -----------------------------------------------------------------


@dataclass(frozen=True)
class ExampleCase:
    """One embedded example of a rule, runnable as a test."""

    rule: type[Rule]
    kind: str
    index: int
    example: Example

    def __str__(self) -> str:
        return f"{self.rule.code}-{self.kind}-{self.index}"

    def check(self) -> None:
        check_example(self.rule, self.example, self.kind)


def example_cases(rules: type[Rule] | Iterable[type[Rule]]) -> list[ExampleCase]:
    """Every valid and invalid example of the rules, in order (ids like ACME101-invalid-0)."""
    items = [rules] if isinstance(rules, type) else list(rules)
    return [
        ExampleCase(rule, kind, index, example)
        for rule in items
        for kind in ("invalid", "valid")
        for index, example in enumerate(getattr(rule, kind))
    ]


def check_examples(rule: type[Rule]) -> None:
    """Run every example of `rule`; the first failure raises AssertionError."""
    for case in example_cases(rule):
        case.check()


def check_example(rule: type[Rule], example: Example, kind: str) -> None:
    """An invalid example produces findings exactly on its `# expect:` lines; a valid one none."""
    files = example.all_files()
    config = files.pop("eventlint.yaml", "")
    reported = reported_codes(rule)
    # findings about the configuration itself are marked in its text, which is written as it is
    expected = expected_lines({**files, "eventlint.yaml": config}, reported)
    if kind == "invalid" and not expected:
        raise AssertionError(f"{rule.code}: an invalid example marks its findings with `# expect: {reported[0]}`")
    if kind == "valid" and expected:
        raise AssertionError(f"{rule.code}: a valid example expects nothing")
    found = lint_files(rule, files, config=config, options=example.options or None, select=[rule.code, *reported])
    got = {(d.path, d.line, d.code) for d in found if d.code in reported}
    if got != expected:
        shown = "\n".join(describe(d) for d in found) or "(no findings)"
        raise AssertionError(f"{rule.code} {kind} example: expected {sorted(expected)}, got {sorted(got)}\n{shown}")


def reported_codes(rule: type[Rule]) -> list[str]:
    """The codes an example of `rule` is judged on: its own, or for a classify policy the rules it feeds."""
    policy = getattr(rule, "policy", None)
    if policy is not None and policy.kind == "classify":
        return sorted({code for category in policy.constraint for code, _ in CLASSIFY_TARGETS[category]})
    return [rule.code]


def expected_lines(files: Mapping[str, str], codes: Sequence[str]) -> set[tuple[str, int, str]]:
    """(path, line, code) of every `# expect:` marker naming one of `codes`."""
    expected = set()
    for path, text in files.items():
        for number, line in enumerate(text.splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    if code in codes:
                        expected.add((path, number, code))
    return expected


def _rules(rule: RuleLike | Sequence[RuleLike]) -> list[type[Rule]]:
    items = list(rule) if isinstance(rule, (list, tuple)) else [rule]
    out: list[type[Rule]] = []
    for item in items:
        if isinstance(item, (str, Path)):
            out.extend(policy_rules(item))
        else:
            out.append(item)
    return out


__all__ = [
    "Example",
    "ExampleCase",
    "Expect",
    "assert_findings",
    "check_example",
    "check_examples",
    "example_cases",
    "lint_files",
    "lint_tree",
    "policy_rules",
    "write_project",
]
