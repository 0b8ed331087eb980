"""In-house message buses recognised from their shape, with no configuration (framework `inhouse`).

A project class is a bus when it has both halves of one:

- **dispatch**: a method that looks its message's class up in a mapping held on the
  instance and calls what it finds with the message (`self.handlers[type(event)](event)`,
  `for handler in self.event_handlers[type(event)]: handler(event)`);
- **registration**: that mapping is filled by a method taking (type, handler)
  (`self._handlers[event_type].append(handler)`, `setdefault(...).append(...)`), or handed
  to the constructor (`self.event_handlers = event_handlers`), or is a module-level
  `{EventClass: [handler, ...]}` map of project classes to project functions that lives in
  or is read by a module which constructs the bus.

Nothing is reported for a class with only one half. A recognised bus becomes a pack
(the same data a team would write, see docs/frameworks.md), so the sites are found by
the ordinary machinery, and `eventlint init` writes it out for the team to confirm.

Domain objects that collect events (`self.events.append(OrderPlaced(...))`) are
publications when a bus was recognised and some code outside the class drains that list
(`product.events.pop(0)`, `for e in agg.events`): the unit of work hands them to the bus.
A class whose bus a loaded pack already describes is left to that pack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from eventlint.extract import ir
from eventlint.extract.dispatch import lookup
from eventlint.extract.resolve import Evaluator, ModInfo, Project, Scope, flatten
from eventlint.extract.values import VRef

FRAMEWORK = "inhouse"
# lists domain objects collect their events in; fixed, so the prefilter can look for them in bytes
# (prefilter.INHOUSE_TRIGGER names these, and the dispatch shapes: keep the two in step)
EVENT_LISTS = ("events", "_events", "domain_events", "_domain_events", "pending_events", "_pending_events")


@dataclass(frozen=True)
class Bus:
    """One recognised bus class and the methods and maps that make each half."""

    cls: str
    path: str
    line: int
    publish: tuple[tuple[str, int, str], ...]  # (method, argument index, parameter) taking the message
    subscribe: tuple[tuple[str, int, str, int, str], ...]  # (method, key index, key, handler index, handler)
    decorators: tuple[tuple[str, int, str], ...]  # (method, key index, key) returning a registering decorator
    arguments: tuple[tuple[int, str], ...]  # constructor (index, parameter) that carries a handler map
    assigned: tuple[str, ...]  # module-level handler maps
    described: bool = False  # a loaded pack already names the class: the pack's sites stand


@dataclass(frozen=True)
class Collected:
    """`self.<list>.append(EventClass(...))` in a domain object whose events a unit of work drains."""

    mod: ModInfo
    fn: ir.Function
    call: ir.Call
    event: str  # the class's qualified name


def recognise(project: Project, ev: Evaluator) -> list[Bus]:
    """Every bus class of the project with both halves, in a stable order (`described` when a pack names it)."""
    described = set(project.patterns.type_binds)
    buses = []
    for qname, (mod, cls) in sorted(project.classes.items()):
        if "." in cls.name:
            continue
        bus = _bus(project, ev, qname, mod, cls)
        if bus is not None:
            buses.append(replace(bus, described=qname in described))
    return buses


def pack_file(bus: Bus) -> tuple[str, str]:
    """(file name, YAML text) of a pack describing one bus, for the team to confirm or edit."""
    import yaml

    name = "inhouse-" + re.sub(r"(?<!^)(?=[A-Z])", "-", bus.cls.rsplit(".", 1)[-1]).lower()
    data = pack([bus], framework=name)
    data["description"] = f"The in-house bus {bus.cls} ({bus.path}:{bus.line}), as eventlint recognised it: confirm or edit."
    header = (
        "# Written by `eventlint init`: the in-house bus it recognised from the code's shape.\n"
        "# Listed under `frameworks:`, this file describes the bus from now on (see docs/frameworks.md).\n"
    )
    return f"{name}.yaml", header + yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)


def pack(buses: list[Bus], framework: str = FRAMEWORK) -> dict[str, Any]:
    """The pack (framework.json shape) describing the buses."""
    publish: list[dict[str, Any]] = []
    subscribe: list[dict[str, Any]] = []
    for bus in buses:
        for method, index, name in bus.publish:
            fields = {"event": {"arg": index, "kw": name}, "payload": {"arg": index, "kw": name}}
            publish.append({"call": f"{bus.cls}.{method}", "fields": fields})
        for method, k_index, key, h_index, handler in bus.subscribe:
            fields = {"event": {"arg": k_index, "kw": key}, "handler": {"arg": h_index, "kw": handler}}
            subscribe.append({"call": f"{bus.cls}.{method}", "requires": ["handler"], "fields": fields})
        for method, k_index, key in bus.decorators:
            subscribe.append({"decorator": f"{bus.cls}.{method}", "fields": {"event": {"arg": k_index, "kw": key}}})
        for index, name in bus.arguments:
            subscribe.append({"registry": {"argument": {"call": bus.cls, "arg": index, "kw": name}}})
        for name in bus.assigned:
            subscribe.append({"registry": {"assigned": name}})
    modules = sorted({bus.cls.split(".")[0] for bus in buses})
    out: dict[str, Any] = {
        "framework": framework,
        "description": "In-house message bus recognised by eventlint: " + ", ".join(b.cls for b in buses),
        "modules": modules,
        "types": [{"name": bus.cls} for bus in buses],
    }
    if publish:
        out["publish"] = publish
    if subscribe:
        out["subscribe"] = subscribe
    return out


def collected_events(project: Project, ev: Evaluator) -> list[Collected]:
    """Events appended to a domain object's list that code outside its class drains."""
    drained = _drained_lists(project)
    if not drained:
        return []
    out: list[Collected] = []
    for _, (mod, cls) in sorted(project.classes.items()):
        methods = _methods(mod, cls)
        lists = {a for fn in methods.values() for a in _empty_lists(fn)} & drained
        if not lists:
            continue
        for fn in methods.values():
            scope = Scope(mod, fn, cls)
            for call in fn.calls:
                match call:
                    case ir.Call(ir.Attr(ir.Attr(ir.Name("self"), attr), "append"), (ir.Call() as made,), ()) if attr in lists:
                        made_value = ev.eval(made.func, scope, call.line)
                        if isinstance(made_value, VRef) and made_value.kind == "class":
                            out.append(Collected(mod, fn, call, made_value.qname))
    return out


def _bus(project: Project, ev: Evaluator, qname: str, mod: ModInfo, cls: ir.Class) -> Bus | None:
    methods = _methods(mod, cls)
    dispatching: dict[str, tuple[int, str, str]] = {}  # method -> (index, parameter, mapping attribute)
    for name, fn in methods.items():
        found = _dispatch(fn)
        if found is not None:
            dispatching[name] = found
    if not dispatching:
        return None
    maps = {attr for _, _, attr in dispatching.values()}
    publish = {name: (index, param) for name, (index, param, _) in dispatching.items()}
    for _ in range(3):  # handle(message) -> self.handle_event(message) -> the lookup
        for name, fn in methods.items():
            if name not in publish and name != "__init__":
                entry = _forwards(fn, set(publish))
                if entry is not None:
                    publish[name] = entry
    subscribe = {}
    for name, fn in methods.items():
        found = _registers(fn, maps)
        if found is not None:
            subscribe[name] = found
    decorators = {}
    for name, fn in methods.items():
        found = _decorates(mod, fn, set(subscribe))
        if found is not None:
            decorators[name] = found
    arguments = _constructor_maps(methods.get("__init__"), maps)
    assigned = _module_maps(project, ev, qname, cls.name)
    if not (subscribe or decorators or arguments or assigned):
        return None  # dispatch without any registration: not recognisably a bus
    return Bus(
        cls=qname,
        path=mod.ir.path,
        line=cls.line,
        publish=tuple(sorted((n, i, p) for n, (i, p) in publish.items())),
        subscribe=tuple(sorted((n, *v) for n, v in subscribe.items())),
        decorators=tuple(sorted((n, *v) for n, v in decorators.items())),
        arguments=tuple(arguments),
        assigned=tuple(assigned),
    )


def _methods(mod: ModInfo, cls: ir.Class) -> dict[str, ir.Function]:
    prefix = f"{cls.name}."
    return {
        fn.name[len(prefix) :]: fn
        for fn in mod.ir.functions
        if fn.cls == cls.name and fn.name.startswith(prefix) and "." not in fn.name[len(prefix) :]
    }


def _params(fn: ir.Function) -> list[str]:
    return [p.name for p in fn.params[1:] if p.kind == "pos"] if fn.params else []


def _dispatch(fn: ir.Function) -> tuple[int, str, str] | None:
    """(index, parameter, attribute) when `fn` calls what `self.<attribute>[type(<parameter>)]` holds with it."""
    params = _params(fn)
    for call in fn.calls:
        found = lookup(call.func, fn, call.line)
        if found is None:
            continue
        mapping, key = found
        match key:
            case ir.Call(ir.Name("type"), (ir.Name(name),), ()) | ir.Attr(ir.Name(name), "__class__"):
                pass
            case _:
                continue
        if name not in params or not any(isinstance(a, ir.Name) and a.id == name for a in call.args):
            continue
        if isinstance(mapping, ir.Attr) and isinstance(mapping.value, ir.Name) and mapping.value.id == "self":
            return params.index(name), name, mapping.attr
    return None


def _forwards(fn: ir.Function, targets: set[str]) -> tuple[int, str] | None:
    """(index, parameter) when `fn` hands its own parameter to one of the bus's message-taking methods."""
    params = _params(fn)
    for call in fn.calls:
        match call:
            case ir.Call(ir.Attr(ir.Name("self"), method), (ir.Name(name),), ()) if method in targets and name in params:
                return params.index(name), name
    return None


def _registers(fn: ir.Function, maps: set[str]) -> tuple[int, str, int, str] | None:
    """(key index, key, handler index, handler) when `fn` adds its handler parameter under its key parameter."""
    params = _params(fn)
    for call in fn.calls:
        key = handler = None
        match call:
            case ir.Call(ir.Attr(ir.Sub(ir.Attr(ir.Name("self"), attr), ir.Name(key)), "append" | "add"), (ir.Name(handler),), ()):
                pass
            case ir.Call(
                ir.Attr(ir.Call(ir.Attr(ir.Attr(ir.Name("self"), attr), "setdefault"), (ir.Name(key), *_), ()), "append" | "add"),
                (ir.Name(handler),),
                (),
            ):
                pass
            case _:
                continue
        if attr in maps and key in params and handler in params:
            return params.index(key), key, params.index(handler), handler
    return None


def _decorates(mod: ModInfo, fn: ir.Function, subscribers: set[str]) -> tuple[int, str] | None:
    """(key index, key) when `fn(key)` returns a function that registers what it decorates under `key`."""
    params = _params(fn)
    if not params:
        return None
    for inner in mod.ir.functions:
        if inner.parent != fn.name or not inner.params or not any(isinstance(r, ir.Name) and r.id == inner.name.rsplit(".", 1)[-1] for r in fn.returns):
            continue
        decorated = inner.params[0].name
        for call in inner.calls:
            match call:
                case ir.Call(ir.Attr(ir.Name("self"), method), (ir.Name(key), ir.Name(handler)), ()) if (
                    method in subscribers and key in params and handler == decorated
                ):
                    return params.index(key), key
    return None


def _constructor_maps(init: ir.Function | None, maps: set[str]) -> list[tuple[int, str]]:
    if init is None:
        return []
    params = _params(init)
    out = []
    for assign in init.assigns:
        if assign.target.startswith("self.") and assign.target[5:] in maps and isinstance(assign.value, ir.Name):
            if assign.value.id in params:
                out.append((params.index(assign.value.id), assign.value.id))
    return sorted(set(out))


def _module_maps(project: Project, ev: Evaluator, qname: str, short: str) -> list[str]:
    """Module-level `{ProjectClass: [project functions]}` maps defined in, or read by, a module that builds the bus."""
    builders: list[ModInfo] = []
    for mod in sorted(project.mods.values(), key=lambda m: m.name):
        for fn in mod.ir.functions:
            scope = None
            for call in fn.calls:
                func = call.func
                terminal = func.attr if isinstance(func, ir.Attr) else func.id if isinstance(func, ir.Name) else None
                if terminal != short:
                    continue
                scope = scope or Scope(mod, fn, ev.class_of(mod, fn))
                callee = ev.eval(func, scope, call.line)
                if isinstance(callee, VRef) and callee.kind == "class" and callee.qname == qname:
                    builders.append(mod)
                    break
            if builders and builders[-1] is mod:
                break
    if not builders:
        return []
    found: set[str] = set()
    for mod in sorted(project.mods.values(), key=lambda m: m.name):
        for name, bindings in sorted(mod.globals.items()):
            fn, assign = bindings[-1]
            if not isinstance(assign.value, ir.DictE) or not _handler_map(ev, mod, fn, assign.value, project):
                continue
            if any(b is mod or _reads(b, mod.name, name) for b in builders):
                found.add(name)
    return sorted(found)


def _handler_map(ev: Evaluator, mod: ModInfo, fn: ir.Function, mapping: ir.DictE, project: Project) -> bool:
    if not mapping.items:
        return False
    scope = Scope(mod, fn)
    for item in mapping.items:
        if item.key is None:
            return False
        key = ev.eval(item.key, scope, item.line)
        if not (isinstance(key, VRef) and key.kind == "class"):
            return False
        handlers = flatten(ev.eval(item.value, scope, item.line))
        if not handlers or not all(isinstance(h, VRef) and h.kind == "function" and h.qname in project.functions for h in handlers):
            return False
    return True


def _reads(mod: ModInfo, defining: str, name: str) -> bool:
    """Whether code in `mod` names `defining.name` (through `import defining` or `from defining import name`)."""
    names: set[str] = set()
    for fn in mod.ir.functions:
        for call in fn.calls:
            names |= ir.names_in(call)
        for assign in fn.assigns:
            names |= ir.names_in(assign.value)
    for local, target in mod.imports.items():
        if target == f"{defining}.{name}" and local in names:
            return True
        if target == defining and f"{local}.{name}" in names:
            return True
    return False


def _drained_lists(project: Project) -> set[str]:
    """List attributes that code reads off other objects: `product.events.pop(0)`, `for e in agg.events`."""
    found: set[str] = set()
    for mod in project.mods.values():
        for fn in mod.ir.functions:
            for call in fn.calls:
                match call.func:
                    case ir.Attr(ir.Attr(ir.Name(owner), attr), "pop") if owner != "self" and attr in EVENT_LISTS:
                        found.add(attr)
            for loop in fn.loops:
                match loop.iter:
                    case ir.Attr(ir.Name(owner), attr) if owner != "self" and attr in EVENT_LISTS:
                        found.add(attr)
    return found


def _empty_lists(fn: ir.Function) -> set[str]:
    """`self.<list> = []` in a method."""
    return {a.target[5:] for a in fn.assigns if a.target.startswith("self.") and isinstance(a.value, ir.Seq) and not a.value.items}
