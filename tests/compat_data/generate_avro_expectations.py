"""Regenerate avro_expectations.json: each pair's verdicts straight from Apache Avro's checker.

    python tests/compat_data/generate_avro_expectations.py

For every pair in avro_pairs.py it runs `avro.compatibility.ReaderWriterCompatibilityChecker`
twice: BACKWARD with the new schema as reader and the old one as writer, FORWARD the other way
round, and records whether the result is compatible and the set of incompatibility types it
reports. Nothing of eventlint is imported. Commit the output beside this script.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import avro
import avro.compatibility as checker
import avro.schema

sys.path.insert(0, str(Path(__file__).parent))
from avro_pairs import PAIRS  # noqa: E402


def verdict(reader: object, writer: object) -> dict:
    result = checker.ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    return {
        "compatible": result.compatibility is checker.SchemaCompatibilityType.compatible,
        "incompatibilities": sorted({i.value for i in result.incompatibilities}),
    }


def main() -> None:
    table = {}
    for pair_id, old, new in PAIRS:
        a, b = avro.schema.parse(json.dumps(old)), avro.schema.parse(json.dumps(new))
        table[pair_id] = {"backward": verdict(b, a), "forward": verdict(a, b)}
    out = {"generated_by": f"avro {avro.__version__} avro.compatibility.ReaderWriterCompatibilityChecker", "pairs": table}
    path = Path(__file__).with_name("avro_expectations.json")
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
