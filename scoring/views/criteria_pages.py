"""The criteria pages: the tree, the method settings, a criterion's form, the
weights of a level (direct or AHP)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from bpo_portal.forms import add_application_error
from bpo_portal.web import request_user
from rfp.models import RFP
from rfp.selectors import editor_steps
from scoring import selectors, services
from scoring.forms import (
    AHPForm,
    CriterionForm,
    SettingsForm,
    WeightsForm,
)
from scoring.models import (
    SCORE_BANDS,
    Criterion,
    Evaluation,
    Source,
    WeightMatrix,
)
from scoring.views._common import (
    form_status,
    page_context,
    require_evaluation_manager,
    rfp_and_evaluation,
)

# --- Criteria and weights ------------------------------------------------------------------------


def _criteria_editable(rfp: RFP) -> None:
    """The pages that change criteria or weights refuse at once when they are locked
    (the services refuse too: this only spares the user a form they cannot send)."""
    lock = selectors.criteria_lock(rfp)
    if not lock.editable:
        raise ConflictError(lock.message)


def _level(evaluation: Evaluation, level: str) -> Criterion | None:
    if level == "top":
        return None
    try:
        pk = int(level)
    except ValueError:
        raise Http404 from None
    return get_object_or_404(Criterion, pk=pk, evaluation=evaluation)


def _settings_initial(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "ranking_method": evaluation.ranking_method,
        "aggregation": evaluation.aggregation,
        "show_subcriteria_to_vendors": evaluation.show_subcriteria_to_vendors,
        "discussion_threshold": evaluation.discussion_threshold,
    }


@login_required
def criteria(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    context = page_context(request, rfp, evaluation, "criteria")
    if not context["can_read_results"]:
        raise PermissionDeniedError("The criteria are managed by the procurement manager.")
    tree = selectors.build_tree(selectors.criteria_of(evaluation))
    _, global_ = selectors.global_weights(tree)
    names = {n.criterion.pk: n.criterion.name for n in selectors.walk(tree)}
    ahp = {}
    for matrix in WeightMatrix.objects.filter(evaluation=evaluation):
        ahp[matrix.parent_id or 0] = selectors.ahp_summary(matrix, names)
    settings_form = SettingsForm(
        initial=_settings_initial(evaluation), addendum=context["lock"].needs_addendum
    )
    context.update(
        {
            "tree": tree,
            "rows": [
                (node, global_.get(node.criterion.pk, 0) * 100) for node in selectors.walk(tree)
            ],
            "levels": selectors.levels_of(tree),
            "ahp": ahp,
            "problems": selectors.criteria_problems(evaluation, tree),
            "history": selectors.criteria_history(evaluation)[:50],
            "settings_form": settings_form,
            "score_bands": SCORE_BANDS,
            **_editor_neighbours(context["lock"]),
        }
    )
    return render(request, "scoring/criteria.html", context)


def _editor_neighbours(lock: selectors.CriteriaLock) -> dict[str, Any]:
    """While the RFP is drafted the criteria are a step of its editor: the steps
    before and after, for the page's step navigation."""
    if lock.state != selectors.CRITERIA_OPEN:
        return {}
    steps = editor_steps()
    keys = [key for key, _ in steps]
    if "evaluation" not in keys:
        return {}
    index = keys.index("evaluation")
    return {
        "previous_step": steps[index - 1] if index > 0 else None,
        "next_step": steps[index + 1] if index + 1 < len(steps) else None,
    }


@login_required
def method(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_evaluation_manager(request, rfp)
    lock = selectors.criteria_lock(rfp)
    form = SettingsForm(
        request.POST or None,
        initial=_settings_initial(evaluation),
        addendum=lock.needs_addendum,
        locked=not lock.editable,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_settings_update(
                actor=request_user(request),
                evaluation=evaluation,
                ranking_method=form.cleaned_data["ranking_method"],
                aggregation=form.cleaned_data["aggregation"],
                discussion_threshold=form.cleaned_data["discussion_threshold"],
                show_subcriteria_to_vendors=form.cleaned_data["show_subcriteria_to_vendors"],
                addendum_summary=form.cleaned_data.get("addendum_summary") or "",
            )
        except ApplicationError as exc:
            if isinstance(exc, ConflictError):
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, "Method saved.")
            return redirect("scoring_criteria", rfp.pk)
    context = page_context(request, rfp, evaluation, "criteria")
    context["form"] = form
    return render(request, "scoring/method.html", context, status=form_status(form))


@login_required
def criterion_edit(
    request: HttpRequest, rfp_pk: int, criterion_pk: int | None = None
) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_evaluation_manager(request, rfp)
    _criteria_editable(rfp)
    criterion = (
        get_object_or_404(Criterion, pk=criterion_pk, evaluation=evaluation)
        if criterion_pk
        else None
    )
    parent = None
    if criterion is None and request.GET.get("parent"):
        parent = _level(evaluation, request.GET["parent"])
    initial: dict[str, Any] = {"source": Source.EVALUATORS}
    if criterion is not None:
        initial = {
            "name": criterion.name,
            "source": criterion.source,
            "description": criterion.description,
            "rubric": criterion.rubric,
        }
    form = CriterionForm(
        request.POST or None,
        initial=initial,
        addendum=selectors.criteria_lock(rfp).needs_addendum,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if criterion is None:
                services.criterion_create(
                    actor=request_user(request),
                    evaluation=evaluation,
                    parent=parent,
                    name=data["name"],
                    source=data["source"],
                    description=data["description"],
                    rubric=data["rubric"],
                    addendum_summary=data.get("addendum_summary") or "",
                )
                messages.success(
                    request,
                    f"“{data['name']}” added with a weight of 0 %: set its level's weights.",
                )
            else:
                services.criterion_update(
                    actor=request_user(request),
                    criterion=criterion,
                    name=data["name"],
                    source=data["source"],
                    description=data["description"],
                    rubric=data["rubric"],
                    addendum_summary=data.get("addendum_summary") or "",
                )
                messages.success(request, f"“{data['name']}” saved.")
        except ApplicationError as exc:
            if isinstance(exc, ConflictError):
                raise
            add_application_error(form, exc)
        else:
            return redirect("scoring_criteria", rfp.pk)
    context = page_context(request, rfp, evaluation, "criteria")
    context.update({"form": form, "criterion": criterion, "parent": parent})
    return render(request, "scoring/criterion_form.html", context, status=form_status(form))


@login_required
@require_POST
def criterion_delete(request: HttpRequest, rfp_pk: int, criterion_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    criterion = get_object_or_404(Criterion, pk=criterion_pk, evaluation=evaluation)
    try:
        services.criterion_delete(
            actor=request_user(request),
            criterion=criterion,
            addendum_summary=request.POST.get("addendum_summary", ""),
        )
    except ApplicationError as exc:
        if isinstance(exc, ConflictError | PermissionDeniedError):
            raise
        messages.error(request, exc.message)  # after publication: the addendum's summary
        return redirect("scoring_criterion_edit", rfp.pk, criterion.pk)
    messages.success(
        request,
        f"“{criterion.name}” removed; the other weights at its level were scaled back to 100 %.",
    )
    return redirect("scoring_criteria", rfp.pk)


@login_required
def weights(request: HttpRequest, rfp_pk: int, level: str) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_evaluation_manager(request, rfp)
    _criteria_editable(rfp)
    parent = _level(evaluation, level)
    siblings = list(Criterion.objects.filter(evaluation=evaluation, parent=parent))
    if not siblings:
        raise Http404
    form = WeightsForm(
        request.POST or None,
        criteria=siblings,
        addendum=selectors.criteria_lock(rfp).needs_addendum,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.weights_set(
                actor=request_user(request),
                evaluation=evaluation,
                parent=parent,
                weights=form.weights(),
                addendum_summary=form.cleaned_data.get("addendum_summary") or "",
            )
        except ApplicationError as exc:
            if isinstance(exc, ConflictError):
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, "Weights saved.")
            return redirect("scoring_criteria", rfp.pk)
    context = page_context(request, rfp, evaluation, "criteria")
    context.update(
        {
            "form": form,
            "parent": parent,
            "level": level,
            "has_matrix": WeightMatrix.objects.filter(
                evaluation=evaluation, parent=parent
            ).exists(),
        }
    )
    return render(request, "scoring/weights.html", context, status=form_status(form))


@login_required
def ahp(request: HttpRequest, rfp_pk: int, level: str) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_evaluation_manager(request, rfp)
    _criteria_editable(rfp)
    parent = _level(evaluation, level)
    siblings = list(Criterion.objects.filter(evaluation=evaluation, parent=parent))
    if len(siblings) < 2:
        raise Http404
    stored = WeightMatrix.objects.filter(evaluation=evaluation, parent=parent).first()
    matrix = None
    if stored is not None and sorted(stored.criterion_ids) == sorted(c.pk for c in siblings):
        order = {pk: i for i, pk in enumerate(stored.criterion_ids)}
        siblings.sort(key=lambda c: order[c.pk])
        matrix = stored.matrix
    form = AHPForm(
        request.POST or None,
        criteria=siblings,
        matrix=matrix,
        addendum=selectors.criteria_lock(rfp).needs_addendum,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.weights_set_by_ahp(
                actor=request_user(request),
                evaluation=evaluation,
                parent=parent,
                criterion_ids=[c.pk for c in siblings],
                judgements=form.judgements(),
                addendum_summary=form.cleaned_data.get("addendum_summary") or "",
            )
        except ApplicationError as exc:
            if isinstance(exc, ConflictError):
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, "Weights derived from your comparisons.")
            return redirect(reverse("scoring_ahp", args=[rfp.pk, level]) + "#consistency")
    names = {c.pk: c.name for c in siblings}
    summary = selectors.ahp_summary(stored, names) if matrix is not None and stored else None
    context = page_context(request, rfp, evaluation, "criteria")
    context.update(
        {"form": form, "parent": parent, "level": level, "summary": summary, "siblings": siblings}
    )
    return render(request, "scoring/ahp.html", context, status=form_status(form))
