"""An overlay of unsaved buffers (what the language server passes): read instead of the files, never written."""

from __future__ import annotations

from eventlint import api, fixes
from eventlint.testing import write_project


def test_the_overlay_replaces_the_file_for_the_run_its_fixes_and_its_noqa(tmp_path):
    example = next(e for e in fixes.EXAMPLES if e.code == "EDA402")
    before, after = example.before.all_files()["app.py"], example.after["app.py"]
    root = write_project(tmp_path, {"app.py": after}, config="")
    path = root / "app.py"
    assert [d for d in api.lint([root]).diagnostics if d.code == "EDA402"] == []

    result = api.lint([root], options=api.Options(overlay={str(path.resolve()): before.encode()}))
    (found,) = [d for d in result.diagnostics if d.code == "EDA402"]
    assert before.splitlines()[found.line - 1].startswith("channel.basic_consume(")
    assert fixes.apply_edits(before, found.fix.edits) == after  # the fix's edits fit the buffer
    assert path.read_text() == after  # never written

    # a `# noqa` typed in the buffer counts before it is saved
    quiet = before.replace("auto_ack=True)", "auto_ack=True)  # noqa: EDA402")
    result = api.lint([root], options=api.Options(overlay={str(path.resolve()): quiet.encode()}))
    assert [d for d in result.diagnostics if d.code == "EDA402"] == []


def test_a_buffer_that_does_not_parse_is_reported_from_the_buffer(tmp_path):
    root = write_project(tmp_path, {"app.py": "VALUE = 1\n"}, config="")
    broken = {str((root / "app.py").resolve()): b"def broken(:\n"}
    found = [d for d in api.lint([root], options=api.Options(overlay=broken)).diagnostics if d.code == "EDA000"]
    assert [(d.path, d.line) for d in found] == [("app.py", 1)]
    assert (root / "app.py").read_text() == "VALUE = 1\n"
