"""`eventlint server` without the `lsp` extra: a one-line install hint, exit 2, no traceback."""

from __future__ import annotations

from click.testing import CliRunner

from eventlint.cli import main


def test_server_without_the_lsp_extra_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pygls", None)  # as if the extra were not installed
    monkeypatch.setitem(sys.modules, "pygls.lsp.server", None)
    monkeypatch.setitem(sys.modules, "eventlint.server", None)
    result = CliRunner().invoke(main, ["server"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "eventlint: error: the language server needs pygls and lsprotocol: pip install 'eventlint[lsp]'"
