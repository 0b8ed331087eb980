"""The schema a publication really sends, inferred from its payload expression (never importing the code).

The result is a JSON Schema (2020-12) of what is *known*: a dict literal's keys with the
JSON types of their literal values, nested literals, and the models the code builds at the
site (dataclasses, pydantic models, attrs classes) with every field the model serialises,
their annotated types, nesting and optionality. Unknown stays unknown: a value that is not a
literal is `{}`; an object whose keys may not all be known (a `**spread`, a computed key, a
`.update()` after the literal, `exclude=` on the dump) has no `additionalProperties: false`
and no `required` it cannot vouch for. Only an object with `additionalProperties: false`
is complete. A model object carries `x-python-class` (its qualified name), which is how the
rules tell a model the code declares (EDA210) from a literal written at the site (EDA203).

Model field names are only inferred where they are certain: a class with a field alias, an
alias generator, a computed field or a decorator that is not a plain dataclass/attrs one
(`@dataclass_json(letter_case=...)` renames fields) is left unknown.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from eventlint.extract import ir
from eventlint.extract.resolve import LAST_LINE, ArgBinding, Evaluator, ModInfo, Project, Scope
from eventlint.extract.values import VRef, VStr

MAX_DEPTH = 8
PYDANTIC_BASES = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel"})
MSGSPEC_BASES = frozenset({"msgspec.Struct", "msgspec.structs.Struct"})
TYPEDDICT_BASES = frozenset({"typing.TypedDict", "typing_extensions.TypedDict"})
# msgspec's encoders and converters: the value's own encoding (Structs, dataclasses, attrs, dicts, lists)
MSGSPEC_DUMPS = frozenset({"msgspec.json.encode", "msgspec.msgpack.encode", "msgspec.to_builtins", "msgspec.structs.asdict"})
MSGSPEC_FIELD = frozenset({"msgspec.field", "msgspec.structs.field"})
# Struct options that change neither the encoded names nor which fields are encoded
# (`rename`, `array_like`, `omit_defaults`, `tag`/`tag_field` are read, not listed here)
MSGSPEC_HARMLESS = frozenset(
    {"kw_only", "frozen", "order", "eq", "forbid_unknown_fields", "gc", "weakref", "dict", "cache_hash", "repr_omit_defaults", "metaclass"}
)
DATACLASS_DECORATORS = frozenset({"dataclasses.dataclass", "pydantic.dataclasses.dataclass"})
ATTRS_DECORATORS = frozenset(
    {"attr.s", "attr.attrs", "attr.define", "attr.frozen", "attr.mutable", "attr.dataclass",
     "attrs.define", "attrs.frozen", "attrs.mutable"}
)
ATTRS_FIELDS = frozenset({"attr.ib", "attr.attrib", "attr.field", "attrs.field"})
NEUTRAL_DECORATORS = frozenset({"functools.total_ordering", "typing.final", "typing_extensions.final"})
# pydantic's own dump methods (a model that defines one itself decides its own output)
PYDANTIC_DUMPS = frozenset({"model_dump", "model_dump_json", "dict", "json"})
ASDICT = frozenset({"dataclasses.asdict", "attr.asdict", "attrs.asdict"})
DUMP_FUNCTIONS = frozenset({"json.dumps", "orjson.dumps", "ujson.dumps", "simplejson.dumps", "rapidjson.dumps"})
# dump options that leave some fields out: the object is no longer complete
# (attrs.asdict's `filter` and `value_serializer`, dataclasses.asdict's `dict_factory` may drop or rewrite fields too)
EXCLUDING = frozenset(
    {"exclude", "include", "exclude_none", "exclude_unset", "exclude_defaults", "by_alias", "filter", "value_serializer",
     "dict_factory", "recurse", "context", "serialize_as_any", "round_trip"}
)
FIELD_FUNCTIONS = frozenset({"pydantic.Field", "pydantic.fields.Field", "dataclasses.field"})
RENAMING_FIELD_OPTIONS = frozenset({"alias", "serialization_alias", "validation_alias"})
# model settings (pydantic 2 `model_config`, pydantic 1 `class Config`) that change neither the dumped names
# nor which fields are dumped; any other setting (an alias generator, `extra="allow"`...) leaves the model unknown
HARMLESS_CONFIG = frozenset(
    {"frozen", "validate_assignment", "arbitrary_types_allowed", "from_attributes", "orm_mode", "populate_by_name",
     "allow_population_by_field_name", "str_strip_whitespace", "anystr_strip_whitespace", "str_to_lower", "str_to_upper",
     "str_min_length", "str_max_length", "validate_default", "revalidate_instances", "strict", "title", "allow_mutation",
     "protected_namespaces", "hide_input_in_errors", "use_attribute_docstrings", "extra", "coerce_numbers_to_str",
     "regex_engine", "validation_error_cause", "defer_build", "json_schema_extra", "use_enum_values"}
)

_SIMPLE = {
    "builtins.str": "string", "builtins.int": "integer", "builtins.float": "number", "builtins.bool": "boolean",
    "builtins.bytes": None, "builtins.list": "array", "builtins.tuple": "array", "builtins.set": "array",
    "builtins.frozenset": "array", "builtins.dict": "object",
    "typing.List": "array", "typing.Tuple": "array", "typing.Set": "array", "typing.FrozenSet": "array",
    "typing.Sequence": "array", "typing.Dict": "object", "typing.Mapping": "object",
    "collections.abc.Sequence": "array", "collections.abc.Mapping": "object",
}
_BUILTIN_NAMES = {"str", "int", "float", "bool", "list", "tuple", "set", "frozenset", "dict", "bytes"}
_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
_UNION = frozenset({"typing.Union", "typing_extensions.Union"})
_WRAPPERS = frozenset(
    {"typing.Annotated", "typing_extensions.Annotated", "typing.Final", "typing.Required", "typing.NotRequired",
     "typing_extensions.Required", "typing_extensions.NotRequired"}
)
_REQUIRED = frozenset({"typing.Required", "typing_extensions.Required"})
_NOT_REQUIRED = frozenset({"typing.NotRequired", "typing_extensions.NotRequired"})
_SKIPPED = frozenset({"typing.ClassVar", "dataclasses.InitVar", "typing_extensions.ClassVar"})


def dumps(schema: dict[str, Any] | None) -> str | None:
    """The fact's form of an inferred schema: canonical JSON text; None when nothing is known."""
    if not schema or schema == {"type": "object"}:
        return None
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))


class SchemaInference:
    """Infers the JSON Schema of payload expressions, through the resolver's value flow."""

    def __init__(self, project: Project, ev: Evaluator) -> None:
        self.project = project
        self.ev = ev
        self.patterns = project.patterns
        self._models: dict[str, dict[str, Any] | None] = {}
        self._kinds: dict[str, str | None] = {}
        # what each stored model and kind was read from (`resolve.Reads`), when the project tracks reads
        self._model_reads: dict[str, int] = {}
        self._kind_reads: dict[str, int] = {}

    def _kind_of(self, qname: str) -> str | None:
        reads = self.project.reads
        if reads is not None:
            reads.bits |= self._kind_reads.get(qname, 0)
        return self._kinds.get(qname)

    # -- payload expressions ---------------------------------------------------------------

    def infer(self, expr: ir.Expr, scope: Scope, line: int, depth: int = 0, inside: bool = False) -> dict[str, Any]:
        """The schema of the value `expr` evaluates to at `line` ({} when nothing is known).

        `inside` is true for a value within the payload (a dict value, a list item): there a
        `json.dumps(...)` is a string holding JSON, not the object it encodes."""
        if depth > MAX_DEPTH:
            return {}
        match expr:
            case ir.Str() | ir.FStr():
                return {"type": "string"}
            case ir.Const(value):
                if value is None:
                    return {"type": "null"}
                if isinstance(value, bool):
                    return {"type": "boolean"}
                return {"type": "integer" if isinstance(value, int) else "number"}
            case ir.DictE(items):
                return self._dict(items, scope, line, depth)
            case ir.Seq(items):
                return self._array(items, scope, line, depth)
            case ir.Await(value):
                return self.infer(value, scope, line, depth + 1, inside)
            case ir.Name(name):
                defined = self.ev.definition(name, scope, line)
                if defined is None:
                    return {}
                inner = self.infer(defined[0], defined[1], defined[2], depth + 1, inside)
                return self._filled_in(inner, name, defined[1], defined[2], line)
            case ir.Call():
                return self._call(expr, scope, line, depth, inside)
        return {}

    def _dict(self, items: tuple[ir.DictItem, ...], scope: Scope, line: int, depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        complete = True
        for item in items:
            key = self.ev.eval(item.key, scope, line) if item.key is not None else None
            if not isinstance(key, VStr):
                complete = False  # a **spread or a key not known statically
                continue
            properties[key.value] = self.infer(item.value, scope, line, depth + 1, inside=True)
        return _object(properties, list(properties) if complete else [], complete)

    def _array(self, items: tuple[ir.Expr, ...], scope: Scope, line: int, depth: int) -> dict[str, Any]:
        if any(isinstance(i, ir.Starred) for i in items):
            return {"type": "array"}
        shapes = [self.infer(i, scope, line, depth + 1, inside=True) for i in items]
        texts = {json.dumps(s, sort_keys=True) for s in shapes}
        if len(texts) == 1 and shapes[0]:
            return {"type": "array", "items": shapes[0]}
        return {"type": "array"}

    def _filled_in(self, schema: dict[str, Any], name: str, scope: Scope, since: int, until: int) -> dict[str, Any]:
        """A dict bound to a name and changed before it is sent is no longer complete (the stores may add keys)."""
        fn = scope.func
        if schema.get("type") != "object" or "properties" not in schema or fn is None:
            return schema
        changed = any(store.target == name and since <= store.line <= until for store in fn.stores) or any(
            isinstance(call.func, ir.Attr) and isinstance(call.func.value, ir.Name) and call.func.value.id == name
            and since <= call.line <= until and call.func.attr in ("update", "setdefault", "__setitem__", "pop", "popitem", "clear")
            for call in fn.calls
        )
        return _opened(schema) if changed else schema

    def _call(self, call: ir.Call, scope: Scope, line: int, depth: int, inside: bool = False) -> dict[str, Any]:
        func = call.func
        callee = self.ev.eval(func, scope, line)
        qname = self.patterns.canonical(callee.qname) if isinstance(callee, VRef) and callee.kind == "external" else None
        if inside and qname in DUMP_FUNCTIONS:
            return {"type": "string"}
        if inside and isinstance(func, ir.Attr) and func.attr in ("encode", "model_dump_json", "json"):
            if func.attr == "encode":
                return {}
            # a pydantic model's JSON text; any other `.json()` (a response's) is not known
            dumped = self._dumped(func.value, scope, line, depth, "method", call)
            return {"type": "string"} if dumped else {}
        if qname is not None:
            if qname in ASDICT and call.args:
                return self._dumped(call.args[0], scope, line, depth, "asdict", call)
            if qname in DUMP_FUNCTIONS and call.args:
                return self.infer(call.args[0], scope, line, depth + 1)
            if qname in MSGSPEC_DUMPS and call.args:
                inner = self.infer(call.args[0], scope, line, depth + 1)
                cls = inner.get("x-python-class")
                # msgspec encodes Structs, dataclasses and attrs classes by their fields; a pydantic model it does not
                return inner if not isinstance(cls, str) or self._kind_of(cls) in ("msgspec", "dataclass", "attrs", "typeddict") else {}
            if qname == "builtins.dict" and not call.args:
                properties = {k: self.infer(v, scope, line, depth + 1, inside=True) for k, v in call.kwargs if k is not None}
                complete = all(k is not None for k, _ in call.kwargs)
                return _object(properties, list(properties) if complete else [], complete)
        if isinstance(func, ir.Attr):
            if func.attr == "encode":  # json.dumps(...).encode()
                return self.infer(func.value, scope, line, depth + 1)
            if func.attr in PYDANTIC_DUMPS and qname is None:
                return self._dumped(func.value, scope, line, depth, "method", call)
        if isinstance(callee, VRef) and callee.kind == "class":
            found = self.model(callee.qname) or {}
            if found and self._kind_of(callee.qname) == "typeddict":
                return self._typed_dict(found, call)
            return found
        if isinstance(callee, VRef) and callee.kind == "function":
            target = self.ev.scope_of(callee.qname)
            if target is not None and target.func is not None and target.func.returns and len(target.func.returns) == 1:
                bound = Scope(target.mod, target.func, target.cls, ArgBinding(call, scope))
                return self.infer(target.func.returns[0], bound, LAST_LINE, depth + 1)
        return {}

    @staticmethod
    def _typed_dict(declared: dict[str, Any], call: ir.Call) -> dict[str, Any]:
        """`Order(order_id=..., total=...)`: a TypedDict is a plain dict holding the keys given, typed by the class."""
        properties = _mapping(declared.get("properties"))
        given = {k: properties.get(k, {}) for k, _ in call.kwargs if k is not None}
        complete = not call.args and all(k is not None for k, _ in call.kwargs)
        schema = _object(given, list(given) if complete else [], complete)
        schema["x-python-class"] = declared["x-python-class"]
        return schema

    def _dumped(self, expr: ir.Expr, scope: Scope, line: int, depth: int, through: str, call: ir.Call) -> dict[str, Any]:
        """`model.model_dump(...)`, `asdict(model)`: the model's schema, opened when the dump leaves fields out."""
        inner = self.infer(expr, scope, line, depth + 1)
        cls = inner.get("x-python-class")
        if not isinstance(cls, str):
            return {}
        kind = self._kind_of(cls)
        if through == "method":
            method = call.func.attr if isinstance(call.func, ir.Attr) else ""
            if kind != "pydantic" or self._defines(cls, method):
                return {}
        elif kind not in ("dataclass", "attrs"):
            return {}
        if any(k in EXCLUDING for k, _ in call.kwargs) or any(k is None for k, _ in call.kwargs):
            # some fields are left out, and which values are sent (a None left out or not) depends on the instance
            opened = _opened(inner, keep_required=False)
            properties = {k: ({} if "null" in _types(v) else v) for k, v in opened.get("properties", {}).items()}
            return {**opened, "properties": properties}
        return inner

    # -- models ----------------------------------------------------------------------------

    def model(self, qname: str, inside: frozenset[str] = frozenset()) -> dict[str, Any] | None:
        """The schema of a model class of the project (every field it serialises), None when it is not one we can read."""
        if qname in inside:
            return {}  # a recursive model: its inner level stays unknown
        reads = self.project.reads
        if not inside and qname in self._models:
            if reads is not None:
                reads.bits |= self._model_reads[qname]
            return self._models[qname]
        if reads is not None:
            outer, reads.bits = reads.bits, 0
        found = self._model(qname, inside | {qname})
        if reads is not None:
            mine = reads.bits
            reads.bits = outer | mine
            if not inside:
                self._model_reads[qname] = mine
        if not inside:
            self._models[qname] = found
        return found

    def _model(self, qname: str, inside: frozenset[str]) -> dict[str, Any] | None:
        entry = self.project.classes.get(qname)
        if entry is None:
            return None
        chain = [qname, *self.ev.class_bases(qname)]
        kind = self._kind(chain)
        self._kinds[qname] = kind
        if self.project.reads is not None:  # what the kind was read from: the class and its bases, so far
            self._kind_reads[qname] = self._kind_reads.get(qname, 0) | self.project.reads.bits
        if kind is None:
            return None
        properties: dict[str, Any] = {}
        required: list[str] = []
        complete = True
        options: dict[str, ir.Expr] = {}  # msgspec Struct options, inherited; TypedDict `total` is per class
        for name in reversed(chain):
            found = self.project.classes.get(name)
            if found is None:
                if kind == "pydantic" and name in PYDANTIC_BASES or name == "builtins.object":
                    continue
                if kind == "msgspec" and name in MSGSPEC_BASES or kind == "typeddict" and name in TYPEDDICT_BASES:
                    continue
                return None  # a base class we cannot read may add fields
            mod, cls = found
            if self._renames(mod, cls, kind):
                return None
            options.update(cls.keywords)
            if kind == "typeddict":
                self._typed_dict_fields(mod, cls, inside, properties, required)
                continue
            defaults = {a.target: a for a in cls.attrs}
            annotations = dict(cls.annotations)
            names = list(cls.fields)
            if kind == "attrs":
                names += [a.target for a in cls.attrs if a.annotation is None and self._is(a.value, mod, cls, ATTRS_FIELDS)]
            for field_name in names:
                annotation = annotations.get(field_name)
                if annotation is not None and self._skipped(annotation, mod, cls):
                    continue
                if field_name.startswith("_") and kind == "pydantic":
                    continue  # private attributes are not dumped
                assigned = defaults.get(field_name)
                if assigned is not None and self._excluded(assigned.value, mod, cls):
                    properties.pop(field_name, None)
                    continue
                prop = self.annotation(annotation, mod, cls, inside) if annotation is not None else {}
                properties[field_name] = prop
                if field_name not in required:
                    required.append(field_name)
        if kind == "msgspec":
            if not self._struct_options(options, properties, required, chain):
                return None
        if kind == "typeddict":
            complete = False  # a TypedDict is a dict: nothing stops it from holding more keys at run time
        schema = _object(properties, required, complete)
        schema["x-python-class"] = qname
        return schema

    def _struct_options(self, options: dict[str, ir.Expr], properties: dict[str, Any], required: list[str], chain: list[str]) -> bool:
        """Apply a Struct's class options; False when they make the encoded object unknown (renamed, an array...)."""
        for key, value in options.items():
            if key in MSGSPEC_HARMLESS:
                continue
            if key in ("rename", "array_like", "omit_defaults", "tag", "tag_field"):
                continue
            return False  # an option we do not know may change the encoding
        rename = options.get("rename")
        if rename is not None and not (isinstance(rename, ir.Const) and rename.value is None):
            return False  # camel, pascal, kebab, a mapping or a function: the wire names are not the field names
        array_like = options.get("array_like")
        if array_like is not None and not (isinstance(array_like, ir.Const) and array_like.value in (False, None)):
            return False  # encoded as an array, not an object
        omit = options.get("omit_defaults")
        if omit is not None and not (isinstance(omit, ir.Const) and omit.value in (False, None)):
            if not (isinstance(omit, ir.Const) and omit.value is True):
                return False
            # fields left to their default are left out: only the fields without a default are always there
            defaults = self._defaulted(chain)
            required[:] = [f for f in required if f not in defaults]
        tag, tag_field = options.get("tag"), options.get("tag_field")
        if tag is not None and not (isinstance(tag, ir.Const) and tag.value in (False, None)):
            if tag_field is not None and not isinstance(tag_field, ir.Str):
                return False
            field_name = tag_field.value if isinstance(tag_field, ir.Str) else "type"
            if isinstance(tag, ir.Const) and isinstance(tag.value, int) and not isinstance(tag.value, bool):
                kind = "integer"
            elif isinstance(tag, ir.Str) or isinstance(tag, ir.Const) and tag.value is True:
                kind = "string"
            else:
                return False  # a tag computed by a function
            properties[field_name] = {"type": kind}
            required.insert(0, field_name)
        return True

    def _defaulted(self, chain: list[str]) -> set[str]:
        names: set[str] = set()
        for name in chain:
            found = self.project.classes.get(name)
            if found is not None:
                names.update(a.target for a in found[1].attrs)
        return names

    def _typed_dict_fields(
        self, mod: ModInfo, cls: ir.Class, inside: frozenset[str], properties: dict[str, Any], required: list[str]
    ) -> None:
        """A TypedDict class's keys: required unless `total=False` or `NotRequired[...]` (`Required[...]` wins)."""
        total_expr = dict(cls.keywords).get("total")
        total = not (isinstance(total_expr, ir.Const) and total_expr.value is False)
        for field_name, annotation in cls.annotations:
            head = annotation.value if isinstance(annotation, ir.Sub) else None
            wrapper = self._qualified(head, mod, cls) if head is not None else None
            properties[field_name] = self.annotation(annotation, mod, cls, inside)
            needed = True if wrapper in _REQUIRED else False if wrapper in _NOT_REQUIRED else total
            if needed and field_name not in required:
                required.append(field_name)
            elif not needed and field_name in required:
                required.remove(field_name)

    def reader(self, qname: str, depth: int = 0) -> dict[str, Any] | None:
        """The model as a consumer decodes into it: its fields, required only when they have no default.

        Nested models (a field typed `Customer`, `list[Line]`, `Optional[Customer]`) are read the same way."""
        found = self.model(qname)
        if found is None:
            return None
        if self._kind_of(qname) == "typeddict":
            return found  # `typing` already says which keys are required
        chain = [qname, *self.ev.class_bases(qname)]
        schema = {k: v for k, v in found.items() if k != "required"}
        required = [f for f in _mapping(found.get("properties")) if not self._has_default(f, chain)]
        if required:
            schema["required"] = required
        if depth < MAX_DEPTH and isinstance(found.get("properties"), dict):
            schema["properties"] = {k: self._as_reader(v, depth + 1) for k, v in found["properties"].items()}
        return schema

    def _as_reader(self, schema: Any, depth: int) -> Any:
        """A field's schema with the models in it (`X`, `list[X]`, `X | None`) as readers."""
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            return schema
        cls = schema.get("x-python-class")
        if isinstance(cls, str) and "properties" in schema:
            nested = self.reader(cls, depth)
            return nested if nested is not None else schema
        if isinstance(schema.get("items"), dict):
            return {**schema, "items": self._as_reader(schema["items"], depth + 1)}
        if isinstance(schema.get("anyOf"), list):
            return {**schema, "anyOf": [self._as_reader(b, depth + 1) for b in schema["anyOf"]]}
        return schema

    def _has_default(self, field_name: str, chain: list[str]) -> bool:
        for name in chain:  # the class itself first: a redeclaration overrides its base's default
            entry = self.project.classes.get(name)
            if entry is None:
                continue
            mod, cls = entry
            for assign in reversed(cls.attrs):
                if assign.target == field_name:
                    return self._gives_default(assign.value, mod, cls)
            if any(n == field_name for n, _ in cls.annotations):
                return False
        return False

    def _gives_default(self, value: ir.Expr, mod: ModInfo, cls: ir.Class) -> bool:
        """`= 1`, `= None`, `Field(default=...)`, `field(default_factory=list)`; not `Field(...)` or `Field(description=...)`."""
        if isinstance(value, ir.Call) and self._is(value, mod, cls, FIELD_FUNCTIONS | MSGSPEC_FIELD | ATTRS_FIELDS):
            if any(k in ("default", "default_factory", "factory") for k, _ in value.kwargs):
                return True
            first = value.args[0] if value.args else None
            return first is not None and not (isinstance(first, ir.Opaque) and first.text.strip() == "...")
        return True

    def _kind(self, chain: list[str]) -> str | None:
        if any(name in PYDANTIC_BASES for name in chain):
            return "pydantic"
        for bases, kind in ((MSGSPEC_BASES, "msgspec"), (TYPEDDICT_BASES, "typeddict")):
            if any(name in bases for name in chain):
                entry = self.project.classes.get(chain[0])
                # a class decorator may rename or add fields
                return kind if entry is not None and all(
                    self._qualified(d.expr, entry[0], entry[1]) in NEUTRAL_DECORATORS for d in entry[1].decorators
                ) else None
        entry = self.project.classes.get(chain[0])
        if entry is None:
            return None
        mod, cls = entry
        kind = None
        for decorator in cls.decorators:
            target = decorator.expr.func if isinstance(decorator.expr, ir.Call) else decorator.expr
            name = self._qualified(target, mod, cls)
            if name in DATACLASS_DECORATORS:
                kind = "dataclass"
            elif name in ATTRS_DECORATORS:
                kind = "attrs"
            elif name not in NEUTRAL_DECORATORS:
                return None  # a decorator we do not know may rename or add fields
        if kind is not None and len(chain) > 1:
            # a dataclass's bases must be dataclasses of the same kind too, or their fields are not known
            for base in chain[1:]:
                if self.project.classes.get(base) is None or self._kind([base]) != kind:
                    return None
        return kind

    def _renames(self, mod: ModInfo, cls: ir.Class, kind: str) -> bool:
        """Whether the class's wire names may differ from its field names (aliases, generators, computed fields)."""
        for assign in cls.attrs:
            if assign.target == "model_config" and not self._harmless_config(assign.value, mod, cls):
                return True
            if assign.target == "__config__":
                return True
            value = assign.value
            if isinstance(value, ir.Call) and self._is(value, mod, cls, FIELD_FUNCTIONS):
                if any(k in RENAMING_FIELD_OPTIONS for k, _ in value.kwargs):
                    return True
        config = mod.classes.get(f"{cls.name}.Config")
        if config is not None and (config.fields or config.decorators or any(
            a.target not in HARMLESS_CONFIG or not _harmless_value(a.target, a.value) for a in config.attrs
        )):
            return True
        for fn in mod.functions.values():
            if fn.cls == cls.name and fn.decorators and any(
                (self._qualified(d.expr, mod, cls) or "").endswith(("computed_field", "model_serializer", "field_serializer"))
                for d in fn.decorators
            ):
                return True
        if kind == "msgspec" and any(
            isinstance(a.value, ir.Call) and self._is(a.value, mod, cls, MSGSPEC_FIELD) and any(k == "name" for k, _ in a.value.kwargs)
            for a in cls.attrs
        ):
            return True  # msgspec.field(name="...") renames one field on the wire
        return kind == "attrs" and any(
            isinstance(a.value, ir.Call) and any(k == "alias" for k, _ in a.value.kwargs) for a in cls.attrs
        )

    def _harmless_config(self, value: ir.Expr, mod: ModInfo, cls: ir.Class) -> bool:
        """A `model_config` (`ConfigDict(...)` or a dict literal) that changes neither the names nor the set of dumped fields."""
        if isinstance(value, ir.Call) and self._qualified(value.func, mod, cls) in ("pydantic.ConfigDict", "pydantic.config.ConfigDict"):
            items = [(k, v) for k, v in value.kwargs]
        elif isinstance(value, ir.DictE):
            items = [(k.value if isinstance(k, ir.Str) else None, v) for k, v in ((i.key, i.value) for i in value.items)]
        else:
            return False
        return all(k is not None and k in HARMLESS_CONFIG and _harmless_value(k, v) for k, v in items)

    def _excluded(self, value: ir.Expr, mod: ModInfo, cls: ir.Class) -> bool:
        """`Field(exclude=True)`, `field(repr=...)` aside: a field left out of the dump."""
        return isinstance(value, ir.Call) and self._is(value, mod, cls, FIELD_FUNCTIONS) and any(
            k == "exclude" and isinstance(v, ir.Const) and v.value is True for k, v in value.kwargs
        )

    def _skipped(self, annotation: ir.Expr, mod: ModInfo, cls: ir.Class) -> bool:
        head = annotation.value if isinstance(annotation, ir.Sub) else annotation
        return self._qualified(head, mod, cls) in _SKIPPED

    def _defines(self, qname: str, method: str) -> bool:
        for name in (qname, *self.ev.class_bases(qname)):
            entry = self.project.classes.get(name)
            if entry is not None and f"{entry[1].name}.{method}" in entry[0].functions:
                return True
        return False

    def _is(self, value: ir.Expr, mod: ModInfo, cls: ir.Class, names: frozenset[str]) -> bool:
        target = value.func if isinstance(value, ir.Call) else value
        return self._qualified(target, mod, cls) in names

    def _qualified(self, expr: ir.Expr, mod: ModInfo, cls: ir.Class) -> str | None:
        value = self.ev.eval(expr, Scope(mod), cls.line)
        if isinstance(value, VRef):
            return self.patterns.canonical(value.qname) if value.kind == "external" else value.qname
        return None

    # -- annotations -----------------------------------------------------------------------

    def annotation(self, expr: ir.Expr, mod: ModInfo, cls: ir.Class, inside: frozenset[str], depth: int = 0) -> dict[str, Any]:
        """The JSON Schema of the values an annotation admits, as a model dumps them ({} when not known)."""
        if depth > MAX_DEPTH:
            return {}
        if isinstance(expr, ir.Const) and expr.value is None:
            return {"type": "null"}
        if isinstance(expr, ir.Str):
            return self._parsed(expr.value, mod, cls, inside, depth)
        if isinstance(expr, ir.Opaque):
            return self._parsed(expr.text, mod, cls, inside, depth)
        if isinstance(expr, ir.Sub):
            head = self._qualified(expr.value, mod, cls) or ""
            args = list(expr.index.items) if isinstance(expr.index, ir.Seq) else [expr.index]
            if head in _OPTIONAL:
                return _union([self.annotation(args[0], mod, cls, inside, depth + 1), {"type": "null"}])
            if head in _UNION:
                return _union([self.annotation(a, mod, cls, inside, depth + 1) for a in args])
            if head in _WRAPPERS:
                return self.annotation(args[0], mod, cls, inside, depth + 1)
            simple = _SIMPLE.get(head) if head else None
            if simple == "array" and head not in ("builtins.tuple", "typing.Tuple") and len(args) == 1:
                items = self.annotation(args[0], mod, cls, inside, depth + 1)
                return {"type": "array", "items": items} if items else {"type": "array"}
            return {"type": simple} if simple else {}
        name = self._qualified(expr, mod, cls)
        if name is None:
            return {}
        if name in _SIMPLE:
            simple = _SIMPLE[name]
            return {"type": simple} if simple else {}
        if name in ("builtins.None", "types.NoneType"):
            return {"type": "null"}
        if name in self.project.classes:
            return self.model(name, inside) or {}
        return {}

    def _parsed(self, text: str, mod: ModInfo, cls: ir.Class, inside: frozenset[str], depth: int) -> dict[str, Any]:
        """An annotation the IR keeps as text (`int | None`, `dict[str, int]`, a string forward reference)."""
        try:
            tree = ast.parse(text, mode="eval").body
        except (SyntaxError, ValueError):
            return {}
        return self._from_ast(tree, mod, cls, inside, depth)

    def _from_ast(self, node: ast.expr, mod: ModInfo, cls: ir.Class, inside: frozenset[str], depth: int) -> dict[str, Any]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return _union([self._from_ast(node.left, mod, cls, inside, depth + 1), self._from_ast(node.right, mod, cls, inside, depth + 1)])
        converted = _to_ir(node)
        return self.annotation(converted, mod, cls, inside, depth + 1) if converted is not None else {}


def _harmless_value(key: str, value: ir.Expr) -> bool:
    # extra fields: "forbid" and "ignore" keep the dump to the declared fields; "allow" does not
    return key != "extra" or (isinstance(value, ir.Str) and value.value in ("forbid", "ignore"))


def _to_ir(node: ast.expr) -> ir.Expr | None:
    """A small annotation expression as IR (names, attributes, subscripts, None), so the resolver can name it."""
    if isinstance(node, ast.Name):
        return ir.Name(node.id)
    if isinstance(node, ast.Attribute):
        inner = _to_ir(node.value)
        return ir.Attr(inner, node.attr) if inner is not None else None
    if isinstance(node, ast.Constant):
        if node.value is None:
            return ir.Const(None)
        return ir.Str(node.value) if isinstance(node.value, str) else None
    if isinstance(node, ast.Subscript):
        value, index = _to_ir(node.value), node.slice
        if value is None:
            return None
        if isinstance(index, ast.Tuple):
            items = [_to_ir(e) for e in index.elts]
            return ir.Sub(value, ir.Seq(tuple(i if i is not None else ir.Opaque("") for i in items)))
        inner = _to_ir(index) if not (isinstance(index, ast.BinOp)) else ir.Opaque(ast.unparse(index))
        return ir.Sub(value, inner if inner is not None else ir.Opaque(""))
    if isinstance(node, ast.BinOp):
        return ir.Opaque(ast.unparse(node))
    return None


def _object(properties: dict[str, Any], required: list[str], complete: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if complete:
        schema["additionalProperties"] = False
    return schema


def _opened(schema: dict[str, Any], keep_required: bool = True) -> dict[str, Any]:
    out = {k: v for k, v in schema.items() if k != "additionalProperties" and (keep_required or k != "required")}
    return out


def _union(options: list[dict[str, Any]]) -> dict[str, Any]:
    """`X | None`, `Union[X, Y]`: their JSON types when every option is a plain type, else unknown."""
    types: list[str] = []
    for option in options:
        kind = option.get("type")
        if not isinstance(kind, str):
            return {}
        if kind not in types:
            types.append(kind)
    if len(options) == 2 and {"type": "null"} in options:
        other = options[0] if options[1] == {"type": "null"} else options[1]
        if set(other) - {"type"}:
            return {"anyOf": [other, {"type": "null"}]}
    return {"type": types[0] if len(types) == 1 else sorted(types)}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    return [kind] if isinstance(kind, str) else list(kind) if isinstance(kind, list) else []
