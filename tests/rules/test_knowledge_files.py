"""The shipped knowledge files pass their schemas: a run reads them without checking (rules/knowledge.py `_shipped`),
as it reads the shipped framework packs, so this test is what keeps a mistake in one from reaching a user."""

from __future__ import annotations

import pytest
import yaml

from eventlint import schemas
from eventlint.resources import rules_dir
from eventlint.rules import knowledge


def test_every_shipped_knowledge_file_is_listed():
    shipped = {p.name for p in (rules_dir() / "knowledge").glob("*.yaml")}
    # serializers.yaml is the extractor's (extract/serializers.py), read and checked there
    assert shipped - {"serializers.yaml"} == set(knowledge.SHIPPED)


@pytest.mark.parametrize("name", sorted(knowledge.SHIPPED))
def test_each_shipped_knowledge_file_passes_its_schema(name):
    data = knowledge._shipped(name, knowledge.SHIPPED[name], validate=True)
    assert data and schemas.problems(data, knowledge.SHIPPED[name]) == []


def test_a_mistake_in_a_knowledge_file_is_caught_when_validating(tmp_path, monkeypatch):
    broken = yaml.safe_load((rules_dir() / "knowledge" / "example-code.yaml").read_text(encoding="utf-8"))
    broken["folders"] = ["a/b"]
    (tmp_path / "knowledge").mkdir()
    (tmp_path / "knowledge" / "example-code.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    monkeypatch.setattr(knowledge, "rules_dir", lambda: tmp_path)
    with pytest.raises(ValueError, match=r"folders\[0\]"):
        knowledge._shipped("example-code.yaml", "example_code", validate=True)
    assert knowledge._shipped("example-code.yaml", "example_code")["folders"] == ["a/b"]  # a run reads it as it is
