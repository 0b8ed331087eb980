"""Rules of the flow family."""

from __future__ import annotations

RULES: tuple = ()
