"""One libcst pass per module: imports, assignments, calls, loops and definitions, as plain IR.

Only positions are requested from libcst's metadata (no scope or qualified-name
providers: they cost several times the parse); scopes are tracked with a stack.
"""

from __future__ import annotations

import ast
import collections.abc
import functools
import re
from collections.abc import Callable
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from eventlint.extract import ir
from eventlint.extract.builders import BranchFrame as _BranchFrame
from eventlint.extract.builders import ClassBuilder as _ClassBuilder
from eventlint.extract.builders import ExceptBuilder as _ExceptBuilder
from eventlint.extract.builders import FunctionBuilder as _FunctionBuilder
from eventlint.extract.builders import calls_in as _calls_in
from eventlint.extract.builders import close_loop as _close_loop
from eventlint.extract.builders import closed_except
from eventlint.extract.builders import merge_arm_values
from eventlint.extract.guard import ParseFailure, from_python, python_parse
from eventlint.extract.positions import AstPositions, PositionMismatch

__all__ = ["ParseFailure", "parse_module"]


def parse_module(
    source: bytes, path: str, module: str, python: tuple[ast.Module | None, SyntaxError | None] | None = None
) -> ir.Module:
    """Parse `source` (bytes; PEP 263 cookies and BOMs honoured) and summarise it. `python` is CPython's
    parse of the same bytes when the caller has it (`guard.python_parse`)."""
    python_tree, python_error = python if python is not None else python_parse(source)
    try:
        tree = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        if python_error is not None:
            raise from_python(python_error) from None
        first = str(exc).splitlines()
        detail = first[1].removeprefix("parser error: ") if len(first) > 1 else first[0]
        raise ParseFailure(
            f"libcst cannot parse this file although Python accepts it ({detail})", exc.raw_line, exc.raw_column + 1
        ) from None
    except SyntaxError as exc:  # libcst reports undecodable source this way
        raise ParseFailure(f"cannot decode the file: {exc.msg}; declare its encoding (PEP 263) or save it as UTF-8") from None
    except (UnicodeDecodeError, LookupError) as exc:
        raise ParseFailure(f"cannot decode the file: {exc}; declare its encoding (PEP 263) or save it as UTF-8") from None
    except RecursionError:
        raise ParseFailure("the file nests too deeply to parse") from None
    try:
        if python_tree is not None:
            try:
                positions = AstPositions(python_tree, source.decode(tree.encoding))
                visitor = _Visitor(tree, path, module, positions.take, lambda: positions.last_end)
                walk(tree, visitor)
                positions.check_consumed()
                return visitor.result()
            except (PositionMismatch, UnicodeDecodeError, LookupError):
                pass  # the trees disagree somewhere: let libcst compute positions itself
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        visitor = _Visitor(tree, path, module, None, None)
        wrapper.visit(visitor)
        return visitor.result()
    except RecursionError:
        raise ParseFailure("the file nests too deeply to analyse") from None


class _Visitor(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        tree: cst.Module,
        path: str,
        module: str,
        take: Callable[[str], tuple[int, int]] | None,
        last_end: Callable[[], int] | None,
    ) -> None:
        super().__init__()
        self._take = take
        self._last_end = last_end
        self._at: dict[int, tuple[int, int]] = {}
        self._ends: dict[int, int] = {}
        self._awaited: set[int] = set()
        self._tree = tree
        self._path = path
        self._module = module
        self._is_package = path.endswith("__init__.py")
        self._imports: list[ir.Import] = []
        self._functions: list[ir.Function] = []
        self._classes: list[ir.Class] = []
        self._stack: list[_FunctionBuilder | _ClassBuilder] = [_FunctionBuilder(ir.MODULE_BODY, 1, 1, None, None)]
        self._memo: dict[int, ir.Expr] = {}
        self._skip_calls = 0
        self._pending_with: list[tuple[cst.With, int]] = []
        self._callees: set[int] = set()
        self._chained: set[int] = set()  # inner attributes of a chain already read as one (`event.customer.id`)
        self._stores: set[int] = set()
        self._except_owners: list[_FunctionBuilder | None] = []
        self._try_lines: list[int] = []  # the line of each `try` the walk is in, innermost last
        self._branching: list[_BranchFrame] = []

    # libcst looks up `visit_<Node>_<attribute>` hooks for every field of every node, and
    # formats a method name per node; this visitor has no attribute hooks and caches the rest.
    def on_visit(self, node: cst.CSTNode) -> bool:
        hook = _hook(type(self), "visit", type(node))
        return True if hook is None else hook(self, node) is not False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        hook = _hook(type(self), "leave", type(original_node))
        if hook is not None:
            hook(self, original_node)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None

    def result(self) -> ir.Module:
        body = self._stack[0]
        assert isinstance(body, _FunctionBuilder)
        functions = [body.build(), *self._functions]
        return ir.Module(
            path=self._path,
            name=self._module,
            imports=tuple(self._imports),
            functions=tuple(functions),
            classes=tuple(self._classes),
        )

    # -- positions -------------------------------------------------------------

    def _pos(self, node: cst.CSTNode) -> tuple[int, int]:
        """Take the position of `node`; called exactly once per recorded node, in pre-order."""
        if self._take is None:
            span = self.get_metadata(PositionProvider, node)
            position = (span.start.line, span.start.column + 1)
            self._ends[id(node)] = span.end.line
        else:
            position = self._take(_KIND[type(node)])
            assert self._last_end is not None
            self._ends[id(node)] = self._last_end()
        self._at[id(node)] = position
        return position

    def _position(self, node: cst.CSTNode) -> tuple[int, int]:
        """The position taken for `node` when the traversal reached it."""
        return self._at[id(node)]

    # -- scopes ----------------------------------------------------------------

    def _function(self) -> _FunctionBuilder | None:
        top = self._stack[-1]
        return top if isinstance(top, _FunctionBuilder) else None

    def _qualname(self, name: str) -> str:
        # the enclosing def or class already carries its own qualified name
        return f"{self._stack[-1].name}.{name}" if len(self._stack) > 1 else name

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        line, col = self._pos(node)
        self._stack.append(_ClassBuilder(self._qualname(node.name.value), line, col, (), ()))
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        builder = self._stack.pop()
        assert isinstance(builder, _ClassBuilder)
        builder.bases = tuple(self._expr(arg.value) for arg in original_node.bases if arg.keyword is None)
        builder.keywords = tuple((arg.keyword.value, self._expr(arg.value)) for arg in original_node.keywords if arg.keyword is not None)
        builder.decorators = self._decorators(original_node.decorators)
        self._classes.append(builder.build())

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        line, col = self._pos(node)
        outer = self._stack[-1]
        cls = outer.name if isinstance(outer, _ClassBuilder) else None
        parent = outer.name if isinstance(outer, _FunctionBuilder) and len(self._stack) > 1 else None
        builder = _FunctionBuilder(
            name=self._qualname(node.name.value),
            line=line,
            col=col,
            cls=cls,
            parent=parent,
            is_async=node.asynchronous is not None,
        )
        params = node.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
        builder.param_names = frozenset(p.name.value for p in every)
        first = [*node.params.posonly_params, *node.params.params]
        is_static = any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators)
        if cls is not None and first and not is_static:
            builder.self_name = first[0].name.value
        self._stack.append(builder)
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        builder = self._stack.pop()
        assert isinstance(builder, _FunctionBuilder)
        builder.params = self._params(original_node.params)
        builder.decorators = self._decorators(original_node.decorators)
        if original_node.returns is not None:
            builder.return_annotation = self._expr(original_node.returns.annotation)
        self._functions.append(builder.build())

    def visit_Decorator(self, node: cst.Decorator) -> bool:
        self._pos(node)
        self._skip_calls += 1
        return True

    def leave_Decorator(self, original_node: cst.Decorator) -> None:
        self._skip_calls -= 1

    def visit_Parameters(self, node: cst.Parameters) -> bool:
        self._skip_calls += 1
        return True

    def leave_Parameters(self, original_node: cst.Parameters) -> None:
        self._skip_calls -= 1

    def _decorators(self, decorators: tuple[cst.Decorator, ...] | list[cst.Decorator]) -> tuple[ir.Decorator, ...]:
        out = []
        for dec in decorators:
            line, col = self._position(dec)
            out.append(ir.Decorator(self._expr(dec.decorator), line, col))
        return tuple(out)

    def _params(self, params: cst.Parameters) -> tuple[ir.Param, ...]:
        out: list[ir.Param] = []

        def add(param: cst.Param, kind: str) -> None:
            annotation = self._expr(param.annotation.annotation) if param.annotation else None
            default = self._expr(param.default) if param.default is not None else None
            out.append(ir.Param(param.name.value, annotation, kind, default))

        for p in (*params.posonly_params, *params.params):
            add(p, "pos")
        if isinstance(params.star_arg, cst.Param):
            add(params.star_arg, "star")
        for p in params.kwonly_params:
            add(p, "kwonly")
        if params.star_kwarg is not None:
            add(params.star_kwarg, "kwstar")
        return tuple(out)

    # -- imports ---------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> bool:
        line, _ = self._pos(node)
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._imports.append(ir.Import(alias.asname.name.value, dotted, line))
            else:
                head = dotted.split(".")[0]
                self._imports.append(ir.Import(head, head, line))
                if "." in dotted:
                    # `import a.b` also makes `a.b.x` reachable through the name `a`
                    self._imports.append(ir.Import(dotted, dotted, line))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        line, _ = self._pos(node)
        base = _dotted(node.module) if node.module is not None else ""
        if base is None:
            return False
        level = len(node.relative)
        if level:
            package = self._module.split(".")
            if not self._is_package:
                package = package[:-1]
            if level > 1:
                package = package[: len(package) - (level - 1)] if len(package) >= level - 1 else []
            base = ".".join([*package, base] if base else package)
        if isinstance(node.names, cst.ImportStar):
            self._imports.append(ir.Import("*", base, line))
            return False
        for alias in node.names:
            name = _dotted(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self._imports.append(ir.Import(local, f"{base}.{name}" if base else name, line, relative=level > 0))
        return False

    # -- statements ------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> bool:
        self._pos(node)
        for target in node.targets:
            self._bind_locals(target.target)
        return True

    def leave_Assign(self, original_node: cst.Assign) -> None:
        line, _ = self._position(original_node)
        for target in original_node.targets:
            self._assign(target.target, original_node.value, line)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        self._pos(node)
        self._stores.add(id(node.target))
        return True

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        node = original_node
        line, _ = self._position(node)
        top = self._stack[-1]
        if isinstance(top, _ClassBuilder) and isinstance(node.target, cst.Name):
            top.fields.append(node.target.value)
            top.annotations.append((node.target.value, self._expr(node.annotation.annotation)))
        if node.value is not None:
            self._assign(node.target, node.value, line, self._expr(node.annotation.annotation))

    def visit_Global(self, node: cst.Global) -> bool:
        builder = self._function()
        if builder is not None:
            builder.global_names.extend(n.name.value for n in node.names)
        return False

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        self._pos(node)
        return True

    def leave_NamedExpr(self, original_node: cst.NamedExpr) -> None:
        line, _ = self._position(original_node)
        self._assign(original_node.target, original_node.value, line)

    def visit_With(self, node: cst.With) -> bool:
        line, _ = self._pos(node)
        for item in node.items:
            if item.asname is not None:
                self._bind_locals(item.asname.name)
        # bound before the body runs, so names used in the body resolve to the context value
        self._pending_with.append((node, line))
        return True

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        self._flush_with()
        return True

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> bool:
        self._flush_with()
        return True

    def _flush_with(self) -> None:
        while self._pending_with:
            node, line = self._pending_with.pop(0)
            for item in node.items:
                if item.asname is not None:
                    self._assign(item.asname.name, item.item, line)

    def visit_For(self, node: cst.For) -> bool:
        self._pos(node)
        self._bind_locals(node.target)
        self._repeat(1)
        self._open_loop()
        return True

    def _open_loop(self) -> None:
        builder = self._function()
        if builder is not None:
            builder.loop_skips.append([])

    def _repeat(self, step: int) -> None:
        builder = self._function()
        if builder is not None:
            builder.repeats += step

    def leave_CompFor(self, original_node: cst.CompFor) -> None:
        builder = self._function()
        if builder is not None:
            targets = tuple(_target_names(original_node.target))
            builder.comprehensions.append(ir.Loop(targets, self._expr(original_node.iter), 0))

    def visit_While(self, node: cst.While) -> bool:
        self._repeat(1)
        self._open_loop()
        return True

    def leave_While(self, original_node: cst.While) -> None:
        builder = self._function()
        if builder is not None:
            _close_loop(builder)
        self._repeat(-1)

    def visit_Try(self, node: cst.Try) -> bool:
        self._repeat(1)
        self._try_lines.append(self._pos(node)[0])
        return True

    def leave_Try(self, original_node: cst.Try) -> None:
        self._repeat(-1)
        self._try_lines.pop()

    def visit_TryStar(self, node: cst.TryStar) -> bool:
        self._repeat(1)
        self._try_lines.append(self._pos(node)[0])
        return True

    def leave_TryStar(self, original_node: cst.TryStar) -> None:
        self._repeat(-1)
        self._try_lines.pop()

    def _bind_locals(self, target: cst.BaseExpression) -> None:
        """Names bound in a function: their attribute reads may be reads of message fields."""
        builder = self._function()
        if builder is not None:
            builder.local_names.update(_target_names(target))

    def leave_For(self, original_node: cst.For) -> None:
        line, _ = self._position(original_node)
        builder = self._function()
        if builder is not None:
            _close_loop(builder)
            builder.repeats -= 1
            targets = tuple(_target_names(original_node.target))
            end = self._ends.get(id(original_node), line)
            builder.loops.append(ir.Loop(targets, self._expr(original_node.iter), line, end))

    def visit_Await(self, node: cst.Await) -> bool:
        if isinstance(node.expression, cst.Call):
            self._awaited.add(id(node.expression))
        return True

    def leave_Return(self, original_node: cst.Return) -> None:
        builder = self._function()
        if builder is not None and original_node.value is not None:
            builder.returns.append(self._expr(original_node.value))

    def _assign(
        self, target: cst.BaseExpression, value: cst.BaseExpression, line: int, annotation: ir.Expr | None = None
    ) -> None:
        top = self._stack[-1]
        if isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            values = value.elements if isinstance(value, (cst.Tuple, cst.List)) else None
            starred = [i for i, e in enumerate(target.elements) if isinstance(e, cst.StarredElement)]
            if values is not None and len(values) == len(elements):
                for sub_target, sub_value in zip(elements, values):
                    self._assign(sub_target, sub_value.value, line)
            elif values is None and len(starred) <= 1:
                self._unpack(top, list(target.elements), self._expr(value), self._text(value), line)
            else:
                for sub_target in elements:
                    for name in _target_names(sub_target):
                        self._record(top, name, ir.Opaque(self._text(value)), line)
            return
        if isinstance(target, cst.Subscript) and isinstance(top, _FunctionBuilder):
            # name[key] = value, and self.attr[key] = value (a registry filled by a decorator)
            stored = self._target(target.value, top) if isinstance(target.value, (cst.Name, cst.Attribute)) else None
            index = target.slice[0].slice if len(target.slice) == 1 else None
            if stored is not None and (isinstance(target.value, cst.Name) or stored.startswith("self.")) and isinstance(index, cst.Index):
                top.stores.append(ir.Store(stored, self._expr(index.value), self._expr(value), line))
            return
        name = self._target(target, top)
        if name is not None:
            self._record(top, name, self._expr(value), line, annotation)

    def _unpack(
        self, top: _FunctionBuilder | _ClassBuilder, targets: list[cst.BaseElement], whole: ir.Expr, text: str, line: int
    ) -> None:
        """`_, producer, consumer, _ = make_clients(cfg)`: each target is one item of `whole`, counted from the end
        after a starred target (which takes the rest: `text`, opaque); a nested target (`(a, b), c = ...`) unpacks
        its item the same way. Two starred targets in one level are not Python: every name there is opaque."""
        starred = [i for i, e in enumerate(targets) if isinstance(e, cst.StarredElement)]
        star = starred[0] if len(starred) == 1 else len(targets)
        for index, element in enumerate(targets):
            sub_target = element.value
            if index == star or len(starred) > 1:
                for name in _target_names(sub_target):
                    self._record(top, name, ir.Opaque(text), line)
                continue
            item = ir.Sub(whole, ir.Const(index if index < star else index - len(targets)))
            if isinstance(sub_target, (cst.Tuple, cst.List)):
                self._unpack(top, list(sub_target.elements), item, text, line)
                continue
            name = self._target(sub_target, top)
            if name is not None:
                self._record(top, name, item, line)
            else:
                for name in _target_names(sub_target):
                    self._record(top, name, ir.Opaque(text), line)

    def _record(
        self, top: _FunctionBuilder | _ClassBuilder, name: str, value: ir.Expr, line: int, annotation: ir.Expr | None = None
    ) -> None:
        if isinstance(top, _ClassBuilder):
            top.attrs.append(ir.Assign(name, value, line, annotation))
        else:
            top.assigns.append(ir.Assign(name, value, line, annotation))

    def _target(self, target: cst.BaseExpression, top: _FunctionBuilder | _ClassBuilder) -> str | None:
        if isinstance(target, cst.Name):
            return target.value
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            base = target.value.value
            if isinstance(top, _FunctionBuilder) and top.self_name is not None and base == top.self_name:
                base = "self"
            return f"{base}.{target.attr.value}"
        if isinstance(target, cst.Attribute):
            # app.conf.beat_schedule = {...}: a setting of an object reached through attributes (not `self.a.b`)
            path = _dotted(target)
            if path is not None and not (isinstance(top, _FunctionBuilder) and path.split(".", 1)[0] == top.self_name):
                return path
        return None

    def visit_Call(self, node: cst.Call) -> bool:
        self._pos(node)
        self._callees.add(id(node.func))
        return True

    def leave_Call(self, original_node: cst.Call) -> None:
        if self._skip_calls:
            return
        call = self._expr(original_node)
        if isinstance(call, ir.Call):
            top = self._stack[-1]
            top.calls.append(call)
            if isinstance(top, _FunctionBuilder):
                for clause in top.open_excepts:
                    clause.calls.append(call)

    # -- branches: dispatch on a value (if/elif, match) -------------------------------

    def visit_If(self, node: cst.If) -> bool:
        builder = self._function()
        prior = len(builder.assigns) if builder is not None else 0
        if builder is not None:
            self._arm_ends(node, builder)
            outer = self._branching[-1] if self._branching else None
            if outer is not None and isinstance(outer.node, cst.If) and outer.node.orelse is node and outer.builder is builder:
                prior = outer.prior  # an `elif`: what held before the whole chain
        count = len(builder.assigns) if builder is not None else 0
        self._branching.append(_BranchFrame(node, builder, len(builder.calls) if builder is not None else 0, None, count, None, prior))
        return True

    def visit_Else(self, node: cst.Else) -> bool:
        builder = self._function()
        if builder is not None:
            self._arm_ends(node, builder)
        return True

    def _arm_ends(self, node: cst.CSTNode, builder: _FunctionBuilder) -> None:
        """`node` is the `elif`/`else` of the enclosing `if`: that `if`'s own arm ends here."""
        if self._branching:
            frame = self._branching[-1]
            if isinstance(frame.node, cst.If) and frame.node.orelse is node and frame.builder is builder:
                frame.end = len(builder.calls)
                frame.assign_end = len(builder.assigns)

    def leave_If(self, original_node: cst.If) -> None:
        frame = self._branching.pop()
        builder = frame.builder
        if builder is None or builder is not self._function():
            return
        self._branch_values(original_node, frame, builder)
        test = _branch_test(original_node.test)
        if test is None:
            return
        subject, keys, kind = test
        end = frame.end if frame.end is not None else len(builder.calls)
        skip = {id(c) for c in self._test_calls(original_node.test)}
        calls = tuple(c for c in builder.calls[frame.start : end] if id(c) not in skip)
        builder.branches.append(ir.Branch(self._expr(subject), tuple(self._expr(k) for k in keys), kind, calls))

    def _branch_values(self, node: cst.If, frame: _BranchFrame, builder: _FunctionBuilder) -> None:
        """A name assigned in the arms of an `if` statement is, after it, one of the values its arms leave
        (an arm with no assignment leaves the value from before the `if`; an arm that returns, raises,
        breaks or continues leaves none): recorded as one assignment of a `Choice` at the `if`'s last
        recorded line, so a site below the `if` sees the set and a site inside an arm its own value."""
        middle = frame.assign_end if frame.assign_end is not None else len(builder.assigns)
        if node.orelse is not None and frame.end is not None:
            body = [a.line for a in builder.assigns[frame.assign_start : middle]] + [c.line for c in builder.calls[frame.start : frame.end]]
            other = [a.line for a in builder.assigns[middle:]] + [c.line for c in builder.calls[frame.end :]]
            if body and other:
                builder.arms.append(ir.Arms(min(body), max(body), min(other), max(other), _test_name(node.test)))
        elif node.orelse is None and _test_name(node.test) and not _exits(node.body):
            # `if created:` around the work: the body runs only when the name is true (no other arm)
            body = [a.line for a in builder.assigns[frame.assign_start :]] + [c.line for c in builder.calls[frame.start :]]
            if body:
                builder.arms.append(ir.Arms(min(body), max(body), 1, 0, _test_name(node.test)))
        elif node.orelse is None and builder.repeats == 0 and _exits(node.body):
            # `if c: return a()` then `b()`: the rest of the function is the other arm (no loop or `try` around
            # the `if` brings control back past the return)
            skip = {id(c) for c in self._test_calls(node.test)}
            body = [a.line for a in builder.assigns[frame.assign_start :]] + [
                c.line for c in builder.calls[frame.start :] if id(c) not in skip
            ]
            if body:
                builder.arms.append(ir.Arms(min(body), max(body), max(body) + 1, ir.END_OF_FUNCTION, _test_name(node.test)))
            elif _test_name(node.test) and (builder.calls or builder.assigns):
                # `if not created: return`: an arm with nothing recorded in it; everything recorded from here on
                # is below the `if`
                last = max([c.line for c in builder.calls] + [a.line for a in builder.assigns])
                builder.arms.append(ir.Arms(0, -1, last + 1, ir.END_OF_FUNCTION, _test_name(node.test)))
        if node.orelse is None and _test_name(node.test) and builder.loop_skips and _ends_in(node.body, _SKIPS):
            # `if existing: continue` in a loop: the rest of the loop body, known when the loop ends, is its other arm
            skip = {id(c) for c in self._test_calls(node.test)}
            body = [a.line for a in builder.assigns[frame.assign_start :]] + [
                c.line for c in builder.calls[frame.start :] if id(c) not in skip
            ]
            first, last = (min(body), max(body)) if body else (0, -1)
            builder.loop_skips[-1].append((first, last, len(builder.calls), len(builder.assigns), _test_name(node.test)))
        arms: list[tuple[cst.CSTNode | None, list[ir.Assign]]] = [(node.body, builder.assigns[frame.assign_start : middle])]
        orelse = node.orelse
        arms.append((orelse, builder.assigns[middle:] if orelse is not None else []))
        merge_arm_values(builder, frame, arms, _terminates)

    def _test_calls(self, test: cst.BaseExpression) -> list[ir.Call]:
        """The calls a branch's test makes (they are not the arm's)."""
        if isinstance(test, cst.Comparison):
            return [c for part in (test.left, *(t.comparator for t in test.comparisons)) for c in self._test_calls(part)]
        if isinstance(test, cst.BooleanOperation):
            return self._test_calls(test.left) + self._test_calls(test.right)
        if isinstance(test, cst.UnaryOperation):
            return self._test_calls(test.expression)
        return _calls_in(self._expr(test))

    def visit_Match(self, node: cst.Match) -> bool:
        builder = self._function()
        self._branching.append(_BranchFrame(node, builder, len(builder.calls) if builder is not None else 0))
        return True

    def leave_Match(self, original_node: cst.Match) -> None:
        self._branching.pop()

    def visit_MatchCase(self, node: cst.MatchCase) -> bool:
        frame = self._branching[-1] if self._branching else None
        if frame is not None and frame.builder is not None:
            frame.start = len(frame.builder.calls)
        return True

    def leave_MatchCase(self, original_node: cst.MatchCase) -> None:
        frame = self._branching[-1] if self._branching else None
        if frame is None or frame.builder is None or frame.builder is not self._function() or not isinstance(frame.node, cst.Match):
            return
        test = _case_test(frame.node.subject, original_node.pattern)
        if test is None:
            return
        subject, keys, kind = test
        skip = {id(c) for c in self._test_calls(original_node.guard)} if original_node.guard is not None else set()
        calls = tuple(c for c in frame.builder.calls[frame.start :] if id(c) not in skip)
        converted = self._expr(subject) if isinstance(subject, cst.BaseExpression) else ir.Sub(self._expr(subject[0]), ir.Str(subject[1]))
        frame.builder.branches.append(ir.Branch(converted, tuple(self._expr(k) for k in keys), kind, calls))


    # -- exceptions and reads ----------------------------------------------------

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> bool:
        self._open_except(node)
        return True

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self._close_except()

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> bool:
        self._open_except(node)
        return True

    def leave_ExceptStarHandler(self, original_node: cst.ExceptStarHandler) -> None:
        self._close_except()

    def _open_except(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        line, col = self._pos(node)
        builder = self._function()
        self._except_owners.append(builder)
        if builder is None:
            return
        kind = node.type
        exprs = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind] if kind is not None else []
        types = tuple(_dotted(e) or self._text(e) for e in exprs)
        name = node.name.name.value if node.name is not None and isinstance(node.name.name, cst.Name) else None
        leaves = _ends_in(node.body, (cst.Continue, cst.Break, cst.Return))
        try_line = self._try_lines[-1] if self._try_lines else 0
        builder.open_excepts.append(
            _ExceptBuilder(
                line, types, name, col=col, leaves=leaves, try_line=try_line, returns_value=_returns_value(node.body),
                assign_start=len(builder.assigns),
            )
        )

    def _close_except(self) -> None:
        builder = self._except_owners.pop()
        if builder is None:
            return
        builder.excepts.append(closed_except(builder, builder.open_excepts.pop()))

    def visit_Raise(self, node: cst.Raise) -> bool:
        builder = self._function()
        if builder is not None and builder.open_excepts:
            builder.open_excepts[-1].reraises = True
        return True

    def visit_Subscript(self, node: cst.Subscript) -> bool:
        self._pos(node)
        return True

    def leave_Subscript(self, original_node: cst.Subscript) -> None:
        node = original_node
        builder = self._function()
        if builder is None or len(node.slice) != 1 or id(node) in self._stores:
            return
        index = node.slice[0].slice
        if not (isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString)):
            return
        field_name = string_value(index.value)
        if not isinstance(field_name, str):
            return
        line, col = self._position(node)
        keys = [field_name]
        value = node.value
        while isinstance(value, cst.Subscript) and len(value.slice) == 1:  # event["order"]["id"]: one read, nested
            inner = value.slice[0].slice
            key = string_value(inner.value) if isinstance(inner, cst.Index) and isinstance(inner.value, cst.SimpleString) else None
            if not isinstance(key, str):
                return
            keys.insert(0, key)
            value = value.value
        field_name, sub = keys[0], tuple(keys[1:])
        if isinstance(value, cst.Name):
            builder.reads.append(ir.Read(value.value, field_name, line, col, (value.value,), sub=sub))
        elif isinstance(value, cst.Call):
            base = self._expr(value)
            builder.reads.append(ir.Read(ir.unparse(base), field_name, line, col, tuple(sorted(ir.names_in(base))), sub=sub))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        line, col = self._pos(node)
        builder = self._function()
        if builder is None or id(node) in self._callees or id(node) in self._stores or id(node) in self._chained:
            return True
        # `event.customer.id`: one read of `customer` with `id` below it (the inner attributes are not read again)
        attrs = [node.attr.value]
        inner = node.value
        while isinstance(inner, cst.Attribute):
            attrs.append(inner.attr.value)
            inner = inner.value
        if isinstance(inner, cst.Name) and (inner.value in builder.param_names or inner.value in builder.local_names):
            if len(attrs) > 1:
                value = node.value
                while isinstance(value, cst.Attribute):
                    self._chained.add(id(value))
                    value = value.value
            attrs.reverse()
            builder.reads.append(ir.Read(inner.value, attrs[0], line, col, (inner.value,), "attr", sub=tuple(attrs[1:])))
        return True

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        self._stores.add(id(node.target))
        return True

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        self._stores.add(id(node.target))
        return True

    def visit_DictElement(self, node: cst.DictElement) -> bool:
        self._pos(node)
        return True

    def visit_StarredDictElement(self, node: cst.StarredDictElement) -> bool:
        self._pos(node)
        return True

    # -- expressions -----------------------------------------------------------

    def _text(self, node: cst.CSTNode) -> str:
        text = " ".join(self._tree.code_for_node(node).split())
        return text if len(text) <= 120 else text[:117] + "..."

    def _expr(self, node: cst.BaseExpression) -> ir.Expr:
        key = id(node)
        found = self._memo.get(key)
        if found is None:
            found = self._convert(node)
            self._memo[key] = found
        return found

    def _percent_format(self, node: cst.BinaryOperation) -> ir.FStr | None:
        """`"%s/v1.0/publish/%s/%s" % (base, pubsub, topic)` as the f-string it means (%s, %d, %i and %% only)."""
        left = self._expr(node.left)
        if not isinstance(left, ir.Str) or left.value.endswith("%") and not left.value.endswith("%%"):
            return None
        right = node.right
        elements = right.elements if isinstance(right, cst.Tuple) else None
        if elements is not None and any(isinstance(e, cst.StarredElement) for e in elements):
            return None
        values = [e.value for e in elements] if elements is not None else [right]
        pieces = re.split(r"%(.)", left.value, flags=re.DOTALL)
        parts: list[str | ir.Expr] = []
        text = ""
        used = 0
        for index, piece in enumerate(pieces):
            if index % 2 == 0:
                text += piece
            elif piece == "%":
                text += "%"
            elif piece in ("s", "d", "i") and used < len(values):
                if text:
                    parts.append(text)
                text = ""
                parts.append(self._expr(values[used]))
                used += 1
            else:
                return None  # a conversion this does not read (%(name)s, %-5s, %r), or too few values
        if text:
            parts.append(text)
        return ir.FStr(tuple(parts)) if used == len(values) and used else None

    def _convert(self, node: cst.BaseExpression) -> ir.Expr:
        # `type(node) is` rather than `isinstance`: libcst's nodes are ABCs, so every `isinstance` that fails
        # is a Python-level `ABCMeta.__instancecheck__` call; none of these classes has a subclass (a test says so)
        kind = type(node)
        if kind is cst.Name:
            if node.value in ("True", "False", "None"):
                return ir.Const({"True": True, "False": False, "None": None}[node.value])
            return ir.Name(node.value)
        if kind is cst.Attribute:
            return ir.Attr(self._expr(node.value), node.attr.value)
        if kind is cst.Call:
            line, col = self._position(node)
            args: list[ir.Expr] = []
            kwargs: list[tuple[str | None, ir.Expr]] = []
            for arg in node.args:
                value = self._expr(arg.value)
                if arg.keyword is not None:
                    kwargs.append((arg.keyword.value, value))
                elif arg.star == "**":
                    kwargs.append((None, value))
                elif arg.star == "*":
                    args.append(ir.Starred(value))
                else:
                    args.append(value)
            return ir.Call(self._expr(node.func), tuple(args), tuple(kwargs), line, col, id(node) in self._awaited)
        if kind is cst.SimpleString:
            value = string_value(node)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            return ir.Str(value)
        if kind is cst.ConcatenatedString:
            value = node.evaluated_value
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if isinstance(value, str):
                return ir.Str(value)
            return ir.Concat(self._expr(node.left), self._expr(node.right))
        if kind is cst.FormattedString:
            parts: list[str | ir.Expr] = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append(part.value)
                elif isinstance(part, cst.FormattedStringExpression):
                    parts.append(self._expr(part.expression))
            return ir.FStr(tuple(parts))
        if kind in (cst.Integer, cst.Float):
            try:
                return ir.Const(node.evaluated_value)
            except (ValueError, OverflowError):
                return ir.Opaque(node.value)
        if kind in (cst.List, cst.Tuple, cst.Set):
            items: list[ir.Expr] = []
            for element in node.elements:
                value = self._expr(element.value)
                items.append(ir.Starred(value) if isinstance(element, cst.StarredElement) else value)
            return ir.Seq(tuple(items))
        if kind is cst.Dict:
            entries = []
            for element in node.elements:
                line, col = self._position(element)
                if isinstance(element, cst.DictElement):
                    entries.append(ir.DictItem(self._expr(element.key), self._expr(element.value), line, col))
                else:
                    entries.append(ir.DictItem(None, self._expr(element.value), line, col))
            return ir.DictE(tuple(entries))
        if kind is cst.Subscript:
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                return ir.Sub(self._expr(node.value), self._expr(node.slice[0].slice.value))
            return ir.Opaque(self._text(node))
        if kind is cst.Await:
            return ir.Await(self._expr(node.expression))
        if kind is cst.BinaryOperation and isinstance(node.operator, cst.Add):
            return ir.Concat(self._expr(node.left), self._expr(node.right))
        if kind is cst.BinaryOperation and isinstance(node.operator, cst.Modulo):
            formatted = self._percent_format(node)
            if formatted is not None:
                return formatted
        if kind is cst.Lambda:
            names = tuple(p.name.value for p in node.params.params)
            return ir.Lambda(names, self._expr(node.body))
        if kind is cst.NamedExpr:
            return self._expr(node.value)
        if kind is cst.IfExp:
            return ir.Choice((self._expr(node.body), self._expr(node.orelse)))
        if kind in (cst.ListComp, cst.SetComp, cst.GeneratorExp):
            iters = []
            clause: cst.CompFor | None = node.for_in
            while clause is not None:
                iters.append(self._expr(clause.iter))
                clause = clause.inner_for_in
            first = node.for_in.target
            return ir.Comp(self._expr(node.elt), tuple(iters), first.value if isinstance(first, cst.Name) else "")
        return ir.Opaque(self._text(node))


Test = tuple[Any, tuple[cst.BaseExpression, ...], str]

_LEAVES = (cst.Return, cst.Raise, cst.Continue, cst.Break)
_EXITS = (cst.Return, cst.Raise)
_SKIPS = (cst.Continue, cst.Break, cst.Return)


def _test_name(test: cst.BaseExpression) -> str:
    """`created` for `if created:`, `!created` for `if not created:`, "" for any other test."""
    if isinstance(test, cst.Name):
        return test.value
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) and isinstance(test.expression, cst.Name):
        return "!" + test.expression.value
    return ""


def _ends_in(block: cst.BaseSuite, kinds: tuple[type, ...]) -> bool:
    """The block's last statement is one of `kinds` (`continue`, `return`, ...)."""
    if isinstance(block, cst.SimpleStatementSuite):
        return bool(block.body) and isinstance(block.body[-1], kinds)
    if isinstance(block, cst.IndentedBlock) and block.body:
        last = block.body[-1]
        return isinstance(last, cst.SimpleStatementLine) and bool(last.body) and isinstance(last.body[-1], kinds)
    return False


def _returns_value(block: cst.BaseSuite) -> bool:
    """The block ends in `return <value>`, a value other than None: a function answering its caller with a fallback."""
    if isinstance(block, cst.SimpleStatementSuite):
        last = block.body[-1] if block.body else None
    elif isinstance(block, cst.IndentedBlock) and block.body and isinstance(block.body[-1], cst.SimpleStatementLine):
        statements = block.body[-1].body
        last = statements[-1] if statements else None
    else:
        return False
    value = last.value if isinstance(last, cst.Return) else None
    return value is not None and not (isinstance(value, cst.Name) and value.value == "None")


def _exits(arm: cst.CSTNode) -> bool:
    """Whether this arm of an `if` always leaves the function (it ends in return/raise)."""
    if isinstance(arm, cst.SimpleStatementSuite):
        return bool(arm.body) and isinstance(arm.body[-1], _EXITS)
    if isinstance(arm, cst.IndentedBlock) and arm.body:
        last = arm.body[-1]
        if isinstance(last, cst.SimpleStatementLine):
            return bool(last.body) and isinstance(last.body[-1], _EXITS)
        if isinstance(last, cst.If):
            return _exits(last.body) and last.orelse is not None and _exits(last.orelse.body if isinstance(last.orelse, cst.Else) else last.orelse)
    if isinstance(arm, cst.If):
        return _exits(arm.body) and arm.orelse is not None and _exits(arm.orelse.body if isinstance(arm.orelse, cst.Else) else arm.orelse)
    return False


def _terminates(arm: cst.CSTNode) -> bool:
    """Whether control never leaves this arm of an `if` downwards (it ends in return/raise/break/continue)."""
    if isinstance(arm, cst.If):
        return _terminates(arm.body) and arm.orelse is not None and _terminates(arm.orelse)
    if isinstance(arm, cst.Else):
        return _terminates(arm.body)
    if isinstance(arm, cst.SimpleStatementSuite):
        return bool(arm.body) and isinstance(arm.body[-1], _LEAVES)
    if isinstance(arm, cst.IndentedBlock) and arm.body:
        last = arm.body[-1]
        if isinstance(last, cst.SimpleStatementLine):
            return bool(last.body) and isinstance(last.body[-1], _LEAVES)
        if isinstance(last, cst.If):
            return _terminates(last)
    return False


def _branch_test(test: cst.BaseExpression) -> Test | None:
    """`x == k`, `k == x`, `x is K`, `x in (k1, k2)`, `isinstance(x, K)`, `isinstance(x, (A, B))`, and `or` of these."""
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if isinstance(target.operator, (cst.Equal, cst.Is)):
            return test.left, (target.comparator,), "eq"
        if isinstance(target.operator, cst.In) and isinstance(target.comparator, (cst.Tuple, cst.List, cst.Set)):
            items = tuple(e.value for e in target.comparator.elements if not isinstance(e, cst.StarredElement))
            if items and len(items) == len(target.comparator.elements):
                return test.left, items, "eq"
        return None
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "isinstance":
        args = test.args
        if len(args) == 2 and all(a.keyword is None and not a.star for a in args):
            kinds = args[1].value
            if isinstance(kinds, cst.Tuple):
                return args[0].value, tuple(e.value for e in kinds.elements), "isinstance"
            return args[0].value, (kinds,), "isinstance"
        return None
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        left, right = _branch_test(test.left), _branch_test(test.right)
        if left is not None and right is not None and left[2] == right[2] and left[0].deep_equals(right[0]):
            return left[0], left[1] + right[1], left[2]
    return None


def _case_test(subject: cst.BaseExpression, pattern: cst.MatchPattern) -> Test | None:
    """A `case` over literal values, classes, or one literal key of a mapping (`case {"type": "x"}`)."""
    if isinstance(pattern, cst.MatchAs):
        return _case_test(subject, pattern.pattern) if pattern.pattern is not None else None
    if isinstance(pattern, cst.MatchValue):
        return subject, (pattern.value,), "eq"
    if isinstance(pattern, cst.MatchClass):
        return subject, (pattern.cls,), "isinstance"
    if isinstance(pattern, cst.MatchOr):
        found = [_case_test(subject, p.pattern) for p in pattern.patterns]
        if found and all(f is not None and f[2] == found[0][2] and f[0] is found[0][0] for f in found):
            return subject, tuple(k for f in found for k in f[1]), found[0][2]  # type: ignore[index]
        return None
    if isinstance(pattern, cst.MatchMapping) and len(pattern.elements) == 1:
        element = pattern.elements[0]
        if isinstance(element.key, cst.SimpleString) and isinstance(element.pattern, cst.MatchValue):
            key = string_value(element.key)
            if isinstance(key, str):
                return (subject, key), (element.pattern.value,), "eq"
    return None


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base is not None else None
    return None


def _target_names(node: cst.BaseExpression) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in node.elements:
            names.extend(_target_names(element.value))
        return names
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value)
    return []


_KIND: dict[type, str] = {
    cst.Subscript: "subscript",
    cst.Attribute: "attribute",
    cst.ExceptHandler: "except",
    cst.ExceptStarHandler: "except",
    cst.Try: "try",
    cst.TryStar: "try",
    cst.Call: "call",
    cst.DictElement: "dict",
    cst.StarredDictElement: "dict",
    cst.Decorator: "decorator",
    cst.FunctionDef: "def",
    cst.ClassDef: "class",
    cst.Assign: "assign",
    cst.AnnAssign: "annassign",
    cst.NamedExpr: "namedexpr",
    cst.With: "with",
    cst.For: "for",
    cst.Import: "import",
    cst.ImportFrom: "importfrom",
}


_HOOKS: dict[tuple[type, str, type], Callable[..., object] | None] = {}


def _hook(visitor: type, prefix: str, node_type: type) -> Callable[..., object] | None:
    key = (visitor, prefix, node_type)
    try:
        return _HOOKS[key]
    except KeyError:
        found = getattr(visitor, f"{prefix}_{node_type.__name__}", None)
        _HOOKS[key] = found
        return found


def string_value(node: cst.SimpleString) -> str | bytes:
    """The value of a string literal. libcst evaluates every literal with `ast.literal_eval` (a parse
    per string); a literal without prefix, escapes or carriage returns is its text between the quotes."""
    raw = node.value
    if raw[:1] in ("'", '"') and "\\" not in raw and "\r" not in raw:
        quote = 3 if raw[:3] in ("\'\'\'", '"""') and len(raw) >= 6 else 1
        return raw[quote:-quote]
    return node.evaluated_value


# -- a read-only walk ---------------------------------------------------------------------------------
#
# libcst's `node.visit(visitor)` rebuilds every node on the way back up (and validates each rebuilt
# node), even for a visitor that changes nothing: that was more than half the cost of a parse. This
# walk calls the same hooks in the same order without rebuilding anything. The order of a node's
# children is the order in which its own `_visit_and_replace_children` visits its fields, read once
# per class from that method's source; a class whose order cannot be read is visited by libcst.

_VISIT_HELPERS = frozenset({"visit_required", "visit_optional", "visit_sentinel", "visit_sequence", "visit_body_sequence", "visit_iterable"})
_FIELD_ORDER: dict[type, tuple[str, ...] | None] = {}
# Whitespace, comments, punctuation and operators hold nothing but more of the same: no hook of
# `_Visitor` fires inside them, so visiting them is a no-op that the walk skips.
_INERT_BASES = (
    cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline, cst.Comment,
    cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual, cst.LeftParen, cst.RightParen,
    cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace,
    cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp, cst.Asynchronous,
)  # fmt: skip
_INERT = frozenset(
    value for value in vars(cst).values() if isinstance(value, type) and issubclass(value, _INERT_BASES)
)


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """Visit `node` and its descendants exactly as `node.visit(visitor)` would, without rebuilding them."""
    kind = type(visitor)
    plans = _PLANS.get(kind)
    if plans is None:
        plans = _PLANS[kind] = {}
    _walk(node, visitor, plans)


# Per visitor class and node class, what the walk does with a node, decided once: skip it (inert, no hook),
# hand it to libcst (its field order cannot be read), or (field order, visit hook, leave hook). The hooks are
# the visitor class's own functions, called directly: libcst's `on_visit`/`on_leave` would look them up by
# name on every node, and libcst's default hooks do nothing. (A visitor that overrides `on_visit`/`on_leave`
# itself is driven through them.)
_Plan = tuple[tuple[str, ...], Callable[..., object] | None, Callable[..., object] | None]
_SKIP: Any = "skip"
_LIBCST: Any = "libcst"
_PLANS: dict[type, dict[type, Any]] = {}


def _walk(node: cst.CSTNode, visitor: cst.CSTVisitor, plans: dict[type, Any]) -> None:
    cls = type(node)
    plan = plans.get(cls)
    if plan is None:
        plan = plans[cls] = _plan(type(visitor), cls)
    if plan is _SKIP:
        return
    if plan is _LIBCST:
        node.visit(visitor)
        return
    order, visit, leave = plan
    if visit is None or visit(visitor, node) is not False:
        shapes = _SHAPES
        for name in order:
            value = getattr(node, name)
            shape = shapes.get(type(value)) or _shape(type(value))
            if shape is _NODE:
                if plans.get(type(value)) is not _SKIP:
                    _walk(value, visitor, plans)
            elif shape is _SEQUENCE:
                for item in value:
                    if (shapes.get(type(item)) or _shape(type(item))) is _NODE and plans.get(type(item)) is not _SKIP:
                        _walk(item, visitor, plans)
    if leave is not None:
        leave(visitor, node)


def _plan(visitor: type, cls: type) -> Any:
    if cls in _INERT and not _has_hooks(visitor, cls):
        return _SKIP
    if cls in _FIELD_ORDER:
        order = _FIELD_ORDER[cls]
    else:
        order = _FIELD_ORDER[cls] = _field_order(cls)
    if order is None:
        return _LIBCST
    if not any(_has_hooks(visitor, inert) for inert in _INERT):
        order = _pruned(cls, order)
    if _overrides(visitor, "on_visit") or _overrides(visitor, "on_leave"):
        return order, _bound("on_visit"), _bound("on_leave")
    return order, _own_hook(visitor, f"visit_{cls.__name__}"), _own_hook(visitor, f"leave_{cls.__name__}")


def _overrides(visitor: type, name: str) -> bool:
    """Whether `visitor` replaces libcst's `on_visit`/`on_leave` with its own (other than `_Visitor`'s, which
    only looks the hooks up by name, as the plan does once)."""
    found = getattr(visitor, name, None)
    return found is not getattr(cst.CSTVisitor, name, None) and found is not getattr(_Visitor, name, None)


def _bound(name: str) -> Callable[..., object]:
    return lambda visitor, node: getattr(visitor, name)(node)


def _own_hook(visitor: type, name: str) -> Callable[..., object] | None:
    """`visitor`'s own hook `name`, or None where only libcst's no-op default exists."""
    for klass in visitor.__mro__:
        if klass is cst.CSTVisitor:
            return None
        if name in vars(klass):
            return getattr(visitor, name)  # type: ignore[no-any-return]
    return None


# `isinstance(value, cst.CSTNode)` goes through ABCMeta's Python-level check; the walk asks it ~3 times
# per node, so the answer is kept per type
_NODE, _SEQUENCE, _OTHER = "node", "sequence", "other"
_SHAPES: dict[type, str] = {}


def _shape(kind: type) -> str:
    shape = _NODE if issubclass(kind, cst.CSTNode) else _SEQUENCE if issubclass(kind, (tuple, list)) else _OTHER
    _SHAPES[kind] = shape
    return shape


@functools.cache
def _has_hooks(visitor: type, cls: type) -> bool:
    """Whether the visitor class itself (not libcst's no-op defaults) hooks `cls`."""
    names = (f"visit_{cls.__name__}", f"leave_{cls.__name__}")
    for klass in visitor.__mro__:
        if klass is cst.CSTVisitor:
            return False
        if any(name in vars(klass) for name in names):
            return True
    return False


def _field_order(cls: type) -> tuple[str, ...] | None:
    import ast
    import inspect
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(cls._visit_and_replace_children))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return None
    calls = []
    either: set[str] = set()  # fields visited by one arm or the other of a conditional expression
    for found in ast.walk(tree):
        if isinstance(found, ast.Call) and isinstance(found.func, ast.Name) and found.func.id in _VISIT_HELPERS:
            if len(found.args) < 2 or not isinstance(found.args[1], ast.Constant) or not isinstance(found.args[1].value, str):
                return None
            calls.append((found.lineno, found.col_offset, found.args[1].value))
        elif isinstance(found, ast.IfExp):
            # `visit_sequence(self, "f", ...) if self.f is not None else None`, or a node-or-sequence field
            # visited by one helper or another: the walk follows a field by its value's shape, so either
            # arm visits what the walk visits, as long as both arms name that one field and nothing else
            fields = _visited_fields(found)
            if len(fields) > 1:
                return None
            either.update(fields)
        elif isinstance(found, (ast.For, ast.While, ast.If, ast.comprehension)):
            return None  # an order that depends on the data: leave it to libcst
    names = [name for _, _, name in sorted(calls)]
    once = [name for name in names if name not in either]
    names = list(dict.fromkeys(names))
    if len(set(once)) != len(once) or any(not hasattr(cls, "__dataclass_fields__") or n not in cls.__dataclass_fields__ for n in names):
        return None
    return tuple(names)


def _pruned(cls: type, order: tuple[str, ...]) -> tuple[str, ...]:
    """`order` without the fields that can hold only inert nodes (for a visitor that hooks none of them)."""
    hints = _field_types(cls)
    return tuple(name for name in order if not _inert_field(hints.get(name)))


def _visited_fields(node: Any) -> set[str]:
    import ast

    return {
        found.args[1].value
        for found in ast.walk(node)
        if isinstance(found, ast.Call) and isinstance(found.func, ast.Name) and found.func.id in _VISIT_HELPERS
        and len(found.args) >= 2 and isinstance(found.args[1], ast.Constant) and isinstance(found.args[1].value, str)
    }


def _field_types(cls: type) -> dict[str, Any]:
    import typing

    try:
        return typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001 - a hint that does not resolve: every field is walked
        return {}


def _inert_field(hint: Any) -> bool:
    """Whether a field's declared type admits only inert nodes (whitespace, punctuation, operators) and
    plain values: nothing the visitor hooks can be inside it, so the walk need not read it. A type this
    cannot read counts as not inert."""
    import typing

    if hint is None:
        return False
    origin = typing.get_origin(hint)
    if origin is typing.Union:
        return all(_inert_field(arg) for arg in typing.get_args(hint))
    if origin is not None and isinstance(origin, type) and issubclass(origin, (tuple, list)) or origin is collections.abc.Sequence:
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return bool(args) and all(_inert_field(arg) for arg in args)
    if hint is type(None) or hint is cst.MaybeSentinel:
        return True
    return isinstance(hint, type) and issubclass(hint, _INERT_BASES)
