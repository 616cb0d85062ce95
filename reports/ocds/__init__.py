"""Open-contracting data: an RFP as an OCDS 1.1 release package (issue 20, part 5).

`release_package(rfp=..., uri=...)` builds the package as plain JSON-ready data; the
JSON Schema it follows (written from the standard's documentation, with the codelists
we use as enums) is `release-package-schema.json` beside this file, and the tests
validate every stage against it.

What the seal allows (proposals.selectors.envelope_state) decides what is said about
bids: nothing before the technical envelope opens; bidders, their lots and status
once it is open; amounts only once the commercial envelope is open. The buyer's
budget is internal and never appears. Money follows OCDS's `Value`: a JSON number
and an ISO 4217 code (the standard's shape, not the API's decimal strings).

Contracts: none yet. The portal has no contract records (issue 19); when it does,
`_contracts` is where they go (OCDS `contracts`, each with its `awardID`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from proposals.models import Proposal, ProposalStatus
from proposals.selectors import (
    ProposalsSealedError,
    SubmittedProposal,
    envelope_state,
    proposals_for_evaluation,
)
from rfp.models import RFP, RFPStatus, Visibility
from scoring.models import AwardDecision, AwardStatus

SCHEMA_PATH = Path(__file__).with_name("release-package-schema.json")
OCDS_VERSION = "1.1"

# Our RFP status -> OCDS tenderStatus codelist.
TENDER_STATUS: dict[str, str] = {
    RFPStatus.DRAFT: "planning",
    RFPStatus.PENDING_APPROVAL: "planning",
    RFPStatus.PUBLISHED: "active",
    RFPStatus.CLOSED: "active",  # bids are in and being evaluated: still active in OCDS
    RFPStatus.UNDER_EVALUATION: "active",
    RFPStatus.AWARDED: "complete",
    RFPStatus.CANCELLED: "cancelled",
}
# Our award decision -> OCDS awardStatus codelist.
AWARD_STATUS: dict[str, str] = {
    AwardStatus.PROPOSED: "pending",
    AwardStatus.APPROVED: "active",
    AwardStatus.RETURNED: "cancelled",
}
# Invited vendors only: selective; invited plus every vendor the buyer qualified: still
# a buyer-chosen set of suppliers, hence selective too; an RFP anyone may answer would
# be "open" (not a visibility we have yet, but the mapping is kept here).
PROCUREMENT_METHOD: dict[str, str] = {
    Visibility.INVITE_ONLY: "selective",
    Visibility.OPEN_TO_QUALIFIED: "selective",
}
# Our RFP attachments are what bidders read to prepare a proposal.
ATTACHMENT_DOCUMENT_TYPE = "biddingDocuments"


def ocid_for(rfp: RFP) -> str:
    """The Open Contracting ID: the configured prefix and the RFP's id (its reference is
    unique only within its organization, and a draft has none yet)."""
    return f"{settings.OCDS_OCID_PREFIX}{rfp.pk}"


def _date(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value, dt.UTC).isoformat() if value is not None else None


def _value(amount: Decimal, currency: str) -> dict[str, Any]:
    """OCDS `Value`: the amount as a JSON number (the standard's shape) and the currency."""
    return {"amount": float(amount), "currency": currency}


def _period(start: dt.datetime | None, end: dt.datetime | None) -> dict[str, str] | None:
    period = {k: v for k, v in (("startDate", _date(start)), ("endDate", _date(end))) if v}
    return period or None


def _buyer_party(rfp: RFP) -> dict[str, Any]:
    organization = rfp.organization
    assert organization is not None  # only the starter templates have none; never exported
    return {
        "id": f"buyer-{organization.pk}",
        "name": organization.name,
        "address": {"countryName": str(organization.home_country.name)},
        "roles": ["buyer", "procuringEntity"],
    }


def _vendor_id(company_id: int) -> str:
    return f"vendor-{company_id}"


def _lot_id(lot_id: int) -> str:
    return f"lot-{lot_id}"


def _tender(rfp: RFP, status: str, awarded_lots: set[int]) -> dict[str, Any]:
    tender: dict[str, Any] = {
        "id": rfp.reference or str(rfp.pk),
        "title": rfp.title,
        "description": rfp.summary or rfp.scope_of_work,
        "status": status,
        "procurementMethod": PROCUREMENT_METHOD.get(rfp.visibility, "selective"),
        "mainProcurementCategory": "services",
        "lots": [
            {
                "id": _lot_id(lot.pk),
                "title": lot.name,
                "description": lot.description,
                "status": "complete" if lot.pk in awarded_lots else status,
            }
            for lot in rfp.lots.all()
        ],
        "documents": [
            {
                "id": f"attachment-{attachment.pk}",
                "documentType": ATTACHMENT_DOCUMENT_TYPE,
                "title": attachment.name,
                "format": attachment.content_type,
                "datePublished": _date(attachment.created_at),
            }
            for attachment in rfp.attachments.all()
        ],
    }
    if not tender["description"]:
        del tender["description"]
    for key, period in (
        ("tenderPeriod", _period(rfp.publication_at, rfp.submission_deadline)),
        ("enquiryPeriod", _period(rfp.publication_at, rfp.question_deadline)),
    ):
        if period:
            tender[key] = period
    # No `value`: the buyer's budget is internal (RFP.budget, "vendors never see it"), and
    # the portal has no published estimate. If one is added, it goes here as _value(...).
    return tender


_BID_STATUS = {"compliant": "valid", "non_compliant": "disqualified", "": "pending"}


def _withdrawn(rfp: RFP) -> list[Proposal]:
    """Proposals submitted and then withdrawn before the deadline: bids with status
    "withdrawn", never with a value."""
    return list(
        Proposal.objects.filter(
            rfp=rfp, status=ProposalStatus.WITHDRAWN, submitted_version__isnull=False
        )
        .select_related("company")
        .order_by("company__legal_name", "id")
    )


def _bids(
    submitted: list[SubmittedProposal], withdrawn: list[Proposal], commercial_open: bool
) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = []
    for item in submitted:
        proposal = item.proposal
        for lot_id in sorted(item.content.lots):
            detail: dict[str, Any] = {
                "id": f"bid-{proposal.pk}-{lot_id}",
                "date": _date(proposal.submitted_at),
                "status": _BID_STATUS.get(item.compliance, "pending"),
                "tenderers": [{"id": _vendor_id(proposal.company_id), "name": item.name}],
                "relatedLots": [_lot_id(lot_id)],
            }
            cost = (item.costs or {}).get(lot_id) if commercial_open else None
            if cost is not None and cost.tco is not None:
                # The bid in the currency the vendor priced in (no conversion).
                detail["value"] = _value(cost.tco.total, cost.currency)
            details.append(detail)
    for proposal in withdrawn:
        details.append(
            {
                "id": f"bid-{proposal.pk}",
                "date": _date(proposal.submitted_at),
                "status": "withdrawn",
                "tenderers": [
                    {"id": _vendor_id(proposal.company_id), "name": proposal.company.display_name}
                ],
            }
        )
    return details


def _awards(
    awards: list[AwardDecision], submitted: dict[int, SubmittedProposal], commercial_open: bool
) -> list[dict[str, Any]]:
    out = []
    for award in awards:
        winners = sorted(award.winners.all(), key=lambda p: p.pk)
        entry: dict[str, Any] = {
            "id": f"award-{award.pk}",
            "status": AWARD_STATUS[award.status],
            "date": _date(award.decided_at or award.proposed_at),
            "suppliers": [
                {
                    "id": _vendor_id(p.company_id),
                    "name": submitted[p.pk].name if p.pk in submitted else p.company.display_name,
                }
                for p in winners
            ],
            "relatedLots": [_lot_id(award.lot_id)],
        }
        # One winner: the award's value is its bid for the lot. Several winners
        # (multisourcing): the lot's value splits by the shares of a split award,
        # which the portal does not record yet (issue 18); until then no value is
        # claimed rather than a wrong one. Hook: sum each winner's share of its bid here.
        if commercial_open and len(winners) == 1 and winners[0].pk in submitted:
            cost = (submitted[winners[0].pk].costs or {}).get(award.lot_id)
            if cost is not None and cost.tco is not None:
                entry["value"] = _value(cost.tco.total, cost.currency)
        out.append(entry)
    return out


def _contracts() -> list[dict[str, Any]]:
    """No contracts yet: the portal does not record them (issue 19)."""
    return []


def _release_id(ocid: str, release: dict[str, Any]) -> str:
    """A release id that changes exactly when the release's content changes."""
    digest = hashlib.sha256(json.dumps(release, sort_keys=True).encode()).hexdigest()[:16]
    return f"{ocid}-{digest}"


def release(*, rfp: RFP, now: dt.datetime | None = None) -> dict[str, Any]:
    """The RFP's one OCDS release, as the seal allows now. The caller checks that its
    user may read the RFP's reports."""
    now = now or timezone.now()
    envelopes = envelope_state(rfp, now=now)
    current = rfp.current_status(now)
    status = TENDER_STATUS[current]
    submitted: list[SubmittedProposal] = []
    withdrawn: list[Proposal] = []
    if envelopes.technical_open:
        try:
            submitted = proposals_for_evaluation(rfp=rfp, now=now)
        except ProposalsSealedError:  # pragma: no cover - checked just above
            submitted = []
        withdrawn = _withdrawn(rfp)
    awards = list(
        AwardDecision.objects.filter(evaluation__rfp=rfp)
        .select_related("lot")
        .prefetch_related("winners__company")
        .order_by("lot__order", "lot_id", "proposed_at", "id")
    )
    awarded_lots = {a.lot_id for a in awards if a.status == AwardStatus.APPROVED}
    by_proposal = {item.proposal.pk: item for item in submitted}

    parties = [_buyer_party(rfp)]
    roles: dict[int, tuple[str, set[str]]] = {}
    for item in submitted:
        roles.setdefault(item.proposal.company_id, (item.name, set()))[1].add("tenderer")
    for proposal in withdrawn:
        roles.setdefault(proposal.company_id, (proposal.company.display_name, set()))[1].add(
            "tenderer"
        )
    for award in awards:
        if award.status == AwardStatus.RETURNED:
            continue
        for winner in award.winners.all():
            name = by_proposal[winner.pk].name if winner.pk in by_proposal else ""
            roles.setdefault(winner.company_id, (name or winner.company.display_name, set()))[
                1
            ].update({"tenderer", "supplier"})
    for company_id, (name, company_roles) in sorted(roles.items()):
        parties.append(
            {
                "id": _vendor_id(company_id),
                "name": name,
                "roles": [r for r in ("tenderer", "supplier") if r in company_roles],
            }
        )

    tags = ["planning"] if current in (RFPStatus.DRAFT, RFPStatus.PENDING_APPROVAL) else ["tender"]
    if current == RFPStatus.CANCELLED:
        tags = ["tenderCancellation"]
    if awards:
        tags.append("award")

    ocid = ocid_for(rfp)
    dates = [rfp.updated_at, rfp.publication_at, envelopes.technical_opened_at]
    dates += [envelopes.commercial_opened_at]
    dates += [a.decided_at or a.proposed_at for a in awards]
    body: dict[str, Any] = {
        "ocid": ocid,
        "date": _date(max((d for d in dates if d is not None and d <= now), default=now)),
        "tag": tags,
        "initiationType": "tender",
        "parties": parties,
        "buyer": {"id": parties[0]["id"], "name": parties[0]["name"]},
        "tender": _tender(rfp, status, awarded_lots),
    }
    if envelopes.technical_open:
        body["bids"] = {"details": _bids(submitted, withdrawn, envelopes.commercial_open)}
    if awards:
        body["awards"] = _awards(awards, by_proposal, envelopes.commercial_open)
    contracts = _contracts()
    if contracts:  # pragma: no cover - issue 19
        body["contracts"] = contracts
    return {"id": _release_id(ocid, body), **body}


def release_package(*, rfp: RFP, uri: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """The OCDS 1.1 release package of one RFP, published at `uri`."""
    now = now or timezone.now()
    one = release(rfp=rfp, now=now)
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        # Made on demand: OCDS asks for the date of the last change to its contents (so
        # the same contents give the same package, and its ETag holds).
        "publishedDate": one["date"],
        "publisher": {"name": settings.OCDS_PUBLISHER_NAME, "uri": settings.SITE_URL},
        "releases": [one],
    }


def release_package_schema() -> dict[str, Any]:
    """The JSON Schema of what `release_package` emits (OCDS 1.1, with the bids and lots
    extensions)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema
