"""The integration door: drafting, parts, transitions, invitations, Q&A, the
error shape, what vendors never see, and constant query counts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rfp import services
from rfp.models import RFP, Addendum, Lot, RFPStatus
from tests.conftest import api_as, make_vendor, token_client
from tests.rfp.conftest import BUDGET, company_of, in_days, make_ready_rfp, publish, reload
from tests.rfp.conftest import starter_template as starter
from tests.rfp.test_views import add_rows

pytestmark = pytest.mark.django_db


def assert_error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "extra"} and body["message"]
    assert isinstance(body["extra"]["fields"], dict)
    return body


def no_budget(payload) -> None:
    text = json.dumps(payload)
    assert '"budget"' not in text
    assert str(BUDGET) not in text and "987654" not in text


# --- Drafting -------------------------------------------------------------------------------------


def test_create_from_a_template_and_edit(procurement_manager):
    api = api_as(procurement_manager)
    response = api.post(
        "/api/v1/rfps/",
        {"title": "Helpline", "template": starter().pk, "budget": "250000.00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("NH-") and body["status"] == "draft"
    assert body["budget"] == "250000.00" and len(body["lots"]) == 1
    assert body["lots"][0]["pricing_lines"] and body["sections"][0]["questions"]
    rfp_id, version = body["id"], body["version"]

    response = api.patch(
        f"/api/v1/rfps/{rfp_id}/",
        {
            "version": version,
            "summary": "Updated",
            "required_languages": ["en", "es"],
            "submission_deadline": in_days(10).isoformat(),
            "question_deadline": in_days(3).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["required_languages"] == ["en", "es"]
    assert response.json()["version"] == version + 1


def test_a_blank_draft_via_the_api(procurement_manager):
    response = api_as(procurement_manager).post("/api/v1/rfps/", {"title": "Blank"}, format="json")
    assert response.status_code == 201 and response.json()["lots"] == []


def test_rich_text_is_sanitised_whichever_door(procurement_manager):
    response = api_as(procurement_manager).post(
        "/api/v1/rfps/",
        {
            "title": "XSS",
            "scope_of_work": '<p>Hi<img src=x onerror="alert(1)"></p><script>x</script>',
            "currency": "ZZZ",
        },
        format="json",
    )
    body = assert_error(response, 400)
    assert "currency" in body["extra"]["fields"]
    response = api_as(procurement_manager).post(
        "/api/v1/rfps/",
        {
            "title": "XSS",
            "scope_of_work": '<p>Hi<img src=x onerror="alert(1)"></p><script>x</script>',
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["scope_of_work"] == "<p>Hi</p>"


def test_bad_input_gets_field_messages(procurement_manager, draft):
    api = api_as(procurement_manager)
    body = assert_error(
        api.patch(
            f"/api/v1/rfps/{draft.pk}/",
            {"version": draft.version, "question_deadline": in_days(30).isoformat()},
            format="json",
        ),
        400,
    )
    assert body["extra"]["fields"] == {
        "question_deadline": ["The question deadline must be before the submission deadline."]
    }
    body = assert_error(
        api.patch(
            f"/api/v1/rfps/{draft.pk}/",
            {"version": draft.version, "submission_deadline": in_days(-2).isoformat()},
            format="json",
        ),
        400,
    )
    assert "submission_deadline" in body["extra"]["fields"]
    body = assert_error(api.patch(f"/api/v1/rfps/{draft.pk}/", {"title": "x"}, format="json"), 400)
    assert body["extra"]["fields"]["version"] == ["This field is required."]


def test_optimistic_locking_conflict_answers_409(procurement_manager, buyer_admin, draft):
    api_as(buyer_admin).patch(
        f"/api/v1/rfps/{draft.pk}/", {"version": draft.version, "title": "First"}, format="json"
    )
    body = assert_error(
        api_as(procurement_manager).patch(
            f"/api/v1/rfps/{draft.pk}/",
            {"version": draft.version, "title": "Second"},
            format="json",
        ),
        409,
    )
    assert "saved this RFP at" in body["message"]
    assert body["extra"]["saved_by"] == str(buyer_admin)
    assert body["extra"]["current_version"] == draft.version + 1
    assert reload(draft).title == "First"


def test_lots_pricing_lines_questions_and_kpis(procurement_manager, draft):
    api = api_as(procurement_manager)
    version = draft.version
    body = assert_error(
        api.post(
            f"/api/v1/rfps/{draft.pk}/lots/",
            {"version": version, "name": "Chat", "fte_count": "-2", "contract_term_months": 12},
            format="json",
        ),
        400,
    )
    assert body["extra"]["fields"] == {"fte_count": ["Volumes cannot be negative."]}
    body = assert_error(
        api.post(
            f"/api/v1/rfps/{draft.pk}/lots/",
            {"version": version, "name": "Chat", "contract_term_months": 12},
            format="json",
        ),
        400,
    )
    assert "volumes" in body["extra"]["fields"]
    response = api.post(
        f"/api/v1/rfps/{draft.pk}/lots/",
        {"version": version, "name": "Chat", "seats": "12", "contract_term_months": 24},
        format="json",
    )
    assert response.status_code == 201 and response.json()["rfp_version"] == version + 1
    lot_id = response.json()["id"]
    version += 1

    body = assert_error(
        api.post(
            f"/api/v1/rfps/{draft.pk}/pricing-lines/",
            {"version": version, "lot": lot_id, "charge_type": "hourly", "volume_basis": ""},
            format="json",
        ),
        400,
    )
    assert "volume_basis" in body["extra"]["fields"]
    response = api.post(
        f"/api/v1/rfps/{draft.pk}/pricing-lines/",
        {"version": version, "lot": lot_id, "charge_type": "fixed_monthly"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["volume_basis"] == "fixed"
    line_id = response.json()["id"]
    version += 1
    response = api.patch(
        f"/api/v1/rfps/{draft.pk}/pricing-lines/{line_id}/",
        {"version": version, "volume_basis": "seats"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["volume_basis"] == "seats"
    version += 1

    response = api.post(
        f"/api/v1/rfps/{draft.pk}/service-levels/",
        {"version": version, "lot": lot_id, "metric": "fcr", "target": "75"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["direction"] == "higher"
    version += 1

    section = draft.sections.first()
    response = api.post(
        f"/api/v1/rfps/{draft.pk}/questions/",
        {
            "version": version,
            "section": section.pk,
            "text": "ISO 27001?",
            "kind": "yes_no",
            "is_knockout": True,
            "knockout_answer": "yes",
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["is_knockout"] is True
    version += 1

    assert_error(api.delete(f"/api/v1/rfps/{draft.pk}/lots/{lot_id}/"), 400)
    assert_error(api.delete(f"/api/v1/rfps/{draft.pk}/lots/{lot_id}/?version={version - 1}"), 409)
    response = api.delete(f"/api/v1/rfps/{draft.pk}/lots/{lot_id}/?version={version}")
    assert response.status_code == 200 and response.json() == {"rfp_version": version + 1}
    assert not Lot.objects.filter(pk=lot_id).exists()


def test_parts_of_other_organizations_are_404(other_buyer, draft):
    lot = draft.lots.get()
    api = api_as(other_buyer)
    assert_error(api.get(f"/api/v1/rfps/{draft.pk}/lots/"), 404)
    assert_error(
        api.patch(
            f"/api/v1/rfps/{draft.pk}/lots/{lot.pk}/",
            {"version": draft.version, "name": "x"},
            format="json",
        ),
        404,
    )


@pytest.mark.parametrize("role", ["evaluator", "viewer"])
def test_evaluators_and_viewers_read_but_cannot_write(role, request, draft):
    api = api_as(request.getfixturevalue(role))
    assert api.get(f"/api/v1/rfps/{draft.pk}/").status_code == 200
    assert_error(
        api.patch(
            f"/api/v1/rfps/{draft.pk}/", {"version": draft.version, "title": "x"}, format="json"
        ),
        403,
    )
    assert_error(
        api.post(
            f"/api/v1/rfps/{draft.pk}/lots/", {"version": draft.version, "name": "x"}, format="json"
        ),
        403,
    )
    assert_error(
        api.post(f"/api/v1/rfps/{draft.pk}/submit/", {"version": draft.version}, format="json"), 403
    )
    assert_error(api.post("/api/v1/rfps/", {"title": "Mine"}, format="json"), 403)


# --- Transitions ----------------------------------------------------------------------------------


def test_transitions_as_actions(procurement_manager, buyer_admin, draft):
    pm, admin = api_as(procurement_manager), api_as(buyer_admin)
    response = pm.post(
        f"/api/v1/rfps/{draft.pk}/submit/", {"version": draft.version}, format="json"
    )
    assert response.json()["status"] == "pending_approval"
    version = response.json()["version"]
    body = assert_error(
        pm.post(f"/api/v1/rfps/{draft.pk}/approve/", {"version": version}, format="json"), 403
    )
    assert "Only an admin" in body["message"]
    body = assert_error(
        admin.post(f"/api/v1/rfps/{draft.pk}/return/", {"version": version}, format="json"), 400
    )
    assert "comment" in body["extra"]["fields"]
    response = admin.post(f"/api/v1/rfps/{draft.pk}/approve/", {"version": version}, format="json")
    assert response.json()["status"] == "published"
    version = response.json()["version"]
    # Nobody marks an RFP awarded by hand: the award is approved lot by lot, by a second person
    # (scoring), and nobody closes it: the deadline does, and the API says so from that second.
    assert pm.post(f"/api/v1/rfps/{draft.pk}/close/", {"version": version}).status_code == 404
    with time_machine.travel(reload(draft).submission_deadline, tick=False):
        assert pm.get(f"/api/v1/rfps/{draft.pk}/").json()["status"] == "closed"
        assert reload(draft).status == "published"  # the minute job has not run
        response = pm.post(
            f"/api/v1/rfps/{draft.pk}/start-evaluation/", {"version": version}, format="json"
        )
    assert response.json()["status"] == "under_evaluation"
    assert admin.post(f"/api/v1/rfps/{draft.pk}/award/", {}).status_code == 404
    timeline = admin.get(f"/api/v1/rfps/{draft.pk}/timeline/").json()
    assert [t["to_status"] for t in timeline] == [
        "draft",
        "pending_approval",
        "published",
        "closed",
        "under_evaluation",
    ]


def test_submitting_an_incomplete_rfp_lists_every_problem(buyer_admin, procurement_manager):
    rfp = services.rfp_create(actor=procurement_manager, title="Bare")
    body = assert_error(
        api_as(procurement_manager).post(
            f"/api/v1/rfps/{rfp.pk}/submit/", {"version": rfp.version}, format="json"
        ),
        400,
    )
    assert {"lots", "questions", "submission_deadline", "invitations"} <= set(
        body["extra"]["fields"]
    )
    readiness = api_as(procurement_manager).get(f"/api/v1/rfps/{rfp.pk}/readiness/").json()
    assert [step["key"] for step in readiness][:2] == ["details", "lots"]
    assert readiness[1]["status"] == "not_started"


def test_cancel_needs_a_reason(procurement_manager, published):
    api = api_as(procurement_manager)
    body = assert_error(
        api.post(
            f"/api/v1/rfps/{published.pk}/cancel/",
            {"version": published.version, "reason": ""},
            format="json",
        ),
        400,
    )
    assert "reason" in body["extra"]["fields"]
    response = api.post(
        f"/api/v1/rfps/{published.pk}/cancel/",
        {"version": published.version, "reason": "Merged"},
        format="json",
    )
    assert response.json()["status"] == "cancelled"


def test_save_as_template_and_list_templates(procurement_manager, draft):
    api = api_as(procurement_manager)
    response = api.post(
        f"/api/v1/rfps/{draft.pk}/save-as-template/", {"title": "Ours"}, format="json"
    )
    assert response.status_code == 201 and response.json()["scope"] == "organization"
    titles = {t["title"] for t in api.get("/api/v1/rfp-templates/").json()["results"]}
    assert {"Ours", "Customer support", "IT help desk"} <= titles


# --- Vendors: what they see, what they do -------------------------------------------------------


def test_vendors_never_get_the_budget_or_other_invitees(published, vendor_a, vendor_b):
    api = api_as(vendor_a)
    listed = api.get("/api/v1/rfps/").json()
    assert [r["id"] for r in listed["results"]] == [published.pk]
    assert listed["results"][0]["your_status"] == "invited"
    no_budget(listed)
    detail = api.get(f"/api/v1/rfps/{published.pk}/").json()
    assert detail["buyer"]["name"] == "Northwind Health" and detail["lots"]
    no_budget(detail)
    assert "version" not in detail and "visibility" not in detail
    assert company_of(vendor_b).display_name not in json.dumps(detail)
    assert_error(api.get(f"/api/v1/rfps/{published.pk}/invitations/"), 403)


def test_buyers_get_the_budget(published, viewer):
    detail = api_as(viewer).get(f"/api/v1/rfps/{published.pk}/").json()
    assert detail["budget"] == str(BUDGET)
    listed = api_as(viewer).get("/api/v1/rfps/").json()["results"]
    assert listed[0]["budget"] == str(BUDGET)


def test_vendors_cannot_see_drafts_or_uninvited_rfps(draft, published, vendor_a):
    outsider = make_vendor("owner@c.example", "Cairo Contact", "EG")
    assert api_as(outsider).get("/api/v1/rfps/").json()["count"] == 0
    assert_error(api_as(outsider).get(f"/api/v1/rfps/{published.pk}/"), 404)
    assert_error(api_as(vendor_a).get(f"/api/v1/rfps/{draft.pk}/"), 404)
    assert_error(
        api_as(vendor_a).patch(
            f"/api/v1/rfps/{published.pk}/",
            {"version": published.version, "title": "x"},
            format="json",
        ),
        403,
    )


def test_a_vendor_is_refused_a_buyer_write_whatever_it_sends(published, vendor_a):
    """403 before the body is read: not "version: this field is required"."""
    api = api_as(vendor_a)
    lot = published.lots.get()
    question = services.clarification_ask(actor=vendor_a, rfp=published, text="Volumes?")
    for method, path in (
        ("post", "/api/v1/rfps/"),
        ("post", f"/api/v1/rfps/{published.pk}/cancel/"),
        ("post", f"/api/v1/rfps/{published.pk}/save-as-template/"),
        ("post", f"/api/v1/rfps/{published.pk}/lots/"),
        ("patch", f"/api/v1/rfps/{published.pk}/lots/{lot.pk}/"),
        ("delete", f"/api/v1/rfps/{published.pk}/lots/{lot.pk}/"),
        ("post", f"/api/v1/rfps/{published.pk}/clarifications/{question.pk}/answer/"),
    ):
        body = assert_error(getattr(api, method)(path, {}, format="json"), 403)
        assert "buyer" in body["message"], path
    assert reload(published).status == RFPStatus.PUBLISHED


def test_a_buyer_is_refused_a_vendor_answer_and_an_outsider_learns_nothing(
    published, procurement_manager
):
    vendor_only = (
        f"/api/v1/rfps/{published.pk}/decline/",
        f"/api/v1/rfps/{published.pk}/clarifications/",
    )
    buyer = api_as(procurement_manager)
    outsider = api_as(make_vendor("owner@c.example", "Cairo Contact", "EG"))
    for path in vendor_only:
        assert_error(buyer.post(path, {}, format="json"), 403)
        assert_error(outsider.post(path, {}, format="json"), 404)  # before the body is read


def test_vendor_responses_and_addenda(published, vendor_a, vendor_b, procurement_manager):
    response = api_as(vendor_a).post(f"/api/v1/rfps/{published.pk}/intend-to-bid/")
    assert response.json()["status"] == "intends_to_bid"
    body = assert_error(
        api_as(vendor_b).post(
            f"/api/v1/rfps/{published.pk}/decline/", {"reason": ""}, format="json"
        ),
        400,
    )
    assert "reason" in body["extra"]["fields"]
    services.rfp_update(
        actor=procurement_manager,
        rfp=published,
        version=published.version,
        summary="Changed",
        addendum_summary="Summary clarified",
    )
    addenda = api_as(vendor_a).get(f"/api/v1/rfps/{published.pk}/addenda/").json()["results"]
    assert addenda[0]["summary"] == "Summary clarified"
    response = api_as(vendor_a).post(f"/api/v1/rfps/{published.pk}/addenda/1/acknowledge/")
    assert response.status_code == 200 and response.json()["number"] == 1
    assert Addendum.objects.get(rfp=published).acknowledgements.count() == 1
    invitations = (
        api_as(procurement_manager)
        .get(f"/api/v1/rfps/{published.pk}/invitations/")
        .json()["results"]
    )
    assert {i["status"] for i in invitations} == {"intends_to_bid", "invited"}


def test_invitations_by_api(procurement_manager, draft, vendor_b):
    api = api_as(procurement_manager)
    response = api.post(
        f"/api/v1/rfps/{draft.pk}/invitations/", {"company": company_of(vendor_b).pk}, format="json"
    )
    assert response.status_code == 201 and response.json()["company"]["name"]
    response = api.post(
        f"/api/v1/rfps/{draft.pk}/invitations/", {"email": "later@vendor.example"}, format="json"
    )
    assert response.status_code == 201 and response.json()["company"] is None
    assert (
        api.delete(f"/api/v1/rfps/{draft.pk}/invitations/{response.json()['id']}/").status_code
        == 204
    )
    assert_error(api.post(f"/api/v1/rfps/{draft.pk}/invitations/", {}, format="json"), 400)


def test_qa_by_api_is_anonymous_for_other_vendors(published, vendor_a, vendor_b, buyer_admin):
    response = api_as(vendor_a).post(
        f"/api/v1/rfps/{published.pk}/clarifications/",
        {"text": "From Manila: what about holidays?"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["yours"] is True
    question_id = response.json()["id"]
    buyer_view = api_as(buyer_admin).get(f"/api/v1/rfps/{published.pk}/clarifications/").json()
    assert buyer_view["results"][0]["company"]["name"] == company_of(vendor_a).display_name
    assert api_as(vendor_b).get(f"/api/v1/rfps/{published.pk}/clarifications/").json()["count"] == 0
    response = api_as(buyer_admin).post(
        f"/api/v1/rfps/{published.pk}/clarifications/{question_id}/answer/",
        {
            "answer": "US holidays apply.",
            "publish": True,
            "public_question": "What about holidays?",
        },
        format="json",
    )
    assert response.status_code == 200 and response.json()["is_published"]
    seen_by_b = api_as(vendor_b).get(f"/api/v1/rfps/{published.pk}/clarifications/").json()
    item = seen_by_b["results"][0]
    assert item == {
        "id": question_id,
        "number": 1,
        "question": "What about holidays?",
        "answer": "US holidays apply.",
        "is_published": True,
        "published_at": item["published_at"],
        "yours": False,
    }
    assert "Manila" not in json.dumps(seen_by_b)
    assert_error(
        api_as(vendor_b).post(
            f"/api/v1/rfps/{published.pk}/clarifications/{question_id}/answer/",
            {"answer": "x", "publish": True},
            format="json",
        ),
        403,
    )


def test_questions_refused_after_the_deadline(published, vendor_a):
    with time_machine.travel(published.question_deadline + dt.timedelta(seconds=1), tick=False):
        body = assert_error(
            api_as(vendor_a).post(
                f"/api/v1/rfps/{published.pk}/clarifications/", {"text": "Late?"}, format="json"
            ),
            409,
        )
    assert "deadline for questions has passed" in body["message"]


def test_the_schema_documents_the_rfp_api(buyer_admin):
    response = api_as(buyer_admin).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    for path in (
        "/api/v1/rfps/{id}/approve/",
        "/api/v1/rfps/{rfp}/lots/",
        "/api/v1/rfps/{rfp}/clarifications/{id}/answer/",
    ):
        assert path in text, path
    assert schema is None or "RFPDetail" in json.dumps(schema)


def test_the_timeline_names_nobody_when_the_deadline_closed_the_rfp(
    published, buyer_admin, api_client
):
    with time_machine.travel(published.submission_deadline + dt.timedelta(minutes=1)):
        services.rfps_close_past_deadline()
    timeline = api_as(buyer_admin).get(f"/api/v1/rfps/{published.pk}/timeline/").json()
    assert (timeline[-1]["to_status"], timeline[-1]["actor"]) == ("closed", None)
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["RFPTransition"]["properties"]["actor"]["nullable"]


def test_the_schema_describes_what_the_rfp_endpoints_answer(published, buyer_admin, api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    api = api_as(buyer_admin)

    def answer(path: str) -> dict:
        return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]

    # The list is a page of rows; readiness and the timeline are plain arrays.
    assert answer("/api/v1/rfps/") == {"$ref": "#/components/schemas/PaginatedRFPListItemList"}
    assert api.get("/api/v1/rfps/").json()["count"] == 1
    for name in ("readiness", "timeline"):
        assert answer(f"/api/v1/rfps/{{id}}/{name}/")["type"] == "array"
        assert isinstance(api.get(f"/api/v1/rfps/{published.pk}/{name}/").json(), list)
    # "" is a value: no preferred location; an invitation to a registered company, no e-mail.
    preferred = components["RFPBuyer"]["properties"]["preferred_location_model"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in preferred["oneOf"]
    assert api.get(f"/api/v1/rfps/{published.pk}/").json()["preferred_location_model"] == ""
    assert "format" not in components["RFPInvitation"]["properties"]["email"]
    invitations = api.get(f"/api/v1/rfps/{published.pk}/invitations/").json()["results"]
    assert invitations[0]["email"] == ""


# --- Query counts ---------------------------------------------------------------------------------


def count(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


# The list's and the detail's query counts: tests/rfp/test_views.py, with the pages
# (the 50 rows built once for both doors).


def test_api_parts_and_qa_lists_query_count_is_constant(
    procurement_manager, buyer_admin, vendor_a, django_assert_num_queries
):
    rfp = publish(make_ready_rfp(procurement_manager, invite=(company_of(vendor_a),)), buyer_admin)
    rfp = add_rows(rfp, procurement_manager, 2)  # after publication: addenda too
    for i in range(2):
        services.clarification_ask(actor=vendor_a, rfp=rfp, text=f"Q{i}")
    client = token_client(procurement_manager)
    paths = [
        f"/api/v1/rfps/{rfp.pk}/{part}/"
        for part in (
            "lots",
            "sections",
            "questions",
            "pricing-lines",
            "service-levels",
            "invitations",
            "clarifications",
            "addenda",
        )
    ]
    expected = {path: count(client, path) for path in paths}
    add_rows(rfp, procurement_manager, 50)
    for i in range(2, 50):
        services.clarification_ask(actor=vendor_a, rfp=rfp, text=f"Q{i}")
    for path in paths:
        with django_assert_num_queries(expected[path]):
            client.get(path + "?page_size=100")
    assert RFP.objects.get(pk=rfp.pk).status == RFPStatus.PUBLISHED
