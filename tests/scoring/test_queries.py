"""The results page and API read a fixed number of queries, whatever the number of
proposals: the same with 2 and with 50."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from scoring import services
from scoring.models import StoredResults
from tests.conftest import api_as
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db


def evaluated_rfp(pm, admin, evaluator, count, offset):
    vendors = [
        f.make_vendor(f"owner@v{offset + i}.example", f"Vendor {offset + i:03d} BPO", "PH")
        for i in range(count)
    ]
    rfp = f.make_rfp(pm, admin, vendors, title=f"Helpline with {count} bids")
    for index, vendor in enumerate(vendors):
        prices = dict(f.PRICES_A, per_fte=str(2500 + 10 * index))
        f.submit(vendor, rfp, f.Bid(prices=prices, slas={"aht": "380"} if index % 3 else {}))
    rfp = f.pass_deadline(rfp)
    evaluation = services.evaluation_setup(actor=pm, rfp=rfp)
    f.setup_panel(pm, evaluation, [evaluator])
    evaluation = f.start(pm, f.fresh(evaluation))
    f.declare_none(evaluator, evaluation)
    f.score_all(evaluator, evaluation, default=6)
    return rfp


def count(function):
    with CaptureQueriesContext(connection) as context:
        response = function()
    assert response.status_code == 200, response.content[:300]
    return len(context.captured_queries), context.captured_queries


def assert_same(label, small, large):
    if small[0] != large[0]:
        listing = "\n".join(q["sql"][:200] for q in large[1])
        pytest.fail(f"{label}: {small[0]} queries with 2 proposals, {large[0]} with 50:\n{listing}")


def test_results_page_and_api_queries_do_not_grow_with_proposals(
    buyer_admin, procurement_manager, evaluator, viewer
):
    small = evaluated_rfp(procurement_manager, buyer_admin, evaluator, 2, 0)
    large = evaluated_rfp(procurement_manager, buyer_admin, evaluator, 50, 100)
    client = Client()
    client.force_login(viewer)
    api = api_as(viewer)

    def page(rfp):
        return lambda: client.get(f"/scoring/rfp/{rfp.pk}/results/")

    def drilldown(rfp):
        proposal = rfp.proposals.order_by("pk").last()
        return lambda: client.get(f"/scoring/rfp/{rfp.pk}/results/{proposal.pk}/")

    def results_api(rfp):
        return lambda: api.get(f"/api/v1/evaluations/{rfp.pk}/results/")

    def what_if_api(rfp):
        cost = rfp.evaluation.criteria.get(name="Cost").pk
        return lambda: api.post(
            f"/api/v1/evaluations/{rfp.pk}/what-if/",
            {"weights": {str(cost): "10"}},
            format="json",
        )

    def computed(call):
        StoredResults.objects.all().delete()
        return count(call)

    def served(call):
        call()  # computed and stored
        return count(call)

    for label, make in [
        ("results page", page),
        ("drill-down page", drilldown),
        ("results API", results_api),
        ("what-if API", what_if_api),
    ]:
        make(small)()  # warm caches (session, countries, time zones)
        first, second = computed(make(small)), computed(make(large))
        assert_same(f"{label}, computed", first, second)
        assert first[0] <= 44, f"{label}: {first[0]} queries"
        stored_first, stored_second = served(make(small)), served(make(large))
        assert_same(f"{label}, stored", stored_first, stored_second)
        if label != "what-if API":  # what-if is computed live
            assert stored_first[0] < first[0] - 10, f"{label}: {stored_first[0]} queries"
    large_results = api.get(f"/api/v1/evaluations/{large.pk}/results/").json()
    assert len(large_results["lots"][0]["ranking"]) == 50
