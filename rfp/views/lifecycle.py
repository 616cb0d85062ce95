"""Check your answers, then the lifecycle: submit, approve, return to draft, start the
evaluation, cancel."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.permissions import buyer_membership
from bpo_portal.web import request_user
from rfp import selectors, services
from rfp.forms import CancelForm, ReturnForm, TransitionForm
from rfp.models import RFP, RFPInvitation
from rfp.views._common import _editable_rfp, _rfp_content, _show_error, _status_for
from rfp.views.browse import _approval_refusal, _available_actions

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
