"""Except clauses record where their `try` begins and whether they answer with a value (docs/facts.md)."""

import json
from pathlib import Path

import jsonschema

from eventlint.facts import ProjectFacts
from tests.helpers import facts_of, line_of, write_project

SOURCE = '''
    import json
    import logging

    from kafka import KafkaConsumer


    def score(raw):
        try:
            return json.loads(raw)["score"]
        except (ValueError, KeyError):
            return 0


    def run():
        try:
            consumer = KafkaConsumer("orders", group_id="scores")
            for message in consumer:
                try:
                    print(score(message.value))
                except Exception:
                    logging.exception("failed")
                    return
                except ValueError:
                    return None
        except Exception:
            logging.exception("could not start")
'''


def test_clauses_know_their_try_and_a_fallback_value(tmp_path):
    root = write_project(tmp_path / "repo", {"app.py": SOURCE})
    facts = facts_of(root)
    clauses = {(e.line, e.function): e for h in facts.handlers for e in h.excepts}
    path = root / "app.py"
    by_line = {line: e for (line, _), e in clauses.items()}
    fallback = by_line[line_of(path, "except (ValueError, KeyError):")]
    assert fallback.try_line == line_of(path, "try:", 1) and fallback.returns_value
    inner = by_line[line_of(path, 'except Exception:', 1)]
    sibling = by_line[line_of(path, "except ValueError:")]
    # two clauses of one `try` share its line; a bare `return` and `return None` answer with no value
    assert inner.try_line == sibling.try_line == line_of(path, "try:", 3)
    assert not inner.returns_value and not sibling.returns_value
    outer = by_line[line_of(path, 'except Exception:', 2)]
    assert outer.try_line == line_of(path, "try:", 2)


def test_the_facts_document_carries_them_and_stays_valid(tmp_path):
    root = write_project(tmp_path / "repo", {"app.py": SOURCE})
    document = facts_of(root).to_json()
    schema = json.loads((Path(__file__).parents[2] / "eventlint" / "schemas" / "facts.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    excepts = [e for h in document["handlers"] for e in h["excepts"]]
    assert all("try_line" in e for e in excepts)
    # `returns_value` is written only when true, like the other flags that are absent when there is nothing to say
    assert any(e.get("returns_value") is True for e in excepts) and all(e.get("returns_value", True) is True for e in excepts)
    assert ProjectFacts.from_json(document) == facts_of(root)


BATCH = '''
    import logging

    import redis

    r = redis.Redis()


    def process(entries, archive):
        to_ack = []
        rows = []
        for entry_id, fields in entries:
            rows.append(fields)
            to_ack.append(entry_id)
        try:
            archive.write(rows)
        except Exception:
            logging.exception("nothing acknowledged")
            to_ack.clear()
        try:
            archive.flush(rows)
        except Exception:
            to_ack = []
            rows = None
        ids = [] + to_ack
        r.xack("prices", "inserters", *ids)
        r.xtrim("prices", maxlen=1000)
        logging.info("acknowledged %d", len(rows))


    def run():
        while True:
            for stream, entries in r.xreadgroup("inserters", "w1", {"prices": ">"}):
                process(entries, None)
'''


def test_a_clause_records_the_later_calls_given_what_it_empties(tmp_path):
    root = write_project(tmp_path / "repo", {"app.py": BATCH})
    path = root / "app.py"
    facts = facts_of(root)
    by_line = {e.line: e for h in facts.handlers for e in h.excepts if e.function.endswith("process")}
    line = line_of(path, "r.xack(")
    xack = f"{line}:{path.read_text().splitlines()[line - 1].index('r.xack(') + 1}"
    # `.clear()`, and `= []` (an assignment to None empties nothing): through `ids`, computed after the clause
    assert by_line[line_of(path, "except Exception:", 1)].withholds == (xack,)
    assert by_line[line_of(path, "except Exception:", 2)].withholds == (xack,)
    # the facts document carries it only where there is something to say, and stays valid
    document = facts.to_json()
    schema = json.loads((Path(__file__).parents[2] / "eventlint" / "schemas" / "facts.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert ProjectFacts.from_json(document) == facts
