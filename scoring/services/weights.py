"""One level's weights: set directly in percent, or derived from pairwise
comparisons (AHP)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from accounts.models import User
from bpo_portal.errors import (
    ApplicationError,
)
from scoring import engine
from scoring.models import (
    Criterion,
    Evaluation,
    WeightMatrix,
)
from scoring.services._common import (
    HUNDRED,
    WEIGHT_PLACES,
    addendum_summary_needed,
    check_parent,
    children_of,
    criteria_may_change,
    drop_matrix,
    lock_for_criteria,
    parse_decimal,
    publish_change,
    record_change,
    require_manager,
    weight_label,
)

# --- Weights -------------------------------------------------------------------------------------


def _level(
    evaluation: Evaluation, parent: Criterion | None, ids: Iterable[int]
) -> tuple[list[Criterion], str]:
    check_parent(evaluation, parent)
    siblings = children_of(evaluation, parent)
    where = f"under “{parent.name}”" if parent else "of the main criteria"
    given = {int(i) for i in ids}
    if given != {c.pk for c in siblings}:
        raise ApplicationError.for_fields(
            {"weights": f"Give a weight for each criterion {where}, and only for those."}
        )
    return siblings, where


def _engine_error(exc: engine.EngineInputError, prefix: str = "") -> ApplicationError:
    field = exc.field or "weights"
    return ApplicationError.for_fields({f"{prefix}{field}": str(exc)}, message=str(exc))


def _weight_changes(siblings: list[Criterion], before: Mapping[int, Decimal]) -> list[str]:
    return [
        f"{c.name} {weight_label(before[c.pk])} → {weight_label(c.weight)}"
        for c in siblings
        if before[c.pk] != c.weight
    ]


def weights_set(
    *,
    actor: User,
    evaluation: Evaluation,
    parent: Criterion | None,
    weights: Mapping[int, Any],
    addendum_summary: str = "",
) -> list[Criterion]:
    """Set one level's weights directly, in percent: each between 0 and 100, the
    level adding up to 100 %. Replaces the level's AHP comparisons, if any. While
    drafting; once published, by addendum before the deadline."""
    require_manager(actor, evaluation.rfp)
    errors: dict[str, str] = {}
    values: dict[int, Decimal] = {}
    for raw_id, raw in weights.items():
        try:
            pk = int(raw_id)
        except (TypeError, ValueError):
            raise ApplicationError.for_fields({"weights": "Unknown criterion."}) from None
        value = parse_decimal(raw, f"weights.{pk}", errors, "A weight")
        if value is None:
            continue
        if not (Decimal(0) <= value <= HUNDRED):
            errors[f"weights.{pk}"] = "A weight is a percentage between 0 and 100."
        elif value != value.quantize(WEIGHT_PLACES):
            errors[f"weights.{pk}"] = "Give a weight with at most four decimals."
        values[pk] = value
    if errors:
        raise ApplicationError.for_fields(errors)
    try:
        engine.validate_direct_weights({str(k): v for k, v in values.items()})
    except engine.EngineInputError as exc:
        raise _engine_error(exc) from None
    with transaction.atomic():
        locked = lock_for_criteria(evaluation)
        lock = criteria_may_change(locked)
        siblings, where = _level(locked, parent, values)
        before = {c.pk: c.weight for c in siblings}
        had_matrix = WeightMatrix.objects.filter(evaluation=locked, parent=parent).exists()
        if all(before[pk] == values[pk] for pk in values) and not had_matrix:
            return siblings
        addendum_summary_needed(lock, addendum_summary)
        for criterion in siblings:
            criterion.weight = values[criterion.pk]
        Criterion.objects.bulk_update(siblings, ["weight"])
        drop_matrix(locked, parent)
        changed = _weight_changes(siblings, before)
        summary = f"{actor} set the weights {where} directly" + (
            f": {', '.join(changed)}" if changed else " (replacing the AHP comparisons)"
        )
        addendum = publish_change(
            locked,
            actor,
            lock,
            addendum_summary,
            [f"Evaluation weights: {change}" for change in changed]
            or [f"Evaluation weights {where}: set directly instead of by pairwise comparison"],
            summary,
        )
        record_change(
            locked,
            actor,
            summary,
            action="scoring.weights_set",
            data={
                "parent": parent.pk if parent else None,
                "before": {str(k): f"{v:f}" for k, v in before.items()},
                "after": {str(c.pk): f"{c.weight:f}" for c in siblings},
            },
            addendum=addendum,
        )
    return siblings


def weights_set_by_ahp(
    *,
    actor: User,
    evaluation: Evaluation,
    parent: Criterion | None,
    criterion_ids: Sequence[int],
    matrix: Sequence[Sequence[Any]] | None = None,
    judgements: Mapping[tuple[int, int], Any] | None = None,
    addendum_summary: str = "",
) -> WeightMatrix:
    """Derive one level's weights from pairwise comparisons on Saaty's 1-9 scale
    (Analytic Hierarchy Process): either the full reciprocal `matrix` (rows and
    columns in `criterion_ids` order) or one judgement per pair, keyed by
    0-based (row, column) positions. The matrix is stored with its consistency;
    a consistency ratio above 0.10 is accepted but flagged on every page. While
    drafting; once published, by addendum before the deadline."""
    require_manager(actor, evaluation.rfp)
    ids = [int(i) for i in criterion_ids]
    if len(ids) < 2 or len(set(ids)) != len(ids):
        raise ApplicationError.for_fields(
            {"criterion_ids": "Compare at least two different criteria."}
        )
    try:
        if judgements is not None:
            cells: dict[tuple[int, int], Any] = {}
            for key, raw in judgements.items():
                value = raw
                if isinstance(raw, str):
                    value = _judgement_value(raw)
                cells[key] = value
            full = engine.ahp_matrix_from_judgements(len(ids), cells)
        elif matrix is not None:
            full = [[float(v) if not isinstance(v, bool) else v for v in row] for row in matrix]
        else:
            raise ApplicationError.for_fields({"matrix": "Give the pairwise comparisons."})
        result = engine.ahp_priorities(full)  # validates: square, 1/9..9, reciprocal
    except engine.EngineInputError as exc:
        raise _engine_error(exc) from None
    except (TypeError, ValueError):
        raise ApplicationError.for_fields(
            {"matrix": "Every comparison must be a number between 1/9 and 9."}
        ) from None
    if len(full) != len(ids):
        raise ApplicationError.for_fields(
            {"matrix": f"The matrix has {len(full)} rows for {len(ids)} criteria."}
        )
    with transaction.atomic():
        locked = lock_for_criteria(evaluation)
        lock = criteria_may_change(locked)
        siblings, where = _level(locked, parent, ids)
        addendum_summary_needed(lock, addendum_summary)
        before = {c.pk: c.weight for c in siblings}
        percent = {
            pk: (Decimal(repr(p)) * HUNDRED).quantize(WEIGHT_PLACES, ROUND_HALF_UP)
            for pk, p in zip(ids, result.priorities, strict=True)
        }
        by_id = {c.pk: c for c in siblings}
        for pk, value in percent.items():
            by_id[pk].weight = value
        remainder = HUNDRED - sum(percent.values(), Decimal(0))
        max(siblings, key=lambda c: (c.weight, -c.pk)).weight += remainder
        Criterion.objects.bulk_update(siblings, ["weight"])
        stored, _ = WeightMatrix.objects.update_or_create(
            evaluation=locked,
            parent=parent,
            defaults={"criterion_ids": ids, "matrix": full, "updated_by": actor},
        )
        verdict = f"CR {result.consistency_ratio:.3f}" + (
            "" if result.is_consistent else ", inconsistent (above 0.10)"
        )
        summary = f"{actor} derived the weights {where} by AHP ({verdict}): " + ", ".join(
            f"{by_id[pk].name} {weight_label(by_id[pk].weight)}" for pk in ids
        )
        addendum = publish_change(
            locked,
            actor,
            lock,
            addendum_summary,
            [f"Evaluation weights: {change}" for change in _weight_changes(siblings, before)]
            or [f"Evaluation weights {where}: derived by pairwise comparison, unchanged"],
            summary,
        )
        record_change(
            locked,
            actor,
            summary,
            action="scoring.weights_ahp",
            data={
                "parent": parent.pk if parent else None,
                "criterion_ids": ids,
                "matrix": full,
                "consistency_ratio": result.consistency_ratio,
                "before": {str(k): f"{v:f}" for k, v in before.items()},
                "after": {str(c.pk): f"{c.weight:f}" for c in siblings},
            },
            addendum=addendum,
        )
    return stored


def _judgement_value(raw: str) -> float:
    """ "3" -> 3.0, "1/5" -> 0.2 (the form's select values)."""
    text = raw.strip()
    if "/" in text:
        top, bottom = text.split("/", 1)
        return float(top) / float(bottom)
    return float(text)
