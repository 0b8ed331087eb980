"""EDA401 on consumer loops that deduplicate by the record's own key (fixtures/sqlmodel_consumers; found on the
unseen set, session 14): a lookup of the message's record whose hit `continue`s past the insert, and an insert keyed
by the message's own primary key, are deduplication; an insert with a generated key, or one that runs whatever the
lookup found, is not."""

from eventlint import api
from tests.helpers import facts_of, fixture, line_of

ROOT = fixture("sqlmodel_consumers")
CONSUMERS = ROOT / "users" / "consumers.py"
PATH = "users/consumers.py"


def _eda401(root):
    return sorted((d.path, d.line) for d in api.lint([root], api.load_config([root]), select=["EDA401"]).diagnostics)


def test_only_the_consumers_that_do_not_deduplicate_are_reported():
    assert _eda401(ROOT) == [
        (PATH, line_of(CONSUMERS, "session.add(reservation)")),
        (PATH, line_of(CONSUMERS, "session.add(Reservation(product_id=event")),
    ]


def test_the_insert_after_an_early_continue_runs_only_when_the_lookup_found_nothing():
    facts = facts_of(ROOT)
    [handler] = [h for h in facts.handlers if h.name.endswith("consume_users")]
    calls = {(c.line, c.text): c for c in handler.calls}
    lookup_line = line_of(CONSUMERS, "existing = session.exec(select(User)")
    [insert] = [c for (line, text), c in calls.items() if text == "session.add" and line == lookup_line + 3]
    assert any(g.startswith("!") and g[1:].split(":")[0] == str(lookup_line) for g in insert.guards)
    # the comparison inside .where(...) reads the message's id
    assert any(c.uses_message for (line, text), c in calls.items() if line == lookup_line and text.endswith("where"))


def test_the_keywords_read_from_the_message_follow_the_object_handed_to_the_write():
    facts = facts_of(ROOT)
    by_name = {h.name.rsplit(".", 1)[-1]: h for h in facts.handlers}
    [keyed] = [c for c in by_name["consume_inventory"].calls if c.text == "session.add"]
    assert set(keyed.message_keywords) == {"id", "product_id", "stock"}
    [generated] = [c for c in by_name["consume_reservations"].calls if c.text == "session.add"]
    assert set(generated.message_keywords) == {"product_id", "quantity"}


def test_a_lookup_whose_hit_does_not_skip_the_insert_is_no_guard():
    facts = facts_of(ROOT)
    [handler] = [h for h in facts.handlers if h.name.endswith("consume_signups")]
    [insert] = [c for c in handler.calls if c.text == "session.add"]
    assert not any(g.startswith("!") for g in insert.guards)


def test_a_header_line_that_sets_state_for_later_passes_is_not_an_exclusive_arm():
    # the loop-skipping `if` is exclusive within one pass only: it is in `skips`, never in `arms`
    import ast

    from eventlint.extract import astir

    source = (
        "def relay(lines, producer):\n"
        "    topic = 'default'\n"
        "    for line in lines:\n"
        "        if header:\n"
        "            topic = line.strip()\n"
        "            continue\n"
        "        producer.send(topic, line)\n"
    ).encode()
    module = astir.build(ast.parse(source), astir.decoded(source), "m.py", "m")
    [fn] = [f for f in module.functions if f.name == "relay"]
    assert [(a.other_first, a.other_last, a.test) for a in fn.skips] == [(7, 7, "header")]
    assert all(a.other_first != 7 for a in fn.arms)
