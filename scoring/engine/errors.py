"""The single exception type raised by the scoring engine for bad input."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["EngineInputError"]


class EngineInputError(ValueError):
    """Raised for every invalid input to the scoring engine.

    ``str(error)`` is a human-readable sentence meant for end users.

    ``field`` names what is wrong in a form a caller can map to its own field errors,
    for example ``"weights"``, ``"weights.price"``, ``"matrix[0][2]"`` or
    ``"values[3][1]"``. Indices in ``field`` and ``details`` are 0-based; the message
    itself counts rows and columns from 1 because it is written for people.

    ``details`` carries machine-readable context (the offending value, row and column,
    alternative and criterion ids, ...). It is always a plain ``dict``.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details: dict[str, object] = dict(details) if details else {}

    def __reduce__(self) -> tuple[object, ...]:  # keep field/details when pickled
        return (_rebuild, (self.message, self.field, self.details))


def _rebuild(message: str, field: str | None, details: dict[str, object]) -> EngineInputError:
    return EngineInputError(message, field=field, details=details)
