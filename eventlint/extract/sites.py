"""Matching the framework patterns against the resolved code: the publication and subscription sites.

Three passes over the project IR:
1. direct sites: calls, decorators and handler registries that a pattern names;
2. wrappers: a project function whose site takes its destination from a
   parameter is followed to its call sites (repeatedly, for wrappers of wrappers);
3. records: values turned into facts (event, channel, handler names; payload
   fields; the consuming loop's handler for polling consumers).
"""

from __future__ import annotations

import itertools
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace

from eventlint.extract import ir
from eventlint.extract.patterns import SitePattern, Spec
from eventlint.extract.resolve import (
    Evaluator,
    ModInfo,
    Project,
    Scope,
    SiteContext,
    argument,
    as_text_value,
)
from eventlint.extract.values import Value, VConst, VDict, VInst, VList, VMethod, VParam, VRef, VStr, VTemplate, VUnknown
from eventlint.facts import Binding, Publication, Subscription

MAX_WRAPPER_DEPTH = 6
MAX_RECORDS_PER_SITE = 64
SERIALISERS = frozenset(
    {
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
        "builtins.str",
        "builtins.bytes",
        "pydantic.json.pydantic_encoder",
    }
)
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


@dataclass(frozen=True)
class Found:
    """A matched site before it becomes a fact: values still symbolic."""

    pattern: SitePattern
    mod: ModInfo
    scope: Scope
    line: int
    col: int
    function: str | None
    values: tuple[tuple[str, tuple[Value, ...]], ...]
    call: ir.Call | None = None
    decorated: str | None = None
    payload: tuple[tuple[str, ...] | None, str | None] = (None, None)
    key: str | None = None
    handler: tuple[str | None, str | None] | None = None
    via: tuple[str, ...] = ()

    def get(self, name: str) -> tuple[Value, ...]:
        for key, values in self.values:
            if key == name:
                return values
        return ()


class SiteFinder:
    """Finds every site of the project and turns it into facts."""

    def __init__(self, project: Project, services: dict[str, str | None], payload_event_keys: tuple[str, ...]) -> None:
        self.project = project
        self.patterns = project.patterns
        self.ev = Evaluator(project)
        self.services = services
        self.payload_event_keys = payload_event_keys
        self.stdlib = frozenset(getattr(sys, "stdlib_module_names", ())) | {"builtins"}

    # -- pass 1: direct sites ------------------------------------------------------

    def direct(self) -> list[Found]:
        found: list[Found] = []
        for mod in sorted(self.project.mods.values(), key=lambda m: m.name):
            for fn in mod.ir.functions:
                scope = Scope(mod, fn, mod.classes.get(fn.cls) if fn.cls else None)
                for call in fn.calls:
                    found.extend(self._call_sites(mod, scope, call))
                if fn.decorators:
                    found.extend(self._decorator_sites(mod, fn))
            for cls in mod.ir.classes:
                scope = Scope(mod, None, cls)
                for call in cls.calls:
                    found.extend(self._call_sites(mod, scope, call))
            found.extend(self._registries(mod))
        return found

    def _call_sites(self, mod: ModInfo, scope: Scope, call: ir.Call) -> Iterator[Found]:
        if not self._may_matter(mod, call):
            return
        callee = self.ev.eval(call.func, scope, call.line)
        keys = self.ev.callable_keys(callee)
        patterns: list[SitePattern] = []
        for key in keys:
            patterns.extend(self.patterns.call_sites.get(key, ()))
            if patterns:
                break
        if not patterns and isinstance(callee, VMethod) and not isinstance(callee.obj, (VInst, VStr, VRef)):
            for pattern in self.patterns.untyped_sites.get(callee.name, ()):
                modules = self.patterns.frameworks[pattern.framework].modules
                if any(m.split(".")[0] in mod.imported_roots for m in modules):
                    patterns.append(pattern)
        receiver = callee.obj if isinstance(callee, VMethod) else None
        if isinstance(receiver, VInst) and receiver.project and self._cls_qname(scope) == receiver.type:
            # `self.subscribe(...)` inside the bus class itself is its implementation, not a use of it
            patterns = [p for p in patterns if p.target.rsplit(".", 1)[0] != receiver.type]
        for pattern in patterns:
            ctx = SiteContext(call=call, scope=scope, receiver=receiver, cls_qname=self._cls_qname(scope))
            yield from self._build(pattern, mod, scope, call.line, call.col, ctx, call=call)

    def _cls_qname(self, scope: Scope) -> str | None:
        """The class whose code this is, looking through nested functions to their method."""
        if scope.cls is not None:
            return f"{scope.mod.name}.{scope.cls.name}"
        fn = scope.func
        while fn is not None and fn.cls is None and fn.parent:
            fn = scope.mod.functions.get(fn.parent)
        return f"{scope.mod.name}.{fn.cls}" if fn is not None and fn.cls else None

    def _may_matter(self, mod: ModInfo, call: ir.Call) -> bool:
        """A cheap test that skips evaluating calls no pattern can match (most calls)."""
        func = call.func
        if isinstance(func, ir.Attr):
            return True
        if isinstance(func, ir.Name):
            return func.id not in _IGNORED_CALLS
        return True

    def _decorator_sites(self, mod: ModInfo, fn: ir.Function) -> Iterator[Found]:
        cls = mod.classes.get(fn.cls) if fn.cls else None
        parent = mod.functions.get(fn.parent) if fn.parent else None
        scope = Scope(mod, parent, None) if parent is not None else Scope(mod, None, cls) if cls is not None else Scope(mod, mod.body)
        decorated = self.project.function_qname(mod, fn)
        for dec in fn.decorators:
            expr = dec.expr
            if isinstance(expr, ir.Call):
                callee = self.ev.eval(expr.func, scope, dec.line)
                keys = self.ev.callable_keys(callee)
                if isinstance(callee, VInst):
                    keys = [callee.type, *keys]
                call: ir.Call | None = expr
            else:
                callee = self.ev.eval(expr, scope, dec.line)
                keys = self.ev.callable_keys(callee) if isinstance(callee, VMethod) else []
                if isinstance(callee, VInst):
                    keys = [callee.type]
                elif isinstance(callee, VRef) and callee.kind == "external":
                    keys = [self.patterns.canonical(callee.qname)]
                call = None
            receiver = callee.obj if isinstance(callee, VMethod) else callee if isinstance(callee, VInst) else None
            for key in keys:
                patterns = self.patterns.decorator_sites.get(key, ())
                for pattern in patterns:
                    ctx = SiteContext(
                        call=call,
                        scope=scope,
                        receiver=receiver,
                        decorated=decorated,
                        cls_qname=f"{mod.name}.{cls.name}" if cls is not None else None,
                    )
                    yield from self._build(pattern, mod, scope, dec.line, dec.col, ctx, call=call, decorated=decorated)
                if patterns:
                    break

    def _registries(self, mod: ModInfo) -> Iterator[Found]:
        for pattern in self.patterns.registries:
            if pattern.registry_assigned is not None:
                for name, assigns in sorted(mod.globals.items()):
                    if _glob_name(name, pattern.registry_assigned) and isinstance(assigns[-1].value, ir.DictE):
                        yield from self._registry_entries(pattern, mod, Scope(mod, mod.body), assigns[-1].value)
            else:
                for fn in mod.ir.functions:
                    scope = Scope(mod, fn, mod.classes.get(fn.cls) if fn.cls else None)
                    for call in fn.calls:
                        callee = self.ev.eval(call.func, scope, call.line)
                        if pattern.registry_call not in self.ev.callable_keys(callee):
                            continue
                        expr = argument(call, pattern.registry_arg, pattern.registry_kw)
                        if isinstance(expr, ir.Name):
                            defined = self.ev.definition(expr.id, scope, call.line)
                            if defined is not None:
                                expr, scope = defined[0], defined[1]
                        if isinstance(expr, ir.DictE):
                            yield from self._registry_entries(pattern, scope.mod, scope, expr)

    def _registry_entries(self, pattern: SitePattern, mod: ModInfo, scope: Scope, mapping: ir.DictE) -> Iterator[Found]:
        for item in mapping.items:
            if item.key is None:
                continue
            key = self.ev.eval(item.key, scope, item.line)
            handlers = self.ev.eval(item.value, scope, item.line)
            field = "event" if pattern.registry_key == "event" else "channel"
            values = ((field, (key,)), ("handler", _flatten(handlers)))
            yield Found(pattern, mod, scope, item.line, item.col, None, values)

    def _build(
        self,
        pattern: SitePattern,
        mod: ModInfo,
        scope: Scope,
        line: int,
        col: int,
        ctx: SiteContext,
        call: ir.Call | None = None,
        decorated: str | None = None,
    ) -> Iterator[Found]:
        items: list[Value | None] = [None]
        if pattern.each is not None:
            listed = self.ev.read_spec(pattern.each, ctx)
            items = [i for v in listed for i in _flatten(v)]
        for item in items:
            item_ctx = replace(ctx, item=item) if item is not None else ctx
            values: list[tuple[str, tuple[Value, ...]]] = []
            for name, spec in pattern.fields:
                if name in ("payload", "key"):
                    continue
                if name == "handler" and any(s.loop for s in spec):
                    continue
                read = self.ev.read_spec(spec, item_ctx)
                if name == "handler" and not read and pattern.form == "decorator" and decorated is not None:
                    read = [VRef(decorated, "function")]
                values.append((name, tuple(v for value in read for v in _flatten(value))))
            if pattern.form == "decorator" and decorated is not None and pattern.spec("handler") is None:
                values.append(("handler", (VRef(decorated, "function"),)))
            present = {name for name, vals in values if vals}
            if any(required not in present for required in pattern.requires):
                continue
            function = decorated or (self.project.function_qname(mod, scope.func) if scope.func is not None else None)
            payload = self._payload(pattern.spec("payload"), item_ctx)
            key = self._key(pattern.spec("key"), item_ctx)
            handler = None
            handler_spec = pattern.spec("handler")
            if handler_spec is not None and any(s.loop for s in handler_spec) and call is not None:
                handler = self._loop_handler(mod, scope, call)
            yield Found(
                pattern,
                mod,
                scope,
                line,
                col,
                function,
                tuple(values),
                call=call,
                decorated=decorated,
                payload=payload,
                key=key,
                handler=handler,
            )

    # -- payloads and keys ---------------------------------------------------------

    def _payload(self, spec: Spec | None, ctx: SiteContext) -> tuple[tuple[str, ...] | None, str | None]:
        if spec is None:
            return None, None
        for source in spec:
            if source.item is not None and isinstance(ctx.item, VDict):
                for k, v, _, _ in ctx.item.items:
                    if isinstance(k, VStr) and k.value == source.item:
                        return self._payload_value(v)
                continue
            if ctx.call is None or ctx.scope is None:
                continue
            expr = argument(ctx.call, source.arg, source.kw)
            if expr is not None:
                return self.payload_shape(expr, ctx.scope, ctx.call.line, 0)
        return None, None

    def payload_shape(self, expr: ir.Expr, scope: Scope, line: int, depth: int) -> tuple[tuple[str, ...] | None, str | None]:
        """Field names of a literal or constructed payload, and the event it names (class or type field)."""
        if depth > 8:
            return None, None
        match expr:
            case ir.DictE(items):
                return self._dict_shape(items, scope, line)
            case ir.Await(value):
                return self.payload_shape(value, scope, line, depth + 1)
            case ir.Name(name):
                defined = self.ev.definition(name, scope, line)
                if defined is None:
                    return None, None
                return self.payload_shape(defined[0], defined[1], defined[2], depth + 1)
            case ir.Call(func, args, kwargs):
                callee = self.ev.eval(func, scope, line)
                if isinstance(callee, VRef) and callee.kind == "external":
                    qname = self.patterns.canonical(callee.qname)
                    if qname in SERIALISERS or qname.rsplit(".", 1)[-1] in ("dumps", "asdict", "packb"):
                        return self.payload_shape(args[0], scope, line, depth + 1) if args else (None, None)
                    if qname == "builtins.dict":
                        return tuple(k for k, _ in kwargs if k is not None), None
                    wrapped = self._wrapped_payload(qname, expr, scope, line, depth)
                    if wrapped is not None:
                        return wrapped
                    if self._looks_like_event_class(qname):
                        return tuple(k for k, _ in kwargs if k is not None) or None, qname.rsplit(".", 1)[-1]
                    return None, None
                if isinstance(callee, VRef) and callee.kind == "class":
                    return self._constructed(callee.qname, args, kwargs), callee.qname.rsplit(".", 1)[-1]
                if isinstance(callee, VMethod) and callee.name in SERIALISER_METHODS and isinstance(func, ir.Attr):
                    return self.payload_shape(func.value, scope, line, depth + 1)
                if isinstance(callee, VRef) and callee.kind == "function":
                    target = self.ev.scope_of(callee.qname)
                    if target is not None and target.func is not None and target.func.returns:
                        return self.payload_shape(target.func.returns[-1], target, ir_last_line(), depth + 1)
        return None, None

    def _payload_value(self, value: Value) -> tuple[tuple[str, ...] | None, str | None]:
        if isinstance(value, VDict):
            keys = tuple(k.value for k, _, _, _ in value.items if isinstance(k, VStr))
            return keys, None
        return None, None

    def _dict_shape(self, items: tuple[ir.DictItem, ...], scope: Scope, line: int) -> tuple[tuple[str, ...] | None, str | None]:
        keys: list[str] = []
        event = None
        for item in items:
            if item.key is None:
                continue
            key = self.ev.eval(item.key, scope, line)
            if not isinstance(key, VStr):
                continue
            keys.append(key.value)
            if key.value in self.payload_event_keys and event is None:
                value = self.ev.eval(item.value, scope, line)
                if isinstance(value, VStr):
                    event = value.value
                elif isinstance(value, VRef) and value.kind == "class":
                    event = value.qname.rsplit(".", 1)[-1]
        return tuple(keys), event

    def _constructed(self, cls_qname: str, args: tuple[ir.Expr, ...], kwargs: tuple[tuple[str | None, ir.Expr], ...]) -> tuple[str, ...] | None:
        fields: list[str] = []
        for qname in reversed([cls_qname, *self.ev.class_bases(cls_qname)]):
            entry = self.project.classes.get(qname)
            if entry is not None:
                fields.extend(f for f in entry[1].fields if f not in fields)
        names = [fields[i] for i in range(min(len(args), len(fields))) if not isinstance(args[i], ir.Starred)]
        names.extend(k for k, _ in kwargs if k is not None)
        return tuple(names)

    def _wrapped_payload(self, qname: str, call: ir.Call, scope: Scope, line: int, depth: int) -> tuple[tuple[str, ...] | None, str | None] | None:
        """A framework message object (aio_pika.Message(body=...)) wraps the real payload."""
        for _name, spec in self.patterns.type_binds.get(qname, ()):
            if _name != "payload":
                continue
            for source in spec:
                inner = argument(call, source.arg, source.kw)
                if inner is not None:
                    return self.payload_shape(inner, scope, line, depth + 1)
            return None, None
        return None

    def _looks_like_event_class(self, qname: str) -> bool:
        root = qname.split(".")[0]
        short = qname.rsplit(".", 1)[-1]
        if root in self.stdlib or root in self.patterns.modules:
            return False
        return short[:1].isupper() and not short.isupper()

    def _key(self, spec: Spec | None, ctx: SiteContext) -> str | None:
        if spec is None or ctx.call is None:
            return None
        for source in spec:
            expr = argument(ctx.call, source.arg, source.kw)
            if expr is None:
                continue
            if isinstance(expr, ir.Const) and expr.value is None:
                return None
            return ir.unparse(expr)
        return None

    # -- polling consumers: who handles the messages -------------------------------

    def _loop_handler(self, mod: ModInfo, scope: Scope, call: ir.Call) -> tuple[str | None, str | None]:
        fn = scope.func
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
                return self._handler_in(mod, fn, set(loop.targets)) or (self.project.function_qname(mod, fn), None)
        for storage in storages:
            for candidate in self._functions_using(mod, fn, storage):
                seeds: set[str] = set()
                if candidate is fn and result_is_messages and storage in {a.target for a in fn.assigns}:
                    seeds.add(storage)
                for loop in candidate.loops:
                    if storage in ir.names_in(loop.iter):
                        seeds.update(loop.targets)
                for assign in candidate.assigns:
                    if assign.target != storage and storage in ir.names_in(assign.value) and _is_call(assign.value):
                        seeds.add(assign.target)
                if not seeds:
                    continue
                handler = self._handler_in(mod, candidate, seeds)
                return handler or (self.project.function_qname(mod, candidate), None)
        return None, f"messages of {ir.unparse(call)}"

    def _functions_using(self, mod: ModInfo, fn: ir.Function, storage: str) -> list[ir.Function]:
        if storage.startswith("self.") and fn.cls is not None:
            prefix = f"{fn.cls}."
            methods = [f for name, f in mod.functions.items() if name.startswith(prefix)]
            return sorted(methods, key=lambda f: (f is not fn, f.line))
        local = any(a.target == storage for a in fn.assigns) or any(p.name == storage for p in fn.params)
        if local:
            nested = [f for f in mod.ir.functions if f.parent == fn.name]
            return [fn, *nested]
        return sorted(mod.ir.functions, key=lambda f: (f is not fn, f.line))

    def _handler_in(self, mod: ModInfo, fn: ir.Function, seeds: set[str]) -> tuple[str, None] | None:
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
        assigned_calls = {id(a.value.value if isinstance(a.value, ir.Await) else a.value) for a in fn.assigns}
        scope = Scope(mod, fn, mod.classes.get(fn.cls) if fn.cls else None)
        candidates: list[tuple[bool, int, int, str]] = []
        for call in fn.calls:
            if not any(ir.names_in(arg) & messages for arg in (*call.args, *(v for _, v in call.kwargs))):
                continue
            callee = self.ev.eval(call.func, scope, call.line)
            target = None
            if isinstance(callee, VRef) and callee.kind == "function":
                target = callee.qname
            elif isinstance(callee, VMethod):
                target = self.ev.method_function(callee.obj, callee.name)
            if target is not None and target in self.project.functions:
                candidates.append((id(call) in assigned_calls, call.line, call.col, target))
        if not candidates:
            return None
        return min(candidates)[3], None

    # -- pass 2: wrappers ------------------------------------------------------------

    def through_wrappers(self, direct: list[Found]) -> list[Found]:
        """Sites reached through project functions that take the destination as a parameter."""
        out: list[Found] = []
        by_terminal = self._calls_by_terminal()
        todo = [(f, 0) for f in direct]
        seen: set[tuple[str, int, int, str]] = set()
        while todo:
            found, depth = todo.pop(0)
            params = self._wrapper_params(found)
            if not params or depth >= MAX_WRAPPER_DEPTH or found.function is None:
                continue
            wrapper = found.function
            terminal = wrapper.rsplit(".", 1)[-1]
            for mod, scope, call in by_terminal.get(terminal, ()):
                callee = self.ev.eval(call.func, scope, call.line)
                target = callee.qname if isinstance(callee, VRef) and callee.kind == "function" else None
                if isinstance(callee, VMethod):
                    target = self.ev.method_function(callee.obj, callee.name)
                if target != wrapper:
                    continue
                key = (mod.name, call.line, call.col, found.pattern.origin)
                if key in seen:
                    continue
                seen.add(key)
                new = self._through(found, params, mod, scope, call)
                out.append(new)
                todo.append((new, depth + 1))
        return out

    def _wrapper_params(self, found: Found) -> dict[str, VParam]:
        params: dict[str, VParam] = {}
        for name, values in found.values:
            if name in ("event", "channel", "handler", "queue", "exchange", "routing_key"):
                for value in values:
                    if isinstance(value, VParam) and value.func == found.function:
                        params[name] = value
        return params

    def _through(self, found: Found, params: dict[str, VParam], mod: ModInfo, scope: Scope, call: ir.Call) -> Found:
        values = []
        for name, vals in found.values:
            if name in params:
                param = params[name]
                expr = argument(call, param.index, param.name)
                vals = _flatten(self.ev.eval(expr, scope, call.line)) if expr is not None else (VUnknown(param.name),)
            values.append((name, vals))
        payload = found.payload
        key = found.key
        if found.call is not None:
            payload, key = self._forwarded_payload(found, mod, scope, call, payload, key)
        function = self.project.function_qname(mod, scope.func) if scope.func is not None else None
        return replace(
            found,
            mod=mod,
            scope=scope,
            line=call.line,
            col=call.col,
            function=function,
            values=tuple(values),
            call=call,
            payload=payload,
            key=key,
            via=(found.function or "", *found.via),
        )

    def _forwarded_payload(self, found: Found, mod: ModInfo, scope: Scope, call: ir.Call, payload, key):  # type: ignore[no-untyped-def]
        """When the wrapper passes its own parameter on as payload or key, read it at the call site."""
        inner_scope = found.scope
        for field, current in (("payload", payload), ("key", key)):
            spec = found.pattern.spec(field)
            if spec is None or found.call is None:
                continue
            for source in spec:
                expr = argument(found.call, source.arg, source.kw)
                if expr is None:
                    continue
                value = self.ev.eval(expr, inner_scope, found.call.line)
                if isinstance(value, VParam) and value.func == found.function:
                    outer = argument(call, value.index, value.name)
                    if outer is not None:
                        if field == "payload":
                            payload = self.payload_shape(outer, scope, call.line, 0)
                        else:
                            key = None if isinstance(outer, ir.Const) and outer.value is None else ir.unparse(outer)
                break
        return payload, key

    def _calls_by_terminal(self) -> dict[str, list[tuple[ModInfo, Scope, ir.Call]]]:
        index: dict[str, list[tuple[ModInfo, Scope, ir.Call]]] = defaultdict(list)
        for mod in sorted(self.project.mods.values(), key=lambda m: m.name):
            for fn in mod.ir.functions:
                scope = Scope(mod, fn, mod.classes.get(fn.cls) if fn.cls else None)
                for call in fn.calls:
                    func = call.func
                    if isinstance(func, ir.Attr):
                        index[func.attr].append((mod, scope, call))
                    elif isinstance(func, ir.Name):
                        target = mod.imports.get(func.id, func.id)
                        index[target.rsplit(".", 1)[-1]].append((mod, scope, call))
        return index

    # -- pass 3: facts ---------------------------------------------------------------

    def records(self, found: list[Found]) -> tuple[list[Publication], list[Subscription], list[Binding]]:
        publishers: list[Publication] = []
        subscribers: list[Subscription] = []
        bindings: list[Binding] = []
        for site in found:
            service = self.services.get(site.mod.ir.path)
            path = site.mod.ir.path
            kind = site.pattern.kind
            if kind == "publish":
                for event, channel in self._combinations(site, ("event", "channel")):
                    ev_text, ev_expr = self._event_text(event, site)
                    ch_text, ch_expr = text_of(channel)
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
                            payload_fields=site.payload[0],
                            event_expr=ev_expr,
                            channel_expr=ch_expr,
                            via=site.via,
                        )
                    )
            elif kind == "subscribe":
                group = _first_text(site.get("group"))
                ack = _first_text(site.get("ack"))
                dead_letter = _first_text(site.get("dead_letter"))
                for event, channel, handler in self._combinations(site, ("event", "channel", "handler")):
                    ev_text, ev_expr = self._event_text(event, site, subscribe=True)
                    ch_text, ch_expr = text_of(channel)
                    if site.handler is not None:
                        h_name, h_expr = site.handler
                    else:
                        h_name, h_expr = self._handler_name(handler)
                    subscribers.append(
                        Subscription(
                            event=ev_text,
                            channel=ch_text,
                            framework=site.pattern.framework,
                            service=self._subscriber_service(h_name, service),
                            path=path,
                            line=site.line,
                            column=site.col,
                            handler=h_name,
                            group=group,
                            ack=ack,
                            dead_letter=dead_letter,
                            event_expr=ev_expr,
                            channel_expr=ch_expr,
                            handler_expr=h_expr,
                            via=site.via,
                        )
                    )
            else:
                for queue, exchange, routing_key in self._combinations(site, ("queue", "exchange", "routing_key")):
                    bindings.append(
                        Binding(
                            framework=site.pattern.framework,
                            queue=text_of(queue)[0],
                            exchange=text_of(exchange)[0],
                            routing_key=text_of(routing_key)[0],
                            service=service,
                            path=path,
                            line=site.line,
                            column=site.col,
                            dead_letter=_first_text(site.get("dead_letter")),
                        )
                    )
        return publishers, subscribers, bindings

    def _subscriber_service(self, handler: str | None, service: str | None) -> str | None:
        """The service whose code handles the messages; the site's own service when that is unknown."""
        entry = self.project.functions.get(handler) if handler else None
        if entry is not None:
            owner = self.services.get(entry[0].ir.path)
            if owner is not None:
                return owner
        return service

    def _combinations(self, site: Found, names: tuple[str, ...]) -> list[tuple[Value | None, ...]]:
        columns = []
        for name in names:
            values = site.get(name)
            columns.append(list(values) if values else [None])
        combos = list(itertools.islice(itertools.product(*columns), MAX_RECORDS_PER_SITE))
        return combos

    def _event_text(self, value: Value | None, site: Found, subscribe: bool = False) -> tuple[str | None, str | None]:
        if value is None:
            if not subscribe and site.payload[1] is not None:
                return site.payload[1], None
            return None, None
        if isinstance(value, VRef) and value.kind in ("class", "external"):
            return value.qname.rsplit(".", 1)[-1], None
        if isinstance(value, VInst) and value.project:
            return value.type.rsplit(".", 1)[-1], None
        text, expr = text_of(value)
        if text is None and not subscribe and site.payload[1] is not None:
            return site.payload[1], None
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
                return (call if call in self.project.functions else None), (None if call in self.project.functions else type_name)
        return None, text_of(value)[1]


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


def _flatten(value: Value) -> tuple[Value, ...]:
    if isinstance(value, VList):
        out: list[Value] = []
        for item in value.items:
            out.extend(_flatten(item))
        return tuple(out)
    return (value,)


def _is_call(expr: ir.Expr) -> bool:
    if isinstance(expr, ir.Await):
        expr = expr.value
    return isinstance(expr, ir.Call)


def _glob_name(name: str, pattern: str) -> bool:
    from fnmatch import fnmatchcase

    return fnmatchcase(name, pattern)


def ir_last_line() -> int:
    return 1 << 30


_IGNORED_CALLS = frozenset(
    {"print", "len", "isinstance", "range", "enumerate", "zip", "sorted", "min", "max", "sum", "any", "all", "repr", "hasattr", "super", "type", "id"}
)
