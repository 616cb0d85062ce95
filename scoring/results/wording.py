"""The sensitivity of the recommendation in words (Triantaphyllou & Sánchez 1997,
percent-top and percent-any), from the engine's criticality measures."""

from __future__ import annotations

from collections.abc import Mapping

from scoring import engine
from scoring.results.shape import SensitivityLine
from scoring.selectors import percent_label


def count_phrase(n: int, one: str, many: str) -> str:
    """ "1 item", "3 items"."""
    return f"{n} {one if n == 1 else many}"


def sensitivity_lines(
    result: engine.CriticalityResult,
    names: Mapping[str, str],
    vendors: Mapping[str, str],
) -> tuple[SensitivityLine, ...]:
    """The percent-top criticality in words, with criterion and vendor names, the most
    critical first (so the list's first line is the headline's criterion). Only
    awardable proposals are ranked, so every rival named can be awarded."""
    winner = vendors[result.top] if result.top else ""
    lines = []
    for entry in result.criteria:
        name = names[entry.criterion_id]
        current = entry.current_weight * 100
        change = entry.percent_top
        if not entry.analysed:
            lines.append(
                SensitivityLine(
                    int(entry.criterion_id), name, current, None, None, None, "", "",
                    f"{name} was not analysed: the time limit was reached.", analysed=False,
                )
            )  # fmt: skip
            continue
        if change is None:
            lines.append(
                SensitivityLine(
                    int(entry.criterion_id), name, current, None, None, None, "", "",
                    f"No weight of {name} between 0 % and 100 % (the other weights "
                    f"unchanged) lets a rival draw level with {winner}.",
                )
            )  # fmt: skip
            continue
        new = change.new_weight * 100
        rival = vendors[change.lower]
        relative = -(change.relative_change_percent or 0.0)
        direction = "rise" if change.delta < 0 else "fall"
        if change.delta == 0:
            message = (
                f"{rival} already has the same total as {winner}: any change of the weight "
                f"of {name} in its favour puts it first."
            )
        elif change.relative_change_percent is None:
            message = (
                f"{name} has no weight now; a weight of {percent_label(new)} (the other weights "
                f"unchanged) would bring {rival} level with {winner}."
            )
        else:
            message = (
                f"The weight of {name} would have to {direction} by "
                f"{percent_label(abs(relative))} of itself, from {percent_label(current)} to "
                f"{percent_label(new)} with the other weights unchanged, for {rival} to draw "
                f"level with {winner}."
            )
        lines.append(
            SensitivityLine(
                int(entry.criterion_id),
                name,
                current,
                new,
                relative if change.relative_change_percent is not None else None,
                int(change.lower),
                rival,
                direction if change.delta else "",
                message,
            )
        )
    # The most critical first: the smallest relative change (a weight now 0 after
    # every weight that has one), the weights that cannot change the winner last.
    lines.sort(
        key=lambda line: (
            line.new_percent is None,
            line.relative_change_percent is None,
            abs(line.relative_change_percent or 0.0),
        )
    )
    if result.top is not None and result.percent_top_criterion is not None:
        first = names[result.percent_top_criterion]
        head = next(line for line in lines if line.name == first)
        lines.remove(head)
        lines.insert(0, head)
    return tuple(lines)


def percent_any_message(
    change: engine.PairChange | None, name: str, vendors: Mapping[str, str]
) -> str:
    """The percent-any critical criterion in words: the smallest change of one weight
    that swaps any two awardable proposals (not only the first two)."""
    if change is None:
        return ""
    higher, lower = vendors[change.higher], vendors[change.lower]
    if change.delta == 0:
        return f"{higher} and {lower} have the same total: any change of {name} can swap them."
    if change.relative_change_percent is None:
        return (
            f"Giving {name} a weight of {percent_label(change.new_weight * 100)} would bring "
            f"{lower} level with {higher}."
        )
    direction = "rise" if change.delta < 0 else "fall"
    return (
        f"The smallest change that reorders any two awardable proposals: the weight of "
        f"{name} would have to {direction} by {percent_label(abs(change.relative_change_percent))} "
        f"of itself, from {percent_label(change.current_weight * 100)} to "
        f"{percent_label(change.new_weight * 100)}, for {lower} to draw level with {higher}."
    )
