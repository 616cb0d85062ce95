"""The reports of an RFP: ask for one, watch it being made, download it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from bpo_portal.errors import ApplicationError
from bpo_portal.permissions import Capability, buyer_can
from jobs.views import status_context
from reports import selectors, services
from reports.models import ReportKind


@login_required
def report_list(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    user = request.user
    rfp = selectors.rfp_for_reports(user=user, rfp_pk=rfp_pk)
    if request.method == "POST":
        lot_value = request.POST.get("lot") or None
        try:
            report = services.report_request(
                actor=user,  # type: ignore[arg-type]
                rfp=rfp,
                kind=request.POST.get("kind", ""),
                lot_id=int(lot_value) if lot_value and lot_value.isdigit() else None,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if report.job.state == "done":
                messages.info(
                    request,
                    "Nothing has changed since this report was made: here it is again.",
                )
            else:
                messages.success(request, "Your report is being prepared. We will e-mail you too.")
        return redirect(reverse("report_list", args=[rfp.pk]))
    page = selectors.reports_for_rfp(user=user, rfp=rfp)
    rows = [
        {
            "row": row,
            "job": status_context(row.status, next_url=request.path, reload_when_finished=True),
        }
        for row in page.rows
    ]
    return render(
        request,
        "reports/list.html",
        {
            "rfp": rfp,
            "page": page,
            "rows": rows,
            "lots": list(rfp.lots.all()),
            "kinds": ReportKind.choices,
            "can_generate": buyer_can(user, Capability.GENERATE_REPORTS),
        },
    )
