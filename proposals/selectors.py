"""Reads about proposals, and the one rule for who sees what of them.

The seal, in one place:

* `envelope_state(rfp)` says which envelopes are open, whoever asks: the
  technical envelope (everything but prices) opens at the submission deadline
  (never for a cancelled RFP); the commercial envelope (prices, TCO) opens with
  it on a one-envelope RFP, or when `commercial_envelope_open` opens it on a
  two-envelope RFP, which it does only once the technical evaluation is final
  (scoring's rule, registered with `services.technical_evaluation_check_register`).
* `proposal_access(user, rfp)` adds who the user is: buyers of the RFP's
  organization see what the envelopes allow, vendors see only their own
  proposal, in full; everyone else sees nothing.
* `proposals_visible_to(user)` is the row rule: buyers see their
  organization's submitted or withdrawn proposals (never drafts, and before
  the deadline only the vendor and the time), vendors their own.

Buyers never read the working copy: they read the last submitted version
(`SubmittedProposal`), filtered by `content.content_for_envelopes`. Pages,
API, admin, reports and scoring all go through these functions.

What stops a working copy from being submitted is `proposals.checklist`; the
reads shaped for pages (task list, side-by-side tables, dashboards) are
`proposals.presenters`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from bpo_portal.errors import ConflictError, NotFoundError
from bpo_portal.money import currency_decimals
from bpo_portal.permissions import (
    Capability,
    buyer_can,
    buyer_membership,
    vendor_membership,
)
from proposals.compliance import evaluate_compliance
from proposals.content import (
    SubmittedContent,
    read_content,
)
from proposals.models import (
    Envelope,
    EnvelopeOpening,
    ExchangeRate,
    Proposal,
    ProposalAttachment,
    ProposalLot,
    ProposalStatus,
    ProposalVersion,
    ProposedCentre,
)
from rfp import pricing
from rfp.models import (
    RFP,
    Addendum,
    Lot,
    PricingLine,
    Question,
    QuestionSection,
    RFPStatus,
    ServiceLevel,
)
from rfp.selectors import TimelineEntry, lot_volumes
from vendors.models import Certification, DeliveryCentre


class ProposalsSealedError(ConflictError):
    """Asked for proposal content that an envelope still hides."""


# --- The seal -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Envelopes:
    two_envelopes: bool
    deadline: dt.datetime | None
    technical_open: bool
    commercial_open: bool
    technical_opened_at: dt.datetime | None = None
    technical_recorded: bool = False
    commercial_opened_at: dt.datetime | None = None
    commercial_opened_by: str = ""

    @property
    def sealed(self) -> bool:
        return not self.technical_open


def _openings(rfp: RFP) -> dict[str, EnvelopeOpening]:
    cached = getattr(rfp, "_prefetched_objects_cache", {}).get("envelope_openings")
    rows = (
        cached
        if cached is not None
        else EnvelopeOpening.objects.filter(rfp=rfp).select_related("opened_by")
    )
    return {opening.envelope: opening for opening in rows}


def envelope_state(rfp: RFP, *, now: dt.datetime | None = None) -> Envelopes:
    """Which envelopes of the RFP's proposals are open, whoever asks."""
    openings = _openings(rfp)
    technical = openings.get(Envelope.TECHNICAL)
    commercial = openings.get(Envelope.COMMERCIAL)
    # A recorded opening stands; otherwise the seal lifts at the latest deadline ever
    # published (RFP.seal_lifted), never at an earlier one.
    technical_open = technical is not None or rfp.seal_lifted(now)
    commercial_open = technical_open and (not rfp.two_envelopes or commercial is not None)
    return Envelopes(
        two_envelopes=rfp.two_envelopes,
        deadline=rfp.seal_lifts_at,
        technical_open=technical_open,
        commercial_open=commercial_open,
        technical_opened_at=technical.opened_at
        if technical
        else (rfp.seal_lifts_at if technical_open else None),
        technical_recorded=technical is not None,
        commercial_opened_at=commercial.opened_at
        if commercial
        else (technical.opened_at if technical and commercial_open else None),
        commercial_opened_by=str(commercial.opened_by)
        if commercial and commercial.opened_by
        else "",
    )


@dataclass(frozen=True)
class ProposalAccess:
    side: str  # "buyer", "vendor" or "none"
    company_id: int | None
    envelopes: Envelopes
    can_manage: bool = False  # open the commercial envelope, override compliance

    @property
    def is_buyer(self) -> bool:
        return self.side == "buyer"

    @property
    def is_vendor(self) -> bool:
        return self.side == "vendor"

    @property
    def technical_visible(self) -> bool:
        return self.is_vendor or (self.is_buyer and self.envelopes.technical_open)

    @property
    def commercial_visible(self) -> bool:
        return self.is_vendor or (self.is_buyer and self.envelopes.commercial_open)


def proposal_access(user: Any, rfp: RFP, *, now: dt.datetime | None = None) -> ProposalAccess:
    """What this user may see of this RFP's proposals."""
    envelopes = envelope_state(rfp, now=now)
    membership = buyer_membership(user)
    if (
        membership is not None
        and membership.organization_id == rfp.organization_id
        and buyer_can(user, Capability.READ_PROPOSALS)
    ):
        return ProposalAccess(
            side="buyer",
            company_id=None,
            envelopes=envelopes,
            can_manage=buyer_can(user, Capability.MANAGE_EVALUATION),
        )
    vendor = vendor_membership(user)
    if vendor is not None:
        return ProposalAccess(side="vendor", company_id=vendor.company_id, envelopes=envelopes)
    return ProposalAccess(side="none", company_id=None, envelopes=envelopes)


BUYER_VISIBLE_STATUSES = (ProposalStatus.SUBMITTED, ProposalStatus.WITHDRAWN)


def proposals_visible_to(user: Any) -> QuerySet[Proposal]:
    """The row rule for every door: which proposals exist for this user."""
    membership = buyer_membership(user)
    if membership is not None:
        if not buyer_can(user, Capability.READ_PROPOSALS):
            return Proposal.objects.none()
        return Proposal.objects.filter(
            rfp__organization_id=membership.organization_id,
            rfp__is_template=False,
            status__in=BUYER_VISIBLE_STATUSES,
        )
    vendor = vendor_membership(user)
    if vendor is not None:
        return Proposal.objects.filter(company_id=vendor.company_id)
    return Proposal.objects.none()


def proposal_visible_to(user: Any, pk: int) -> Proposal:
    proposal = (
        proposals_visible_to(user)
        .select_related("rfp", "rfp__organization", "company", "submitted_version")
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise NotFoundError("Proposal not found.")
    return proposal


# --- Exchange rates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateQuote:
    base: str
    quote: str
    rate: Decimal
    as_of: dt.date
    source: str

    def as_content(self) -> dict[str, str]:
        return {
            "base": self.base,
            "quote": self.quote,
            "rate": f"{self.rate.normalize():f}",
            "as_of": self.as_of.isoformat(),
            "source": self.source,
        }


RATE_PLACES = Decimal("1e-10")


def exchange_rate_for(*, base: str, quote: str, on: dt.date | None = None) -> RateQuote | None:
    """The latest stored rate converting `base` into `quote` on or before `on`
    (the inverse of a stored quote->base rate if that is newer)."""
    on = on or timezone.now().date()
    direct = ExchangeRate.objects.filter(base=base, quote=quote, as_of__lte=on).first()
    inverse = ExchangeRate.objects.filter(base=quote, quote=base, as_of__lte=on).first()
    if direct is not None and (inverse is None or direct.as_of >= inverse.as_of):
        return RateQuote(base, quote, direct.rate, direct.as_of, direct.source)
    if inverse is not None:
        rate = (Decimal(1) / inverse.rate).quantize(RATE_PLACES)
        return RateQuote(base, quote, rate, inverse.as_of, f"{inverse.source} (inverse)")
    return None


def currency_options(rfp: RFP, *, on: dt.date | None = None) -> list[str]:
    """The RFP's currency, and if the buyer allows it every currency with a
    stored rate into it."""
    if not rfp.allow_vendor_currency:
        return [rfp.currency]
    on = on or timezone.now().date()
    others = set(
        ExchangeRate.objects.filter(quote=rfp.currency, as_of__lte=on).values_list(
            "base", flat=True
        )
    ) | set(
        ExchangeRate.objects.filter(base=rfp.currency, as_of__lte=on).values_list(
            "quote", flat=True
        )
    )
    return [rfp.currency, *sorted(others - {rfp.currency})]


# --- The working copy (vendors) -----------------------------------------------------------------


RFP_CONTENT_PREFETCH: tuple[Any, ...] = (
    "required_languages",
    "required_certifications",
    Prefetch(
        "lots",
        queryset=Lot.objects.prefetch_related(
            Prefetch("pricing_lines", queryset=PricingLine.objects.order_by("order", "id")),
            Prefetch("service_levels", queryset=ServiceLevel.objects.order_by("order", "id")),
        ),
    ),
    Prefetch(
        "sections",
        queryset=QuestionSection.objects.prefetch_related(
            Prefetch("questions", queryset=Question.objects.order_by("order", "id"))
        ),
    ),
    Prefetch("envelope_openings", queryset=EnvelopeOpening.objects.select_related("opened_by")),
)


def rfp_for_proposals(rfp_id: int) -> RFP:
    """An RFP with what proposals are read against: lots, pricing lines, KPIs,
    the questionnaire, required languages and certifications, the openings.
    A fixed number of queries."""
    return (
        RFP.objects.select_related("organization")
        .prefetch_related(*RFP_CONTENT_PREFETCH)
        .get(pk=rfp_id)
    )


def _with_content(rfp: RFP) -> RFP:
    cache = getattr(rfp, "_prefetched_objects_cache", {})
    if "lots" in cache and "sections" in cache and "required_languages" in cache:
        return rfp
    return rfp_for_proposals(rfp.pk)


def proposal_working_copy(pk: int) -> Proposal:
    """A proposal with everything the editor, the checklist and the snapshot read,
    and its RFP with its content (lots, pricing lines, KPIs, questionnaire)."""
    proposal = (
        Proposal.objects.select_related(
            "company", "updated_by", "submitted_version", "submitted_version__submitted_by"
        )
        .prefetch_related(
            "answers",
            Prefetch(
                "lots",
                queryset=ProposalLot.objects.select_related("lot").prefetch_related(
                    "prices",
                    "sla_commitments",
                    Prefetch(
                        "centres",
                        queryset=ProposedCentre.objects.select_related(
                            "delivery_centre"
                        ).prefetch_related("delivery_centre__languages"),
                    ),
                ),
            ),
            Prefetch(
                "attachments",
                queryset=ProposalAttachment.objects.filter(removed_at__isnull=True).select_related(
                    "uploaded_by"
                ),
            ),
            Prefetch(
                "company__certifications",
                queryset=Certification.objects.select_related("certification_type"),
            ),
            Prefetch(
                "company__delivery_centres",
                queryset=DeliveryCentre.objects.prefetch_related("languages").order_by(
                    "country", "city"
                ),
            ),
        )
        .get(pk=pk)
    )
    proposal.rfp = rfp_for_proposals(proposal.rfp_id)
    return proposal


def vendor_proposal(user: Any, pk: int) -> Proposal:
    """The user's company's proposal, with its working copy; 404 for anyone else's."""
    vendor = vendor_membership(user)
    if vendor is None or not Proposal.objects.filter(pk=pk, company_id=vendor.company_id).exists():
        raise NotFoundError("Proposal not found.")
    return proposal_working_copy(pk)


def vendor_proposal_for_rfp(user: Any, rfp: RFP) -> Proposal | None:
    vendor = vendor_membership(user)
    if vendor is None:
        return None
    return (
        Proposal.objects.filter(rfp=rfp, company_id=vendor.company_id)
        .select_related("submitted_version")
        .first()
    )


def proposal_versions(proposal: Proposal) -> list[ProposalVersion]:
    return list(
        ProposalVersion.objects.filter(proposal=proposal)
        .select_related("submitted_by")
        .defer("content")
        .order_by("-number")
    )


def lots_by_id(rfp: RFP) -> dict[int, Lot]:
    return {lot.pk: lot for lot in rfp.lots.all()}


def questions_of(rfp: RFP) -> list[Question]:
    return [question for section in rfp.sections.all() for question in section.questions.all()]


def staffing_months(lot: Lot) -> int:
    """Months of the staffing plan: the lot's ramp-up (at least one month)."""
    return max(lot.ramp_up_months or 0, 1)


def addenda_since_submission(proposal: Proposal) -> list[Any]:
    """Addenda the buyer issued after the vendor's last submission: the vendor
    should review its proposal and submit again to confirm it."""
    version = proposal.submitted_version
    if version is None or proposal.status != ProposalStatus.SUBMITTED:
        return []
    return list(
        Addendum.objects.filter(rfp_id=proposal.rfp_id, rfp_version__gt=version.rfp_version)
        .filter(created_at__gt=version.submitted_at)
        .order_by("number")
    )


# --- What the buyer reads after opening ---------------------------------------------------------


@dataclass(frozen=True)
class LotCost:
    """A lot's total cost of ownership in the proposal's currency and in the RFP's.
    `rate` is None only in a draft's preview priced in a currency with no stored rate."""

    lot_id: int
    currency: str
    rfp_currency: str
    rate: Decimal | None
    tco: pricing.TotalCostOfOwnership | None
    line_totals: dict[int, pricing.LineTotal]
    missing_lines: list[int]
    error: str = ""

    def convert(self, amount: Decimal) -> Decimal | None:
        if self.rate is None:
            return None
        places = Decimal(1).scaleb(-currency_decimals(self.rfp_currency))
        return (amount * self.rate).quantize(places)

    @property
    def total(self) -> Decimal | None:
        """In the RFP currency: what buyers compare."""
        return self.convert(self.tco.total) if self.tco is not None else None

    @property
    def breakdown(self) -> list[tuple[str, Decimal | None]]:
        if self.tco is None:
            return []
        return [
            ("One-time charges", self.convert(self.tco.one_time)),
            ("Recurring charges over the term", self.convert(self.tco.recurring)),
            ("Per-user charges over the term", self.convert(self.tco.per_user)),
            ("Per-device charges over the term", self.convert(self.tco.per_device)),
        ]

    @property
    def monthly_run_rate(self) -> Decimal | None:
        return self.convert(self.tco.monthly_run_rate) if self.tco is not None else None

    @property
    def converted(self) -> bool:
        return self.currency != self.rfp_currency


@dataclass
class SubmittedProposal:
    """A proposal as the buyer may read it: its last submitted version, through
    the envelopes. `costs` is None while the commercial envelope is closed."""

    proposal: Proposal
    version: ProposalVersion
    content: SubmittedContent
    costs: dict[int, LotCost] | None

    @property
    def company(self) -> Any:
        return self.proposal.company

    @property
    def name(self) -> str:
        """The vendor's name as it was when it submitted: a company renamed after the
        deadline does not change what closed RFPs' results and reports say."""
        return self.content.vendor_name or str(self.proposal.company.display_name)

    @property
    def compliance(self) -> str:
        return self.proposal.effective_compliance


def lot_cost(lot: Lot, submitted: SubmittedContent) -> LotCost | None:
    """The TCO of one lot of a submitted proposal, with rfp.pricing's arithmetic."""
    part = submitted.lots.get(lot.pk)
    if part is None or part.prices is None or submitted.currency is None:
        return None
    rate: Decimal | None = None
    if submitted.exchange_rate is not None:
        rate = submitted.exchange_rate.rate
    elif submitted.currency == submitted.rfp_currency:
        rate = Decimal(1)
    priced: list[pricing.PricedLine] = []
    missing: list[int] = []
    for line in lot.pricing_lines.all():
        price = part.prices.get(line.pk)
        if price is None:
            missing.append(line.pk)
            continue
        priced.append(
            pricing.PricedLine(
                key=str(line.pk),
                recurrence=line.recurrence,
                volume_basis=line.volume_basis,
                unit_price=price.unit_price,
                fixed_quantity=line.fixed_quantity,
            )
        )
    try:
        tco = pricing.total_cost_of_ownership(priced, lot_volumes(lot))
    except pricing.PricingError as exc:
        return LotCost(
            lot.pk, submitted.currency, submitted.rfp_currency, rate, None, {}, missing, str(exc)
        )
    return LotCost(
        lot_id=lot.pk,
        currency=submitted.currency,
        rfp_currency=submitted.rfp_currency,
        rate=rate,
        tco=tco,
        line_totals={int(total.key): total for total in tco.lines},
        missing_lines=missing,
    )


def _submitted(
    proposals: Iterable[Proposal], rfp: RFP, *, commercial_open: bool
) -> list[SubmittedProposal]:
    lots = list(rfp.lots.all())
    out = []
    for proposal in proposals:
        version = proposal.submitted_version
        if version is None:
            continue
        content = read_content(version.content, commercial_open=commercial_open)
        costs = None
        if commercial_open:
            costs = {}
            for lot in lots:
                cost = lot_cost(lot, content)
                if cost is not None:
                    costs[lot.pk] = cost
        out.append(SubmittedProposal(proposal, version, content, costs))
    return out


def _counting_proposals(rfp: RFP) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(
            rfp=rfp, status=ProposalStatus.SUBMITTED, submitted_version__isnull=False
        )
        .select_related("company", "submitted_version", "compliance_overridden_by")
        .order_by("company__legal_name", "id")
    )


def proposals_for_evaluation(
    *, rfp: RFP, now: dt.datetime | None = None
) -> list[SubmittedProposal]:
    """The proposals that count (submitted, not withdrawn), as submitted, for
    scoring and reports. Raises ProposalsSealedError before the technical
    envelope opens; prices and costs are None until the commercial one opens.
    The caller checks that its user may see the RFP (rfps_visible_to)."""
    content_rfp = _with_content(rfp)
    envelopes = envelope_state(content_rfp, now=now)
    if not envelopes.technical_open:
        raise ProposalsSealedError(_sealed_message(rfp))
    return _submitted(
        _counting_proposals(rfp), content_rfp, commercial_open=envelopes.commercial_open
    )


def proposal_costs_for_evaluation(
    *, rfp: RFP, now: dt.datetime | None = None
) -> dict[int, dict[int, LotCost]]:
    """proposal id -> lot id -> cost, for the cost criterion. Raises
    ProposalsSealedError until the commercial envelope is open."""
    envelopes = envelope_state(rfp, now=now)
    if not envelopes.commercial_open:
        raise ProposalsSealedError(
            "The commercial envelope is still closed: prices are opened when the technical "
            "evaluation is finalised."
            if envelopes.technical_open
            else _sealed_message(rfp)
        )
    return {
        item.proposal.pk: item.costs or {} for item in proposals_for_evaluation(rfp=rfp, now=now)
    }


def _sealed_message(rfp: RFP) -> str:
    deadline = rfp.seal_lifts_at
    if rfp.status == RFPStatus.CANCELLED:
        return "This RFP was cancelled: its proposals stay sealed."
    when = f" on {timezone.localtime(deadline):%d %b %Y at %H:%M %Z}" if deadline else ""
    return f"Proposals are sealed until the submission deadline{when}."


@dataclass(frozen=True)
class BuyerRow:
    """A line of the buyer's list: always the vendor and the time; the rest
    only once the envelopes allow it."""

    proposal: Proposal
    submitted: SubmittedProposal | None


def buyer_proposal_rows(rfp: RFP, access: ProposalAccess) -> tuple[list[BuyerRow], list[Lot]]:
    """The buyer's list of an RFP's proposals. Before the deadline nothing but
    the vendor, the status and the time is even read from the database."""
    assert access.is_buyer
    proposals = Proposal.objects.filter(rfp=rfp, status__in=BUYER_VISIBLE_STATUSES).order_by(
        "company__legal_name", "id"
    )
    if not access.technical_visible:
        rows = proposals.select_related("company").only(
            "id",
            "rfp_id",
            "status",
            "submitted_at",
            "withdrawn_at",
            "company__legal_name",
            "company__trading_name",
        )
        return [BuyerRow(proposal, None) for proposal in rows], []
    content_rfp = _with_content(rfp)
    rows_qs = list(
        proposals.select_related("company", "submitted_version", "compliance_overridden_by")
    )
    counting = [p for p in rows_qs if p.status == ProposalStatus.SUBMITTED]
    submitted = {
        item.proposal.pk: item
        for item in _submitted(counting, content_rfp, commercial_open=access.commercial_visible)
    }
    return [BuyerRow(p, submitted.get(p.pk)) for p in rows_qs], list(content_rfp.lots.all())


def opened_proposal(
    user: Any, pk: int
) -> tuple[Proposal, ProposalAccess, SubmittedProposal | None]:
    """One proposal for a buyer: its submitted version if the envelopes allow it."""
    proposal = proposal_visible_to(user, pk)
    access = proposal_access(user, proposal.rfp)
    if not access.is_buyer:
        raise NotFoundError("Proposal not found.")
    if not access.technical_visible or not proposal.counts:
        return proposal, access, None
    content_rfp = rfp_for_proposals(proposal.rfp_id)
    proposal.rfp = content_rfp
    items = _submitted([proposal], content_rfp, commercial_open=access.commercial_visible)
    return proposal, access, items[0] if items else None


# --- For the RFP layer (rfp.hooks), the vendor's preview ----------------------------------------


def envelope_timeline(rfp: RFP) -> list[Any]:
    """The envelope openings as entries of the RFP timeline (rfp.selectors.TimelineEntry)."""
    entries = []
    for opening in EnvelopeOpening.objects.filter(rfp=rfp).select_related("opened_by"):
        entries.append(
            TimelineEntry(
                at=opening.opened_at,
                kind="envelope",
                title=f"{opening.get_envelope_display()} opened",
                actor=str(opening.opened_by) if opening.opened_by else "BPO Portal",
                comment=opening.comment,
                badge="info",
            )
        )
    return entries


def companies_with_submission_ids(rfp: RFP) -> list[int]:
    """Vendors whose proposal counts now (for rfp's reminders and addenda)."""
    return list(
        Proposal.objects.filter(rfp=rfp, status=ProposalStatus.SUBMITTED).values_list(
            "company_id", flat=True
        )
    )


def vendor_compliance_warnings(proposal: Proposal, content: SubmittedContent) -> list[str]:
    """What would make the vendor's proposal non-compliant, as far as the vendor
    can know: knock-out answers, certifications at the deadline, languages."""
    return evaluate_compliance(rfp=proposal.rfp, content=content, location_of=None).reasons
