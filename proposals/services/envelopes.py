"""The envelopes: the technical one opens at the deadline (the minute job or the
buyer's first look records it and checks compliance); on a two-envelope RFP the
commercial one opens once scoring says the technical evaluation is final."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import BuyerMembership, BuyerRole, User
from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.permissions import Capability, require_buyer
from bpo_portal.web import site_link
from proposals import selectors
from proposals.models import Envelope, EnvelopeOpening, Proposal, ProposalStatus
from proposals.services.compliance import proposals_compliance_check
from rfp.models import RFP, RFPStatus


def _managers(rfp: RFP) -> list[str]:
    return list(
        BuyerMembership.objects.filter(
            organization_id=rfp.organization_id,
            role__in=[BuyerRole.ADMIN, BuyerRole.PROCUREMENT_MANAGER],
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )


def technical_envelope_open(*, rfp: RFP, now: dt.datetime | None = None) -> EnvelopeOpening:
    """Record that the proposals opened at the deadline and check their
    compliance. Idempotent: the minute job and the buyer's first look may both
    call it. The opening counts from the deadline itself, whenever recorded."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            RFP.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=rfp.pk)
        )
        existing = EnvelopeOpening.objects.filter(rfp=locked, envelope=Envelope.TECHNICAL).first()
        if existing is not None:
            return existing
        if locked.status == RFPStatus.CANCELLED or locked.publication_at is None:
            raise ConflictError(
                "This RFP was cancelled or never published: its proposals stay sealed."
            )
        if not locked.seal_lifted(now):
            raise ConflictError(
                "The proposals open at the submission deadline, not before.",
                extra={
                    "opens_at": locked.seal_lifts_at.isoformat() if locked.seal_lifts_at else None
                },
            )
        deadline = locked.seal_lifts_at
        assert deadline is not None  # the seal lifted
        count = Proposal.objects.filter(rfp=locked, status=ProposalStatus.SUBMITTED).count()
        opening = EnvelopeOpening.objects.create(
            rfp=locked,
            envelope=Envelope.TECHNICAL,
            opened_at=deadline,
            comment=f"{count} proposal{'s' if count != 1 else ''} received."
            + (
                "" if locked.two_envelopes else " Prices open with them: this RFP has one envelope."
            ),
        )
        proposals_compliance_check(rfp=locked, actor=None, now=now)
        send_templated_email(
            to=_managers(locked),
            template_prefix="emails/proposal_envelope_opened",
            context={
                "rfp": locked,
                "envelope": opening,
                "count": count,
                "url": site_link("proposal_rfp_list", locked.pk),
            },
        )
        audit_record(
            actor=None,
            action="proposals.technical_envelope_opened",
            obj=locked,
            organization=locked.organization,
            summary=f"The proposals to {locked.reference} opened at the submission deadline "
            f"({count} received)",
        )
    return opening


def technical_envelope_open_if_due(*, rfp: RFP) -> bool:
    """The buyer's first look after the deadline records the opening (and checks
    compliance) if the minute job has not done it yet. True if it did."""
    envelopes = selectors.envelope_state(rfp)
    if not envelopes.technical_open or envelopes.technical_recorded:
        return False
    try:
        technical_envelope_open(rfp=rfp)
    except ApplicationError:
        return False
    return True


def technical_envelopes_open_due(*, now: dt.datetime | None = None) -> list[int]:
    """Beat job: record the opening of every RFP whose deadline has passed."""
    now = now or timezone.now()
    due = (
        RFP.objects.seal_lifted(now)
        .exclude(envelope_openings__envelope=Envelope.TECHNICAL)
        .values_list("pk", flat=True)
    )
    opened = []
    for rfp_id in list(due):
        try:
            technical_envelope_open(rfp=RFP(pk=rfp_id), now=now)
        except ApplicationError:
            continue
        opened.append(rfp_id)
    return opened


# Whether an RFP's technical evaluation is final is scoring's rule, and scoring is a
# higher layer: it registers its check here (scoring/apps.py). `check(rfp)` returns
# the reasons the evaluation is not final yet, for people; an empty list means final.
TechnicalEvaluationCheck = Callable[[RFP], list[str]]
_technical_evaluation_check: TechnicalEvaluationCheck | None = None


def technical_evaluation_check_register(check: TechnicalEvaluationCheck) -> None:
    """Called once by scoring's AppConfig.ready(). Registering again replaces it."""
    global _technical_evaluation_check
    _technical_evaluation_check = check


def commercial_envelope_blockers(rfp: RFP) -> list[str]:
    """Why the commercial envelope of this two-envelope RFP may not open yet (empty:
    it may). Without a registered check it stays shut: prices never open unchecked."""
    if _technical_evaluation_check is None:
        return ["The technical evaluation cannot be checked here, so the prices stay sealed."]
    return list(_technical_evaluation_check(rfp))


def commercial_envelope_open(*, actor: User, rfp: RFP, comment: str = "") -> EnvelopeOpening:
    """Open the prices of a two-envelope RFP, once its technical evaluation is final
    (every technical item scored, every item flagged for discussion given a
    consensus score): whoever calls it, the proposals page, the API or scoring's
    finalisation, the rule is checked here. Calling it again returns the first
    opening."""
    require_buyer(actor, Capability.MANAGE_EVALUATION, rfp.organization_id)
    with transaction.atomic():
        locked = (
            RFP.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=rfp.pk)
        )
        if not locked.two_envelopes:
            raise ConflictError(
                "This RFP has one envelope: the prices opened with the proposals at the deadline."
            )
        existing = EnvelopeOpening.objects.filter(rfp=locked, envelope=Envelope.COMMERCIAL).first()
        if existing is not None:
            return existing
        envelopes = selectors.envelope_state(locked)
        if not envelopes.technical_open:
            raise ConflictError(
                "The proposals are still sealed: the commercial envelope opens after the "
                "technical one, which opens at the submission deadline."
            )
        blockers = commercial_envelope_blockers(locked)
        if blockers:
            raise ConflictError(
                "The prices stay sealed until the technical evaluation is finalised: "
                + " ".join(blockers),
                extra={"reasons": blockers},
            )
        if not envelopes.technical_recorded:
            technical_envelope_open(rfp=locked)
        opening = EnvelopeOpening.objects.create(
            rfp=locked,
            envelope=Envelope.COMMERCIAL,
            opened_at=timezone.now(),
            opened_by=actor,
            comment=(comment or "").strip()[:2000] or "Technical evaluation finalised.",
        )
        audit_record(
            actor=actor,
            action="proposals.commercial_envelope_opened",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} opened the commercial envelope of {locked.reference}",
            data={"comment": opening.comment},
        )
    return opening
