"""Small helpers every door shares: who is asking, and links for e-mails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

if TYPE_CHECKING:  # the type only: bpo_portal sits below accounts in the layers
    from accounts.models import User


def request_user(request: HttpRequest | Any) -> User:
    """The signed-in user of a page or API request. Every caller sits behind
    login_required or an IsAuthenticated permission, so it is never anonymous."""
    return cast("User", request.user)


def site_link(name: str, *args: Any) -> str:
    """An absolute link to a named page, for e-mails (SITE_URL + the path)."""
    return f"{settings.SITE_URL}{reverse(name, args=args)}"
