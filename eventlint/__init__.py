"""eventlint: a static architecture linter for event-driven Python codebases."""

__version__ = "0.1.0"
