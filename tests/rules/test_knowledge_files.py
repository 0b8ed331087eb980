"""The shipped knowledge files (rules/knowledge/*.yaml) follow their schemas: checked here, not at every run's start."""

from __future__ import annotations

import shutil

from eventlint import resources
from eventlint.rules import knowledge


def test_every_shipped_knowledge_file_follows_its_schema():
    assert knowledge.shipped_problems() == []
    listed = {p.name for p in (resources.rules_dir() / "knowledge").glob("*.yaml")}
    assert set(knowledge.SHIPPED) <= listed  # (serializers.yaml is extraction's: extract/serializers.py reads it)


def test_a_broken_knowledge_file_is_named(tmp_path, monkeypatch):
    copy = tmp_path / "rules"
    shutil.copytree(resources.rules_dir() / "knowledge", copy / "knowledge")
    broken = copy / "knowledge" / "example-code.yaml"
    broken.write_text("folders: 3\n", encoding="utf-8")
    monkeypatch.setattr(knowledge, "rules_dir", lambda: copy)
    problems = knowledge.shipped_problems()
    assert problems and all(p.startswith(f"{broken}: ") for p in problems)
    assert f"{broken}: folders: expected a list, got an integer 3" in problems
