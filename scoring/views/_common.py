"""What the scoring pages share: finding the RFP and its evaluation the user may
see, the manager check, the tabs' common context, the results (None while sealed)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from bpo_portal.permissions import (
    Capability,
    buyer_can,
    require_buyer,
)
from bpo_portal.web import request_user
from proposals.selectors import ProposalsSealedError, envelope_state
from rfp.models import RFP
from scoring import results as scoring_results
from scoring import selectors
from scoring.models import (
    Evaluation,
)


def form_status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


def buyer_rfp(request: HttpRequest, rfp_pk: int) -> RFP:
    return selectors.rfp_for_buyer(request_user(request), rfp_pk)


def rfp_and_evaluation(request: HttpRequest, rfp_pk: int) -> tuple[RFP, Evaluation]:
    rfp = buyer_rfp(request, rfp_pk)
    evaluation = selectors.evaluation_of(rfp)
    if evaluation is None:
        raise Http404("This RFP has no evaluation yet.")
    evaluation.rfp = rfp
    return rfp, evaluation


def require_evaluation_manager(request: HttpRequest, rfp: RFP) -> None:
    require_buyer(request_user(request), Capability.MANAGE_EVALUATION, rfp.organization_id)


def page_context(
    request: HttpRequest, rfp: RFP, evaluation: Evaluation | None, tab: str
) -> dict[str, Any]:
    user = request_user(request)
    return {
        "rfp": rfp,
        "evaluation": evaluation,
        "tab": tab,
        "can_manage": selectors.can_manage(user, rfp),
        "can_read_results": selectors.can_read_results(user, rfp),
        "can_approve": buyer_can(user, Capability.APPROVE_AWARD, rfp.organization_id),
        "is_panel_member": evaluation is not None
        and evaluation.assignments.filter(evaluator=user).exists(),
        "envelopes": envelope_state(rfp),
        "lock": selectors.criteria_lock(rfp),
    }


def results_or_none(
    request: HttpRequest,
    rfp: RFP,
    *,
    lot: int | None = None,
    weights: dict[str, str] | None = None,
) -> scoring_results.EvaluationResults | None:
    try:
        return scoring_results.evaluation_results(
            rfp=rfp, lot=lot, user=request_user(request), weights=weights
        )
    except ProposalsSealedError:
        return None
