"""Dispatch inside a consumer: which project function handles which topic, routing key or event type.

A consumer that receives several kinds of message often hands each to its own
function: through a mapping (`HANDLERS[msg.topic](msg.value)`,
`handlers.get(event["type"])`, `handler = self.handlers[t]; handler(evt)`,
`for h in HANDLERS[type(evt)]: h(evt)`), or by testing a value of the message
(`if msg.topic() == "orders"`, `elif isinstance(evt, OrderPlaced)`,
`match event["type"]: case "OrderPlaced":`). Each such arm is a `Route`.

Precision first: a route is only made when the tested value is read from the
message itself and names what it is (a topic, channel, subject, queue or routing
key; an event-type key from `payload-event-keys`; the message's class), the key
is a literal (or a class), and the arm hands the message to exactly one project
function. An arm that does more with the message than call one function is the
dispatching function's own work: for an event type it still names the event,
with the dispatching function as its handler; for a topic it changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventlint.extract import ir
from eventlint.extract.handlers import decoded_names, derived_names
from eventlint.extract.resolve import STDLIB, Evaluator, ModInfo, Project, Scope, flatten
from eventlint.extract.values import Value, VConst, VDict, VInst, VMethod, VRef, VSet, VStr

MAX_DEPTH = 3
# fields of a message that name where it came from, and what a route keyed by them is
ADDRESS_FIELDS = {
    "topic": "channel",
    "channel": "channel",
    "subject": "channel",
    "queue": "channel",
    "stream": "channel",
    "routing_key": "routing_key",
}
LOGGERS = ("log", "logger", "logging", "_log", "_logger", "LOG", "LOGGER", "print")


@dataclass(frozen=True)
class Route:
    """One dispatch arm: messages whose `kind` ("channel", "routing_key", "event") is `key` go to `handler`."""

    kind: str
    key: str
    handler: str
    where: str  # "<function>:<line>", the dispatch site, for `via`
    within: str | None = None  # an event route of a nested map under one topic: the records of that channel only


class Dispatch:
    """Finds the routes inside project functions that receive messages (memoised per function)."""

    def __init__(self, project: Project, evaluator: Evaluator, event_keys: tuple[str, ...]) -> None:
        self.project = project
        self.ev = evaluator
        self.event_keys = frozenset(event_keys)
        self.libraries = project.patterns.modules
        # memoised like the evaluator's values (`Evaluator.eval`): only routes found with no cut met (a function
        # reached again through itself, or past MAX_DEPTH), each with its height, so they are the same in any order
        self._memo: dict[tuple, tuple[tuple[Route, ...], int, int]] = {}  # (routes, height, reads)
        self._active: set[tuple] = set()
        self._cuts = 0
        self._deepest = 0
        self._raw: frozenset[str] = frozenset()
        self._given: dict[str, str] = {}
        # a function whose routes are those of the one function it hands the message to: that function
        self.receivers: dict[str, str] = {}
        self._registries: dict[tuple[str, str, str], tuple[list[tuple[Value, str]], int]] = {}  # (registrations, reads)

    def routes(
        self,
        qname: str,
        messages: set[str] | None = None,
        raw: frozenset[str] = frozenset(),
        depth: int = 0,
        given: frozenset[tuple[str, str]] = frozenset(),
        bound: Scope | None = None,
    ) -> tuple[Route, ...]:
        """The routes in `qname`, or in the one project function it hands the message to (a few levels down).

        `messages` are the names holding the message (a consuming loop's); by default the parameters.
        `raw` are those that hold the transport's record itself (`for message in pubsub.listen()`,
        `msg = consumer.poll()`): its fields name the address, and an event type only once decoded
        (redis hands out `{"type": "message", ...}`; `msg.value["type"]` is the event's).
        `given` are parameters known to hold a value of the message that names something, as
        (parameter, kind): `registry.dispatch(message["channel"], payload)` gives ("channel", "channel").
        `bound` is `qname`'s scope with its parameters bound to one call: a shared consuming loop handed
        its handler map (`run_loop(consumer, HANDLERS)` then `handlers.get(msg.topic())`) routes by that map.
        """
        entry = self.project.functions.get(qname)
        if entry is None:
            return ()
        reads = self.project.reads
        if depth > MAX_DEPTH:
            self._cut()
            return ()
        mod, fn = entry
        if messages is None:
            skip = 1 if fn.cls is not None and fn.params and not _is_static(fn) else 0
            messages = {p.name for p in fn.params[skip:]}
            # a callback's unannotated parameter may be the transport's record (redis hands a handler
            # {"type": "message", ...}); one the framework decodes into a declared type is the payload
            raw = frozenset(p.name for p in fn.params[skip:] if p.annotation is None)
        if bound is not None and bound.func is not fn:
            bound = None
        key = (qname, frozenset(messages), raw, given, bound.key if bound is not None else None)
        memo = self._memo.get(key)
        if memo is not None and depth + memo[1] <= MAX_DEPTH:
            self._deepest = max(self._deepest, depth + memo[1])
            if reads is not None:
                reads.bits |= memo[2]
                if memo[0] and qname in self.receivers:  # the answer's write, as its computation made it
                    reads.wrote(f"#receiver:{qname}", self.receivers[qname])
            return memo[0]
        if key in self._active:  # cycle-safe
            self._cut()
            return ()
        cuts, above = self._cuts, self._deepest
        self._deepest = depth
        self._active.add(key)
        if reads is not None:
            outer = reads.bits
            reads.bits = mod.bit
        try:
            found = self._routes(qname, fn, mod, messages, raw, given, bound, depth)
        finally:
            self._active.discard(key)
            reached = self._deepest
            self._deepest = max(above, reached)
            if reads is not None:
                mine = reads.bits
                reads.bits = outer | mine
        if self._cuts == cuts:
            self._memo[key] = (found, reached - depth, mine if reads is not None else 0)
        return found

    def _cut(self) -> None:
        self._cuts += 1
        if self.project.reads is not None:
            self.project.reads.bits |= VOLATILE

    def _routes(
        self,
        qname: str,
        fn: ir.Function,
        mod: ModInfo,
        messages: set[str],
        raw: frozenset[str],
        given: frozenset[tuple[str, str]],
        bound: Scope | None,
        depth: int,
    ) -> tuple[Route, ...]:
        scope = bound if bound is not None else Scope(mod, fn, self.ev.class_of(mod, fn))
        derived = derived_names(fn, messages)
        itself = decoded_names(fn, frozenset(messages))
        self._raw = raw
        self._given = dict(given)
        found = self._mapped(qname, fn, scope, derived, itself) + self._branches(qname, fn, scope, derived, itself)
        if not found:
            inner = self._sole_callee(fn, scope, derived, itself)
            if inner is not None:
                target, params, kinds = inner
                found = self.routes(target, params, frozenset(), depth + 1, kinds)
                if found:
                    self.receivers[qname] = self.receivers.get(target, target)
                    if self.project.reads is not None:  # a summary read as a whole (`#receiver:`)
                        self.project.reads.wrote(f"#receiver:{qname}", self.receivers[qname])
        return found

    # -- if/elif and match -------------------------------------------------------------

    def _branches(self, qname: str, fn: ir.Function, scope: Scope, derived: set[str], itself: set[str]) -> tuple[Route, ...]:
        out: list[Route] = []
        for branch in fn.branches:
            subject, keys = branch.subject, branch.keys
            kind = self._kind(subject, fn, itself, branch.test)
            if kind is None and branch.test == "eq" and len(keys) == 1:
                kind = self._kind(keys[0], fn, itself, "eq")  # `"orders" == msg.topic()`
                subject, keys = keys[0], (subject,)
            if kind is None:
                continue
            line = branch.calls[0].line if branch.calls else fn.line
            names = [self._key_text(k, kind, scope, line) for k in keys]
            if not names or any(n is None for n in names):
                continue
            handler = self._arm_handler(branch.calls, scope, derived)
            if handler is None and kind in ("event", "class"):
                handler = qname if self._uses_message(branch.calls, derived) else None
            if handler is None:
                continue
            where = f"{qname}:{line}"
            out.extend(Route(_route_kind(kind), name, handler, where) for name in names if name is not None)
        return tuple(out)

    def _arm_handler(self, calls: tuple[ir.Call, ...], scope: Scope, derived: set[str]) -> str | None:
        """The one project function an arm hands the message to, when that is all the arm does with it."""
        targets: set[str] = set()
        for call in _effects(calls, scope.func):
            if not _passes(call, derived) or _is_logger(call):
                continue
            target = self._target(call, scope, derived)
            if target is None:
                return None  # the arm does something else with the message itself
            targets.add(target)
        return targets.pop() if len(targets) == 1 else None

    def _uses_message(self, calls: tuple[ir.Call, ...], derived: set[str]) -> bool:
        return any(_passes(c, derived) and not _is_logger(c) for c in calls)

    # -- mappings ------------------------------------------------------------------------

    def _mapped(self, qname: str, fn: ir.Function, scope: Scope, derived: set[str], itself: set[str]) -> tuple[Route, ...]:
        out: list[Route] = []
        for call in fn.calls:
            if not _passes(call, derived):
                continue
            found = lookup(call.func, fn, call.line)
            if found is None:
                continue
            mapping, key = found
            if isinstance(mapping, ir.Sub):
                out.extend(self._nested(qname, call, mapping, key, fn, scope, itself))
                continue
            kind = self._kind(key, fn, itself, "eq")
            if kind is None:
                continue
            where = f"{qname}:{call.line}"
            value = self.ev.eval(mapping, scope, call.line)
            items = value.items if isinstance(value, VDict) else ()
            for k, v, _, _ in items:
                name = _value_key(k, kind, self.libraries) if k is not None else None
                if name is None:
                    continue
                for handler in flatten(v):
                    target = self._function_of(handler)
                    if target is not None:
                        out.append(Route(_route_kind(kind), name, target, where))
            for key, target in self._decorated(mapping, scope, call.line):
                name = _value_key(key, kind, self.libraries)
                if name is not None:
                    out.append(Route(_route_kind(kind), name, target, where))
        return tuple(out)

    def _nested(
        self, qname: str, call: ir.Call, mapping: ir.Sub, key: ir.Expr, fn: ir.Function, scope: Scope, itself: set[str]
    ) -> list[Route]:
        """`HANDLERS[msg.topic()][event["type"]](event)`: routes through nested literal maps, one level per key.

        A level keyed by a value of the message that names something (a topic, an event type) gives the
        route its name there; a level keyed by anything else (the record's key) is crossed whole. An event
        route under a topic holds for that topic's records only (`within`); without an event level, every
        function under a topic is a handler of that topic.
        """
        keys: list[ir.Expr] = [key]
        base: ir.Expr = mapping
        while isinstance(base, ir.Sub):
            keys.insert(0, base.index)
            base = base.value
        kinds = [self._kind(k, fn, itself, "eq") for k in keys]
        if all(k is None for k in kinds) or len(keys) > MAX_DEPTH + 1:
            return []
        paths: list[tuple[tuple[str | None, ...], Value]] = [((), self.ev.eval(base, scope, call.line))]
        for kind in kinds:
            following: list[tuple[tuple[str | None, ...], Value]] = []
            for names, value in paths:
                if not isinstance(value, VDict) or value.source or any(k is None for k, _, _, _ in value.items):
                    return []  # a level that is not a literal map: which functions it holds is not known
                for k, v, _, _ in value.items:
                    name = _value_key(k, kind, self.libraries) if kind is not None and k is not None else None
                    if kind is not None and name is None:
                        return []
                    following.append(((*names, name), v))
            paths = following
        where = f"{qname}:{call.line}"
        out: list[Route] = []
        for names, value in paths:
            named = {_route_kind(kind): name for kind, name in zip(kinds, names) if kind is not None}
            for handler in flatten(value):
                target = self._function_of(handler)
                if target is None:
                    return []  # the map also holds something that is no project function
                if "event" in named:
                    out.append(Route("event", named["event"], target, where, named.get("channel")))
                elif "channel" in named:
                    out.append(Route("channel", named["channel"], target, where))
                elif "routing_key" in named:
                    out.append(Route("routing_key", named["routing_key"], target, where))
        return out

    # -- registries filled by decorators -------------------------------------------------

    def _decorated(self, mapping: ir.Expr, scope: Scope, line: int) -> list[tuple[Value, str]]:
        """(key, function) of each `@register("key")` whose decorator stores the function in `mapping`.

        `mapping` is a module-level name (`HANDLERS[topic] = fn` in a decorator function) or an
        attribute of a project object (`self._handlers[topic] = fn` in a decorator method).
        """
        owner = self._registry_owner(mapping, scope, line)
        if owner is None:
            return []
        reads = self.project.reads
        if owner not in self._registries:
            if reads is not None:
                outer, reads.bits = reads.bits, 0
            self._registries[owner] = (self._registrations(owner), reads.bits if reads is not None else 0)
            if reads is not None:
                reads.bits |= outer
        found, bits = self._registries[owner]
        if reads is not None:
            reads.bits |= bits
        return found

    def _registry_owner(self, mapping: ir.Expr, scope: Scope, line: int) -> tuple[str, str, str] | None:
        """("module", module, name) or ("class", class, attribute) of the registry a lookup reads."""
        mod = scope.mod
        match mapping:
            case ir.Name(name):
                if name in mod.globals and not any(a.target == name for a in (scope.func.assigns if scope.func else ())):
                    return ("module", mod.name, name)
                target = mod.imports.get(name)
                if target is not None and "." in target:
                    module, _, attr = target.rpartition(".")
                    found = self.project.find_module(module, mod)
                    if found is not None:
                        return ("module", found.name, attr)
            case ir.Attr(base, attr):
                value = self.ev.eval(base, scope, line)
                if isinstance(value, VInst) and value.project:
                    return ("class", value.type, attr)
        return None

    def _registrations(self, owner: tuple[str, str, str]) -> list[tuple[Value, str]]:
        form, where, name = owner
        decorators: set[tuple[str, int]] = set()  # (decorator function, index of its key parameter)
        if form == "module":
            mod = self.project.mods.get(where)
            functions = [(mod, fn) for fn in mod.ir.functions if fn.cls is None] if mod is not None else []
            stored = name
        else:
            entry = self.project.classes.get(where)
            if entry is None:
                return []
            mod, cls = entry
            functions = [(mod, fn) for fn in mod.ir.functions if fn.cls == cls.name]
            stored = f"self.{name}"
        for mod, fn in functions:
            offset = 1 if form == "class" else 0
            params = [p.name for p in fn.params[offset:]]
            for inner in mod.ir.functions:
                if inner.parent != fn.name or not inner.params:
                    continue
                if not any(isinstance(r, ir.Name) and r.id == inner.name.rsplit(".", 1)[-1] for r in fn.returns):
                    continue
                decorated = inner.params[0].name
                for store in inner.stores:
                    if store.target == stored and isinstance(store.key, ir.Name) and store.key.id in params:
                        if isinstance(store.value, ir.Name) and store.value.id == decorated:
                            decorators.add((self.project.function_qname(mod, fn), params.index(store.key.id)))
        if not decorators:
            return []
        by_name = dict(decorators)
        out: list[tuple[Value, str]] = []
        for qname, (mod, fn) in sorted(self.project.functions.items()):
            for dec in fn.decorators:
                if not isinstance(dec.expr, ir.Call):
                    continue
                terminal = dec.expr.func.attr if isinstance(dec.expr.func, ir.Attr) else getattr(dec.expr.func, "id", None)
                if not any(d.rsplit(".", 1)[-1] == terminal for d in by_name):
                    continue
                scope = self.ev.enclosing_scope(mod, fn)
                callee = self.ev.eval(dec.expr.func, scope, dec.line)
                target = self._function_of(callee)
                if isinstance(callee, VMethod) and isinstance(callee.obj, VInst) and callee.obj.type != where and form == "class":
                    continue  # another object's method of the same name
                if target in by_name:
                    index = by_name[target]
                    if index < len(dec.expr.args):
                        out.append((self.ev.eval(dec.expr.args[index], scope, dec.line), qname))
        return out

    # -- shared -------------------------------------------------------------------------

    def _kind(self, expr: ir.Expr, fn: ir.Function, derived: set[str], test: str, depth: int = 0) -> str | None:
        """What a tested value of the message names: "channel", "routing_key", "event" (a type key) or "class"."""
        match expr:
            case ir.Name(name) if test == "isinstance":
                return "class" if name in derived else None
            case ir.Call(ir.Name("type"), (inner,), ()) if _reads(inner, derived):
                return "class"
            case ir.Attr(inner, "__class__") if _reads(inner, derived):
                return "class"
            case ir.Attr(inner, field) | ir.Call(ir.Attr(inner, field), (), ()) if _reads(inner, derived):
                return self._field_kind(field, inner)
            case ir.Sub(inner, ir.Str(field)) | ir.Call(ir.Attr(inner, "get"), (ir.Str(field), *_), _) if _reads(inner, derived):
                return self._field_kind(field, inner)
            case ir.Name(name) if name in self._given and not _last_assign(fn, name):
                return self._given[name]
            case ir.Name(name) if depth < 3:
                assigned = _last_assign(fn, name)
                if assigned is not None:
                    return self._kind(assigned, fn, derived, test, depth + 1)
        return None

    def _field_kind(self, field: str, inner: ir.Expr) -> str | None:
        if field in ADDRESS_FIELDS:
            return ADDRESS_FIELDS[field]
        if isinstance(inner, ir.Name) and inner.id in self._raw:
            return None
        return "event" if field in self.event_keys else None

    def _key_text(self, expr: ir.Expr, kind: str, scope: Scope, line: int) -> str | None:
        return _value_key(self.ev.eval(expr, scope, line), kind, self.libraries)

    def _target(self, call: ir.Call, scope: Scope, derived: set[str]) -> str | None:
        callee = self.ev.eval(call.func, scope, call.line)
        target = self._function_of(callee)
        if target is not None:
            return target
        # a project function handed over with the message: pool.submit(handle, msg)
        for index, arg in enumerate(call.args):
            if isinstance(arg, (ir.Name, ir.Attr)) and not ir.names_in(arg) & derived:
                if any(ir.names_in(rest) & derived for rest in call.args[index + 1 :]):
                    return self._function_of(self.ev.eval(arg, scope, call.line))
        return None

    def _function_of(self, value: Value) -> str | None:
        return function_of(value, self.project, self.ev)

    def _sole_callee(
        self, fn: ir.Function, scope: Scope, derived: set[str], itself: set[str]
    ) -> tuple[str, set[str], frozenset[tuple[str, str]]] | None:
        """The one project function `fn` hands the message to, its parameters that receive it, and the kinds of those."""
        targets: dict[str, ir.Call] = {}
        for call in _effects(fn.calls, fn):
            if not _passes(call, derived) or _is_logger(call):
                continue
            target = self._target(call, scope, derived)
            if target is not None:
                targets.setdefault(target, call)
        if len(targets) != 1:
            return None
        [(target, call)] = targets.items()
        mod, callee = self.project.functions[target]
        skip = 1 if callee.cls is not None and callee.params and not _is_static(callee) else 0
        params = callee.params[skip:]
        given = set()
        kinds = set()
        for index, param in enumerate(params):
            passed = [arg for position, arg in enumerate(call.args) if position == index and param.kind == "pos"]
            passed += [arg for name, arg in call.kwargs if name == param.name]
            for arg in passed:
                if ir.names_in(arg) & derived:
                    given.add(param.name)
                    kind = self._kind(arg, fn, itself, "eq")
                    if kind is not None:
                        kinds.add((param.name, kind))
        return (target, given, frozenset(kinds)) if given else None


def _route_kind(kind: str) -> str:
    return "event" if kind == "class" else kind


def _value_key(value: Value, kind: str, libraries: frozenset[str] = frozenset()) -> str | None:
    """A mapping key or a tested value as the name of a channel, routing key or event.

    A class is an event when it is the project's or a shared library's, not the standard
    library's (`isinstance(data, Mapping)`) nor a messaging library's (`isinstance(msg, Message)`).
    """
    if isinstance(value, VStr):
        return value.value if kind != "class" else None
    if isinstance(value, VRef) and value.kind in ("class", "external") and kind in ("class", "event"):
        if value.kind == "external" and value.qname.split(".")[0] in STDLIB | libraries:
            return None
        short = value.qname.rsplit(".", 1)[-1]
        return short if short[:1].isupper() else None
    return None


def _reads(expr: ir.Expr, derived: set[str]) -> bool:
    return bool(ir.names_in(expr) & derived)


def _passes(call: ir.Call, derived: set[str]) -> bool:
    return any(ir.names_in(a) & derived for a in (*call.args, *(v for _, v in call.kwargs)))


def _is_logger(call: ir.Call) -> bool:
    func = call.func
    while isinstance(func, ir.Attr):
        func = func.value
    return isinstance(func, ir.Name) and func.id in LOGGERS


def _effects(calls: tuple[ir.Call, ...], fn: ir.Function | None) -> list[ir.Call]:
    """Calls made for their effect: not nested in another call of the list, result not kept."""
    nested: set[int] = set()
    for call in calls:
        for arg in (call.func, *call.args, *(v for _, v in call.kwargs)):
            stack: list[ir.Expr] = [arg]
            while stack:
                node = stack.pop()
                if isinstance(node, ir.Call):
                    nested.add(id(node))
                    stack.extend((node.func, *node.args, *(v for _, v in node.kwargs)))
                elif isinstance(node, (ir.Attr, ir.Await, ir.Starred)):
                    stack.append(node.value)
                elif isinstance(node, ir.Sub):
                    stack.extend((node.value, node.index))
    kept = {id(a.value.value if isinstance(a.value, ir.Await) else a.value) for a in fn.assigns} if fn is not None else set()
    return [c for c in calls if id(c) not in nested and id(c) not in kept]


# what a handler map's key may be: a literal or constant string or number, one of a few known strings, a class
KNOWN_KEYS = (VStr, VConst, VSet, VRef)


def function_of(value: Value, project: Project, ev: Evaluator) -> str | None:
    """The project function a value of a handler map holds."""
    if isinstance(value, VRef) and value.kind == "function" and value.qname in project.functions:
        return value.qname
    if isinstance(value, VMethod):
        return ev.method_function(value.obj, value.name)
    return None


def mapped_functions(call: ir.Call, fn: ir.Function, scope: Scope, project: Project, ev: Evaluator) -> tuple[str, ...]:
    """Every project function that `call` may run when it calls what it looks up in a handler map
    (`ROUTES[topic](msg)`, `HANDLERS.get(kind)(event)`, `h = HANDLERS[t]; h(evt)`), whatever the key.

    The map must evaluate to a dict whose every key is known (a literal, a constant, an environment default):
    a map built at run time, or one with a key computed from input, may hold anything and gives nothing.
    Nested maps (`HANDLERS[topic][kind]`) are left to the routes above.
    """
    found = lookup(call.func, fn, call.line)
    if found is None or isinstance(found[0], ir.Sub):
        return ()
    value = ev.eval(found[0], scope, call.line)
    if not isinstance(value, VDict) or not value.items or not all(isinstance(k, KNOWN_KEYS) for k, _, _, _ in value.items):
        return ()
    out: list[str] = []
    for _, handlers, _, _ in value.items:
        for handler in flatten(handlers):
            target = function_of(handler, project, ev)
            if target is not None and target not in out:
                out.append(target)
    return tuple(out)


def lookup(func: ir.Expr, fn: ir.Function, line: int) -> tuple[ir.Expr, ir.Expr] | None:
    """(mapping, key) when the called thing is looked up in a mapping: `m[k]`, `m.get(k)`, through a local name."""
    match func:
        case ir.Sub(mapping, key):
            return mapping, key
        case ir.Call(ir.Attr(mapping, "get"), (key, *_), _):
            return mapping, key
        case ir.Name(name):
            assigned = _last_assign(fn, name, line)
            if assigned is not None and not isinstance(assigned, ir.Name):
                return lookup(assigned, fn, line)
            for loop in fn.loops:
                # for handler in HANDLERS[type(event)]: handler(event)
                if loop.targets == (name,) and loop.line <= line <= (loop.end_line or loop.line):
                    return lookup(loop.iter, fn, line)
    return None


def _last_assign(fn: ir.Function, name: str, line: int | None = None) -> ir.Expr | None:
    found: ir.Assign | None = None
    for assign in fn.assigns:
        if assign.target == name and (line is None or assign.line <= line):
            if found is None or assign.line >= found.line:
                found = assign
    return found.value if found is not None else None


def _is_static(fn: ir.Function) -> bool:
    return any(ir.unparse(d.expr) == "staticmethod" for d in fn.decorators)
