"""The pages both sides reach by the same URL: the proposals list, one
proposal (the vendor's overview or the buyer's reading of it) and a proposal's
file. Each asks who the user is and hands over to its side."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from bpo_portal.permissions import buyer_membership, vendor_membership
from bpo_portal.uploads import serve_private_file
from bpo_portal.web import request_user
from proposals import presenters, selectors, services
from proposals.models import ProposalAttachment, ProposalStatus
from proposals.views.buyer import buyer_proposal_page
from rfp.models import RFPStatus
from rfp.selectors import rfps_visible_to


@login_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    """Vendors: their proposals and the RFPs they can respond to. Buyers: their
    RFPs with how many proposals arrived and whether they are still sealed."""
    user = request_user(request)
    if vendor_membership(user) is not None:
        return render(
            request,
            "proposals/list_vendor.html",
            {
                "dashboard": presenters.vendor_dashboard(user),
                "proposals": selectors.proposals_visible_to(user)
                .select_related("rfp", "rfp__organization", "submitted_version")
                .defer("submitted_version__content")
                .order_by("-updated_at"),
            },
        )
    membership = buyer_membership(user)
    if membership is None:
        return redirect("onboarding")
    rfps = list(
        rfps_visible_to(user)
        .exclude(status__in=[RFPStatus.DRAFT, RFPStatus.PENDING_APPROVAL])
        .annotate(
            submitted_count=Count("proposals", filter=Q(proposals__status=ProposalStatus.SUBMITTED))
        )
        .prefetch_related("envelope_openings")
        .order_by("-submission_deadline")
    )
    return render(
        request,
        "proposals/list_buyer.html",
        {"rows": [(rfp, selectors.envelope_state(rfp)) for rfp in rfps]},
    )


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    if buyer_membership(user) is not None:
        return buyer_proposal_page(request, pk)
    proposal = selectors.vendor_proposal(user, pk)
    groups = presenters.proposal_task_list(proposal)
    return render(
        request,
        "proposals/overview.html",
        {
            "proposal": proposal,
            "rfp": proposal.rfp,
            "groups": groups,
            "percent": presenters.completeness_percent(groups),
            "editable": proposal.rfp.is_open_for_bids(),
            "versions": selectors.proposal_versions(proposal),
            "addenda": selectors.addenda_since_submission(proposal),
        },
    )


@login_required
def proposal_attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    proposal = selectors.proposal_visible_to(request_user(request), pk)
    attachment = get_object_or_404(ProposalAttachment, pk=attachment_pk, proposal=proposal)
    attachment.proposal = proposal
    services.proposal_attachment_download(user=request_user(request), attachment=attachment)
    return serve_private_file(
        request, attachment.file, filename=attachment.name, content_type=attachment.content_type
    )
