"""The buyer's side, per RFP: who submitted (sealed until the deadline), the
answers and prices side by side, opening the commercial envelope, checking
compliance again; and one proposal read through the envelopes, with the
compliance override."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bpo_portal.errors import ApplicationError
from bpo_portal.web import request_user
from proposals import presenters, selectors, services
from proposals.forms import CommercialOpenForm, ComplianceOverrideForm, show_error
from rfp.models import RFP
from rfp.selectors import rfps_visible_to


def _buyer_rfp(request: HttpRequest, rfp_pk: int) -> tuple[RFP, selectors.ProposalAccess]:
    rfp = get_object_or_404(
        rfps_visible_to(request_user(request))
        .select_related("organization")
        .prefetch_related("envelope_openings__opened_by"),
        pk=rfp_pk,
    )
    access = selectors.proposal_access(request_user(request), rfp)
    if not access.is_buyer:
        raise Http404
    if services.technical_envelope_open_if_due(rfp=rfp):
        rfp = get_object_or_404(
            RFP.objects.select_related("organization").prefetch_related(
                "envelope_openings__opened_by"
            ),
            pk=rfp_pk,
        )
        access = selectors.proposal_access(request_user(request), rfp)
    return rfp, access


def _buyer_context(rfp: RFP, access: selectors.ProposalAccess) -> dict[str, Any]:
    return {
        "rfp": rfp,
        "access": access,
        "envelopes": access.envelopes,
        "timeline": selectors.envelope_timeline(rfp) if access.envelopes.technical_open else [],
    }


@login_required
def proposal_rfp_list(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    """The buyer's first look: who submitted and when; after the deadline the
    compliance and (once the commercial envelope is open) the TCO."""
    rfp, access = _buyer_rfp(request, rfp_pk)
    rows, lots = selectors.buyer_proposal_rows(rfp, access)
    return render(
        request,
        "proposals/buyer_list.html",
        {**_buyer_context(rfp, access), "rows": rows, "lots": lots},
    )


def _opened(
    request: HttpRequest, rfp_pk: int
) -> tuple[RFP, selectors.ProposalAccess, Any, list[Any]]:
    rfp, access = _buyer_rfp(request, rfp_pk)
    if not access.technical_visible:
        return rfp, access, None, []
    content_rfp = selectors.rfp_for_proposals(rfp.pk)
    return rfp, access, content_rfp, selectors.proposals_for_evaluation(rfp=content_rfp)


@login_required
def proposal_rfp_answers(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, access, content_rfp, items = _opened(request, rfp_pk)
    return render(
        request,
        "proposals/buyer_answers.html",
        {
            **_buyer_context(rfp, access),
            "proposals": items,
            "rows": presenters.answers_side_by_side(content_rfp, items) if content_rfp else [],
        },
    )


@login_required
def proposal_rfp_prices(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, access, content_rfp, items = _opened(request, rfp_pk)
    tables = []
    if content_rfp is not None and access.commercial_visible:
        tables = presenters.prices_side_by_side(content_rfp, items)
    return render(
        request,
        "proposals/buyer_prices.html",
        {**_buyer_context(rfp, access), "proposals": items, "tables": tables},
    )


@login_required
def proposal_rfp_open_commercial(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, access = _buyer_rfp(request, rfp_pk)
    form = CommercialOpenForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.commercial_envelope_open(
                actor=request_user(request), rfp=rfp, comment=form.cleaned_data["comment"]
            )
        except ApplicationError as exc:
            show_error(form, exc)
            status = exc.status_code
        else:
            messages.success(request, "The commercial envelope is open: prices are visible.")
            return redirect("proposal_rfp_prices", rfp.pk)
    elif request.method == "POST":
        status = 400
    envelopes = access.envelopes
    blockers = (
        services.commercial_envelope_blockers(rfp)
        if access.can_manage
        and envelopes.two_envelopes
        and envelopes.technical_open
        and not envelopes.commercial_open
        else []
    )
    return render(
        request,
        "proposals/buyer_open_commercial.html",
        {**_buyer_context(rfp, access), "form": form, "blockers": blockers},
        status=status,
    )


@login_required
@require_POST
def proposal_rfp_compliance_check(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    rfp, _ = _buyer_rfp(request, rfp_pk)
    try:
        count = services.proposals_compliance_check(rfp=rfp, actor=request_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Compliance checked again for {count} proposals.")
    return redirect("proposal_rfp_list", rfp.pk)


def buyer_proposal_page(
    request: HttpRequest, pk: int, *, override_form: ComplianceOverrideForm | None = None
) -> HttpResponse:
    proposal, access, item = selectors.opened_proposal(request_user(request), pk)
    services.proposal_read_record(reader=request_user(request), proposal=proposal, access=access)
    rfp = proposal.rfp
    lots = []
    answers = []
    if item is not None:
        answers = presenters.answer_sections(rfp, item.content)
        lots = presenters.lot_views(rfp, item.content, item.costs, for_buyer=True)
    return render(
        request,
        "proposals/buyer_detail.html",
        {
            "proposal": proposal,
            "rfp": rfp,
            "access": access,
            "envelopes": access.envelopes,
            "item": item,
            "answer_sections": answers,
            "lots": lots,
            "override_form": override_form
            or ComplianceOverrideForm(
                initial={
                    "status": proposal.compliance_override,
                    "justification": proposal.compliance_override_reason,
                }
            ),
        },
        status=400 if override_form is not None and override_form.errors else 200,
    )


@login_required
@require_POST
def proposal_compliance_override(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_visible_to(request_user(request), pk)
    form = ComplianceOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_compliance_override(
                actor=request_user(request),
                proposal=proposal,
                status=form.cleaned_data["status"] or "",
                justification=form.cleaned_data["justification"],
            )
        except ApplicationError as exc:
            if exc.status_code != 400:
                raise  # not allowed, or not now: the error page says why
            show_error(form, exc)
        else:
            messages.success(request, "Compliance decision recorded.")
            return redirect(reverse("proposal_detail", args=[pk]) + "#compliance")
    return buyer_proposal_page(request, pk, override_form=form)
