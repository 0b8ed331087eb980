"""Bad input gives a clear result, never a traceback: syntax errors, encodings, empty files, odd code."""

import os

from eventlint import api
from eventlint.config import Config

KAFKA_SEND = b'from kafka import KafkaProducer\np = KafkaProducer()\np.send("orders.placed", b"x")\n'


def run(root):
    return api.facts([root], Config(root=root))


def write(root, rel, data: bytes):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_syntax_error_is_a_diagnostic_and_other_files_are_still_checked(tmp_path):
    write(tmp_path, "app/broken.py", b"def f(:\n    pass\n")
    write(tmp_path, "app/good.py", KAFKA_SEND)
    facts = run(tmp_path)
    [diag] = facts.diagnostics
    assert (diag.code, diag.path, diag.line) == ("EDA000", "app/broken.py", 1)
    assert diag.message.startswith("syntax error")
    assert [p.channel for p in facts.publishers] == ["orders.placed"]


def test_undecodable_file_says_how_to_fix_it(tmp_path):
    write(tmp_path, "app/latin.py", b'TOPIC = "caf\xe9"\n')
    [diag] = run(tmp_path).diagnostics
    assert diag.code == "EDA000"
    assert "cannot decode" in diag.message and "PEP 263" in diag.message


def test_pep263_cookie_and_bom_are_honoured(tmp_path):
    write(tmp_path, "app/latin.py", b'# -*- coding: latin-1 -*-\n' + KAFKA_SEND.replace(b"orders.placed", b"caf\xe9.orders"))
    write(tmp_path, "app/bom.py", b"\xef\xbb\xbf" + KAFKA_SEND.replace(b"orders.placed", b"bom.orders"))
    facts = run(tmp_path)
    assert facts.diagnostics == ()
    assert sorted(p.channel for p in facts.publishers) == ["bom.orders", "café.orders"]


def test_empty_and_comment_only_files(tmp_path):
    write(tmp_path, "app/__init__.py", b"")
    write(tmp_path, "app/notes.py", b"# nothing here\n")
    facts = run(tmp_path)
    assert (facts.files, facts.diagnostics, facts.publishers) == (2, (), ())


def test_deep_nesting_is_reported_not_crashed(tmp_path):
    write(tmp_path, "app/deep.py", b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n")
    write(tmp_path, "app/good.py", KAFKA_SEND)
    facts = run(tmp_path)
    assert [p.channel for p in facts.publishers] == ["orders.placed"]
    assert all(d.code == "EDA000" for d in facts.diagnostics)


def test_self_referencing_and_recursive_definitions_terminate(tmp_path):
    write(
        tmp_path,
        "app/loops.py",
        b"from kafka import KafkaProducer\n"
        b"a = b\nb = a\n"
        b"def f(x):\n    return f(x)\n"
        b"class A(A):\n    pass\n"
        b"p = KafkaProducer()\n"
        b"p.send(a, f(1))\np.send(f(2), A())\n",
    )
    facts = run(tmp_path)
    assert [(p.channel, p.channel_expr) for p in facts.publishers] == [(None, "b"), (None, "f(2)")]


def test_unresolvable_destinations_are_null_with_their_text(tmp_path):
    write(
        tmp_path,
        "app/env.py",
        b"import os\nfrom kafka import KafkaProducer\np = KafkaProducer()\n"
        b'p.send(os.environ["ORDERS_TOPIC"], b"x")\n'
        b'p.send(f"orders.{region}", b"x")\n',
    )
    facts = run(tmp_path)
    assert [(p.channel, p.channel_expr) for p in facts.publishers] == [
        (None, "os.environ['ORDERS_TOPIC']"),
        (None, "orders.{region}"),
    ]


def test_unreadable_file_is_skipped_with_a_reason(tmp_path):
    write(tmp_path, "app/secret.py", KAFKA_SEND)
    os.chmod(tmp_path / "app" / "secret.py", 0)
    try:
        if os.access(tmp_path / "app" / "secret.py", os.R_OK):  # running as root: permissions do not bind
            return
        facts = run(tmp_path)
        assert [(s.path, s.reason.split(":")[0]) for s in facts.skipped] == [("app/secret.py", "cannot read file")]
    finally:
        os.chmod(tmp_path / "app" / "secret.py", 0o644)


def test_recursive_helper_is_evaluated_once_not_once_per_path(tmp_path, monkeypatch):
    """`return fib(n - 1) + fib(n - 2)` binds a new scope at every call: followed again, each level
    doubled the work until the depth limit (a 41-file repository took a minute)."""
    from eventlint.extract.resolve import Evaluator

    write(
        tmp_path,
        "rpc/server.py",
        b"import pika\n\n"
        b"def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\n"
        b"def on_request(ch, method, props, body):\n    response = fib(int(body))\n"
        b"    ch.basic_publish(exchange='', routing_key='rpc.answers', body=str(response))\n"
        b"    ch.basic_ack(delivery_tag=method.delivery_tag)\n\n"
        b"channel = pika.BlockingConnection().channel()\n"
        b"channel.basic_consume(queue='rpc_queue', on_message_callback=on_request)\n",
    )
    evaluated = 0
    original = Evaluator._eval

    def counted(self, expr, scope, line):
        nonlocal evaluated
        evaluated += 1
        assert evaluated < 5_000, "the recursive helper is followed along every path"
        return original(self, expr, scope, line)

    monkeypatch.setattr(Evaluator, "_eval", counted)
    facts = run(tmp_path)
    assert [s.channel for s in facts.subscribers] == ["rpc_queue"]
    assert [p.channel for p in facts.publishers] == ["rpc.answers"]
    assert "server.on_request" in [h.name for h in facts.handlers]
