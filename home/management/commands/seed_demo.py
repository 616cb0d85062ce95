"""Load realistic demo data. Safe to run again: it creates only what is missing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, seed_buyers
from proposals.demo import seed_proposals
from rfp.demo import seed_rfps
from scoring.demo import seed_scoring
from vendors.demo import seed_buyer_views, seed_vendors


class Command(BaseCommand):
    help = "Create demo buyer organizations, users and vendors (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            logins = seed_buyers() + seed_vendors()
            seed_buyer_views()
            rfps = seed_rfps()
            rfps += seed_proposals()
            rfps += seed_scoring()
        width = max(len(login.email) for login in logins)
        self.stdout.write(self.style.SUCCESS(f"Demo data is ready. Log in at {settings.SITE_URL}/"))
        self.stdout.write(f"Every demo user's password: {DEMO_PASSWORD}\n")
        for login in logins:
            self.stdout.write(f"  {login.email.ljust(width)}  {login.who}")
        if rfps:
            self.stdout.write("Demo RFPs created:")
            for line in rfps:
                self.stdout.write(f"  {line}")
