"""Which function runs each kind of job.

    @job_handler("vendor_import", label="Vendor import")
    def run_vendor_import(job: Job, progress: Progress) -> dict[str, Any]:
        ...
        progress(40, "Creating vendor 40 of 100")
        return {"summary": "100 vendors imported."}

The handler gets the Job and a `progress(percent, message)` callable and returns a
JSON-serialisable result (a "summary" key is shown to the user when the job is
done). It may attach a file with `jobs.services.job_attach_file`. It raises
ApplicationError with a message a person understands to fail the job.

A handler must be safe to run again from the start: a worker that dies mid-job
leaves it to another worker, which starts over. With `atomic=True` (the
default) the handler runs in one transaction with the recording of its result,
so a run that dies or fails leaves nothing behind. Use `atomic=False` for long,
read-mostly work (rendering a report) that must not hold a transaction open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from jobs.models import Job


class Progress(Protocol):
    def __call__(self, percent: float, message: str = "") -> None: ...


Handler = Callable[["Job", Progress], dict[str, Any] | None]


@dataclass(frozen=True)
class JobKind:
    kind: str
    handler: Handler
    label: str
    atomic: bool = True
    # Where "done" leads when the result is a page rather than a download.
    result_url: Callable[[Job], str | None] | None = None
    result_label: str = "See the result"
    # Extra checks for sensitive results (reports): may this user see the job at
    # all, and what to record when they download its file.
    can_see: Callable[[Any, Job], bool] | None = None
    on_download: Callable[[Any, Job], None] | None = None


_REGISTRY: dict[str, JobKind] = {}


def job_handler(
    kind: str,
    *,
    label: str = "",
    atomic: bool = True,
    result_url: Callable[[Job], str | None] | None = None,
    result_label: str = "See the result",
    can_see: Callable[[Any, Job], bool] | None = None,
    on_download: Callable[[Any, Job], None] | None = None,
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of `kind`."""

    def register(handler: Handler) -> Handler:
        existing = _REGISTRY.get(kind)
        if existing is not None and existing.handler.__qualname__ != handler.__qualname__:
            raise ValueError(f"Two handlers for job kind {kind!r}.")
        _REGISTRY[kind] = JobKind(
            kind=kind,
            handler=handler,
            label=label or kind.replace("_", " ").capitalize(),
            atomic=atomic,
            result_url=result_url,
            result_label=result_label,
            can_see=can_see,
            on_download=on_download,
        )
        return handler

    return register


def job_kind(kind: str) -> JobKind | None:
    return _REGISTRY.get(kind)


def unregister(kind: str) -> None:
    """For tests that register throwaway handlers."""
    _REGISTRY.pop(kind, None)
