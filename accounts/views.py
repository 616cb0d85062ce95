"""The browser door for people and organizations. Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.exports import audit_log_csv_write
from accounts.forms import (
    ApiTokenForm,
    InvitationSignupForm,
    InviteForm,
    OrganizationSettingsForm,
    ProfileForm,
    RoleForm,
)
from accounts.models import ApiToken, BuyerMembership, Invitation, User
from bpo_portal.errors import ApplicationError
from bpo_portal.forms import add_application_error
from bpo_portal.permissions import (
    Capability,
    buyer_membership,
    require_buyer,
)
from bpo_portal.web import request_user

# --- Team -----------------------------------------------------------------------


@login_required
def organization_members(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    membership = require_buyer(user, Capability.MANAGE_MEMBERS)
    organization = membership.organization
    form = InviteForm()
    if request.method == "POST":
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    actor=user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    organization=organization,
                )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(
                    request,
                    f"Invitation sent to {invitation.email}. The link is valid for "
                    f"{(invitation.expires_at - invitation.created_at).days} days.",
                )
                return redirect("organization_members")
    return render(
        request,
        "accounts/members.html",
        {
            "organization": organization,
            "members": selectors.organization_members(organization=organization),
            "invitations": selectors.organization_pending_invitations(organization=organization),
            "form": form,
            "role_form": RoleForm(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def membership_change_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    own = require_buyer(user, Capability.MANAGE_MEMBERS)
    membership = get_object_or_404(
        BuyerMembership.objects.select_related("user", "organization"),
        pk=pk,
        organization=own.organization,
    )
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role from the list.")
        return redirect("organization_members")
    try:
        services.membership_change_role(
            actor=user, membership=membership, role=form.cleaned_data["role"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
    return redirect("organization_members")


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    own = require_buyer(user, Capability.MANAGE_MEMBERS)
    membership = get_object_or_404(
        BuyerMembership.objects.select_related("user", "organization"),
        pk=pk,
        organization=own.organization,
    )
    try:
        services.membership_remove(actor=user, membership=membership)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user} no longer has access.")
    return redirect("organization_members")


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    own = require_buyer(user, Capability.MANAGE_MEMBERS)
    invitation = get_object_or_404(Invitation, pk=pk, buyer_organization=own.organization)
    try:
        services.invitation_revoke(actor=user, invitation=invitation)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
    return redirect("organization_members")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation e-mail: join, creating the account if needed."""
    try:
        invitation = services.invitation_for_token(token=token)
    except ApplicationError as exc:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"message": exc.message},
            status=exc.status_code,
        )
    existing = User.objects.filter(email__iexact=invitation.email).exists()
    form = InvitationSignupForm()
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(token=token, user=request_user(request))
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Welcome to {invitation.target}.")
                return redirect("dashboard")
    elif request.method == "POST" and not existing:
        form = InvitationSignupForm(request.POST)
        if form.is_valid():
            try:
                new_user = services.invitation_accept_new_user(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
            except ApplicationError as exc:
                if "password" in exc.fields:
                    for message in exc.fields["password"]:
                        form.add_error("password1", message)
                else:
                    add_application_error(form, exc)
            else:
                login(request, new_user, backend="accounts.backends.EmailBackend")
                messages.success(request, f"Welcome to {invitation.target}.")
                return redirect("dashboard")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "existing_account": existing, "form": form},
        status=400 if form.errors else 200,
    )


# --- Profile and tokens ------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = ProfileForm(instance=user)
    token_form = ApiTokenForm()
    new_key = None
    if request.method == "POST" and request.POST.get("action") == "profile":
        form = ProfileForm(request.POST, instance=User.objects.get(pk=user.pk))
        if form.is_valid():
            services.user_update_profile(
                user=user,
                full_name=form.cleaned_data["full_name"],
                time_zone=form.cleaned_data["time_zone"],
            )
            messages.success(request, "Your profile was saved.")
            return redirect("profile")
    elif request.method == "POST" and request.POST.get("action") == "create_token":
        token_form = ApiTokenForm(request.POST)
        if token_form.is_valid():
            try:
                token, new_key = services.api_token_create(
                    user=user, name=token_form.cleaned_data["name"]
                )
            except ApplicationError as exc:
                add_application_error(token_form, exc)
            else:
                token_form = ApiTokenForm()
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "token_form": token_form,
            "tokens": selectors.user_api_tokens(user=user),
            "new_key": new_key,
            "show_mfa": buyer_membership(user) is not None,
        },
        status=400 if (form.errors or token_form.errors) else 200,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    token = get_object_or_404(ApiToken, pk=pk, user=user)
    services.api_token_revoke(user=user, token=token)
    messages.success(
        request, f"The token '{token.name}' was revoked. Programs using it can no longer connect."
    )
    return redirect("profile")


# --- Organization settings and audit ---------------------------------------------------


@login_required
def organization_settings(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    membership = require_buyer(user, Capability.MANAGE_SETTINGS)
    organization = membership.organization
    form = OrganizationSettingsForm(instance=organization)
    if request.method == "POST":
        form = OrganizationSettingsForm(request.POST, instance=organization)
        if form.is_valid():
            try:
                services.buyer_organization_update(
                    actor=user, organization=organization, **form.cleaned_data
                )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(request, "Organization settings saved.")
                return redirect("organization_settings")
    return render(
        request,
        "accounts/organization_settings.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )


@login_required
def audit_log_export(request: HttpRequest) -> HttpResponse:
    """The whole audit log of the organization as CSV (times in UTC)."""
    user = request_user(request)
    membership = require_buyer(user, Capability.VIEW_AUDIT)
    # Recorded first, so the export lists itself.
    services.audit_log_exported(actor=user, organization=membership.organization)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    audit_log_csv_write(user=user, stream=response)
    return response


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_buyer(user, Capability.VIEW_AUDIT)
    events = selectors.audit_events_visible_to(user=user)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"page": page})
