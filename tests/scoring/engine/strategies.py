"""Hypothesis strategies for random decision problems (shared by the engine tests)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from scoring.engine import Criterion


@dataclass(frozen=True)
class Problem:
    alternatives: list[str]
    criteria: list[Criterion]
    values: list[list[float]]
    weights: dict[str, float]

    def args(self) -> tuple[list[str], list[Criterion], list[list[float]], dict[str, float]]:
        return self.alternatives, self.criteria, self.values, self.weights


def _value(kind: str) -> st.SearchStrategy[float]:
    low = 0.0 if kind == "benefit" else 0.5
    # Small integers make exact ties likely; floats cover the general case.
    return st.one_of(
        st.integers(min_value=int(low) if low == 0 else 1, max_value=10).map(float),
        st.floats(min_value=low, max_value=100.0, allow_subnormal=False),
    )


@st.composite
def problems(
    draw: st.DrawFn,
    min_alternatives: int = 2,
    max_alternatives: int = 6,
    max_criteria: int = 5,
    positive_weights: bool = False,
) -> Problem:
    m = draw(st.integers(min_value=min_alternatives, max_value=max_alternatives))
    n = draw(st.integers(min_value=1, max_value=max_criteria))
    kinds = draw(st.lists(st.sampled_from(["benefit", "cost"]), min_size=n, max_size=n))
    criteria = [Criterion(f"c{j}", kind) for j, kind in enumerate(kinds)]  # type: ignore[arg-type]
    values = [[draw(_value(kind)) for kind in kinds] for _ in range(m)]
    # Realistic weights: exactly zero or at least 1e-6 (subnormal weights would underflow
    # to zero when rescaled, which legitimately changes which criteria break ties).
    weight = st.floats(min_value=1e-6, max_value=1.0)
    if positive_weights:
        weight = st.floats(min_value=0.01, max_value=1.0)
    else:
        weight = st.one_of(st.just(0.0), weight)
    raw = draw(st.lists(weight, min_size=n, max_size=n).filter(lambda ws: sum(ws) > 0.01))
    total = sum(raw)
    weights = {c.id: w / total for c, w in zip(criteria, raw, strict=True)}
    return Problem([f"alt{i}" for i in range(m)], criteria, values, weights)
