"""The parts of the results that stand apart from the per-lot ranking: the criteria
tree as shown (`criterion_nodes`), an award as shown (`award_view`), what-if weights
checked (`what_if_weights`), and the charts of the results page and the PDF report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from bpo_portal.charts import RadarSeries, StackedBar, radar_chart, stacked_bar_chart
from bpo_portal.errors import ApplicationError, NotFoundError
from proposals.models import Proposal
from scoring.models import (
    AwardDecision,
)
from scoring.results.shape import (
    AwardView,
    CriterionNode,
    EvaluationResults,
    LotResults,
)
from scoring.selectors import (
    AHPSummary,
    TreeNode,
)


def award_view(award: AwardDecision, names: Mapping[int, str] | None = None) -> AwardView:
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


def criterion_nodes(
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


# --- Charts (the results page and the PDF report) ------------------------------------------------


def results_charts(results: EvaluationResults, lot: LotResults, *, top: int = 5) -> tuple[str, str]:
    """SVG: stacked bars of weighted contributions per main criterion, and a radar of
    the top vendors' main-criterion scores."""
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
