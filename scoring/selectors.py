"""Reads about scoring: who may see what, the criteria tree, the evaluators'
work, and `evaluation_results` — the one function that computes every number
the results page, the API and the PDF report show.

Proposal content is read only through `proposals.selectors`, which keeps the
seal: nothing before the technical envelope opens, no prices before the
commercial one does. While the commercial envelope is closed the cost
criteria are set aside (the other weights rescaled in proportion, level by
level) and no price, total cost or cost score leaves this module.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from bpo_portal.errors import ApplicationError, NotFoundError, PermissionDeniedError
from bpo_portal.permissions import Capability, buyer_can, buyer_membership, require_buyer
from proposals.compliance import deadline_day
from proposals.models import ComplianceStatus, Proposal
from proposals.selectors import (
    ProposalsSealedError,
    SubmittedProposal,
    envelope_state,
    proposals_for_evaluation,
)
from rfp.models import RFP, Lot, RFPStatus
from rfp.parts import PublishedItem, PublishedPart
from rfp.selectors import Problem, rfp_with_content, rfps_visible_to
from scoring import automatic, engine
from scoring.models import (
    SCORE_BANDS,
    AwardDecision,
    AwardStatus,
    ConflictDeclaration,
    ConsensusScore,
    CriteriaChange,
    Criterion,
    Evaluation,
    EvaluatorAssignment,
    EvaluatorScore,
    Source,
    WeightMatrix,
)
from vendors.geography import LocationModel
from vendors.models import Language
from vendors.selectors import location_model_for, location_overrides_for

HUNDRED = Decimal("100")
WEIGHT_TOLERANCE = Decimal("0.01")  # percentage points


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
    from django.db.models import Count, Q

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


# --- The criteria tree ---------------------------------------------------------------------------


@dataclass
class TreeNode:
    criterion: Criterion
    path: str
    depth: int
    children: list[TreeNode] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children and not self.criterion.is_group

    def leaves(self) -> list[TreeNode]:
        if not self.children:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]

    def walk(self) -> Iterable[TreeNode]:
        yield self
        for child in self.children:
            yield from child.walk()


def criteria_of(evaluation: Evaluation) -> list[Criterion]:
    return list(Criterion.objects.filter(evaluation=evaluation).order_by("order", "id"))


def build_tree(criteria: Sequence[Criterion]) -> list[TreeNode]:
    """The criteria as a tree, siblings in their order; `path` is "Quality › References"."""
    by_parent: dict[int | None, list[Criterion]] = defaultdict(list)
    for criterion in criteria:
        by_parent[criterion.parent_id].append(criterion)

    def grow(parent: int | None, prefix: str, depth: int) -> list[TreeNode]:
        nodes = []
        for criterion in sorted(by_parent.get(parent, []), key=lambda c: (c.order, c.pk)):
            path = f"{prefix} › {criterion.name}" if prefix else criterion.name
            node = TreeNode(criterion, path, depth)
            node.children = grow(criterion.pk, path, depth + 1)
            nodes.append(node)
        return nodes

    return grow(None, "", 0)


def walk(tree: Sequence[TreeNode]) -> Iterable[TreeNode]:
    for node in tree:
        yield from node.walk()


def leaves_of(tree: Sequence[TreeNode]) -> list[TreeNode]:
    return [leaf for node in tree for leaf in node.leaves()]


def levels_of(tree: Sequence[TreeNode]) -> list[tuple[TreeNode | None, list[TreeNode]]]:
    """(parent or None for the top level, its children) for every level with children."""
    out: list[tuple[TreeNode | None, list[TreeNode]]] = [(None, list(tree))] if tree else []
    for node in walk(tree):
        if node.children:
            out.append((node, node.children))
    return out


def _percent(value: float) -> str:
    text = f"{value:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + " %"


def criteria_problems(
    evaluation: Evaluation,
    tree: Sequence[TreeNode],
    assignments: Sequence[EvaluatorAssignment] | None = None,
) -> list[str]:
    """What stops scoring from starting (and the results from being computed)."""
    problems: list[str] = []
    if not tree:
        return ["Add at least one criterion."]
    for node in walk(tree):
        if node.criterion.is_group and not node.children:
            problems.append(
                f"“{node.path}” has no sub-criteria: add one, or make it an automatic or "
                "evaluator-scored criterion."
            )
    for parent, children in levels_of(tree):
        total = sum((c.criterion.weight for c in children), Decimal(0))
        where = f"under “{parent.path}”" if parent else "of the main criteria"
        if abs(total - HUNDRED) > WEIGHT_TOLERANCE:
            problems.append(
                f"The weights {where} add up to {total.normalize():f} %: they must add up to 100 %."
            )
    if assignments is not None:
        assigned = _assigned_leaf_ids(tree, assignments)
        for leaf in leaves_of(tree):
            if leaf.criterion.is_scored_by_evaluators and leaf.criterion.pk not in assigned:
                problems.append(f"No evaluator is assigned to “{leaf.path}”.")
    return problems


# --- The lock: criteria belong to the RFP ---------------------------------------------------------

CRITERIA_OPEN = "open"  # a draft: change freely
CRITERIA_BY_ADDENDUM = "addendum"  # published, taking bids: each change is an addendum
CRITERIA_LOCKED = "locked"  # waiting for approval, past the deadline, cancelled, awarded


@dataclass(frozen=True)
class CriteriaLock:
    """Whether an RFP's criteria, weights and ranking method may change now, and how.
    Derived from the RFP's state (never a copied flag): see `criteria_lock`."""

    state: str
    message: str

    @property
    def editable(self) -> bool:
        return self.state != CRITERIA_LOCKED

    @property
    def needs_addendum(self) -> bool:
        return self.state == CRITERIA_BY_ADDENDUM


def criteria_lock(rfp: RFP, *, now: dt.datetime | None = None) -> CriteriaLock:
    """The one rule for "may the criteria change": while the RFP is a draft, yes; once
    it is published and until its submission deadline, only by an addendum every
    invited vendor receives; waiting for approval, after the deadline, cancelled or
    awarded, never. The discussion threshold is internal and not covered."""
    if rfp.status == RFPStatus.CANCELLED:
        return CriteriaLock(CRITERIA_LOCKED, "This RFP was cancelled: its criteria are closed.")
    if rfp.publication_at is None:
        if rfp.status == RFPStatus.DRAFT:
            return CriteriaLock(CRITERIA_OPEN, "")
        if rfp.status == RFPStatus.PENDING_APPROVAL:
            return CriteriaLock(
                CRITERIA_LOCKED,
                "This RFP is waiting for approval: its criteria and weights cannot change. "
                "Ask an admin to return it to draft first.",
            )
    elif rfp.is_open_for_bids(now):
        return CriteriaLock(
            CRITERIA_BY_ADDENDUM,
            "This RFP is published: vendors bid against these criteria and weights. Each "
            "change is sent to the invited vendors as a numbered addendum.",
        )
    return CriteriaLock(
        CRITERIA_LOCKED,
        "The submission deadline has passed: the criteria, weights and ranking method "
        "vendors bid against are locked for good.",
    )


def rfp_evaluation(rfp: RFP) -> Evaluation | None:
    """The RFP's evaluation (templates included), for the RFP editor's part."""
    return Evaluation.objects.filter(rfp_id=rfp.pk).first()


def criteria_part_problems(rfp: RFP) -> list[Problem]:
    """The "Evaluation criteria" step of the RFP editor: what stops the RFP from
    being submitted for approval or approved. No criteria is "missing"; weights that
    do not add up are wrong. The panel is not required here."""
    evaluation = rfp_evaluation(rfp)
    tree = build_tree(criteria_of(evaluation)) if evaluation is not None else []
    if not tree:
        return [
            Problem(
                "evaluation",
                "evaluation",
                "Set the evaluation criteria and their weights: vendors see them with the RFP.",
            )
        ]
    assert evaluation is not None
    problems = []
    for message in criteria_problems(evaluation, tree):
        missing = "no sub-criteria" in message
        problems.append(Problem("evaluation", "evaluation.criteria", message, missing=missing))
    return problems


def criteria_part_started(rfp: RFP) -> bool:
    return Criterion.objects.filter(evaluation__rfp_id=rfp.pk).exists()


def criteria_for_vendors(rfp: RFP) -> PublishedPart | None:
    """What vendors read of the evaluation: the main criteria with their weights,
    their sub-criteria if the buyer chose to show them, and the ranking method.
    None while there are no criteria."""
    evaluation = rfp_evaluation(rfp)
    if evaluation is None:
        return None
    tree = build_tree(criteria_of(evaluation))
    if not tree:
        return None

    def item(node: TreeNode, deep: bool) -> PublishedItem:
        return PublishedItem(
            name=node.criterion.name,
            weight=Decimal(f"{node.criterion.weight.normalize():f}"),  # 100, not 1E+2
            description=node.criterion.description,
            children=tuple(item(child, deep) for child in node.children) if deep else (),
        )

    method = (
        "the weighted sum of each proposal's scores on these criteria"
        if evaluation.ranking_method == "weighted_sum"
        else "TOPSIS: each proposal's closeness to an ideal proposal, best on every weighted "
        "criterion"
    )
    notes = []
    if evaluation.set_after_publication:
        notes.append("These criteria were set after the RFP was published.")
    combined = "median" if evaluation.aggregation == "median" else "mean"
    return PublishedPart(
        key="evaluation",
        title="Evaluation criteria",
        intro=f"Proposals are ranked by {method}. Each weight is a share of its level; "
        f"where evaluators score, their scores are combined by the {combined}.",
        items=tuple(item(node, evaluation.show_subcriteria_to_vendors) for node in tree),
        notes=tuple(notes),
    )


def _assigned_leaf_ids(
    tree: Sequence[TreeNode], assignments: Sequence[EvaluatorAssignment]
) -> set[int]:
    nodes = {node.criterion.pk: node for node in walk(tree)}
    out: set[int] = set()
    for assignment in assignments:
        node = nodes.get(assignment.criterion_id)
        if node is not None:
            out.update(leaf.criterion.pk for leaf in node.leaves())
    return out


def _local_fractions(
    children: Sequence[TreeNode],
    overrides: Mapping[int, float],
    excluded: set[int],
) -> dict[int, float]:
    """Each included child's share of its level (the level renormalised to 1)."""
    values = {
        child.criterion.pk: max(
            float(overrides.get(child.criterion.pk, child.criterion.weight)), 0.0
        )
        for child in children
        if child.criterion.pk not in excluded
    }
    total = sum(values.values())
    if total <= 0:
        return dict.fromkeys(values, 0.0)
    return {pk: value / total for pk, value in values.items()}


def _excluded_ids(tree: Sequence[TreeNode], exclude_cost: bool) -> set[int]:
    """Cost leaves while prices are sealed, and groups left with nothing inside."""
    excluded: set[int] = set()
    if not exclude_cost:
        return excluded

    def visit(node: TreeNode) -> bool:
        if not node.children:
            gone = node.criterion.is_cost
        else:
            gone = all([visit(child) for child in node.children])  # noqa: C419 - visit every child
        if gone:
            excluded.add(node.criterion.pk)
        return gone

    for node in tree:
        visit(node)
    return excluded


def global_weights(
    tree: Sequence[TreeNode],
    *,
    overrides: Mapping[int, float] | None = None,
    excluded: set[int] | None = None,
) -> tuple[dict[int, float], dict[int, float]]:
    """(local fraction, global fraction) per criterion id. A leaf's global weight is
    the product of the local fractions on its path; the leaves' sum to 1."""
    overrides = overrides or {}
    excluded = excluded or set()
    local: dict[int, float] = {}
    global_: dict[int, float] = {}

    def visit(children: Sequence[TreeNode], carried: float) -> None:
        fractions = _local_fractions(children, overrides, excluded)
        for child in children:
            pk = child.criterion.pk
            if pk in excluded:
                local[pk] = 0.0
                global_[pk] = 0.0
                visit(child.children, 0.0)
                continue
            local[pk] = fractions[pk]
            global_[pk] = carried * fractions[pk]
            visit(child.children, global_[pk])

    visit(tree, 1.0)
    return local, global_


# --- AHP -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AHPSummary:
    """One level's pairwise comparisons and what the engine derived from them."""

    parent_id: int | None
    criterion_ids: tuple[int, ...]
    names: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]
    priorities: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    random_index: float
    is_consistent: bool
    most_inconsistent: tuple[int, int] | None  # criterion ids (i, j)
    current_value: float | None
    suggested_value: float | None
    message: str

    @property
    def rows(self) -> list[tuple[str, list[float], float]]:
        """(name, its matrix row, its weight in percent)."""
        return [
            (name, list(row), priority * 100)
            for name, row, priority in zip(self.names, self.matrix, self.priorities, strict=True)
        ]


def judgement_label(value: float) -> str:
    """3 -> "3", 0.333 -> "1/3"."""
    if value >= 1:
        rounded = round(value)
        return str(rounded) if abs(value - rounded) < 1e-6 else f"{value:.2f}"
    inverse = 1 / value
    rounded = round(inverse)
    return f"1/{rounded}" if abs(inverse - rounded) < 1e-6 else f"{value:.2f}"


def ahp_summary(matrix: WeightMatrix, names: Mapping[int, str]) -> AHPSummary:
    ids = tuple(int(i) for i in matrix.criterion_ids)
    result = engine.ahp_priorities(matrix.matrix)
    labels = tuple(names.get(i, "?") for i in ids)
    most: tuple[int, int] | None = None
    current = suggested = None
    if result.is_consistent:
        message = (
            f"Consistent: CR = {result.consistency_ratio:.3f} (at most 0.10 is acceptable)."
            if len(ids) > 2
            else "Two criteria: a single judgement is always consistent."
        )
    else:
        assert result.most_inconsistent is not None
        i, j = result.most_inconsistent
        most = (ids[i], ids[j])
        current = float(matrix.matrix[i][j])
        suggested = result.suggested_scale_value
        message = (
            f"Inconsistent: CR = {result.consistency_ratio:.3f}, above 0.10. The judgement "
            f"that fits worst is “{labels[i]}” against “{labels[j]}”: it is "
            f"{judgement_label(current)}; the other judgements suggest about "
            f"{judgement_label(suggested or 1.0)}."
        )
    return AHPSummary(
        parent_id=matrix.parent_id,
        criterion_ids=ids,
        names=labels,
        matrix=tuple(tuple(float(v) for v in row) for row in matrix.matrix),
        priorities=result.priorities,
        lambda_max=result.lambda_max,
        consistency_index=result.consistency_index,
        consistency_ratio=result.consistency_ratio,
        random_index=result.random_index,
        is_consistent=result.is_consistent,
        most_inconsistent=most,
        current_value=current,
        suggested_value=suggested,
        message=message,
    )


# --- Results: the shape ------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionNode:
    """A criterion with its weights: `weight_percent` among its siblings as stored
    (or as the what-if set it), `effective_percent` among its siblings as used,
    `global_percent` of the total as used."""

    id: int
    name: str
    path: str
    standard: str
    source: str
    source_label: str
    kind: str  # "benefit", "cost" or "group"
    description: str
    rubric: str
    weight_percent: float
    effective_percent: float
    global_percent: float
    excluded: bool
    children: tuple[CriterionNode, ...]
    ahp: AHPSummary | None  # the comparisons behind its children's weights


@dataclass(frozen=True)
class EvaluatorScoreView:
    evaluator_id: int
    evaluator: str
    score: int
    comment: str
    submitted_at: dt.datetime | None


@dataclass(frozen=True)
class ConsensusView:
    score: Decimal
    justification: str
    set_by: str
    set_at: dt.datetime


@dataclass(frozen=True)
class ItemScores:
    """The evaluators' submitted scores of one item and what they add up to."""

    scores: tuple[EvaluatorScoreView, ...]
    aggregation: str
    aggregate: float | None
    spread: float | None
    needs_discussion: bool
    consensus: ConsensusView | None

    @property
    def value(self) -> float | None:
        """What the ranking uses: the consensus score if set, else the aggregate."""
        if self.consensus is not None:
            return float(self.consensus.score)
        return self.aggregate


@dataclass(frozen=True)
class LeafScore:
    """One proposal on one leaf criterion, down to its raw inputs."""

    criterion_id: int
    name: str
    path: str
    source: str
    kind: str
    global_percent: float
    raw: float | None
    raw_display: str
    normalised: float | None
    points: float | None  # normalised × 100
    contribution: float | None  # points of the total (weighted-sum decomposition)
    formula: str
    rows: tuple[automatic.ExplanationRow, ...]
    problem: str
    evaluators: ItemScores | None


@dataclass(frozen=True)
class CriterionScore:
    """A main criterion for one proposal: its score (0-100, the weighted mean of its
    leaves' normalised values) and its contribution to the total (points)."""

    criterion_id: int
    name: str
    global_percent: float
    score_points: float | None
    contribution: float | None


@dataclass(frozen=True)
class ProposalResult:
    proposal_id: int
    company_id: int
    vendor: str
    rank: int | None
    total_points: float | None
    not_ranked_reason: str
    compliance: str
    compliance_label: str
    compliance_reasons: tuple[str, ...]
    compliance_override_reason: str
    awardable: bool
    criteria: tuple[CriterionScore, ...]
    leaves: tuple[LeafScore, ...]
    tco: automatic.TCOBreakdown | None
    centres: tuple[automatic.CentreDetail, ...]
    separation_ideal: float | None = None
    separation_anti_ideal: float | None = None

    def leaf(self, criterion_id: int) -> LeafScore | None:
        return next((item for item in self.leaves if item.criterion_id == criterion_id), None)


@dataclass(frozen=True)
class SensitivityLine:
    """How far one criterion's weight must move, the other weights held fixed, for an
    awardable rival to draw level with the recommended proposal (Triantaphyllou &
    Sánchez 1997, percent-top). `new_percent` is the new raw weight (the others
    unchanged), `relative_change_percent` the change as a share of the current weight
    (negative: the weight falls); both None when no weight in [0 %, 100 %] does it."""

    criterion_id: int
    name: str
    current_percent: float
    new_percent: float | None
    relative_change_percent: float | None
    new_winner_id: int | None
    new_winner: str
    direction: str  # "rise", "fall" or ""
    message: str
    analysed: bool = True


@dataclass(frozen=True)
class FlaggedItem:
    criterion_id: int
    criterion: str
    proposal_id: int
    vendor: str
    spread: float
    resolved: bool


@dataclass(frozen=True)
class CriterionComparison:
    """The recommended proposal against the runner-up on one main criterion: their
    scores (0-100) and the points of the total the recommended one gains (negative:
    loses) there."""

    criterion_id: int
    name: str
    global_percent: float
    recommended_points: float | None
    runner_up_points: float | None
    gain: float | None
    message: str


@dataclass(frozen=True)
class BidFlag:
    """A compliant bid abnormally far from the median of the compliant bids."""

    proposal_id: int
    vendor: str
    tco: Decimal
    median: Decimal
    difference_percent: float  # (tco - median) / median x 100
    kind: str  # "low" or "high"
    message: str


@dataclass(frozen=True)
class AwardView:
    id: int
    status: str
    status_label: str
    winner_ids: tuple[int, ...]
    winners: tuple[str, ...]
    justification: str
    notify_ranks: bool
    proposed_by: str
    proposed_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    decision_comment: str


@dataclass(frozen=True)
class LotResults:
    lot_id: int
    lot_name: str
    ranking: tuple[ProposalResult, ...]  # best first
    not_ranked: tuple[ProposalResult, ...]
    tie_breaks: tuple[str, ...]
    sensitivity: tuple[SensitivityLine, ...]  # percent-top, the most critical first
    sensitivity_note: str
    most_critical: str  # the percent-top critical criterion (drives the headline)
    most_critical_any: str  # the percent-any critical criterion
    most_critical_any_message: str
    items_total: int
    items_missing: int  # evaluator items with no score at all
    items_unscored: int  # ...or still waiting for an assigned evaluator (awardable bids)
    # The scores of the proposals that can win may still change: an item assigned to an
    # evaluator has not been scored by them (nor settled by consensus).
    provisional: bool
    provisional_note: str  # "Provisional: 3 items unscored." or ""
    flagged: tuple[FlaggedItem, ...]
    award: AwardView | None
    award_history: tuple[AwardView, ...]
    # Why the first is recommended: every main criterion against the runner-up.
    why: tuple[CriterionComparison, ...] = ()
    why_summary: str = ""
    recommended_tco: Decimal | None = None  # None while the prices are sealed
    lowest_tco: Decimal | None = None  # the lowest of the ranked (awardable) bids
    bid_flags: tuple[BidFlag, ...] = ()
    bid_flags_note: str = ""

    @property
    def winner(self) -> ProposalResult | None:
        return self.ranking[0] if self.ranking else None

    @property
    def complete(self) -> bool:
        return self.items_missing == 0

    @property
    def all_proposals(self) -> tuple[ProposalResult, ...]:
        return self.ranking + self.not_ranked

    def proposal(self, proposal_id: int) -> ProposalResult | None:
        return next((p for p in self.all_proposals if p.proposal_id == proposal_id), None)

    @property
    def robust_criteria(self) -> list[str]:
        """Criteria whose weight cannot change the winner at any value (the others
        unchanged); a criterion the time limit left unanalysed is not one of them."""
        return [
            line.name for line in self.sensitivity if line.new_percent is None and line.analysed
        ]


@dataclass(frozen=True)
class EvaluationResults:
    rfp_id: int
    reference: str
    title: str
    organization: str
    currency: str
    method: str
    method_label: str
    aggregation: str
    aggregation_label: str
    discussion_threshold: float
    two_envelopes: bool
    commercial_open: bool
    cost_excluded: bool
    what_if: bool
    scoring_started: bool
    criteria_set_after_publication: bool
    criteria: tuple[CriterionNode, ...]
    top_level_ahp: AHPSummary | None
    problems: tuple[str, ...]
    lots: tuple[LotResults, ...]
    score_bands: tuple[tuple[str, str, str], ...]
    generated_at: dt.datetime
    items_unscored: int = 0  # over every lot
    provisional: bool = False
    provisional_note: str = ""
    budget: Decimal | None = None  # the buyer's internal budget (never shown to vendors)
    budget_check: str = ""  # the budget against the recommended and the lowest bids

    @property
    def main_criteria(self) -> tuple[CriterionNode, ...]:
        return tuple(c for c in self.criteria if not c.excluded)

    @property
    def sealed_criteria(self) -> tuple[CriterionNode, ...]:
        """Main criteria set aside while the prices are sealed: every door shows them as
        sealed, never as a 0 score (which would rank the vendors wrongly)."""
        return tuple(c for c in self.criteria if c.excluded)

    def lot(self, lot_id: int) -> LotResults | None:
        return next((lot for lot in self.lots if lot.lot_id == lot_id), None)

    @property
    def complete(self) -> bool:
        return all(lot.complete for lot in self.lots)


_PLAIN = (str, int, float, bool, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def results_as_dict(value: Any) -> Any:
    """JSON-ready data for the API and the report: dataclasses to dicts, decimals to
    strings, dates to ISO 8601. (Hand-rolled: `dataclasses.asdict` deep-copies, and a
    hundred proposals make tens of thousands of values.)"""
    kind = type(value)
    if kind in _PLAIN:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: results_as_dict(getattr(value, name)) for name in names}
    if isinstance(value, Mapping):
        return {str(k): results_as_dict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [results_as_dict(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return value


# --- Results: the computation --------------------------------------------------------------------


@dataclass
class _Loaded:
    """Everything evaluation_results reads, in a fixed number of queries."""

    evaluation: Evaluation
    rfp: RFP  # with its content (lots, pricing lines, KPIs, questionnaire)
    tree: list[TreeNode]
    matrices: list[WeightMatrix]
    submitted: list[SubmittedProposal]
    commercial_open: bool
    scores: dict[tuple[int, int, int], list[EvaluatorScoreView]]  # (criterion, proposal, lot)
    consensus: dict[tuple[int, int, int], ConsensusScore]
    awards: list[AwardDecision]
    location: automatic.LocationContext
    assignments: list[tuple[int, int, int | None]]  # (evaluator, criterion, lot or all)
    conflicts: set[tuple[int, int]]  # (evaluator, company) declared conflicted


def _load(evaluation: Evaluation, rfp: RFP, *, now: dt.datetime | None = None) -> _Loaded:
    content_rfp = rfp_with_content(rfp.pk)
    submitted = proposals_for_evaluation(rfp=rfp, now=now)
    envelopes = envelope_state(rfp, now=now)
    criteria = criteria_of(evaluation)
    scores: dict[tuple[int, int, int], list[EvaluatorScoreView]] = defaultdict(list)
    rows = (
        EvaluatorScore.objects.filter(evaluation=evaluation, submitted_at__isnull=False)
        .order_by("evaluator__full_name", "evaluator__email", "id")
        .values_list(
            "criterion_id",
            "proposal_id",
            "lot_id",
            "evaluator_id",
            "evaluator__full_name",
            "evaluator__email",
            "score",
            "comment",
            "submitted_at",
        )
    )
    for criterion, proposal, lot, who, name, email, score, comment, at in rows:
        scores[(criterion, proposal, lot)].append(
            EvaluatorScoreView(who, name or email, score, comment, at)
        )
    consensus = {
        (c.criterion_id, c.proposal_id, c.lot_id): c
        for c in ConsensusScore.objects.filter(evaluation=evaluation).select_related("set_by")
    }
    awards = list(
        AwardDecision.objects.filter(evaluation=evaluation)
        .select_related("proposed_by", "decided_by")
        .prefetch_related(Prefetch("winners", queryset=Proposal.objects.select_related("company")))
    )
    return _Loaded(
        evaluation=evaluation,
        rfp=content_rfp,
        tree=build_tree(criteria),
        matrices=list(WeightMatrix.objects.filter(evaluation=evaluation)),
        submitted=submitted,
        commercial_open=envelopes.commercial_open,
        scores=scores,
        consensus=consensus,
        awards=awards,
        location=location_context(content_rfp, submitted),
        assignments=list(
            EvaluatorAssignment.objects.filter(evaluation=evaluation).values_list(
                "evaluator_id", "criterion_id", "lot_id"
            )
        ),
        conflicts=set(
            ConflictDeclaration.objects.filter(
                evaluation=evaluation, has_conflict=True
            ).values_list("evaluator_id", "company_id")
        ),
    )


def location_context(rfp: RFP, submitted: Sequence[SubmittedProposal]) -> automatic.LocationContext:
    organization = rfp.organization
    assert organization is not None
    overrides = location_overrides_for(organization=organization)
    codes = {
        code
        for item in submitted
        for part in item.content.lots.values()
        for centre in part.centres
        for code in centre.languages
    }
    names = dict(Language.objects.filter(code__in=codes).values_list("code", "name"))
    deadline = rfp.submission_deadline or timezone.now()
    return automatic.LocationContext(
        buyer_time_zone=str(organization.time_zone),
        buyer_start=organization.business_hours_start,
        buyer_end=organization.business_hours_end,
        on_date=timezone.localtime(deadline, organization.time_zone).date(),
        preferred_model=rfp.preferred_location_model,
        accepted_models={
            LocationModel.ONSHORE: rfp.accept_onshore,
            LocationModel.NEARSHORE: rfp.accept_nearshore,
            LocationModel.OFFSHORE: rfp.accept_offshore,
        },
        required_languages={
            language.code: language.name for language in rfp.required_languages.all()
        },
        language_names=names,
        classify=lambda country: location_model_for(
            organization=organization, country=country, overrides=overrides
        ),
    )


def _lot_automatic_values(
    loaded: _Loaded, lot: Lot, item: SubmittedProposal
) -> tuple[dict[str, automatic.AutoValue], automatic.TCOBreakdown | None, tuple[Any, ...]]:
    """Every automatic source's value for one proposal in one lot."""
    rfp = loaded.rfp
    content = item.content
    part = content.lots[lot.pk]
    values: dict[str, automatic.AutoValue] = {}
    tco = None
    if loaded.commercial_open:
        rate = content.exchange_rate
        values[Source.TCO], tco = automatic.tco_value(
            lot,
            (item.costs or {}).get(lot.pk),
            part.prices,
            rate_as_of=rate.as_of if rate else None,
            rate_source=rate.source if rate else "",
        )
    centres = automatic.centre_details(part.centres, loaded.location)
    values[Source.LOCATION_MODEL] = automatic.location_model_value(centres, loaded.location)
    values[Source.BUSINESS_HOURS] = automatic.business_hours_value(centres, loaded.location)
    values[Source.LANGUAGES] = automatic.languages_value(centres, loaded.location)
    questions = [q for section in rfp.sections.all() for q in section.questions.all()]
    values[Source.KNOCKOUTS] = automatic.knockout_value(questions, content.answers)
    values[Source.CERTIFICATIONS] = automatic.certification_value(
        list(rfp.required_certifications.all()),
        content.certifications,
        deadline_day(rfp),  # type: ignore[arg-type]
    )
    values[Source.SLA] = automatic.sla_value(list(lot.service_levels.all()), part.commitments)
    return values, tco, centres


def _item_scores(
    loaded: _Loaded, key: tuple[int, int, int], aggregate: float | None, spread: float | None
) -> ItemScores:
    evaluation = loaded.evaluation
    scores = loaded.scores.get(key, [])
    consensus = loaded.consensus.get(key)
    threshold = float(evaluation.discussion_threshold)
    return ItemScores(
        scores=tuple(scores),
        aggregation=evaluation.aggregation,
        aggregate=aggregate,
        spread=spread,
        needs_discussion=len(scores) >= 2 and spread is not None and spread >= threshold - 1e-9,
        consensus=ConsensusView(
            consensus.score,
            consensus.justification,
            str(consensus.set_by) if consensus.set_by else "",
            consensus.set_at,
        )
        if consensus
        else None,
    )


def _evaluator_aggregates(
    loaded: _Loaded, lot: Lot, proposals: Sequence[SubmittedProposal], leaves: Sequence[TreeNode]
) -> dict[tuple[int, int], ItemScores]:
    """(criterion, proposal) -> ItemScores, aggregated by the engine in one call."""
    evaluator_leaves = [leaf for leaf in leaves if leaf.criterion.is_scored_by_evaluators]
    if not evaluator_leaves or not proposals:
        return {}
    cube: list[list[list[float | None]]] = []
    empty: set[tuple[int, int]] = set()
    for i, item in enumerate(proposals):
        row: list[list[float | None]] = []
        for j, leaf in enumerate(evaluator_leaves):
            scores = loaded.scores.get((leaf.criterion.pk, item.proposal.pk, lot.pk), [])
            if scores:
                row.append([float(s.score) for s in scores])
            else:
                row.append([0.0])  # placeholder: the engine needs a score per cell
                empty.add((i, j))
        cube.append(row)
    matrix = engine.aggregate_matrix(cube, loaded.evaluation.aggregation)  # type: ignore[arg-type]
    out: dict[tuple[int, int], ItemScores] = {}
    for i, item in enumerate(proposals):
        for j, leaf in enumerate(evaluator_leaves):
            missing = (i, j) in empty
            out[(leaf.criterion.pk, item.proposal.pk)] = _item_scores(
                loaded,
                (leaf.criterion.pk, item.proposal.pk, lot.pk),
                None if missing else matrix.values[i][j],
                None if missing else matrix.spread[i][j],
            )
    return out


def _award_view(award: AwardDecision, names: Mapping[int, str] | None = None) -> AwardView:
    """`names`: proposal -> the vendor's name as it submitted."""

    def name(proposal: Proposal) -> str:
        return (names or {}).get(proposal.pk) or str(proposal.company.display_name)

    winners = sorted(award.winners.all(), key=name)
    return AwardView(
        id=award.pk,
        status=award.status,
        status_label=award.get_status_display(),
        winner_ids=tuple(p.pk for p in winners),
        winners=tuple(name(p) for p in winners),
        justification=award.justification,
        notify_ranks=award.notify_ranks,
        proposed_by=str(award.proposed_by) if award.proposed_by else "",
        proposed_at=award.proposed_at,
        decided_by=str(award.decided_by) if award.decided_by else "",
        decided_at=award.decided_at,
        decision_comment=award.decision_comment,
    )


def _sensitivity_lines(
    result: engine.CriticalityResult,
    names: Mapping[str, str],
    vendors: Mapping[str, str],
) -> tuple[SensitivityLine, ...]:
    """The percent-top criticality in words, with criterion and vendor names, the most
    critical first (so the list's first line is the headline's criterion). Only
    awardable proposals are ranked, so every rival named can be awarded."""
    winner = vendors[result.top] if result.top else ""
    lines = []
    for entry in result.criteria:
        name = names[entry.criterion_id]
        current = entry.current_weight * 100
        change = entry.percent_top
        if not entry.analysed:
            lines.append(
                SensitivityLine(
                    int(entry.criterion_id), name, current, None, None, None, "", "",
                    f"{name} was not analysed: the time limit was reached.", analysed=False,
                )
            )  # fmt: skip
            continue
        if change is None:
            lines.append(
                SensitivityLine(
                    int(entry.criterion_id), name, current, None, None, None, "", "",
                    f"No weight of {name} between 0 % and 100 % (the other weights "
                    f"unchanged) lets a rival draw level with {winner}.",
                )
            )  # fmt: skip
            continue
        new = change.new_weight * 100
        rival = vendors[change.lower]
        relative = -(change.relative_change_percent or 0.0)
        direction = "rise" if change.delta < 0 else "fall"
        if change.delta == 0:
            message = (
                f"{rival} already has the same total as {winner}: any change of the weight "
                f"of {name} in its favour puts it first."
            )
        elif change.relative_change_percent is None:
            message = (
                f"{name} has no weight now; a weight of {_percent(new)} (the other weights "
                f"unchanged) would bring {rival} level with {winner}."
            )
        else:
            message = (
                f"The weight of {name} would have to {direction} by "
                f"{_percent(abs(relative))} of itself, from {_percent(current)} to "
                f"{_percent(new)} with the other weights unchanged, for {rival} to draw "
                f"level with {winner}."
            )
        lines.append(
            SensitivityLine(
                int(entry.criterion_id),
                name,
                current,
                new,
                relative if change.relative_change_percent is not None else None,
                int(change.lower),
                rival,
                direction if change.delta else "",
                message,
            )
        )
    # The most critical first: the smallest relative change (a weight now 0 after
    # every weight that has one), the weights that cannot change the winner last.
    lines.sort(
        key=lambda line: (
            line.new_percent is None,
            line.relative_change_percent is None,
            abs(line.relative_change_percent or 0.0),
        )
    )
    if result.top is not None and result.percent_top_criterion is not None:
        first = names[result.percent_top_criterion]
        head = next(line for line in lines if line.name == first)
        lines.remove(head)
        lines.insert(0, head)
    return tuple(lines)


def _percent_any_message(
    change: engine.PairChange | None, name: str, vendors: Mapping[str, str]
) -> str:
    """The percent-any critical criterion in words: the smallest change of one weight
    that swaps any two awardable proposals (not only the first two)."""
    if change is None:
        return ""
    higher, lower = vendors[change.higher], vendors[change.lower]
    if change.delta == 0:
        return f"{higher} and {lower} have the same total: any change of {name} can swap them."
    if change.relative_change_percent is None:
        return (
            f"Giving {name} a weight of {_percent(change.new_weight * 100)} would bring "
            f"{lower} level with {higher}."
        )
    direction = "rise" if change.delta < 0 else "fall"
    return (
        f"The smallest change that reorders any two awardable proposals: the weight of "
        f"{name} would have to {direction} by {_percent(abs(change.relative_change_percent))} "
        f"of itself, from {_percent(change.current_weight * 100)} to "
        f"{_percent(change.new_weight * 100)}, for {lower} to draw level with {higher}."
    )


def _on_scale_kind(criterion: Criterion) -> engine.OnScaleKind:
    """Each criterion on its own scale: evaluator scores 0-10, automatic points 0-100,
    cost relative to the lowest total cost of ownership."""
    if criterion.is_cost:
        return engine.COST_RELATIVE
    if criterion.is_scored_by_evaluators:
        return engine.EVALUATOR_SCALE
    return engine.POINTS_SCALE


def _assigned_evaluators(
    loaded: _Loaded, lot: Lot, leaves: Sequence[TreeNode]
) -> dict[int, set[int]]:
    """leaf criterion -> the evaluators assigned to score it in this lot (an assignment
    of a group covers every evaluator-scored criterion under it)."""
    parents = {node.criterion.pk: node.criterion.parent_id for node in walk(loaded.tree)}
    out: dict[int, set[int]] = {}
    for leaf in leaves:
        if not leaf.criterion.is_scored_by_evaluators:
            continue
        chain: set[int] = set()
        pk: int | None = leaf.criterion.pk
        while pk is not None and pk not in chain:
            chain.add(pk)
            pk = parents.get(pk)
        out[leaf.criterion.pk] = {
            who
            for who, criterion, assigned_lot in loaded.assignments
            if criterion in chain and assigned_lot in (None, lot.pk)
        }
    return out


def _display_name(leaf: TreeNode, parents: Mapping[int, TreeNode]) -> str:
    """A leaf that is its group's only member speaks for the group ("Cost")."""
    parent = parents.get(leaf.criterion.parent_id or 0)
    if parent is not None and len(parent.children) == 1:
        return parent.criterion.name
    return leaf.path


EXCLUDED_PREFIX = "Excluded (non-compliant): "


def _non_compliance_reasons(proposal: Proposal) -> str:
    if proposal.compliance_override == ComplianceStatus.NON_COMPLIANT:
        return f"ruled non-compliant by the buyer: {proposal.compliance_override_reason.strip()}"
    reasons = [str(reason).strip().rstrip(".") for reason in proposal.compliance_reasons or ()]
    kept = [reason for reason in reasons if reason]
    return "; ".join(kept) + "." if kept else "it fails a requirement."


def _lot_results(
    loaded: _Loaded,
    lot: Lot,
    local: Mapping[int, float],
    global_: Mapping[int, float],
    excluded: set[int],
    weighted_leaves: Sequence[TreeNode],
) -> LotResults:
    evaluation = loaded.evaluation
    method = evaluation.ranking_method
    proposals = [item for item in loaded.submitted if lot.pk in item.content.lots]
    all_leaves = [leaf for leaf in leaves_of(loaded.tree) if leaf.criterion.pk not in excluded]
    evaluator_items = _evaluator_aggregates(loaded, lot, proposals, all_leaves)
    raw: dict[int, dict[int, float | None]] = {}
    explained: dict[int, dict[int, automatic.AutoValue]] = {}
    extra: dict[int, tuple[automatic.TCOBreakdown | None, tuple[Any, ...]]] = {}
    assigned = _assigned_evaluators(loaded, lot, all_leaves)
    items_total = items_missing = 0
    unscored: dict[int, list[str]] = defaultdict(list)  # proposal -> items with no score
    pending: dict[int, int] = defaultdict(int)  # proposal -> items not final yet
    for item in proposals:
        pid = item.proposal.pk
        values, tco, centres = _lot_automatic_values(loaded, lot, item)
        extra[pid] = (tco, centres)
        raw[pid] = {}
        explained[pid] = {}
        company = item.proposal.company_id
        conflicted = {who for who, declared in loaded.conflicts if declared == company}
        for leaf in all_leaves:
            criterion = leaf.criterion
            if criterion.is_scored_by_evaluators:
                scores = evaluator_items[(criterion.pk, pid)]
                items_total += 1
                value = scores.value
                waiting = scores.consensus is None and bool(
                    assigned.get(criterion.pk, set())
                    - conflicted
                    - {score.evaluator_id for score in scores.scores}
                )
                if value is None or waiting:
                    pending[pid] += 1
                if value is None:
                    items_missing += 1
                    unscored[pid].append(leaf.path)
                    shown = "not scored yet"
                else:
                    shown = f"{value:.2f}".rstrip("0").rstrip(".") + " / 10"
                    if waiting:
                        shown += " (an assigned evaluator has not scored yet)"
                raw[pid][criterion.pk] = value
                explained[pid][criterion.pk] = automatic.AutoValue(
                    value,
                    shown,
                    "The consensus score set by the procurement manager."
                    if scores.consensus
                    else f"The {evaluation.aggregation} of the evaluators' submitted scores "
                    "(0-10).",
                    problem="" if value is not None else "Not scored yet.",
                )
            else:
                auto = values.get(criterion.source)
                if auto is None:
                    auto = automatic.AutoValue(None, "—", "", problem="Unknown source.")
                raw[pid][criterion.pk] = auto.value
                explained[pid][criterion.pk] = auto

    # Only awardable proposals are ranked for the award: a non-compliant one (a failed
    # knock-out, a missing mandatory certification...; proposals/compliance.py) is listed
    # apart with its reasons, until the buyer overrides it with a recorded reason. So the
    # recommendation, the sensitivity rivals and the award never consider it.
    # An unscored item is never counted as 0: a proposal with an item nobody has scored
    # yet is not ranked until it is (its other scores are shown), and while any item of
    # an awardable proposal waits for an assigned evaluator the results are provisional.
    reasons: dict[int, str] = {}
    for item in proposals:
        pid = item.proposal.pk
        if item.proposal.effective_compliance == ComplianceStatus.NON_COMPLIANT:
            reasons[pid] = EXCLUDED_PREFIX + _non_compliance_reasons(item.proposal)
            continue
        if unscored[pid]:
            missing_items = unscored[pid]
            reasons[pid] = (
                "Not ranked until scored: "
                + _count(len(missing_items), "item has", "items have")
                + f" no score yet ({', '.join(missing_items[:3])}"
                + (", …" if len(missing_items) > 3 else "")
                + ")."
            )
            continue
        # Proposals missing a value on a weighted criterion cannot be ranked.
        for leaf in weighted_leaves:
            if raw[pid][leaf.criterion.pk] is None:
                problem = explained[pid][leaf.criterion.pk].problem or "No value."
                reasons[pid] = f"{leaf.path}: {problem}"
                break
    items_unscored = sum(
        count
        for pid, count in pending.items()
        if not reasons.get(pid, "").startswith(EXCLUDED_PREFIX)
    )
    ranked = [item for item in proposals if item.proposal.pk not in reasons]
    parents = {node.criterion.pk: node for node in walk(loaded.tree)}
    names = {str(leaf.criterion.pk): _display_name(leaf, parents) for leaf in weighted_leaves}
    vendors = {str(item.proposal.pk): item.name for item in proposals}
    wsm: engine.Ranking | None = None
    ranking: engine.Ranking | None = None
    sensitivity: tuple[SensitivityLine, ...] = ()
    sensitivity_note = most_critical = most_critical_any = most_critical_any_message = ""
    tie_breaks: tuple[str, ...] = ()
    if ranked and weighted_leaves:
        ids = [str(item.proposal.pk) for item in ranked]
        crits = [
            engine.Criterion(
                str(leaf.criterion.pk), "cost" if leaf.criterion.is_cost else "benefit"
            )
            for leaf in weighted_leaves
        ]
        matrix = [
            [raw[item.proposal.pk][leaf.criterion.pk] or 0.0 for leaf in weighted_leaves]
            for item in ranked
        ]
        weights = {str(leaf.criterion.pk): global_[leaf.criterion.pk] for leaf in weighted_leaves}
        # Scores keep their meaning: evaluator scores on their 0-10 scale, automatic
        # points on their 0-100 scale, cost relative to the lowest TCO (engine/onscale.py).
        scaled = [
            engine.ScaledCriterion(str(leaf.criterion.pk), _on_scale_kind(leaf.criterion))
            for leaf in weighted_leaves
        ]
        wsm = engine.rank_weighted_sum_on_scale(ids, scaled, matrix, weights)
        ranking = (
            wsm if method == "weighted_sum" else engine.rank(method, ids, crits, matrix, weights)  # type: ignore[arg-type]
        )
        tie_breaks = tuple(_name_ids(tie.explanation, names, vendors) for tie in ranking.tie_breaks)
        if len(ranked) > 1:
            if method == "weighted_sum":
                normalised = [[wsm.get(i).normalised[c.id] for c in scaled] for i in ids]
                analysis = engine.criticality_weighted_sum(
                    ids, [c.id for c in scaled], normalised, weights
                )
            else:
                analysis = engine.criticality_topsis(ids, crits, matrix, weights)
            sensitivity = _sensitivity_lines(analysis, names, vendors)
            sensitivity_note = analysis.note
            if analysis.percent_top_criterion:
                most_critical = names[analysis.percent_top_criterion]
            if analysis.percent_any_criterion:
                most_critical_any = names[analysis.percent_any_criterion]
                entry = analysis.get(analysis.percent_any_criterion)
                if entry.percent_any is not None and entry.percent_any == entry.percent_top:
                    most_critical_any_message = (
                        "The same change is also the smallest that reorders any two "
                        "awardable proposals."
                    )
                else:
                    most_critical_any_message = _percent_any_message(
                        entry.percent_any, most_critical_any, vendors
                    )

    def proposal_result(item: SubmittedProposal, rank: int | None) -> ProposalResult:
        pid = item.proposal.pk
        proposal = item.proposal
        entry = ranking.get(str(pid)) if ranking is not None and rank is not None else None
        decomposition = wsm.get(str(pid)) if wsm is not None and rank is not None else None
        leaves = []
        for leaf in all_leaves:
            criterion = leaf.criterion
            auto = explained[pid][criterion.pk]
            key = str(criterion.pk)
            normalised = decomposition.normalised.get(key) if decomposition else None
            contribution = decomposition.contributions.get(key) if decomposition else None
            leaves.append(
                LeafScore(
                    criterion_id=criterion.pk,
                    name=criterion.name,
                    path=leaf.path,
                    source=criterion.source,
                    kind="cost" if criterion.is_cost else "benefit",
                    global_percent=global_[criterion.pk] * 100,
                    raw=raw[pid][criterion.pk],
                    raw_display=auto.display,
                    normalised=normalised,
                    points=normalised * 100 if normalised is not None else None,
                    contribution=contribution * 100 if contribution is not None else None,
                    formula=auto.formula,
                    rows=auto.rows,
                    problem=auto.problem,
                    evaluators=evaluator_items.get((criterion.pk, pid)),
                )
            )
        by_leaf = {leaf.criterion_id: leaf for leaf in leaves}
        main = []
        for node in loaded.tree:
            if node.criterion.pk in excluded:
                continue
            inside = [
                by_leaf[leaf.criterion.pk] for leaf in node.leaves() if leaf.criterion.pk in by_leaf
            ]
            weight = sum(global_[leaf.criterion_id] for leaf in inside)
            contributions = [leaf.contribution for leaf in inside if leaf.contribution is not None]
            contribution = sum(contributions) if decomposition is not None else None
            score = contribution / weight if contribution is not None and weight > 0 else None
            main.append(
                CriterionScore(
                    node.criterion.pk, node.criterion.name, weight * 100, score, contribution
                )
            )
        compliance = proposal.effective_compliance
        return ProposalResult(
            proposal_id=pid,
            company_id=proposal.company_id,
            vendor=item.name,
            rank=rank,
            total_points=entry.score * 100 if entry is not None else None,
            not_ranked_reason=reasons.get(pid, ""),
            compliance=compliance,
            compliance_label=str(ComplianceStatus(compliance).label),
            compliance_reasons=tuple(proposal.compliance_reasons or ()),
            compliance_override_reason=proposal.compliance_override_reason
            if proposal.compliance_override
            else "",
            awardable=compliance != ComplianceStatus.NON_COMPLIANT and rank is not None,
            criteria=tuple(main),
            leaves=tuple(leaves),
            tco=extra[pid][0],
            centres=extra[pid][1],
            separation_ideal=entry.separation_ideal if entry else None,
            separation_anti_ideal=entry.separation_anti_ideal if entry else None,
        )

    by_id = {str(item.proposal.pk): item for item in ranked}
    ordered = (
        [proposal_result(by_id[entry.id], entry.rank) for entry in ranking.alternatives]
        if ranking is not None
        else []
    )
    not_ranked = [
        proposal_result(item, None)
        for item in proposals
        if ranking is None or item.proposal.pk in reasons
    ]
    for index, result in enumerate(not_ranked):
        if not result.not_ranked_reason:
            not_ranked[index] = _replace(
                result, not_ranked_reason="No weighted criterion to rank on."
            )
    flagged = tuple(
        FlaggedItem(
            leaf.criterion_id,
            leaf.path,
            result.proposal_id,
            result.vendor,
            leaf.evaluators.spread or 0.0,
            leaf.evaluators.consensus is not None,
        )
        for result in ordered + not_ranked
        for leaf in result.leaves
        if leaf.evaluators is not None and leaf.evaluators.needs_discussion
    )
    why, why_summary = _why(ordered, method)
    bid_flags, bid_flags_note = _bid_flags(ordered, loaded.rfp.currency)
    lot_awards = [a for a in loaded.awards if a.lot_id == lot.pk]
    submitted_names = {item.proposal.pk: item.name for item in loaded.submitted}
    current = next((a for a in lot_awards if a.status != AwardStatus.RETURNED), None)
    return LotResults(
        lot_id=lot.pk,
        lot_name=lot.name,
        ranking=tuple(ordered),
        not_ranked=tuple(not_ranked),
        tie_breaks=tie_breaks,
        sensitivity=sensitivity,
        sensitivity_note=sensitivity_note,
        most_critical=most_critical,
        most_critical_any=most_critical_any,
        most_critical_any_message=most_critical_any_message,
        items_total=items_total,
        items_missing=items_missing,
        items_unscored=items_unscored,
        provisional=items_unscored > 0,
        provisional_note=_provisional_note(items_unscored),
        flagged=flagged,
        why=why,
        why_summary=why_summary,
        recommended_tco=ordered[0].tco.total if ordered and ordered[0].tco else None,
        lowest_tco=min((p.tco.total for p in ordered if p.tco is not None), default=None),
        bid_flags=bid_flags,
        bid_flags_note=bid_flags_note,
        award=_award_view(current, submitted_names) if current else None,
        award_history=tuple(
            _award_view(a, submitted_names) for a in lot_awards if a.status == AwardStatus.RETURNED
        ),
    )


def _why(
    ordered: Sequence[ProposalResult], method: str
) -> tuple[tuple[CriterionComparison, ...], str]:
    """Why the first is recommended: every main criterion, against the runner-up."""
    if not ordered:
        return (), ""
    first = ordered[0]
    second = ordered[1] if len(ordered) > 1 else None
    rows = []
    for mine in first.criteria:
        theirs = (
            next((c for c in second.criteria if c.criterion_id == mine.criterion_id), None)
            if second is not None
            else None
        )
        share = f"{mine.name} ({_percent(mine.global_percent)} of the total)"
        if mine.score_points is None:
            rows.append(
                CriterionComparison(
                    mine.criterion_id, mine.name, mine.global_percent, None, None, None,
                    f"{share}: no score.",
                )
            )  # fmt: skip
            continue
        if second is None or theirs is None or theirs.score_points is None:
            rows.append(
                CriterionComparison(
                    mine.criterion_id, mine.name, mine.global_percent, mine.score_points,
                    None, None, f"{share}: {mine.score_points:.1f} out of 100.",
                )
            )  # fmt: skip
            continue
        gain = (mine.contribution or 0.0) - (theirs.contribution or 0.0)
        if abs(gain) < 0.05:
            verdict = "level"
        else:
            verdict = f"{gain:+.1f} weighted points".replace("-", "−")
        rows.append(
            CriterionComparison(
                mine.criterion_id,
                mine.name,
                mine.global_percent,
                mine.score_points,
                theirs.score_points,
                gain,
                f"{share}: {first.vendor} {mine.score_points:.1f}, {second.vendor} "
                f"{theirs.score_points:.1f} out of 100 ({verdict}).",
            )
        )
    if second is None:
        return tuple(rows), f"{first.vendor} is the only proposal that can be awarded."
    ahead = sorted(
        (r for r in rows if r.gain is not None and r.gain >= 0.05), key=lambda r: -(r.gain or 0)
    )
    behind = sorted(
        (r for r in rows if r.gain is not None and r.gain <= -0.05), key=lambda r: r.gain or 0
    )
    margin = (first.total_points or 0.0) - (second.total_points or 0.0)
    total = "closeness points" if method == "topsis" else "points"
    summary = f"{first.vendor} leads {second.vendor} by {margin:.1f} {total}"
    if ahead:
        summary += ", ahead on " + ", ".join(r.name for r in ahead)
    if behind:
        summary += (" and" if ahead else ",") + " behind on " + ", ".join(r.name for r in behind)
    return tuple(rows), summary + "."


ABNORMAL_BID_THRESHOLD = 0.30


def _bid_flags(ordered: Sequence[ProposalResult], currency: str) -> tuple[tuple[BidFlag, ...], str]:
    """Compliant bids more than 30 % below or above the median of the compliant bids:
    the buyer asks the vendor to justify its price (an abnormally low bid may not be
    sustainable; a high one may hide a misunderstanding of the scope)."""
    import statistics

    priced = [(p, p.tco.total) for p in ordered if p.tco is not None]
    if len(priced) < 2:
        return (), (
            "Only one compliant bid has a price: there is no median to compare it with."
            if priced
            else ""
        )
    median = Decimal(statistics.median([total for _, total in priced]))
    count = len(priced)
    note = (
        f"Each compliant bid is compared with the median of the {count} compliant bids "
        f"({automatic.format_money(median, currency)}); more than "
        f"{ABNORMAL_BID_THRESHOLD * 100:.0f} % below or above it is flagged."
    )
    if median <= 0:
        return (), note
    flags = []
    for result, total in priced:
        difference = float((total - median) / median)
        if abs(difference) <= ABNORMAL_BID_THRESHOLD:
            continue
        kind = "low" if difference < 0 else "high"
        flags.append(
            BidFlag(
                result.proposal_id,
                result.vendor,
                total,
                median,
                difference * 100,
                kind,
                f"{result.vendor}: {automatic.format_money(total, currency)} is "
                f"{abs(difference) * 100:.0f} % {'below' if kind == 'low' else 'above'} the "
                f"median of the {count} compliant bids — abnormally {kind}: ask the vendor "
                "to justify its price.",
            )
        )
    return tuple(flags), note


def _budget_check(
    budget: Decimal | None,
    lots: Sequence[LotResults],
    currency: str,
    commercial_open: bool,
    every_lot: bool,
) -> str:
    """The buyer's internal budget (for every lot) against the recommended bids and the
    lowest compliant bids."""
    if budget is None:
        return "No internal budget was set for this RFP."
    money = automatic.format_money
    if not commercial_open:
        return (
            "The prices are sealed: the internal budget is compared with the bids once they open."
        )
    recommended = [lot.recommended_tco for lot in lots]
    lowest = [lot.lowest_tco for lot in lots]
    if not lots or any(value is None for value in recommended + lowest):
        return f"Budget {money(budget, currency)}: not every lot has a ranked bid with a price yet."

    def against(amount: Decimal) -> str:
        difference = amount - budget
        if budget > 0 and difference > 0:
            return f"{difference / budget * 100:.0f} % over the budget"
        if difference > 0:
            return f"{money(difference, currency)} over the budget"
        return f"within the budget ({money(-difference, currency)} to spare)"

    total = sum((value for value in recommended if value is not None), Decimal(0))
    low = sum((value for value in lowest if value is not None), Decimal(0))
    scope = "" if every_lot else " (the budget covers every lot; this compares one)"
    return (
        f"The internal budget is {money(budget, currency)}{scope}. The recommended bids total "
        f"{money(total, currency)}: {against(total)}. The lowest compliant bids total "
        f"{money(low, currency)}: {against(low)}."
    )


def _replace(result: ProposalResult, **changes: Any) -> ProposalResult:
    from dataclasses import replace

    return replace(result, **changes)


def _name_ids(text: str, names: Mapping[str, str], vendors: Mapping[str, str]) -> str:
    """The engine names alternatives and criteria by id ('12'); put names in."""
    for key, value in {**names, **vendors}.items():
        text = text.replace(f"'{key}'", value)
    return text


def _criterion_nodes(
    tree: Sequence[TreeNode],
    local: Mapping[int, float],
    global_: Mapping[int, float],
    excluded: set[int],
    overrides: Mapping[int, float],
    ahp: Mapping[int | None, AHPSummary],
) -> tuple[CriterionNode, ...]:
    def node(item: TreeNode) -> CriterionNode:
        criterion = item.criterion
        pk = criterion.pk
        return CriterionNode(
            id=pk,
            name=criterion.name,
            path=item.path,
            standard=criterion.standard,
            source=criterion.source,
            source_label=criterion.get_source_display(),
            kind="group" if item.children else ("cost" if criterion.is_cost else "benefit"),
            description=criterion.description,
            rubric=criterion.rubric,
            weight_percent=float(overrides.get(pk, criterion.weight)),
            effective_percent=local.get(pk, 0.0) * 100,
            global_percent=global_.get(pk, 0.0) * 100,
            excluded=pk in excluded,
            children=tuple(node(child) for child in item.children),
            ahp=ahp.get(pk),
        )

    return tuple(node(item) for item in tree)


def what_if_weights(given: Mapping[Any, Any], criterion_ids: set[int]) -> dict[int, float]:
    """What-if weights (criterion id -> percent of its siblings), checked the same way
    whichever door they come through: an id that is not a criterion of this evaluation
    is not found (404), a weight that is not a number from 0 to 100 is refused (400)."""
    out: dict[int, float] = {}
    for key, value in given.items():
        try:
            pk = int(key)
        except (TypeError, ValueError):
            raise NotFoundError(f"Criterion {key} is not part of this evaluation.") from None
        if pk not in criterion_ids:
            raise NotFoundError(f"Criterion {pk} is not part of this evaluation.")
        try:
            number = Decimal(str(value))
        except (ArithmeticError, ValueError):
            number = Decimal("NaN")
        if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
            raise ApplicationError.for_fields(
                {"weights": f"The weight of criterion {pk} must be a number from 0 to 100."}
            )
        out[pk] = float(number)
    return out


def evaluation_results(
    *,
    rfp: RFP,
    lot: Lot | int | None = None,
    user: Any,
    weights: Mapping[Any, Any] | None = None,
    now: dt.datetime | None = None,
) -> EvaluationResults:
    """Everything about an RFP's evaluation, computed afresh: the criteria tree
    with its weights and AHP matrices, and per lot the ranking with total and
    per-criterion points, every leaf's raw value and explanation (TCO lines,
    delivery centres, SLA answers, evaluators' scores and comments, consensus),
    spreads flagged for discussion, sensitivity of the winner to each weight,
    and the award decision.

    `weights` (criterion id -> percent of its siblings) is a what-if: it
    replaces the stored weights of the criteria it names, each level rescaled
    to 100 %, and nothing is saved. `lot` restricts the lots computed.

    For admins, procurement managers and viewers of the RFP's organization
    (PermissionDeniedError for evaluators, NotFoundError for anyone else);
    ProposalsSealedError before the proposals open. The number of queries does
    not depend on the number of proposals.
    """
    require_results_reader(user, rfp)
    return _evaluation_results(rfp=rfp, lot=lot, weights=weights, now=now)


def _evaluation_results(
    *,
    rfp: RFP,
    lot: Lot | int | None = None,
    weights: Mapping[Any, Any] | None = None,
    now: dt.datetime | None = None,
) -> EvaluationResults:
    """evaluation_results without the reader check: for rules that ask on nobody's
    behalf (technical_evaluation_blockers)."""
    evaluation = Evaluation.objects.filter(rfp=rfp).first()
    if evaluation is None:
        raise NotFoundError("This RFP has no evaluation yet.")
    loaded = _load(evaluation, rfp, now=now)
    overrides = what_if_weights(weights or {}, {node.criterion.pk for node in walk(loaded.tree)})
    excluded = _excluded_ids(loaded.tree, exclude_cost=not loaded.commercial_open)
    local, global_ = global_weights(loaded.tree, overrides=overrides, excluded=excluded)
    names = {c.criterion.pk: c.criterion.name for c in walk(loaded.tree)}
    ahp: dict[int | None, AHPSummary] = {}
    for matrix in loaded.matrices:
        try:
            ahp[matrix.parent_id] = ahp_summary(matrix, names)
        except engine.EngineInputError:
            continue
    problems = criteria_problems(evaluation, loaded.tree)
    weighted_leaves = [
        leaf
        for leaf in leaves_of(loaded.tree)
        if leaf.criterion.pk not in excluded and global_.get(leaf.criterion.pk, 0.0) > 0
    ]
    lot_id = lot.pk if isinstance(lot, Lot) else lot
    lots = [item for item in loaded.rfp.lots.all() if lot_id is None or item.pk == lot_id]
    if lot_id is not None and not lots:
        raise NotFoundError("Lot not found.")
    lot_results = (
        []
        if problems and not overrides
        else [
            _lot_results(loaded, item, local, global_, excluded, weighted_leaves) for item in lots
        ]
    )
    unscored = sum(item.items_unscored for item in lot_results)
    return EvaluationResults(
        rfp_id=rfp.pk,
        reference=rfp.reference,
        title=rfp.title,
        organization=str(loaded.rfp.organization),
        currency=rfp.currency,
        method=evaluation.ranking_method,
        method_label=evaluation.get_ranking_method_display(),
        aggregation=evaluation.aggregation,
        aggregation_label=evaluation.get_aggregation_display(),
        discussion_threshold=float(evaluation.discussion_threshold),
        two_envelopes=rfp.two_envelopes,
        commercial_open=loaded.commercial_open,
        cost_excluded=bool(excluded),
        what_if=bool(overrides),
        scoring_started=evaluation.scoring_started_at is not None,
        criteria_set_after_publication=evaluation.set_after_publication,
        criteria=_criterion_nodes(loaded.tree, local, global_, excluded, overrides, ahp),
        top_level_ahp=ahp.get(None),
        problems=tuple(problems),
        lots=tuple(lot_results),
        score_bands=tuple(SCORE_BANDS),
        generated_at=now or timezone.now(),
        items_unscored=unscored,
        provisional=unscored > 0,
        provisional_note=_provisional_note(unscored),
        # No amount of money before the prices open, not even the buyer's own budget.
        budget=rfp.budget if loaded.commercial_open else None,
        budget_check=_budget_check(
            rfp.budget,
            lot_results,
            rfp.currency,
            loaded.commercial_open,
            every_lot=lot_id is None or len(loaded.rfp.lots.all()) == 1,
        )
        if lot_results
        else "",
    )


def _provisional_note(unscored: int) -> str:
    if not unscored:
        return ""
    return f"Provisional: {_count(unscored, 'item', 'items')} unscored."


# --- Is the technical evaluation final? ---------------------------------------------------------


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def technical_evaluation_blockers(rfp: RFP, *, now: dt.datetime | None = None) -> list[str]:
    """Why the technical evaluation of a two-envelope RFP is not final yet, for people
    (empty: it is, and the prices may open). Final means: scoring has started, and in
    the results every evaluator-scored item of every proposal that counts has a
    submitted score or a consensus score (`items_missing`), and every item flagged for
    discussion (spread at or above the threshold) has a consensus score (`flagged`,
    `resolved`), and every evaluator has submitted every item assigned to them (or
    declared a conflict, or the item has a consensus score). The one rule:
    proposals.services.commercial_envelope_open asks it through the hook registered in
    scoring/apps.py, whichever door opens the prices."""
    evaluation = Evaluation.objects.filter(rfp=rfp).first()
    if evaluation is None:
        return ["No technical evaluation has been set up: set up the criteria and the panel."]
    if not evaluation.scoring_started:
        return ["Scoring has not started: no technical score has been given yet."]
    try:
        results = _evaluation_results(rfp=rfp, now=now)
    except ProposalsSealedError as exc:
        return [exc.message]
    if results.problems:
        return ["The criteria are not complete: " + " ".join(results.problems)]
    missing = sum(lot.items_missing for lot in results.lots)
    unresolved = sum(1 for lot in results.lots for item in lot.flagged if not item.resolved)
    reasons = []
    if missing:
        reasons.append(
            _count(missing, "technical item still needs", "technical items still need")
            + " a submitted or consensus score."
        )
    if unresolved:
        reasons.append(
            _count(unresolved, "item needs", "items need")
            + " a consensus score: the evaluators' scores are at least "
            f"{evaluation.discussion_threshold.normalize():f} points apart."
        )
    reasons.extend(_evaluators_still_scoring(evaluation))
    return reasons


def _evaluators_still_scoring(evaluation: Evaluation) -> list[str]:
    """Every assigned item counts: an evaluator who has not submitted an item assigned
    to them (and not excused by a declared conflict, nor settled by a consensus score)
    keeps the technical evaluation open, even when a colleague has scored it."""
    settled = set(
        ConsensusScore.objects.filter(evaluation=evaluation).values_list(
            "criterion_id", "proposal_id", "lot_id"
        )
    )
    evaluators = {a.evaluator_id: a.evaluator for a in assignments_of(evaluation)}
    submitted = counting_proposals(evaluation.rfp)
    reasons = []
    for evaluator in sorted(evaluators.values(), key=str):
        workload = evaluator_workload(evaluation=evaluation, user=evaluator, submitted=submitted)
        waiting = sum(
            1
            for work in workload.vendors
            if not work.conflicted
            for item in work.items
            if (item.score is None or not item.score.is_submitted)
            and (item.criterion.pk, item.proposal_id, item.lot.pk) not in settled
        )
        if waiting:
            reasons.append(
                f"{evaluator} has not submitted "
                + _count(waiting, "assigned score", "assigned scores")
                + " (or declared a conflict of interest)."
            )
    return reasons


# --- Charts (the results page and the PDF report) ------------------------------------------------


def results_charts(results: EvaluationResults, lot: LotResults, *, top: int = 5) -> tuple[str, str]:
    """SVG: stacked bars of weighted contributions per main criterion, and a radar of
    the top vendors' main-criterion scores."""
    from reports.charts import RadarSeries, StackedBar, radar_chart, stacked_bar_chart

    series = [c.name for c in results.main_criteria]
    bars = [StackedBar(p.vendor, [c.contribution or 0.0 for c in p.criteria]) for p in lot.ranking]
    stacked = stacked_bar_chart(
        bars,
        series,
        title=f"{lot.lot_name}: weighted points per criterion (of 100)",
    )
    radar = radar_chart(
        series,
        [
            RadarSeries(p.vendor, [(c.score_points or 0.0) / 100 for c in p.criteria])
            for p in lot.ranking[:top]
        ],
        title=f"{lot.lot_name}: score per criterion of the top {min(top, len(lot.ranking))}",
    )
    return stacked, radar


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
    from proposals.selectors import ProposalsSealedError

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
    from proposals.content import read_content

    proposal = Proposal.objects.select_related("company", "submitted_version").get(pk=proposal_id)
    assert proposal.submitted_version is not None
    content = read_content(proposal.submitted_version.content, commercial_open=False)
    return work, SubmittedProposal(proposal, proposal.submitted_version, content, None)


# --- The panel and the history -------------------------------------------------------------------


def panel_members(evaluation: Evaluation) -> list[Any]:
    """The organization's evaluators: the people who can be put on the panel."""
    from accounts.models import BuyerRole, User

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
    from bpo_portal.permissions import vendor_membership

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
