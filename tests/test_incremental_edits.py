"""After any edit, a run that reuses the caches prints exactly what a cold run prints (#18 item 3).

For each fixture root, a copy is edited several ways one after another, each edit chosen from the
project's own shape (not written per fixture):

- code change in a module other modules import (a function appended and its first string changed);
- a constant's value changed (a module-level `NAME = "..."`);
- a handler's body changed (a statement put before its first one);
- a file added (a copy of a file holding a site, under a new name);
- a file renamed;
- an imported module removed.

After each edit, `facts --format json` and `check --format json --show-info`, run with the cache
directory the previous runs filled (computed, then replayed), must equal a cold `--no-cache --jobs 1`
run byte for byte, with the same exit code. Each cached run is the real one-file path: the per-file IR
cache, the facts cache and the findings cache all hold the previous state.

CI runs a sample of the fixtures (`SAMPLED`, 6 fixtures: 17–27 s wall on the loaded 2 cores); `EVENTLINT_EDITS_ALL=1` runs every
fixture (65: 76 s CPU, 2.5-5.5 min wall on the 2 shared cores; every one passed at this commit).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from eventlint.cli import main
from tests.helpers import FIXTURES

ROOTS = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and any(p.rglob("*.py")))
# fixtures where most edits apply, covering module constants and imports, dispatch maps, in-house buses,
# settings modules and templates (the shop's own sequence of edits is tests/test_determinism.py's)
SAMPLED = ("celery_dispatch", "dapr", "django_settings", "handler_maps", "inhouse", "aws_sam")
PARAMS = [p.name for p in ROOTS] if os.environ.get("EVENTLINT_EDITS_ALL") else [n for n in SAMPLED if (FIXTURES / n).is_dir()]

Edit = Callable[[Path], bool]  # applies the edit to the copy; False: this project has no place for it


def _invoke(args: list[str], cache_dir: Path | None) -> tuple[int, str]:
    env = {"EVENTLINT_CACHE_DIR": str(cache_dir)} if cache_dir else {}
    result = CliRunner(env=env).invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.stdout


def _python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if ".eventlint_cache" not in p.parts)


def _tree(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None


def _imported(root: Path) -> list[Path]:
    """Files whose module name (its stem, or its package for an `__init__.py`) another file imports, most imported first."""
    counts: dict[str, int] = {}
    for path in _python_files(root):
        tree = _tree(path)
        if tree is None:
            continue
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [*(node.module.split(".") if node.module else []), *(alias.name for alias in node.names)]
            for name in names:
                for part in name.split("."):
                    counts[part] = counts.get(part, 0) + 1
    found = []
    for path in _python_files(root):
        name = path.parent.name if path.name == "__init__.py" else path.stem
        if counts.get(name) and _tree(path) is not None:
            found.append((-counts[name], str(path), path))
    return [path for _, _, path in sorted(found)]


def _with_sites(root: Path) -> list[Path]:
    """Files holding a call or decorator of a messaging-looking name, in path order."""
    shape = re.compile(r"\b(publish|send|produce|subscribe|consume|basic_publish|basic_consume|send_message|receive_message|put_events|agent|subscriber|task|event_handler|rpc|dispatch)\b")
    return [p for p in _python_files(root) if _tree(p) is not None and shape.search(p.read_text(encoding="utf-8"))]


def _code_change(root: Path) -> bool:
    for path in _imported(root):
        text = path.read_text(encoding="utf-8")
        tree = _tree(path)
        assert tree is not None
        strings = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value and "\n" not in n.value]
        text += "\n\ndef _edited_helper(value):\n    return value\n"
        if strings:
            first = min(strings, key=lambda n: (n.lineno, n.col_offset))
            lines = text.split("\n")
            line = lines[first.lineno - 1]
            quoted = line.find(first.value, first.col_offset)
            if quoted >= 0:
                lines[first.lineno - 1] = line[:quoted] + first.value + "_edited" + line[quoted + len(first.value) :]
                text = "\n".join(lines)
        path.write_text(text, encoding="utf-8")
        return True
    return False


def _constant_change(root: Path) -> bool:
    assignment = re.compile(r'^([A-Z][A-Z0-9_]*)\s*(?::\s*\w+\s*)?=\s*(["\'])([^"\'\n]+)\2\s*$', re.M)
    for path in _imported(root) + _python_files(root):
        text = path.read_text(encoding="utf-8")
        match = assignment.search(text)
        if match:
            path.write_text(text[: match.start(3)] + match.group(3) + ".changed" + text[match.end(3) :], encoding="utf-8")
            return True
    return False


def _handler_body_change(root: Path) -> bool:
    """A statement put first in a function of a file with sites: a decorated one (a handler) if there is one."""
    functions = []
    for path in _with_sites(root):
        tree = _tree(path)
        assert tree is not None
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.args and node.body[0].lineno > node.lineno:
                functions.append((not node.decorator_list, str(path), node.lineno, path, node))
    for _, _, _, path, node in sorted(functions, key=lambda f: f[:3]):
        first = node.body[0]
        lines = path.read_text(encoding="utf-8").split("\n")
        indent = lines[first.lineno - 1][: first.col_offset]
        if indent.strip():
            continue  # a statement after a `;`
        lines.insert(first.lineno - 1, f"{indent}_edited = len(__name__)")
        path.write_text("\n".join(lines), encoding="utf-8")
        return True
    return False


def _file_added(root: Path) -> bool:
    for path in _with_sites(root):
        if path.name != "__init__.py":
            shutil.copyfile(path, path.with_name(f"{path.stem}_added.py"))
            return True
    return False


def _file_renamed(root: Path) -> bool:
    for path in reversed(_with_sites(root)):
        if path.name != "__init__.py" and not path.stem.endswith("_added"):
            path.rename(path.with_name(f"{path.stem}_renamed.py"))
            return True
    return False


def _file_removed(root: Path) -> bool:
    for path in _imported(root):
        if path.name != "__init__.py":
            path.unlink()
            return True
    return False


EDITS: list[tuple[str, Edit]] = [
    ("code change in an imported module", _code_change),
    ("constant value changed", _constant_change),
    ("handler body changed", _handler_body_change),
    ("file added", _file_added),
    ("file renamed", _file_renamed),
    ("imported module removed", _file_removed),
]


@pytest.mark.parametrize("fixture", PARAMS)
def test_a_cached_run_after_each_edit_equals_a_cold_run(fixture: str, tmp_path: Path) -> None:
    root = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, root, ignore=shutil.ignore_patterns(".eventlint_cache"))
    cache = tmp_path / "cache"
    commands = [["facts", str(root), "--format", "json"], ["check", str(root), "--format", "json", "--show-info", "--no-color"]]
    for args in commands:
        _invoke(args, cache)  # fill every cache with the unedited project
    applied = []
    changed = 0  # edits that changed some output: the check is not only of edits nothing reads
    previous = [_invoke([*args, "--no-cache", "--jobs", "1"], None) for args in commands]
    for kind, edit in EDITS:
        if not edit(root):
            continue
        applied.append(kind)
        for index, args in enumerate(commands):
            cold = _invoke([*args, "--no-cache", "--jobs", "1"], None)
            changed += cold != previous[index]
            previous[index] = cold
            assert _invoke(args, cache) == cold, f"{fixture}, {kind}: `{args[0]}` computed with the caches differs from a cold run"
            assert _invoke(args, cache) == cold, f"{fixture}, {kind}: `{args[0]}` replayed differs from a cold run"
    assert len(applied) >= 2 and changed >= 1, f"{fixture}: the edits {applied} changed {changed} outputs"
