"""The status of a step in a GOV.UK-style task list: one rule and one look for the
RFP editor's steps and the parts of a vendor's proposal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

STATUSES = ("not_started", "in_progress", "completed", "has_errors", "optional")
LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "completed": "Completed",
    "has_errors": "Has errors",
    "optional": "Optional",
}
BADGES = {
    "not_started": "text-bg-light border",
    "in_progress": "text-bg-primary",
    "completed": "text-bg-success",
    "has_errors": "text-bg-danger",
    "optional": "text-bg-light border",
}


class _Problem(Protocol):
    @property
    def missing(self) -> bool: ...  # False: something entered is wrong, not just absent


def step_status(problems: Sequence[_Problem], started: bool, *, optional: bool = False) -> str:
    """Has errors (something entered is wrong) before anything else; then a step not
    started yet is optional or not started; a started one is in progress until nothing
    is missing."""
    if any(not p.missing for p in problems):
        return "has_errors"
    if not started:
        return "optional" if optional else "not_started"
    return "in_progress" if problems else "completed"


class StatusDisplay:
    """status_label and badge for a dataclass with a `status` field."""

    status: str

    @property
    def status_label(self) -> str:
        return LABELS[self.status]

    @property
    def badge(self) -> str:
        return BADGES[self.status]
