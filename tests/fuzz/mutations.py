"""Hypothesis strategies that damage a valid document: structurally (values, keys) and as text.

Structural mutations pick any node of the document and replace its value with one of
another type, delete or add a key (a random name, or a near miss of a real one), wrap a
value in a list or a mapping, or duplicate a list entry. Text mutations then, sometimes,
truncate the serialised file, insert characters, add an unsafe YAML tag, or repeat a key.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import strategies as st

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["", "*", "**", "../outside.json", "/etc/passwd", "EDA", "BACKWARD", "FULL", "strict", "orders.placed", "#/nowhere", "https://example.com/x.json"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)
UNSAFE_TAGS = (
    "!!python/object/apply:os.system ['touch /tmp/eventlint-fuzz-pwned']",
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "&anchor [*anchor]",
)


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every node's path in a JSON-like document (the root is the empty path)."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found.extend(paths(value, (*prefix, key)))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.extend(paths(value, (*prefix, index)))
    return found


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(document, path[:-1])[path[-1]] = value
    return document


def near_miss(word: str, draw: st.DrawFn) -> str:
    """A typo of `word`: a letter dropped, doubled or changed case."""
    if not word:
        return "x"
    index = draw(st.integers(0, len(word) - 1))
    how = draw(st.sampled_from(["drop", "double", "case"]))
    if how == "drop":
        return word[:index] + word[index + 1 :] or "x"
    if how == "double":
        return word[:index] + word[index] + word[index:]
    return word.swapcase()


@st.composite
def mutated(draw: st.DrawFn, base: Any, max_mutations: int = 3) -> Any:
    """`base` (not modified) with one to `max_mutations` structural mutations."""
    document = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, max_mutations))):
        targets = paths(document)
        path = draw(st.sampled_from(targets))
        node = _get(document, path)
        op = draw(st.sampled_from(["replace", "replace", "delete", "add-key", "typo-key", "wrap-list", "wrap-map", "duplicate"]))
        if op == "replace":
            document = _set(document, path, draw(VALUES))
        elif op == "delete" and path:
            parent = _get(document, path[:-1])
            del parent[path[-1]]
        elif op == "add-key" and isinstance(node, dict):
            node[draw(st.text(max_size=10))] = draw(VALUES)
        elif op == "typo-key" and isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node, key=str)))
            node[near_miss(str(key), draw)] = node.pop(key)
        elif op == "wrap-list":
            document = _set(document, path, [node])
        elif op == "wrap-map":
            document = _set(document, path, {draw(st.text(max_size=6)): node})
        elif op == "duplicate" and isinstance(node, list) and node:
            node.append(json.loads(json.dumps(node[0])))
    return document


@st.composite
def damaged_text(draw: st.DrawFn, text: str, yaml_syntax: bool) -> str:
    """`text`, or (sometimes) `text` truncated, with inserted characters, an unsafe tag or a repeated key."""
    how = draw(st.sampled_from(["none", "none", "none", "truncate", "insert", "tag", "repeat", "bytes"]))
    if how == "truncate" and text:
        return text[: draw(st.integers(0, len(text) - 1))]
    if how == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.text(min_size=1, max_size=5)) + text[at:]
    if how == "tag" and yaml_syntax:
        lines = text.splitlines() or [""]
        at = draw(st.integers(0, len(lines) - 1))
        key = draw(st.sampled_from(["x-fuzz", "services", "events", "payload", "policies", "type"]))
        return "\n".join(lines[:at] + [f"{key}: {draw(st.sampled_from(UNSAFE_TAGS))}"] + lines[at:]) + "\n"
    if how == "repeat":
        lines = text.splitlines()
        return "\n".join(lines + lines[: draw(st.integers(0, min(5, len(lines))))]) + "\n"
    if how == "bytes":
        return text + draw(st.sampled_from(["\x00", "\ufeff", "\t\tkey: value", "\udcff", "]]", "}}"]))
    return text


def dump(document: Any, syntax: str) -> str:
    """`document` as YAML or JSON text (non-string keys as YAML writes them)."""
    if syntax == "json":
        return json.dumps(document, indent=2, ensure_ascii=False, default=str)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def toml_value(value: Any) -> str:
    """A TOML value (inline tables and arrays); None has no TOML form and becomes a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


def pyproject(section: Any) -> str:
    """A pyproject.toml whose `[tool.eventlint]` table holds `section` (top-level keys as lines)."""
    lines = ["[project]", 'name = "shop"', 'version = "1.0"', "", "[tool.eventlint]"]
    if isinstance(section, dict):
        lines.extend(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in section.items())
    else:
        lines = [f"tool.eventlint = {toml_value(section)}", ""] + lines[:-1]
    return "\n".join(lines) + "\n"
