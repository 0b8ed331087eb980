"""The IR of a module built from CPython's `ast` (the tree the syntax guard already has), not from libcst.

It produces exactly the IR `visitor._Visitor` builds from libcst's tree, byte for byte once encoded: the
same records in the same order (libcst's source order of children, not `ast`'s field order), the same
opaque texts (libcst's code for the node, with its own grouping parentheses and any comment inside), the
same string pieces (f-string text as raw source, implicit concatenations as `Concat`), the same object
sharing. libcst's parse costs about eight times `ast.parse`; this builder reads a tree that exists anyway.

Where the source holds a shape this builder does not reproduce exactly, it raises `Unsupported` with one
of the reasons in `FALLBACKS`, and the caller builds the IR from libcst instead: a surprise costs time,
never a different fact. `tests/extract/test_astir.py` holds the two builders to the same IR on every
fixture and on a generated monorepo.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import re
from itertools import accumulate
from typing import Any

from eventlint.extract import ir
from eventlint.extract.builders import (
    BranchFrame,
    ClassBuilder,
    ExceptBuilder,
    FunctionBuilder,
    calls_in,
    close_loop,
    closed_except,
    merge_arm_values,
)

# Every shape for which the file goes to libcst instead, with the reason. Each is detected while building
# (cheap: a look at the node or a few characters of source), never by a second parse.
FALLBACKS: dict[str, str] = {
    "encoding": "an encoding other than UTF-8 declared (PEP 263), or bytes that are not UTF-8: libcst decodes "
    "such files itself",
    "order": "two nodes of one kind visited out of source order: the libcst path takes positions from a sorted "
    "queue, so both would no longer give each node the same position",
    "fstring-escape": r"an f-string with `\N{...}`: its braces are not an expression",
    "fstring-lex": "an f-string or string concatenation whose pieces could not be matched to `ast`'s",
    "paren-comment": "grouping parentheses around an expression whose text is kept, with a comment or a string on "
    "the line that opens them",
    "subscript-star": "a starred subscript `x[*a]`",
    "class-star": "`*bases` or `**kwargs` in a class statement",
    "recursion": "nesting deeper than this builder's recursion allows",
}


class Unsupported(Exception):
    """The source holds a shape this builder does not reproduce exactly: build the IR from libcst."""

    def __init__(self, reason: str) -> None:
        assert reason in FALLBACKS, reason
        super().__init__(reason)
        self.reason = reason


_NEWLINES = re.compile(r"\r\n|\r|\n")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
_KEYWORDS = frozenset(keyword.kwlist)
_STRING_PREFIX = re.compile(r"[rRbBuUfF]{0,2}('''|\"\"\"|'|\")")


def decoded(source: bytes) -> str:
    """The text of `source` as libcst decodes it, when it is UTF-8 (with or without a byte-order mark or a
    declaration naming UTF-8); any other declared encoding goes to libcst."""
    head = source[:400]
    if b"coding" in head:
        found = _CODING.search(b"\n".join(head.splitlines()[:2]))
        if found is not None:
            name = found.group(1).decode("ascii", "replace").lower().replace("_", "-")
            if not (name.startswith("utf-8") or name.startswith("utf8")):
                raise Unsupported("encoding")
    try:
        return source.decode("utf-8-sig")  # libcst decodes a file with a BOM as utf-8-sig: no BOM in the text
    except UnicodeDecodeError:
        raise Unsupported("encoding") from None


def build(tree: ast.Module, text: str, path: str, module: str) -> ir.Module:
    """The module's IR from CPython's tree of `text`; raises Unsupported where libcst must build it."""
    builder = _Builder(text, path, module)
    try:
        builder.block(tree.body)
    except RecursionError:
        raise Unsupported("recursion") from None
    return builder.result()


def _line_starts(text: str) -> list[int]:
    """The index in `text` where each line starts, lines ending at `\r\n`, `\r` or `\n` (`_NEWLINES`)."""
    if "\r" in text:
        starts = [0]
        starts.extend(m.end() for m in _NEWLINES.finditer(text))
        return starts
    # only `\n`: each line's length plus its newline, summed in C (no match object per line)
    return list(accumulate(map((1).__add__, map(len, text.split("\n")[:-1])), initial=0))


_Kind = str
_CALL, _ATTR, _SUB, _DICT, _DEC, _DEF, _CLASS = "call", "attribute", "subscript", "dict", "decorator", "def", "class"
_LEAVES = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_EXITS = (ast.Return, ast.Raise)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


class _Builder:
    def __init__(self, text: str, path: str, module: str) -> None:
        self._text_all = text
        self._starts = _line_starts(text)
        self._ascii = text.isascii()  # then every byte column is a character column
        self._path = path
        self._module = module
        self._is_package = path.endswith("__init__.py")
        self._imports: list[ir.Import] = []
        self._functions: list[ir.Function] = []
        self._classes: list[ir.Class] = []
        self._stack: list[FunctionBuilder | ClassBuilder] = [FunctionBuilder(ir.MODULE_BODY, 1, 1, None, None)]
        self._memo: dict[ast.AST, ir.Expr] = {}
        self._skip_calls = 0
        self._awaited: set[ast.AST] = set()
        self._callees: set[ast.AST] = set()
        self._chained: set[ast.AST] = set()
        self._stores: set[ast.AST] = set()
        self._except_owners: list[FunctionBuilder | None] = []
        self._try_lines: list[int] = []  # the line of each `try` the walk is in, innermost last
        self._branching: list[BranchFrame] = []
        self._last: dict[str, tuple[int, int, int, int]] = {}
        self._keep: list[object] = []  # nodes made here that are keys of the memo

    def result(self) -> ir.Module:
        body = self._stack[0]
        assert isinstance(body, FunctionBuilder)
        return ir.Module(
            path=self._path,
            name=self._module,
            imports=tuple(self._imports),
            functions=(body.build(), *self._functions),
            classes=tuple(self._classes),
        )

    # -- source and positions ----------------------------------------------------------------------------

    def _offset(self, line: int, byte_col: int) -> int:
        """The index in the text of a (line, UTF-8 byte column) of `ast`."""
        start = self._starts[line - 1] if 0 < line <= len(self._starts) else 0
        if self._ascii or self._text_all[start : start + byte_col].isascii():
            return start + byte_col
        end = self._starts[line] if line < len(self._starts) else len(self._text_all)
        return start + len(self._text_all[start:end].encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def _line_text(self, line: int) -> str:
        start = self._starts[line - 1]
        end = self._starts[line] if line < len(self._starts) else len(self._text_all)
        return self._text_all[start:end]

    def _column(self, line: int, byte_col: int) -> int:
        # as AstPositions does: characters of the line before the byte column
        if not self._ascii and 0 < line <= len(self._starts):
            text = self._line_text(line).rstrip("\r\n")
            if not text.isascii():
                return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))
        return byte_col

    def _take(self, kind: _Kind, line: int, byte_col: int, end_line: int, end_col: int) -> None:
        """Check that nodes of `kind` are met in the order of AstPositions' sorted queue."""
        key = (line, byte_col, -end_line, -end_col)
        last = self._last.get(kind)
        if last is not None and key < last:
            raise Unsupported("order")
        self._last[kind] = key

    def _pos(self, kind: _Kind, node: Any) -> tuple[int, int]:
        line, col = node.lineno, node.col_offset
        self._take(kind, line, col, node.end_lineno or line, node.end_col_offset or col)
        return line, self._column(line, col) + 1

    def _position(self, node: Any) -> tuple[int, int]:
        return node.lineno, self._column(node.lineno, node.col_offset) + 1

    def _at_sign(self, node: ast.expr) -> int:
        line, byte_col = node.lineno, node.col_offset
        if 0 < line <= len(self._starts):
            raw = self._line_text(line).rstrip("\r\n").encode("utf-8")
            at = raw.rfind(b"@", 0, byte_col)
            if at != -1:
                return at
        return max(byte_col - 1, 0)

    def _decorator_pos(self, dec: ast.expr, take: bool) -> tuple[int, int]:
        at = self._at_sign(dec)
        if take:
            self._take(_DEC, dec.lineno, at, dec.end_lineno or dec.lineno, dec.end_col_offset or dec.col_offset)
        return dec.lineno, self._column(dec.lineno, at) + 1

    def _dict_pos(self, key: ast.expr | None, value: ast.expr, take: bool) -> tuple[int, int]:
        if key is not None:
            line, col, end_line, end_col = key.lineno, key.col_offset, key.end_lineno, key.end_col_offset
        else:  # `**spread`: libcst starts the element at the two stars
            line, col = self._stars(value)
            end_line, end_col = value.end_lineno, value.end_col_offset
        if take:
            self._take(_DICT, line, col, end_line or line, end_col or col)
        return line, self._column(line, col) + 1

    def _stars(self, value: ast.expr) -> tuple[int, int]:
        """The (line, byte column) of the `**` before a spread value, past any parentheses, spaces or line
        breaks between them (`**(a or b)`: ast's span of the value starts inside the parentheses)."""
        text = self._text_all
        i = self._back(self._offset(value.lineno, value.col_offset))
        while i > 0 and text[i] == "(":
            i = self._back(i)
        if i < 1 or text[i - 1 : i + 1] != "**":
            return value.lineno, max(value.col_offset - 2, 0)
        line = bisect.bisect_right(self._starts, i - 1)
        return line, len(text[self._starts[line - 1] : i - 1].encode("utf-8"))

    def _span(self, node: Any) -> tuple[int, int]:
        return self._offset(node.lineno, node.col_offset), self._offset(node.end_lineno, node.end_col_offset)

    def _back(self, index: int) -> int:
        """The index of the last character before `index` that is not whitespace, a line continuation or a
        comment (-1 at the start)."""
        text = self._text_all
        i = index - 1
        while i >= 0:
            c = text[i]
            if c in " \t\f":
                i -= 1
            elif c in "\r\n":
                i -= 1
                if c == "\n" and i >= 0 and text[i] == "\r":
                    i -= 1
                if i >= 0 and text[i] == "\\":
                    i -= 1
                    continue
                start = text.rfind("\n", 0, i + 1)
                start = max(start, text.rfind("\r", 0, i + 1)) + 1
                line = text[start : i + 1]
                if "#" in line:
                    if "'" in line or '"' in line:
                        raise Unsupported("paren-comment")
                    i = start + line.index("#") - 1
            else:
                return i
        return -1

    def _forward(self, index: int) -> int:
        text = self._text_all
        n = len(text)
        i = index
        while i < n:
            c = text[i]
            if c in " \t\f\r\n\\":
                i += 1
            elif c == "#":
                while i < n and text[i] not in "\r\n":
                    i += 1
            else:
                return i
        return n

    def _extent(self, node: Any) -> tuple[int, int]:
        """The node's span in the text with its own grouping parentheses (libcst's `lpar`/`rpar`)."""
        start, end = self._span(node)
        text = self._text_all
        while True:
            i = self._back(start)
            if i < 0 or text[i] != "(":
                break
            j = self._forward(end)
            if j >= len(text) or text[j] != ")":
                break
            k = self._back(i)
            if k >= 0:
                c = text[k]
                if c in ")]}'\"":
                    break  # a call's parentheses
                if c.isalnum() or c == "_":
                    w = k
                    while w > 0 and (text[w - 1].isalnum() or text[w - 1] == "_"):
                        w -= 1
                    if text[w : k + 1] not in _KEYWORDS:
                        break  # a call's, a def's or a class's parentheses
            start, end = i, j + 1
        return start, end

    def _text(self, node: Any) -> str:
        start, end = self._extent(node)
        text = " ".join(self._text_all[start:end].split())
        return text if len(text) <= 120 else text[:117] + "..."

    def _raw(self, node: Any) -> str:
        start, end = self._extent(node)
        return self._text_all[start:end]

    def _parenthesized(self, node: ast.Tuple) -> bool:
        """Whether a tuple has its own parentheses (`x[(a, b)]`), not only its first element (`x[(a), b]`)."""
        start, end = self._span(node)
        if self._text_all[start : start + 1] != "(" or not node.elts:
            return self._text_all[start : start + 1] == "("
        first = node.elts[0]
        if type(first) is ast.Starred:
            first = first  # the star is outside any parentheses of its value
            return self._span(first)[0] != start
        return self._extent(first)[0] != start

    # -- scopes ------------------------------------------------------------------------------------------

    def _function(self) -> FunctionBuilder | None:
        top = self._stack[-1]
        return top if isinstance(top, FunctionBuilder) else None

    def _qualname(self, name: str) -> str:
        return f"{self._stack[-1].name}.{name}" if len(self._stack) > 1 else name

    # -- statements --------------------------------------------------------------------------------------

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            handler = _STMT.get(type(stmt))
            if handler is None:
                for child in ast.iter_child_nodes(stmt):
                    self._visit_any(child)
            else:
                handler(self, stmt)

    def _visit_any(self, node: Any) -> None:
        if isinstance(node, ast.expr):
            self.expr(node)
        elif isinstance(node, ast.stmt):
            self.block([node])

    def _class(self, node: ast.ClassDef) -> None:
        line, col = self._pos(_CLASS, node)
        self._stack.append(ClassBuilder(self._qualname(node.name), line, col, (), ()))
        self._decorator_walk(node.decorator_list)
        for base in node.bases:
            if type(base) is ast.Starred:
                raise Unsupported("class-star")
            self.expr(base)
        for kw in node.keywords:
            if kw.arg is None:
                raise Unsupported("class-star")
            self.expr(kw.value)
        self.block(node.body)
        builder = self._stack.pop()
        assert isinstance(builder, ClassBuilder)
        builder.bases = tuple(self._expr(b) for b in node.bases)
        builder.keywords = tuple((kw.arg, self._expr(kw.value)) for kw in node.keywords if kw.arg is not None)
        builder.decorators = self._decorators(node.decorator_list)
        self._classes.append(builder.build())

    def _decorator_walk(self, decorators: list[ast.expr]) -> None:
        for dec in decorators:
            self._decorator_pos(dec, True)
            self._skip_calls += 1
            self.expr(dec)
            self._skip_calls -= 1

    def _decorators(self, decorators: list[ast.expr]) -> tuple[ir.Decorator, ...]:
        out = []
        for dec in decorators:
            line, col = self._decorator_pos(dec, False)
            out.append(ir.Decorator(self._expr(dec), line, col))
        return tuple(out)

    def _def(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        line, col = self._pos(_DEF, node)
        outer = self._stack[-1]
        cls = outer.name if isinstance(outer, ClassBuilder) else None
        parent = outer.name if isinstance(outer, FunctionBuilder) and len(self._stack) > 1 else None
        builder = FunctionBuilder(
            name=self._qualname(node.name), line=line, col=col, cls=cls, parent=parent,
            is_async=type(node) is ast.AsyncFunctionDef,
        )  # fmt: skip
        args = node.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        every += [p for p in (args.vararg, args.kwarg) if p is not None]
        builder.param_names = frozenset(p.arg for p in every)
        first = [*args.posonlyargs, *args.args]
        is_static = any(type(d) is ast.Name and d.id == "staticmethod" for d in node.decorator_list)
        if cls is not None and first and not is_static:
            builder.self_name = first[0].arg
        self._stack.append(builder)
        self._decorator_walk(node.decorator_list)
        self._parameters_walk(args)
        if node.returns is not None:
            self.expr(node.returns)
        self.block(node.body)
        self._stack.pop()
        builder.params = self._params(args)
        builder.decorators = self._decorators(node.decorator_list)
        if node.returns is not None:
            builder.return_annotation = self._expr(node.returns)
        self._functions.append(builder.build())

    def _ordered_params(self, args: ast.arguments) -> list[tuple[ast.arg, ast.expr | None, str]]:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        out: list[tuple[ast.arg, ast.expr | None, str]] = [(p, d, "pos") for p, d in zip(positional, defaults)]
        if args.vararg is not None:
            out.append((args.vararg, None, "star"))
        out += [(p, d, "kwonly") for p, d in zip(args.kwonlyargs, args.kw_defaults)]
        if args.kwarg is not None:
            out.append((args.kwarg, None, "kwstar"))
        return out

    def _parameters_walk(self, args: ast.arguments) -> None:
        self._skip_calls += 1
        for param, default, _ in self._ordered_params(args):
            if param.annotation is not None:
                self.expr(param.annotation)
            if default is not None:
                self.expr(default)
        self._skip_calls -= 1

    def _params(self, args: ast.arguments) -> tuple[ir.Param, ...]:
        out = []
        for param, default, kind in self._ordered_params(args):
            annotation = self._expr(param.annotation) if param.annotation is not None else None
            out.append(ir.Param(param.arg, annotation, kind, self._expr(default) if default is not None else None))
        return tuple(out)

    def _import(self, node: ast.Import) -> None:
        line, _ = self._pos("import", node)
        for alias in node.names:
            dotted = alias.name
            if alias.asname is not None:
                self._imports.append(ir.Import(alias.asname, dotted, line))
            else:
                head = dotted.split(".")[0]
                self._imports.append(ir.Import(head, head, line))
                if "." in dotted:
                    self._imports.append(ir.Import(dotted, dotted, line))

    def _import_from(self, node: ast.ImportFrom) -> None:
        line, _ = self._pos("importfrom", node)
        base = node.module or ""
        level = node.level or 0
        if level:
            package = self._module.split(".")
            if not self._is_package:
                package = package[:-1]
            if level > 1:
                package = package[: len(package) - (level - 1)] if len(package) >= level - 1 else []
            base = ".".join([*package, base] if base else package)
        if len(node.names) == 1 and node.names[0].name == "*":
            self._imports.append(ir.Import("*", base, line))
            return
        for alias in node.names:
            name = alias.name
            local = alias.asname if alias.asname is not None else name
            self._imports.append(ir.Import(local, f"{base}.{name}" if base else name, line, relative=level > 0))

    def _assign_stmt(self, node: ast.Assign) -> None:
        line, _ = self._pos("assign", node)
        for target in node.targets:
            self._bind_locals(target)
        for target in node.targets:
            self._stores.add(target)
            self.expr(target)
        self.expr(node.value)
        for target in node.targets:
            self._assign(target, node.value, line)

    def _ann_assign(self, node: ast.AnnAssign) -> None:
        line, _ = self._pos("annassign", node)
        self._stores.add(node.target)
        self.expr(node.target)
        self.expr(node.annotation)
        if node.value is not None:
            self.expr(node.value)
        top = self._stack[-1]
        if isinstance(top, ClassBuilder) and type(node.target) is ast.Name:
            top.fields.append(node.target.id)
            top.annotations.append((node.target.id, self._expr(node.annotation)))
        if node.value is not None:
            self._assign(node.target, node.value, line, self._expr(node.annotation))

    def _aug_assign(self, node: ast.AugAssign) -> None:
        self._stores.add(node.target)
        self.expr(node.target)
        self.expr(node.value)

    def _global(self, node: ast.Global) -> None:
        builder = self._function()
        if builder is not None:
            builder.global_names.extend(node.names)

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        line, _ = self._pos("with", node)
        for item in node.items:
            if item.optional_vars is not None:
                self._bind_locals(item.optional_vars)
        for item in node.items:
            self.expr(item.context_expr)
            if item.optional_vars is not None:
                self.expr(item.optional_vars)
        for item in node.items:
            if item.optional_vars is not None:
                self._assign(item.optional_vars, item.context_expr, line)
        self.block(node.body)

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        line, _ = self._pos("for", node)
        self._bind_locals(node.target)
        self._repeat(1)
        self.expr(node.target)
        self.expr(node.iter)
        self._open_loop()
        self.block(node.body)
        self._orelse(node.orelse)
        builder = self._function()
        if builder is not None:
            close_loop(builder)
            builder.repeats -= 1
            targets = tuple(_target_names(node.target))
            end = node.end_lineno or line
            builder.loops.append(ir.Loop(targets, self._expr(node.iter), line, end))

    def _orelse(self, orelse: list[ast.stmt]) -> None:
        """The `else:` block of a `for`, `while` or `try` (libcst's `Else`: it ends no `if` arm here)."""
        if orelse:
            self.block(orelse)

    def _repeat(self, step: int) -> None:
        builder = self._function()
        if builder is not None:
            builder.repeats += step

    def _while(self, node: ast.While) -> None:
        self._repeat(1)
        self.expr(node.test)
        self._open_loop()
        self.block(node.body)
        self._orelse(node.orelse)
        builder = self._function()
        if builder is not None:
            close_loop(builder)
        self._repeat(-1)

    def _open_loop(self) -> None:
        builder = self._function()
        if builder is not None:
            builder.loop_skips.append([])

    def _try(self, node: Any) -> None:
        self._repeat(1)
        self._try_lines.append(self._pos("try", node)[0])
        self.block(node.body)
        for handler in node.handlers:
            self._handler(handler)
        self._orelse(node.orelse)
        self._orelse(node.finalbody)
        self._try_lines.pop()
        self._repeat(-1)

    def _handler(self, node: ast.ExceptHandler) -> None:
        line, col = self._pos("except", node)
        builder = self._function()
        self._except_owners.append(builder)
        if builder is not None:
            kind = node.type
            exprs = [_unstar(e) for e in kind.elts] if type(kind) is ast.Tuple else [kind] if kind is not None else []
            types = tuple(_dotted(e) or self._text(e) for e in exprs)
            leaves = bool(node.body) and isinstance(node.body[-1], (ast.Continue, ast.Break, ast.Return))
            try_line = self._try_lines[-1] if self._try_lines else 0
            builder.open_excepts.append(
                ExceptBuilder(
                    line, types, node.name, col=col, leaves=leaves, try_line=try_line, returns_value=_returns_value(node.body),
                    assign_start=len(builder.assigns),
                )
            )
        if node.type is not None:
            self.expr(node.type)
        self.block(node.body)
        owner = self._except_owners.pop()
        if owner is not None:
            owner.excepts.append(closed_except(owner, owner.open_excepts.pop()))

    def _raise(self, node: ast.Raise) -> None:
        builder = self._function()
        if builder is not None and builder.open_excepts:
            builder.open_excepts[-1].reraises = True
        if node.exc is not None:
            self.expr(node.exc)
        if node.cause is not None:
            self.expr(node.cause)

    def _return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.expr(node.value)
        builder = self._function()
        if builder is not None and node.value is not None:
            builder.returns.append(self._expr(node.value))

    def _expr_stmt(self, node: ast.Expr) -> None:
        self.expr(node.value)

    def _delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self.expr(target)

    def _assert(self, node: ast.Assert) -> None:
        self.expr(node.test)
        if node.msg is not None:
            self.expr(node.msg)

    def _nothing(self, node: ast.stmt) -> None:
        return None

    # -- if / match --------------------------------------------------------------------------------------

    def _is_elif(self, node: ast.If) -> bool:
        """Whether an `if` that is the only statement of an `else` block was written `elif`."""
        start = self._offset(node.lineno, node.col_offset)
        return self._text_all.startswith("elif", start)

    def _if(self, node: ast.If, elif_of: BranchFrame | None = None) -> None:
        builder = self._function()
        prior = len(builder.assigns) if builder is not None else 0
        if builder is not None and elif_of is not None and elif_of.builder is builder:
            elif_of.end = len(builder.calls)
            elif_of.assign_end = len(builder.assigns)
            prior = elif_of.prior
        count = len(builder.assigns) if builder is not None else 0
        frame = BranchFrame(node, builder, len(builder.calls) if builder is not None else 0, None, count, None, prior)
        self._branching.append(frame)
        self.expr(node.test)
        self.block(node.body)
        orelse = node.orelse
        other: Any = None
        if len(orelse) == 1 and type(orelse[0]) is ast.If and self._is_elif(orelse[0]):
            other = orelse[0]
            self._if(other, frame)
        elif orelse:
            other = orelse
            if builder is not None and frame.builder is builder:
                frame.end = len(builder.calls)
                frame.assign_end = len(builder.assigns)
            self.block(orelse)
        self._branching.pop()
        if builder is None or builder is not self._function():
            return
        self._branch_values(node, other, frame, builder)
        test = self._branch_test(node.test)
        if test is None:
            return
        subject, keys, kind = test
        end = frame.end if frame.end is not None else len(builder.calls)
        skip = {id(c) for c in self._test_calls(node.test)}
        calls = tuple(c for c in builder.calls[frame.start : end] if id(c) not in skip)
        builder.branches.append(ir.Branch(self._expr(subject), tuple(self._expr(k) for k in keys), kind, calls))

    def _branch_values(self, node: ast.If, orelse: Any, frame: BranchFrame, builder: FunctionBuilder) -> None:
        middle = frame.assign_end if frame.assign_end is not None else len(builder.assigns)
        name_test = _test_name(node.test)
        if orelse is not None and frame.end is not None:
            body = [a.line for a in builder.assigns[frame.assign_start : middle]] + [c.line for c in builder.calls[frame.start : frame.end]]
            other = [a.line for a in builder.assigns[middle:]] + [c.line for c in builder.calls[frame.end :]]
            if body and other:
                builder.arms.append(ir.Arms(min(body), max(body), min(other), max(other), name_test))
        elif orelse is None and name_test and not _exits(node.body):
            body = [a.line for a in builder.assigns[frame.assign_start :]] + [c.line for c in builder.calls[frame.start :]]
            if body:
                builder.arms.append(ir.Arms(min(body), max(body), 1, 0, name_test))
        elif orelse is None and builder.repeats == 0 and _exits(node.body):
            skip = {id(c) for c in self._test_calls(node.test)}
            body = [a.line for a in builder.assigns[frame.assign_start :]] + [
                c.line for c in builder.calls[frame.start :] if id(c) not in skip
            ]
            if body:
                builder.arms.append(ir.Arms(min(body), max(body), max(body) + 1, ir.END_OF_FUNCTION, name_test))
            elif name_test and (builder.calls or builder.assigns):
                last = max([c.line for c in builder.calls] + [a.line for a in builder.assigns])
                builder.arms.append(ir.Arms(0, -1, last + 1, ir.END_OF_FUNCTION, name_test))
        if orelse is None and name_test and builder.loop_skips and _skips(node.body):
            # `if existing: continue` in a loop: the rest of the loop body, known when the loop ends, is its other arm
            skip = {id(c) for c in self._test_calls(node.test)}
            body = [a.line for a in builder.assigns[frame.assign_start :]] + [
                c.line for c in builder.calls[frame.start :] if id(c) not in skip
            ]
            first, last = (min(body), max(body)) if body else (0, -1)
            builder.loop_skips[-1].append((first, last, len(builder.calls), len(builder.assigns), name_test))
        arms: list[tuple[Any, list[ir.Assign]]] = [(node.body, builder.assigns[frame.assign_start : middle])]
        arms.append((orelse, builder.assigns[middle:] if orelse is not None else []))
        merge_arm_values(builder, frame, arms, _terminates)

    def _test_calls(self, test: ast.expr) -> list[ir.Call]:
        kind = type(test)
        if kind is ast.Compare:
            return [c for part in (test.left, *test.comparators) for c in self._test_calls(part)]
        if kind is ast.BoolOp:
            return [c for part in test.values for c in self._test_calls(part)]
        if kind is ast.UnaryOp:
            return self._test_calls(test.operand)
        return calls_in(self._expr(test))

    def _branch_test(self, test: ast.expr) -> tuple[Any, tuple[ast.expr, ...], str] | None:
        kind = type(test)
        if kind is ast.Compare and len(test.ops) == 1:
            op, comparator = type(test.ops[0]), test.comparators[0]
            if op is ast.Eq or op is ast.Is:
                return test.left, (comparator,), "eq"
            if op is ast.In and type(comparator) in (ast.Tuple, ast.List, ast.Set):
                items = tuple(e for e in comparator.elts if type(e) is not ast.Starred)
                if items and len(items) == len(comparator.elts):
                    return test.left, items, "eq"
            return None
        if kind is ast.Call and type(test.func) is ast.Name and test.func.id == "isinstance":
            if len(test.args) == 2 and not test.keywords and not any(type(a) is ast.Starred for a in test.args):
                kinds = test.args[1]
                if type(kinds) is ast.Tuple:
                    return test.args[0], tuple(_unstar(e) for e in kinds.elts), "isinstance"
                return test.args[0], (kinds,), "isinstance"
            return None
        if kind is ast.BoolOp and type(test.op) is ast.Or:
            # libcst nests `a or b or c` as `(a or b) or c`
            found = self._branch_test(test.values[0])
            for part in test.values[1:]:
                right = self._branch_test(part)
                if found is None or right is None or found[2] != right[2] or self._raw_subject(found[0]) != self._raw_subject(right[0]):
                    found = None
                    continue
                found = (found[0], found[1] + right[1], found[2])
            return found
        return None

    def _raw_subject(self, subject: ast.expr) -> str:
        return self._raw(subject)

    def _match(self, node: ast.Match) -> None:
        builder = self._function()
        frame = BranchFrame(node, builder, len(builder.calls) if builder is not None else 0)
        self._branching.append(frame)
        self.expr(node.subject)
        for case in node.cases:
            if frame.builder is not None:
                frame.start = len(frame.builder.calls)
            self._pattern(case.pattern)
            if case.guard is not None:
                self.expr(case.guard)
            self.block(case.body)
            if frame.builder is None or frame.builder is not self._function():
                continue
            test = _case_test(node.subject, case.pattern, self)
            if test is None:
                continue
            subject, keys, kind = test
            skip = {id(c) for c in self._test_calls(case.guard)} if case.guard is not None else set()
            calls = tuple(c for c in frame.builder.calls[frame.start :] if id(c) not in skip)
            converted = self._expr(subject) if not isinstance(subject, tuple) else ir.Sub(self._expr(subject[0]), ir.Str(subject[1]))
            frame.builder.branches.append(ir.Branch(converted, tuple(self._expr(k) for k in keys), kind, calls))
        self._branching.pop()

    def _pattern(self, node: Any) -> None:
        kind = type(node)
        if kind is ast.MatchValue:
            self.expr(node.value)
        elif kind is ast.MatchClass:
            self.expr(node.cls)
            for p in node.patterns:
                self._pattern(p)
            for p in node.kwd_patterns:
                self._pattern(p)
        elif kind is ast.MatchMapping:
            for key, p in zip(node.keys, node.patterns):
                self.expr(key)
                self._pattern(p)
        elif kind is ast.MatchAs:
            if node.pattern is not None:
                self._pattern(node.pattern)
        elif kind is ast.MatchOr or kind is ast.MatchSequence:
            for p in node.patterns:
                self._pattern(p)

    # -- bindings ----------------------------------------------------------------------------------------

    def _bind_locals(self, target: ast.expr) -> None:
        builder = self._function()
        if builder is not None:
            builder.local_names.update(_target_names(target))

    def _assign(self, target: ast.expr, value: ast.expr, line: int, annotation: ir.Expr | None = None) -> None:
        top = self._stack[-1]
        kind = type(target)
        if kind is ast.Tuple or kind is ast.List:
            elements = [_unstar(e) for e in target.elts]
            values = [_unstar(e) for e in value.elts] if type(value) in (ast.Tuple, ast.List) else None
            starred = [i for i, e in enumerate(target.elts) if type(e) is ast.Starred]
            if values is not None and len(values) == len(elements):
                for sub_target, sub_value in zip(elements, values):
                    self._assign(sub_target, sub_value, line)
            elif values is None and len(starred) <= 1:
                self._unpack(top, target.elts, self._expr(value), self._text(value), line)
            else:
                for sub_target in elements:
                    for name in _target_names(sub_target):
                        self._record(top, name, ir.Opaque(self._text(value)), line)
            return
        if kind is ast.Subscript and isinstance(top, FunctionBuilder):
            stored = self._target(target.value, top) if type(target.value) in (ast.Name, ast.Attribute) else None
            index = self._index(target)
            if stored is not None and (type(target.value) is ast.Name or stored.startswith("self.")) and index is not None:
                top.stores.append(ir.Store(stored, self._expr(index), self._expr(value), line))
            return
        name = self._target(target, top)
        if name is not None:
            self._record(top, name, self._expr(value), line, annotation)

    def _unpack(self, top: FunctionBuilder | ClassBuilder, targets: list[ast.expr], whole: ir.Expr, text: str, line: int) -> None:
        """`_, producer, consumer, _ = make_clients(cfg)`: each target is one item of `whole`, counted from the end
        after a starred target (which takes the rest: `text`, opaque); a nested target (`(a, b), c = ...`) unpacks
        its item the same way. Two starred targets in one level are not Python: every name there is opaque."""
        starred = [i for i, e in enumerate(targets) if type(e) is ast.Starred]
        star = starred[0] if len(starred) == 1 else len(targets)
        for index, element in enumerate(targets):
            sub_target = _unstar(element)
            kind = type(sub_target)
            if index == star or len(starred) > 1:
                for name in _target_names(sub_target):
                    self._record(top, name, ir.Opaque(text), line)
                continue
            item = ir.Sub(whole, ir.Const(index if index < star else index - len(targets)))
            if kind is ast.Tuple or kind is ast.List:
                self._unpack(top, sub_target.elts, item, text, line)
                continue
            name = self._target(sub_target, top)
            if name is not None:
                self._record(top, name, item, line)
            else:
                for name in _target_names(sub_target):
                    self._record(top, name, ir.Opaque(text), line)

    def _record(self, top: FunctionBuilder | ClassBuilder, name: str, value: ir.Expr, line: int, annotation: ir.Expr | None = None) -> None:
        if isinstance(top, ClassBuilder):
            top.attrs.append(ir.Assign(name, value, line, annotation))
        else:
            top.assigns.append(ir.Assign(name, value, line, annotation))

    def _target(self, target: ast.expr, top: FunctionBuilder | ClassBuilder) -> str | None:
        kind = type(target)
        if kind is ast.Name:
            return target.id
        if kind is ast.Attribute and type(target.value) is ast.Name:
            base = target.value.id
            if isinstance(top, FunctionBuilder) and top.self_name is not None and base == top.self_name:
                base = "self"
            return f"{base}.{target.attr}"
        if kind is ast.Attribute:
            path = _dotted(target)
            if path is not None and not (isinstance(top, FunctionBuilder) and path.split(".", 1)[0] == top.self_name):
                return path
        return None

    def _index(self, node: ast.Subscript) -> ast.expr | None:
        """The one index of `x[i]` as libcst reads it (an `Index` element), or None (a slice, several elements)."""
        index = node.slice
        kind = type(index)
        if kind is ast.Slice:
            return None
        if kind is ast.Tuple and not self._parenthesized(index):
            if any(type(e) is ast.Starred for e in index.elts):
                raise Unsupported("subscript-star")
            if len(index.elts) == 1 and type(index.elts[0]) is not ast.Slice:
                return index.elts[0]  # `x[a,]`: one element, with a comma
            return None
        return index

    # -- expressions: the walk ---------------------------------------------------------------------------

    def expr(self, node: ast.expr) -> None:
        handler = _EXPR.get(type(node))
        if handler is not None:
            handler(self, node)
        elif type(node) not in _LEAF:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)
                elif isinstance(child, ast.comprehension):  # pragma: no cover - comprehensions have handlers
                    raise AssertionError("comprehension outside its handler")

    def _call(self, node: ast.Call) -> None:
        self._pos(_CALL, node)
        self._callees.add(node.func)
        self.expr(node.func)
        if node.keywords and node.args:
            parts = sorted([*node.args, *node.keywords], key=lambda a: (a.lineno, a.col_offset))
            for part in parts:
                self.expr(part.value if type(part) is ast.keyword else part)
        else:
            for arg in node.args:
                self.expr(arg)
            for kw in node.keywords:
                self.expr(kw.value)
        if self._skip_calls:
            return
        call = self._expr(node)
        if isinstance(call, ir.Call):
            top = self._stack[-1]
            top.calls.append(call)
            if isinstance(top, FunctionBuilder):
                for clause in top.open_excepts:
                    clause.calls.append(call)

    def _attribute(self, node: ast.Attribute) -> None:
        line, col = self._pos(_ATTR, node)
        builder = self._function()
        if builder is not None and not (node in self._callees or node in self._stores or node in self._chained):
            attrs = [node.attr]
            inner = node.value
            while type(inner) is ast.Attribute:
                attrs.append(inner.attr)
                inner = inner.value
            if type(inner) is ast.Name and (inner.id in builder.param_names or inner.id in builder.local_names):
                if len(attrs) > 1:
                    value = node.value
                    while type(value) is ast.Attribute:
                        self._chained.add(value)
                        value = value.value
                attrs.reverse()
                builder.reads.append(ir.Read(inner.id, attrs[0], line, col, (inner.id,), "attr", sub=tuple(attrs[1:])))
        self.expr(node.value)

    def _subscript(self, node: ast.Subscript) -> None:
        self._pos(_SUB, node)
        self.expr(node.value)
        self.expr(node.slice)
        builder = self._function()
        if builder is None or node in self._stores:
            return
        index = self._index(node)
        field_name = self._string_key(index)
        if field_name is None:
            return
        line, col = self._position(node)
        keys = [field_name]
        value = node.value
        while type(value) is ast.Subscript:
            inner = self._index(value)
            if inner is None and type(value.slice) is ast.Tuple and not self._parenthesized(value.slice):
                break  # several elements: libcst's loop stops here
            key = self._string_key(inner) if inner is not None else None
            if key is None:
                return
            keys.insert(0, key)
            value = value.value
        field_name, sub = keys[0], tuple(keys[1:])
        if type(value) is ast.Name:
            builder.reads.append(ir.Read(value.id, field_name, line, col, (value.id,), sub=sub))
        elif type(value) is ast.Call:
            base = self._expr(value)
            builder.reads.append(ir.Read(ir.unparse(base), field_name, line, col, tuple(sorted(ir.names_in(base))), sub=sub))

    def _string_key(self, node: ast.expr | None) -> str | None:
        """The value of a string literal written as one token (libcst's SimpleString), else None."""
        if node is None or type(node) is not ast.Constant or type(node.value) is not str:
            return None
        start, end = self._span(node)
        if self._string_end(start) != end:
            return None  # an implicit concatenation
        return node.value

    def _string_end(self, start: int) -> int:
        """The index after the string literal that starts at `start` (-1 when there is none)."""
        text = self._text_all
        m = _STRING_PREFIX.match(text, start)
        if m is None:
            return -1
        quote = m.group(1)
        i = m.end()
        n = len(text)
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if text.startswith(quote, i):
                return i + len(quote)
            if len(quote) == 1 and c in "\r\n":
                return -1
            i += 1
        return -1

    def _dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            self._dict_pos(key, value, True)
            if key is not None:
                self.expr(key)
            self.expr(value)

    def _ifexp(self, node: ast.IfExp) -> None:
        self.expr(node.body)
        self.expr(node.test)
        self.expr(node.orelse)

    def _named(self, node: ast.NamedExpr) -> None:
        line, _ = self._pos("namedexpr", node)
        self.expr(node.target)
        self.expr(node.value)
        self._assign(node.target, node.value, line)

    def _await(self, node: ast.Await) -> None:
        if type(node.value) is ast.Call:
            self._awaited.add(node.value)
        self.expr(node.value)

    def _lambda(self, node: ast.Lambda) -> None:
        self._parameters_walk(node.args)
        self.expr(node.body)

    def _comp(self, node: Any) -> None:
        if type(node) is ast.DictComp:
            self.expr(node.key)
            self.expr(node.value)
        else:
            self.expr(node.elt)
        self._generators(node.generators, 0)

    def _generators(self, generators: list[ast.comprehension], index: int) -> None:
        if index >= len(generators):
            return
        clause = generators[index]
        self.expr(clause.target)
        self.expr(clause.iter)
        for test in clause.ifs:
            self.expr(test)
        self._generators(generators, index + 1)
        builder = self._function()
        if builder is not None:
            builder.comprehensions.append(ir.Loop(tuple(_target_names(clause.target)), self._expr(clause.iter), 0))

    def _joined(self, node: ast.JoinedStr) -> None:
        for value in node.values:
            if type(value) is ast.FormattedValue:
                self.expr(value.value)
                if value.format_spec is not None:
                    self._joined(value.format_spec)  # type: ignore[arg-type]

    # -- expressions: conversion to IR ------------------------------------------------------------------

    def _expr(self, node: ast.expr) -> ir.Expr:
        key = node  # an `ast` node hashes and compares by identity: no `id()` (an audited call, ~1M a run)
        found = self._memo.get(key)
        if found is None:
            found = self._convert(node)
            self._memo[key] = found
        return found

    def _convert(self, node: Any) -> ir.Expr:
        kind = type(node)
        if kind is ast.Name:
            return ir.Name(node.id)
        if kind is ast.Attribute:
            return ir.Attr(self._expr(node.value), node.attr)
        if kind is ast.Call:
            line, col = self._position(node)
            args: list[ir.Expr] = []
            kwargs: list[tuple[str | None, ir.Expr]] = []
            parts: list[Any] = [*node.args, *node.keywords]
            if node.args and node.keywords:
                parts.sort(key=lambda a: (a.lineno, a.col_offset))
            for arg in parts:
                if type(arg) is ast.keyword:
                    kwargs.append((arg.arg, self._expr(arg.value)))
                elif type(arg) is ast.Starred:
                    args.append(ir.Starred(self._expr(arg.value)))
                else:
                    args.append(self._expr(arg))
            return ir.Call(self._expr(node.func), tuple(args), tuple(kwargs), line, col, node in self._awaited)
        if kind is ast.Constant:
            value = node.value
            vkind = type(value)
            if vkind is str:
                return ir.Str(value)
            if vkind is bytes:
                return ir.Str(value.decode("utf-8", "replace"))
            if vkind is bool or value is None or vkind is int or vkind is float:
                return ir.Const(value)
            return ir.Opaque(self._text(node))  # `...`, complex literals
        if kind is ast.JoinedStr:
            return self._fstring(node)
        if kind in (ast.List, ast.Tuple, ast.Set):
            items: list[ir.Expr] = []
            for element in node.elts:
                if type(element) is ast.Starred:
                    items.append(ir.Starred(self._expr(element.value)))
                else:
                    items.append(self._expr(element))
            return ir.Seq(tuple(items))
        if kind is ast.Dict:
            entries = []
            for key, value in zip(node.keys, node.values):
                line, col = self._dict_pos(key, value, False)
                entries.append(ir.DictItem(self._expr(key) if key is not None else None, self._expr(value), line, col))
            return ir.DictE(tuple(entries))
        if kind is ast.Subscript:
            index = self._index(node)
            if index is not None:
                return ir.Sub(self._expr(node.value), self._expr(index))
            return ir.Opaque(self._text(node))
        if kind is ast.Await:
            return ir.Await(self._expr(node.value))
        if kind is ast.BinOp:
            op = type(node.op)
            if op is ast.Add:
                return ir.Concat(self._expr(node.left), self._expr(node.right))
            if op is ast.Mod:
                formatted = self._percent_format(node)
                if formatted is not None:
                    return formatted
            return ir.Opaque(self._text(node))
        if kind is ast.Lambda:
            return ir.Lambda(tuple(a.arg for a in node.args.args), self._expr(node.body))
        if kind is ast.NamedExpr:
            return self._expr(node.value)
        if kind is ast.IfExp:
            return ir.Choice((self._expr(node.body), self._expr(node.orelse)))
        if kind in (ast.ListComp, ast.SetComp, ast.GeneratorExp):
            iters = tuple(self._expr(g.iter) for g in node.generators)
            first = node.generators[0].target
            return ir.Comp(self._expr(node.elt), iters, first.id if type(first) is ast.Name else "")
        return ir.Opaque(self._text(node))

    def _percent_format(self, node: ast.BinOp) -> ir.FStr | None:
        left = self._expr(node.left)
        if not isinstance(left, ir.Str) or left.value.endswith("%") and not left.value.endswith("%%"):
            return None
        right = node.right
        elements = right.elts if type(right) is ast.Tuple else None
        if elements is not None and any(type(e) is ast.Starred for e in elements):
            return None
        values = list(elements) if elements is not None else [right]
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
                return None
        if text:
            parts.append(text)
        return ir.FStr(tuple(parts)) if used == len(values) and used else None

    # -- strings -----------------------------------------------------------------------------------------

    def _fstring(self, node: ast.JoinedStr) -> ir.Expr:
        """libcst's reading of the source of a JoinedStr: one FormattedString per f-string token with its text
        pieces raw, and `Concat` (nested to the right) for an implicit concatenation with other strings."""
        start, end = self._span(node)
        tokens: list[tuple[int, int]] = []
        i = start
        while i < end:
            stop = self._string_end(i)
            if stop < 0 or stop > end:
                raise Unsupported("fstring-lex")
            tokens.append((i, stop))
            i = stop if stop == end else self._forward(stop)
        if i != end or not tokens:
            raise Unsupported("fstring-lex")
        expressions = [v for v in node.values if type(v) is ast.FormattedValue]
        pieces: list[tuple[bool, Any]] = []  # (is an f-string, FStr or its literal value)
        used = 0
        for token_start, token_end in tokens:
            prefix = _STRING_PREFIX.match(self._text_all, token_start)
            assert prefix is not None
            letters = self._text_all[token_start : prefix.start(1)].lower()
            if "f" in letters:
                parts, count = self._fparts(token_start, token_end, prefix, "r" in letters, expressions[used:])
                used += count
                pieces.append((True, ir.FStr(parts)))
            else:
                pieces.append((False, ast.literal_eval(self._text_all[token_start:token_end])))
        if used != len(expressions):
            raise Unsupported("fstring-lex")
        return self._concat(pieces, 0)

    def _concat(self, pieces: list[tuple[bool, Any]], index: int) -> ir.Expr:
        is_f, value = pieces[index]
        if index == len(pieces) - 1:
            if is_f:
                return value  # type: ignore[no-any-return]
            return ir.Str(value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
        rest = pieces[index:]
        if not any(f for f, _ in rest) and all(type(v) is type(rest[0][1]) for _, v in rest):
            joined = type(rest[0][1])().join(v for _, v in rest)
            return ir.Str(joined.decode("utf-8", "replace") if isinstance(joined, bytes) else joined)
        left = value if is_f else ir.Str(value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
        return ir.Concat(left, self._concat(pieces, index + 1))

    def _fparts(self, start: int, end: int, prefix: re.Match[str], raw: bool, expressions: list[ast.FormattedValue]) -> tuple[tuple[str | ir.Expr, ...], int]:
        text = self._text_all
        quote = prefix.group(1)
        body_start, body_end = prefix.end(), end - len(quote)
        if not raw and "\\N{" in text[body_start:body_end]:
            raise Unsupported("fstring-escape")
        parts: list[str | ir.Expr] = []
        run = ""
        used = 0
        i = body_start
        while i < body_end:
            c = text[i]
            if c in "{}" and text.startswith(c * 2, i):
                run += c * 2
                i += 2
                continue
            if c == "{":
                if run:
                    parts.append(run)
                    run = ""
                i = self._fexpression(i + 1, body_end)
                if used >= len(expressions):
                    raise Unsupported("fstring-lex")
                parts.append(self._expr(expressions[used].value))
                used += 1
                continue
            run += c
            i += 1
        if run:
            parts.append(run)
        return tuple(parts), used

    def _fexpression(self, i: int, end: int) -> int:
        """Skip an f-string replacement field from after its `{`; the index after its `}`."""
        text = self._text_all
        depth = 0
        spec = False
        while i < end:
            c = text[i]
            if spec:
                if c == "{":
                    i = self._fexpression(i + 1, end)
                    continue
                if c == "}":
                    return i + 1
                i += 1
                continue
            if c in "'\"":
                stop = self._string_end(i)
                if stop < 0:
                    raise Unsupported("fstring-lex")
                i = stop
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    if c == "}":
                        return i + 1
                    raise Unsupported("fstring-lex")
                depth -= 1
            elif depth == 0 and c == "!" and text[i + 1 : i + 2] != "=":
                spec = True  # a conversion, then perhaps a format spec: no expression of the field follows
            elif depth == 0 and c == ":":
                spec = True
            i += 1
        raise Unsupported("fstring-lex")


def _returns_value(body: list[ast.stmt]) -> bool:
    """The block ends in `return <value>`, a value other than None: a function answering its caller with a fallback."""
    last = body[-1] if body else None
    if not isinstance(last, ast.Return) or last.value is None:
        return False
    return not (isinstance(last.value, ast.Constant) and last.value.value is None)


def _unstar(node: ast.expr) -> ast.expr:
    return node.value if type(node) is ast.Starred else node  # type: ignore[attr-defined,no-any-return]


def _dotted(node: ast.expr) -> str | None:
    if type(node) is ast.Name:
        return node.id  # type: ignore[attr-defined,no-any-return]
    if type(node) is ast.Attribute:
        base = _dotted(node.value)  # type: ignore[attr-defined]
        return f"{base}.{node.attr}" if base is not None else None  # type: ignore[attr-defined]
    return None


def _target_names(node: ast.expr) -> list[str]:
    kind = type(node)
    if kind is ast.Name:
        return [node.id]  # type: ignore[attr-defined]
    if kind is ast.Tuple or kind is ast.List:
        names: list[str] = []
        for element in node.elts:  # type: ignore[attr-defined]
            names.extend(_target_names(element))
        return names
    if kind is ast.Starred:
        return _target_names(node.value)  # type: ignore[attr-defined]
    return []


def _test_name(test: ast.expr) -> str:
    kind = type(test)
    if kind is ast.Name:
        return test.id  # type: ignore[attr-defined,no-any-return]
    if kind is ast.Constant and (test.value is None or type(test.value) is bool):  # type: ignore[attr-defined]
        return str(test.value)  # type: ignore[attr-defined]  # libcst's `True`/`False`/`None` are names
    if kind is ast.UnaryOp and type(test.op) is ast.Not and type(test.operand) is ast.Name:  # type: ignore[attr-defined]
        return "!" + test.operand.id  # type: ignore[attr-defined]
    if kind is ast.UnaryOp and type(test.op) is ast.Not and type(test.operand) is ast.Constant:  # type: ignore[attr-defined]
        value = test.operand.value  # type: ignore[attr-defined]
        if value is None or type(value) is bool:
            return "!" + str(value)
    return ""


def _arm(arm: Any) -> list[ast.stmt]:
    return [arm] if isinstance(arm, ast.If) else arm  # type: ignore[no-any-return]


def _skips(body: Any) -> bool:
    """The arm's last statement leaves the rest of the loop body: `continue`, `break` or `return`."""
    body = _arm(body)
    return bool(body) and isinstance(body[-1], (ast.Continue, ast.Break, ast.Return))


def _always_ends(arm: Any, kinds: tuple[type, ...]) -> bool:
    """Every path through the arm ends in a statement of `kinds` (an `if` whose both arms do counts)."""
    body = _arm(arm)
    if not body:
        return False
    last = body[-1]
    if isinstance(last, kinds):
        return True
    if type(last) is ast.If:
        return _always_ends(last.body, kinds) and bool(last.orelse) and _always_ends(last.orelse, kinds)
    return False


def _exits(arm: Any) -> bool:
    """The arm always leaves the function (return or raise)."""
    return _always_ends(arm, _EXITS)


def _terminates(arm: Any) -> bool:
    """The arm always leaves what follows it (return, raise, continue or break)."""
    return _always_ends(arm, _LEAVES)


def _case_test(subject: ast.expr, pattern: Any, builder: _Builder) -> Any:
    kind = type(pattern)
    if kind is ast.MatchAs:
        return _case_test(subject, pattern.pattern, builder) if pattern.pattern is not None else None
    if kind is ast.MatchValue:
        return subject, (pattern.value,), "eq"
    if kind is ast.MatchClass:
        return subject, (pattern.cls,), "isinstance"
    if kind is ast.MatchOr:
        found = [_case_test(subject, p, builder) for p in pattern.patterns]
        if found and all(f is not None and f[2] == found[0][2] and f[0] is found[0][0] for f in found):
            return subject, tuple(k for f in found for k in f[1]), found[0][2]
        return None
    if kind is ast.MatchMapping and len(pattern.keys) == 1:
        key, value = pattern.keys[0], pattern.patterns[0]
        if type(value) is ast.MatchValue:
            text = builder._string_key(key)
            if text is not None:
                return (subject, text), (value.value,), "eq"
    return None


_LEAF = frozenset({ast.Name, ast.Constant})

_STMT: dict[type, Any] = {
    ast.FunctionDef: _Builder._def,
    ast.AsyncFunctionDef: _Builder._def,
    ast.ClassDef: _Builder._class,
    ast.Return: _Builder._return,
    ast.Delete: _Builder._delete,
    ast.Assign: _Builder._assign_stmt,
    ast.AugAssign: _Builder._aug_assign,
    ast.AnnAssign: _Builder._ann_assign,
    ast.For: _Builder._for,
    ast.AsyncFor: _Builder._for,
    ast.While: _Builder._while,
    ast.If: _Builder._if,
    ast.With: _Builder._with,
    ast.AsyncWith: _Builder._with,
    ast.Match: _Builder._match,
    ast.Raise: _Builder._raise,
    ast.Try: _Builder._try,
    ast.Assert: _Builder._assert,
    ast.Import: _Builder._import,
    ast.ImportFrom: _Builder._import_from,
    ast.Global: _Builder._global,
    ast.Nonlocal: _Builder._nothing,
    ast.Expr: _Builder._expr_stmt,
    ast.Pass: _Builder._nothing,
    ast.Break: _Builder._nothing,
    ast.Continue: _Builder._nothing,
}
if hasattr(ast, "TryStar"):
    _STMT[ast.TryStar] = _Builder._try

_EXPR: dict[type, Any] = {
    ast.Call: _Builder._call,
    ast.Attribute: _Builder._attribute,
    ast.Subscript: _Builder._subscript,
    ast.Dict: _Builder._dict,
    ast.IfExp: _Builder._ifexp,
    ast.NamedExpr: _Builder._named,
    ast.Await: _Builder._await,
    ast.Lambda: _Builder._lambda,
    ast.ListComp: _Builder._comp,
    ast.SetComp: _Builder._comp,
    ast.GeneratorExp: _Builder._comp,
    ast.DictComp: _Builder._comp,
    ast.JoinedStr: _Builder._joined,
}
