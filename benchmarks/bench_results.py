"""Benchmark of scoring end to end: the engine, then the results page and API.

1. The engine on 1,000 proposals × 30 criteria × 5 evaluators (aggregate + weighted
   sum + TOPSIS), as in benchmarks/bench_engine.py. Target: under 50 ms.
2. An RFP with 100 submitted proposals, built through the real services in a
   throwaway test database (SQLite unless DATABASE_URL says otherwise), two
   evaluators who scored everything: the results page, the drill-down, the results
   API and the what-if API, each timed as the median of several requests, with
   its SQL query count (the same as with 2 proposals). Target: under 200 ms.

Run from the project root:  .venv/bin/python benchmarks/bench_results.py [--proposals 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_portal.settings.test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TARGET_ENGINE_MS = 50.0
TARGET_PAGE_MS = 200.0


def timed(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = function()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(samples), result


def engine_benchmark(runs: int) -> float:
    from benchmarks.bench_engine import make_data
    from scoring.engine import (
        aggregate_matrix,
        rank_topsis,
        rank_weighted_sum,
        validate_direct_weights,
    )

    ids, crits, scores, percent = make_data(1000, 30, 5, 20240601)

    def pipeline() -> None:
        weights = validate_direct_weights(percent)
        aggregated = aggregate_matrix(scores, "mean", threshold=3)
        rank_weighted_sum(ids, crits, aggregated.values, weights)
        rank_topsis(ids, crits, aggregated.values, weights)

    median, _ = timed(pipeline, runs)
    return median


def build(count: int, offset: int) -> Any:
    from accounts.models import BuyerRole, User
    from scoring import services
    from tests.conftest import add_member, make_buyer_org
    from tests.scoring import factories as f

    organization_admin = User.objects.filter(email="admin@bench.example").first()
    if organization_admin is None:
        organization = make_buyer_org("admin@bench.example", "Bench Health")
        add_member(organization, "pm@bench.example", BuyerRole.PROCUREMENT_MANAGER)
        add_member(organization, "e1@bench.example", BuyerRole.EVALUATOR)
        add_member(organization, "e2@bench.example", BuyerRole.EVALUATOR)
        add_member(organization, "viewer@bench.example", BuyerRole.VIEWER)
    admin = User.objects.get(email="admin@bench.example")
    pm = User.objects.get(email="pm@bench.example")
    evaluators = [User.objects.get(email=f"e{i}@bench.example") for i in (1, 2)]
    vendors = [
        f.make_vendor(f"owner@b{offset + i}.example", f"Bench Vendor {offset + i:03d}", "PH")
        for i in range(count)
    ]
    rfp = f.make_rfp(pm, admin, vendors, title=f"Benchmark with {count} proposals")
    for index, vendor in enumerate(vendors):
        centres = (
            (f.Centre("PH", "Makati", "70", is_24_7=True), f.Centre("IN", "Pune", "30"))
            if index % 2
            else (f.Centre("MX", "Monterrey", "100"),)
        )
        f.submit(
            vendor,
            rfp,
            f.Bid(
                prices=dict(f.PRICES_A, per_fte=str(2200 + 7 * index)),
                slas={"aht": str(360 + index % 40)} if index % 3 else {},
                centres=centres,
            ),
        )
    rfp = f.pass_deadline(rfp)
    evaluation = services.evaluation_setup(actor=pm, rfp=rfp)
    f.setup_panel(pm, evaluation, evaluators)
    evaluation = f.start(pm, f.fresh(evaluation))
    for number, evaluator in enumerate(evaluators):
        f.declare_none(evaluator, evaluation)
        f.score_all(evaluator, evaluation, default=5 + number * 2)
    return rfp


def web_benchmark(count: int, runs: int) -> list[tuple[str, float, int, int]]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from rest_framework.test import APIClient

    from accounts.models import User

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        start = time.perf_counter()
        small = build(2, 0)
        large = build(count, 1000)
        print(
            f"  (built {count + 2} proposals through the services in "
            f"{time.perf_counter() - start:.0f} s)"
        )
        viewer = User.objects.get(email="viewer@bench.example")
        client = Client()
        client.force_login(viewer)
        api = APIClient()
        api.force_authenticate(viewer)

        def endpoints(rfp: Any) -> list[tuple[str, Callable[[], Any]]]:
            proposal = rfp.proposals.order_by("pk").last()
            cost = rfp.evaluation.criteria.get(name="Cost").pk
            return [
                ("results page", lambda: client.get(f"/scoring/rfp/{rfp.pk}/results/")),
                (
                    "drill-down page",
                    lambda: client.get(f"/scoring/rfp/{rfp.pk}/results/{proposal.pk}/"),
                ),
                (
                    "what-if (htmx partial)",
                    lambda: client.get(
                        f"/scoring/rfp/{rfp.pk}/results/?partial=what-if&w_{cost}=20",
                        HTTP_HX_REQUEST="true",
                    ),
                ),
                ("results API", lambda: api.get(f"/api/v1/evaluations/{rfp.pk}/results/")),
                (
                    "what-if API",
                    lambda: api.post(
                        f"/api/v1/evaluations/{rfp.pk}/what-if/",
                        {"weights": {str(cost): "20"}},
                        format="json",
                    ),
                ),
            ]

        def queries(function: Callable[[], Any]) -> int:
            function()
            with CaptureQueriesContext(connection) as context:
                response = function()
            assert response.status_code == 200, response.content[:300]
            return len(context.captured_queries)

        from scoring.models import Evaluation, StoredResults

        def computed(call: Callable[[], Any]) -> Callable[[], Any]:
            """The call when the inputs have just changed: nothing stored to serve."""

            def cold() -> Any:
                StoredResults.objects.all().delete()
                return call()

            return cold

        rows = []
        for (label, small_call), (_, large_call) in zip(
            endpoints(small), endpoints(large), strict=True
        ):
            if label.startswith("what-if"):  # always computed live
                median, _ = timed(large_call, runs)
                rows.append((label, median, queries(small_call), queries(large_call)))
                continue
            median, _ = timed(computed(large_call), runs)
            rows.append(
                (
                    f"{label}, computed",
                    median,
                    queries(computed(small_call)),
                    queries(computed(large_call)),
                )
            )
            median, _ = timed(large_call, runs)
            rows.append((f"{label}, stored", median, queries(small_call), queries(large_call)))

        Evaluation.objects.update(ranking_method="topsis")  # numeric sensitivity: the slow case
        small_call, large_call = endpoints(small)[0][1], endpoints(large)[0][1]
        for label, small_case, large_case in (
            ("results page, TOPSIS, computed", computed(small_call), computed(large_call)),
            ("results page, TOPSIS, stored", small_call, large_call),
        ):
            median, _ = timed(large_case, runs)
            rows.append((label, median, queries(small_case), queries(large_case)))
        return rows
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=100)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)  # the e-mail tasks run eagerly while building data
    median = engine_benchmark(args.runs)
    verdict = "OK" if median < TARGET_ENGINE_MS else "OVER TARGET"
    print("scoring benchmark")
    print(
        f"  engine: 1,000 proposals x 30 criteria x 5 evaluators (aggregate + weighted sum "
        f"+ TOPSIS): {median:.1f} ms (target < {TARGET_ENGINE_MS:.0f} ms: {verdict})"
    )
    print(f"  web, an RFP with {args.proposals} proposals, median of {args.runs} requests:")
    for label, median, small_queries, large_queries in web_benchmark(args.proposals, args.runs):
        verdict = "OK" if median < TARGET_PAGE_MS else "OVER TARGET"
        constant = "constant" if small_queries == large_queries else "GROWS"
        print(
            f"    {label:<34} {median:7.1f} ms  (target < {TARGET_PAGE_MS:.0f} ms: {verdict});"
            f" {large_queries} queries ({small_queries} with 2 proposals: {constant})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
