from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from jobs.models import Job, JobState
from jobs.selectors import JobStatus, job_status


class JobSerializer(serializers.ModelSerializer):
    """A job's state and progress; `download_url` once a file is ready."""

    url = serializers.SerializerMethodField(help_text="This endpoint: poll it.")
    page_url = serializers.SerializerMethodField(help_text="The job's page, for a person.")
    state = serializers.ChoiceField(choices=JobState.choices, read_only=True)
    progress = serializers.SerializerMethodField(help_text="0 to 100.")
    message = serializers.SerializerMethodField(help_text="What the job is doing now.")
    error = serializers.CharField(read_only=True, help_text="Why the job failed, for a person.")
    result = serializers.JSONField(read_only=True)
    download_url = serializers.SerializerMethodField()
    result_url = serializers.SerializerMethodField(
        help_text="A page showing the result, when it is not a file."
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "url",
            "page_url",
            "kind",
            "title",
            "state",
            "progress",
            "message",
            "error",
            "result",
            "download_url",
            "result_url",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _status(self, job: Job) -> JobStatus:
        cache: dict[int, JobStatus] = self.context.setdefault("_job_status", {})
        if job.pk not in cache:
            cache[job.pk] = job_status(job)
        return cache[job.pk]

    def _absolute(self, path: str | None) -> str | None:
        request = self.context.get("request")
        if path is None or request is None:
            return path
        return str(request.build_absolute_uri(path))

    def get_url(self, job: Job) -> str:
        return str(reverse("api-job-detail", args=[job.pk], request=self.context.get("request")))

    def get_page_url(self, job: Job) -> str | None:
        return self._absolute(reverse("job_detail", args=[job.pk]))

    def get_progress(self, job: Job) -> int:
        return self._status(job).progress

    def get_message(self, job: Job) -> str:
        return self._status(job).message

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job: Job) -> Any:
        """The API's download (token authentication works there), once a file is ready."""
        if self._status(job).download_url is None:
            return None
        return str(reverse("api-job-download", args=[job.pk], request=self.context.get("request")))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_result_url(self, job: Job) -> Any:
        return self._absolute(self._status(job).result_url)
