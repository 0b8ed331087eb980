"""Source edits for fixes that need a syntax tree (libcst stays under extract/, see STYLE.md).

Each function returns one insertion, (line, column, text) 1-based, or None when the
shape is not the one the fix knows; `eventlint.fixes` turns it into a Fix.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

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
