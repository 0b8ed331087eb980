"""Stress eventlint's shared cache: several processes at once on one project, compared to a lone run.

Each round starts N processes at the same moment, each running one command drawn from a mix
(`check` as text, JSON and SARIF, to stdout or to a shared `--output-file`; `facts`; cache on and
off; `--jobs 2`), all sharing one `.eventlint_cache`. Each process's stdout, report file and exit
code must equal those of the same command run alone with `--no-cache` (computed before the round).
Between rounds a source file is edited, so some rounds start cold and some warm.

    python benchmarks/concurrency.py fixtures/schema_registry --rounds 10 --procs 6
    python benchmarks/concurrency.py --generate 20000 --rounds 6 --procs 4

Exit 0 when every output matched; otherwise the mismatches are printed (first lines of each).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (name, argv after `eventlint`, report file name or None); OUT stands for the report file's path
COMMANDS: list[tuple[str, list[str], str | None]] = [
    ("check-text", ["check", "--no-color"], None),
    ("check-json", ["check", "--format", "json"], None),
    ("check-sarif", ["check", "--format", "sarif"], None),
    ("check-json-file", ["check", "--format", "json", "--output-file", "OUT"], "report.json"),
    ("check-sarif-file", ["check", "--format", "sarif", "--output-file", "OUT"], "report.sarif"),
    ("check-json-jobs", ["check", "--format", "json", "--jobs", "2"], None),
    ("facts-json", ["facts"], None),
    ("facts-file", ["facts", "--output-file", "OUT"], "facts.json"),
]


def eventlint() -> list[str]:
    exe = shutil.which("eventlint")
    return [exe] if exe else [sys.executable, "-m", "eventlint.cli"]


def argv_of(command: tuple[str, list[str], str | None], root: Path, outdir: Path, no_cache: bool) -> list[str]:
    _, args, report = command
    args = [str(outdir / report) if a == "OUT" and report else a for a in args]
    return [*eventlint(), *args, *(["--no-cache"] if no_cache else []), str(root)]


def result_of(proc: subprocess.CompletedProcess[bytes], report: Path | None) -> tuple[int, bytes, bytes]:
    data = report.read_bytes() if report is not None and report.exists() else b""
    return proc.returncode, proc.stdout, data


def edit(root: Path, rng: random.Random, round_number: int) -> str:
    """Append a line to one Python file (a comment or a new function): the next run must see it."""
    files = sorted(p for p in root.rglob("*.py") if ".eventlint_cache" not in p.parts)
    target = files[rng.randrange(len(files))]
    with open(target, "a", encoding="utf-8") as handle:
        if round_number % 2:
            handle.write(f"\n# edited in round {round_number}\n")
        else:
            handle.write(f"\n\ndef _edited_{round_number}():\n    return {round_number}\n")
    return str(target.relative_to(root))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", nargs="?", help="a project to copy (default: a generated monorepo, --generate)")
    parser.add_argument("--generate", type=int, default=20000, help="lines of the generated monorepo when no project is given")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--procs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--clean", action="store_true", help="also run `eventlint cache clean` during every other round")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="eventlint-conc-"))
    root = work / "project"
    if args.project:
        shutil.copytree(args.project, root, ignore=shutil.ignore_patterns(".eventlint_cache", "__pycache__"))
    else:
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(root), "--lines", str(args.generate)], check=True, stdout=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if k != "EVENTLINT_CACHE_DIR"}
    failures = 0
    runs = 0
    try:
        for round_number in range(args.rounds):
            edited = edit(root, rng, round_number) if round_number else "(none)"
            # the reference: each command alone, no cache at all
            expected = {}
            refdir = work / "ref"
            refdir.mkdir(exist_ok=True)
            for command in COMMANDS:
                report = refdir / command[2] if command[2] else None
                proc = subprocess.run(argv_of(command, root, refdir, True), capture_output=True, env=env, cwd=work)
                expected[command[0]] = result_of(proc, report)
                if proc.returncode not in (0, 1) or not (proc.stdout or (report and report.exists())):
                    print(f"reference {command[0]} failed: exit {proc.returncode}\n{proc.stderr.decode()[-2000:]}")
                    return 2
            if round_number % 3 == 2:
                shutil.rmtree(root / ".eventlint_cache", ignore_errors=True)  # a cold round now and then
            chosen = [COMMANDS[rng.randrange(len(COMMANDS))] for _ in range(args.procs)]
            shared = work / "shared"  # every process of a round writes its report file into the same place
            shared.mkdir(exist_ok=True)
            started = time.monotonic()
            procs = []
            for index, command in enumerate(chosen):
                no_cache = rng.random() < 0.15
                out = open(work / f"out{index}", "wb+")
                err = open(work / f"err{index}", "wb+")
                procs.append((command, out, err, subprocess.Popen(argv_of(command, root, shared, no_cache), stdout=out, stderr=err, env=env, cwd=work)))
            cleaner = None
            if args.clean and round_number % 2:  # `cache clean` in the middle of the round
                time.sleep(rng.uniform(0.2, 1.5))
                cleaner = subprocess.run([*eventlint(), "cache", "clean", str(root)], capture_output=True, env=env, cwd=work)
            for _, _, _, proc in procs:
                proc.wait()
            if cleaner is not None and cleaner.returncode != 0:
                failures += 1
                print(f"  cache clean during the round: exit {cleaner.returncode}\n    {cleaner.stderr.decode(errors='replace')[-1500:]}")
            wall = time.monotonic() - started
            bad = []
            for index, (command, out, err, proc) in enumerate(procs):
                out.seek(0)
                err.seek(0)
                stdout, stderr = out.read(), err.read()
                out.close()
                err.close()
                runs += 1
                want = expected[command[0]]
                report = shared / command[2] if command[2] else None
                got_report = report.read_bytes() if report is not None and report.exists() else b""
                if proc.returncode != want[0] or stdout != want[1] or (report is not None and got_report != want[2]):
                    bad.append((index, command[0], proc.returncode, want[0], stdout, want[1], got_report, want[2], stderr))
            # the warm run after the round: replays whatever the round stored
            after = []
            for command in COMMANDS:
                report = work / "after" / command[2] if command[2] else None
                (work / "after").mkdir(exist_ok=True)
                proc = subprocess.run(argv_of(command, root, work / "after", False), capture_output=True, env=env, cwd=work)
                got = result_of(proc, report)
                runs += 1
                if got != expected[command[0]]:
                    after.append((command[0], got, expected[command[0]], proc.stderr))
            status = "ok" if not bad and not after else "MISMATCH"
            cleaned = " (and cache clean)" if cleaner is not None else ""
            print(f"round {round_number}: edited {edited}; {args.procs} at once{cleaned} in {wall:.1f}s: {', '.join(c[0] for c in chosen)}: {status}")
            for index, name, code, want_code, stdout, want_stdout, got_report, want_report, stderr in bad:
                failures += 1
                print(f"  process {index} {name}: exit {code} (want {want_code}); stdout {len(stdout)} bytes (want {len(want_stdout)}); "
                      f"report {len(got_report)} bytes (want {len(want_report)})")
                if stderr:
                    print("    stderr: " + stderr.decode(errors="replace")[-1500:].replace("\n", "\n    "))
            for name, got, want, stderr in after:
                failures += 1
                print(f"  warm run after the round, {name}: exit {got[0]} (want {want[0]}); stdout {len(got[1])} bytes (want {len(want[1])}); "
                      f"report {len(got[2])} bytes (want {len(want[2])})")
                if stderr:
                    print("    stderr: " + stderr.decode(errors="replace")[-1500:].replace("\n", "\n    "))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{runs} runs, {failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
