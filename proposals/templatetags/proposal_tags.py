"""Display helpers for proposals, and the two cards other pages include:

{% load proposal_tags %}
{% vendor_proposal_card rfp %}   on the vendor's RFP page: start / continue / receipt
{% buyer_proposals_card rfp %}   on the buyer's RFP page: received, sealed or open
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from bpo_portal.permissions import vendor_membership
from proposals import presenters, selectors
from proposals.models import Proposal, ProposalStatus
from proposals.selectors import envelope_state
from rfp.models import FIXED_BASIS, VOLUME_FIELDS, Recurrence

register = template.Library()

_UNIT = {name: unit for name, _, unit in VOLUME_FIELDS}


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return "?"
    value = Decimal(value)
    text = f"{value.normalize():,f}" if value != value.to_integral_value() else f"{value:,.0f}"
    return text


@register.simple_tag
def line_quantity(line: Any, lot: Any) -> str:
    """What a unit price is multiplied by: "40 FTEs × 36 months"."""
    if line.volume_basis == FIXED_BASIS:
        if line.fixed_quantity == 1:
            if line.recurrence == Recurrence.MONTHLY:
                months = lot.contract_term_months or 0
                return f"{months} month{'s' if months != 1 else ''}"
            return "Once"
        quantity = _number(line.fixed_quantity)
    else:
        value = lot.volume(line.volume_basis) if line.volume_basis else None
        unit = _UNIT.get(line.volume_basis, "")
        quantity = f"{_number(value)} {unit}{'s' if value != 1 else ''}".strip()
    if line.recurrence == Recurrence.MONTHLY:
        months = lot.contract_term_months or 0
        return f"{quantity} × {months} month{'s' if months != 1 else ''}"
    return f"{quantity}, once"


@register.filter
def short_hash(value: str) -> str:
    return f"{value[:12]}…" if value else ""


@register.filter
def percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f} %"


@register.filter
def hours(value: float | None) -> str:
    if value is None:
        return "—"
    whole = int(value)
    minutes = round((value - whole) * 60)
    return f"{whole} h" + (f" {minutes:02d}" if minutes else "")


@register.inclusion_tag("proposals/partials/rfp_vendor_card.html", takes_context=True)
def vendor_proposal_card(context: dict[str, Any], rfp: Any) -> dict[str, Any]:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    proposal = selectors.vendor_proposal_for_rfp(user, rfp)
    percent_done = None
    if proposal is not None and proposal.status == "draft":
        working = selectors.proposal_working_copy(proposal.pk)
        percent_done = presenters.completeness_percent(presenters.proposal_task_list(working))
    return {
        "rfp": rfp,
        "proposal": proposal,
        "percent": percent_done,
        "open": rfp.is_open_for_bids(),
        "can_respond": vendor_membership(user) is not None,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("proposals/partials/rfp_buyer_card.html", takes_context=True)
def buyer_proposals_card(context: dict[str, Any], rfp: Any) -> dict[str, Any]:
    return {
        "rfp": rfp,
        "envelopes": envelope_state(rfp),
        "submitted": Proposal.objects.filter(rfp=rfp, status=ProposalStatus.SUBMITTED).count(),
    }
