from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from bpo_portal.navigation import BUYER_NAV, VENDOR_NAV
from bpo_portal.permissions import (
    BUYER_ROLE_CAPABILITIES,
    VENDOR_ROLE_CAPABILITIES,
    buyer_membership,
    vendor_membership,
)


def _nav(
    items: list[tuple[str, str, str | None]], capabilities: set[str], request: HttpRequest
) -> list[dict[str, Any]]:
    current = getattr(getattr(request, "resolver_match", None), "url_name", None)
    out = []
    for label, url_name, capability in items:
        if capability and capability not in capabilities:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        out.append(
            {
                "label": label,
                "url": url,
                "active": current == url_name or request.path.startswith(url) and url != "/",
            }
        )
    # Only the most specific match is "active".
    active = [item for item in out if item["active"]]
    if len(active) > 1:
        best = max(active, key=lambda item: len(item["url"]))
        for item in out:
            item["active"] = item is best
    return out


def account_context(request: HttpRequest) -> dict[str, Any]:
    """What the layout needs to draw the right navigation."""
    user = getattr(request, "user", None)
    buyer = buyer_membership(user)
    vendor = vendor_membership(user)
    capabilities: set[str] = set()
    nav: list[dict[str, Any]] = []
    if buyer is not None:
        capabilities = {str(c) for c in BUYER_ROLE_CAPABILITIES.get(buyer.role, ())}
        nav = _nav(BUYER_NAV, capabilities, request)
    elif vendor is not None:
        capabilities = {str(c) for c in VENDOR_ROLE_CAPABILITIES.get(vendor.role, ())}
        nav = _nav(VENDOR_NAV, capabilities, request)
    return {
        "buyer_membership": buyer,
        "vendor_membership": vendor,
        "buyer_capabilities": capabilities if buyer else set(),
        "vendor_capabilities": capabilities if vendor else set(),
        "nav_items": nav,
    }
