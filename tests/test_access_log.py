"""Reads and private downloads are recorded (issue 12, item 6).

Reading one proposal (the buyer's proposal page, the API's proposal detail) and
downloading any private file (a proposal's attachment, certificate evidence, an RFP
document, a report, the audit log export) write an audit entry with the actor, the time
and what was read, from the page and from the API alike. Lists are not recorded. A
vendor's own files are recorded without the buyer's organization: the buyer's log must
not tell it what a vendor does with its working copy."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from jobs.models import JobState
from proposals import services as proposal_services
from proposals.models import Proposal, ProposalAttachment
from reports import services as report_services
from rfp import services as rfp_services
from rfp.models import RFP, RFPAttachment
from tests.conftest import api_as, token_client
from tests.proposals.factories import equip_vendor, fill, pass_deadline, submit
from tests.rfp.conftest import company_of, make_ready_rfp, publish, reload
from tests.scoring.conftest import (  # noqa: F401  (the fixtures `scored` is built from)
    before_publication,
    evaluation,
    evaluator2,
    opened,
    published_rfp,
    scored,
    started,
)
from tests.vendors.factories import pdf_upload
from vendors import services as vendor_services
from vendors.models import Certification

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def assert_recent(event: AuditEvent) -> None:
    assert timezone.now() - event.occurred_at < dt.timedelta(minutes=1)


@pytest.fixture
def world(buyer_admin, procurement_manager, vendor_a, vendor_b) -> dict[str, Any]:
    """An RFP with a document, published; vendor A submitted a proposal with an
    attachment; vendor A's ISO certificate has evidence; the deadline has passed."""
    equip_vendor(vendor_a)
    equip_vendor(vendor_b, country="IN")
    pm = procurement_manager
    rfp = make_ready_rfp(pm, invite=(company_of(vendor_a), company_of(vendor_b)))
    rfp_services.rfp_attachment_add(
        actor=pm, rfp=rfp, version=rfp.version, upload=pdf_upload("scope.pdf")
    )
    rfp = publish(rfp, buyer_admin)
    proposal = fill(vendor_a, rfp)
    attachment = proposal_services.proposal_attachment_add(
        actor=vendor_a, proposal=proposal, upload=pdf_upload("case-study.pdf")
    )
    submit(vendor_a, proposal)
    certification = Certification.objects.get(
        company=company_of(vendor_a), certification_type__slug="iso-iec-27001"
    )
    certification = vendor_services.certification_save(
        actor=vendor_a,
        company=company_of(vendor_a),
        certification=certification,
        evidence=pdf_upload("iso-27001.pdf"),
    )
    return {
        "rfp": reload(rfp),
        "proposal": Proposal.objects.get(pk=proposal.pk),
        "attachment": attachment,
        "certification": certification,
        "document": RFPAttachment.objects.get(rfp=rfp),
    }


# --- Reading a proposal -----------------------------------------------------------------------


def test_a_buyer_reading_a_proposal_is_recorded_from_the_page_and_the_api(
    world, buyer_admin, procurement_manager, buyer_org
):
    pass_deadline(world["rfp"])
    proposal = world["proposal"]
    page = logged_in(procurement_manager).get(reverse("proposal_detail", args=[proposal.pk]))
    assert page.status_code == 200
    api = token_client(buyer_admin).get(f"/api/v1/proposals/{proposal.pk}/")
    assert api.status_code == 200
    by_page, by_api = events("proposal.read")
    for event, reader in ((by_page, procurement_manager), (by_api, buyer_admin)):
        assert event.actor == reader and event.buyer_organization == buyer_org
        assert event.object_type == "proposals.Proposal" and event.object_id == str(proposal.pk)
        assert event.data == {
            "rfp_id": proposal.rfp_id,
            "company_id": proposal.company_id,
            "technical": True,
            "commercial": True,
        }
        assert f"read Manila Contact Co's proposal to {proposal.rfp.reference}" in event.summary
        assert_recent(event)


def test_a_sealed_proposal_opened_is_recorded_with_nothing_visible(world, buyer_admin):
    """Before the deadline the page shows only who submitted: the look is recorded,
    and the entry says no envelope was open."""
    proposal = world["proposal"]
    response = logged_in(buyer_admin).get(reverse("proposal_detail", args=[proposal.pk]))
    assert response.status_code == 200
    (event,) = events("proposal.read")
    assert event.data["technical"] is False and event.data["commercial"] is False


def test_lists_and_vendors_reading_their_own_are_not_recorded(world, buyer_admin, vendor_a):
    pass_deadline(world["rfp"])
    proposal, rfp = world["proposal"], world["rfp"]
    buyer = logged_in(buyer_admin)
    assert buyer.get(reverse("proposal_rfp_list", args=[rfp.pk])).status_code == 200
    assert buyer.get(reverse("proposal_rfp_answers", args=[rfp.pk])).status_code == 200
    assert api_as(buyer_admin).get("/api/v1/proposals/").status_code == 200
    own = logged_in(vendor_a).get(reverse("proposal_detail", args=[proposal.pk]))
    assert own.status_code == 200
    assert api_as(vendor_a).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 200
    assert events("proposal.read") == []


def test_a_refused_read_is_not_recorded(world, other_buyer, vendor_b):
    proposal = world["proposal"]
    url = reverse("proposal_detail", args=[proposal.pk])
    assert logged_in(other_buyer).get(url).status_code == 404
    assert api_as(vendor_b).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 404
    assert events("proposal.read") == []


# --- Proposal attachments ---------------------------------------------------------------------


def test_a_proposal_attachment_download_is_recorded_from_the_page_and_the_api(
    world, buyer_admin, procurement_manager, buyer_org
):
    pass_deadline(world["rfp"])
    proposal, attachment = world["proposal"], world["attachment"]
    page = logged_in(procurement_manager).get(
        reverse("proposal_attachment_download", args=[proposal.pk, attachment.pk])
    )
    assert page.status_code == 200 and body_of(page).startswith(b"%PDF")
    api = api_as(buyer_admin).get(f"/api/v1/proposals/{proposal.pk}/attachments/{attachment.pk}/")
    assert api.status_code == 200 and body_of(api).startswith(b"%PDF")
    by_page, by_api = events("proposal.attachment_downloaded")
    for event, reader in ((by_page, procurement_manager), (by_api, buyer_admin)):
        assert event.actor == reader and event.buyer_organization == buyer_org
        assert event.object_type == "proposals.ProposalAttachment"
        assert event.object_id == str(attachment.pk)
        assert event.data["file"] == "case-study.pdf"
        assert event.data["proposal_id"] == proposal.pk
        assert "downloaded “case-study.pdf” of Manila Contact Co's proposal" in event.summary
        assert_recent(event)


def test_a_vendor_fetching_its_own_file_is_recorded_outside_the_buyers_log(
    world, vendor_a, buyer_admin
):
    proposal, attachment = world["proposal"], world["attachment"]
    url = reverse("proposal_attachment_download", args=[proposal.pk, attachment.pk])
    assert logged_in(vendor_a).get(url).status_code == 200
    (event,) = events("proposal.attachment_downloaded")
    assert event.actor == vendor_a and event.buyer_organization is None
    admin = logged_in(buyer_admin)
    assert "case-study.pdf" not in admin.get(reverse("audit_log")).content.decode()


def test_a_refused_download_is_not_recorded(world, buyer_admin):
    """Sealed until the deadline: the buyer is refused, and nothing is recorded."""
    proposal, attachment = world["proposal"], world["attachment"]
    url = reverse("proposal_attachment_download", args=[proposal.pk, attachment.pk])
    assert logged_in(buyer_admin).get(url).status_code == 403
    api = api_as(buyer_admin).get(f"/api/v1/proposals/{proposal.pk}/attachments/{attachment.pk}/")
    assert api.status_code == 403
    assert events("proposal.attachment_downloaded") == []
    assert ProposalAttachment.objects.filter(pk=attachment.pk).exists()


# --- Certificate evidence and RFP documents (each has one door: the page; the API links to it) ----


def test_certificate_evidence_downloads_are_recorded(
    world, procurement_manager, vendor_a, vendor_b, buyer_org
):
    certification = world["certification"]
    url = reverse("vendor_certification_evidence", args=[certification.pk])
    response = api_as(procurement_manager).get(
        f"/api/v1/vendors/{certification.company_id}/certifications/{certification.pk}/"
    )
    assert response.json()["evidence_url"] == url
    assert logged_in(procurement_manager).get(url).status_code == 200
    assert logged_in(vendor_a).get(url).status_code == 200
    assert logged_in(vendor_b).get(url).status_code == 404  # not theirs: not even "exists"
    buyer, own = events("vendor.certification_evidence_downloaded")
    assert buyer.actor == procurement_manager and buyer.buyer_organization == buyer_org
    assert buyer.object_id == str(certification.pk) and buyer.data["file"] == "iso-27001.pdf"
    assert "evidence of Manila Contact Co" in buyer.summary
    assert own.actor == vendor_a and own.buyer_organization is None
    assert_recent(buyer)


def test_rfp_document_downloads_are_recorded(world, vendor_a, procurement_manager, buyer_org):
    rfp, document = world["rfp"], world["document"]
    response = api_as(vendor_a).get(f"/api/v1/rfps/{rfp.pk}/")
    url = reverse("rfp_attachment_download", args=[rfp.pk, document.pk])
    assert url in str(response.json())
    assert logged_in(vendor_a).get(url).status_code == 200
    assert logged_in(procurement_manager).get(url).status_code == 200
    by_vendor, by_buyer = events("rfp.attachment_downloaded")
    assert by_vendor.actor == vendor_a and by_buyer.actor == procurement_manager
    for event in (by_vendor, by_buyer):
        assert event.buyer_organization == buyer_org and event.data["file"] == "scope.pdf"
        assert f"downloaded “scope.pdf” of {rfp.reference}" in event.summary


# --- Reports and exports ----------------------------------------------------------------------


@pytest.fixture
def scored_rfp(request: pytest.FixtureRequest) -> RFP:
    """The RFP of the scoring tests' scored evaluation (fixtures imported above)."""
    return RFP.objects.get(pk=request.getfixturevalue("scored").rfp_id)


def test_report_downloads_are_recorded_from_the_page_and_the_api(
    scored_rfp, procurement_manager, buyer_admin, django_capture_on_commit_callbacks
):
    rfp = scored_rfp
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(actor=procurement_manager, rfp=rfp, kind="xlsx")
    report.job.refresh_from_db()
    assert report.job.state == JobState.DONE, report.job.error
    page = logged_in(procurement_manager).get(reverse("job_download", args=[report.job_id]))
    assert page.status_code == 200
    api = token_client(buyer_admin).get(f"/api/v1/jobs/{report.job_id}/download/")
    assert api.status_code == 200
    by_page, by_api = events("report.downloaded")
    assert by_page.actor == procurement_manager and by_api.actor == buyer_admin
    for event in (by_page, by_api):
        assert event.data == {"report_id": report.pk}
        assert rfp.reference in event.summary
        assert_recent(event)


def test_the_audit_log_export_is_recorded_and_lists_itself(buyer_admin, buyer_org):
    response = logged_in(buyer_admin).get(reverse("audit_log_export"))
    assert response.status_code == 200
    (event,) = events("organization.audit_log_exported")
    assert event.actor == buyer_admin and event.buyer_organization == buyer_org
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["actor"] for row in rows if row["action"] == event.action] == [buyer_admin.email]


def test_an_evaluator_opening_a_proposal_to_score_it_is_recorded(request, evaluator):
    """The scoring page shows the technical proposal: the read is recorded, technical only.
    Saving scores (a POST) is not a second read."""
    finished = request.getfixturevalue("scored")
    proposal = Proposal.objects.filter(rfp_id=finished.rfp_id).order_by("id").first()
    client = logged_in(evaluator)
    url = reverse("scoring_score_vendor", args=[finished.rfp_id, proposal.pk])
    assert client.get(url).status_code == 200
    (event,) = [e for e in events("proposal.read") if e.actor_id == evaluator.pk]
    assert_recent(event)
    assert event.object_id == str(proposal.pk)
    assert (event.data["technical"], event.data["commercial"]) == (True, False)
    client.post(url, {})
    assert len([e for e in events("proposal.read") if e.actor_id == evaluator.pk]) == 1
