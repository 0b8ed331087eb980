"""Output of `eventlint schema diff`, `schema check` and `schema infer`: text and JSON."""

from __future__ import annotations

import json
from typing import Any

from eventlint.compat import Change


def change_line(change: Change, mode: str) -> str:
    """`/path: kind: description [classification]`, marked when it breaks `mode`."""
    mark = "  BREAK" if change.breaks(mode) else ""
    return f"{change.path or '/'}: {change.kind}: {change.description} [{change.classification}]{mark}"


def diff_text(diff: Any) -> str:
    """The text report of a SchemaDiff."""
    lines = [f"{diff.old} -> {diff.new} (mode {diff.mode}{_settings(diff)})"]
    lines.extend(f"  {change_line(c, diff.mode)}" for c in diff.changes)
    if not diff.changes:
        lines.append("  no changes")
    broken = len(diff.breaking)
    lines.append(f"{broken} of {len(diff.changes)} change(s) break {diff.mode}." if broken else f"Compatible under {diff.mode}.")
    return "\n".join(lines) + "\n"


def _settings(diff: Any) -> str:
    """What else judged the diff: the open-content policy (JSON Schema) or buf's level (Protobuf)."""
    if diff.format == "protobuf":
        return f", buf level {diff.protobuf_level}"
    return "" if diff.format == "avro" else f", open content {diff.policy}"


def diff_json(diff: Any) -> str:
    document = {
        "old": diff.old,
        "new": diff.new,
        "mode": diff.mode,
        "open_content": diff.policy,
        "format": diff.format,
        **({"protobuf_level": diff.protobuf_level} if diff.format == "protobuf" else {}),
        "compatible": not diff.breaking,
        "changes": [{**c.to_json(), "breaks_mode": c.breaks(diff.mode)} for c in diff.changes],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def check_text(result: Any) -> str:
    """The text report of a SchemaCheck: each file with its status, each change, the consumers a break hurts."""
    lines: list[str] = []
    if not result.files:
        lines.append("No event in the catalog names a schema (events.<Name>.schema).")
    for f in result.files:
        subject = getattr(f, "subject", None)
        head = f"{f.event}: {f.path}" + (f" (subject {subject})" if subject else "")
        if f.status == "no-subject":
            lines.append(f"{head}: no subject (the strategy needs the event's channel and a named record)")
            continue
        if f.status == "new":
            lines.append(f"{head}: " + (f"not in {result.ref} (nothing to compare)" if subject else f"new since {result.ref} (nothing to compare)"))
            continue
        since = "against" if subject else "since"
        if f.status == "unchanged":
            lines.append(f"{head}: unchanged {since} {result.ref}")
            continue
        lines.append(f"{head}: {len(f.changes)} change(s) {since} {result.ref} (mode {f.mode}, open content {result.policy})")
        for change in f.changes:
            lines.append(f"  {change_line(change, f.mode)}")
            if change.breaks(f.mode):
                hurt = ", ".join(f.consumers) if f.consumers else "no known consumer"
                lines.append(f"    hurts: {hurt}")
    broken = sum(1 for f in result.files for _ in f.breaking)
    files = sum(1 for f in result.files if f.breaking)
    lines.append(f"{broken} breaking change(s) in {files} schema file(s)." if broken else "No breaking schema change.")
    return "\n".join(lines) + "\n"


def check_json(result: Any) -> str:
    document = {
        "against": result.ref,
        "open_content": result.policy,
        "compatible": result.exit_code == 0,
        "schemas": [
            {
                "event": f.event,
                "path": f.path,
                "status": f.status,
                **({"subject": f.subject} if getattr(f, "subject", None) else {}),
                "mode": f.mode,
                "consumers": list(f.consumers),
                "changes": [{**c.to_json(), "breaks_mode": c.breaks(f.mode)} for c in f.changes],
            }
            for f in result.files
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


_FORMAT_NAMES = {"avro": "Avro", "json-schema": "JSON Schema", "protobuf": "Protobuf"}


def infer_text(inferred: list[Any]) -> str:
    """Each publication's inferred payload schema, under its place and event."""
    if not inferred:
        return "No publication with a payload known statically.\n"
    blocks = []
    for item in inferred:
        names = ", ".join(item.events) or "(unnamed event)"
        where = f" on {item.channel}" if item.channel else ""
        body = json.dumps(item.schema, indent=2, sort_keys=True)
        source = f" ({_FORMAT_NAMES.get(item.format, item.format)} schema of its serializer)" if getattr(item, "serializer", False) else ""
        blocks.append(f"{item.path}:{item.line}:{item.column}: {names}{where}{source}\n" + "\n".join(f"  {line}" for line in body.splitlines()))
    return "\n".join(blocks) + "\n"


def infer_json(inferred: list[Any]) -> str:
    document = {
        "publications": [
            {"path": i.path, "line": i.line, "column": i.column, "events": list(i.events), "channel": i.channel, "schema": i.schema}
            | ({"format": i.format, "source": "serializer"} if getattr(i, "serializer", False) else {})
            for i in inferred
        ]
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
