"""Which `.proto` file and message a generated Protobuf class comes from, read statically (never imported).

protoc's Python generator writes `a/b/x.proto` (its path under an include root) as the module
`a.b.x_pb2` (`-` becomes `_`), with a class per message (`Outer.Inner` for a nested one). The
code names the class (`orders_pb2.OrderPlaced`, `from gen.orders.v1.orders_pb2 import
OrderPlaced`); the include root and the output folder are not known, so the file is chosen among
the project's `x.proto` files (discovery lists them) by what is known, in order:

1. the file defines the message (`Outer.Inner` nested as written);
2. the longest run of trailing folders shared with the module's package (`gen.orders.v1` and
   `proto/orders/v1/orders.proto` share `orders/v1`);
3. the file's `package` is the end of the module's package.

When the project holds the generated module itself (a committed `x_pb2.py`), the path protoc recorded
in its serialized file descriptor narrows the candidates first (its literal is parsed, never run).

One file left is the answer; none or several is an unknown with its reason (`schema-not-found`,
`schema-ambiguous`). The files are read through the run's `ConfigFiles`, so the cache sees them.
A file is only scanned here (comments and strings removed, `package` and nested `message`
blocks); whether it parses is judged where it is loaded (`compat.protobuf`), as a finding.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_COMMENTS_AND_STRINGS = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
_PACKAGE = re.compile(r"\bpackage\s+([A-Za-z_][\w.]*)\s*;")
_TOKENS = re.compile(r"\bmessage\s+([A-Za-z_]\w*)\s*\{|\{|\}")
_SERIALIZED = re.compile(r"AddSerializedFile\(\s*(b'(?:\\.|[^'\\\n])*'|b\"(?:\\.|[^\"\\\n])*\")")
_NAMED = re.compile(r"FileDescriptor\(\s*name\s*=\s*(['\"])([^'\"\n]+)\1")


@dataclass(frozen=True)
class Located:
    """A generated class's source: the `.proto` file (root-relative) and the message's fully-qualified name."""

    file: str
    message: str


def generated(qname: str) -> tuple[list[str], str, list[str]] | None:
    """(the module's package parts, the file stem, the message path) of a class in a `_pb2` module, else None."""
    parts = qname.split(".")
    for index in range(len(parts) - 2, -1, -1):
        if parts[index].endswith("_pb2") and len(parts[index]) > 4:
            return parts[:index], parts[index][: -len("_pb2")], parts[index + 1 :]
    return None


def scan(text: str) -> tuple[str, frozenset[str]]:
    """(the file's package, every message's path in it: `Outer`, `Outer.Inner`), from a light scan."""
    body = _COMMENTS_AND_STRINGS.sub(lambda m: " " if m.group(0).startswith("/") else '""', text)
    package = _PACKAGE.search(body)
    stack: list[str | None] = []
    messages: set[str] = set()
    for match in _TOKENS.finditer(body):
        if match.group(1):
            path = ".".join([*(s for s in stack if s), match.group(1)]) if all(stack) else None
            if path is not None:
                messages.add(path)
            stack.append(match.group(1) if path is not None else None)
        elif match.group(0) == "{":
            stack.append(None)
        elif stack:
            stack.pop()
    return (package.group(1) if package else ""), frozenset(messages)


def descriptor_name(source: str) -> str | None:
    """The `.proto` path a generated `_pb2.py` was made from, as protoc recorded it in the module's serialized
    file descriptor (`AddSerializedFile(b'\\n\\x0corders.proto...')`, field 1) or, from older protoc,
    `FileDescriptor(name='orders.proto', ...)`. The literal is only parsed, never run."""
    found = _SERIALIZED.search(source)
    if found is not None:
        try:
            data = ast.literal_eval(found.group(1))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            data = None
        if isinstance(data, bytes) and data[:1] == b"\n":
            length, shift, index = 0, 0, 1
            while index < len(data) and index < 6:
                byte = data[index]
                length |= (byte & 0x7F) << shift
                index += 1
                shift += 7
                if not byte & 0x80:
                    try:
                        return data[index : index + length].decode("utf-8") or None
                    except UnicodeDecodeError:
                        return None
        return None
    named = _NAMED.search(source)
    return named.group(2) if named else None


def locate(
    qname: str, protos: Sequence[str], read: Callable[[str], str | None], recorded: str | None = None
) -> Located | str:
    """The file and message `qname` (a class of a generated `_pb2` module) comes from, else why not (`category: detail`).

    `recorded` is the path protoc recorded in the generated module, when the project holds it (`descriptor_name`)."""
    found = generated(qname)
    if found is None:
        return f"not-static: `{qname}` is not a class of a generated `_pb2` module"
    package_parts, stem, message = found
    module = ".".join([*package_parts, f"{stem}_pb2"])
    wanted = ".".join(message)
    named = [p for p in protos if posixpath.basename(p)[: -len(".proto")].replace("-", "_") == stem and p.endswith(".proto")]
    if recorded:
        exact = [p for p in named if p == recorded or p.endswith("/" + recorded.lstrip("/"))]
        named = exact or named
    if not named:
        return f"schema-not-found: no `{stem}.proto` in the project for `{module}`"
    scanned = {p: scan(text) for p in named if (text := read(p)) is not None}
    defining = [p for p in named if p in scanned and wanted in scanned[p][1]]
    if not defining:
        files = ", ".join(named)
        return f"schema-not-found: `{module}.{wanted}`: no message `{wanted}` in {files}"
    if len(defining) > 1:
        shared = {p: _shared_tail(posixpath.dirname(p).split("/") if "/" in p else [], package_parts) for p in defining}
        best = max(shared.values())
        defining = [p for p in defining if shared[p] == best]
    if len(defining) > 1:
        by_package = [p for p in defining if _is_tail(scanned[p][0].split(".") if scanned[p][0] else [], package_parts)]
        defining = by_package or defining
    if len(defining) > 1:
        return f"schema-ambiguous: `{module}.{wanted}` may be generated from {', '.join(defining)}"
    chosen = defining[0]
    package = scanned[chosen][0]
    return Located(chosen, f"{package}.{wanted}" if package else wanted)


def _shared_tail(folders: list[str], package: list[str]) -> int:
    count = 0
    while count < min(len(folders), len(package)) and folders[-1 - count] == package[-1 - count]:
        count += 1
    return count


def _is_tail(parts: list[str], package: list[str]) -> bool:
    return bool(parts) and len(parts) <= len(package) and package[len(package) - len(parts) :] == parts
