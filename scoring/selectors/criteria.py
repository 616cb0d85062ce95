"""The criteria: the tree, what is missing, the lock (criteria belong to the RFP),
the part vendors see, the effective and global weights, and the AHP matrices."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from rfp.models import RFP, RFPStatus
from rfp.parts import PublishedItem, PublishedPart
from rfp.selectors import Problem
from scoring import engine
from scoring.models import (
    Criterion,
    Evaluation,
    EvaluatorAssignment,
    WeightMatrix,
)

HUNDRED = Decimal("100")
WEIGHT_TOLERANCE = Decimal("0.01")  # percentage points


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
