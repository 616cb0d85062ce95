"""The entry pages: the list of evaluations, an RFP's evaluation overview (or the
set-up button), and the vendors' outcomes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bpo_portal.errors import ApplicationError, PermissionDeniedError
from bpo_portal.permissions import (
    buyer_membership,
    vendor_membership,
)
from bpo_portal.web import request_user
from rfp.models import RFPStatus
from rfp.selectors import rfps_visible_to
from scoring import results as scoring_results
from scoring import selectors, services
from scoring.models import (
    Evaluation,
)
from scoring.views._common import (
    buyer_rfp,
    page_context,
)

# --- Lists and the overview ----------------------------------------------------------------------


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    """Buyers: the RFPs that are or can be evaluated; evaluators: where they score."""
    user = request_user(request)
    if vendor_membership(user) is not None:
        return redirect("scoring_outcomes")
    membership = buyer_membership(user)
    if membership is None:
        return redirect("onboarding")
    rfps = (
        rfps_visible_to(user)
        .exclude(status__in=[RFPStatus.DRAFT, RFPStatus.PENDING_APPROVAL, RFPStatus.CANCELLED])
        .select_related("evaluation")
        .order_by("-submission_deadline", "-id")
    )
    mine = set(
        Evaluation.objects.filter(assignments__evaluator=user).values_list("rfp_id", flat=True)
    )
    # The same rule as the API's list (selectors.evaluations_listed_for); results readers
    # also see the RFPs whose evaluation is not set up yet.
    listed = set(selectors.evaluations_listed_for(user).values_list("rfp_id", flat=True))
    rows = [
        (rfp, evaluation, rfp.pk in mine)
        for rfp in rfps
        for evaluation in [getattr(rfp, "evaluation", None)]
        if rfp.pk in listed or (evaluation is None and selectors.can_read_results(user, rfp))
    ]
    return render(request, "scoring/list.html", {"rows": rows})


@login_required
def overview(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = buyer_rfp(request, rfp_pk)
    evaluation = selectors.evaluation_of(rfp)
    context = page_context(request, rfp, evaluation, "overview")
    if evaluation is None:
        if not context["can_manage"]:
            raise PermissionDeniedError("The evaluation of this RFP has not been set up yet.")
        return render(request, "scoring/setup.html", context)
    if not context["can_read_results"]:
        if context["is_panel_member"]:
            return redirect("scoring_my_work", rfp.pk)
        raise PermissionDeniedError("You are not on the evaluation panel of this RFP.")
    evaluation.rfp = rfp
    tree = selectors.build_tree(selectors.criteria_of(evaluation))
    assignments = selectors.assignments_of(evaluation)
    criteria_problems = selectors.criteria_problems(evaluation, tree)
    panel_problems = [
        p
        for p in selectors.criteria_problems(evaluation, tree, assignments)
        if p not in criteria_problems
    ]
    summary = None
    if evaluation.scoring_started:
        try:
            summary = scoring_results.evaluation_results(rfp=rfp, user=user)
        except ApplicationError:
            summary = None
    context.update(
        {
            "criteria_problems": criteria_problems,
            "panel_problems": panel_problems,
            "panel": selectors.panel_progress(evaluation),
            "summary": summary,
            "awards": selectors.award_decisions(evaluation),
        }
    )
    return render(request, "scoring/overview.html", context)


@login_required
@require_POST
def setup(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp = buyer_rfp(request, rfp_pk)
    evaluation = services.evaluation_setup(
        actor=request_user(request),
        rfp=rfp,
        addendum_summary=request.POST.get("addendum_summary", ""),
    )
    if evaluation.set_after_publication:
        messages.warning(
            request,
            "The criteria are set, once, after the RFP's publication: the results and the "
            "report say so.",
        )
    else:
        messages.success(
            request,
            "The evaluation criteria and starting weights are set: adjust them to this RFP "
            "before it goes out.",
        )
    return redirect("scoring_criteria", rfp.pk)


# --- Vendors: outcomes ---------------------------------------------------------------------------


@login_required
def outcomes(request: HttpRequest) -> HttpResponse:
    if vendor_membership(request_user(request)) is None:
        raise Http404
    return render(
        request,
        "scoring/outcomes.html",
        {"outcomes": selectors.vendor_outcomes(request_user(request))},
    )
