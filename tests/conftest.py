"""Session-wide test settings."""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_the_fixtures(tmp_path_factory):
    """The CLI caches by default; keep its cache out of fixtures/ (EVENTLINT_CACHE_DIR, as in CI)."""
    previous = os.environ.get("EVENTLINT_CACHE_DIR")
    os.environ["EVENTLINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("eventlint-cache"))
    yield
    if previous is None:
        os.environ.pop("EVENTLINT_CACHE_DIR", None)
    else:
        os.environ["EVENTLINT_CACHE_DIR"] = previous
