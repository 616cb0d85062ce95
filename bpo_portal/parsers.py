"""The API's request parsers: DRF's own, refusing text with a NUL character.

PostgreSQL cannot store U+0000 in a text column and fails the whole query when one
reaches it, as a lookup value (`{"industries": ["x\\u0000"]}`) as much as a value to
save: a server error for what is a client's mistake. DRF's CharField refuses NUL, but
slug and related fields, filters and lookups pass the text on. One check here, on
everything a request body carries, answers 400 in the error shape instead.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from bpo_portal.conditional import refuse_if_match, version_given

NUL_MESSAGE = "Text may not contain the NUL character (\\u0000)."


def contains_nul(value: Any) -> bool:
    """Any string, key or value, at any depth, holding U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    if hasattr(value, "lists"):  # QueryDict: every value of every key
        return any(contains_nul(k) or contains_nul(v) for k, v in value.lists())
    return False


def _refuse_nul(data: Any) -> Any:
    if contains_nul(data):
        raise ParseError(NUL_MESSAGE)
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = _refuse_nul(super().parse(stream, media_type, parser_context))
        context = parser_context or {}
        request = context.get("request")
        if request is not None and isinstance(data, dict):
            # `If-Match` is the version an edit is made on (bpo_portal.conditional), where
            # the view says its `version` is the one its ETag carries.
            if getattr(context.get("view"), "if_match_is_version", False):
                version = version_given(request, data.get("version"))
                if version is not None:
                    data["version"] = version
            else:
                refuse_if_match(request)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return _refuse_nul(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_nul(parsed.data)
        return parsed
