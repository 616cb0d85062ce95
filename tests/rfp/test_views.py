"""The browser door: list, detail, editor, check your answers, vendor pages,
permissions, bad input, conflicts, and constant query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rfp import services
from rfp.models import Addendum, AddendumAcknowledgement, Lot, RFPInvitation, RFPStatus
from tests.conftest import make_vendor, token_client
from tests.rfp.conftest import company_of, make_ready_rfp, publish, reload, starter_template
from vendors.services import qualification_update

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
BUDGET_TEXTS = ("987,654", "987654")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def url(name: str, *args) -> str:
    return reverse(name, args=args)


# --- List -----------------------------------------------------------------------------------------


def test_buyers_list_their_rfps_with_filters(draft, published, procurement_manager, other_buyer):
    client = logged_in(procurement_manager)
    html = html_of(client.get(url("rfp_list")))
    assert draft.reference in html and published.reference in html
    assert "Published" in html and "Draft" in html
    html = html_of(client.get(url("rfp_list"), {"status": "published"}))
    assert published.reference in html and draft.reference not in html
    html = html_of(client.get(url("rfp_list")))
    assert html.index(published.reference) < html.index(draft.reference)  # newest first
    html = html_of(client.get(url("rfp_list"), {"ordering": "reference"}))
    assert html.index(draft.reference) < html.index(published.reference)  # NH-…-001 first
    html = html_of(client.get(url("rfp_list"), {"q": "nothing like this"}))
    assert "No RFP matches these filters" in html
    assert published.reference not in html_of(logged_in(other_buyer).get(url("rfp_list")))


def test_vendors_list_only_rfps_open_to_them(draft, published, vendor_a):
    html = html_of(logged_in(vendor_a).get(url("rfp_list")))
    assert published.title in html and draft.reference not in html
    assert "Northwind Health" in html and "Invited" in html
    for text in BUDGET_TEXTS:
        assert text not in html


def test_an_empty_list_says_what_to_do(procurement_manager, viewer, vendor_a):
    assert "Create your first RFP" in html_of(logged_in(procurement_manager).get(url("rfp_list")))
    assert "procurement managers create RFPs" in html_of(logged_in(viewer).get(url("rfp_list")))
    assert "No RFPs for you yet" in html_of(logged_in(vendor_a).get(url("rfp_list")))


def test_anonymous_is_sent_to_log_in(published):
    response = Client().get(url("rfp_detail", published.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Create from a template, edit, check, submit, approve -----------------------------------------


def test_the_whole_journey_in_the_browser(procurement_manager, buyer_admin, vendor_a):
    pm = logged_in(procurement_manager)
    templates = html_of(pm.get(url("rfp_create")))
    assert "Customer support" in templates and "IT help desk" in templates

    response = pm.post(
        url("rfp_create"),
        {"title": "Patient helpline", "template": str(starter_template().pk)},
    )
    rfp = procurement_manager.buyer_membership.organization.rfps.get(title="Patient helpline")
    assert response.status_code == 302 and response["Location"] == url("rfp_detail", rfp.pk)
    html = html_of(pm.get(url("rfp_detail", rfp.pk)))
    assert "Prepare the RFP" in html and "Not started" in html

    local = timezone.localtime(timezone.now(), dt.timezone(dt.timedelta(hours=-5)))
    response = pm.post(
        url("rfp_edit", rfp.pk, "timeline"),
        {
            "version": rfp.version,
            "question_deadline": (local + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "submission_deadline": (local + dt.timedelta(days=12)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302, html_of(response)
    rfp = reload(rfp)
    # Entered in the user's zone (the organization's, New York), stored in UTC.
    assert rfp.submission_deadline.utcoffset() == dt.timedelta(0)
    response = pm.post(url("rfp_invite", rfp.pk), {"companies": [company_of(vendor_a).pk]})
    assert response.status_code == 302
    check = html_of(pm.get(url("rfp_check", rfp.pk)))
    assert "Submit for approval" in check and "to fix" not in check
    response = pm.post(url("rfp_transition", rfp.pk, "submit"), {"version": reload(rfp).version})
    assert reload(rfp).status == RFPStatus.PENDING_APPROVAL

    admin = logged_in(buyer_admin)
    assert "Review and approve" in html_of(admin.get(url("rfp_detail", rfp.pk)))
    response = admin.post(
        url("rfp_transition", rfp.pk, "approve"), {"version": reload(rfp).version}
    )
    assert response.status_code == 302
    assert reload(rfp).status == RFPStatus.PUBLISHED
    assert rfp.pk in [r.pk for r in __import__("rfp.selectors").selectors.rfps_visible_to(vendor_a)]


def test_check_your_answers_lists_what_is_missing(procurement_manager):
    rfp = services.rfp_create(actor=procurement_manager, title="Bare")
    html = html_of(logged_in(procurement_manager).get(url("rfp_check", rfp.pk)))
    assert "things to fix before it can go out" in html
    assert "Add at least one lot." in html
    assert 'disabled aria-disabled="true"' in html


def test_refused_submission_explains_on_the_page(procurement_manager):
    rfp = services.rfp_create(actor=procurement_manager, title="Bare")
    response = logged_in(procurement_manager).post(
        url("rfp_transition", rfp.pk, "submit"), {"version": rfp.version}, follow=True
    )
    assert "The RFP is not ready" in html_of(response)
    assert reload(rfp).status == RFPStatus.DRAFT


def test_return_to_draft_with_comments_from_the_page(draft, procurement_manager, buyer_admin):
    rfp = services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=draft, version=draft.version
    )
    admin = logged_in(buyer_admin)
    admin.post(url("rfp_transition", rfp.pk, "return"), {"version": rfp.version, "comment": ""})
    assert reload(rfp).status == RFPStatus.PENDING_APPROVAL
    admin.post(
        url("rfp_transition", rfp.pk, "return"), {"version": rfp.version, "comment": "Fix the KPIs"}
    )
    assert reload(rfp).status == RFPStatus.DRAFT
    html = html_of(logged_in(procurement_manager).get(url("rfp_detail", rfp.pk)))
    assert "returned it to draft" in html and "Fix the KPIs" in html


# --- Bad input and conflicts in forms -------------------------------------------------------------


def details_data(rfp, **overrides):
    data = {
        "version": rfp.version,
        "title": rfp.title,
        "summary": rfp.summary,
        "scope_of_work": rfp.scope_of_work,
        "service_category": rfp.service_category_id,
        "coverage": rfp.coverage,
        "currency": rfp.currency,
        "accept_onshore": "on",
        "accept_offshore": "on",
    }
    data.update(overrides)
    return data


def test_details_errors_are_summarised_beside_the_field_and_input_kept(draft, procurement_manager):
    response = logged_in(procurement_manager).post(
        url("rfp_edit", draft.pk, "details"),
        details_data(draft, summary="", budget="-5", title="My kept title"),
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "Write a short summary for vendors." in html
    assert 'value="My kept title"' in html
    assert reload(draft).title != "My kept title"


def test_budget_refused_by_the_service_shows_beside_the_field(draft, procurement_manager):
    response = logged_in(procurement_manager).post(
        url("rfp_edit", draft.pk, "details"), details_data(draft, budget="-5")
    )
    assert response.status_code == 400
    assert "The budget cannot be negative." in html_of(response)


def test_a_conflict_keeps_the_users_input_and_explains(draft, procurement_manager, buyer_admin):
    stale = draft.version
    services.rfp_update(actor=buyer_admin, rfp=draft, version=stale, summary="Admin's summary")
    client = logged_in(procurement_manager)
    response = client.post(
        url("rfp_edit", draft.pk, "details"),
        details_data(draft, version=stale, title="PM's careful title"),
    )
    html = html_of(response)
    assert response.status_code == 409
    assert "saved this RFP at" in html and "while you were editing it" in html
    assert 'value="PM&#x27;s careful title"' in html
    assert f'name="version" value="{stale + 1}"' in html  # a second save goes through
    assert reload(draft).title != "PM's careful title"
    response = client.post(
        url("rfp_edit", draft.pk, "details"),
        details_data(draft, version=stale + 1, title="PM's careful title"),
    )
    assert response.status_code == 302 and reload(draft).title == "PM's careful title"


def test_deadline_in_the_past_in_the_timeline_form(draft, procurement_manager):
    past = timezone.localtime(timezone.now() - dt.timedelta(days=1))
    response = logged_in(procurement_manager).post(
        url("rfp_edit", draft.pk, "timeline"),
        {
            "version": draft.version,
            "question_deadline": past.strftime("%Y-%m-%dT%H:%M"),
            "submission_deadline": (past + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert "This date is in the past" in html_of(response)


def test_inline_timeline_check_with_htmx(draft, procurement_manager):
    later = timezone.localtime(timezone.now() + dt.timedelta(days=9))
    response = logged_in(procurement_manager).post(
        url("rfp_timeline_check", draft.pk),
        {
            "version": draft.version,
            "question_deadline": later.strftime("%Y-%m-%dT%H:%M"),
            "submission_deadline": (later - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
        HTTP_HX_REQUEST="true",
    )
    html = html_of(response)
    assert response.status_code == 200 and "must be before the submission deadline" in html
    assert "<html" not in html and "<input" not in html  # never replaces what the user typed
    assert reload(draft).question_deadline == draft.question_deadline


def test_lot_form_refuses_no_volumes_and_negative_ones(draft, procurement_manager):
    client = logged_in(procurement_manager)
    count = Lot.objects.filter(rfp=draft).count()
    response = client.post(
        url("rfp_part_new", draft.pk, "lot"),
        {
            "version": draft.version,
            "name": "Chat",
            "contract_term_months": "12",
            "sla_type": "customer",
        },
    )
    assert response.status_code == 400
    assert "Give at least one volume" in html_of(response)
    response = client.post(
        url("rfp_part_new", draft.pk, "lot"),
        {
            "version": draft.version,
            "name": "Chat",
            "contract_term_months": "12",
            "sla_type": "customer",
            "seats": "-4",
        },
    )
    html = html_of(response)
    assert response.status_code == 400 and "Volumes cannot be negative." in html
    assert 'value="-4"' in html
    assert Lot.objects.filter(rfp=draft).count() == count


def test_pricing_line_form_refuses_a_volume_the_lot_lacks(draft, procurement_manager):
    lot = draft.lots.get()
    response = logged_in(procurement_manager).post(
        url("rfp_part_new", draft.pk, "pricing-line"),
        {
            "version": draft.version,
            "lot": lot.pk,
            "charge_type": "per_device",
            "recurrence": "monthly",
            "volume_basis": "devices",
            "fixed_quantity": "1",
        },
    )
    assert response.status_code == 400
    assert "has no devices" in html_of(response)


def test_parts_are_added_changed_and_removed_from_pages(draft, procurement_manager):
    client = logged_in(procurement_manager)
    section = draft.sections.first()
    response = client.post(
        url("rfp_part_new", draft.pk, "question"),
        {
            "version": draft.version,
            "section": section.pk,
            "text": "Which CRM?",
            "kind": "single_choice",
            "choices": "Salesforce\nZendesk",
            "mandatory": "on",
        },
    )
    assert response.status_code == 302
    question = section.questions.get(text="Which CRM?")
    edit = html_of(client.get(url("rfp_part_edit", draft.pk, "question", question.pk)))
    assert "Salesforce\nZendesk" in edit
    response = client.post(
        url("rfp_part_delete", draft.pk, "question", question.pk),
        {"version": reload(draft).version},
    )
    assert response.status_code == 302 and not section.questions.filter(text="Which CRM?").exists()


# --- Permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["evaluator", "viewer"])
def test_evaluators_and_viewers_read_but_cannot_edit(role, draft, request):
    client = logged_in(request.getfixturevalue(role))
    html = html_of(client.get(url("rfp_detail", draft.pk)))
    assert draft.title in html and "Check and submit" not in html
    assert client.get(url("rfp_edit", draft.pk, "details")).status_code == 403
    assert client.post(url("rfp_edit", draft.pk, "details"), details_data(draft)).status_code == 403
    assert client.get(url("rfp_part_new", draft.pk, "lot")).status_code == 403
    assert client.post(
        url("rfp_transition", draft.pk, "submit"), {"version": draft.version}
    ).status_code in (302, 403)
    assert reload(draft).status == RFPStatus.DRAFT
    assert client.get(url("rfp_cancel", draft.pk)).status_code == 403


@pytest.mark.parametrize("role", ["vendor_a", "evaluator", "viewer"])
def test_moving_an_rfp_is_refused_with_403_to_who_may_not_edit_it(role, published, request):
    client = logged_in(request.getfixturevalue(role))
    response = client.post(
        url("rfp_transition", published.pk, "start_evaluation"), {"version": published.version}
    )
    assert response.status_code == 403
    assert reload(published).status == RFPStatus.PUBLISHED


@pytest.mark.parametrize("role", ["other_buyer", "vendor_a", "vendor_b"])
def test_outsiders_get_404_on_drafts(role, draft, request):
    client = logged_in(request.getfixturevalue(role))
    for name in ("rfp_detail", "rfp_check", "rfp_preview", "rfp_timeline", "rfp_questions"):
        assert client.get(url(name, draft.pk)).status_code == 404, name
    assert client.get(url("rfp_edit", draft.pk, "details")).status_code == 404


def test_vendor_detail_hides_budget_and_other_invitees(published, vendor_a, vendor_b):
    html = html_of(logged_in(vendor_a).get(url("rfp_detail", published.pk)))
    assert published.title in html and "We intend to bid" in html
    assert company_of(vendor_b).display_name not in html
    assert vendor_b.email not in html
    for text in BUDGET_TEXTS:
        assert text not in html
    assert "Internal budget" not in html
    # The buyer sees both.
    buyer_html = html_of(logged_in(published.created_by).get(url("rfp_detail", published.pk)))
    assert company_of(vendor_b).display_name in buyer_html and "$987,654.32" in buyer_html


def test_the_preview_is_the_vendor_view_without_secrets(published, procurement_manager, vendor_a):
    html = html_of(logged_in(procurement_manager).get(url("rfp_preview", published.pk)))
    assert "exactly what an invited vendor sees" in html
    assert "Voice, chat and e-mail support" in html and "Knock-out" in html
    for text in BUDGET_TEXTS:
        assert text not in html
    assert company_of(vendor_a).display_name not in html
    assert logged_in(vendor_a).get(url("rfp_preview", published.pk)).status_code == 404


# --- Vendor actions -------------------------------------------------------------------------------


def test_vendor_responds_from_the_page(published, vendor_a, vendor_b):
    response = logged_in(vendor_a).post(url("rfp_respond", published.pk), {"response": "intend"})
    assert response.status_code == 302
    assert RFPInvitation.objects.get(rfp=published, company=company_of(vendor_a)).status == (
        "intends_to_bid"
    )
    client = logged_in(vendor_b)
    response = client.post(url("rfp_respond", published.pk), {"response": "decline", "reason": ""})
    assert response.status_code == 400 and "Tell the buyer why" in html_of(response)
    client.post(url("rfp_respond", published.pk), {"response": "decline", "reason": "Busy"})
    assert RFPInvitation.objects.get(rfp=published, company=company_of(vendor_b)).status == (
        "declined"
    )


def test_addendum_shown_and_acknowledged_on_the_vendor_page(
    published, procurement_manager, vendor_a
):
    services.rfp_update(
        actor=procurement_manager,
        rfp=published,
        version=published.version,
        summary="New summary",
        addendum_summary="We clarified the summary.",
    )
    client = logged_in(vendor_a)
    html = html_of(client.get(url("rfp_detail", published.pk)))
    assert "The buyer changed the RFP" in html and "We clarified the summary." in html
    client.post(url("rfp_addendum_acknowledge", published.pk, 1))
    assert AddendumAcknowledgement.objects.filter(addendum__rfp=published).count() == 1
    assert "The buyer changed the RFP" not in html_of(client.get(url("rfp_detail", published.pk)))
    buyer = html_of(logged_in(procurement_manager).get(url("rfp_detail", published.pk)))
    assert "acknowledged by 1 vendor" in buyer
    assert Addendum.objects.get(rfp=published).number == 1


def test_qa_pages_keep_the_asker_anonymous(published, vendor_a, vendor_b, procurement_manager):
    client_a = logged_in(vendor_a)
    response = client_a.post(
        url("rfp_questions", published.pk), {"text": "Secret from Manila: night shifts?"}
    )
    assert response.status_code == 302
    question = published.clarifications.get()
    buyer = logged_in(procurement_manager)
    html = html_of(buyer.get(url("rfp_questions", published.pk)))
    assert company_of(vendor_a).display_name in html  # the buyer knows who asked
    buyer.post(
        url("rfp_question_answer", published.pk, question.pk),
        {"answer": "Yes.", "publish": "1", "public_question": "Are night shifts fine?"},
    )
    html_b = html_of(logged_in(vendor_b).get(url("rfp_questions", published.pk)))
    assert "Are night shifts fine?" in html_b and "Yes." in html_b
    assert "Manila" not in html_b and company_of(vendor_a).display_name not in html_b
    assert "Secret from Manila" in html_of(client_a.get(url("rfp_questions", published.pk)))


def test_attachments_are_private_to_those_who_see_the_rfp(published, procurement_manager, vendor_a):
    upload = SimpleUploadedFile("process-map.pdf", PDF, content_type="application/pdf")
    response = logged_in(procurement_manager).post(
        url("rfp_attachment_add", published.pk),
        {"version": published.version, "file": upload, "addendum_summary": "Process map added."},
    )
    assert response.status_code == 302
    attachment = published.attachments.get()
    download = logged_in(vendor_a).get(url("rfp_attachment_download", published.pk, attachment.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    outsider = make_vendor("owner@c.example", "Cairo Contact", "EG")
    assert (
        logged_in(outsider)
        .get(url("rfp_attachment_download", published.pk, attachment.pk))
        .status_code
        == 404
    )
    assert Addendum.objects.get(rfp=published).changes == ["Document added: process-map.pdf"]


def test_cancel_page(published, procurement_manager):
    client = logged_in(procurement_manager)
    assert "will be e-mailed your reason" in html_of(client.get(url("rfp_cancel", published.pk)))
    response = client.post(
        url("rfp_cancel", published.pk), {"version": published.version, "reason": ""}
    )
    assert response.status_code == 400 and "Give the reason" in html_of(response)
    client.post(url("rfp_cancel", published.pk), {"version": published.version, "reason": "No"})
    assert reload(published).status == RFPStatus.CANCELLED


def test_vendor_picker_search_with_htmx(draft, procurement_manager, buyer_admin, vendor_b):
    qualification_update(actor=buyer_admin, company=company_of(vendor_b), status="qualified")
    client = logged_in(procurement_manager)
    html = html_of(
        client.get(url("rfp_vendor_search", draft.pk), {"q": "Bangalore"}, HTTP_HX_REQUEST="true")
    )
    assert 'id="vendor-picker"' in html and "Bangalore Process Ltd" in html
    html = html_of(client.get(url("rfp_vendor_search", draft.pk), {"q": "zzz"}))
    assert "No vendor matches" in html


# --- Query counts ---------------------------------------------------------------------------------


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def add_rows(rfp, actor, count):
    """Lots (each with a pricing line), questions and invitations: `count` of each."""
    rfp = reload(rfp)
    section = rfp.sections.first()
    existing = rfp.lots.count()
    for i in range(existing, count):
        rfp = reload(rfp)
        lot = services.lot_create(
            actor=actor,
            rfp=rfp,
            version=rfp.version,
            name=f"Lot {i}",
            fte_count=10,
            contract_term_months=12,
            addendum_summary="+",
        )
        services.pricing_line_create(
            actor=actor,
            rfp=rfp,
            lot=lot,
            version=rfp.version + 1,
            charge_type="per_fte",
            addendum_summary="+",
        )
    for i in range(section.questions.count(), count):
        rfp = reload(rfp)
        services.question_create(
            actor=actor,
            rfp=rfp,
            section=section,
            version=rfp.version,
            text=f"Q{i}",
            addendum_summary="+",
        )
    for i in range(rfp.invitations.count(), count):
        services.rfp_invitation_create(actor=actor, rfp=rfp, email=f"v{i}@vendors.example")
    return reload(rfp)


def test_list_page_and_api_query_counts_are_constant(
    procurement_manager, buyer_admin, vendor_a, django_assert_num_queries
):
    """The RFP list, as a page and through the API, as a buyer and as a vendor: the
    same queries at 2 and at 50 RFPs (the 50 built once for the four)."""
    readers = {
        ("page", "procurement_manager"): logged_in(procurement_manager),
        ("page", "vendor_a"): logged_in(vendor_a),
        ("api", "procurement_manager"): token_client(procurement_manager),
        ("api", "vendor_a"): token_client(vendor_a),
    }
    paths = {"page": url("rfp_list"), "api": "/api/v1/rfps/"}
    for i in range(2):
        publish(
            make_ready_rfp(procurement_manager, title=f"R{i}", invite=(company_of(vendor_a),)),
            buyer_admin,
        )
    expected = {key: queries_for(client, paths[key[0]]) for key, client in readers.items()}
    for i in range(2, 50):
        publish(
            make_ready_rfp(procurement_manager, title=f"R{i}", invite=(company_of(vendor_a),)),
            buyer_admin,
        )
    for key, client in readers.items():
        with django_assert_num_queries(expected[key]):
            if key[0] == "page":
                response = client.get(paths["page"], {"page": 2})
            else:
                response = client.get(paths["api"] + "?page_size=100")
        assert response.status_code == 200, key
        if key[0] == "page":
            assert len(response.context["page"].object_list) == 25, key
        else:
            assert len(response.json()["results"]) == 50, key


def test_detail_page_and_api_query_counts_are_constant(
    procurement_manager, buyer_admin, vendor_a, django_assert_num_queries
):
    """An RFP's page and its API detail, as a buyer and as a vendor: the same queries
    with 2 and with 50 lots, questions and invitations (built once for the four)."""
    rfp = make_ready_rfp(procurement_manager, invite=(company_of(vendor_a),))
    rfp = add_rows(rfp, procurement_manager, 2)
    rfp = publish(rfp, buyer_admin)
    readers = {
        ("page", "procurement_manager"): logged_in(procurement_manager),
        ("page", "vendor_a"): logged_in(vendor_a),
        ("api", "procurement_manager"): token_client(procurement_manager),
        ("api", "vendor_a"): token_client(vendor_a),
    }
    paths = {"page": url("rfp_detail", rfp.pk), "api": f"/api/v1/rfps/{rfp.pk}/"}
    expected = {key: queries_for(client, paths[key[0]]) for key, client in readers.items()}
    rfp = add_rows(rfp, procurement_manager, 50)
    for (door, who), client in readers.items():
        with django_assert_num_queries(expected[(door, who)]):
            response = client.get(paths[door])
        if door == "api":
            assert len(response.json()["lots"]) == 50, who
            continue
        html = html_of(response)
        assert "Lot 49" in html or who == "procurement_manager"
        invited = len(re.findall(r"v\d+@vendors.example", html))
        assert invited == (50 - 1 if who != "vendor_a" else 0), who


def test_editor_and_check_pages_query_count_is_constant(
    procurement_manager, vendor_a, django_assert_num_queries
):
    rfp = add_rows(
        make_ready_rfp(procurement_manager, invite=(company_of(vendor_a),)), procurement_manager, 2
    )
    client = logged_in(procurement_manager)
    paths = [url("rfp_check", rfp.pk)] + [
        url("rfp_edit", rfp.pk, step)
        for step in ("lots", "questionnaire", "pricing", "slas", "vendors")
    ]
    expected = {path: queries_for(client, path) for path in paths}
    add_rows(rfp, procurement_manager, 50)
    for path in paths:
        with django_assert_num_queries(expected[path]):
            client.get(path)
