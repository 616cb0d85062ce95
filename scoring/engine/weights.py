"""Criterion weights: direct (percentage) weights and proportional re-scaling."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np

from ._validate import FloatArray, as_float, fmt_number
from .errors import EngineInputError

__all__ = [
    "FRACTION_TOLERANCE",
    "PERCENT_TOLERANCE",
    "rescale_weights",
    "validate_direct_weights",
]

#: Allowed deviation of a percentage total from 100 (``validate_direct_weights``).
PERCENT_TOLERANCE = 0.01
#: Allowed deviation of a fraction total from 1 (ranking and sensitivity input).
FRACTION_TOLERANCE = 1e-6

Number = float | int | Decimal


def validate_direct_weights(
    weights: Mapping[str, Number], *, tolerance: float = PERCENT_TOLERANCE
) -> dict[str, float]:
    """Check percentage weights and return them as fractions that sum to 1.

    Method: point allocation, where the decision maker distributes 100 points over the
    criteria (Bottomley, P. A., Doyle, J. R. & Green, R. H., 2000, "Testing the
    reliability of weight elicitation methods: direct rating versus point allocation",
    Journal of Marketing Research 37(4), 508-513).

    Every weight must be a finite, non-negative number and the total must be 100 within
    ``tolerance`` (default 0.01 percentage points). The returned fractions are the
    percentages divided by their actual total, so they sum to 1 up to float rounding.

    Raises :class:`EngineInputError` with ``field="weights.<id>"`` for a bad single
    weight, or ``field="weights"`` (``details["total"]``) when the total is wrong.
    """
    if not isinstance(weights, Mapping):
        raise EngineInputError(
            "Weights must be given as a mapping of criterion id to percent.", field="weights"
        )
    if not weights:
        raise EngineInputError("At least one criterion weight is required.", field="weights")
    values: dict[str, float] = {}
    for key, raw in weights.items():
        if not isinstance(key, str) or not key:
            raise EngineInputError(
                f"Criterion ids must be non-empty strings, got {key!r}.", field="weights"
            )
        value = as_float(raw, f"weights.{key}", f"The weight of {key!r}", {"criterion": key})
        if value < 0:
            raise EngineInputError(
                f"The weight of {key!r} is {fmt_number(value)} %; weights cannot be negative.",
                field=f"weights.{key}",
                details={"criterion": key, "value": value},
            )
        values[key] = value
    total = math.fsum(values.values())
    if abs(total - 100.0) > tolerance:
        raise EngineInputError(
            f"Weights add up to {fmt_number(total)} %, they must add up to 100 %.",
            field="weights",
            details={"total": total, "expected": 100.0},
        )
    return {key: value / total for key, value in values.items()}


def weight_vector(weights: object, criterion_ids: Sequence[str]) -> FloatArray:
    """Validate fraction weights keyed by criterion id; return them ordered and summing to 1."""
    if not isinstance(weights, Mapping):
        raise EngineInputError(
            "Weights must be given as a mapping of criterion id to fraction.", field="weights"
        )
    missing = [cid for cid in criterion_ids if cid not in weights]
    if missing:
        raise EngineInputError(
            f"No weight is given for criterion {missing[0]!r}.",
            field=f"weights.{missing[0]}",
            details={"missing": missing},
        )
    known = set(criterion_ids)
    extra = [str(key) for key in weights if key not in known]
    if extra:
        raise EngineInputError(
            f"A weight is given for {extra[0]!r}, which is not one of the criteria.",
            field=f"weights.{extra[0]}",
            details={"unknown": extra},
        )
    array = np.empty(len(criterion_ids), dtype=np.float64)
    for j, cid in enumerate(criterion_ids):
        value = as_float(
            weights[cid], f"weights.{cid}", f"The weight of {cid!r}", {"criterion": cid}
        )
        if value < 0:
            raise EngineInputError(
                f"The weight of {cid!r} is {fmt_number(value, 6)}; weights cannot be negative.",
                field=f"weights.{cid}",
                details={"criterion": cid, "value": value},
            )
        array[j] = value
    return finalise_weights(array)


def finalise_weights(array: FloatArray) -> FloatArray:
    """Check that fraction weights sum to 1 (within FRACTION_TOLERANCE) and renormalise."""
    total = float(array.sum())
    if abs(total - 1.0) > FRACTION_TOLERANCE:
        raise EngineInputError(
            f"Weights add up to {fmt_number(total, 6)}; as fractions they must add up to 1 "
            "(use validate_direct_weights() to convert percentages).",
            field="weights",
            details={"total": total, "expected": 1.0},
        )
    result: FloatArray = array / total
    return result


def other_weight(weights: FloatArray, index: int) -> float:
    """Sum of all weights except ``index``, summed directly (1 - w_k would cancel badly)."""
    return float(weights[:index].sum() + weights[index + 1 :].sum())


def other_shares(weights: FloatArray, index: int) -> FloatArray:
    """Each other weight's share of the other weights' total (0 at ``index``); sums to 1."""
    rest = other_weight(weights, index)
    shares: FloatArray = np.zeros_like(weights)
    if rest > 0.0:
        others = np.arange(weights.size) != index
        shares[others] = weights[others] / rest  # never divides w_index: no overflow
    return shares


def rescaled_vector(weights: FloatArray, index: int, new_weight: float) -> FloatArray:
    """Set weight ``index`` to ``new_weight`` and rescale the others in proportion."""
    if other_weight(weights, index) <= 0.0:
        if new_weight == float(weights[index]):
            return weights.copy()
        raise EngineInputError(
            "All other criteria have zero weight, so they cannot be rescaled in proportion.",
            field="weights",
        )
    result: FloatArray = other_shares(weights, index) * (1.0 - new_weight)
    result[index] = new_weight
    return result


def rescale_weights(
    weights: Mapping[str, Number], criterion_id: str, new_weight: Number
) -> dict[str, float]:
    """Change one weight and rescale all other weights in proportion so they sum to 1.

    Method: the proportional weight-adjustment used for one-at-a-time weight sensitivity
    analysis (Triantaphyllou, E. & Sánchez, A., 1997, "A sensitivity analysis approach
    for some deterministic multi-criteria decision-making methods", Decision Sciences
    28(1), 151-194): changing ``W_k`` and renormalising leaves the ratios of the other
    weights unchanged.

    ``weights`` are fractions summing to 1; ``new_weight`` must lie in [0, 1]. This is
    the function :mod:`scoring.engine.sensitivity` uses, so applying a reported
    ``new_weight`` through it reproduces the analysed scenario exactly.
    """
    ids = [str(key) for key in weights] if isinstance(weights, Mapping) else []
    vector = weight_vector(weights, ids)
    if criterion_id not in ids:
        raise EngineInputError(
            f"{criterion_id!r} is not one of the weighted criteria.",
            field="criterion_id",
            details={"criterion": criterion_id},
        )
    value = as_float(new_weight, "new_weight", "The new weight")
    if not 0.0 <= value <= 1.0:
        raise EngineInputError(
            f"The new weight must be between 0 and 1, got {fmt_number(value, 6)}.",
            field="new_weight",
            details={"value": value},
        )
    result = rescaled_vector(vector, ids.index(criterion_id), value)
    return dict(zip(ids, result.tolist(), strict=True))
