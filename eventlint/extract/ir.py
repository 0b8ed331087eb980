"""A small, plain-data summary of one module: what the resolver needs, nothing more.

The visitor turns a libcst tree into these records in one pass; everything after
that (resolution across modules, framework matching) works on this data alone,
so it can be cached per file and never needs the tree again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True, slots=True)
class Name:
    id: str


@dataclass(frozen=True, slots=True)
class Attr:
    value: Expr
    attr: str


@dataclass(frozen=True, slots=True)
class Call:
    func: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str | None, Expr], ...]
    line: int
    col: int
    awaited: bool = False


@dataclass(frozen=True, slots=True)
class Str:
    value: str


@dataclass(frozen=True, slots=True)
class Const:
    value: int | float | bool | None


@dataclass(frozen=True, slots=True)
class FStr:
    parts: tuple[str | Expr, ...]


@dataclass(frozen=True, slots=True)
class Concat:
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class DictItem:
    key: Expr | None
    value: Expr
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class DictE:
    items: tuple[DictItem, ...]


@dataclass(frozen=True, slots=True)
class Sub:
    value: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Await:
    value: Expr


@dataclass(frozen=True, slots=True)
class Starred:
    value: Expr


@dataclass(frozen=True, slots=True)
class Lambda:
    params: tuple[str, ...]
    body: Expr


@dataclass(frozen=True, slots=True)
class Comp:
    """A list/set/generator comprehension: one representative element, what it iterates over, and the
    first clause's loop variable when it is a plain name ("" otherwise)."""

    elt: Expr
    iters: tuple[Expr, ...] = ()
    target: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """`a if test else b`: one of the options."""

    options: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class At:
    """`value` as it is evaluated at `line` (where it was assigned): an option of the `Choice` that sums up
    the arms of an `if` statement, read below the statement."""

    value: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Opaque:
    text: str


Expr = Union[Name, Attr, Call, Str, Const, FStr, Concat, Seq, DictE, Sub, Await, Starred, Lambda, Comp, Choice, At, Opaque]


@dataclass(frozen=True, slots=True)
class Assign:
    target: str
    value: Expr
    line: int
    annotation: Expr | None = None


@dataclass(frozen=True, slots=True)
class Store:
    """`name[key] = value`: a payload dictionary filled in after it was built."""

    target: str
    key: Expr
    value: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Loop:
    targets: tuple[str, ...]
    iter: Expr
    line: int
    end_line: int = 0


@dataclass(frozen=True, slots=True)
class Except:
    """One `except` clause: what it catches, what it calls, whether it raises again."""

    line: int
    types: tuple[str, ...]
    name: str | None
    calls: tuple[Call, ...]
    reraises: bool
    col: int = 1
    leaves: bool = False  # its body ends in `continue`, `break` or `return`: what follows the `try` is skipped
    try_line: int = 0  # the line of its `try` statement (0: unknown); the `try` body runs from there to the first clause
    returns_value: bool = False  # its body ends in `return <value>` (not None): the function answers its caller with a fallback
    assigns: tuple[str, ...] = ()  # the names its body assigns (`creds = None`), in order, each once


@dataclass(frozen=True, slots=True)
class Read:
    """`base["field"]` or `base.field` read in a function; `names` are what the base expression reads.

    The base is a name (`event["id"]`, `order.total`) or a call (`json.loads(msg.value)["id"]`).
    """

    base: str
    field: str
    line: int
    col: int
    names: tuple[str, ...] = ()
    kind: str = "item"  # "item" for base["field"], "attr" for base.field
    sub: tuple[str, ...] = ()  # keys read below `field`: base["field"]["a"]["b"] has ("a", "b")


@dataclass(frozen=True, slots=True)
class Branch:
    """One arm of an `if`/`elif` or a `match` case that tests one value against keys.

    `test` is "eq" (`subject == key`, `subject in (k1, k2)`, `case "key":`) or "isinstance"
    (`isinstance(subject, K)`, `case K():`); `calls` are the calls made in the arm's body
    (the same objects as in the function's `calls`), the test's own calls left out.
    """

    subject: Expr
    keys: tuple[Expr, ...]
    test: str
    calls: tuple[Call, ...]


@dataclass(frozen=True, slots=True)
class Arms:
    """The lines of the two arms of an `if` statement (first and last of the body, first and last of the
    `elif`/`else`), as far as something was recorded in them: a name used in one arm never takes an
    assignment made in the other."""

    body_first: int
    body_last: int
    other_first: int
    other_last: int  # END_OF_FUNCTION: an `if` whose arm returns, and the rest of the function
    test: str = ""  # the `if`'s test when it is a name (`created`) or its negation (`!created`)


END_OF_FUNCTION = 10**9


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    annotation: Expr | None
    kind: str  # "pos", "kwonly", "star", "kwstar"
    default: Expr | None = None


@dataclass(frozen=True, slots=True)
class Decorator:
    expr: Expr
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Function:
    """A def (or the module body, named "<module>"); `name` is dotted within the module."""

    name: str
    line: int
    col: int
    cls: str | None
    parent: str | None
    params: tuple[Param, ...]
    decorators: tuple[Decorator, ...]
    assigns: tuple[Assign, ...]
    calls: tuple[Call, ...]
    loops: tuple[Loop, ...]
    returns: tuple[Expr, ...]
    return_annotation: Expr | None
    is_async: bool
    global_names: tuple[str, ...] = ()
    excepts: tuple[Except, ...] = ()
    reads: tuple[Read, ...] = ()
    stores: tuple[Store, ...] = ()
    branches: tuple[Branch, ...] = ()
    arms: tuple[Arms, ...] = ()
    comprehensions: tuple[Loop, ...] = ()  # the `for` clauses of comprehensions: their names take the iterated values
    # `if NAME:` statements in a `for`/`while` whose body ends in `continue`/`break`/`return`, with the rest of the
    # loop body (its `except` clauses left out) as the other arm: exclusive within one pass of the loop only, so
    # never in `arms` (a later pass runs the body after the rest); read for what a call runs under (`guards`)
    skips: tuple[Arms, ...] = ()


@dataclass(frozen=True, slots=True)
class Class:
    name: str
    line: int
    col: int
    bases: tuple[Expr, ...]
    decorators: tuple[Decorator, ...]
    attrs: tuple[Assign, ...]
    fields: tuple[str, ...]
    calls: tuple[Call, ...]
    annotations: tuple[tuple[str, Expr], ...] = ()
    keywords: tuple[tuple[str, Expr], ...] = ()  # class keywords: `class Order(Struct, rename="camel")`, `total=False`


@dataclass(frozen=True, slots=True)
class Import:
    local: str
    target: str
    line: int
    relative: bool = False  # `from . import x`: a name of the project, never a library's


@dataclass(frozen=True, slots=True)
class Module:
    path: str
    name: str
    imports: tuple[Import, ...]
    functions: tuple[Function, ...]
    classes: tuple[Class, ...]


MODULE_BODY = "<module>"


def unparse(expr: Expr | None) -> str:
    """Source-like text for an expression, used wherever a value is not statically known."""
    if expr is None:
        return ""
    match expr:
        case Name(id):
            return id
        case Attr(value, attr):
            return f"{unparse(value)}.{attr}"
        case Call(func, args, kwargs):
            parts = [unparse(a) for a in args]
            parts += [f"{k}={unparse(v)}" if k is not None else f"**{unparse(v)}" for k, v in kwargs]
            return f"{unparse(func)}({', '.join(parts)})"
        case Str(value):
            return repr(value)
        case Const(value):
            return repr(value)
        case FStr(parts):
            body = "".join(p if isinstance(p, str) else "{" + unparse(p) + "}" for p in parts)
            return "f" + repr(body)
        case Concat(left, right):
            return f"{unparse(left)} + {unparse(right)}"
        case Seq(items):
            return "[" + ", ".join(unparse(i) for i in items) + "]"
        case DictE(items):
            inner = ", ".join(
                f"{unparse(i.key)}: {unparse(i.value)}" if i.key is not None else f"**{unparse(i.value)}" for i in items
            )
            return "{" + inner + "}"
        case Sub(value, index):
            return f"{unparse(value)}[{unparse(index)}]"
        case Await(value):
            return f"await {unparse(value)}"
        case Starred(value):
            return f"*{unparse(value)}"
        case Lambda(params, body):
            return f"lambda {', '.join(params)}: {unparse(body)}"
        case Comp(elt, _):
            return f"[{unparse(elt)} for ...]"
        case Choice(options) if len(options) == 2:
            return f"({unparse(options[0])} if ... else {unparse(options[1])})"
        case At(value, _):
            return unparse(value)
        case Opaque(text):
            return text
    return "?"


def names_in(expr: Expr | None) -> set[str]:
    """Every plain name and `name.attr` the expression reads (for following a message through a body)."""
    found: set[str] = set()
    stack: list[object] = [expr]
    while stack:
        node = stack.pop()
        match node:
            case Name(id):
                found.add(id)
            case Attr(Name(id), attr):
                found.add(id)
                found.add(f"{id}.{attr}")
            case Attr(value, _):
                stack.append(value)
            case Call(func, args, kwargs):
                stack.append(func)
                stack.extend(args)
                stack.extend(v for _, v in kwargs)
            case FStr(parts):
                stack.extend(p for p in parts if not isinstance(p, str))
            case Concat(left, right):
                stack.extend((left, right))
            case Seq(items):
                stack.extend(items)
            case DictE(items):
                for item in items:
                    stack.append(item.value)
                    if item.key is not None:
                        stack.append(item.key)
            case Sub(value, index):
                stack.extend((value, index))
            case Await(value) | Starred(value):
                stack.append(value)
            case Lambda(_, body):
                stack.append(body)
            case Comp(elt, iters):
                stack.append(elt)
                stack.extend(iters)
            case Choice(options):
                stack.extend(options)
            case At(value, _):
                stack.append(value)
    return found


# calls that run a function they are handed, with the arguments after it: the function's position among the
# arguments, and whether keyword arguments go to it too (`asyncio.to_thread(fn, *args, **kwargs)`,
# `loop.run_in_executor(executor, fn, *args)`, `executor.submit(fn, *args, **kwargs)`)
HAND_OFFS = {"to_thread": (0, True), "run_in_executor": (1, False), "submit": (0, True)}


def handed_off(call: Call, imports: dict[str, str]) -> Call | None:
    """The call of the function `call` hands to a thread or executor, as that function will be called: `fn(*args)`
    at the hand-off's place. Only a function named by a name or an attribute is taken (not a lambda or a call)."""
    func = call.func
    if isinstance(func, Attr):
        terminal = func.attr
    elif isinstance(func, Name) and imports.get(func.id, "") == "asyncio.to_thread":
        terminal = "to_thread"
    else:
        return None
    spec = HAND_OFFS.get(terminal)
    if spec is None:
        return None
    index, keywords = spec
    if len(call.args) <= index or any(isinstance(a, Starred) for a in call.args[: index + 1]):
        return None
    target = call.args[index]
    if not isinstance(target, (Name, Attr)):
        return None
    kwargs = call.kwargs if keywords else ()
    return Call(target, call.args[index + 1 :], kwargs, call.line, call.col, call.awaited)
