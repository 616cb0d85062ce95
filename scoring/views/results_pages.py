"""The results (ranking, what-if weights, a vendor's drill-down), finalising the
technical evaluation, and the award pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.forms import add_application_error
from bpo_portal.permissions import (
    Capability,
    require_buyer,
)
from bpo_portal.web import request_user
from rfp.models import RFP, Lot
from scoring import award as award_services
from scoring import results as scoring_results
from scoring import selectors, services
from scoring.forms import (
    AwardForm,
    DecisionForm,
    FinaliseForm,
)
from scoring.models import (
    AwardDecision,
    AwardStatus,
)
from scoring.views._common import (
    form_status,
    page_context,
    require_evaluation_manager,
    results_or_none,
    rfp_and_evaluation,
)

# --- Results -------------------------------------------------------------------------------------


def _what_if(params: Any) -> dict[str, str]:
    """`w_<criterion id>=<percent>` query parameters (anything else is ignored);
    evaluation_results checks them (scoring_results.what_if_weights), as for the API."""
    return {key[2:]: value for key, value in params.items() if key.startswith("w_")}


def _chosen_lot(request: HttpRequest, rfp: RFP) -> tuple[list[Lot], Lot | None]:
    lots = list(Lot.objects.filter(rfp=rfp))
    chosen = lots[0] if lots else None
    raw = request.GET.get("lot")
    if raw:
        chosen = next((lot for lot in lots if str(lot.pk) == raw), None)
        if chosen is None:
            raise Http404
    return lots, chosen


@login_required
def results(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    selectors.require_results_reader(request_user(request), rfp)
    lots, lot = _chosen_lot(request, rfp)
    what_if = _what_if(request.GET)
    data = results_or_none(request, rfp, lot=lot.pk if lot else None, weights=what_if or None)
    lot_results = data.lots[0] if data and data.lots else None
    charts = scoring_results.results_charts(data, lot_results) if data and lot_results else ("", "")
    context = page_context(request, rfp, evaluation, "results")
    context.update(
        {
            "results": data,
            "lot": lot_results,
            "lots": lots,
            "chosen_lot": lot,
            "stacked_chart": charts[0],
            "radar_chart": charts[1],
            "what_if": what_if,
        }
    )
    if getattr(request, "htmx", False) and request.GET.get("partial") == "what-if":
        return render(request, "scoring/partials/what_if_results.html", context)
    return render(request, "scoring/results.html", context)


@login_required
def drilldown(request: HttpRequest, rfp_pk: int, proposal_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    selectors.require_results_reader(request_user(request), rfp)
    lots, lot = _chosen_lot(request, rfp)
    data = results_or_none(request, rfp, lot=lot.pk if lot else None)
    if data is None or not data.lots:
        raise Http404
    result = data.lots[0].proposal(proposal_pk)
    if result is None:
        raise Http404
    nodes = {node.id: node for node in _flatten(data.criteria)}
    groups = []
    for main in data.main_criteria:
        ids = {leaf.id for leaf in _leaves(main)}
        groups.append(
            (
                main,
                next((c for c in result.criteria if c.criterion_id == main.id), None),
                [leaf for leaf in result.leaves if leaf.criterion_id in ids],
            )
        )
    context = page_context(request, rfp, evaluation, "results")
    context.update(
        {
            "results": data,
            "lot": data.lots[0],
            "result": result,
            "groups": groups,
            "nodes": nodes,
            "chosen_lot": lot,
            "lots": lots,
        }
    )
    return render(request, "scoring/drilldown.html", context)


def _flatten(nodes: Any) -> list[Any]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_flatten(node.children))
    return out


def _leaves(node: Any) -> list[Any]:
    if not node.children:
        return [node]
    return [leaf for child in node.children for leaf in _leaves(child)]


# --- Finalising the technical evaluation ---------------------------------------------------------


@login_required
def finalise(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_evaluation_manager(request, rfp)
    form = FinaliseForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.technical_evaluation_finalise(
                actor=request_user(request),
                evaluation=evaluation,
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as exc:
            if exc.status_code in (403, 404):
                raise
            error = exc.message
        else:
            messages.success(
                request, "Technical evaluation finalised: the prices are open and cost is scored."
            )
            return redirect("scoring_results", rfp.pk)
    context = page_context(request, rfp, evaluation, "overview")
    blockers = (
        scoring_results.technical_evaluation_blockers(rfp)
        if rfp.two_envelopes and not context["envelopes"].commercial_open
        else []
    )
    context.update(
        {
            "form": form,
            "error": error,
            "blockers": blockers,
            "results": results_or_none(request, rfp),
        }
    )
    return render(request, "scoring/finalise.html", context, status=409 if error else 200)


# --- Award ---------------------------------------------------------------------------------------


@login_required
def award(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    selectors.require_results_reader(request_user(request), rfp)
    data = results_or_none(request, rfp)
    context = page_context(request, rfp, evaluation, "award")
    context.update(
        {
            "results": data,
            "history": selectors.award_decisions(evaluation),
            "blockers": {lot.lot_id: award_services.award_blockers(lot) for lot in data.lots}
            if data is not None
            else {},
        }
    )
    return render(request, "scoring/award.html", context)


@login_required
def award_propose(request: HttpRequest, rfp_pk: int, lot_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_evaluation_manager(request, rfp)
    lot = get_object_or_404(Lot, pk=lot_pk, rfp=rfp)
    data = results_or_none(request, rfp, lot=lot.pk)
    if data is None or not data.lots:
        raise ConflictError("The proposals are still sealed.")
    lot_results = data.lots[0]
    choices = [
        (
            p.proposal_id,
            f"{p.rank}. {p.vendor} — {p.total_points:.1f} points"
            + ("" if p.awardable else " (not awardable: non-compliant)"),
        )
        for p in lot_results.ranking
    ]
    form = AwardForm(
        request.POST or None,
        choices=choices,
        initial={
            "winners": [str(lot_results.ranking[0].proposal_id)] if lot_results.ranking else []
        },
    )
    checking = False
    if request.method == "POST" and form.is_valid():
        step = request.POST.get("step")
        if step == "check":
            checking = True  # check your answers before anything is recorded
        elif step != "edit":
            try:
                award_services.award_propose(
                    actor=request_user(request),
                    evaluation=evaluation,
                    lot=lot,
                    winners=[int(pk) for pk in form.cleaned_data["winners"]],
                    justification=form.cleaned_data["justification"],
                    notify_ranks=form.cleaned_data["notify_ranks"],
                )
            except ApplicationError as exc:
                if isinstance(exc, ConflictError) or exc.status_code in (403, 404):
                    raise
                add_application_error(form, exc)
            else:
                messages.success(
                    request, f"The award of “{lot.name}” is proposed: an admin will approve it."
                )
                return redirect("scoring_award", rfp.pk)
    chosen = []
    if checking:
        wanted = {int(pk) for pk in form.cleaned_data["winners"]}
        chosen = [p for p in lot_results.ranking if p.proposal_id in wanted]
    context = page_context(request, rfp, evaluation, "award")
    context.update(
        {
            "form": form,
            "lot": lot,
            "lot_results": lot_results,
            "checking": checking,
            "chosen": chosen,
            "results": data,
        }
    )
    return render(request, "scoring/award_propose.html", context, status=form_status(form))


@login_required
def award_decide(request: HttpRequest, rfp_pk: int, award_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_buyer(request_user(request), Capability.APPROVE_AWARD, rfp.organization_id)
    decision = get_object_or_404(
        AwardDecision.objects.select_related("lot", "proposed_by"),
        pk=award_pk,
        evaluation=evaluation,
    )
    decision.evaluation = evaluation
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                award_services.award_approve(
                    actor=request_user(request),
                    award=decision,
                    comment=form.cleaned_data["comment"],
                )
                messages.success(
                    request,
                    f"Award of “{decision.lot.name}” approved: the vendors are told and its "
                    "scores are locked.",
                )
            else:
                award_services.award_return(
                    actor=request_user(request),
                    award=decision,
                    comment=form.cleaned_data["comment"],
                )
                messages.success(request, "The proposed award is sent back with your comment.")
        except ApplicationError as exc:
            if isinstance(exc, ConflictError) or exc.status_code == 404:
                raise
            add_application_error(form, exc)
        else:
            return redirect("scoring_award", rfp.pk)
    data = results_or_none(request, rfp, lot=decision.lot_id)
    context = page_context(request, rfp, evaluation, "award")
    context.update(
        {
            "form": form,
            "decision": decision,
            "winners": list(decision.winners.select_related("company")),
            "lot_results": data.lots[0] if data and data.lots else None,
            "approval_refusal": award_services.award_approval_refusal(
                actor=request_user(request), award=decision
            ),
            "waiting": decision.status == AwardStatus.PROPOSED,
        }
    )
    return render(request, "scoring/award_decide.html", context, status=form_status(form))
