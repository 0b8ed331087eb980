"""The cache's codec of the facts (`facts.encode_facts` / `decode_facts`, msgspec): every fixture's facts read back equal.

Equality of the dataclasses also holds the types: a tuple read back as a list, or
an int as a float, would make two facts unequal (and a cached run differ from a cold one).
"""

from __future__ import annotations

import pytest

from eventlint.facts import FactsFormatError, ProjectFacts, decode_facts, encode_facts
from tests.helpers import FIXTURES, facts_of

ROOTS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", ROOTS)
def test_every_fixtures_facts_read_back_equal(name):
    facts = facts_of(name)
    again = decode_facts(encode_facts(facts))
    assert again == facts
    assert again.to_json() == facts.to_json()


def test_bytes_of_another_shape_are_a_format_error():
    for data in (b"", b"[1, 2]", b'{"root": 3}', b'{"eventlint_facts": 1}'):
        with pytest.raises(FactsFormatError):
            decode_facts(data)
    assert decode_facts(encode_facts(ProjectFacts(root="."))) == ProjectFacts(root=".")
