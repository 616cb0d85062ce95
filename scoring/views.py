"""The browser door for scoring. Thin: find what the user may see (selectors),
parse the form, call one service, render. Rules live in scoring.services; who
sees what, and every number, in scoring.selectors.

The results page's what-if panel is a GET form: htmx sends it on every change
and swaps in the ranking; without JavaScript the button shows the same page
with those weights. Nothing is saved either way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from bpo_portal.forms import add_application_error
from bpo_portal.permissions import (
    Capability,
    buyer_can,
    buyer_membership,
    require_buyer,
    vendor_membership,
)
from bpo_portal.web import request_user
from proposals import services as proposal_services
from proposals.models import Proposal
from proposals.selectors import ProposalsSealedError, answer_sections, envelope_state, lot_views
from rfp.models import RFP, Lot
from rfp.selectors import editor_steps
from scoring import award as award_services
from scoring import results as scoring_results
from scoring import selectors, services
from scoring.forms import (
    AHPForm,
    AssignmentForm,
    AwardForm,
    ConflictForm,
    ConsensusForm,
    CriterionForm,
    DecisionForm,
    FinaliseForm,
    ScoresForm,
    SettingsForm,
    WeightsForm,
)
from scoring.models import (
    SCORE_BANDS,
    AwardDecision,
    AwardStatus,
    Criterion,
    Evaluation,
    Source,
    WeightMatrix,
)


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


def _rfp(request: HttpRequest, rfp_pk: int) -> RFP:
    return selectors.rfp_for_buyer(request_user(request), rfp_pk)


def _evaluation(request: HttpRequest, rfp_pk: int) -> tuple[RFP, Evaluation]:
    rfp = _rfp(request, rfp_pk)
    evaluation = selectors.evaluation_of(rfp)
    if evaluation is None:
        raise Http404("This RFP has no evaluation yet.")
    evaluation.rfp = rfp
    return rfp, evaluation


def _manager(request: HttpRequest, rfp: RFP) -> None:
    require_buyer(request_user(request), Capability.MANAGE_EVALUATION, rfp.organization_id)


def _criteria_editable(rfp: RFP) -> None:
    """The pages that change criteria or weights refuse at once when they are locked
    (the services refuse too: this only spares the user a form they cannot send)."""
    lock = selectors.criteria_lock(rfp)
    if not lock.editable:
        raise ConflictError(lock.message)


def _base(
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


def _level(evaluation: Evaluation, level: str) -> Criterion | None:
    if level == "top":
        return None
    try:
        pk = int(level)
    except ValueError:
        raise Http404 from None
    return get_object_or_404(Criterion, pk=pk, evaluation=evaluation)


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
    from rfp.models import RFPStatus
    from rfp.selectors import rfps_visible_to

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
    rfp = _rfp(request, rfp_pk)
    evaluation = selectors.evaluation_of(rfp)
    context = _base(request, rfp, evaluation, "overview")
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
    rfp = _rfp(request, rfp_pk)
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


def _settings_initial(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "ranking_method": evaluation.ranking_method,
        "aggregation": evaluation.aggregation,
        "show_subcriteria_to_vendors": evaluation.show_subcriteria_to_vendors,
        "discussion_threshold": evaluation.discussion_threshold,
    }


# --- Criteria and weights ------------------------------------------------------------------------


@login_required
def criteria(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = _evaluation(request, rfp_pk)
    context = _base(request, rfp, evaluation, "criteria")
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
    rfp, evaluation = _evaluation(request, rfp_pk)
    _manager(request, rfp)
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
    context = _base(request, rfp, evaluation, "criteria")
    context["form"] = form
    return render(request, "scoring/method.html", context, status=_status(form))


@login_required
def criterion_edit(
    request: HttpRequest, rfp_pk: int, criterion_pk: int | None = None
) -> HttpResponse:
    rfp, evaluation = _evaluation(request, rfp_pk)
    _manager(request, rfp)
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
    context = _base(request, rfp, evaluation, "criteria")
    context.update({"form": form, "criterion": criterion, "parent": parent})
    return render(request, "scoring/criterion_form.html", context, status=_status(form))


@login_required
@require_POST
def criterion_delete(request: HttpRequest, rfp_pk: int, criterion_pk: int) -> HttpResponse:
    rfp, evaluation = _evaluation(request, rfp_pk)
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
    rfp, evaluation = _evaluation(request, rfp_pk)
    _manager(request, rfp)
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
    context = _base(request, rfp, evaluation, "criteria")
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
    return render(request, "scoring/weights.html", context, status=_status(form))


@login_required
def ahp(request: HttpRequest, rfp_pk: int, level: str) -> HttpResponse:
    rfp, evaluation = _evaluation(request, rfp_pk)
    _manager(request, rfp)
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
    context = _base(request, rfp, evaluation, "criteria")
    context.update(
        {"form": form, "parent": parent, "level": level, "summary": summary, "siblings": siblings}
    )
    return render(request, "scoring/ahp.html", context, status=_status(form))


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
    rfp, evaluation = _evaluation(request, rfp_pk)
    _manager(request, rfp)
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
    context = _base(request, rfp, evaluation, "panel")
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
    rfp, evaluation = _evaluation(request, rfp_pk)
    _manager(request, rfp)
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
    context = _base(request, rfp, evaluation, "overview")
    context.update(
        {
            "problems": problems,
            "error": error,
            "rows": [(n, global_.get(n.criterion.pk, 0) * 100) for n in selectors.walk(tree)],
            "panel": selectors.panel_progress(evaluation),
        }
    )
    return render(request, "scoring/start.html", context, status=409 if error else 200)


# --- The evaluator's pages -----------------------------------------------------------------------


def _scorer(request: HttpRequest, rfp_pk: int) -> tuple[RFP, Evaluation]:
    rfp, evaluation = _evaluation(request, rfp_pk)
    require_buyer(request_user(request), Capability.SCORE, rfp.organization_id)
    if not evaluation.assignments.filter(evaluator=request_user(request)).exists():
        raise PermissionDeniedError("You are not on the evaluation panel of this RFP.")
    return rfp, evaluation


@login_required
def my_work(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = _scorer(request, rfp_pk)
    workload = selectors.evaluator_workload(evaluation=evaluation, user=request_user(request))
    context = _base(request, rfp, evaluation, "mine")
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
    context = _base(request, rfp, evaluation, "mine")
    context["form"] = form
    return render(request, "scoring/conflicts.html", context, status=_status(form))


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
    from rfp.selectors import rfp_with_content

    content_rfp = rfp_with_content(rfp.pk)
    context = _base(request, rfp, evaluation, "mine")
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
    return render(request, "scoring/score_vendor.html", context, status=_status(form))


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
    context = _base(request, rfp, evaluation, "mine")
    context.update({"workload": workload, "error": error})
    return render(request, "scoring/submit.html", context, status=409 if error else 200)


# --- Consensus -----------------------------------------------------------------------------------


def _results(
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


@login_required
def consensus(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = _evaluation(request, rfp_pk)
    _manager(request, rfp)
    results = _results(request, rfp)
    show = request.GET.get("show", "flagged")
    context = _base(request, rfp, evaluation, "consensus")
    context.update({"results": results, "show": show})
    return render(request, "scoring/consensus.html", context)


@login_required
def consensus_item(
    request: HttpRequest, rfp_pk: int, criterion_pk: int, proposal_pk: int, lot_pk: int
) -> HttpResponse:
    rfp, evaluation = _evaluation(request, rfp_pk)
    _manager(request, rfp)
    criterion = get_object_or_404(Criterion, pk=criterion_pk, evaluation=evaluation)
    proposal = get_object_or_404(
        Proposal.objects.select_related("company"), pk=proposal_pk, rfp=rfp
    )
    lot = get_object_or_404(Lot, pk=lot_pk, rfp=rfp)
    results = _results(request, rfp, lot=lot.pk)
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
    context = _base(request, rfp, evaluation, "consensus")
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
    return render(request, "scoring/consensus_item.html", context, status=_status(form))


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
    rfp, evaluation = _evaluation(request, rfp_pk)
    selectors.require_results_reader(request_user(request), rfp)
    lots, lot = _chosen_lot(request, rfp)
    what_if = _what_if(request.GET)
    data = _results(request, rfp, lot=lot.pk if lot else None, weights=what_if or None)
    lot_results = data.lots[0] if data and data.lots else None
    charts = scoring_results.results_charts(data, lot_results) if data and lot_results else ("", "")
    context = _base(request, rfp, evaluation, "results")
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
    rfp, evaluation = _evaluation(request, rfp_pk)
    selectors.require_results_reader(request_user(request), rfp)
    lots, lot = _chosen_lot(request, rfp)
    data = _results(request, rfp, lot=lot.pk if lot else None)
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
    context = _base(request, rfp, evaluation, "results")
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
    rfp, evaluation = _evaluation(request, rfp_pk)
    _manager(request, rfp)
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
    context = _base(request, rfp, evaluation, "overview")
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
            "results": _results(request, rfp),
        }
    )
    return render(request, "scoring/finalise.html", context, status=409 if error else 200)


# --- Award ---------------------------------------------------------------------------------------


@login_required
def award(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, evaluation = _evaluation(request, rfp_pk)
    selectors.require_results_reader(request_user(request), rfp)
    data = _results(request, rfp)
    context = _base(request, rfp, evaluation, "award")
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
    rfp, evaluation = _evaluation(request, rfp_pk)
    _manager(request, rfp)
    lot = get_object_or_404(Lot, pk=lot_pk, rfp=rfp)
    data = _results(request, rfp, lot=lot.pk)
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
    context = _base(request, rfp, evaluation, "award")
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
    return render(request, "scoring/award_propose.html", context, status=_status(form))


@login_required
def award_decide(request: HttpRequest, rfp_pk: int, award_pk: int) -> HttpResponse:
    rfp, evaluation = _evaluation(request, rfp_pk)
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
    data = _results(request, rfp, lot=decision.lot_id)
    context = _base(request, rfp, evaluation, "award")
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
    return render(request, "scoring/award_decide.html", context, status=_status(form))


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
