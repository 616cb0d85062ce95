from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from jobs.models import Job, StagedUpload


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "id",
        "kind",
        "title",
        "state",
        "progress",
        "organization",
        "created_by",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["title", "created_by__email", "organization__name"]
    list_select_related = ["organization", "created_by"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(StagedUpload)
class StagedUploadAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "id",
        "kind",
        "filename",
        "organization",
        "uploaded_by",
        "size",
        "created_at",
        "check_job",
        "job",
    ]
    list_filter = ["kind"]
    list_select_related = ["organization", "uploaded_by", "check_job", "job"]
    readonly_fields = [f.name for f in StagedUpload._meta.fields]

    def get_queryset(self, request: Any) -> QuerySet[StagedUpload]:
        # A checked file's preview holds up to 5,000 rows: loaded only on its own page.
        return super().get_queryset(request).defer("preview")

    def has_add_permission(self, request: object) -> bool:
        return False
