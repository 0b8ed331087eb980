"""The public facts format: schema-valid, lossless round trip, deterministic, on every fixture."""

import json

import jsonschema
import pytest

from eventlint.facts import FactsFormatError, ProjectFacts
from eventlint.report.text import facts_json
from eventlint.schemas import load_schema
from tests.helpers import FIXTURES, facts_of, fixture

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



def test_check_facts_refuses_a_field_of_the_wrong_type_naming_file_and_key(tmp_path):
    # found by tests/fuzz: ProjectFacts.from_json takes such a document, and its records cannot be hashed or sorted;
    # a document from elsewhere must be refused before that, with the file and the key
    from click.testing import CliRunner

    from eventlint.cli import main

    document = json.loads(facts_json(facts_of("kafka_python")))
    document["publishers"][0]["channel"] = {"name": "orders.placed"}
    (tmp_path / "other.json").write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(FIXTURES / "kafka_python"), "--facts", str(tmp_path / "other.json"), "--no-cache"])
    assert result.exit_code == 2 and not isinstance(result.exception, TypeError)
    assert "other.json" in result.stderr and "publishers[0].channel" in result.stderr


def test_the_message_kind_is_written_only_when_known_and_round_trips():
    facts = facts_of(fixture("inhouse"))
    document = facts.to_json()
    kinds = {(p["event"], p.get("kind")) for p in document["publishers"]}
    assert kinds == {("Allocate", "command"), ("CreateBatch", "command"), ("Allocated", "event"), ("OutOfStock", "event")}
    assert ProjectFacts.from_json(document) == facts
    # a message class that says neither: no key at all (documents written before stay as they were)
    plain = facts_of(fixture("kafka_python")).to_json()
    assert plain["publishers"] and all("kind" not in p for p in plain["publishers"])
