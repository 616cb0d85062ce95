"""The pages that compose every app: the dashboard (what each buyer or vendor user has
to do next, read from rfp, proposals, scoring and vendors) and the onboarding choice
(a buyer organization or a vendor company). They sit on top of the layers, so that
accounts, below vendors, rfp, proposals and scoring, never imports them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import services as accounts_services
from accounts.forms import BuyerOrganizationForm
from bpo_portal.errors import ApplicationError
from bpo_portal.forms import add_application_error
from bpo_portal.permissions import buyer_membership, vendor_membership
from bpo_portal.web import request_user
from proposals.presenters import buyer_dashboard as proposals_buyer_dashboard
from proposals.presenters import vendor_dashboard as proposals_vendor_dashboard
from rfp.selectors import buyer_dashboard as rfp_buyer_dashboard
from scoring.selectors import evaluator_dashboard
from vendors.forms import VendorCompanyRegistrationForm
from vendors.selectors import profile_completeness, vendor_profile
from vendors.services import vendor_company_create


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    membership = buyer_membership(user)
    if membership is not None:
        return render(
            request,
            "dashboard/buyer.html",
            {
                "organization": membership.organization,
                "member_count": membership.organization.memberships.count(),
                "rfp_dashboard": rfp_buyer_dashboard(user),
                "proposals_dashboard": proposals_buyer_dashboard(user),
                "scoring_tasks": evaluator_dashboard(user),
            },
        )
    vendor = vendor_membership(user)
    if vendor is not None:
        company = vendor_profile(company_id=vendor.company_id)
        percent, checklist = profile_completeness(company)
        missing = [item for item in checklist if not item.done]
        return render(
            request,
            "dashboard/vendor.html",
            {
                "company": company,
                "percent": percent,
                "missing": missing,
                "proposals_dashboard": proposals_vendor_dashboard(user),
            },
        )
    return redirect("onboarding")


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    """A signed-up user without an organization chooses: buyer or vendor."""
    user = request_user(request)
    if buyer_membership(user) or vendor_membership(user):
        return redirect("dashboard")
    buyer_form = BuyerOrganizationForm(prefix="buyer")
    vendor_form = VendorCompanyRegistrationForm(prefix="vendor")
    duplicate = None
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind == "buyer":
            buyer_form = BuyerOrganizationForm(request.POST, prefix="buyer")
            if buyer_form.is_valid():
                try:
                    organization = accounts_services.buyer_organization_create(
                        user=user,
                        name=buyer_form.cleaned_data["name"],
                        home_country=buyer_form.cleaned_data["home_country"],
                        default_currency=buyer_form.cleaned_data["default_currency"],
                        time_zone=buyer_form.cleaned_data["time_zone"],
                    )
                except ApplicationError as exc:
                    add_application_error(buyer_form, exc)
                else:
                    messages.success(
                        request, f"{organization.name} is ready. Invite your team next."
                    )
                    return redirect("dashboard")
        elif kind == "vendor":
            vendor_form = VendorCompanyRegistrationForm(request.POST, prefix="vendor")
            if vendor_form.is_valid():
                try:
                    company = vendor_company_create(user=user, **vendor_form.cleaned_data)
                except ApplicationError as exc:
                    add_application_error(vendor_form, exc)
                    duplicate = exc.extra.get("company_id") and {
                        "pk": exc.extra["company_id"],
                        "name": exc.extra["company_name"],
                    }
                else:
                    messages.success(
                        request, f"{company.display_name} is registered. Now complete its profile."
                    )
                    return redirect("vendor_profile")
    return render(
        request,
        "accounts/onboarding.html",
        {
            "buyer_form": buyer_form,
            "vendor_form": vendor_form,
            "kind": request.POST.get("kind"),
            "duplicate": duplicate,
            "pending_requests": user.vendor_access_requests.filter(status="pending").select_related(
                "company"
            ),
        },
    )
