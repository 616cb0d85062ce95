"""Stored results: computed once per state of their inputs, served from the database to
the page, the API and the reports, and never served stale.

Every change below is made behind the services' back (a queryset `update()`, a bare
`create()` or `delete()`, as the admin, a data fix or a future service might), so the
tests prove that the database itself counts the write (scoring.results.inputs)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import BuyerOrganization, User
from bpo_portal.errors import PermissionDeniedError
from proposals.models import EnvelopeOpening, Proposal, ProposalStatus, ProposalVersion
from proposals.selectors import ProposalsSealedError
from rfp.models import RFP, Lot, PricingLine, Question, ServiceLevel
from scoring import services
from scoring import tasks as scoring_tasks
from scoring.award import award_propose
from scoring.models import (
    AwardDecision,
    ConflictDeclaration,
    ConsensusScore,
    Criterion,
    Evaluation,
    EvaluatorAssignment,
    EvaluatorScore,
    StoredResults,
    WeightMatrix,
)
from scoring.results import (
    evaluation_results,
    evaluation_results_for_rules,
    results_as_dict,
    results_summary_dict,
    stored,
)
from scoring.results.compute import computed_results
from scoring.results.inputs import INPUTS
from tests.conftest import api_as
from tests.scoring import factories as f
from vendors.models import CertificationType, Language, LocationOverride, VendorCompany

pytestmark = pytest.mark.django_db


def comparable(results: Any) -> Any:
    data = results_as_dict(results)
    data.pop("generated_at")
    return data


@pytest.fixture
def world(buyer_admin, procurement_manager, evaluator):
    vendors = [
        f.make_vendor("owner@stored-a.example", "Alpha Contact BPO", "MX"),
        f.make_vendor("owner@stored-b.example", "Beta Support Services", "PH"),
        f.make_vendor("owner@stored-c.example", "Gamma Helpdesk", "IN"),
    ]
    rfp = f.make_rfp(procurement_manager, buyer_admin, vendors, title="Stored results")
    for index, vendor in enumerate(vendors):
        f.submit(
            vendor,
            rfp,
            f.Bid(prices=dict(f.PRICES_A, per_fte=str(2400 + 150 * index))),
        )
    rfp = f.pass_deadline(rfp)
    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    f.setup_panel(procurement_manager, evaluation, [evaluator])
    evaluation = f.start(procurement_manager, f.fresh(evaluation))
    f.declare_none(evaluator, evaluation)
    f.score_all(evaluator, evaluation, default=6)
    return rfp


def served_queries(rfp: RFP, user: User) -> int:
    with CaptureQueriesContext(connection) as context:
        evaluation_results(rfp=rfp, user=user)
    return len(context.captured_queries)


def test_results_are_computed_once_then_served_from_the_database(world, viewer):
    assert not StoredResults.objects.filter(rfp=world).exists()
    with CaptureQueriesContext(connection) as computing:
        first = evaluation_results(rfp=world, user=viewer)
    row = StoredResults.objects.get(rfp=world, lot_id=StoredResults.ALL_LOTS)
    assert row.generation == stored.generation(world.pk) > 0
    assert row.technical_open and row.commercial_open
    with CaptureQueriesContext(connection) as serving:
        second = evaluation_results(rfp=world, user=viewer)
    # The reader check, the stored row with the current generation, the envelopes.
    assert len(serving.captured_queries) <= 4 < len(computing.captured_queries)
    assert comparable(second) == comparable(first) == comparable(computed_results(rfp=world))
    assert second.generated_at == row.computed_at  # when it was computed, not served
    assert StoredResults.objects.filter(rfp=world).count() == 1


def test_each_lot_is_stored_on_its_own_and_what_if_is_never_stored(world, viewer):
    lot = world.lots.get()
    whole = evaluation_results(rfp=world, user=viewer)
    one = evaluation_results(rfp=world, user=viewer, lot=lot)
    assert set(StoredResults.objects.values_list("lot_id", flat=True)) == {0, lot.pk}
    assert comparable(one)["lots"] == comparable(whole)["lots"]
    cost = Criterion.objects.get(evaluation__rfp=world, name="Cost")
    what_if = evaluation_results(rfp=world, user=viewer, weights={str(cost.pk): "5"})
    assert what_if.what_if
    assert StoredResults.objects.count() == 2
    assert not evaluation_results(rfp=world, user=viewer).what_if


def test_a_reader_who_may_not_read_results_gets_nothing_stored_or_computed(world, evaluator):
    evaluation_results_for_rules(rfp=world)  # stored
    with pytest.raises(PermissionDeniedError):
        evaluation_results(rfp=world, user=evaluator)


# --- Every input change makes the stored result stale ------------------------------------------


def _proposal(rfp: RFP, name: str) -> Proposal:
    return Proposal.objects.get(rfp=rfp, company__legal_name=name)


def _score_down(rfp: RFP) -> None:
    EvaluatorScore.objects.filter(
        evaluation__rfp=rfp, proposal=_proposal(rfp, "Alpha Contact BPO")
    ).update(score=1)


def _consensus(rfp: RFP) -> None:
    score = EvaluatorScore.objects.filter(evaluation__rfp=rfp).first()
    ConsensusScore.objects.create(
        evaluation=score.evaluation,
        criterion=score.criterion,
        proposal=score.proposal,
        lot=score.lot,
        score=Decimal("9.5"),
        justification="Agreed in the panel meeting.",
    )


def _weight(rfp: RFP) -> None:
    Criterion.objects.filter(evaluation__rfp=rfp, name="Cost").update(weight=F("weight") + 10)


def _rename_criterion(rfp: RFP) -> None:
    Criterion.objects.filter(evaluation__rfp=rfp, name="Cost").update(name="Total cost")


def _method(rfp: RFP) -> None:
    Evaluation.objects.filter(rfp=rfp).update(ranking_method="topsis")


def _aggregation(rfp: RFP) -> None:
    Evaluation.objects.filter(rfp=rfp).update(aggregation="median")


def _threshold(rfp: RFP) -> None:
    Evaluation.objects.filter(rfp=rfp).update(discussion_threshold=Decimal("0.5"))


def _ahp_matrix(rfp: RFP) -> None:
    evaluation = Evaluation.objects.get(rfp=rfp)
    main = list(Criterion.objects.filter(evaluation=evaluation, parent=None)[:2])
    WeightMatrix.objects.create(
        evaluation=evaluation,
        parent=None,
        criterion_ids=[c.pk for c in main],
        matrix=[[1, 3], [1 / 3, 1]],
    )


def _compliance_override(rfp: RFP) -> None:
    Proposal.objects.filter(pk=_proposal(rfp, "Beta Support Services").pk).update(
        compliance_override="non_compliant", compliance_override_reason="Missing insurance."
    )


def _withdrawal(rfp: RFP) -> None:
    Proposal.objects.filter(pk=_proposal(rfp, "Gamma Helpdesk").pk).update(
        status=ProposalStatus.WITHDRAWN
    )


def _new_version(rfp: RFP) -> None:
    proposal = _proposal(rfp, "Alpha Contact BPO")
    version = proposal.submitted_version
    ProposalVersion.objects.filter(pk=version.pk).update(number=F("number"))


def _envelope_deleted(rfp: RFP) -> None:
    EnvelopeOpening.objects.filter(rfp=rfp).delete()


def _location_override(rfp: RFP) -> None:
    LocationOverride.objects.create(
        organization=rfp.organization, country="MX", location_model="offshore"
    )


def _business_hours(rfp: RFP) -> None:
    BuyerOrganization.objects.filter(pk=rfp.organization_id).update(
        business_hours_start=dt.time(6, 0)
    )


def _award(rfp: RFP) -> None:
    evaluation = Evaluation.objects.get(rfp=rfp)
    pm = User.objects.get(email="pm@buyer.example")
    award_propose(
        actor=pm,
        evaluation=evaluation,
        lot=rfp.lots.get(),
        winners=[_proposal(rfp, "Alpha Contact BPO").pk],
        justification="Best value for money.",
        notify_ranks=False,
    )


def _award_winner_removed(rfp: RFP) -> None:
    _award(rfp)
    stored_results = evaluation_results_for_rules(rfp=rfp)  # stored again
    assert stored_results.lots[0].award is not None
    AwardDecision.winners.through.objects.filter(awarddecision__evaluation__rfp=rfp).delete()


def _assignment(rfp: RFP) -> None:
    EvaluatorAssignment.objects.filter(evaluation__rfp=rfp).delete()


def _conflict(rfp: RFP) -> None:
    ConflictDeclaration.objects.filter(evaluation__rfp=rfp).update(has_conflict=True)


def _lot_volume(rfp: RFP) -> None:
    Lot.objects.filter(rfp=rfp).update(name="Inbound voice, renamed")


def _pricing_line(rfp: RFP) -> None:
    line = PricingLine.objects.filter(lot__rfp=rfp).first()
    PricingLine.objects.filter(pk=line.pk).update(fixed_quantity=7)


def _service_level(rfp: RFP) -> None:
    ServiceLevel.objects.filter(lot__rfp=rfp).delete()


def _question(rfp: RFP) -> None:
    Question.objects.filter(section__rfp=rfp).update(is_knockout=False)


def _required_language(rfp: RFP) -> None:
    rfp.required_languages.add(Language.objects.get(code="es"))


def _required_certification(rfp: RFP) -> None:
    rfp.required_certifications.clear()


def _language_name(rfp: RFP) -> None:
    Language.objects.filter(code="en").update(name="English (international)")


def _certification_name(rfp: RFP) -> None:
    CertificationType.objects.filter(rfps=rfp).update(name=F("name"))


def _vendor_name(rfp: RFP) -> None:
    VendorCompany.objects.filter(legal_name="Gamma Helpdesk").update(trading_name="Gamma")


def _evaluator_name(rfp: RFP) -> None:
    User.objects.filter(email="evaluator@buyer.example").update(full_name="Eve Renamed")


def _rfp_itself(rfp: RFP) -> None:
    RFP.objects.filter(pk=rfp.pk).update(accept_offshore=False)


CHANGES: list[tuple[str, Callable[[RFP], None]]] = [
    ("an evaluator's score", _score_down),
    ("a consensus score", _consensus),
    ("a criterion's weight", _weight),
    ("a criterion's name", _rename_criterion),
    ("the ranking method", _method),
    ("the aggregation", _aggregation),
    ("the discussion threshold", _threshold),
    ("an AHP matrix", _ahp_matrix),
    ("a compliance override", _compliance_override),
    ("a withdrawal", _withdrawal),
    ("a submitted version", _new_version),
    ("an envelope opening", _envelope_deleted),
    ("a location override", _location_override),
    ("the buyer's business hours", _business_hours),
    ("an award decision", _award),
    ("an award's winners", _award_winner_removed),
    ("the evaluator assignments", _assignment),
    ("a conflict declaration", _conflict),
    ("a lot", _lot_volume),
    ("a pricing line", _pricing_line),
    ("a service level", _service_level),
    ("a knock-out question", _question),
    ("a required language", _required_language),
    ("the required certifications", _required_certification),
    ("a language's name", _language_name),
    ("a certification type's name", _certification_name),
    ("a vendor's name", _vendor_name),
    ("an evaluator's name", _evaluator_name),
    ("the RFP's accepted locations", _rfp_itself),
]


@pytest.mark.parametrize("change", [c for _, c in CHANGES], ids=[label for label, _ in CHANGES])
def test_every_input_change_makes_the_stored_result_stale(world, viewer, change):
    evaluation_results(rfp=world, user=viewer)
    before = stored.generation(world.pk)
    change(world)
    assert stored.generation(world.pk) > before
    served = evaluation_results(rfp=world, user=viewer)
    assert comparable(served) == comparable(computed_results(rfp=world))
    assert StoredResults.objects.get(rfp=world, lot_id=0).generation == stored.generation(world.pk)


def test_a_change_shows_in_the_served_results(world, viewer):
    before = evaluation_results(rfp=world, user=viewer).lots[0].ranking[0].vendor
    assert before == "Alpha Contact BPO"  # the lowest price
    _score_down(world)
    _compliance_override(world)
    after = evaluation_results(rfp=world, user=viewer).lots[0].ranking
    assert after[0].vendor == "Gamma Helpdesk"
    assert "Beta Support Services" not in [row.vendor for row in after]


def test_what_does_not_feed_the_results_does_not_make_them_stale(world, viewer, evaluator):
    evaluation_results(rfp=world, user=viewer)
    before = stored.generation(world.pk)
    User.objects.filter(pk=evaluator.pk).update(last_login=timezone.now())
    VendorCompany.objects.filter(legal_name="Gamma Helpdesk").update(description="New text")
    assert stored.generation(world.pk) == before


def test_another_rfps_writes_do_not_make_this_one_stale(world, viewer, procurement_manager):
    evaluation_results(rfp=world, user=viewer)
    before = stored.generation(world.pk)
    vendor = f.make_vendor("owner@other-rfp.example", "Other RFP Vendor", "PH")
    other = f.make_rfp(procurement_manager, User.objects.get(email="admin@buyer.example"), [vendor])
    Criterion.objects.filter(evaluation__rfp=other).update(weight=F("weight"))
    assert stored.generation(world.pk) == before


def test_the_code_version_is_part_of_the_key(world, viewer, monkeypatch):
    evaluation_results(rfp=world, user=viewer)
    old = StoredResults.objects.get(rfp=world, lot_id=0).inputs_key
    monkeypatch.setattr(stored, "_FORMAT", "a later layout")
    stored.code_version.cache_clear()
    try:
        evaluation_results(rfp=world, user=viewer)
        assert StoredResults.objects.get(rfp=world, lot_id=0).inputs_key != old
    finally:
        monkeypatch.undo()
        stored.code_version.cache_clear()


def test_a_tampered_stored_result_is_never_read(world, viewer):
    honest = comparable(evaluation_results(rfp=world, user=viewer))
    row = StoredResults.objects.get(rfp=world, lot_id=0)
    forged = bytearray(row.results)
    forged[-40] ^= 0xFF
    StoredResults.objects.filter(pk=row.pk).update(results=bytes(forged))
    assert comparable(evaluation_results(rfp=world, user=viewer)) == honest
    # Computed afresh and stored again, signed.
    assert stored._loads(bytes(StoredResults.objects.get(pk=row.pk).results)) is not None


# --- The seal -----------------------------------------------------------------------------------


def test_nothing_is_stored_while_the_proposals_are_sealed(buyer_admin, procurement_manager, viewer):
    vendor = f.make_vendor("owner@sealed.example", "Sealed Vendor", "PH")
    rfp = f.make_rfp(procurement_manager, buyer_admin, [vendor])
    f.submit(vendor, rfp)
    services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    with pytest.raises(ProposalsSealedError):
        evaluation_results(rfp=rfp, user=viewer)
    assert not StoredResults.objects.filter(rfp=rfp).exists()


def test_a_stored_result_holds_no_price_while_the_commercial_envelope_is_shut(
    buyer_admin, procurement_manager, evaluator, viewer
):
    vendor = f.make_vendor("owner@shut.example", "Shut Envelope BPO", "PH")
    rfp = f.make_rfp(procurement_manager, buyer_admin, [vendor], two_envelopes=True)
    f.submit(vendor, rfp, f.Bid(prices=dict(f.PRICES_A, per_fte="2987.65")))
    rfp = f.pass_deadline(rfp)
    evaluation = f.make_technical_evaluation_final(procurement_manager, rfp, [evaluator])
    sealed = evaluation_results(rfp=rfp, user=viewer)
    row = StoredResults.objects.get(rfp=rfp, lot_id=0)
    assert not row.commercial_open and sealed.cost_excluded
    summary = json.loads(bytes(row.summary_json))
    assert all(p["tco"] is None for lot in summary["lots"] for p in lot["ranking"])
    for blob in (bytes(row.results), bytes(row.summary_json)):
        assert b"2987.65" not in blob and b"2987" not in blob
    services.technical_evaluation_finalise(actor=procurement_manager, evaluation=evaluation)
    opened = evaluation_results(rfp=rfp, user=viewer)
    assert not opened.cost_excluded and opened.lots[0].ranking[0].tco is not None
    assert StoredResults.objects.get(rfp=rfp, lot_id=0).commercial_open


# --- What the results read is what the triggers count -------------------------------------------

_TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"')


def test_every_table_the_results_read_is_an_input(world, viewer):
    """A table `computed_results` starts to read must be added to
    scoring.results.inputs.INPUTS (with its trigger), or stored results would not go
    stale when it changes."""
    with CaptureQueriesContext(connection) as context:
        computed_results(rfp=world)
    read = {table for query in context.captured_queries for table in _TABLE.findall(query["sql"])}
    counted = {item.table for item in INPUTS}
    assert read - counted == set()
    assert {"scoring_evaluatorscore", "proposals_proposalversion", "rfp_lot"} <= read


# --- The API and the worker ---------------------------------------------------------------------


def test_the_api_serves_the_stored_summary_as_it_was_stored(world, viewer):
    api = api_as(viewer)
    response = api.get(f"/api/v1/evaluations/{world.pk}/results/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    expected = results_summary_dict(computed_results(rfp=world))
    body = json.loads(response.content)
    for data in (body, expected):
        data.pop("generated_at")
    assert body == expected
    row = StoredResults.objects.get(rfp=world, lot_id=0)
    assert bytes(row.summary_json) == response.content
    with CaptureQueriesContext(connection) as context:
        again = api.get(f"/api/v1/evaluations/{world.pk}/results/")
    assert again.content == response.content
    assert len(context.captured_queries) <= 8  # token, user, evaluation, reader, row, envelopes


def test_the_worker_recomputes_what_went_stale_before_anyone_reads_it(world, viewer):
    evaluation_results(rfp=world, user=viewer)
    lot = world.lots.get()
    evaluation_results(rfp=world, user=viewer, lot=lot)
    assert scoring_tasks.refresh_stale_results() == 0
    _score_down(world)
    assert sorted(stored.stale()) == sorted([(world.pk, 0), (world.pk, lot.pk)])
    assert scoring_tasks.refresh_stale_results() == 2  # queued (run eagerly in tests)
    assert stored.stale() == []
    assert served_queries(world, viewer) <= 4
    # Run again (a redelivered message): nothing to do.
    assert scoring_tasks.refresh_stored_results(world.pk, 0) == "fresh"


def test_the_worker_deletes_a_result_that_can_no_longer_be_computed(world, viewer):
    lot = world.lots.get()
    evaluation_results(rfp=world, user=viewer, lot=lot)
    Lot.objects.filter(pk=lot.pk).delete()
    assert scoring_tasks.refresh_stored_results(world.pk, lot.pk) == "deleted"
    assert not StoredResults.objects.filter(rfp=world, lot_id=lot.pk).exists()
