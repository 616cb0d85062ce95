from __future__ import annotations

from rest_framework import serializers

from jobs.api.serializers import JobSerializer
from reports.models import Report, ReportKind


class ReportSerializer(serializers.ModelSerializer):
    job = JobSerializer(read_only=True)
    out_of_date = serializers.SerializerMethodField(
        help_text="True when a score or weight changed after the report was made."
    )

    class Meta:
        model = Report
        fields = ["id", "kind", "lot", "final", "created_at", "out_of_date", "job"]

    def get_out_of_date(self, obj: Report) -> bool:
        return bool(self.context.get("out_of_date", {}).get(obj.pk, False))


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    lot = serializers.IntegerField(required=False, allow_null=True, help_text="Omit for all lots.")
