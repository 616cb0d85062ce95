"""The browser door for RFPs. Thin: find what the user may see, parse the
form, call one service, render. Rules live in rfp.services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.permissions import (
    Capability,
    buyer_can,
    buyer_membership,
    require_buyer,
    vendor_membership,
)
from bpo_portal.uploads import serve_private_file
from bpo_portal.web import request_user
from rfp import parts, selectors, services
from rfp.filters import RFPFilter
from rfp.forms import (
    AnswerForm,
    AskQuestionForm,
    AttachmentForm,
    CancelForm,
    DeclineForm,
    DeleteForm,
    DetailsForm,
    InviteCompaniesForm,
    InviteEmailForm,
    LotForm,
    PricingLineForm,
    QuestionForm,
    ReturnForm,
    RFPCreateForm,
    RFPEditForm,
    SaveAsTemplateForm,
    SectionForm,
    ServiceLevelForm,
    TimelineForm,
    TransitionForm,
    VisibilityForm,
)
from rfp.models import (
    CHARGE_DEFAULTS,
    METRIC_DEFAULTS,
    RFP,
    Addendum,
    InvitationStatus,
    Lot,
    PricingLine,
    Question,
    QuestionSection,
    RFPAttachment,
    RFPInvitation,
    RFPQuestion,
    RFPStatus,
    RFPTransition,
    ServiceLevel,
)


def _show_error(form: forms.Form, error: ApplicationError) -> None:
    """A service's refusal in the form: beside each field it names, the rest at the top.
    After a version conflict the form keeps the user's input and the current version."""
    if isinstance(error, ConflictError) and "current_version" in error.extra:
        if isinstance(form, RFPEditForm):
            form.with_version(error.extra["current_version"])
        form.add_error(None, error.message)
        return
    placed = False
    for name, field_messages in error.fields.items():
        for message in field_messages:
            if name in form.fields:
                form.add_error(name, message)
            else:
                form.add_error(None, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _first_error(form: forms.Form) -> str:
    for field_errors in form.errors.values():
        if field_errors:
            return str(field_errors[0])
    return "Please try again."


def _status_for(form: forms.Form, error: ApplicationError | None = None) -> int:
    if error is not None and isinstance(error, ConflictError):
        return 409
    return 400 if form.errors else 200


def _visible_rfp(request: HttpRequest, pk: int) -> RFP:
    return get_object_or_404(
        selectors.rfps_visible_to(request_user(request)).select_related("organization"), pk=pk
    )


def _editable_rfp(request: HttpRequest, pk: int) -> RFP:
    """An RFP the user may edit: their organization's, their role allows it."""
    rfp = _visible_rfp(request, pk)
    require_buyer(request_user(request), Capability.EDIT_RFP, rfp.organization_id)
    return rfp


def _rfp_content(request: HttpRequest, pk: int) -> RFP:
    rfp = get_object_or_404(
        selectors.rfp_detail_queryset(request_user(request)).prefetch_related(
            Prefetch(
                "invitations",
                queryset=RFPInvitation.objects.select_related("company").order_by(
                    "created_at", "id"
                ),
            )
        ),
        pk=pk,
    )
    return rfp


# --- List and create --------------------------------------------------------------------------


@login_required
def rfp_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if buyer_membership(user) is None and vendor_membership(user) is None:
        return redirect("onboarding")
    queryset = selectors.rfp_list_queryset(user)
    filterset = RFPFilter(request.GET or None, queryset=queryset)
    rfps = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    page = Paginator(rfps, 25).get_page(request.GET.get("page"))
    if vendor_membership(user) is not None:
        for rfp in page.object_list:
            own = rfp.own_invitations  # type: ignore[attr-defined]
            rfp.own_invitation = own[0] if own else None  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "rfp/list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "is_vendor": vendor_membership(user) is not None,
            "can_create": buyer_can(user, Capability.EDIT_RFP),
            "sort_choices": [
                ("-created", "Newest first"),
                ("deadline", "Deadline, soonest first"),
                ("reference", "Reference"),
                ("title", "Title"),
            ],
            "current_sort": request.GET.get("ordering", "-created"),
            "filtered": bool(
                request.GET.get("q")
                or request.GET.getlist("status")
                or request.GET.get("service_category")
            ),
        },
    )


@login_required
def rfp_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_buyer(user, Capability.EDIT_RFP)
    templates = list(selectors.templates_available_to(user))
    form = RFPCreateForm(templates=templates, initial={"template": request.GET.get("template")})
    if request.method == "POST":
        form = RFPCreateForm(request.POST, templates=templates)
        if form.is_valid():
            choice = form.cleaned_data["template"]
            try:
                if choice == "blank":
                    rfp = services.rfp_create(actor=user, title=form.cleaned_data["title"])
                else:
                    rfp = services.rfp_create_from_template(
                        actor=user,
                        template=form.templates[choice],
                        title=form.cleaned_data["title"],
                    )
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request,
                    f"{rfp.reference} is created as a draft. Work through each part below.",
                )
                return redirect("rfp_detail", rfp.pk)
    return render(
        request,
        "rfp/create.html",
        {
            "form": form,
            "starter_templates": [t for t in templates if t.organization_id is None],
            "own_templates": [t for t in templates if t.organization_id is not None],
        },
        status=_status_for(form),
    )


# --- Detail -----------------------------------------------------------------------------------


@login_required
def rfp_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _rfp_content(request, pk)
    if vendor_membership(user) is not None:
        return _vendor_detail(request, rfp)
    invitations = list(rfp.invitations.all())
    acknowledged = selectors.addendum_acknowledgements(rfp)
    addenda = list(rfp.addenda.all())
    counts = RFPQuestion.objects.filter(rfp=rfp).aggregate(
        total=Count("id"), unanswered=Count("id", filter=Q(answer=""))
    )
    return render(
        request,
        "rfp/detail_buyer.html",
        {
            "rfp": rfp,
            "tasks": selectors.rfp_task_list(rfp)
            if rfp.status in (RFPStatus.DRAFT, RFPStatus.PENDING_APPROVAL)
            else None,
            "invitations": invitations,
            "invitation_counts": {
                status: sum(1 for i in invitations if i.status == status)
                for status in InvitationStatus.values
            },
            "addenda": [(addendum, len(acknowledged.get(addendum.pk, ()))) for addendum in addenda],
            "question_counts": counts,
            "question_total": sum(len(s.questions.all()) for s in rfp.sections.all()),
            "last_transition": RFPTransition.objects.filter(rfp=rfp)
            .select_related("actor")
            .order_by("-created_at", "-id")
            .first(),
            "can_edit": buyer_can(user, Capability.EDIT_RFP),
            "can_approve": buyer_can(user, Capability.APPROVE_RFP),
            "approval_refusal": _approval_refusal(user, rfp),
            "actions": _available_actions(user, rfp),
            "transition_form": TransitionForm(initial={"version": rfp.version}),
        },
    )


def _approval_refusal(user: User, rfp: RFP) -> str | None:
    """Why this admin cannot approve it (four eyes), shown instead of the button."""
    if not buyer_can(user, Capability.APPROVE_RFP):
        return None
    return services.rfp_approval_refusal(actor=user, rfp=rfp)


def _available_actions(user: User, rfp: RFP) -> list[str]:
    """What this user may do to this RFP now, for the buttons (the services decide)."""
    out = []
    for action, (sources, _, capability, _) in services.TRANSITIONS.items():
        if rfp.current_status() in sources and buyer_can(user, capability):
            out.append(action)
    return out


def _vendor_detail(
    request: HttpRequest, rfp: RFP, *, decline_form: DeclineForm | None = None
) -> HttpResponse:
    vendor = vendor_membership(request_user(request))
    assert vendor is not None
    invitation = selectors.vendor_invitation(rfp, vendor.company_id)
    addenda = selectors.addenda_for_company(rfp, vendor.company_id)
    return render(
        request,
        "rfp/detail_vendor.html",
        {
            "rfp": rfp,
            "invitation": invitation,
            "addenda": addenda,
            "unacknowledged": [a for a in addenda if a.acknowledged_at is None],  # type: ignore[attr-defined]
            "answers": RFPQuestion.objects.filter(rfp=rfp, is_published=True),
            "decline_form": decline_form or DeclineForm(),
            "show_decline": decline_form is not None,
            "open_for_bids": rfp.is_open_for_bids(),
        },
        status=400 if decline_form is not None and decline_form.errors else 200,
    )


@login_required
def rfp_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Exactly what an invited vendor will see (the same template), for the buyer."""
    user = request_user(request)
    if buyer_membership(user) is None:
        raise Http404
    rfp = _rfp_content(request, pk)
    return render(
        request,
        "rfp/preview.html",
        {
            "rfp": rfp,
            "addenda": list(rfp.addenda.all()),
            "answers": RFPQuestion.objects.filter(rfp=rfp, is_published=True),
        },
    )


@login_required
def rfp_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    if buyer_membership(user) is None:
        raise Http404
    rfp = _visible_rfp(request, pk)
    return render(
        request, "rfp/timeline.html", {"rfp": rfp, "entries": selectors.rfp_timeline(rfp)}
    )


@login_required
def rfp_attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    rfp = _visible_rfp(request, pk)
    attachment = get_object_or_404(RFPAttachment, pk=attachment_pk, rfp=rfp)
    services.rfp_attachment_downloaded(user=request_user(request), rfp=rfp, attachment=attachment)
    return serve_private_file(
        request, attachment.file, filename=attachment.name, content_type=attachment.content_type
    )


# --- The stepped editor -------------------------------------------------------------------------


def _editor_guard(request: HttpRequest, rfp: RFP) -> HttpResponse | None:
    if rfp.status in services.EDITABLE_STATUSES:
        return None
    if rfp.status == RFPStatus.PENDING_APPROVAL:
        messages.warning(
            request,
            "This RFP is waiting for approval and cannot be changed. An admin can return it "
            "to draft.",
        )
    else:
        messages.warning(
            request, f"This RFP is {rfp.get_status_display().lower()}: it can no longer be changed."
        )
    return redirect("rfp_detail", rfp.pk)


def _editor_context(rfp: RFP, step: str) -> dict[str, Any]:
    tasks = selectors.rfp_task_list(rfp)
    current = next(t for t in tasks if t.key == step)
    keys = [t.key for t in tasks]
    index = keys.index(step)
    return {
        "rfp": rfp,
        "tasks": tasks,
        "step": current,
        "next_step": tasks[index + 1] if index + 1 < len(tasks) else None,
        "previous_step": tasks[index - 1] if index > 0 else None,
        "delete_form": DeleteForm(rfp=rfp),
    }


def _details_initial(rfp: RFP) -> dict[str, Any]:
    initial = model_to_dict(rfp, fields=[n for n in DetailsForm.base_fields if n != "version"])
    initial["version"] = rfp.version
    return initial


@login_required
def rfp_edit(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    part = parts.get(step)
    if step not in selectors.STEP_LABELS and part is None:
        raise Http404
    user = request_user(request)
    editable = _editable_rfp(request, pk)
    if part is not None:  # a part a higher layer edits on its own pages (rfp.parts)
        return redirect(part.url(editable))
    rfp = _rfp_content(request, pk)
    guard = _editor_guard(request, rfp)
    if guard is not None:
        return guard
    handler = _STEP_HANDLERS[step]
    return handler(request, user, rfp)


def _save_rfp_form(
    request: HttpRequest, user: User, rfp: RFP, form: RFPEditForm, step: str, done: str
) -> HttpResponse | None:
    """Validate and save a form of RFP fields; None means 're-render the form'."""
    if not form.is_valid():
        return None
    try:
        updated = services.rfp_update(
            actor=user,
            rfp=rfp,
            version=form.cleaned_data["version"],
            addendum_summary=form.cleaned_data.get("addendum_summary") or "",
            **form.service_fields(),
        )
    except ApplicationError as exc:
        _show_error(form, exc)
        request.conflict = isinstance(exc, ConflictError)  # type: ignore[attr-defined]
        return None
    messages.success(request, done + _addendum_note(rfp, updated))
    return redirect("rfp_edit", updated.pk, step)


def _addendum_note(before: RFP, after: RFP) -> str:
    if after.status == RFPStatus.PUBLISHED and after.version != before.version:
        latest = Addendum.objects.filter(rfp=after).order_by("-number").first()
        if latest is not None and latest.rfp_version == after.version:
            return f" Addendum {latest.number} was sent to the invited vendors."
    return ""


def _render_step(
    request: HttpRequest, template: str, rfp: RFP, step: str, form: forms.Form | None, **extra: Any
) -> HttpResponse:
    context = _editor_context(rfp, step)
    context.update(form=form, **extra)
    status = 409 if getattr(request, "conflict", False) else (400 if form and form.errors else 200)
    return render(request, template, context, status=status)


def _step_details(request: HttpRequest, user: User, rfp: RFP) -> HttpResponse:
    form = DetailsForm(rfp=rfp, initial=_details_initial(rfp))
    if request.method == "POST":
        form = DetailsForm(request.POST, rfp=rfp)
        response = _save_rfp_form(request, user, rfp, form, "details", "Details saved.")
        if response is not None:
            return response
    return _render_step(
        request,
        "rfp/edit_details.html",
        rfp,
        "details",
        form,
        attachment_form=AttachmentForm(rfp=rfp),
    )


def _timeline_form(request: HttpRequest, rfp: RFP) -> TimelineForm:
    initial = {
        "question_deadline": rfp.question_deadline,
        "submission_deadline": rfp.submission_deadline,
        "expected_award_date": rfp.expected_award_date,
    }
    if request.method == "POST":
        return TimelineForm(request.POST, rfp=rfp)
    return TimelineForm(rfp=rfp, initial=initial)


def _step_timeline(request: HttpRequest, user: User, rfp: RFP) -> HttpResponse:
    form = _timeline_form(request, rfp)
    if request.method == "POST":
        response = _save_rfp_form(request, user, rfp, form, "timeline", "Timeline saved.")
        if response is not None:
            return response
    return _render_step(request, "rfp/edit_timeline.html", rfp, "timeline", form)


@login_required
@require_POST
def rfp_timeline_check(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: check the dates as they are entered, without saving. Answers a short
    status line; the user's input is never replaced."""
    rfp = _editable_rfp(request, pk)
    form = TimelineForm(request.POST, rfp=rfp)
    form.is_valid()
    # The addendum's summary is asked for on saving, not while the dates are typed.
    problems = [
        str(error)
        for name, field_errors in form.errors.items()
        if name != "addendum_summary"
        for error in field_errors
    ]
    if not problems:
        errors = services.rfp_timeline_errors(
            rfp=rfp,
            question_deadline=form.cleaned_data["question_deadline"],
            submission_deadline=form.cleaned_data["submission_deadline"],
            expected_award_date=form.cleaned_data["expected_award_date"],
        )
        problems = [message for messages_ in errors.values() for message in messages_]
    return render(
        request,
        "rfp/edit_timeline.html#timeline-check",
        {"checked": True, "check_errors": problems},
    )


def _step_lots(request: HttpRequest, user: User, rfp: RFP) -> HttpResponse:
    return _render_step(request, "rfp/edit_lots.html", rfp, "lots", None)


def _step_questionnaire(request: HttpRequest, user: User, rfp: RFP) -> HttpResponse:
    return _render_step(request, "rfp/edit_questionnaire.html", rfp, "questionnaire", None)


def _step_pricing(request: HttpRequest, user: User, rfp: RFP) -> HttpResponse:
    return _render_step(request, "rfp/edit_pricing.html", rfp, "pricing", None)


def _step_slas(request: HttpRequest, user: User, rfp: RFP) -> HttpResponse:
    return _render_step(request, "rfp/edit_slas.html", rfp, "slas", None)


def _vendor_picker(request: HttpRequest, rfp: RFP) -> dict[str, Any]:
    show_all = request.GET.get("show") == "all"
    search = request.GET.get("q", "")
    candidates = selectors.vendors_to_invite(rfp, show_all=show_all, search=search)
    return {
        "candidates": candidates[:100],
        "show_all": show_all,
        "search": search,
    }


def _step_vendors(request: HttpRequest, user: User, rfp: RFP) -> HttpResponse:
    form = VisibilityForm(rfp=rfp, initial={"visibility": rfp.visibility})
    if request.method == "POST":
        form = VisibilityForm(request.POST, rfp=rfp)
        response = _save_rfp_form(request, user, rfp, form, "vendors", "Saved.")
        if response is not None:
            return response
    picker = _vendor_picker(request, rfp)
    return _render_step(
        request,
        "rfp/edit_vendors.html",
        rfp,
        "vendors",
        form,
        invite_form=InviteCompaniesForm(queryset=picker["candidates"]),
        email_form=InviteEmailForm(),
        **picker,
    )


@login_required
def rfp_vendor_search(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the vendor picker, filtered as the user types."""
    rfp = _editable_rfp(request, pk)
    picker = _vendor_picker(request, rfp)
    return render(
        request,
        "rfp/edit_vendors.html#vendor-picker",
        {"rfp": rfp, "invite_form": InviteCompaniesForm(queryset=picker["candidates"]), **picker},
    )


_STEP_HANDLERS: dict[str, Callable[[HttpRequest, User, RFP], HttpResponse]] = {
    "details": _step_details,
    "lots": _step_lots,
    "questionnaire": _step_questionnaire,
    "pricing": _step_pricing,
    "slas": _step_slas,
    "timeline": _step_timeline,
    "vendors": _step_vendors,
}


# --- Parts: one set of views for lots, sections, questions, pricing lines and KPIs -------------


@dataclass(frozen=True)
class PartKind:
    noun: str
    step: str
    form: type[RFPEditForm]
    instance_kwarg: str
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    get: Callable[[RFP, int], Any]
    fields: tuple[str, ...]


def _lot(rfp: RFP, part_pk: int) -> Lot:
    return get_object_or_404(Lot, pk=part_pk, rfp=rfp)


def _section(rfp: RFP, part_pk: int) -> QuestionSection:
    return get_object_or_404(QuestionSection, pk=part_pk, rfp=rfp)


def _question(rfp: RFP, part_pk: int) -> Question:
    return get_object_or_404(
        Question.objects.select_related("section"), pk=part_pk, section__rfp=rfp
    )


def _pricing_line(rfp: RFP, part_pk: int) -> PricingLine:
    return get_object_or_404(PricingLine.objects.select_related("lot"), pk=part_pk, lot__rfp=rfp)


def _service_level(rfp: RFP, part_pk: int) -> ServiceLevel:
    return get_object_or_404(ServiceLevel.objects.select_related("lot"), pk=part_pk, lot__rfp=rfp)


PARTS: dict[str, PartKind] = {
    "lot": PartKind(
        "lot",
        "lots",
        LotForm,
        "lot",
        services.lot_create,
        services.lot_update,
        services.lot_delete,
        _lot,
        tuple(n for n in LotForm.base_fields if n not in ("version", "addendum_summary")),
    ),
    "section": PartKind(
        "section",
        "questionnaire",
        SectionForm,
        "section",
        services.question_section_create,
        services.question_section_update,
        services.question_section_delete,
        _section,
        ("title", "description"),
    ),
    "question": PartKind(
        "question",
        "questionnaire",
        QuestionForm,
        "question",
        services.question_create,
        services.question_update,
        services.question_delete,
        _question,
        (
            "section",
            "text",
            "kind",
            "choices",
            "mandatory",
            "guidance",
            "is_knockout",
            "knockout_answer",
        ),
    ),
    "pricing-line": PartKind(
        "pricing line",
        "pricing",
        PricingLineForm,
        "line",
        services.pricing_line_create,
        services.pricing_line_update,
        services.pricing_line_delete,
        _pricing_line,
        ("lot", *services.PRICING_FIELDS),
    ),
    "kpi": PartKind(
        "KPI",
        "slas",
        ServiceLevelForm,
        "level",
        services.service_level_create,
        services.service_level_update,
        services.service_level_delete,
        _service_level,
        ("lot", *services.SERVICE_LEVEL_FIELDS),
    ),
}


def _part_form(
    kind: PartKind, rfp: RFP, data: Any = None, *, instance: Any = None, initial: Any = None
) -> RFPEditForm:
    kwargs: dict[str, Any] = {"rfp": rfp, "initial": initial or {}}
    if kind.form in (PricingLineForm, ServiceLevelForm):
        kwargs["editing"] = instance is not None
    return kind.form(data, **kwargs) if data is not None else kind.form(**kwargs)


def _part_initial(kind: PartKind, instance: Any) -> dict[str, Any]:
    initial = model_to_dict(instance, fields=[f for f in kind.fields if f != "section"])
    if isinstance(instance, Question):
        initial["section"] = instance.section_id
        initial["choices"] = "\n".join(instance.choices)
    if "lot" in initial:
        initial["lot"] = instance.lot_id
    return initial


def _new_part_initial(kind_name: str, request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    if kind_name == "lot":
        initial = {"sla_type": "customer", "contract_term_months": 36}
    elif kind_name == "question":
        initial = {"kind": "text", "mandatory": True, "section": request.GET.get("section")}
    elif kind_name == "pricing-line":
        initial = {"lot": request.GET.get("lot"), "recurrence": "monthly", "fixed_quantity": 1}
    elif kind_name == "kpi":
        initial = {
            "lot": request.GET.get("lot"),
            "direction": "higher",
            "measurement_frequency": "monthly",
        }
    return {k: v for k, v in initial.items() if v is not None}


@login_required
def rfp_part(
    request: HttpRequest, pk: int, kind_name: str, part_pk: int | None = None
) -> HttpResponse:
    kind = PARTS.get(kind_name)
    if kind is None:
        raise Http404
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    guard = _editor_guard(request, rfp)
    if guard is not None:
        return guard
    instance = kind.get(rfp, part_pk) if part_pk is not None else None
    initial = (
        _part_initial(kind, instance)
        if instance is not None
        else _new_part_initial(kind_name, request)
    )
    form = _part_form(kind, rfp, instance=instance, initial=initial)
    conflict = False
    if request.method == "POST":
        form = _part_form(kind, rfp, request.POST, instance=instance)
        if form.is_valid():
            fields = form.service_fields()
            common = {
                "actor": user,
                "version": form.cleaned_data["version"],
                "addendum_summary": form.cleaned_data.get("addendum_summary") or "",
            }
            try:
                if instance is None:
                    saved = kind.create(rfp=rfp, **common, **fields)
                else:
                    saved = kind.update(**{kind.instance_kwarg: instance}, **common, **fields)
            except ApplicationError as exc:
                _show_error(form, exc)
                conflict = isinstance(exc, ConflictError)
            else:
                updated = RFP.objects.get(pk=rfp.pk)
                messages.success(
                    request,
                    f"{kind.noun[:1].upper()}{kind.noun[1:]} saved: {saved}."
                    + _addendum_note(rfp, updated),
                )
                return redirect(
                    reverse("rfp_edit", args=[rfp.pk, kind.step]) + f"#{kind_name}-{saved.pk}"
                )
    context = {
        "rfp": rfp,
        "form": form,
        "kind": kind,
        "kind_name": kind_name,
        "instance": instance,
        "step_label": selectors.STEP_LABELS[kind.step],
        "charge_defaults": CHARGE_DEFAULTS,
        "metric_defaults": METRIC_DEFAULTS,
    }
    status = 409 if conflict else (400 if form.errors else 200)
    return render(request, "rfp/part_form.html", context, status=status)


@login_required
@require_POST
def rfp_part_delete(request: HttpRequest, pk: int, kind_name: str, part_pk: int) -> HttpResponse:
    kind = PARTS.get(kind_name)
    if kind is None:
        raise Http404
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    guard = _editor_guard(request, rfp)
    if guard is not None:
        return guard
    instance = kind.get(rfp, part_pk)
    form = DeleteForm(request.POST, rfp=rfp)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("rfp_part_edit", rfp.pk, kind_name, part_pk)
    try:
        updated = kind.delete(
            actor=user,
            version=form.cleaned_data["version"],
            addendum_summary=form.cleaned_data.get("addendum_summary") or "",
            **{kind.instance_kwarg: instance},
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{kind.noun[:1].upper()}{kind.noun[1:]} removed: {instance}."
            + _addendum_note(rfp, updated),
        )
    return redirect("rfp_edit", rfp.pk, kind.step)


# --- Attachments --------------------------------------------------------------------------------


@login_required
@require_POST
def rfp_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    form = AttachmentForm(request.POST, request.FILES, rfp=rfp)
    if form.is_valid():
        try:
            attachment = services.rfp_attachment_add(
                actor=user,
                rfp=rfp,
                version=form.cleaned_data["version"],
                upload=form.cleaned_data["file"],
                addendum_summary=form.cleaned_data.get("addendum_summary") or "",
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{attachment.name} is attached.")
    else:
        messages.error(request, _first_error(form))
    return redirect(reverse("rfp_edit", args=[rfp.pk, "details"]) + "#documents")


@login_required
@require_POST
def rfp_attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    attachment = get_object_or_404(RFPAttachment, pk=attachment_pk, rfp=rfp)
    form = DeleteForm(request.POST, rfp=rfp)
    if form.is_valid():
        try:
            services.rfp_attachment_delete(
                actor=user,
                attachment=attachment,
                version=form.cleaned_data["version"],
                addendum_summary=form.cleaned_data.get("addendum_summary") or "",
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{attachment.name} was removed.")
    return redirect(reverse("rfp_edit", args=[rfp.pk, "details"]) + "#documents")


# --- Invitations --------------------------------------------------------------------------------


@login_required
@require_POST
def rfp_invite(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    if "email" in request.POST:
        email_form = InviteEmailForm(request.POST)
        if email_form.is_valid():
            try:
                invitation = services.rfp_invitation_create(
                    actor=user, rfp=rfp, email=email_form.cleaned_data["email"]
                )
            except ApplicationError as exc:
                _show_error(email_form, exc)
            else:
                messages.success(request, _invited_message(rfp, [invitation]))
                return redirect(reverse("rfp_edit", args=[rfp.pk, "vendors"]) + "#invitees")
        full = _rfp_content(request, pk)
        picker = _vendor_picker(request, full)
        return _render_step(
            request,
            "rfp/edit_vendors.html",
            full,
            "vendors",
            VisibilityForm(rfp=full, initial={"visibility": full.visibility}),
            invite_form=InviteCompaniesForm(queryset=picker["candidates"]),
            email_form=email_form,
            **picker,
        )
    candidates = selectors.vendors_to_invite(rfp, show_all=True)
    form = InviteCompaniesForm(request.POST, queryset=candidates)
    if form.is_valid():
        try:
            invitations = services.rfp_invitations_create(
                actor=user, rfp=rfp, companies=form.cleaned_data["companies"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _invited_message(rfp, invitations))
    else:
        messages.error(request, "Choose vendors from the list.")
    return redirect(reverse("rfp_edit", args=[rfp.pk, "vendors"]) + "#invitees")


def _invited_message(rfp: RFP, invitations: list[RFPInvitation]) -> str:
    names = ", ".join(i.invitee_name for i in invitations)
    if rfp.status == RFPStatus.PUBLISHED:
        return f"Invited: {names}. They have been e-mailed."
    return f"Invited: {names}. They will be e-mailed when the RFP is published."


@login_required
@require_POST
def rfp_invitation_delete(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    invitation = get_object_or_404(
        RFPInvitation.objects.select_related("company"), pk=invitation_pk, rfp=rfp
    )
    try:
        services.rfp_invitation_delete(actor=user, invitation=invitation)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{invitation.invitee_name} is no longer invited.")
    return redirect(reverse("rfp_edit", args=[rfp.pk, "vendors"]) + "#invitees")


# --- Check your answers and the lifecycle ---------------------------------------------------------


@login_required
def rfp_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers, before submitting for approval or approving."""
    user = request_user(request)
    if buyer_membership(user) is None:
        raise Http404
    rfp = _rfp_content(request, pk)
    tasks = selectors.rfp_task_list(rfp)
    problems = [p for t in tasks for p in t.problems]
    return render(
        request,
        "rfp/check.html",
        {
            "rfp": rfp,
            "tasks": tasks,
            "problems": problems,
            "actions": _available_actions(user, rfp),
            "approval_refusal": _approval_refusal(user, rfp),
            "form": TransitionForm(initial={"version": rfp.version}),
            "return_form": ReturnForm(initial={"version": rfp.version}),
            "answers": [],
        },
    )


TRANSITION_SERVICES: dict[str, tuple[Callable[..., RFP], str]] = {
    "submit": (services.rfp_submit_for_approval, "{ref} was sent to your admins for approval."),
    "approve": (
        services.rfp_approve,
        "{ref} is approved and published. Invited vendors have been e-mailed.",
    ),
    "return": (services.rfp_return_to_draft, "{ref} was returned to draft with your comments."),
    "start_evaluation": (services.rfp_start_evaluation, "{ref} is under evaluation."),
}


@login_required
@require_POST
def rfp_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in TRANSITION_SERVICES:
        raise Http404
    user = request_user(request)
    # Every transition needs a role that edits RFPs: others get 403, not a redirect.
    rfp = _editable_rfp(request, pk)
    service, done = TRANSITION_SERVICES[action]
    form = (ReturnForm if action == "return" else TransitionForm)(request.POST)
    if not form.is_valid():
        messages.error(request, "The page was out of date. Check the RFP and try again.")
        return redirect("rfp_detail", rfp.pk)
    try:
        service(
            actor=user,
            rfp=rfp,
            version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        target = "rfp_check" if action in ("submit", "approve", "return") else "rfp_detail"
        return redirect(target, rfp.pk)
    messages.success(request, done.format(ref=rfp.reference))
    return redirect("rfp_detail", rfp.pk)


@login_required
def rfp_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    form = CancelForm(initial={"version": rfp.version})
    conflict = False
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                services.rfp_cancel(
                    actor=user,
                    rfp=rfp,
                    version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                _show_error(form, exc)
                conflict = isinstance(exc, ConflictError)
            else:
                messages.success(request, f"{rfp.reference} is cancelled.")
                return redirect("rfp_detail", rfp.pk)
    sent = RFPInvitation.objects.filter(rfp=rfp, sent_at__isnull=False).count()
    return render(
        request,
        "rfp/cancel.html",
        {"rfp": rfp, "form": form, "sent_count": sent},
        status=409 if conflict else _status_for(form),
    )


# --- Templates ---------------------------------------------------------------------------------


@login_required
def rfp_save_as_template(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    form = SaveAsTemplateForm(initial={"title": rfp.title})
    if request.method == "POST":
        form = SaveAsTemplateForm(request.POST)
        if form.is_valid():
            try:
                template = services.rfp_save_as_template(actor=user, rfp=rfp, **form.cleaned_data)
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request,
                    f"Saved as the template '{template.title}'. Colleagues can start new RFPs "
                    "from it.",
                )
                return redirect("rfp_detail", rfp.pk)
    return render(
        request, "rfp/save_as_template.html", {"rfp": rfp, "form": form}, status=_status_for(form)
    )


@login_required
@require_POST
def rfp_template_delete(request: HttpRequest, template_pk: int) -> HttpResponse:
    user = request_user(request)
    template = get_object_or_404(selectors.templates_available_to(user), pk=template_pk)
    try:
        services.rfp_template_delete(actor=user, template=template)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The template '{template.title}' was removed.")
    return redirect("rfp_create")


# --- Q&A -----------------------------------------------------------------------------------------


@login_required
def rfp_questions(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _visible_rfp(request, pk)
    questions = selectors.clarifications_visible_to(user, rfp)
    vendor = vendor_membership(user)
    ask_form = AskQuestionForm()
    if request.method == "POST":
        ask_form = AskQuestionForm(request.POST)
        if ask_form.is_valid():
            try:
                question = services.clarification_ask(
                    actor=user, rfp=rfp, text=ask_form.cleaned_data["text"]
                )
            except ApplicationError as exc:
                _show_error(ask_form, exc)
            else:
                messages.success(
                    request,
                    f"Question {question.number} was sent to {rfp.organization}. You will be "
                    "e-mailed when it is answered.",
                )
                return redirect("rfp_questions", rfp.pk)
    context: dict[str, Any] = {"rfp": rfp, "ask_form": ask_form}
    if vendor is not None:
        context["own_questions"] = [q for q in questions if q.company_id == vendor.company_id]
        context["published"] = [q for q in questions if q.is_published]
        template = "rfp/questions_vendor.html"
    else:
        context["questions"] = list(questions)
        context["can_answer"] = buyer_can(user, Capability.EDIT_RFP) and rfp.is_open_for_bids()
        template = "rfp/questions_buyer.html"
    return render(request, template, context, status=_status_for(ask_form))


@login_required
def rfp_question_answer(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    question = get_object_or_404(
        RFPQuestion.objects.select_related("company", "asked_by"), pk=question_pk, rfp=rfp
    )
    form = AnswerForm(
        initial={
            "answer": question.answer,
            "public_question": question.public_question or question.text,
            "publish": "1" if question.is_published or not question.answer else "0",
        }
    )
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.clarification_answer(actor=user, question=question, **form.cleaned_data)
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request,
                    f"Question {question.number} is answered"
                    + (
                        " and published to every invited vendor."
                        if form.cleaned_data["publish"]
                        else ". Only the vendor who asked can see the answer."
                    ),
                )
                return redirect("rfp_questions", rfp.pk)
    return render(
        request,
        "rfp/question_answer.html",
        {"rfp": rfp, "question": question, "form": form},
        status=_status_for(form),
    )


# --- Vendor responses ---------------------------------------------------------------------


@login_required
@require_POST
def rfp_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """A vendor says it intends to bid, or declines with a reason."""
    user = request_user(request)
    rfp = _visible_rfp(request, pk)
    if request.POST.get("response") == "decline":
        form = DeclineForm(request.POST)
        if form.is_valid():
            try:
                services.rfp_decline(actor=user, rfp=rfp, reason=form.cleaned_data["reason"])
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(request, f"You declined {rfp.reference}. The buyer has been told.")
                return redirect("rfp_detail", rfp.pk)
        return _vendor_detail(request, _rfp_content(request, pk), decline_form=form)
    try:
        services.rfp_intend_to_bid(actor=user, rfp=rfp)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"The buyer knows you intend to bid on {rfp.reference}. Good luck!"
        )
    return redirect("rfp_detail", rfp.pk)


@login_required
@require_POST
def rfp_addendum_acknowledge(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    user = request_user(request)
    rfp = _visible_rfp(request, pk)
    addendum = get_object_or_404(Addendum, rfp=rfp, number=number)
    try:
        services.addendum_acknowledge(actor=user, addendum=addendum)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Addendum {number} acknowledged.")
    return redirect(reverse("rfp_detail", args=[rfp.pk]) + "#addenda")
