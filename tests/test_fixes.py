"""`check --fix`: every fix's before/after example applied and re-checked, shapes that get no fix, and the shop."""

from __future__ import annotations

import ast
import json
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from eventlint import api, fixes
from eventlint.cli import main
from eventlint.testing import write_project

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "shop"


def _write(tmp_path: Path, example: fixes.FixExample) -> Path:
    files = example.before.all_files()
    return write_project(tmp_path, {k: v for k, v in files.items() if k != "eventlint.yaml"}, config=files.get("eventlint.yaml", ""))


def _expected(path: str, text: str) -> str:
    # write_project adds `exclude: []` (pytest's tmp_path may match the default excludes)
    return textwrap.dedent(text) + ("exclude: []\n" if path == "eventlint.yaml" else "")


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("example", fixes.EXAMPLES, ids=[f"{e.code}-{i}" for i, e in enumerate(fixes.EXAMPLES)])
def test_every_fix_example_applies_and_the_rule_falls_silent(tmp_path, example):
    root = _write(tmp_path, example)
    before = api.lint([root], select=[example.code])
    offered = [d for d in before.diagnostics if d.code == example.code]
    assert len(offered) == 1 and offered[0].fix is not None, offered
    assert offered[0].fix.applicability == example.applicability
    flag = ["--fix"] + (["--unsafe-fixes"] if example.applicability == fixes.UNSAFE else [])
    _invoke("check", str(root), "--select", example.code, *flag)
    for path, expected in example.after.items():
        assert (root / path).read_text(encoding="utf-8") == _expected(path, expected)
    for path in root.rglob("*"):
        if path.suffix == ".py":
            ast.parse(path.read_text(encoding="utf-8"))
        elif path.suffix in (".yaml", ".yml"):
            yaml.safe_load(path.read_text(encoding="utf-8"))
    after = api.lint([root], select=[example.code])
    assert [d for d in after.diagnostics if d.code == example.code] == []


@pytest.mark.parametrize("example", fixes.EXAMPLES, ids=[f"{e.code}-{i}" for i, e in enumerate(fixes.EXAMPLES)])
def test_every_fix_adds_no_finding_of_any_rule_and_a_second_fix_changes_nothing(tmp_path, example):
    root = _write(tmp_path, example)
    before = {(d.code, d.path, d.message) for d in api.lint([root]).diagnostics}
    _invoke("check", str(root), "--fix", "--unsafe-fixes")
    texts = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".eventlint_cache" not in p.parts}
    after = {(d.code, d.path, d.message) for d in api.lint([root]).diagnostics}
    assert after <= before, after - before
    diff = _invoke("check", str(root), "--diff", "--unsafe-fixes")
    assert diff.stdout == ""  # nothing left to fix: the fixed code offers no fix
    _invoke("check", str(root), "--fix", "--unsafe-fixes")
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".eventlint_cache" not in p.parts} == texts


def test_an_unsafe_fix_waits_for_unsafe_fixes(tmp_path):
    example = next(e for e in fixes.EXAMPLES if e.applicability == fixes.UNSAFE)
    root = _write(tmp_path, example)
    original = (root / "eventlint.yaml").read_text()
    result = _invoke("check", str(root), "--select", example.code, "--fix", "--no-color")
    assert (root / "eventlint.yaml").read_text() == original
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in result.stdout
    assert "[*]" not in result.stdout


@pytest.mark.parametrize(
    "consumers",
    [
        'consumers: ["payments"]',  # quoted: a line edit could not keep the style honestly
        "consumers: *documented",  # an alias: the list lives elsewhere
        "consumers: [payments, [nested]]",
        "consumers: [payments,\n      finance]",  # a flow list over two lines
    ],
)
def test_no_fix_where_the_shape_is_not_unambiguous(tmp_path, consumers):
    anchor = "x-documented: &documented [payments]\n" if "*documented" in consumers else ""
    config = f"{anchor}services:\n  marketing: [app.py]\nevents:\n  order_placed:\n    owner: orders\n    {consumers}\n"
    root = write_project(tmp_path, {"app.py": fixes.EXAMPLES[0].before.source}, config=config)
    try:
        found = api.lint([root], select=["EDA205"]).diagnostics
    except api.ConfigError:
        return  # the configuration itself is refused: nothing to fix
    offered = [d.fix for d in found if d.code == "EDA205"]
    assert offered == [None]


def test_diff_prints_the_edit_and_writes_nothing(tmp_path):
    root = _write(tmp_path, fixes.EXAMPLES[0])
    original = (root / "eventlint.yaml").read_text()
    result = _invoke("check", str(root), "--diff")
    assert result.exit_code == 1
    assert "-    consumers: [payments]   # ask them first\n+    consumers: [payments, marketing]   # ask them first\n" in result.stdout
    assert (root / "eventlint.yaml").read_text() == original


def test_json_and_sarif_carry_the_fix(tmp_path):
    root = _write(tmp_path, fixes.EXAMPLES[0])
    report = json.loads(_invoke("check", str(root), "--select", "EDA205", "--format", "json").stdout)
    (finding,) = report["diagnostics"]
    assert finding["fix"]["applicability"] == "safe"
    (edit,) = finding["fix"]["edits"]
    assert edit["content"] == "payments, marketing" and edit["path"].endswith("eventlint.yaml")
    sarif = json.loads(_invoke("check", str(root), "--select", "EDA205", "--format", "sarif").stdout)
    (result,) = sarif["runs"][0]["results"]
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"].endswith("eventlint.yaml")
    assert change["replacements"][0]["insertedContent"]["text"] == "payments, marketing"


def test_fix_on_the_shop_removes_every_safely_fixable_finding_and_adds_none(tmp_path):
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    before = api.lint([shop]).diagnostics
    fixable = {(d.code, d.path, d.message) for d in before if d.fix is not None and d.fix.applicability == "safe"}
    assert {code for code, _, _ in fixable} >= {"EDA205", "EDA206"}
    result = _invoke("check", str(shop), "--fix", "--no-color")
    assert f"Fixed {len(fixable)} problems." in result.stderr
    after = {(d.code, d.path, d.message) for d in api.lint([shop]).diagnostics}
    assert after == {(d.code, d.path, d.message) for d in before} - fixable



@pytest.mark.parametrize(
    "call",
    [
        'await shipments.send(value={"order_id": make_id(order), "lines": order.lines})',  # evaluated twice would differ
        'await shipments.send({"order_id": order.order_id})',  # faust's first positional is the key, not the value
        'await shipments.send(value=order.to_json())',  # the key's value is not in the call
        'await shipments.send(**options)',
    ],
)
def test_no_key_fix_where_the_key_value_is_not_plain(tmp_path, call):
    source = fixes._FAUST.replace('await shipments.send(value={"order_id": order.order_id, "lines": order.lines})', call)
    # the EDA301 fix example's catalog declares ShipmentScheduled's key: a topic whose order matters (EDA301 stays
    # quiet on one kind of message per topic otherwise)
    config = next(e for e in fixes.EXAMPLES if e.code == "EDA301").before.config
    root = write_project(tmp_path, {"app.py": source}, config=config)
    found = [d for d in api.lint([root], select=["EDA301"]).diagnostics if d.code == "EDA301"]
    assert len(found) == 1
    assert [d.fix for d in found] == [None] * len(found)


def test_no_key_fix_through_a_publishing_helper():
    found = [d for d in api.lint([SHOP], select=["EDA301"]).diagnostics]
    by_path = {d.path: d.fix for d in found}
    assert by_path["services/orders/orders/api.py"] is None  # `messaging.publish(...)`: the helper's key parameter is not known
    assert by_path["services/inventory/inventory/agents.py"].applicability == "unsafe"


def test_unsafe_fixes_on_the_shop_add_no_finding_but_the_dead_letter_path_eda402_stood_for(tmp_path):
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    before = api.lint([shop]).diagnostics
    fixed = [d for d in before if d.fix is not None]
    assert {d.code for d in fixed} >= {"EDA402"}
    _invoke("check", str(shop), "--fix", "--unsafe-fixes")
    for path in shop.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"))
    after = api.lint([shop]).diagnostics
    key = lambda d: (d.code, d.path, d.message)  # noqa: E731
    new = {key(d) for d in after} - {key(d) for d in before}
    # a pika subscription acknowledged on delivery has no dead-letter exchange: EDA402's message said no
    # dead-letter destination could receive its messages, and its fix says EDA501 comes next
    announced = {d.path for d in fixed if d.code == "EDA402" and "EDA501" in d.fix.message}
    assert {(code, path) for code, path, _ in new} == {("EDA501", path) for path in announced}
    assert {key(d) for d in after if d.code != "EDA501"} <= {key(d) for d in before} - {key(d) for d in fixed}
    assert _invoke("check", str(shop), "--diff", "--unsafe-fixes").stdout == ""


_PIKA_CALLBACK = fixes._PIKA.replace('    requests.post("https://carrier.internal/pickups", json=shipment)\n', "BODY")


@pytest.mark.parametrize(
    "body",
    [
        # an early return would leave the message unacknowledged
        '    if not shipment:\n        return\n    requests.post("https://carrier.internal/pickups", json=shipment)\n',
        # the callback acknowledges already (with auto_ack=True that is a double acknowledgement; moving it is a person's call)
        '    channel.basic_ack(delivery_tag=method.delivery_tag)\n    requests.post("https://carrier.internal/pickups", json=shipment)\n',
    ],
)
def test_no_ack_fix_where_the_callback_may_not_reach_its_end_or_acknowledges_itself(tmp_path, body):
    root = write_project(tmp_path, {"app.py": _PIKA_CALLBACK.replace("BODY", body)}, config="")
    found = [d for d in api.lint([root], select=["EDA402"]).diagnostics if d.code == "EDA402"]
    assert found and [d.fix for d in found] == [None] * len(found)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    try:\n        for message in consumer:\n            on_order(message.value)\n",
         "    try:\n        for message in consumer:\n            on_order(message.value)\n            if message.offset > 100:\n                break\n"),
        ('        group_id="billing",\n', '        group_id="billing",\n        **OPTIONS,\n'),  # the options may set it
        ("    try:\n        for message", "    for message in consumer:\n        pass\n    try:\n        for message"),  # two loops
        ("    consumer = KafkaConsumer(", "    consumer = other = KafkaConsumer("),
    ],
)
def test_no_commit_fix_where_the_loop_shape_is_not_the_one_known(tmp_path, old, new):
    source = textwrap.dedent(fixes._KAFKA_LOOP)
    assert old in source
    source = source.replace(old, new).replace("def run():", "OPTIONS = {}\n\n\ndef run():")
    root = write_project(tmp_path, {"app.py": source, **fixes._GATEWAY}, config="")
    found = [d for d in api.lint([root], select=["EDA402"]).diagnostics if d.code == "EDA402"]
    assert found and [d.fix for d in found] == [None] * len(found)


def test_a_callback_from_another_module_gets_no_ack_fix(tmp_path):
    source = textwrap.dedent(fixes._PIKA)
    handler = source[source.index("def on_shipment") : source.index("connection =")]
    app = source.replace(handler, "").replace("import requests\n", "import requests\n\nfrom shipping import on_shipment\n")
    root = write_project(tmp_path, {"app.py": app, "shipping.py": "import json\n\nimport requests\n\n\n" + handler}, config="")
    found = [d for d in api.lint([root], select=["EDA402"]).diagnostics if d.code == "EDA402"]
    assert found and [d.fix for d in found] == [None] * len(found)


@pytest.mark.parametrize(
    "call",
    [
        # an empty id and nothing that says where the incoming one is
        'producer.send("payments.requested", {"order_id": event["order_id"], "correlation_id": ""})',
        # passed twice: which one to change is a person's call
        'producer.send("payments.requested", {"order_id": event["order_id"], "correlation_id": str(uuid.uuid4())}, '
        'headers=[("correlation_id", str(uuid.uuid4()).encode())])',
    ],
)
def test_no_correlation_fix_where_the_incoming_id_or_the_spot_is_not_unambiguous(tmp_path, call):
    example = next(e for e in fixes.EXAMPLES if e.code == "EDA103")
    files = example.before.all_files()
    files["app.py"] = files["app.py"].replace(
        'producer.send("payments.requested", {"order_id": event["order_id"], "correlation_id": str(uuid.uuid4())})', call
    )
    if '""' in call:
        del files["checkout.py"]
    root = write_project(tmp_path, files, config="")
    found = [d for d in api.lint([root], select=["EDA103"]).diagnostics if d.code == "EDA103"]
    assert found and [d.fix for d in found] == [None] * len(found)


def test_diff_shows_the_ack_fix_with_unsafe_fixes_only(tmp_path):
    example = next(e for e in fixes.EXAMPLES if e.code == "EDA402")
    root = _write(tmp_path, example)
    assert _invoke("check", str(root), "--diff").stdout == ""
    shown = _invoke("check", str(root), "--diff", "--unsafe-fixes").stdout
    assert "+    channel.basic_ack(delivery_tag=method.delivery_tag)\n" in shown
    assert "-channel.basic_consume(queue=\"shipments\", on_message_callback=on_shipment, auto_ack=True)\n" in shown


def test_a_fresh_id_spelt_as_an_attribute_is_replaced_too(tmp_path):
    example = next(e for e in fixes.EXAMPLES if e.code == "EDA103")
    files = example.before.all_files()
    files["app.py"] = files["app.py"].replace('str(uuid.uuid4())', "uuid.uuid4().hex")
    root = write_project(tmp_path, files, config="")
    (found,) = [d for d in api.lint([root], select=["EDA103"]).diagnostics if d.code == "EDA103"]
    assert found.fix is not None and found.fix.applicability == "unsafe"
    (edit,) = found.fix.edits
    assert edit.content == 'event["correlation_id"]'
    line = files["app.py"].splitlines()[edit.line - 1]
    assert line[edit.column - 1 : edit.end_column - 1] == "uuid.uuid4().hex"
