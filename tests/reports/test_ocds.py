"""Open-contracting data: an RFP as an OCDS 1.1 release package (issue 20, part 5),
validated against the JSON Schema in reports/ocds at each stage: draft, published,
past the deadline (two envelopes: bids without amounts), prices opened, awarded. The
internal budget never appears, nor a price while the commercial envelope is sealed."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import timezone
from jsonschema import Draft4Validator, FormatChecker

from proposals import services as proposal_services
from proposals.models import ExchangeRate
from reports import ocds
from rfp import services as rfp_services
from rfp.models import RFP
from scoring import award as award_services
from tests.conftest import api_as
from tests.rfp.conftest import BUDGET, make_ready_rfp
from tests.scoring import factories as f
from tests.scoring.conftest import PRICES_LOW
from tests.vendors.factories import pdf_upload

pytestmark = pytest.mark.django_db

JUSTIFICATION = (
    "Lowest total cost of ownership with SLA commitments close to target; the panel "
    "found its references relevant."
)
# What the starter's TCO comes to for the two bids: never in the export while sealed.
PRICE_FRAGMENTS = ("50000", "30000", "8000", "6000", "2600", "3000")


def validator() -> Draft4Validator:
    schema = ocds.release_package_schema()
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=FormatChecker())


def export(user, rfp: RFP) -> dict:
    response = api_as(user).get(f"/api/v1/rfps/{rfp.pk}/ocds/")
    assert response.status_code == 200, response.content
    package = response.json()
    errors = sorted(validator().iter_errors(package), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    assert package["version"] == "1.1"
    assert package["uri"].endswith(f"/api/v1/rfps/{rfp.pk}/ocds/")
    (release,) = package["releases"]
    assert package["publishedDate"] == release["date"]
    assert release["ocid"] == f"ocds-bpoportal-{rfp.pk}"
    assert release["initiationType"] == "tender"
    text = json.dumps(package)
    for budget in (str(BUDGET), str(float(BUDGET)), "987654"):
        assert budget not in text  # the internal budget, in any spelling
    assert "value" not in release["tender"]
    # Every organization referenced is a party, with the role its place implies.
    roles = {p["id"]: (p["name"], set(p["roles"])) for p in release["parties"]}
    assert release["buyer"]["id"] in roles
    for detail in release.get("bids", {}).get("details", []):
        for tenderer in detail["tenderers"]:
            assert "tenderer" in roles[tenderer["id"]][1]
            assert roles[tenderer["id"]][0] == tenderer["name"]
    for award in release.get("awards", []):
        for supplier in award["suppliers"]:
            assert roles[supplier["id"]][0] == supplier["name"]
            if award["status"] != "cancelled":
                assert "supplier" in roles[supplier["id"]][1]
    lots = {lot["id"] for lot in release["tender"]["lots"]}
    for item in release.get("bids", {}).get("details", []) + release.get("awards", []):
        assert set(item.get("relatedLots", [])) <= lots
    return release


def assert_no_prices(release: dict) -> None:
    text = json.dumps(release)
    assert '"value"' not in text and '"amount"' not in text
    for fragment in PRICE_FRAGMENTS:
        assert fragment not in text


def test_a_draft_is_planning_and_says_nothing_of_bids(procurement_manager, vendor_a):
    rfp = make_ready_rfp(procurement_manager, invite=(vendor_a.vendor_membership.company,))
    rfp_services.rfp_attachment_add(
        actor=procurement_manager, rfp=rfp, version=rfp.version, upload=pdf_upload("sow.pdf")
    )
    release = export(procurement_manager, rfp)
    (document,) = release["tender"]["documents"]
    assert document["documentType"] == "biddingDocuments"
    assert (document["title"], document["format"]) == ("sow.pdf", "application/pdf")
    assert release["tag"] == ["planning"]
    assert release["tender"]["status"] == "planning"
    assert "bids" not in release and "awards" not in release
    assert [p["roles"] for p in release["parties"]] == [["buyer", "procuringEntity"]]
    assert release["buyer"]["id"] == release["parties"][0]["id"]


def test_published_before_the_deadline_no_bids(published_rfp, procurement_manager, vendor_a):
    f.submit(vendor_a, published_rfp, f.Bid())
    release = export(procurement_manager, published_rfp)
    tender = release["tender"]
    assert release["tag"] == ["tender"]
    assert tender["status"] == "active"
    assert tender["procurementMethod"] == "selective"
    assert tender["mainProcurementCategory"] == "services"
    assert tender["tenderPeriod"]["endDate"] and tender["enquiryPeriod"]["endDate"]
    assert [lot["status"] for lot in tender["lots"]] == ["active"]
    assert "bids" not in release
    # Nobody's name leaks before the seal lifts: only the buyer is a party.
    assert len(release["parties"]) == 1
    assert "Manila" not in json.dumps(release) and "Bangalore" not in json.dumps(release)
    assert_no_prices(release)


@pytest.fixture
def two_envelopes(buyer_admin, procurement_manager, vendor_a, vendor_b) -> RFP:
    rfp = f.make_rfp(procurement_manager, buyer_admin, [vendor_a, vendor_b], two_envelopes=True)
    f.submit(vendor_a, rfp, f.Bid())
    f.submit(vendor_b, rfp, f.Bid(prices=PRICES_LOW))
    return f.pass_deadline(rfp)


def test_two_envelopes_bids_without_amounts_then_with(
    two_envelopes, procurement_manager, evaluator
):
    rfp = two_envelopes
    release = export(procurement_manager, rfp)
    details = release["bids"]["details"]
    assert len(details) == 2
    assert all("value" not in d for d in details)
    assert {d["tenderers"][0]["id"] for d in details} == {
        p["id"] for p in release["parties"] if "tenderer" in p["roles"]
    }
    lot_ids = [lot["id"] for lot in release["tender"]["lots"]]
    assert all(d["relatedLots"] == lot_ids for d in details)
    assert_no_prices(release)

    f.make_technical_evaluation_final(procurement_manager, rfp, [evaluator])
    proposal_services.commercial_envelope_open(actor=procurement_manager, rfp=rfp)
    opened = export(procurement_manager, rfp)
    values = sorted(d["value"]["amount"] for d in opened["bids"]["details"])
    assert len(values) == 2 and values[0] < values[1]
    assert all(d["value"]["currency"] == "USD" for d in opened["bids"]["details"])
    assert opened["id"] != release["id"]  # another release: its content changed


def test_after_the_award(scored, procurement_manager, buyer_admin):
    rfp = scored.rfp
    winner = rfp.proposals.get(company__legal_name="Bangalore Process Ltd")
    award = award_services.award_propose(
        actor=procurement_manager,
        evaluation=scored,
        lot=rfp.lots.get(),
        winners=[winner],
        justification=JUSTIFICATION,
    )
    pending = export(procurement_manager, rfp)
    assert pending["tag"] == ["tender", "award"]
    assert [a["status"] for a in pending["awards"]] == ["pending"]

    award_services.award_approve(actor=buyer_admin, award=award)
    release = export(procurement_manager, RFP.objects.get(pk=rfp.pk))
    (entry,) = release["awards"]
    assert entry["status"] == "active"
    assert entry["suppliers"] == [
        {"id": f"vendor-{winner.company_id}", "name": "Bangalore Process Ltd"}
    ]
    assert entry["relatedLots"] == [release["tender"]["lots"][0]["id"]]
    bid = next(d for d in release["bids"]["details"] if d["tenderers"] == entry["suppliers"])
    assert entry["value"] == bid["value"] and Decimal(str(bid["value"]["amount"])) > 0
    assert release["tender"]["status"] == "complete"
    assert release["tender"]["lots"][0]["status"] == "complete"
    roles = {p["name"]: p["roles"] for p in release["parties"]}
    assert roles["Bangalore Process Ltd"] == ["tenderer", "supplier"]
    assert roles["Manila Contact Co"] == ["tenderer"]


def test_who_may_read_it(opened, buyer_admin, viewer, evaluator, other_buyer, vendor_a):
    url = f"/api/v1/rfps/{opened.pk}/ocds/"
    assert api_as(buyer_admin).get(url).status_code == 200
    assert api_as(viewer).get(url).status_code == 200
    assert api_as(evaluator).get(url).status_code == 403
    assert api_as(other_buyer).get(url).status_code == 404
    assert api_as(vendor_a).get(url).status_code == 403
    assert api_as(None).get(url).status_code in (401, 403)
    assert api_as(buyer_admin).get("/api/v1/rfps/999999/ocds/").status_code == 404


def test_the_schema_refuses_what_the_standard_does_not_allow(opened, procurement_manager):
    """The schema is strict where we control the object: an unknown field, a code
    outside its codelist or money as a string is refused."""
    package = api_as(procurement_manager).get(f"/api/v1/rfps/{opened.pk}/ocds/").json()
    check = validator()
    assert check.is_valid(package)
    release = package["releases"][0]
    release["tender"]["budget"] = "1"
    assert not check.is_valid(package)
    del release["tender"]["budget"]
    release["tender"]["status"] = "closed"
    assert not check.is_valid(package)
    release["tender"]["status"] = "active"
    release["bids"]["details"][0]["value"] = {"amount": "1.00", "currency": "USD"}
    assert not check.is_valid(package)


def test_a_withdrawn_bid_and_a_cancelled_rfp(buyer_admin, procurement_manager, vendor_a, vendor_b):
    rfp = f.make_rfp(procurement_manager, buyer_admin, [vendor_a, vendor_b])
    f.submit(vendor_a, rfp, f.Bid())
    gone = f.submit(vendor_b, rfp, f.Bid(prices=PRICES_LOW))
    proposal_services.proposal_withdraw(actor=vendor_b, proposal=gone, reason="No capacity.")
    rfp = f.pass_deadline(rfp)
    release = export(procurement_manager, rfp)
    statuses = {d["tenderers"][0]["name"]: d["status"] for d in release["bids"]["details"]}
    assert statuses == {"Manila Contact Co": "valid", "Bangalore Process Ltd": "withdrawn"}
    withdrawn = next(d for d in release["bids"]["details"] if d["status"] == "withdrawn")
    assert "value" not in withdrawn

    sealed = f.make_rfp(procurement_manager, buyer_admin, [vendor_a], title="Back office")
    f.submit(vendor_a, sealed, f.Bid())
    sealed = rfp_services.rfp_cancel(
        actor=procurement_manager, rfp=sealed, version=sealed.version, reason="Budget cut."
    )
    release = export(procurement_manager, sealed)
    assert release["tag"] == ["tenderCancellation"]
    assert release["tender"]["status"] == "cancelled"
    assert "bids" not in release  # a cancelled RFP's proposals stay sealed
    assert_no_prices(release)


def test_a_bid_in_another_currency_keeps_its_own(
    buyer_admin, procurement_manager, vendor_a, vendor_b
):
    """The bid is what the vendor offered, in its currency: never the converted total
    under the vendor's currency label (issue 20's MXN mix-up)."""
    ExchangeRate.objects.create(
        base="EUR", quote="USD", rate=Decimal("1.10"), as_of=timezone.localdate(), source="ECB"
    )
    rfp = f.make_rfp(
        procurement_manager, buyer_admin, [vendor_a, vendor_b], allow_vendor_currency=True
    )
    f.submit(vendor_a, rfp, f.Bid())
    f.submit(vendor_b, rfp, f.Bid(prices=f.PRICES_B, currency="EUR"))
    release = export(procurement_manager, f.pass_deadline(rfp))
    values = {d["tenderers"][0]["name"]: d["value"] for d in release["bids"]["details"]}
    assert values["Bangalore Process Ltd"] == {"amount": 4818000.0, "currency": "EUR"}
    assert values["Manila Contact Co"] == {"amount": 5696000.0, "currency": "USD"}
    assert "5299800" not in json.dumps(release)  # the converted amount is not the bid


def test_a_multisourced_award_claims_no_value_until_shares_exist(scored, procurement_manager):
    rfp = scored.rfp
    award_services.award_propose(
        actor=procurement_manager,
        evaluation=scored,
        lot=rfp.lots.get(),
        winners=list(rfp.proposals.all()),
        justification=JUSTIFICATION,
    )
    release = export(procurement_manager, rfp)
    (entry,) = release["awards"]
    assert len(entry["suppliers"]) == 2 and "value" not in entry
    assert all("supplier" in p["roles"] for p in release["parties"][1:])


def test_the_same_contents_give_the_same_package(opened, procurement_manager):
    url = f"/api/v1/rfps/{opened.pk}/ocds/"
    first = api_as(procurement_manager).get(url)
    again = api_as(procurement_manager).get(url)
    assert first.json() == again.json()
    assert first["ETag"] == again["ETag"]
    cached = api_as(procurement_manager).get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert cached.status_code == 304


def test_the_queries_of_an_export(opened, procurement_manager, django_assert_num_queries):
    client = api_as(procurement_manager)
    url = f"/api/v1/rfps/{opened.pk}/ocds/"
    client.get(url)  # the membership and the rates are cached after the first request
    # The RFP with its organization, its lots, its attachments; the envelope openings;
    # the RFP again with its content (languages, certifications, lots, pricing lines, KPIs,
    # sections, questions) and the openings for the proposals' selector; the proposals
    # that count (with their companies and versions: none per bid); the withdrawn ones;
    # the award decisions (none here, so no prefetch of winners).
    with django_assert_num_queries(16):
        assert client.get(url).status_code == 200
