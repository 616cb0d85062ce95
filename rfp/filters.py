"""One FilterSet for the RFP list page and the API list."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from rfp.models import RFP, RFPQuerySet, RFPStatus
from vendors.models import ServiceCategory


class RFPFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Reference or title")
    status = django_filters.MultipleChoiceFilter(
        choices=RFPStatus.choices, label="Status", method="filter_status"
    )
    service_category = django_filters.ModelChoiceFilter(
        queryset=ServiceCategory.objects.all(), label="Service category"
    )
    deadline_after = django_filters.DateFilter(
        field_name="submission_deadline", lookup_expr="date__gte", label="Deadline from"
    )
    deadline_before = django_filters.DateFilter(
        field_name="submission_deadline", lookup_expr="date__lte", label="Deadline until"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created"),
            ("submission_deadline", "deadline"),
            ("reference", "reference"),
            ("title", "title"),
        ),
        label="Sort by",
    )

    class Meta:
        model = RFP
        fields = ["q", "status", "service_category"]

    def filter_status(self, queryset: QuerySet[RFP], name: str, value: Any) -> QuerySet[RFP]:
        """By the status as of now: an RFP past its deadline is closed, not published."""
        if not value:
            return queryset
        assert isinstance(queryset, RFPQuerySet)
        return queryset.with_status(list(value), timezone.now())

    def search(self, queryset: QuerySet[RFP], name: str, value: Any) -> QuerySet[RFP]:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(reference__icontains=value) | Q(title__icontains=value))
