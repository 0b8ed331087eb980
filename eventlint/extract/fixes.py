"""Source edits for fixes that need a syntax tree (libcst stays under extract/, see STYLE.md).

Each function returns one insertion, (line, column, text) 1-based, or None when the
shape is not the one the fix knows; `eventlint.fixes` turns it into a Fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

# the positional index of the payload, by framework (faust's `send` takes the key first, so keyword only there)
_VALUE_POSITION = {"kafka-python": 1, "confluent-kafka": 1, "aiokafka": 1}


def add_key_argument(source: str, line: int, column: int, framework: str, field: str, keyword: str = "key") -> tuple[int, int, str] | None:
    """`, key=<expr>` after the last argument of the call at (line, column), where <expr> is what the payload
    gives `field`: `{"field": expr}` or `Record(field=expr)`, and expr a plain name or attribute chain (so
    evaluating it twice does the same as once). None for any other shape."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(source))
    except cst.ParserSyntaxError:
        return None
    positions = wrapper.resolve(PositionProvider)
    module = wrapper.module
    for node, where in positions.items():
        if not isinstance(node, cst.Call) or (where.start.line, where.start.column + 1) != (line, column):
            continue
        if not node.args or any(a.star for a in node.args) or any(a.keyword is not None and a.keyword.value == keyword for a in node.args):
            return None
        payload = _payload(node, framework)
        if payload is None:
            return None
        value = _field_value(payload, field)
        if value is None or not _plain(value):
            return None
        end = positions[node.args[-1].value].end
        return end.line, end.column + 1, f", {keyword}={module.code_for_node(value)}"
    return None


def _payload(call: cst.Call, framework: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "value":
            return arg.value
    position = _VALUE_POSITION.get(framework)
    positional = [a for a in call.args if a.keyword is None]
    if position is not None and len(positional) > position:
        return positional[position].value
    return None


def _field_value(payload: cst.BaseExpression, field: str) -> cst.BaseExpression | None:
    if isinstance(payload, cst.Dict):
        found = [
            e.value
            for e in payload.elements
            if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == field
        ]
        return found[0] if len(found) == 1 else None
    if isinstance(payload, cst.Call):
        found = [a.value for a in payload.args if a.keyword is not None and a.keyword.value == field]
        return found[0] if len(found) == 1 else None
    return None


def _plain(expr: cst.BaseExpression) -> bool:
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name)


# -- EDA402: acknowledge after the handler --------------------------------------------------------

# an edit: (line, column, end_line, end_column, text), 1-based, end exclusive
Replacement = tuple[int, int, int, int, str]
# line breaks that str.splitlines counts and Python does not (edits are placed by splitlines' lines)
_ODD_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _parse(source: str) -> tuple[cst.Module, Mapping[cst.CSTNode, CodeRange]] | None:
    if any(c in source.replace("\r\n", "\n") for c in _ODD_BREAKS):
        return None
    try:
        wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    except cst.ParserSyntaxError:
        return None
    return wrapper.module, wrapper.resolve(PositionProvider)


def _calls_at(positions: Mapping[cst.CSTNode, CodeRange], line: int, column: int) -> list[cst.Call]:
    return [n for n, where in positions.items() if isinstance(n, cst.Call) and (where.start.line, where.start.column + 1) == (line, column)]


def _span(positions: Mapping[cst.CSTNode, CodeRange], node: cst.CSTNode, text: str) -> Replacement:
    where = positions[node]
    return where.start.line, where.start.column + 1, where.end.line, where.end.column + 1, text


def _walk(node: cst.CSTNode, into_scopes: bool = False) -> Iterator[cst.CSTNode]:
    """`node` and everything under it, not entering nested functions, classes and lambdas (their code runs elsewhere)."""
    yield node
    for child in node.children:
        if not into_scopes and isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        yield from _walk(child, into_scopes)


def _leaves(node: cst.CSTNode, loops: int = 0) -> bool:
    """Some path through `node` leaves the enclosing function or loop early: a `return`, `yield`, or a `break` of this loop."""
    if isinstance(node, (cst.Return, cst.Yield)) or (isinstance(node, cst.Break) and loops == 0):
        return True
    nested = loops + 1 if isinstance(node, (cst.For, cst.While)) else loops
    return any(
        _leaves(child, nested if child is not getattr(node, "orelse", None) else loops)
        for child in node.children
        if not isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda))
    )


def _append(block: cst.BaseSuite, positions: Mapping[cst.CSTNode, CodeRange], lines: list[str], statement: str) -> Replacement | None:
    """`statement` as the block's new last statement, indented as its first one is."""
    if not isinstance(block, cst.IndentedBlock) or not block.body:
        return None
    start = positions[block.body[0]].start
    indent = lines[start.line - 1][: start.column]
    if indent.strip():
        return None
    end = positions[block.body[-1]].end
    if end.line < len(lines) or lines[-1].endswith("\n"):
        return end.line + 1, 1, end.line + 1, 1, f"{indent}{statement}\n"
    after = len(lines[end.line - 1]) + 1
    return end.line, after, end.line, after, f"\n{indent}{statement}"


def _true_to_false(call: cst.Call, keyword: str, positions: Mapping[cst.CSTNode, CodeRange]) -> Replacement | None | str:
    """The edit turning `keyword=True` into `keyword=False`; "absent" when the call does not pass it; None otherwise."""
    if any(a.star for a in call.args):
        return None  # `**options` may set it
    given = [a for a in call.args if a.keyword is not None and a.keyword.value == keyword]
    if not given:
        return "absent"
    if len(given) != 1 or not (isinstance(given[0].value, cst.Name) and given[0].value.value == "True"):
        return None
    return _span(positions, given[0].value, "False")


def _settles(node: cst.CSTNode, methods: tuple[str, ...], receiver: str | None = None) -> bool:
    """Something under `node` already acknowledges, rejects or commits (`x.basic_ack(...)`, `consumer.commit()`)."""
    for n in _walk(node, into_scopes=True):
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in methods:
            if receiver is None or (isinstance(n.func.value, cst.Name) and n.func.value.value == receiver):
                return True
    return False


def ack_after_callback(
    source: str, line: int, column: int, method: str, keyword: str, callback_keyword: str, callback_position: int,
    handler: str, params: int, is_async: bool, statement: str, settles: tuple[str, ...],
) -> list[Replacement] | None:
    """`keyword=True` -> `keyword=False` on the consuming call at (line, column) (`channel.basic_consume(...)`), and
    `statement` (its `{0}`, `{1}` the callback's parameters) appended to the callback, a function of this module
    named `handler` with `params` positional parameters, no early exit and no acknowledgement of its own."""
    parsed = _parse(source)
    if parsed is None:
        return None
    module, positions = parsed
    calls = [c for c in _calls_at(positions, line, column) if isinstance(c.func, cst.Attribute) and c.func.attr.value == method]
    if len(calls) != 1:
        return None
    call = calls[0]
    flip = _true_to_false(call, keyword, positions)
    if not isinstance(flip, tuple):
        return None
    named = [a.value for a in call.args if a.keyword is not None and a.keyword.value == callback_keyword]
    positional = [a.value for a in call.args if a.keyword is None]
    callback = named[0] if named else (positional[callback_position] if len(positional) > callback_position else None)
    if not isinstance(callback, cst.Name) or callback.value != handler:
        return None
    defs = [n for n in _walk(module, into_scopes=True) if isinstance(n, cst.FunctionDef) and n.name.value == handler]
    if len(defs) != 1 or defs[0] not in module.body:
        return None  # one module-level function of that name, or the callback is not the one we would edit
    function = defs[0]
    p = function.params
    if p.star_arg is not cst.MaybeSentinel.DEFAULT or p.star_kwarg is not None or p.kwonly_params:
        return None
    names = [param.name.value for param in (*p.posonly_params, *p.params)]
    if len(names) != params or any(param.default is not None for param in p.params) or (function.asynchronous is not None) != is_async:
        return None
    if _leaves(function.body) or _settles(function.body, settles):
        return None
    lines = source.splitlines(keepends=True)
    added = _append(function.body, positions, lines, statement.format(*names))
    return None if added is None else [flip, added]


def commit_after_loop(source: str, line: int, column: int, keyword: str, is_async: bool, statement: str, settles: tuple[str, ...]) -> list[Replacement] | None:
    """`keyword=False` on the consumer made at (line, column) (`consumer = KafkaConsumer(...)`), and `statement` (`{0}`
    the consumer's name) appended to the one loop over it (`for message in consumer:`) in the same function, a
    loop with no `break`, `return` or commit of its own."""
    parsed = _parse(source)
    if parsed is None:
        return None
    module, positions = parsed
    targets = set(_calls_at(positions, line, column))
    for block in (n for n in _walk(module, into_scopes=True) if isinstance(n, (cst.Module, cst.IndentedBlock))):
        for index, stmt in enumerate(block.body):
            if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign)):
                continue
            assign = stmt.body[0]
            if assign.value not in targets or len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
                continue
            name = assign.targets[0].target.value
            return _commit_in_loop(source, positions, assign.value, name, block.body[index + 1 :], keyword, is_async, statement, settles)
    return None


def _commit_in_loop(
    source: str, positions: Mapping[cst.CSTNode, CodeRange], call: cst.Call, name: str, rest: Sequence[cst.CSTNode],
    keyword: str, is_async: bool, statement: str, settles: tuple[str, ...],
) -> list[Replacement] | None:
    below = [n for stmt in rest for n in _walk(stmt)]
    loops = [n for n in below if isinstance(n, cst.For) and isinstance(n.iter, cst.Name) and n.iter.value == name]
    rebound = [n for n in below if isinstance(n, (cst.AssignTarget, cst.For)) and isinstance(n.target, cst.Name) and n.target.value == name]
    if len(loops) != 1 or rebound:
        return None
    loop = loops[0]
    if (loop.asynchronous is not None) != is_async or loop.orelse is not None or _leaves(loop.body) or _settles(loop.body, settles, name):
        return None
    flip = _true_to_false(call, keyword, positions)
    if flip is None:
        return None
    lines = source.splitlines(keepends=True)
    if flip == "absent":
        flip = _add_keyword(call, positions, lines, f"{keyword}=False")
        if flip is None:
            return None
    added = _append(loop.body, positions, lines, statement.format(name))
    return None if added is None else [flip, added]


# -- EDA103: pass the incoming correlation id on ----------------------------------------------------

FRESH_ID = re.compile(r"(^|[.\s(])(uuid1|uuid4|uuid6|uuid7|ulid|token_hex|token_urlsafe)\(\)")


def _placeholder(value: cst.BaseExpression, module: cst.Module) -> bool:
    """An empty text, None, or a freshly generated id; not bytes (a Kafka header wants bytes, the incoming id may be text)."""
    if isinstance(value, cst.Name):
        return value.value == "None"
    if isinstance(value, cst.SimpleString):
        return value.evaluated_value == ""
    if not isinstance(value, (cst.Call, cst.Attribute)):
        return False
    text = module.code_for_node(value)
    # `str(uuid4())`, `uuid.uuid4().hex`; not `str(uuid4()).encode()` or `bytes(...)`
    return FRESH_ID.search(text) is not None and not text.endswith(".encode()") and not text.startswith("bytes(")


def propagate_correlation(
    source: str, line: int, column: int, handler: str, is_correlation: Callable[[str], bool],
    same: Callable[[str, str], bool], upstream: str | None,
) -> tuple[Replacement, str] | None:
    """The edit replacing the one empty or fresh correlation id the call at (line, column) passes (a keyword,
    a dict literal's key, also in a dict assigned to a name the call uses earlier in the same function) with the
    incoming one, and the expression used. The call must be in `handler`'s own body; the incoming id is its
    parameter of that name, else the one way the handler already reads it from a parameter (`event["correlation_id"]`,
    `properties.correlation_id`, `headers.get("traceparent")`), else `param["<upstream>"]` when every message that
    reaches it carries the payload field `upstream` and the handler reads its one parameter by item."""
    parsed = _parse(source)
    if parsed is None:
        return None
    module, positions = parsed
    calls = _calls_at(positions, line, column)
    if not calls:
        return None
    call = max(calls, key=lambda c: (positions[c].end.line, positions[c].end.column))
    where = positions[call]
    inside = [
        n for n in _walk(module, into_scopes=True)
        if isinstance(n, cst.FunctionDef) and positions[n].start.line <= where.start.line and where.end.line <= positions[n].end.line
    ]
    if not inside:
        return None
    function = max(inside, key=lambda f: positions[f].start.line)
    if function.name.value != handler or not any(call is n for n in _walk(function.body)):
        return None
    params = [p.name.value for p in (*function.params.posonly_params, *function.params.params, *function.params.kwonly_params)]

    spots: list[tuple[str, cst.BaseExpression]] = []
    used = {n.value for n in _walk(call) if isinstance(n, cst.Name)}
    scanned: list[cst.CSTNode] = [call]
    for stmt in _walk(function.body):
        if isinstance(stmt, cst.Assign) and positions[stmt].end.line < where.start.line and isinstance(stmt.value, cst.Dict):
            if any(isinstance(t.target, cst.Name) and t.target.value in used for t in stmt.targets):
                scanned.append(stmt.value)
    for root in scanned:
        for n in _walk(root):
            if isinstance(n, cst.Arg) and n.keyword is not None and is_correlation(n.keyword.value):
                spots.append((n.keyword.value, n.value))
            elif isinstance(n, cst.DictElement) and isinstance(n.key, cst.SimpleString) and isinstance(n.key.evaluated_value, str):
                if is_correlation(n.key.evaluated_value):
                    spots.append((n.key.evaluated_value, n.value))
            elif isinstance(n, (cst.Tuple, cst.List)) and len(n.elements) == 2 and isinstance(n.elements[0].value, cst.SimpleString):
                key = n.elements[0].value.evaluated_value  # a header pair, ("traceparent", value)
                if isinstance(key, str) and is_correlation(key):
                    spots.append((key, n.elements[1].value))
    placeholders = [(key, value) for key, value in spots if _placeholder(value, module)]
    if len(placeholders) != 1 or len(spots) != 1:
        return None  # the id passed twice (a header and a field): which to change is not unambiguous
    key, value = placeholders[0]
    incoming = _incoming(function, params, key, same, upstream, module)
    if incoming is None:
        return None
    return _span(positions, value, incoming), incoming


def _incoming(
    function: cst.FunctionDef, params: list[str], key: str, same: Callable[[str, str], bool], upstream: str | None, module: cst.Module
) -> str | None:
    own = [p for p in params if same(p, key)]
    if len(own) == 1:
        return own[0]
    reads: set[str] = set()
    item_bases: set[str] = set()
    for n in _walk(function.body):
        if isinstance(n, cst.Subscript) and isinstance(n.value, cst.Name) and n.value.value in params and len(n.slice) == 1:
            index = n.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString) and isinstance(index.value.evaluated_value, str):
                item_bases.add(n.value.value)
                if same(index.value.evaluated_value, key):
                    reads.add(module.code_for_node(n))
        elif isinstance(n, cst.Attribute) and isinstance(n.value, cst.Name) and n.value.value in params and same(n.attr.value, key):
            reads.add(module.code_for_node(n))
        elif (
            isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "get"
            and isinstance(n.func.value, cst.Name) and n.func.value.value in params and n.args
            and isinstance(n.args[0].value, cst.SimpleString) and isinstance(n.args[0].value.evaluated_value, str)
            and same(n.args[0].value.evaluated_value, key)
        ):
            reads.add(module.code_for_node(n))
    if len(reads) == 1:
        return reads.pop()
    if reads or upstream is None or len(item_bases) != 1 or len(params) != 1 or item_bases != set(params):
        return None
    return f'{params[0]}["{upstream}"]' if re.fullmatch(r"[\w.\-]+", upstream) else None


def _add_keyword(call: cst.Call, positions: Mapping[cst.CSTNode, CodeRange], lines: list[str], text: str) -> Replacement | None:
    """`text` as the call's new last argument: on a line of its own when the arguments are one a line with a
    trailing comma (as black writes them), else after the last one."""
    if not call.args:
        return None
    last = call.args[-1]
    end = positions[last.value].end
    rest = lines[end.line - 1][end.column :].strip()
    if isinstance(last.comma, cst.Comma) and end.line < positions[call].end.line and rest.startswith(",") and (rest == "," or rest[1:].lstrip().startswith("#")):
        start = positions[last].start
        indent = lines[start.line - 1][: start.column]
        if not indent.strip():
            return end.line + 1, 1, end.line + 1, 1, f"{indent}{text},\n"
    return end.line, end.column + 1, end.line, end.column + 1, f", {text}"
