"""Parts of the RFP editor that a higher layer contributes.

The RFP editor's task list (`rfp.selectors.rfp_task_list`) has the parts rfp
knows: details, lots, questionnaire, pricing, service levels, timeline,
vendors. Some parts of an RFP live in a higher app: the evaluation criteria
and their weights belong to scoring, which rfp must not import. Such an app
registers its part here, from its `AppConfig.ready()`:

    from rfp import parts
    parts.register(parts.EditorPart(key="evaluation", label="Evaluation criteria", ...))

and rfp then treats it like its own parts:

- the task list shows it (after the step named by `after`), with its status
  from `started(rfp)` and `problems(rfp)`, and links to `url(rfp)` (the editor's
  `rfp_edit` URL for the key redirects there);
- "submit for approval" and publication refuse an RFP while `problems(rfp)`
  lists anything (through `rfp.selectors.rfp_problems`); after publication an
  addendum is refused if it would leave a problem that is not just missing;
- starting an RFP from a template, and saving an RFP as a template, call
  `copy(source, target)` (inside the same transaction);
- publication calls `on_publish(rfp, actor)` (inside the approval's transaction):
  the part's content is now what vendors bid against (scoring records the lock);
- what vendors may read of the part, `published(rfp)`, is shown on the RFP
  page vendors read (and the buyer's preview) and given in the API's RFP detail.

Each callable is given the RFP and answers on nobody's behalf: permissions are
the caller's (rfp's services and views) business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import User
    from rfp.models import RFP
    from rfp.selectors import Problem


@dataclass(frozen=True)
class PublishedItem:
    """One line vendors read: a name, its weight in percent of its level, and the lines
    under it."""

    name: str
    weight: Decimal
    description: str = ""
    children: tuple[PublishedItem, ...] = ()


@dataclass(frozen=True)
class PublishedPart:
    """What vendors may read of a part: a title, a sentence on how it is used, the
    weighted items, and notes."""

    key: str
    title: str
    intro: str
    items: tuple[PublishedItem, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EditorPart:
    key: str
    label: str
    url: Callable[[RFP], str]
    problems: Callable[[RFP], list[Problem]]
    started: Callable[[RFP], bool]
    copy: Callable[[RFP, RFP], None]
    published: Callable[[RFP], PublishedPart | None] = field(default=lambda rfp: None)
    on_publish: Callable[[RFP, User], None] = field(default=lambda rfp, actor: None)
    after: str = ""  # the step it follows in the task list ("": at the end)
    optional: bool = False


_PARTS: dict[str, EditorPart] = {}


def register(part: EditorPart) -> None:
    """Add (or replace, when an app is loaded again) a part of the editor."""
    _PARTS[part.key] = part


def registered() -> list[EditorPart]:
    return list(_PARTS.values())


def get(key: str) -> EditorPart | None:
    return _PARTS.get(key)


def copy_all(source: RFP, target: RFP) -> None:
    """Every part's content from one RFP (or template) to another."""
    for part in _PARTS.values():
        part.copy(source, target)


def publish_all(rfp: RFP, actor: User) -> None:
    """Tell every part the RFP was just published (inside the publication's transaction)."""
    for part in _PARTS.values():
        part.on_publish(rfp, actor)


def published_parts(rfp: RFP) -> list[PublishedPart]:
    """What vendors may read of every part, in registration order."""
    return [view for part in _PARTS.values() if (view := part.published(rfp)) is not None]
