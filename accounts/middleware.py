from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from bpo_portal.permissions import buyer_organization


class UserTimezoneMiddleware:
    """Show times in the user's time zone, else their organization's, else UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        zone = None
        if user.is_authenticated:
            zone = user.time_zone  # type: ignore[union-attr]
            if zone is None:
                organization = buyer_organization(user)
                zone = organization.time_zone if organization else None
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
