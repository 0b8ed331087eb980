"""Resolution across modules: names, imports, instances and attributes to symbolic values.

Works on the plain IR of every module (no libcst here). Receivers are resolved by
qualified name through imports and aliases, module-level instances,
`self.x = Factory(...)` in any method, annotated parameters, and the framework
packs' own types (a `KafkaProducer`, a faust topic, an SQS queue object).

A scope may bind a function's parameters to the arguments of one call of it
(`ArgBinding`): that is how a project wrapper such as
`def publish(topic, msg): producer.send(topic, json.dumps(msg))` is evaluated
once per call site, with the caller's topic and payload.
"""

from __future__ import annotations

import posixpath
import re
import string
import sys
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from itertools import product
from typing import Any

from eventlint.extract import config_values, ir
from eventlint.extract.configfiles import ConfigFiles
from eventlint.extract.patterns import PatternSet, Producer, Source, Spec
from eventlint.extract.values import (
    Value,
    VConst,
    VDict,
    VInst,
    VList,
    VMethod,
    VParam,
    VRef,
    VSet,
    VStr,
    VTemplate,
    VUnknown,
)
from eventlint.extract.values import DERIVED, MAX_SET

LAST_LINE = 1 << 30
MAX_DEPTH = 40
MAX_VALUES = 64

# Calls that hand their first argument back unchanged, as far as a channel, payload or handler is concerned.
PASS_THROUGH = frozenset(
    {
        "builtins.str",
        "builtins.bytes",
        "functools.partial",
        "functools.wraps",
        "asyncio.create_task",
        "asyncio.ensure_future",
        "typing.cast",
        "json.dumps",
        "orjson.dumps",
        "ujson.dumps",
        "simplejson.dumps",
        "rapidjson.dumps",
        "pickle.dumps",
        "msgpack.packb",
        "msgpack.dumps",
        "dataclasses.asdict",
        "attr.asdict",
        "attrs.asdict",
        "flask.jsonify",
        "flask.json.jsonify",
    }
)
# Methods that serialise their receiver: looking through them keeps the payload's shape.
SERIALISER_METHODS = frozenset(
    {
        "encode",
        "dumps",
        "dict",
        "json",
        "model_dump",
        "model_dump_json",
        "to_json",
        "to_dict",
        "asdict",
        "as_dict",
        "serialize",
        "SerializeToString",
    }
)
# String methods read on a known string, called with no argument (`os.getenv("X", "d").strip()`, as an in-house
# getenv wrapper returns it); the value keeps its origin (a configuration default stays one).
STRING_METHODS = {
    "lower": str.lower, "upper": str.upper, "strip": str.strip, "lstrip": str.lstrip, "rstrip": str.rstrip,
    "encode": lambda s: s,
}
# Base classes whose fields are read from the environment, their defaults written in the class.
SETTINGS_BASES = frozenset({"pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings"})
# Of those, the ones whose fields name their environment variable with `env=` (pydantic v1), not with an alias.
SETTINGS_V1 = frozenset({"pydantic.BaseSettings", "pydantic.v1.BaseSettings"})
# Field specifiers of classes with generated fields (pydantic models and settings, dataclasses, attrs): the
# position the default may be passed at (None: keyword only) and the keyword of a default factory. Passed
# neither (or `...`, `attr.NOTHING`, `dataclasses.MISSING`), the field is required: no default.
FIELD_SPECIFIERS: dict[str, tuple[int | None, str]] = {
    "pydantic.Field": (0, "default_factory"),
    "pydantic.fields.Field": (0, "default_factory"),
    "pydantic.v1.Field": (0, "default_factory"),
    "pydantic.v1.fields.Field": (0, "default_factory"),
    "dataclasses.field": (None, "default_factory"),
    "attr.ib": (0, "factory"),
    "attr.attrib": (0, "factory"),
    "attr.attr": (0, "factory"),
    "attr.field": (None, "factory"),
    "attrs.field": (None, "factory"),
}
NO_DEFAULT = frozenset({"attr.NOTHING", "attrs.NOTHING", "dataclasses.MISSING"})
# pydantic's several names of one field (the environment variable read is the first one set).
ALIAS_CHOICES = frozenset({"pydantic.AliasChoices", "pydantic.aliases.AliasChoices"})
# Calls that read an environment variable, with an optional default as the second argument.
ENV_READERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
# Configuration libraries whose objects read an environment variable, else their own `.env` file, else the
# default written in the code: the class, the calls that read (`__call__` is calling the object), the position
# of the default (None: by keyword only; Starlette's second argument is `cast`), the keyword of a prefix the
# variable's name takes, and the file the object reads ("<env_file>": the one its constructor names, if any).
# python-decouple's AutoConfig looks for `settings.ini`, then `.env`, from the caller's folder up; environs'
# `read_env()` for `.env` the same way.
ENV_LIBRARIES: dict[str, tuple[frozenset[str], int | None, str | None, str]] = {
    "starlette.config.Config": (frozenset({"__call__", "get"}), None, "env_prefix", "<env_file>"),
    "decouple.AutoConfig": (frozenset({"__call__"}), 1, None, ".env"),
    "environs.Env": (frozenset({"__call__", "str"}), 1, "prefix", ".env"),
}
# The objects those libraries make on import (`from decouple import config`), by class.
ENV_LIBRARY_OBJECTS = {"decouple.config": "decouple.AutoConfig", "environs.env": "environs.Env"}
# Annotations whose argument is a class, not an instance of it.
CLASS_ANNOTATIONS = frozenset({"typing.Type", "builtins.type", "typing_extensions.Type"})
STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"builtins", "typing_extensions"}
# Django's choices: a member written `A = "a", "Label"` has the value "a" (the last item is the label).
CHOICES_BASES = frozenset(
    {
        f"django.db.models{sub}.{name}"
        for sub in ("", ".enums")
        for name in ("Choices", "TextChoices", "IntegerChoices")
    }
)
# Bases that make a class an enumeration: its attributes are its members, iterating it gives them.
ENUM_BASES = frozenset({"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag", "strenum.StrEnum"}) | CHOICES_BASES
# Enumerations whose members are strings (passing a member passes its value), and what `auto()` gives there.
STR_ENUM_AUTO = {
    "enum.StrEnum": str.lower,
    "strenum.StrEnum": str,
    "django.db.models.TextChoices": str,
    "django.db.models.enums.TextChoices": str,
    "builtins.str": None,
}
# Builtins that copy an iterable: over a list of names or an enumeration, the same names.
COPIES = frozenset({"builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset", "builtins.sorted"})


# -- what a question read (incremental resolution, #18) ---------------------------------------------------

VOLATILE = 1  # the question met a cut (a cycle, MAX_DEPTH) or scanned every module: recompute it on any edit
KEY_BUCKETS = 4096


class Reads:
    """The modules and names the question being answered has read, as one bit set (`Project(track=True)`).

    Bit 0 is VOLATILE; bit `i + 1` is the project's i-th module (its IR was read: `ModInfo.bit`); above
    those, a bucket (of KEY_BUCKETS) per name whose presence or content the answer depends on as a whole:
    a module looked up by import name or file path, which changes only when a file comes or goes, and the
    summaries of every module (the subclass index, the calls by name, ...), which the site finder and the
    handler analysis name. A function or class looked up by qualified name `a.b.C.f` is read from the
    modules its prefixes name (`a.b.C`, `a.b`, `a`): their bits where they exist, the bucket of the module
    name where not (a file added under that name can define it). So an edit to a module's content meets
    exactly its own bit and the summaries it changes. Every memoised answer keeps the bits its evaluation
    set and a reuse adds them, so the bits of a question are those of a fresh evaluation of it.
    """

    __slots__ = ("bits", "modules", "_by_name", "_prefixes", "_keys", "writer", "writes", "write_reads")

    def __init__(self, modules: int) -> None:
        self.bits = 0
        self.modules = modules
        self._by_name: dict[str, int] = {}  # module name -> the bits of the modules of that name
        self._prefixes: dict[str, int] = {}
        self._keys: dict[str, int] = {}
        # the other half (#18): per module, the summary entries its own resolution wrote (`wrote`), by summary
        # key (the names read through `key`) and each value's text, names only so a cache entry can hold them;
        # and what computing an entry read when the question that computed it does not keep it (a memoised
        # summary such as `#runs_in:`): re-resolving the writer is what recomputes the entry
        self.writer: str | None = None  # the module being resolved
        self.writes: dict[str, dict[str, set[str]]] = {}
        self.write_reads: dict[str, int] = {}

    def wrote(self, key: str, value: object, writer: str | None = None, bits: int = 0) -> None:
        """Record that `writer` (default: the module being resolved) put `value` in the summary entry `key`;
        `bits` are what computing it read, when the current question does not keep them."""
        writer = writer if writer is not None else self.writer
        if writer is None:
            return
        self.writes.setdefault(writer, {}).setdefault(key, set()).add(repr(value))
        if bits:
            self.write_reads[writer] = self.write_reads.get(writer, 0) | bits

    def key(self, name: str) -> int:
        """The bit of a name looked up in a project-wide table."""
        found = self._keys.get(name)
        if found is None:
            found = self._keys[name] = 1 << (self.modules + 1 + zlib.crc32(name.encode("utf-8", "surrogatepass")) % KEY_BUCKETS)
        return found

    def named(self, qname: str) -> int:
        """The bits a lookup of `qname` reads: each module its dotted prefixes (itself included) name."""
        found = self._prefixes.get(qname)
        if found is None:
            found = 0
            parts = qname.split(".")
            for end in range(len(parts), 0, -1):
                prefix = ".".join(parts[:end])
                bits = self._by_name.get(prefix)
                found |= bits if bits is not None else self.key(f"mod:{prefix}")
            self._prefixes[qname] = found
        return found


class _Tracked(dict):  # type: ignore[type-arg]
    """`Project.mods`, `functions` and `classes` recording each lookup by name in their `Reads` (`Reads.named`),
    found or not; iterating one reads every module (VOLATILE)."""

    __slots__ = ("reads",)
    reads: Reads

    def __getitem__(self, key: str) -> Any:
        self.reads.bits |= self.reads.named(key)
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        self.reads.bits |= self.reads.named(key)
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        self.reads.bits |= self.reads.named(key)  # type: ignore[arg-type]
        return dict.__contains__(self, key)

    def __iter__(self) -> Any:
        self.reads.bits |= VOLATILE
        return dict.__iter__(self)

    def values(self) -> Any:
        self.reads.bits |= VOLATILE
        return dict.values(self)

    def items(self) -> Any:
        self.reads.bits |= VOLATILE
        return dict.items(self)

    def keys(self) -> Any:
        self.reads.bits |= VOLATILE
        return dict.keys(self)


@dataclass(frozen=True, slots=True)
class EnumInfo:
    """A project enumeration: its members in order (name and assignment), and whether members are strings."""

    members: tuple[tuple[str, ir.Assign], ...]
    strings: bool
    choices: bool
    auto: Callable[[str], str] | None
    scope: Scope


@dataclass
class ModInfo:
    """One module's IR with the lookup tables the resolver needs."""

    ir: ir.Module
    import_name: str
    sys_root: str
    imports: dict[str, str] = field(default_factory=dict)
    relative_imports: set[str] = field(default_factory=set)  # local names bound by `from . import ...`
    star_imports: list[str] = field(default_factory=list)
    functions: dict[str, ir.Function] = field(default_factory=dict)
    classes: dict[str, ir.Class] = field(default_factory=dict)
    bit: int = 0  # this module's bit in `Reads` (0 when the project does not track reads)

    @property
    def name(self) -> str:
        return self.ir.name

    @property
    def body(self) -> ir.Function:
        return self.functions[ir.MODULE_BODY]

    @cached_property
    def globals(self) -> dict[str, list[tuple[ir.Function, ir.Assign]]]:
        """Module-level bindings, including those made through `global` inside functions."""
        found: dict[str, list[tuple[ir.Function, ir.Assign]]] = defaultdict(list)
        for assign in self.body.assigns:
            found[assign.target].append((self.body, assign))
        for fn in self.functions.values():
            for assign in fn.assigns:
                if assign.target in fn.global_names:
                    found[assign.target].append((fn, assign))
        return found

    @cached_property
    def top_level_classes(self) -> set[str]:
        return {name for name in self.classes if "." not in name}

    @cached_property
    def top_level_functions(self) -> set[str]:
        return {name for name, f in self.functions.items() if "." not in name and name != ir.MODULE_BODY}

    @cached_property
    def imported_roots(self) -> frozenset[str]:
        return frozenset(target.split(".")[0] for target in self.imports.values()) | frozenset(
            s.split(".")[0] for s in self.star_imports
        )


@dataclass(frozen=True)
class ArgBinding:
    """The parameters of a scope's function, bound to the arguments of one call."""

    call: ir.Call
    caller: Scope


@dataclass(frozen=True)
class Scope:
    """Where an expression is evaluated: a module, optionally a function and a class, and bound arguments.

    `self_type` is the project class `self` is an instance of when a method inherited from a base
    class is evaluated for a subclass (the subclass's attributes win).
    """

    mod: ModInfo
    func: ir.Function | None = None
    cls: ir.Class | None = None
    args: ArgBinding | None = None
    self_type: str | None = None

    @cached_property
    def key(self) -> tuple:
        bound = (id(self.args.call), self.args.caller.key) if self.args is not None else None
        return (self.mod.name, self.func.name if self.func else "", self.cls.name if self.cls else "", bound, self.self_type)

    def unbound(self) -> Scope:
        return Scope(self.mod, self.func, self.cls, None, self.self_type) if self.args is not None else self


class Project:
    """Every module of the run, indexed for lookups by import name and qualified name."""

    def __init__(
        self,
        modules: list[tuple[ir.Module, str, str]],
        patterns: PatternSet,
        root: Path | None = None,
        root_package: str | None = None,
        track: bool = False,
    ) -> None:
        self.patterns = patterns
        # with `track`, what each question reads is recorded (`Reads`); None otherwise, at no cost
        self.reads: Reads | None = Reads(len(modules)) if track else None
        # configuration files the code reads (YAML, INI, .env, docker-compose), read when a value needs one
        self.configs = ConfigFiles(root)
        self.protos: tuple[str, ...] = ()  # the project's `.proto` files (discovery), for generated `x_pb2` classes
        self.mods: dict[str, ModInfo] = {}
        self._import_index: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
        self.functions: dict[str, tuple[ModInfo, ir.Function]] = {}
        self.classes: dict[str, tuple[ModInfo, ir.Class]] = {}
        self._by_path: dict[str, ModInfo] = {}
        # a root that is itself a package (`rabbit/__init__.py` analysed as `rabbit/`) is imported by its
        # folder's name from the folder above: `from rabbit.tools.conn import ...` names `tools/conn.py`
        self._modules_frameworks = patterns.modules
        self._django: tuple[list[ModInfo], list[ModInfo]] | None = None  # settings modules named, and the usual ones
        for module, import_name, sys_root in modules:
            info = ModInfo(module, import_name, sys_root)
            for imp in module.imports:
                if imp.local == "*":
                    info.star_imports.append(imp.target)
                else:
                    info.imports[imp.local] = imp.target
                    if imp.relative:
                        info.relative_imports.add(imp.local)
                    else:
                        info.relative_imports.discard(imp.local)
            for fn in module.functions:
                info.functions[fn.name] = fn
                qname = module.name if fn.name == ir.MODULE_BODY else f"{module.name}.{fn.name}"
                self.functions.setdefault(qname, (info, fn))
            for cls in module.classes:
                info.classes[cls.name] = cls
                self.classes.setdefault(f"{module.name}.{cls.name}", (info, cls))
            self.mods[module.name] = info
            self._by_path[module.path] = info
            in_package = "." in import_name or module.path.endswith("__init__.py")
            names = {module.name: sys_root if module.name == import_name else "", import_name: sys_root}
            for name, root in _namespace_names(module.path, sys_root):
                names.setdefault(name, root)
            if root_package is not None and sys_root == "":
                names.setdefault(_path_module_name(f"{root_package}/{module.path}"), "")
            for name, root in names.items():
                self._import_index[name].append((root, module.name, in_package))
        if self.reads is not None:
            for index, info in enumerate(self._by_path.values()):
                info.bit = 1 << (index + 1)
                self.reads._by_name[info.name] = self.reads._by_name.get(info.name, 0) | info.bit
            self.mods = _Tracked(self.mods)
            self.functions = _Tracked(self.functions)
            self.classes = _Tracked(self.classes)
            self.mods.reads = self.functions.reads = self.classes.reads = self.reads

    def read_names(self, bits: int) -> tuple[bool, tuple[str, ...], tuple[int, ...]]:
        """A read set (`Reads` bits) in a form another run can read back (`read_bits`), for a cache entry:
        whether it is VOLATILE, the paths of the modules read, the key buckets read. Module bits are per run
        (a module's position); paths are not, and a bucket is a name's hash, the same in every run."""
        assert self.reads is not None, "the project does not track reads"
        paths = tuple(sorted(path for path, info in self._by_path.items() if bits & info.bit))
        keys = bits >> (self.reads.modules + 1)  # the buckets sit above the modules' bits (`Reads.key`)
        buckets: list[int] = []
        while keys:
            low = keys & -keys
            buckets.append(low.bit_length() - 1)
            keys ^= low
        return bool(bits & VOLATILE), paths, tuple(buckets)

    def read_bits(self, volatile: bool, paths: Iterable[str], buckets: Iterable[int]) -> int:
        """`read_names` read back in this run's numbering. A module path this project does not hold (its file
        is gone) gives VOLATILE: what read it has to be resolved again."""
        assert self.reads is not None, "the project does not track reads"
        bits = VOLATILE if volatile else 0
        for path in paths:
            info = self._by_path.get(path)
            bits |= info.bit if info is not None else VOLATILE
        shift = self.reads.modules + 1
        for bucket in buckets:
            bits |= 1 << (shift + bucket)
        return bits

    def django_settings(self, reader: ModInfo) -> ModInfo | None:
        """The settings module `django.conf.settings` stands for in `reader`: the one a
        `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "<module>")` names (manage.py, wsgi.py, asgi.py,
        celery.py), else the usual `<project>/settings.py`; of those importable under the reader's own
        sys.path root, only when exactly one is. None when none or several are."""
        reads = self.reads
        if reads is not None:
            # a summary of every module: a question depends on it as a whole (`Reads`), not on each module read
            before = reads.bits
            found = self._django_settings(reader)
            reads.bits = before | reads.key("#django") | (found.bit if found is not None else 0)
            return found
        return self._django_settings(reader)

    def _django_settings(self, reader: ModInfo) -> ModInfo | None:
        if self._django is None:
            named: list[ModInfo] = []
            for mod in sorted(self.mods.values(), key=lambda m: m.name):
                for fn in mod.ir.functions:
                    for call in fn.calls:
                        if _sets_django_settings(call):
                            target = call.args[1]
                            assert isinstance(target, ir.Str)
                            reads = self.reads
                            outer = reads.bits if reads is not None else 0
                            if reads is not None:
                                reads.bits = 0
                            found = self.find_module(target.value, mod)
                            if reads is not None:  # written by the module that names the settings module
                                reads.wrote("#django", found.name if found is not None else None, mod.name, reads.bits)
                                reads.bits = outer
                            if found is not None and found not in named:
                                named.append(found)
            usual = [m for m in self.mods.values() if m.import_name.rsplit(".", 1)[-1] == "settings"]
            if self.reads is not None:
                # a usual settings module writes itself, as imported: its import name and root change when a
                # package's `__init__.py` above it comes or goes (its `path:` key)
                for m in usual:
                    folders = m.ir.path.split("/")[:-1]
                    bits = 0
                    for end in range(len(folders) + 1):
                        bits |= self.reads.key(f"path:{'/'.join([*folders[:end], '__init__.py'])}")
                    self.reads.wrote("#django", (m.name, m.import_name, m.sys_root), m.name, bits)
            self._django = (named, sorted(usual, key=lambda m: m.name))
        for candidates in self._django:
            visible = [m for m in candidates if _root_visible(m.sys_root, reader.sys_root)]
            if len(visible) == 1:
                return visible[0]
            if visible:
                return None  # several settings modules: which one runs is decided at run time
        return None

    def find_module(self, dotted: str, importer: ModInfo | None) -> ModInfo | None:
        """The project module an import of `dotted` from `importer` would load, if any.

        A module is importable from code whose sys.path root lies at or below its own
        (the project root, a service directory, the importer's own directory). A package
        elsewhere in the tree (`libs/contracts/contracts/`, installed in development) is
        accepted as a fallback, but never a lone module that shadows the standard library.
        """
        found = self._find_module(dotted, importer)
        reads = self.reads
        if reads is not None:  # the candidates change only when a file of that name comes or goes
            reads.bits |= reads.key(f"import:{dotted}") | (found.bit if found is not None else 0)
        return found

    def _find_module(self, dotted: str, importer: ModInfo | None) -> ModInfo | None:
        candidates = self._import_index.get(dotted)
        if not candidates:
            return self._script_sibling(dotted, importer)
        importer_root = importer.sys_root if importer is not None else ""
        importer_name = importer.name if importer is not None else None
        # a module never imports itself: `from kafka import KafkaProducer` in a file named kafka.py
        # that is imported as `utils.kafka` means the library
        candidates = [c for c in candidates if c[1] != importer_name]
        usable = [(root, name) for root, name, _ in candidates if _root_visible(root, importer_root)]
        if not usable and dotted.split(".")[0] not in STDLIB:
            # a module under a folder above the importer (the folder its service is started from) before a
            # package elsewhere in the tree: two services with their own `config/broker.py` each import theirs
            sibling = self._script_sibling(dotted, importer)
            if sibling is not None:
                return sibling
            usable = [(root, name) for root, name, in_package in candidates if in_package]
            usable.sort(key=lambda item: (len(item[0]), item[1]))
            return self.mods[usable[0][1]] if usable else None
        if not usable:
            return self._script_sibling(dotted, importer)
        usable.sort(key=lambda item: (-len(item[0]), item[1]))
        return self.mods[usable[0][1]]

    def _script_sibling(self, dotted: str, importer: ModInfo | None) -> ModInfo | None:
        """The module `dotted` names relative to the importer's own folder, which Python puts first on sys.path
        when the importer runs as a script (`python emit_log.py` next to `conn.py`, `from conn import ...`), or
        relative to a folder above it that the app is started from.

        Only a fallback, for a name no other root gives: a file inside a package importing a sibling by its bare
        name can only run as a script. Never for a standard-library or framework module's name (in a package,
        `from kafka import ...` next to a `kafka.py` wrapper means the library).
        """
        if importer is None or dotted.split(".")[0] in STDLIB or dotted.split(".")[0] in self._modules_frameworks:
            return None
        # the importer's own folder first, then each folder above it: the working directory an app inside a
        # package is started from (`cd src && uvicorn main:app`, where src/routers/ imports `services.kafka`)
        folder = importer.ir.path.rpartition("/")[0]
        while True:
            base = f"{folder}/{dotted.replace('.', '/')}" if folder else dotted.replace(".", "/")
            for path in (f"{base}.py", f"{base}/__init__.py"):
                if self.reads is not None:
                    self.reads.bits |= self.reads.key(f"path:{path}")
                found = self._by_path.get(path)
                if found is not None and found is not importer:
                    return found
            if not folder:
                return None
            folder = folder.rpartition("/")[0]

    def function_qname(self, mod: ModInfo, fn: ir.Function) -> str:
        return mod.name if fn.name == ir.MODULE_BODY else f"{mod.name}.{fn.name}"


class Evaluator:
    """Turns IR expressions into symbolic values; memoised, depth-limited and cycle-safe."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.patterns = project.patterns
        # (expression, scope, line) -> (value, height, reads): only values whose evaluation met no cut (`eval`)
        self._memo: dict[tuple, tuple[Value, int, int]] = {}
        self.reads = project.reads  # None unless the project tracks what each question reads
        self._active: set[tuple] = set()
        self._depth = 0
        self._cuts = 0  # cycle and depth cuts met so far: a value computed while this grew is not memoised
        self._deepest = 0  # the deepest evaluation reached below the current one (memo hits count their height)
        self._synthetic: dict[str, ir.Expr] = {}
        self._qualifying: set[tuple[str, str]] = set()
        self._enums: dict[str, tuple[EnumInfo | None, int, int]] = {}  # memoised like `eval`'s values, with a height
        self._enums_active: set[str] = set()

    # -- entry points ----------------------------------------------------------

    def eval(self, expr: ir.Expr, scope: Scope, line: int = LAST_LINE) -> Value:
        """The value of `expr` in `scope` just before `line`, the same whatever was asked before.

        A cycle (the key is being evaluated up the chain) or a chain deeper than MAX_DEPTH is cut with an
        unknown value. Which question meets such a cut depends on the order questions are asked in, so a
        value whose evaluation met one, directly or below, is not memoised: it is computed again where it is
        asked. A memoised value keeps its height (how deep its evaluation went below it) and is reused only
        where the same evaluation would not pass MAX_DEPTH. So a question asked outside any evaluation, whose
        evaluation meets no cut, gets the value an evaluator that had been asked nothing else gives (where
        it does meet one, an unknown can steer it to a memoised value a fresh evaluator would not reach the
        same way: `_cuts` tells a caller it happened). benchmarks/RESULTS.md (session 14) gives the argument;
        `tests/extract/test_resolve_order.py` checks it on every fixture.
        """
        key = (id(expr), scope.key, line)
        depth = self._depth
        reads = self.reads
        found = self._memo.get(key)
        if found is not None and depth + found[1] <= MAX_DEPTH:
            if depth + found[1] > self._deepest:
                self._deepest = depth + found[1]
            if reads is not None:
                reads.bits |= found[2]
            return found[0]
        if key in self._active or depth > MAX_DEPTH:
            self._cut()
            return VUnknown(ir.unparse(expr))
        cuts = self._cuts
        above = self._deepest
        self._deepest = depth
        self._active.add(key)
        self._depth = depth + 1
        if reads is not None:
            outer = reads.bits
            reads.bits = scope.mod.bit
        try:
            value = self._eval(expr, scope, line)
        finally:
            self._depth = depth
            self._active.discard(key)
            reached = self._deepest
            if above > reached:
                self._deepest = above
            if reads is not None:
                mine = reads.bits
                reads.bits = outer | mine
        if self._cuts == cuts:
            self._memo[key] = (value, reached - depth, mine if reads is not None else 0)
        return value

    def _cut(self) -> None:
        """A cycle or depth cut: nothing computed above it is memoised, and its question is recomputed on any edit."""
        self._cuts += 1
        if self.reads is not None:
            self.reads.bits |= VOLATILE

    def scope_of(self, qname: str) -> Scope | None:
        """The scope of the project function `qname`."""
        entry = self.project.functions.get(qname)
        if entry is None:
            return None
        mod, fn = entry
        return Scope(mod, fn, self.class_of(mod, fn))

    # -- expressions -----------------------------------------------------------

    def _eval(self, expr: ir.Expr, scope: Scope, line: int) -> Value:
        match expr:
            case ir.Str(value):
                return VStr(value)
            case ir.Const(value):
                return VConst(value)
            case ir.Name(id):
                return self.lookup(id, scope, line)
            case ir.Attr(ir.Attr(owner, member), "value" | "name" as attr):
                info, _ = self._enum_of(self.eval(owner, scope, line))
                if info is not None and any(name == member for name, _ in info.members):
                    return VStr(member) if attr == "name" else self._member_value(info, member)
                return self.getattr(self.eval(expr.value, scope, line), attr, expr)
            case ir.Attr(value, attr):
                base = self.eval(value, scope, line)
                if isinstance(base, VRef) and base.kind == "external" and base.qname == "django.conf.settings":
                    settings = self.project.django_settings(scope.mod)
                    found = self._global_or_none(settings, attr, LAST_LINE, set()) if settings is not None else None
                    if found is not None:
                        return found
                return self.getattr(base, attr, expr)
            case ir.Call():
                return self.call(expr, scope, line)
            case ir.Await(value) | ir.Starred(value):
                return self.eval(value, scope, line)
            case ir.Seq(items):
                values: list[Value] = []
                for item in items:
                    value = self.eval(item, scope, line)
                    spread = self._iterated(value) if isinstance(item, ir.Starred) else None
                    values.extend(spread.items if spread is not None else (value,))  # `[*HANDLERS]`: its keys
                return VList(tuple(values))
            case ir.Comp(elt, iters, target):
                if target and len(iters) == 1:
                    items = self._comprehended(elt, target, self.eval(iters[0], scope, line))
                    if items is not None:
                        return items
                return VList((self.eval(elt, scope, line),))
            case ir.DictE(items):
                return VDict(
                    tuple(
                        (self.eval(i.key, scope, line) if i.key is not None else None, self.eval(i.value, scope, line), i.line, i.col)
                        for i in items
                    )
                )
            case ir.FStr(parts):
                return self._join([p if isinstance(p, str) else self.eval(p, scope, line) for p in parts], expr)
            case ir.Concat(left, right):
                return self._join([self.eval(left, scope, line), self.eval(right, scope, line)], expr)
            case ir.Sub(value, index):
                container = self.eval(value, scope, line)
                found = self._subscript(container, self.eval(index, scope, line), expr, scope, line)
                if isinstance(found, VUnknown) and isinstance(container, VUnknown) and isinstance(value, ir.Sub):
                    # HANDLERS[topic][key] over a nested literal map: what every path through it can reach
                    reached = self._lookup_path(expr, scope, line)
                    if reached is not None:
                        return reached
                return found
            case ir.Lambda(_, body):
                if isinstance(body, ir.Call):
                    return self.eval(body.func, scope, line)
                return VUnknown(ir.unparse(expr), "not-static")
            case ir.At(value, at):
                return self.eval(value, scope, at)
            case ir.Choice(options):
                values = [self.eval(o, scope, line) for o in options]
                informative = [v for v in values if not (isinstance(v, VConst) and v.value is None)]
                values = informative or values  # a None placeholder is not a value anything is sent with
                if len(values) == 1 or all(v == values[0] for v in values):
                    return values[0]
                first = values[0]
                if isinstance(first, VInst) and all(isinstance(v, VInst) and (v.type, v.project) == (first.type, first.project) for v in values):
                    # the same kind of object either way: what every option was made with
                    common = tuple(pair for pair in first.bind if all(pair in v.bind for v in values[1:]))  # type: ignore[union-attr]
                    return VInst(first.type, common, first.project)
                return self._set(values, expr, scope, line)
        return VUnknown(ir.unparse(expr), "not-static")

    def _set(self, values: list[Value], expr: ir.Expr, scope: Scope, line: int) -> Value:
        """One of several values: a set when each is a known string (or a set of them), else unknown."""
        texts: list[str] = []
        for value in values:
            items = value.items if isinstance(value, VSet) else (value,)
            for item in items:
                if not isinstance(item, VStr):
                    return VUnknown(ir.unparse(expr), _reason_of(item) if not isinstance(item, VStr) else "not-static")
                if item.value not in texts:
                    texts.append(item.value)
        if len(texts) > MAX_SET:
            return VUnknown(ir.unparse(expr), "too-many-values")
        if len(texts) == 1:
            return VStr(texts[0])
        where = f"{scope.mod.ir.path}:{line}" if line != LAST_LINE else scope.mod.ir.path
        origin = f"{DERIVED}{len(texts)} values of `{ir.unparse(expr)}` ({where})"
        return VSet(tuple(VStr(t, origin) for t in sorted(texts)))

    def _join(self, parts: list[str | Value], expr: ir.Expr) -> Value:
        if any(isinstance(p, VSet) for p in parts):
            columns = [p.items if isinstance(p, VSet) else (p,) for p in parts]
            size = 1
            for column in columns:
                size *= len(column)
            if size > MAX_SET:
                return VUnknown(ir.unparse(expr), "too-many-values")
            joined = [join_text(list(combination)) for combination in product(*columns)]
            strings = [j for j in joined if isinstance(j, VStr)]
            if len(strings) != len(joined):
                return VUnknown(ir.unparse(expr), "partial")
            texts = sorted({j.value for j in strings})
            origins = sorted({p.items[0].origin for p in parts if isinstance(p, VSet)})
            origin = f"{DERIVED}{len(texts)} values of `{ir.unparse(expr)}`, from " + "; ".join(o[len(DERIVED):] for o in origins)
            return VSet(tuple(VStr(t, origin) for t in texts)) if len(texts) > 1 else VStr(texts[0])
        joined = join_text(parts)
        if joined is None:
            reasons = sorted({p.reason for p in parts if isinstance(p, VUnknown) and p.reason})
            return VUnknown(ir.unparse(expr), reasons[0] if len(reasons) == 1 else "not-static")
        return joined

    def _subscript(self, value: Value, index: Value, expr: ir.Expr, scope: Scope | None = None, line: int = LAST_LINE) -> Value:
        if isinstance(value, (VDict, VInst)) and isinstance(index, VStr):
            found = value.get(index.value)
            if found is not None:
                return found
        if isinstance(value, VDict) and value.source:
            return config_values.subscript(value, index, expr)
        if isinstance(value, VInst) and value.type in config_values.OBJECTS:
            return config_values.subscript(config_values.sections(self, value), index, expr)
        if isinstance(value, VDict) and isinstance(index, VSet) and scope is not None:
            found_all = [value.get(item.value) for item in index.items]
            if all(f is not None for f in found_all):
                values = [f for f in found_all if f is not None]
                merged = self._one_of(values, expr, scope, line)
                return merged if merged is not None else self._set(values, expr, scope, line)
        if isinstance(value, VDict) and _has_param(index) and _literal_string_map(value):
            # known once the caller's argument is bound (the wrapper pass evaluates it again there)
            return VTemplate(ir.unparse(expr), True)
        if isinstance(value, VDict) and scope is not None and not isinstance(index, (VStr, VConst)) and _literal_string_map(value):
            # TOPICS[kind] with `kind` not known: one of the mapping's values
            return self._set([v for _, v, _, _ in value.items], expr, scope, line)
        if isinstance(value, VDict) and scope is not None and not value.source and not isinstance(index, (VStr, VConst)) and not _has_param(index):
            # TASKS[kind] with `kind` read at run time, over a literal map of objects of one kind (Celery tasks)
            entries = _entries(value, index)
            merged = self._one_of(entries, expr, scope, line) if entries else None
            if merged is not None:
                return merged
        if isinstance(value, VList) and isinstance(index, VConst) and isinstance(index.value, int):
            if -len(value.items) <= index.value < len(value.items):
                return value.items[index.value]
        if isinstance(value, VRef) and value.qname == "os.environ":
            if isinstance(index, VStr) and scope is not None:
                return self._set_by_environment(index.value, expr, scope)
            return VUnknown(ir.unparse(expr), "config-not-found")
        return VUnknown(ir.unparse(expr), _reason_of(value))

    def _lookup_path(self, expr: ir.Sub, scope: Scope, line: int) -> Value | None:
        """`m[a][b]...` over nested literal maps, each key a literal, a set of literals, or read at run time.

        Every entry each key can select is followed (a key read at run time selects all of a map's
        entries); the result is what all the reached values have in common (`_one_of`), or None
        when a step leaves the literal maps or nothing is reached.
        """
        indices: list[ir.Expr] = []
        base: ir.Expr = expr
        while isinstance(base, ir.Sub):
            indices.append(base.index)
            base = base.value
        reached = [self.eval(base, scope, line)]
        for index_expr in reversed(indices):
            index = self.eval(index_expr, scope, line)
            if _has_param(index):
                return None  # known once the caller binds it: the wrapper pass evaluates it there
            following: list[Value] = []
            for value in reached:
                entries = _entries(value, index)
                if not entries:
                    return None
                following.extend(entries)
            if len(following) > MAX_SET:
                return VUnknown(ir.unparse(expr), "too-many-values")
            reached = following
        return self._one_of(reached, expr, scope, line)

    def _one_of(self, values: list[Value], expr: ir.Expr, scope: Scope, line: int) -> Value | None:
        """One of several values: a set of strings, or an object of the kind they all are whose bound values
        are the sets of theirs (a map of Celery tasks gives a task named one of their names); None otherwise."""
        if not values:
            return None
        if all(isinstance(v, (VStr, VSet)) for v in values):
            return self._set(values, expr, scope, line)
        first = values[0]
        if not isinstance(first, VInst) or not all(isinstance(v, VInst) and (v.type, v.project) == (first.type, first.project) for v in values):
            return None
        if all(v == first for v in values):
            return first
        bind: list[tuple[str, Value]] = []
        for name, bound in first.bind:
            each = [v.get(name) for v in values]  # type: ignore[union-attr]
            if all(b == bound for b in each):
                bind.append((name, bound))
            elif all(isinstance(b, (VStr, VSet)) for b in each):
                merged = self._set([b for b in each if b is not None], expr, scope, line)
                if isinstance(merged, (VStr, VSet)):
                    bind.append((name, merged))
        return VInst(first.type, tuple(bind), first.project)

    # -- names -------------------------------------------------------------------

    def lookup(self, name: str, scope: Scope, line: int) -> Value:
        mod = scope.mod
        if scope.cls is not None and scope.func is None:
            for assign in reversed(scope.cls.attrs):
                if assign.target == name and assign.line < line:
                    return self._assigned(assign, Scope(mod, None, scope.cls))
        current: Scope | None = scope
        while current is not None and current.func is not None and current.func.name != ir.MODULE_BODY:
            found = self._local(name, current, line)
            if found is not None:
                return found
            parent = mod.functions.get(current.func.parent) if current.func.parent else None
            current = Scope(mod, parent, self.class_of(mod, parent), None, scope.self_type) if parent is not None else None
            line = LAST_LINE
        at_module = scope.func is None or scope.func.name == ir.MODULE_BODY
        return self.global_(mod, name, line if at_module else LAST_LINE)

    def _local(self, name: str, scope: Scope, line: int) -> Value | None:
        fn = scope.func
        assert fn is not None
        if name not in fn.global_names:
            assigns = [a for a in fn.assigns if a.target == name]
            before = [a for a in assigns if a.line < line and not _other_arm(fn, a.line, line)]
            loop = self._enclosing_loop(fn, name, line, before[-1].line if before else 0)
            if loop is not None:
                return self._loop_value(loop, scope)
            if before:
                last = before[-1]
                if type(last.value) is ir.Const and last.value.value is None:
                    last = _placeholder_alternative(fn, before, line) or last
                elif type(last.value) is ir.Seq and _sequence_changed(fn, name, last.line, line):
                    return VUnknown(name, "not-static")
                return self._assigned(last, scope)
            if assigns and not any(a.line < line for a in assigns):  # assigned only below (a closure reads it later)
                return self._assigned(assigns[0], scope)
            if assigns and not any(p.name == name for p in fn.params):
                return VUnknown(name, "name-not-found")  # assigned only in the other arm of an `if`
        for index, param in enumerate(fn.params):
            if param.name == name:
                bound = self._bound_argument(scope, index, param)
                if bound is not None:
                    return self.eval(bound[0], bound[1], bound[2])
                return self._param(scope.mod, fn, index, param, scope.self_type)
        if any(name in loop.targets for loop in fn.loops):
            return VUnknown(name, "runtime-input")
        nested = f"{fn.name}.{name}"
        if nested in scope.mod.functions:
            return self.function_value(f"{scope.mod.name}.{nested}")
        if nested in scope.mod.classes:
            return VRef(f"{scope.mod.name}.{nested}", "class")
        return None

    @staticmethod
    def _enclosing_loop(fn: ir.Function, name: str, line: int, after: int) -> ir.Loop | None:
        """The innermost `for name in ...` loop around `line` that binds `name` after its last assignment."""
        found = None
        for loop in fn.loops:
            if name in loop.targets and after < loop.line < line and (loop.end_line == 0 or line <= loop.end_line):
                if found is None or loop.line > found.line:
                    found = loop
        return found

    def _loop_value(self, loop: ir.Loop, scope: Scope) -> Value:
        """A loop variable: each item of a literal list of strings (`for stream in ["a", "b"]`), as a set
        marked derived; anything else is read at run time."""
        if len(loop.targets) == 1:
            items = self.eval(loop.iter, scope, loop.line)
            if isinstance(items, VList) and items.items:
                values = flatten(items)
                if all(isinstance(v, VStr) for v in values):
                    texts = sorted({v.value for v in values if isinstance(v, VStr)})
                    if len(texts) == 1:
                        return values[0]
                    return self._set(list(values), ir.Name(loop.targets[0]), scope, loop.line)
        return VUnknown(loop.targets[0], "runtime-input")

    def _assigned(self, assign: ir.Assign, scope: Scope) -> Value:
        value = self.eval(assign.value, scope, assign.line)
        if isinstance(value, VInst) and value.type in config_values.PARSERS:
            return config_values.read_into(self, value, assign, scope)
        if isinstance(value, VConst) and value.value is None and assign.annotation is not None:
            typed = self._annotation_type(assign.annotation, Scope(scope.mod))
            if typed is not None:
                return typed
        return value

    def _bound_argument(self, scope: Scope, index: int, param: ir.Param) -> tuple[ir.Expr, Scope, int] | None:
        """The caller's expression for a parameter, when the scope is bound to a call."""
        if scope.args is None or scope.func is None:
            return None
        position = index - self._self_offset(scope.mod, scope.func)
        if position < 0:
            return None
        call = scope.args.call
        expr = argument(call, position if param.kind == "pos" else None, param.name)
        if expr is None:
            if param.default is None or any(isinstance(a, ir.Starred) for a in call.args) or any(k is None for k, _ in call.kwargs):
                return None
            # not passed at this call: the default, evaluated where the def is
            return param.default, self.enclosing_scope(scope.mod, scope.func), scope.func.line
        return expr, scope.args.caller, call.line

    def _self_offset(self, mod: ModInfo, fn: ir.Function) -> int:
        if fn.cls is None:
            return 0
        decorators = {ir.unparse(d.expr) for d in fn.decorators}
        return 0 if "staticmethod" in decorators else 1

    def _param(self, mod: ModInfo, fn: ir.Function, index: int, param: ir.Param, self_type: str | None = None) -> Value:
        cls = self.class_of(mod, fn)
        decorators = {ir.unparse(d.expr) for d in fn.decorators}
        if cls is not None and index == 0 and "staticmethod" not in decorators:
            cls_qname = self_type or f"{mod.name}.{cls.name}"
            if "classmethod" in decorators:
                return VRef(cls_qname, "class")
            return VInst(cls_qname, project=True)
        if cls is not None:
            # what the library passes is what the parameter holds, whatever its annotation says
            # (`consumer: Type[Consumer]` is the class, not an instance)
            produced = self._param_producer(mod, cls, fn, index, param)
            if produced is not None:
                return produced
        if param.annotation is not None:
            typed = self._annotation_type(param.annotation, Scope(mod))
            if typed is not None:
                return typed
        return VParam(self.project.function_qname(mod, fn), param.name, index - self._self_offset(mod, fn))

    def _annotation_type(self, annotation: ir.Expr, scope: Scope) -> Value | None:
        """The instance an annotation promises: `X`, `"X"`, `Optional[X]`, `X | None`, `Union[X, None]`; for
        `Type[X]` / `type[X]`, the class X itself (calling it makes the instance; it is no instance)."""
        if isinstance(annotation, ir.Sub):
            container = self.eval(annotation.value, scope)
            if isinstance(container, VRef) and container.qname in CLASS_ANNOTATIONS:
                return self._annotated_class(annotation.index, scope)
            return self._annotation_type(annotation.index, scope)
        if isinstance(annotation, ir.Seq):
            for item in annotation.items:
                found = self._annotation_type(item, scope)
                if found is not None:
                    return found
            return None
        if isinstance(annotation, (ir.Str, ir.Opaque)):
            text = annotation.value if isinstance(annotation, ir.Str) else annotation.text
            # `Annotated[AIOKafkaProducer, Depends(get_producer)]` (kept as text: a call in its metadata): the type
            # is the first argument; what follows only says who fills it
            text = _annotated_head(text)
            for part in text.split("|"):
                dotted = part.strip()
                if dotted == "None" or not re.fullmatch(r"[A-Za-z_][\w.]*", dotted):
                    continue
                found = self._annotation_type(self._dotted_expr(dotted), scope)
                if found is not None:
                    return found
            return None
        value = self.eval(annotation, scope)
        if isinstance(value, VRef):
            if value.kind == "class":
                return VInst(value.qname, project=True)
            if value.kind == "external":
                canonical = self.patterns.canonical(value.qname)
                if self.patterns.is_type(canonical):
                    return VInst(canonical)
        return None

    def _annotated_class(self, annotation: ir.Expr, scope: Scope) -> Value | None:
        """The class `Type[X]` names, as a value: a project class, or a library type eventlint knows."""
        if isinstance(annotation, (ir.Str, ir.Opaque)):
            text = (annotation.value if isinstance(annotation, ir.Str) else annotation.text).strip()
            if not re.fullmatch(r"[A-Za-z_][\w.]*", text):
                return None
            annotation = self._dotted_expr(text)
        value = self.eval(annotation, scope)
        if isinstance(value, VRef) and value.kind == "class":
            return value
        if isinstance(value, VRef) and value.kind == "external" and self.patterns.is_type(self.patterns.canonical(value.qname)):
            return value
        return None

    def _dotted_expr(self, dotted: str) -> ir.Expr:
        # Kept alive for the evaluator's lifetime: the memo is keyed by object identity.
        expr = self._synthetic.get(dotted)
        if expr is None:
            head, *rest = dotted.split(".")
            expr = ir.Name(head)
            for attr in rest:
                expr = ir.Attr(expr, attr)
            self._synthetic[dotted] = expr
        return expr

    def _param_producer(self, mod: ModInfo, cls: ir.Class, fn: ir.Function, index: int, param: ir.Param) -> Value | None:
        """The object a library passes to a method of a subclass of its class (a pack's `param:` producer), matched by
        position (`index`: 0 is the first parameter after self; the library calls the method positionally, so the
        name a subclass gives it does not matter) or, failing that, by name."""
        method = fn.name.rsplit(".", 1)[-1]
        candidates = [p for p in self.patterns.param_producers if p.param_method == method]
        if not candidates:
            return None
        bases = self.class_bases(f"{mod.name}.{cls.name}")
        candidates = [p for p in candidates if p.target in bases]
        for producer in sorted(candidates, key=lambda p: p.param_index != index - 1):
            if producer.param_index == index - 1 or producer.param_name == param.name:
                return VRef(producer.type, "external") if producer.is_class else VInst(producer.type)
        return None

    def global_(self, mod: ModInfo, name: str, line: int = LAST_LINE) -> Value:
        found = self._global_or_none(mod, name, line, set())
        if found is not None:
            return found
        return VRef(f"builtins.{name}", "external") if name in _BUILTINS else VUnknown(name, "name-not-found")

    def _global_or_none(self, mod: ModInfo, name: str, line: int, seen: set[str]) -> Value | None:
        if mod.name in seen:
            return None
        seen.add(mod.name)
        bindings = mod.globals.get(name)
        if bindings:
            return self._informative(bindings, mod, line)
        if name in mod.top_level_classes:
            return VRef(f"{mod.name}.{name}", "class")
        if name in mod.top_level_functions:
            return self.function_value(f"{mod.name}.{name}")
        target = mod.imports.get(name)
        if target is not None:
            value = self.qualified(target, mod)
            if name in mod.relative_imports and value == VRef(target, "external"):
                # a relative import names project code: one the analysed code does not hold is unknown, not a library
                return VUnknown(target, "import-not-resolved")
            return value
        for star in mod.star_imports:
            other = self.project.find_module(star, mod)
            if other is not None:
                found = self._global_or_none(other, name, LAST_LINE, seen)
                if found is not None:
                    return found
        return None

    def _informative(self, bindings: list[tuple[ir.Function, ir.Assign]], mod: ModInfo, line: int) -> Value:
        """Of several assignments to one name, the one that says what the name holds.

        `producer = None` at import time and `global producer; producer = Producer()`
        in a start-up hook: the second is what the rest of the code uses.
        """
        at_module = [(fn, a) for fn, a in bindings if fn.name == ir.MODULE_BODY]
        ordered = ([b for b in at_module if b[1].line < line] or at_module)[::-1]
        ordered += [(fn, a) for fn, a in bindings if fn.name != ir.MODULE_BODY]
        first: Value | None = None
        for fn, assign in ordered:
            value = self._assigned(assign, Scope(mod, fn, self.class_of(mod, fn)))
            if first is None:
                first = value
            if _says_something(value):
                return value
        for _, assign in ordered:
            if assign.annotation is not None:
                typed = self._annotation_type(assign.annotation, Scope(mod))
                if typed is not None:
                    return typed
        assert first is not None
        return first

    def function_value(self, qname: str) -> Value:
        """A project function, or the framework object its decorator turns it into (a faust agent)."""
        entry = self.project.functions.get(qname)
        if entry is None or not entry[1].decorators or not self.patterns.decorator_producers:
            return VRef(qname, "function")
        mod, fn = entry
        scope = self.enclosing_scope(mod, fn)
        for dec in fn.decorators:
            call = dec.expr if isinstance(dec.expr, ir.Call) else None
            callee = self.eval(call.func if call is not None else dec.expr, scope, dec.line)
            keys = self.callable_keys(callee)
            if isinstance(callee, VRef) and callee.kind == "external":
                keys = [self.patterns.canonical(callee.qname)]
            for key in keys:
                for producer in self.patterns.decorator_producers.get(key, ()):
                    receiver = callee.obj if isinstance(callee, VMethod) else None
                    return self._instance(producer, call, scope, receiver, decorated=qname)
        return VRef(qname, "function")

    def enclosing_scope(self, mod: ModInfo, fn: ir.Function) -> Scope:
        """Where a function's decorators are evaluated."""
        parent = mod.functions.get(fn.parent) if fn.parent else None
        if parent is not None:
            return Scope(mod, parent, self.class_of(mod, parent))
        cls = self.class_of(mod, fn)
        return Scope(mod, None, cls) if cls is not None else Scope(mod, mod.body)

    def definition(self, name: str, scope: Scope, line: int) -> tuple[ir.Expr, Scope, int] | None:
        """The expression last assigned to `name` as seen at `line`, with its scope (for payload shapes)."""
        mod = scope.mod
        current: Scope | None = scope
        while current is not None and current.func is not None and current.func.name != ir.MODULE_BODY:
            fn = current.func
            assigns = [a for a in fn.assigns if a.target == name] if name not in fn.global_names else []
            before = [a for a in assigns if a.line < line and not _other_arm(fn, a.line, line)]
            if before or (assigns and not any(a.line < line for a in assigns)):
                chosen = before[-1] if before else assigns[0]
                return chosen.value, current, chosen.line
            for index, param in enumerate(fn.params):
                if param.name == name:
                    return self._bound_argument(current, index, param)
            if any(name in loop.targets for loop in fn.loops):
                return None
            parent = mod.functions.get(fn.parent) if fn.parent else None
            current = Scope(mod, parent, self.class_of(mod, parent)) if parent is not None else None
            line = LAST_LINE
        bindings = mod.globals.get(name)
        if bindings:
            fn, chosen = bindings[-1]
            return chosen.value, Scope(mod, fn, self.class_of(mod, fn)), chosen.line
        target = mod.imports.get(name)
        if target is not None and "." in target:
            module_name, _, attr = target.rpartition(".")
            other = self.project.find_module(module_name, mod)
            if other is not None and other is not mod:
                return self.definition(attr, Scope(other, other.body), LAST_LINE)
        return None

    def qualified(self, dotted: str, importer: ModInfo | None) -> Value:
        """The value of a fully qualified name as seen from `importer`."""
        key = (dotted, importer.name if importer is not None else "")
        if key in self._qualifying:  # `from b import x` in a, `from a import x` in b
            self._cut()  # a cut like `eval`'s: what is computed above it is not memoised
            return VUnknown(dotted, "import-cycle")
        self._qualifying.add(key)
        try:
            return self._qualified(dotted, importer)
        finally:
            self._qualifying.discard(key)

    def _qualified(self, dotted: str, importer: ModInfo | None) -> Value:
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            mod = self.project.find_module(".".join(parts[:cut]), importer)
            if mod is None:
                continue
            value: Value = VRef(mod.name, "module")
            for part in parts[cut:]:
                value = self.getattr(value, part, None)
            return value
        return VRef(dotted, "external")

    # -- attributes --------------------------------------------------------------

    def getattr(self, value: Value, attr: str, expr: ir.Expr | None) -> Value:
        match value:
            case VRef(qname, "module"):
                mod = self.project.mods[qname]
                found = self._global_or_none(mod, attr, LAST_LINE, set())
                if found is not None:
                    return found
                sub = self.project.find_module(f"{mod.import_name}.{attr}", mod)
                if sub is not None:
                    return VRef(sub.name, "module")
                return VUnknown(f"{qname}.{attr}")
            case VRef(qname, "external"):
                return VRef(f"{qname}.{attr}", "external")
            case VRef(qname, "class"):
                info = self.enum_info(qname)
                if info is not None:
                    member = self._enum_attr(info, attr)
                    if member is not None:
                        return member
                found = self._class_attr(qname, attr)
                if found is not None:
                    return found
                return VUnknown(f"{qname.rsplit('.', 1)[-1]}.{attr}")
            case VInst(type_name, _, True):
                passed = value.get(attr)
                if passed is not None:  # KafkaSettings(topic="billing"): what the constructor was given wins
                    return passed
                found = self._instance_attr(type_name, attr)
                if isinstance(found, VStr) and not found.origin:
                    origin = self._settings_default(type_name, attr)
                    if origin:
                        return VStr(found.value, origin)
                if found is None:
                    from_env = self._settings_environment(type_name, attr)
                    if from_env is not None:
                        return from_env
                if found is not None:
                    return found
                for base in self.class_bases(type_name):
                    produced = self._attr_producer(base, attr, value)
                    if produced is not None:
                        return produced
                return VMethod(value, attr)
            case VInst(type_name):
                produced = self._attr_producer(type_name, attr, value)
                if produced is not None:
                    return produced
                bound = value.get(attr)
                if bound is not None:
                    return bound
                return VMethod(value, attr)
            case VStr() if attr in STRING_METHODS or attr == "format":
                return VMethod(value, attr)
        if isinstance(value, VUnknown):
            return VUnknown(f"{value.text}.{attr}", value.reason)
        return VMethod(value, attr)

    def _attr_producer(self, type_name: str, attr: str, receiver: Value) -> Value | None:
        for producer in self.patterns.attr_producers.get(f"{type_name}.{attr}", ()):
            return self._instance(producer, None, None, receiver)
        return None

    def _class_attr(self, cls_qname: str, attr: str) -> Value | None:
        for qname in (cls_qname, *self.class_bases(cls_qname)):
            entry = self.project.classes.get(qname)
            if entry is None:
                continue
            mod, cls = entry
            for assign in reversed(cls.attrs):
                if assign.target == attr:
                    if self._required_field(assign, Scope(mod, None, cls)):
                        return None  # a field with no default is no class attribute
                    return self._assigned(assign, Scope(mod, None, cls))
            method = f"{cls.name}.{attr}"
            if method in mod.functions:
                return self.function_value(f"{mod.name}.{method}")
        return None

    # -- enumerations ------------------------------------------------------------

    def enum_info(self, cls_qname: str) -> EnumInfo | None:
        """The project class `cls_qname` as an enumeration (enum.Enum, StrEnum, Django choices), else None."""
        depth = self._depth
        reads = self.reads
        found = self._enums.get(cls_qname)
        if found is not None and depth + found[1] <= MAX_DEPTH:
            if depth + found[1] > self._deepest:
                self._deepest = depth + found[1]
            if reads is not None:
                reads.bits |= found[2]
            return found[0]
        if cls_qname in self._enums_active:  # a class that is its own base stays no enumeration: a cut
            self._cut()
            return None
        cuts = self._cuts
        above = self._deepest
        self._deepest = depth
        self._enums_active.add(cls_qname)
        if reads is not None:
            outer = reads.bits
            reads.bits = 0
        try:
            info = self._enum_info(cls_qname)
        finally:
            self._enums_active.discard(cls_qname)
            reached = self._deepest
            if above > reached:
                self._deepest = above
            if reads is not None:
                mine = reads.bits
                reads.bits = outer | mine
        if self._cuts == cuts:
            self._enums[cls_qname] = (info, reached - depth, mine if reads is not None else 0)
        return info

    def _enum_info(self, cls_qname: str) -> EnumInfo | None:
        info = None
        entry = self.project.classes.get(cls_qname)
        bases = self.class_bases(cls_qname) if entry is not None else []
        if any(base in ENUM_BASES for base in bases):
            mod, cls = entry  # type: ignore[misc]
            members: list[tuple[str, ir.Assign]] = []
            for assign in cls.attrs:
                name = assign.target
                if name.isidentifier() and not name.startswith("_") and not isinstance(assign.value, ir.Lambda):
                    if all(name != seen for seen, _ in members):
                        members.append((name, assign))
            kinds = [base for base in bases if base in STR_ENUM_AUTO]
            info = EnumInfo(
                tuple(members),
                bool(kinds),
                any(base in CHOICES_BASES for base in bases),
                STR_ENUM_AUTO[kinds[0]] if kinds else None,
                Scope(mod, None, cls),
            )
        return info

    def _enum_of(self, value: Value) -> tuple[EnumInfo | None, str]:
        if isinstance(value, VRef) and value.kind == "class":
            return self.enum_info(value.qname), value.qname
        return None, ""

    def _member_value(self, info: EnumInfo, member: str) -> Value:
        """The value of a member: `A = "a"`; `A = "a", "Label"` in Django choices; `A = auto()` in a StrEnum."""
        assign = next(a for name, a in info.members if name == member)
        if isinstance(assign.value, ir.Call) and info.auto is not None:
            callee = self.eval(assign.value.func, info.scope, assign.line)
            if isinstance(callee, VRef) and callee.qname == "enum.auto":
                return VStr(info.auto(member))
        value = self._assigned(assign, info.scope)
        if isinstance(value, VList):
            # a Django choice (value, label); in any other enumeration a tuple value is no name
            if info.choices and len(value.items) == 2:
                return value.items[0]
            return VUnknown(ir.unparse(assign.value), "not-static")
        return value

    def _enum_attr(self, info: EnumInfo, attr: str) -> Value | None:
        """`Topics.A` (the member, as its value), and Django's `Topics.values` / `Topics.names`."""
        if any(name == attr for name, _ in info.members):
            return self._member_value(info, attr)
        if info.choices and attr == "values":
            return VList(tuple(self._member_value(info, name) for name, _ in info.members))
        if info.choices and attr == "names":
            return VList(tuple(VStr(name) for name, _ in info.members))
        return None

    def _iterated(self, value: Value) -> VList | None:
        """What iterating `value` gives, when known: a list's items, or the members of a string enumeration."""
        if isinstance(value, VList):
            return value
        if isinstance(value, VDict) and not value.source and value.items and all(k is not None for k, _, _, _ in value.items):
            # a dict literal iterates over its keys: `subscribe(list(HANDLERS))` subscribes to each key
            return VList(tuple(k for k, _, _, _ in value.items if k is not None))
        info, _ = self._enum_of(value)
        if info is not None and info.strings:
            return VList(tuple(self._member_value(info, name) for name, _ in info.members))
        return None

    def _comprehended(self, elt: ir.Expr, target: str, iterable: Value) -> VList | None:
        """`[t.value for t in Topics]`, `[t for t in TOPICS]`: the list, when the element is the item itself."""
        info, _ = self._enum_of(iterable)
        if info is not None and isinstance(elt, ir.Attr) and elt.value == ir.Name(target) and elt.attr in ("value", "name"):
            if elt.attr == "name":
                return VList(tuple(VStr(name) for name, _ in info.members))
            return VList(tuple(self._member_value(info, name) for name, _ in info.members))
        if elt == ir.Name(target):
            return self._iterated(iterable)
        return None

    def _instance_attr(self, cls_qname: str, attr: str) -> Value | None:
        for qname in (cls_qname, *self.class_bases(cls_qname)):
            entry = self.project.classes.get(qname)
            if entry is None:
                continue
            mod, cls = entry
            prefix = f"{cls.name}."
            methods = [f for name, f in mod.functions.items() if name.startswith(prefix) and "." not in name[len(prefix) :]]
            # __init__ first: that is where collaborators are usually wired
            methods.sort(key=lambda f: (not f.name.endswith(".__init__"), f.line))
            bindings = [(fn, a) for fn in methods for a in fn.assigns if a.target == f"self.{attr}"]
            candidates: list[Value] = []
            self_type = cls_qname if qname != cls_qname else None  # a base's method, run for the subclass
            for fn, assign in bindings:
                value = self._assigned(assign, Scope(mod, fn, cls, None, self_type))
                if _says_something(value):
                    return value
                candidates.append(value)
            for assign in reversed(cls.attrs):
                if assign.target == attr:
                    if self._required_field(assign, Scope(mod, None, cls)):
                        break  # `Field(alias="X")` with no default: as a field that is only annotated
                    return self._assigned(assign, Scope(mod, None, cls))
            annotations = [a.annotation for _, a in bindings if a.annotation is not None]
            annotations += [annotation for name, annotation in cls.annotations if name == attr]
            for annotation in annotations:
                typed = self._annotation_type(annotation, Scope(mod))
                if typed is not None:
                    return typed
            if candidates:
                return candidates[0]
            method = f"{cls.name}.{attr}"
            if method in mod.functions:
                return VMethod(VInst(cls_qname, project=True), attr)
        return None

    def class_bases(self, cls_qname: str) -> list[str]:
        """Qualified names of the bases of a project class, transitively (framework names canonical)."""
        out: list[str] = []
        todo = [cls_qname]
        seen = {cls_qname}
        while todo:
            entry = self.project.classes.get(todo.pop(0))
            if entry is None:
                continue
            mod, cls = entry
            for base_expr in cls.bases:
                base = self.eval(base_expr, Scope(mod), cls.line)
                if isinstance(base, VRef) and base.kind in ("class", "external"):
                    name = base.qname if base.kind == "class" else self.patterns.canonical(base.qname)
                    if name not in seen:
                        seen.add(name)
                        out.append(name)
                        todo.append(name)
        return out

    def method_function(self, obj: Value, name: str) -> str | None:
        """The project function a method call on `obj` runs, if it is one."""
        if isinstance(obj, VInst) and obj.project:
            for qname in (obj.type, *self.class_bases(obj.type)):
                candidate = f"{qname}.{name}"
                if candidate in self.project.functions:
                    return candidate
        if isinstance(obj, VRef) and obj.kind == "class":
            candidate = f"{obj.qname}.{name}"
            if candidate in self.project.functions:
                return candidate
        return None

    def class_of(self, mod: ModInfo, fn: ir.Function | None) -> ir.Class | None:
        return mod.classes.get(fn.cls) if fn is not None and fn.cls else None

    # -- calls -------------------------------------------------------------------

    def call(self, call: ir.Call, scope: Scope, line: int) -> Value:
        if isinstance(call.func, ir.Call) and call.args and self.patterns.decorator_producers:
            applied = self._applied_decorator(call, scope, line)
            if applied is not None:
                return applied
        callee = self.eval(call.func, scope, line)
        for key in self.callable_keys(callee):
            producers = self.patterns.call_producers.get(key)
            if producers:
                for producer in producers:
                    if self._condition_holds(producer, call, scope):
                        receiver = callee.obj if isinstance(callee, VMethod) else None
                        return self._instance(producer, call, scope, receiver)
        match callee:
            case VRef(qname, "external") if qname in PASS_THROUGH and call.args:
                return self.eval(call.args[0], scope, line)
            case VRef(qname, "external") if qname in COPIES and len(call.args) == 1 and not call.kwargs and not isinstance(call.args[0], ir.Starred):
                copied = self._iterated(self.eval(call.args[0], scope, line))
                if copied is None:
                    return VUnknown(ir.unparse(call), "call-result")
                if qname == "builtins.sorted" and all(isinstance(i, VStr) for i in copied.items):
                    return VList(tuple(sorted(copied.items, key=lambda i: i.value)))  # type: ignore[union-attr]
                return copied
            case VRef(qname, "external") if qname in ENV_READERS:
                return self._environment(call, scope, line)
            case VRef(qname, "external") if qname in ENV_LIBRARIES:  # Config(".env"), AutoConfig(), Env()
                _, _, keyword, file = ENV_LIBRARIES[qname]
                prefix = argument(call, None, keyword) if keyword else None
                env_file = argument(call, 0, "env_file") if file == "<env_file>" else None
                bound = tuple(
                    (name, self.eval(expr, scope, line)) for name, expr in (("<prefix>", prefix), ("<env_file>", env_file)) if expr is not None
                )
                return VInst(qname, bound)
            case VRef(qname, "external") if qname in ENV_LIBRARY_OBJECTS:  # decouple's config("X", default="x")
                return self._library_environment(VInst(ENV_LIBRARY_OBJECTS[qname]), "__call__", call, scope, line)
            case VRef(qname, "external") if qname.rpartition(".")[0] in ENV_LIBRARY_OBJECTS:  # environs' env.str(...)
                obj, _, method = qname.rpartition(".")
                return self._library_environment(VInst(ENV_LIBRARY_OBJECTS[obj]), method, call, scope, line)
            case VInst(type_name) as obj if type_name in ENV_LIBRARIES:
                return self._library_environment(obj, "__call__", call, scope, line)
            case VMethod(VInst(type_name) as obj, method) if type_name in ENV_LIBRARIES:
                return self._library_environment(obj, method, call, scope, line)
            case VRef(qname, "external") if qname in FIELD_SPECIFIERS:
                found = self._field_default(qname, call, scope, line)
                return found if found is not None else VUnknown(ir.unparse(call), "not-static")
            case VRef(qname, "external") if qname in config_values.READERS:
                return config_values.call(self, qname, call, scope, line)
            case VRef(qname, "external"):
                canonical = self.patterns.canonical(qname)
                if self.patterns.is_type(canonical):
                    return VInst(canonical)
                return VUnknown(ir.unparse(call), "call-result")
            case VRef(qname, "class"):
                return VInst(qname, self._constructor_fields(qname, call, scope, line), project=True)
            case VRef(qname, "function"):
                return self._returns(qname, call, scope, line)
            case VMethod(VStr(text), "format"):
                return self._format(text, call, scope, line)
            case VMethod(VInst(type_name) as obj, method) if type_name in config_values.OBJECTS:
                return config_values.method(self, obj, method, call, scope, line)
            case VMethod(VDict(source=source) as mapping, "get") if source and call.args:
                return config_values.get(self, mapping, call, scope, line)
            case VMethod(VStr(text, origin), method) if method in STRING_METHODS and (method == "encode" or not call.kwargs):
                if method == "encode" or not call.args:
                    return VStr(STRING_METHODS[method](text), origin)
                chars = self.eval(call.args[0], scope, line) if len(call.args) == 1 and method.endswith("strip") else None
                if isinstance(chars, VStr):  # `.strip("/")`: the characters given
                    return VStr(getattr(text, method)(chars.value), origin)
                return VUnknown(ir.unparse(call), "call-result")
            case VMethod(VDict() as mapping, "keys") if not call.args and not call.kwargs and self._iterated(mapping) is not None:
                return self._iterated(mapping)  # type: ignore[return-value]
            case VMethod(VDict() as mapping, "get") if call.args and _literal_string_map(mapping):
                key = self.eval(call.args[0], scope, line)
                default = self.eval(call.args[1], scope, line) if len(call.args) > 1 else None
                if isinstance(key, VStr):
                    found = mapping.get(key.value)
                    return found if found is not None else default if default is not None else VConst(None)
                options = [v for _, v, _, _ in mapping.items] + ([default] if default is not None else [])
                if _has_param(key):
                    return VTemplate(ir.unparse(call), True)
                return self._set(options, call, scope, line)
            case VMethod(VDict() as mapping, "get") if len(call.args) == 1 and not call.kwargs:
                # HANDLERS.get(kind) over a literal map of objects of one kind (Celery tasks): one of them
                key = self.eval(call.args[0], scope, line)
                entries = _entries(mapping, key) if not _has_param(key) else None
                merged = self._one_of(entries, call, scope, line) if entries else None
                if merged is not None:
                    return merged
                return VUnknown(ir.unparse(call), "call-result")
            case VMethod(obj, method):
                target = self.method_function(obj, method)
                if target is not None:
                    inherited = isinstance(obj, VInst) and obj.project and not target.startswith(obj.type + ".")
                    return self._returns(target, call, scope, line, obj.type if inherited else None)
                if method in SERIALISER_METHODS and isinstance(obj, (VDict, VList)):
                    return obj
                if isinstance(obj, (VParam, VUnknown)):
                    return VUnknown(ir.unparse(call), _reason_of(obj))
        return VUnknown(ir.unparse(call), "call-result")

    def _environment(self, call: ir.Call, scope: Scope, line: int) -> Value:
        """`os.getenv("X", "d")`, `os.environ.get("X", "d")`: the default, marked as such; else unknown."""
        name = self.eval(call.args[0], scope, line) if call.args else None
        default = argument(call, 1, "default")
        value = self.eval(default, scope, line) if default is not None else None
        if isinstance(name, VStr) and isinstance(value, VStr) and value.value.strip():  # "" is a placeholder
            return VStr(value.value, f"default of environment variable {name.value} ({scope.mod.ir.path}:{call.line})")
        if isinstance(name, VStr) and default is None:
            return self._set_by_environment(name.value, call, scope)
        return VUnknown(ir.unparse(call), "config-not-found")

    def _library_environment(self, obj: VInst, method: str, call: ir.Call, scope: Scope, line: int) -> Value:
        """`config("X", default="d")` on a configuration library's object (`ENV_LIBRARIES`): the value
        docker-compose or the nearest `.env` gives the variable, else the default, marked as overridable by
        the variable; unknown when the call is no string read (a `cast=` other than `str`, another method)
        or its variable cannot be told."""
        methods, position, _, file = ENV_LIBRARIES[obj.type]
        if method not in methods:
            return VUnknown(ir.unparse(call), "call-result")
        cast = argument(call, None, "cast")
        if cast is not None:
            made = self.eval(cast, scope, line)
            if not (isinstance(made, VRef) and made.qname == "builtins.str"):
                return VUnknown(ir.unparse(call), "call-result")
        name = self.eval(call.args[0], scope, line) if call.args else None
        prefix = obj.get("<prefix>")
        if prefix is not None and not isinstance(prefix, VStr):
            return VUnknown(ir.unparse(call), "config-not-found")
        if not isinstance(name, VStr):
            return VUnknown(ir.unparse(call), "config-not-found")
        variable = (prefix.value if prefix is not None else "") + name.value
        found = config_values.environment(self, variable, scope.mod.ir.path)
        if found is None:
            found = self._library_file_variable(obj, file, variable, scope)
        if found is not None:
            return found if not isinstance(found, VUnknown) else VUnknown(ir.unparse(call), found.reason)
        default = argument(call, position, "default")
        value = self.eval(default, scope, line) if default is not None else None
        if isinstance(value, VStr) and value.value.strip():  # "" is a placeholder
            return VStr(value.value, f"default of environment variable {variable} ({scope.mod.ir.path}:{call.line})")
        return VUnknown(ir.unparse(call), "config-not-found")

    def _library_file_variable(self, obj: VInst, file: str, variable: str, scope: Scope) -> Value | None:
        """The variable as the file a configuration library reads sets it (the nearest one from the reading
        file's folder up); None when no file is read or none sets it; unknown when the file cannot be told."""
        reader = scope.mod.ir.path
        if file == "<env_file>":
            named = obj.get("<env_file>")
            if named is None or (isinstance(named, VConst) and named.value is None):
                return None  # Config(): the environment only
            if not isinstance(named, VStr):
                return VUnknown(variable, "config-not-found")  # a file the code computes
            return config_values.dotenv_variable(self, variable, reader, named.value)
        if obj.type == "decouple.AutoConfig":
            for folder in config_values.parents(reader):
                if self.project.configs.exists(posixpath.join(folder, "settings.ini") if folder else "settings.ini"):
                    return VUnknown(variable, "config-not-found")  # read before .env, and not read here
                if self.project.configs.exists(posixpath.join(folder, ".env") if folder else ".env"):
                    break
        return config_values.dotenv_variable(self, variable, reader, file)

    def _field_specifier(self, expr: ir.Expr, scope: Scope) -> str | None:
        """The qualified name of the field specifier `expr` calls (`Field(...)`, `field(...)`), else None."""
        if not isinstance(expr, ir.Call):
            return None
        callee = self.eval(expr.func, scope, LAST_LINE)
        if isinstance(callee, VRef) and callee.kind == "external" and callee.qname in FIELD_SPECIFIERS:
            return callee.qname
        return None

    def _field_expressions(self, qname: str, call: ir.Call, scope: Scope) -> tuple[ir.Expr | None, ir.Expr | None]:
        """The default and the default factory a field specifier is given (None, None: a required field)."""
        position, factory_keyword = FIELD_SPECIFIERS[qname]
        default = argument(call, position, "default")
        if default is not None:
            if isinstance(default, ir.Opaque) and default.text == "...":  # pydantic's "required"
                default = None
            elif isinstance(default, (ir.Name, ir.Attr)):
                sentinel = self.eval(default, scope, LAST_LINE)
                if isinstance(sentinel, VRef) and sentinel.kind == "external" and sentinel.qname in NO_DEFAULT:
                    default = None
        return default, argument(call, None, factory_keyword)

    def _field_default(self, qname: str, call: ir.Call, scope: Scope, line: int) -> Value | None:
        """The default a field specifier gives its field: `Field("x")`, `Field(default="x")`, `field(default="x")`,
        `attr.ib("x")`, as the value written there (a settings class marks it overridable: `getattr`). A
        default factory gives a value only when it is a lambda returning one, or a project class (an instance
        with its own defaults); else unknown. None for a required field."""
        default, factory = self._field_expressions(qname, call, scope)
        if default is not None:
            return self.eval(default, scope, line)
        if factory is None:
            return None
        if isinstance(factory, ir.Lambda) and not factory.params:
            return self.eval(factory.body, scope, line)
        made = self.eval(factory, scope, line)
        if isinstance(made, VRef) and made.kind == "class":
            return VInst(made.qname, (), project=True)
        return VUnknown(f"{ir.unparse(factory)}()", "call-result")

    def _required_field(self, assign: ir.Assign, scope: Scope) -> bool:
        """Whether a class attribute is a field specifier with no default (its value comes from the constructor
        or, in a settings class, the environment): read like a field that is only annotated."""
        qname = self._field_specifier(assign.value, scope)
        return qname is not None and self._field_expressions(qname, assign.value, scope) == (None, None)  # type: ignore[arg-type]

    def _field_environment_names(self, assign: ir.Assign, scope: Scope, v1: bool) -> tuple[str, ...] | None:
        """The environment variables a settings field names itself, the first set one being read:
        pydantic-settings reads `validation_alias`, else `alias` (a name, or `AliasChoices` of names) and
        applies no `env_prefix` to them; pydantic v1 reads `env=` (a name or a list) and ignores aliases.
        None when the field names none (then `env_prefix` + its name); () when it names one eventlint
        cannot read (an `AliasPath`, a computed name): then nothing is looked up under a guessed name."""
        if self._field_specifier(assign.value, scope) is None:
            return None
        call = assign.value
        assert isinstance(call, ir.Call)
        for keyword in ("env",) if v1 else ("validation_alias", "alias"):
            expr = argument(call, None, keyword)
            if expr is None:
                continue
            if isinstance(expr, ir.Call) and expr.kwargs == ():
                callee = self.eval(expr.func, scope, LAST_LINE)
                if not (isinstance(callee, VRef) and callee.kind == "external" and callee.qname in ALIAS_CHOICES):
                    return ()
                items = [self.eval(arg, scope, assign.line) for arg in expr.args]
            else:
                value = self.eval(expr, scope, assign.line)
                items = list(value.items) if isinstance(value, VList) and v1 else [value]
            names = tuple(item.value for item in items if isinstance(item, VStr) and not item.origin)
            return names if names and len(names) == len(items) else ()
        return None

    def _set_by_environment(self, variable: str, expr: ir.Expr, scope: Scope) -> Value:
        """The value docker-compose or `.env` gives an environment variable read with no default at `expr`."""
        found = config_values.environment(self, variable, scope.mod.ir.path)
        if isinstance(found, VUnknown):
            return VUnknown(ir.unparse(expr), found.reason)
        return found if found is not None else VUnknown(ir.unparse(expr), "config-not-found")

    def _settings_default(self, cls_qname: str, attr: str) -> str:
        """Where a settings class (pydantic `BaseSettings`) declares the default of `attr`; "" for other classes.

        The environment overrides such a default at run time, so the record says where the name came from.
        """
        chain = [cls_qname, *self.class_bases(cls_qname)]
        if not any(base in SETTINGS_BASES for base in chain):
            return ""
        v1 = any(base in SETTINGS_V1 for base in chain)
        for qname in chain:
            entry = self.project.classes.get(qname)
            if entry is None:
                continue
            mod, cls = entry
            for assign in reversed(cls.attrs):
                if assign.target == attr:
                    names = self._field_environment_names(assign, Scope(mod, None, cls), v1)
                    named = f", environment variable {' or '.join(names)}" if names else ""
                    return f"default of settings field {cls.name}.{attr}{named} ({mod.ir.path}:{assign.line})"
        return ""

    def _settings_environment(self, cls_qname: str, attr: str) -> Value | None:
        """A settings field with no default: its environment variable (the one the field names, else
        `env_prefix` + name; any case) as docker-compose or `.env` set it for this code
        (`config_values.environment`); unknown (`config-not-found`) when nothing sets it; None when the
        variable cannot be told or `attr` is no field of a settings class."""
        chain = [cls_qname, *self.class_bases(cls_qname)]
        if not any(base in SETTINGS_BASES for base in chain):
            return None
        v1 = any(base in SETTINGS_V1 for base in chain)
        prefix: str | None = None
        declared = False
        named: tuple[str, ...] | None = None
        for qname in chain:
            entry = self.project.classes.get(qname)
            if entry is None:
                continue
            mod, cls = entry
            if not declared and attr in cls.fields:
                declared = True
                for assign in reversed(cls.attrs):
                    if assign.target == attr:
                        named = self._field_environment_names(assign, Scope(mod, None, cls), v1)
                        break
                if named is None and any(n == attr and _annotated_field(a) for n, a in cls.annotations):
                    named = ()  # `Annotated[str, Field(alias=...)]`: a name eventlint does not read
            inner = mod.classes.get(f"{cls.name}.Config")
            if named is None and v1 and inner is not None and any(a.target == "fields" for a in inner.attrs):
                named = ()  # pydantic v1 `Config.fields = {"topic": {"env": ...}}`: not read either
            if prefix is None:
                prefix = _env_prefix(mod, cls)
        reader = self.project.classes[cls_qname][0].ir.path
        if not declared or named == () or named is None and prefix == "\x00":
            return None
        variables = named if named is not None else ((prefix or "") + attr,)  # the field's own names are never prefixed
        for name in variables:
            found = config_values.environment(self, name, reader, case_insensitive=True)
            if found is not None:
                return found
        return VUnknown(f"environment variable {' or '.join(variables)}", "config-not-found")

    def _constructor_fields(self, qname: str, call: ir.Call, scope: Scope, line: int) -> tuple[tuple[str, Value], ...]:
        """Field values passed to a class with a generated `__init__` (dataclass, attrs, pydantic model, settings).

        Only for classes whose chain defines no `__init__` of its own: there the arguments are the fields,
        keywords by name and positions in the order the fields are declared.
        """
        if not call.args and not call.kwargs:
            return ()
        chain = [qname, *self.class_bases(qname)]
        fields: list[str] = []
        for name in reversed(chain):
            entry = self.project.classes.get(name)
            if entry is None:
                continue
            mod, cls = entry
            if f"{cls.name}.__init__" in mod.functions:
                return ()
            fields.extend(f for f in cls.fields if f not in fields)
        bound: dict[str, Value] = {}
        for index, expr in enumerate(call.args):
            if isinstance(expr, ir.Starred) or index >= len(fields):
                break
            bound[fields[index]] = self.eval(expr, scope, line)
        for key, expr in call.kwargs:
            if key is not None and key in fields:
                bound[key] = self.eval(expr, scope, line)
        return tuple(sorted(bound.items()))

    def _applied_decorator(self, call: ir.Call, scope: Scope, line: int) -> Value | None:
        """`app.agent(channel)(process)`: the object the decorator would have made of the project function."""
        inner = call.func
        assert isinstance(inner, ir.Call)
        target = self.eval(call.args[0], scope, line)
        if not (isinstance(target, VRef) and target.kind == "function"):
            return None
        callee = self.eval(inner.func, scope, line)
        keys = [self.patterns.canonical(callee.qname)] if isinstance(callee, VRef) and callee.kind == "external" else self.callable_keys(callee)
        for key in keys:
            for producer in self.patterns.decorator_producers.get(key, ()):
                receiver = callee.obj if isinstance(callee, VMethod) else None
                return self._instance(producer, inner, scope, receiver, decorated=target.qname)
        return None

    def runtime_name(self, qname: str) -> str:
        """The dotted name a project function has at run time (`module.__name__` + its qualified name).

        Colliding modules get a longer, root-relative qualified name here (`app1.app.worker`), but the
        interpreter, and so Celery's default task name or faust's agent name, knows the module by its
        import name (`app.worker`).
        """
        entry = self.project.functions.get(qname)
        if entry is None:
            return qname
        mod = entry[0]
        prefix = mod.ir.name
        if qname.startswith(prefix + ".") and mod.import_name:
            return mod.import_name + qname[len(prefix):]
        return qname

    def callable_keys(self, callee: Value) -> list[str]:
        """Pattern keys a call to `callee` may match, most specific first."""
        match callee:
            case VRef(qname, "external"):
                return [self.patterns.canonical(qname)]
            case VRef(qname, "class"):
                return [qname]
            case VMethod(VInst(type_name, _, project), method):
                types = [type_name, *self.class_bases(type_name)] if project else [type_name]
                return [f"{t}.{method}" for t in types]
            case VInst(type_name, _, project):
                types = [type_name, *self.class_bases(type_name)] if project else [type_name]
                return [f"{t}.__call__" for t in types]
        return []

    def _returns(self, qname: str, call: ir.Call, scope: Scope, line: int, self_type: str | None = None) -> Value:
        target = self.scope_of(qname)
        if target is None or target.func is None or not target.func.returns:
            return VUnknown(ir.unparse(call), "call-result")
        if _recursive(target.func, scope):
            # a function calling itself (`return fib(n - 1) + fib(n - 2)`): every call binds a new scope, so
            # following it again would branch at each level until MAX_DEPTH (2**20 evaluations for fib), and
            # would end there in the same unknown value
            return VUnknown(ir.unparse(call))
        bound = Scope(target.mod, target.func, target.cls, ArgBinding(call, scope), self_type)
        fallback = self._configured_fallback(qname, target.func, bound, call)
        if fallback is not None:
            return fallback
        returned = target.func.returns[-1]
        if len(target.func.returns) > 1 and any(type(r) is ir.Seq for r in target.func.returns):
            returned = _positional_returns(target.func.returns)
            if returned is None:
                return VUnknown(ir.unparse(call), "not-static")
        value = self.eval(returned, bound)
        if isinstance(value, VUnknown):
            return VUnknown(ir.unparse(call), value.reason)
        return value

    def _configured_fallback(self, qname: str, fn: ir.Function, bound: Scope, call: ir.Call) -> VStr | None:
        """A default-returning wrapper of an environment read: two `return`s, one the value read (set nowhere the
        analysis sees: `config-not-found`), the other a parameter the call gives a string (`value =
        os.environ.get(name); if value is None: return default; return value`): that string, read as
        `os.getenv(name, default)`'s default is. None for any other function."""
        if len(fn.returns) != 2:
            return None
        params = {p.name for p in fn.params}
        if not any(isinstance(r, ir.Name) and r.id in params for r in fn.returns):
            return None
        values = [self.eval(r, bound) for r in fn.returns]
        unset = [v for v in values if isinstance(v, VUnknown) and v.reason == "config-not-found"]
        given = [
            v for r, v in zip(fn.returns, values)
            if isinstance(r, ir.Name) and r.id in params and isinstance(v, VStr) and v.value.strip()
        ]
        if len(unset) != 1 or len(given) != 1:
            return None
        return VStr(given[0].value, f"default of the environment read by {qname} ({bound.mod.ir.path}:{fn.line})")

    def _format(self, text: str, call: ir.Call, scope: Scope, line: int) -> Value:
        args = [self.eval(a, scope, line) for a in call.args]
        kwargs = {k: self.eval(v, scope, line) for k, v in call.kwargs if k is not None}
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError:
            return VUnknown(ir.unparse(call))
        values = [*args, *kwargs.values()]
        if all(isinstance(v, VStr) for v in values):
            try:
                return VStr(text.format(*[v.value for v in args], **{k: v.value for k, v in kwargs.items()}))  # type: ignore[union-attr]
            except (IndexError, KeyError, ValueError):
                return VUnknown(ir.unparse(call))
        if fields:
            return VTemplate(text, any(_has_param(v) for v in values))
        return VUnknown(ir.unparse(call))

    def _condition_holds(self, producer: Producer, call: ir.Call, scope: Scope) -> bool:
        cond = producer.when
        if cond is None:
            return True
        expr = argument(call, cond.arg, cond.kw)
        if expr is None:
            return False
        value = self.eval(expr, scope, call.line)
        return isinstance(value, (VStr, VConst)) and value.value == cond.equals

    def _instance(
        self, producer: Producer, call: ir.Call | None, scope: Scope | None, receiver: Value | None, decorated: str | None = None
    ) -> Value:
        bind: dict[str, Value] = {}
        ctx = SiteContext(call=call, scope=scope, receiver=receiver, decorated=decorated)
        for name, spec in (*self.patterns.type_binds.get(producer.type, ()), *producer.bind):
            values = self.read_spec(spec, ctx)
            if values:
                bind[name] = values[0] if len(values) == 1 else VList(tuple(values))
        return VInst(producer.type, tuple(sorted(bind.items())))

    # -- reading pattern fields --------------------------------------------------

    def read_spec(self, spec: Spec | None, ctx: SiteContext) -> list[Value]:
        """The values `spec` reads at a site: the first alternative that yields something."""
        if spec is None:
            return []
        for source in spec:
            values = self.read_source(source, ctx)
            if values:
                return values
        return []

    def read_source(self, source: Source, ctx: SiteContext) -> list[Value]:
        if not self._applies(source, ctx):
            return []
        out: list[Value] = []
        uncertain = False
        for value in self._raw_source(source, ctx):
            values, unknown = self._transform(source, value)
            out.extend(values)
            uncertain = uncertain or unknown
        if not out and source.has_default and not uncertain:
            # absent argument or absent key: the default, translated like a written value
            out = [self._convert(source, _literal(source.default))]
        return out[:MAX_VALUES]

    def _applies(self, source: Source, ctx: SiteContext) -> bool:
        for condition, wanted in ((source.when_present, True), (source.when_absent, False)):
            if condition is not None:
                given = ctx.call is not None and argument(ctx.call, condition[0], condition[1]) is not None
                if given != wanted:
                    return False
        if source.when_value is not None:
            read, accepted = source.when_value
            if not any(_map_key_of(v) in accepted for value in self.read_source(read, ctx) for v in flatten(value)):
                return False
        return True

    def _raw_source(self, source: Source, ctx: SiteContext) -> list[Value]:
        call, scope = ctx.call, ctx.scope
        if source.has_const:
            return [_literal(source.const)]
        if source.join_parts:
            return self._join_parts(source, ctx)
        if source.receiver is not None:
            receiver = ctx.receiver
            if isinstance(receiver, VInst):
                bound = receiver.get(source.receiver)
                if bound is not None:
                    return [bound]
                if source.unbound_unknown:
                    # an object from a typed parameter or an attribute: it has the value, but nothing here names it
                    return [VUnknown(receiver.type.rsplit(".", 1)[-1].lower(), "unnamed-object")]
            if isinstance(receiver, VUnknown) and receiver.reason == "import-not-resolved":
                return [receiver]  # an object from a relative import the analysed code does not hold
            return []
        if source.decorated:
            return [VRef(ctx.decorated, "function")] if ctx.decorated else []
        if source.returned and not source.routed:
            target = self.scope_of(ctx.decorated) if ctx.decorated else None
            if target is None or target.func is None or not target.func.returns:
                return []
            return [self.eval(target.func.returns[-1], target, LAST_LINE)]
        if source.decorated_name:
            return [VStr(self.runtime_name(ctx.decorated))] if ctx.decorated else []
        if source.annotation is not None:
            return self._annotation(source.annotation, ctx, source.items)
        if source.class_attr is not None:
            if ctx.cls_qname is None:
                return []
            found = self._class_attr(ctx.cls_qname, source.class_attr)
            return [found] if found is not None else []
        if source.item is not None:
            found = ctx.item.get(source.item) if isinstance(ctx.item, VDict) else None
            return [found] if found is not None else []
        if call is None or scope is None:
            return []
        if source.kwargs:
            return self._keyword_items(call, scope)
        if source.args is not None:
            out: list[Value] = []
            for expr in call.args[source.args :]:
                value = self.eval(expr, scope, call.line)
                if isinstance(expr, ir.Starred) and isinstance(value, VList):
                    out.extend(value.items)
                else:
                    out.append(value)
            return out
        expr = argument(call, source.arg, source.kw)
        if expr is None:
            return []
        return [self.eval(expr, scope, call.line)]

    def _keyword_items(self, call: ir.Call, scope: Scope) -> list[Value]:
        """Keyword arguments as {name, value} items, `**{"literal": ...}` spread included."""
        items: list[Value] = []
        for name, expr in call.kwargs:
            if name is not None:
                pairs = [(VStr(name), self.eval(expr, scope, call.line))]
            else:
                spread = self.eval(expr, scope, call.line)
                pairs = [(k, v) for k, v, _, _ in spread.items if k is not None] if isinstance(spread, VDict) else []
            for key, value in pairs:
                items.append(VDict(((VStr("name"), key, call.line, call.col), (VStr("value"), value, call.line, call.col))))
        return items

    def _join_parts(self, source: Source, ctx: SiteContext) -> list[Value]:
        columns: list[list[Value]] = []
        for part in source.join_parts:
            values = [as_text_value(v) for value in self.read_spec(part, ctx) for v in flatten(value)]
            columns.append(values or [VConst(None)])
        out: list[Value] = []
        for combination in product(*columns):
            kept = [p for p in combination if not (isinstance(p, VStr) and not p.value or isinstance(p, VConst) and p.value is None)]
            texts: list[str | Value] = []
            for part in kept:
                if texts:
                    texts.append(source.join_sep)
                texts.append(part)
            joined = join_text(texts)
            out.append(joined if joined is not None else VUnknown(source.join_sep.join(_short_text(p) for p in kept)))
            if len(out) >= MAX_VALUES:
                break
        return out

    def _annotation(self, which: int | str, ctx: SiteContext, items: bool = False) -> list[Value]:
        if ctx.decorated is None:
            return []
        scope = self.scope_of(ctx.decorated)
        if scope is None or scope.func is None:
            return []
        fn = scope.func
        if which == "return":
            annotation = fn.return_annotation
        else:
            params = [p for p in fn.params if p.kind in ("pos", "kwonly")]
            if scope.cls is not None and params and params[0].name in ("self", "cls"):
                params = params[1:]
            if self.patterns.injected:
                params = [p for p in params if not self._injected_param(p, Scope(scope.mod))]
            annotation = params[int(which)].annotation if int(which) < len(params) else None
        if annotation is None:
            return []
        if items:
            # a batch handler's list[Reading] / List[Reading] / Sequence[Reading]: the element class
            if not isinstance(annotation, ir.Sub):
                return []
            container = self.eval(annotation.value, Scope(scope.mod))
            if not (isinstance(container, VRef) and container.qname in LIST_ANNOTATIONS) or isinstance(annotation.index, ir.Seq):
                return []
            annotation = annotation.index
        value = self.eval(annotation, Scope(scope.mod))
        if isinstance(value, VRef) and (value.kind == "class" or value.kind == "external" and _could_be_event(value.qname)):
            return [VRef(value.qname, "class")]
        return []

    def _injected_param(self, param: ir.Param, scope: Scope) -> bool:
        """Whether the framework fills `param` itself (a pack's `injected` names): `logger: Logger`,
        `user=Context("message.headers.user")`, `db=Depends(get_db)`, `x: Annotated[str, Context()]`."""
        if isinstance(param.default, ir.Call) and self._is_injected(param.default.func, scope):
            return True
        annotation = param.annotation
        if annotation is None:
            return False
        if isinstance(annotation, ir.Sub) and isinstance(annotation.index, ir.Seq):
            # Annotated[T, Context("...")]: the metadata after the type says who fills it
            if any(isinstance(m, ir.Call) and self._is_injected(m.func, scope) for m in annotation.index.items[1:]):
                return True
        if isinstance(annotation, ir.Opaque):
            # the IR keeps `Annotated[str, Context("x")]` as text: the callables named after the first comma
            head, _, metadata = annotation.text.partition(",")
            if re.match(r"\s*(?:[\w.]+\.)?Annotated\s*\[", head):
                called = re.findall(r"([A-Za-z_][\w.]*)\s*\(", metadata)
                return any(self._is_injected(self._dotted_expr(name), scope) for name in called)
            return False
        return self._is_injected(annotation, scope)

    def _is_injected(self, expr: ir.Expr, scope: Scope) -> bool:
        value = self.eval(expr, scope)
        return isinstance(value, VRef) and value.kind == "external" and self.patterns.canonical(value.qname) in self.patterns.injected

    def _transform(self, source: Source, value: Value) -> tuple[list[Value], bool]:
        """The converted values, and whether a key may be there in a mapping that is not fully known."""
        values = [value]
        uncertain = False
        if source.keys:
            values = [k for v in flatten(value) if isinstance(v, VDict) for k, _, _, _ in v.items if k is not None]
        elif source.key is not None:
            values = []
            for item in flatten(value):
                found = _key_path(item, source.key)
                if found is not None:
                    values.append(found)
                elif isinstance(item, VDict):
                    uncertain = uncertain or any(k is None and not isinstance(v, VDict) for k, v, _, _ in item.items)
                elif not isinstance(item, VInst):
                    uncertain = True
        if source.match is not None:
            values = [v for v in values if _matches(source.match, v)]
        return [self._convert(source, v) for v in values], uncertain

    def _convert(self, source: Source, value: Value) -> Value:
        if source.map:
            literal = _map_key_of(value)
            for key, result in source.map:
                if key == literal:
                    value = _literal(result)
                    break
        regex = source.regex or source.match
        if regex is not None:
            text = value.value if isinstance(value, VStr) else value.text if isinstance(value, VTemplate) else None
            if text is not None:
                match = re.search(regex, text)
                if match and match.groups() and match.group(1) is not None:
                    group = match.group(1)
                    value = VTemplate(group) if "{" in group else VStr(group, value.origin if isinstance(value, VStr) else "")
        if source.placeholders is not None and isinstance(value, VStr) and "{" in value.value:
            value = VStr(re.sub(r"\{[A-Za-z_]\w*\}", lambda _: source.placeholders or "", value.value), value.origin)
        if source.format is not None:
            inner = as_text_value(value)
            if isinstance(inner, VStr):
                value = VStr(source.format.replace("{}", inner.value), inner.origin)
            elif isinstance(inner, (VTemplate, VParam, VUnknown)):
                value = VTemplate(source.format.replace("{}", "{" + _short_text(inner) + "}"), _has_param(inner))
        return value


@dataclass(frozen=True)
class SiteContext:
    """What a field spec can read from: the call, the receiver, the decorated function, the class."""

    call: ir.Call | None = None
    scope: Scope | None = None
    receiver: Value | None = None
    decorated: str | None = None
    cls_qname: str | None = None
    item: Value | None = None


def argument(call: ir.Call, index: int | None, keyword: str | None) -> ir.Expr | None:
    """The expression passed for a parameter, by keyword first, then by position."""
    if keyword is not None:
        for name, value in reversed(call.kwargs):
            if name == keyword:
                return value
            if name is None and isinstance(value, ir.DictE):  # f(**{"group.id": "x"})
                for item in reversed(value.items):
                    if isinstance(item.key, ir.Str) and item.key.value == keyword:
                        return item.value
    if index is not None:
        for position, arg in enumerate(call.args):
            if isinstance(arg, ir.Starred):
                return None
            if position == index:
                return arg
    return None


def join_text(parts: list[str | Value]) -> Value | None:
    """Concatenate known and unknown pieces: a string, a template, or None when nothing is known."""
    out: list[str] = []
    exact = True
    params = False
    known = False
    origins: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            known = known or bool(part)
        elif isinstance(part, VStr):
            out.append(part.value)
            known = True
            if part.origin and part.origin not in origins:
                origins.append(part.origin)
        elif isinstance(part, VConst) and part.value is not None and not isinstance(part.value, bool):
            out.append(str(part.value))
            known = True
        elif isinstance(part, VTemplate):
            out.append(part.text)
            exact = False
            known = True
            params = params or part.params
        else:
            out.append("{" + _short_text(part) + "}")
            exact = False
            params = params or isinstance(part, VParam)
    text = "".join(out)
    if exact:
        return VStr(text, "; ".join(origins))
    if not known and not params:
        return None
    return VTemplate(text, params)


def _matches(regex: str, value: Value) -> bool:
    """A `match:` source keeps a string (or template) whose text has group 1 of the expression in it."""
    text = value.value if isinstance(value, VStr) else value.text if isinstance(value, VTemplate) else None
    found = re.search(regex, text) if text is not None else None
    return found is not None and bool(found.groups()) and found.group(1) is not None


def _key_path(value: Value, key: str | tuple[str, ...]) -> Value | None:
    """The value under `key` (or under each key of a path in turn) of a known mapping or object."""
    for part in (key,) if isinstance(key, str) else key:
        if not isinstance(value, (VDict, VInst)):
            return None
        found = value.get(part)
        if found is None:
            return None
        value = found
    return value


def _literal_string_map(value: VDict) -> bool:
    """A dict literal whose keys and values are all plain strings (a routing table, not a registry)."""
    return bool(value.items) and all(isinstance(k, VStr) and isinstance(v, VStr) for k, v, _, _ in value.items)


def _entries(value: Value, index: Value) -> list[Value] | None:
    """The entries of a literal map (written in code, no `**spread`) that `index` can select: one for a
    literal key (or class), one per item of a set of literals, all of them for a key not known statically
    (read at run time); None when `value` is no such map or a key it must hold is missing."""
    if not isinstance(value, VDict) or value.source or not value.items or any(k is None for k, _, _, _ in value.items):
        return None
    if isinstance(index, VStr):
        found = value.get(index.value)
        return [found] if found is not None else None
    if isinstance(index, VSet):
        found_all = [value.get(item.value) for item in index.items]
        return [f for f in found_all if f is not None] if all(f is not None for f in found_all) else None
    if isinstance(index, VUnknown):
        return [v for _, v, _, _ in value.items]
    found = [v for k, v, _, _ in value.items if k == index]  # a class or object key known exactly
    return found[-1:] if found and isinstance(index, VRef) else None


def _sets_django_settings(call: ir.Call) -> bool:
    """`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "<module>")`."""
    return (
        isinstance(call.func, ir.Attr)
        and call.func.attr == "setdefault"
        and ir.unparse(call.func.value).endswith("environ")
        and len(call.args) == 2
        and isinstance(call.args[0], ir.Str)
        and call.args[0].value == "DJANGO_SETTINGS_MODULE"
        and isinstance(call.args[1], ir.Str)
    )


def flatten(value: Value) -> tuple[Value, ...]:
    """The items of a (nested) list value or of a set of possibilities; any other value stands alone."""
    if isinstance(value, VSet):
        return tuple(value.items)
    if isinstance(value, VList):
        out: list[Value] = []
        for item in value.items:
            out.extend(flatten(item))
        return tuple(out)
    return (value,)


def as_text_value(value: Value) -> Value:
    """A value as it would appear where a string is expected (objects give their bound `value`)."""
    if isinstance(value, VInst):
        for name in ("value", "channel"):
            bound = value.get(name)
            if bound is not None:
                return bound
    return value


def _other_arm(fn: ir.Function, assigned: int, used: int) -> bool:
    """Whether an assignment at line `assigned` is in one arm of an `if` and the use at `used` in the other."""
    return any(a.body_first <= assigned <= a.body_last and a.other_first <= used <= a.other_last for a in fn.arms)


def _positional_returns(returns: tuple[ir.Expr, ...]) -> ir.Expr | None:
    """A function with several `return`s, one of them a tuple (`return producer, consumer`): one tuple whose
    items are the choice of each position's items, when every return (a `return None` or `return []` left out, as
    a placeholder nothing is unpacked or sent from) is a tuple of the same length with no starred item; None
    otherwise (the positions cannot be matched up: the value stays unknown rather than taken from the last `return`)."""
    seqs = [r for r in returns if not (type(r) is ir.Const and r.value is None or type(r) is ir.Seq and not r.items)]
    if not seqs or not all(type(r) is ir.Seq for r in seqs):
        return None
    width = len(seqs[0].items)  # type: ignore[union-attr]
    if any(len(r.items) != width or any(type(i) is ir.Starred for i in r.items) for r in seqs):  # type: ignore[union-attr]
        return None
    if len(seqs) == 1:
        return seqs[0]
    return ir.Seq(tuple(ir.Choice(tuple(r.items[i] for r in seqs)) for i in range(width)))  # type: ignore[union-attr]


# list methods that replace or move the items a literal put in place (`append`/`extend` only add after them)
_CHANGES_A_LIST = frozenset({"insert", "pop", "remove", "reverse", "sort", "clear"})


def _sequence_changed(fn: ir.Function, name: str, since: int, until: int) -> bool:
    """Whether the list bound to `name` at line `since` is changed before line `until` (`items[1] = x`,
    `items.insert(0, x)`): its items by position are then no longer the literal's."""
    if any(store.target == name and since < store.line < until for store in fn.stores):
        return True
    for call in fn.calls:
        func = call.func
        if since < call.line < until and type(func) is ir.Attr and func.attr in _CHANGES_A_LIST:
            if type(func.value) is ir.Name and func.value.id == name:
                return True
    return False


def _placeholder_alternative(fn: ir.Function, before: list[ir.Assign], used: int) -> ir.Assign | None:
    """For `name = None` in one arm of an `if` whose other arm assigns something else, read below both arms
    (`if enabled: producer = Producer(...)` / `else: producer = None`): the other arm's last assignment. The
    None is a placeholder nothing is sent with, as in a conditional expression (`Choice`); an arm that leaves
    the function (its other range runs to the end) is not an alternative, and nothing else is merged."""
    placeholder = before[-1]
    for arms in fn.arms:
        if arms.other_last == ir.END_OF_FUNCTION or used <= max(arms.body_last, arms.other_last):
            continue
        if arms.body_first <= placeholder.line <= arms.body_last:
            first, last = arms.other_first, arms.other_last
        elif arms.other_first <= placeholder.line <= arms.other_last:
            first, last = arms.body_first, arms.body_last
        else:
            continue
        for assign in reversed(before):
            if first <= assign.line <= last:
                if type(assign.value) is ir.Const:
                    return None
                return assign
        return None
    return None


def _env_prefix(mod: ModInfo, cls: ir.Class) -> str | None:
    """A settings class's literal `env_prefix` (`model_config = SettingsConfigDict(env_prefix=...)` or
    `class Config: env_prefix = ...`); "" when it declares a configuration without one; None when it declares none
    or one eventlint cannot read (then nothing is looked up under a guessed name)."""
    for assign in cls.attrs:
        if assign.target == "model_config" and isinstance(assign.value, ir.Call):
            for key, value in assign.value.kwargs:
                if key == "env_prefix":
                    return value.value if isinstance(value, ir.Str) else "\x00"
            return ""
    inner = mod.classes.get(f"{cls.name}.Config")
    if inner is not None:
        for assign in inner.attrs:
            if assign.target == "env_prefix":
                return assign.value.value if isinstance(assign.value, ir.Str) else "\x00"
        return ""
    return None


def _annotated_field(annotation: ir.Expr) -> bool:
    """Whether an annotation may carry a field specifier (`Annotated[str, Field(alias="X")]`, kept as text)."""
    return isinstance(annotation, ir.Opaque) and "Field(" in annotation.text


_ANNOTATED = re.compile(r"\s*(?:typing\.|typing_extensions\.)?Annotated\s*\[(.*)\]\s*", re.S)


def _annotated_head(text: str) -> str:
    """The type of an `Annotated[T, metadata...]` annotation kept as text (`T`, up to the first top-level comma);
    any other text unchanged."""
    match = _ANNOTATED.fullmatch(text)
    if match is None:
        return text
    inner, depth = match.group(1), 0
    for i, char in enumerate(inner):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            return inner[:i].strip()
    return inner.strip()


def cannot_bind(entry: tuple[ModInfo, ir.Function] | None, call: ir.Call) -> bool:
    """A call of a module-level function that leaves one of its required parameters without a value
    (`produce_message("updated", payload)` for `def produce_message(topic, key, value)`): Python raises TypeError
    before the body runs, so nothing is sent from there. Unknown when the call unpacks `*args` or `**kwargs`."""
    if entry is None:
        return False
    fn = entry[1]
    if "." in fn.name or any(isinstance(a, ir.Starred) for a in call.args) or any(k is None for k, _ in call.kwargs):
        return False  # a method (its receiver fills the first parameter) or an unpacking: not judged
    if any(p.kind == "star" for p in fn.params) and len(call.args) > sum(p.kind == "pos" for p in fn.params):
        return False
    given = {k for k, _ in call.kwargs}
    positional = [p for p in fn.params if p.kind == "pos"]
    for index, param in enumerate(positional):
        if param.default is None and index >= len(call.args) and param.name not in given:
            return True
    return any(p.kind == "kwonly" and p.default is None and p.name not in given for p in fn.params)


def _recursive(func: ir.Function, scope: Scope) -> bool:
    """Whether `scope` is inside an evaluation of `func` already: itself, or a caller up its chain of bound scopes."""
    here: Scope | None = scope
    while here is not None:
        if here.func is func:
            return True
        here = here.args.caller if here.args is not None else None
    return False


def _reason_of(value: Value) -> str:
    """Why a value built from `value` stays unknown."""
    if isinstance(value, VUnknown):
        return value.reason
    if isinstance(value, VParam) or isinstance(value, VTemplate) and value.params:
        return "parameter"
    if isinstance(value, VRef) and value.kind == "external":
        return "import-not-resolved"
    return "not-static"


def _has_param(value: Value) -> bool:
    return isinstance(value, VParam) or isinstance(value, VTemplate) and value.params


def _says_something(value: Value) -> bool:
    return not isinstance(value, (VUnknown, VParam)) and not (isinstance(value, VConst) and value.value is None)


LIST_ANNOTATIONS = frozenset(
    {"builtins.list", "builtins.tuple", "typing.List", "typing.Tuple", "typing.Sequence", "collections.abc.Sequence", "typing.Iterable", "collections.abc.Iterable"}
)


def _could_be_event(qname: str) -> bool:
    root = qname.split(".")[0]
    return root not in STDLIB and root not in ("pydantic", "typing")


def _literal(raw: object) -> Value:
    if isinstance(raw, str):
        return VStr(raw)
    if raw is None or isinstance(raw, (bool, int, float)):
        return VConst(raw)
    return VUnknown(repr(raw))


def _map_key_of(value: Value) -> str | None:
    if isinstance(value, VConst):
        if isinstance(value.value, bool):
            return "true" if value.value else "false"
        return str(value.value)
    if isinstance(value, VStr):
        return value.value
    if isinstance(value, VRef):  # an enum member: AckPolicy.MANUAL
        return value.qname.rsplit(".", 1)[-1]
    return None


def _short_text(value: Value) -> str:
    match value:
        case VUnknown(text):
            return text
        case VRef(qname, _):
            return qname.rsplit(".", 1)[-1]
        case VParam(_, name, _):
            return name
        case VTemplate(text):
            return text
        case VStr(text):
            return text
        case VInst(type_name):
            return type_name.rsplit(".", 1)[-1]
        case VMethod(obj, name):
            return f"{_short_text(obj)}.{name}"
    return "?"


def _path_module_name(path: str) -> str:
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_ancestor(root: str, other: str) -> bool:
    return root == "" or other == root or other.startswith(root + "/")


def _root_visible(root: str, importer_root: str) -> bool:
    """Whether a module under sys.path root `root` is importable from code whose own root is `importer_root`.

    The importer's folder and every folder above it are plausible sys.path entries (the
    script's directory, a working directory, an editable install); a `src/` folder
    counts as the folder that contains it (a service run from its own folder with
    `src/` on the path).
    """
    if _is_ancestor(root, importer_root):
        return True
    if root == "src" or root.endswith("/src"):
        return _is_ancestor(root[:-4].rstrip("/"), importer_root)
    return False


def _namespace_names(path: str, sys_root: str) -> list[tuple[str, str]]:
    """(dotted name, sys.path root) for each folder above a module's own root (PEP 420 namespace packages).

    `scripts/utils/kafka.py` (no `__init__.py` anywhere) is `kafka` with `scripts/utils` on
    sys.path, `utils.kafka` with `scripts` on it, and `scripts.utils.kafka` from the root.
    """
    parts = (path[:-3] if path.endswith(".py") else path).split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    depth = len(sys_root.split("/")) if sys_root else 0
    out: list[tuple[str, str]] = []
    for cut in range(depth, -1, -1):
        if cut < len(parts):
            out.append((".".join(parts[cut:]), "/".join(parts[:cut])))
    return out


_BUILTINS = frozenset({"str", "dict", "list", "tuple", "set", "frozenset", "sorted", "bytes", "int", "float", "bool", "print", "len", "getattr", "isinstance", "open", "type"})


ReadNames = tuple[bool, tuple[str, ...], tuple[int, ...]]  # `Project.read_names`


def resolve_again(
    project: Project,
    reads: dict[str, ReadNames],
    write_reads: dict[str, ReadNames],
    changed: dict[str, str],
    keys: Iterable[str],
    resolve: Callable[[set[str]], dict[str, set[str]]],
    max_share: float = 1.0,
) -> tuple[set[str], set[str], str | None]:
    """The modules an edit makes resolve again, from what a stored run recorded per module (#18 item 3): what its
    facts were read from (`reads`) and what computing its summary writes read (`write_reads`), as `read_names`.

    `changed` maps the path of each changed file (edited, added or removed) to its module's name; `keys` are the
    names a file that came or went changes (`mod:`, `import:`, `path:`). `project` is the current one (a path it
    does not hold reads back VOLATILE). Resolved again first: the changed modules and every module whose records
    meet them or VOLATILE. `resolve(names)` resolves those modules and returns, per module, the summary keys
    whose entries it now writes differently from its stored writes (`Reads.writes`; a module whose file is gone
    writes nothing); the stored readers of each such key join, until nothing new changes. Returns (the modules
    resolved again, the summary keys that changed, None), or with a reason when a full run is the better choice
    (more than `max_share` of the modules). Not wired into runs yet: `tests/extract/test_incremental_writes.py`
    proves it against full resolutions."""
    tracked = project.reads
    assert tracked is not None, "the project does not track reads"
    nothing: ReadNames = (False, (), ())
    stored = {
        name: project.read_bits(*reads.get(name, nothing)) | project.read_bits(*write_reads.get(name, nothing))
        for name in set(reads) | set(write_reads)
    }
    edit = VOLATILE
    for path in changed:
        info = project._by_path.get(path)
        edit |= info.bit if info is not None else 0
    for key in keys:
        edit |= tracked.key(key)
    todo = set(changed.values()) | {name for name, bits in stored.items() if bits & edit}
    again: set[str] = set()
    summaries: set[str] = set()
    known = len(set(stored) | set(changed.values()) | {info.name for info in project._by_path.values()})
    while todo:
        again |= todo
        if len(again) > max_share * known:
            return again, summaries, f"{len(again)} of {known} modules would be resolved again"
        new = set().union(*resolve(todo).values()) - summaries
        summaries |= new
        hit = 0
        for key in new:
            hit |= tracked.key(key)
        todo = {name for name, bits in stored.items() if bits & hit} - again
    return again, summaries, None
