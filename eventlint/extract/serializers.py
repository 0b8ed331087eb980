"""The schema a producer's serializer writes with, read from the code (never imported or run).

A publication whose bytes come from a schema-bound serializer sends what that schema says, not what
the payload expression looks like. The shapes recognised are listed in
`rules/knowledge/serializers.yaml`:

- a Schema Registry serializer (`AvroSerializer(client, schema_str)`, `JSONSerializer(schema_str,
  client)`) named as `value.serializer` in a `SerializingProducer`'s configuration, or called by hand
  (`ser(value, SerializationContext(topic, MessageField.VALUE))`) for the payload;
- a writer that fills a buffer the payload is read from: fastavro's `schemaless_writer(buf, schema,
  record)` / `writer(buf, schema, records)`, avro's `DatumWriter(schema).write(record,
  BinaryEncoder(buf))`, then `buf.getvalue()`, also through a function that returns it.

The schema is followed to a string literal, a constant, a dict literal (`parse_schema({...})`), a
parser (`json.loads`, `avro.schema.parse`, `fastavro.parse_schema`) or a project file the code reads
(`open("x.avsc").read()`, `Path(__file__).parent / "x.avsc"` then `.read_text()`,
`fastavro.schema.load_schema(path)`). Files are read through the run's `ConfigFiles`, so the cache
knows them. Anything else leaves the serializer's schema unknown (and the publication keeps the
schema inferred from its payload).
"""

from __future__ import annotations

import ast
import functools
import json
import posixpath
from dataclasses import dataclass
from typing import Any

import yaml

from eventlint.config import FAST_SAFE_LOADER
from eventlint.extract import ir, protos
from eventlint.extract.config_values import FILE, locate
from eventlint.extract.configfiles import normalise
from eventlint.extract.resolve import LAST_LINE, ArgBinding, Evaluator, Scope, argument
from eventlint.extract.values import VDict, VInst, VRef, VStr
from eventlint.resources import rules_dir

MAX_DEPTH = 12
KNOWLEDGE = "serializers.yaml"
_PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"})
_OS_JOIN = frozenset({"os.path.join", "posixpath.join"})
_DIVIDE = "<pathlib join>"  # `a / b` on paths, in IR made from text (never evaluated)
_SAME_PATH = frozenset({"os.path.abspath", "os.path.realpath", "os.path.normpath", "os.fspath"})


@dataclass(frozen=True)
class Detected:
    """A serializer found for a publication: the format it writes, its schema text, its registry conf."""

    format: str
    schema: str | None  # JSON text (sorted keys) when it parses as JSON; else the text as written; None: see `unresolved`
    strategy: str | None = None  # `subject.name.strategy` from the serializer's conf, when stated (canonical name)
    unresolved: str | None = None  # why the schema of a known serializer stays unknown (`category: detail`)


@functools.cache
def knowledge() -> dict[str, Any]:
    """The shipped serializer knowledge (a mistake in it is a bug: it raises)."""
    path = rules_dir() / "knowledge" / KNOWLEDGE
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_SAFE_LOADER)
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ValueError(f"{path}: expected `version: 1` and the serializer tables")
    return data


def knowledge_path() -> str:
    """The knowledge file, for the cache key of the extraction."""
    return str(rules_dir() / "knowledge" / KNOWLEDGE)


def _named(entries: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in entries:
        for name in (entry[key], *entry.get("aliases", ())):
            out[name] = entry
    return out


class SerializerFinder:
    """Finds the serializer a publish site writes with and reads its schema."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        self.patterns = ev.project.patterns
        data = knowledge()
        self.serializers = _named(data.get("serializers", []), "class")
        self.writers = _named(data.get("writers", []), "call")
        self.datum_writers = _named(data.get("datum-writers", []), "class")
        self.encoders = frozenset(data.get("encoders", ()))
        self.parsers = {e["call"]: e for e in data.get("schema-parsers", [])}
        self.files = {e["call"]: e for e in data.get("schema-files", [])}
        self.producers = _named(data.get("producers", []), "class")
        self.deserializers = _named(data.get("deserializers", []), "class")
        self.consumers = _named(data.get("consumers", []), "class")
        self.contexts = frozenset(data.get("contexts", ()))
        # IR made here from text the IR keeps opaque (`a / b`); kept for the run, as the evaluator memoises by node identity
        self._converted: dict[str, ir.Expr | None] = {}

    # -- at a site ---------------------------------------------------------------------------

    def detect(self, call: ir.Call, scope: Scope, payload: ir.Expr | None, part: str = "value") -> Detected | None:
        """The serializer of the publish `call`'s value (its producer's `value.serializer`, or the payload's own), or of
        its key with `part="key"` (`key.serializer`, or the key argument's own). One is never taken for the other."""
        if payload is not None:
            found = self._payload(payload, scope, call.line, 0, part)
            if found is not None:
                return found
        if isinstance(call.func, ir.Attr):
            made = self._made(call.func.value, scope, call.line, 0)
            if made is not None:
                producer, where, line = made
                entry = self.producers.get(self._qname(producer.func, where, line) or "")
                if entry is not None:
                    conf = self._conf_value(producer, entry, where, line, entry["key" if part == "value" else "key-serializer"])
                    if conf is not None:
                        return self._serializer(conf[0], conf[1], conf[2], 0)
        return None

    def decoder(self, call: ir.Call, scope: Scope) -> Detected | None:
        """The schema-bound deserializer a consuming `call` (`consumer.subscribe(...)`) decodes values with: its
        consumer's `value.deserializer` (`ProtobufDeserializer(orders_pb2.OrderPlaced, conf)`)."""
        if not isinstance(call.func, ir.Attr):
            return None
        made = self._made(call.func.value, scope, call.line, 0)
        if made is None:
            return None
        consumer, where, line = made
        entry = self.consumers.get(self._qname(consumer.func, where, line) or "")
        if entry is None:
            return None
        conf = self._conf_value(consumer, entry, where, line, entry["key"])
        return self._serializer(conf[0], conf[1], conf[2], 0, self.deserializers) if conf is not None else None

    def _payload(self, expr: ir.Expr, scope: Scope, line: int, depth: int, part: str = "value") -> Detected | None:
        if depth > MAX_DEPTH:
            return None
        match expr:
            case ir.Await(value):
                return self._payload(value, scope, line, depth + 1, part)
            case ir.Name(name):
                defined = self.ev.definition(name, scope, line)
                return self._payload(defined[0], defined[1], defined[2], depth + 1, part) if defined else None
            case ir.Call(func=ir.Attr(value=ir.Name(buffer), attr="getvalue")) if not expr.args:
                return self._buffer(buffer, scope, line) if part == "value" else None
            case ir.Call(func=func):
                # `ser(value, ctx)`: calling a serializer instance; its context names the part it writes
                made = self._made(func, scope, line, depth + 1)
                if made is not None and (self._qname(made[0].func, made[1], made[2]) or "") in self.serializers:
                    field = self._field(argument(expr, 1, "ctx"), scope, line)
                    if field is not None and field != part:
                        return None  # `MessageField.KEY` given as the value (or the reverse): not this part's schema
                    return self._serializer(func, scope, line, depth + 1)
                callee = self.ev.eval(func, scope, line)
                if isinstance(callee, VRef) and callee.kind == "function":
                    target = self.ev.scope_of(callee.qname)
                    if target is not None and target.func is not None and len(target.func.returns) == 1:
                        bound = Scope(target.mod, target.func, target.cls, ArgBinding(expr, scope))
                        return self._payload(target.func.returns[0], bound, LAST_LINE, depth + 1, part)
        return None

    def _field(self, ctx: ir.Expr | None, scope: Scope, line: int) -> str | None:
        """`SerializationContext(topic, MessageField.KEY)`: "key" (or "value"); None when not stated plainly."""
        made = self._made(ctx, scope, line, 0) if ctx is not None else None
        if made is None or self._qname(made[0].func, made[1], made[2]) not in self.contexts:
            return None
        field = argument(made[0], 1, "field")
        value = self.ev.eval(field, made[1], made[2]) if field is not None else None
        name = value.qname.rsplit(".", 1)[-1] if isinstance(value, VRef) else value.value if isinstance(value, VStr) else None
        return {"KEY": "key", "VALUE": "value", "key": "key", "value": "value"}.get(name or "")

    def _buffer(self, buffer: str, scope: Scope, line: int) -> Detected | None:
        """What was written into `buffer` before `buffer.getvalue()`: the last schema-bound write in the function."""
        fn = scope.func
        if fn is None:
            return None
        for call in sorted(fn.calls, key=lambda c: c.line, reverse=True):
            if call.line > line:
                continue
            qname = self._qname(call.func, scope, call.line)
            writer = self.writers.get(qname or "")
            if writer is not None:
                out = argument(call, writer["out"].get("arg"), writer["out"].get("kw"))
                if isinstance(out, ir.Name) and out.id == buffer:
                    schema = argument(call, writer["schema"].get("arg"), writer["schema"].get("kw"))
                    return self._with_schema(writer["format"], schema, scope, call.line, None)
                continue
            if isinstance(call.func, ir.Attr) and call.func.attr == "write" and len(call.args) == 2:
                encoder = self._made(call.args[1], scope, call.line, 0)
                if encoder is None or self._qname(encoder[0].func, encoder[1], encoder[2]) not in self.encoders:
                    continue
                target = encoder[0].args[0] if encoder[0].args else None
                if not (isinstance(target, ir.Name) and target.id == buffer):
                    continue
                made = self._made(call.func.value, scope, call.line, 0)
                entry = self.datum_writers.get(self._qname(made[0].func, made[1], made[2]) or "") if made else None
                if made is not None and entry is not None:
                    schema = argument(made[0], entry["schema"].get("arg"), entry["schema"].get("kw"))
                    return self._with_schema(entry["format"], schema, made[1], made[2], None)
        return None

    def _serializer(self, expr: ir.Expr, scope: Scope, line: int, depth: int, table: dict[str, dict[str, Any]] | None = None) -> Detected | None:
        made = self._made(expr, scope, line, depth)
        if made is None:
            return None
        call, where, at = made
        entry = (self.serializers if table is None else table).get(self._qname(call.func, where, at) or "")
        if entry is None:
            return None
        schema = argument(call, entry["schema"].get("arg"), entry["schema"].get("kw"))
        conf = argument(call, entry.get("conf", {}).get("arg"), entry.get("conf", {}).get("kw")) if "conf" in entry else None
        strategy = self._strategy(conf, where, at) if conf is not None else None
        if entry.get("generated"):
            return self._generated(entry["format"], schema, where, at, strategy)
        return self._with_schema(entry["format"], schema, where, at, strategy)

    def _generated(self, fmt: str, cls: ir.Expr | None, scope: Scope, line: int, strategy: str | None) -> Detected | None:
        """A serializer given a generated class (`ProtobufSerializer(orders_pb2.OrderPlaced, ...)`): the `.proto` it comes from."""
        if cls is None:
            return None
        value = self.ev.eval(cls, scope, line)
        qname = value.qname if isinstance(value, VRef) else _dotted(cls, scope)
        if qname is None:
            return Detected(fmt, None, strategy, f"not-static: the message class `{_text(cls)}` is not known statically")
        configs = self.ev.project.configs
        found = protos.locate(qname, self.ev.project.protos, configs.text, self._recorded(qname, scope))
        if isinstance(found, str):
            return Detected(fmt, None, strategy, found)
        reference = json.dumps({"message": found.message, "proto": found.file}, sort_keys=True, separators=(",", ":"))
        return Detected(fmt, reference, strategy)

    def _with_schema(self, fmt: str, schema: ir.Expr | None, scope: Scope, line: int, strategy: str | None) -> Detected | None:
        if schema is None:
            return None
        text = self.schema_text(schema, scope, line, 0)
        if text is None:
            return None
        try:
            text = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
        except ValueError:
            pass  # kept as written: the contract rules report a schema that does not parse
        return Detected(fmt, text, strategy)

    def _recorded(self, qname: str, scope: Scope) -> str | None:
        """The `.proto` path protoc recorded in the generated module, when the project holds that module."""
        parts = protos.generated(qname)
        if parts is None:
            return None
        module = self.ev.project.find_module(".".join([*parts[0], f"{parts[1]}_pb2"]), scope.mod)
        text = self.ev.project.configs.text(module.ir.path) if module is not None else None
        return protos.descriptor_name(text) if text else None

    def _strategy(self, conf: ir.Expr, scope: Scope, line: int) -> str | None:
        """`subject.name.strategy` in a serializer's conf: the strategy function's own name."""
        value = self.ev.eval(conf, scope, line)
        if not isinstance(value, VDict):
            return None
        found = value.get("subject.name.strategy")
        if isinstance(found, VRef):
            # a strategy function of the project's own is not one we know
            return knowledge().get("subject-strategies", {}).get(found.qname.rsplit(".", 1)[-1])
        return None

    def _conf_value(self, producer: ir.Call, entry: dict[str, Any], scope: Scope, line: int, wanted: str) -> tuple[ir.Expr, Scope, int] | None:
        """The expression a producer's configuration dict gives for `wanted` (`value.serializer`, `key.serializer`)."""
        conf = argument(producer, entry["conf"].get("arg"), entry["conf"].get("kw"))
        for _ in range(MAX_DEPTH):
            if isinstance(conf, ir.Name):
                defined = self.ev.definition(conf.id, scope, line)
                if defined is None:
                    return None
                conf, scope, line = defined
                continue
            break
        if not isinstance(conf, ir.DictE):
            return None
        for item in conf.items:
            key = self.ev.eval(item.key, scope, line) if item.key is not None else None
            if isinstance(key, VStr) and key.value == wanted:
                return item.value, scope, line
        return None

    # -- following the code -----------------------------------------------------------------

    def _made(self, expr: ir.Expr, scope: Scope, line: int, depth: int) -> tuple[ir.Call, Scope, int] | None:
        """The call that made the object `expr` names (`x = Factory(...)`, `self.x = Factory(...)`)."""
        if depth > MAX_DEPTH:
            return None
        match expr:
            case ir.Call():
                return expr, scope, line
            case ir.Await(value):
                return self._made(value, scope, line, depth + 1)
            case ir.Name(name):
                defined = self.ev.definition(name, scope, line)
                return self._made(defined[0], defined[1], defined[2], depth + 1) if defined else None
            case ir.Attr(value=ir.Name("self"), attr=attr):
                cls = scope.self_type or (f"{scope.mod.name}.{scope.cls.name}" if scope.cls is not None else None)
                if cls is None:
                    fn = scope.func
                    cls = f"{scope.mod.name}.{fn.cls}" if fn is not None and fn.cls else None
                return self._attribute(cls, attr, depth) if cls else None
        return None

    def _attribute(self, cls_qname: str, attr: str, depth: int) -> tuple[ir.Call, Scope, int] | None:
        for qname in (cls_qname, *self.ev.class_bases(cls_qname)):
            entry = self.ev.project.classes.get(qname)
            if entry is None:
                continue
            mod, cls = entry
            prefix = f"{cls.name}."
            methods = sorted(
                (f for name, f in mod.functions.items() if name.startswith(prefix) and "." not in name[len(prefix) :]),
                key=lambda f: (not f.name.endswith(".__init__"), f.line),
            )
            for fn in methods:
                for assign in fn.assigns:
                    if assign.target == f"self.{attr}":
                        return self._made(assign.value, Scope(mod, fn, cls), assign.line, depth + 1)
            for assign in reversed(cls.attrs):
                if assign.target == attr:
                    return self._made(assign.value, Scope(mod, None, cls), assign.line, depth + 1)
        return None

    def _qname(self, func: ir.Expr, scope: Scope, line: int) -> str | None:
        callee = self.ev.eval(func, scope, line)
        if isinstance(callee, VRef) and callee.kind == "external":
            return self.patterns.canonical(callee.qname)
        return None

    # -- the schema's text ------------------------------------------------------------------

    def schema_text(self, expr: ir.Expr, scope: Scope, line: int, depth: int) -> str | None:
        """The schema `expr` holds, as text: a literal, a constant, a dict literal, a parsed string, a file read."""
        if depth > MAX_DEPTH:
            return None
        match expr:
            case ir.Str(value):
                return value
            case ir.DictE() | ir.Seq():
                data = self._literal(expr, scope, line, depth + 1)
                return json.dumps(data) if data is not None else None
            case ir.Name(name):
                defined = self.ev.definition(name, scope, line)
                if defined is not None:
                    return self.schema_text(defined[0], defined[1], defined[2], depth + 1)
            case ir.Call(func=ir.Attr(value=inner, attr="read_text")):
                rel = self.path(inner, scope, line, depth + 1)
                return self._read(rel)
            case ir.Call(func=ir.Attr(value=inner, attr="read")) if not expr.args:
                opened = self.ev.eval(inner, scope, line)
                if isinstance(opened, VInst) and opened.type == FILE:
                    bound = opened.get("<path>")
                    return self._read(bound.value if isinstance(bound, VStr) else None)
                made = self._made(inner, scope, line, depth + 1)
                if made is not None and self._qname(made[0].func, made[1], made[2]) in ("builtins.open", "io.open") and made[0].args:
                    return self._read(self.path(made[0].args[0], made[1], made[2], depth + 1))
                return None
            case ir.Call():
                qname = self._qname(expr.func, scope, line)
                parser = self.parsers.get(qname or "")
                if parser is not None:
                    inner = argument(expr, parser.get("arg"), parser.get("kw"))
                    return self.schema_text(inner, scope, line, depth + 1) if inner is not None else None
                reader = self.files.get(qname or "")
                if reader is not None:
                    inner = argument(expr, reader.get("arg"), reader.get("kw"))
                    return self._read(self.path(inner, scope, line, depth + 1)) if inner is not None else None
        value = self.ev.eval(expr, scope, line)
        if isinstance(value, VStr):
            return value.value
        return None

    def _literal(self, expr: ir.Expr, scope: Scope, line: int, depth: int) -> Any:
        """A JSON value written as a Python literal (names of constants resolved); None when any part is not."""
        if depth > MAX_DEPTH * 4:
            return None
        match expr:
            case ir.Str(value):
                return value
            case ir.Const(value):
                return value
            case ir.Seq(items):
                out = [self._literal(i, scope, line, depth + 1) for i in items]
                return None if any(o is None and not _is_none(i) for o, i in zip(out, items)) else out
            case ir.DictE(items):
                data: dict[str, Any] = {}
                for item in items:
                    key = self.ev.eval(item.key, scope, line) if item.key is not None else None
                    if not isinstance(key, VStr):
                        return None
                    value = self._literal(item.value, scope, line, depth + 1)
                    if value is None and not _is_none(item.value):
                        return None
                    data[key.value] = value
                return data
            case ir.Name(name):
                defined = self.ev.definition(name, scope, line)
                if defined is not None:
                    return self._literal(defined[0], defined[1], defined[2], depth + 1)
        value = self.ev.eval(expr, scope, line)
        return value.value if isinstance(value, VStr) else None

    def _read(self, rel: str | None) -> str | None:
        return self.ev.project.configs.text(rel) if rel else None

    # -- paths --------------------------------------------------------------------------------

    def path(self, expr: ir.Expr, scope: Scope, line: int, depth: int) -> str | None:
        """The project file `expr` names, root-relative (`__file__`-based paths, `Path(...)`, `os.path.join`)."""
        found = self._path(expr, scope, line, depth)
        if found is None:
            return None
        anchored, text = found
        if anchored:
            return normalise(text) if text else None
        located = locate(self.ev, text, scope.mod.ir.path)
        return located if isinstance(located, str) else None

    def _path(self, expr: ir.Expr, scope: Scope, line: int, depth: int) -> tuple[bool, str] | None:
        """(anchored at the project root?, path). A plain string is relative to where the code runs."""
        if depth > MAX_DEPTH:
            return None
        match expr:
            case ir.Opaque(text):
                if text not in self._converted:
                    try:
                        self._converted[text] = _to_ir(ast.parse(text, mode="eval").body)
                    except (SyntaxError, ValueError, RecursionError):
                        self._converted[text] = None
                converted = self._converted[text]
                return self._path(converted, scope, line, depth + 1) if converted is not None else None
            case ir.Call(func=ir.Name(_DIVIDE), args=(left, right)):
                return self._joined([self._path(left, scope, line, depth + 1), self._path(right, scope, line, depth + 1)])
            case ir.Name("__file__"):
                return True, scope.mod.ir.path
            case ir.Name(name):
                defined = self.ev.definition(name, scope, line)
                if defined is not None:
                    return self._path(defined[0], defined[1], defined[2], depth + 1)
            case ir.Attr(value=inner, attr="parent"):
                base = self._path(inner, scope, line, depth + 1)
                return (base[0], posixpath.dirname(base[1])) if base else None
            case ir.Sub(value=ir.Attr(value=inner, attr="parents"), index=ir.Const(value=int() as up)):
                base = self._path(inner, scope, line, depth + 1)
                return (base[0], _up(base[1], up + 1)) if base else None
            case ir.Call(func=ir.Attr(value=inner, attr="resolve" | "absolute" | "expanduser")):
                return self._path(inner, scope, line, depth + 1)
            case ir.Call(func=ir.Attr(value=inner, attr="joinpath"), args=args) if args and not expr.kwargs:
                parts = [self._path(inner, scope, line, depth + 1), *(self._path(a, scope, line, depth + 1) for a in args)]
                return self._joined(parts)
            case ir.Call(func=func, args=args):
                qname = self._qname(func, scope, line)
                if qname in _PATH_CLASSES or qname in _OS_JOIN:
                    return self._joined([self._path(a, scope, line, depth + 1) for a in args])
                if qname in _SAME_PATH and len(args) == 1:
                    return self._path(args[0], scope, line, depth + 1)
                if qname == "os.path.dirname" and len(args) == 1:
                    base = self._path(args[0], scope, line, depth + 1)
                    return (base[0], posixpath.dirname(base[1])) if base else None
        value = self.ev.eval(expr, scope, line)
        return (False, value.value) if isinstance(value, VStr) else None

    @staticmethod
    def _joined(parts: list[tuple[bool, str] | None]) -> tuple[bool, str] | None:
        if not parts or any(p is None for p in parts):
            return None
        anchored, text = parts[0]  # type: ignore[misc]
        for part in parts[1:]:
            assert part is not None
            if part[0] or part[1].startswith("/"):
                return None  # a second absolute part: not followed
            text = posixpath.join(text, part[1])
        return anchored, text


def _dotted(expr: ir.Expr, scope: Scope) -> str | None:
    """`mod_pb2.Outer.Inner` as its imported name, when the evaluator has no value for it (a generated module in the
    project defines its classes at run time, so they are not bound anywhere the resolver can see)."""
    parts: list[str] = []
    while isinstance(expr, ir.Attr):
        parts.insert(0, expr.attr)
        expr = expr.value
    if not isinstance(expr, ir.Name):
        return None
    target = scope.mod.imports.get(expr.id)
    return ".".join([target, *parts]) if target else None


def _text(expr: ir.Expr) -> str:
    parts: list[str] = []
    while isinstance(expr, ir.Attr):
        parts.insert(0, expr.attr)
        expr = expr.value
    return ".".join([expr.id, *parts]) if isinstance(expr, ir.Name) else "…"


def _up(path: str, levels: int) -> str:
    for _ in range(levels):
        path = posixpath.dirname(path)
    return path


def _is_none(expr: ir.Expr) -> bool:
    return isinstance(expr, ir.Const) and expr.value is None


def _to_ir(node: ast.expr) -> ir.Expr | None:
    """A small path expression as IR, so the path reader can follow it (`a / b` as a call of `_DIVIDE`)."""
    if isinstance(node, ast.Name):
        return ir.Name(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ir.Str(node.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return ir.Const(node.value)
    if isinstance(node, ast.Attribute):
        inner = _to_ir(node.value)
        return ir.Attr(inner, node.attr) if inner is not None else None
    if isinstance(node, ast.Subscript):
        value, index = _to_ir(node.value), _to_ir(node.slice)
        return ir.Sub(value, index) if value is not None and index is not None else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _to_ir(node.left), _to_ir(node.right)
        return ir.Call(ir.Name(_DIVIDE), (left, right), (), 0, 0) if left is not None and right is not None else None
    if isinstance(node, ast.Call):
        func = _to_ir(node.func)
        args = [_to_ir(a) for a in node.args]
        if func is None or any(a is None for a in args) or node.keywords:
            return None
        return ir.Call(func, tuple(a for a in args if a is not None), (), getattr(node, "lineno", 0), 0)
    return None
