"""The schema_registry fixture: an Avro and a Protobuf event family, each with a compatible and a breaking version.

`check` reports exactly the breaking versions (EDA208) and the planted reads (EDA204);
`schema check --against REF` judges an edited `.avsc` and `.proto` against the committed
ones in a real temporary git repository.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventlint import testing
from eventlint.cli import main
from eventlint.rules.contracts import BreakingSchemaChange, ConsumerReadsUnknownField, PayloadSchemaMismatch
from eventlint.rules.engine_rules import BrokenSchema
from tests.helpers import fixture

ROOT = fixture("schema_registry")


def test_check_reports_the_breaking_versions_and_nothing_else_about_contracts():
    found = testing.lint_tree(ROOT, [BreakingSchemaChange, BrokenSchema, ConsumerReadsUnknownField, PayloadSchemaMismatch])
    got = sorted((d.code, d.path, d.line) for d in found)
    assert got == [
        ("EDA204", "services/billing/billing/consumer.py", 21),
        ("EDA204", "services/orders/orders/payments.py", 21),
        ("EDA208", "schemas/order_placed/v3.avsc", 1),
        ("EDA208", "schemas/payment_captured/v3.proto", 1),
        ("EDA208", "schemas/payment_captured/v3.proto", 1),
    ]
    messages = " ".join(d.message for d in found)
    assert "v3.avsc breaks BACKWARD compatibility with v2.avsc: field `sales_channel` added" in messages
    assert "v3.proto breaks BACKWARD_TRANSITIVE compatibility with v1.proto" in messages
    assert "(FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED)" in messages
    assert "reads `.provider_ref`, which the `PaymentCaptured` Protobuf message does not define" in messages
    assert not any("v2.avsc breaks" in d.message or "v2.proto breaks" in d.message for d in found)  # the compatible versions


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args], cwd=root, check=True, capture_output=True
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="schema check reads the old version with git")
def test_schema_check_against_a_ref_covers_avro_and_protobuf(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(ROOT, root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    clean = CliRunner().invoke(main, ["schema", "check", str(root), "--against", "HEAD"])
    assert clean.exit_code == 0, clean.output
    avsc = root / "schemas/order_placed/v2.avsc"
    avsc.write_text(avsc.read_text(encoding="utf-8").replace('"type": "long"', '"type": "int"'), encoding="utf-8")
    proto = root / "schemas/payment_captured/v2.proto"
    proto.write_text(proto.read_text(encoding="utf-8").replace("string card_last4 = 3;", "reserved 3;"), encoding="utf-8")
    result = CliRunner().invoke(main, ["schema", "check", str(root), "--against", "HEAD"])
    assert result.exit_code == 1, result.output
    assert "/fields/total_cents: type-mismatch: type long → int" in result.output
    assert "/PaymentCaptured/card_last4: FIELD_NO_DELETE_UNLESS_NAME_RESERVED:" in result.output
    assert "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED" not in result.output  # the number is reserved


def test_the_asyncapi_export_keeps_each_schema_s_format():
    import yaml

    result = CliRunner().invoke(main, ["catalog", "export", str(ROOT)])
    assert result.exit_code == 0, result.output  # the export is checked against the official AsyncAPI 3.0 schema
    messages = yaml.safe_load(result.output)["components"]["messages"]
    avro = messages["OrderPlaced"]["payload"]
    assert avro["schemaFormat"] == "application/vnd.apache.avro+json;version=1.9.0"
    assert avro["schema"]["name"] == "OrderPlaced" and "sales_channel" in [f["name"] for f in avro["schema"]["fields"]]
    proto = messages["PaymentCaptured"]["payload"]
    assert proto["schemaFormat"] == "application/vnd.google.protobuf;version=3"
    assert "string provider_reference = 5;" in proto["schema"]
