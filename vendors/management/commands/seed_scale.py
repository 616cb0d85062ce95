"""Benchmarks only: fill the database with 100,000 generated vendors (vendors/scale.py)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bpo_portal.errors import ApplicationError
from vendors.scale import BUYER_EMAIL, BUYER_PASSWORD, DEFAULT_VENDORS, seed_scale


class Command(BaseCommand):
    help = (
        "Benchmarks only: generate vendors with realistic distributions (bulk inserts). "
        "Adds only the missing ones; refuses a database holding other data without --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--vendors", type=int, default=DEFAULT_VENDORS)
        parser.add_argument(
            "--reset", action="store_true", help="Delete the generated vendors first."
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even if the database holds other data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        try:
            result = seed_scale(
                vendors=options["vendors"],
                reset=options["reset"],
                force=options["force"],
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.existing + result.created:,} generated vendors "
                f"({result.created:,} added) in {time.perf_counter() - start:.0f} s. "
                f"Buyer: {BUYER_EMAIL} / {BUYER_PASSWORD}"
            )
        )
