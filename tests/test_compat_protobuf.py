"""Protobuf compatibility: the table of pairs whose verdicts the real buf CLI produced, loading and bad input.

The expected verdicts in tests/compat_data/buf_expectations.json were produced with buf 1.75.0
(`npm install @bufbuild/buf`) by `python tests/compat_data/generate_buf_expectations.py BUF`,
which runs, for every pair of tests/compat_data/protobuf_pairs.py and each level,

    buf breaking new --against old --error-format json

in a folder holding `old/event.proto` and `new/event.proto`, each beside a buf.yaml of
`version: v2` and `breaking: {use: [WIRE_JSON]}` (or `[WIRE]`). CI does not need buf.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventlint.cli import main
from eventlint.compat import SchemaError, SchemaStore, compare, load_schema

DATA = Path(__file__).parent / "compat_data"
sys.path.insert(0, str(DATA))
from protobuf_pairs import PAIRS  # noqa: E402

EXPECTED = json.loads((DATA / "buf_expectations.json").read_text(encoding="utf-8"))["pairs"]
LEVELS = ("WIRE_JSON", "WIRE")


def test_the_table_is_large_enough_and_generated_for_every_pair():
    assert len(PAIRS) >= 30
    assert sorted(EXPECTED) == sorted(pair_id for pair_id, _, _ in PAIRS)
    assert any(v["WIRE_JSON"] and not v["WIRE"] for v in EXPECTED.values())  # the levels differ somewhere
    assert any(not v["WIRE_JSON"] for v in EXPECTED.values())


def write_pair(tmp_path: Path, old: str, new: str) -> tuple[Path, Path]:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "event.proto").write_text(old, encoding="utf-8")
    (tmp_path / "new" / "event.proto").write_text(new, encoding="utf-8")
    return tmp_path / "old" / "event.proto", tmp_path / "new" / "event.proto"


@pytest.mark.parametrize(("pair_id", "old", "new"), PAIRS, ids=[p[0] for p in PAIRS])
def test_rules_are_buf_s_at_both_levels(tmp_path, pair_id, old, new):
    store = SchemaStore.from_directory(tmp_path)
    a, b = write_pair(tmp_path, old, new)
    before, after = load_schema(a, store), load_schema(b, store)
    for level in LEVELS:
        changes = compare(before, after, protobuf_level=level)
        rules = sorted({c.kind for c in changes if c.breaks_backward})
        assert rules == EXPECTED[pair_id][level], (level, changes)
        assert all(c.breaks_backward == c.breaks_forward for c in changes)  # buf's verdicts have no direction


@pytest.mark.parametrize(("pair_id", "old", "new"), PAIRS, ids=[p[0] for p in PAIRS])
def test_schema_diff_exits_1_exactly_when_buf_reports_a_break(tmp_path, pair_id, old, new):
    a, b = write_pair(tmp_path, old, new)
    default = CliRunner().invoke(main, ["schema", "diff", str(a), str(b)])
    assert default.exit_code == (1 if EXPECTED[pair_id]["WIRE_JSON"] else 0), default.output
    wire = CliRunner().invoke(main, ["schema", "diff", str(a), str(b), "--protobuf-level", "wire"])
    assert wire.exit_code == (1 if EXPECTED[pair_id]["WIRE"] else 0), wire.output
    for rule in EXPECTED[pair_id]["WIRE_JSON"]:
        assert f": {rule}: " in default.output  # buf's rule id beside each change


def test_the_report_names_path_rule_and_level(tmp_path):
    old, new = next((o, n) for pair_id, o, n in PAIRS if pair_id == "field-deleted")
    a, b = write_pair(tmp_path, old, new)
    result = CliRunner().invoke(main, ["schema", "diff", str(a), str(b)])
    assert "(mode BACKWARD, buf level WIRE_JSON)" in result.output
    assert "/OrderPlaced/currency: FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED: field 3 `currency` deleted without reserving the number 3" in result.output
    none = CliRunner().invoke(main, ["schema", "diff", str(a), str(b), "--mode", "none"])
    assert none.exit_code == 0


def test_imports_resolve_inside_the_project(tmp_path):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "money.proto").write_text('syntax = "proto3";\npackage shop.common;\nmessage Money { int64 units = 1; string currency = 2; }\n', encoding="utf-8")
    (tmp_path / "order.proto").write_text(
        'syntax = "proto3";\npackage shop.orders;\nimport "common/money.proto";\nimport "google/protobuf/timestamp.proto";\n'
        "message OrderPlaced {\n  shop.common.Money total = 1;\n  google.protobuf.Timestamp at = 2;\n}\n",
        encoding="utf-8",
    )
    schema = load_schema(tmp_path / "order.proto", SchemaStore.from_directory(tmp_path))
    fields = schema.document.messages["shop.orders.OrderPlaced"].fields
    assert (fields[1].type, fields[1].kind) == ("shop.common.Money", "message")
    assert fields[2].type == "google.protobuf.Timestamp"


@pytest.mark.parametrize(
    ("files", "line", "reason"),
    [
        ({"bad.proto": 'syntax = "proto3";\nmessage A {\n  string x = ;\n}\n'}, 3, "expected Protobuf syntax"),
        ({"bad.proto": 'syntax = "proto3";\nmessage A {\n  string x = 1\n}\n'}, 4, "expected Protobuf syntax"),
        ({"bad.proto": 'syntax = "proto3";\nimport "missing/thing.proto";\nmessage A { string x = 1; }\n'}, 2, "import 'missing/thing.proto' not found"),
        ({"bad.proto": 'syntax = "proto3";\nmessage A {\n  Nope x = 1;\n}\n'}, 3, "unknown type 'Nope'"),
        ({"bad.proto": 'syntax = "proto3";\nimport "b.proto";\nmessage A { string x = 1; }\n', "b.proto": 'syntax = "proto3";\nimport "bad.proto";\n'}, 2, "import cycle"),
    ],
)
def test_a_broken_proto_is_one_error_with_file_line_and_reason(tmp_path, capfd, files, line, reason):
    for rel, text in files.items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        load_schema(tmp_path / "bad.proto", SchemaStore.from_directory(tmp_path))
    assert str(caught.value).startswith(f"bad.proto:{line}: {reason}") or (reason == "import cycle" and reason in str(caught.value))
    assert capfd.readouterr().err == ""  # the parser prints nothing of its own


def test_the_contract_view_of_the_first_message(tmp_path):
    """EDA203/EDA204 read the file's first message: fields by name and JSON name, none required in proto3, no other field."""
    from eventlint.compat import protobuf

    (tmp_path / "p.proto").write_text(
        'syntax = "proto3";\npackage shop.v1;\n'
        "message PaymentCaptured {\n  string order_id = 1;\n  int64 amount_cents = 2;\n  repeated string tags = 3;\n"
        "  map<string, int32> counts = 4;\n  Method method = 5;\n  enum Method { METHOD_UNSPECIFIED = 0; METHOD_CARD = 1; }\n}\n"
        "message Other { string x = 1; }\n",
        encoding="utf-8",
    )
    schema = load_schema(tmp_path / "p.proto", SchemaStore.from_directory(tmp_path))
    view = protobuf.json_view(schema.document)
    assert view["required"] == [] and view["additionalProperties"] is False
    props = view["properties"]
    assert set(props) == {"order_id", "orderId", "amount_cents", "amountCents", "tags", "counts", "method"}
    assert props["amount_cents"] == {"type": ["integer", "string"]}  # int64 is a JSON string or number
    assert props["tags"] == {"type": "array", "items": {"type": ["string"]}}
    assert props["counts"] == {"type": "object", "additionalProperties": {"type": ["integer"]}}
    assert props["method"]["type"] == ["integer", "string"]
    assert protobuf.attribute_names(schema.document) == {"order_id", "amount_cents", "tags", "counts", "method"}
