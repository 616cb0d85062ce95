"""Benchmark of the scoring engine beside a plain numpy floor measured in the same run.

Ranks 1,000 proposals on 30 criteria scored by 5 evaluators each through the public API,
step by step:

1. ``aggregate_matrix``   - 5 evaluator scores per cell -> mean (or median), spread,
                            standard deviation, discussion flags
2. ``rank_weighted_sum``  - linear normalisation + weighted sum + deterministic order
3. ``rank_topsis``        - vector normalisation + TOPSIS + deterministic order

Beside each step it times a **floor**: the same arithmetic written directly on a prepared
ndarray, with no validation, no error messages and no result objects (mean, max - min and
standard deviation over the evaluators; x/max or min/x, weighted sum, argsort; vector
norm, weighted matrix, distances to the ideal and anti-ideal, closeness, argsort). The
ratio engine / floor is what the README records: it does not depend on how busy the
machine is. The pipeline (weights + aggregate + weighted sum + TOPSIS) is timed from an
ndarray of scores and, as the Django side calls it today, from nested Python lists (its
floor then includes the list -> ndarray conversion). Then the pipeline at 10x the
proposals: linear means about 10x the time.

The weight-sensitivity analyses and the criticality analyses (which the results read
model calls) are timed separately, without a floor; they run on demand, not on
every ranking.

Run from the project root:  .venv/bin/python benchmarks/bench_engine.py [--runs 25]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.engine import (
    Criterion,
    aggregate_matrix,
    analyse_sensitivity_topsis,
    analyse_sensitivity_weighted_sum,
    criticality_topsis,
    criticality_weighted_sum,
    rank_topsis,
    rank_weighted_sum,
    validate_direct_weights,
)

T = TypeVar("T")
TARGET_RATIO = 3.0
FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def make_data(
    proposals: int, criteria: int, evaluators: int, seed: int
) -> tuple[list[str], list[Criterion], list[list[list[float]]], dict[str, float]]:
    """Random but realistic input: integer 0-10 scores (1-10 on cost-type criteria such as
    risk, where a lower score is better), one in six criteria of the cost kind, and
    percentage weights that add up to 100."""
    rng = random.Random(seed)
    ids = [f"proposal-{i:05d}" for i in range(proposals)]
    kinds = ["cost" if j % 6 == 5 else "benefit" for j in range(criteria)]
    crits = [Criterion(f"criterion-{j:02d}", kind) for j, kind in enumerate(kinds)]  # type: ignore[arg-type]
    scores = [
        [
            [float(rng.randint(1 if kind == "cost" else 0, 10)) for _ in range(evaluators)]
            for kind in kinds
        ]
        for _ in range(proposals)
    ]
    raw = [rng.randint(1, 20) for _ in range(criteria)]
    percent = [100.0 * r / sum(raw) for r in raw]
    percent[-1] = 100.0 - sum(percent[:-1])
    return ids, crits, scores, {c.id: p for c, p in zip(crits, percent, strict=True)}


def timed(function: Callable[[], T], runs: int) -> tuple[float, T]:
    """Median wall time in ms over ``runs`` calls (after one warm-up call), last result."""
    result = function()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(samples), result


def timed_pair(
    engine: Callable[[], T], floor: Callable[[], object], runs: int
) -> tuple[float, float, T]:
    """Median ms of the engine and of its floor, called alternately so that both see the
    same load on a shared machine; and the engine's last result."""
    result = engine()
    floor()
    engine_samples, floor_samples = [], []
    for _ in range(runs):
        start = time.perf_counter()
        result = engine()
        middle = time.perf_counter()
        floor()
        engine_samples.append((middle - start) * 1000.0)
        floor_samples.append((time.perf_counter() - middle) * 1000.0)
    return statistics.median(engine_samples), statistics.median(floor_samples), result


# --- the floor: the same arithmetic on a prepared ndarray, nothing else ---------------


def floor_aggregate(cube: FloatArray, median: bool = False) -> tuple[FloatArray, FloatArray]:
    """Mean (or median), max - min, population standard deviation and flags, one
    evaluator's plane at a time (the fastest plain numpy found for a short last axis)."""
    total, high, low = cube[:, :, 0].copy(), cube[:, :, 0].copy(), cube[:, :, 0].copy()
    for e in range(1, cube.shape[2]):
        total += cube[:, :, e]
        np.maximum(high, cube[:, :, e], out=high)
        np.minimum(low, cube[:, :, e], out=low)
    mean = total / cube.shape[2]
    squares = np.zeros_like(mean)
    for e in range(cube.shape[2]):
        squares += (cube[:, :, e] - mean) ** 2
    np.sqrt(squares / cube.shape[2])
    values = np.median(cube, axis=2) if median else mean
    spread = high - low
    _ = spread >= 3.0
    return values, spread


def floor_weighted_sum(x: FloatArray, is_cost: Any, w: FloatArray) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):  # x/max and min/x on every column
        r = np.where(is_cost, x.min(axis=0) / x, x / x.max(axis=0))
    return np.argsort(-(r @ w), kind="stable")


def floor_topsis(x: FloatArray, is_cost: Any, w: FloatArray) -> Any:
    v = x / np.sqrt((x * x).sum(axis=0)) * w
    high, low = v.max(axis=0), v.min(axis=0)
    ideal, anti = np.where(is_cost, low, high), np.where(is_cost, high, low)
    plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    minus = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return np.argsort(-(minus / (plus + minus)), kind="stable")


def row(label: str, engine_ms: float, floor_ms: float, note: str = "") -> None:
    ratio = engine_ms / floor_ms if floor_ms > 0 else float("inf")
    print(f"  {label:<44} {engine_ms:9.2f} ms  floor {floor_ms:8.2f} ms  {ratio:6.1f}x{note}")


def pipelines(
    proposals: int, criteria: int, evaluators: int, seed: int
) -> tuple[Callable[[], object], Callable[[], object], Callable[[], object], Callable[[], object]]:
    """Engine and floor pipelines, from an ndarray and from nested lists."""
    ids, crits, scores, percent = make_data(proposals, criteria, evaluators, seed)
    cube = np.array(scores)
    is_cost = np.array([c.kind == "cost" for c in crits])
    w = np.array(list(percent.values())) / 100.0

    def engine(source: object) -> Callable[[], object]:
        def run() -> tuple[str, str]:
            weights = validate_direct_weights(percent)
            aggregated = aggregate_matrix(source, "mean", threshold=3)  # type: ignore[arg-type]
            wsm = rank_weighted_sum(ids, crits, aggregated.value_array, weights)
            topsis = rank_topsis(ids, crits, aggregated.value_array, weights)
            return wsm.winner, topsis.winner

        return run

    def floor(from_lists: bool) -> Callable[[], object]:
        def run() -> object:
            values, _ = floor_aggregate(np.array(scores) if from_lists else cube)
            return floor_weighted_sum(values, is_cost, w), floor_topsis(values, is_cost, w)

        return run

    return engine(cube), floor(False), engine(scores), floor(True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--criteria", type=int, default=30)
    parser.add_argument("--evaluators", type=int, default=5)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--scale", type=int, default=10, help="the larger run's multiple")
    parser.add_argument("--sensitivity-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    ids, crits, scores, percent = make_data(
        args.proposals, args.criteria, args.evaluators, args.seed
    )
    cube = np.array(scores)
    weights = validate_direct_weights(percent)
    aggregated = aggregate_matrix(cube, "mean", threshold=3)
    values = aggregated.value_array
    is_cost = np.array([c.kind == "cost" for c in crits])
    w = np.array([weights[c.id] for c in crits])

    print(
        f"scoring.engine benchmark: {args.proposals:,} proposals x {args.criteria} criteria "
        f"x {args.evaluators} evaluators ({args.proposals * args.criteria * args.evaluators:,}"
        f" scores), median of {args.runs} runs; floor = the same arithmetic in plain numpy"
    )
    steps: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "aggregate_matrix (mean, spread, std, flags)",
            lambda: aggregate_matrix(cube, "mean", threshold=3),
            lambda: floor_aggregate(cube),
        ),
        (
            "aggregate_matrix (median)",
            lambda: aggregate_matrix(cube, "median"),
            lambda: floor_aggregate(cube, median=True),
        ),
        (
            "rank_weighted_sum",
            lambda: rank_weighted_sum(ids, crits, values, weights),
            lambda: floor_weighted_sum(values, is_cost, w),
        ),
        (
            "rank_topsis",
            lambda: rank_topsis(ids, crits, values, weights),
            lambda: floor_topsis(values, is_cost, w),
        ),
    ]
    for label, engine_step, floor_step in steps:
        engine_ms, floor_ms, _ = timed_pair(engine_step, floor_step, args.runs)
        row(label, engine_ms, floor_ms)

    sizes = (args.proposals, args.proposals * args.scale)
    totals: dict[tuple[int, str], tuple[float, float]] = {}
    for size in sizes:
        runs = args.runs if size == args.proposals else max(3, args.runs // args.scale)
        engine_array, floor_array, engine_lists, floor_lists = pipelines(
            size, args.criteria, args.evaluators, args.seed
        )
        for kind, engine_run, floor_run in (
            ("ndarray", engine_array, floor_array),
            ("lists", engine_lists, floor_lists),
        ):
            engine_ms, floor_ms, winners = timed_pair(engine_run, floor_run, runs)
            totals[(size, kind)] = (engine_ms, floor_ms)
            ratio = engine_ms / floor_ms
            verdict = "OK" if ratio <= TARGET_RATIO else "OVER"
            row(
                f"pipeline {size:,}, scores as {kind}",
                engine_ms,
                floor_ms,
                f" (target <= {TARGET_RATIO:.0f}x: {verdict}); winners {winners}",
            )
    for kind in ("ndarray", "lists"):
        (small, small_floor), (large, large_floor) = (
            totals[(sizes[0], kind)],
            totals[(sizes[1], kind)],
        )
        print(
            f"  pipeline {sizes[1]:,} / {sizes[0]:,} proposals, scores as {kind}: "
            f"{large / small:.1f}x the time, floor {large_floor / small_floor:.1f}x "
            f"(linear: {args.scale}x)"
        )

    ranking = rank_weighted_sum(ids, crits, values, weights)
    print(
        f"on-demand sensitivity ({args.proposals:,} proposals), median of "
        f"{args.sensitivity_runs} runs:"
    )
    median, wsm_sens = timed(
        lambda: analyse_sensitivity_weighted_sum(ids, crits, values, weights),
        args.sensitivity_runs,
    )
    print(
        f"  {'analyse_sensitivity_weighted_sum':<44} {median:9.2f} ms  "
        f"(most critical: {wsm_sens.most_critical_criterion})"
    )
    median, topsis_sens = timed(
        lambda: analyse_sensitivity_topsis(ids, crits, values, weights),
        args.sensitivity_runs,
    )
    print(
        f"  {'analyse_sensitivity_topsis (step 0.001)':<44} {median:9.2f} ms  "
        f"(most critical: {topsis_sens.most_critical_criterion})"
    )
    median, critical = timed(
        lambda: criticality_weighted_sum(
            ids, [c.id for c in crits], ranking.alternatives.normalised, weights
        ),
        args.sensitivity_runs,
    )
    print(
        f"  {'criticality_weighted_sum (all pairs)':<44} {median:9.2f} ms  "
        f"(percent-any: {critical.percent_any_criterion})"
    )
    median, critical = timed(
        lambda: criticality_topsis(ids, crits, values, weights, time_limit=600.0),
        args.sensitivity_runs,
    )
    print(
        f"  {'criticality_topsis (all pairs, step 0.001)':<44} {median:9.2f} ms  "
        f"(percent-any: {critical.percent_any_criterion}, complete: {critical.complete})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
