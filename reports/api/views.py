"""Reports through the API: POST answers 202 with the job to poll; GET lists them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bpo_portal.api import ScopedViewSet
from bpo_portal.permissions import IsBuyer
from jobs.api.serializers import JobSerializer
from jobs.api.views import job_accepted_response
from reports import ocds, selectors, services
from reports.api.serializers import ReportRequestSerializer, ReportSerializer
from reports.models import Report


class ReportViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The comparison reports (PDF) and Excel exports of an RFP."""

    model = Report
    serializer_class = ReportSerializer
    permission_classes = [IsBuyer]
    pagination_class = None

    def visible_queryset(self) -> QuerySet[Report]:
        rfp = selectors.rfp_for_reports(user=self.request.user, rfp_pk=int(self.kwargs["rfp"]))
        return Report.objects.filter(rfp=rfp).select_related("job", "lot")

    @extend_schema(summary="The reports of an RFP, each marked out of date or not")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rfp = selectors.rfp_for_reports(user=request.user, rfp_pk=int(self.kwargs["rfp"]))
        page = selectors.reports_for_rfp(user=request.user, rfp=rfp)
        context = {
            **self.get_serializer_context(),
            "out_of_date": {row.report.pk: row.out_of_date for row in page.rows},
        }
        return Response(
            ReportSerializer([row.report for row in page.rows], many=True, context=context).data
        )

    @extend_schema(
        summary="Ask for a report",
        request=ReportRequestSerializer,
        responses={202: JobSerializer},
        description=(
            "Answers 202 at once with the job that makes the report; poll its `url` until "
            "`state` is `done`, then fetch `download_url`. Asking again with unchanged "
            "inputs returns the existing report's job."
        ),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rfp = selectors.rfp_for_reports(user=request.user, rfp_pk=int(self.kwargs["rfp"]))
        data = ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_request(
            actor=request.user,  # type: ignore[arg-type]
            rfp=rfp,
            kind=data.validated_data["kind"],
            lot_id=data.validated_data.get("lot"),
        )
        return job_accepted_response(report.job, request)


class OcdsReleasePackageView(APIView):
    """An RFP as open-contracting data (OCDS 1.1), for its buyer."""

    permission_classes = [IsBuyer]

    @extend_schema(
        summary="The RFP as an OCDS 1.1 release package",
        responses={200: {"type": "object", "additionalProperties": True}},
        description=(
            "One release (tag, parties, buyer, tender with lots and documents, bids, awards) "
            "following the Open Contracting Data Standard 1.1 with its bids and lots "
            "extensions. Bids appear only once the technical envelope is open, and their "
            "amounts only once the commercial one is; the internal budget never appears. "
            "Amounts follow OCDS's `Value`: `amount` is a JSON number. No `contracts` yet. "
            "The JSON Schema the tests validate it against is "
            "`reports/ocds/release-package-schema.json` in the repository."
        ),
    )
    def get(self, request: Request, rfp: int) -> Response:
        found = selectors.rfp_for_ocds(user=request.user, rfp_pk=int(rfp))
        package = ocds.release_package(rfp=found, uri=request.build_absolute_uri())
        return Response(package)
