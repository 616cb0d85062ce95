"""Two envelopes, in order, from every door (issue 12, item 4).

In a two-envelope RFP the commercial envelope (prices) opens only once the technical
evaluation is final: every technical item has a submitted or consensus score and every
item flagged for discussion has a consensus score. `commercial_envelope_open` checks it
itself (through the hook scoring registers), so the proposals page, the API and
scoring's finalisation all meet the same rule. Until then nobody on the buyer side
sees a price, a total cost of ownership or a cost score: not the proposals pages, the
results page, the what-if panel, the API, the PDF or Excel report, nor the admin; cost
criteria show as sealed, never as 0.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import AuditEvent, User
from bpo_portal.errors import ConflictError
from bpo_portal.money import format_money
from proposals import selectors as proposal_selectors
from proposals import services as proposal_services
from proposals.content import read_content
from proposals.models import Envelope, EnvelopeOpening
from proposals.services import envelopes as proposal_envelopes
from reports import services as report_services
from rfp.models import RFP
from scoring import results as scoring_results
from scoring import services
from scoring.models import Criterion, Evaluation, Source
from tests import worlds
from tests.accounts.test_api import assert_error_shape
from tests.conftest import api_as, person
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db

# Unit prices no other number on any page resembles.
PRICES = {
    "setup": "51234.56",
    "training": "1234.57",
    "per_fte": "3012.34",
    "per_contact": "0.53",
    "fixed_monthly": "8123.45",
}
PRICES_OTHER = {
    "setup": "32109.87",
    "training": "987.65",
    "per_fte": "2718.28",
    "per_contact": "0.41",
    "fixed_monthly": "6180.34",
}
UNIT_MARKERS = (
    "51,234.56",
    "51234.56",
    "3,012.34",
    "3012.34",
    "8,123.45",
    "8123.45",
    "32,109.87",
    "32109.87",
    "2,718.28",
    "2718.28",
)
SEALED_MESSAGE = "The prices stay sealed until the technical evaluation is finalised"


# --- The world -----------------------------------------------------------------------------------


def _two_envelope_rfp(admin, pm, vendor_a, vendor_b) -> RFP:
    rfp = f.make_rfp(pm, admin, [vendor_a, vendor_b], two_envelopes=True)
    f.submit(vendor_a, rfp, f.Bid(prices=PRICES))
    f.submit(vendor_b, rfp, f.Bid(prices=PRICES_OTHER))
    return f.pass_deadline(rfp)


def _build() -> dict[str, int]:
    people = map(person, ("admin", "procurement_manager", "vendor_a", "vendor_b"))
    return {"rfp": _two_envelope_rfp(*people).pk}


# Built once for the run of this module's tests that use it (tests/worlds.py).
worlds.register(
    worlds.WorldSpec(
        name="scoring.two_envelopes",
        fixtures=("rfp",),
        defined_in="tests/scoring/test_envelope_order.py",
        build=_build,
    )
)


@pytest.fixture
def rfp(request, worlds, buyer_admin, procurement_manager, vendor_a, vendor_b) -> RFP:
    """A two-envelope RFP: vendors A and B submitted, the deadline passed."""
    pk = worlds.current(request, "rfp")
    if pk is not None:
        return RFP.objects.get(pk=pk)
    return _two_envelope_rfp(buyer_admin, procurement_manager, vendor_a, vendor_b)


def evaluation_of(rfp: RFP, pm: User) -> Evaluation:
    """The RFP's evaluation (set up now if it was not set up while drafting)."""
    evaluation = Evaluation.objects.filter(rfp=rfp).first()
    if evaluation is None:
        evaluation = services.evaluation_setup(actor=pm, rfp=rfp)
    return f.fresh(evaluation)


@pytest.fixture
def started(rfp, procurement_manager, evaluator, evaluator2) -> Evaluation:
    """Scoring started, nobody has scored yet."""
    evaluation = evaluation_of(rfp, procurement_manager)
    f.setup_panel(procurement_manager, evaluation, [evaluator, evaluator2])
    return f.fresh(f.start(procurement_manager, f.fresh(evaluation)))


def first_leaf(evaluation: Evaluation) -> Criterion:
    return f.evaluator_leaves(evaluation)[0]


@pytest.fixture
def flagged(started, evaluator, evaluator2, vendor_a) -> Evaluation:
    """Every item scored and submitted, but the evaluators are 7 points apart on one
    item of vendor A: it needs a consensus score."""
    company = vendor_a.vendor_membership.company.legal_name
    leaf = first_leaf(started)
    for member, value in ((evaluator, 2), (evaluator2, 9)):
        f.declare_none(member, started)
        f.score_all(member, started, {company: {leaf.name: value}})
    return f.fresh(started)


def resolve(evaluation: Evaluation, pm: User, vendor: User) -> None:
    proposal = evaluation.rfp.proposals.get(company=vendor.vendor_membership.company)
    services.consensus_set(
        actor=pm,
        evaluation=evaluation,
        criterion=first_leaf(evaluation),
        proposal=proposal,
        lot=evaluation.rfp.lots.get(),
        score="6",
        justification="Agreed in the panel meeting after reading the references again.",
    )


@pytest.fixture
def final(flagged, procurement_manager, vendor_a) -> Evaluation:
    """The flagged item has its consensus score: the technical evaluation is final."""
    resolve(flagged, procurement_manager, vendor_a)
    return f.fresh(flagged)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def commercial_openings(rfp: RFP) -> int:
    return EnvelopeOpening.objects.filter(rfp=rfp, envelope=Envelope.COMMERCIAL).count()


def tco_markers(rfp: RFP) -> tuple[str, ...]:
    """Each proposal's total cost of ownership, as pages, reports and the API write it
    (read from the stored versions directly: the test may, the portal may not)."""
    content_rfp = proposal_selectors.rfp_for_proposals(rfp.pk)
    out: list[str] = []
    for proposal in rfp.proposals.filter(status="submitted").select_related("submitted_version"):
        content = read_content(proposal.submitted_version.content, commercial_open=True)
        for lot in content_rfp.lots.all():
            cost = proposal_selectors.lot_cost(lot, content)
            assert cost is not None and cost.total
            total = cost.total.quantize(Decimal("0.01"))
            out += [format_money(total, rfp.currency), f"{total:,}", f"{total}"]
    return tuple(out)


def assert_no_prices(text: str, rfp: RFP, where: str = "") -> None:
    for marker in (*UNIT_MARKERS, *tco_markers(rfp)):
        assert marker not in text, f"{marker!r} leaked {where}"


def assert_refused(rfp: RFP, *reasons: str) -> None:
    """Nothing was written: no opening, no audit of one."""
    assert commercial_openings(rfp) == 0
    assert not AuditEvent.objects.filter(action="proposals.commercial_envelope_opened").exists()
    assert not AuditEvent.objects.filter(action="scoring.technical_finalised").exists()
    assert not proposal_selectors.envelope_state(RFP.objects.get(pk=rfp.pk)).commercial_open


# --- The rule: one selector, registered with proposals -------------------------------------------


def test_scoring_registers_its_rule_with_proposals():
    assert (
        proposal_envelopes._technical_evaluation_check
        is scoring_results.technical_evaluation_blockers
    )


def test_the_blockers_say_why_the_evaluation_is_not_final(
    rfp, procurement_manager, evaluator, evaluator2, vendor_a
):
    Evaluation.objects.filter(rfp=rfp).delete()  # e.g. an RFP from before criteria were required
    (reason,) = scoring_results.technical_evaluation_blockers(rfp)
    assert reason.startswith("No technical evaluation has been set up")

    evaluation = evaluation_of(rfp, procurement_manager)
    f.setup_panel(procurement_manager, evaluation, [evaluator, evaluator2])
    (reason,) = scoring_results.technical_evaluation_blockers(rfp)
    assert reason.startswith("Scoring has not started")

    evaluation = f.start(procurement_manager, f.fresh(evaluation))
    results = scoring_results.evaluation_results(rfp=rfp, user=procurement_manager)
    items = sum(lot.items_total for lot in results.lots)
    assert items > 1
    assert scoring_results.technical_evaluation_blockers(rfp) == [
        f"{items} technical items still need a submitted or consensus score.",
        f"{evaluator} has not submitted {items} assigned scores "
        "(or declared a conflict of interest).",
        f"{evaluator2} has not submitted {items} assigned scores "
        "(or declared a conflict of interest).",
    ]

    company = vendor_a.vendor_membership.company.legal_name
    leaf = first_leaf(evaluation)
    f.declare_none(evaluator, evaluation)
    f.score_all(evaluator, evaluation, {company: {leaf.name: 2}})
    # One evaluator's scores cover every item, but every assigned evaluator counts.
    assert scoring_results.technical_evaluation_blockers(rfp) == [
        f"{evaluator2} has not submitted {items} assigned scores "
        "(or declared a conflict of interest)."
    ]
    f.declare_none(evaluator2, evaluation)
    f.score_all(evaluator2, evaluation, {company: {leaf.name: 9}})
    assert scoring_results.technical_evaluation_blockers(rfp) == [
        "1 item needs a consensus score: the evaluators' scores are at least 3 points apart."
    ]
    resolve(f.fresh(evaluation), procurement_manager, vendor_a)
    assert scoring_results.technical_evaluation_blockers(rfp) == []


def test_items_only_a_consensus_can_close_are_counted(
    rfp, procurement_manager, evaluator, vendor_a, vendor_b
):
    """The only evaluator declares a conflict with vendor A: none of A's items get an
    evaluator's score, and each must get a consensus score, down to the last one."""
    evaluation = evaluation_of(rfp, procurement_manager)
    f.setup_panel(procurement_manager, evaluation, [evaluator])
    evaluation = f.fresh(f.start(procurement_manager, f.fresh(evaluation)))
    company_a = vendor_a.vendor_membership.company
    services.conflicts_declare(
        actor=evaluator,
        evaluation=evaluation,
        declarations={
            company_a.pk: services.Declaration(True, "I worked for them until last year."),
            vendor_b.vendor_membership.company.pk: services.Declaration(False),
        },
    )
    f.score_all(evaluator, evaluation)
    leaves = f.evaluator_leaves(evaluation)
    assert len(leaves) > 1
    assert scoring_results.technical_evaluation_blockers(rfp) == [
        f"{len(leaves)} technical items still need a submitted or consensus score."
    ]
    proposal = rfp.proposals.get(company=company_a)
    for leaf in leaves[1:]:
        services.consensus_set(
            actor=procurement_manager,
            evaluation=evaluation,
            criterion=leaf,
            proposal=proposal,
            lot=rfp.lots.get(),
            score="5",
            justification="Scored by the panel without the conflicted evaluator.",
        )
    assert scoring_results.technical_evaluation_blockers(rfp) == [
        "1 technical item still needs a submitted or consensus score."
    ]
    with pytest.raises(ConflictError) as refused:
        services.technical_evaluation_finalise(actor=procurement_manager, evaluation=evaluation)
    assert "1 technical item still needs" in refused.value.message
    assert_refused(rfp)


# --- Early opening, refused from every door ------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("no_evaluation", "No technical evaluation has been set up"),
        ("not_started", "Scoring has not started"),
        ("unscored", "technical items still need a submitted or consensus score"),
        ("flagged", "1 item needs a consensus score"),
    ],
)
def test_the_service_refuses_to_open_the_prices_early(
    request, rfp, procurement_manager, evaluator, evaluator2, state, reason
):
    if state == "no_evaluation":
        Evaluation.objects.filter(rfp=rfp).delete()
    elif state == "not_started":
        f.setup_panel(procurement_manager, evaluation_of(rfp, procurement_manager), [evaluator])
    elif state == "unscored":
        request.getfixturevalue("started")
    else:
        request.getfixturevalue("flagged")
    with pytest.raises(ConflictError) as refused:
        proposal_services.commercial_envelope_open(actor=procurement_manager, rfp=rfp)
    assert refused.value.message.startswith(SEALED_MESSAGE)
    assert reason in refused.value.message
    assert any(reason in item for item in refused.value.extra["reasons"])
    assert_refused(rfp)


def test_no_registered_check_keeps_the_prices_sealed(monkeypatch, final, procurement_manager):
    """Fail closed: without scoring's check nobody can tell the evaluation is final."""
    monkeypatch.setattr(proposal_envelopes, "_technical_evaluation_check", None)
    with pytest.raises(ConflictError) as refused:
        proposal_services.commercial_envelope_open(actor=procurement_manager, rfp=final.rfp)
    assert "cannot be checked" in refused.value.message
    assert_refused(final.rfp)


def test_the_proposals_page_refuses_to_open_the_prices_early(flagged, procurement_manager):
    rfp = flagged.rfp
    client = client_for(procurement_manager)
    url = reverse("proposal_rfp_open_commercial", args=[rfp.pk])
    page = client.get(url).content.decode()
    assert SEALED_MESSAGE in page and "1 item needs a consensus score" in page
    assert "Open the commercial envelope</button>" not in page  # no action that cannot work
    response = client.post(url, {"confirm": "on", "comment": "Let us look at the prices."})
    assert response.status_code == 409
    assert SEALED_MESSAGE in response.content.decode()
    assert_refused(rfp)


def test_the_api_refuses_to_open_the_prices_early(flagged, procurement_manager):
    rfp = flagged.rfp
    response = api_as(procurement_manager).post(
        f"/api/v1/proposal-envelopes/{rfp.pk}/open-commercial/", {"comment": "Now."}
    )
    body = assert_error_shape(response, 409)
    assert body["message"].startswith(SEALED_MESSAGE)
    assert body["extra"]["reasons"] == [
        "1 item needs a consensus score: the evaluators' scores are at least 3 points apart."
    ]
    assert_refused(rfp)


def test_finalising_refuses_an_evaluation_that_is_not_final(flagged, procurement_manager):
    rfp = flagged.rfp
    with pytest.raises(ConflictError) as refused:
        services.technical_evaluation_finalise(actor=procurement_manager, evaluation=flagged)
    assert refused.value.message.startswith(SEALED_MESSAGE)
    assert "1 item needs a consensus score" in refused.value.message

    client = client_for(procurement_manager)
    page = client.get(reverse("scoring_finalise", args=[rfp.pk])).content.decode()
    assert "Not final yet" in page and "1 item needs a consensus score" in page
    assert "Finalise and open the prices" not in page  # no button that can only fail
    response = client.post(reverse("scoring_finalise", args=[rfp.pk]), {"comment": "Done."})
    assert response.status_code == 409
    assert SEALED_MESSAGE in response.content.decode()

    response = api_as(procurement_manager).post(
        f"/api/v1/evaluations/{rfp.pk}/finalise-technical/", {"comment": "Done."}
    )
    body = assert_error_shape(response, 409)
    assert body["message"].startswith(SEALED_MESSAGE)
    assert_refused(rfp)


def test_finalising_before_scoring_starts_is_refused(rfp, procurement_manager):
    evaluation = evaluation_of(rfp, procurement_manager)
    response = api_as(procurement_manager).post(
        f"/api/v1/evaluations/{rfp.pk}/finalise-technical/", {"comment": ""}
    )
    body = assert_error_shape(response, 409)
    assert "Scoring has not started" in body["message"]
    with pytest.raises(ConflictError):
        services.technical_evaluation_finalise(actor=procurement_manager, evaluation=evaluation)
    assert_refused(rfp)


# --- Prices stay invisible until then, from every door -------------------------------------------


def test_no_door_shows_a_price_before_the_technical_evaluation_is_final(
    flagged, procurement_manager, viewer, buyer_admin, django_capture_on_commit_callbacks
):
    rfp = flagged.rfp
    proposal = rfp.proposals.filter(status="submitted").first()
    lot = rfp.lots.get()
    # The buyer's pages.
    for user in (buyer_admin, procurement_manager, viewer):
        client = client_for(user)
        for name, args in [
            ("proposal_rfp_list", [rfp.pk]),
            ("proposal_rfp_answers", [rfp.pk]),
            ("proposal_rfp_prices", [rfp.pk]),
            ("proposal_rfp_open_commercial", [rfp.pk]),
            ("proposal_detail", [proposal.pk]),
            ("scoring_overview", [rfp.pk]),
            ("scoring_results", [rfp.pk]),
            ("scoring_drilldown", [rfp.pk, proposal.pk]),
            ("scoring_award", [rfp.pk]),
        ]:
            response = client.get(reverse(name, args=args))
            assert response.status_code == 200, name
            assert_no_prices(response.content.decode(), rfp, f"on {name} to {user}")

    client = client_for(procurement_manager)
    results = client.get(reverse("scoring_results", args=[rfp.pk])).content.decode()
    assert "Technical ranking" in results
    assert "prices sealed" in results and "Sealed" in results  # cost: sealed, not 0
    # The what-if panel (htmx), even with a weight for cost.
    cost = f.main(flagged, "Cost")
    what_if = client.get(
        reverse("scoring_results", args=[rfp.pk]),
        {"lot": lot.pk, "partial": "what-if", f"w_{cost.pk}": "90"},
        HTTP_HX_REQUEST="true",
    )
    partial = what_if.content.decode()
    assert what_if.status_code == 200 and "<html" not in partial
    assert "What-if, not saved" in partial and "Sealed" in partial
    assert_no_prices(partial, rfp, "in the what-if panel")

    # The API.
    api = api_as(procurement_manager)
    for response in (
        api.get(f"/api/v1/proposals/{proposal.pk}/"),
        api.get(f"/api/v1/proposals/?rfp={rfp.pk}"),
        api.get(f"/api/v1/evaluations/{rfp.pk}/results/"),
        api.get(f"/api/v1/evaluations/{rfp.pk}/results/?expand=leaves"),
        api.get(f"/api/v1/evaluations/{rfp.pk}/results/proposals/{proposal.pk}/"),
        api.get(f"/api/v1/evaluations/{rfp.pk}/"),
        api.post(
            f"/api/v1/evaluations/{rfp.pk}/what-if/",
            {"weights": {str(cost.pk): "90"}},
            format="json",
        ),
    ):
        assert response.status_code == 200, response.content
        assert_no_prices(response.content.decode(), rfp, response.request["PATH_INFO"])
    detail = api.get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert detail["commercial_open"] is False and "costs" not in detail
    assert all("prices" not in part for part in detail["content"]["lots"])
    data = api.get(f"/api/v1/evaluations/{rfp.pk}/results/?expand=leaves").json()
    assert data["cost_excluded"] is True and data["commercial_open"] is False
    assert all(p["tco"] is None for lot_data in data["lots"] for p in lot_data["ranking"])
    assert {c["name"]: c["excluded"] for c in data["criteria"]}["Cost"] is True
    for lot_data in data["lots"]:
        for p in lot_data["ranking"]:
            assert "Cost" not in [c["name"] for c in p["criteria"]]  # not a 0 score
            assert all(leaf["source"] != Source.TCO for leaf in p["leaves"])
    # A buyer cannot reach the vendor's price endpoint at all.
    prices = api.put(
        f"/api/v1/proposals/{proposal.pk}/lots/{lot.pk}/prices/", {"prices": {}}, format="json"
    )
    assert prices.status_code in (403, 404)
    assert_no_prices(prices.content.decode(), rfp, "on the prices endpoint")

    # The reports.
    pdf, xlsx = (
        build_report(procurement_manager, rfp, kind, django_capture_on_commit_callbacks)
        for kind in ("pdf", "xlsx")
    )
    text = pdf_text(pdf)
    assert "Cost is not included" in text and "Sealed" in text
    assert_no_prices(text, rfp, "in the PDF report")
    workbook = load_workbook(io.BytesIO(file_bytes(xlsx)))
    assert "Cost" not in workbook.sheetnames
    cells = [
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    assert_no_prices("\n".join(cells), rfp, "in the Excel export")
    scores = next(ws for ws in workbook.worksheets if ws.title.startswith("Scores"))
    cost_row = next(row for row in scores.iter_rows(values_only=True) if row[0] == "Cost")
    assert set(cost_row[1:]) == {"Sealed"}  # sealed, not 0

    # The Django admin.
    operator = User.objects.create_superuser(
        email="operator@bpo-portal.example", password="operator-pass-2026"
    )
    admin = client_for(operator)
    for path in (
        reverse("admin:proposals_proposal_change", args=[proposal.pk]),
        reverse("admin:proposals_proposal_changelist"),
        reverse("admin:scoring_evaluation_change", args=[flagged.pk]),
        reverse("admin:scoring_evaluation_changelist"),
        reverse("admin:scoring_awarddecision_changelist"),
    ):
        response = admin.get(path)
        assert response.status_code == 200, path
        assert_no_prices(response.content.decode(), rfp, f"in the admin {path}")
    change = admin.get(reverse("admin:proposals_proposal_change", args=[proposal.pk]))
    assert "Technical open, prices sealed" in change.content.decode()


def build_report(user: User, rfp: RFP, kind: str, capture: Any) -> Any:
    with capture(execute=True):
        report = report_services.report_request(actor=user, rfp=rfp, kind=kind)
    report.refresh_from_db()
    report.job.refresh_from_db()
    assert report.job.state == "done", report.job.error
    return report


def file_bytes(report: Any) -> bytes:
    report.job.result_file.open("rb")
    try:
        return bytes(report.job.result_file.read())
    finally:
        report.job.result_file.close()


def pdf_text(report: Any) -> str:
    reader = PdfReader(io.BytesIO(file_bytes(report)))
    return "\n".join(page.extract_text() for page in reader.pages)


# --- After a proper finalisation the prices appear -----------------------------------------------


def test_after_finalisation_the_prices_appear(
    final, procurement_manager, django_capture_on_commit_callbacks
):
    rfp = final.rfp
    opening = services.technical_evaluation_finalise(
        actor=procurement_manager, evaluation=final, comment="Panel scores final."
    )
    assert opening.envelope == Envelope.COMMERCIAL and opening.opened_by == procurement_manager
    assert commercial_openings(rfp) == 1
    assert AuditEvent.objects.filter(action="proposals.commercial_envelope_opened").count() == 1
    assert AuditEvent.objects.filter(action="scoring.technical_finalised").count() == 1
    totals = tco_markers(rfp)

    client = client_for(procurement_manager)
    prices = client.get(reverse("proposal_rfp_prices", args=[rfp.pk])).content.decode()
    assert "51,234.56" in prices and "32,109.87" in prices
    results = client.get(reverse("scoring_results", args=[rfp.pk])).content.decode()
    assert "Technical ranking" not in results and "prices sealed" not in results
    api = api_as(procurement_manager)
    data = api.get(f"/api/v1/evaluations/{rfp.pk}/results/").json()
    assert data["commercial_open"] is True and data["cost_excluded"] is False
    assert all(p["tco"] is not None for p in data["lots"][0]["ranking"])
    proposal = rfp.proposals.filter(status="submitted").first()
    detail = api.get(f"/api/v1/proposals/{proposal.pk}/").content.decode()
    assert "51234.56" in detail or "32109.87" in detail

    pdf = build_report(procurement_manager, rfp, "pdf", django_capture_on_commit_callbacks)
    text = pdf_text(pdf)
    assert "Cost is not included" not in text
    assert any(total in text for total in totals)
    xlsx = build_report(procurement_manager, rfp, "xlsx", django_capture_on_commit_callbacks)
    assert "Cost" in load_workbook(io.BytesIO(file_bytes(xlsx))).sheetnames

    # Opening again through another door is harmless: the first opening stands.
    again = proposal_services.commercial_envelope_open(actor=procurement_manager, rfp=rfp)
    assert again.pk == opening.pk


def test_the_proposals_page_and_the_api_open_the_prices_once_final(final, procurement_manager):
    rfp = final.rfp
    client = client_for(procurement_manager)
    url = reverse("proposal_rfp_open_commercial", args=[rfp.pk])
    assert "Open the commercial envelope</button>" in client.get(url).content.decode()
    response = client.post(url, {"confirm": "on", "comment": "Panel scores final."})
    assert response.status_code == 302
    assert commercial_openings(rfp) == 1
    state = api_as(procurement_manager).get(f"/api/v1/proposal-envelopes/{rfp.pk}/").json()
    assert state["commercial_open"] is True


def test_technical_scores_no_longer_change_once_the_prices_are_open(
    final, procurement_manager, vendor_a, evaluator
):
    services.technical_evaluation_finalise(actor=procurement_manager, evaluation=final)
    evaluation = f.fresh(final)
    with pytest.raises(ConflictError) as refused:
        resolve(evaluation, procurement_manager, vendor_a)
    assert "no longer change" in refused.value.message
    proposal = evaluation.rfp.proposals.get(company=vendor_a.vendor_membership.company)
    with pytest.raises(ConflictError):
        services.consensus_clear(
            actor=procurement_manager,
            evaluation=evaluation,
            criterion=first_leaf(evaluation),
            proposal=proposal,
            lot=evaluation.rfp.lots.get(),
        )
    with pytest.raises(ConflictError) as refused:
        services.scores_save(
            actor=evaluator,
            evaluation=evaluation,
            proposal=proposal,
            scores={
                (first_leaf(evaluation).pk, evaluation.rfp.lots.get().pk): services.ScoreInput(5)
            },
        )
    assert "the prices are open" in refused.value.message
    consensus = evaluation.consensus_scores.get()
    assert consensus.score == Decimal("6")


def test_results_json_never_carries_a_price_before_opening(flagged, procurement_manager):
    results = scoring_results.evaluation_results(rfp=flagged.rfp, user=procurement_manager)
    assert results.sealed_criteria and [c.name for c in results.sealed_criteria] == ["Cost"]
    assert_no_prices(json.dumps(scoring_results.results_as_dict(results)), flagged.rfp)
