"""What the PDF comparison report says, assembled from the evaluation results.

Everything here reads the results that scoring computed (one selector) and
the proposals as submitted (through the proposals seal); nothing is recomputed
differently from the results page.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from bpo_portal.charts import RadarSeries, StackedBar, radar_chart, stacked_bar_chart
from proposals.selectors import proposals_for_evaluation
from reports.audit import audit_trail
from reports.selectors import is_final
from rfp.models import RFP, Lot


@dataclass
class LotSection:
    lot: Lot
    results: Any  # scoring.scoring_results.LotResults
    main_criteria: list[Any]
    winner: Any
    risks: list[str]
    bar_chart: str
    radar_chart: str
    cost_rows: list[dict[str, Any]]
    sla_rows: list[dict[str, Any]]
    vendors: list[str]
    consensus_rows: list[dict[str, Any]]
    evaluator_criteria: list[str]
    fte_count: Decimal | None
    term_months: int | None
    awarded: bool
    award_label: str
    extra: dict[str, Any] = field(default_factory=dict)


def _risks(lot_results: Any, winner: Any, sla_rows: list[dict[str, Any]]) -> list[str]:
    risks: list[str] = []
    if winner.compliance != "compliant":
        reasons = "; ".join(winner.compliance_reasons) or winner.compliance_label
        risks.append(f"Compliance: {reasons}.")
    elif winner.compliance_override_reason:
        risks.append(f"Compliance was overridden: {winner.compliance_override_reason}")
    deviations = [
        row["name"]
        for row in sla_rows
        for cell in row["cells"]
        if cell["vendor"] == winner.vendor and cell["deviation"]
    ]
    if deviations:
        risks.append("Proposes other targets than asked for: " + ", ".join(deviations) + ".")
    flagged = [
        f for f in lot_results.flagged if f.proposal_id == winner.proposal_id and not f.resolved
    ]
    if flagged:
        risks.append(
            "Evaluators disagree on "
            + ", ".join(f"{f.criterion} (spread {f.spread:.0f})" for f in flagged)
            + "."
        )
    if len(lot_results.ranking) > 1:
        runner_up = lot_results.ranking[1]
        if winner.total_points is not None and runner_up.total_points is not None:
            margin = winner.total_points - runner_up.total_points
            if margin < 3:
                risks.append(f"Narrow lead: {margin:.1f} points ahead of {runner_up.vendor}.")
    critical = lot_results.sensitivity[0] if lot_results.most_critical else None
    if (
        critical is not None
        and critical.relative_change_percent is not None
        and abs(critical.relative_change_percent) < 25
    ):
        risks.append(
            f"The recommendation depends on the weight of {critical.name}: {critical.message}"
        )
    for flag in lot_results.bid_flags:
        if flag.proposal_id == winner.proposal_id:
            risks.append(f"Price: {flag.message}")
    return risks


def _sla_rows(lot: Lot, submitted: list[Any]) -> tuple[list[str], list[dict[str, Any]]]:
    vendors = [item.name for item in submitted]
    rows = []
    for level in lot.service_levels.all():
        cells = []
        for item in submitted:
            part = item.content.lots.get(lot.pk)
            commitment = part.commitments.get(level.pk) if part else None
            if commitment is None:
                cells.append({"vendor": item.name, "text": "—", "deviation": False, "comment": ""})
            elif commitment.accepts_target:
                cells.append(
                    {
                        "vendor": item.name,
                        "text": "Accepts",
                        "deviation": False,
                        "comment": commitment.comment,
                    }
                )
            else:
                cells.append(
                    {
                        "vendor": item.name,
                        "text": f"{commitment.proposed_value} {level.unit}".strip(),
                        "deviation": True,
                        "comment": commitment.comment,
                    }
                )
        rows.append(
            {
                "name": level.name or level.get_metric_display(),
                "target": f"{level.target} {level.unit}".strip(),
                "direction": level.get_direction_display(),
                "credit": level.service_credit_percent,
                "cells": cells,
            }
        )
    return vendors, rows


def _cost_rows(lot: Lot, ranking: list[Any]) -> list[dict[str, Any]]:
    rows = []
    fte = lot.fte_count or None
    months = lot.contract_term_months or None
    for proposal in ranking:
        tco = proposal.tco
        if tco is None:
            continue
        per_fte = None
        if fte and tco.monthly_run_rate is not None:
            per_fte = (tco.monthly_run_rate / Decimal(fte)).quantize(Decimal("0.01"))
        rows.append(
            {
                "vendor": proposal.vendor,
                "tco": tco,
                "per_fte_month": per_fte,
                "months": months,
            }
        )
    lowest = min((row["tco"].total for row in rows), default=None)
    for row in rows:
        row["lowest"] = row["tco"].total == lowest
    return rows


def _consensus(lot_results: Any) -> tuple[list[str], list[dict[str, Any]]]:
    criteria: list[str] = []
    for proposal in lot_results.ranking:
        for leaf in proposal.leaves:
            if leaf.evaluators is not None and leaf.name not in criteria:
                criteria.append(leaf.name)
    rows = []
    for proposal in lot_results.all_proposals:
        cells = []
        for name in criteria:
            leaf = next((item for item in proposal.leaves if item.name == name), None)
            scores = leaf.evaluators if leaf else None
            if scores is None:
                cells.append({"text": "—", "flag": False, "consensus": False})
                continue
            value = scores.value
            cells.append(
                {
                    "text": "—" if value is None else f"{value:.1f}",
                    "spread": scores.spread,
                    "flag": scores.needs_discussion and scores.consensus is None,
                    "consensus": scores.consensus is not None,
                    "count": len(scores.scores),
                }
            )
        rows.append({"vendor": proposal.vendor, "cells": cells})
    return criteria, rows


@dataclass
class Signature:
    role: str
    name: str
    at: Any  # a datetime in the buyer's time zone, or None: to be signed by hand


def _sign_off(sections: list[LotSection], prepared_by: Any, at: Any, zone: str) -> list[Signature]:
    """Prepared by (who asked for the report), reviewed by (by hand), approved by (the
    award's approver once every lot is approved, else by hand)."""
    tz = zoneinfo.ZoneInfo(zone)
    approvals = [
        section.results.award
        for section in sections
        if section.results.award is not None and section.results.award.status == "approved"
    ]
    approved = len(approvals) == len(sections) and bool(sections)
    approvers = sorted({award.decided_by for award in approvals if award.decided_by})
    last = max((award.decided_at for award in approvals if award.decided_at), default=None)
    return [
        Signature(
            "Prepared by",
            str(prepared_by) if prepared_by else "",
            timezone.localtime(at, tz) if prepared_by else None,
        ),
        Signature("Reviewed by", "", None),
        Signature(
            "Approved by",
            ", ".join(approvers) if approved else "",
            timezone.localtime(last, tz) if approved and last else None,
        ),
    ]


def report_context(
    *, rfp: RFP, results: Any, progress: Any, prepared_by: Any = None
) -> dict[str, Any]:
    """Everything reports/comparison.html needs."""
    produced_at = timezone.now()
    lots = {lot.pk: lot for lot in rfp.lots.prefetch_related("service_levels")}
    submitted = proposals_for_evaluation(rfp=rfp)
    sections: list[LotSection] = []
    for index, lot_results in enumerate(results.lots):
        progress(
            30 + int(25 * index / max(len(results.lots), 1)),
            f"Drawing the charts of {lot_results.lot_name}",
        )
        lot = lots[lot_results.lot_id]
        ranking = list(lot_results.ranking)
        if not ranking:
            continue
        main = [c for c in results.criteria if not c.excluded]
        bars = [
            StackedBar(
                p.vendor,
                [
                    next((c.contribution or 0.0 for c in p.criteria if c.criterion_id == m.id), 0.0)
                    for m in main
                ],
            )
            for p in ranking
        ]
        radar = [
            RadarSeries(
                p.vendor,
                [
                    (
                        next((c.score_points for c in p.criteria if c.criterion_id == m.id), None)
                        or 0.0
                    )
                    / 100
                    for m in main
                ],
            )
            for p in ranking[:5]
        ]
        bidders = [item for item in submitted if lot.pk in item.content.lots]
        vendors, sla_rows = _sla_rows(lot, bidders)
        evaluator_criteria, consensus_rows = _consensus(lot_results)
        winner = ranking[0]
        award = lot_results.award
        sections.append(
            LotSection(
                lot=lot,
                results=lot_results,
                main_criteria=main,
                winner=winner,
                risks=_risks(lot_results, winner, sla_rows),
                bar_chart=stacked_bar_chart(
                    bars,
                    [m.name for m in main],
                    title=f"Weighted contribution of each criterion, {lot.name}",
                ),
                radar_chart=radar_chart(
                    [m.name for m in main],
                    radar,
                    title=f"Criterion scores of the top {len(radar)}, {lot.name}",
                    size=330,
                ),
                cost_rows=_cost_rows(lot, ranking),
                sla_rows=sla_rows,
                vendors=vendors,
                consensus_rows=consensus_rows,
                evaluator_criteria=evaluator_criteria,
                fte_count=lot.fte_count,
                term_months=lot.contract_term_months,
                awarded=award is not None and award.status == "approved",
                award_label=(
                    f"{award.status_label}: {', '.join(award.winners)}"
                    if award
                    else "Not yet proposed"
                ),
            )
        )
    timeline, zone = audit_trail(rfp)
    final = is_final(results)
    return {
        "rfp": rfp,
        "results": results,
        "sections": sections,
        "bidder_count": len(submitted),
        "timeline": timeline,
        "time_zone": zone,
        "draft": not final,
        "provisional": results.provisional,
        # The report's own date (the results may have been computed, and stored, earlier:
        # they are current, their inputs unchanged since).
        "sign_off": _sign_off(sections, prepared_by, produced_at, zone),
        "generated_at": timezone.localtime(produced_at, zoneinfo.ZoneInfo(zone)),
        "report_title": f"Vendor comparison — {rfp.title}",
        "footer_left": f"{rfp.reference} · {rfp.organization}",
        "classification": "Confidential — for management",
    }
