"""docs/writing-rules.md stays true: its YAML policy loads and its test of it passes as written."""

import re

from eventlint.testing import policy_rules
from tests.helpers import REPO

DOC = (REPO / "docs" / "writing-rules.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", DOC, re.S)


def test_the_tutorial_policy_and_its_test_run(tmp_path, monkeypatch):
    policy = next(text for lang, text in BLOCKS if lang == "yaml" and text.startswith("policies:"))
    (tmp_path / "eventlint").mkdir()
    (tmp_path / "eventlint" / "policies.yaml").write_text(policy)
    assert [r.code for r in policy_rules(tmp_path / "eventlint" / "policies.yaml")] == ["ACME001"]
    test_code = next(text for lang, text in BLOCKS if lang == "python" and "def test_payments_may_not_consume_coupons" in text)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(test_code, "docs/writing-rules.md", "exec"), namespace)  # our own documentation, not analysed code
    namespace["test_payments_may_not_consume_coupons"]()


def test_the_classify_example_is_a_valid_policy(tmp_path):
    snippet = next(text for lang, text in BLOCKS if lang == "yaml" and "ACME050" in text)
    path = tmp_path / "classify.yaml"
    path.write_text("policies:\n" + snippet)
    assert [r.code for r in policy_rules(path)] == ["ACME050"]
