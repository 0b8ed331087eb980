"""What the IR builders (`visitor` from libcst's tree, `astir` from CPython's) fill in while they walk a
module: plain data, no parser imported here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eventlint.extract import ir


def close_loop(builder: FunctionBuilder) -> None:
    """The end of a `for`/`while`: each `if` in it that skips the rest of the body has that rest as its other arm."""
    pending = builder.loop_skips.pop()
    if not pending:
        return
    # an `except` clause after the `if` runs when something raised, not when the test was false
    handling = {id(c) for clause in builder.excepts for c in clause.calls}
    for first, last, calls, assigns, test in pending:
        rest = [c.line for c in builder.calls[calls:] if id(c) not in handling] + [a.line for a in builder.assigns[assigns:]]
        rest = [line for line in rest if line > last]  # not the value the `if` leaves its names (at its last line)
        if rest:
            builder.skips.append(ir.Arms(first, last, min(rest), max(rest), test))


@dataclass
class FunctionBuilder:
    name: str
    line: int
    col: int
    cls: str | None
    parent: str | None
    params: tuple[ir.Param, ...] = ()
    decorators: tuple[ir.Decorator, ...] = ()
    return_annotation: ir.Expr | None = None
    is_async: bool = False
    self_name: str | None = None
    global_names: list[str] = field(default_factory=list)
    assigns: list[ir.Assign] = field(default_factory=list)
    calls: list[ir.Call] = field(default_factory=list)
    loops: list[ir.Loop] = field(default_factory=list)
    returns: list[ir.Expr] = field(default_factory=list)
    param_names: frozenset[str] = frozenset()
    local_names: set[str] = field(default_factory=set)
    excepts: list[ir.Except] = field(default_factory=list)
    open_excepts: list[ExceptBuilder] = field(default_factory=list)
    reads: list[ir.Read] = field(default_factory=list)
    stores: list[ir.Store] = field(default_factory=list)
    branches: list[ir.Branch] = field(default_factory=list)
    arms: list[ir.Arms] = field(default_factory=list)
    # loops and `try` statements open around the current statement: an `if` that returns inside one does not
    # make the statements after it exclusive with its arm (a later iteration, a `finally`)
    repeats: int = 0
    # one list per `for`/`while` open around the current statement: the `if NAME:` statements in it whose body
    # ends in `continue`/`break`/`return` (first and last line of the body, the calls and assignments recorded
    # before the rest of the loop body, the test); the rest of the body, known when the loop ends, is their
    # other arm (`if existing: continue` then the insert)
    loop_skips: list[list[tuple[int, int, int, int, str]]] = field(default_factory=list)
    skips: list[ir.Arms] = field(default_factory=list)
    comprehensions: list[ir.Loop] = field(default_factory=list)

    def build(self) -> ir.Function:
        return ir.Function(
            name=self.name,
            line=self.line,
            col=self.col,
            cls=self.cls,
            parent=self.parent,
            params=self.params,
            decorators=self.decorators,
            assigns=tuple(self.assigns),
            calls=tuple(self.calls),
            loops=tuple(self.loops),
            returns=tuple(self.returns),
            return_annotation=self.return_annotation,
            is_async=self.is_async,
            global_names=tuple(self.global_names),
            excepts=tuple(self.excepts),
            reads=tuple(self.reads),
            stores=tuple(self.stores),
            branches=tuple(self.branches),
            arms=tuple(self.arms),
            skips=tuple(self.skips),
            comprehensions=tuple(self.comprehensions),
        )


@dataclass
class ExceptBuilder:
    line: int
    types: tuple[str, ...]
    name: str | None
    calls: list[ir.Call] = field(default_factory=list)
    reraises: bool = False
    col: int = 1
    leaves: bool = False
    try_line: int = 0
    returns_value: bool = False
    assign_start: int = 0  # the function's count of assignments when the clause began: those after it are its own


def closed_except(builder: FunctionBuilder, clause: ExceptBuilder) -> ir.Except:
    """The record of a clause whose body has been walked: the names it assigns are the targets of the function's
    assignments made since the clause began (`creds = None`), in order, each once."""
    assigns = tuple(dict.fromkeys(a.target for a in builder.assigns[clause.assign_start :] if a.line >= clause.line))
    return ir.Except(
        clause.line, clause.types, clause.name, tuple(clause.calls), clause.reraises, clause.col, clause.leaves,
        clause.try_line, clause.returns_value, assigns,
    )


@dataclass
class ClassBuilder:
    name: str
    line: int
    col: int
    bases: tuple[ir.Expr, ...]
    decorators: tuple[ir.Decorator, ...]
    attrs: list[ir.Assign] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    calls: list[ir.Call] = field(default_factory=list)
    annotations: list[tuple[str, ir.Expr]] = field(default_factory=list)
    keywords: tuple[tuple[str, ir.Expr], ...] = ()

    def build(self) -> ir.Class:
        return ir.Class(
            name=self.name,
            line=self.line,
            col=self.col,
            bases=self.bases,
            decorators=self.decorators,
            attrs=tuple(self.attrs),
            fields=tuple(self.fields),
            calls=tuple(self.calls),
            annotations=tuple(self.annotations),
            keywords=self.keywords,
        )


@dataclass
class BranchFrame:
    """An `if` or `match` being visited: where the calls of its current arm start (and end)."""

    node: Any
    builder: FunctionBuilder | None
    start: int
    end: int | None = None
    # assignments: where the `if`'s own arm starts and ends, and the end of those made before the `if`
    # (for an `elif`, before the whole chain)
    assign_start: int = 0
    assign_end: int | None = None
    prior: int = 0


def value_like(expr: ir.Expr) -> bool:
    """An expression that names a value (a string, a name, an attribute, a lookup), not one that makes an
    object: clients made in the arms of an `if` keep the last assignment, as before."""
    match expr:
        case ir.Str() | ir.FStr() | ir.Concat() | ir.Name() | ir.Attr() | ir.Sub() | ir.Const():
            return True
        case ir.Choice(options):
            return all(value_like(o) for o in options)
        case ir.At(value, _):
            return value_like(value)
    return False


def calls_in(expr: ir.Expr) -> list[ir.Call]:
    """The calls inside an expression, itself included."""
    found: list[ir.Call] = []
    stack: list[object] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Call):
            found.append(node)
            stack.append(node.func)
            stack.extend(node.args)
            stack.extend(v for _, v in node.kwargs)
        elif isinstance(node, (ir.Attr, ir.Await, ir.Starred)):
            stack.append(node.value)
        elif isinstance(node, ir.Sub):
            stack.extend((node.value, node.index))
        elif isinstance(node, ir.Seq):
            stack.extend(node.items)
        elif isinstance(node, ir.Concat):
            stack.extend((node.left, node.right))
        elif isinstance(node, ir.FStr):
            stack.extend(p for p in node.parts if not isinstance(p, str))
        elif isinstance(node, ir.DictE):
            stack.extend(i.value for i in node.items)
    return found


def merge_arm_values(
    builder: FunctionBuilder,
    frame: BranchFrame,
    arms: list[tuple[Any, list[ir.Assign]]],
    terminates: Callable[[Any], bool],
) -> None:
    """After an `if`: each plain name an arm assigned gets a `Choice` of the values it may hold below the `if`.

    `arms` pairs each arm's tree node (None for a missing `else`) with the assignments made in it; `terminates`
    tells, in the builder's own tree, an arm that always leaves (its values never reach below the `if`). Each
    option is read where it was assigned, so an arm's `topic = topic + ".eu"` reads the value before the `if`.
    """
    names = list(dict.fromkeys(a.target for _, assigns in arms for a in assigns if "." not in a.target))
    if not names:
        return
    line = max([a.line for a in builder.assigns[frame.assign_start :]] + [c.line for c in builder.calls[frame.start :]])
    prior_assigns = builder.assigns[: frame.prior]
    for name in names:
        if name in builder.global_names:
            continue
        options: list[ir.Assign] = []
        for arm, assigns in arms:
            if arm is not None and terminates(arm):
                continue
            own = [a for a in assigns if a.target == name]
            if own:
                options.append(own[-1])
                continue
            before = [a for a in prior_assigns if a.target == name]
            if not before:
                options = []
                break
            options.append(before[-1])
        unique = list({id(o): o for o in options}.values())
        if not unique or not all(value_like(o.value) for o in unique):
            continue
        last = [a for a in builder.assigns if a.target == name][-1]
        if len(unique) > 1 or last is not unique[0]:  # (one value: an arm that returns assigned the last)
            choice = ir.Choice(tuple(ir.At(o.value, o.line) for o in unique))
            builder.assigns.append(ir.Assign(name, choice, line))
