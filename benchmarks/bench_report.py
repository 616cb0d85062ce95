"""Benchmark: the PDF comparison report of an RFP with 50 vendors, every section.

Builds the scenario through the real services in a throw-away SQLite database
(50 vendors submit proposals, two evaluators score everything), then times the
report: our share (queries and results, report content and charts, HTML) and
WeasyPrint's layout, and reports the process's peak memory.

    .venv/bin/python benchmarks/bench_report.py [vendors]

Targets (issue 8): under 10 s in all, under 500 MB, our share under 30 %.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bpo_portal.settings.test"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.pop("REDIS_URL", None)


def build_scenario(vendor_count: int):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import BuyerRole
    from scoring import services as scoring_services
    from tests.conftest import add_member, make_buyer_org
    from tests.scoring import factories as f

    organization = make_buyer_org("admin@bench.example", "Benchmark Buyer")
    admin = organization.memberships.get(role=BuyerRole.ADMIN).user
    pm = add_member(organization, "pm@bench.example", BuyerRole.PROCUREMENT_MANAGER)
    evaluators = [
        add_member(organization, f"evaluator{i}@bench.example", BuyerRole.EVALUATOR)
        for i in range(2)
    ]
    countries = ["PH", "IN", "MX", "CO", "PL", "ZA", "EG", "MY", "VN", "CA"]
    vendors = [
        f.make_vendor(
            f"owner{i}@vendor{i}.example", f"Vendor {i:02d} Services Ltd", countries[i % 10]
        )
        for i in range(vendor_count)
    ]
    rfp = f.make_rfp(pm, admin, vendors)
    for i, vendor in enumerate(vendors):
        factor = Decimal("0.8") + Decimal(i % 9) / 20
        prices = {
            key: str((Decimal(value) * factor).quantize(Decimal("0.01")))
            for key, value in f.PRICES_A.items()
        }
        country = countries[i % 10]
        f.submit(
            vendor,
            rfp,
            f.Bid(prices=prices, centres=(f.Centre(country, "City", "100", is_24_7=i % 2 == 0),)),
        )
    rfp = f.pass_deadline(rfp)
    evaluation = scoring_services.evaluation_setup(actor=pm, rfp=rfp)
    f.setup_panel(pm, evaluation, evaluators)
    evaluation = f.start(pm, f.fresh(evaluation))
    for evaluator in evaluators:
        f.declare_none(evaluator, evaluation)
        f.score_all(evaluator, evaluation, default=6)
    return rfp, pm


def main() -> None:
    import django

    django.setup()
    from django.template.loader import render_to_string
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from reports import content, pdf
    from reports.selectors import results_for_report

    vendor_count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    started = time.perf_counter()
    rfp, pm = build_scenario(vendor_count)
    print(f"scenario: {vendor_count} vendors built in {time.perf_counter() - started:.1f} s")

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    results = results_for_report(rfp=rfp, lot=None, user=pm)
    timings["results (queries + scoring)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    context = content.report_context(rfp=rfp, results=results, progress=lambda *a: None)
    timings["report content and charts"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    html = render_to_string("reports/comparison.html", context)
    timings["HTML"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fetcher = pdf._local_fetcher_class()(allowed_protocols=("file", "data"))
    fonts = FontConfiguration()
    document = HTML(string=html, base_url=str(pdf.STATIC_DIR), url_fetcher=fetcher).render(
        stylesheets=pdf.font_stylesheets(fetcher, fonts), font_config=fonts
    )
    data = document.write_pdf()
    timings["WeasyPrint layout and PDF"] = time.perf_counter() - t0

    total = sum(timings.values())
    ours = total - timings["WeasyPrint layout and PDF"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for name, seconds in timings.items():
        print(f"  {name:32s} {seconds * 1000:8.0f} ms")
    size = f"{len(document.pages)} pages, {len(data) // 1024} KB"
    print(f"  {'total':32s} {total * 1000:8.0f} ms  ({size})")
    print(f"  our share: {100 * ours / total:.0f} %   peak memory of the process: {peak_mb:.0f} MB")
    ok = total < 10 and peak_mb < 500 and ours / total < 0.30
    print("targets met" if ok else "TARGETS NOT MET")


if __name__ == "__main__":
    main()
