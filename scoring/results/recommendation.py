"""The recommendation in words: why the first proposal is recommended (every main
criterion against the runner-up), prices far from the median of the compliant bids,
the internal budget against the bids."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from decimal import Decimal

from scoring import automatic
from scoring.results.shape import BidFlag, CriterionComparison, LotResults, ProposalResult
from scoring.selectors import percent_label


def why_recommended(
    ordered: Sequence[ProposalResult], method: str
) -> tuple[tuple[CriterionComparison, ...], str]:
    """Why the first is recommended: every main criterion, against the runner-up."""
    if not ordered:
        return (), ""
    first = ordered[0]
    second = ordered[1] if len(ordered) > 1 else None
    rows = []
    for mine in first.criteria:
        theirs = (
            next((c for c in second.criteria if c.criterion_id == mine.criterion_id), None)
            if second is not None
            else None
        )
        share = f"{mine.name} ({percent_label(mine.global_percent)} of the total)"
        if mine.score_points is None:
            rows.append(
                CriterionComparison(
                    mine.criterion_id, mine.name, mine.global_percent, None, None, None,
                    f"{share}: no score.",
                )
            )  # fmt: skip
            continue
        if second is None or theirs is None or theirs.score_points is None:
            rows.append(
                CriterionComparison(
                    mine.criterion_id, mine.name, mine.global_percent, mine.score_points,
                    None, None, f"{share}: {mine.score_points:.1f} out of 100.",
                )
            )  # fmt: skip
            continue
        gain = (mine.contribution or 0.0) - (theirs.contribution or 0.0)
        if abs(gain) < 0.05:
            verdict = "level"
        else:
            verdict = f"{gain:+.1f} weighted points".replace("-", "−")
        rows.append(
            CriterionComparison(
                mine.criterion_id,
                mine.name,
                mine.global_percent,
                mine.score_points,
                theirs.score_points,
                gain,
                f"{share}: {first.vendor} {mine.score_points:.1f}, {second.vendor} "
                f"{theirs.score_points:.1f} out of 100 ({verdict}).",
            )
        )
    if second is None:
        return tuple(rows), f"{first.vendor} is the only proposal that can be awarded."
    ahead = sorted(
        (r for r in rows if r.gain is not None and r.gain >= 0.05), key=lambda r: -(r.gain or 0)
    )
    behind = sorted(
        (r for r in rows if r.gain is not None and r.gain <= -0.05), key=lambda r: r.gain or 0
    )
    margin = (first.total_points or 0.0) - (second.total_points or 0.0)
    total = "closeness points" if method == "topsis" else "points"
    summary = f"{first.vendor} leads {second.vendor} by {margin:.1f} {total}"
    if ahead:
        summary += ", ahead on " + ", ".join(r.name for r in ahead)
    if behind:
        summary += (" and" if ahead else ",") + " behind on " + ", ".join(r.name for r in behind)
    return tuple(rows), summary + "."


ABNORMAL_BID_THRESHOLD = 0.30


def abnormal_bids(
    ordered: Sequence[ProposalResult], currency: str
) -> tuple[tuple[BidFlag, ...], str]:
    """Compliant bids more than 30 % below or above the median of the compliant bids:
    the buyer asks the vendor to justify its price (an abnormally low bid may not be
    sustainable; a high one may hide a misunderstanding of the scope)."""
    priced = [(p, p.tco.total) for p in ordered if p.tco is not None]
    if len(priced) < 2:
        return (), (
            "Only one compliant bid has a price: there is no median to compare it with."
            if priced
            else ""
        )
    median = Decimal(statistics.median([total for _, total in priced]))
    count = len(priced)
    note = (
        f"Each compliant bid is compared with the median of the {count} compliant bids "
        f"({automatic.format_money(median, currency)}); more than "
        f"{ABNORMAL_BID_THRESHOLD * 100:.0f} % below or above it is flagged."
    )
    if median <= 0:
        return (), note
    flags = []
    for result, total in priced:
        difference = float((total - median) / median)
        if abs(difference) <= ABNORMAL_BID_THRESHOLD:
            continue
        kind = "low" if difference < 0 else "high"
        flags.append(
            BidFlag(
                result.proposal_id,
                result.vendor,
                total,
                median,
                difference * 100,
                kind,
                f"{result.vendor}: {automatic.format_money(total, currency)} is "
                f"{abs(difference) * 100:.0f} % {'below' if kind == 'low' else 'above'} the "
                f"median of the {count} compliant bids — abnormally {kind}: ask the vendor "
                "to justify its price.",
            )
        )
    return tuple(flags), note


def budget_check(
    budget: Decimal | None,
    lots: Sequence[LotResults],
    currency: str,
    commercial_open: bool,
    every_lot: bool,
) -> str:
    """The buyer's internal budget (for every lot) against the recommended bids and the
    lowest compliant bids."""
    if budget is None:
        return "No internal budget was set for this RFP."
    money = automatic.format_money
    if not commercial_open:
        return (
            "The prices are sealed: the internal budget is compared with the bids once they open."
        )
    recommended = [lot.recommended_tco for lot in lots]
    lowest = [lot.lowest_tco for lot in lots]
    if not lots or any(value is None for value in recommended + lowest):
        return f"Budget {money(budget, currency)}: not every lot has a ranked bid with a price yet."

    def against(amount: Decimal) -> str:
        difference = amount - budget
        if budget > 0 and difference > 0:
            return f"{difference / budget * 100:.0f} % over the budget"
        if difference > 0:
            return f"{money(difference, currency)} over the budget"
        return f"within the budget ({money(-difference, currency)} to spare)"

    total = sum((value for value in recommended if value is not None), Decimal(0))
    low = sum((value for value in lowest if value is not None), Decimal(0))
    scope = "" if every_lot else " (the budget covers every lot; this compares one)"
    return (
        f"The internal budget is {money(budget, currency)}{scope}. The recommended bids total "
        f"{money(total, currency)}: {against(total)}. The lowest compliant bids total "
        f"{money(low, currency)}: {against(low)}."
    )
