"""Scoring mathematics for vendor selection, as pure Python (no Django).

Plain numbers in, plain numbers out; every input error raises :class:`EngineInputError`.

* Weights: :func:`validate_direct_weights` (percent -> fractions), :func:`rescale_weights`.
* AHP (Saaty 1980): :func:`ahp_matrix_from_judgements`, :func:`ahp_priorities`.
* Normalisation: :func:`normalise_benefit`, :func:`normalise_cost`,
  :func:`normalise_vector`; on-scale (scores keep their meaning): :func:`normalise_on_scale`.
* Ranking: :func:`rank_weighted_sum`, :func:`rank_topsis` (Hwang & Yoon 1981), :func:`rank`,
  :func:`rank_weighted_sum_on_scale` (absolute criteria on their own scale).
* Sensitivity (Triantaphyllou & Sánchez 1997): :func:`analyse_sensitivity` and friends.
* Criticality as Triantaphyllou & Sánchez (1997) define it (one weight changed, the others
  held fixed; percent-top / percent-any): :func:`criticality_weighted_sum`,
  :func:`criticality_topsis`.
* Evaluators: :func:`aggregate_scores`, :func:`score_spread`, :func:`needs_discussion`,
  :func:`aggregate_matrix`.
* Display: :func:`score_to_points`, :func:`ranking_points`.
"""

from .aggregate import (
    SCORE_MAX,
    SCORE_MIN,
    AggregatedMatrix,
    AggregationMethod,
    ScoreSpread,
    aggregate_matrix,
    aggregate_scores,
    needs_discussion,
    score_spread,
)
from .ahp import (
    CONSISTENCY_THRESHOLD,
    RANDOM_INDEX,
    SAATY_SCALE,
    AHPResult,
    ahp_matrix_from_judgements,
    ahp_priorities,
    nearest_saaty_value,
)
from .criticality import (
    CriterionCriticality,
    CriticalityResult,
    PairChange,
    criticality_topsis,
    criticality_weighted_sum,
)
from .errors import EngineInputError
from .normalise import (
    CriterionKind,
    normalise_benefit,
    normalise_cost,
    normalise_linear,
    normalise_vector,
)
from .onscale import (
    COST_RELATIVE,
    EVALUATOR_SCALE,
    POINTS_SCALE,
    OnScaleKind,
    ScaledCriterion,
    normalise_on_scale,
    rank_weighted_sum_on_scale,
)
from .points import ranking_points, score_to_points
from .ranking import METHODS, rank, rank_weighted_sum
from .results import (
    TIE_BREAK_RULE,
    TIE_TOLERANCE,
    Criterion,
    Method,
    RankedAlternative,
    Ranking,
    TieBreak,
)
from .sensitivity import (
    CriterionSensitivity,
    SensitivityResult,
    WeightChange,
    analyse_sensitivity,
    analyse_sensitivity_topsis,
    analyse_sensitivity_weighted_sum,
)
from .topsis import rank_topsis
from .weights import rescale_weights, validate_direct_weights

__all__ = [
    "CONSISTENCY_THRESHOLD",
    "COST_RELATIVE",
    "EVALUATOR_SCALE",
    "METHODS",
    "POINTS_SCALE",
    "RANDOM_INDEX",
    "SAATY_SCALE",
    "SCORE_MAX",
    "SCORE_MIN",
    "TIE_BREAK_RULE",
    "TIE_TOLERANCE",
    "AHPResult",
    "AggregatedMatrix",
    "AggregationMethod",
    "Criterion",
    "CriterionCriticality",
    "CriterionKind",
    "CriterionSensitivity",
    "CriticalityResult",
    "EngineInputError",
    "Method",
    "OnScaleKind",
    "PairChange",
    "RankedAlternative",
    "Ranking",
    "ScaledCriterion",
    "ScoreSpread",
    "SensitivityResult",
    "TieBreak",
    "WeightChange",
    "aggregate_matrix",
    "aggregate_scores",
    "ahp_matrix_from_judgements",
    "ahp_priorities",
    "analyse_sensitivity",
    "analyse_sensitivity_topsis",
    "analyse_sensitivity_weighted_sum",
    "criticality_topsis",
    "criticality_weighted_sum",
    "nearest_saaty_value",
    "needs_discussion",
    "normalise_benefit",
    "normalise_cost",
    "normalise_linear",
    "normalise_on_scale",
    "normalise_vector",
    "rank",
    "rank_topsis",
    "rank_weighted_sum",
    "rank_weighted_sum_on_scale",
    "ranking_points",
    "rescale_weights",
    "score_spread",
    "score_to_points",
    "validate_direct_weights",
]
