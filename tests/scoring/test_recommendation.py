"""The recommendation in words (scoring.results.recommendation), on hand-built results:
no database, every number worked by hand in the test."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from scoring import automatic
from scoring.results import (
    ABNORMAL_BID_THRESHOLD,
    CriterionScore,
    LotResults,
    ProposalResult,
    abnormal_bids,
    budget_check,
    why_recommended,
)

QUALITY, COST, LOCATION = 1, 2, 3


def _tco(total: str) -> automatic.TCOBreakdown:
    amount = Decimal(total)
    return automatic.TCOBreakdown(
        currency="USD",
        bid_currency="USD",
        rate=None,
        rate_as_of=None,
        rate_source="",
        total=amount,
        one_time=Decimal(0),
        recurring=amount,
        per_user=Decimal(0),
        per_device=Decimal(0),
        monthly_run_rate=Decimal(0),
        lines=(),
    )


def _proposal(
    proposal_id: int,
    vendor: str,
    total: float | None,
    criteria: tuple[CriterionScore, ...] = (),
    tco: str | None = None,
) -> ProposalResult:
    return ProposalResult(
        proposal_id=proposal_id,
        company_id=proposal_id,
        vendor=vendor,
        rank=None,
        total_points=total,
        not_ranked_reason="",
        compliance="compliant",
        compliance_label="Compliant",
        compliance_reasons=(),
        compliance_override_reason="",
        awardable=True,
        criteria=criteria,
        leaves=(),
        tco=_tco(tco) if tco is not None else None,
        centres=(),
    )


def _lot(recommended: str | None, lowest: str | None) -> LotResults:
    return LotResults(
        lot_id=1,
        lot_name="Lot",
        ranking=(),
        not_ranked=(),
        tie_breaks=(),
        sensitivity=(),
        sensitivity_note="",
        most_critical="",
        most_critical_any="",
        most_critical_any_message="",
        items_total=0,
        items_missing=0,
        items_unscored=0,
        provisional=False,
        provisional_note="",
        flagged=(),
        award=None,
        award_history=(),
        recommended_tco=Decimal(recommended) if recommended is not None else None,
        lowest_tco=Decimal(lowest) if lowest is not None else None,
    )


# Weights 40 / 40 / 20. Alpha: Quality 82 → 32.8, Cost 70 → 28.0, Location 50 → 10.0 = 70.8.
# Beta:  Quality 74 → 29.6, Cost 80 → 32.0, Location 50 → 10.0 = 71.6 ... so Beta would win;
# make Alpha first with Location 90 → 18.0: Alpha 78.8, Beta 71.6, margin 7.2.
ALPHA = _proposal(
    1,
    "Alpha",
    78.8,
    (
        CriterionScore(QUALITY, "Quality", 40.0, 82.0, 32.8),
        CriterionScore(COST, "Cost", 40.0, 70.0, 28.0),
        CriterionScore(LOCATION, "Location", 20.0, 90.0, 18.0),
    ),
)
BETA = _proposal(
    2,
    "Beta",
    71.6,
    (
        CriterionScore(QUALITY, "Quality", 40.0, 74.0, 29.6),
        CriterionScore(COST, "Cost", 40.0, 80.0, 32.0),
        CriterionScore(LOCATION, "Location", 20.0, 50.0, 10.0),
    ),
)


def test_why_covers_every_main_criterion_against_the_runner_up() -> None:
    rows, summary = why_recommended([ALPHA, BETA], "weighted_sum")

    assert [row.name for row in rows] == ["Quality", "Cost", "Location"]
    quality, cost, location = rows
    assert (quality.recommended_points, quality.runner_up_points) == (82.0, 74.0)
    assert round(quality.gain or 0, 6) == 3.2
    assert "Alpha 82.0, Beta 74.0 out of 100 (+3.2 weighted points)" in quality.message
    assert round(cost.gain or 0, 6) == -4.0
    assert "(−4.0 weighted points)" in cost.message  # a loss is shown, not only gains
    assert round(location.gain or 0, 6) == 8.0
    # The gains and losses add up to the margin, which ends the explanation.
    assert round(sum(row.gain or 0 for row in rows), 6) == round(78.8 - 71.6, 6)
    assert summary == (
        "Alpha leads Beta by 7.2 points, ahead on Location, Quality and behind on Cost."
    )


def test_why_level_criterion_and_topsis_wording() -> None:
    level_beta = replace(
        BETA,
        criteria=(
            CriterionScore(QUALITY, "Quality", 40.0, 82.0, 32.8),
            CriterionScore(COST, "Cost", 40.0, 70.0, 28.0),
            CriterionScore(LOCATION, "Location", 20.0, 50.0, 10.0),
        ),
        total_points=70.8,
    )
    rows, summary = why_recommended([ALPHA, level_beta], "topsis")
    assert "(level)" in rows[0].message
    assert summary == "Alpha leads Beta by 8.0 closeness points, ahead on Location."


def test_why_with_no_runner_up_or_nobody() -> None:
    rows, summary = why_recommended([ALPHA], "weighted_sum")
    assert [row.message for row in rows][0] == "Quality (40 % of the total): 82.0 out of 100."
    assert all(row.gain is None for row in rows)
    assert summary == "Alpha is the only proposal that can be awarded."

    assert why_recommended([], "weighted_sum") == ((), "")


def test_why_with_sealed_cost_and_missing_scores() -> None:
    """Prices sealed: the runner-up has no Cost criterion at all; a None score is said."""
    sealed_beta = replace(BETA, criteria=(BETA.criteria[0], BETA.criteria[2]))
    no_score_alpha = replace(
        ALPHA,
        criteria=(
            ALPHA.criteria[0],
            ALPHA.criteria[1],
            CriterionScore(LOCATION, "Location", 20.0, None, None),
        ),
    )
    rows, summary = why_recommended([no_score_alpha, sealed_beta], "weighted_sum")
    quality, cost, location = rows
    assert quality.gain is not None
    assert cost.runner_up_points is None and cost.gain is None
    assert cost.message == "Cost (40 % of the total): 70.0 out of 100."
    assert location.recommended_points is None
    assert location.message == "Location (20 % of the total): no score."
    assert summary.startswith("Alpha leads Beta by 7.2 points, ahead on Quality")


def test_abnormal_bids_flags_low_and_high_against_the_median() -> None:
    bids = [
        _proposal(1, "Cheap", 80, tco="58000"),
        _proposal(2, "Mid", 70, tco="100000"),
        _proposal(3, "Fair", 60, tco="110000"),
        _proposal(4, "Dear", 50, tco="140000"),
        _proposal(5, "Close", 40, tco="70000"),
    ]
    flags, note = abnormal_bids(bids, "USD")
    # Median of 58k, 70k, 100k, 110k, 140k = 100k; 58k is 42 % below, 140k is 40 % above,
    # 70k is exactly 30 % below (not more than 30 %: not flagged).
    assert [(flag.vendor, flag.kind) for flag in flags] == [("Cheap", "low"), ("Dear", "high")]
    cheap = flags[0]
    assert cheap.median == Decimal(100000)
    assert round(cheap.difference_percent, 6) == -42.0
    assert cheap.message == (
        "Cheap: $58,000.00 is 42 % below the median of the 5 compliant bids — abnormally "
        "low: ask the vendor to justify its price."
    )
    assert "median of the 5 compliant bids ($100,000.00)" in note
    assert ABNORMAL_BID_THRESHOLD == 0.30


def test_a_price_thirty_times_the_others_is_flagged() -> None:
    bids = [
        _proposal(1, "A", 80, tco="100000"),
        _proposal(2, "B", 70, tco="110000"),
        _proposal(3, "C", 60, tco="3000000"),
    ]
    flags, _ = abnormal_bids(bids, "USD")
    assert [(flag.vendor, flag.kind) for flag in flags] == [("C", "high")]
    assert "abnormally high" in flags[0].message


def test_two_bids_use_their_median_and_say_so() -> None:
    """With two bids the median is their mean: still compared, and the text says 2 bids."""
    flags, note = abnormal_bids(
        [_proposal(1, "A", 80, tco="100000"), _proposal(2, "B", 70, tco="3000000")], "USD"
    )
    assert {flag.vendor for flag in flags} == {"A", "B"}
    assert all("median of the 2 compliant bids" in flag.message for flag in flags)
    assert "median of the 2 compliant bids" in note


def test_abnormal_bids_with_one_or_no_price() -> None:
    one = [_proposal(1, "A", 80, tco="100000"), _proposal(2, "Sealed", 70)]
    assert abnormal_bids(one, "USD") == (
        (),
        "Only one compliant bid has a price: there is no median to compare it with.",
    )
    assert abnormal_bids([_proposal(1, "Sealed", 80)], "USD") == ((), "")


def test_budget_against_the_recommended_and_the_lowest_bids() -> None:
    lots = [_lot("5000000", "4000000"), _lot("3600000", "2500000")]
    text = budget_check(Decimal("1800000"), lots, "USD", commercial_open=True, every_lot=True)
    # Recommended 8.6M: (8.6 − 1.8) / 1.8 = 378 % over; lowest 6.5M: 261 % over.
    assert text == (
        "The internal budget is $1,800,000.00. The recommended bids total $8,600,000.00: "
        "378 % over the budget. The lowest compliant bids total $6,500,000.00: 261 % over "
        "the budget."
    )


def test_budget_within_and_one_lot_of_several() -> None:
    text = budget_check(
        Decimal("1000000"), [_lot("900000", "800000")], "USD", commercial_open=True,
        every_lot=False,
    )  # fmt: skip
    assert "(the budget covers every lot; this compares one)" in text
    assert "$900,000.00: within the budget ($100,000.00 to spare)" in text
    assert "$800,000.00: within the budget ($200,000.00 to spare)" in text


def test_budget_none_sealed_or_unpriced() -> None:
    lots = [_lot("900000", "800000")]
    assert budget_check(None, lots, "USD", True, True) == (
        "No internal budget was set for this RFP."
    )
    sealed = budget_check(Decimal(1000), lots, "USD", commercial_open=False, every_lot=True)
    assert sealed.startswith("The prices are sealed")
    assert "$" not in sealed  # not even the budget before the prices open
    unpriced = budget_check(Decimal(1000), [_lot(None, None)], "USD", True, True)
    assert unpriced == "Budget $1,000.00: not every lot has a ranked bid with a price yet."
