"""`eventlint server`: a language server (LSP over stdio, on pygls + lsprotocol).

On open, change and save it checks the document's whole project, as `check` does,
and publishes that document's findings. The Python documents open in the editor
are read from their buffers, unsaved edits included (an overlay over the files
on disk; nothing is written); a change is checked once typing pauses (a
debounce). Hover shows the rule's `explain` text; code actions offer the
finding's fix (safe, or unsafe and marked so) and a `# noqa` comment.

Needs the `lsp` extra: `pip install 'eventlint[lsp]'`.
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from eventlint import __version__, api, suppress
from eventlint.config import ConfigError
from eventlint.facts import Diagnostic, Fix
from eventlint.report import rule_docs

SOURCE = "eventlint"
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
_NOQA_FILES = (".py", ".pyi", ".yaml", ".yml")


@dataclass
class _Checked:
    root: Path
    findings: tuple[Diagnostic, ...]


class EventlintServer(LanguageServer):
    """Keeps the last check of each project, so hover and code actions answer without a new run."""

    # seconds without a change before a changed buffer is checked (editors send a change per keystroke)
    debounce = 0.3

    def __init__(self) -> None:
        super().__init__("eventlint", __version__)
        self.projects: dict[Path, _Checked] = {}
        self.lock = threading.Lock()
        self.running = threading.Lock()  # one check at a time: a run reads the overlay it was given
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.generation: dict[str, int] = {}  # per document: a check publishes only if no newer one was asked for

    def overlay(self) -> dict[str, bytes]:
        """The open Python documents' text by absolute path (read in the event loop, where pygls updates them)."""
        out: dict[str, bytes] = {}
        for uri, document in list(self.workspace.text_documents.items()):
            path = to_fs_path(uri)
            if path and path.endswith((".py", ".pyi")):
                out[str(Path(path).resolve())] = document.source.encode("utf-8")
        return out

    def check_document(self, uri: str, overlay: dict[str, bytes] | None = None) -> list[types.Diagnostic] | ConfigError:
        """The document's findings, or the configuration error that stopped the run (any thread: nothing is sent here)."""
        path = Path(to_fs_path(uri) or "").resolve()
        try:
            with self.running:
                config = api.load_config([path])
                root = Path(config.root).resolve()
                result = api.lint([root], config=config, options=api.Options(overlay=overlay or {}))
        except ConfigError as exc:
            return exc
        with self.lock:
            self.projects[root] = _Checked(root, result.diagnostics)
        return [_lsp_diagnostic(d) for d in _on(path, root, result.diagnostics)]

    def _send(self, uri: str, found: list[types.Diagnostic] | ConfigError) -> None:
        """Publish (in the event loop, the one thread that writes to the client)."""
        if isinstance(found, ConfigError):
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"eventlint: {found}"))
            found = []
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=found))

    def findings_for(self, uri: str) -> tuple[Path, list[Diagnostic]]:
        path = Path(to_fs_path(uri) or "").resolve()
        with self.lock:
            for root, checked in sorted(self.projects.items(), key=lambda item: -len(str(item[0]))):
                if path == root or root in path.parents:
                    return root, _on(path, root, checked.findings)
        return path.parent, []

    def text_of(self, uri: str) -> str | None:
        """The document as the editor has it, else as the file is."""
        document = self.workspace.text_documents.get(uri)
        if document is not None:
            return document.source
        try:
            return Path(to_fs_path(uri) or "").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def publish_now(self, uri: str) -> None:
        """Check and publish at once (open, save), superseding any check still waiting for this document."""
        self._cancel(uri)
        self.generation[uri] = self.generation.get(uri, 0) + 1
        self._send(uri, self.check_document(uri, self.overlay()))

    def publish_later(self, uri: str) -> None:
        """Check once the document has not changed for `debounce` seconds (called in the event loop)."""
        self._cancel(uri)
        self.generation[uri] = generation = self.generation.get(uri, 0) + 1
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(self.debounce, lambda: asyncio.ensure_future(self._publish(uri, generation)))

    async def _publish(self, uri: str, generation: int) -> None:
        self.pending.pop(uri, None)
        overlay = self.overlay()  # taken here, in the loop: the run in the worker thread reads this snapshot
        found = await asyncio.get_running_loop().run_in_executor(None, self.check_document, uri, overlay)
        if self.generation.get(uri) == generation and uri in self.workspace.text_documents:
            self._send(uri, found)

    def _cancel(self, uri: str) -> None:
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()


def _on(path: Path, root: Path, findings: tuple[Diagnostic, ...]) -> list[Diagnostic]:
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    return [d for d in findings if d.path == rel]


def _range(line: int, column: int, end_line: int | None, end_column: int | None) -> types.Range:
    start = types.Position(line=max(line - 1, 0), character=max(column - 1, 0))
    if end_line is None or end_column is None:
        end = types.Position(line=start.line + 1, character=0)  # the whole line: an editor underlines it
    else:
        end = types.Position(line=max(end_line - 1, 0), character=max(end_column - 1, 0))
    return types.Range(start=start, end=end)


def _lsp_diagnostic(d: Diagnostic) -> types.Diagnostic:
    message = d.message + (f"\n{d.hint}" if d.hint else "")
    return types.Diagnostic(
        range=_range(d.line, d.column, d.end_line, d.end_column),
        message=message,
        severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
        code=d.code,
        code_description=types.CodeDescription(href=f"https://github.com/eventlint/eventlint/blob/main/docs/rules/{d.code}.md")
        if d.code.startswith("EDA")
        else None,
        source=SOURCE,
        data={"fixable": d.fix is not None},
    )


def _workspace_edit(fix: Fix, root: Path) -> types.WorkspaceEdit:
    changes: dict[str, list[types.TextEdit]] = {}
    for e in fix.edits:
        uri = from_fs_path(str(root / e.path)) or ""
        changes.setdefault(uri, []).append(types.TextEdit(range=_range(e.line, e.column, e.end_line, e.end_column), new_text=e.content))
    return types.WorkspaceEdit(changes=changes)


def _explain(code: str, rules: dict[str, Any]) -> str | None:
    rule = rules.get(code)
    return rule_docs.rule_markdown(rule) if rule is not None else None


def create_server() -> EventlintServer:
    server = EventlintServer()
    rules: dict[str, Any] = {}

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: EventlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish_now(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: EventlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.publish_later(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: EventlintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.publish_now(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: EventlintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls._cancel(uri)
        ls.generation[uri] = ls.generation.get(uri, 0) + 1  # a check in flight for it publishes nothing
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: EventlintServer, params: types.HoverParams) -> types.Hover | None:
        _, findings = ls.findings_for(params.text_document.uri)
        line = params.position.line + 1
        codes = sorted({d.code for d in findings if d.line <= line <= (d.end_line or d.line)})
        if not codes:
            return None
        if not rules:
            rules.update({r.code: r for r in api.rules(api.load_config([Path(to_fs_path(params.text_document.uri) or ".")]))})
        texts = [text for text in (_explain(code, rules) for code in codes) if text]
        if not texts:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(texts)))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix], resolve_provider=False),
    )
    def code_action(ls: EventlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        root, findings = ls.findings_for(uri)
        first, last = params.range.start.line + 1, params.range.end.line + 1
        actions: list[types.CodeAction] = []
        path = Path(to_fs_path(uri) or "")
        text = ls.text_of(uri)
        for d in findings:
            if not (first <= d.line <= last or d.line <= first <= (d.end_line or d.line)):
                continue
            lsp = _lsp_diagnostic(d)
            if d.fix is not None:
                title = f"{d.fix.message} ({d.code})" + ("" if d.fix.applicability == "safe" else " [unsafe]")
                actions.append(
                    types.CodeAction(
                        title=title,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp],
                        edit=_workspace_edit(d.fix, root),
                        is_preferred=d.fix.applicability == "safe",
                    )
                )
            if text is not None and path.suffix in _NOQA_FILES:
                new = suppress.noqa_line(text, d.line, [d.code])
                if new is not None:
                    old = text.splitlines()[d.line - 1]
                    edit = types.TextEdit(
                        range=types.Range(start=types.Position(d.line - 1, 0), end=types.Position(d.line - 1, len(old))), new_text=new
                    )
                    actions.append(
                        types.CodeAction(
                            title=f"Suppress {d.code} on this line (# noqa)",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[lsp],
                            edit=types.WorkspaceEdit(changes={uri: [edit]}),
                        )
                    )
        return actions

    return server


def serve() -> None:
    """Run the server over stdin/stdout until the client says exit."""
    create_server().start_io()
