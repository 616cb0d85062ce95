"""Reads about vendors: who may see what, the directory, location models, completeness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import BuyerOrganization
from bpo_portal.errors import NotFoundError
from bpo_portal.permissions import buyer_membership, vendor_membership
from vendors.geography import LocationModel, classify_location, country_name
from vendors.models import (
    Certification,
    DeliveryCentre,
    LocationOverride,
    QualificationStatus,
    VendorCompany,
    VendorQualification,
)

# --- Location models, relative to a buyer --------------------------------------------


def location_overrides_for(*, organization: BuyerOrganization) -> dict[str, str]:
    return {
        str(code): model
        for code, model in LocationOverride.objects.filter(organization=organization).values_list(
            "country", "location_model"
        )
    }


def location_model_for(
    *,
    organization: BuyerOrganization,
    country: str,
    overrides: dict[str, str] | None = None,
) -> LocationModel:
    """Onshore / nearshore / offshore of a country for this buyer (with its overrides).

    The one classification the directory, the RFPs and scoring all use.
    """
    if overrides is None:
        overrides = location_overrides_for(organization=organization)
    return classify_location(
        buyer_country=str(organization.home_country),
        delivery_country=str(country),
        overrides=overrides,
    )


def countries_with_location_model(
    *, organization: BuyerOrganization, location_model: str, countries: list[str]
) -> list[str]:
    """Of the given countries, those that have this location model for the buyer."""
    overrides = location_overrides_for(organization=organization)
    return [
        country
        for country in countries
        if location_model_for(organization=organization, country=country, overrides=overrides)
        == location_model
    ]


# --- Profiles ------------------------------------------------------------------------------

PROFILE_PREFETCH = (
    "service_functions__category",
    "industries",
    "technologies",
    "security_controls",
    Prefetch(
        "delivery_centres",
        queryset=DeliveryCentre.objects.prefetch_related("languages").order_by("country", "city"),
    ),
    Prefetch(
        "certifications",
        queryset=Certification.objects.select_related("certification_type"),
    ),
    "references__industry",
    "references__service_function",
)


def vendor_profile(*, company_id: int) -> VendorCompany:
    company = (
        VendorCompany.objects.prefetch_related(*PROFILE_PREFETCH).filter(pk=company_id).first()
    )
    if company is None:
        raise NotFoundError("Vendor not found.")
    return company


def vendor_visible_to(*, user: Any, company_id: int) -> VendorCompany:
    """A vendor's profile: its own users and every buyer organization may read it."""
    vendor = vendor_membership(user)
    if vendor is not None and vendor.company_id != company_id:
        raise NotFoundError("Vendor not found.")
    if vendor is None and buyer_membership(user) is None:
        raise NotFoundError("Vendor not found.")
    return vendor_profile(company_id=company_id)


def companies_visible_to(*, user: Any) -> QuerySet[VendorCompany]:
    if buyer_membership(user) is not None:
        return VendorCompany.objects.all()
    vendor = vendor_membership(user)
    if vendor is not None:
        return VendorCompany.objects.filter(pk=vendor.company_id)
    return VendorCompany.objects.none()


@dataclass(frozen=True)
class CompletenessItem:
    key: str
    label: str
    done: bool
    anchor: str


def profile_checklist(company: VendorCompany) -> list[CompletenessItem]:
    """What a buyer needs to see in a profile. Uses prefetched relations when present."""
    functions = list(company.service_functions.all())
    centres = list(company.delivery_centres.all())
    return [
        CompletenessItem(
            "identity",
            "Company details: trading name, website, headquarters city, year founded",
            bool(
                company.trading_name
                and company.website
                and company.headquarters_city
                and company.year_founded
            ),
            "details",
        ),
        CompletenessItem(
            "size",
            "Size: employees and annual revenue",
            bool(company.employee_band and company.revenue_band),
            "details",
        ),
        CompletenessItem(
            "description",
            "A description of at least 100 characters",
            len(company.description.strip()) >= 100,
            "details",
        ),
        CompletenessItem(
            "services", "At least one service you provide", bool(functions), "services"
        ),
        CompletenessItem(
            "industries", "Industries you serve", bool(list(company.industries.all())), "services"
        ),
        CompletenessItem("centres", "At least one delivery centre", bool(centres), "centres"),
        CompletenessItem(
            "languages",
            "Languages spoken in every delivery centre",
            bool(centres) and all(list(c.languages.all()) for c in centres),
            "centres",
        ),
        CompletenessItem(
            "certifications",
            "At least one certification",
            bool(list(company.certifications.all())),
            "certifications",
        ),
        CompletenessItem(
            "technology", "Technology you use", bool(list(company.technologies.all())), "technology"
        ),
        CompletenessItem(
            "security",
            "Security and data-protection measures",
            bool(list(company.security_controls.all())) and bool(company.security_notes.strip()),
            "security",
        ),
        CompletenessItem(
            "references",
            "At least one client reference",
            bool(list(company.references.all())),
            "references",
        ),
    ]


def profile_completeness(company: VendorCompany) -> tuple[int, list[CompletenessItem]]:
    items = profile_checklist(company)
    done = sum(1 for item in items if item.done)
    return round(100 * done / len(items)), items


# --- Qualification (private to each buyer) -----------------------------------------------


def qualification_for(
    *, organization: BuyerOrganization, company: VendorCompany
) -> VendorQualification | None:
    return (
        VendorQualification.objects.filter(organization=organization, company=company)
        .prefetch_related("tags")
        .first()
    )


def vendor_is_blocked(*, organization: BuyerOrganization, company_id: int) -> bool:
    """A blocked vendor cannot be invited to this buyer's RFPs."""
    return VendorQualification.objects.filter(
        organization=organization, company_id=company_id, status=QualificationStatus.BLOCKED
    ).exists()


def qualified_vendors(*, organization: BuyerOrganization) -> QuerySet[VendorCompany]:
    return VendorCompany.objects.filter(
        qualifications__organization=organization,
        qualifications__status=QualificationStatus.QUALIFIED,
    )


def with_qualification(
    queryset: QuerySet[VendorCompany], *, organization: BuyerOrganization
) -> QuerySet[VendorCompany]:
    """Attach this buyer's qualification (and only this buyer's) as `buyer_qualification`."""
    return queryset.prefetch_related(
        Prefetch(
            "qualifications",
            queryset=VendorQualification.objects.filter(organization=organization).prefetch_related(
                "tags"
            ),
            to_attr="buyer_qualifications",
        )
    )


def search_vendors(queryset: QuerySet[VendorCompany], text: str) -> QuerySet[VendorCompany]:
    """Full-text search on PostgreSQL; a simple contains match elsewhere."""
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        vector = (
            SearchVector("legal_name", weight="A")
            + SearchVector("trading_name", weight="A")
            + SearchVector("description", weight="B")
        )
        query = SearchQuery(text, search_type="websearch")
        return queryset.annotate(search_rank=SearchRank(vector, query)).filter(
            Q(search_rank__gt=0) | Q(legal_name__icontains=text) | Q(trading_name__icontains=text)
        )
    terms = [t for t in text.split() if t]
    for term in terms:
        queryset = queryset.filter(
            Q(legal_name__icontains=term)
            | Q(trading_name__icontains=term)
            | Q(description__icontains=term)
        )
    return queryset


# --- The directory ----------------------------------------------------------------------------


def directory_queryset(
    queryset: QuerySet[VendorCompany], *, organization: BuyerOrganization
) -> QuerySet[VendorCompany]:
    """Everything a directory row shows, in a fixed number of queries."""
    return with_qualification(
        queryset.prefetch_related(
            "service_functions__category",
            Prefetch(
                "delivery_centres",
                queryset=DeliveryCentre.objects.prefetch_related("languages").order_by("country"),
            ),
            Prefetch(
                "certifications",
                queryset=Certification.objects.select_related("certification_type"),
            ),
        ),
        organization=organization,
    )


@dataclass(frozen=True)
class DirectoryRow:
    company: VendorCompany
    location_models: list[str]
    countries: list[str]
    languages: list[str]
    functions: list[str]
    certifications: list[Certification]
    qualification: VendorQualification | None


def directory_rows(companies: Any, *, organization: BuyerOrganization) -> list[DirectoryRow]:
    overrides = location_overrides_for(organization=organization)
    order = {m.value: i for i, m in enumerate(LocationModel)}
    rows = []
    for company in companies:
        centres = list(company.delivery_centres.all())
        models = {
            location_model_for(
                organization=organization, country=str(c.country), overrides=overrides
            ).value
            for c in centres
        }
        qualifications = getattr(company, "buyer_qualifications", [])
        rows.append(
            DirectoryRow(
                company=company,
                location_models=sorted(models, key=order.__getitem__),
                countries=sorted({c.country.name for c in centres}),
                languages=sorted({lang.name for c in centres for lang in c.languages.all()}),
                functions=[f.name for f in company.service_functions.all()],
                certifications=list(company.certifications.all()),
                qualification=qualifications[0] if qualifications else None,
            )
        )
    return rows


def location_examples(*, organization: BuyerOrganization) -> list[tuple[str, str, str, bool]]:
    """(code, country name, location model, overridden?) for every country with a
    delivery centre, so a buyer sees what the automatic rule decided."""
    overrides = location_overrides_for(organization=organization)
    codes = sorted(
        {str(c) for c in DeliveryCentre.objects.values_list("country", flat=True).distinct()}
        | set(overrides)
    )
    return sorted(
        (
            (
                code,
                country_name(code),
                location_model_for(
                    organization=organization, country=code, overrides=overrides
                ).value,
                code in overrides,
            )
            for code in codes
        ),
        key=lambda row: row[1],
    )
