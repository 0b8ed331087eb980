"""Matching the framework patterns against the resolved code: the publication and subscription sites.

Three passes over the project IR:
1. direct sites: calls, decorators and handler registries that a pattern names;
2. call sites of wrappers: a project function whose site takes its destination
   from a parameter (or whose client arrives as an unannotated parameter) is
   evaluated again at each of its call sites with the parameters bound to the
   caller's arguments, repeatedly for wrappers of wrappers;
3. records: values turned into facts (event, channel, handler names; payload
   fields; the consuming loop's handler for polling consumers).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from eventlint.extract import ir, payload_schema
from eventlint.extract.dispatch import Dispatch, Route
from eventlint.extract.patterns import SitePattern, Spec
from eventlint.extract.payload_schema import SchemaInference
from eventlint.extract.serializers import Detected, SerializerFinder
from eventlint.extract.resolve import (
    LAST_LINE,
    PASS_THROUGH,
    SERIALISER_METHODS,
    STDLIB,
    ArgBinding,
    Evaluator,
    ModInfo,
    Project,
    Scope,
    SiteContext,
    argument,
    as_text_value,
    cannot_bind,
    flatten,
)
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
from eventlint.extract.values import DERIVED
from eventlint.facts import Binding, Publication, Subscription

MAX_WRAPPER_DEPTH = 6
MAX_RECORDS_PER_SITE = 64
MAX_FACTORY_DEPTH = 3
DESTINATION_FIELDS = ("event", "channel", "handler", "queue", "exchange", "routing_key")
SERIALISERS = PASS_THROUGH - {"functools.partial", "functools.wraps", "asyncio.create_task", "asyncio.ensure_future", "typing.cast"}



@dataclass(frozen=True)
class Shape:
    """What is known of a payload: its top-level fields, the event it names, literal types.

    `partial` says fields may be missing from `fields` (a `**spread`, a key not
    known statically, `.update(...)` after the literal).
    """

    fields: tuple[str, ...] | None = None
    event: str | None = None
    types: tuple[tuple[str, str], ...] = ()
    partial: bool = False
    cls: str | None = None  # the project class the payload is built from
    schema: str | None = None  # the inferred JSON Schema of the payload, as JSON text (extract/payload_schema.py)
    schema_format: str | None = None  # set when `schema` is a serializer's (extract/serializers.py): avro, json-schema
    subject_strategy: str | None = None  # the serializer's `subject.name.strategy`, when its conf states one
    schema_unresolved: str | None = None  # why a known serializer's schema stays unknown (extract/protos.py)


NO_SHAPE = Shape()


@dataclass(frozen=True)
class Origin:
    """What is needed to evaluate a call site again under other bindings."""

    pattern: SitePattern
    call: ir.Call
    scope: Scope


@dataclass(frozen=True)
class Found:
    """A matched site before it becomes a fact: values still symbolic."""

    pattern: SitePattern
    mod: ModInfo
    line: int
    col: int
    function: str | None
    values: tuple[tuple[str, tuple[Value, ...]], ...]
    origin: Origin | None = None
    payload: Shape = NO_SHAPE
    key: str | None = None
    handler: tuple[str | None, str | None] | None = None
    via: tuple[str, ...] = ()
    headers: tuple[str, ...] | None = None
    # a decorator applied by hand (`app.agent(channel)(fn)`): the function holding that call, whose callers
    # bind its parameters; `function` stays the decorated one, as for `@`
    wrapper: str | None = None
    key_serializer: Detected | None = None  # the serializer that writes the key (extract/serializers.py)
    decoder: Detected | None = None  # the deserializer a consumer decodes values with (extract/serializers.py)

    def get(self, name: str) -> tuple[Value, ...]:
        for key, values in self.values:
            if key == name:
                return values
        return ()


@dataclass(frozen=True)
class Candidate:
    """A call that could be a site once its unannotated client parameter is known at a call site."""

    call: ir.Call
    scope: Scope
    function: str


class SiteFinder:
    """Finds every site of the project and turns it into facts."""

    def __init__(self, project: Project, services: dict[str, str | None], payload_event_keys: tuple[str, ...]) -> None:
        self.project = project
        self.patterns = project.patterns
        self.ev = Evaluator(project)
        self.inference = SchemaInference(project, self.ev)
        self.serializers = SerializerFinder(self.ev)
        self.services = services
        self.payload_event_keys = payload_event_keys
        self.candidates: list[Candidate] = []
        # names holding consumed messages in functions that run a consuming loop
        self.loop_messages: dict[str, set[str]] = {}
        # of those, the names that hold the transport's own record (the loop variable, `msg = consumer.poll()`)
        self.loop_seeds: dict[str, set[str]] = {}
        self._site_methods = {key.rsplit(".", 1)[-1] for key in self.patterns.call_sites}
        self._by_terminal: dict[str, list[tuple[Scope, ir.Call]]] | None = None
        self._subclass_index: dict[str, list[str]] | None = None
        # with `Project(track=True)`: per module, the `Reads` bits of its direct sites (`direct`), of the sites
        # derived at its calls of wrappers (`through_wrappers`) and of its records (`records`); `module_reads`
        # gives all three. Read as wholes (summaries, `resolve.Reads`): the wrappers asked for, and in order
        # what each consuming loop's function was found to receive.
        self.direct_reads: dict[str, int] = {}
        self.wrapper_reads: dict[str, int] = {}
        self.record_reads: dict[str, int] = {}
        self.wrappers_asked: set[str] = set()
        self.loop_log: list[tuple[str, frozenset[str], frozenset[str]]] = []
        # wrappers evaluated again at one or more call sites: their own parameters are not unknowns
        self.bound_wrappers: set[str] = set()
        self.dispatch = Dispatch(project, self.ev, payload_event_keys)
        # a subscription whose consumer is handed to a shared loop with a handler map (`run_loop(consumer,
        # HANDLERS)`): the loop's scope bound to that call, by (module, line, column) of the subscribing call
        self.loop_bindings: dict[tuple[str, int, int], Scope] = {}
        self._runs_in_memo: dict[str, tuple[str, ...]] = {}

    # -- pass 1: direct sites ------------------------------------------------------

    def direct(self) -> list[Found]:
        found: list[Found] = []
        reads = self.project.reads
        for mod in sorted(self.project.mods.values(), key=lambda m: m.name):
            if reads is not None:
                reads.bits = mod.bit
                reads.writer = mod.name
            for fn in mod.ir.functions:
                scope = Scope(mod, fn, self.ev.class_of(mod, fn))
                owner = self._cls_qname(scope) if fn.name != ir.MODULE_BODY else None
                subclasses = self._subclasses_of(owner) if owner is not None else ()
                for call in fn.calls:
                    sites = list(self._call_sites(scope, call, collect=True))
                    found.extend(self._with_subclasses(sites, subclasses, lambda sub: self._call_sites(replace(scope, self_type=sub), call)))
                if fn.decorators:
                    sites = list(self._decorator_sites(mod, fn))
                    found.extend(self._with_subclasses(sites, subclasses, lambda sub: self._decorator_sites(mod, fn, sub)))
            for cls in mod.ir.classes:
                scope = Scope(mod, None, cls)
                for call in cls.calls:
                    found.extend(self._call_sites(scope, call))
            found.extend(self._registries(mod))
            if self.patterns.settings:
                found.extend(self._settings(mod))
            if reads is not None:
                # what this module's direct sites were read from (`resolve.Reads`): an edit elsewhere that
                # meets none of it leaves them as they are
                self.direct_reads[mod.name] = reads.bits
                reads.bits = 0
        if reads is not None:
            reads.writer = None
        return found

    def _call_sites(self, scope: Scope, call: ir.Call, collect: bool = False) -> Iterator[Found]:
        mod = scope.mod
        if isinstance(call.func, ir.Call) and call.args and self.patterns.decorator_sites:
            yield from self._applied_decorator(scope, call)
        callee = self.ev.eval(call.func, scope, call.line)
        patterns: list[SitePattern] = []
        if isinstance(callee, VRef) and callee.kind == "external" and self._unbound_method(callee.qname):
            return  # `Producer.produce(...)` read off the class (a `Type[Producer]`): no client is used there
        for key in self.ev.callable_keys(callee):
            patterns.extend(self.patterns.call_sites.get(key, ()))
            if patterns:
                break
        untyped = callee.name if isinstance(callee, VMethod) and not isinstance(callee.obj, (VInst, VStr, VRef)) else None
        if untyped is None and isinstance(callee, VUnknown) and _relative_unresolved(call.func, mod):
            untyped = call.func.attr  # `from . import process` that names no module here: `process.cast(...)`
        if not patterns and untyped is not None:
            for pattern in self.patterns.untyped_sites.get(untyped, ()):
                modules = self.patterns.frameworks[pattern.framework].modules
                if any(m.split(".")[0] in mod.imported_roots for m in modules):
                    patterns.append(pattern)
        if not patterns:
            if collect and scope.func is not None and isinstance(call.func, ir.Attr) and call.func.attr in self._site_methods:
                if self._param_tainted(call.func.value, scope.func):
                    function = self.project.function_qname(mod, scope.func)
                    self.candidates.append(Candidate(call, scope, function))
            return
        # calling an instance (`self.publish(msg)` on nameko's Publisher) reads the instance's own binds
        receiver = callee.obj if isinstance(callee, VMethod) else callee if isinstance(callee, VInst) else None
        if isinstance(callee, VUnknown) and isinstance(call.func, ir.Attr):
            # the unresolved object itself: what the site reads from it stays unknown, for that reason
            receiver = VUnknown(ir.unparse(call.func.value), callee.reason)
        cls_qname = self._cls_qname(scope)
        if isinstance(receiver, VInst) and receiver.project and cls_qname == receiver.type:
            # `self.subscribe(...)` inside the bus class itself is its implementation, not a use of it
            patterns = [p for p in patterns if p.target.rsplit(".", 1)[0] != receiver.type]
        for pattern in patterns:
            ctx = SiteContext(call=call, scope=scope, receiver=receiver, cls_qname=cls_qname)
            yield from self._build(pattern, scope, call.line, call.col, ctx, origin=Origin(pattern, call, scope))

    def _unbound_method(self, qname: str) -> bool:
        """Whether `qname` is a method of a client type eventlint knows, read off the class itself."""
        owner = qname.rpartition(".")[0]
        return bool(owner) and self.patterns.is_type(self.patterns.canonical(owner))

    def _applied_decorator(self, scope: Scope, call: ir.Call) -> Iterator[Found]:
        """`app.agent(channel)(process)`: a decorator applied by hand to a project function registers it as `@` would."""
        inner = call.func
        assert isinstance(inner, ir.Call)
        target = self.ev.eval(call.args[0], scope, call.line)
        if not (isinstance(target, VRef) and target.kind == "function"):
            return
        callee = self.ev.eval(inner.func, scope, inner.line)
        keys = [self.patterns.canonical(callee.qname)] if isinstance(callee, VRef) and callee.kind == "external" else self.ev.callable_keys(callee)
        receiver = callee.obj if isinstance(callee, VMethod) else None
        # the site is this call, inside this function: a channel passed in as a parameter is bound at its callers
        function = self.project.function_qname(scope.mod, scope.func) if scope.func is not None else None
        for key in keys:
            patterns = self.patterns.decorator_sites.get(key, ())
            for pattern in patterns:
                ctx = SiteContext(call=inner, scope=scope, receiver=receiver, decorated=target.qname, cls_qname=self._cls_qname(scope))
                origin = Origin(pattern, call, scope)
                for found in self._build(pattern, scope, call.line, call.col, ctx, origin=origin, decorated=target.qname):
                    yield replace(found, wrapper=function)
            if patterns:
                return

    def _cls_qname(self, scope: Scope) -> str | None:
        """The class whose code this is, looking through nested functions to their method."""
        if scope.self_type is not None:
            return scope.self_type
        if scope.cls is not None:
            return f"{scope.mod.name}.{scope.cls.name}"
        fn = scope.func
        while fn is not None and fn.cls is None and fn.parent:
            fn = scope.mod.functions.get(fn.parent)
        return f"{scope.mod.name}.{fn.cls}" if fn is not None and fn.cls else None

    def _param_tainted(self, expr: ir.Expr, fn: ir.Function) -> bool:
        """Whether `expr` is built from a parameter of `fn` (other than self), through local assignments."""
        params = {p.name for p in fn.params[1 if fn.cls else 0 :]}
        seen: set[str] = set()
        todo = list(ir.names_in(expr))
        while todo:
            name = todo.pop()
            if name in seen or "." in name:
                continue
            seen.add(name)
            if name in params:
                return True
            for assign in fn.assigns:
                if assign.target == name:
                    todo.extend(ir.names_in(assign.value))
        return False

    def _with_subclasses(self, sites: list[Found], subclasses, evaluate) -> list[Found]:
        """A site in a method, and the same site evaluated for each subclass that inherits the method.

        A subclass's evaluation is kept when it names a channel, event or handler the base's does not
        (`topic = "orders.placed"` on the subclass, its own `handle`); the base's own records are then
        dropped when they name nothing: an abstract base's `self.topic` is never sent to as such.
        """
        if not sites or not subclasses:
            return sites
        derived: list[Found] = []
        for sub in subclasses:
            own = [f for f in evaluate(sub) if not self._handler_left_to_subclasses(f)]
            derived.extend(_new_destinations(sites + derived, iter(own)))
        if not derived:
            return sites
        kept = [f for f in sites if _names_something(f)]
        return kept + derived

    def _handler_left_to_subclasses(self, found: Found) -> bool:
        """The site, evaluated for an intermediate class, names as its handler a method that class does not define
        (`callbacks=[self.on_message]` in a base whose subclasses define `on_message`): no handler of that class, and
        not a record of its own; the subclasses that define it have theirs."""
        return any(
            isinstance(v, VMethod) and isinstance(v.obj, VInst) and v.obj.project and self.ev.method_function(v.obj, v.name) is None
            for v in found.get("handler")
        )

    def _subclasses_of(self, owner: str) -> list[str]:
        """The project classes that inherit from `owner`; a question reading it depends on that list as a whole
        (a summary of every class, `resolve.Reads`), not on each class read to build it."""
        reads = self.project.reads
        if reads is None:
            return self._subclasses().get(owner, [])
        before = reads.bits
        found = self._subclasses().get(owner, [])
        reads.bits = before | reads.key(f"#subclasses:{owner}")
        return found

    def _subclasses(self) -> dict[str, list[str]]:
        """Project classes by each of their (transitive) bases, sorted: whose inherited methods run for whom."""
        if self._subclass_index is None:
            index: dict[str, list[str]] = defaultdict(list)
            reads = self.project.reads
            for qname in sorted(self.project.classes):
                if reads is not None:
                    reads.bits = 0
                bases = self.ev.class_bases(qname)
                for base in bases:
                    index[base].append(qname)
                if reads is not None:  # written by the class's module, from what its bases were resolved through
                    module = dict.__getitem__(self.project.classes, qname)[0].name
                    reads.write_reads[module] = reads.write_reads.get(module, 0) | reads.bits
                    for base in bases:
                        reads.wrote(f"#subclasses:{base}", qname, module)
            self._subclass_index = index
        return self._subclass_index

    def _decorator_sites(self, mod: ModInfo, fn: ir.Function, self_type: str | None = None) -> Iterator[Found]:
        cls = self.ev.class_of(mod, fn)
        scope = self.ev.enclosing_scope(mod, fn)
        decorated = self.project.function_qname(mod, fn)
        for dec in fn.decorators:
            expr = dec.expr
            call = expr if isinstance(expr, ir.Call) else None
            callee = self.ev.eval(call.func if call is not None else expr, scope, dec.line)
            if call is not None:
                keys = self.ev.callable_keys(callee)
                if isinstance(callee, VInst):
                    keys = [callee.type, *keys]
            elif isinstance(callee, VInst):
                keys = [callee.type]
            elif isinstance(callee, VRef) and callee.kind == "external":
                keys = [self.patterns.canonical(callee.qname)]
            else:
                keys = self.ev.callable_keys(callee) if isinstance(callee, VMethod) else []
            receiver = callee.obj if isinstance(callee, VMethod) else callee if isinstance(callee, VInst) else None
            for key in keys:
                patterns = self.patterns.decorator_sites.get(key, ())
                for pattern in patterns:
                    ctx = SiteContext(
                        call=call,
                        scope=scope,
                        receiver=receiver,
                        decorated=decorated,
                        cls_qname=self_type or (f"{mod.name}.{cls.name}" if cls is not None else None),
                    )
                    yield from self._build(pattern, scope, dec.line, dec.col, ctx, decorated=decorated)
                if patterns:
                    break

    def _registries(self, mod: ModInfo) -> Iterator[Found]:
        for pattern in self.patterns.registries:
            if pattern.registry_assigned is not None:
                for name, bindings in sorted(mod.globals.items()):
                    fn, assign = bindings[-1]
                    if fnmatchcase(name, pattern.registry_assigned) and isinstance(assign.value, ir.DictE):
                        yield from self._registry_entries(pattern, mod, Scope(mod, fn), assign.value)
                continue
            for fn in mod.ir.functions:
                scope = Scope(mod, fn, self.ev.class_of(mod, fn))
                for call in fn.calls:
                    callee = self.ev.eval(call.func, scope, call.line)
                    if pattern.registry_call not in self.ev.callable_keys(callee):
                        continue
                    expr = argument(call, pattern.registry_arg, pattern.registry_kw)
                    where = scope
                    if isinstance(expr, ir.Name):
                        defined = self.ev.definition(expr.id, scope, call.line)
                        if defined is not None:
                            expr, where = defined[0], defined[1]
                    if isinstance(expr, ir.DictE):
                        yield from self._registry_entries(pattern, where.mod, where, expr)

    def _registry_entries(self, pattern: SitePattern, mod: ModInfo, scope: Scope, mapping: ir.DictE) -> Iterator[Found]:
        field = "event" if pattern.registry_key == "event" else "channel"
        for item in mapping.items:
            if item.key is None:
                continue
            key = self.ev.eval(item.key, scope, item.line)
            handlers = self.ev.eval(item.value, scope, item.line)
            values = ((field, (key,)), ("handler", flatten(handlers)))
            yield Found(pattern, mod, item.line, item.col, None, values)

    def _settings(self, mod: ModInfo) -> Iterator[Found]:
        """Each entry of a mapping given to a framework setting: `app.conf.beat_schedule = {...}`,
        `app.conf.update(beat_schedule={...})`, `CELERY_BEAT_SCHEDULE = {...}` in a configuration module."""
        for pattern in self.patterns.settings:
            owner, _, setting = pattern.target.rpartition(".")
            for fn in mod.ir.functions:
                scope = Scope(mod, fn, self.ev.class_of(mod, fn))
                at_module = fn.name == ir.MODULE_BODY
                for assign in fn.assigns:
                    if at_module and assign.target in pattern.setting_assigned:
                        yield from self._setting_entries(pattern, scope, assign.value, assign.line)
                    elif setting and assign.target.endswith("." + setting):
                        path = assign.target[: -len(setting) - 1].split(".")
                        base: ir.Expr = ir.Name(path[0])
                        for attr in path[1:]:
                            base = ir.Attr(base, attr)
                        if self._is_setting_owner(base, owner, scope, assign.line):
                            yield from self._setting_entries(pattern, scope, assign.value, assign.line)
                for call in fn.calls:
                    func = call.func
                    if not setting or not (isinstance(func, ir.Attr) and func.attr == "update"):
                        continue
                    for name, value in call.kwargs:
                        if name == setting and self._is_setting_owner(func.value, owner, scope, call.line):
                            yield from self._setting_entries(pattern, scope, value, call.line)

    def _is_setting_owner(self, expr: ir.Expr, owner: str, scope: Scope, line: int) -> bool:
        """Whether `expr` (`app.conf`) is the settings object `owner` (`celery.Celery.conf`) of a framework object."""
        attrs: list[str] = []
        while isinstance(expr, ir.Attr):
            attrs.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ir.Name) or not attrs:
            return False
        value = self.ev.eval(expr, scope, line)
        if not isinstance(value, VInst) or value.project:
            return False
        suffix = ".".join(reversed(attrs))
        return f"{self.patterns.canonical(value.type)}.{suffix}" == owner

    def _setting_entries(self, pattern: SitePattern, scope: Scope, expr: ir.Expr, line: int) -> Iterator[Found]:
        if isinstance(expr, ir.Name):
            defined = self.ev.definition(expr.id, scope, line)
            if defined is not None:
                expr, scope, line = defined[0], defined[1], defined[2]
        if not isinstance(expr, ir.DictE):
            return
        reads = [src.item for _, spec in pattern.fields for src in spec if src.item is not None]
        for entry in expr.items:
            if entry.key is None:
                continue
            item = self.ev.eval(entry.value, scope, entry.line)
            if not isinstance(item, VDict):
                continue
            # the entry's line, or that of the first field the site reads (`'task': 'proj.tasks.add'`)
            at = (entry.line, entry.col)
            if isinstance(entry.value, ir.DictE):
                for field in entry.value.items:
                    if isinstance(field.key, ir.Str) and reads and field.key.value == reads[0]:
                        at = (field.line, field.col)
            ctx = SiteContext(scope=scope, item=item, cls_qname=self._cls_qname(scope))
            yield from self._build(pattern, scope, at[0], at[1], ctx)

    def _build(
        self,
        pattern: SitePattern,
        scope: Scope,
        line: int,
        col: int,
        ctx: SiteContext,
        origin: Origin | None = None,
        decorated: str | None = None,
    ) -> Iterator[Found]:
        items: list[Value | None] = [None]
        if pattern.each is not None:
            items = [i for v in self.ev.read_spec(pattern.each, ctx) for i in flatten(v)]
            if not items:
                items = self._appended(pattern.each, ctx)
        function = decorated or (self.project.function_qname(scope.mod, scope.func) if scope.func is not None else None)
        for item in items:
            # every item of one call is reported at the call's first line: the site is the call
            item_ctx = replace(ctx, item=item) if item is not None else ctx
            values: list[tuple[str, tuple[Value, ...]]] = []
            handler: tuple[str | None, str | None] | None = None
            for name, spec in pattern.fields:
                if name in ("payload", "key", "headers"):
                    continue
                if name == "handler":
                    read, handler = self._handler(spec, item_ctx, scope)
                else:
                    read = self.ev.read_spec(spec, item_ctx)
                values.append((name, tuple(v for value in read for v in flatten(value))))
            routed = any(s.routed for s in pattern.spec("handler") or ())  # the decorated route only lists subscriptions
            if pattern.form == "decorator" and decorated is not None and not any(n == "handler" and v for n, v in values) and handler is None and not routed:
                values = [(n, v) for n, v in values if n != "handler"] + [("handler", (VRef(decorated, "function"),))]
            present = {name for name, vals in values if vals} | ({"handler"} if handler is not None else set())
            if any(required not in present for required in pattern.requires):
                continue
            yield Found(
                pattern,
                scope.mod,
                line,
                col,
                function,
                tuple(values),
                origin=origin,
                payload=self._payload(pattern.spec("payload"), item_ctx),
                key=self._key(pattern.spec("key"), item_ctx),
                key_serializer=self._key_serializer(pattern.spec("key"), item_ctx) if pattern.kind == "publish" else None,
                decoder=self.serializers.decoder(ctx.call, ctx.scope) if pattern.kind == "subscribe" and ctx.call and ctx.scope else None,
                handler=handler,
                headers=self._headers(pattern, item_ctx),
            )

    def _appended(self, spec: Spec, ctx: SiteContext) -> list[Value]:
        """The items of a list the function starts empty and fills before the call (`entries.append(...)` in a
        loop): what each `append` / `extend` before the call adds, so `put_events(Entries=entries)` is not lost."""
        call, scope = ctx.call, ctx.scope
        if call is None or scope is None or scope.func is None:
            return []
        out: list[Value] = []
        for source in spec:
            expr = argument(call, source.arg, source.kw)
            if not isinstance(expr, ir.Name):
                continue
            for other in scope.func.calls:
                func = other.func
                if (
                    isinstance(func, ir.Attr)
                    and isinstance(func.value, ir.Name)
                    and func.value.id == expr.id
                    and func.attr in ("append", "extend")
                    and len(other.args) == 1
                    and other.line <= call.line
                    and other is not call
                ):
                    added = self.ev.eval(other.args[0], scope, other.line)
                    out.extend(flatten(added) if func.attr == "extend" else [added])
            if out:
                break
        return out[:MAX_RECORDS_PER_SITE]

    def _handler(self, spec: Spec, ctx: SiteContext, scope: Scope) -> tuple[list[Value], tuple[str | None, str | None] | None]:
        """Handler values from the first source that yields one; `loop` follows a polling consumer."""
        for source in spec:
            if source.loop:
                if ctx.call is not None:
                    return [], self._loop_handler(scope, ctx.call)
                continue
            values = self.ev.read_source(source, ctx)
            if source.routed:
                values = [routed for v in values for routed in self._routed(v, scope)]
            if values:
                return values, None
        return [], None

    def _routed(self, path: Value, scope: Scope) -> list[Value]:
        """The function a module routes `path` to: `@app.route("/orders", methods=["POST"])`, `@router.post("/orders")`."""
        if not isinstance(path, VStr) or not path.value.strip("/"):
            return []
        wanted = "/" + path.value.lstrip("/")
        out: list[Value] = []
        for fn in scope.mod.ir.functions:
            for decorator in fn.decorators:
                call = decorator.expr
                if not (isinstance(call, ir.Call) and isinstance(call.func, ir.Attr) and call.func.attr in ROUTE_DECORATORS):
                    continue
                rule = argument(call, 0, "rule") or argument(call, 0, "path")
                value = self.ev.eval(rule, Scope(scope.mod), decorator.line) if rule is not None else None
                if isinstance(value, VStr) and value.value == wanted:
                    out.append(VRef(self.project.function_qname(scope.mod, fn), "function"))
        return out

    # -- payloads and keys ---------------------------------------------------------

    def _payload(self, spec: Spec | None, ctx: SiteContext) -> Shape:
        if spec is None:
            return NO_SHAPE
        for source in spec:
            if source.returned:
                shape = self._returned_shape(ctx.decorated)
                if shape != NO_SHAPE:
                    return shape
                continue
            if source.item is not None:
                value = ctx.item.get(source.item) if isinstance(ctx.item, VDict) else None
                if value is not None:
                    return self._value_shape(value)
                continue
            if ctx.call is None or ctx.scope is None:
                continue
            expr = argument(ctx.call, source.arg, source.kw)
            if expr is not None:
                shape = self._with_schema(self.payload_shape(expr, ctx.scope, ctx.call.line, 0), expr, ctx.scope, ctx.call.line)
                return self._serialized(shape, ctx.call, ctx.scope, expr)
        return NO_SHAPE

    def _serialized(self, shape: Shape, call: ir.Call, scope: Scope, expr: ir.Expr) -> Shape:
        """A payload written by a schema-bound serializer sends that schema (extract/serializers.py)."""
        found = self.serializers.detect(call, scope, expr)
        if found is None:
            return shape
        if found.schema is None:
            return replace(shape, schema_unresolved=found.unresolved)
        return replace(shape, schema=found.schema, schema_format=found.format, subject_strategy=found.strategy)

    def _with_schema(self, shape: Shape, expr: ir.Expr, scope: Scope, line: int) -> Shape:
        """The shape with the payload's inferred schema (what the code really sends)."""
        schema = payload_schema.dumps(self.inference.infer(expr, scope, line))
        return replace(shape, schema=schema) if schema is not None else shape

    def _returned_shape(self, decorated: str | None) -> Shape:
        scope = self.ev.scope_of(decorated) if decorated else None
        if scope is None or scope.func is None or not scope.func.returns:
            return NO_SHAPE
        return self._with_schema(self.payload_shape(scope.func.returns[-1], scope, LAST_LINE, 0), scope.func.returns[-1], scope, LAST_LINE)

    def payload_shape(self, expr: ir.Expr, scope: Scope, line: int, depth: int) -> Shape:
        """Field names of a literal or constructed payload, and the event it names (class or type field)."""
        if depth > 8:
            return NO_SHAPE
        match expr:
            case ir.DictE(items):
                return self._dict_shape(items, scope, line)
            case ir.Await(value):
                return self.payload_shape(value, scope, line, depth + 1)
            case ir.Name(name):
                defined = self.ev.definition(name, scope, line)
                if defined is None:
                    return NO_SHAPE
                shape = self.payload_shape(defined[0], defined[1], defined[2], depth + 1)
                return self._filled_in(shape, name, defined[1], defined[2], line)
            case ir.Call():
                return self._call_shape(expr, scope, line, depth)
        return NO_SHAPE

    def _call_shape(self, expr: ir.Call, scope: Scope, line: int, depth: int) -> Shape:
        func, args, kwargs = expr.func, expr.args, expr.kwargs
        callee = self.ev.eval(func, scope, line)
        external = isinstance(callee, VRef) and callee.kind == "external"
        if not external and isinstance(func, ir.Attr) and func.attr in SERIALISER_METHODS:
            # json.dumps(...).encode(), event.model_dump(): the shape is the receiver's
            return self.payload_shape(func.value, scope, line, depth + 1)
        if isinstance(callee, VRef) and callee.kind == "external":
            qname = self.patterns.canonical(callee.qname)
            if qname in SERIALISERS or qname.rsplit(".", 1)[-1] in ("dumps", "asdict", "packb"):
                return self.payload_shape(args[0], scope, line, depth + 1) if args else NO_SHAPE
            if qname == "builtins.dict":
                return self._keywords_shape(kwargs, scope, line, partial=bool(args))
            wrapped = self._wrapped_payload(qname, expr, scope, line, depth)
            if wrapped is not None:
                return wrapped
            if _looks_like_event_class(qname, self.patterns.modules):
                shape = self._keywords_shape(kwargs, scope, line, partial=True)
                return Shape(shape.fields or None, qname.rsplit(".", 1)[-1], shape.types, True)
            return NO_SHAPE
        if isinstance(callee, VRef) and callee.kind == "class":
            return self._constructed(callee.qname, args, kwargs, scope, line)
        if isinstance(callee, VRef) and callee.kind == "function":
            target = self.ev.scope_of(callee.qname)
            if target is not None and target.func is not None and target.func.returns:
                bound = Scope(target.mod, target.func, target.cls, ArgBinding(expr, scope))
                return self.payload_shape(target.func.returns[-1], bound, LAST_LINE, depth + 1)
        return NO_SHAPE

    def _filled_in(self, shape: Shape, name: str, scope: Scope, since: int, until: int) -> Shape:
        """A dict bound to a name and filled in before it is sent: `payload["x"] = ...`, `payload.update(...)`."""
        fn = scope.func
        if shape.fields is None or fn is None:
            return shape
        fields, types, partial = list(shape.fields), dict(shape.types), shape.partial
        for store in fn.stores:
            if store.target != name or not since <= store.line <= until:
                continue
            key = self.ev.eval(store.key, scope, store.line)
            if not isinstance(key, VStr):
                partial = True
                continue
            if key.value not in fields:
                fields.append(key.value)
            literal = _literal_type(store.value)
            if literal is not None:
                types[key.value] = literal
            else:
                types.pop(key.value, None)
        for call in fn.calls:
            receiver = call.func.value if isinstance(call.func, ir.Attr) else None
            if isinstance(receiver, ir.Name) and receiver.id == name and since <= call.line <= until:
                if call.func.attr in ("update", "setdefault", "__setitem__", "pop", "popitem", "clear"):
                    partial = True
        return Shape(tuple(fields), shape.event, tuple(sorted(types.items())), partial, shape.cls)

    def _value_shape(self, value: Value) -> Shape:
        """The shape of a payload known only as a value (a mapping read from an `each` item)."""
        if isinstance(value, VDict):
            keys = tuple(k.value for k, _, _, _ in value.items if isinstance(k, VStr))
            event = None
            for key in self.payload_event_keys:
                found = value.get(key)
                if isinstance(found, VStr):
                    event = found.value
                    break
            partial = len(keys) != len(value.items)
            return Shape(keys, event, partial=partial)
        if isinstance(value, VInst) and value.project:
            return Shape(None, self._event_of_instance(value.type, value.get), cls=value.type)
        return NO_SHAPE

    def _dict_shape(self, items: tuple[ir.DictItem, ...], scope: Scope, line: int) -> Shape:
        keys: list[str] = []
        types: dict[str, str] = {}
        event = None
        partial = False
        for item in items:
            key = self.ev.eval(item.key, scope, line) if item.key is not None else None
            if not isinstance(key, VStr):
                partial = True
                continue
            keys.append(key.value)
            literal = _literal_type(item.value)
            if literal is not None:
                types[key.value] = literal
            if key.value in self.payload_event_keys and event is None:
                value = self.ev.eval(item.value, scope, line)
                if isinstance(value, VStr):
                    event = value.value
                elif isinstance(value, VRef) and value.kind == "class":
                    event = value.qname.rsplit(".", 1)[-1]
        return Shape(tuple(keys), event, tuple(sorted(types.items())), partial)

    def _keywords_shape(self, kwargs: tuple[tuple[str | None, ir.Expr], ...], scope: Scope, line: int, partial: bool) -> Shape:
        names = tuple(k for k, _ in kwargs if k is not None)
        types = {k: t for k, v in kwargs if k is not None and (t := _literal_type(v)) is not None}
        spread = any(k is None for k, _ in kwargs)
        return Shape(names, None, tuple(sorted(types.items())), partial or spread)

    def _constructed(
        self, cls_qname: str, args: tuple[ir.Expr, ...], kwargs: tuple[tuple[str | None, ir.Expr], ...], scope: Scope, line: int
    ) -> Shape:
        """A project class built with arguments: the fields it is given, with the literal types of their values."""
        fields: list[str] = []
        for qname in reversed([cls_qname, *self.ev.class_bases(cls_qname)]):
            entry = self.project.classes.get(qname)
            if entry is not None:
                fields.extend(f for f in entry[1].fields if f not in fields)
        positional = [(fields[i], args[i]) for i in range(min(len(args), len(fields))) if not isinstance(args[i], ir.Starred)]
        given = positional + [(k, v) for k, v in kwargs if k is not None]
        types = {k: t for k, v in given if (t := _literal_type(v)) is not None}
        event = self._event_of_instance(cls_qname, lambda key: next((self.ev.eval(v, scope, line) for k, v in given if k == key), None))
        # fields left to their defaults are serialised too, and are not known here: always partial
        return Shape(tuple(name for name, _ in given), event, tuple(sorted(types.items())), True, cls_qname)

    def _event_of_instance(self, cls_qname: str, given: Callable[[str], Value | None]) -> str | None:
        """The event an instance of a project class names: the class, or what an envelope carries.

        An envelope (`Event(event_name=EventNames.USER_CREATED, data=...)`) is a class with a field for
        the message body (ENVELOPE_BODIES) whose name field (one of `payload-event-keys`) is given at
        construction and has no string default in the class: its instances carry different events, so
        the field's value is the event, and nothing when that value is not known. A class that writes
        the name as a default, or carries its data in fields of its own, is itself the event.
        """
        declared: dict[str, bool] | None = None
        for key in self.payload_event_keys:
            value = given(key)
            if value is None:
                continue
            if declared is None:
                declared = self._declared_fields(cls_qname)
            if declared.get(key) or not any(body in declared for body in ENVELOPE_BODIES):
                continue
            return value.value if isinstance(value, VStr) and value.value else None
        return cls_qname.rsplit(".", 1)[-1]

    def _declared_fields(self, cls_qname: str) -> dict[str, bool]:
        """The fields a project class (and its bases) declares, each with whether its default is a string."""
        out: dict[str, bool] = {}
        for qname in (cls_qname, *self.ev.class_bases(cls_qname)):
            entry = self.project.classes.get(qname)
            if entry is None:
                continue
            mod, cls = entry
            for name in cls.fields:
                out.setdefault(name, False)
            for assign in cls.attrs:
                value = self.ev.eval(assign.value, Scope(mod, None, cls), assign.line)
                out[assign.target] = out.get(assign.target, False) or isinstance(value, (VStr, VSet))
        return out

    def _wrapped_payload(self, qname: str, call: ir.Call, scope: Scope, line: int, depth: int) -> Shape | None:
        """A framework message object (aio_pika.Message(body=...)) wraps the real payload."""
        for name, spec in self.patterns.type_binds.get(qname, ()):
            if name != "payload":
                continue
            for source in spec:
                inner = argument(call, source.arg, source.kw)
                if inner is not None:
                    return self.payload_shape(inner, scope, line, depth + 1)
            return NO_SHAPE
        return None

    def _key_serializer(self, spec: Spec | None, ctx: SiteContext) -> Detected | None:
        """The schema-bound serializer the key is written with: the producer's `key.serializer`, or the key's own."""
        if spec is None or ctx.call is None or ctx.scope is None:
            return None
        for source in spec:
            if source.item is None:
                return self.serializers.detect(ctx.call, ctx.scope, argument(ctx.call, source.arg, source.kw), part="key")
        return None

    def _key(self, spec: Spec | None, ctx: SiteContext) -> str | None:
        if spec is None:
            return None
        for source in spec:
            if source.item is not None:
                value = ctx.item.get(source.item) if isinstance(ctx.item, VDict) else None
                if value is not None:
                    return _value_text(value)
                continue
            if ctx.call is None:
                continue
            expr = argument(ctx.call, source.arg, source.kw)
            if expr is None:
                continue
            expr = self._key_origin(expr, ctx.scope, ctx.call.line)
            if isinstance(expr, ir.Const) and expr.value is None:
                return None
            return ir.unparse(expr)
        return None

    def _key_origin(self, expr: ir.Expr, scope: Scope | None, line: int) -> ir.Expr:
        """Where a key comes from: through local variables, and through wrappers' parameters to the caller."""
        for _ in range(8):
            if not isinstance(expr, ir.Name) or scope is None:
                break
            defined = self.ev.definition(expr.id, scope, line)
            if defined is None or not _says_key(defined[0]):
                break
            expr, scope, line = defined
        return expr

    def _headers(self, pattern: SitePattern, ctx: SiteContext) -> tuple[str, ...] | None:
        """Names of the headers, attributes or properties a publication sets, when written literally."""
        spec = pattern.spec("headers")
        if spec is None:
            return None
        names: list[str] = []
        known = False
        for source in spec:
            if source.kwargs and ctx.call is not None and ctx.scope is not None:
                # the library's own keywords are not message attributes (Pub/Sub: publish(topic, data, **attrs))
                taken = {"headers"} | {kw for name, sp in pattern.fields if name != "headers" for kw in _keywords(sp)}
                for item in self.ev.read_source(source, ctx):
                    key = item.get("name") if isinstance(item, VDict) else None
                    if isinstance(key, VStr) and key.value not in taken:
                        names.append(key.value)
                known = True
                continue
            for value in self.ev.read_source(source, ctx):
                found = _header_names(value)
                if found is not None:
                    names.extend(found)
                    known = True
        return tuple(dict.fromkeys(names)) if known else None

    # -- polling consumers: who handles the messages -------------------------------

    def _loop_handler(self, scope: Scope, call: ir.Call, depth: int = 0) -> tuple[str | None, str | None]:
        mod, fn = scope.mod, scope.func
        if fn is None:
            return None, ir.unparse(call)
        storages: list[str] = []
        result_is_messages = False
        for assign in fn.assigns:
            value = assign.value.value if isinstance(assign.value, ir.Await) else assign.value
            if value is call:
                storages.append(assign.target)
                produced = self.ev.eval(call, scope, call.line)
                result_is_messages = not isinstance(produced, VInst)
        if isinstance(call.func, ir.Attr):
            receiver = call.func.value
            if isinstance(receiver, ir.Name):
                storages.append(receiver.id)
            elif isinstance(receiver, ir.Attr) and isinstance(receiver.value, ir.Name) and receiver.value.id == "self":
                storages.append(f"self.{receiver.attr}")
        for loop in fn.loops:
            if loop.iter is call or (isinstance(loop.iter, ir.Await) and loop.iter.value is call):
                ranges = [(loop.line, loop.end_line or loop.line)]
                return self._handler_in(mod, fn, set(loop.targets), ranges, scope.self_type) or (
                    self.project.function_qname(mod, fn),
                    None,
                )
        found = self._handler_from_storages(mod, fn, storages, result_is_messages, scope.self_type)
        if found is not None:
            return found
        found = self._passed_to_loop(scope, call, storages)
        if found is not None:
            return found
        through = self._factory_handler(scope, call, depth)
        if through is not None:
            return through
        return None, f"messages of {ir.unparse(call)}"

    def _handler_from_storages(
        self,
        mod: ModInfo,
        fn: ir.Function,
        storages: list[str],
        result_is_messages: bool = False,
        self_type: str | None = None,
        bound: Scope | None = None,
    ) -> tuple[str | None, str | None] | None:
        for storage in storages:
            for candidate in self._functions_using(mod, fn, storage):
                seeds: set[str] = set()
                ranges: list[tuple[int, int]] | None = []
                if candidate is fn and result_is_messages and storage in {a.target for a in fn.assigns}:
                    seeds.add(storage)
                    ranges = None
                for loop in candidate.loops:
                    if storage in ir.names_in(loop.iter):
                        seeds.update(loop.targets)
                        if ranges is not None:
                            ranges.append((loop.line, loop.end_line or loop.line))
                for assign in candidate.assigns:
                    if assign.target != storage and storage in ir.names_in(assign.value) and _is_call(assign.value):
                        seeds.add(assign.target)
                        ranges = None  # `msg = consumer.poll()`: the messages live in the whole function
                if not seeds:
                    continue
                handler = self._handler_in(mod, candidate, seeds, ranges or None, self_type, bound if candidate is fn else None)
                return handler or (self.project.function_qname(mod, candidate), None)
        return None

    def _passed_to_loop(self, scope: Scope, call: ir.Call, storages: list[str]) -> tuple[str | None, str | None] | None:
        """The handler when the subscribed consumer is handed to a project function that polls it (a shared
        library's `run_loop(consumer, HANDLERS, ...)`): found in that function with its parameters bound to
        this call, so a handler map it is given routes each topic to its handler (`extract/dispatch.py`)."""
        fn = scope.func
        if fn is None or not storages:
            return None
        local = {s for s in storages if "." not in s}
        for other in fn.calls:
            if other is call or other.line < call.line:
                continue
            positional = [i for i, a in enumerate(other.args) if isinstance(a, ir.Name) and a.id in local]
            keywords = [k for k, a in other.kwargs if k is not None and isinstance(a, ir.Name) and a.id in local]
            if not positional and not keywords:
                continue
            callee = self.ev.eval(other.func, scope, other.line)
            target = None
            if isinstance(callee, VRef) and callee.kind == "function":
                target = callee.qname
            elif isinstance(callee, VMethod):
                target = self.ev.method_function(callee.obj, callee.name)
            entry = self.project.functions.get(target) if target else None
            if entry is None:
                continue
            mod, loop = entry
            skip = 1 if isinstance(callee, VMethod) and loop.params else 0
            params = loop.params[skip:]
            names = [params[i].name for i in positional if i < len(params) and params[i].kind == "pos"]
            names += [k for k in keywords if any(p.name == k for p in params)]
            if len(names) != 1:
                continue
            bound = Scope(mod, loop, self.ev.class_of(mod, loop), ArgBinding(other, scope))
            found = self._handler_from_storages(mod, loop, names, bound=bound)
            if found is not None and found[0] is not None:
                if found[0] == self.project.function_qname(mod, loop):
                    self.loop_bindings[(scope.mod.name, call.line, call.col)] = bound
                return found
        return None

    def _factory_handler(self, scope: Scope, call: ir.Call, depth: int) -> tuple[str | None, str | None] | None:
        """The handler of a consumer made in a factory (`return KafkaConsumer(...)`, also as a tuple item or a
        dict value): found where each caller keeps the result. Several callers must agree, else it stays unknown."""
        fn = scope.func
        if fn is None or fn.name == ir.MODULE_BODY or depth >= MAX_FACTORY_DEPTH:
            return None
        position = _returned_position(fn, call)
        if position is None:
            return None
        qname = self.project.function_qname(scope.mod, fn)
        if scope.args is not None:
            callers = [(scope.args.caller, scope.args.call)]
        else:
            callers = list(self._callers(qname, self._terminal_index()))
        handlers: set[tuple[str | None, str | None]] = set()
        for caller, factory_call in callers:
            if caller.func is None:
                continue
            storages = _kept_as(caller.func, factory_call, position)
            found = self._handler_from_storages(caller.mod, caller.func, storages)
            if found is None and storages:
                found = self._factory_handler_of_storage(caller, storages, depth)
            if found is not None and found[0] is not None:
                handlers.add(found)
        return handlers.pop() if len(handlers) == 1 else None

    def _factory_handler_of_storage(
        self, caller: Scope, storages: list[str], depth: int
    ) -> tuple[str | None, str | None] | None:
        """A factory of a factory: the caller returns what it kept, so its own callers hold the consumer."""
        fn = caller.func
        assert fn is not None
        for ret in fn.returns:
            if isinstance(ret, ir.Name) and ret.id in storages:
                for assign in fn.assigns:
                    if assign.target == ret.id and _is_call(assign.value):
                        inner = assign.value.value if isinstance(assign.value, ir.Await) else assign.value
                        assert isinstance(inner, ir.Call)
                        return self._factory_handler(caller.unbound(), inner, depth + 1)
        return None

    def _terminal_index(self) -> dict[str, list[tuple[Scope, ir.Call]]]:
        if self._by_terminal is None:
            reads = self.project.reads
            before = reads.bits if reads is not None else 0
            self._by_terminal = self._calls_by_terminal()
            if reads is not None:  # a summary of every call: `_callers` records the name it looks up
                reads.bits = before
        return self._by_terminal

    def _functions_using(self, mod: ModInfo, fn: ir.Function, storage: str) -> list[ir.Function]:
        if storage.startswith("self.") and fn.cls is not None:
            prefix = f"{fn.cls}."
            methods = [f for name, f in mod.functions.items() if name.startswith(prefix)]
            return sorted(methods, key=lambda f: (f is not fn, f.line))
        local = any(a.target == storage for a in fn.assigns) or any(p.name == storage for p in fn.params)
        if local and fn.name != ir.MODULE_BODY:
            nested = [f for f in mod.ir.functions if f.parent == fn.name]
            return [fn, *nested]
        return sorted(mod.ir.functions, key=lambda f: (f is not fn, f.line))

    def _handler_in(
        self,
        mod: ModInfo,
        fn: ir.Function,
        seeds: set[str],
        ranges: list[tuple[int, int]] | None = None,
        self_type: str | None = None,
        bound: Scope | None = None,
    ) -> tuple[str, None] | None:
        """The project function the messages are handed to in `fn` (within `ranges` of lines, when given)."""
        messages = set(seeds)
        changed = True
        while changed:
            changed = False
            for loop in fn.loops:
                if ir.names_in(loop.iter) & messages and not set(loop.targets) <= messages:
                    messages.update(loop.targets)
                    changed = True
            for assign in fn.assigns:
                if assign.target not in messages and ir.names_in(assign.value) & messages:
                    messages.add(assign.target)
                    changed = True
        qname = self.project.function_qname(mod, fn)
        self.loop_messages.setdefault(qname, set()).update(messages)
        self.loop_seeds.setdefault(qname, set()).update(seeds)
        if self.project.reads is not None:  # filled from every module's sites: read as a whole (`loop_log`)
            self.project.reads.bits |= self.project.reads.key(f"#loop:{qname}")
            self.loop_log.append((qname, frozenset(messages), frozenset(seeds)))
            self.project.reads.wrote(f"#loop:{qname}", (sorted(messages), sorted(seeds)))
        if self.dispatch.routes(qname, self.loop_messages[qname], frozenset(self.loop_seeds[qname]), bound=bound):
            return qname, None  # the loop dispatches: each route's handler is found from here (records)
        assigned_calls = {id(a.value.value if isinstance(a.value, ir.Await) else a.value) for a in fn.assigns}
        # a call given as another call's argument (`handle(decode(msg))`) is used for its result, as a kept one is
        assigned_calls.update(
            id(arg.value if isinstance(arg, ir.Await) else arg) for call in fn.calls for arg in (*call.args, *(v for _, v in call.kwargs))
        )
        scope = Scope(mod, fn, self.ev.class_of(mod, fn), None, self_type)
        candidates: list[tuple[bool, int, int, str]] = []
        whole: list[tuple[bool, int, int, str]] = []  # the calls given the message itself, not a part of it
        for call in fn.calls:
            if ranges is not None and not any(start <= call.line <= end for start, end in ranges):
                continue
            args = (*call.args, *(v for _, v in call.kwargs))
            if not any(ir.names_in(arg) & messages for arg in args):
                continue
            callee = self.ev.eval(call.func, scope, call.line)
            target = None
            if isinstance(callee, VRef) and callee.kind == "function":
                target = callee.qname
            elif isinstance(callee, VMethod):
                target = self.ev.method_function(callee.obj, callee.name)
            if target is None or target not in self.project.functions:
                # a project function handed over with the message: pool.submit(handle, msg)
                target = self._callback(call, scope, messages)
            if target is not None and target in self.project.functions:
                # a call whose result is kept is a parser or a lookup; the handler is called for its effect
                candidates.append((id(call) in assigned_calls, call.line, call.col, target))
                if id(call) not in assigned_calls and any(isinstance(arg, ir.Name) and arg.id in seeds for arg in args):
                    whole.append(candidates[-1])
        if whole:
            return min(whole)[3], None  # the message handed over: `process(msg)`, whatever else gets its parts
        if len({target for kept, _, _, target in candidates if not kept}) > 1:
            # parts of the message go to several functions (`log_received(msg.topic())`, `bake(order_id)`): the
            # loop handles the message itself, and its function is the handler
            return None
        if not candidates:
            return None
        return min(candidates)[3], None

    def _callback(self, call: ir.Call, scope: Scope, messages: set[str]) -> str | None:
        """A project function passed to a library call beside the message (`executor.submit(handle, msg)`)."""
        for index, arg in enumerate(call.args):
            if not isinstance(arg, (ir.Name, ir.Attr)) or ir.names_in(arg) & messages:
                continue
            rest = call.args[index + 1 :]
            if not any(ir.names_in(other) & messages for other in rest):
                continue
            value = self.ev.eval(arg, scope, call.line)
            if isinstance(value, VRef) and value.kind == "function":
                return value.qname
            if isinstance(value, VMethod):
                found = self.ev.method_function(value.obj, value.name)
                if found is not None:
                    return found
        return None

    # -- pass 2: call sites of wrappers -----------------------------------------------

    def module_reads(self) -> dict[str, int]:
        """Per module, what its records were read from (`Project(track=True)`): direct sites, derived sites, records."""
        reads = self.project.reads
        assert reads is not None, "the project does not track reads"
        out = dict(self.direct_reads)
        for table in (self.wrapper_reads, self.record_reads):
            for name, bits in table.items():
                out[name] = out.get(name, 0) | bits
        # which functions are wrappers is read from every module: a module may start calling one at any call
        wrappers = reads.key("#wrappers")
        return {name: bits | wrappers for name, bits in out.items()}

    def through_wrappers(self, direct: list[Found]) -> list[Found]:
        """Sites reached through project functions whose destination or client is a parameter."""
        out: list[Found] = []
        by_terminal = self._terminal_index()
        reads = self.project.reads
        own = self.direct_reads
        todo: list[tuple[Found | Candidate, int, int]] = [(f, 0, own.get(f.mod.name, 0)) for f in direct if self._depends_on_params(f)]
        todo += [(c, 0, own.get(c.scope.mod.name, 0)) for c in self.candidates]
        seen: set[tuple] = set()
        while todo:
            item, depth, item_reads = todo.pop(0)
            wrapper = item.wrapper if isinstance(item, Found) and item.wrapper is not None else item.function
            if wrapper is None or depth >= MAX_WRAPPER_DEPTH:
                continue
            if reads is not None:
                self.wrappers_asked.add(wrapper)
                reads.wrote("#wrappers", wrapper, item.mod.name if isinstance(item, Found) else item.scope.mod.name)
                reads.bits = 0
            for caller, call in self._callers(wrapper, by_terminal, self.wrapper_reads if reads is not None else None):
                key = (id(item), id(call))
                if key in seen:
                    continue
                seen.add(key)
                if reads is not None:
                    reads.bits = 0
                    reads.writer = caller.mod.name
                derived = list(self._specialise(item, caller, call))
                bits = 0
                if reads is not None:
                    # the sites derived at this call: the wrapper's own site, and this evaluation of it here
                    bits = item_reads | reads.bits
                    bits |= self.wrapper_reads.get(caller.mod.name, 0)
                    self.wrapper_reads[caller.mod.name] = bits
                for new in derived:
                    self.bound_wrappers.add(wrapper)
                    if reads is not None:
                        reads.wrote(f"#bound:{wrapper}", True, caller.mod.name)
                    out.append(new)
                    if self._depends_on_params(new):
                        todo.append((new, depth + 1, bits))
        if reads is not None:
            reads.bits = 0
            reads.writer = None
        return out

    def _depends_on_params(self, found: Found) -> bool:
        function = found.wrapper if found.wrapper is not None else found.function
        if found.origin is None or function is None:
            return False
        for name, values in found.values:
            if name in DESTINATION_FIELDS:
                for value in values:
                    if isinstance(value, VParam) and value.func == function:
                        return True
                    if isinstance(value, VTemplate) and value.params:
                        return True
        return False

    def _callers(
        self, wrapper: str, by_terminal: dict[str, list[tuple[Scope, ir.Call]]], attributed: dict[str, int] | None = None
    ) -> Iterator[tuple[Scope, ir.Call]]:
        """The calls of `wrapper`. With `attributed`, what decided whether each call of that name calls it is added
        to the calling module's bits there (whether a module calls a wrapper is read from that module's side)."""
        terminal = wrapper.rsplit(".", 1)[-1]
        reads = self.project.reads
        if reads is not None:  # the calls of that name anywhere: an edit that adds or removes one changes them
            reads.bits |= reads.key(f"#terminal:{terminal}")
        for scope, call in by_terminal.get(terminal, ()):
            if attributed is not None and reads is not None:
                outer, reads.bits = reads.bits, 0
            callee = self.ev.eval(call.func, scope, call.line)
            target = callee.qname if isinstance(callee, VRef) and callee.kind == "function" else None
            if isinstance(callee, VMethod):
                target = self.ev.method_function(callee.obj, callee.name)
            if attributed is not None and reads is not None:
                name = scope.mod.name
                attributed[name] = attributed.get(name, 0) | reads.bits | reads.key(f"#terminal:{terminal}")
                reads.bits |= outer
            if target == wrapper and not (isinstance(callee, VRef) and cannot_bind(self.project.functions.get(target), call)):
                yield scope, call

    def _specialise(self, item: Found | Candidate, caller: Scope, call: ir.Call) -> Iterator[Found]:
        """The inner site evaluated with the wrapper's parameters bound to this call's arguments."""
        if isinstance(item, Candidate):
            # the client came from the caller, but the site is still the call that uses it
            yield from self._call_sites(_rebind(item.scope, call, caller), item.call)
            return
        else:
            assert item.origin is not None
            via = (item.wrapper or item.function or "", *item.via)
            bound = _rebind(item.origin.scope, call, caller)
            inner = (f for f in self._call_sites(bound, item.origin.call) if f.pattern is item.pattern)
        function = self.project.function_qname(caller.mod, caller.func) if caller.func is not None else None
        for found in inner:
            if found.wrapper is not None:
                yield replace(found, mod=caller.mod, line=call.line, col=call.col, wrapper=function, via=via)
            else:
                yield replace(found, mod=caller.mod, line=call.line, col=call.col, function=function, via=via)

    def _calls_by_terminal(self) -> dict[str, list[tuple[Scope, ir.Call]]]:
        index: dict[str, list[tuple[Scope, ir.Call]]] = defaultdict(list)
        reads = self.project.reads
        for mod in sorted(self.project.mods.values(), key=lambda m: m.name):
            counts: dict[str, int] | None = {} if reads is not None else None
            for fn in mod.ir.functions:
                scope = Scope(mod, fn, self.ev.class_of(mod, fn))
                for call in fn.calls:
                    # a function handed to a thread or an executor is called there with the arguments after it
                    handed = ir.handed_off(call, mod.imports)
                    for made in (call,) if handed is None else (call, handed):
                        func = made.func
                        terminal = None
                        if isinstance(func, ir.Attr):
                            terminal = func.attr
                        elif isinstance(func, ir.Name):
                            terminal = mod.imports.get(func.id, func.id).rsplit(".", 1)[-1]
                        if terminal is not None:
                            index[terminal].append((scope, made))
                            if counts is not None:
                                counts[terminal] = counts.get(terminal, 0) + 1
            if counts:
                # a summary written by each calling module's content: how many calls of each name it holds (what a
                # call is, and where, its readers read through the module's bit when they evaluate it)
                writes = reads.writes.setdefault(mod.name, {})  # type: ignore[union-attr]
                for terminal, count in counts.items():
                    writes.setdefault(f"#terminal:{terminal}", set()).add(str(count))
        return index

    # -- pass 3: facts ---------------------------------------------------------------

    def records(self, found: list[Found]) -> tuple[list[Publication], list[Subscription], list[Binding]]:
        publishers: list[Publication] = []
        subscribers: list[Subscription] = []
        bindings: list[Binding] = []
        binds = self.patterns.type_binds
        reads = self.project.reads
        previous = ""
        if reads is not None:
            reads.bits = 0
        for site in found:
            if reads is not None:
                if reads.bits:
                    self.record_reads[previous] = self.record_reads.get(previous, 0) | reads.bits
                reads.bits = 0
                previous = reads.writer = site.mod.name
            service = self.services.get(site.mod.ir.path)
            path = site.mod.ir.path
            kind = site.pattern.kind
            if kind == "publish":
                for (event, channel), service in ((c, s) for c in self._combinations(site, ("event", "channel")) for s in self._site_services(site, service)):
                    ev_text, ev_expr = self._event_text(event, site)
                    ch_text, ch_expr = text_of(channel)
                    unresolved = None
                    if ev_text is None and ch_text is None:
                        unresolved = self._unresolved(site, (("channel", channel), ("event", event)))
                    publishers.append(
                        Publication(
                            event=ev_text,
                            channel=ch_text,
                            framework=site.pattern.framework,
                            service=service,
                            path=path,
                            line=site.line,
                            column=site.col,
                            function=site.function,
                            key=site.key,
                            payload_fields=site.payload.fields,
                            payload_types=site.payload.types,
                            payload_partial=site.payload.partial,
                            payload_schema=site.payload.schema,
                            payload_format=site.payload.schema_format,
                            subject_strategy=site.payload.subject_strategy,
                            schema_unresolved=site.payload.schema_unresolved or _key_unresolved(site.key_serializer),
                            key_schema=site.key_serializer.schema if site.key_serializer else None,
                            key_format=site.key_serializer.format if site.key_serializer and site.key_serializer.schema else None,
                            key_subject_strategy=site.key_serializer.strategy if site.key_serializer and site.key_serializer.schema else None,
                            event_expr=ev_expr,
                            channel_expr=ch_expr,
                            via=site.via,
                            headers=site.headers,
                            kind=_first_text(site.get("kind")) or self._kind_of(event, site.payload.cls if event is None or ev_text == site.payload.event else None),
                            unresolved=unresolved,
                            provenance=_provenance(event, channel),
                            derived=_derived(event, channel),
                            broker=_broker(site, channel, binds),
                        )
                    )
            elif kind == "subscribe":
                for event, channel, handler in self._combinations(site, ("event", "channel", "handler")):
                    ev_text, ev_expr = self._event_text(event, site, subscribe=True)
                    ch_text, ch_expr = text_of(channel)
                    h_name, h_expr = site.handler if site.handler is not None else self._handler_name(handler)
                    unresolved = None
                    if ch_text == "":
                        ch_text, ch_expr = None, broker_named(site.function)
                        if ev_text is None:
                            unresolved = f"broker-named: the broker names the queue; `{ch_expr}` is known by its bindings"
                    elif ev_text is None and ch_text is None:
                        unresolved = self._unresolved(site, (("channel", channel), ("event", event)))
                    elif h_name is None:
                        if site.handler is not None:
                            unresolved = f"handler-not-found: no project function was found receiving `{h_expr}`"
                        else:
                            unresolved = self._unresolved(site, (("handler", handler),))
                    for owner in self._subscriber_services(h_name, site, service):
                        record = Subscription(
                            event=ev_text,
                            channel=ch_text,
                            framework=site.pattern.framework,
                            service=owner,
                            path=path,
                            line=site.line,
                            column=site.col,
                            handler=h_name,
                            group=_per_record(site, channel, "group", binds),
                            ack=_per_record(site, channel, "ack", binds),
                            dead_letter=_per_record(site, channel, "dead_letter", binds),
                            event_expr=ev_expr,
                            channel_expr=ch_expr,
                            handler_expr=h_expr,
                            via=site.via,
                            function=site.function,
                            kind=_first_text(site.get("kind")) or self._kind_of(event),
                            queue_type=_per_record(site, channel, "queue_type", binds),
                            retry=_first_text(site.get("retry")),
                            lifetime=_per_record(site, channel, "lifetime", binds),
                            payload_schema=site.decoder.schema if site.decoder else None,
                            payload_format=site.decoder.format if site.decoder and site.decoder.schema else None,
                            schema_unresolved=site.decoder.unresolved if site.decoder else None,
                            unresolved=unresolved,
                            provenance=_provenance(event, channel),
                            derived=_derived(event, channel),
                            broker=_broker(site, channel, binds),
                        )
                        subscribers.extend(self._dispatched(record, owner, self.loop_bindings.get((site.mod.name, site.line, site.col))))
            else:
                for (queue, exchange, routing_key), service in ((c, s) for c in self._combinations(site, ("queue", "exchange", "routing_key")) for s in self._site_services(site, service)):
                    q_text = text_of(queue)[0]
                    bindings.append(
                        Binding(
                            framework=site.pattern.framework,
                            queue=q_text or None,
                            queue_expr=broker_named(site.function) if q_text == "" else None,
                            exchange=text_of(exchange)[0],
                            routing_key=text_of(routing_key)[0],
                            service=service,
                            path=path,
                            line=site.line,
                            column=site.col,
                            dead_letter=_per_record(site, queue, "dead_letter", binds),
                            lifetime=_per_record(site, queue, "lifetime", binds),
                        )
                    )
        if reads is not None and found:
            self.record_reads[previous] = self.record_reads.get(previous, 0) | reads.bits
            reads.bits = 0
            reads.writer = None
        return publishers, subscribers, bindings

    def _unresolved(self, site: Found, fields: tuple[tuple[str, Value | None], ...]) -> str | None:
        """Why a site's name (or handler) stays unknown, "category: detail"; None when nothing is known to be missing
        or when the value is a parameter of a wrapper whose call sites carry the names."""
        for name, value in fields:
            if value is None:
                continue
            value = as_text_value(value)
            text = _text_hint(value)
            if self.project.reads is not None:  # filled by `through_wrappers` from every module
                self.project.reads.bits |= self.project.reads.key(f"#bound:{value.func if isinstance(value, VParam) else site.function}")
            if isinstance(value, VParam):
                if value.func in self.bound_wrappers:
                    return None
                return f"parameter: {name} is parameter `{value.name}` of {value.func}, and no call site in the analysed code passes it"
            if isinstance(value, VTemplate):
                if value.params:
                    if site.function in self.bound_wrappers:
                        return None
                    return f"parameter: {name} `{text}` is built from a parameter of {site.function}, and no call site passes it"
                return f"partial: {name} is only partly known: `{text}`"
            if isinstance(value, VUnknown):
                return f"{value.reason or 'not-static'}: {name} is `{text}`"
            if isinstance(value, VRef) and value.kind == "external":
                return f"import-not-resolved: {name} is `{text}`, from a module outside the analysed code"
            if isinstance(value, VConst) and value.value is None:
                return f"not-static: {name} is None where the site is written (a placeholder set elsewhere)"
            return f"not-static: {name} is `{text}`"
        return None

    def collected_events(self) -> list[Publication]:
        """Events a domain object collects for its unit of work to publish (`inhouse.collected_events`)."""
        from eventlint.extract.inhouse import FRAMEWORK, collected_events

        out = []
        for item in collected_events(self.project, self.ev):
            scope = Scope(item.mod, item.fn, self.ev.class_of(item.mod, item.fn))
            shape = self._with_schema(self.payload_shape(item.call.args[0], scope, item.call.line, 0), item.call.args[0], scope, item.call.line)
            out.append(
                Publication(
                    event=item.event.rsplit(".", 1)[-1],
                    channel=None,
                    framework=FRAMEWORK,
                    service=self.services.get(item.mod.ir.path),
                    path=item.mod.ir.path,
                    line=item.call.line,
                    column=item.call.col,
                    function=self.project.function_qname(item.mod, item.fn),
                    payload_fields=shape.fields,
                    payload_types=shape.types,
                    payload_partial=shape.partial,
                    payload_schema=shape.schema,
                    kind=self._kind_of(VRef(item.event, "class")),
                )
            )
        return out

    def _kind_of(self, event: Value | None, payload_class: str | None = None) -> str | None:
        """"command" or "event" when the message's project class says so by its name or a base's."""
        qname = None
        if isinstance(event, VRef) and event.kind == "class":
            qname = event.qname
        elif isinstance(event, VInst) and event.project:
            qname = event.type
        elif payload_class is not None:
            qname = payload_class
        if qname is None or qname not in self.project.classes:
            return None
        shorts = [n.rsplit(".", 1)[-1] for n in (qname, *self.ev.class_bases(qname))]
        if any(s == "Command" or s.endswith("Command") for s in shorts):
            return "command"
        if any(s in ("Event", "DomainEvent") or s.endswith("Event") for s in shorts):
            return "event"
        return None

    def _dispatched(self, record: Subscription, service: str | None, bound: Scope | None = None) -> list[Subscription]:
        """One record per handler that the record's handler dispatches the message to (`extract/dispatch.py`).

        A topic-keyed route takes the record of its topic (other topics stay with the dispatching
        function); an event-keyed route gives one record per event, when the record names none,
        and the record itself stays for the events the dispatch does not name.
        """
        name = record.handler
        if name is None or name not in self.project.functions:
            return [record]
        if self.project.reads is not None:  # the loop's messages and the receivers are filled from every module
            self.project.reads.bits |= self.project.reads.key(f"#loop:{name}") | self.project.reads.key(f"#receiver:{name}")
        routes = self.dispatch.routes(name, self.loop_messages.get(name), frozenset(self.loop_seeds.get(name, ())), bound=bound)
        if not routes:
            return [record]
        chosen: list[Route] = []
        if record.channel is not None:
            chosen = [r for r in routes if r.kind == "channel" and r.key == record.channel]
        keep = False
        if not chosen:
            chosen = [
                r
                for r in routes
                if r.kind == "event" and (record.event is None or r.key == record.event) and r.within in (None, record.channel)
            ]
            keep = bool(chosen) and record.event is None
        if not chosen:
            chosen = [r for r in routes if r.kind == "routing_key"]
            keep = bool(chosen)
        if not chosen:
            receiver = self.dispatch.receivers.get(name)
            if receiver is None:
                return [record]
            # not dispatched: the function the loop hands every message to still handles it
            return [replace(record, handler=receiver, handler_expr=None, service=self._subscriber_service(receiver, service))]
        # events or routing keys the dispatch does not name still reach the dispatching function
        out = [record] if keep else []
        for route in sorted(set(chosen), key=lambda r: (r.key, r.handler, r.where)):
            out.append(
                replace(
                    record,
                    event=route.key if route.kind == "event" else record.event,
                    event_expr=None if route.kind == "event" else record.event_expr,
                    kind=None if route.kind == "event" else record.kind,
                    handler=route.handler,
                    handler_expr=None,
                    service=self._subscriber_service(route.handler, service),
                    via=(*record.via, route.where),
                    function=name,
                )
            )
        return out

    def _subscriber_service(self, handler: str | None, service: str | None) -> str | None:
        """The service whose code handles the messages; the site's own service when that is unknown."""
        entry = self.project.functions.get(handler) if handler else None
        if entry is not None:
            owner = self.services.get(entry[0].ir.path)
            if owner is not None:
                return owner
        return service

    def _subscriber_services(self, handler: str | None, site: Found, service: str | None) -> tuple[str | None, ...]:
        """The services whose code handles the messages: a handler's in another unit is that unit's; where the
        handler is in the site's own unit (or shared code, or is the site's function: a consuming loop), the
        services that run the subscribing code (`_site_services`)."""
        entry = self.project.functions.get(handler) if handler else None
        owner = self.services.get(entry[0].ir.path) if entry is not None else None
        if handler is None or handler == site.function or owner is None or owner == service:
            return self._site_services(site, service)
        return (owner,)

    def _site_services(self, site: Found, service: str | None) -> tuple[str | None, ...]:
        """The services a site runs in: those of the code that calls its function (`_runs_in`), else its file's.
        A wrapper evaluated again at its call sites keeps its file's: those sites carry the callers' services."""
        if site.function is not None and site.function in self.project.functions and site.function not in self.bound_wrappers:
            owners = self._runs_in(site.function)
            if owners:
                return owners
        return (service,)

    def _runs_in(self, qname: str, depth: int = 0, stack: frozenset[str] = frozenset()) -> tuple[str, ...]:
        """The services whose code runs a project function, as an engineer reads the calls: a function
        defined in one deployable unit (or in shared code that is no unit's) but called only from other
        units' code runs in those units (a helper module `streams/events.py` whose `send_order_event` only
        `app/main.py` calls publishes for `app`). Its own unit's when that unit calls it too, when nothing
        in the project calls it (an entry point, a handler the framework calls, a reference passed
        elsewhere), when it is decorated (registered with a framework) or a module body, or when a caller's
        service is unknown past the depth limit. Callers outside every service (tests, scripts) are not
        counted. Sorted; empty when the function's file has no service and no caller decides one."""
        reads = self.project.reads
        if reads is None or stack:
            return self._callers_services(qname, depth, stack)
        # read as a whole (`resolve.Reads`): which calls anywhere call it, and their services, a summary of every module
        outer, reads.bits = reads.bits, 0
        result = self._callers_services(qname, depth, stack)
        # the asking module writes the entry: re-resolving it recomputes the answer from what that read
        reads.wrote(f"#runs_in:{qname}", result, bits=reads.bits)
        reads.bits = outer | reads.key(f"#runs_in:{qname}")
        return result

    def _callers_services(self, qname: str, depth: int, stack: frozenset[str]) -> tuple[str, ...]:
        """`_runs_in`'s answer, computed (memoised for a question asked from outside a chain of callers)."""
        if qname in self._runs_in_memo:
            return self._runs_in_memo[qname]
        entry = self.project.functions.get(qname)
        if entry is None:
            return ()
        mod, fn = entry
        own = self.services.get(mod.ir.path)
        result: tuple[str, ...] = (own,) if own is not None else ()
        if fn.name != ir.MODULE_BODY and not fn.decorators and depth < MAX_WRAPPER_DEPTH and qname not in stack:
            callers: set[str] = set()
            for caller, _ in self._callers(qname, self._terminal_index()):
                if caller.func is None or caller.func.name == ir.MODULE_BODY:
                    found = self.services.get(caller.mod.ir.path)
                    callers |= {found} if found is not None else set()
                else:
                    callers |= set(self._runs_in(self.project.function_qname(caller.mod, caller.func), depth + 1, stack | {qname}))
            if callers and (own is None or own not in callers):
                result = tuple(sorted(callers))
        if not stack:
            self._runs_in_memo[qname] = result
        return result

    def _combinations(self, site: Found, names: tuple[str, ...]) -> list[tuple[Value | None, ...]]:
        columns = []
        for name in names:
            values = site.get(name)
            columns.append(list(values) if values else [None])
        return list(itertools.islice(itertools.product(*columns), MAX_RECORDS_PER_SITE))

    def _event_text(self, value: Value | None, site: Found, subscribe: bool = False) -> tuple[str | None, str | None]:
        if value is None:
            if not subscribe and site.payload.event is not None:
                return site.payload.event, None
            return None, None
        if isinstance(value, VRef) and value.kind in ("class", "external"):
            if value.kind == "external" and value.qname.removeprefix("builtins.") in PLAIN_TYPES:
                return None, None  # `value_type=str`: a serialisation type, not the name of an event
            return value.qname.rsplit(".", 1)[-1], None
        if isinstance(value, VInst) and value.project:
            return self._event_of_instance(value.type, value.get), None
        text, expr = text_of(value)
        if text is None and not subscribe and site.payload.event is not None:
            return site.payload.event, None
        return text, expr

    def _handler_name(self, value: Value | None) -> tuple[str | None, str | None]:
        match value:
            case None:
                return None, None
            case VRef(qname, "function"):
                return qname, None
            case VRef(qname, "class"):
                call = f"{qname}.__call__"
                return (call if call in self.project.functions else qname), None
            case VMethod(obj, name):
                target = self.ev.method_function(obj, name)
                if target is not None:
                    return target, None
                return None, f"{_text_hint(obj)}.{name}"
            case VInst(type_name, _, True):
                call = f"{type_name}.__call__"
                if call in self.project.functions:
                    return call, None
                return None, type_name
        return None, text_of(value)[1]



# Decorators that route an HTTP path to a function (Flask, FastAPI/Starlette routers, Quart, Sanic).
ROUTE_DECORATORS = frozenset({"route", "post", "put", "api_route"})

# Fields in which an envelope class carries the message body, next to the event's name.
ENVELOPE_BODIES = ("data", "payload", "body", "detail", "content")

# Built-in types a framework accepts where it otherwise takes an event class (faust `value_type=str`,
# FastStream `msg: bytes`): they say how a message is encoded, never which event it is.
PLAIN_TYPES = frozenset({"str", "bytes", "bytearray", "int", "float", "bool", "dict", "list", "tuple", "set", "object", "memoryview"})

def _relative_unresolved(func: ir.Expr, mod: ModInfo) -> bool:
    """`x.method` on a name bound by a relative import (`from . import x`) that the analysed code does not hold:
    project code whose type cannot be known, never a library's object."""
    if not isinstance(func, ir.Attr):
        return False
    root = func.value
    while isinstance(root, ir.Attr):
        root = root.value
    return isinstance(root, ir.Name) and root.id in mod.relative_imports


def _new_destinations(base: list[Found], derived: Iterator[Found]) -> list[Found]:
    """Sites evaluated for a subclass that name a channel, event or handler the base class's evaluation did not."""
    seen = {_destinations(f) for f in base}
    base_handlers = {f.handler for f in base}
    out: list[Found] = []
    for found in derived:
        key = _destinations(found)
        if key in seen:
            continue
        names = any(text_of(v)[0] is not None for name, values in key[1] if name != "handler" for v in values)
        handled = any(isinstance(v, (VRef, VMethod)) for name, values in key[1] if name == "handler" for v in values)
        loop_handler = found.handler is not None and found.handler[0] is not None and found.handler not in base_handlers
        if names or handled or loop_handler:
            seen.add(key)
            out.append(found)
    return out


def _names_something(found: Found) -> bool:
    return any(text_of(v)[0] is not None for name, values in found.values if name in ("event", "channel", "queue") for v in values)


def _destinations(found: Found) -> tuple:
    fields = tuple((name, values) for name, values in found.values if name in DESTINATION_FIELDS)
    return (found.pattern.framework, fields, found.handler)


def _derived(*values: Value | None) -> bool:
    """Whether a record's name is one of several possibilities (an item of a VSet)."""
    for value in values:
        value = as_text_value(value) if value is not None else None
        if isinstance(value, VStr) and value.origin.startswith(DERIVED):
            return True
    return False


def _provenance(*values: Value | None) -> str | None:
    """Where the names of a record came from, when configuration gave them (an environment default)."""
    origins: list[str] = []
    for value in values:
        value = as_text_value(value) if value is not None else None
        if isinstance(value, VStr) and value.origin and value.origin not in origins:
            origins.append(value.origin)
    return "; ".join(origins) or None


def _header_names(value: Value) -> list[str] | None:
    """Header names in a mapping, a list of (name, value) pairs, or a properties object; None when unknown."""
    if isinstance(value, VDict):
        return [k.value for k, _, _, _ in value.items if isinstance(k, VStr)]
    if isinstance(value, VList):
        names: list[str] = []
        for item in value.items:
            if isinstance(item, VList) and item.items and isinstance(item.items[0], VStr):
                names.append(item.items[0].value)
            elif isinstance(item, VDict):
                names.extend(k.value for k, _, _, _ in item.items if isinstance(k, VStr))
            else:
                return None
        return names
    if isinstance(value, VInst):
        names = [name for name, bound in value.bind if name not in ("value", "payload", "headers") and not _is_none(bound)]
        nested = value.get("headers")
        if isinstance(nested, VDict):
            names.extend(k.value for k, _, _, _ in nested.items if isinstance(k, VStr))
        return names
    if isinstance(value, VConst) and value.value is None:
        return []
    return None


def _keywords(spec: Spec) -> set[str]:
    """Every keyword a field reads, inside `join` parts too."""
    found: set[str] = set()
    for source in spec:
        if source.kw:
            found.add(source.kw)
        for part in source.join_parts:
            found |= _keywords(part)
    return found


def _says_key(expr: ir.Expr) -> bool:
    """An expression worth reporting as a key's origin (not an opaque computation)."""
    return not isinstance(expr, (ir.Opaque, ir.Lambda, ir.Comp, ir.Seq, ir.DictE))


def _is_none(value: Value) -> bool:
    return isinstance(value, VConst) and value.value is None


def _rebind(scope: Scope, call: ir.Call, caller: Scope) -> Scope:
    """`scope` with the innermost unbound function in its chain of callers bound to `call` in `caller`."""
    if scope.args is None:
        return Scope(scope.mod, scope.func, scope.cls, ArgBinding(call, caller), scope.self_type)
    return Scope(
        scope.mod, scope.func, scope.cls, ArgBinding(scope.args.call, _rebind(scope.args.caller, call, caller)), scope.self_type
    )


def _per_record(site: Found, channel: Value | None, name: str, binds: dict[str, tuple]) -> str | None:
    """A setting of one record: the channel object's own (a kombu Queue's dead-letter exchange) or the site's.

    When the channel object's type can carry the setting, the object is authoritative:
    of two queues consumed together, only the one declared with a dead-letter exchange has one.
    """
    if isinstance(channel, VInst) and any(bound == name for bound, _ in binds.get(channel.type, ())):
        return _first_text(tuple(v for v in (channel.get(name),) if v is not None))
    return _first_text(site.get(name))


def _broker(site: Found, channel: Value | None, binds: dict[str, tuple]) -> str | None:
    """The broker connection of a record when the code states it exactly (see `broker_label`)."""
    if isinstance(channel, VInst) and any(bound == "broker" for bound, _ in binds.get(channel.type, ())):
        values: tuple[Value, ...] = tuple(v for v in (channel.get("broker"),) if v is not None)
    else:
        values = site.get("broker")
    return broker_label(VList(values)) if values else None  # a list of bootstrap servers is flattened at the site


def broker_label(value: Value) -> str | None:
    """A normalized, non-secret label of a connection: `kafka-1:9092,kafka-2:9092` for bootstrap servers
    (a list or a comma-separated string, sorted), `localhost:4566` for `http://user:pw@LocalHost:4566/path`;
    None unless every part is a string written in the code (an environment variable's default can be
    overridden where the code runs: it names no connection for sure)."""
    parts: list[str] = []
    for item in value.items if isinstance(value, VList) else (value,):
        if not isinstance(item, VStr) or item.origin:
            return None
        for address in item.value.replace(";", ",").split(","):
            address = address.strip()
            if "://" in address:
                address = address.split("://", 1)[1]
            address = address.rsplit("@", 1)[-1].split("/", 1)[0].split("?", 1)[0].lower()
            if address:
                parts.append(address)
    return ",".join(sorted(set(parts))) or None


def broker_named(function: str | None) -> str:
    """How a queue the broker names is written in the facts: the function that declares, binds and
    consumes it (`queue_declare(queue="")`, then `result.method.queue`), which is what ties them."""
    return f"broker-named queue in {function}"


def _key_unresolved(found: Detected | None) -> str | None:
    """Why the key serializer's schema stays unknown, as `category: the key: detail`."""
    if found is None or found.unresolved is None:
        return None
    category, _, detail = found.unresolved.partition(": ")
    return f"{category}: the key: {detail}"


def text_of(value: Value | None) -> tuple[str | None, str | None]:
    """(the string, or None) and, when not statically known, the expression text."""
    if value is None:
        return None, None
    value = as_text_value(value)
    match value:
        case VStr(text):
            return text, None
        case VConst(None):
            return None, None
        case VConst(v):
            return str(v).lower() if isinstance(v, bool) else str(v), None
        case VTemplate(text) | VUnknown(text):
            return None, text
        case VParam(_, name, _):
            return None, name
        case VRef(qname, _):
            return None, qname
        case VInst(type_name):
            return None, type_name
        case VMethod(obj, name):
            return None, f"{_text_hint(obj)}.{name}"
        case VList(items):
            return None, "[" + ", ".join(text_of(i)[1] or repr(text_of(i)[0]) for i in items) + "]"
        case VDict():
            return None, "{...}"
    return None, None


def _value_text(value: Value) -> str | None:
    """Source-like text of a value (a key read from a mapping item)."""
    if isinstance(value, VStr):
        return repr(value.value)
    text, expr = text_of(value)
    return expr if expr is not None else text


def _text_hint(value: Value) -> str:
    text, expr = text_of(value)
    return expr or text or "?"


def _first_text(values: tuple[Value, ...]) -> str | None:
    for value in values:
        text, expr = text_of(value)
        if text is not None:
            return text
        if expr is not None:
            return expr
    return None


def _returned_position(fn: ir.Function, call: ir.Call) -> tuple[int | str, ...] | None:
    """How `fn` returns the result of `call`: () as is, (i, n) as item i of an n-tuple, ("k",) under key k of a dict."""
    names = {a.target for a in fn.assigns if (a.value.value if isinstance(a.value, ir.Await) else a.value) is call}

    def holds(expr: ir.Expr) -> bool:
        expr = expr.value if isinstance(expr, ir.Await) else expr
        return expr is call or isinstance(expr, ir.Name) and expr.id in names

    found: set[tuple[int | str, ...]] = set()
    for ret in fn.returns:
        if holds(ret):
            found.add(())
        elif isinstance(ret, ir.Seq) and not any(isinstance(item, ir.Starred) for item in ret.items):
            found.update((index, len(ret.items)) for index, item in enumerate(ret.items) if holds(item))
        elif isinstance(ret, ir.DictE):
            found.update((item.key.value,) for item in ret.items if isinstance(item.key, ir.Str) and holds(item.value))
    return found.pop() if len(found) == 1 else None


def _kept_as(fn: ir.Function, call: ir.Call, position: tuple[int | str, ...]) -> list[str]:
    """The names `fn` keeps the factory's result (or the item at `position`) under."""
    out: list[str] = []
    for assign in fn.assigns:
        value = assign.value.value if isinstance(assign.value, ir.Await) else assign.value
        if not position and value is call:
            out.append(assign.target)
        elif position and isinstance(value, ir.Sub):
            base = value.value.value if isinstance(value.value, ir.Await) else value.value
            index = value.index
            literal = index.value if isinstance(index, (ir.Const, ir.Str)) else None
            if base is not call or isinstance(literal, bool):
                continue
            if literal == position[0] or len(position) == 2 and isinstance(literal, int) and literal + position[1] == position[0]:
                out.append(assign.target)
    return out


def _is_call(expr: ir.Expr) -> bool:
    if isinstance(expr, ir.Await):
        expr = expr.value
    return isinstance(expr, ir.Call)


def _looks_like_event_class(qname: str, framework_modules: frozenset[str]) -> bool:
    """A class from outside the standard library and the messaging libraries: a shared event schema."""
    root = qname.split(".")[0]
    short = qname.rsplit(".", 1)[-1]
    if root in STDLIB or root in framework_modules:
        return False
    return short[:1].isupper() and not short.isupper()


def _literal_type(expr: ir.Expr) -> str | None:
    """The JSON type of a literal payload value, or None when it is not a literal."""
    match expr:
        case ir.Str() | ir.FStr():
            return "string"
        case ir.Const(value):
            if value is None:
                return "null"
            if isinstance(value, bool):
                return "boolean"
            return "integer" if isinstance(value, int) else "number"
        case ir.DictE():
            return "object"
        case ir.Seq():
            return "array"
    return None
