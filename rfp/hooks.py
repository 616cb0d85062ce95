"""What the RFP layer asks of the layers above it, without importing them.

Proposals sit above RFPs (a proposal answers an RFP), yet the RFP's reminders and
addenda need to know who has submitted, and its timeline shows when the envelopes
opened. The proposals app registers the answers here when it starts
(proposals/apps.py), so the import graph points one way only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SubmittersSource = Callable[[Any], list[int]]  # rfp -> company ids whose proposal counts
TimelineSource = Callable[[Any], list[Any]]  # rfp -> rfp.selectors.TimelineEntry list

_submitters: list[SubmittersSource] = []
_timeline: list[TimelineSource] = []


def register_submitters(source: SubmittersSource) -> None:
    if source not in _submitters:
        _submitters.append(source)


def register_timeline(source: TimelineSource) -> None:
    if source not in _timeline:
        _timeline.append(source)


def submitted_company_ids(rfp: Any) -> list[int]:
    """The companies whose submitted proposal counts (empty if no app answers)."""
    return [pk for source in _submitters for pk in source(rfp)]


def timeline_entries(rfp: Any) -> list[Any]:
    return [entry for source in _timeline for entry in source(rfp)]
