"""Inviting vendors, and the vendor's side: intend to bid or decline, acknowledge an
addendum."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from bpo_portal.errors import ApplicationError
from bpo_portal.web import request_user
from rfp import selectors, services
from rfp.forms import DeclineForm, InviteCompaniesForm, InviteEmailForm, VisibilityForm
from rfp.models import RFP, Addendum, RFPInvitation, RFPStatus
from rfp.views._common import _editable_rfp, _rfp_content, _show_error, _visible_rfp
from rfp.views.browse import _vendor_detail
from rfp.views.editor import _render_step, _vendor_picker

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
    new = ", ".join(i.invitee_name for i in invitations if i.created_now)
    old = ", ".join(i.invitee_name for i in invitations if not i.created_now)
    already = f"Already invited (nothing sent again): {old}." if old else ""
    if not new:
        return already
    sent = (
        "They have been e-mailed."
        if rfp.status == RFPStatus.PUBLISHED
        else "They will be e-mailed when the RFP is published."
    )
    return " ".join(part for part in (f"Invited: {new}. {sent}", already) if part)


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
