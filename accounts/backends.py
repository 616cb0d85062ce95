from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend

from accounts.models import User


class EmailBackend(AuthenticationBackend):
    """allauth's e-mail log-in; loads the user with their membership in one query."""

    def get_user(self, user_id: Any) -> User | None:
        user = (
            User.objects.select_related(
                "buyer_membership__organization", "vendor_membership__company"
            )
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
