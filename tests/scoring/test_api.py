"""The scoring API: criteria and weights (AHP included), the panel, scores,
consensus, results, what-if and the award, with the one error shape."""

from __future__ import annotations

import json

import pytest

from proposals.models import Proposal
from scoring.models import AwardDecision, Criterion, EvaluatorScore
from tests.conftest import api_as, token_client
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db


def base(rfp_id):
    return f"/api/v1/evaluations/{rfp_id}/"


def test_set_up_and_read_the_criteria(opened, procurement_manager):
    client = token_client(procurement_manager)
    response = client.post("/api/v1/evaluations/", {"rfp": opened.pk}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert [c["name"] for c in data["criteria"]] == ["Cost", "Quality", "Technology", "Location"]
    quality = data["criteria"][1]
    assert quality["kind"] == "group" and quality["global_percent"] == pytest.approx(30.0)
    assert {child["source"] for child in quality["children"]} >= {"sla", "evaluators"}
    assert data["problems"] == []
    assert client.get(base(opened.pk)).json()["criteria"] == data["criteria"]


def test_weights_and_ahp(draft_evaluation, procurement_manager):
    client = api_as(procurement_manager)
    tops = list(Criterion.objects.filter(evaluation=draft_evaluation, parent=None))
    response = client.put(
        base(draft_evaluation.rfp_id) + "weights/",
        {"parent": None, "weights": {str(c.pk): "20" for c in tops}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("Weights add up to 80 %")
    assert "weights" in response.json()["extra"]["fields"]
    response = client.put(
        base(draft_evaluation.rfp_id) + "ahp/",
        {
            "parent": None,
            "criterion_ids": [c.pk for c in tops],
            "matrix": [[1, 3, 1, 1], [3, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]],
        },
        format="json",
    )
    assert response.status_code == 400 and "reciprocal" in response.json()["message"]
    response = client.put(
        base(draft_evaluation.rfp_id) + "ahp/",
        {
            "parent": None,
            "criterion_ids": [c.pk for c in tops],
            "matrix": [[1, 2, 4, 4], [0.5, 1, 2, 2], [0.25, 0.5, 1, 1], [0.25, 0.5, 1, 1]],
        },
        format="json",
    )
    assert response.status_code == 200
    data = response.json()
    assert [c["weight_percent"] for c in data["criteria"]] == [50.0, 25.0, 12.5, 12.5]
    detail = client.get(base(draft_evaluation.rfp_id)).json()
    ahp = next(h for h in detail["history"] if "AHP" in h["summary"])
    assert "CR 0.000" in ahp["summary"]
    assert detail["criteria_lock"] == "open" and ahp["addendum"] is None


def test_criteria_endpoints(draft_evaluation, procurement_manager):
    client = api_as(procurement_manager)
    quality = f.main(draft_evaluation, "Quality")
    response = client.post(
        base(draft_evaluation.rfp_id) + "criteria/",
        {"name": "Cultural fit", "source": "evaluators", "parent": quality.pk},
        format="json",
    )
    assert response.status_code == 201
    added = Criterion.objects.get(name="Cultural fit")
    response = client.patch(
        base(draft_evaluation.rfp_id) + f"criteria/{added.pk}/",
        {"name": "Cultural fit", "source": "evaluators", "rubric": "Shared values."},
        format="json",
    )
    assert response.status_code == 200 and Criterion.objects.get(pk=added.pk).rubric
    response = client.delete(base(draft_evaluation.rfp_id) + f"criteria/{added.pk}/")
    assert response.status_code == 200 and not Criterion.objects.filter(pk=added.pk).exists()
    response = client.patch(
        base(draft_evaluation.rfp_id),
        {"ranking_method": "topsis", "aggregation": "median", "discussion_threshold": "2.0"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["ranking_method"] == "topsis"


def test_panel_scores_and_submission(evaluation, procurement_manager, evaluator):
    client = api_as(procurement_manager)
    response = client.put(
        base(evaluation.rfp_id) + "assignments/",
        {"evaluator": evaluator.pk, "criteria": [f.leaf(evaluation, "Security").pk]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()[0]["criterion"] == f.leaf(evaluation, "Security").pk
    assert client.post(base(evaluation.rfp_id) + "start/").status_code == 200

    mine = api_as(evaluator)
    companies = list(
        Proposal.objects.filter(rfp_id=evaluation.rfp_id).values_list("company_id", flat=True)
    )
    proposal = Proposal.objects.filter(rfp_id=evaluation.rfp_id).first()
    lot = evaluation.rfp.lots.get().pk
    security = f.leaf(evaluation, "Security").pk
    entry = {"criterion": security, "lot": lot, "score": 5}
    response = mine.post(
        base(evaluation.rfp_id) + "scores/",
        {"proposal": proposal.pk, "scores": [entry]},
        format="json",
    )
    assert response.status_code == 403 and "Declare" in response.json()["message"]
    response = mine.post(
        base(evaluation.rfp_id) + "conflicts/",
        {"declarations": [{"company": c, "has_conflict": False} for c in companies]},
        format="json",
    )
    assert response.status_code == 204
    response = mine.post(
        base(evaluation.rfp_id) + "scores/",
        {"proposal": proposal.pk, "scores": [{**entry, "score": 12}]},
        format="json",
    )
    assert response.status_code == 400
    assert f"scores.{security}-{lot}.score" in response.json()["extra"]["fields"]
    for item in Proposal.objects.filter(rfp_id=evaluation.rfp_id):
        response = mine.post(
            base(evaluation.rfp_id) + "scores/",
            {"proposal": item.pk, "scores": [entry]},
            format="json",
        )
        assert response.status_code == 200 and response.json()[0]["submitted_at"] is None
    response = mine.post(base(evaluation.rfp_id) + "scores/submit/")
    assert response.status_code == 200 and response.json() == {"submitted": 2}
    assert not EvaluatorScore.objects.filter(submitted_at__isnull=True).exists()


def test_consensus_results_what_if_and_award(scored, procurement_manager, buyer_admin):
    client = api_as(procurement_manager)
    rfp_id = scored.rfp_id
    items = client.get(base(rfp_id) + "consensus/").json()[0]["items"]
    assert len(items) == 10 and all(item["aggregate"] == 7.0 for item in items)
    item = items[0]
    response = client.post(
        base(rfp_id) + "consensus/",
        {
            "criterion": item["criterion_id"],
            "proposal": item["proposal_id"],
            "lot": scored.rfp.lots.get().pk,
            "score": "9.0",
            "justification": "Agreed after reading the references again together.",
        },
        format="json",
    )
    assert response.status_code == 200
    updated = next(
        i
        for i in response.json()[0]["items"]
        if (i["criterion_id"], i["proposal_id"]) == (item["criterion_id"], item["proposal_id"])
    )
    assert updated["consensus"]["score"] == "9.0"

    results = client.get(base(rfp_id) + "results/").json()
    ranking = results["lots"][0]["ranking"]
    assert ranking[0]["vendor"] == "Bangalore Process Ltd"
    assert ranking[0]["tco"]["lines"][0]["description"]
    assert results["lots"][0]["sensitivity"][0]["message"]
    location = f.main(scored, "Location").pk
    cost = f.main(scored, "Cost").pk
    what_if = client.post(
        base(rfp_id) + "what-if/",
        {"weights": {str(cost): "10", str(location): "60"}},
        format="json",
    )
    assert what_if.status_code == 200
    assert what_if.json()["what_if"] is True
    assert what_if.json()["lots"][0]["ranking"][0]["vendor"] == "Manila Contact Co"
    assert Criterion.objects.get(pk=cost).weight == 40  # nothing saved
    unknown = client.post(base(rfp_id) + "what-if/", {"weights": {"999999": "10"}}, format="json")
    assert unknown.status_code == 404

    winner = ranking[0]["proposal_id"]
    response = client.post(
        base(rfp_id) + "awards/",
        {
            "lot": scored.rfp.lots.get().pk,
            "winners": [winner],
            "justification": "Lowest total cost of ownership and strong SLA commitments.",
        },
        format="json",
    )
    assert response.status_code == 200
    award = AwardDecision.objects.get()
    assert (
        api_as(procurement_manager)
        .post(base(rfp_id) + f"awards/{award.pk}/approve/", {}, format="json")
        .status_code
        == 403
    )
    response = api_as(buyer_admin).post(
        base(rfp_id) + f"awards/{award.pk}/approve/", {"comment": "Approved."}, format="json"
    )
    assert response.status_code == 200 and response.json()[0]["status"] == "approved"


def test_schema_documents_the_endpoints(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/evaluations/{rfp}/results/",
        "/api/v1/evaluations/{rfp}/results/proposals/{proposal}/",
        "/api/v1/evaluations/{rfp}/what-if/",
        "/api/v1/evaluations/{rfp}/ahp/",
        "/api/v1/evaluations/{rfp}/awards/",
    ):
        assert path in text
    assert "EvaluationResultsSchema" in text


def test_what_if_weights_not_keyed_by_a_criterion_id_are_refused(scored, procurement_manager):
    response = api_as(procurement_manager).post(
        base(scored.rfp_id) + "what-if/", {"weights": {"": "10", "Cost": "5"}}, format="json"
    )
    assert response.status_code == 400
    assert "criterion's id" in response.json()["extra"]["fields"]["weights"][0]


def test_an_rfp_id_no_column_can_hold_is_not_found(procurement_manager):
    response = api_as(procurement_manager).get(base(10**30) + "results/")
    assert response.status_code == 404
    assert response.json()["message"] == "This RFP has no evaluation yet."


def test_the_schema_describes_the_lists_and_the_consensus_as_answered(
    scored, procurement_manager, api_client
):
    """The list actions answer plain arrays (not pages); consensus rows have their own shape."""
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]

    def response_schema(path: str) -> dict:
        return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]

    for name in ("assignments", "scores", "consensus", "awards"):
        assert response_schema(f"/api/v1/evaluations/{{rfp}}/{name}/")["type"] == "array", name
    consensus = api_as(procurement_manager).get(base(scored.rfp_id) + "consensus/").json()
    lot_schema = components["ConsensusLotSchema"]["properties"]
    item_schema = components["ConsensusItemSchema"]["properties"]
    assert set(consensus[0]) == set(lot_schema)
    assert set(consensus[0]["items"][0]) == set(item_schema)


def test_results_leave_the_drill_down_out_unless_asked(scored, procurement_manager, other_buyer):
    """Issue 16, item 4: the ranking is light by default; the per-item drill-down comes with
    `?expand=leaves`, or for one proposal on its own endpoint."""
    client = token_client(procurement_manager)
    lean = client.get(base(scored.rfp_id) + "results/")
    full = client.get(base(scored.rfp_id) + "results/?expand=leaves")
    assert lean.status_code == full.status_code == 200
    lean_rows = [row for lot in lean.json()["lots"] for row in lot["ranking"]]
    full_rows = [row for lot in full.json()["lots"] for row in lot["ranking"]]
    assert lean_rows and all("leaves" not in row for row in lean_rows)
    assert all(row["leaves"] for row in full_rows)
    assert len(json.dumps(lean_rows)) < len(json.dumps(full_rows)) / 2  # the rows' bulk
    # Everything but the drill-down is the same.
    assert lean_rows == [{k: v for k, v in row.items() if k != "leaves"} for row in full_rows]

    one = full_rows[1]
    single = client.get(base(scored.rfp_id) + f"results/proposals/{one['proposal_id']}/")
    assert single.status_code == 200
    body = single.json()
    assert body["proposal"] == one
    assert body["lot_id"] == full.json()["lots"][0]["lot_id"]


def test_the_results_of_one_proposal_are_refused_plainly(scored, procurement_manager, other_buyer):
    client = token_client(procurement_manager)
    stranger = Proposal.objects.exclude(rfp_id=scored.rfp_id).first()
    missing = client.get(base(scored.rfp_id) + f"results/proposals/{10**9}/")
    assert missing.status_code == 404
    assert "not in the results" in missing.json()["message"]
    if stranger is not None:
        assert (
            client.get(base(scored.rfp_id) + f"results/proposals/{stranger.pk}/").status_code == 404
        )
    proposal = Proposal.objects.filter(rfp_id=scored.rfp_id).first()
    other = api_as(other_buyer).get(base(scored.rfp_id) + f"results/proposals/{proposal.pk}/")
    assert other.status_code == 404
    assert client.get(base(scored.rfp_id) + "results/proposals/abc/").status_code == 404
    bad = client.get(base(scored.rfp_id) + "results/?expand=everything")
    assert bad.status_code == 400
    assert bad.json()["extra"]["fields"]["expand"] == ["Unknown: everything. It takes: leaves."]
