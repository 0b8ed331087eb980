"""A rule's documentation, rendered from the rule class: `eventlint explain` and docs/rules/*.md."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any

FIELD_PRECISION = Path(__file__).resolve().parent.parent / "assets" / "field-precision.json"


@functools.cache
def _field() -> dict[str, Any]:
    """The measured precision per rule (generated from benchmarks/field/review.yaml by benchmarks/field/precision.py)."""
    try:
        return json.loads(FIELD_PRECISION.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def field_precision(code: str) -> dict[str, Any] | None:
    """Verdict counts and precision of rule `code` on the field check, or None when no finding of it was reviewed."""
    return _field().get("rules", {}).get(code)


def precision_cell(code: str) -> str:
    """`60% of 10` for the rules list, `-` when not measured."""
    figures = field_precision(code)
    return "-" if figures is None else f"{figures['precision']:.0%} of {figures['reviewed']}"


def precision_sentence(code: str) -> str | None:
    """The explain page's line on measured precision."""
    figures = field_precision(code)
    if figures is None:
        return None
    return (
        f"Measured precision: **{figures['precision']:.0%}** on the field check ({_field().get('about', '')}): "
        f"{figures['true']} of {figures['reviewed']} findings true, {figures['false']} false, "
        f"{figures['pointless']} true but not worth a team's time (`{_field().get('source', '')}`)."
    )


def rule_markdown(rule: Any) -> str:
    """The full page of one rule: what, why, how to fix, a bad and a good example, options."""
    sections = rule.sections()
    out = [f"# {rule.code} {rule.name}", "", f"{rule.summary()}", ""]
    status = "enabled by default" if rule.default_enabled else "off by default (enable with `--extend-select " + rule.code + "`)"
    out += [f"Default severity: **{rule.severity.value}**, {status}.", ""]
    measured = precision_sentence(rule.code)
    if measured:
        out += [measured, ""]
    for title in ("What it does", "Why is this bad?", "How to fix it"):
        if title in sections:
            out += [f"## {title}", "", sections[title], ""]
    if rule.invalid:
        out += ["## Example", "", *_example(rule.invalid[0]), ""]
    if rule.valid:
        out += ["## Use instead", "", *_example(rule.valid[0]), ""]
    fields = rule.option_fields()
    if fields:
        docs = rule.option_docs()
        out += ["## Options", "", f"Set under `rules.options.{rule.code}` in `eventlint.yaml`:", ""]
        for f in fields:
            default = _default(f)
            out.append(f"- `{f.name}` (default `{default}`): {docs.get(f.name, '')}".rstrip(": ").rstrip())
        out.append("")
    for title, body in sections.items():
        if title not in ("What it does", "Why is this bad?", "How to fix it"):
            out += [f"## {title}", "", body, ""]
    return "\n".join(out).rstrip() + "\n"


def rules_index(rules: list[Any]) -> str:
    """docs/rules/README.md: every rule with its status and its precision measured on the field check."""
    out = ["# Rules", "", "| code | name | default | field precision | summary |", "|---|---|---|---|---|"]
    for rule in rules:
        default = rule.severity.value if rule.default_enabled else "off"
        out.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {default} | {precision_cell(rule.code)} | {rule.summary()} |")
    return "\n".join(out) + "\n"


def _example(example: Any) -> list[str]:
    files = {path: text for path, text in example.all_files().items() if text.strip()}
    lines: list[str] = []
    for path, text in files.items():
        if len(files) > 1:
            lines.append(f"`{path}`:")
            lines.append("")
        language = "yaml" if path.endswith((".yaml", ".yml")) else "json" if path.endswith(".json") else "python"
        shown = "\n".join(line.split("  # expect:")[0].rstrip() if "# expect:" in line else line for line in text.rstrip().splitlines())
        lines += [f"```{language}", shown, "```", ""]
    return lines[:-1]


def _default(f: dataclasses.Field[Any]) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        value = f.default_factory()  # type: ignore[misc]
    else:
        return "required"
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def option_schema(rule: Any, name: str) -> dict[str, Any]:
    """The JSON Schema of one option of a rule, from its type annotation (what `coerce_options` accepts)."""
    import typing

    expected = typing.get_type_hints(rule.Options).get(name)
    if typing.get_origin(expected) is tuple:
        return {"type": "array", "items": {"type": "string"}}
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string"}
    return {"type": kinds[expected]} if expected in kinds else {}


def _default_value(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        value = f.default_factory()  # type: ignore[misc]
    else:
        return None
    return list(value) if isinstance(value, tuple) else value


def rules_json(rules: list[Any], origins: dict[str, str]) -> str:
    """`eventlint rules --format json`: every rule with its status, origin, summary and options (like `ruff rule --all --output-format json`)."""
    import json

    entries = []
    for rule in rules:
        docs = rule.option_docs()
        entries.append(
            {
                "code": rule.code,
                "name": rule.name,
                "severity": rule.severity.value,
                "default_enabled": rule.default_enabled,
                "origin": origins.get(rule.code, ""),
                "summary": rule.summary(),
                "field_precision": field_precision(rule.code),
                "explanation": rule_markdown(rule),
                "options": [
                    {"name": f.name, "schema": option_schema(rule, f.name), "default": _default_value(f), "doc": docs.get(f.name, "")}
                    for f in rule.option_fields()
                ],
            }
        )
    return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
