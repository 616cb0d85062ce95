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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from bpo_portal.errors import NotFoundError, PermissionDeniedError
from bpo_portal.permissions import Capability, buyer_can, buyer_membership, require_buyer
from proposals.models import Proposal
from proposals.selectors import (
    ProposalsSealedError,
    SubmittedProposal,
    proposals_for_evaluation,
)
from rfp.models import RFP, Lot, RFPStatus
from rfp.parts import PublishedItem, PublishedPart
from rfp.selectors import Problem, rfps_visible_to
from scoring import engine
from scoring.models import (
    AwardDecision,
    AwardStatus,
    ConflictDeclaration,
    CriteriaChange,
    Criterion,
    Evaluation,
    EvaluatorAssignment,
    EvaluatorScore,
    WeightMatrix,
)

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


def percent_label(value: float) -> str:
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


def excluded_ids(tree: Sequence[TreeNode], exclude_cost: bool) -> set[int]:
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
