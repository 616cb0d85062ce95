"""Who may see what: the buyer's RFP, the results readers and managers, the
evaluations an evaluator works on, and the vendor's side (outcomes, never scores)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from bpo_portal.errors import NotFoundError, PermissionDeniedError
from bpo_portal.permissions import (
    Capability,
    buyer_can,
    buyer_membership,
    vendor_membership,
)
from rfp.models import RFP, Lot
from rfp.selectors import rfps_visible_to
from scoring.models import (
    AwardDecision,
    AwardStatus,
    Evaluation,
    EvaluatorScore,
)

# --- Who may see what ----------------------------------------------------------------------------


def rfp_for_buyer(user: Any, rfp_pk: int) -> RFP:
    """An RFP of the user's buyer organization; 404 for anyone else (vendors,
    other organizations, anonymous)."""
    if buyer_membership(user) is None:
        raise NotFoundError("RFP not found.")
    rfp = (
        rfps_visible_to(user)
        .select_related("organization")
        .prefetch_related("envelope_openings")
        .filter(pk=rfp_pk)
        .first()
    )
    if rfp is None:
        raise NotFoundError("RFP not found.")
    return rfp


def can_read_results(user: Any, rfp: RFP) -> bool:
    """Admins, procurement managers and viewers read results; evaluators see only
    their assignments."""
    return buyer_can(user, Capability.VIEW_REPORTS, rfp.organization_id)


def can_manage(user: Any, rfp: RFP) -> bool:
    return buyer_can(user, Capability.MANAGE_EVALUATION, rfp.organization_id)


def require_results_reader(user: Any, rfp: RFP) -> None:
    membership = buyer_membership(user)
    if membership is None or membership.organization_id != rfp.organization_id:
        raise NotFoundError("RFP not found.")
    if not can_read_results(user, rfp):
        raise PermissionDeniedError(
            "Evaluators see only the items they are assigned; results are for admins, "
            "procurement managers and viewers."
        )


def evaluation_of(rfp: RFP) -> Evaluation | None:
    return Evaluation.objects.filter(rfp=rfp).select_related("rfp", "scoring_started_by").first()


def evaluations_visible_to(user: Any) -> QuerySet[Evaluation]:
    membership = buyer_membership(user)
    if membership is None:
        return Evaluation.objects.none()
    return Evaluation.objects.filter(
        rfp__organization_id=membership.organization_id, rfp__is_template=False
    ).select_related("rfp")


def evaluations_listed_for(user: Any) -> QuerySet[Evaluation]:
    """The evaluations a user's lists show, on the page and through the API alike:
    every one of their organisation's for those who read results (admins, procurement
    managers, viewers), only those they are assigned to for evaluators."""
    evaluations = evaluations_visible_to(user)
    if buyer_can(user, Capability.VIEW_REPORTS):
        return evaluations
    return evaluations.filter(assignments__evaluator=user).distinct()


@dataclass(frozen=True)
class EvaluatorTask:
    """A dashboard line for an evaluator: an evaluation they sit on, and how far they are."""

    evaluation: Evaluation
    drafted: int
    submitted: int

    @property
    def rfp(self) -> RFP:
        return self.evaluation.rfp

    @property
    def state(self) -> str:
        if self.evaluation.scoring_started_at is None:
            return "Scoring has not started yet"
        if self.submitted:
            return f"{self.submitted} score{'s' if self.submitted != 1 else ''} submitted"
        if self.drafted:
            return f"{self.drafted} draft score{'s' if self.drafted != 1 else ''}, not submitted"
        return "Ready for you to score"


def evaluator_dashboard(user: Any) -> list[EvaluatorTask]:
    """The evaluations of the user's organization on whose panel the user sits, with
    how many of their own scores are drafted and submitted (two queries, any size)."""
    evaluations = list(
        evaluations_visible_to(user)
        .filter(assignments__evaluator=user)
        .distinct()
        .order_by("-rfp__submission_deadline", "-id")[:20]
    )
    counts: dict[int, Any] = {
        row["evaluation_id"]: row
        for row in EvaluatorScore.objects.filter(
            evaluator=user, evaluation__in=[e.pk for e in evaluations]
        )
        .values("evaluation_id")
        .annotate(
            drafted=Count("id", filter=Q(submitted_at__isnull=True)),
            submitted=Count("id", filter=Q(submitted_at__isnull=False)),
        )
    }
    return [
        EvaluatorTask(
            evaluation=e,
            drafted=counts.get(e.pk, {}).get("drafted", 0),
            submitted=counts.get(e.pk, {}).get("submitted", 0),
        )
        for e in evaluations
    ]


def evaluation_for(user: Any, rfp_pk: int) -> Evaluation:
    """The evaluation of an RFP of the user's organization, or 404."""
    evaluation = (
        evaluations_visible_to(user)
        .select_related("rfp__organization", "scoring_started_by")
        .prefetch_related("rfp__envelope_openings")
        # rfp__pk, not rfp_id: an id out of the database's range is then simply not found
        # (a foreign key lookup would send it to the database and fail with a 500).
        .filter(rfp__pk=rfp_pk)
        .first()
    )
    if evaluation is None:
        raise NotFoundError("This RFP has no evaluation yet.")
    return evaluation


# --- The vendor's side: outcomes, never scores ---------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    rfp: RFP
    lot: Lot
    won: bool
    rank: int | None
    bidders: int | None
    decided_at: dt.datetime | None


def vendor_outcomes(user: Any) -> list[Outcome]:
    """The approved award decisions that concern the user's company: won or not,
    and the rank only where the buyer chose to share it."""
    membership = vendor_membership(user)
    if membership is None:
        return []
    company_id = membership.company_id
    awards = (
        AwardDecision.objects.filter(
            status=AwardStatus.APPROVED,
            evaluation__rfp__proposals__company_id=company_id,
        )
        .select_related("lot", "evaluation__rfp__organization")
        .prefetch_related("winners")
        .distinct()
        .order_by("-decided_at")
    )
    out = []
    for award in awards:
        won = any(p.company_id == company_id for p in award.winners.all())
        snapshot = [e for e in award.ranking_snapshot or [] if isinstance(e, dict)]
        if not won and all(e.get("company_id") != company_id for e in snapshot):
            continue  # the company did not bid on this lot
        rank = bidders = None
        if award.notify_ranks and not won:
            for entry in snapshot:
                if entry.get("company_id") == company_id:
                    rank = entry.get("rank")
            bidders = sum(1 for entry in snapshot if entry.get("rank"))
        out.append(Outcome(award.evaluation.rfp, award.lot, won, rank, bidders, award.decided_at))
    return out
