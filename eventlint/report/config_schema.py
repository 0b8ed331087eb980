"""The configuration's JSON Schema for editors: `schemas/config.json` with the rules spelled out.

`eventlint/schemas/config.json` validates a configuration when eventlint loads
it; rule codes and options are checked afterwards against the rules of the run
(plugins and policies included), with messages naming the rule. An editor only
has the schema, so this one adds, generated from the built-in rules: every code
and prefix `select`, `extend-select`, `ignore`, `severity` and
`per-file-ignores` accept, and every rule's options with their types, defaults
and documentation. Codes that do not look like eventlint's (`ACME001`, a
plugin's or a policy's) stay open. The file is `eventlint/schemas/eventlint.schema.json`,
written by `eventlint rules --write-schema` and checked for staleness by the tests;
`eventlint init` points editors at it with a `yaml-language-server` comment.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

from eventlint.report.rule_docs import _default_value, option_schema

SCHEMA_FILE = "eventlint/schemas/eventlint.schema.json"
SCHEMA_URL = f"https://raw.githubusercontent.com/eventlint/eventlint/main/{SCHEMA_FILE}"
EDITOR_COMMENT = f"# yaml-language-server: $schema={SCHEMA_URL}"
# a code that does not look like eventlint's own (E, ED, EDA, EDA4, EDA401...) belongs to a plugin or a policy
FOREIGN_CODE = "^(?!(?:E|e)(?:(?:D|d)(?:(?:A|a)[0-9]*)?)?$)[A-Za-z][A-Za-z0-9]*$"


def editor_schema(base: dict[str, Any], rules: Sequence[Any]) -> dict[str, Any]:
    """`base` (the configuration schema) with `rules` and `per-file-ignores` made exact for the built-in `rules`."""
    codes = sorted(r.code for r in rules)
    prefixes = sorted({code[:n] for code in codes for n in range(1, len(code) + 1)})
    schema = copy.deepcopy(base)
    schema["$id"] = SCHEMA_URL
    schema["title"] = "eventlint configuration (eventlint.yaml, [tool.eventlint])"
    defs = schema.setdefault("$defs", {})
    defs["rule-pattern"] = {
        "description": "A rule code or prefix (`EDA401`, `EDA4`), `ALL`, or a plugin's or policy's code.",
        "anyOf": [{"enum": ["ALL", *prefixes]}, {"type": "string", "pattern": FOREIGN_CODE}],
    }
    defs["rule-patterns"] = {"type": "array", "items": {"$ref": "#/$defs/rule-pattern"}}
    options: dict[str, Any] = {}
    for rule in sorted(rules, key=lambda r: r.code):
        docs = rule.option_docs()
        properties: dict[str, Any] = {}
        for field in rule.option_fields():
            entry = {**option_schema(rule, field.name), "description": docs.get(field.name, ""), "default": _default_value(field)}
            properties[field.name] = entry
            if "_" in field.name:
                properties[field.name.replace("_", "-")] = entry
        options[rule.code] = {
            "description": f"{rule.code} {rule.name}: {rule.summary()}",
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
    rules_schema = {
        "description": base["properties"]["rules"].get("description", "Rule selection, severities and options."),
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "select": {"$ref": "#/$defs/rule-patterns", "description": "Replaces the default set of rules."},
            "extend-select": {"$ref": "#/$defs/rule-patterns", "description": "Adds to the selection (rules off by default too)."},
            "ignore": {"$ref": "#/$defs/rule-patterns", "description": "Removes from the selection."},
            "severity": {
                "description": "Rule code or prefix -> error, warning or info (info findings do not fail a run).",
                "type": "object",
                "propertyNames": {"$ref": "#/$defs/rule-pattern"},
                "additionalProperties": {"enum": ["error", "warning", "info"]},
            },
            "options": {
                "description": "Rule code -> that rule's options.",
                "type": "object",
                "properties": options,
                "patternProperties": {FOREIGN_CODE: {"type": "object"}},
                "additionalProperties": False,
            },
        },
    }
    schema["properties"]["rules"] = rules_schema
    schema["properties"]["per-file-ignores"] = {
        "description": base["properties"]["per-file-ignores"].get("description", ""),
        "type": "object",
        "additionalProperties": {"anyOf": [{"$ref": "#/$defs/rule-pattern"}, {"$ref": "#/$defs/rule-patterns"}]},
    }
    return schema


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
