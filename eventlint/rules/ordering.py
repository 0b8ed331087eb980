"""Rules of the ordering family."""

from __future__ import annotations

RULES: tuple = ()
