"""Check the dependency record of incremental resolution (#18) on real code: every repository under a folder.

    python benchmarks/incremental_check.py /work/field-repos [--sample N] [--budget SECONDS]

For each repository, each module (or a sample of N) is edited five ways and the project resolved again
from nothing; every module whose recorded reads do not meet the edit must keep its facts exactly
(`tests/extract/test_incremental_reads.py`, which runs the same check on every fixture). Prints, per
repository, the modules compared and those a run would re-resolve; exits 1 on the first difference.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.extract.test_incremental_reads import _check_edits  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path, help="one repository per folder")
    parser.add_argument("--sample", type=int, default=None, help="edit only N modules per repository")
    parser.add_argument("--budget", type=float, default=None, help="stop starting repositories after this many seconds")
    args = parser.parse_args()
    start = time.monotonic()
    compared = recomputed = 0
    for repo in sorted(p for p in args.directory.iterdir() if p.is_dir()):
        if args.budget is not None and time.monotonic() - start > args.budget:
            print(f"budget spent: stopped before {repo.name}")
            break
        began = time.monotonic()
        try:
            done = _check_edits(repo, sample=args.sample)
        except AssertionError as exc:
            print(f"DIFFERS {repo.name}: {str(exc).splitlines()[0]}")
            return 1
        compared, recomputed = compared + done[0], recomputed + done[1]
        print(f"{repo.name}: {done[0]} compared, {done[1]} re-resolved ({time.monotonic() - began:.0f} s)", flush=True)
    print(f"all: {compared} compared identical, {recomputed} re-resolved")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
