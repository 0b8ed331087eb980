"""Configuration: eventlint.yaml and [tool.eventlint], validated with errors that name file, key and expectation."""

from pathlib import Path

import pytest

from eventlint.config import DEFAULT_EXCLUDE, ConfigError, find_config, load_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_config_is_found_upwards_and_sets_the_root(tmp_path):
    write(tmp_path / "eventlint.yaml", "services:\n  orders: [svc/orders/**]\n  payments: svc/payments/**\n")
    (tmp_path / "svc" / "orders").mkdir(parents=True)
    config = load_config([tmp_path / "svc" / "orders"])
    assert config.root == tmp_path.resolve()
    assert config.services == (("orders", ("svc/orders/**",)), ("payments", ("svc/payments/**",)))
    assert config.exclude == DEFAULT_EXCLUDE


def test_pyproject_section_uses_the_same_keys(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.eventlint]\nexclude = ["legacy/**"]\nextend-exclude = ["gen/**"]\n')
    config = load_config([tmp_path])
    assert config.source == (tmp_path / "pyproject.toml").resolve()
    assert config.exclude == ("legacy/**", "gen/**")


def test_pyproject_without_our_section_is_passed_over(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(tmp_path) is None or find_config(tmp_path).parent != tmp_path


def test_frameworks_are_resolved_relative_to_the_config_file(tmp_path):
    write(tmp_path / "conf" / "bus.yaml", "framework: acme-bus\n")
    write(tmp_path / "eventlint.yaml", "frameworks: [conf/bus.yaml]\n")
    assert load_config([tmp_path]).frameworks == ((tmp_path / "conf" / "bus.yaml").resolve(),)


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("servics: {}\n", "servics", "did you mean 'services'"),
        ("services:\n  orders: 3\n", "services.orders", "expected a string or a list, got an integer 3"),
        ("services:\n  orders: [1]\n", "services.orders[0]", "expected a string, got an integer 1"),
        ("services:\n  orders: []\n", "services.orders", "must not be empty"),
        ("include: src/**\n", "include", "expected a list, got a string"),
        ("frameworks: [missing.yaml]\n", "frameworks[0]", "file not found: missing.yaml"),
        ("services:\n  'bad name': [x]\n", "services.bad name", "invalid name 'bad name': names must match"),
        ("- just\n- a list\n", "(top level)", "expected a mapping"),
    ],
)
def test_mistakes_name_file_key_and_expectation(tmp_path, text, key, fragment):
    path = write(tmp_path / "eventlint.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_config([tmp_path])
    assert info.value.file == str(path.resolve())
    assert info.value.key == key
    assert fragment in info.value.message


def test_yaml_syntax_error_gives_the_position(tmp_path):
    write(tmp_path / "eventlint.yaml", "services:\n  orders: [a, b\n")
    with pytest.raises(ConfigError) as info:
        load_config([tmp_path])
    assert info.value.key == "(syntax)"
    assert "line 3" in info.value.message or "line 2" in info.value.message


def test_python_tags_are_refused_not_constructed(tmp_path):
    write(tmp_path / "eventlint.yaml", "services: !!python/object/apply:os.system ['touch pwned']\n")
    with pytest.raises(ConfigError) as info:
        load_config([tmp_path])
    assert info.value.key == "(syntax)"
    assert not (tmp_path / "pwned").exists()


def test_pyproject_errors_are_prefixed_with_the_table(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.eventlint]\nservices = ["orders"]\n')
    with pytest.raises(ConfigError) as info:
        load_config([tmp_path])
    assert info.value.key == "tool.eventlint.services"
    assert "expected a mapping" in info.value.message


def test_broken_pyproject_meant_for_us_is_reported(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.eventlint]\nservices = {\n")
    with pytest.raises(ConfigError) as info:
        load_config([tmp_path])
    assert info.value.key == "(syntax)"


def test_explicit_config_file_must_exist(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config([tmp_path], tmp_path / "nope.yaml")
    assert info.value.key == "--config"


def test_keys_of_later_features_are_accepted(tmp_path):
    write(tmp_path / "eventlint.yaml", "contexts: {sales: {services: [orders]}}\nevents: {}\nrules: {}\npolicies: []\n")
    assert load_config([tmp_path]).raw["contexts"] == {"sales": {"services": ["orders"]}}


def test_a_key_with_control_characters_is_escaped_so_the_error_stays_one_line(tmp_path):
    # found by tests/fuzz: a key "\r" (or "\n") split the error across lines and hid what was wrong
    (tmp_path / "eventlint.yaml").write_text('"\\r": 1\nevents:\n  "Order\\nPlaced": 3\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config([tmp_path])
    text = str(caught.value)
    assert "\n" not in text and "\r" not in text
    assert "unknown key '\\r'" in text or "events.Order\\nPlaced" in text
