"""A report made from an RFP's evaluation: which inputs, which job, which file."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportKind(models.TextChoices):
    PDF = "pdf", "PDF comparison report"
    XLSX = "xlsx", "Excel export"


class Report(models.Model):
    """The file lives on the job (jobs.Job.result_file); `input_hash` is the
    fingerprint of everything the report shows, so an unchanged request reuses
    it and a changed score marks it out of date."""

    rfp = models.ForeignKey("rfp.RFP", on_delete=models.CASCADE, related_name="reports")
    lot = models.ForeignKey(
        "rfp.Lot", null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(max_length=8, choices=ReportKind.choices)
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="report")
    input_hash = models.CharField(max_length=64, db_index=True)
    final = models.BooleanField(
        default=False, help_text="Made after every lot's award was approved (no DRAFT mark)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        scope = self.lot.name if self.lot_id and self.lot else "all lots"
        return f"{self.get_kind_display()} of {self.rfp} ({scope})"
