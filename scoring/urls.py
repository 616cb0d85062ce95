from django.urls import path

from scoring import views

urlpatterns = [
    path("", views.evaluation_list, name="scoring_list"),
    path("outcomes/", views.outcomes, name="scoring_outcomes"),
    path("rfp/<int:rfp_pk>/", views.overview, name="scoring_overview"),
    path("rfp/<int:rfp_pk>/set-up/", views.setup, name="scoring_setup"),
    path("rfp/<int:rfp_pk>/criteria/", views.criteria, name="scoring_criteria"),
    path("rfp/<int:rfp_pk>/criteria/new/", views.criterion_edit, name="scoring_criterion_new"),
    path(
        "rfp/<int:rfp_pk>/criteria/<int:criterion_pk>/",
        views.criterion_edit,
        name="scoring_criterion_edit",
    ),
    path(
        "rfp/<int:rfp_pk>/criteria/<int:criterion_pk>/delete/",
        views.criterion_delete,
        name="scoring_criterion_delete",
    ),
    path("rfp/<int:rfp_pk>/method/", views.method, name="scoring_method"),
    path("rfp/<int:rfp_pk>/weights/<str:level>/", views.weights, name="scoring_weights"),
    path("rfp/<int:rfp_pk>/weights/<str:level>/ahp/", views.ahp, name="scoring_ahp"),
    path("rfp/<int:rfp_pk>/panel/", views.panel, name="scoring_panel"),
    path("rfp/<int:rfp_pk>/start/", views.start_scoring, name="scoring_start"),
    path("rfp/<int:rfp_pk>/my-scores/", views.my_work, name="scoring_my_work"),
    path("rfp/<int:rfp_pk>/my-scores/conflicts/", views.conflicts, name="scoring_conflicts"),
    path("rfp/<int:rfp_pk>/my-scores/submit/", views.submit_scores, name="scoring_submit"),
    path(
        "rfp/<int:rfp_pk>/my-scores/<int:proposal_pk>/",
        views.score_vendor,
        name="scoring_score_vendor",
    ),
    path("rfp/<int:rfp_pk>/consensus/", views.consensus, name="scoring_consensus"),
    path(
        "rfp/<int:rfp_pk>/consensus/<int:criterion_pk>/<int:proposal_pk>/<int:lot_pk>/",
        views.consensus_item,
        name="scoring_consensus_item",
    ),
    path("rfp/<int:rfp_pk>/results/", views.results, name="scoring_results"),
    path("rfp/<int:rfp_pk>/results/<int:proposal_pk>/", views.drilldown, name="scoring_drilldown"),
    path("rfp/<int:rfp_pk>/finalise-technical/", views.finalise, name="scoring_finalise"),
    path("rfp/<int:rfp_pk>/award/", views.award, name="scoring_award"),
    path(
        "rfp/<int:rfp_pk>/award/lots/<int:lot_pk>/",
        views.award_propose,
        name="scoring_award_propose",
    ),
    path(
        "rfp/<int:rfp_pk>/award/decisions/<int:award_pk>/",
        views.award_decide,
        name="scoring_award_decide",
    ),
]
