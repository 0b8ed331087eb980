"""Regenerate buf_expectations.json: each Protobuf pair's verdict from the real `buf breaking`.

    npm install @bufbuild/buf          # in a scratch folder; ships the buf binary (1.75.0 was used)
    python tests/compat_data/generate_buf_expectations.py path/to/node_modules/.bin/buf

For every pair of protobuf_pairs.py and each level (WIRE_JSON, WIRE) it writes
`old/event.proto` and `new/event.proto`, each beside a `buf.yaml` of
`version: v2` / `breaking: {use: [LEVEL]}`, and runs

    buf breaking new --against old --error-format json

recording the set of rule ids buf reports (empty: compatible). Nothing of eventlint is
imported. Commit the output beside this script; CI does not need buf.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from protobuf_pairs import PAIRS  # noqa: E402

LEVELS = ("WIRE_JSON", "WIRE")


def verdict(buf: str, old: str, new: str, level: str) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for side, text in (("old", old), ("new", new)):
            (root / side).mkdir()
            (root / side / "event.proto").write_text(text, encoding="utf-8")
            (root / side / "buf.yaml").write_text(f"version: v2\nbreaking:\n  use: [{level}]\n", encoding="utf-8")
        proc = subprocess.run([buf, "breaking", "new", "--against", "old", "--error-format", "json"], cwd=root, capture_output=True, text=True)
        if proc.returncode not in (0, 100):
            raise SystemExit(f"buf failed ({proc.returncode}): {proc.stderr}")
        return sorted({json.loads(line)["type"] for line in proc.stdout.splitlines() if line.strip()})


def main() -> None:
    buf = sys.argv[1]
    version = subprocess.run([buf, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    table = {pair_id: {level: verdict(buf, old, new, level) for level in LEVELS} for pair_id, old, new in PAIRS}
    out = {"generated_by": f"buf {version}: buf breaking new --against old --error-format json", "pairs": table}
    Path(__file__).with_name("buf_expectations.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
