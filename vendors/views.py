"""The browser door for vendors: registration, the profile, colleagues, and the
buyers' directory and qualification. Thin: parse, call a service, render."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.services import invitation_create, invitation_revoke
from bpo_portal.errors import ApplicationError, ConflictError, NotFoundError
from bpo_portal.forms import add_application_error
from bpo_portal.permissions import (
    BUYER_ROLE_CAPABILITIES,
    Capability,
    buyer_membership,
    require_buyer,
    require_vendor,
    vendor_can,
    vendor_membership,
)
from bpo_portal.uploads import serve_private_file
from bpo_portal.web import request_user
from vendors import selectors, services
from vendors.filters import VendorFilter
from vendors.forms import (
    AccessRequestForm,
    CertificationForm,
    ColleagueInviteForm,
    CompanyDetailsForm,
    DeliveryCentreForm,
    LocationOverrideForm,
    QualificationForm,
    ReferenceForm,
    SecurityForm,
    ServicesForm,
    TechnologyForm,
    VendorRegistrationForm,
)
from vendors.geography import default_time_zone
from vendors.models import (
    AccessRequest,
    Certification,
    ClientReference,
    DeliveryCentre,
    LocationOverride,
    VendorCompany,
    VendorMembership,
)


def _own_company(
    request: HttpRequest, capability: Capability = Capability.EDIT_VENDOR_PROFILE
) -> VendorCompany:
    return require_vendor(request_user(request), capability).company


# --- Registration ---------------------------------------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    """Public: register a vendor company and its first user (the owner)."""
    if request.user.is_authenticated:
        return redirect("onboarding" if not vendor_membership(request.user) else "vendor_profile")
    # An RFP invitation to register links here with the invited address filled in.
    form = VendorRegistrationForm(
        request.POST or None, initial={"email": request.GET.get("email", "")}
    )
    duplicate: VendorCompany | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asking_for_access = request.POST.get("action") == "request_access"
        try:
            join = request.POST.get("company_id") if asking_for_access else None
            if join is not None and not join.isdigit():
                raise NotFoundError("That company is not registered.")
            user = services.vendor_registration(
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
                legal_name=data["legal_name"],
                headquarters_country=data["headquarters_country"],
                website=data["website"],
                join_company_id=int(join) if join is not None else None,
                message=request.POST.get("message", ""),
            )
        except ConflictError as exc:
            if "company_id" in exc.extra:
                duplicate = VendorCompany.objects.filter(pk=exc.extra["company_id"]).first()
            add_application_error(form, exc)
        except ApplicationError as exc:
            if "password" in exc.fields:
                for message in exc.fields["password"]:
                    form.add_error("password1", message)
            else:
                add_application_error(form, exc)
        else:
            if user is not None:  # None: the address has an account, its owner was told
                address = EmailAddress.objects.get(user=user, primary=True)
                address.send_confirmation(request, signup=True)
            request.session["registered_email"] = data["email"].strip().lower()
            request.session["registered_access_request"] = asking_for_access
            return redirect("vendor_register_done")
    return render(
        request,
        "vendors/register.html",
        {"form": form, "duplicate": duplicate, "access_form": AccessRequestForm()},
        status=400 if form.errors else 200,
    )


def register_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "vendors/register_done.html",
        {
            "email": request.session.get("registered_email"),
            "access_request": request.session.get("registered_access_request"),
        },
    )


@login_required
@require_POST
def request_access(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed-in user without an organization asks a company's owners to let them in."""
    company = get_object_or_404(VendorCompany, pk=pk)
    form = AccessRequestForm(request.POST)
    form.is_valid()
    try:
        services.access_request_create(
            user=request_user(request),
            company=company,
            message=form.cleaned_data.get("message", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("onboarding")
    messages.success(
        request,
        f"We asked the owners of {company.display_name} to give you access. "
        "You will get an e-mail when they answer.",
    )
    return redirect("onboarding")


# --- The vendor's own profile ----------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    company = _own_company(request)
    company = selectors.vendor_profile(company_id=company.pk)
    percent, checklist = selectors.profile_completeness(company)
    return render(
        request,
        "vendors/profile.html",
        {"company": company, "percent": percent, "checklist": checklist, "own": True},
    )


def _profile_form_view(
    request: HttpRequest,
    *,
    form_class: type,
    template_title: str,
    initial: dict[str, Any] | None = None,
    instance: Any = None,
    anchor: str,
) -> HttpResponse:
    company = _own_company(request)
    kwargs: dict[str, Any] = (
        {"instance": company} if instance == "company" else {"initial": initial}
    )
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            services.vendor_profile_update(
                actor=request_user(request), company=company, **form.cleaned_data
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, f"{template_title} saved.")
            return redirect(reverse("vendor_profile") + f"#{anchor}")
    return render(
        request,
        "vendors/profile_form.html",
        {"form": form, "title": template_title, "company": company, "anchor": anchor},
        status=400 if form.errors else 200,
    )


@login_required
def profile_details(request: HttpRequest) -> HttpResponse:
    company = _own_company(request)
    form = CompanyDetailsForm(
        request.POST or None, instance=VendorCompany.objects.get(pk=company.pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.vendor_profile_update(
                actor=request_user(request), company=company, **form.cleaned_data
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, "Company details saved.")
            return redirect(reverse("vendor_profile") + "#details")
    return render(
        request,
        "vendors/profile_form.html",
        {"form": form, "title": "Company details", "company": company, "anchor": "details"},
        status=400 if form.errors else 200,
    )


@login_required
def profile_services(request: HttpRequest) -> HttpResponse:
    company = _own_company(request)
    return _profile_form_view(
        request,
        form_class=ServicesForm,
        template_title="Services and industries",
        initial={
            "service_functions": list(company.service_functions.values_list("pk", flat=True)),
            "industries": list(company.industries.values_list("pk", flat=True)),
        },
        anchor="services",
    )


@login_required
def profile_technology(request: HttpRequest) -> HttpResponse:
    company = _own_company(request)
    return _profile_form_view(
        request,
        form_class=TechnologyForm,
        template_title="Technology",
        initial={"technologies": list(company.technologies.values_list("pk", flat=True))},
        anchor="technology",
    )


@login_required
def profile_security(request: HttpRequest) -> HttpResponse:
    company = _own_company(request)
    return _profile_form_view(
        request,
        form_class=SecurityForm,
        template_title="Security and data protection",
        initial={
            "security_controls": list(company.security_controls.values_list("pk", flat=True)),
            "security_notes": company.security_notes,
        },
        anchor="security",
    )


def _child_form_view(
    request: HttpRequest,
    *,
    model: type,
    pk: int | None,
    form_class: type,
    save: Any,
    title: str,
    anchor: str,
    with_files: bool = False,
) -> HttpResponse:
    company = _own_company(request)
    obj = get_object_or_404(model, pk=pk, company=company) if pk else None
    # A page that sent the user here (the proposal's delivery centres) gets them back.
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    data = request.POST or None
    files = request.FILES or None if with_files else None
    form = form_class(data, files, instance=obj) if with_files else form_class(data, instance=obj)
    if request.method == "POST" and form.is_valid():
        payload = dict(form.cleaned_data)
        extra: dict[str, Any] = {}
        if with_files:
            extra["evidence"] = payload.pop("evidence", None)
        try:
            save(
                actor=request_user(request),
                company=company,
                **{model._meta.model_name: obj},
                **payload,
                **extra,
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, f"{title} saved.")
            return redirect(back or reverse("vendor_profile") + f"#{anchor}")
    return render(
        request,
        "vendors/profile_form.html",
        {
            "form": form,
            "title": title,
            "company": company,
            "anchor": anchor,
            "multipart": with_files,
            "object": obj,
            "back": back,
        },
        status=400 if form.errors else 200,
    )


@login_required
def centre_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    def save(*, actor: User, company: VendorCompany, deliverycentre: Any, **data: Any) -> Any:
        if not data.get("time_zone"):
            data.pop("time_zone", None)
            if deliverycentre is None or deliverycentre.country != data.get("country"):
                data["time_zone"] = default_time_zone(str(data["country"]))
        return services.delivery_centre_save(
            actor=actor, company=company, centre=deliverycentre, **data
        )

    return _child_form_view(
        request,
        model=DeliveryCentre,
        pk=pk,
        form_class=DeliveryCentreForm,
        save=save,
        title="Delivery centre",
        anchor="centres",
    )


@login_required
def certification_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    def save(*, actor: User, company: VendorCompany, certification: Any, **data: Any) -> Any:
        return services.certification_save(
            actor=actor, company=company, certification=certification, **data
        )

    return _child_form_view(
        request,
        model=Certification,
        pk=pk,
        form_class=CertificationForm,
        save=save,
        title="Certification",
        anchor="certifications",
        with_files=True,
    )


@login_required
def reference_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    def save(*, actor: User, company: VendorCompany, clientreference: Any, **data: Any) -> Any:
        return services.reference_save(
            actor=actor, company=company, reference=clientreference, **data
        )

    return _child_form_view(
        request,
        model=ClientReference,
        pk=pk,
        form_class=ReferenceForm,
        save=save,
        title="Client reference",
        anchor="references",
    )


@login_required
@require_POST
def child_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    company = _own_company(request)
    actor = request_user(request)
    if kind == "centre":
        services.delivery_centre_delete(
            actor=actor, centre=get_object_or_404(DeliveryCentre, pk=pk, company=company)
        )
        anchor, label = "centres", "Delivery centre"
    elif kind == "certification":
        services.certification_delete(
            actor=actor, certification=get_object_or_404(Certification, pk=pk, company=company)
        )
        anchor, label = "certifications", "Certification"
    else:
        services.reference_delete(
            actor=actor, reference=get_object_or_404(ClientReference, pk=pk, company=company)
        )
        anchor, label = "references", "Reference"
    messages.success(request, f"{label} removed.")
    return redirect(reverse("vendor_profile") + f"#{anchor}")


@login_required
def certification_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Evidence files: the vendor's own users and buyer users may download them."""
    certification = get_object_or_404(
        Certification.objects.select_related("certification_type", "company"), pk=pk
    )
    services.certification_evidence_download(
        user=request_user(request), certification=certification
    )
    return serve_private_file(
        request,
        certification.evidence,
        filename=certification.evidence_name or f"{certification.certification_type}.pdf",
        content_type=certification.evidence_content_type,
    )


# --- Colleagues ------------------------------------------------------------------------------


@login_required
def company_users(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    membership = require_vendor(user, Capability.EDIT_VENDOR_PROFILE)
    company = membership.company
    is_owner = vendor_can(user, Capability.MANAGE_COMPANY_USERS)
    form = ColleagueInviteForm(request.POST or None)
    if request.method == "POST":
        require_vendor(user, Capability.MANAGE_COMPANY_USERS)
        if form.is_valid():
            try:
                invitation = invitation_create(actor=user, company=company, **form.cleaned_data)
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("vendor_company_users")
    return render(
        request,
        "vendors/company_users.html",
        {
            "company": company,
            "members": company.memberships.select_related("user").order_by("user__email"),
            "invitations": company.invitations.filter(
                accepted_at__isnull=True, revoked_at__isnull=True
            ).order_by("-created_at"),
            "access_requests": company.access_requests.filter(
                status=AccessRequest.Status.PENDING
            ).select_related("requester"),
            "form": form,
            "is_owner": is_owner,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def company_user_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request_user(request)
    own = require_vendor(user, Capability.EDIT_VENDOR_PROFILE)
    try:
        if action in ("remove", "role"):
            membership = get_object_or_404(VendorMembership, pk=pk, company=own.company)
            if action == "remove":
                services.vendor_membership_remove(actor=user, membership=membership)
                if membership.user_id == user.pk:
                    messages.success(request, f"You left {own.company.display_name}.")
                    return redirect("dashboard")
                messages.success(request, f"{membership.user} no longer has access.")
            else:
                services.vendor_membership_change_role(
                    actor=user, membership=membership, role=request.POST.get("role", "")
                )
                messages.success(
                    request, f"{membership.user} is now {membership.get_role_display()}."
                )
        elif action in ("approve", "decline"):
            access_request = get_object_or_404(AccessRequest, pk=pk, company=own.company)
            services.access_request_decide(
                actor=user, access_request=access_request, approve=action == "approve"
            )
            messages.success(
                request,
                f"{access_request.requester} "
                + (
                    "can now work on your profile and proposals."
                    if action == "approve"
                    else "was declined."
                ),
            )
        elif action == "revoke":
            invitation = get_object_or_404(own.company.invitations, pk=pk)
            invitation_revoke(actor=user, invitation=invitation)
            messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("vendor_company_users")


# --- Buyers: the directory, a profile, qualification ------------------------------------------


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    membership = require_buyer(request_user(request), Capability.VIEW_ORGANIZATION)
    organization = membership.organization
    vendor_filter = VendorFilter(
        request.GET or None, queryset=VendorCompany.objects.all(), request=request
    )
    queryset = selectors.directory_queryset(vendor_filter.qs, organization=organization)
    paginator = selectors.VendorPaginator(queryset, 20)
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.directory_rows(page.object_list, organization=organization)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": vendor_filter,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "total": paginator.vendor_count,
        "can_manage": Capability.MANAGE_VENDORS in _capabilities(request),
    }
    template = (
        "vendors/partials/directory_results.html" if request.htmx else "vendors/directory.html"
    )  # type: ignore[attr-defined]
    return render(request, template, context)


def _capabilities(request: HttpRequest) -> set[str]:
    membership = buyer_membership(request.user)
    return (
        {str(c) for c in BUYER_ROLE_CAPABILITIES.get(membership.role, ())} if membership else set()
    )


@login_required
def vendor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    own = vendor_membership(user)
    if own is not None and own.company_id == pk:
        return redirect("vendor_profile")
    membership = require_buyer(user, Capability.VIEW_ORGANIZATION)
    organization = membership.organization
    company = selectors.vendor_profile(company_id=pk)
    qualification = selectors.qualification_for(organization=organization, company=company)
    can_manage = Capability.MANAGE_VENDORS in _capabilities(request)
    form = QualificationForm(
        request.POST or None,
        initial={
            "status": qualification.status if qualification else "new",
            "risk_rating": qualification.risk_rating if qualification else "",
            "tags": ", ".join(t.name for t in qualification.tags.all()) if qualification else "",
            "notes": qualification.notes if qualification else "",
        },
    )
    if request.method == "POST":
        require_buyer(user, Capability.MANAGE_VENDORS)
        if form.is_valid():
            try:
                services.qualification_update(
                    actor=user,
                    company=company,
                    status=form.cleaned_data["status"],
                    risk_rating=form.cleaned_data["risk_rating"],
                    notes=form.cleaned_data["notes"],
                    tags=form.tag_list(),
                )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(request, f"Qualification of {company.display_name} saved.")
                return redirect("vendor_detail", pk=pk)
    percent, _ = selectors.profile_completeness(company)
    overrides = selectors.location_overrides_for(organization=organization)
    centres = [
        (
            centre,
            selectors.location_model_for(
                organization=organization, country=str(centre.country), overrides=overrides
            ),
        )
        for centre in company.delivery_centres.all()
    ]
    return render(
        request,
        "vendors/detail.html",
        {
            "company": company,
            "qualification": qualification,
            "form": form,
            "can_manage": can_manage,
            "percent": percent,
            "centres": centres,
            "organization": organization,
        },
        status=400 if form.errors else 200,
    )


@login_required
def location_overrides(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    membership = require_buyer(user, Capability.MANAGE_SETTINGS)
    organization = membership.organization
    form = LocationOverrideForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("remove"):
            override = get_object_or_404(
                LocationOverride, pk=request.POST["remove"], organization=organization
            )
            services.location_override_set(
                actor=user, country=str(override.country), location_model=None
            )
            messages.success(request, f"{override.country.name} is classified automatically again.")
            return redirect("vendor_location_overrides")
        if form.is_valid():
            try:
                services.location_override_set(
                    actor=user,
                    country=str(form.cleaned_data["country"]),
                    location_model=form.cleaned_data["location_model"],
                )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(request, "Saved: the directory and scoring use it from now on.")
                return redirect("vendor_location_overrides")
    return render(
        request,
        "vendors/location_overrides.html",
        {
            "organization": organization,
            "overrides": LocationOverride.objects.filter(organization=organization),
            "form": form,
            "examples": selectors.location_examples(organization=organization),
        },
        status=400 if form.errors else 200,
    )
