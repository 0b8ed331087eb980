"""`eventlint server`, driven over stdio with real LSP JSON-RPC messages, as an editor does."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls", reason="the language server is the `lsp` extra (in `test` too)")

from eventlint import fixes  # noqa: E402
from eventlint.testing import write_project  # noqa: E402

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "shop"


class Client:
    """A minimal LSP client: Content-Length framed JSON-RPC over the server's stdin/stdout."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from eventlint.cli import main; main()", "server"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
        )
        self.next_id = 0
        self.notifications: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = None
        while True:
            line = self.process.stdout.readline()
            assert line, f"the server closed its output: {self.process.stderr.read().decode() if self.process.stderr else ''}"
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        assert length is not None
        return json.loads(self.process.stdout.read(length))

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == self.next_id and "method" not in message:
                assert "error" not in message, message
                return message.get("result")
            self.handle(message)

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def handle(self, message: dict[str, Any]) -> None:
        if "method" in message and "id" in message:  # a request from the server (e.g. registerCapability): accept it
            self.send({"id": message["id"], "result": None})
        elif "method" in message:
            self.notifications.append(message)

    def diagnostics_for(self, uri: str) -> list[dict[str, Any]]:
        while True:
            for i, note in enumerate(self.notifications):
                if note["method"] == "textDocument/publishDiagnostics" and note["params"]["uri"] == uri:
                    del self.notifications[i]
                    return note["params"]["diagnostics"]
            self.handle(self.receive())

    def close(self) -> None:
        self.request("shutdown", None)
        self.notify("exit", None)
        assert self.process.wait(timeout=20) == 0
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def client_for():
    started: list[Client] = []

    def start(root: Path) -> Client:
        client = Client(root)
        started.append(client)
        result = client.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}})
        assert result["capabilities"]["hoverProvider"] and result["capabilities"]["codeActionProvider"]
        client.notify("initialized", {})
        return client

    yield start
    for client in started:
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait()


def _open(client: Client, path: Path) -> str:
    uri = path.as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": path.read_text()}})
    return uri


def test_open_hover_code_actions_and_shutdown_on_the_shop(tmp_path, client_for):
    from eventlint import api

    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    target = shop / "services" / "inventory" / "inventory" / "agents.py"
    expected = sorted((d.code, d.line) for d in api.lint([shop]).diagnostics if d.path == "services/inventory/inventory/agents.py")
    assert expected  # the file has findings to publish
    client = client_for(shop)
    uri = _open(client, target)
    published = client.diagnostics_for(uri)
    assert sorted((d["code"], d["range"]["start"]["line"] + 1) for d in published) == expected
    assert all(d["source"] == "eventlint" for d in published)

    undocumented = next(d for d in published if d["code"] == "EDA205")
    position = {"line": undocumented["range"]["start"]["line"], "character": 0}
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": position})
    assert hover["contents"]["kind"] == "markdown" and "EDA205" in hover["contents"]["value"]
    assert "consumers" in hover["contents"]["value"]  # the rule's own explain text

    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": undocumented["range"], "context": {"diagnostics": [undocumented]}},
    )
    titles = [a["title"] for a in actions]
    fix = next(a for a in actions if a["title"].startswith("Add `inventory`"))
    (catalog_uri, edits), = fix["edit"]["changes"].items()
    assert catalog_uri == (shop / "eventlint.yaml").as_uri() and "inventory" in edits[0]["newText"]
    noqa = next(a for a in actions if a["title"] == "Suppress EDA205 on this line (# noqa)")
    (edit,) = noqa["edit"]["changes"][uri]
    assert edit["newText"].endswith("# noqa: EDA205"), titles

    # the editor applies the fix and saves: the finding is gone from the next publication, in well under a second
    catalog = shop / "eventlint.yaml"
    lines = catalog.read_text().splitlines(keepends=True)
    (text_edit,) = edits
    start, end = text_edit["range"]["start"], text_edit["range"]["end"]
    assert start["line"] == end["line"]
    row = lines[start["line"]]
    lines[start["line"]] = row[: start["character"]] + text_edit["newText"] + row[end["character"] :]
    catalog.write_text("".join(lines))
    began = time.perf_counter()
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    after = client.diagnostics_for(uri)
    elapsed = time.perf_counter() - began
    assert [d for d in after if d["code"] == "EDA205"] == []
    assert len(after) == len(published) - 1
    assert elapsed < 3.0  # measured ≈ 0.5 s warm on the shop (docs/editors.md); generous for a shared CI machine
    client.close()


def test_a_clean_file_publishes_an_empty_list_and_close_clears(tmp_path, client_for):
    example = fixes.EXAMPLES[0]
    files = example.before.all_files()
    root = write_project(tmp_path, {"app.py": files["app.py"], "clean.py": "VALUE = 1\n"}, config=files["eventlint.yaml"])
    client = client_for(root)
    assert client.diagnostics_for(_open(client, root / "clean.py")) == []
    uri = _open(client, root / "app.py")
    assert "EDA205" in [d["code"] for d in client.diagnostics_for(uri)]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics_for(uri) == []
    client.close()


def _apply_lsp_edits(text: str, edits: list[dict[str, Any]]) -> str:
    lines = text.splitlines(keepends=True)

    def offset(position: dict[str, int]) -> int:
        return sum(len(line) for line in lines[: position["line"]]) + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = text[: offset(edit["range"]["start"])] + edit["newText"] + text[offset(edit["range"]["end"]) :]
    return text


def test_unsaved_changes_are_checked_after_a_pause_and_fixed_from_the_buffer(tmp_path, client_for):
    example = next(e for e in fixes.EXAMPLES if e.code == "EDA402")
    before = example.before.all_files()["app.py"]
    after = example.after["app.py"]
    root = write_project(tmp_path, {"app.py": after}, config="")  # on disk: the fixed code
    target = root / "app.py"
    client = client_for(root)
    uri = _open(client, target)
    assert "EDA402" not in [d["code"] for d in client.diagnostics_for(uri)]

    # a burst of keystrokes ending in the unfixed code: one check, once typing pauses, of the last version
    for version, text in enumerate([after + "#", after + "# x", before], start=2):
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})
    published = client.diagnostics_for(uri)
    eda402 = [d for d in published if d["code"] == "EDA402"]
    consume_line = before.splitlines().index(next(line for line in before.splitlines() if "basic_consume" in line))
    assert [d["range"]["start"]["line"] for d in eda402] == [consume_line]  # the buffer's line, not the file's
    assert target.read_text() == after  # the buffer is read, never written
    time.sleep(1.0)  # well past the debounce: nothing else is coming for the earlier versions
    client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
    assert [n for n in client.notifications if n["method"] == "textDocument/publishDiagnostics"] == []

    # the quick fix is computed on the buffer, so its edits fit it
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": eda402[0]["range"], "context": {"diagnostics": eda402}},
    )
    fix = next(a for a in actions if a["title"].startswith("Set `auto_ack=False`"))
    assert fix["title"].endswith("[unsafe]") and not fix.get("isPreferred")
    assert _apply_lsp_edits(before, fix["edit"]["changes"][uri]) == after
    noqa = next(a for a in actions if a["title"] == "Suppress EDA402 on this line (# noqa)")
    (edit,) = noqa["edit"]["changes"][uri]
    assert "auto_ack=True" in edit["newText"] and edit["newText"].endswith("# noqa: EDA402")

    # the editor applies it: the next check of the (still unsaved) buffer is silent
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 9}, "contentChanges": [{"text": after}]})
    assert "EDA402" not in [d["code"] for d in client.diagnostics_for(uri)]
    client.close()


def test_a_closed_buffer_no_longer_overrides_the_file(tmp_path, client_for):
    example = next(e for e in fixes.EXAMPLES if e.code == "EDA402")
    before = example.before.all_files()["app.py"]
    root = write_project(tmp_path, {"app.py": before, "other.py": "VALUE = 1\n"}, config="")
    client = client_for(root)
    uri = _open(client, root / "app.py")
    assert "EDA402" in [d["code"] for d in client.diagnostics_for(uri)]
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": example.after["app.py"]}]})
    assert "EDA402" not in [d["code"] for d in client.diagnostics_for(uri)]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics_for(uri) == []
    # a later run (another document opened) reads app.py from disk again: its findings come back in the project's check
    other = _open(client, root / "other.py")
    assert client.diagnostics_for(other) == []
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 40, "character": 0}}, "context": {"diagnostics": []}},
    )
    assert any(a["title"].startswith("Set `auto_ack=False`") for a in actions)
    client.close()


def test_a_configuration_error_is_shown_not_raised_also_after_a_change(tmp_path, client_for):
    root = tmp_path / "broken"
    root.mkdir()
    (root / "eventlint.yaml").write_text("rules:\n  select: [NOPE]\n")
    (root / "app.py").write_text("VALUE = 1\n")
    client = client_for(root)
    uri = _open(client, root / "app.py")
    assert client.diagnostics_for(uri) == []
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "VALUE = 2\n"}]})
    assert client.diagnostics_for(uri) == []
    shown = [n["params"] for n in client.notifications if n["method"] == "window/showMessage"]
    assert len(shown) == 2 and all(m["type"] == 1 and "rules.select" in m["message"] for m in shown), shown
    client.close()
