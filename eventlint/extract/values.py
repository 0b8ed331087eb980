"""Symbolic values: what the resolver knows about an expression without running it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True, slots=True)
class VStr:
    """A string known exactly; `origin` says where it came from when that is a configuration default."""

    value: str
    origin: str = ""


@dataclass(frozen=True, slots=True)
class VTemplate:
    """A string with unknown parts, written `{expr}` (an f-string over unknown names).

    `params` is set when an unknown part is a parameter of the enclosing function,
    so the string becomes known at that function's call sites.
    """

    text: str
    params: bool = False


@dataclass(frozen=True, slots=True)
class VConst:
    value: int | float | bool | None


@dataclass(frozen=True, slots=True)
class VRef:
    """A named thing: a project function/class/module, or an external qualified name."""

    qname: str
    kind: str  # "function", "class", "module", "external"


@dataclass(frozen=True, slots=True)
class VInst:
    """An object of `type` (a framework type or a project class) with values bound at creation."""

    type: str
    bind: tuple[tuple[str, Value], ...] = ()
    project: bool = False

    def get(self, name: str) -> Value | None:
        for key, value in self.bind:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class VMethod:
    obj: Value
    name: str


@dataclass(frozen=True, slots=True)
class VList:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class VDict:
    """A mapping; `source` names the configuration file it was read from (`config_values`), "" for code."""

    items: tuple[tuple[Value | None, Value, int, int], ...]
    source: str = ""

    def get(self, key: str) -> Value | None:
        """The value of `key`; later entries win, and `**spread` mappings are looked into."""
        for k, v, _, _ in reversed(self.items):
            if k is None and isinstance(v, VDict):
                found = v.get(key)
                if found is not None:
                    return found
            elif isinstance(k, VStr) and k.value == key:
                return v
        return None


@dataclass(frozen=True, slots=True)
class VSet:
    """One of a few known strings (`"a" if x else "b"`, `TOPICS[kind]` over a literal dict, f-strings over
    those): each item carries in its `origin` that it is one possibility of several."""

    items: tuple[VStr, ...]


@dataclass(frozen=True, slots=True)
class VParam:
    """A parameter of the enclosing project function: known only at its call sites."""

    func: str
    name: str
    index: int


@dataclass(frozen=True, slots=True)
class VUnknown:
    """A value not known statically: its source text, and why (a category of UNKNOWN_REASONS, or "")."""

    text: str
    reason: str = ""


# Why a value stays unknown, as reported in facts (`unresolved`) and by `eventlint facts --unresolved`.
UNKNOWN_REASONS = {
    "parameter": "a parameter of a function that no call site in the project binds",
    "runtime-input": "read at run time (a consumed message, a loop variable, a request, the command line)",
    "config-not-found": "a configuration value (environment variable, settings key, configuration file) with no value or default found",
    "config-key-not-found": "config key not found: the configuration file the code reads has no such key",
    "config-ambiguous": "more than one configuration file or service could give the value, and eventlint cannot tell which",
    "import-not-resolved": "the name comes from a module outside the analysed code",
    "call-result": "returned by a call eventlint cannot follow (a library function, a method of an unknown object)",
    "import-cycle": "the name is imported in a cycle between modules",
    "not-static": "an expression eventlint does not evaluate (arithmetic, a comprehension, a conditional)",
    "name-not-found": "a name with no assignment, parameter or import in scope",
    "too-many-values": "one of more possible names than eventlint lists (MAX_SET)",
    "broker-named": "a queue the broker names when it is declared (`queue=\"\"`): known by its bindings, not by name",
    "unnamed-object": "an object of a known type whose name nothing in the analysed code gives (a typed parameter, an injected dependency, an attribute)",
}

# A finite set of names is listed up to this size; beyond it the value is unknown ("too-many-values").
MAX_SET = 16
# The origin of each item of a VSet starts with this: the record is one possibility of several ("derived").
DERIVED = "one of "


Value = Union[VStr, VTemplate, VConst, VRef, VInst, VMethod, VList, VDict, VSet, VParam, VUnknown]
