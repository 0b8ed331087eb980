"""Questions rules ask about a handler's facts: which call matches a pattern, and from where it is reached."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase

from eventlint.facts import Binding, Handler, HandlerCall, Publication, Subscription
from eventlint.rules.base import matches

# Destinations named like a dead-letter queue or topic (compared ignoring case): orders.dlq,
# orders-dlq, orders.DLT (Spring Kafka's convention), dead-letter, dead_letter, .dlx exchanges.
DEAD_LETTER_CHANNELS = (
    "*dlq*",
    "*dead*letter*",
    "*.dlt",
    "*-dlt",
    "*_dlt",
    "*.dlx",
    "*-dlx",
    "*_dlx",
    "*.dead",
    "*-dead",
    "*_dead",
)

# queues that die with their consumer, by name: one the broker names (only the declaring consumer knows it,
# so its messages are unreachable once that consumer is gone; docs/facts.md), and RabbitMQ's direct
# reply-to pseudo-queue, which must be consumed with automatic acknowledgement
# (https://www.rabbitmq.com/docs/direct-reply-to). Queues declared exclusive or auto-delete come from the packs.
TRANSIENT_QUEUES = ("broker-named queue in *", "amq.rabbitmq.reply-to")


def transient_queue(sub: Subscription, bindings: Iterable[Binding], patterns: Iterable[str] = TRANSIENT_QUEUES) -> bool:
    """The consumed queue dies with its consumer: declared exclusive or auto-delete (the packs' `lifetime`,
    on the subscription's queue object or on a declaration of the same queue name in the same file or
    service), named by the broker, or a name in `patterns` (RabbitMQ's direct reply-to)."""
    if sub.lifetime:
        return True
    if any(matches(n, tuple(patterns)) for n in (sub.channel, sub.channel_expr) if n):
        return True
    for binding in bindings:
        if not binding.lifetime or binding.framework != sub.framework:
            continue
        if (sub.channel and binding.queue == sub.channel) or (sub.channel_expr and binding.queue_expr == sub.channel_expr):
            if binding.path == sub.path or (sub.service is not None and binding.service == sub.service):
                return True
    return False


def named(call: HandlerCall, patterns: Iterable[str]) -> bool:
    """Whether the call matches one of the globs.

    A pattern with a dot (`requests.post`, `*session.add`) is matched against the call's
    qualified name and its source text; a pattern without one (`*charge*`) against the
    called function's own name, so a module path (`refunds.inbox.Inbox`) never makes a match.
    """
    return _judge(tuple(patterns))(call.name, call.text)


@functools.lru_cache(maxsize=1024)
def _judge(patterns: tuple[str, ...]) -> Callable[[str, str], bool]:
    """`named` for one list of globs, as a function of the call's name and text that keeps its answers.

    Rules ask it of every call of every handler, and the same few names come back (on the 205k-line
    benchmark, 109k questions are 7k different ones); the globs are split once (patterns with a dot,
    patterns without)."""
    dotted = tuple(p for p in patterns if "." in p)
    plain = tuple(p for p in patterns if "." not in p)
    answers: dict[tuple[str, str], bool] = {}

    def judge(name: str, text: str) -> bool:
        key = (name, text)
        found = answers.get(key)
        if found is None:
            if dotted and (matches(name, dotted) or matches(text, dotted)):
                found = True
            elif plain:
                found = matches(name.rsplit(".", 1)[-1], plain) or matches(text.rsplit(".", 1)[-1], plain)
            else:
                found = False
            if len(answers) < _ANSWERS_KEPT:
                answers[key] = found
        return found

    return judge


# answers `named` keeps per list of globs: every name of a large project, not a server's whole lifetime of them
_ANSWERS_KEPT = 1 << 16


def with_literal(call: HandlerCall, pattern: str) -> bool:
    """A string literal argument of the call matches the regular expression (case-insensitive)."""
    return any(re.search(pattern, text, re.IGNORECASE) for text in call.literals)


def reaching_call(handler: Handler, call: HandlerCall) -> HandlerCall:
    """The call in the handler's own body through which `call` is reached (itself when it is there)."""
    return _route(handler, call)[-1]


def chain(handler: Handler, call: HandlerCall) -> list[str]:
    """Function names from the handler down to the one making `call` (for messages)."""
    return [step.function for step in reversed(_route(handler, call))]


def _route(handler: Handler, call: HandlerCall) -> list[HandlerCall]:
    """`call`, then the call that reached its function, and so on up to a call in the handler itself."""
    first_call_of: dict[str, HandlerCall] = {}
    for candidate in sorted(handler.calls, key=lambda c: (c.depth, c.path, c.line, c.column)):
        first_call_of.setdefault(candidate.name, candidate)
    route = [call]
    while route[-1].depth > 0:
        parent = first_call_of.get(route[-1].function)
        if parent is None or parent.depth >= route[-1].depth:
            break
        route.append(parent)
    return route


def dead_letter_sites(
    handlers: Iterable[Handler], publications_of: Callable[[Handler], list[Publication]], publishers: Iterable[Publication]
) -> frozenset[tuple[str, int, int]]:
    """Sites of publications that move a failed message aside: to a destination named like a dead-letter
    queue, or from an `except` clause of a handler or consuming loop with the original message as an argument.
    """
    sites = set()
    for publication in publishers:
        names = (publication.channel, publication.channel_expr)
        if any(n and any(fnmatchcase(n.lower(), p) for p in DEAD_LETTER_CHANNELS) for n in names):
            sites.add((publication.path, publication.line, publication.column))
    for handler in handlers:
        if handler.role == "publisher":
            continue
        forwarded = {(c.path, c.line, c.column) for c in handler.calls if c.in_except and c.forwards_message}
        if not forwarded:
            continue
        for publication in publications_of(handler):
            site = (publication.path, publication.line, publication.column)
            if site in forwarded:
                sites.add(site)
    return frozenset(sites)


def internal_sites(
    publishers: Iterable[Publication], subscribers: Iterable[Subscription], kinds: Iterable[str]
) -> frozenset[tuple[str, int, int]]:
    """Sites of messages that never leave one service: a kind in `kinds` (a Celery task, `task`), sent and
    run there. Every publication and subscription of that name is of such a kind and in that one service,
    and there is at least one of each; a task sent to another service's worker, or one whose worker is
    not in the analysed code, is not internal."""
    wanted = frozenset(kinds)
    if not wanted:
        return frozenset()
    records: dict[str, list[Publication | Subscription]] = {}
    for record in (*publishers, *subscribers):
        name = record.event or record.channel
        if name:
            records.setdefault(name, []).append(record)
    sites: set[tuple[str, int, int]] = set()
    for group in records.values():
        if not all(r.kind in wanted and r.service for r in group) or len({r.service for r in group}) != 1:
            continue
        if any(isinstance(r, Publication) for r in group) and any(isinstance(r, Subscription) for r in group):
            sites.update((r.path, r.line, r.column) for r in group)
    return frozenset(sites)


def short(name: str) -> str:
    """The last two parts of a qualified name: `gateway.charge_card`."""
    parts = name.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else name


def shown_channel(channel: str | None, expr: str | None, event: str | None = None) -> str:
    """A channel as rule messages show it: its name (or, given one, the event's), else the expression eventlint
    could not resolve in backticks (`config('KAFKA_TOPIC', cast=str)`), else "an unresolved channel"."""
    return channel or event or (f"`{expr}`" if expr else "an unresolved channel")
