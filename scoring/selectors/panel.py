"""The evaluator's side (their work, their peers' scores, the proposal they score)
and the panel with the criteria's history and the award decisions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import BuyerRole, User
from bpo_portal.errors import NotFoundError, PermissionDeniedError
from bpo_portal.permissions import (
    Capability,
    require_buyer,
)
from proposals.content import read_content
from proposals.models import Proposal
from proposals.selectors import (
    ProposalsSealedError,
    SubmittedProposal,
    proposals_for_evaluation,
)
from rfp.models import RFP, Lot
from scoring.models import (
    AwardDecision,
    ConflictDeclaration,
    CriteriaChange,
    Criterion,
    Evaluation,
    EvaluatorAssignment,
    EvaluatorScore,
)
from scoring.selectors.access import can_read_results
from scoring.selectors.criteria import TreeNode, build_tree, criteria_of, walk

# --- The evaluator's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringItem:
    criterion: Criterion
    path: str
    lot: Lot
    proposal_id: int
    score: EvaluatorScore | None

    @property
    def key(self) -> str:
        return f"{self.criterion.pk}-{self.lot.pk}"


@dataclass(frozen=True)
class VendorWork:
    proposal: Proposal
    vendor: str
    declaration: ConflictDeclaration | None
    items: tuple[ScoringItem, ...]

    @property
    def conflicted(self) -> bool:
        return self.declaration is not None and self.declaration.has_conflict

    @property
    def declared(self) -> bool:
        return self.declaration is not None

    @property
    def scored(self) -> int:
        return sum(1 for item in self.items if item.score is not None)

    @property
    def submitted(self) -> int:
        return sum(1 for item in self.items if item.score is not None and item.score.is_submitted)


@dataclass(frozen=True)
class Workload:
    """An evaluator's assignments on one RFP: per vendor, the items to score."""

    evaluation: Evaluation
    vendors: tuple[VendorWork, ...]
    sealed_message: str = ""

    @property
    def undeclared(self) -> list[VendorWork]:
        return [v for v in self.vendors if not v.declared]

    @property
    def items(self) -> list[ScoringItem]:
        return [item for v in self.vendors if not v.conflicted for item in v.items]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def scored(self) -> int:
        return sum(1 for item in self.items if item.score is not None)

    @property
    def submitted(self) -> int:
        return sum(1 for item in self.items if item.score is not None and item.score.is_submitted)

    @property
    def drafts(self) -> int:
        return self.scored - self.submitted

    @property
    def remaining(self) -> int:
        return self.total - self.scored

    @property
    def percent(self) -> int:
        return round(100 * self.scored / self.total) if self.total else 0

    @property
    def all_submitted(self) -> bool:
        return self.total > 0 and self.submitted == self.total

    def vendor(self, proposal_id: int) -> VendorWork | None:
        return next((v for v in self.vendors if v.proposal.pk == proposal_id), None)


def assignments_of(evaluation: Evaluation) -> list[EvaluatorAssignment]:
    return list(
        EvaluatorAssignment.objects.filter(evaluation=evaluation).select_related(
            "evaluator", "criterion", "lot"
        )
    )


def counting_proposals(rfp: RFP, *, now: dt.datetime | None = None) -> list[SubmittedProposal]:
    """The proposals that count, through the seal (ProposalsSealedError before opening)."""
    return proposals_for_evaluation(rfp=rfp, now=now)


def evaluator_workload(
    *,
    evaluation: Evaluation,
    user: Any,
    submitted: Sequence[SubmittedProposal] | None = None,
) -> Workload:
    """What this evaluator scores: their assignments expanded to items (criterion,
    lot, proposal) for every proposal that bids on the lot. Conflicted vendors are
    listed (to show the declaration) but carry no items to score."""

    rfp = evaluation.rfp
    assignments = [a for a in assignments_of(evaluation) if a.evaluator_id == user.pk]
    if not assignments:
        return Workload(evaluation, ())
    try:
        proposals = list(submitted) if submitted is not None else counting_proposals(rfp)
    except ProposalsSealedError as exc:
        return Workload(evaluation, (), sealed_message=exc.message)
    tree = build_tree(criteria_of(evaluation))
    nodes = {node.criterion.pk: node for node in walk(tree)}
    lots = list(Lot.objects.filter(rfp=rfp).order_by("order", "id"))
    targets: list[tuple[TreeNode, Lot]] = []
    seen: set[tuple[int, int]] = set()
    for assignment in assignments:
        node = nodes.get(assignment.criterion_id)
        if node is None:
            continue
        for leaf in node.leaves():
            if not leaf.criterion.is_scored_by_evaluators:
                continue
            for lot in lots:
                if assignment.lot_id is not None and assignment.lot_id != lot.pk:
                    continue
                if (leaf.criterion.pk, lot.pk) in seen:
                    continue
                seen.add((leaf.criterion.pk, lot.pk))
                targets.append((leaf, lot))
    order = {node.criterion.pk: index for index, node in enumerate(walk(tree))}
    targets.sort(key=lambda t: (t[1].order, t[1].pk, order.get(t[0].criterion.pk, 0)))
    declarations = {
        d.company_id: d
        for d in ConflictDeclaration.objects.filter(evaluation=evaluation, evaluator=user)
    }
    scores = {
        (s.criterion_id, s.proposal_id, s.lot_id): s
        for s in EvaluatorScore.objects.filter(evaluation=evaluation, evaluator=user)
    }
    vendors = []
    for item in sorted(proposals, key=lambda p: p.name.lower()):
        declaration = declarations.get(item.proposal.company_id)
        items = tuple(
            ScoringItem(
                leaf.criterion,
                leaf.path,
                lot,
                item.proposal.pk,
                scores.get((leaf.criterion.pk, item.proposal.pk, lot.pk)),
            )
            for leaf, lot in targets
            if lot.pk in item.content.lots
        )
        if items:
            vendors.append(VendorWork(item.proposal, item.name, declaration, items))
    return Workload(evaluation, tuple(vendors))


@dataclass(frozen=True)
class PeerScores:
    """Other evaluators' submitted scores on an item, shown only once the
    evaluator has submitted their own score of it."""

    item: ScoringItem
    others: tuple[EvaluatorScore, ...]


def _evaluator_view(rows: QuerySet[EvaluatorScore], user: Any) -> list[EvaluatorScore]:
    """What an evaluator may see of `rows`: their own scores (drafts too) and the other
    evaluators' submitted scores on the items they have submitted themselves. No peeking
    before committing: the one rule for the scoring page and the API."""
    mine = list(rows.filter(evaluator=user))
    submitted = {(s.criterion_id, s.proposal_id, s.lot_id) for s in mine if s.submitted_at}
    if not submitted:
        return mine
    others = [
        score
        for score in rows.filter(submitted_at__isnull=False).exclude(evaluator=user)
        if (score.criterion_id, score.proposal_id, score.lot_id) in submitted
    ]
    return mine + others


def scores_visible_to(user: Any, evaluation: Evaluation) -> list[EvaluatorScore]:
    """The evaluator scores a user may read: every submitted one for results readers;
    for evaluators, `_evaluator_view`. Anyone else: PermissionDeniedError."""
    rows = EvaluatorScore.objects.filter(evaluation=evaluation).select_related("evaluator")
    if can_read_results(user, evaluation.rfp):
        return list(rows.filter(submitted_at__isnull=False))
    require_buyer(user, Capability.SCORE, evaluation.rfp.organization_id)
    return _evaluator_view(rows, user)


def peer_scores(
    *, evaluation: Evaluation, user: Any, work: VendorWork
) -> dict[str, tuple[EvaluatorScore, ...]]:
    """item key -> other evaluators' submitted scores, for the items this evaluator
    has submitted (nothing for drafts: no peeking before committing)."""
    keys = {(item.criterion.pk, item.lot.pk): item.key for item in work.items}
    rows = EvaluatorScore.objects.filter(
        evaluation=evaluation, proposal_id=work.proposal.pk
    ).select_related("evaluator")
    out: dict[str, list[EvaluatorScore]] = defaultdict(list)
    for score in _evaluator_view(rows, user):
        key = keys.get((score.criterion_id, score.lot_id))
        if key is not None and score.evaluator_id != user.pk:
            out[key].append(score)
    return {key: tuple(scores) for key, scores in out.items()}


def proposal_for_evaluator(
    *, evaluation: Evaluation, user: Any, proposal_id: int
) -> tuple[VendorWork, SubmittedProposal]:
    """One vendor's technical proposal for an evaluator who is assigned to it and has
    declared no conflict of interest with it. Prices are never part of it."""
    workload = evaluator_workload(evaluation=evaluation, user=user)
    work = workload.vendor(proposal_id)
    if work is None:
        raise NotFoundError("You are not assigned to score this proposal.")
    if not work.declared:
        raise PermissionDeniedError(
            f"Declare first whether you have a conflict of interest with {work.vendor}."
        )
    if work.conflicted:
        raise PermissionDeniedError(
            f"You declared a conflict of interest with {work.vendor}: you cannot see or score "
            "its proposal."
        )
    proposal = Proposal.objects.select_related("company", "submitted_version").get(pk=proposal_id)
    assert proposal.submitted_version is not None
    content = read_content(proposal.submitted_version.content, commercial_open=False)
    return work, SubmittedProposal(proposal, proposal.submitted_version, content, None)


# --- The panel and the history -------------------------------------------------------------------


def panel_members(evaluation: Evaluation) -> list[Any]:
    """The organization's evaluators: the people who can be put on the panel."""
    return list(
        User.objects.filter(
            buyer_membership__organization_id=evaluation.rfp.organization_id,
            buyer_membership__role=BuyerRole.EVALUATOR,
            is_active=True,
        ).order_by("full_name", "email")
    )


def panel_progress(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Per evaluator: assignments, declarations and how many items are scored and
    submitted (counts only: the procurement manager never sees drafts)."""
    members = panel_members(evaluation)
    assignments = assignments_of(evaluation)
    declarations = list(
        ConflictDeclaration.objects.filter(evaluation=evaluation).select_related("company")
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"scored": 0, "submitted": 0})
    for evaluator_id, submitted_at in EvaluatorScore.objects.filter(
        evaluation=evaluation
    ).values_list("evaluator_id", "submitted_at"):
        counts[evaluator_id]["scored"] += 1
        if submitted_at is not None:
            counts[evaluator_id]["submitted"] += 1
    rows = []
    for member in members:
        rows.append(
            {
                "user": member,
                "assignments": [a for a in assignments if a.evaluator_id == member.pk],
                "conflicts": [
                    d for d in declarations if d.evaluator_id == member.pk and d.has_conflict
                ],
                "declared": sum(1 for d in declarations if d.evaluator_id == member.pk),
                **counts[member.pk],
            }
        )
    return rows


def criteria_history(evaluation: Evaluation) -> QuerySet[CriteriaChange]:
    return CriteriaChange.objects.filter(evaluation=evaluation).select_related("actor", "addendum")


def award_decisions(evaluation: Evaluation) -> list[AwardDecision]:
    return list(
        AwardDecision.objects.filter(evaluation=evaluation)
        .select_related("lot", "proposed_by", "decided_by")
        .prefetch_related(Prefetch("winners", queryset=Proposal.objects.select_related("company")))
    )


def lot_of(evaluation: Evaluation, lot_pk: int) -> Lot:
    return get_object_or_404(Lot, pk=lot_pk, rfp_id=evaluation.rfp_id)
