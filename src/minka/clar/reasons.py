"""Reasons stored as codes with parameters, rendered in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def describe(code: str, params: dict[str, Any] | None = None) -> str:
    p = dict(params or {})
    messages = {
        # eligibility
        "call_closed": _("Submitted outside the call's dates (%(opens)s to %(closes)s)."),
        "no_envelope": _("The call has no money for this instrument."),
        "board_missing": _("The organization has no registered %(role)s."),
        "counterpart_low": _(
            "The organization puts in %(share)s %% of the cost; the call asks for %(minimum)s %%."
        ),
        "amount_low": _("The project share is below the call's minimum of %(limit)s."),
        "amount_high": _("The project share is above the call's maximum of %(limit)s."),
        "family_in_other_plans": _(
            "The family with DNI ending %(dni_end)s already takes part in %(count)s other "
            "plan(s) of this call."
        ),
        "no_families": _("The plan lists no participating families."),
        "arrears": _(
            "The organization has contract %(contract)s past its term and not liquidated."
        ),
        "technical_file": _("An IDL needs its approved technical file attached."),
        # outcomes
        "funded": _("Funded: rank %(rank)s with %(score)s points."),
        "funded_quota_women": _(
            "Funded within the minimum share for women-led organizations (rank %(rank)s)."
        ),
        "funded_quota_youth": _("Funded within the minimum share for youth plans (rank %(rank)s)."),
        "not_approved": _("Not approved: %(score)s points, below the %(threshold)s required."),
        "disqualified": _(
            "Disqualified: fewer than half of the plan's families were present "
            "(%(present)s of %(families)s)."
        ),
        "envelope_exhausted": _(
            "Approved (rank %(rank)s) but the envelope could not cover it: %(remaining)s left."
        ),
        "district_cap": _(
            "Approved (rank %(rank)s) but its district reached the maximum of funded initiatives."
        ),
        "not_selected_by_optimiser": _(
            "Approved (rank %(rank)s) but not in the selection with the highest total score."
        ),
        "not_scored": _("Not scored: the field evaluation has no sheets."),
    }
    template = messages.get(code)
    if template is None:
        return code
    try:
        return template % p
    except (KeyError, TypeError, ValueError):
        return template
