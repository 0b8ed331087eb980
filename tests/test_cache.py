"""The on-disk cache: where it lives, that git ignores it, corrupt entries, concurrent writers, cleaning."""

from __future__ import annotations

import json
import subprocess
import threading

from click.testing import CliRunner

from eventlint import api
from eventlint.cache import CACHE_DIR, Cache, clean, digest
from eventlint.cli import main
from eventlint.extract import Options
from tests.helpers import write_project

APP = {
    "app.py": """
        from kafka import KafkaProducer

        producer = KafkaProducer()

        def place(order):
            producer.send("orders.placed", {"id": order.id})
        """,
    "broken.py": "def broken(:\n    pass\n",
    "tools/report.py": "import csv\n\ndef rows(path):\n    return list(csv.reader(open(path)))\n",  # left out by the prefilter
}


def _facts(root, **options):
    return api.facts([root], api.load_config([root]), Options(cache=True, **options)).to_json()


def test_cache_lives_at_the_root_and_git_ignores_it(tmp_path):
    root = write_project(tmp_path / "repo", APP, config={})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    _facts(root)
    cache_dir = root / CACHE_DIR
    assert (cache_dir / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True, text=True, check=True)
    assert CACHE_DIR not in status.stdout
    assert "app.py" in status.stdout


def test_corrupt_entries_are_ignored_and_rebuilt(tmp_path):
    root = write_project(tmp_path / "repo", APP, config={})
    expected = api.facts([root], api.load_config([root]), Options(cache=False)).to_json()
    assert _facts(root) == expected
    entries = sorted((root / CACHE_DIR).rglob("*.json"))
    assert {p.parent.parent.name for p in entries} == {"facts", "ir", "reads", "run", "scan", "vet"}
    for entry in entries:
        entry.write_bytes(b"\x00{not json")
    assert _facts(root) == expected
    for entry in entries:  # rewritten whole: a checksum line, then the JSON it checks
        check, _, body = entry.read_bytes().partition(b"\n")
        assert check.decode() == digest(body)
        json.loads(body)
    for entry in entries:  # valid JSON of another shape, or a truncated entry, is no better
        entry.write_text('{"eventlint_facts": 1, "root": 3}' if "ir" not in entry.parts else "[99, 1]", encoding="utf-8")
    assert _facts(root) == expected
    for entry in entries:  # intact (the checksum holds) but not what its kind holds: an IR that does not decode
        body = b'{"facts": "0"}' if "run" in entry.parts else b'{"trigger": 1, "x": ["a", 1]}' if "scan" in entry.parts else b"[99, 1]"
        entry.write_bytes(digest(body).encode() + b"\n" + body)
    assert _facts(root) == expected
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:-5])
    assert _facts(root) == expected


def test_a_changed_file_is_parsed_again(tmp_path):
    root = write_project(tmp_path / "repo", APP, config={})
    first = _facts(root)
    (root / "app.py").write_text((root / "app.py").read_text().replace("orders.placed", "orders.created"), encoding="utf-8")
    second = _facts(root)
    assert [p["channel"] for p in first["publishers"]] == ["orders.placed"]
    assert [p["channel"] for p in second["publishers"]] == ["orders.created"]


def _entries(root, kind):
    return sorted((root / CACHE_DIR / kind).rglob("*.json"))


def test_an_edit_that_leaves_the_ir_as_it_was_reuses_the_facts(tmp_path):
    """Facts are keyed by each file's IR, not its bytes: a comment added to a parsed file changes no IR."""
    root = write_project(tmp_path / "repo", APP, config={})
    first = _facts(root)
    facts_entries = _entries(root, "facts")
    app = root / "app.py"
    app.write_text(app.read_text() + "\n# a comment at the end changes no IR\n", encoding="utf-8")
    assert _facts(root) == first == api.facts([root], api.load_config([root]), Options(cache=False)).to_json()
    assert _entries(root, "facts") == facts_entries  # answered from the same entry
    assert len(_entries(root, "run")) == 2  # the new inputs point to it
    app.write_text(app.read_text().replace("def place(order):", "\ndef place(order):"), encoding="utf-8")
    moved = _facts(root)  # every line below moved: a new IR, new facts
    assert moved == api.facts([root], api.load_config([root]), Options(cache=False)).to_json()
    assert [p["line"] for p in moved["publishers"]] == [p["line"] + 1 for p in first["publishers"]]
    assert len(_entries(root, "facts")) == 2


def test_an_edit_to_a_left_out_file_reuses_the_facts_unless_it_breaks_the_file(tmp_path):
    root = write_project(tmp_path / "repo", APP, config={})
    first = _facts(root)
    report = root / "tools" / "report.py"
    report.write_text(report.read_text() + "\n\ndef more():\n    return 2\n", encoding="utf-8")
    assert _facts(root) == first
    assert len(_entries(root, "facts")) == 1
    report.write_text(report.read_text() + "\ndef broken(:\n", encoding="utf-8")
    broken = _facts(root)
    assert broken == api.facts([root], api.load_config([root]), Options(cache=False)).to_json()
    assert any(d["path"] == "tools/report.py" and d["code"] == "EDA000" for d in broken["diagnostics"])


def test_concurrent_writers_never_leave_a_partial_entry(tmp_path):
    cache = Cache(tmp_path / CACHE_DIR)
    value = {"data": "x" * 200_000}
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(20):
                cache.put("ir", "k" * 40, value)
                read = cache.get("ir", "k" * 40)
                assert read is None or read == value
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert cache.get("ir", "k" * 40) == value
    assert not [p for p in (tmp_path / CACHE_DIR).rglob(".tmp-*")]


def test_a_large_entry_is_written_in_pieces_with_the_bytes_of_one_json_dump(tmp_path):
    # the facts of a large project are written piece by piece (peak memory); the file must hold exactly what one
    # json.dumps would, under the same checksum, so entries written either way read back alike
    from eventlint.cache import _SLICE

    value = {
        "eventlint_facts": 3,
        "root": "/tmp/x",
        "publishers": [{"channel": f"orders.{i}", "é": [i, None, 1.5, True]} for i in range(3 * _SLICE + 7)],
        "handlers": [],
        "nested": {"short": [1, 2], "long": list(range(_SLICE + 1)), "\u2603 snow": "\U0001f600 \udcff"},
        "exactly": list(range(_SLICE)),
        "many keys": {f"k{i}": [i] for i in range(200)},
    }
    cache = Cache(tmp_path / CACHE_DIR)
    cache.put("facts", "f" * 40, value)
    raw = next((tmp_path / CACHE_DIR / "facts").rglob("*.json")).read_bytes()
    body = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogateescape")
    assert raw == digest(body).encode("ascii") + b"\n" + body
    assert cache.get("facts", "f" * 40) == value


def test_digest_separates_its_parts():
    assert digest("ab", "c") != digest("a", "bc")
    assert digest(b"x") == digest("x")


def test_clean_refuses_a_directory_that_is_not_a_cache(tmp_path):
    other = tmp_path / "precious"
    other.mkdir()
    (other / "data.txt").write_text("keep", encoding="utf-8")
    try:
        clean(other)
    except ValueError as exc:
        assert "not an eventlint cache" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("clean() removed a directory it did not create")
    assert (other / "data.txt").exists()


def test_cli_cache_clean_and_no_cache(tmp_path):
    root = write_project(tmp_path / "repo", APP, config={})
    runner = CliRunner(env={"EVENTLINT_CACHE_DIR": None})
    first = runner.invoke(main, ["check", str(root), "--no-cache"])
    assert not (root / CACHE_DIR).exists()
    second = runner.invoke(main, ["check", str(root)])
    assert (root / CACHE_DIR / ".gitignore").exists()
    assert (first.exit_code, first.output) == (second.exit_code, second.output)
    cleaned = runner.invoke(main, ["cache", "clean", str(root)])
    assert cleaned.exit_code == 0 and "Removed" in cleaned.output
    assert not (root / CACHE_DIR).exists()
    again = runner.invoke(main, ["cache", "clean", str(root)])
    assert again.exit_code == 0 and "No cache" in again.output


def test_cli_honours_eventlint_cache_dir(tmp_path):
    root = write_project(tmp_path / "repo", APP, config={})
    elsewhere = tmp_path / "ci-cache"
    result = CliRunner(env={"EVENTLINT_CACHE_DIR": str(elsewhere)}).invoke(main, ["facts", str(root)])
    assert result.exit_code == 0
    assert (elsewhere / ".gitignore").exists() and not (root / CACHE_DIR).exists()


def test_a_vetted_file_that_breaks_is_reported_on_the_next_run(tmp_path):
    root = write_project(tmp_path / "repo", APP, config={})
    first = _facts(root)
    assert [d["path"] for d in first["diagnostics"]] == ["broken.py"]
    (root / "tools/report.py").write_text("def rows(:\n", encoding="utf-8")
    second = _facts(root)
    assert [d["path"] for d in second["diagnostics"]] == ["broken.py", "tools/report.py"]
    assert second == api.facts([root], api.load_config([root]), Options(cache=False)).to_json()


def test_a_pack_edited_after_a_cached_run_is_validated_again(tmp_path):
    """The cache skips re-validating pack files only while they are byte for byte the ones that passed."""
    root = write_project(tmp_path / "repo", APP, config={"frameworks": ["bus.yaml"]})
    bus = root / "bus.yaml"
    bus.write_text("framework: our-bus\nmodules: [our]\npublish:\n  - call: our.Bus.publish\n    fields: {channel: {arg: 0}}\n")
    runner = CliRunner(env={"EVENTLINT_CACHE_DIR": None})
    assert runner.invoke(main, ["facts", str(root)]).exit_code == 0
    assert runner.invoke(main, ["facts", str(root)]).exit_code == 0  # warm
    bus.write_text(bus.read_text().replace("channel: {arg: 0}", "topic: {arg: 0}"))
    result = runner.invoke(main, ["facts", str(root)])
    assert result.exit_code == 2
    assert "bus.yaml: publish[0].fields.topic: unknown key 'topic'" in result.output
