"""The report jobs: request, build, reuse, out of date, download, permissions, API."""

from __future__ import annotations

import io
import zoneinfo
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone as tz
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import AuditEvent
from accounts.services import membership_change_role
from bpo_portal.errors import ConflictError, NotFoundError, PermissionDeniedError
from jobs.models import JobState
from jobs.services import job_run
from proposals.models import ProposalVersion
from proposals.services import proposal_compliance_override
from reports import selectors, services
from reports.audit import audit_trail
from reports.models import Report
from rfp.models import RFP
from scoring import services as scoring_services
from scoring.models import Criterion, Source
from scoring.results import evaluation_results
from tests.accounts.test_api import assert_error_shape
from tests.conftest import api_as
from tests.scoring import factories as f
from vendors.models import VendorCompany

pytestmark = pytest.mark.django_db


def make(pm, rfp, kind="pdf", capture=None, lot_id=None):
    with capture(execute=True):
        report = services.report_request(actor=pm, rfp=rfp, kind=kind, lot_id=lot_id)
    report.refresh_from_db()
    report.job.refresh_from_db()
    return report


def pdf_text(report) -> str:
    report.job.result_file.open("rb")
    data = report.job.result_file.read()
    report.job.result_file.close()
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_report_is_built_by_the_job_and_ranks_in_order(
    scored, procurement_manager, django_capture_on_commit_callbacks, mailoutbox
):
    rfp = scored.rfp
    report = make(procurement_manager, rfp, capture=django_capture_on_commit_callbacks)
    assert report.job.state == JobState.DONE, report.job.error
    assert report.job.result_filename.endswith(".pdf")
    text = pdf_text(report)
    results = evaluation_results(rfp=rfp, user=procurement_manager)
    ranking = [p.vendor for p in results.lots[0].ranking]
    assert len(ranking) == 2
    # The ranking table lists the vendors in rank order.
    ranking_page = text[text.index("Ranking\n") :]
    assert ranking_page.index(ranking[0]) < ranking_page.index(ranking[1])
    for heading in (
        "Executive summary",
        "Cost",
        "Location",
        "Service levels",
        "Compliance and knock-outs",
        "Evaluator consensus",
        "Sensitivity",
        "Appendix A — Methodology",
        "Appendix B — Audit trail",
    ):
        assert heading in text, heading
    assert "DRAFT" in text  # the award is not approved
    assert (
        f"Recommended vendor\n{ranking[0]}" in text
        or ranking[0] in text.split("Recommended vendor")[1][:200]
    )
    assert any("is ready" in m.subject for m in mailoutbox)


def test_unchanged_inputs_reuse_the_report_and_a_score_change_marks_it_out_of_date(
    scored, procurement_manager, django_capture_on_commit_callbacks
):
    rfp = scored.rfp
    first = make(procurement_manager, rfp, capture=django_capture_on_commit_callbacks)
    again = make(procurement_manager, rfp, capture=django_capture_on_commit_callbacks)
    assert again.pk == first.pk and Report.objects.count() == 1
    page = selectors.reports_for_rfp(user=procurement_manager, rfp=rfp)
    assert [row.out_of_date for row in page.rows] == [False]

    # The procurement manager sets a consensus score: the inputs change.
    leaf = Criterion.objects.filter(evaluation=scored, source=Source.EVALUATORS).first()
    proposal = rfp.proposals.filter(status="submitted").first()
    scoring_services.consensus_set(
        actor=procurement_manager,
        evaluation=scored,
        proposal=proposal,
        criterion=leaf,
        lot=rfp.lots.first(),
        score=2,
        justification="Agreed in the panel meeting: the references did not cover healthcare.",
    )
    page = selectors.reports_for_rfp(user=procurement_manager, rfp=rfp)
    assert [row.out_of_date for row in page.rows] == [True]
    second = make(procurement_manager, rfp, capture=django_capture_on_commit_callbacks)
    assert second.pk != first.pk
    page = selectors.reports_for_rfp(user=procurement_manager, rfp=rfp)
    assert [row.out_of_date for row in page.rows] == [False, True]


def test_excel_export_has_the_same_numbers(
    scored, procurement_manager, django_capture_on_commit_callbacks
):
    rfp = scored.rfp
    report = make(procurement_manager, rfp, kind="xlsx", capture=django_capture_on_commit_callbacks)
    assert report.job.state == JobState.DONE, report.job.error
    report.job.result_file.open("rb")
    workbook = load_workbook(io.BytesIO(report.job.result_file.read()))
    report.job.result_file.close()
    results = evaluation_results(rfp=rfp, user=procurement_manager)
    lot = results.lots[0]
    scores = next(ws for ws in workbook.worksheets if ws.title.startswith("Scores"))
    assert scores.freeze_panes == "C2"
    header = [cell.value for cell in scores[1]]
    vendors = [p.vendor for p in lot.ranking]
    assert header[2 : 2 + len(vendors)] == vendors
    total_row = next(row for row in scores.iter_rows() if row[0].value == "Total (points of 100)")
    assert [round(c.value, 6) for c in total_row[2 : 2 + len(vendors)]] == [
        round(p.total_points, 6) for p in lot.ranking
    ]
    assert total_row[2].number_format == "0.0"
    cost = workbook["Cost"]
    assert cost.freeze_panes == "A2"
    tco_rows = [
        row for row in cost.iter_rows(min_row=2) if str(row[2].value or "").startswith("Total cost")
    ]
    assert len(tco_rows) == len(vendors)
    by_vendor = {p.vendor: p.tco.total for p in lot.ranking}
    for row in tco_rows:
        vendor = row[2].value.removeprefix("Total cost of ownership, ")
        assert row[9].value == by_vendor[vendor]
        assert '"USD"' in row[9].number_format


def test_permissions(
    scored,
    procurement_manager,
    evaluator,
    viewer,
    other_buyer,
    vendor_a,
    django_capture_on_commit_callbacks,
):
    rfp = scored.rfp
    with pytest.raises(PermissionDeniedError):
        services.report_request(actor=evaluator, rfp=rfp, kind="pdf")
    with pytest.raises(PermissionDeniedError):
        services.report_request(actor=viewer, rfp=rfp, kind="pdf")
    with pytest.raises(PermissionDeniedError):
        services.report_request(actor=other_buyer, rfp=rfp, kind="pdf")
    report = make(procurement_manager, rfp, capture=django_capture_on_commit_callbacks)
    download = reverse("job_download", args=[report.job.pk])

    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert viewer_client.get(reverse("report_list", args=[rfp.pk])).status_code == 200
    response = viewer_client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="report.downloaded", actor=viewer).count() == 1

    for user in (evaluator, other_buyer, vendor_a):
        client = Client()
        client.force_login(user)
        assert client.get(download).status_code == 404, user
        assert client.get(reverse("report_list", args=[rfp.pk])).status_code in (403, 404), user
    assert Client().get(download).status_code == 302  # to the log-in page
    assert_error_shape(api_as(evaluator).get(f"/api/v1/jobs/{report.job.pk}/"), 404)


def test_nothing_to_report_before_the_proposals_open(published_rfp, procurement_manager):
    with pytest.raises((ConflictError, NotFoundError)) as exc:
        services.report_request(actor=procurement_manager, rfp=published_rfp, kind="pdf")
    assert "evaluation" in exc.value.message.lower() or "sealed" in exc.value.message.lower()
    assert not Report.objects.exists()


def test_a_requester_who_lost_access_gets_a_readable_failure(
    scored, procurement_manager, buyer_admin, django_capture_on_commit_callbacks
):
    rfp = scored.rfp
    report = services.report_request(actor=procurement_manager, rfp=rfp, kind="pdf")
    membership_change_role(
        actor=buyer_admin, membership=procurement_manager.buyer_membership, role="evaluator"
    )

    job_run(job_id=report.job_id)
    report.job.refresh_from_db()
    assert report.job.state == JobState.FAILED
    # The reason is the one the results page would give this person.
    assert "results are for admins, procurement managers and viewers" in report.job.error
    assert not report.job.result_file


def test_api_answers_202_with_the_job_then_lists_reports(
    scored, procurement_manager, django_capture_on_commit_callbacks
):
    rfp = scored.rfp
    client = api_as(procurement_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/rfps/{rfp.pk}/reports/", {"kind": "pdf"}, format="json")
    assert response.status_code == 202
    assert response["Location"].endswith(f"/api/v1/jobs/{response.json()['id']}/")
    job = client.get(response["Location"]).json()
    assert job["state"] == "done" and job["download_url"]
    listed = client.get(f"/api/v1/rfps/{rfp.pk}/reports/").json()
    assert listed[0]["kind"] == "pdf" and listed[0]["out_of_date"] is False
    body = assert_error_shape(
        client.post(f"/api/v1/rfps/{rfp.pk}/reports/", {"kind": "docx"}, format="json"), 400
    )
    assert "kind" in body["extra"]["fields"]


def test_reports_page_shows_progress_and_generate_button(scored, procurement_manager, viewer):
    client = Client()
    client.force_login(procurement_manager)
    page = client.get(reverse("report_list", args=[scored.rfp.pk])).content.decode()
    assert "Generate report" in page
    response = client.post(
        reverse("report_list", args=[scored.rfp.pk]), {"kind": "pdf"}, follow=True
    )
    html = response.content.decode()
    assert "being prepared" in html
    assert "hx-get" in html  # the job's status is polled while it runs
    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert (
        "Generate report"
        not in viewer_client.get(reverse("report_list", args=[scored.rfp.pk])).content.decode()
    )


def test_the_executive_summary_recommends_an_awardable_vendor_and_names_the_excluded(
    scored, procurement_manager, django_capture_on_commit_callbacks
):
    """The highest scorer is ruled non-compliant: the report recommends the best
    awardable vendor and says, in the executive summary, who was excluded and why."""
    rfp = scored.rfp
    before = evaluation_results(rfp=rfp, user=procurement_manager).lots[0]
    first, second = before.ranking[0], before.ranking[1]
    proposal_compliance_override(
        actor=procurement_manager,
        proposal=rfp.proposals.get(pk=first.proposal_id),
        status="non_compliant",
        justification="Its data-processing agreement was not signed.",
    )
    report = make(procurement_manager, rfp, capture=django_capture_on_commit_callbacks)
    text = pdf_text(report)
    summary = text[text.index("Recommended vendor") : text.index("Ranking\n")]
    assert second.vendor in summary.split("Why")[0]
    assert first.vendor not in summary.split("Why")[0]
    assert (
        f"{first.vendor}: Excluded (non-compliant): ruled non-compliant by the buyer: "
        "Its data-processing agreement was not signed." in " ".join(summary.split())
    )


def test_the_report_stands_on_its_own(
    scored, procurement_manager, buyer_admin, django_capture_on_commit_callbacks
):
    """Executive summary: the why on every main criterion against the runner-up, the
    budget against the bids, a sign-off block; the audit trail once per event, with the
    submissions, the evaluators' submissions and the report itself, in the buyer's zone."""
    RFP.objects.filter(pk=scored.rfp_id).update(budget=Decimal("1800000"))
    organization = scored.rfp.organization
    organization.time_zone = "Asia/Tokyo"
    organization.save()
    rfp = RFP.objects.get(pk=scored.rfp_id)
    make(procurement_manager, rfp, kind="xlsx", capture=django_capture_on_commit_callbacks)
    report = make(procurement_manager, rfp, capture=django_capture_on_commit_callbacks)
    text = " ".join(pdf_text(report).split())
    lot = evaluation_results(rfp=rfp, user=procurement_manager).lots[0]
    winner, runner_up = lot.ranking[0], lot.ranking[1]
    summary = text[text.index("Recommended vendor") : text.index("Sign-off")]
    assert f"Why, criterion by criterion, against {runner_up.vendor}" in summary
    for name in ("Cost", "Quality", "Technology", "Location"):
        assert f"{name} (" in summary and "weighted points" in summary
    assert "The internal budget is $1,800,000.00. The recommended bids total" in text
    assert "% over the budget" in text
    sign_off = text[text.index("Sign-off") :]
    assert "Prepared by Paul" in sign_off or f"Prepared by {procurement_manager}" in sign_off
    assert "Reviewed by" in sign_off and "Approved by" in sign_off
    trail = text[text.index("Appendix B — Audit trail") :]
    assert "times in Asia/Tokyo, the buyer's time zone" in trail

    version = ProposalVersion.objects.filter(proposal__rfp=rfp).earliest("submitted_at")
    tokyo = tz.localtime(version.submitted_at, __import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert tokyo.strftime("%-d %b %Y, %H:%M") in trail  # shown in Tokyo time, not UTC
    for vendor in (winner.vendor, runner_up.vendor):
        assert f"Proposal submitted: {vendor}, version 1" in trail
    assert trail.count("Evaluator's scores submitted") == 2
    assert trail.count("Technical envelope opened") <= 1
    assert "Report made: Excel export" in trail  # the export made before this report
    assert "DRAFT" in text or "Draft" in text


def test_the_audit_trail_is_in_the_buyers_time_zone_without_duplicates(scored):
    rows, zone = audit_trail(scored.rfp)
    assert zone == str(scored.rfp.organization.time_zone)
    assert all(row.at.tzinfo == zoneinfo.ZoneInfo(zone) for row in rows)
    assert [row.at for row in rows] == sorted(row.at for row in rows)
    keys = [(row.at, row.title, row.comment) for row in rows]
    assert len(keys) == len(set(keys))


def test_a_provisional_report_is_watermarked(
    started, procurement_manager, evaluator, evaluator2, django_capture_on_commit_callbacks
):
    f.declare_none(evaluator2, started)
    f.score_all(evaluator2, started)  # evaluator 1 has not scored yet
    report = make(procurement_manager, started.rfp, capture=django_capture_on_commit_callbacks)
    text = pdf_text(report)
    assert "PROVISIONAL" in text
    assert "Provisional: 10 items unscored." in " ".join(text.split())


def test_excel_summary_has_the_recommendation_and_the_audit_trail_and_no_formula(
    scored, procurement_manager, django_capture_on_commit_callbacks
):
    proposal = scored.rfp.proposals.get(company__legal_name="Manila Contact Co")
    # A hostile name renamed after submission changes nothing; one submitted as such
    # must be text in the export, never a formula.
    VendorCompany.objects.filter(pk=proposal.company_id).update(trading_name="=HYPERLINK(1)")
    report = make(
        procurement_manager, scored.rfp, kind="xlsx", capture=django_capture_on_commit_callbacks
    )
    report.job.result_file.open("rb")
    book = load_workbook(report.job.result_file)
    report.job.result_file.close()
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows()}
    assert summary["Recommended vendor"].endswith("points")
    assert summary["Why"].startswith(summary["Recommended vendor"].split(",")[0] + " leads ")
    assert summary["Budget"]
    assert summary["Status"] == "Complete: every assigned item is scored"
    trail = book["Audit trail"]
    titles = [row[1].value for row in trail.iter_rows(min_row=2)]
    assert any(title.startswith("Proposal submitted: Manila Contact Co") for title in titles)
    assert all(
        cell.data_type != "f"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
    )


def test_a_downloaded_report_has_a_content_type_the_schema_documents(
    scored, procurement_manager, django_capture_on_commit_callbacks
):
    """Issue 15, finding 9: the schema said application/octet-stream; it names what a
    job's download really is, and each kind of report is one of them."""
    client = api_as(procurement_manager)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    documented = set(
        schema["paths"]["/api/v1/jobs/{id}/download/"]["get"]["responses"]["200"]["content"]
    )
    assert "application/octet-stream" not in documented
    for kind in ("pdf", "xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(
                f"/api/v1/rfps/{scored.rfp.pk}/reports/", {"kind": kind}, format="json"
            )
        download = client.get(client.get(started["Location"]).json()["download_url"])
        assert download.status_code == 200, kind
        assert download["Content-Type"] in documented, (kind, download["Content-Type"])
