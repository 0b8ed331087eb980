"""The resolver's answer to a question does not depend on the questions asked before it.

`Evaluator.eval` memoises values; a value computed where a cycle or MAX_DEPTH cut the evaluation is
not memoised, and a memoised value is reused only where its evaluation would not pass MAX_DEPTH. So
an evaluator asked every question of a project in one order, in the reverse order, or each question
afresh gives the same answers: the property a run that re-resolves only an edited module over
nothing else relies on to print what a cold run prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eventlint import api
from eventlint.discover import discover
from eventlint.extract import parse_file
from eventlint.extract.guard import ParseFailure
from eventlint.extract.patterns import load_patterns
from eventlint.extract.resolve import MAX_DEPTH, Evaluator, Project, Scope
from tests.helpers import FIXTURES, write_project


def _project(root: Path) -> Project:
    config = api.load_config([root])
    found = discover([root], config)
    modules = []
    for source in found.files:
        if source.kind != "python":
            continue
        try:
            modules.append((parse_file(source.abspath.read_bytes(), source.path, source.module), source.import_name, source.sys_root))
        except ParseFailure:
            continue
    return Project(modules, load_patterns(config), found.root)


def _questions(project: Project) -> list[tuple]:
    """What the site finder asks of every call: its callee and each argument, in the call's scope."""
    ev = Evaluator(project)
    asked = []
    for name in sorted(project.mods):
        mod = project.mods[name]
        for fn in mod.ir.functions:
            scope = ev.scope_of(project.function_qname(mod, fn)) or Scope(mod, mod.body)
            for call in fn.calls:
                for expr in (call.func, *call.args, *(value for _, value in call.kwargs)):
                    asked.append((expr, scope, call.line))
    return asked


def _answers(project: Project, questions: list[tuple], order: list[int] | None, fresh: bool = False) -> list[str]:
    answers: dict[int, str] = {}
    shared = Evaluator(project)
    for index in order if order is not None else range(len(questions)):
        expr, scope, line = questions[index]
        ev = Evaluator(project) if fresh else shared
        answers[index] = repr(ev.eval(expr, scope, line))
    return [answers[i] for i in range(len(questions))]


def _same_in_every_order(project: Project) -> int:
    questions = _questions(project)
    forward = _answers(project, questions, None)
    backward = _answers(project, questions, list(reversed(range(len(questions)))))
    alone = _answers(project, questions, None, fresh=True)
    for index, (expr, scope, line) in enumerate(questions):
        where = f"{scope.mod.ir.path}:{line}"
        assert forward[index] == alone[index], f"{where}: asked after the others {forward[index]}, alone {alone[index]}"
        assert backward[index] == alone[index], f"{where}: asked in reverse {backward[index]}, alone {alone[index]}"
    return len(questions)


def test_a_cycle_gives_the_same_answer_whichever_name_is_asked_first(tmp_path: Path) -> None:
    # `A` and `B` are defined through each other across two modules: whichever is asked first meets the cut
    root = write_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a.py": """
                from app.b import B
                A = B + ".a"

                def send(producer):
                    producer.send(A)
                    producer.send(B)
            """,
            "app/b.py": """
                from app.a import A
                B = A + ".b"

                def send(producer):
                    producer.send(B)
                    producer.send(A)
            """,
        },
    )
    assert _same_in_every_order(_project(root)) >= 8


def test_a_chain_longer_than_the_depth_limit_gives_the_same_answer_whatever_was_asked_before(tmp_path: Path) -> None:
    # `T{n}` is n assignments away from the literal: asked first, a short link is memoised; the long
    # chain asked afterwards must not reach the literal through it when asked alone it cannot
    links = MAX_DEPTH + 5
    lines = ['T0 = "orders"'] + [f"T{i} = T{i - 1}" for i in range(1, links)]
    lines += ["", "def send(producer):"] + [f"    producer.send(T{i})" for i in (links // 2, links - 1, 1)]
    root = write_project(tmp_path, {"app/__init__.py": "", "app/topics.py": "\n".join(lines) + "\n"})
    project = _project(root)
    assert _same_in_every_order(project) >= 6
    ev = Evaluator(project)
    mod = project.mods["app.topics"]
    send = mod.functions["send"]
    short, long, _ = send.calls
    assert "orders" in repr(ev.eval(short.args[0], Scope(mod, send), short.line))
    assert "orders" not in repr(ev.eval(long.args[0], Scope(mod, send), long.line))  # cut, after the short one


FIXTURE_PARAMS = [
    pytest.param(p, marks=() if p.name in ("shop", "handler_maps", "dispatch") else pytest.mark.slow, id=p.name)
    for p in sorted(FIXTURES.iterdir())
    if p.is_dir() and any(p.rglob("*.py"))
]


@pytest.mark.parametrize("root", FIXTURE_PARAMS)
def test_every_fixture_answers_the_same_in_any_order(root: Path) -> None:
    assert _same_in_every_order(_project(root)) > 0


def test_dispatch_routes_are_the_same_whichever_function_is_asked_first(tmp_path: Path) -> None:
    # a message handed down a chain of functions to the one that routes it by topic: from `run` the chain is
    # longer than dispatch's depth limit, from `step2` it is not; asking `step2` first must not change `run`
    from eventlint.extract.dispatch import Dispatch

    root = write_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/handlers.py": "def on_placed(event):\n    print(event)\n",
            "app/consumer.py": """
                from app.handlers import on_placed

                HANDLERS = {"orders.placed": on_placed}

                def route(message):
                    HANDLERS[message.topic](message.value)

                def step3(message):
                    route(message)

                def step2(message):
                    step3(message)

                def step1(message):
                    step2(message)

                def run(message):
                    step1(message)
            """,
        },
    )
    project = _project(root)

    def routes(*asked: str) -> list[str]:
        dispatch = Dispatch(project, Evaluator(project), ("type",))
        return [repr(dispatch.routes(f"app.consumer.{name}")) for name in asked][-1]

    assert "on_placed" in routes("step2")
    assert routes("step2", "run") == routes("run")
