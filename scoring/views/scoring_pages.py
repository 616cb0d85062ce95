"""The evaluator's pages (their work, conflicts of interest, a vendor's scoring
sheet, submitting) and the manager's consensus pages."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from bpo_portal.forms import add_application_error
from bpo_portal.permissions import (
    Capability,
    require_buyer,
)
from bpo_portal.web import request_user
from proposals import services as proposal_services
from proposals.models import Proposal
from proposals.presenters import answer_sections, lot_views
from rfp.models import RFP, Lot
from rfp.selectors import rfp_with_content
from scoring import selectors, services
from scoring.forms import (
    ConflictForm,
    ConsensusForm,
    ScoresForm,
)
from scoring.models import (
    SCORE_BANDS,
    Criterion,
    Evaluation,
)
from scoring.views._common import (
    form_status,
    page_context,
    require_evaluation_manager,
    results_or_none,
    rfp_and_evaluation,
)

# --- The evaluator's pages -----------------------------------------------------------------------


def _scorer(request: HttpRequest, rfp_pk: int) -> tuple[RFP, Evaluation]:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_buyer(request_user(request), Capability.SCORE, rfp.organization_id)
    if not evaluation.assignments.filter(evaluator=request_user(request)).exists():
        raise PermissionDeniedError("You are not on the evaluation panel of this RFP.")
    return rfp, evaluation


@login_required
def my_work(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = _scorer(request, rfp_pk)
    workload = selectors.evaluator_workload(evaluation=evaluation, user=request_user(request))
    context = page_context(request, rfp, evaluation, "mine")
    context.update({"workload": workload, "score_bands": SCORE_BANDS})
    return render(request, "scoring/my_work.html", context)


@login_required
def conflicts(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = _scorer(request, rfp_pk)
    user = request_user(request)
    workload = selectors.evaluator_workload(evaluation=evaluation, user=user)
    if workload.sealed_message:
        raise ConflictError(workload.sealed_message)
    vendors = [(v.proposal.company_id, v.vendor, v.declaration) for v in workload.vendors]
    form = ConflictForm(request.POST or None, vendors=vendors)
    if request.method == "POST" and form.is_valid():
        try:
            services.conflicts_declare(
                actor=user,
                evaluation=evaluation,
                declarations={
                    company_id: services.Declaration(has_conflict, details)
                    for company_id, (has_conflict, details) in form.declarations().items()
                },
            )
        except ApplicationError as exc:
            if isinstance(exc, ConflictError):
                raise
            for key, problems in exc.fields.items():
                parts = key.split(".")
                name = (
                    f"details_{parts[1]}" if key.endswith(".details") else f"conflict_{parts[-1]}"
                )
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, "Your declarations are recorded.")
            return redirect("scoring_my_work", rfp.pk)
    context = page_context(request, rfp, evaluation, "mine")
    context["form"] = form
    return render(request, "scoring/conflicts.html", context, status=form_status(form))


@login_required
def score_vendor(request: HttpRequest, rfp_pk: int, proposal_pk: int) -> HttpResponse:
    rfp, evaluation = _scorer(request, rfp_pk)
    user = request_user(request)
    work, submitted = selectors.proposal_for_evaluator(
        evaluation=evaluation, user=user, proposal_id=proposal_pk
    )
    if request.method == "GET":
        proposal_services.proposal_technical_read_record(reader=user, proposal=work.proposal)
    form = ScoresForm(request.POST or None, items=work.items)
    if request.method == "POST" and form.is_valid():
        try:
            services.scores_save(
                actor=user,
                evaluation=evaluation,
                proposal=work.proposal,
                scores={
                    key: services.ScoreInput(score, comment)
                    for key, (score, comment) in form.entries().items()
                },
            )
        except ApplicationError as exc:
            if isinstance(exc, ConflictError) or exc.status_code in (403, 404):
                raise
            for key, problems in exc.fields.items():
                _, item_key = key.split(".", 1) if "." in key else ("", key)
                item, _, field = item_key.rpartition(".")
                name = f"{field}_{item}" if item else None
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, f"Your scores of {work.vendor} are saved as a draft.")
            return redirect("scoring_my_work", rfp.pk)
    content_rfp = rfp_with_content(rfp.pk)
    context = page_context(request, rfp, evaluation, "mine")
    context.update(
        {
            "work": work,
            "form": form,
            "submitted": submitted,
            "sections": answer_sections(content_rfp, submitted.content),
            "lots": lot_views(content_rfp, submitted.content, None, for_buyer=True),
            "peers": selectors.peer_scores(evaluation=evaluation, user=user, work=work),
            "score_bands": SCORE_BANDS,
            "multiple_lots": content_rfp.lots.count() > 1,
        }
    )
    return render(request, "scoring/score_vendor.html", context, status=form_status(form))


@login_required
def submit_scores(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    """Check your answers, then submit: scores become final and count."""
    rfp, evaluation = _scorer(request, rfp_pk)
    user = request_user(request)
    workload = selectors.evaluator_workload(evaluation=evaluation, user=user)
    error = ""
    if request.method == "POST":
        try:
            count = services.scores_submit(actor=user, evaluation=evaluation)
        except ApplicationError as exc:
            if exc.status_code in (403, 404):
                raise
            error = exc.message
        else:
            messages.success(
                request,
                f"{count} score{'s' if count != 1 else ''} submitted. You can now see the other "
                "evaluators' scores of the same items.",
            )
            return redirect("scoring_my_work", rfp.pk)
    context = page_context(request, rfp, evaluation, "mine")
    context.update({"workload": workload, "error": error})
    return render(request, "scoring/submit.html", context, status=409 if error else 200)


# --- Consensus -----------------------------------------------------------------------------------


@login_required
def consensus(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_evaluation_manager(request, rfp)
    results = results_or_none(request, rfp)
    show = request.GET.get("show", "flagged")
    context = page_context(request, rfp, evaluation, "consensus")
    context.update({"results": results, "show": show})
    return render(request, "scoring/consensus.html", context)


@login_required
def consensus_item(
    request: HttpRequest, rfp_pk: int, criterion_pk: int, proposal_pk: int, lot_pk: int
) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_evaluation_manager(request, rfp)
    criterion = get_object_or_404(Criterion, pk=criterion_pk, evaluation=evaluation)
    proposal = get_object_or_404(
        Proposal.objects.select_related("company"), pk=proposal_pk, rfp=rfp
    )
    lot = get_object_or_404(Lot, pk=lot_pk, rfp=rfp)
    results = results_or_none(request, rfp, lot=lot.pk)
    result = results.lots[0].proposal(proposal.pk) if results and results.lots else None
    leaf = result.leaf(criterion.pk) if result else None
    if leaf is None or leaf.evaluators is None:
        raise Http404
    current = leaf.evaluators.consensus
    form = ConsensusForm(
        request.POST or None,
        initial={
            "score": current.score
            if current
            else (
                Decimal(str(round(leaf.evaluators.aggregate, 1)))
                if leaf.evaluators.aggregate is not None
                else None
            ),
            "justification": current.justification if current else "",
        },
    )
    if request.method == "POST":
        try:
            if request.POST.get("clear"):
                services.consensus_clear(
                    actor=request_user(request),
                    evaluation=evaluation,
                    criterion=criterion,
                    proposal=proposal,
                    lot=lot,
                )
                messages.success(
                    request,
                    "Consensus score removed: the evaluators' "
                    f"{evaluation.aggregation} counts again.",
                )
                return redirect("scoring_consensus", rfp.pk)
            if form.is_valid():
                services.consensus_set(
                    actor=request_user(request),
                    evaluation=evaluation,
                    criterion=criterion,
                    proposal=proposal,
                    lot=lot,
                    score=form.cleaned_data["score"],
                    justification=form.cleaned_data["justification"],
                )
                messages.success(
                    request,
                    f"Consensus score of {proposal.company.display_name} on “{criterion.name}” "
                    "saved.",
                )
                return redirect("scoring_consensus", rfp.pk)
        except ApplicationError as exc:
            if isinstance(exc, ConflictError) or exc.status_code in (403, 404):
                raise
            add_application_error(form, exc)
    context = page_context(request, rfp, evaluation, "consensus")
    context.update(
        {
            "form": form,
            "criterion": criterion,
            "proposal": proposal,
            "lot": lot,
            "leaf": leaf,
            "vendor": result.vendor if result else "",
        }
    )
    return render(request, "scoring/consensus_item.html", context, status=form_status(form))
