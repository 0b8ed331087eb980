"""The JSON Schemas eventlint publishes, and validation with messages a person can act on."""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

_JSON_TYPES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}
_SCHEMA_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "null": "null",
}


def printable(text: str) -> str:
    """`text` with control characters and other unprintable ones escaped (`\\r`, `\\x00`, `\\udcff`).

    Error messages quote keys and values from the user's files; escaping keeps each
    message on one line that a terminal or a CI log shows as it is.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The packaged schema `name` (e.g. "config"), parsed."""
    text = resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def problems(instance: Any, schema_name: str) -> list[tuple[str, str]]:
    """Every way `instance` breaks the schema, as (key path, what was expected), sorted."""
    found: list[tuple[str, str]] = []
    for error in _validator(schema_name).iter_errors(instance):
        found.append(_describe(error))
    return sorted(set(found))


def key_path(parts: Any) -> str:
    """`services.payments[0]` from a jsonschema path deque."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _describe(error: ValidationError) -> tuple[str, str]:
    leaf = _deepest(error)
    path = key_path(leaf.absolute_path)
    validator = leaf.validator
    instance = leaf.instance
    if validator == "additionalProperties":
        allowed = sorted(leaf.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in leaf.schema.get("properties", {}))
        messages = []
        for key in extra:
            where = f"{path}.{key}" if path != "(top level)" else key
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(allowed)}"
            messages.append((where, f"unknown key '{key}'{hint}"))
        return messages[0]
    if "propertyNames" in leaf.schema_path and isinstance(instance, str):
        where = f"{path}.{instance}" if path != "(top level)" else instance
        if validator == "enum":
            allowed = [str(v) for v in leaf.validator_value]
            close = difflib.get_close_matches(instance, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(allowed)}"
            return where, f"unknown key '{instance}'; {hint}"
        if validator == "pattern":
            return where, f"invalid name '{instance}': names must match {leaf.validator_value}"
        return where, f"invalid name '{instance}': {leaf.message}"
    if validator == "type":
        expected = leaf.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_SCHEMA_TYPES.get(n, n) for n in names)
        return path, f"expected {wanted}, got {_JSON_TYPES.get(type(instance), type(instance).__name__)} {_show(instance)}"
    if validator == "required":
        return path, f"missing required key: {leaf.message.split(' is a required')[0]}"
    if validator == "enum":
        options = ", ".join(json.dumps(v) for v in leaf.validator_value)
        return path, f"expected one of {options}, got {_show(instance)}"
    if validator == "pattern":
        return path, f"{_show(instance)} does not match the pattern {leaf.validator_value}"
    if validator in ("minimum", "maximum"):
        bound = "at least" if validator == "minimum" else "at most"
        return path, f"expected a number of {bound} {leaf.validator_value}, got {_show(instance)}"
    if validator in ("minItems", "minLength"):
        return path, f"must not be empty, got {_show(instance)}"
    if validator == "oneOf" or validator == "anyOf":
        got = f"{_JSON_TYPES.get(type(instance), type(instance).__name__)} {_show(instance)}"
        return path, f"expected {_alternatives(leaf.validator_value)}, got {got}"
    return path, leaf.message


def _deepest(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf, the sub-error that got furthest into the instance, if one clearly did."""
    if not error.context:
        return error
    best = max(error.context, key=lambda e: len(e.absolute_path))
    if len(best.absolute_path) > len(error.absolute_path):
        return _deepest(best)
    # the alternative whose type matched says more than "expected one of the types"
    typed = [e for e in error.context if e.validator != "type"]
    if len(typed) == 1:
        return _deepest(typed[0])
    return error


def _alternatives(options: list[dict[str, Any]]) -> str:
    kinds = []
    for option in options:
        kind = option.get("type")
        if kind is None and "$ref" in option:
            kind = "string"
        if isinstance(kind, str):
            text = _SCHEMA_TYPES.get(kind, kind)
            if kind == "array":
                text = "a list"
            kinds.append(text)
    return " or ".join(dict.fromkeys(kinds)) or "another shape"


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
