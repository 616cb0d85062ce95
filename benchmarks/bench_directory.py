"""Benchmark of the vendor directory at 100,000 vendors on PostgreSQL (issue 16).

Runs against the database DATABASE_URL names (PostgreSQL; a database for benchmarks
only: `manage.py seed_scale` refuses one holding real data), seeding the scale data
first if it is missing (about two minutes). Then, through Django's test client in this
process (every middleware, the real templates and serializers), it times the directory
page and `GET /api/v1/vendors/` for a text search, each filter and combinations, beside a
bare Django JSON view measured in the same run, and prints p50 / p95 and the ratio of
each p50 to the bare view's.

Run from the project root:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/bpo_directory \\
      .venv/bin/python benchmarks/bench_directory.py [--runs 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_portal.settings.test")
# The benchmark makes thousands of API requests as one user within a minute.
os.environ.setdefault("API_THROTTLE_USER", "1000000/hour")

TARGET_P95_MS = 50.0

CASES: list[tuple[str, dict[str, str]]] = [
    ("no filter", {}),
    ("text search q=apex", {"q": "apex"}),
    ("service category", {"category": "front-office"}),
    ("delivery country", {"country": "CO"}),
    ("nearshore", {"location_model": "nearshore"}),
    ("certification", {"certification": "pci-dss"}),
    (
        "combined: category + nearshore + certification",
        {"category": "front-office", "location_model": "nearshore", "certification": "pci-dss"},
    ),
    ("combined: q=apex + country", {"q": "apex", "country": "PH"}),
]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(client: Any, path: str, params: dict[str, str], runs: int) -> dict[str, Any]:
    from django.db import connection

    for _ in range(3):  # warm-up: caches, prepared plans, the connection
        response = client.get(path, params)
        assert response.status_code == 200, (path, params, response.status_code)
    queries: list[str] = []

    def count(execute: Any, sql: str, *args: Any) -> Any:
        queries.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(count):
        client.get(path, params)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(path, params)
        samples.append((time.perf_counter() - start) * 1000.0)
    return {
        "p50": statistics.median(samples),
        "p95": percentile(samples, 0.95),
        "queries": len(queries),
        "count": _count(response),
    }


def _count(response: Any) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        data = response.json()
        if isinstance(data, dict) and "count" in data:
            return f"{data['count']:,}" + ("" if data.get("count_exact", True) else " (est.)")
        return ""
    import re

    found = re.search(r"([\w ,]+?) vendors? found", response.content.decode())
    return found.group(1).strip() if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--vendors", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import reverse

    from vendors.scale import BUYER_EMAIL, scale_vendors, seed_scale

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database for benchmarks (issue 16).")
    settings.ALLOWED_HOSTS = ["testserver"]
    if scale_vendors().count() < args.vendors:
        print(f"Seeding {args.vendors:,} vendors (manage.py seed_scale)...", flush=True)
        seed_scale(vendors=args.vendors)
    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=BUYER_EMAIL))

    with override_settings(ROOT_URLCONF="benchmarks.bare_urls"):
        bare = measure(client, "/bench/bare/", {}, args.runs)
        rows = []
        for name, params in CASES:
            page = measure(client, reverse("vendor_directory"), params, args.runs)
            api = measure(client, reverse("api-vendor-list"), params, args.runs)
            rows.append((name, page, api))

    floor = bare["p50"]
    print(
        f"\nVendor directory, {scale_vendors().count():,} vendors, PostgreSQL, "
        f"{args.runs} requests each (Django test client, in process)"
    )
    print(f"Bare Django JSON view: p50 {floor:.1f} ms, p95 {bare['p95']:.1f} ms\n")
    header = (
        f"{'case':<48} {'page p50':>9} {'p95':>7} {'×bare':>6} {'q':>3}  "
        f"{'API p50':>8} {'p95':>7} {'×bare':>6} {'q':>3}  found"
    )
    print(header)
    print("-" * len(header))
    met = True
    for name, page, api in rows:
        met = met and page["p95"] <= TARGET_P95_MS and api["p95"] <= TARGET_P95_MS
        print(
            f"{name:<48} {page['p50']:>9.1f} {page['p95']:>7.1f} {page['p50'] / floor:>6.1f} "
            f"{page['queries']:>3}  {api['p50']:>8.1f} {api['p95']:>7.1f} "
            f"{api['p50'] / floor:>6.1f} {api['queries']:>3}  {page['count']}"
        )
    print(f"\nTarget: p95 ≤ {TARGET_P95_MS:.0f} ms for every case: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
