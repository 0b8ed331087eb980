"""As users get it: a non-editable install finds its packs, and the pre-commit hook runs (slow, run in CI)."""

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from eventlint import api
from tests.helpers import REPO, fixture

pytestmark = pytest.mark.slow


def _venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / ("Scripts" if os.name == "nt" else "bin")


def test_wheel_install_ships_the_framework_packs(tmp_path):
    bin_dir = _venv(tmp_path / "venv")
    subprocess.run([bin_dir / "python", "-m", "pip", "install", "-q", str(REPO)], check=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run(
        [bin_dir / "eventlint", "facts", str(fixture("shop"))], cwd=elsewhere, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert {p["framework"] for p in document["publishers"]} >= {"confluent-kafka", "faust", "pika"}
    # the packs came from the installed wheel, not from this checkout
    where = subprocess.run(
        [bin_dir / "python", "-c", "from eventlint.resources import rules_dir; print(rules_dir())"],
        capture_output=True, text=True, check=True, cwd=elsewhere,
    ).stdout.strip()
    assert "site-packages" in where and Path(where, "frameworks", "kafka-python.yaml").is_file()
    # the vendored AsyncAPI schemas ship too: the export validates its document against the 3.0.0 one
    export = subprocess.run(
        [bin_dir / "eventlint", "catalog", "export", str(fixture("shop")), "--syntax", "json"],
        cwd=elsewhere, capture_output=True, text=True, timeout=120,
    )
    assert export.returncode == 0, export.stderr
    assert json.loads(export.stdout)["asyncapi"] == "3.0.0"


def test_pre_commit_hook_runs_on_a_copy_of_the_shop(tmp_path):
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    repo = tmp_path / "shop"
    shutil.copytree(fixture("shop"), repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "shop"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env)
    proc = subprocess.run(
        [pre_commit, "try-repo", str(REPO), "eventlint", "--all-files", "--verbose"],
        cwd=repo, capture_output=True, text=True, env=env, timeout=900,
    )
    result = api.lint([repo])
    assert proc.returncode == result.exit_code == 1, proc.stdout + proc.stderr
    assert "eventlint" in proc.stdout
    assert f"Analysed {result.facts.files} files: {len(result.facts.services)} services" in proc.stdout
    shown = [d for d in result.diagnostics if d.severity != "info"]  # the text report counts info-level notes apart
    assert f"Found {len(shown)} problems" in proc.stdout


def test_pre_commit_hook_at_a_repository_root_finds_the_configuration_in_a_sub_folder(tmp_path):
    """The hook runs at the root; the shop's configuration is in shop/: the check finds it and says so (issue 20)."""
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    repo = tmp_path / "monorepo"
    shutil.copytree(fixture("shop"), repo / "shop")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "shop"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env)
    proc = subprocess.run(
        [pre_commit, "try-repo", str(REPO), "eventlint", "--all-files", "--verbose"],
        cwd=repo, capture_output=True, text=True, env=env, timeout=900,
    )
    result = api.lint([repo / "shop"])
    assert proc.returncode == result.exit_code == 1, proc.stdout + proc.stderr
    assert "checking 1 project below it: shop" in proc.stdout
    assert f"Analysed {result.facts.files} files: {len(result.facts.services)} services" in proc.stdout
    shown = [d for d in result.diagnostics if d.severity != "info"]  # the text report counts info-level notes apart
    assert f"Found {len(shown)} problems" in proc.stdout
    assert "shop/services/payments/payments/handlers.py:" in proc.stdout  # clickable from the root
