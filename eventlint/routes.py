"""Which publications reach which subscriptions, from the facts alone (shared by the flow rules and the graph)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from functools import cache

from eventlint.catalog import Catalog
from eventlint.facts import Binding, ProjectFacts, Publication, Subscription
from eventlint.identity import Identity, compatible, transport_of

# Google Pub/Sub subscribers name a subscription, never the topic it is attached to.
ROUTED_FRAMEWORKS = ("google-pubsub",)

# Transports whose broker routes by the event (EventBridge rules match `detail-type`), not by the
# channel the publication names (its `Source`): such a publication whose event is not statically
# known could reach any consumer of its transport.
EVENT_ROUTED = frozenset({"aws-eventbridge"})

Matcher = Callable[[str], bool]
_REGEX_SIGNS = re.compile(r"^\^|\$$|\\|\.\*|\.\+|\(|\|")
_WILDCARDS = re.compile(r"[*#>?\[]")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


# "Could this unresolved site be the missing counterpart" asks whether messages can pass between two
# records at all, which is looser than being on one broker: SNS and EventBridge deliver to SQS queues and
# Lambda functions (one AWS family, templates included), and a Dapr pub/sub component can be any broker.
_DELIVERY_FAMILY: dict[str, str | None] = {"sns": "aws", "sqs": "aws", "eventbridge": "aws", "dapr": None}
_AWS_TEMPLATES = frozenset({"aws-sam", "serverless", "cloudformation"})


def delivery_family(framework: str) -> str | None:
    """The family of transports a framework's messages can pass between, or None when it could be any."""
    if framework in _AWS_TEMPLATES:
        return "aws"
    transport = transport_of(framework)
    return None if transport is None else _DELIVERY_FAMILY.get(transport, transport)


@cache
def channel_pattern(text: str) -> re.Pattern[str] | None:
    """The pattern a subscription channel or binding key stands for, or None for a plain name.

    Kafka pattern subscriptions are regular expressions (`^orders\\..*`); Redis `psubscribe`
    takes globs (`orders.*`, `orders.[ab]?`); NATS subjects and AMQP binding keys take
    `*` (a word), `>` (the rest) and `#` (any words). A `*` is read broadly, as any run of
    characters within one exchange/routing-key part, so a pattern never looks narrower than
    the broker makes it.
    """
    if _REGEX_SIGNS.search(text):
        try:
            return re.compile(text)
        except re.error:
            return None
    if not _WILDCARDS.search(text):
        return None
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if text.startswith(".#", i):
            out.append(r"(?:\..*)?")  # `order.#` also matches `order`
            i += 2
            continue
        if text.startswith("#.", i) and i == 0:
            out.append(r"(?:.*\.)?")
            i += 2
            continue
        if char == "#":
            out.append(".*")
        elif char == "*":
            out.append("[^/]*")
        elif char == ">":
            out.append(".+")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in text[i + 1 :]:
            end = text.index("]", i + 1)
            body = text[i + 1 : end]
            out.append("[" + ("^" + re.escape(body[1:]) if body.startswith("^") else re.escape(body)) + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))


@cache
def template_pattern(expr: str | None) -> re.Pattern[str] | None:
    """A channel template with unknown parts (`orders.{region}`) as a pattern; None unless some part is literal."""
    if not expr or "{" not in expr:
        return None
    parts = _PLACEHOLDER.split(expr)
    literal = "".join(parts)
    if not _PLACEHOLDER.search(expr) or not re.search(r"[A-Za-z0-9]", literal) or "{" in literal or "}" in literal:
        return None
    return re.compile(".+".join(re.escape(part) for part in parts))


def _channel_matcher(channel: str) -> Matcher:
    pattern = channel_pattern(channel)
    if pattern is None:
        return channel.__eq__
    return lambda text: text == channel or pattern.fullmatch(text) is not None


def _binding_matcher(binding: Binding) -> Matcher:
    """A publication `exchange/routing_key` (or `exchange`, an empty key) that the binding routes to its queue."""
    exchange = binding.exchange or ""
    key = binding.routing_key
    pattern = channel_pattern(key) if key else None

    def match(channel: str) -> bool:
        if channel == exchange:
            return True  # published with an empty routing key: a fanout or headers exchange
        if not channel.startswith(exchange + "/"):
            return False
        routing_key = channel[len(exchange) + 1 :]
        if not key:
            return True
        return routing_key == key or (pattern is not None and pattern.fullmatch(routing_key) is not None)

    return match


class Flow:
    """Which publications reach which subscriptions, from the facts alone.

    Two records meet when they name the same event, or else by channel: a subscription's
    channel (a pattern matches accordingly), the exchanges and routing keys its queue is bound
    to, or the queue itself (AMQP's default exchange routes by queue name). Different event
    names on one channel still meet: a consumer's event is often its own class for the message
    (faust's `value_type`, a FastStream annotation), and it receives whatever the channel
    carries. When a record knows only one of the two names, that name stands for both. A record
    that knows neither cannot be judged and reaches nothing; so does the raw library call inside
    a wrapper, whose call sites are recorded with their own channels.

    Event names are identities (`identity.py`): a catalog event meets whatever resolves to it.
    Channels meet only on one broker: a Kafka topic `test` never feeds a Redis channel `test`
    (a binding joins what it binds, an SNS topic to an SQS queue).
    """

    def __init__(
        self,
        facts: ProjectFacts,
        catalog: Catalog,
        routed_frameworks: Iterable[str] = ROUTED_FRAMEWORKS,
        identity: Identity | None = None,
    ) -> None:
        self.catalog = catalog
        wrappers = wrapper_functions(facts.publishers)
        self.publications = [p for p in facts.publishers if not is_wrapper_call(p, wrappers)]
        self.subscriptions = list(facts.subscribers)
        self.bindings_of: dict[str, list[Binding]] = {}
        for binding in facts.bindings:
            queue = binding.queue or binding.queue_expr  # a queue the broker names: by where it is declared
            if queue and binding.exchange:
                self.bindings_of.setdefault(queue, []).append(binding)
        # a queue bound with a known routing key to an exchange no code here names (`queue.bind(self.exchange,
        # "order_created")`, the exchange injected): it receives that key from an exchange that is not known
        self.open_bindings: dict[str, list[str]] = {}
        for binding in facts.bindings:
            queue = binding.queue or binding.queue_expr
            if queue and binding.exchange is None and binding.routing_key and transport_of(binding.framework) == "amqp":
                self.open_bindings.setdefault(queue, []).append(binding.routing_key)
        self.dead_letters = {s.dead_letter for s in facts.subscribers if s.dead_letter} | {
            b.dead_letter for b in facts.bindings if b.dead_letter
        }
        self.routed = frozenset(routed_frameworks)
        self.identity = identity if identity is not None else Identity.of(facts, catalog)
        self._matchers: dict[int, list[tuple[str | None, bool, Matcher, str | None]]] = {}
        self._unresolved: dict[bool, list] = {}
        # The answers of `reaches`, kept: the graph and the flow rules ask about the same pairs, up to seven times
        # each. For the flow's own records, each publication's set of reached subscriptions (by id(): they are
        # alive as long as the flow, so an id is theirs), judged only among the subscriptions `_candidates` names;
        # for other records (a catalog event as sent), each pair's answer with the records kept (a reused id is
        # never mistaken).
        self._publication_ids = {id(p) for p in self.publications}
        self._subscription_ids = {id(s) for s in self.subscriptions}
        self._reached_ids: dict[int, set[int]] = {}
        self._candidate_index: tuple[dict[str, list[Subscription]], dict[str, list[Subscription]], list[Subscription]] | None = None
        self._reached: dict[tuple[int, int], tuple[Publication, Subscription, bool]] = {}
        # Answers the rules keep for the run, each keyed by all it depends on besides these facts (EDA101 and EDA102
        # both ask for the orphan publications); `routed_as` copies share it.
        self.kept: dict[tuple, object] = {}

    def routed_as(self, routed_frameworks: Iterable[str]) -> Flow:
        """This flow, with `routed_frameworks` as the frameworks whose subscribers name a broker-side subscription
        (`unbound_routed`): a copy sharing every index and the answers of `reaches`, which does not read them."""
        routed = frozenset(routed_frameworks)
        if routed == self.routed:
            return self
        other = copy.copy(self)
        other.routed = routed
        return other

    def event(self, record: Publication | Subscription) -> str | None:
        """The record's event identity: the catalog's (by name, alias or channel), else its own name (see identity.py)."""
        return self.identity.event(record)

    def judged(self, record: Publication | Subscription) -> bool:
        return bool(self.event(record) or record.channel)

    def bound_broker_named(self, subscription: Subscription) -> bool:
        """A subscription to a queue the broker names, which the bindings made through it tie to their exchanges:
        it has no name of its own, but `reaches` judges it by those bindings."""
        return subscription.channel is None and bool(subscription.channel_expr) and subscription.channel_expr in self.bindings_of

    def unbound_routed(self, subscription: Subscription) -> bool:
        """A subscription to a broker-side subscription whose topic is attached outside the analysed code."""
        return (
            subscription.framework in self.routed
            and subscription.channel is not None
            and not self.bindings_of.get(subscription.channel)
        )

    def fed_by_dead_letters(self, subscription: Subscription) -> bool:
        """The subscription consumes what the broker dead-letters from another queue or subscription."""
        if subscription.channel is None:
            return False
        if subscription.channel in self.dead_letters:
            return True
        return any(b.exchange in self.dead_letters for b in self.bindings(subscription))

    def bindings(self, subscription: Subscription) -> list[Binding]:
        """The bindings of the queue a subscription consumes: its channel, or (a FastStream RabbitMQ
        subscriber, whose channel is `exchange/routing_key`) its queue, bound by the same framework."""
        found = self.bindings_of.get(subscription.channel or subscription.channel_expr or "")
        if found and (subscription.channel or found[0].framework == subscription.framework):
            return found
        if subscription.group and subscription.group != subscription.channel:
            return [b for b in self.bindings_of.get(subscription.group, ()) if b.framework == subscription.framework]
        return []

    def addresses(self, subscription: Subscription, transport: str | None = None) -> list[str]:
        """The routes a subscription's queue is bound to, as `exchange/routing_key` (those a `transport` can reach)."""
        return [
            f"{b.exchange}/{b.routing_key}" if b.routing_key else str(b.exchange)
            for b in self.bindings(subscription)
            if compatible(transport, transport_of(b.framework))
        ]

    def reaches(self, publication: Publication, subscription: Subscription) -> bool:
        """The publication's messages can arrive at the subscription."""
        # each `id()` once: it is an audited call, and a run that records its inputs (results.py) hears every one
        pid, sid = id(publication), id(subscription)
        reached = self._reached_ids.get(pid)
        if reached is None and pid in self._publication_ids:
            reached = self._reached_ids[pid] = {id(s) for s in self._candidates(publication) if self._reaches(publication, s)}
        if reached is not None and sid in self._subscription_ids:
            return sid in reached
        key = (pid, sid)
        found = self._reached.get(key)
        if found is not None and found[0] is publication and found[1] is subscription:
            return found[2]
        answer = self._reaches(publication, subscription)
        self._reached[key] = (publication, subscription, answer)
        return answer

    def _candidates(self, publication: Publication) -> list[Subscription]:
        """The subscriptions `_reaches` can answer yes for: those of the publication's event, those a name it is
        sent to could match (a channel, a binding, a pattern, a template), or all of them for a publication to a
        channel template (its own pattern is matched against theirs). Every other subscription knows only exact
        names (a plain channel, its event) the publication does not send to, and `_reaches` says no."""
        if self._candidate_index is None:
            by_event: dict[str, list[Subscription]] = {}
            by_name: dict[str, list[Subscription]] = {}
            any_name: list[Subscription] = []
            for s in self.subscriptions:
                event = self.event(s)
                if event:
                    by_event.setdefault(event, []).append(s)
                keys = [key for _, _, _, key in self._subscription_matchers(s, event)]
                if None in keys:
                    any_name.append(s)
                else:
                    for key in dict.fromkeys(keys):
                        by_name.setdefault(key, []).append(s)  # type: ignore[arg-type]
            self._candidate_index = (by_event, by_name, any_name)
        by_event, by_name, any_name = self._candidate_index
        event = self.event(publication)
        if publication.channel:
            name: str | None = publication.channel
        elif template_pattern(publication.channel_expr) is not None:
            return self.subscriptions
        else:
            name = event
        return [*any_name, *(by_event.get(event, ()) if event else ()), *(by_name.get(name, ()) if name else ())]

    def _reaches(self, publication: Publication, subscription: Subscription) -> bool:
        pub_event, sub_event = self.event(publication), self.event(subscription)
        if pub_event and sub_event and pub_event == sub_event:
            return not self.identity.different_connections(publication, subscription) or bool(self.identity.declared(publication))
        if pub_event and sub_event and publication.framework in EVENT_ROUTED:
            return False  # the rule matches `detail-type`: a source both sides share does not make them one event
        same_broker = self.identity.same_broker(publication, subscription)
        if publication.channel:
            name: str | None = publication.channel
        else:
            template = template_pattern(publication.channel_expr)
            if template is not None:
                candidates = [subscription.channel] if subscription.channel and same_broker else []
                candidates += self.addresses(subscription, transport_of(publication.framework))
                if any(template.fullmatch(c) for c in candidates):
                    return True
                # a binding whose routing key is not known takes whatever its exchange is sent (as for a known
                # channel): `direct_logs/{sys.argv[1]}` reaches a queue bound to `direct_logs` with a run-time key
                expr = publication.channel_expr or ""
                return any(
                    b.exchange and b.routing_key is None and expr.startswith(b.exchange + "/") and "{" not in b.exchange
                    for b in self.bindings(subscription)
                    if compatible(transport_of(publication.framework), transport_of(b.framework))
                )
            name = pub_event
        if name is None:
            return False
        transport = transport_of(publication.framework)
        return any(
            match(name)
            for binding_transport, through_binding, match, _ in self._subscription_matchers(subscription, sub_event)
            if (compatible(transport, binding_transport) if through_binding else same_broker)
        )

    def unresolved(self, record: Publication | Subscription) -> bool:
        """Its destination is not statically known, not even in part (a template `orders.{}` is judged by its pattern)."""
        if record.framework in EVENT_ROUTED and record.event is None and record.event_expr:
            return True
        return not self.judged(record) and template_pattern(record.channel_expr) is None

    def could_be(self, unknown: Publication | Subscription, known: Publication | Subscription) -> bool:
        """The unresolved site `unknown` could be the counterpart of `known`: the publication that feeds a
        subscription, or the subscription that receives a publication. Only a site of a compatible transport
        could; one whose destination is known, even in part, is judged by `reaches` instead. Every absence
        rule asks this one question before it claims that nothing publishes or consumes something."""
        return isinstance(unknown, Publication) != isinstance(known, Publication) and (
            self.unresolved(unknown) and compatible(delivery_family(unknown.framework), delivery_family(known.framework))
        )

    def candidates(self, known: Publication | Subscription) -> list[Publication | Subscription]:
        """The unresolved sites that could be `known`'s missing counterpart, in site order: sites whose destination
        is not statically known, and AMQP sites whose exchange is not (see `open_route`)."""
        side = isinstance(known, Publication)
        if side not in self._unresolved:
            pool = self.subscriptions if side else self.publications
            self._unresolved[side] = sorted(
                (r for r in pool if self.unresolved(r) or self._open_keys(r)), key=lambda r: (r.path, r.line, r.column)
            )
        return [r for r in self._unresolved[side] if self.could_be(r, known) or self.open_route(r, known)]

    def _open_keys(self, record: Publication | Subscription) -> list[str]:
        """The routing keys of an AMQP record whose exchange no code here names: a publication to an injected
        exchange (channel `{exchange}/order_created`), or a queue bound to one."""
        if transport_of(record.framework) != "amqp":
            return []
        if isinstance(record, Publication):
            expr = record.channel_expr or ""
            _, sep, key = expr.partition("}/")
            return [key] if record.channel is None and expr.startswith("{") and sep and "{" not in key else []
        return self.open_bindings.get(record.channel or record.channel_expr or "", [])

    def open_route(self, unknown: Publication | Subscription, known: Publication | Subscription) -> bool:
        """An AMQP site whose exchange is not known could be `known`'s counterpart when a routing key matches: the
        unknown exchange could be the one `known` uses. Only absence rules ask this, never `reaches`: two unknown
        exchanges may as well be different, so no edge is drawn."""
        if isinstance(unknown, Publication) == isinstance(known, Publication) or transport_of(known.framework) != "amqp":
            return False
        publication, subscription = (unknown, known) if isinstance(unknown, Publication) else (known, unknown)
        if isinstance(unknown, Publication):
            # to an unknown exchange: any queue bound with a matching key, or (the default exchange) the queue of that name
            sent = self._open_keys(publication)
            keys = [*self.open_bindings.get(subscription.channel or "", ()), *(b.routing_key for b in self.bindings(subscription) if b.routing_key)]
            names = [subscription.channel] if subscription.channel else []
        else:
            # bound to an unknown exchange: any publication with a matching routing key
            channel = publication.channel or ""
            sent = [channel.rsplit("/", 1)[-1]] if channel else self._open_keys(publication)
            keys = self._open_keys(subscription)
            names = []
        return any(k == s or (channel_pattern(k) is not None and channel_pattern(k).fullmatch(s) is not None) for k in keys for s in sent) or any(
            n == s for n in names for s in sent
        )

    def _subscription_matchers(self, subscription: Subscription, event: str | None) -> list[tuple[str | None, bool, Matcher, str | None]]:
        """(transport of the binding, through a binding, matcher, the one name it matches or None) for each way a
        name can reach the subscription."""
        key = id(subscription)
        if key not in self._matchers:
            matchers: list[tuple[str | None, bool, Matcher, str | None]] = []
            if subscription.channel:
                plain = channel_pattern(subscription.channel) is None
                matchers.append((None, False, _channel_matcher(subscription.channel), subscription.channel if plain else None))
                matchers.extend((transport_of(b.framework), True, _binding_matcher(b), None) for b in self.bindings(subscription))
            elif subscription.channel_expr and subscription.channel_expr in self.bindings_of:
                # a queue the broker names, tied to its exchanges by the bindings made through it
                matchers.extend((transport_of(b.framework), True, _binding_matcher(b), None) for b in self.bindings(subscription))
            else:
                template = template_pattern(subscription.channel_expr)
                if template is not None:
                    matchers.append((None, False, lambda text, t=template: t.fullmatch(text) is not None, None))
                elif event:
                    matchers.append((None, False, event.__eq__, event))
            self._matchers[key] = matchers
        return self._matchers[key]


def wrapper_functions(publications: Iterable[Publication]) -> set[str]:
    """Project functions that publish on their callers' behalf (named in some publication's `via`)."""
    return {name for p in publications for name in p.via}


def is_wrapper_call(publication: Publication, wrappers: set[str]) -> bool:
    """The library call inside a project wrapper whose callers carry the channel."""
    return publication.channel is None and publication.function in wrappers
