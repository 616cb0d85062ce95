"""`computed_results`: the one function that computes every number the results page,
the API and the PDF report show (the per-lot ranking; the parts that stand apart from
it are in `parts`, the rule for opening the prices in `blockers`). Readers go through
`stored.evaluation_results`, which serves it from the database while its inputs stand.

Proposal content is read only through `proposals.selectors`, which keeps the seal:
nothing before the technical envelope opens, no prices before the commercial one does.
While the commercial envelope is closed the cost criteria are set aside (the other
weights rescaled in proportion, level by level) and no price, total cost or cost score
leaves this module.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from bpo_portal.errors import NotFoundError
from proposals.compliance import deadline_day
from proposals.models import ComplianceStatus, Proposal
from proposals.selectors import (
    SubmittedProposal,
    envelope_state,
    proposals_for_evaluation,
    rfp_for_proposals,
)
from rfp.models import RFP, Lot
from scoring import automatic, engine
from scoring.models import (
    SCORE_BANDS,
    AwardDecision,
    AwardStatus,
    ConflictDeclaration,
    ConsensusScore,
    Criterion,
    Evaluation,
    EvaluatorAssignment,
    EvaluatorScore,
    Source,
    WeightMatrix,
)
from scoring.results.parts import award_view, criterion_nodes, what_if_weights
from scoring.results.recommendation import abnormal_bids, budget_check, why_recommended
from scoring.results.shape import (
    ConsensusView,
    CriterionScore,
    EvaluationResults,
    EvaluatorScoreView,
    FlaggedItem,
    ItemScores,
    LeafScore,
    LotResults,
    ProposalResult,
    SensitivityLine,
)
from scoring.results.wording import count_phrase, percent_any_message, sensitivity_lines
from scoring.selectors import (
    AHPSummary,
    TreeNode,
    ahp_summary,
    build_tree,
    criteria_of,
    criteria_problems,
    excluded_ids,
    global_weights,
    leaves_of,
    walk,
)
from vendors.geography import LocationModel
from vendors.models import Language
from vendors.selectors import location_model_for, location_overrides_for

# --- Results: the computation --------------------------------------------------------------------


@dataclass
class _Loaded:
    """Everything evaluation_results reads, in a fixed number of queries."""

    evaluation: Evaluation
    rfp: RFP  # with its content (lots, pricing lines, KPIs, questionnaire)
    tree: list[TreeNode]
    matrices: list[WeightMatrix]
    submitted: list[SubmittedProposal]
    commercial_open: bool
    scores: dict[tuple[int, int, int], list[EvaluatorScoreView]]  # (criterion, proposal, lot)
    consensus: dict[tuple[int, int, int], ConsensusScore]
    awards: list[AwardDecision]
    location: automatic.LocationContext
    assignments: list[tuple[int, int, int | None]]  # (evaluator, criterion, lot or all)
    conflicts: set[tuple[int, int]]  # (evaluator, company) declared conflicted

    @cached_property
    def names(self) -> dict[int, str]:
        """proposal -> the vendor's name as it submitted (every lot and award reads it)."""
        return {item.proposal.pk: item.name for item in self.submitted}


def _load(evaluation: Evaluation, rfp: RFP, *, now: dt.datetime | None = None) -> _Loaded:
    # The RFP with exactly what proposals are read against (and only that: every table
    # read here is an input the stored results' key counts, see `inputs`).
    content_rfp = rfp_for_proposals(rfp.pk)
    submitted = proposals_for_evaluation(rfp=content_rfp, now=now)
    envelopes = envelope_state(content_rfp, now=now)
    criteria = criteria_of(evaluation)
    scores: dict[tuple[int, int, int], list[EvaluatorScoreView]] = defaultdict(list)
    rows = (
        EvaluatorScore.objects.filter(evaluation=evaluation, submitted_at__isnull=False)
        .order_by("evaluator__full_name", "evaluator__email", "id")
        .values_list(
            "criterion_id",
            "proposal_id",
            "lot_id",
            "evaluator_id",
            "evaluator__full_name",
            "evaluator__email",
            "score",
            "comment",
            "submitted_at",
        )
    )
    for criterion, proposal, lot, who, name, email, score, comment, at in rows:
        scores[(criterion, proposal, lot)].append(
            EvaluatorScoreView(who, name or email, score, comment, at)
        )
    consensus = {
        (c.criterion_id, c.proposal_id, c.lot_id): c
        for c in ConsensusScore.objects.filter(evaluation=evaluation).select_related("set_by")
    }
    awards = list(
        AwardDecision.objects.filter(evaluation=evaluation)
        .select_related("proposed_by", "decided_by")
        .prefetch_related(Prefetch("winners", queryset=Proposal.objects.select_related("company")))
    )
    return _Loaded(
        evaluation=evaluation,
        rfp=content_rfp,
        tree=build_tree(criteria),
        matrices=list(WeightMatrix.objects.filter(evaluation=evaluation)),
        submitted=submitted,
        commercial_open=envelopes.commercial_open,
        scores=scores,
        consensus=consensus,
        awards=awards,
        location=location_context(content_rfp, submitted),
        assignments=list(
            EvaluatorAssignment.objects.filter(evaluation=evaluation).values_list(
                "evaluator_id", "criterion_id", "lot_id"
            )
        ),
        conflicts=set(
            ConflictDeclaration.objects.filter(
                evaluation=evaluation, has_conflict=True
            ).values_list("evaluator_id", "company_id")
        ),
    )


def location_context(rfp: RFP, submitted: Sequence[SubmittedProposal]) -> automatic.LocationContext:
    organization = rfp.organization
    assert organization is not None
    overrides = location_overrides_for(organization=organization)
    codes = {
        code
        for item in submitted
        for part in item.content.lots.values()
        for centre in part.centres
        for code in centre.languages
    }
    names = dict(Language.objects.filter(code__in=codes).values_list("code", "name"))
    deadline = rfp.submission_deadline or timezone.now()
    return automatic.LocationContext(
        buyer_time_zone=str(organization.time_zone),
        buyer_start=organization.business_hours_start,
        buyer_end=organization.business_hours_end,
        on_date=timezone.localtime(deadline, organization.time_zone).date(),
        preferred_model=rfp.preferred_location_model,
        accepted_models={
            LocationModel.ONSHORE: rfp.accept_onshore,
            LocationModel.NEARSHORE: rfp.accept_nearshore,
            LocationModel.OFFSHORE: rfp.accept_offshore,
        },
        required_languages={
            language.code: language.name for language in rfp.required_languages.all()
        },
        language_names=names,
        classify=lambda country: location_model_for(
            organization=organization, country=country, overrides=overrides
        ),
    )


def _lot_automatic_values(
    loaded: _Loaded, lot: Lot, item: SubmittedProposal
) -> tuple[dict[str, automatic.AutoValue], automatic.TCOBreakdown | None, tuple[Any, ...]]:
    """Every automatic source's value for one proposal in one lot."""
    rfp = loaded.rfp
    content = item.content
    part = content.lots[lot.pk]
    values: dict[str, automatic.AutoValue] = {}
    tco = None
    if loaded.commercial_open:
        rate = content.exchange_rate
        values[Source.TCO], tco = automatic.tco_value(
            lot,
            (item.costs or {}).get(lot.pk),
            part.prices,
            rate_as_of=rate.as_of if rate else None,
            rate_source=rate.source if rate else "",
        )
    centres = automatic.centre_details(part.centres, loaded.location)
    values[Source.LOCATION_MODEL] = automatic.location_model_value(centres, loaded.location)
    values[Source.BUSINESS_HOURS] = automatic.business_hours_value(centres, loaded.location)
    values[Source.LANGUAGES] = automatic.languages_value(centres, loaded.location)
    questions = [q for section in rfp.sections.all() for q in section.questions.all()]
    values[Source.KNOCKOUTS] = automatic.knockout_value(questions, content.answers)
    values[Source.CERTIFICATIONS] = automatic.certification_value(
        list(rfp.required_certifications.all()),
        content.certifications,
        deadline_day(rfp),  # type: ignore[arg-type]
    )
    values[Source.SLA] = automatic.sla_value(list(lot.service_levels.all()), part.commitments)
    return values, tco, centres


def _item_scores(
    loaded: _Loaded, key: tuple[int, int, int], aggregate: float | None, spread: float | None
) -> ItemScores:
    evaluation = loaded.evaluation
    scores = loaded.scores.get(key, [])
    consensus = loaded.consensus.get(key)
    threshold = float(evaluation.discussion_threshold)
    return ItemScores(
        scores=tuple(scores),
        aggregation=evaluation.aggregation,
        aggregate=aggregate,
        spread=spread,
        needs_discussion=len(scores) >= 2 and spread is not None and spread >= threshold - 1e-9,
        consensus=ConsensusView(
            consensus.score,
            consensus.justification,
            str(consensus.set_by) if consensus.set_by else "",
            consensus.set_at,
        )
        if consensus
        else None,
    )


def _evaluator_aggregates(
    loaded: _Loaded, lot: Lot, proposals: Sequence[SubmittedProposal], leaves: Sequence[TreeNode]
) -> dict[tuple[int, int], ItemScores]:
    """(criterion, proposal) -> ItemScores, aggregated by the engine in one call."""
    evaluator_leaves = [leaf for leaf in leaves if leaf.criterion.is_scored_by_evaluators]
    if not evaluator_leaves or not proposals:
        return {}
    cube: list[list[list[float | None]]] = []
    empty: set[tuple[int, int]] = set()
    for i, item in enumerate(proposals):
        row: list[list[float | None]] = []
        for j, leaf in enumerate(evaluator_leaves):
            scores = loaded.scores.get((leaf.criterion.pk, item.proposal.pk, lot.pk), [])
            if scores:
                row.append([float(s.score) for s in scores])
            else:
                row.append([0.0])  # placeholder: the engine needs a score per cell
                empty.add((i, j))
        cube.append(row)
    matrix = engine.aggregate_matrix(cube, loaded.evaluation.aggregation)  # type: ignore[arg-type]
    out: dict[tuple[int, int], ItemScores] = {}
    for i, item in enumerate(proposals):
        for j, leaf in enumerate(evaluator_leaves):
            missing = (i, j) in empty
            out[(leaf.criterion.pk, item.proposal.pk)] = _item_scores(
                loaded,
                (leaf.criterion.pk, item.proposal.pk, lot.pk),
                None if missing else matrix.values[i][j],
                None if missing else matrix.spread[i][j],
            )
    return out


def _on_scale_kind(criterion: Criterion) -> engine.OnScaleKind:
    """Each criterion on its own scale: evaluator scores 0-10, automatic points 0-100,
    cost relative to the lowest total cost of ownership."""
    if criterion.is_cost:
        return engine.COST_RELATIVE
    if criterion.is_scored_by_evaluators:
        return engine.EVALUATOR_SCALE
    return engine.POINTS_SCALE


def _assigned_evaluators(
    loaded: _Loaded, lot: Lot, leaves: Sequence[TreeNode]
) -> dict[int, set[int]]:
    """leaf criterion -> the evaluators assigned to score it in this lot (an assignment
    of a group covers every evaluator-scored criterion under it)."""
    parents = {node.criterion.pk: node.criterion.parent_id for node in walk(loaded.tree)}
    out: dict[int, set[int]] = {}
    for leaf in leaves:
        if not leaf.criterion.is_scored_by_evaluators:
            continue
        chain: set[int] = set()
        pk: int | None = leaf.criterion.pk
        while pk is not None and pk not in chain:
            chain.add(pk)
            pk = parents.get(pk)
        out[leaf.criterion.pk] = {
            who
            for who, criterion, assigned_lot in loaded.assignments
            if criterion in chain and assigned_lot in (None, lot.pk)
        }
    return out


def _display_name(leaf: TreeNode, parents: Mapping[int, TreeNode]) -> str:
    """A leaf that is its group's only member speaks for the group ("Cost")."""
    parent = parents.get(leaf.criterion.parent_id or 0)
    if parent is not None and len(parent.children) == 1:
        return parent.criterion.name
    return leaf.path


EXCLUDED_PREFIX = "Excluded (non-compliant): "


def _non_compliance_reasons(proposal: Proposal) -> str:
    if proposal.compliance_override == ComplianceStatus.NON_COMPLIANT:
        return f"ruled non-compliant by the buyer: {proposal.compliance_override_reason.strip()}"
    reasons = [str(reason).strip().rstrip(".") for reason in proposal.compliance_reasons or ()]
    kept = [reason for reason in reasons if reason]
    return "; ".join(kept) + "." if kept else "it fails a requirement."


def _lot_results(
    loaded: _Loaded,
    lot: Lot,
    local: Mapping[int, float],
    global_: Mapping[int, float],
    excluded: set[int],
    weighted_leaves: Sequence[TreeNode],
) -> LotResults:
    evaluation = loaded.evaluation
    method = evaluation.ranking_method
    proposals = [item for item in loaded.submitted if lot.pk in item.content.lots]
    all_leaves = [leaf for leaf in leaves_of(loaded.tree) if leaf.criterion.pk not in excluded]
    evaluator_items = _evaluator_aggregates(loaded, lot, proposals, all_leaves)
    raw: dict[int, dict[int, float | None]] = {}
    explained: dict[int, dict[int, automatic.AutoValue]] = {}
    extra: dict[int, tuple[automatic.TCOBreakdown | None, tuple[Any, ...]]] = {}
    assigned = _assigned_evaluators(loaded, lot, all_leaves)
    items_total = items_missing = 0
    unscored: dict[int, list[str]] = defaultdict(list)  # proposal -> items with no score
    pending: dict[int, int] = defaultdict(int)  # proposal -> items not final yet
    for item in proposals:
        pid = item.proposal.pk
        values, tco, centres = _lot_automatic_values(loaded, lot, item)
        extra[pid] = (tco, centres)
        raw[pid] = {}
        explained[pid] = {}
        company = item.proposal.company_id
        conflicted = {who for who, declared in loaded.conflicts if declared == company}
        for leaf in all_leaves:
            criterion = leaf.criterion
            if criterion.is_scored_by_evaluators:
                scores = evaluator_items[(criterion.pk, pid)]
                items_total += 1
                value = scores.value
                waiting = scores.consensus is None and bool(
                    assigned.get(criterion.pk, set())
                    - conflicted
                    - {score.evaluator_id for score in scores.scores}
                )
                if value is None or waiting:
                    pending[pid] += 1
                if value is None:
                    items_missing += 1
                    unscored[pid].append(leaf.path)
                    shown = "not scored yet"
                else:
                    shown = f"{value:.2f}".rstrip("0").rstrip(".") + " / 10"
                    if waiting:
                        shown += " (an assigned evaluator has not scored yet)"
                raw[pid][criterion.pk] = value
                explained[pid][criterion.pk] = automatic.AutoValue(
                    value,
                    shown,
                    "The consensus score set by the procurement manager."
                    if scores.consensus
                    else f"The {evaluation.aggregation} of the evaluators' submitted scores "
                    "(0-10).",
                    problem="" if value is not None else "Not scored yet.",
                )
            else:
                auto = values.get(criterion.source)
                if auto is None:
                    auto = automatic.AutoValue(None, "—", "", problem="Unknown source.")
                raw[pid][criterion.pk] = auto.value
                explained[pid][criterion.pk] = auto

    # Only awardable proposals are ranked for the award: a non-compliant one (a failed
    # knock-out, a missing mandatory certification...; proposals/compliance.py) is listed
    # apart with its reasons, until the buyer overrides it with a recorded reason. So the
    # recommendation, the sensitivity rivals and the award never consider it.
    # An unscored item is never counted as 0: a proposal with an item nobody has scored
    # yet is not ranked until it is (its other scores are shown), and while any item of
    # an awardable proposal waits for an assigned evaluator the results are provisional.
    reasons: dict[int, str] = {}
    for item in proposals:
        pid = item.proposal.pk
        if item.proposal.effective_compliance == ComplianceStatus.NON_COMPLIANT:
            reasons[pid] = EXCLUDED_PREFIX + _non_compliance_reasons(item.proposal)
            continue
        if unscored[pid]:
            missing_items = unscored[pid]
            reasons[pid] = (
                "Not ranked until scored: "
                + count_phrase(len(missing_items), "item has", "items have")
                + f" no score yet ({', '.join(missing_items[:3])}"
                + (", …" if len(missing_items) > 3 else "")
                + ")."
            )
            continue
        # Proposals missing a value on a weighted criterion cannot be ranked.
        for leaf in weighted_leaves:
            if raw[pid][leaf.criterion.pk] is None:
                problem = explained[pid][leaf.criterion.pk].problem or "No value."
                reasons[pid] = f"{leaf.path}: {problem}"
                break
    items_unscored = sum(
        count
        for pid, count in pending.items()
        if not reasons.get(pid, "").startswith(EXCLUDED_PREFIX)
    )
    ranked = [item for item in proposals if item.proposal.pk not in reasons]
    parents = {node.criterion.pk: node for node in walk(loaded.tree)}
    names = {str(leaf.criterion.pk): _display_name(leaf, parents) for leaf in weighted_leaves}
    vendors = {str(item.proposal.pk): loaded.names[item.proposal.pk] for item in proposals}
    wsm: engine.Ranking | None = None
    ranking: engine.Ranking | None = None
    sensitivity: tuple[SensitivityLine, ...] = ()
    sensitivity_note = most_critical = most_critical_any = most_critical_any_message = ""
    tie_breaks: tuple[str, ...] = ()
    if ranked and weighted_leaves:
        ids = [str(item.proposal.pk) for item in ranked]
        crits = [
            engine.Criterion(
                str(leaf.criterion.pk), "cost" if leaf.criterion.is_cost else "benefit"
            )
            for leaf in weighted_leaves
        ]
        matrix = [
            [raw[item.proposal.pk][leaf.criterion.pk] or 0.0 for leaf in weighted_leaves]
            for item in ranked
        ]
        weights = {str(leaf.criterion.pk): global_[leaf.criterion.pk] for leaf in weighted_leaves}
        # Scores keep their meaning: evaluator scores on their 0-10 scale, automatic
        # points on their 0-100 scale, cost relative to the lowest TCO (engine/onscale.py).
        scaled = [
            engine.ScaledCriterion(str(leaf.criterion.pk), _on_scale_kind(leaf.criterion))
            for leaf in weighted_leaves
        ]
        wsm = engine.rank_weighted_sum_on_scale(ids, scaled, matrix, weights)
        ranking = (
            wsm if method == "weighted_sum" else engine.rank(method, ids, crits, matrix, weights)  # type: ignore[arg-type]
        )
        tie_breaks = tuple(_name_ids(tie.explanation, names, vendors) for tie in ranking.tie_breaks)
        if len(ranked) > 1:
            if method == "weighted_sum":
                normalised = [[wsm.get(i).normalised[c.id] for c in scaled] for i in ids]
                analysis = engine.criticality_weighted_sum(
                    ids, [c.id for c in scaled], normalised, weights
                )
            else:
                analysis = engine.criticality_topsis(ids, crits, matrix, weights)
            sensitivity = sensitivity_lines(analysis, names, vendors)
            sensitivity_note = analysis.note
            if analysis.percent_top_criterion:
                most_critical = names[analysis.percent_top_criterion]
            if analysis.percent_any_criterion:
                most_critical_any = names[analysis.percent_any_criterion]
                entry = analysis.get(analysis.percent_any_criterion)
                if entry.percent_any is not None and entry.percent_any == entry.percent_top:
                    most_critical_any_message = (
                        "The same change is also the smallest that reorders any two "
                        "awardable proposals."
                    )
                else:
                    most_critical_any_message = percent_any_message(
                        entry.percent_any, most_critical_any, vendors
                    )

    def proposal_result(item: SubmittedProposal, rank: int | None) -> ProposalResult:
        pid = item.proposal.pk
        proposal = item.proposal
        entry = ranking.get(str(pid)) if ranking is not None and rank is not None else None
        decomposition = wsm.get(str(pid)) if wsm is not None and rank is not None else None
        leaves = []
        for leaf in all_leaves:
            criterion = leaf.criterion
            auto = explained[pid][criterion.pk]
            key = str(criterion.pk)
            normalised = decomposition.normalised.get(key) if decomposition else None
            contribution = decomposition.contributions.get(key) if decomposition else None
            leaves.append(
                LeafScore(
                    criterion_id=criterion.pk,
                    name=criterion.name,
                    path=leaf.path,
                    source=criterion.source,
                    kind="cost" if criterion.is_cost else "benefit",
                    global_percent=global_[criterion.pk] * 100,
                    raw=raw[pid][criterion.pk],
                    raw_display=auto.display,
                    normalised=normalised,
                    points=normalised * 100 if normalised is not None else None,
                    contribution=contribution * 100 if contribution is not None else None,
                    formula=auto.formula,
                    rows=auto.rows,
                    problem=auto.problem,
                    evaluators=evaluator_items.get((criterion.pk, pid)),
                )
            )
        by_leaf = {leaf.criterion_id: leaf for leaf in leaves}
        main = []
        for node in loaded.tree:
            if node.criterion.pk in excluded:
                continue
            inside = [
                by_leaf[leaf.criterion.pk] for leaf in node.leaves() if leaf.criterion.pk in by_leaf
            ]
            weight = sum(global_[leaf.criterion_id] for leaf in inside)
            contributions = [leaf.contribution for leaf in inside if leaf.contribution is not None]
            contribution = sum(contributions) if decomposition is not None else None
            score = contribution / weight if contribution is not None and weight > 0 else None
            main.append(
                CriterionScore(
                    node.criterion.pk, node.criterion.name, weight * 100, score, contribution
                )
            )
        compliance = proposal.effective_compliance
        return ProposalResult(
            proposal_id=pid,
            company_id=proposal.company_id,
            vendor=item.name,
            rank=rank,
            total_points=entry.score * 100 if entry is not None else None,
            not_ranked_reason=reasons.get(pid, ""),
            compliance=compliance,
            compliance_label=str(ComplianceStatus(compliance).label),
            compliance_reasons=tuple(proposal.compliance_reasons or ()),
            compliance_override_reason=proposal.compliance_override_reason
            if proposal.compliance_override
            else "",
            awardable=compliance != ComplianceStatus.NON_COMPLIANT and rank is not None,
            criteria=tuple(main),
            leaves=tuple(leaves),
            tco=extra[pid][0],
            centres=extra[pid][1],
            separation_ideal=entry.separation_ideal if entry else None,
            separation_anti_ideal=entry.separation_anti_ideal if entry else None,
        )

    by_id = {str(item.proposal.pk): item for item in ranked}
    ordered = (
        [proposal_result(by_id[entry.id], entry.rank) for entry in ranking.alternatives]
        if ranking is not None
        else []
    )
    not_ranked = [
        proposal_result(item, None)
        for item in proposals
        if ranking is None or item.proposal.pk in reasons
    ]
    for index, result in enumerate(not_ranked):
        if not result.not_ranked_reason:
            not_ranked[index] = _replace(
                result, not_ranked_reason="No weighted criterion to rank on."
            )
    flagged = tuple(
        FlaggedItem(
            leaf.criterion_id,
            leaf.path,
            result.proposal_id,
            result.vendor,
            leaf.evaluators.spread or 0.0,
            leaf.evaluators.consensus is not None,
        )
        for result in ordered + not_ranked
        for leaf in result.leaves
        if leaf.evaluators is not None and leaf.evaluators.needs_discussion
    )
    why, why_summary = why_recommended(ordered, method)
    bid_flags, bid_flags_note = abnormal_bids(ordered, loaded.rfp.currency)
    lot_awards = [a for a in loaded.awards if a.lot_id == lot.pk]
    current = next((a for a in lot_awards if a.status != AwardStatus.RETURNED), None)
    return LotResults(
        lot_id=lot.pk,
        lot_name=lot.name,
        ranking=tuple(ordered),
        not_ranked=tuple(not_ranked),
        tie_breaks=tie_breaks,
        sensitivity=sensitivity,
        sensitivity_note=sensitivity_note,
        most_critical=most_critical,
        most_critical_any=most_critical_any,
        most_critical_any_message=most_critical_any_message,
        items_total=items_total,
        items_missing=items_missing,
        items_unscored=items_unscored,
        provisional=items_unscored > 0,
        provisional_note=_provisional_note(items_unscored),
        flagged=flagged,
        why=why,
        why_summary=why_summary,
        recommended_tco=ordered[0].tco.total if ordered and ordered[0].tco else None,
        lowest_tco=min((p.tco.total for p in ordered if p.tco is not None), default=None),
        bid_flags=bid_flags,
        bid_flags_note=bid_flags_note,
        award=award_view(current, loaded.names) if current else None,
        award_history=tuple(
            award_view(a, loaded.names) for a in lot_awards if a.status == AwardStatus.RETURNED
        ),
    )


def _replace(result: ProposalResult, **changes: Any) -> ProposalResult:
    return replace(result, **changes)


def _name_ids(text: str, names: Mapping[str, str], vendors: Mapping[str, str]) -> str:
    """The engine names alternatives and criteria by id ('12'); put names in."""
    for key, value in {**names, **vendors}.items():
        text = text.replace(f"'{key}'", value)
    return text


def computed_results(
    *,
    rfp: RFP,
    lot: Lot | int | None = None,
    weights: Mapping[Any, Any] | None = None,
    now: dt.datetime | None = None,
) -> EvaluationResults:
    """Everything about an RFP's evaluation, computed afresh: the criteria tree
    with its weights and AHP matrices, and per lot the ranking with total and
    per-criterion points, every leaf's raw value and explanation (TCO lines,
    delivery centres, SLA answers, evaluators' scores and comments, consensus),
    spreads flagged for discussion, sensitivity of the winner to each weight,
    and the award decision.

    `weights` (criterion id -> percent of its siblings) is a what-if: it
    replaces the stored weights of the criteria it names, each level rescaled
    to 100 %, and nothing is saved. `lot` restricts the lots computed.

    No reader check, and nothing stored: callers go through
    `scoring.results.stored.evaluation_results`. ProposalsSealedError before the
    proposals open. The number of queries does not depend on the number of proposals.
    """
    evaluation = Evaluation.objects.filter(rfp=rfp).first()
    if evaluation is None:
        raise NotFoundError("This RFP has no evaluation yet.")
    loaded = _load(evaluation, rfp, now=now)
    overrides = what_if_weights(weights or {}, {node.criterion.pk for node in walk(loaded.tree)})
    excluded = excluded_ids(loaded.tree, exclude_cost=not loaded.commercial_open)
    local, global_ = global_weights(loaded.tree, overrides=overrides, excluded=excluded)
    names = {c.criterion.pk: c.criterion.name for c in walk(loaded.tree)}
    ahp: dict[int | None, AHPSummary] = {}
    for matrix in loaded.matrices:
        try:
            ahp[matrix.parent_id] = ahp_summary(matrix, names)
        except engine.EngineInputError:
            continue
    problems = criteria_problems(evaluation, loaded.tree)
    weighted_leaves = [
        leaf
        for leaf in leaves_of(loaded.tree)
        if leaf.criterion.pk not in excluded and global_.get(leaf.criterion.pk, 0.0) > 0
    ]
    lot_id = lot.pk if isinstance(lot, Lot) else lot
    lots = [item for item in loaded.rfp.lots.all() if lot_id is None or item.pk == lot_id]
    if lot_id is not None and not lots:
        raise NotFoundError("Lot not found.")
    lot_results = (
        []
        if problems and not overrides
        else [
            _lot_results(loaded, item, local, global_, excluded, weighted_leaves) for item in lots
        ]
    )
    unscored = sum(item.items_unscored for item in lot_results)
    return EvaluationResults(
        rfp_id=rfp.pk,
        reference=rfp.reference,
        title=rfp.title,
        organization=str(loaded.rfp.organization),
        currency=rfp.currency,
        method=evaluation.ranking_method,
        method_label=evaluation.get_ranking_method_display(),
        aggregation=evaluation.aggregation,
        aggregation_label=evaluation.get_aggregation_display(),
        discussion_threshold=float(evaluation.discussion_threshold),
        two_envelopes=rfp.two_envelopes,
        commercial_open=loaded.commercial_open,
        cost_excluded=bool(excluded),
        what_if=bool(overrides),
        scoring_started=evaluation.scoring_started_at is not None,
        criteria_set_after_publication=evaluation.set_after_publication,
        criteria=criterion_nodes(loaded.tree, local, global_, excluded, overrides, ahp),
        top_level_ahp=ahp.get(None),
        problems=tuple(problems),
        lots=tuple(lot_results),
        score_bands=tuple(SCORE_BANDS),
        generated_at=now or timezone.now(),
        items_unscored=unscored,
        provisional=unscored > 0,
        provisional_note=_provisional_note(unscored),
        # No amount of money before the prices open, not even the buyer's own budget.
        budget=rfp.budget if loaded.commercial_open else None,
        budget_check=budget_check(
            rfp.budget,
            lot_results,
            rfp.currency,
            loaded.commercial_open,
            every_lot=lot_id is None or len(loaded.rfp.lots.all()) == 1,
        )
        if lot_results
        else "",
    )


def _provisional_note(unscored: int) -> str:
    if not unscored:
        return ""
    return f"Provisional: {count_phrase(unscored, 'item', 'items')} unscored."
