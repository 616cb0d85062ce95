"""The OpenAPI schema's generator: drf-spectacular's, documenting filters only where
they apply (a list read with GET), never on a detail action that happens to answer a
list (an RFP's timeline, a proposal's versions) nor on a POST."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_filter_backends(self) -> list[Any]:
        action = getattr(self.view, "action", None)
        if self.method != "GET" or (action is not None and action != "list"):
            return []
        return list(super().get_filter_backends())
