"""The vendor directory's filters: one FilterSet for the page and the API."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_countries import countries

from bpo_portal.permissions import buyer_organization
from vendors.geography import LocationModel
from vendors.models import (
    Certification,
    CertificationType,
    DeliveryCentre,
    Industry,
    Language,
    QualificationStatus,
    ServiceCategory,
    ServiceFunction,
    VendorCompany,
    VendorQualification,
)
from vendors.selectors import SEARCH_ORDER, centres_with_location_model, search_vendors


class QuickSelect(forms.Select):
    """A <select> written in Python, the same HTML as Django's Select. Django renders a
    template per option and reads model choices through a server-side cursor (three
    round trips on PostgreSQL): for the directory's 249 countries, 184 languages and
    the service lists that was most of the page's time."""

    def _options(self) -> Iterator[tuple[Any, Any]]:
        choices = self.choices
        if isinstance(choices, ModelChoiceIterator):
            if choices.field.empty_label is not None:
                yield "", choices.field.empty_label
            for obj in choices.queryset:  # one ordinary query
                yield choices.choice(obj)
            return
        yield from choices

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        html = []
        for option_value, label in self._options():
            if isinstance(label, (list, tuple)):  # an optgroup
                html.append(f'<optgroup label="{escape(str(option_value))}">')
                html += [self._option(v, text, chosen) for v, text in label]
                html.append("</optgroup>")
            else:
                html.append(self._option(option_value, label, chosen))
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        # Every value and label is escaped above.
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{"".join(html)}</select>')

    @staticmethod
    def _option(value: Any, label: Any, chosen: set[str]) -> str:
        text = "" if value is None else str(value)
        selected = " selected" if text in chosen else ""
        return f'<option value="{escape(text)}"{selected}>{escape(str(label))}</option>'


class AnyYesNoWidget(django_filters.widgets.BooleanWidget):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]


ORDERING = [
    ("name", "Name"),
    ("-seats", "Most seats"),
    ("-completeness", "Most complete profile"),
    ("-created", "Newest"),
]


class VendorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    function = django_filters.ModelChoiceFilter(
        queryset=ServiceFunction.objects.select_related("category"),
        method="filter_function",
        to_field_name="slug",
        label="Service",
    )
    category = django_filters.ModelChoiceFilter(
        queryset=ServiceCategory.objects.all(),
        method="filter_category",
        to_field_name="slug",
        label="Category",
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=Industry.objects.all(),
        method="filter_industry",
        to_field_name="slug",
        label="Industry",
    )
    country = django_filters.ChoiceFilter(
        # A callable: each request's form copies its fields, and a list of 249 pairs
        # cost a copy each time.
        choices=lambda: list(countries),
        method="filter_country",
        label="Delivery country",
    )
    language = django_filters.ModelChoiceFilter(
        queryset=Language.objects.all(), method="filter_language", label="Language spoken"
    )
    certification = django_filters.ModelChoiceFilter(
        queryset=CertificationType.objects.all(),
        to_field_name="slug",
        method="filter_certification",
        label="Certification",
    )
    certified_on = django_filters.DateFilter(
        method="filter_noop",
        label="Certification valid on",
        help_text="With a certification: valid on this date (default: today).",
    )
    min_seats = django_filters.NumberFilter(
        field_name="total_seats", lookup_expr="gte", label="Minimum seats", min_value=0
    )
    open_24_7 = django_filters.BooleanFilter(
        field_name="has_24_7",
        label="24/7 coverage",
        widget=AnyYesNoWidget(),
    )
    status = django_filters.ChoiceFilter(
        choices=QualificationStatus.choices, method="filter_status", label="Qualification"
    )
    location_model = django_filters.ChoiceFilter(
        choices=[(m.value, m.label) for m in LocationModel],
        method="filter_location_model",
        label="Location model",
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERING, method="filter_ordering", label="Sort by"
    )

    class Meta:
        model = VendorCompany
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, filter_ in self.filters.items():
            if isinstance(filter_, (django_filters.ChoiceFilter, django_filters.ModelChoiceFilter)):
                filter_.extra["widget"] = QuickSelect
                if name != "ordering":
                    filter_.extra["empty_label"] = "Any"

    def get_form_class(self) -> Any:
        base = super().get_form_class()
        # A filter panel: every field is optional, so don't say so on each one.
        return type(base.__name__, (base,), {"hide_optional": True})

    @property
    def organization(self) -> Any:
        return buyer_organization(getattr(self.request, "user", None))

    def filter_noop(
        self, queryset: QuerySet[VendorCompany], name: str, value: Any
    ) -> QuerySet[VendorCompany]:
        return queryset

    def filter_search(
        self, queryset: QuerySet[VendorCompany], name: str, value: str
    ) -> QuerySet[VendorCompany]:
        return search_vendors(queryset, value)

    # Every filter on a related table is an EXISTS on an indexed column: no join that
    # repeats a vendor, so no DISTINCT over the vendor's wide rows.

    def filter_function(
        self, queryset: QuerySet[VendorCompany], name: str, value: ServiceFunction
    ) -> QuerySet[VendorCompany]:
        offered = VendorCompany.service_functions.through.objects.filter(
            vendorcompany=OuterRef("pk"), servicefunction=value
        )
        return queryset.filter(Exists(offered))

    def filter_category(
        self, queryset: QuerySet[VendorCompany], name: str, value: ServiceCategory
    ) -> QuerySet[VendorCompany]:
        offered = VendorCompany.service_functions.through.objects.filter(
            vendorcompany=OuterRef("pk"),
            servicefunction__in=ServiceFunction.objects.filter(category=value).values("pk"),
        )
        return queryset.filter(Exists(offered))

    def filter_industry(
        self, queryset: QuerySet[VendorCompany], name: str, value: Industry
    ) -> QuerySet[VendorCompany]:
        served = VendorCompany.industries.through.objects.filter(
            vendorcompany=OuterRef("pk"), industry=value
        )
        return queryset.filter(Exists(served))

    def filter_country(
        self, queryset: QuerySet[VendorCompany], name: str, value: str
    ) -> QuerySet[VendorCompany]:
        return queryset.filter(
            Q(headquarters_country=value)
            | Exists(DeliveryCentre.objects.filter(company=OuterRef("pk"), country=value))
        )

    def filter_language(
        self, queryset: QuerySet[VendorCompany], name: str, value: Language
    ) -> QuerySet[VendorCompany]:
        return queryset.filter(
            Exists(DeliveryCentre.objects.filter(company=OuterRef("pk"), languages=value))
        )

    def filter_certification(
        self, queryset: QuerySet[VendorCompany], name: str, value: CertificationType
    ) -> QuerySet[VendorCompany]:
        day = self.form.cleaned_data.get("certified_on") or timezone.localdate()
        valid = Certification.objects.filter(
            company=OuterRef("pk"), certification_type=value, issued_on__lte=day
        ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        return queryset.filter(Exists(valid))

    def filter_status(
        self, queryset: QuerySet[VendorCompany], name: str, value: str
    ) -> QuerySet[VendorCompany]:
        organization = self.organization
        if organization is None:
            return queryset.none()
        recorded = VendorQualification.objects.filter(
            organization=organization, company=OuterRef("pk")
        )
        if value == QualificationStatus.NEW:
            # No record yet counts as new.
            return queryset.filter(~Exists(recorded.exclude(status=QualificationStatus.NEW)))
        return queryset.filter(Exists(recorded.filter(status=value)))

    def filter_location_model(
        self, queryset: QuerySet[VendorCompany], name: str, value: str
    ) -> QuerySet[VendorCompany]:
        organization = self.organization
        if organization is None:
            return queryset.none()
        centres = centres_with_location_model(organization=organization, location_model=value)
        return queryset.filter(Exists(centres.filter(company=OuterRef("pk"))))

    def filter_ordering(
        self, queryset: QuerySet[VendorCompany], name: str, value: str
    ) -> QuerySet[VendorCompany]:
        return queryset.order_by(*self.order_fields(value))

    @staticmethod
    def order_fields(value: str | None) -> list[str]:
        return {
            "name": ["legal_name", "pk"],
            "-seats": ["-total_seats", "legal_name", "pk"],
            "-completeness": ["-completeness", "legal_name", "pk"],
            "-created": ["-created_at", "pk"],
        }.get(value or "name", ["legal_name", "pk"])

    @property
    def qs(self) -> QuerySet[VendorCompany]:
        queryset = super().qs
        data = getattr(self.form, "cleaned_data", {})
        if not data.get("ordering"):
            # A search lists the best matches first (names before descriptions).
            queryset = queryset.order_by(
                *(SEARCH_ORDER if (data.get("q") or "").strip() else ["legal_name", "pk"])
            )
        return queryset
