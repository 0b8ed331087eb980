"""Whether what a consumer does outlives its process: EDA501's judgement of a handler with nothing to protect,
shared with EDA403 (an event whose every consumer is such a handler carries no state anyone keeps)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from eventlint.facts import Handler, Publication, Subscription
from eventlint.rules import knowledge
from eventlint.rules.base import RuleContext, matches

INERT_CALLS = tuple(entry for group in knowledge.inert_calls().values() for entry in group)
EFFECT_CALLS = tuple(entry for group in knowledge.load().effects.values() for entry in group)


def imatches(value: str | None, patterns: Iterable[str]) -> bool:
    """Case-insensitive glob match (channel and helper names are spelt every way: DLQ, dlq, DeadLetter)."""
    if not value:
        return False
    return matches(value.lower(), _lowered(tuple(patterns)))  # one compiled alternation of the lowered globs


@functools.lru_cache(maxsize=256)
def _lowered(patterns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p.lower() for p in patterns)


def callers_of(handlers: Iterable[Handler]) -> dict[str, list[Handler]]:
    """Handlers by the names they call directly (a polling loop that calls the handler of a subscription)."""
    callers: dict[str, list[Handler]] = {}
    for handler in handlers:
        for name in {c.name for c in handler.calls if c.depth == 0}:
            callers.setdefault(name, []).append(handler)
    return callers


@dataclass(frozen=True)
class Inert:
    """What counts as inert (the rule's options): calls that change nothing outside the process, frameworks whose
    handlers write state by assignment, hosts reserved for documentation, and reply channels (a waiting caller sees
    the failure of what it asked for)."""

    inert_calls: tuple[str, ...] = INERT_CALLS
    state_by_assignment_frameworks: tuple[str, ...] = ()
    placeholder_hosts: tuple[str, ...] = ()
    exempt_channels: tuple[str, ...] = ()

    def handler(
        self, subscription: Subscription, ctx: RuleContext, callers: dict[str, list[Handler]], visiting: frozenset[str] = frozenset()
    ) -> bool:
        """Nothing the handler does outlives the process, so a kept message would have nothing to redo: it (and any
        polling loop that calls it) makes only inert calls (prints, logs, parses, waits, reads, settles the message),
        and whatever it publishes is a reply to a waiting caller, or is consumed in the analysed code only by
        handlers that are themselves inert."""
        if subscription.framework in self.state_by_assignment_frameworks:
            return False  # its handlers write state by assignment (a faust Table), which no call shows
        handler = ctx.handlers_by_name.get(subscription.handler or "")
        if handler is None or handler.name in visiting:
            return handler is not None  # a cycle of relays is judged by the rest of it
        visiting = visiting | {handler.name}
        involved = [handler, *(h for h in callers.get(handler.name, ()) if h is not handler)]
        # a loop that dispatches to it through a handler map does its work around the dispatch too
        dispatcher = ctx.handlers_by_name.get(subscription.function or "") if subscription.via else None
        if dispatcher is not None and dispatcher not in involved:
            involved.append(dispatcher)
        for each in involved:
            if each.truncated:
                return False
            publications = ctx.publications_of(each)
            sent = {(p.path, p.line, p.column) for p in publications}
            read = {(r.path, r.line, r.column) for r in each.reads if r.access == "get"}
            followed = set(each.functions)
            for call in each.calls:
                site = (call.path, call.line, call.column)
                if call.name in followed or site in sent or site in read:
                    continue  # a project function the facts followed (its own calls are judged), a publication, a field read
                if f"{call.function}:{call.line}" in subscription.via and "[" in call.name:
                    continue  # the dispatch through the handler map (`routes[msg.topic()](...)`): the handler, judged above
                if knowledge.placeholder_call(call, self.placeholder_hosts):
                    continue  # a request to a documentation host (`http://example.com/...`): it reaches no real service
                if knowledge.matches_any(call, EFFECT_CALLS):
                    return False
                if call.on_message and call.name == call.text:
                    continue  # a method of the record a consuming loop receives, no type naming it (`message.process()`): the framework's own
                if not knowledge.matches_any(call, self.inert_calls):
                    return False
            if not all(self.publication(p, ctx, callers, visiting) for p in publications):
                return False
        return True

    def publication(
        self, publication: Publication, ctx: RuleContext, callers: dict[str, list[Handler]], visiting: frozenset[str] = frozenset()
    ) -> bool:
        """A reply (the caller waiting for it sees the failure), or a message whose every consumer is found in the
        analysed code and is inert; a destination not known, or one something unresolved could consume, is not."""
        names = (publication.channel, publication.channel_expr)
        if any(imatches(n, self.exempt_channels) for n in names):
            return True
        flow = ctx.flow
        if flow.unresolved(publication) or flow.candidates(publication):
            return False
        consumers = [s for s in ctx.facts.subscribers if flow.reaches(publication, s)]
        return bool(consumers) and all(self.handler(s, ctx, callers, visiting) for s in consumers)
