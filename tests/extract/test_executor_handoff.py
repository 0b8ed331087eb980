"""A function handed to a thread or an executor (fixtures/executor_handoff): `asyncio.to_thread(fn, *args)`,
`loop.run_in_executor(None, fn, *args)` and `executor.submit(fn, *args)` call `fn` with those arguments."""

from eventlint import api
from eventlint.config import load_config
from eventlint.extract import ir
from tests.helpers import facts_of, fixture, line_of

ROOT = fixture("executor_handoff")
API = ROOT / "shipping/api.py"


def test_a_publish_helper_handed_to_a_thread_or_executor_publishes_with_its_arguments_bound():
    facts = facts_of(ROOT)
    found = {(p.line, p.channel, p.function, p.via) for p in facts.publishers if p.path == "shipping/api.py"}
    assert found == {
        (line_of(API, "asyncio.to_thread(events.publish"), "orders.shipped", "shipping.api.ship", ("shipping.events.publish",)),
        (line_of(API, "loop.run_in_executor("), "orders.cancelled", "shipping.api.cancel", ("shipping.events.publish",)),
        (line_of(API, "pool.submit(events.publish"), "orders.returned", "shipping.api.return_order", ("shipping.events.publish",)),
    }


def test_the_handler_rules_see_the_effect_and_the_publication_made_through_a_thread():
    result = api.lint([ROOT], load_config([ROOT]), select=["EDA401", "EDA403"])
    found = {(d.code, d.line) for d in result.diagnostics if d.path == "shipping/api.py"}
    assert found == {
        # the carrier's label is booked again on redelivery: requests.post, called by the thread
        ("EDA401", line_of(API, "asyncio.to_thread(requests.post")),
        # the database write, then the publication handed to a thread
        ("EDA403", line_of(API, "asyncio.to_thread(events.publish")),
    }


def test_only_a_named_function_handed_over_is_a_call():
    def call(func, *args, kwargs=()):
        return ir.Call(func, tuple(args), tuple(kwargs), 1, 1)

    fn, arg = ir.Name("publish"), ir.Str("orders")
    assert ir.handed_off(call(ir.Attr(ir.Name("asyncio"), "to_thread"), fn, arg, kwargs=(("key", arg),)), {}) == call(
        fn, arg, kwargs=(("key", arg),)
    )
    assert ir.handed_off(call(ir.Name("to_thread"), fn, arg), {"to_thread": "asyncio.to_thread"}) == call(fn, arg)
    # run_in_executor takes the executor first and passes no keywords on
    assert ir.handed_off(call(ir.Attr(ir.Name("loop"), "run_in_executor"), ir.Const(None), fn, arg), {}) == call(fn, arg)
    assert ir.handed_off(call(ir.Attr(ir.Name("form"), "submit"), arg), {}) is None
    assert ir.handed_off(call(ir.Name("to_thread"), fn, arg), {}) is None  # some other to_thread
    assert ir.handed_off(call(ir.Attr(ir.Name("pool"), "submit"), ir.Starred(ir.Name("jobs"))), {}) is None
