"""The browser door for scoring. Thin: find what the user may see (selectors),
parse the form, call one service, render. Rules live in scoring.services; who
sees what, and every number, in scoring.selectors.

The results page's what-if panel is a GET form: htmx sends it on every change
and swaps in the ranking; without JavaScript the button shows the same page
with those weights. Nothing is saved either way.

The modules, by page area: `entry_pages` (the lists, an RFP's overview and set-up,
the vendors' outcomes), `criteria_pages` (criteria, method, weights, AHP),
`panel_pages` (assignments, starting the scoring), `scoring_pages` (the evaluator's
pages and the consensus) and `results_pages` (results, what-if, drill-down,
finalising, the award); `_common` holds what they share. The modules are named
apart from the views (`panel`, `results`...) so that no view hides its module.
scoring.urls reaches the views through this package.
"""

from scoring.views.criteria_pages import (
    ahp,
    criteria,
    criterion_delete,
    criterion_edit,
    method,
    weights,
)
from scoring.views.entry_pages import evaluation_list, outcomes, overview, setup
from scoring.views.panel_pages import panel, start_scoring
from scoring.views.results_pages import (
    award,
    award_decide,
    award_propose,
    drilldown,
    finalise,
    results,
)
from scoring.views.scoring_pages import (
    conflicts,
    consensus,
    consensus_item,
    my_work,
    score_vendor,
    submit_scores,
)

__all__ = [
    "ahp",
    "award",
    "award_decide",
    "award_propose",
    "conflicts",
    "consensus",
    "consensus_item",
    "criteria",
    "criterion_delete",
    "criterion_edit",
    "drilldown",
    "evaluation_list",
    "finalise",
    "method",
    "my_work",
    "outcomes",
    "overview",
    "panel",
    "results",
    "score_vendor",
    "setup",
    "start_scoring",
    "submit_scores",
    "weights",
]
