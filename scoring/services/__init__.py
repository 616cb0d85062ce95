"""Every write about scoring: the criteria and weights (direct or AHP), the
evaluator panel, conflict-of-interest declarations, scores, consensus and the
end of the technical evaluation (the award is scoring.award). Whichever door a
request comes through (page, API, demo), the rules are here.

Criteria, weights and the ranking method are part of the RFP: set while it is
drafted (a step of the RFP editor, see scoring.apps), locked when it is
published. Before the submission deadline they change only by an addendum the
invited vendors receive; after it they never change (`selectors.criteria_lock`
is the one rule). Every change is in the criteria's history and the audit log,
with the weights before and after. Once an award is approved, nothing about
that lot's scores changes any more.

The modules, by sub-domain: `_common` (what they all share: the manager check,
the locks, the closed-RFP check, the criteria lock and history), `criteria`
(setting up, copying, the method settings, the criteria themselves), `weights`
(direct and AHP), `panel` (starting the scoring, assignments, conflicts of
interest) and `scores` (scores, consensus, finalising the technical evaluation).
Callers import this package: `from scoring import services`, then `services.X`.
"""

from scoring.services._common import (
    CLOSED_STATUSES,
    HUNDRED,
    MAX_TEXT,
    MIN_JUSTIFICATION,
    WEIGHT_PLACES,
    clean_text,
    lock_evaluation,
    require_manager,
)
from scoring.services.criteria import (
    criterion_create,
    criterion_delete,
    criterion_update,
    evaluation_copy,
    evaluation_record_lock,
    evaluation_settings_update,
    evaluation_setup,
)
from scoring.services.panel import (
    Declaration,
    assignments_set,
    conflicts_declare,
    evaluation_start_scoring,
    panel_assignments_set,
)
from scoring.services.scores import (
    ScoreInput,
    comment_required,
    consensus_clear,
    consensus_set,
    parse_score,
    scores_save,
    scores_submit,
    technical_evaluation_finalise,
)
from scoring.services.weights import weights_set, weights_set_by_ahp
from scoring.starter_criteria import DEFAULT_CRITERIA, CriterionSpec

__all__ = [
    "CLOSED_STATUSES",
    "DEFAULT_CRITERIA",
    "HUNDRED",
    "MAX_TEXT",
    "MIN_JUSTIFICATION",
    "WEIGHT_PLACES",
    "CriterionSpec",
    "Declaration",
    "ScoreInput",
    "assignments_set",
    "clean_text",
    "comment_required",
    "conflicts_declare",
    "consensus_clear",
    "consensus_set",
    "criterion_create",
    "criterion_delete",
    "criterion_update",
    "evaluation_copy",
    "evaluation_record_lock",
    "evaluation_settings_update",
    "evaluation_setup",
    "evaluation_start_scoring",
    "lock_evaluation",
    "panel_assignments_set",
    "parse_score",
    "require_manager",
    "scores_save",
    "scores_submit",
    "technical_evaluation_finalise",
    "weights_set",
    "weights_set_by_ahp",
]
