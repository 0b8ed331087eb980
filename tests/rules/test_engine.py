"""The engine around the rules: selection, options, severities, suppressions, baseline, exit codes."""

import textwrap

import pytest
from click.testing import CliRunner

from eventlint import api
from eventlint.cli import main
from eventlint.config import ConfigError, load_config

# Only EDA0 and EDA401 are judged here (the `base` selection), so other rules' findings
# on this deliberately broken project do not blur what each test is about.
BASE = "rules: {select: [EDA0, EDA401]}\n"
HANDLER = """\
from kafka import KafkaConsumer
from pay import charge_card


def on_order(event):
    charge_card(event["customer"], event["total"]){comment}


for message in KafkaConsumer("orders.placed", group_id="billing"):
    on_order(message.value)
"""


def project(tmp_path, comment="", config="", extra=None):
    (tmp_path / "app.py").write_text(HANDLER.format(comment=comment))
    (tmp_path / "pay.py").write_text("def charge_card(customer, amount):\n    return 1\n")
    (tmp_path / "broken.py").write_text("def broken(:\n")
    for path, text in (extra or {}).items():
        (tmp_path / path).write_text(text)
    (tmp_path / "eventlint.yaml").write_text(textwrap.dedent(config) if "rules:" in config else BASE + textwrap.dedent(config))
    return tmp_path


def codes(result):
    return sorted((d.code, d.path, d.line) for d in result.diagnostics)


def test_default_selection_finds_the_charge_and_the_parse_error(tmp_path):
    result = api.lint([project(tmp_path)])
    assert codes(result) == [("EDA000", "broken.py", 1), ("EDA401", "app.py", 6)]
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("config", "cli", "expected"),
    [
        ("rules: {select: [EDA401]}\n", {}, ["EDA401"]),
        ("rules: {select: [EDA0, EDA401], ignore: [EDA0]}\n", {}, ["EDA401"]),
        ("", {"select": ["EDA000"]}, ["EDA000"]),
        ("rules: {select: [EDA4]}\n", {"select": ["EDA0"]}, ["EDA000"]),
        ("", {"ignore": ["EDA401,EDA000"]}, []),
        ("rules: {select: [EDA000]}\n", {"extend_select": ["EDA401"]}, ["EDA000", "EDA401"]),
    ],
)
def test_select_and_ignore(tmp_path, config, cli, expected):
    result = api.lint([project(tmp_path, config=config)], **cli)
    assert sorted({d.code for d in result.diagnostics}) == expected


def test_severity_override_and_info_does_not_fail(tmp_path):
    result = api.lint([project(tmp_path, config="rules: {select: [EDA0, EDA401], severity: {EDA4: info, EDA000: warning}}\n")])
    assert {(d.code, d.severity) for d in result.diagnostics} == {("EDA401", "info"), ("EDA000", "warning")}
    assert result.exit_code == 1
    only_info = api.lint([tmp_path], select=["EDA401"])
    assert only_info.exit_code == 0


def test_options_reach_the_rule(tmp_path):
    # with `*charge*` no longer a payment, nothing else in the handler is a side effect
    config = "rules: {select: [EDA401], options: {EDA401: {payments: ['*refund*']}}}\n"
    result = api.lint([project(tmp_path, config=config)], select=["EDA401"])
    assert result.diagnostics == ()


@pytest.mark.parametrize(
    ("config", "key", "fragment"),
    [
        ("rules: {selekt: [EDA4]}\n", "rules.selekt", "unknown key"),
        ("rules: {select: [EDA9]}\n", "rules.select[0]", "no rule code starts with 'EDA9'"),
        ("rules: {select: EDA4}\n", "rules.select", "expected a list"),
        ("rules: {severity: {EDA401: fatal}}\n", "rules.severity.EDA401", "expected one of error, warning, info"),
        ("rules: {options: {EDA401: {paymens: []}}}\n", "rules.options.EDA401.paymens", "unknown option of EDA401"),
        ("rules: {options: {EDA401: {payments: '*x*'}}}\n", "rules.options.EDA401.payments", "expected a list of strings"),
        ("rules: {options: {EDA999: {}}}\n", "rules.options.EDA999", "no such rule code"),
        ("per-file-ignores: {'legacy/**': [XYZ1]}\n", "per-file-ignores.legacy/**", "no rule code starts with 'XYZ1'"),
    ],
)
def test_rule_configuration_mistakes(tmp_path, config, key, fragment):
    project(tmp_path, config=config)
    with pytest.raises(ConfigError) as info:
        api.lint([tmp_path])
    assert info.value.key == key and fragment in info.value.message
    assert info.value.file == str((tmp_path / "eventlint.yaml").resolve())


def test_cli_flag_mistake_names_the_flag(tmp_path):
    result = CliRunner().invoke(main, ["check", str(project(tmp_path)), "--select", "NOPE"])
    assert result.exit_code == 2
    assert "--select[0]: no rule code starts with 'NOPE'" in result.output


def test_per_file_ignores(tmp_path):
    result = api.lint([project(tmp_path, config="per-file-ignores: {'app.py': [EDA4], 'broken.py': EDA000}\n")])
    assert result.diagnostics == ()


@pytest.mark.parametrize(
    "comment",
    ["  # noqa", "  # noqa: EDA401", "  # noqa:EDA4", "  # NOQA: E501, EDA401", "  # eventlint: ignore[EDA401]", "  # eventlint: ignore"],
)
def test_suppression_comments(tmp_path, comment):
    result = api.lint([project(tmp_path, comment=comment)], select=["EDA401"])
    assert result.diagnostics == ()


@pytest.mark.parametrize("comment", ["  # noqa: EDA402", "  # eventlint: ignore[EDA5]"])
def test_suppression_of_another_code_does_not_silence(tmp_path, comment):
    result = api.lint([project(tmp_path, comment=comment)], select=["EDA401"])
    assert [d.code for d in result.diagnostics] == ["EDA401"]


def test_unused_suppressions_are_reported_when_selected(tmp_path):
    extra = {"other.py": "x = 1  # noqa: EDA401\ny = 2  # noqa\nz = 3  # noqa: E501\nw = 4  # eventlint: ignore[EDA000]\n"}
    result = api.lint([project(tmp_path, comment="  # noqa: EDA401", extra=extra)], select=["EDA401", "EDA001"])
    assert codes(result) == [("EDA001", "other.py", 1), ("EDA001", "other.py", 4)]
    off = api.lint([tmp_path], select=["EDA401"])
    assert off.diagnostics == ()


def test_baseline_records_today_and_reports_only_new_findings(tmp_path):
    project(tmp_path)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(api.lint([tmp_path]).baseline())
    # unrelated lines above move the old finding; it stays recorded
    app = tmp_path / "app.py"
    app.write_text("# a comment\n# another\n" + app.read_text())
    assert api.lint([tmp_path], baseline=baseline).diagnostics == ()
    # a new violation in a new handler is reported; the recorded one still is not
    (tmp_path / "mail.py").write_text(
        "from kafka import KafkaConsumer\nfrom pay import charge_card\n\n\n"
        "def on_refund(event):\n    charge_card(event['customer'], -event['total'])\n\n\n"
        "for message in KafkaConsumer('orders.refunded', group_id='billing'):\n    on_refund(message.value)\n"
    )
    result = api.lint([tmp_path], baseline=baseline)
    assert codes(result) == [("EDA401", "mail.py", 6)]
    assert result.baselined == 2


def test_baseline_counts_occurrences(tmp_path):
    project(tmp_path)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(api.lint([tmp_path]).baseline())
    (tmp_path / "broken2.py").write_text("def broken(:\n")
    result = api.lint([tmp_path], baseline=baseline)
    assert codes(result) == [("EDA000", "broken2.py", 1)]
    assert result.baselined == 2


def test_bad_baseline_file_is_a_clear_error(tmp_path):
    project(tmp_path)
    bad = tmp_path / "baseline.json"
    bad.write_text("{not json")
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(tmp_path), "--baseline", str(bad)])
    assert result.exit_code == 2 and "not a JSON baseline file" in result.output
    bad.write_text('{"eventlint_baseline": 7, "findings": []}')
    result = runner.invoke(main, ["check", str(tmp_path), "--baseline", str(bad)])
    assert result.exit_code == 2 and "expected an eventlint baseline of version 1" in result.output


def test_write_baseline_then_check_with_it_through_the_cli(tmp_path):
    project(tmp_path)
    baseline = tmp_path / "eventlint-baseline.json"
    runner = CliRunner()
    written = runner.invoke(main, ["check", str(tmp_path), "--write-baseline", str(baseline)])
    assert written.exit_code == 0
    checked = runner.invoke(main, ["check", str(tmp_path), "--baseline", str(baseline)])
    assert checked.exit_code == 0, checked.output
    assert "2 findings recorded in the baseline not shown." in checked.output


def test_explain_and_rules_commands():
    runner = CliRunner()
    explained = runner.invoke(main, ["explain", "EDA401"])
    assert explained.exit_code == 0
    assert explained.output.startswith("# EDA401 non-idempotent-handler")
    assert "## Why is this bad?" in explained.output and "## Options" in explained.output
    assert runner.invoke(main, ["explain", "non-idempotent-handler"]).output == explained.output
    missing = runner.invoke(main, ["explain", "EDA999"])
    assert missing.exit_code == 2
    listed = runner.invoke(main, ["rules"])
    assert "EDA401  non-idempotent-handler" in listed.output
    assert "EDA001  unused-suppression" in listed.output and " off " in listed.output


# --- selection like ruff's: each layer (configuration, then flags) in turn ------------------------

CODES = ["EDA000", "EDA001", "EDA401", "EDA402", "EDA501", "EDA503"]
DEFAULTS = ["EDA000", "EDA401", "EDA402", "EDA501"]  # EDA001 and EDA503 are off by default


def layer(select=None, extend=(), ignore=()):
    return (select, list(extend), list(ignore))


@pytest.mark.parametrize(
    ("configured", "flags", "expected"),
    [
        pytest.param(layer(), layer(), DEFAULTS, id="defaults"),
        pytest.param(layer(select=["EDA4"]), layer(), ["EDA401", "EDA402"], id="config-select-replaces-defaults"),
        pytest.param(layer(extend=["EDA503"]), layer(), [*DEFAULTS, "EDA503"], id="config-extend-adds"),
        pytest.param(layer(ignore=["EDA5"]), layer(), ["EDA000", "EDA401", "EDA402"], id="config-ignore-removes"),
        pytest.param(layer(extend=["EDA503"]), layer(select=["EDA401"]), ["EDA401"], id="flag-select-drops-config-extend"),
        pytest.param(layer(ignore=["EDA401"]), layer(select=["EDA401"]), ["EDA401"], id="flag-select-overrides-config-ignore"),
        pytest.param(layer(select=["EDA0"], ignore=["EDA401"]), layer(select=["EDA4"]), ["EDA401", "EDA402"], id="flag-select-replaces-all"),
        pytest.param(layer(select=["EDA4"]), layer(extend=["EDA503"]), ["EDA401", "EDA402", "EDA503"], id="flag-extend-adds-to-config"),
        pytest.param(layer(select=["EDA4"]), layer(ignore=["EDA402"]), ["EDA401"], id="flag-ignore-removes-from-config"),
        pytest.param(layer(extend=["EDA503"]), layer(ignore=["EDA5"]), ["EDA000", "EDA401", "EDA402"], id="flag-ignore-beats-config-extend"),
        pytest.param(layer(select=["EDA4"], ignore=["EDA401"]), layer(extend=["EDA401"]), ["EDA401", "EDA402"], id="flag-extend-beats-config-ignore"),
        pytest.param(layer(select=["EDA401"], ignore=["EDA4"]), layer(), ["EDA401"], id="more-specific-select-wins"),
        pytest.param(layer(select=["EDA4"], ignore=["EDA401"]), layer(), ["EDA402"], id="more-specific-ignore-wins"),
        pytest.param(layer(select=["EDA401"], ignore=["EDA401"]), layer(), [], id="equal-specificity-ignore-wins"),
        pytest.param(layer(), layer(select=["ALL"], ignore=["EDA5"]), ["EDA000", "EDA001", "EDA401", "EDA402"], id="all-minus-family"),
        pytest.param(layer(select=[], ignore=["EDA401"]), layer(extend=["EDA4"]), ["EDA402"], id="empty-select-carries-ignore"),
        pytest.param(layer(select=["EDA4"]), layer(select=["EDA0"], extend=["EDA503"], ignore=["EDA001"]), ["EDA000", "EDA503"], id="flags-all-three"),
    ],
)
def test_selection_layers_resolve_like_ruff(configured, flags, expected):
    from eventlint.rules.engine import resolve_selection

    assert sorted(resolve_selection(DEFAULTS, CODES, [configured, flags])) == expected


def _yaml_layer(select=None, extend=(), ignore=()):
    parts = ([f"select: [{', '.join(select)}]"] if select is not None else []) + [f"extend-select: [{', '.join(extend)}]", f"ignore: [{', '.join(ignore)}]"]
    return "rules: {" + ", ".join(parts) + "}\n"


@pytest.mark.parametrize(
    ("config", "cli", "expected"),
    [
        (_yaml_layer(extend=["EDA001"]), {"select": ["EDA401"]}, ["EDA401"]),
        (_yaml_layer(select=["EDA0"], ignore=["EDA401"]), {"select": ["EDA401"]}, ["EDA401"]),
        (_yaml_layer(select=["EDA4"], ignore=["EDA401"]), {"extend_select": ["EDA401"]}, ["EDA401", "EDA402"]),
        (_yaml_layer(select=["EDA4"], ignore=["EDA401"]), {}, ["EDA402"]),
        (_yaml_layer(select=["EDA0", "EDA4"]), {"ignore": ["EDA000"]}, ["EDA401", "EDA402"]),
    ],
)
def test_configuration_and_flags_reach_the_run(tmp_path, config, cli, expected):
    result = api.lint([project(tmp_path, config=config)], **cli)
    assert sorted({d.code for d in result.diagnostics}) == expected


def test_select_on_the_command_line_replaces_the_shops_extend_select():
    from tests.helpers import fixture

    result = CliRunner().invoke(main, ["check", str(fixture("shop")), "--select", "EDA208", "--format", "concise", "--no-cache"])
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and lines[-1] == "Found 1 problem." and " EDA208 " in lines[0]
