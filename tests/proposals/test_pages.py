"""The browser door: plain forms and htmx autosave, the error summary with the
user's input kept, conflicts, uploads, check your answers, the receipt, the
read-only pages after the deadline, and the partials other pages include."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from proposals import presenters, selectors, services
from proposals.models import PriceEntry, Proposal, ProposalAnswer, ProposalLot
from rfp import services as rfp_services
from rfp.models import RFP, QuestionKind
from tests.proposals.factories import fill, pass_deadline, submit
from tests.vendors.factories import PDF, PNG

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(rfp, vendor_a):
    return services.proposal_start(actor=vendor_a, rfp=rfp)


def _pricing(draft):
    part = ProposalLot.objects.select_related("lot").get(proposal=draft)
    lines = list(part.lot.pricing_lines.all())
    return reverse("proposal_lot_pricing", args=[draft.pk, part.lot_id]), lines


def test_start_from_the_rfp_and_land_on_the_task_list(client, rfp, vendor_b):
    client.force_login(vendor_b)
    response = client.post(reverse("proposal_start", args=[rfp.pk]))
    proposal = Proposal.objects.get(rfp=rfp)
    assert response["Location"] == reverse("proposal_detail", args=[proposal.pk])
    page = client.get(response["Location"]).content.decode()
    for label in (
        "Questionnaire",
        "Pricing",
        "Service levels",
        "Delivery centres",
        "Staffing and transition plan",
        "Attachments",
        "Not started",
    ):
        assert label in page


def test_autosave_answers_saved_at_and_the_new_version(client, draft, vendor_a):
    client.force_login(vendor_a)
    url, lines = _pricing(draft)
    response = client.post(url, {"version": 1, f"prices_{lines[0].pk}": "250"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved at" in body
    assert 'name="version" value="2"' in body and 'hx-swap-oob="true"' in body
    assert 'id="running-total"' in body  # the TCO panel is refreshed too
    assert PriceEntry.objects.get(pricing_line=lines[0]).unit_price == 250


def test_autosave_with_a_bad_value_says_what_to_fix(client, draft, vendor_a):
    client.force_login(vendor_a)
    url, lines = _pricing(draft)
    response = client.post(url, {"version": 1, f"prices_{lines[0].pk}": "-3"}, **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Not saved yet" in body and "A price cannot be negative." in body
    assert f'href="#id_prices_{lines[0].pk}"' in body


def test_plain_post_keeps_the_input_and_shows_the_error_summary(client, draft, vendor_a):
    client.force_login(vendor_a)
    url, lines = _pricing(draft)
    response = client.post(
        url, {"version": 1, f"prices_{lines[0].pk}": "12.345", f"prices_{lines[1].pk}": "80"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "USD has 2 decimal places" in body
    assert 'value="12.345"' in body and 'value="80"' in body  # nothing typed is lost
    assert not PriceEntry.objects.exists()  # and nothing half-saved
    ok = client.post(url, {"version": 1, f"prices_{lines[0].pk}": "12.34"})
    assert ok.status_code == 302 and ok["Location"] == reverse("proposal_detail", args=[draft.pk])


def test_two_colleagues_on_the_same_page(client, draft, vendor_a):
    client.force_login(vendor_a)
    url, lines = _pricing(draft)
    assert client.post(url, {"version": 1, f"prices_{lines[0].pk}": "100"}).status_code == 302
    stale = client.post(url, {"version": 1, f"prices_{lines[0].pk}": "95"})
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "someone else changed this page" in body and 'value="95"' in body
    stale_htmx = client.post(url, {"version": 1, f"prices_{lines[0].pk}": "95"}, **HTMX)
    assert stale_htmx.status_code == 409
    assert "a colleague changed this page" in stale_htmx.content.decode()
    assert PriceEntry.objects.get(pricing_line=lines[0]).unit_price == 100


def test_shares_that_do_not_add_up_are_explained(client, draft, vendor_a):
    client.force_login(vendor_a)
    centre = vendor_a.vendor_membership.company.delivery_centres.first()
    url = reverse("proposal_lot_centres", args=[draft.pk, draft.lots.get().lot_id])
    response = client.post(url, {"version": 1, f"centres_{centre.pk}": "120"})
    assert response.status_code == 400
    assert "A share is a percentage between 0 and 100." in response.content.decode()


def test_a_file_question_is_answered_by_uploading(client, rfp, vendor_a, procurement_manager):
    rfp = RFP.objects.get(pk=rfp.pk)
    question = rfp_services.question_create(
        actor=procurement_manager,
        rfp=rfp,
        section=rfp.sections.first(),
        version=rfp.version,
        addendum_summary="We added a question: your organisation chart.",
        text="Upload your organisation chart.",
        kind=QuestionKind.FILE,
        mandatory=True,
    )
    proposal = services.proposal_start(actor=vendor_a, rfp=rfp)
    client.force_login(vendor_a)
    url = reverse("proposal_questionnaire", args=[proposal.pk])
    page = client.get(url).content.decode()
    assert "Upload your organisation chart." in page and 'enctype="multipart/form-data"' in page
    wrong = client.post(
        url,
        {"version": 1, f"answers_{question.pk}": SimpleUploadedFile("chart.pdf", PNG)},
    )
    assert wrong.status_code == 400 and "its content is a PNG file" in wrong.content.decode()
    response = client.post(
        url,
        {"version": 1, f"answers_{question.pk}": SimpleUploadedFile("chart.pdf", PDF)},
        **HTMX,
    )
    assert response.status_code == 200
    assert f'id="file-answer-{question.pk}"' in response.content.decode()
    answer = ProposalAnswer.objects.get(proposal=proposal, question=question)
    attachment = proposal.attachments.get()
    assert answer.value == attachment.pk and attachment.question_id == question.pk
    # The same file sent again by the next autosave is not stored twice.
    client.post(
        url,
        {"version": 2, f"answers_{question.pk}": SimpleUploadedFile("chart.pdf", PDF)},
        **HTMX,
    )
    assert proposal.attachments.filter(removed_at__isnull=True).count() == 1
    download = client.get(
        reverse("proposal_attachment_download", args=[proposal.pk, attachment.pk])
    )
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"


def test_attachments_page_upload_and_remove(client, draft, vendor_a, settings):
    client.force_login(vendor_a)
    url = reverse("proposal_attachments", args=[draft.pk])
    settings.MAX_UPLOAD_SIZE = 50
    big = client.post(url, {"file": SimpleUploadedFile("deck.pdf", PDF * 3), "description": "Deck"})
    assert big.status_code == 400 and "the limit is" in big.content.decode()
    settings.MAX_UPLOAD_SIZE = 20 * 1024 * 1024
    ok = client.post(url, {"file": SimpleUploadedFile("deck.pdf", PDF), "description": "Deck"})
    assert ok.status_code == 302
    attachment = draft.attachments.get()
    remove = client.post(reverse("proposal_attachment_remove", args=[draft.pk, attachment.pk]))
    assert remove.status_code == 302
    attachment.refresh_from_db()
    assert attachment.removed_at is not None  # kept for any version that refers to it


def test_check_your_answers_then_submit_then_the_receipt(client, rfp, vendor_a):
    proposal = fill(vendor_a, rfp)
    client.force_login(vendor_a)
    check = client.get(reverse("proposal_check", args=[proposal.pk]))
    assert check.status_code == 200
    body = check.content.decode()
    assert "Check your answers before submitting" in body and "Submit proposal" in body
    assert "Change" in body and "Total cost of ownership over 36 months" in body
    response = client.post(reverse("proposal_check", args=[proposal.pk]))
    assert response["Location"] == reverse("proposal_receipt", args=[proposal.pk, 1])
    receipt = client.get(response["Location"]).content.decode()
    version = proposal.versions.get()
    assert "Proposal submitted" in receipt and version.sha256 in receipt


def test_an_incomplete_proposal_lists_what_is_left(client, draft, vendor_a):
    client.force_login(vendor_a)
    page = client.get(reverse("proposal_check", args=[draft.pk])).content.decode()
    assert "What to finish first" in page and "disabled" in page
    assert "required questions are not answered yet" in page
    response = client.post(reverse("proposal_check", args=[draft.pk]))
    assert response.status_code == 400 and "Not submitted" in response.content.decode()


def test_a_late_submission_is_refused_with_the_reason(client, rfp, vendor_a):
    proposal = fill(vendor_a, rfp)
    with time_machine.travel(rfp.submission_deadline + dt.timedelta(seconds=1), tick=False):
        client.force_login(vendor_a)  # a session from two weeks ago would have expired
        response = client.post(reverse("proposal_check", args=[proposal.pk]))
        assert response.status_code == 409
        assert "deadline for proposals passed" in response.content.decode()
        page = client.get(reverse("proposal_questionnaire", args=[proposal.pk])).content.decode()
        assert "can no longer be changed" in page and "disabled" in page
        assert "hx-post" not in page
    assert not proposal.versions.exists()


def test_the_overview_after_submission(client, rfp, vendor_a):
    proposal = fill(vendor_a, rfp)
    version = submit(vendor_a, proposal)
    client.force_login(vendor_a)
    page = client.get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert version.sha256 in page and "Withdraw your proposal" in page


def test_the_addendum_after_submission_asks_to_confirm(client, rfp, vendor_a, procurement_manager):
    proposal = fill(vendor_a, rfp)
    submit(vendor_a, proposal)
    rfp = RFP.objects.get(pk=rfp.pk)
    rfp_services.rfp_update(
        actor=procurement_manager,
        rfp=rfp,
        version=rfp.version,
        summary="A new summary for everyone.",
        addendum_summary="We clarified the summary.",
    )
    client.force_login(vendor_a)
    page = client.get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert "The buyer changed the RFP after you submitted" in page
    assert "We clarified the summary." in page


def test_the_buyer_list_after_opening_shows_compliance_and_tco(
    client, rfp, vendor_a, procurement_manager
):
    submit(vendor_a, fill(vendor_a, rfp, price="100"))
    pass_deadline(rfp)
    client.force_login(procurement_manager)
    page = client.get(reverse("proposal_rfp_list", args=[rfp.pk])).content.decode()
    assert "Compliant" in page and "TCO" in page and "Check compliance again" in page
    response = client.post(reverse("proposal_rfp_compliance_check", args=[rfp.pk]))
    assert response.status_code == 302


def test_the_partials_other_pages_include(rfp, vendor_a, buyer_admin, client):
    proposal = fill(vendor_a, rfp)
    request = RequestFactory().get("/")
    request.user = vendor_a
    html = render_to_string(
        "proposals/partials/dashboard_vendor.html",
        {"proposals_dashboard": presenters.vendor_dashboard(vendor_a)},
        request=request,
    )
    assert rfp.title[:40] in html and "% complete" in html
    submit(vendor_a, proposal)
    html = render_to_string(
        "proposals/partials/dashboard_vendor.html",
        {"proposals_dashboard": presenters.vendor_dashboard(vendor_a)},
        request=request,
    )
    assert proposal.versions.get().sha256[:12] in html
    request.user = buyer_admin
    html = render_to_string(
        "proposals/partials/dashboard_buyer.html",
        {"proposals_dashboard": presenters.buyer_dashboard(buyer_admin)},
        request=request,
    )
    assert "1 proposal" in html and "sealed" in html
    card = render_to_string(
        "proposals/partials/rfp_buyer_card.html",
        {"rfp": rfp, "envelopes": selectors.envelope_state(rfp), "submitted": 1},
    )
    assert "See who submitted" in card

    template = Template("{% load proposal_tags %}{% vendor_proposal_card rfp %}")
    html = template.render(Context({"rfp": rfp, "user": vendor_a, "csrf_token": "t"}))
    assert "Review or change your proposal" in html
