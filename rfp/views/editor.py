"""The stepped RFP editor: details, timeline, lots, questionnaire, pricing, service
levels and vendors, one step a page, and the RFP's documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.web import request_user
from rfp import parts, selectors, services
from rfp.forms import (
    AttachmentForm,
    DeleteForm,
    DetailsForm,
    InviteCompaniesForm,
    InviteEmailForm,
    RFPEditForm,
    TimelineForm,
    VisibilityForm,
)
from rfp.models import RFP, Addendum, RFPAttachment, RFPStatus
from rfp.views._common import _editable_rfp, _first_error, _rfp_content, _show_error

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
