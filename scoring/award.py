"""The award of each lot: proposed by the procurement manager on the results (only an
awardable proposal, never while the results are provisional or a flagged item is open),
approved or sent back by another admin (four eyes), then the vendors are told and the
lot's scores lock."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import BuyerMembership, BuyerRole, User
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
)
from bpo_portal.permissions import (
    Capability,
    four_eyes_apply,
    require_buyer,
    require_second_person,
    second_person_refusal,
)
from bpo_portal.web import site_link
from proposals.content import read_content
from proposals.models import ComplianceStatus, Proposal, ProposalStatus
from proposals.selectors import envelope_state
from rfp import services as rfp_services
from rfp.models import RFP, Lot, RFPStatus
from rfp.selectors import company_user_emails
from scoring import results as scoring_results
from scoring.models import (
    AwardDecision,
    AwardStatus,
    Evaluation,
)
from scoring.services import MIN_JUSTIFICATION, clean_text, lock_evaluation, require_manager


def award_propose(
    *,
    actor: User,
    evaluation: Evaluation,
    lot: Lot,
    winners: Iterable[Proposal | int],
    justification: str,
    notify_ranks: bool = False,
) -> AwardDecision:
    """Propose the award of a lot to one vendor, or several (multisourcing), with a
    justification, for an admin to approve. The ranking it was made on is kept."""
    rfp = evaluation.rfp
    require_manager(actor, rfp)
    if lot.rfp_id != rfp.pk:
        raise NotFoundError("Lot not found.")
    winner_ids = sorted({w.pk if isinstance(w, Proposal) else int(w) for w in winners})
    justification = clean_text(justification)
    errors: dict[str, str] = {}
    if not winner_ids:
        errors["winners"] = "Choose the vendor (or vendors) to award the lot to."
    if len(justification) < MIN_JUSTIFICATION:
        errors["justification"] = (
            "Justify the award in a few sentences: the approver and the board read it."
        )
    if errors:
        raise ApplicationError.for_fields(errors)
    if not evaluation.scoring_started:
        raise ConflictError("Scoring has not started: there is nothing to award yet.")
    if rfp.status != RFPStatus.UNDER_EVALUATION:
        raise ConflictError(
            f"This RFP is {rfp.get_status_display().lower()}: it cannot be awarded."
        )
    if not envelope_state(rfp).commercial_open:
        raise ConflictError(
            "The prices are still sealed: finalise the technical evaluation to open them first."
        )
    results = scoring_results.evaluation_results(rfp=rfp, lot=lot, user=actor)
    if results.problems:
        raise ApplicationError(results.problems[0])
    lot_results = results.lots[0]
    blockers = award_blockers(lot_results)
    if blockers:
        raise ConflictError(" ".join(blockers), extra={"reasons": blockers})
    problems = _winner_problems(lot_results, winner_ids)
    if problems:
        raise ApplicationError.for_fields({"winners": problems})
    by_id = {p.proposal_id: p for p in lot_results.all_proposals}
    with transaction.atomic():
        lock_evaluation(evaluation)
        if AwardDecision.objects.filter(
            lot=lot, status__in=[AwardStatus.PROPOSED, AwardStatus.APPROVED]
        ).exists():
            raise ConflictError(f"The award of lot “{lot.name}” is already proposed or approved.")
        award = AwardDecision.objects.create(
            evaluation=evaluation,
            lot=lot,
            justification=justification,
            notify_ranks=bool(notify_ranks),
            proposed_by=actor,
            ranking_snapshot=[
                {
                    "proposal_id": p.proposal_id,
                    "company_id": p.company_id,
                    "vendor": p.vendor,
                    "rank": p.rank,
                    "total_points": round(p.total_points, 2) if p.total_points else None,
                }
                for p in lot_results.all_proposals  # ranked first, then any not ranked
            ],
        )
        award.winners.set(winner_ids)
        names = ", ".join(by_id[pk].vendor for pk in winner_ids)
        admins = list(
            BuyerMembership.objects.filter(
                organization_id=rfp.organization_id, role=BuyerRole.ADMIN, user__is_active=True
            )
            .exclude(user=actor)
            .values_list("user__email", flat=True)
        )
        send_templated_email(
            to=admins,
            template_prefix="emails/scoring_award_proposed",
            context={
                "rfp": rfp,
                "lot": lot,
                "winners": names,
                "proposer": actor,
                "justification": justification,
                "url": site_link("scoring_award", rfp.pk),
            },
        )
        audit_record(
            actor=actor,
            action="scoring.award_proposed",
            obj=award,
            organization=rfp.organization,
            summary=f"{actor} proposed to award lot “{lot.name}” of {rfp.reference} to {names}",
            data={"winners": winner_ids, "justification": justification},
        )
    return award


def award_blockers(lot_results: scoring_results.LotResults) -> list[str]:
    """Why no award can be decided on this lot's results yet: the results are
    provisional (an item of a proposal that can win still waits for an assigned
    evaluator's score, or has no score at all) or an item flagged for discussion has no
    consensus score. Excluded (non-compliant) proposals cannot win, so their open items
    do not hold the award up."""
    candidates = [
        result
        for result in lot_results.all_proposals
        if not result.not_ranked_reason.startswith(scoring_results.EXCLUDED_PREFIX)
    ]
    open_items = sum(
        1
        for result in candidates
        for leaf in result.leaves
        if leaf.evaluators is not None
        and leaf.evaluators.needs_discussion
        and leaf.evaluators.consensus is None
    )
    reasons = []
    if lot_results.provisional:
        reasons.append(
            f"The results are provisional: {lot_results.items_unscored} item(s) of the "
            "proposals that can win still need a submitted score from every assigned "
            "evaluator, or a consensus score."
        )
    if open_items:
        reasons.append(f"{open_items} item(s) flagged for discussion still need a consensus score.")
    return reasons


def _winner_problems(
    lot_results: scoring_results.LotResults, winner_ids: Iterable[int]
) -> list[str]:
    """Only an awardable proposal of this lot can win it."""
    by_id = {p.proposal_id: p for p in lot_results.all_proposals}
    problems = []
    for pk in winner_ids:
        result = by_id.get(pk)
        if result is None:
            problems.append("Choose among the proposals for this lot.")
        elif result.compliance == ComplianceStatus.NON_COMPLIANT:
            problems.append(
                f"{result.vendor} is non-compliant: override its compliance with a "
                "justification first, if that is right."
            )
        elif result.rank is None:
            problems.append(f"{result.vendor} is not ranked: {result.not_ranked_reason}")
    return problems


def _decide(actor: User, award: AwardDecision) -> AwardDecision:
    rfp = award.evaluation.rfp
    require_buyer(actor, Capability.APPROVE_AWARD, rfp.organization_id)
    locked = (
        AwardDecision.objects.select_for_update(of=("self",))
        .select_related("evaluation__rfp__organization", "lot", "proposed_by")
        .get(pk=award.pk)
    )
    if locked.status != AwardStatus.PROPOSED:
        raise ConflictError(f"This award is already {locked.get_status_display().lower()}.")
    return locked


PROPOSED_THE_AWARD = "proposed this award"


def award_approval_refusal(*, actor: User, award: AwardDecision) -> str | None:
    """Why this admin may not approve this award (four eyes: they proposed it), or None:
    the page shows it instead of the form; `award_approve` enforces the same rule."""
    return second_person_refusal(
        organization=award.evaluation.rfp.organization,
        actor=actor,
        first_actor=award.proposed_by_id,
        what=PROPOSED_THE_AWARD,
    )


def award_approve(*, actor: User, award: AwardDecision, comment: str = "") -> AwardDecision:
    """An admin (not the one who proposed it, unless the organization switched four
    eyes off) approves the award of a lot: the lot's
    scores lock, the winners and the other bidders are told (the others learn
    their rank only if the buyer chose so; never a score), and once every lot
    with bids is awarded the RFP moves to awarded."""
    with transaction.atomic():
        locked = _decide(actor, award)
        evaluation = locked.evaluation
        rfp = evaluation.rfp
        require_second_person(
            organization=rfp.organization,
            actor=actor,
            first_actor=locked.proposed_by,
            what=PROPOSED_THE_AWARD,
        )
        # The results may have moved since the proposal (a compliance ruling, a score).
        lot_results = scoring_results.evaluation_results(rfp=rfp, lot=locked.lot, user=actor).lots[
            0
        ]
        blockers = award_blockers(lot_results) + _winner_problems(
            lot_results, [p.pk for p in locked.winners.all()]
        )
        if blockers:
            raise ConflictError(
                "This award cannot be approved now: " + " ".join(blockers),
                extra={"reasons": blockers},
            )
        locked.status = AwardStatus.APPROVED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_comment = clean_text(comment)
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        winners = list(locked.winners.select_related("company"))
        winner_companies = {p.company_id for p in winners}
        lot_bidders = [entry for entry in locked.ranking_snapshot if isinstance(entry, dict)]
        companies = sorted({int(e["company_id"]) for e in lot_bidders} | winner_companies)
        emails = company_user_emails(companies)
        names = ", ".join(p.company.display_name for p in winners)
        for company_id in companies:
            won = company_id in winner_companies
            entry = next((e for e in lot_bidders if e["company_id"] == company_id), None)
            send_templated_email(
                to=emails.get(company_id, []),
                template_prefix="emails/scoring_award_won" if won else "emails/scoring_award_lost",
                context={
                    "rfp": rfp,
                    "buyer": rfp.organization,
                    "lot": locked.lot,
                    "rank": entry["rank"] if entry and locked.notify_ranks else None,
                    "bidders": sum(1 for e in lot_bidders if e.get("rank")),
                    "url": site_link("scoring_outcomes"),
                },
            )
        if locked.proposed_by is not None and locked.proposed_by.email:
            send_templated_email(
                to=[locked.proposed_by.email],
                template_prefix="emails/scoring_award_decided",
                context={
                    "award": locked,
                    "rfp": rfp,
                    "lot": locked.lot,
                    "approver": actor,
                    "url": site_link("scoring_award", rfp.pk),
                },
            )
        own = locked.proposed_by_id == actor.pk
        audit_record(
            actor=actor,
            action="scoring.award_approved",
            obj=locked,
            organization=rfp.organization,
            summary=f"{actor} approved the award of lot “{locked.lot.name}” of {rfp.reference} "
            f"to {names}, "
            + (
                "which they had proposed themselves (four eyes switched off)"
                if own
                else f"proposed by {locked.proposed_by or 'an unknown user'}"
            ),
            data={
                "winners": [p.pk for p in winners],
                "comment": locked.decision_comment,
                "proposed_by": locked.proposed_by_id,
                "approved_by": actor.pk,
                "four_eyes_required": four_eyes_apply(rfp.organization),
            },
        )
        bid_lots = _lots_with_bids(rfp)
        approved = set(
            AwardDecision.objects.filter(
                evaluation=evaluation, status=AwardStatus.APPROVED
            ).values_list("lot_id", flat=True)
        )
        if bid_lots <= approved and RFP.objects.get(pk=rfp.pk).status == RFPStatus.UNDER_EVALUATION:
            rfp_services.rfp_award(
                actor=actor,
                rfp=rfp,
                version=None,
                comment=f"Award approved: {names}." if len(bid_lots) == 1 else "Every lot awarded.",
            )
    return locked


def _lots_with_bids(rfp: RFP) -> set[int]:
    lots: set[int] = set()
    for version_content in Proposal.objects.filter(
        rfp=rfp, status=ProposalStatus.SUBMITTED, submitted_version__isnull=False
    ).values_list("submitted_version__content", flat=True):
        lots.update(read_content(version_content, commercial_open=False).lots)
    return lots


def award_return(*, actor: User, award: AwardDecision, comment: str) -> AwardDecision:
    """An admin sends the proposed award back to the procurement manager, saying why."""
    comment = clean_text(comment)
    if len(comment) < 10:
        raise ApplicationError.for_fields(
            {"comment": "Say what should change before the award can be approved."}
        )
    with transaction.atomic():
        locked = _decide(actor, award)
        rfp = locked.evaluation.rfp
        locked.status = AwardStatus.RETURNED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_comment = comment
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        if locked.proposed_by is not None:
            send_templated_email(
                to=[locked.proposed_by.email],
                template_prefix="emails/scoring_award_decided",
                context={
                    "award": locked,
                    "rfp": rfp,
                    "lot": locked.lot,
                    "approver": actor,
                    "url": site_link("scoring_award", rfp.pk),
                },
            )
        audit_record(
            actor=actor,
            action="scoring.award_returned",
            obj=locked,
            organization=rfp.organization,
            summary=f"{actor} sent back the proposed award of lot “{locked.lot.name}” of "
            f"{rfp.reference}",
            data={"comment": comment},
        )
    return locked
