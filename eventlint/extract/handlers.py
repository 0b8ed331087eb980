"""What a handler does: the calls it makes (following project functions), its except clauses,
the message fields it reads and the publications it causes.

This records facts only; what counts as a side effect, as dedup evidence or as a
logger is decided by the rules, from their options. A call is named by the best
qualified name the resolver finds (`requests.post`, `payments.gateway.charge_card`)
and by its source text (`self.session.add`), so rule patterns can match either.
Values derived from the consumed message are tracked through assignments and
into called project functions, so a rule can ask whether a call uses the event.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import keyword
import re
import tokenize
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from eventlint.extract import ir, payload_schema
from eventlint.extract.payload_schema import SchemaInference
from eventlint.extract.resolve import Evaluator, ModInfo, Project, Scope, argument, cannot_bind
from eventlint.extract.serializers import knowledge
from eventlint.extract.values import VInst, VMethod, VRef
from eventlint.facts import (
    ExceptClause,
    FieldRead,
    Handler,
    HandlerCall,
    Publication,
    SiteRef,
    Subscription,
)

MAX_DEPTH = 5
MAX_FUNCTIONS = 200
MAX_CALLS = 2000


@dataclass(frozen=True)
class _Visit:
    """A function to analyse; `message` names hold the message itself, `tainted` anything computed from it."""

    qname: str
    depth: int
    tainted: frozenset[str]
    message: frozenset[str]


@dataclass(slots=True)
class _CallSite:
    """A call in a function body and what is known of it whatever the message is."""

    call: ir.Call
    name: str
    target: str | None
    text: str
    args: tuple[ir.Expr, ...]
    arg_names: tuple[set[str], ...]
    keywords: tuple[str, ...]
    literals: tuple[str, ...]
    in_except: bool
    placeholders: tuple[str, ...]
    assigned: tuple[str, ...]
    arms: tuple[str, ...]
    guards: tuple[str, ...]
    get_names: set[str] | None  # a `.get("key")` call: the names its receiver reads
    text_names: frozenset[str]  # names read inside argument text the IR keeps opaque (`.where(T.id == x)`)
    fields: tuple[frozenset[str], tuple[tuple[frozenset[str], str], ...]]  # `_argument_fields`, planned (`_fields_plan`)
    callbacks: tuple[tuple[str, ir.Call], ...] | None = None  # found when first needed


@dataclass(frozen=True, slots=True)
class _Found:
    """What one visit of a function found (`HandlerAnalysis._visit`)."""

    calls: tuple[HandlerCall, ...]
    excepts: tuple[ExceptClause, ...]
    reads: tuple[FieldRead, ...]
    follow: tuple[_Visit, ...]
    routed: tuple[tuple[str, SiteRef], ...]
    bits: int = 0  # with `Project(track=True)`: what the visit was read from (`resolve.Reads`)


@dataclass(frozen=True, slots=True)
class _Body:
    scope: Scope
    calls: tuple[_CallSite, ...]
    except_calls: tuple[tuple[str, ...], ...]  # each except clause's calls, named
    derives: tuple[_Derives, ...]  # how names come to hold something computed from the message (`derived_names`)


class HandlerAnalysis:
    """Builds `Handler` facts for every project function that handles messages."""

    def __init__(
        self, project: Project, evaluator: Evaluator, services: dict[str, str | None], inference: SchemaInference | None = None
    ) -> None:
        self.project = project
        self.ev = evaluator
        self.services = services
        self.inference = inference
        self.loop_messages: dict[str, set[str]] = {}
        # of those, the names holding the transport's own record (the loop variable): its methods are the framework's
        self.loop_seeds: dict[str, set[str]] = {}
        self.decoded: set[str] = set()  # handlers whose framework decodes the message into the parameter's annotated class
        # functions a handler hands the message to through a dispatch map: the first handler that does, and where
        self.routed: dict[str, tuple[str, SiteRef]] = {}
        self._root: str | None = None  # the handler whose dispatch maps are being collected (None: none are)
        self._bodies: dict[str, _Body] = {}
        # with `Project(track=True)` (`resolve.Reads`): what each body was read from, and per module what its
        # handlers were; the roles (which functions are handlers, and as what) are a summary of every record
        self._body_reads: dict[str, int] = {}
        self.handler_reads: dict[str, int] = {}
        # what a visit found (calls, except clauses, reads, the visits it leads to, the functions it routes the
        # message to), by the visit and whether routes are collected: a function reached again with the same
        # arguments from another handler (a shared helper) is not walked again
        self._visits: dict[tuple[_Visit, bool], _Found] = {}

    def handlers(
        self,
        subscribers: list[Subscription],
        publishers: list[Publication],
        loop_messages: dict[str, set[str]] | None = None,
        loop_seeds: dict[str, set[str]] | None = None,
    ) -> list[Handler]:
        by_function: dict[str, list[Publication]] = {}
        for publication in publishers:
            if publication.function:
                by_function.setdefault(publication.function, []).append(publication)
        self.loop_messages = loop_messages or {}
        self.loop_seeds = loop_seeds or {}
        decoding = frozenset(knowledge().get("model-decoding-frameworks", ()))
        self.decoded = {s.handler for s in subscribers if s.handler and s.framework in decoding}
        if self.project.reads is not None:
            self._record_writes(subscribers, publishers, decoding)
        names = sorted({s.handler for s in subscribers if s.handler and s.handler in self.project.functions})
        out = [self._tracked(name, by_function, collect=True) for name in names]
        done = set(names)
        consuming = sorted({s.function for s in subscribers if s.function and s.function in self.project.functions} - done)
        for name in consuming:
            out.append(dataclasses.replace(self._tracked(name, by_function, collect=True), role="consumer"))
        done.update(consuming)
        # each function of a handler map the message is dispatched through is a handler of its own: the handler
        # rules judge what it does, as they would had the framework called it (`ROUTES[topic](msg)`)
        pending = sorted(set(self.routed) - done)
        while pending:
            for name in pending:
                by, site = self.routed[name]
                handler = self._tracked(name, by_function, collect=True)
                out.append(dataclasses.replace(handler, role="handler", dispatched_by=by, dispatch_site=site))
                done.add(name)
            pending = sorted(set(self.routed) - done)
        publishing = {p.function for p in publishers if p.function and p.function in self.project.functions}
        # and their direct callers: `db.commit(); send_order_placed(order)` publishes through a helper
        reads = self.project.reads
        before = reads.bits if reads is not None else 0
        callers = self._callers_of(publishing)
        if reads is not None:  # a caller's own module makes it a publisher (`_callers_of` charged what decided it)
            for name in sorted(callers - publishing):
                reads.wrote(f"#roles:{self.project.functions[name][0].name}", (name, "publisher"), self.project.functions[name][0].name)
        publishing |= callers
        if reads is not None:  # a scan of every function: part of the roles, a summary (`_tracked`)
            reads.bits = before
        for name in sorted(publishing - done):
            out.append(dataclasses.replace(self._tracked(name, by_function), role="publisher"))
        return out

    def module_reads(self, sites: dict[str, int]) -> dict[str, int]:
        """Per module, what all its facts were read from: `sites` (`SiteFinder.module_reads`) and its handlers.
        Every module reads its own roles: a function becomes a handler when a record anywhere names it."""
        reads = self.project.reads
        assert reads is not None, "the project does not track reads"
        out = dict(sites)
        for name, bits in self.handler_reads.items():
            out[name] = out.get(name, 0) | bits
        return {name: bits | reads.key(f"#roles:{name}") for name, bits in out.items()}

    def _record_writes(self, subscribers: list[Subscription], publishers: list[Publication], decoding: frozenset[str]) -> None:
        """The summaries the handler analysis reads that the records write (`Reads.wrote`), each by its record's
        module: which handlers the framework decodes for, the publications by function, and the roles records
        give (a subscription's handler and consuming function, a publication's function)."""
        reads = self.project.reads
        assert reads is not None
        functions = dict(self.project.functions)  # not a tracked lookup: these are writes, not reads
        for record in subscribers:
            writer = self.project._by_path[record.path].name
            if record.handler and record.framework in decoding:
                reads.wrote(f"#decoded:{record.handler}", True, writer)
            for name, role in ((record.handler, "handler"), (record.function, "consumer")):
                if name and name in functions:
                    reads.wrote(f"#roles:{functions[name][0].name}", (name, role), writer)
        for publication in publishers:
            if publication.function:
                writer = self.project._by_path[publication.path].name
                reads.wrote(f"#pubs:{publication.function}", (publication.path, publication.line, publication.column), writer)
                reads.wrote(f"#publishing:{publication.function.rsplit('.', 1)[-1]}", publication.function, writer)
                if publication.function in functions:
                    reads.wrote(f"#roles:{functions[publication.function][0].name}", (publication.function, "publisher"), writer)

    def _tracked(self, qname: str, by_function: dict[str, list[Publication]], collect: bool = False) -> Handler:
        """`_handler`, with what it was read from added to its module's bits when the project tracks reads."""
        reads = self.project.reads
        if reads is None:
            return self._handler(qname, by_function, collect)
        reads.bits = 0
        reads.writer = self.project.functions[qname][0].name
        handler = self._handler(qname, by_function, collect)
        reads.writer = None
        module = self.project.functions[qname][0].name
        # read as wholes: the loop's messages, whether the framework decodes, the publications in each function
        # visited, the dispatch that routes to it, and which functions of the module are handlers, as what
        keys = [f"#loop:{qname}", f"#decoded:{qname}", f"#routed:{qname}", f"#roles:{module}"]
        keys += [f"#pubs:{name}" for name in handler.functions]
        bits = reads.bits
        for key in keys:
            bits |= reads.key(key)
        self.handler_reads[module] = self.handler_reads.get(module, 0) | bits
        reads.bits = 0
        return handler

    def _callers_of(self, targets: set[str]) -> set[str]:
        """Project functions that call one of `targets` directly."""
        callers: set[str] = set()
        terminals = {t.rsplit(".", 1)[-1] for t in targets}
        reads = self.project.reads
        for qname, (mod, fn) in self.project.functions.items():
            if qname in targets:
                continue
            if reads is not None:  # whether a function calls a publisher is decided from its module's side
                reads.bits = 0
                self._calls_a_target(qname, mod, fn, targets, terminals, callers)
                reads.write_reads[mod.name] = reads.write_reads.get(mod.name, 0) | reads.bits
                continue
            self._calls_a_target(qname, mod, fn, targets, terminals, callers)
        return callers

    def _calls_a_target(self, qname: str, mod: ModInfo, fn: ir.Function, targets: set[str], terminals: set[str], callers: set[str]) -> None:
        """Add `qname` to `callers` when one of its calls calls one of `targets`. Tracked, what decided it: the
        publishing functions of each call's name (`#publishing:`) and the publications of each callee (`#pubs:`)."""
        reads = self.project.reads
        scope = Scope(mod, fn, self.ev.class_of(mod, fn))
        for call in fn.calls:
            func = call.func
            terminal = func.attr if isinstance(func, ir.Attr) else func.id if isinstance(func, ir.Name) else None
            if reads is not None and terminal is not None:
                reads.bits |= reads.key(f"#publishing:{terminal}")
            if terminal is None or (terminal not in terminals and terminal not in mod.imports):
                continue
            callee = self._callee(call, scope)[1]
            if reads is not None and callee is not None:
                reads.bits |= reads.key(f"#pubs:{callee}")
            if callee in targets:
                callers.add(qname)
                break

    def _handler(self, qname: str, by_function: dict[str, list[Publication]], collect: bool = False) -> Handler:
        mod, fn = self.project.functions[qname]
        self._root = qname if collect else None
        params = tuple(p.name for p in fn.params[self._skip_self(mod, fn) :])
        received = frozenset(params) | frozenset(t for loop in fn.loops for t in loop.targets)
        received |= frozenset(self.loop_messages.get(qname, ()))
        root = _Visit(qname, 0, received, received)
        calls: list[HandlerCall] = []
        excepts: list[ExceptClause] = []
        reads: list[FieldRead] = []
        functions: list[str] = []
        seen: set[str] = set()
        queue: deque[_Visit] = deque([root])
        truncated = False
        while queue:
            visit = queue.popleft()
            if visit.qname in seen:
                continue
            if len(functions) >= MAX_FUNCTIONS or len(calls) >= MAX_CALLS:
                truncated = True
                break
            seen.add(visit.qname)
            functions.append(visit.qname)
            queue.extend(self._visit(visit, calls, excepts, reads))
            if self.project.reads is not None:
                self.project.reads.bits |= self._body_reads.get(visit.qname, 0)
        publications = sorted(
            {SiteRef(p.path, p.line, p.column) for name in functions for p in by_function.get(name, ())},
            key=lambda r: (r.path, r.line, r.column),
        )
        message_class = self._message_class(mod, fn) if qname in self.decoded else None
        return Handler(
            name=qname,
            path=mod.ir.path,
            line=fn.line,
            column=fn.col,
            service=self.services.get(mod.ir.path),
            params=params,
            decorators=self._decorators(mod, fn),
            functions=tuple(functions),
            calls=tuple(calls),
            excepts=tuple(excepts),
            reads=tuple(reads),
            publications=tuple(publications),
            truncated=truncated,
            message_class=message_class,
            message_schema=payload_schema.dumps(self.inference.reader(message_class)) if message_class and self.inference else None,
        )

    def _message_class(self, mod: ModInfo, fn: ir.Function) -> str | None:
        """The model class the handler's message parameter is annotated with (`async def h(order: OrderPlaced)`)."""
        if self.inference is None:
            return None
        for param in fn.params[self._skip_self(mod, fn) :]:
            if param.annotation is None or param.kind != "pos":
                continue
            value = self.ev.eval(param.annotation, Scope(mod))
            if isinstance(value, VRef) and value.kind == "class" and self.inference.model(value.qname) is not None:
                return value.qname
            return None  # the message is the first parameter
        return None

    def _visit(self, visit: _Visit, calls: list[HandlerCall], excepts: list[ExceptClause], reads: list[FieldRead]) -> list[_Visit]:
        """`_function`'s findings for the visit, added to the lists (found once per visit and kind of walk)."""
        key = (visit, self._root is not None)
        found = self._visits.get(key)
        tracked = self.project.reads
        if found is None:
            routed: list[tuple[str, SiteRef]] = []
            sizes = (len(calls), len(excepts), len(reads))
            if tracked is not None:  # what this visit reads, kept with it: a reuse reads it too (`resolve.Reads`)
                outer, tracked.bits = tracked.bits, 0
            follow = self._function(visit, calls, excepts, reads, routed)
            bits = 0
            if tracked is not None:
                bits = tracked.bits
                tracked.bits |= outer
            found = self._visits[key] = _Found(
                tuple(calls[sizes[0] :]), tuple(excepts[sizes[1] :]), tuple(reads[sizes[2] :]), tuple(follow), tuple(routed), bits
            )
        else:
            calls.extend(found.calls)
            excepts.extend(found.excepts)
            reads.extend(found.reads)
            if tracked is not None:
                tracked.bits |= found.bits
        if self._root is not None:
            for name, site in found.routed:
                entry = self.routed.setdefault(name, (self._root, site))
                if self.project.reads is not None:  # the routed entry and the role it gives (`_tracked` sets the writer)
                    self.project.reads.wrote(f"#routed:{name}", entry)
                    if name in self.project.functions:
                        self.project.reads.wrote(f"#roles:{self.project.functions[name][0].name}", (name, "handler", *entry))
        return list(found.follow)

    def _function(
        self,
        visit: _Visit,
        calls: list[HandlerCall],
        excepts: list[ExceptClause],
        reads: list[FieldRead],
        routed: list[tuple[str, SiteRef]],
    ) -> list[_Visit]:
        mod, fn = self.project.functions[visit.qname]
        body = self._body(visit.qname)
        scope = body.scope
        message = _derived(body.derives, visit.tainted)
        itself = decoded_names(fn, visit.message)
        record = frozenset(self.loop_seeds.get(visit.qname, ())) if visit.depth == 0 else frozenset()
        follow: list[_Visit] = []
        for site in body.calls:
            call = site.call
            # a name holding the message among the arguments, or read inside text the IR keeps opaque (`.where(T.id == x)`)
            uses = any(names & message for names in site.arg_names) or bool(site.text_names & message)
            calls.append(
                HandlerCall(
                    name=site.name,
                    text=site.text,
                    path=mod.ir.path,
                    line=call.line,
                    column=call.col,
                    function=visit.qname,
                    depth=visit.depth,
                    keywords=site.keywords,
                    literals=site.literals,
                    uses_message=uses,
                    in_except=site.in_except,
                    fields=_planned_fields(site.fields, itself),
                    awaited=call.awaited,
                    # only an argument that reads a name holding the message can carry it
                    forwards_message=any(names & itself and _carries_message(a, itself) for a, names in zip(site.args, site.arg_names)),
                    placeholders=site.placeholders,
                    assigned=site.assigned,
                    arms=site.arms,
                    guards=site.guards,
                    message_keywords=_message_keywords(call, fn, message) if uses else (),
                    on_message=bool(record) and isinstance(call.func, ir.Attr) and _rooted_in(call.func.value, record),
                )
            )
            if site.get_names is not None and site.get_names & itself:
                chain = _get_chain(call, itself)
                if chain:  # `msg.get("customer", {}).get("id")`: `customer`, then `id` below it
                    reads.append(FieldRead(chain[0], mod.ir.path, call.line, call.col, visit.qname, "get", chain[1:] or None))
            target = site.target
            if target is not None and visit.depth + 1 <= MAX_DEPTH:
                follow.append(self._next_visit(target, call, visit.depth + 1, message, itself))
            elif target is None and visit.depth + 1 <= MAX_DEPTH:
                if site.callbacks is None:
                    tracked = self.project.reads
                    if tracked is not None:
                        outer, tracked.bits = tracked.bits, 0
                    site.callbacks = self._callback_targets(call, scope)
                    if tracked is not None:  # kept with the body: what finding them read
                        self._body_reads[visit.qname] = self._body_reads.get(visit.qname, 0) | tracked.bits
                        tracked.bits |= outer
                follow.extend(
                    self._next_visit(name, forwarded, visit.depth + 1, message, itself) for name, forwarded in site.callbacks
                )
            if target is None and uses and self._root is not None:
                from eventlint.extract.dispatch import mapped_functions  # dispatch.py builds on this module

                routed.extend((name, SiteRef(mod.ir.path, call.line, call.col)) for name in mapped_functions(call, fn, scope, self.project, self.ev))
        for clause, names in zip(fn.excepts, body.except_calls):
            excepts.append(
                ExceptClause(
                    path=mod.ir.path,
                    line=clause.line,
                    function=visit.qname,
                    depth=visit.depth,
                    types=clause.types,
                    reraises=clause.reraises,
                    calls=names,
                    column=clause.col,
                    leaves=clause.leaves,
                    try_line=clause.try_line or None,
                    returns_value=clause.returns_value,
                    fallback=_fallback(clause, fn) if clause.assigns else None,
                    withholds=_withholds(clause, fn),
                    hands_on=_hands_on(clause, fn),
                )
            )
        for read in fn.reads:
            if read.base in itself or (read.base not in message and _decodes(read.names, itself)):
                reads.append(FieldRead(read.field, mod.ir.path, read.line, read.col, visit.qname, read.kind, read.sub or None))
        return follow

    def _next_visit(self, target: str, call: ir.Call, depth: int, message: set[str], itself: set[str]) -> _Visit:
        """The visit of `target` called by `call`: the parameters given something computed from the message, and
        those given the message itself."""
        return _Visit(
            target,
            depth,
            self._params_given(target, call, lambda e: bool(ir.names_in(e) & message)),
            self._params_given(target, call, lambda e: _is_message(e, itself)),
        )

    def _body(self, qname: str) -> _Body:
        """What `_function` finds in a function whatever the message is, found once per function: a function
        reached from several handlers, or from one with other arguments, is visited again."""
        body = self._bodies.get(qname)
        if body is not None:
            return body
        reads = self.project.reads
        if reads is not None:
            outer, reads.bits = reads.bits, 0
            body = self._read_body(qname)
            self._body_reads[qname] = reads.bits
            reads.bits |= outer
            return body
        return self._read_body(qname)

    def _read_body(self, qname: str) -> _Body:
        mod, fn = self.project.functions[qname]
        scope = Scope(mod, fn, self.ev.class_of(mod, fn))
        in_except = {id(call) for clause in fn.excepts for call in clause.calls}
        tested = [arm for arm in (*fn.arms, *fn.skips) if arm.test]
        by_base = _attribute_assigns(fn)
        names: dict[int, str] = {}
        ordered: list[ir.Call] = []
        for call in sorted(fn.calls, key=lambda c: (c.line, c.col)):
            ordered.append(call)
            # `await asyncio.to_thread(requests.post, url, json=body)`: the function handed to a thread or an
            # executor is called there, with those arguments, at the hand-off's place
            handed = ir.handed_off(call, mod.imports)
            if handed is not None:
                ordered.append(handed)
                if id(call) in in_except:
                    in_except.add(id(handed))
        sites = []
        for call in ordered:
            name, target = self._callee(call, scope)
            names[id(call)] = name
            args = (*call.args, *(v for _, v in call.kwargs))
            get = _is_get(call) and isinstance(call.func, ir.Attr)
            sites.append(
                _CallSite(
                    call=call,
                    name=name,
                    target=target,
                    text=ir.unparse(call.func),
                    args=args,
                    arg_names=tuple(ir.names_in(a) for a in args),
                    keywords=tuple(k if k is not None else "**" for k, _ in call.kwargs),
                    literals=_literals(call),
                    in_except=id(call) in in_except,
                    placeholders=_placeholders(call, fn),
                    assigned=_receiver_assigned(call, by_base),
                    arms=_arms(call, fn) if fn.arms else (),
                    guards=_guards(call, fn, tested) if tested else (),
                    get_names=ir.names_in(call.func.value) if get else None,  # type: ignore[union-attr]
                    text_names=frozenset().union(*(_opaque_names(a) for a in args)),
                    fields=_fields_plan(args),
                )
            )
        except_calls = tuple(tuple(names[id(c)] if id(c) in names else ir.unparse(c.func) for c in clause.calls) for clause in fn.excepts)
        body = self._bodies[qname] = _Body(scope, tuple(sites), except_calls, _derives(fn))
        return body

    def _callee(self, call: ir.Call, scope: Scope) -> tuple[str, str | None]:
        """The best qualified name of what is called, and the project function it runs, if any."""
        callee = self.ev.eval(call.func, scope, call.line)
        match callee:
            case VRef(qname, "function"):
                if cannot_bind(self.project.functions.get(qname), call):
                    return qname, None  # it raises TypeError before its body runs: nothing inside happens
                return qname, qname if qname in self.project.functions else None
            case VRef(qname, "external"):
                return self.ev.patterns.canonical(qname), None
            case VRef(qname, "class"):
                init = f"{qname}.__init__"
                return qname, init if init in self.project.functions else None
            case VMethod(obj, method):
                target = self.ev.method_function(obj, method)
                if target is not None:
                    return target, target
                if isinstance(obj, VInst):
                    return f"{obj.type}.{method}", None
                if isinstance(obj, VRef) and obj.kind == "external":
                    return f"{self.ev.patterns.canonical(obj.qname)}.{method}", None
        if isinstance(call.func, ir.Attr):
            made_by = self._made_by(call.func.value, scope, call.line, 0)
            if made_by is not None:
                return f"{made_by}.{call.func.attr}", None
        return ir.unparse(call.func), None

    def _made_by(self, expr: ir.Expr, scope: Scope, line: int, depth: int) -> str | None:
        """What made the object `expr` holds, as a qualified name: `httpx.AsyncClient` for
        `client = httpx.AsyncClient(...)`, `sqlalchemy.orm.Session` for a parameter annotated so,
        `boto3.client.ses` for `boto3.client("ses")`, `httpx.AsyncClient.stream` for a method's result.

        Followed through local and module assignments, `with ... as` targets, aliases, `self.x`
        attributes assigned in any method, and annotated parameters; None when nothing external made it.
        """
        if depth > 4:
            return None
        match expr:
            case ir.Await(value):
                return self._made_by(value, scope, line, depth + 1)
            case ir.Call(func, args, _):
                callee = self.ev.eval(func, scope, line)
                if isinstance(callee, VRef) and callee.kind == "external":
                    name = self.ev.patterns.canonical(callee.qname)
                    if name.rsplit(".", 1)[-1] in ("client", "resource") and args and isinstance(args[0], ir.Str):
                        name = f"{name}.{args[0].value}"  # boto3.client("ses"), session.resource("dynamodb")
                    return name
                if isinstance(func, ir.Attr):
                    made = self._made_by(func.value, scope, line, depth + 1)
                    return f"{made}.{func.attr}" if made is not None else None
                return None
            case ir.Name(name):
                fn = scope.func
                if fn is not None:
                    for param in fn.params:
                        if param.name == name and param.annotation is not None:
                            return self._annotated(param.annotation, scope)
                found = self.ev.definition(name, scope, line)
                if found is None:
                    return None
                value, where, at = found
                # `im = im.convert("RGB")`: the right side reads the name as it was before this line
                return self._made_by(value, where, at if name in ir.names_in(value) else at + 1, depth + 1)
            case ir.Attr(ir.Name("self"), attr) if scope.cls is not None:
                return self._self_attr(scope, attr, depth)
            case ir.Attr(value, attr):
                made = self._made_by(value, scope, line, depth + 1)
                return f"{made}.{attr}" if made is not None else None
        return None

    def _self_attr(self, scope: Scope, attr: str, depth: int) -> str | None:
        """What made `self.<attr>`: its assignments in the class's methods, or its annotation."""
        cls = scope.cls
        assert cls is not None
        mod = scope.mod
        prefix = f"{cls.name}."
        for name, fn in sorted(mod.functions.items(), key=lambda f: (not f[0].endswith(".__init__"), f[1].line)):
            if not name.startswith(prefix) or "." in name[len(prefix) :]:
                continue
            for assign in fn.assigns:
                if assign.target != f"self.{attr}":
                    continue
                made = self._made_by(assign.value, Scope(mod, fn, cls), assign.line + 1, depth + 1)
                if made is None and assign.annotation is not None:
                    made = self._annotated(assign.annotation, scope)
                if made is not None:
                    return made
        for name, annotation in cls.annotations:
            if name == attr:
                return self._annotated(annotation, scope)
        return None

    def _annotated(self, annotation: ir.Expr, scope: Scope) -> str | None:
        """The external class an annotation names (`AsyncSession`, `Optional[httpx.Client]`)."""
        if isinstance(annotation, ir.Sub):
            return self._annotated(annotation.index, scope)
        if isinstance(annotation, ir.Seq):
            for item in annotation.items:
                found = self._annotated(item, scope)
                if found is not None:
                    return found
            return None
        value = self.ev.eval(annotation, Scope(scope.mod))
        if isinstance(value, VRef) and value.kind == "external" and not value.qname.startswith("builtins."):
            return self.ev.patterns.canonical(value.qname)
        return None

    def _callback_targets(self, call: ir.Call, scope: Scope) -> tuple[tuple[str, ir.Call], ...]:
        """Project functions handed to a library call (`pool.submit(handle, msg)`, `Thread(target=handle)`), each
        with the call it is given: the arguments after a positional callback are taken as its arguments, as
        `submit`, `run_in_executor` and `call_soon` pass them."""
        out = []
        positional = [a for a in call.args if not isinstance(a, ir.Starred)]
        candidates = [(i, a) for i, a in enumerate(positional)] + [(None, v) for k, v in call.kwargs if k is not None]
        for index, expr in candidates:
            if not isinstance(expr, (ir.Name, ir.Attr)):
                continue
            value = self.ev.eval(expr, scope, call.line)
            target = value.qname if isinstance(value, VRef) and value.kind == "function" else None
            if isinstance(value, VMethod):
                target = self.ev.method_function(value.obj, value.name)
            if target is None or target not in self.project.functions:
                continue
            rest = positional[index + 1 :] if index is not None else []
            out.append((target, ir.Call(expr, tuple(rest), (), call.line, call.col)))
        return tuple(out)

    def _params_given(self, target: str, call: ir.Call, test: Callable[[ir.Expr], bool]) -> frozenset[str]:
        """Parameters of `target` that receive an argument passing `test` at this call."""
        mod, fn = self.project.functions[target]
        params = fn.params[self._skip_self(mod, fn) :]
        given = set()
        for index, param in enumerate(params):
            expr = argument(call, index if param.kind == "pos" else None, param.name)
            if expr is not None and test(expr):
                given.add(param.name)
        return frozenset(given)

    def _skip_self(self, mod: ModInfo, fn: ir.Function) -> int:
        if fn.cls is None or not fn.params:
            return 0
        decorators = {ir.unparse(d.expr) for d in fn.decorators}
        return 0 if "staticmethod" in decorators else 1

    def _decorators(self, mod: ModInfo, fn: ir.Function) -> tuple[str, ...]:
        scope = self.ev.enclosing_scope(mod, fn)
        out = []
        for dec in fn.decorators:
            expr = dec.expr.func if isinstance(dec.expr, ir.Call) else dec.expr
            value = self.ev.eval(expr, scope, dec.line)
            if isinstance(value, VRef):
                out.append(self.ev.patterns.canonical(value.qname) if value.kind == "external" else value.qname)
            elif isinstance(value, VMethod) and isinstance(value.obj, VInst):
                out.append(f"{value.obj.type}.{value.name}")
            else:
                out.append(ir.unparse(expr))
        return tuple(out)


# methods that fill the object they are called on from their argument: a Protobuf message decoded in place
# (`op = user_pb2.UserOperation(); op.ParseFromString(msg.value)`)
_DECODE_INTO = frozenset({"ParseFromString", "MergeFromString"})


def derived_names(fn: ir.Function, tainted: frozenset[str] | set[str]) -> set[str]:
    """Names in `fn` that hold the message or something computed from it."""
    return _derived(_derives(fn), tainted)


# (names read, names then given something computed from them): `x = f(msg)`, `op.ParseFromString(msg.value)`, `for x in msg.items`
_Derives = tuple[frozenset[str], tuple[str, ...]]


def _derives(fn: ir.Function) -> tuple[_Derives, ...]:
    """The ways a name of `fn` comes to hold what other names hold, whatever the message is (each a monotone rule,
    so `_derived`'s closure is the same in any order): an assignment, a Protobuf message decoded in place, a loop
    or a comprehension over a value."""
    rules: list[_Derives] = [(frozenset(ir.names_in(a.value)), (a.target,)) for a in fn.assigns]
    for call in fn.calls:
        func = call.func
        if isinstance(func, ir.Attr) and func.attr in _DECODE_INTO and isinstance(func.value, ir.Name):
            rules.append((frozenset().union(*(ir.names_in(a) for a in call.args)), (func.value.id,)))
    rules.extend((frozenset(ir.names_in(loop.iter)), tuple(loop.targets)) for loop in (*fn.loops, *fn.comprehensions))
    return tuple((reads, gives) for reads, gives in rules if reads)


def _derived(rules: tuple[_Derives, ...], tainted: frozenset[str] | set[str]) -> set[str]:
    """The closure of `tainted` under the rules: every name that holds something computed from them."""
    names = set(tainted)
    changed = True
    while changed:
        changed = False
        for reads, gives in rules:
            if not names.issuperset(gives) and not reads.isdisjoint(names):
                names.update(gives)
                changed = True
    return names


def _message_keywords(call: ir.Call, fn: ir.Function, message: set[str]) -> tuple[str, ...]:
    """Keywords given a value read from the message: the call's own, and those of the call last assigned (before
    it, in the same function) to a name it is handed (`session.add(item)` after `item = Item(id=msg.id)`)."""
    found = {k for k, v in call.kwargs if k is not None and _reads(v, message)}
    for arg in call.args:
        if isinstance(arg, ir.Name):
            before = [a for a in fn.assigns if a.target == arg.id and a.line <= call.line]
            value = before[-1].value if before else None
            if isinstance(value, ir.Call):
                found.update(k for k, v in value.kwargs if k is not None and _reads(v, message))
        elif isinstance(arg, ir.Call):
            found.update(k for k, v in arg.kwargs if k is not None and _reads(v, message))
    return tuple(sorted(found))


def _reads(expr: ir.Expr, message: set[str]) -> bool:
    """The expression reads a name holding the message, also inside a comparison or an operator the IR keeps as
    text (`select(User).where(User.id == user_id)`, `amount=event["total"] * 100`)."""
    return bool(ir.names_in(expr) & message) or bool(_opaque_names(expr) & message)


def _opaque_names(expr: ir.Expr) -> frozenset[str]:
    """The names read inside the text of every opaque part of the expression (whatever the message is)."""
    found: set[str] = set()
    stack: list[object] = [expr]
    while stack:
        node = stack.pop()
        kind = _WALK.get(type(node))
        if kind is None:
            kind = _WALK[type(node)] = _walk_kind(type(node))
        if kind is _OPAQUE:
            found |= _text_names(node.text)  # type: ignore[attr-defined]
        elif kind is _TUPLE:
            stack.extend(node)  # type: ignore[arg-type]
        else:
            for name in kind:
                stack.append(getattr(node, name))
    return frozenset(found)


# how `_opaque_names` walks a value of each class, found once per class (it is asked of every argument of every
# call in a handler's body: `dataclasses.fields` on every node was a tenth of handler analysis)
_OPAQUE: tuple[str, ...] = ("<opaque>",)
_TUPLE: tuple[str, ...] = ("<tuple>",)
_WALK: dict[type, tuple[str, ...]] = {}


def _walk_kind(cls: type) -> tuple[str, ...]:
    """`_OPAQUE`, `_TUPLE`, or the fields of an IR record to walk (none for a scalar)."""
    if issubclass(cls, ir.Opaque):
        return _OPAQUE
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    if issubclass(cls, tuple):
        return _TUPLE
    return ()


@functools.lru_cache(maxsize=4096)
def _text_names(text: str) -> frozenset[str]:
    """The names an expression's source text reads (`a`, and `a.b` for an attribute of it), by Python's tokenizer:
    never the attribute names after a dot, nor keywords, nor what is inside string literals."""
    found: set[str] = set()
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type in (tokenize.NAME, tokenize.OP)]
    except (tokenize.TokenError, SyntaxError):
        return frozenset()
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or keyword.iskeyword(token.string):
            continue
        if index and tokens[index - 1].string == ".":
            continue
        found.add(token.string)
        if index + 2 < len(tokens) and tokens[index + 1].string == "." and tokens[index + 2].type == tokenize.NAME:
            found.add(f"{token.string}.{tokens[index + 2].string}")
    return frozenset(found)


def _is_message(expr: ir.Expr, message: set[str]) -> bool:
    """The message itself or a decoding of it: `msg`, `msg.value`, `msg.value()`, `json.loads(body)`."""
    match expr:
        case ir.Name(name):
            return name in message
        case ir.Attr(value, _):
            return _is_message(value, message)
        case ir.Await(value):
            return _is_message(value, message)
        case ir.Call(ir.Attr(receiver, _), args, _) if _is_message(receiver, message):
            return True
        case ir.Call(_, args, _) if args:
            return _is_message(args[0], message)
    return False


def _rooted_in(expr: ir.Expr, names: frozenset[str]) -> bool:
    """The expression is one of the names or reached from it by attributes and method calls (`message`,
    `message.body`, `msg.value()`): the receiver of a method of the transport's record itself."""
    match expr:
        case ir.Name(name):
            return name in names
        case ir.Attr(value, _):
            return _rooted_in(value, names)
        case ir.Await(value):
            return _rooted_in(value, names)
        case ir.Call(ir.Attr(receiver, _), _, _):
            return _rooted_in(receiver, names)
    return False


FRESH_ID_CALLS = ("uuid1", "uuid4", "uuid6", "uuid7", "ulid", "token_hex", "token_urlsafe")


def _placeholders(call: ir.Call, fn: ir.Function) -> tuple[str, ...]:
    """Keywords and dict keys of the call given an empty value or a fresh id (`correlation_id=""`,
    `{"correlation_id": str(uuid4())}`, `headers=[("traceparent", b"")]`), also through a dict
    assigned to a name in the same function before the call."""
    # module-level helpers, not closures: a closure that calls itself is a reference cycle, and one per
    # call analysed stayed alive until the cyclic collector ran (paused during resolution: `_no_cyclic_gc`)
    found: set[str] = set()
    for key, value in call.kwargs:
        if key is not None:
            _judge(key, value, found)
        _scan_placeholders(value, 0, call, fn, found)
    for arg in call.args:
        _scan_placeholders(arg, 0, call, fn, found)
    return tuple(sorted(found))


def _judge(key: str, value: ir.Expr, found: set[str]) -> None:
    kind = _placeholder_kind(value)
    if kind is not None:
        found.add(f"{key}:{kind}")


def _scan_placeholders(expr: ir.Expr, depth: int, call: ir.Call, fn: ir.Function, found: set[str]) -> None:
    if depth > 3:
        return
    match expr:
        case ir.DictE(items):
            for item in items:
                if isinstance(item.key, ir.Str):
                    _judge(item.key.value, item.value, found)
                _scan_placeholders(item.value, depth + 1, call, fn, found)
        case ir.Seq(items):
            if len(items) == 2 and isinstance(items[0], ir.Str):
                _judge(items[0].value, items[1], found)
            for item in items:
                _scan_placeholders(item, depth + 1, call, fn, found)
        case ir.Call(func, args, kwargs):
            for key, value in kwargs:
                if key is not None:
                    _judge(key, value, found)
                _scan_placeholders(value, depth + 1, call, fn, found)
            for arg in args:
                _scan_placeholders(arg, depth + 1, call, fn, found)
            if isinstance(func, ir.Attr):
                _scan_placeholders(func.value, depth + 1, call, fn, found)  # json.dumps(payload).encode()
        case ir.Attr(value, _) | ir.Await(value):
            _scan_placeholders(value, depth + 1, call, fn, found)
        case ir.Name(name):
            before = [a for a in fn.assigns if a.target == name and a.line <= call.line]
            if before:
                _scan_placeholders(before[-1].value, depth + 1, call, fn, found)


def _attribute_assigns(fn: ir.Function) -> dict[str, list[ir.Assign]]:
    """The function's `name.attr = value` assignments by `name`, in line order."""
    out: dict[str, list[ir.Assign]] = {}
    for assign in sorted((a for a in fn.assigns if "." in a.target), key=lambda a: a.line):
        base, _, attr = assign.target.partition(".")
        if "." not in attr:
            out.setdefault(base, []).append(assign)
    return out


def _receiver_assigned(call: ir.Call, by_base: dict[str, list[ir.Assign]]) -> tuple[str, ...]:
    """Attributes of the call's receiver (`order` in `order.save()`) assigned in the same function before the
    call, the last assignment of each judged: `attr:const` (a literal), `attr:now` (the current time) or
    `attr:value` (anything else). Augmented assignments (`order.count += 1`) are not assignments here."""
    if not (isinstance(call.func, ir.Attr) and isinstance(call.func.value, ir.Name)):
        return ()
    assigns = by_base.get(call.func.value.id)
    if not assigns:
        return ()
    last: dict[str, ir.Expr] = {}
    for assign in assigns:
        if assign.line <= call.line:
            last[assign.target.partition(".")[2]] = assign.value
    return tuple(sorted(f"{attr}:{_assigned_kind(value)}" for attr, value in last.items()))


def _assigned_kind(value: ir.Expr) -> str:
    if isinstance(value, (ir.Str, ir.Const)):
        return "const"
    if isinstance(value, ir.Call) and re.search(r"(^|\.)(now|utcnow)$|^time\.time$", ir.unparse(value.func)):
        return "now"
    return "value"


def _placeholder_kind(value: ir.Expr) -> str | None:
    match value:
        case ir.Str(""):
            return "empty"
        case ir.Const(None):
            return "empty"
    text = ir.unparse(value)
    if text in ('b""', "b''", "None", '""', "''"):
        return "empty"
    if re.search(r"(^|[.\s(])(%s)\(\)" % "|".join(FRESH_ID_CALLS), text):
        return "fresh"
    return None


# attributes that hold a message's whole payload (aiokafka `msg.value`, aio-pika `message.body`, Pub/Sub
# `message.data`); any other attribute of the message is one of its fields
PAYLOAD_ATTRS = frozenset({"value", "body", "data", "payload", "raw", "raw_body", "content", "message"})
PAYLOAD_CONVERSIONS = frozenset({"decode", "encode", "dict", "to_dict", "json", "model_dump", "model_dump_json", "SerializeToString"})


def _carries_message(expr: ir.Expr, message: set[str], depth: int = 0) -> bool:
    """The message itself or its whole payload (`msg`, `msg.value()`, `body.decode()`, `json.loads(body)`),
    possibly inside a dict literal or a serialisation of one (`json.dumps({"original": msg.value()})`);
    not a field of it (`order.order_id`)."""
    if depth > 6:
        return False
    match expr:
        case ir.Name(name):
            return name in message
        case ir.Attr(value, attr):
            return attr in PAYLOAD_ATTRS and _carries_message(value, message, depth + 1)
        case ir.Await(value):
            return _carries_message(value, message, depth + 1)
        case ir.Call(ir.Attr(ir.Name(name), method), _, _) if name in message:
            return method in PAYLOAD_ATTRS or method in PAYLOAD_CONVERSIONS  # msg.value(), body.decode(); not msg.key()
        case ir.Call(ir.Attr(receiver, _), _, _) if not isinstance(receiver, ir.Name) and _carries_message(
            receiver, message, depth + 1
        ):
            return True  # msg.value().decode()
        case ir.DictE(items):
            return any(_carries_message(item.value, message, depth + 1) for item in items)
        case ir.Call(_, args, kwargs):
            return any(_carries_message(a, message, depth + 1) for a in (*args, *(v for _, v in kwargs)))
    return False


def decoded_names(fn: ir.Function, message: frozenset[str]) -> set[str]:
    """Names bound to the message or a decoding of it (not to values computed from its fields)."""
    names = set(message)
    changed = True
    while changed:
        changed = False
        for assign in fn.assigns:
            if assign.target not in names and _is_message(assign.value, names):
                names.add(assign.target)
                changed = True
        for loop in fn.loops:
            if _is_message(loop.iter, names) and not set(loop.targets) <= names:
                names.update(loop.targets)
                changed = True
    return names


def _decodes(read_names: tuple[str, ...], message: set[str]) -> bool:
    """A read on a call's result (`json.loads(msg.value)["id"]`) whose call reads the message."""
    return bool(set(read_names) & message)


def _argument_fields(args: tuple[ir.Expr, ...], message: set[str]) -> tuple[str, ...]:
    """Keys of dict literals passed (`extra={"event_id": ...}`) and message fields read in the arguments."""
    return _planned_fields(_fields_plan(args), message)


def _planned_fields(plan: tuple[frozenset[str], tuple[tuple[frozenset[str], str], ...]], message: set[str]) -> tuple[str, ...]:
    keys, reads = plan
    if not reads:
        return tuple(sorted(keys))
    return tuple(sorted(keys.union(field for names, field in reads if not names.isdisjoint(message))))


def _fields_plan(args: tuple[ir.Expr, ...]) -> tuple[frozenset[str], tuple[tuple[frozenset[str], str], ...]]:
    """`_argument_fields` whatever the message is: the keys of dict literals passed, and each field read with the
    names it is read from (`msg["id"]`, `msg.id`, `msg.get("id")`: a field when one of them holds the message).
    The walk does not depend on the message: where a read's base does not hold it, the walk goes on into the base,
    which reads no field."""
    keys: set[str] = set()
    reads: list[tuple[frozenset[str], str]] = []
    stack: list[ir.Expr] = list(args)
    while stack:
        node = stack.pop()
        match node:
            case ir.DictE(items):
                for item in items:
                    if isinstance(item.key, ir.Str):
                        keys.add(item.key.value)
                    stack.append(item.value)
            case ir.Sub(ir.Name(base), ir.Str(field)):
                reads.append((frozenset((base,)), field))
            case ir.Attr(ir.Name(base), field):
                reads.append((frozenset((base,)), field))
            case ir.Call(func, call_args, kwargs):
                if isinstance(func, ir.Attr) and func.attr == "get" and call_args and isinstance(call_args[0], ir.Str):
                    reads.append((frozenset(ir.names_in(func.value)), call_args[0].value))
                stack.append(func)
                stack.extend(call_args)
                stack.extend(v for _, v in kwargs)
            case ir.Attr(value, _) | ir.Await(value) | ir.Starred(value):
                stack.append(value)
            case ir.Sub(value, index):
                stack.extend((value, index))
            case ir.FStr(parts):
                stack.extend(p for p in parts if not isinstance(p, str))
            case ir.Seq(items):
                stack.extend(items)
            case ir.Concat(left, right):
                stack.extend((left, right))
    return frozenset(keys), tuple(reads)


def _literals(call: ir.Call) -> tuple[str, ...]:
    """String literals passed to a call (SQL text, Redis flags), f-strings with their holes, and the strings
    of a list or tuple literal passed (`save(update_fields=["notified"])`)."""
    out = []
    for arg in (*call.args, *(v for _, v in call.kwargs)):
        if isinstance(arg, ir.Str):
            out.append(arg.value)
        elif isinstance(arg, (ir.FStr, ir.Concat)):
            out.append(ir.unparse(arg))
        elif isinstance(arg, ir.Seq):
            out.extend(item.value for item in arg.items if isinstance(item, ir.Str))
    return tuple(out)


def _get_chain(call: ir.Call, itself: set[str]) -> tuple[str, ...]:
    """The keys a `.get()` chain reads, outermost last: `m.get("a", {}).get("b")` and `m["a"].get("b")` read `a`
    then `b` below it; on anything else holding the message (`json.loads(m.value).get("a")`, `m.value.get("a")`) the
    chain starts at the top level, as a single `.get()` does."""
    keys: list[str] = []
    node: ir.Expr = call
    while isinstance(node, ir.Call) and _is_get(node):
        assert isinstance(node.func, ir.Attr)
        keys.append(node.args[0].value)  # type: ignore[union-attr]
        node = node.func.value
    while isinstance(node, ir.Sub) and isinstance(node.index, ir.Str):
        keys.append(node.index.value)
        node = node.value
    return tuple(reversed(keys))


def _is_get(call: ir.Call) -> bool:
    return (
        isinstance(call.func, ir.Attr)
        and call.func.attr == "get"
        and bool(call.args)
        and isinstance(call.args[0], ir.Str)
    )


def _fallback(clause: ir.Except, fn: ir.Function) -> tuple[int, int] | None:
    """The lines (first, last) of the first arm below the clause of an `if` on a name the clause assigns that runs when
    the name is false: the body of `if not creds:`, or the `else` (or the rest of the function) of `if creds:`."""
    arms = []
    for arm in fn.arms:
        negated = arm.test.startswith("!")
        name = arm.test[1:] if negated else arm.test
        if name not in clause.assigns:
            continue
        first, last = (arm.body_first, arm.body_last) if negated else (arm.other_first, arm.other_last)
        if clause.line < first <= last:
            arms.append((first, last))
    return min(arms, default=None)


_EMPTY_MAKERS = frozenset({"list", "set", "dict", "tuple", "deque", "collections.deque"})


def _empty(value: ir.Expr) -> bool:
    """`[]`, `()`, `{}`, `list()`, `set()`, `dict()`, `deque()`: a new, empty collection."""
    match value:
        case ir.Seq(items) | ir.DictE(items):
            return not items
        case ir.Call(func, args, kwargs) if not args and not kwargs:
            return ir.unparse(func) in _EMPTY_MAKERS
    return False


def _withholds(clause: ir.Except, fn: ir.Function) -> tuple[str, ...]:
    """`line:column` of the calls of the function after the clause that are given a collection the clause empties
    (`ack_ids.clear()` or `ack_ids = []`), itself or through a name computed from it after the clause (`ids =
    malformed + ack_ids`, then `xack(stream, group, *ids)`): what the clause keeps from them."""
    emptied = {
        c.func.value.id for c in clause.calls
        if isinstance(c.func, ir.Attr) and c.func.attr == "clear" and isinstance(c.func.value, ir.Name)
        and not c.args and not c.kwargs
    }
    for name in clause.assigns:
        first = min((a for a in fn.assigns if a.target == name and a.line > clause.line), key=lambda a: a.line, default=None)
        if first is not None and _empty(first.value):
            emptied.add(name)
    if not emptied:
        return ()
    names = set(emptied)
    later = [a for a in fn.assigns if a.line > clause.line and a.target not in emptied]
    changed = True
    while changed:
        changed = False
        for assign in later:
            if assign.target not in names and ir.names_in(assign.value) & names:
                names.add(assign.target)
                changed = True
    return _later_calls_given(clause, fn, lambda name, _line: name in names)


def _hands_on(clause: ir.Except, fn: ir.Function) -> tuple[str, ...]:
    """`line:column` of the later calls of the function given a name the clause assigns, with no other assignment
    of that name between (`status = FAILED` in the clause, then `finally: db.update_status(order_id, status)`):
    where the value the clause puts in place of the failed result is taken on."""
    if not clause.assigns:
        return ()
    # the clause's own assignment of each name is its first one after the clause's line
    later = sorted((a.line, a.target) for a in fn.assigns if a.line > clause.line and a.target in clause.assigns)
    own_line: dict[str, int] = {}
    for line, target in later:
        own_line.setdefault(target, line)

    def skipped(name: str, line: int) -> bool:
        # in the arm that runs only when the name is true (`if data: process(data)`): the stand-in skips that work
        for arm in fn.arms:
            negated = arm.test.startswith("!")
            if (arm.test[1:] if negated else arm.test) != name or arm.body_first <= clause.line <= arm.other_last:
                continue
            first, last = (arm.other_first, arm.other_last) if negated else (arm.body_first, arm.body_last)
            if first <= line <= last:
                return True
        return False

    def handed(name: str, line: int) -> bool:
        return (
            name in own_line
            and not any(t == name and own_line[name] < l < line for l, t in later)
            and not skipped(name, line)
        )

    return _later_calls_given(clause, fn, handed)


def _later_calls_given(clause: ir.Except, fn: ir.Function, takes: Callable[[str, int], bool]) -> tuple[str, ...]:
    """`line:column` of the calls of the function after the clause (its own left out) with an argument reading a
    name `takes(name, line of the call)` accepts (`_withholds`, `_hands_on`)."""
    own = {id(c) for c in clause.calls}
    return tuple(
        f"{c.line}:{c.col}" for c in fn.calls
        if c.line > clause.line and id(c) not in own
        and any(takes(n, c.line) for a in (*c.args, *(v for _, v in c.kwargs)) for n in ir.names_in(a))
    )


def _arms(call: ir.Call, fn: ir.Function) -> tuple[str, ...]:
    """The arms of the function's `if` statements the call is in (`<if>:0` the body, `<if>:1` the `elif`/`else`,
    or the rest of the function after an `if` whose body returns): two calls in different arms of one `if`
    never both run."""
    out: list[str] = []
    for arm in fn.arms:
        if arm.body_first <= call.line <= arm.body_last:
            out.append(f"{arm.body_first}-{arm.other_first}:0")
        elif arm.other_first <= call.line <= arm.other_last:
            out.append(f"{arm.body_first}-{arm.other_first}:1")
    return tuple(out)


def _guards(call: ir.Call, fn: ir.Function, tested: list[ir.Arms]) -> tuple[str, ...]:
    """The calls (`line:column`, in the same function) whose result must be true for this call to run: an `if`
    arm tested on a name assigned that call's result or the second item of it (`_, created =
    Model.objects.get_or_create(...)`; `if not created: return`, or `if created:` around the call); `!line:column`
    when the result must be false (`existing = session.get(User, user_id)`, then `if existing: continue` in the
    loop before the call)."""
    out: list[str] = []
    for arm in tested:
        if arm.body_first <= call.line <= arm.body_last:
            wanted = arm.test
        elif arm.other_first <= call.line <= arm.other_last:
            wanted = arm.test[1:] if arm.test.startswith("!") else "!" + arm.test
        else:
            continue
        negated = wanted.startswith("!")
        wanted = wanted.lstrip("!")
        assigned = [a for a in fn.assigns if a.target == wanted and a.line < call.line]
        if not assigned:
            continue
        value = max(assigned, key=lambda a: a.line).value
        if isinstance(value, ir.Sub) and value.index == ir.Const(1):
            value = value.value
        if isinstance(value, ir.Await):
            value = value.value
        if isinstance(value, ir.Call):
            out.append(f"{'!' if negated else ''}{value.line}:{value.col}")
    return tuple(dict.fromkeys(out))
