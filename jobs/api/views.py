"""The integration door for jobs: poll a job, try a failed one again."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from bpo_portal.api import ScopedViewSet
from bpo_portal.errors import NotFoundError
from bpo_portal.uploads import XLSX_CONTENT_TYPE, serve_private_file
from jobs import services
from jobs.api.serializers import JobSerializer
from jobs.models import Job, JobState
from jobs.selectors import job_file_downloaded, job_for_user, jobs_visible_to


def job_accepted_response(job: Job, request: Request) -> Response:
    """For any endpoint that starts a job: 202 Accepted, the job in the body, and its
    URL in `Location` (poll it until `state` is done or failed)."""
    return Response(
        JobSerializer(job, context={"request": request}).data,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": reverse("api-job-detail", args=[job.pk], request=request)},
    )


# What a finished job's file can be: the reports' PDF and Excel workbook (the only
# jobs with a file today). tests/jobs/test_api.py holds the schema to what a download
# really answers.
DOWNLOAD_TYPES = ("application/pdf", XLSX_CONTENT_TYPE)


class JobViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """Background jobs (imports, reports): yours and your organization's."""

    serializer_class = JobSerializer
    model = Job

    def visible_queryset(self) -> QuerySet[Job]:
        return jobs_visible_to(user=self.request.user)

    def get_object(self) -> Job:
        # One rule for every door: the job's kind may restrict it further (reports).
        return job_for_user(user=self.request.user, pk=int(self.kwargs["pk"]))

    @extend_schema(summary="A job's state, progress and result")
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Try a failed job again",
        request=None,
        responses={202: JobSerializer},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        job = services.job_retry(actor=request.user, job=self.get_object())  # type: ignore[arg-type]
        return job_accepted_response(job, request)

    @extend_schema(
        summary="Download a finished job's file",
        responses={(200, media_type): OpenApiTypes.BINARY for media_type in DOWNLOAD_TYPES},
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        job = job_for_user(user=request.user, pk=int(self.kwargs["pk"]))
        if job.state != JobState.DONE or not job.result_file:
            raise NotFoundError("This job has no file to download.")
        job_file_downloaded(user=request.user, job=job)
        return serve_private_file(
            request,
            job.result_file,
            filename=job.result_filename,
            content_type=job.result_content_type,
        )
