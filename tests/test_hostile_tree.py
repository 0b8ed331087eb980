"""A tree built to hurt: the run completes, says what it skipped and why, and touches nothing outside the project.

One project holds every hostile shape at once (so the test also proves that one
bad file does not stop the others): symlink loops, symlinks to files and
directories outside the root, an unreadable file and directory, a FIFO named
like a module, a 5 MB file and a 50,000-line file, deeply nested expressions,
NUL bytes, latin-1 with and without a coding cookie, UTF-16 and UTF-8 BOMs, a
file name that is not UTF-8, and an `__init__.py` that deletes files if
imported. Beside it, outside the root, lies a module that would be reported if
it were ever read; the audit hook records every path the run opens.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

import pytest

from tests.hostile import allowed_roots, inside, recording, run, write

KAFKA = 'from kafka import KafkaProducer\nproducer = KafkaProducer()\nproducer.send("{channel}", b"x")\n'
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
CAN_FIFO = hasattr(os, "mkfifo")


def kafka(channel: str) -> str:
    return KAFKA.format(channel=channel)


def build(tmp_path: Path) -> tuple[Path, Path]:
    """(project root, outside directory)."""
    root, outside = tmp_path / "project", tmp_path / "outside"
    write(outside, "secret.py", kafka("leaked.secret"))
    write(outside, "pkg/__init__.py", "")
    write(outside, "pkg/mod.py", kafka("leaked.pkg"))
    write(outside, "victim.txt", "must survive\n")

    write(root, "app/__init__.py", f"import shutil\nshutil.rmtree({str(outside)!r})\n")
    write(root, "app/good.py", kafka("orders.placed"))
    # links: loops (file and directory), to outside (file and directory), dangling, and inside the root
    os.symlink("loop.py", root / "app/loop.py")
    os.symlink("ping.py", root / "app/pong.py")
    os.symlink("pong.py", root / "app/ping.py")
    os.symlink("..", root / "app/parent")
    os.symlink(outside / "secret.py", root / "app/secret.py")
    os.symlink(outside / "pkg", root / "app/pkg")
    os.symlink(root / "app/missing.py", root / "app/dangling.py")
    os.symlink("good.py", root / "app/alias.py")
    # unreadable file and directory
    write(root, "app/locked.py", kafka("locked.file"))
    write(root, "app/sealed/inner.py", kafka("locked.dir"))
    # a FIFO named like a module: reading it would block forever
    if CAN_FIFO:
        os.mkfifo(root / "app/pipe.py")
    # size: a 5 MB file and a 50,000-line file
    write(root, "app/blob.py", "BLOB = '" + "x" * 5_000_000 + "'\n" + kafka("after.blob"))
    write(root, "app/long.py", "".join(f"# line {i}\n" for i in range(50_000)) + kafka("after.long"))
    # recursion: nested parentheses, nested lists, a long attribute chain, a long call chain
    write(root, "app/parens.py", "x = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n")
    write(root, "app/lists.py", "x = " + "[" * 5_000 + "]" * 5_000 + "\n")
    write(root, "app/chain.py", "x = a" + ".b" * 10_000 + "\n")
    write(root, "app/calls.py", "x = f" + "()" * 10_000 + "\n")
    # bytes: NUL, encodings, BOMs
    write(root, "app/nul.py", b"x = 1\n\x00\x00\nproducer.send('nul', b'x')\n")
    write(root, "app/latin_cookie.py", b"# -*- coding: latin-1 -*-\n" + kafka("caf\xe9.cookie").encode("latin-1"))
    write(root, "app/latin_bare.py", kafka("caf\xe9.bare").encode("latin-1"))
    write(root, "app/utf16.py", b"\xff\xfe" + kafka("utf16").encode("utf-16-le"))
    write(root, "app/utf8_bom.py", b"\xef\xbb\xbf" + kafka("utf8.bom").encode())
    write(root, os.fsdecode(b"app/bad\xffname.py"), kafka("bad.name"))
    return root, outside


def lock(root: Path) -> None:
    os.chmod(root / "app/locked.py", 0)
    os.chmod(root / "app/sealed", 0)


def unlock(root: Path) -> None:
    os.chmod(root / "app/sealed", 0o755)
    os.chmod(root / "app/locked.py", 0o644)


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    root, outside = build(tmp_path)
    lock(root)
    if IS_ROOT:
        # root reads through chmod 000: make the OS answer as it would for anyone else
        _deny_like_the_kernel(monkeypatch, {root / "app/locked.py", root / "app/sealed"})
    yield root, outside
    unlock(root)


def _deny_like_the_kernel(monkeypatch, denied: set[Path]) -> None:
    import builtins
    import io

    real_open, real_scandir = builtins.open, os.scandir
    denied_text = {str(p) for p in denied}

    def check(path) -> None:
        if isinstance(path, (str, os.PathLike)) and os.fspath(path) in denied_text:
            raise PermissionError(13, "Permission denied", os.fspath(path))

    def guarded_open(file, *args, **kwargs):
        check(file)
        return real_open(file, *args, **kwargs)

    def guarded_scandir(path="."):
        check(path)
        return real_scandir(path)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)


def snapshot(*dirs: Path) -> dict[str, tuple[int, int, int]]:
    """(size, mtime, mode) of every entry under `dirs`, links not followed."""
    out = {}
    for top in dirs:
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            for name in dirnames + filenames:
                st = os.lstat(os.path.join(dirpath, name))
                out[os.path.join(dirpath, name)] = (st.st_size, st.st_mtime_ns, st.st_mode)
    return out


def test_a_hostile_tree_completes_and_reports_every_skip(hostile):
    root, outside = hostile
    before = snapshot(root, outside)
    started = time.perf_counter()
    with recording() as record:
        result = run(["facts", str(root), "--format", "json"])
        facts_opened = list(record.opened)
        checked = run(["check", str(root), "--verbose", "--format", "text"])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert checked.exit_code in (0, 1), checked.output
    facts = json.loads(result.output)
    skipped = {s["path"]: s["reason"] for s in facts["skipped"]}
    problems = {d["path"]: d["message"] for d in facts["diagnostics"]}
    channels = {p["channel"] for p in facts["publishers"]}

    # what was read: the good files, the latin-1 file with its cookie, the UTF-8 BOM, the big ones
    assert {"orders.placed", "café.cookie", "utf8.bom", "after.long"} <= channels
    # the 5 MB file is over the default size budget: not even read
    assert problems["app/blob.py"] == "the file is 4.8 MB, above limits.max-file-size (1.0 MB) (the file was not analysed)"
    # what was skipped, and why
    assert skipped["app/loop.py"] == "symlink loop, not followed"
    assert skipped["app/ping.py"] == skipped["app/pong.py"] == "symlink loop, not followed"
    assert skipped["app/secret.py"] == skipped["app/pkg"] == "symlink to outside the project root, not followed"
    assert skipped["app/dangling.py"] == "broken symlink, not followed"
    assert skipped["app/locked.py"].startswith("cannot read file: Permission denied")
    assert skipped["app/sealed"].startswith("cannot read directory: Permission denied")
    assert skipped["app/bad\\xffname.py"] == "name is not valid UTF-8 (no module can have it), not read"
    if CAN_FIFO:
        assert skipped["app/pipe.py"] == "not a regular file (a FIFO), not read"
    # what could not be parsed, and why
    for rel in ("app/parens.py", "app/lists.py"):
        assert problems[rel].startswith("syntax error: too many nested parentheses"), problems[rel]
    for rel in ("app/chain.py", "app/calls.py"):
        assert "nests too deeply" in problems[rel], problems[rel]
    assert "null bytes" in problems["app/nul.py"] or "NUL" in problems["app/nul.py"], problems["app/nul.py"]
    for rel in ("app/latin_bare.py", "app/utf16.py"):
        assert problems[rel].startswith("cannot decode"), problems[rel]
    # the check's text report lists the same skips
    assert "app/locked.py" in checked.output and "app/pkg" in checked.output
    # nothing outside the project was read, nothing anywhere was written
    cache = Path(os.environ["EVENTLINT_CACHE_DIR"])  # tests/conftest.py keeps the cache out of the tree
    allowed = allowed_roots(root, cache)
    # CPython's compile() opens its `filename` ("<unknown>" for ast.parse) to quote the line of a decode error
    strays = sorted({p for p, _ in record.opened if not inside(p, *allowed)} - {"<unknown>"})
    assert strays == [], strays
    assert not [p for p, _ in record.opened if inside(p, outside)]
    written = {p for p, m in record.opened if any(c in m for c in "wax+")}
    assert written and all(inside(p, cache) for p in written), sorted(written - {p for p in written if inside(p, cache)})
    assert not [f for f in record.imported + record.executed if str(root) in f]
    assert not {"leaked.secret", "leaked.pkg", "locked.file", "locked.dir", "bad.name", "after.blob"} & channels
    # (check reads every file's lines afterwards, for `# noqa` comments; that is text, not analysis)
    assert not [p for p, _ in facts_opened if p.endswith("app/blob.py")]
    assert snapshot(root, outside) == before
    assert elapsed < 240, f"the hostile tree took {elapsed:.1f}s"
    print(f"hostile tree: facts + check in {elapsed:.1f}s")


def test_a_fifo_given_by_name_does_not_hang(tmp_path):
    if not CAN_FIFO:
        pytest.skip("no named pipes on this platform")
    write(tmp_path, "app/__init__.py", "")
    os.mkfifo(tmp_path / "app/pipe.py")
    started = time.perf_counter()
    result = run(["facts", str(tmp_path / "app/pipe.py"), "--format", "json"])
    assert time.perf_counter() - started < 30
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["skipped"] == [{"path": "pipe.py", "reason": "not a regular file (a FIFO), not read"}]  # no config: the root is app/


def test_a_path_argument_outside_the_root_is_reported_not_read(tmp_path):
    root, outside = tmp_path / "project", tmp_path / "outside"
    write(root, "eventlint.yaml", "services:\n  app: [app/**]\n")
    write(root, "app/good.py", kafka("orders.placed"))
    write(outside, "secret.py", kafka("leaked.secret"))
    os.symlink(outside, root / "ext")
    with recording() as record:
        result = run(["facts", str(root), str(root / "ext/secret.py"), "--format", "json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert [p["channel"] for p in facts["publishers"]] == ["orders.placed"]
    assert sorted((s["path"], s["reason"]) for s in facts["skipped"]) == [
        (str(root / "ext/secret.py"), "outside the project root"),  # named on the command line
        ("ext", "symlink to outside the project root, not followed"),  # met in the walk
    ]
    assert not [p for p, _ in record.opened if inside(p, outside)]


@pytest.mark.skipif(IS_ROOT, reason="as root, chmod 000 does not stop reads; the tree test covers it with a simulated denial")
def test_unreadable_files_are_skipped_by_the_kernel(tmp_path):
    write(tmp_path, "app/locked.py", kafka("locked"))
    os.chmod(tmp_path / "app/locked.py", 0)
    try:
        facts = json.loads(run(["facts", str(tmp_path), "--format", "json"]).output)
    finally:
        os.chmod(tmp_path / "app/locked.py", stat.S_IRUSR | stat.S_IWUSR)
    assert [s["path"] for s in facts["skipped"]] == ["app/locked.py"]
