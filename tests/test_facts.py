"""The public facts format: schema-valid, lossless round trip, deterministic, on every fixture."""

import json

import jsonschema
import pytest

from eventlint.facts import FactsFormatError, ProjectFacts
from eventlint.report.text import facts_json
from eventlint.schemas import load_schema
from tests.helpers import FIXTURES, facts_of

ALL_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_facts_are_schema_valid_round_trip_and_deterministic(name):
    facts = facts_of(name)
    document = json.loads(facts_json(facts))
    jsonschema.validate(document, load_schema("facts"))
    assert ProjectFacts.from_json(document) == facts
    assert facts_json(facts_of(name)) == facts_json(facts)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_fixture_yields_sites_and_parses_cleanly(name):
    facts = facts_of(name)
    assert facts.publishers or facts.subscribers
    assert [d for d in facts.diagnostics if d.code == "EDA000"] == []
    for record in (*facts.publishers, *facts.subscribers):
        assert not record.path.startswith("/") and "\\" not in record.path
        assert record.line >= 1 and record.column >= 1


def test_records_are_sorted_by_location():
    facts = facts_of("kafka_python")
    keys = [(p.path, p.line, p.column) for p in facts.publishers]
    assert keys == sorted(keys)


def test_other_documents_are_refused():
    with pytest.raises(FactsFormatError):
        ProjectFacts.from_json({"eventlint_facts": 99, "root": "/"})
    with pytest.raises(FactsFormatError):
        ProjectFacts.from_json({"eventlint_facts": 1, "root": "/", "publishers": [{"event": "x"}]})


def test_a_field_of_the_wrong_type_is_a_format_error_naming_the_key():
    # found by tests/fuzz: a mapping where a string belongs made an unhashable record, and sorting it raised TypeError
    document = json.loads(facts_json(facts_of("kafka_python")))
    document["publishers"][0]["channel"] = {"name": "orders.placed"}
    with pytest.raises(FactsFormatError, match=r"publishers\[0\]\.channel: expected a string or null"):
        ProjectFacts.from_json(document)


def test_fields_a_later_minor_release_adds_are_still_read():
    document = json.loads(facts_json(facts_of("kafka_python")))
    document["publishers"][0]["partition_count"] = 12
    assert ProjectFacts.from_json(document).publishers[0].channel == document["publishers"][0]["channel"]
