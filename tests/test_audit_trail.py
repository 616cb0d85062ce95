"""A whole sourcing event, run through the real services, leaves an audit trail that the
buyer's admin can browse (/organization/audit/) and export as CSV: every state change,
every submitted or consensus score, the award and every report download."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from proposals.models import Proposal
from reports import services as report_services
from scoring import award as award_services
from scoring import services as scoring_services
from tests.scoring import factories as f
from tests.scoring.conftest import PRICES_LOW, evaluator2  # noqa: F401

pytestmark = pytest.mark.django_db

JUSTIFICATION = (
    "Lowest total cost of ownership with SLA commitments close to target; the panel "
    "found its references relevant."
)


def audit_pages(client: Client) -> str:
    """Every page of the audit log, as the admin browses it."""
    html, page = "", 1
    while True:
        response = client.get(reverse("audit_log"), {"page": page})
        assert response.status_code == 200
        html += response.content.decode()
        if f"page={page + 1}" not in response.content.decode():
            return html
        page += 1


def test_a_sourcing_event_is_audited_step_by_step_for_the_admin(
    buyer_org,
    buyer_admin,
    procurement_manager,
    evaluator,
    evaluator2,  # noqa: F811
    vendor_a,
    vendor_b,
    other_buyer,
    django_capture_on_commit_callbacks,
):
    # The RFP is drafted from the starter and published; two vendors bid; the deadline passes.
    rfp = f.make_rfp(procurement_manager, buyer_admin, [vendor_a, vendor_b])
    f.submit(vendor_a, rfp, f.Bid())
    f.submit(vendor_b, rfp, f.Bid(prices=PRICES_LOW))
    rfp = f.pass_deadline(rfp)

    # The panel scores; the procurement manager settles one item by consensus.
    evaluation = scoring_services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    f.setup_panel(procurement_manager, evaluation, [evaluator, evaluator2])
    evaluation = f.start(procurement_manager, f.fresh(evaluation))
    for person in (evaluator, evaluator2):
        f.declare_none(person, evaluation)
        f.score_all(person, evaluation)
    evaluation = f.fresh(evaluation)
    bangalore = Proposal.objects.get(rfp=rfp, company=vendor_b.vendor_membership.company)
    lot = rfp.lots.get()
    scoring_services.consensus_set(
        actor=procurement_manager,
        evaluation=evaluation,
        criterion=f.leaf(evaluation, "Security"),
        proposal=bangalore,
        lot=lot,
        score="8",
        justification="The panel agreed after the site visit.",
    )

    # The award is proposed and approved; the report is made and downloaded.
    award = award_services.award_propose(
        actor=procurement_manager,
        evaluation=f.fresh(evaluation),
        lot=lot,
        winners=[bangalore],
        justification=JUSTIFICATION,
    )
    award_services.award_approve(actor=buyer_admin, award=award, comment="Agreed.")
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(actor=procurement_manager, rfp=rfp, kind="xlsx")
    report.job.refresh_from_db()
    assert report.job.state == "done", report.job.error
    admin = Client()
    admin.force_login(buyer_admin)
    download = admin.get(reverse("job_download", args=[report.job_id]))
    assert download.status_code == 200

    expected = {
        "rfp.published": buyer_admin,
        "proposal.submitted": vendor_a,
        "rfp.closed": None,  # the deadline passed: the system closed it
        "proposals.technical_envelope_opened": None,
        "scoring.conflict_declared": evaluator,
        "scoring.scores_submitted": evaluator2,
        "scoring.consensus_set": procurement_manager,
        "scoring.award_proposed": procurement_manager,
        "scoring.award_approved": buyer_admin,
        "rfp.awarded": buyer_admin,
        "report.requested": procurement_manager,
        "report.downloaded": buyer_admin,
    }
    events = AuditEvent.objects.filter(buyer_organization=buyer_org)
    for action, actor in expected.items():
        matching = events.filter(action=action)
        assert matching.exists(), (
            f"no {action} in {sorted(set(events.values_list('action', flat=True)))}"
        )
        if actor is not None:
            assert matching.filter(actor=actor).exists(), (action, actor)
    assert events.filter(action="proposal.submitted").count() == 2
    assert events.filter(action="scoring.scores_submitted").count() == 2

    # The admin browses every page of the log and exports it: every step is in both.
    html = audit_pages(admin)
    export = admin.get(reverse("audit_log_export"))
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    exported = {row["action"] for row in rows}
    for action in expected:
        assert f'<code class="small">{action}</code>' in html, action
        assert action in exported, action
    downloaded = next(row for row in rows if row["action"] == "report.downloaded")
    assert downloaded["actor"] == buyer_admin.email and rfp.reference in downloaded["summary"]
    assert len(rows) == events.count()

    # Nobody else sees it: not another organization, not an evaluator.
    outsider = Client()
    outsider.force_login(other_buyer)
    assert rfp.reference not in outsider.get(reverse("audit_log_export")).content.decode()
    panel = Client()
    panel.force_login(evaluator)
    assert panel.get(reverse("audit_log")).status_code == 403
