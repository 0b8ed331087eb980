"""The cache, the prefilter and the process pool never change a result.

On every fixture and on a generated monorepo, facts JSON and `check` output are
compared byte for byte across: prefilter off / on, no cache / cold cache / warm
cache / warm per-file cache only, one process / a pool.
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from click.testing import CliRunner

from eventlint import api, extract
from eventlint.cli import main
from eventlint.extract import Options
from eventlint.extract import prefilter as prefilter_module
from tests.helpers import FIXTURES, REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate  # noqa: E402

FIXTURE_ROOTS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and any(p.rglob("*.py")))


def _facts_json(root, options: Options) -> str:
    return json.dumps(api.facts([root], api.load_config([root]), options).to_json(), indent=2, sort_keys=True)


def _variants(root, tmp_path, monkeypatch) -> dict[str, str]:
    out = {"full": _facts_json(root, Options(prefilter=False, jobs=1))}
    out["prefilter"] = _facts_json(root, Options(jobs=1))
    cache_dir = tmp_path / "cache"
    out["cold cache"] = _facts_json(root, Options(cache=True, cache_dir=cache_dir, jobs=1))
    out["warm cache"] = _facts_json(root, Options(cache=True, cache_dir=cache_dir, jobs=1))
    shutil.rmtree(cache_dir / "run")
    shutil.rmtree(cache_dir / "facts")
    out["per-file cache only"] = _facts_json(root, Options(cache=True, cache_dir=cache_dir, jobs=1))
    out["per-file cache, no prefilter"] = _facts_json(root, Options(cache=True, cache_dir=cache_dir, prefilter=False, jobs=1))
    monkeypatch.setattr(extract, "POOL_THRESHOLD", 1)
    out["pool"] = _facts_json(root, Options(jobs=2))
    out["pool, no prefilter"] = _facts_json(root, Options(prefilter=False, jobs=2))
    return out


@pytest.mark.parametrize("root", FIXTURE_ROOTS, ids=lambda p: p.name)
def test_facts_are_identical_on_every_fixture(root, tmp_path, monkeypatch):
    variants = _variants(root, tmp_path, monkeypatch)
    for name, text in variants.items():
        assert text == variants["full"], name


def _check_output(root, cache_dir, *args) -> tuple[int, str]:
    runner = CliRunner(env={"EVENTLINT_CACHE_DIR": str(cache_dir)})
    result = runner.invoke(main, ["check", str(root), "--no-color", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("root", FIXTURE_ROOTS, ids=lambda p: p.name)
def test_check_output_is_identical_on_every_fixture(root, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    expected = _check_output(root, cache_dir, "--no-cache", "--jobs", "1")
    assert _check_output(root, cache_dir) == expected  # cold
    assert _check_output(root, cache_dir) == expected  # warm
    monkeypatch.setattr(extract, "POOL_THRESHOLD", 1)
    assert _check_output(root, cache_dir, "--no-cache", "--jobs", "2") == expected
    assert _check_output(root, cache_dir, "--no-cache", "--no-prefilter", "--jobs", "1") == expected


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory):
    root = tmp_path_factory.mktemp("monorepo") / "repo"
    generate(root, lines=8000, messaging=0.10, seed=3)
    return root


def test_generated_monorepo_facts_are_identical(monorepo, tmp_path, monkeypatch):
    variants = _variants(monorepo, tmp_path, monkeypatch)
    assert json.loads(variants["full"])["publishers"], "the generated monorepo publishes"
    for name, text in variants.items():
        assert text == variants["full"], name


def test_generated_monorepo_check_output_is_identical(monorepo, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    expected = _check_output(monorepo, cache_dir, "--no-cache", "--jobs", "1")
    assert expected[0] == 1 and "EDA" in expected[1]
    assert _check_output(monorepo, cache_dir, "--jobs", "2") == expected
    assert _check_output(monorepo, cache_dir) == expected
    assert _check_output(monorepo, cache_dir, "--no-cache", "--no-prefilter") == expected


def test_prefilter_leaves_files_out_of_the_generated_monorepo(monorepo):
    """Not vacuous: the prefilter does skip parsing on a realistic tree."""
    config = api.load_config([monorepo])
    from eventlint.discover import discover
    from eventlint.extract.patterns import load_patterns

    files = [
        prefilter_module.ScanFile(s.path, s.module, s.import_name, s.abspath.read_bytes())
        for s in discover([monorepo], config).files
        if s.kind == "python"
    ]
    kept = prefilter_module.relevant(files, load_patterns(config))
    assert 0 < len(kept) < len(files)
    assert any("/reports/" in f.path and f.path not in kept for f in files)


def test_edits_after_a_cached_run_give_the_facts_and_output_of_a_run_without_cache(monorepo, tmp_path):
    """Each edit is answered from a different layer of the cache (the facts entry by IR, the per-file IR,
    the cached scans); each must give what a run without any cache gives."""
    root = tmp_path / "repo"
    shutil.copytree(monorepo, root)
    cache_dir = tmp_path / "cache"
    kept = sorted(root.glob("services/*/*/domain/*_service.py"))[0]
    left_out = sorted(root.glob("services/*/*/reports/*.py"))[0]
    edits = [
        (kept, "\n# a comment: the same IR\n"),
        (kept, "\n\ndef added_by_the_test(value):\n    return value + 1\n"),
        (left_out, "\n\ndef also_added(value):\n    return value\n"),
        (kept, "\nimport kafka\n"),  # a new import of a messaging library: the file's scan changes
        (left_out, "\ndef broken(:\n"),
    ]
    _facts_json(root, Options(cache=True, cache_dir=cache_dir, jobs=1))
    for path, text in edits:
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
        expected = _facts_json(root, Options(prefilter=False, jobs=1))
        assert _facts_json(root, Options(cache=True, cache_dir=cache_dir, jobs=1)) == expected, text
        assert _check_output(root, cache_dir) == _check_output(root, cache_dir, "--no-cache", "--jobs", "1"), text
    assert '"code": "EDA000"' in expected
