"""Hold the two IR builders to each other on any tree of Python files, and count the files each builds.

    python benchmarks/ir_builders.py /work/field-repos /tmp/gen32k [--show 5]

For every `.py` file: libcst's visitor (the reference) and `extract/astir.py` build the IR, and the
encoded IRs are compared byte for byte. Verdicts: `same`; `fallback:<reason>` (astir refuses the file
with a reason of `astir.FALLBACKS`, so a run builds it from libcst); `syntax` (CPython refuses it: the
run reports it, neither builder runs); `libcst-fails` (libcst refuses a file CPython accepts: astir
would build it, where a run on libcst reported it); `DIFF` (astir builds a different IR: a bug, shown
with the first difference). Exits 1 on any DIFF or libcst-fails.
"""

from __future__ import annotations

import argparse
import ast
import collections
import sys
from pathlib import Path

from eventlint.extract import astir, codec
from eventlint.extract.guard import ParseFailure
from eventlint.extract.visitor import parse_module


def verdict(source: bytes) -> tuple[str, str, str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "syntax", "", ""
    try:
        reference = codec.encode(parse_module(source, "pkg/m.py", "pkg.m"))
    except ParseFailure:
        return "libcst-fails", "", ""
    try:
        built = codec.encode(astir.build(tree, astir.decoded(source), "pkg/m.py", "pkg.m"))
    except astir.Unsupported as exc:
        return f"fallback:{exc.reason}", "", ""
    return ("same" if built == reference else "DIFF"), reference, built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=5, help="differences to print")
    args = parser.parse_args()
    files: collections.Counter[str] = collections.Counter()
    lines: collections.Counter[str] = collections.Counter()
    shown = 0
    for root in args.roots:
        paths = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        for path in paths:
            if path.is_symlink() or not path.is_file() or any(p.startswith(".") for p in path.relative_to(root).parts):
                continue
            source = path.read_bytes()
            found, reference, built = verdict(source)
            files[found] += 1
            lines[found] += source.count(b"\n")
            if found in ("DIFF", "libcst-fails") and shown < args.show:
                shown += 1
                print(f"== {found}: {path}")
                at = next((i for i, (a, b) in enumerate(zip(reference, built)) if a != b), min(len(reference), len(built)))
                print("  libcst:", reference[max(0, at - 150) : at + 150])
                print("  astir: ", built[max(0, at - 150) : at + 150])
    for name in sorted(files):
        print(f"{name:28} {files[name]:6} files {lines[name]:9} lines")
    return 1 if files["DIFF"] or files["libcst-fails"] else 0


if __name__ == "__main__":
    sys.exit(main())
