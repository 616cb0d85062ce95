"""The seal from every door: before the proposals open nothing is scored or shown;
before the commercial envelope opens nobody sees a price, a total cost of
ownership or a cost score — in the selector, the pages or the API."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from proposals.selectors import ProposalsSealedError
from scoring import results as scoring_results
from scoring import selectors, services
from tests.conftest import api_as
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db

# Distinctive amounts that appear only in the vendors' prices and totals.
PRICE_MARKERS = ("5,696,000", "5696000", "4,818,000", "4818000", "3,000.00", "2,600.00", "$")


@pytest.fixture
def two_envelopes(buyer_admin, procurement_manager, vendor_a, vendor_b, evaluator, evaluator2):
    rfp = f.make_rfp(procurement_manager, buyer_admin, [vendor_a, vendor_b], two_envelopes=True)
    f.submit(vendor_a, rfp, f.Bid())
    f.submit(vendor_b, rfp, f.Bid(prices=f.PRICES_B))
    rfp = f.pass_deadline(rfp)
    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    f.setup_panel(procurement_manager, evaluation, [evaluator, evaluator2])
    evaluation = f.start(procurement_manager, f.fresh(evaluation))
    for person in (evaluator, evaluator2):
        f.declare_none(person, evaluation)
        f.score_all(person, evaluation)
    return f.fresh(evaluation)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def assert_no_prices(text):
    for marker in PRICE_MARKERS:
        assert marker not in text, f"{marker!r} leaked"


def test_selector_sets_cost_aside_before_the_commercial_envelope(
    two_envelopes, procurement_manager
):
    results = scoring_results.evaluation_results(rfp=two_envelopes.rfp, user=procurement_manager)
    assert results.cost_excluded and not results.commercial_open
    cost = next(c for c in results.criteria if c.name == "Cost")
    assert cost.excluded and cost.global_percent == 0
    # The other weights are rescaled in proportion: Quality 30/60 of the total.
    quality = next(c for c in results.criteria if c.name == "Quality")
    assert quality.global_percent == pytest.approx(50.0)
    for proposal in results.lots[0].all_proposals:
        assert proposal.tco is None
        assert all(leaf.source != "tco" for leaf in proposal.leaves)
        assert [c.name for c in proposal.criteria] == ["Quality", "Technology", "Location"]
    assert_no_prices(json.dumps(scoring_results.results_as_dict(results)))


def test_pages_show_no_price_before_the_commercial_envelope(
    two_envelopes, procurement_manager, viewer, evaluator
):
    rfp = two_envelopes.rfp
    proposal = rfp.proposals.first()
    for user in (procurement_manager, viewer):
        client = client_for(user)
        for name, args in [
            ("scoring_results", [rfp.pk]),
            ("scoring_drilldown", [rfp.pk, proposal.pk]),
            ("scoring_award", [rfp.pk]),
            ("scoring_overview", [rfp.pk]),
        ]:
            response = client.get(reverse(name, args=args))
            assert response.status_code == 200, name
            assert_no_prices(response.content.decode())
    page = client_for(procurement_manager).get(reverse("scoring_results", args=[rfp.pk]))
    assert "Technical ranking" in page.content.decode()
    consensus = client_for(procurement_manager).get(reverse("scoring_consensus", args=[rfp.pk]))
    assert_no_prices(consensus.content.decode())
    scoring = client_for(evaluator).get(reverse("scoring_score_vendor", args=[rfp.pk, proposal.pk]))
    assert scoring.status_code == 200
    assert_no_prices(scoring.content.decode())


def test_api_shows_no_price_before_the_commercial_envelope(two_envelopes, procurement_manager):
    rfp = two_envelopes.rfp
    client = api_as(procurement_manager)
    proposal = rfp.proposals.first()
    for response in (
        client.get(f"/api/v1/evaluations/{rfp.pk}/results/"),
        client.get(f"/api/v1/evaluations/{rfp.pk}/results/?expand=leaves"),
        client.get(f"/api/v1/evaluations/{rfp.pk}/results/proposals/{proposal.pk}/"),
        client.post(
            f"/api/v1/evaluations/{rfp.pk}/what-if/",
            {"weights": {str(f.main(two_envelopes, "Cost").pk): "90"}},
            format="json",
        ),
        client.get(f"/api/v1/evaluations/{rfp.pk}/consensus/"),
        client.get(f"/api/v1/evaluations/{rfp.pk}/"),
    ):
        assert response.status_code == 200
        assert_no_prices(response.content.decode())
    data = client.get(f"/api/v1/evaluations/{rfp.pk}/results/").json()
    assert data["cost_excluded"] is True
    assert all(p["tco"] is None for p in data["lots"][0]["ranking"])


def test_evaluators_never_see_prices_even_after_opening(
    two_envelopes, procurement_manager, evaluator
):
    services.technical_evaluation_finalise(actor=procurement_manager, evaluation=two_envelopes)
    rfp = two_envelopes.rfp
    proposal = rfp.proposals.first()
    page = client_for(evaluator).get(reverse("scoring_score_vendor", args=[rfp.pk, proposal.pk]))
    assert_no_prices(page.content.decode())
    # The buyer's results now show the cost.
    results = scoring_results.evaluation_results(rfp=rfp, user=procurement_manager)
    assert not results.cost_excluded
    assert {p.tco.total for p in results.lots[0].ranking} == {
        f.money("5696000.00"),
        f.money("4818000.00"),
    }


def test_nothing_before_the_proposals_open(published_rfp, procurement_manager, evaluator, vendor_a):
    f.submit(vendor_a, published_rfp, f.Bid())
    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=published_rfp)
    f.setup_panel(procurement_manager, evaluation, [evaluator])
    with pytest.raises(ProposalsSealedError):
        scoring_results.evaluation_results(rfp=published_rfp, user=procurement_manager)
    page = client_for(procurement_manager).get(reverse("scoring_results", args=[published_rfp.pk]))
    assert page.status_code == 200 and "still sealed" in page.content.decode()
    api = api_as(procurement_manager).get(f"/api/v1/evaluations/{published_rfp.pk}/results/")
    assert api.status_code == 409
    work = selectors.evaluator_workload(evaluation=f.fresh(evaluation), user=evaluator)
    assert work.sealed_message and not work.vendors
    mine = client_for(evaluator).get(reverse("scoring_my_work", args=[published_rfp.pk]))
    assert "sealed" in mine.content.decode()
    assert "Manila" not in api.content.decode()
