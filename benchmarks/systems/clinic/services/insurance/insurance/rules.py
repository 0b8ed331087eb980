"""Coverage rules: pure functions over the invoice, no I/O."""

COVERED_PREFIXES = ("NL", "BE")


def rejection_reason(patient_id: str, amount_cents: int) -> str | None:
    if not patient_id.startswith(COVERED_PREFIXES):
        return "not insured with a partner"
    if amount_cents > 250_00:
        return "above the outpatient ceiling"
    return None
