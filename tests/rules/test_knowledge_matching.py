"""`knowledge.matches_any` groups the entries without a condition into one glob union (#18): same verdicts as entry by entry."""

from __future__ import annotations

import pytest

from eventlint.rules import knowledge
from tests.helpers import FIXTURES, facts_of

ROOTS = ["shop", "faststream"]  # fixtures whose handlers call into the knowledge


@pytest.mark.parametrize("name", ROOTS)
def test_grouped_matching_gives_the_entry_by_entry_verdict(name):
    known = knowledge.load()
    lists = [*known.effects.values(), known.dedup_calls, known.conditional_writes]
    lists.append(tuple(e for entries in lists for e in entries))  # conditions and plain globs mixed
    calls = [call for handler in facts_of(FIXTURES / name).handlers for call in handler.calls]
    assert calls
    hits = 0
    for entries in lists:
        for call in calls:
            expected = any(knowledge.matches_entry(call, e) for e in entries)
            assert knowledge.matches_any(call, entries) == expected, (call.name, call.text)
            assert knowledge.matches_any(call, list(entries)) == expected
            hits += expected
    assert hits, "some calls should match the knowledge"
