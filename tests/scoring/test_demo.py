"""The demo evaluation: built through the services, idempotent, one flagged spread."""

from __future__ import annotations

import pytest

from accounts.demo import seed_buyers
from accounts.models import User
from proposals.demo import seed_proposals
from rfp.demo import FINANCE, seed_rfps
from scoring.demo import PAST_TITLE, seed_scoring
from scoring.models import Evaluation, WeightMatrix
from scoring.results import evaluation_results, technical_evaluation_blockers
from vendors.demo import seed_buyer_views, seed_vendors

pytestmark = pytest.mark.django_db


def test_demo_evaluation_is_scored_and_left_for_consensus_and_award():
    seed_buyers()
    seed_vendors()
    seed_buyer_views()
    seed_rfps()
    seed_proposals()
    made = seed_scoring()
    assert len(made) == 2
    evaluation = Evaluation.objects.get(rfp__title=PAST_TITLE)
    assert evaluation.scoring_started_at is not None
    # The criteria came with the starter and locked at publication, not set afterwards.
    assert not evaluation.set_after_publication
    # AHP while drafting: Quality's sub-weights of the finance draft.
    draft = Evaluation.objects.get(rfp__title=FINANCE)
    assert WeightMatrix.objects.filter(evaluation=draft, parent__name="Quality").exists()
    results = evaluation_results(
        rfp=evaluation.rfp, user=User.objects.get(email="pm@northwind.example")
    )
    lot = results.lots[0]
    assert len(lot.ranking) == 3 and lot.complete
    assert [(item.vendor, item.criterion) for item in lot.flagged] == [
        ("BPP", "Quality › References and experience")
    ]
    assert lot.award is None
    # Two envelopes: the prices open only once the flagged item has a consensus score.
    assert not results.commercial_open and results.cost_excluded
    assert technical_evaluation_blockers(evaluation.rfp) == [
        "1 item needs a consensus score: the evaluators' scores are at least 3 points apart."
    ]
    assert seed_scoring() == []  # idempotent
