"""The panel page (who scores what) and starting the scoring."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.forms import add_application_error
from bpo_portal.web import request_user
from rfp.models import Lot
from scoring import selectors, services
from scoring.forms import (
    AssignmentForm,
)
from scoring.views._common import (
    page_context,
    require_evaluation_manager,
    rfp_and_evaluation,
)

# --- The panel and starting ----------------------------------------------------------------------


def _assignable(tree: list[selectors.TreeNode]) -> list[tuple[int, str]]:
    """Criteria an evaluator can be put on: groups holding evaluator-scored criteria, and
    those criteria."""
    return [
        (node.criterion.pk, node.path)
        for node in selectors.walk(tree)
        if any(leaf.criterion.is_scored_by_evaluators for leaf in node.leaves())
    ]


@login_required
def panel(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_evaluation_manager(request, rfp)
    tree = selectors.build_tree(selectors.criteria_of(evaluation))
    options = _assignable(tree)
    lots = [(lot.pk, lot.name) for lot in Lot.objects.filter(rfp=rfp)]
    rows = selectors.panel_progress(evaluation)
    forms_by_user = {}
    error_for: int | None = None
    if request.method == "POST":
        # One form for the whole panel, so that nobody's choices are lost when the page
        # is saved; "evaluator" narrows the save to one member (as integrations post it).
        members = [r["user"] for r in rows]
        if "evaluator" in request.POST:
            members = [m for m in members if str(m.pk) == request.POST["evaluator"]]
            if not members:
                raise Http404
        for member in members:
            forms_by_user[member.pk] = AssignmentForm(
                request.POST, options=options, lots=lots, prefix=f"u{member.pk}"
            )
        error_for = next((pk for pk, form in forms_by_user.items() if not form.is_valid()), None)
        if error_for is None:
            choices = [
                (
                    member,
                    [int(pk) for pk in forms_by_user[member.pk].cleaned_data["criteria"]],
                    get_object_or_404(Lot, pk=forms_by_user[member.pk].cleaned_data["lot"], rfp=rfp)
                    if forms_by_user[member.pk].cleaned_data["lot"]
                    else None,
                )
                for member in members
            ]
            try:  # the whole panel or nothing
                services.panel_assignments_set(
                    actor=request_user(request), evaluation=evaluation, choices=choices
                )
            except ApplicationError as exc:
                if isinstance(exc, ConflictError):
                    raise
                error_for = exc.extra.get("evaluator")
                add_application_error(forms_by_user[error_for], exc)
            if error_for is None:
                names = ", ".join(str(m) for m in members)
                messages.success(request, f"Panel saved: {names}.")
                return redirect("scoring_panel", rfp.pk)
    for row in rows:
        member = row["user"]
        if member.pk not in forms_by_user:
            current = [a for a in row["assignments"] if a.lot_id is None]
            forms_by_user[member.pk] = AssignmentForm(
                initial={"criteria": [str(a.criterion_id) for a in current], "lot": ""},
                options=options,
                lots=lots,
                prefix=f"u{member.pk}",
            )
        row["form"] = forms_by_user[member.pk]
    context = page_context(request, rfp, evaluation, "panel")
    context.update(
        {
            "rows": rows,
            "problems": [
                p
                for p in selectors.criteria_problems(
                    evaluation, tree, selectors.assignments_of(evaluation)
                )
                if p.startswith("No evaluator")
            ],
            "multiple_lots": len(lots) > 1,
        }
    )
    return render(request, "scoring/panel.html", context, status=400 if error_for else 200)


@login_required
def start_scoring(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = rfp_and_evaluation(request, rfp_pk)
    require_evaluation_manager(request, rfp)
    tree = selectors.build_tree(selectors.criteria_of(evaluation))
    problems = selectors.criteria_problems(evaluation, tree, selectors.assignments_of(evaluation))
    error = ""
    if request.method == "POST":
        try:
            services.evaluation_start_scoring(actor=request_user(request), evaluation=evaluation)
        except ApplicationError as exc:
            if exc.status_code in (403, 404):
                raise
            error = exc.message
        else:
            messages.success(
                request, "Scoring has started: the evaluators are told, the criteria are locked."
            )
            return redirect("scoring_overview", rfp.pk)
    _, global_ = selectors.global_weights(tree)
    context = page_context(request, rfp, evaluation, "overview")
    context.update(
        {
            "problems": problems,
            "error": error,
            "rows": [(n, global_.get(n.criterion.pk, 0) * 100) for n in selectors.walk(tree)],
            "panel": selectors.panel_progress(evaluation),
        }
    )
    return render(request, "scoring/start.html", context, status=409 if error else 200)
