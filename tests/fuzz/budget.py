"""How many examples each fuzz test runs: a small fixed number in CI, more for the long run.

`EVENTLINT_FUZZ_EXAMPLES` is the number of generated programs across the program
strategies (default 200, split between them); the other fuzz tests scale with it.
Examples are derandomised, so a run with the same count always sees the same inputs.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

DEFAULT_PROGRAMS = 200


def programs_total() -> int:
    """The number of generated programs per run (EVENTLINT_FUZZ_EXAMPLES, default 200)."""
    raw = os.environ.get("EVENTLINT_FUZZ_EXAMPLES", "")
    return int(raw) if raw.strip() else DEFAULT_PROGRAMS


def share(fraction: float) -> int:
    """This test's part of the budget: `fraction` of the programs, at least one example."""
    return max(1, round(programs_total() * fraction))


def fuzz_settings(fraction: float) -> settings:
    """Reproducible, deadline-free settings for a test that takes `fraction` of the budget."""
    return settings(
        max_examples=share(fraction),
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
