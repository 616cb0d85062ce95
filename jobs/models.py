"""Background jobs a person waits on (imports, reports), and the files they upload for them."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models


def private_job_file(instance: Any, filename: str) -> str:
    """Random names under private/: nobody can guess or list them."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"private/jobs/{uuid.uuid4().hex}{suffix}"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class Job(models.Model):
    """One run of a registered handler (see jobs.registry), carried out by a Celery worker.

    Every state change goes through jobs.services; `run_token` changes each time a
    worker claims the job, so a worker that lost the job (it was presumed dead and
    taken over) can never record its result over the new owner's.
    """

    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        "accounts.BuyerOrganization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    params = models.JSONField(default=dict, blank=True)
    input_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="Fingerprint of the inputs: asking again with the same inputs "
        "returns this job instead of starting another.",
    )
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    progress_message = models.CharField(max_length=200, blank=True)
    error = models.TextField("reason for the failure", blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.FileField(upload_to=private_job_file, blank=True, max_length=200)
    result_filename = models.CharField(max_length=200, blank=True)
    result_content_type = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker started this job since it was last queued."
    )
    run_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last sign of life: queued, progress recorded, or claimed by a worker.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "heartbeat_at"], name="job_state_heartbeat"),
            models.Index(fields=["kind", "organization", "input_hash"], name="job_kind_org_input"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.kind} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


class StagedUpload(models.Model):
    """A file uploaded as the input of a job (a vendor list to import), kept
    privately under a random name while the user checks it and the job uses it."""

    kind = models.CharField(max_length=64, help_text="The kind of job this file is for.")
    organization = models.ForeignKey(
        "accounts.BuyerOrganization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staged_uploads",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staged_uploads",
    )
    file = models.FileField(upload_to=private_job_file, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    job = models.OneToOneField(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="staged_upload"
    )
    check_job = models.OneToOneField(
        Job,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checked_upload",
        help_text="The job that reads and checks the file in a worker, before anyone confirms it "
        "(opening a spreadsheet is too heavy for a web request).",
    )
    preview = models.JSONField(
        null=True,
        blank=True,
        help_text="What the check found, for the page to show without reading the file again: "
        "every row with its errors, or why the file as a whole cannot be used.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename
