"""Randomised checks of the compatibility verdicts against what jsonschema itself accepts.

Seeded, so every run sees the same few hundred schema pairs. Two properties:
- soundness: when `compare` calls a change BACKWARD-compatible (strict policy), every sample
  value the old schema accepts is accepted by the new one (and the mirror image for FORWARD);
- symmetry: BACKWARD from old to new is FORWARD from new to old (under both policies), and
  the lenient policy never breaks what the strict one allows.
The generator leaves out what Confluent deliberately calls compatible although a validator
would refuse some value (`default` making a required property safe, a `oneOf` branch added).
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from eventlint.compat import compare

VALUES: list[Any] = [None, True, False, 0, 1, 2, 3, 4, 6, -1, 2.5, "", "a", "abc", "abcdef", "EUR"]


def scalar(rng: random.Random) -> dict[str, Any]:
    declared = rng.choice(["string", "integer", "number", "boolean", "null", ["string", "null"], ["integer", "string"], None])
    schema: dict[str, Any] = {} if declared is None else {"type": declared}
    options: list[tuple[str, list[Any]]] = [
        ("minLength", [0, 1, 3]),
        ("maxLength", [1, 3, 6]),
        ("minimum", [-1, 0, 2]),
        ("maximum", [2, 4]),
        ("exclusiveMaximum", [3, 6]),
        ("multipleOf", [1, 2, 3, 4]),
        ("pattern", ["^a", "c$"]),
    ]
    for keyword, choices in options:
        if rng.random() < 0.25:
            schema[keyword] = rng.choice(choices)
    if rng.random() < 0.2:
        schema["enum"] = rng.sample([v for v in VALUES if v is not None], rng.randint(1, 4))
    elif rng.random() < 0.1:
        schema["const"] = rng.choice(VALUES)
    return schema


def schema(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    roll = rng.random()
    if depth > 1 or roll < 0.4:
        return scalar(rng)
    if roll < 0.7:
        result: dict[str, Any] = {"type": "object", "properties": {n: schema(rng, depth + 1) for n in rng.sample("abc", rng.randint(0, 3))}}
        required = [n for n in "abc" if rng.random() < 0.3]
        if required:
            result["required"] = required
        additional = rng.choice([None, False, True, {"type": "string"}])
        if additional is not None:
            result["additionalProperties"] = additional
        return result
    if roll < 0.85:
        result = {"type": "array", "items": schema(rng, depth + 1)}
        for keyword, choices in (("minItems", [0, 1, 2]), ("maxItems", [1, 2])):
            if rng.random() < 0.3:
                result[keyword] = rng.choice(choices)
        if rng.random() < 0.2:
            result["uniqueItems"] = True
        return result
    return {"anyOf": [schema(rng, depth + 1) for _ in range(rng.randint(1, 3))]}


def subschemas(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for name in node.get("properties", {}):
        found.extend(subschemas(node["properties"][name]))
    if isinstance(node.get("items"), dict):
        found.extend(subschemas(node["items"]))
    for branch in node.get("anyOf", []):
        found.extend(subschemas(branch))
    return found


def mutate(rng: random.Random, original: dict[str, Any]) -> dict[str, Any]:
    changed = json.loads(json.dumps(original))
    for _ in range(rng.randint(1, 3)):
        node = rng.choice(subschemas(changed))
        keyword = rng.choice(["type", "minLength", "maxLength", "minimum", "maximum", "multipleOf", "enum", "required", "additionalProperties", "properties"])
        if keyword in node and rng.random() < 0.5:
            del node[keyword]
        elif keyword == "required":
            node["required"] = [n for n in "abc" if rng.random() < 0.5] or ["a"]
        elif keyword == "additionalProperties":
            node["additionalProperties"] = rng.choice([False, True, {"type": "integer"}])
        elif keyword == "properties":
            node.setdefault("properties", {})[rng.choice("abcd")] = scalar(rng)
        else:
            fresh = scalar(rng)
            if keyword in fresh:
                node[keyword] = fresh[keyword]
    return changed


def samples() -> list[Any]:
    found: list[Any] = list(VALUES)
    for value in VALUES[:12]:
        found.extend([[value], [value, value], [value, 1]])
    for keys in ["", "a", "b", "ab", "abc", "d", "ad", "bc"]:
        for values in itertools.islice(itertools.product(VALUES, repeat=len(keys)), 0, 400, 7):
            found.append(dict(zip(keys, values)))
    return found


SAMPLES = samples()


def pairs(seed: int, count: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        old = schema(rng)
        out.append((old, mutate(rng, old) if rng.random() < 0.8 else schema(rng)))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compatible_verdicts_are_sound_and_symmetric(seed):
    checked = 0
    for old, new in pairs(seed, 150):
        try:
            Draft202012Validator.check_schema(new)
        except Exception:  # the mutation produced an invalid schema; compare refuses those (tested elsewhere)
            continue
        there, back = compare(old, new), compare(new, old)
        backward = any(c.breaks_backward for c in there)
        forward = any(c.breaks_forward for c in there)
        assert backward == any(c.breaks_forward for c in back), (old, new)
        assert forward == any(c.breaks_backward for c in back), (old, new)
        lenient_there, lenient_back = compare(old, new, "lenient"), compare(new, old, "lenient")
        assert any(c.breaks_backward for c in lenient_there) == any(c.breaks_forward for c in lenient_back), (old, new)
        assert not any(c.breaks_backward for c in lenient_there) or backward, "lenient breaks only what strict breaks"
        accepts_old, accepts_new = Draft202012Validator(old).is_valid, Draft202012Validator(new).is_valid
        if not backward:
            refused = [v for v in SAMPLES if accepts_old(v) and not accepts_new(v)]
            assert not refused, f"called BACKWARD-compatible, but {refused[0]!r} fits {old} and not {new}"
        if not forward:
            refused = [v for v in SAMPLES if accepts_new(v) and not accepts_old(v)]
            assert not refused, f"called FORWARD-compatible, but {refused[0]!r} fits {new} and not {old}"
        checked += 1
    assert checked > 100
