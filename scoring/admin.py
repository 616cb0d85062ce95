"""The Django admin shows evaluations read-only: every change to criteria, weights,
scores, consensus or awards goes through scoring.services, which check the lock
(criteria lock when the RFP is published), send addenda and audit. Evaluators'
scores and the award are answerable records, not something staff edit by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from scoring.models import (
    AwardDecision,
    ConflictDeclaration,
    CriteriaChange,
    Criterion,
    Evaluation,
    EvaluatorAssignment,
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CriterionInline(ReadOnlyMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Criterion
    fields = ["name", "parent", "source", "weight", "order"]
    readonly_fields = fields
    extra = 0


class ChangeInline(ReadOnlyMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = CriteriaChange
    fields = ["created_at", "actor", "summary", "after_lock", "addendum", "reason"]
    readonly_fields = fields
    extra = 0


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "rfp",
        "ranking_method",
        "aggregation",
        "set_after_publication",
        "scoring_started_at",
    ]
    list_select_related = ["rfp"]
    inlines = [CriterionInline, ChangeInline]


@admin.register(EvaluatorAssignment)
class AssignmentAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["evaluation", "evaluator", "criterion", "lot"]
    list_select_related = ["evaluation__rfp", "evaluator", "criterion", "lot"]


@admin.register(ConflictDeclaration)
class ConflictAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["evaluation", "evaluator", "company", "has_conflict", "declared_at"]
    list_select_related = ["evaluation__rfp", "evaluator", "company"]


@admin.register(AwardDecision)
class AwardAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["evaluation", "lot", "status", "proposed_by", "decided_by", "decided_at"]
    list_select_related = ["evaluation__rfp", "lot", "proposed_by", "decided_by"]
