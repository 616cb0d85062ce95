"""Benchmark of the scoring engine's whole ranking pipeline.

Ranks 1,000 proposals on 30 criteria scored by 5 evaluators each, through the public API
with plain Python input (nested lists), as the Django side will call it:

1. ``validate_direct_weights``  - percentage weights -> fractions
2. ``aggregate_matrix``         - 5 evaluator scores per cell -> mean (and spread flags)
3. ``rank_weighted_sum``        - linear normalisation + weighted sum
4. ``rank_topsis``              - vector normalisation + TOPSIS

and prints the median wall time of several runs per step and for the pipeline (target:
under 50 ms for aggregate + weighted sum + TOPSIS). The weight-sensitivity analyses are
timed separately; they are run on demand, not on every ranking.

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
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.engine import (
    Criterion,
    aggregate_matrix,
    analyse_sensitivity_topsis,
    analyse_sensitivity_weighted_sum,
    rank_topsis,
    rank_weighted_sum,
    validate_direct_weights,
)

T = TypeVar("T")
TARGET_MS = 50.0


def make_data(
    proposals: int, criteria: int, evaluators: int, seed: int
) -> tuple[list[str], list[Criterion], list[list[list[float]]], dict[str, float]]:
    """Random but realistic input: integer 0-10 scores (1-10 on cost-type criteria such as
    risk, where a lower score is better), one in six criteria of the cost kind, and
    percentage weights that add up to 100."""
    rng = random.Random(seed)
    ids = [f"proposal-{i:04d}" for i in range(proposals)]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--criteria", type=int, default=30)
    parser.add_argument("--evaluators", type=int, default=5)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--sensitivity-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    ids, crits, scores, percent = make_data(
        args.proposals, args.criteria, args.evaluators, args.seed
    )
    crit_ids = [c.id for c in crits]

    def pipeline() -> tuple[str, str]:
        weights = validate_direct_weights(percent)
        aggregated = aggregate_matrix(
            scores, "mean", threshold=3, alternatives=ids, criteria=crit_ids
        )
        wsm = rank_weighted_sum(ids, crits, aggregated.values, weights)
        topsis = rank_topsis(ids, crits, aggregated.values, weights)
        return wsm.winner, topsis.winner

    weights = validate_direct_weights(percent)
    aggregated = aggregate_matrix(scores, "mean", threshold=3)
    values = aggregated.values
    steps: list[tuple[str, Callable[[], object]]] = [
        ("validate_direct_weights", lambda: validate_direct_weights(percent)),
        (
            "aggregate_matrix (mean, spread, flags)",
            lambda: aggregate_matrix(scores, "mean", threshold=3),
        ),
        ("aggregate_matrix (median)", lambda: aggregate_matrix(scores, "median")),
        ("rank_weighted_sum", lambda: rank_weighted_sum(ids, crits, values, weights)),
        ("rank_topsis", lambda: rank_topsis(ids, crits, values, weights)),
    ]

    print(
        f"scoring.engine benchmark: {args.proposals} proposals x {args.criteria} criteria "
        f"x {args.evaluators} evaluators ({args.proposals * args.criteria * args.evaluators:,}"
        f" scores), median of {args.runs} runs"
    )
    for label, function in steps:
        median, _ = timed(function, args.runs)
        print(f"  {label:<42} {median:8.2f} ms")
    median, winners = timed(pipeline, args.runs)
    verdict = "OK" if median < TARGET_MS else "OVER TARGET"
    print(
        f"  {'pipeline: weights+aggregate+WSM+TOPSIS':<42} {median:8.2f} ms  "
        f"(target < {TARGET_MS:.0f} ms: {verdict}); winners {winners[0]}, {winners[1]}"
    )

    print(f"on-demand sensitivity, median of {args.sensitivity_runs} runs:")
    median, wsm_sens = timed(
        lambda: analyse_sensitivity_weighted_sum(ids, crits, values, weights),
        args.sensitivity_runs,
    )
    print(
        f"  {'analyse_sensitivity_weighted_sum':<42} {median:8.2f} ms  "
        f"(most critical: {wsm_sens.most_critical_criterion})"
    )
    median, topsis_sens = timed(
        lambda: analyse_sensitivity_topsis(ids, crits, values, weights),
        args.sensitivity_runs,
    )
    print(
        f"  {'analyse_sensitivity_topsis (step 0.001)':<42} {median:8.2f} ms  "
        f"(most critical: {topsis_sens.most_critical_criterion})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
