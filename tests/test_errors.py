"""Every row of docs/errors.md: the mistake, the exit code, the exact shape of the message.

Each case builds a small project with one mistake, runs the command a user would
run, and checks the exit code and the message (a regular expression over the
whole stderr line; `{root}` stands for the project directory). A test also
checks that the table in docs/errors.md and these cases name the same rows, so
neither can drift from the other.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from eventlint import plugins
from tests.helpers import REPO
from tests.hostile import run, write

GOOD_PY = 'from kafka import KafkaProducer\nKafkaProducer().send("orders.placed", {"order_id": 1})\n'
SCHEMA = '{"type": "object", "properties": {"order_id": {"type": "integer"}}}\n'
EVENT = "events:\n  OrderPlaced:\n    owner: app\n    channel: orders.placed\n    schema: schemas/order.json\n"
ASYNCAPI_OK = """\
asyncapi: 3.0.0
info: {title: app, version: '1'}
channels:
  orders:
    address: orders.placed
    messages:
      OrderPlaced: {payload: {type: object}}
"""
POLICY = """\
policies:
  - id: TEAM001
    name: billing-consumes-orders
    summary: Checks for billing consuming order events.
    message: "{service} consumes {event}"
    forbid-edge:
      event: {name: ["Order*"]}
      consumer: {service: billing}
"""


@dataclass(frozen=True)
class Case:
    """One row of the error table."""

    id: str
    files: dict[str, str]
    args: list[str]
    message: str  # a regular expression over the output; {root} is the project directory
    exit: int = 2
    git: bool = False
    no_dot: bool = False
    plugin: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def project(**files: str) -> dict[str, str]:
    return {"app/__init__.py": "", "app/pub.py": GOOD_PY, **files}


CASES = [
    # --- configuration -------------------------------------------------------------------
    Case("config-unknown-key", project(**{"eventlint.yaml": "servics: {}\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: servics: unknown key 'servics'; did you mean 'services'\?"),
    Case("config-wrong-type", project(**{"eventlint.yaml": "exclude: 3\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: exclude: expected a list, got an integer 3"),
    Case("config-bad-glob", project(**{"eventlint.yaml": "exclude: ['app/[z-a].py']\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: exclude\[0\]: invalid glob 'app/\[z-a\]\.py': bad character range z-a"),
    Case("config-file-missing", project(), ["check", "{root}", "--config", "{root}/nope.yaml"],
         r"eventlint: error: {root}/nope\.yaml: --config: file not found"),
    Case("config-invalid-yaml", project(**{"eventlint.yaml": "services:\n  app: [app/**\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: \(syntax\): invalid YAML: line \d+, column \d+: .*"),
    Case("config-python-tag", project(**{"eventlint.yaml": "services: !!python/object/apply:os.system ['true']\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: \(syntax\): invalid YAML: line 1, column 11: could not determine a constructor for the tag 'tag:yaml\.org,2002:python/object/apply:os\.system'"),
    Case("config-not-utf8", project(**{"eventlint.yaml": "exclude: ['caf\udce9']\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: \(file\): the configuration file is not UTF-8: invalid continuation byte at byte 14"),
    Case("config-invalid-toml", project(**{"pyproject.toml": "[tool.eventlint]\nexclude = [\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/pyproject\.toml: \(syntax\): invalid TOML: Invalid value \(at end of document\)"),
    Case("config-pyproject-key", project(**{"pyproject.toml": "[tool.eventlint]\nselect = ['EDA4']\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/pyproject\.toml: tool\.eventlint\.select: unknown key 'select'.*"),
    Case("config-limits", project(**{"eventlint.yaml": "limits: {file-timeout: -1}\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: limits\.file-timeout: expected a number of at least 0, got -1"),
    Case("config-frameworks-missing", project(**{"eventlint.yaml": "frameworks: [bus.yaml]\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: frameworks\[0\]: file not found: bus\.yaml"),
    Case("config-disable-framework", project(**{"eventlint.yaml": "disable-frameworks: [kafka-pyhton]\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: disable-frameworks: no built-in framework is named 'kafka-pyhton'"),
    Case("config-contexts-service", project(**{"eventlint.yaml": "contexts:\n  sales: {services: [shop]}\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: contexts\.sales\.services\[0\]: unknown service 'shop'; expected one of: app"),
    Case("config-baseline-missing", project(**{"eventlint.yaml": "baseline: eventlint-baseline.json\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: baseline: baseline file not found: eventlint-baseline\.json \(write one with `eventlint check --write-baseline eventlint-baseline\.json`\)"),
    Case("baseline-malformed", project(**{"b.json": "{nope"}), ["check", "{root}", "--baseline", "{root}/b.json"],
         r"eventlint: error: {root}/b\.json: --baseline: not a JSON baseline file: .*"),
    Case("output-not-writable", project(), ["check", "{root}", "-o", "{root}/missing/dir/report.txt"],
         r"eventlint: error: {root}/missing/dir/report\.txt: --output-file: cannot write: No such file or directory"),
    Case("init-exists", project(**{"eventlint.yaml": "exclude: []\n"}), ["init", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: init: a configuration exists already; pass --force to replace it \(its other settings are kept\)"),
    # --- rule selection and options ----------------------------------------------------------
    Case("select-unknown-code", project(), ["check", "{root}", "--select", "EDA999"],
         r"eventlint: error: .*--select\[0\]: no rule code starts with 'EDA999'.*"),
    Case("config-select-unknown-code", project(**{"eventlint.yaml": "rules:\n  ignore: [EDA4O1]\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: rules\.ignore\[0\]: no rule code starts with 'EDA4O1'.*"),
    Case("rule-option-unknown", project(**{"eventlint.yaml": "rules:\n  options:\n    EDA401: {side-efects: []}\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: rules\.options\.EDA401\.side-efects: .*"),
    Case("rule-option-code", project(**{"eventlint.yaml": "rules:\n  options:\n    EDA999: {}\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: rules\.options\.EDA999: no such rule code"),
    Case("rule-severity", project(**{"eventlint.yaml": "rules:\n  severity: {EDA401: fatal}\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: rules\.severity\.EDA401: .*error.*warning.*info.*"),
    Case("per-file-ignores-code", project(**{"eventlint.yaml": "per-file-ignores:\n  'app/*.py': [EDA9]\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: per-file-ignores\.app/\*\.py: no rule code starts with 'EDA9'"),
    Case("explain-unknown-code", project(), ["explain", "EDA999"], r"eventlint: error: .*EDA999.*"),
    # --- schemas -----------------------------------------------------------------------------
    Case("schema-file-missing", project(**{"eventlint.yaml": EVENT}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: events\.OrderPlaced\.schema: no such file or folder: schemas/order\.json"),
    # a broken catalogued schema is a finding on that schema (exit 1); the other events are still checked
    Case("schema-malformed", project(**{"eventlint.yaml": EVENT, "schemas/order.json": '{"type": "object",}'}), ["check", "{root}"],
         r"project/schemas/order\.json:1:1: EDA003 schema of `OrderPlaced` cannot be used: expected JSON: line 1, column 19: Expecting property name enclosed in double quotes", exit=1),
    Case("schema-invalid", project(**{"eventlint.yaml": EVENT, "schemas/order.json": '{"type": "objekt"}'}), ["check", "{root}"],
         r"project/schemas/order\.json:1:1: EDA003 schema of `OrderPlaced` cannot be used: not a valid schema: expected a JSON Schema type \(array, boolean, integer, null, number, object, string\) or a list of them, got 'objekt' \(at /type\)", exit=1),
    Case("schema-ref-missing", project(**{"eventlint.yaml": EVENT, "schemas/order.json": '{"$ref": "common.json"}'}), ["check", "{root}"],
         r"project/schemas/order\.json:1:1: EDA003 schema of `OrderPlaced` cannot be used: \$ref 'common\.json': expected the file schemas/common\.json to exist inside the project root \(at /\$ref\)", exit=1),
    Case("schema-ref-url", project(**{"eventlint.yaml": EVENT, "schemas/order.json": '{"$ref": "https://example.com/order.json"}'}), ["check", "{root}"],
         r"project/schemas/order\.json:1:1: EDA003 schema of `OrderPlaced` cannot be used: \$ref 'https://example\.com/order\.json' points outside the project; expected a reference within the schemas folder \(eventlint never fetches URLs\) \(at /\$ref\)", exit=1),
    Case("schema-ref-outside", project(**{"eventlint.yaml": EVENT, "schemas/order.json": '{"$ref": "../../order.json"}'}), ["check", "{root}"],
         r"project/schemas/order\.json:1:1: EDA003 schema of `OrderPlaced` cannot be used: \$ref '\.\./\.\./order\.json' leaves the project root; expected a file inside it \(at /\$ref\)", exit=1),
    Case("schema-avro-invalid", project(**{"eventlint.yaml": EVENT.replace("order.json", "order.avsc"), "schemas/order.avsc": '{"type": "record",\n "name": "OrderPlaced",\n "fields": [{"name": "id", "type": "Nope"}]}'}), ["check", "{root}"],
         r"project/schemas/order\.avsc:3:1: EDA003 schema of `OrderPlaced` cannot be used: not a valid Avro schema: .*Nope.*", exit=1),
    Case("schema-proto-syntax", project(**{"eventlint.yaml": EVENT.replace("order.json", "order.proto"), "schemas/order.proto": 'syntax = "proto3";\nmessage OrderPlaced {\n  string id = ;\n}\n'}), ["check", "{root}"],
         r"project/schemas/order\.proto:3:1: EDA003 schema of `OrderPlaced` cannot be used: expected Protobuf syntax: column 15: missing INT_LITERAL at ';'", exit=1),
    Case("schema-proto-import", project(**{"eventlint.yaml": EVENT.replace("order.json", "order.proto"), "schemas/order.proto": 'syntax = "proto3";\nimport "money.proto";\nmessage OrderPlaced { string id = 1; }\n'}), ["check", "{root}"],
         r"project/schemas/order\.proto:2:1: EDA003 schema of `OrderPlaced` cannot be used: import 'money\.proto' not found inside the project", exit=1),
    Case("schema-outside-root", project(**{"eventlint.yaml": EVENT.replace("schemas/order.json", "../order.json")}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: events\.OrderPlaced\.schema: .*outside the project root.*", extra={"../order.json": SCHEMA}),
    Case("schema-diff-avro-invalid", project(**{"a.avsc": '"string"', "b.avsc": '{"type": "enum", "name": "E", "symbols": ["A", "A"]}'}), ["schema", "diff", "{root}/a.avsc", "{root}/b.avsc"],
         r"eventlint: error: b\.avsc:1: not a valid Avro schema: Duplicate symbol: \['A', 'A'\]"),
    Case("schema-diff-malformed", project(**{"a.json": SCHEMA, "b.json": "[1, 2"}), ["schema", "diff", "{root}/a.json", "{root}/b.json"],
         r"eventlint: error: b\.json: expected JSON: line 1, column 6: .*"),
    # --- policies ----------------------------------------------------------------------------
    Case("policy-missing", project(**{"eventlint.yaml": "policies: [policies/team.yaml]\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: policies\[0\]: policy file not found: policies/team\.yaml"),
    Case("policy-glob-empty", project(**{"eventlint.yaml": "policies: ['policies/*.yaml']\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: policies\[0\]: no policy file matches policies/\*\.yaml"),
    Case("policy-malformed", project(**{"eventlint.yaml": "policies: [p.yaml]\n", "p.yaml": "policies:\n  - id: TEAM001\n    name: [x\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/p\.yaml:\d+: \(syntax\): invalid YAML: .*"),
    Case("policy-bad-key", project(**{"eventlint.yaml": "policies: [p.yaml]\n", "p.yaml": POLICY.replace("    message:", "    severty: error\n    message:")}), ["check", "{root}"],
         r"eventlint: error: {root}/p\.yaml:5: policies\[0\]\.severty: unknown key 'severty'; did you mean 'severity'\?"),
    # --- plugins -----------------------------------------------------------------------------
    Case("plugin-broken", project(), ["check", "{root}", "--select", "EDA002"],
         r"project:1:1: EDA002 plugin team-rules 1\.0 \(entry point broken = teamrules_broken:RULES\) cannot be imported: ModuleNotFoundError: No module named 'teamrules_broken'", exit=1, plugin=True),
    # --- git ---------------------------------------------------------------------------------
    Case("git-ref-missing", project(**{"eventlint.yaml": EVENT, "schemas/order.json": SCHEMA}), ["schema", "check", "{root}", "--against", "origin/nope"],
         r"eventlint: error: --against: 'origin/nope' is not a commit of a git repository at {root} \(.*\)", git=True),
    Case("git-not-a-repository", project(**{"eventlint.yaml": EVENT, "schemas/order.json": SCHEMA}), ["schema", "check", "{root}", "--against", "HEAD"],
         r"eventlint: error: --against: 'HEAD' is not a commit of a git repository at {root} \(.*\)"),
    Case("strict-nothing-recognised", {"app/__init__.py": "", "app/util.py": "x = 1\n"}, ["check", "{root}", "--strict"],
         r"eventlint: error: (project|{root}): no publisher or subscriber recognised in 2 files; `eventlint facts --format text` shows .*"),
    Case("write-baseline-several-projects", {"a/eventlint.yaml": "", "a/pub.py": GOOD_PY, "b/eventlint.yaml": "", "b/pub.py": GOOD_PY},
         ["check", "{root}", "--write-baseline", "{root}/b.json"],
         r"eventlint: error: --write-baseline: a baseline belongs to one project; run it in each of {root}/a, {root}/b"),
    # --- diagrams, traces, exports --------------------------------------------------------------
    Case("dot-missing", project(), ["graph", "{root}", "--format", "svg", "-o", "{root}/flow.svg"],
         r"eventlint: error: Graphviz's `dot` program was not found; .*; the DOT text is in {root}/flow\.dot", no_dot=True),
    Case("png-needs-output", project(), ["graph", "{root}", "--format", "png"],
         r"Error: --format png needs --output-file"),
    Case("graph-unknown-extension", project(), ["graph", "{root}", "-o", "{root}/flow.txt"],
         r"Error: cannot tell the format from 'flow\.txt': use one of \.dot \.gv \.htm \.html \.json \.mermaid \.mmd \.png \.svg, or give --format"),
    Case("graph-extension-conflict", project(), ["graph", "{root}", "--format", "dot", "-o", "{root}/flow.png"],
         r"Error: --format dot would write dot into 'flow\.png', which names png; drop --format or rename the file"),
    Case("graph-unknown-filter", project(), ["graph", "{root}", "--context", "sales"],
         r"eventlint: error: --context: no bounded context 'sales'; expected one of: none declared"),
    Case("trace-unknown-event", project(), ["trace", "OrderPlaced", "{root}"],
         r"eventlint: error: no event or channel named 'OrderPlaced'; did you mean orders\.placed\?"),
    Case("export-unknown-service", project(), ["catalog", "export", "{root}", "--service", "shop"],
         r"eventlint: error: --service: no service 'shop'; the project has: app"),
    # --- trace exports (eventlint runtime, --traces) -------------------------------------------
    Case("runtime-no-traces", project(), ["runtime", "{root}"],
         r"Error: name at least one trace export \(a \.json, \.jsonl or \.ndjson file, or --traces FILE\)"),
    Case("runtime-unknown-service-name",
         project(**{"eventlint.yaml": "runtime:\n  service-names: {orders-api: orders}\n", "t.json": '{"data": []}'}), ["runtime", "{root}/t.json", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: runtime\.service-names\.orders-api: unknown service 'orders'; expected one of: app"),
    # --- facts of other repositories (check --facts) -------------------------------------------
    Case("facts-not-json", project(**{"other.json": "{nope"}), ["check", "{root}", "--facts", "{root}/other.json"],
         r"eventlint: error: {root}/other\.json: --facts: expected a JSON facts document \(`eventlint facts -o FILE`\): Expecting property name enclosed in double quotes: line 1 column 2 \(char 1\)"),
    Case("facts-wrong-version", project(**{"other.json": '{"publishers": []}'}), ["check", "{root}", "--facts", "{root}/other.json"],
         r"eventlint: error: {root}/other\.json: eventlint_facts: expected facts format version 1, got None: write it with `eventlint facts -o` of this release"),
    Case("facts-invalid-document", project(**{"other.json": '{"eventlint_facts": 1, "root": ".", "publishers": [{"event": 3}]}'}), ["check", "{root}", "--facts", "{root}/other.json"],
         r"eventlint: error: {root}/other\.json: \(top level\): not an eventlint facts document: missing required key: 'services'"),
    # --- AsyncAPI --------------------------------------------------------------------------------
    Case("asyncapi-missing-file", project(**{"eventlint.yaml": "catalog: asyncapi.yaml\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/eventlint\.yaml: catalog: file not found: asyncapi\.yaml"),
    Case("asyncapi-version", project(**{"eventlint.yaml": "catalog: asyncapi.yaml\n", "asyncapi.yaml": ASYNCAPI_OK.replace("3.0.0", "1.2.0")}), ["check", "{root}"],
         r"eventlint: error: {root}/asyncapi\.yaml: #/asyncapi: unsupported AsyncAPI version \"1\.2\.0\"; eventlint reads 2\.0\.0, .* and 3\.1\.0"),
    Case("asyncapi-invalid", project(**{"eventlint.yaml": "catalog: asyncapi.yaml\n", "asyncapi.yaml": ASYNCAPI_OK.replace("address:", "adress:")}), ["check", "{root}"],
         r"eventlint: error: {root}/asyncapi\.yaml: #/channels/orders/adress: unknown key 'adress'; did you mean 'address'\? \[AsyncAPI 3\.0\.0 schema\]"),
    Case("asyncapi-no-version", project(**{"eventlint.yaml": "catalog: asyncapi.yaml\n", "asyncapi.yaml": "info: {title: app, version: '1'}\n"}), ["check", "{root}"],
         r"eventlint: error: {root}/asyncapi\.yaml: \(top level\): missing required key: asyncapi \(the AsyncAPI version; eventlint reads .*\)"),
]


PLUGIN_ENTRY_POINTS = "[eventlint.rules]\nbroken = teamrules_broken:RULES\n"


@pytest.fixture
def broken_plugin(tmp_path, monkeypatch):
    site = tmp_path / "site"
    info = site / "team_rules-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: team-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(PLUGIN_ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    plugins.discover_plugins.cache_clear()
    yield
    plugins.discover_plugins.cache_clear()


def _materialise(case: Case, base: Path) -> Path:
    root = base / "project"
    root.mkdir()
    for rel, text in {**case.files, **case.extra}.items():
        data = text.encode("utf-8", "surrogateescape")  # a lone surrogate stands for a raw byte
        target = (root / rel).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if case.git:
        for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
            subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_error_row(case, tmp_path, monkeypatch, request):
    root = _materialise(case, tmp_path)
    if case.no_dot:
        monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    if case.plugin:
        request.getfixturevalue("broken_plugin")
    args = [a.replace("{root}", str(root)) for a in case.args]
    result = run(args, cwd=tmp_path)
    output = result.output
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case.exit, output
    pattern = case.message.replace("{root}", re.escape(str(root)))
    assert any(re.fullmatch(pattern, line) for line in output.splitlines()), f"{pattern}\n---\n{output}"


def _documented_ids() -> list[str]:
    text = (REPO / "docs" / "errors.md").read_text(encoding="utf-8")
    return re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.MULTILINE)


def test_every_row_of_the_error_table_has_a_case_and_every_case_a_row():
    documented = _documented_ids()
    assert len(documented) == len(set(documented)), "a row id appears twice in docs/errors.md"
    assert sorted(documented) == sorted(c.id for c in CASES)
