"""The results read model: every number the results page, what-if, the award, the API,
the PDF report and the Excel export show, computed in one place.

- `shape`: the frozen dataclasses returned (and `results_as_dict` for JSON);
- `stored`: `evaluation_results`, served from the database while its inputs stand
  (`inputs`: the tables they are read from, and the triggers that count their writes);
- `compute`: `computed_results` (on-scale normalisation, ranking of awardable proposals,
  provisional results, sensitivity);
- `parts`: what stands apart from the per-lot ranking: the criteria tree and an award as
  shown, the what-if weights checked, the charts;
- `blockers`: `technical_evaluation_blockers`, when the prices may open;
- `wording`: the sensitivity in words; `recommendation`: why the first, prices to
  question, the budget against the bids.

It reads the criteria tree, the weights and the evaluators' work from
`scoring.selectors` (never the other way round).
"""

from scoring.results.blockers import technical_evaluation_blockers
from scoring.results.compute import EXCLUDED_PREFIX
from scoring.results.parts import award_view, criterion_nodes, results_charts, what_if_weights
from scoring.results.recommendation import (
    ABNORMAL_BID_THRESHOLD,
    abnormal_bids,
    budget_check,
    why_recommended,
)
from scoring.results.shape import (
    AwardView,
    BidFlag,
    ConsensusView,
    CriterionComparison,
    CriterionNode,
    CriterionScore,
    EvaluationResults,
    EvaluatorScoreView,
    FlaggedItem,
    ItemScores,
    LeafScore,
    LotResults,
    ProposalResult,
    SensitivityLine,
    results_as_dict,
    results_summary_dict,
)
from scoring.results.stored import (
    evaluation_results,
    evaluation_results_for_rules,
    evaluation_results_summary_json,
)

__all__ = [
    "ABNORMAL_BID_THRESHOLD",
    "EXCLUDED_PREFIX",
    "AwardView",
    "BidFlag",
    "ConsensusView",
    "CriterionComparison",
    "CriterionNode",
    "CriterionScore",
    "EvaluationResults",
    "EvaluatorScoreView",
    "FlaggedItem",
    "ItemScores",
    "LeafScore",
    "LotResults",
    "ProposalResult",
    "SensitivityLine",
    "abnormal_bids",
    "award_view",
    "budget_check",
    "criterion_nodes",
    "evaluation_results",
    "evaluation_results_for_rules",
    "evaluation_results_summary_json",
    "results_as_dict",
    "results_charts",
    "results_summary_dict",
    "technical_evaluation_blockers",
    "what_if_weights",
    "why_recommended",
]
