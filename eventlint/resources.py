"""Where the declarative rule packs shipped with eventlint live."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def rules_dir() -> Path:
    """`rules/` of the installed wheel, or of the source checkout in development."""
    installed = _PACKAGE / "_data" / "rules"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / "rules"


def builtin_frameworks() -> list[Path]:
    """The built-in framework pattern files, in name order."""
    return sorted((rules_dir() / "frameworks").glob("*.yaml"))


def builtin_policies() -> list[Path]:
    """The built-in policy files (rules/policies/*.yaml), in name order."""
    return sorted((rules_dir() / "policies").glob("*.yaml"))
