"""The built-in rules, one module per family, listed explicitly (nothing registers on import)."""

from __future__ import annotations

from eventlint.rules import (
    contracts,
    coupling,
    debugging,
    delivery,
    engine_rules,
    flow,
    ordering,
    runtime,
)
from eventlint.rules.base import (
    Example,
    HandlerRule,
    PublicationRule,
    Rule,
    RuleContext,
    Severity,
    SubscriptionRule,
)

BUILTIN: tuple[type[Rule], ...] = (
    *engine_rules.RULES,
    *flow.RULES,
    *contracts.RULES,
    *ordering.RULES,
    *delivery.RULES,
    *debugging.RULES,
    *coupling.RULES,
    *runtime.RULES,
)


def all_rules() -> tuple[type[Rule], ...]:
    """Every available rule, sorted by code."""
    return tuple(sorted(BUILTIN, key=lambda r: r.code))


def rule_by_code(code: str) -> type[Rule] | None:
    for rule in all_rules():
        if rule.code == code.upper():
            return rule
    return None


__all__ = [
    "BUILTIN",
    "Example",
    "HandlerRule",
    "PublicationRule",
    "Rule",
    "RuleContext",
    "Severity",
    "SubscriptionRule",
    "all_rules",
    "rule_by_code",
]
