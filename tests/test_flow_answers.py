"""`Flow.reaches` keeps its answers and judges a publication only against the subscriptions it could reach;
the answers are the rule's own (`Flow._reaches`, asked of the pair alone) for every pair, in any order.

The graph and the flow rules share one `Flow` per run (`RuleContext.flow`, `Flow.routed_as` for a rule's
own routed frameworks), so a wrong kept answer would change every consumer at once.
"""

from __future__ import annotations

import dataclasses
import sys

import pytest

from eventlint import api
from eventlint.catalog import load_catalog
from eventlint.extract import Options
from eventlint.routes import Flow
from tests.helpers import FIXTURES, REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate  # noqa: E402

FIXTURE_ROOTS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and any(p.rglob("*.py")))


def _facts(root):
    config = api.load_config([root])
    return api.facts([root], config, Options(cache=False)), load_catalog(config)


def _assert_same_answers(facts, catalog) -> int:
    publications, subscriptions = list(facts.publishers), list(facts.subscribers)
    oracle = Flow(facts, catalog)
    expected = {(i, j): oracle._reaches(p, s) for i, p in enumerate(publications) for j, s in enumerate(subscriptions)}
    # publication by publication, then subscription by subscription from the last publication (answers asked
    # before and after each publication's set is built), and through a copy with other routed frameworks
    by_publication = Flow(facts, catalog)
    assert {(i, j): by_publication.reaches(p, s) for i, p in enumerate(publications) for j, s in enumerate(subscriptions)} == expected
    by_subscription = Flow(facts, catalog)
    copy = by_subscription.routed_as(("google-pubsub", "kafka-python"))
    for j, s in enumerate(subscriptions):
        for i in reversed(range(len(publications))):
            flow = copy if (i + j) % 2 else by_subscription
            assert flow.reaches(publications[i], s) == expected[i, j], (publications[i], s)
    # a record the flow does not hold (a catalog event as sent, an edited copy) is judged by the rule
    for i, p in enumerate(publications):
        other = dataclasses.replace(p, line=p.line + 1000)
        for j, s in enumerate(subscriptions):
            assert by_publication.reaches(other, s) == expected[i, j]
    return sum(expected.values())


@pytest.mark.parametrize("root", FIXTURE_ROOTS, ids=lambda p: p.name)
def test_kept_answers_are_the_rules_answers_on_every_fixture(root):
    facts, catalog = _facts(root)
    _assert_same_answers(facts, catalog)


def test_kept_answers_are_the_rules_answers_on_a_generated_monorepo(tmp_path):
    generate(tmp_path, 20_000, 0.1, 7)
    facts, catalog = _facts(tmp_path)
    assert len(facts.publishers) * len(facts.subscribers) > 100
    assert _assert_same_answers(facts, catalog) > 0  # some pairs do reach: the sets are not all empty


def test_routed_as_shares_the_answers_and_changes_only_the_routed_frameworks():
    facts, catalog = _facts(FIXTURES / "google_pubsub")
    flow = Flow(facts, catalog)
    assert flow.routed_as(flow.routed) is flow
    other = flow.routed_as(())
    assert other is not flow and other.routed == frozenset() and flow.routed == frozenset({"google-pubsub"})
    assert other._reached_ids is flow._reached_ids
    routed = [s for s in facts.subscribers if flow.unbound_routed(s)]
    assert routed and not any(other.unbound_routed(s) for s in routed)
