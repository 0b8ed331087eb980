"""Rules of the debugging family."""

from __future__ import annotations

RULES: tuple = ()
