"""The configuration's JSON Schema for editors (issue 20): generated from the rules, never stale,
accepting what the CLI accepts and refusing what it refuses (a misspelt option, an unknown code)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from eventlint import api
from eventlint.cli import main
from eventlint.report import config_schema
from eventlint.schemas import load_schema
from tests.helpers import FIXTURES

REPO = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO / config_schema.SCHEMA_FILE


def schema():
    return json.loads(SCHEMA_PATH.read_text())


def validator():
    document = schema()
    cls = jsonschema.validators.validator_for(document)
    cls.check_schema(document)
    return cls(document)


def test_the_schema_file_is_generated_from_the_rules_and_not_stale(tmp_path):
    written = tmp_path / "schema.json"
    result = CliRunner().invoke(main, ["rules", "--write-schema", str(written)])
    assert result.exit_code == 0, result.output
    assert written.read_text() == SCHEMA_PATH.read_text(), "stale: run `eventlint rules --write-schema eventlint/schemas/eventlint.schema.json`"
    generated = config_schema.editor_schema(load_schema("config"), list(api.builtin_rules()))
    options = generated["properties"]["rules"]["properties"]["options"]["properties"]
    assert sorted(options) == sorted(r.code for r in api.builtin_rules())
    for rule in api.builtin_rules():
        assert {f.name for f in rule.option_fields()} <= set(options[rule.code]["properties"])


def test_every_configuration_the_cli_loads_is_valid_for_editors():
    check = validator()
    configs = [*FIXTURES.glob("*/eventlint.yaml"), *(REPO / "examples").rglob("eventlint.yaml")]
    assert configs
    for path in configs:
        api.load_config([path.parent])  # the CLI accepts it
        assert list(check.iter_errors(yaml.safe_load(path.read_text()) or {})) == [], path


GOOD = {"rules": {"select": ["EDA4", "ALL"], "extend-select": ["EDA503"], "ignore": ["EDA403"], "severity": {"EDA4": "info"},
                  "options": {"EDA401": {"payments": ["*charge*"]}, "EDA402": {"publications-are-work": False}}},
        "per-file-ignores": {"scripts/**": ["EDA1"], "legacy.py": "EDA401"}}


@pytest.mark.parametrize(
    ("mistake", "where"),
    [
        ({"rules": {"options": {"EDA401": {"paymentz": ["*charge*"]}}}}, "paymentz"),
        ({"rules": {"options": {"EDA401": {"payments": "*charge*"}}}}, "payments"),
        ({"rules": {"options": {"EDA499": {}}}}, "EDA499"),
        ({"rules": {"select": ["EDA999"]}}, "EDA999"),
        ({"rules": {"extend-select": ["EDA9"]}}, "EDA9"),
        ({"rules": {"ignore": ["EDA4011"]}}, "EDA4011"),
        ({"rules": {"severity": {"EDA401": "fatal"}}}, "fatal"),
        ({"rules": {"selekt": ["EDA4"]}}, "selekt"),
        ({"per-file-ignores": {"scripts/**": ["EDA777"]}}, "EDA777"),
    ],
)
def test_a_mistake_the_cli_refuses_the_editor_schema_flags_too(tmp_path, mistake, where):
    assert list(validator().iter_errors(GOOD)) == []
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "eventlint.yaml").write_text(yaml.safe_dump(mistake))
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--no-cache"])
    assert result.exit_code == 2 and "eventlint: error:" in result.output
    errors = list(validator().iter_errors(mistake))
    assert errors and any(where in (e.message + json.dumps(list(e.absolute_path)) + json.dumps(e.instance)) for e in errors)


def test_plugin_and_policy_codes_stay_open():
    assert list(validator().iter_errors({"rules": {"select": ["ACME001", "EDA"], "options": {"ACME001": {"max": 3}}}})) == []


def test_init_points_editors_at_the_schema(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    assert CliRunner().invoke(main, ["init", str(tmp_path)]).exit_code == 0
    first = (tmp_path / "eventlint.yaml").read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema={config_schema.SCHEMA_URL}"
    assert config_schema.SCHEMA_URL.endswith("/" + config_schema.SCHEMA_FILE) and schema()["$id"] == config_schema.SCHEMA_URL
