"""Benchmark eventlint on a generated monorepo and print a Markdown table.

    python benchmarks/run.py                       # 200k lines, 10% messaging, medians of 5
    python benchmarks/run.py --write benchmarks/RESULTS.md
    python benchmarks/run.py --sizes 50k,200k,1M --repeat 1   # the scale curve

Every scenario runs the real command line (`python -m eventlint.cli check`) in a
fresh process; wall time includes interpreter start-up. Peak memory is the
largest resident set of any one process of the run (a pool's workers each have
their own). CPU is user + system time of every process of the run: on a shared
machine it is steadier than wall time. The baseline is a plain `ast.parse` pass over the same files in one
process, which is what the targets are stated against.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

# Runs a command and reports its wall time and the peak RSS of its process tree (as JSON).
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_kb": usage.ru_maxrss, "code": code}))
"""
_AST_PASS = """
import ast, pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    ast.parse(path.read_bytes())
"""


def measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, env=env, check=True).stdout
    result = json.loads(out)
    if result["code"] not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {result['code']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="comma-separated monorepo sizes (50k,200k,1M): the scale curve, one table row per size and scenario",
    )
    parser.add_argument("--messaging", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="runs per scenario; the median is reported")
    parser.add_argument("--work", type=Path, default=None, help="where to generate the monorepo (default: a temporary directory)")
    parser.add_argument("--write", type=Path, default=None, help="also write the table and the machine to this Markdown file")
    parser.add_argument("--only", action="append", default=[], help="run only scenarios whose name contains this (repeatable)")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="eventlint-bench-"))
    load_before = os.getloadavg()
    if args.sizes:
        table, header = _curve(args, work)
    else:
        size, rows = _run_size(args.lines, args, work, SCENARIOS)
        baseline = rows[0][1]
        table = ["| scenario | wall (median) | CPU (median) | lines/s | peak MB | wall × ast.parse |", "|---|---:|---:|---:|---:|---:|"]
        for name, wall, cpu, rate, rss in rows:
            table.append(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {rate:,.0f} | {rss:.0f} | {wall / baseline:.1f} |")
        header = (
            f"Generated monorepo: {size['files']} files, {size['lines']:,} lines, {size['messaging_files']} touching a broker "
            f"(seed {args.seed}); median of {args.repeat} runs each."
        )
    machine = _machine(load_before, os.getloadavg())
    print(header + "\n\n" + "\n".join(table))
    if args.write is not None:
        args.write.write_text(_document(header, table, machine), encoding="utf-8")


SCENARIOS = (
    "plain ast.parse pass (baseline, 1 process)",
    "cold, all cores",
    "cold, --jobs 1",
    "cold, no prefilter, all cores",
    "cold, no prefilter, --jobs 1",
    "warm, nothing changed",
    "one file changed (a comment)",
    "one file changed (code)",
)
# the scale curve: the floor, the CI case and the pre-commit cases
CURVE = (SCENARIOS[0], "cold, --jobs 1", "cold, all cores", "warm, nothing changed", "one file changed (code)")


def _sizes(text: str) -> list[int]:
    """`50k,200k,1M` -> [50000, 200000, 1000000]."""
    out = []
    for part in text.split(","):
        part = part.strip().lower()
        scale = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        try:
            out.append(int(float(part.rstrip("km")) * scale))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a size: {part!r} (write 50k, 200k, 1M or a number of lines)") from None
    return out


def _curve(args: argparse.Namespace, work: Path) -> tuple[list[str], str]:
    """One row per size and scenario, with the cost per line against the smallest size's."""
    table = [
        "| size (lines) | files | scenario | wall (median) | CPU (median) | lines/s | peak MB | wall × ast.parse | CPU µs/line | vs smallest |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    first: dict[str, float] = {}
    for lines in args.sizes:
        size, rows = _run_size(lines, args, work / f"size-{lines}", CURVE)
        baseline = rows[0][1]
        for name, wall, cpu, rate, rss in rows:
            per_line = cpu / size["lines"] * 1e6
            first.setdefault(name, per_line)
            table.append(
                f"| {size['lines']:,} | {size['files']:,} | {name} | {wall:.2f} s | {cpu:.2f} s | {rate:,.0f} | {rss:.0f} | "
                f"{wall / baseline:.1f} | {per_line:.1f} | {per_line / first[name]:.2f} |"
            )
    header = (
        f"Scale curve: generated monorepos of {', '.join(f'{n:,}' for n in args.sizes)} lines ({args.messaging:.0%} messaging, "
        f"seed {args.seed}); median of {args.repeat} runs each. \"vs smallest\" is CPU per line over the smallest size's: "
        "1.00 is linear growth."
    )
    return table, header


def _run_size(lines: int, args: argparse.Namespace, work: Path, wanted: Sequence[str]) -> tuple[dict[str, int], list[tuple[str, float, float, float, float]]]:
    """Generate a monorepo of `lines` lines and time the `wanted` scenarios on it (the first is the baseline)."""
    root = work / "monorepo"
    size = generate(root, lines, args.messaging, args.seed)
    env = dict(os.environ, EVENTLINT_CACHE_DIR=str(work / "cache"))
    env.pop("NO_COLOR", None)
    # an installed eventlint runs from compiled bytecode; without it every run recompiles ~50 modules (0.2 s)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cli = [sys.executable, "-m", "eventlint.cli"]
    check = [*cli, "check", str(root), "--exit-zero"]
    clean = [*cli, "cache", "clean", str(root)]
    touched = sorted(root.glob("services/*/*/domain/*_service.py"))[0]
    original = touched.read_bytes()

    def cold(*extra: str):
        def run(_: int):
            subprocess.run(clean, env=env, capture_output=True, check=True)
            return measure([*check, *extra], env)

        return run

    def warm(_: int):
        return measure(check, env)

    def one_changed(index: int):
        # a comment: the file's IR is unchanged, so the facts of the previous run are reused
        touched.write_bytes(original + f"\n# benchmark edit {index}\n".encode())
        return measure(check, env)

    def one_changed_code(index: int):
        # a new function in a module handlers call into: a new IR, so the facts are computed again
        touched.write_bytes(original + f"\n\ndef benchmark_edit_{index}(value):\n    return value + {index}\n".encode())
        return measure(check, env)

    runs = dict(
        zip(
            SCENARIOS,
            (
                lambda _: measure([sys.executable, "-c", _AST_PASS, str(root)], env),
                cold(),
                cold("--jobs", "1"),
                cold("--no-prefilter"),
                cold("--no-prefilter", "--jobs", "1"),
                warm,
                one_changed,
                one_changed_code,
            ),
        )
    )
    scenarios = [(name, runs[name]) for name in wanted]
    if args.only:
        scenarios = [scenarios[0]] + [s for s in scenarios[1:] if any(part in s[0] for part in args.only)]
    rows = []
    for name, run in scenarios:
        if name.startswith(("warm", "one")):
            touched.write_bytes(original)
            subprocess.run(check, env=env, capture_output=True, check=False)  # fill the cache
        results = [run(i) for i in range(args.repeat)]
        wall = statistics.median(r["wall"] for r in results)
        cpu = statistics.median(r["cpu"] for r in results)
        rss = max(r["rss_kb"] for r in results) / 1024
        rows.append((name, wall, cpu, size["lines"] / wall, rss))
        print(f"{size['lines']:,} lines, {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss:.0f} MB", file=sys.stderr)
    touched.write_bytes(original)
    return size, rows


def _machine(before: tuple[float, ...], after: tuple[float, ...]) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import libcst

        libcst_version = getattr(libcst, "__version__", None) or "?"
    except ImportError:  # pragma: no cover
        libcst_version = "?"
    from importlib.metadata import version

    return (
        f"- CPU: {cpu}, {os.cpu_count()} cores\n"
        f"- {platform.system()} {platform.release()}, Python {platform.python_version()}, libcst {version('libcst') or libcst_version}\n"
        f"- load average (1 min) before/after: {before[0]:.2f} / {after[0]:.2f} (the machine is shared)\n"
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
    )


def _document(header: str, table: list[str], machine: str) -> str:
    return (
        "# Benchmark results\n\n"
        "Written by `python benchmarks/run.py --write benchmarks/RESULTS.md`.\n\n"
        f"{header}\n\n" + "\n".join(table) + "\n\n## Machine\n\n" + machine
    )


if __name__ == "__main__":
    main()
