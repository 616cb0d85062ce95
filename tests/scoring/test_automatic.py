"""Automatic criteria against hand-worked examples: total cost of ownership (and its
conversion), location with the buyer's override, business-hours overlap, language
match, SLA deviations, knock-outs and certifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from bpo_portal.money import format_money
from proposals.content import SubmittedCentre, SubmittedCommitment
from proposals.models import ExchangeRate
from rfp.models import Direction, ServiceLevel
from scoring import automatic, services
from scoring.results import evaluation_results
from tests.conftest import api_as
from tests.scoring import factories as f
from vendors import services as vendor_services
from vendors.geography import LocationModel

pytestmark = pytest.mark.django_db


def leaf_of(result, name):
    return next(leaf for leaf in result.leaves if leaf.name == name)


def vendor(results, name):
    return next(p for p in results.lots[0].all_proposals if p.vendor.startswith(name))


# --- Cost ----------------------------------------------------------------------------------------


def test_total_cost_of_ownership_by_hand(scored, procurement_manager):
    """The starter lot: 40 FTEs, 55,000 contacts a month, 36 months.

    Vendor A: 50,000 setup + 1,200 × 40 training + 3,000 × 40 × 36 per FTE
    + 0.50 × 55,000 × 36 per contact + 8,000 × 36 management = 5,696,000.
    Vendor B: 30,000 + 900 × 40 + 2,600 × 40 × 36 + 0.40 × 55,000 × 36 + 6,000 × 36
    = 4,818,000. Lowest cost gets full marks: A scores 4,818,000 / 5,696,000.
    """
    results = evaluation_results(rfp=scored.rfp, user=procurement_manager)
    a, b = vendor(results, "Manila"), vendor(results, "Bangalore")
    assert a.tco.total == Decimal("5696000.00")
    assert b.tco.total == Decimal("4818000.00")
    assert a.tco.one_time == Decimal("98000.00")
    assert a.tco.recurring == Decimal("5598000.00")
    assert a.tco.monthly_run_rate == Decimal("155500.00")
    lines = {line.charge_type: line for line in a.tco.lines}
    per_fte = lines["Per FTE per month"]
    assert (per_fte.unit_price, per_fte.quantity, per_fte.months) == (
        Decimal("3000.0000"),
        Decimal("40.00"),
        36,
    )
    assert per_fte.total == Decimal("4320000.00")
    assert per_fte.basis == "40 FTEs"
    tco_a, tco_b = leaf_of(a, "Total cost of ownership"), leaf_of(b, "Total cost of ownership")
    assert tco_b.normalised == pytest.approx(1.0)
    assert tco_a.normalised == pytest.approx(4818000 / 5696000)
    assert tco_a.contribution == pytest.approx(40 * 4818000 / 5696000)
    assert any("× 40 FTEs × 36 months" in row.detail for row in tco_a.rows)


def _usd_rfp_with_a_bid_in_euros(buyer_admin, procurement_manager, vendor_a, vendor_b):
    """A USD RFP past its deadline: vendor A bids in USD, vendor B (Bangalore) in EUR,
    converted at 1.10 (ECB, today)."""
    ExchangeRate.objects.create(
        base="EUR", quote="USD", rate=Decimal("1.10"), as_of=timezone.localdate(), source="ECB"
    )
    rfp = f.make_rfp(
        procurement_manager, buyer_admin, [vendor_a, vendor_b], allow_vendor_currency=True
    )
    f.submit(vendor_a, rfp, f.Bid())
    f.submit(vendor_b, rfp, f.Bid(prices=f.PRICES_B, currency="EUR"))
    rfp = f.pass_deadline(rfp)
    services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    return rfp


def test_prices_in_another_currency_are_converted_at_the_recorded_rate(
    buyer_admin, procurement_manager, vendor_a, vendor_b, evaluator
):
    rfp = _usd_rfp_with_a_bid_in_euros(buyer_admin, procurement_manager, vendor_a, vendor_b)
    results = evaluation_results(rfp=rfp, user=procurement_manager)
    b = vendor(results, "Bangalore")
    # 4,818,000 EUR × 1.10 = 5,299,800 USD.
    assert b.tco.bid_currency == "EUR" and b.tco.currency == "USD"
    assert b.tco.rate == Decimal("1.10")
    assert b.tco.total == Decimal("5299800.00")
    assert leaf_of(b, "Total cost of ownership").raw == pytest.approx(5299800.0)
    assert any(row.label == "Exchange rate" for row in leaf_of(b, "Total cost of ownership").rows)


# --- Location ------------------------------------------------------------------------------------


def test_location_with_the_buyers_override(
    buyer_admin, procurement_manager, vendor_a, vendor_b, evaluator
):
    """Colombia is offshore for a US buyer by geography; Northwind counts it nearshore.

    The RFP prefers nearshore. Vendor A proposes Bogotá (60 %, Spanish only, 24/7) and
    Manila (40 %, English, 24/7). Location model: 0.6 × 100 (preferred) + 0.4 × 50
    (offshore, accepted) = 80. Language match (English required): 0.6 × 0 + 0.4 × 100
    = 40. Business hours: both 24/7, so 100.
    """
    vendor_services.location_override_set(
        actor=buyer_admin, country="CO", location_model=LocationModel.NEARSHORE
    )
    rfp = f.make_rfp(
        procurement_manager,
        buyer_admin,
        [vendor_a, vendor_b],
        preferred_location_model=LocationModel.NEARSHORE,
    )
    f.submit(
        vendor_a,
        rfp,
        f.Bid(
            centres=(
                f.Centre("CO", "Bogotá", "60", languages=("es",), is_24_7=True),
                f.Centre("PH", "Manila", "40", is_24_7=True),
            )
        ),
    )
    f.submit(vendor_b, rfp, f.Bid(centres=(f.Centre("PH", "Cebu", "100", is_24_7=True),)))
    rfp = f.pass_deadline(rfp)
    services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    results = evaluation_results(rfp=rfp, user=procurement_manager)
    a = vendor(results, "Manila")
    bogota = next(c for c in a.centres if c.city == "Bogotá")
    assert bogota.location_model == "nearshore" and bogota.preferred
    assert leaf_of(a, "Location model").raw == pytest.approx(80.0)
    assert leaf_of(a, "Language match").raw == pytest.approx(40.0)
    assert leaf_of(a, "Business-hours overlap").raw == pytest.approx(100.0)
    # Vendor B: Cebu only, offshore but accepted: 50.
    assert leaf_of(vendor(results, "Bangalore"), "Location model").raw == pytest.approx(50.0)
    rows = leaf_of(a, "Location model").rows
    assert any("Bogotá" in row.label and "preferred" in row.detail for row in rows)


def _context(**changes):
    values = {
        "buyer_time_zone": "America/New_York",
        "buyer_start": dt.time(9),
        "buyer_end": dt.time(17),
        "on_date": dt.date(2026, 1, 15),  # winter: New York is UTC-5
        "preferred_model": "",
        "accepted_models": {"onshore": True, "nearshore": True, "offshore": False},
        "required_languages": {"en": "English", "es": "Spanish"},
        "language_names": {"en": "English", "es": "Spanish", "tl": "Tagalog", "hi": "Hindi"},
        "classify": lambda country: {
            "US": LocationModel.ONSHORE,
            "MX": LocationModel.NEARSHORE,
        }.get(country, LocationModel.OFFSHORE),
    }
    values.update(changes)
    return automatic.LocationContext(**values)


def centre(city, country, share, zone, opens=None, closes=None, languages=("en",), always=False):
    return SubmittedCentre(
        delivery_centre_id=hash(city) % 1000,
        name=city,
        country=country,
        city=city,
        seats=100,
        languages=tuple(languages),
        time_zone=zone,
        is_24_7=always,
        opens_at=opens,
        closes_at=closes,
        delivery_mode="offsite",
        share=Decimal(share),
    )


def test_business_hours_overlap_weighted_by_share():
    """New York 9-17 EST is 14:00-22:00 UTC. Manila's night shift 21:00-06:00 (UTC+8) is
    13:00-22:00 UTC: 8 of 8 hours. Bangalore 9-18 IST (UTC+5:30) is 03:30-12:30 UTC:
    none. Monterrey 8-17 (UTC-6) is 14:00-23:00 UTC: 8 hours. Shares 50/25/25:
    0.5 × 100 + 0.25 × 0 + 0.25 × 100 = 75."""
    context = _context()
    details = automatic.centre_details(
        [
            centre("Manila", "PH", "50", "Asia/Manila", dt.time(21), dt.time(6)),
            centre("Bangalore", "IN", "25", "Asia/Kolkata", dt.time(9), dt.time(18)),
            centre("Monterrey", "MX", "25", "America/Monterrey", dt.time(8), dt.time(17)),
        ],
        context,
    )
    by_city = {d.city: d for d in details}
    assert by_city["Manila"].overlap_hours == pytest.approx(8.0)
    assert by_city["Bangalore"].overlap_hours == pytest.approx(0.0)
    assert by_city["Monterrey"].overlap_hours == pytest.approx(8.0)
    value = automatic.business_hours_value(details, context)
    assert value.value == pytest.approx(75.0)
    # Location model: offshore is not accepted here (0), Monterrey nearshore accepted with
    # no preference set (100): 0.75 × 0 + 0.25 × 100 = 25.
    assert automatic.location_model_value(details, context).value == pytest.approx(25.0)
    # Languages: English and Spanish required, each centre speaks English only: 50.
    assert automatic.languages_value(details, context).value == pytest.approx(50.0)


def test_preference_points():
    context = _context(
        preferred_model="nearshore",
        accepted_models={"onshore": True, "nearshore": True, "offshore": True},
    )
    assert automatic.preference_points("nearshore", context) == (100.0, True, True)
    assert automatic.preference_points("onshore", context) == (50.0, True, False)
    context = _context(accepted_models={"onshore": True, "nearshore": False, "offshore": False})
    assert automatic.preference_points("nearshore", context) == (0.0, False, False)


# --- SLA, knock-outs and certifications ----------------------------------------------------------


def level(metric, target, direction, unit="%"):
    return ServiceLevel(
        pk=hash(metric) % 10_000,
        metric=metric,
        name=metric,
        target=Decimal(target),
        unit=unit,
        direction=direction,
    )


def test_sla_deviation_in_the_wrong_direction_costs_its_relative_shortfall():
    aht = level("aht", "360", Direction.LOWER, "seconds")
    csat = level("csat", "85", Direction.HIGHER)
    fcr = level("fcr", "75", Direction.HIGHER)
    service = level("service_level", "80", Direction.HIGHER)

    def commit(lvl, value=None, accepts=False):
        return SubmittedCommitment(lvl.pk, accepts, Decimal(value) if value else None, "")

    # AHT 400 s against at most 360 s: 40/360 = 11.1 % over, 88.89 points.
    assert automatic.sla_level_points(aht, commit(aht, "400"))[0] == pytest.approx(
        100 * (1 - 40 / 360)
    )
    # Better than the target costs nothing and earns nothing extra.
    assert automatic.sla_level_points(aht, commit(aht, "300"))[0] == 100.0
    # CSAT 80 % against at least 85 %: 5/85 short.
    assert automatic.sla_level_points(csat, commit(csat, "80"))[0] == pytest.approx(
        100 * (1 - 5 / 85)
    )
    value = automatic.sla_value(
        [aht, csat, fcr, service],
        {
            aht.pk: commit(aht, "400"),
            csat.pk: commit(csat, accepts=True),
            fcr.pk: commit(fcr, "60"),  # 15/75 short: 80 points
        },  # no answer on the service level: 0
    )
    assert value.value == pytest.approx((100 * (1 - 40 / 360) + 100 + 80 + 0) / 4)
    assert [row.value for row in value.rows][-1] == "0.0 / 100"


def test_sla_of_the_fixture_vendor(scored, procurement_manager):
    """Vendor B proposes AHT 400 s against 360 s and accepts the other four targets:
    (4 × 100 + 88.89) / 5 = 97.78."""
    results = evaluation_results(rfp=scored.rfp, user=procurement_manager)
    b = vendor(results, "Bangalore")
    assert leaf_of(b, "SLA commitments").raw == pytest.approx((400 + 100 * (1 - 40 / 360)) / 5)
    assert leaf_of(vendor(results, "Manila"), "SLA commitments").raw == pytest.approx(100.0)


def test_knockouts_and_certifications(
    buyer_admin, procurement_manager, vendor_a, vendor_b, evaluator
):
    rfp = f.make_rfp(procurement_manager, buyer_admin, [vendor_a, vendor_b])
    f.submit(vendor_a, rfp, f.Bid())
    f.submit(vendor_b, rfp, f.Bid(knockout="no", certifications=("iso-iec-27001",)))
    rfp = f.pass_deadline(rfp)
    services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    results = evaluation_results(rfp=rfp, user=procurement_manager)
    a, b = vendor(results, "Manila"), vendor(results, "Bangalore")
    assert leaf_of(a, "Knock-out questions").raw == 100.0
    assert leaf_of(b, "Knock-out questions").raw == 0.0
    assert leaf_of(a, "Certifications").raw == 100.0
    assert leaf_of(b, "Certifications").raw == 50.0  # ISO 27001 held, PCI DSS not
    assert any(
        "PCI DSS" in row.label and row.value == "no" for row in leaf_of(b, "Certifications").rows
    )
    assert b.compliance == "non_compliant" and not b.awardable
    assert b.not_ranked_reason.startswith("Excluded (non-compliant): ")
    # Nothing is scored yet: the compliant one waits for its scores, not excluded.
    assert a.compliance != "non_compliant"
    assert a.not_ranked_reason.startswith("Not ranked until scored: 5 items have no score")


@pytest.mark.parametrize("currency", ["USD", "EUR", "PHP", "INR", "MXN", "JPY", "KWD", "CHF"])
@pytest.mark.parametrize("amount", ["0", "0.5", "1234567.891", "999.995", "5696000"])
def test_fast_money_text_matches_the_shared_formatter(currency, amount):
    assert automatic.format_money(Decimal(amount), currency) == format_money(
        Decimal(amount), currency
    )


def test_a_converted_total_is_never_labelled_with_the_bid_currency_at_any_door(
    buyer_admin, procurement_manager, vendor_a, vendor_b, viewer
):
    """The review's finding: a Mexican vendor's `tco` said `"currency": "MXN"` beside a
    total of converted US dollars. Every total is now paired with the currency it is in:
    the API's `currency` is the RFP's, the bid's own is `bid_currency`."""
    rfp = _usd_rfp_with_a_bid_in_euros(buyer_admin, procurement_manager, vendor_a, vendor_b)
    body = api_as(viewer).get(f"/api/v1/evaluations/{rfp.pk}/results/?expand=leaves").json()
    lot = body["lots"][0]
    row = next(r for r in lot["ranking"] + lot["not_ranked"] if r["vendor"].startswith("Bangalore"))
    tco = row["tco"]
    # 4,818,000 EUR × 1.10 = 5,299,800 USD: the pair says USD.
    assert (tco["total"], tco["currency"]) == ("5299800.00", "USD")
    assert tco["bid_currency"] == "EUR" and Decimal(tco["rate"]) == Decimal("1.10")
    for line in tco["lines"]:
        assert Decimal(line["total"]) == (Decimal(line["bid_total"]) * Decimal("1.10")).quantize(
            Decimal("0.01")
        )
    assert sum(Decimal(line["total"]) for line in tco["lines"]) == Decimal(tco["total"])
    # The drill-down page labels the unit prices EUR and the totals USD.
    client = Client()
    client.force_login(viewer)
    page = client.get(f"/scoring/rfp/{rfp.pk}/results/{row['proposal_id']}/").content.decode()
    assert "Unit price (EUR)" in page and "Total (USD)" in page
    assert "converted at 1 EUR = 1.1 USD" in page
