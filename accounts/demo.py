"""Demo buyers and their users, created through the real services. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import BuyerMembership, BuyerOrganization, BuyerRole, User
from accounts.services import buyer_organization_create, user_create

DEMO_PASSWORD = "demo-pass-2026"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    who: str


BUYERS = [
    {
        "name": "Northwind Health",
        "home_country": "US",
        "default_currency": "USD",
        "time_zone": "America/New_York",
        "domain": "northwind.example",
        "people": [
            ("admin", "Alice Morgan", BuyerRole.ADMIN),
            ("pm", "Paul Nguyen", BuyerRole.PROCUREMENT_MANAGER),
            ("evaluator", "Erin Brooks", BuyerRole.EVALUATOR),
            ("evaluator2", "Omar Haddad", BuyerRole.EVALUATOR),
            ("viewer", "Victor Lane", BuyerRole.VIEWER),
        ],
    },
    {
        "name": "Lumière Retail Group",
        "home_country": "FR",
        "default_currency": "EUR",
        "time_zone": "Europe/Paris",
        "domain": "lumiere.example",
        "people": [
            ("admin", "Claire Dubois", BuyerRole.ADMIN),
            ("pm", "Hugo Martin", BuyerRole.PROCUREMENT_MANAGER),
            ("evaluator", "Inès Laurent", BuyerRole.EVALUATOR),
            ("viewer", "Marc Petit", BuyerRole.VIEWER),
        ],
    },
]


def ensure_user(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(
            email=email, password=DEMO_PASSWORD, full_name=full_name, email_verified=True
        )
    return user


def seed_buyers() -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    for spec in BUYERS:
        people = list(spec["people"])  # type: ignore[call-overload]
        local, full_name, _ = people[0]
        admin = ensure_user(f"{local}@{spec['domain']}", full_name)
        organization = BuyerOrganization.objects.filter(name=spec["name"]).first()
        if organization is None:
            organization = buyer_organization_create(
                user=admin,
                name=str(spec["name"]),
                home_country=str(spec["home_country"]),
                default_currency=str(spec["default_currency"]),
                time_zone=str(spec["time_zone"]),
            )
        for local, full_name, role in people:
            user = ensure_user(f"{local}@{spec['domain']}", full_name)
            BuyerMembership.objects.get_or_create(
                user=user, defaults={"organization": organization, "role": role}
            )
            logins.append(DemoLogin(user.email, f"{organization.name}: {role.label}"))
    return logins
