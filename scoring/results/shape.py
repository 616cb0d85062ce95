"""The results read model's shape: what evaluation_results returns, as plain frozen
dataclasses the page, the API, the PDF and the Excel export read (`results_as_dict` for
JSON)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from typing import Any

from scoring import automatic
from scoring.selectors import AHPSummary

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


def results_summary_dict(results: EvaluationResults) -> dict[str, Any]:
    """`results_as_dict` without the per-criterion drill-down of each proposal
    (`leaves`): the results API's default answer (the reports keep the drill-down)."""
    data: dict[str, Any] = results_as_dict(results)
    for lot in data["lots"]:
        for row in (*lot["ranking"], *lot["not_ranked"]):
            del row["leaves"]
    return data
