"""Fuzzing the extractor: whatever Python it is fed, `facts` and `lint` answer with valid facts, never an exception.

Programs come from hypothesmith (the Python grammar, and libcst's node types) and from
tests/fuzz/programs.py (the supported frameworks' real calls and decorators with arbitrary
argument shapes), alone and spliced together. Each is written into a small project with two
services and analysed from disk, the way `eventlint check` reads a repository.
Budget and reproducibility: tests/fuzz/budget.py; the long run: docs/fuzzing.md.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import hypothesmith
import jsonschema
from hypothesis import given
from hypothesis import strategies as st

from eventlint import api
from eventlint.facts import ProjectFacts
from eventlint.report.formats import json_report
from eventlint.schemas import load_schema
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.programs import framework_module

CONFIG = """\
services:
  orders: services/orders/**
  payments: services/payments/**
"""
PUBLISHER = "services/orders/orders/publishing.py"
CONSUMER = "services/payments/payments/handlers.py"
FACTS_SCHEMA = jsonschema.Draft202012Validator(load_schema("facts"))
# the consumer imports the publisher (star and module), and itself: import cycles must not loop
IMPORTS = "from orders.publishing import *\nfrom orders import publishing\nfrom . import handlers\nimport payments.handlers as me\n"


def encode(source: str) -> bytes:
    # generated text may hold lone surrogates; they must reach the parser as bytes, not stop the test
    return source.encode("utf-8", "surrogatepass")


def analyse(files: dict[str, str], rules: bool = False) -> ProjectFacts:
    """Write `files` into a fresh project, extract its facts (and run every rule), check what comes out."""
    with tempfile.TemporaryDirectory(prefix="eventlint-fuzz-") as tmp:
        root = Path(tmp)
        (root / "eventlint.yaml").write_text(CONFIG, encoding="utf-8")
        for rel, source in {**files, "services/orders/orders/__init__.py": "", "services/payments/payments/__init__.py": ""}.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(encode(source))
        config = api.load_config([root])
        if not rules:
            found = api.facts([root], config)
            assert_valid_facts(found, len(files) + 2)
            return found
        result = api.lint([root], config)  # extracts the same facts, then runs every rule over them
        assert_valid_facts(result.facts, len(files) + 2)
        assert result.exit_code in (0, 1)
        report = json.loads(json_report(result.facts, result.diagnostics, result.baselined))
        assert report["summary"]["problems"] == len(result.diagnostics)
        assert all(d["path"] and not d["path"].startswith("/") for d in report["diagnostics"]), report["diagnostics"]
        json.dumps(result.graph.summary().to_json())  # the event graph `check --format json` and `graph` draw from
        return result.facts


def assert_valid_facts(found: ProjectFacts, files: int) -> None:
    """Schema-valid facts JSON that reads back to the same facts."""
    document = json.loads(json.dumps(found.to_json(), sort_keys=True))
    FACTS_SCHEMA.validate(document)
    assert ProjectFacts.from_json(document) == found
    assert found.files == files
    for record in (*found.publishers, *found.subscribers, *found.bindings, *found.diagnostics):
        assert record.line >= 1 and record.column >= 1, record


@fuzz_settings(0.2)
@given(hypothesmith.from_grammar())
def test_grammar_generated_programs(source):
    analyse({PUBLISHER: source})


@fuzz_settings(0.2)
@given(hypothesmith.from_node())
def test_node_generated_programs(source):
    analyse({PUBLISHER: source})


@fuzz_settings(0.4)
@given(framework_module(), framework_module())
def test_framework_calls_with_arbitrary_arguments(publisher, consumer):
    analyse({PUBLISHER: publisher, CONSUMER: IMPORTS + consumer}, rules=True)


@fuzz_settings(0.2)
@given(hypothesmith.from_grammar(), framework_module(), st.booleans())
def test_generated_programs_spliced_with_framework_calls(generated, framework, framework_first):
    source = framework + "\n" + generated if framework_first else generated + "\n" + framework
    analyse({PUBLISHER: source, CONSUMER: IMPORTS + generated}, rules=True)
