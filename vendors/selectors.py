"""Reads about vendors: who may see what, the directory, location models, completeness."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    Func,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Lower

from accounts.models import BuyerOrganization
from bpo_portal.errors import NotFoundError
from bpo_portal.permissions import buyer_membership, vendor_membership
from vendors.geography import LocationModel, classify_location, country_name
from vendors.models import (
    SEARCH_CONFIG,
    BuyerLocation,
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


def centres_with_location_model(
    *, organization: BuyerOrganization, location_model: str
) -> QuerySet[DeliveryCentre]:
    """Delivery centres in a country with this location model for the buyer, read from
    the stored classification (vendors.BuyerLocation, written by
    `services.buyer_locations_refresh` from `location_model_for`). It stores the buyer's
    onshore and nearshore countries; every other country is offshore, as the rule says."""
    near = BuyerLocation.objects.filter(organization=organization)
    if location_model == LocationModel.OFFSHORE:
        return DeliveryCentre.objects.exclude(country__in=near.values("country"))
    return DeliveryCentre.objects.filter(
        country__in=near.filter(location_model=location_model).values("country")
    )


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


class Unaccent(Func):
    function = "vendor_unaccent"
    output_field = TextField()


def search_vendors(queryset: QuerySet[VendorCompany], text: str) -> QuerySet[VendorCompany]:
    """Vendors matching a search, annotated for ranking: `search_name_score` (how well
    the names match, 0 to 1) then `search_rank` (the text match, names weighing most).
    Order by `SEARCH_ORDER` to put name matches first.

    PostgreSQL: the stored search vector (`simple` + `unaccent`, GIN index) or a trigram
    word match on the stored unaccented names (`search_name`: pg_trgm, GIN index), so
    typos and prefixes of a name match.
    Elsewhere (SQLite: `make run`, the quick tests): every word contained in a name or
    the description, ignoring case but not accents."""
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        needle = Unaccent(Lower(Value(text)))
        return queryset.filter(
            Q(search_vector=query) | Q(search_name__trigram_word_similar=needle)
        ).annotate(
            search_name_score=TrigramWordSimilarity(needle, F("search_name")),  # type: ignore[arg-type]
            search_rank=SearchRank(F("search_vector"), query),
        )
    names = Q()
    for term in text.split():
        in_names = Q(legal_name__icontains=term) | Q(trading_name__icontains=term)
        queryset = queryset.filter(in_names | Q(description__icontains=term))
        names &= in_names
    return queryset.annotate(
        search_name_score=Case(
            When(names, then=Value(1.0)), default=Value(0.0), output_field=FloatField()
        ),
        search_rank=Value(0.0, output_field=FloatField()),
    )


SEARCH_ORDER = ["-search_name_score", "-search_rank", "legal_name", "pk"]


# --- The count ----------------------------------------------------------------------------

#: Beyond this many rows the directory's count is not exact. Counting every match on
#: every request was what made the page slow; counting stops here. Measured at 100,000
#: vendors (README, "The directory at scale"): stopping at 10,000 still cost 45-83 ms for
#: the broad filters, stopping at 1,000 about a tenth of that.
EXACT_COUNT_LIMIT = 1_000


@dataclass(frozen=True)
class VendorCount:
    value: int
    exact: bool
    limit: int = EXACT_COUNT_LIMIT

    @property
    def label(self) -> str:
        """'12', 'about 100,000' or 'more than 1,000'."""
        if self.exact:
            return f"{self.value:,}"
        if self.value > self.limit:
            return f"about {self.value:,}"
        return f"more than {self.limit:,}"


def _planner_estimate(queryset: QuerySet[Any]) -> int:
    """PostgreSQL's estimate of the rows a query returns (EXPLAIN: no rows are read)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    rows: int = plan[0]["Plan"]["Plan Rows"]
    return int(rows)


def _round_estimate(value: int) -> int:
    """Two significant figures: 123,456 -> 120,000."""
    if value < 100:
        return value
    step: int = 10 ** (int(math.log10(value)) - 1)
    return int(round(value / step)) * step


def vendor_count(queryset: QuerySet[VendorCompany], *, limit: int | None = None) -> VendorCount:
    """Exact up to `limit` rows (EXACT_COUNT_LIMIT): counting stops after that many, so
    a count never reads many more rows than a page shows. Beyond it, "more than 1,000";
    the unfiltered list says "about 100,000" from the table's statistics (PostgreSQL's
    estimate, EXPLAIN reads no rows). A filtered list is never given the planner's
    estimate: it guesses EXISTS and OR too roughly (7,662 vendors in Colombia were
    "about 53,000")."""
    limit = EXACT_COUNT_LIMIT if limit is None else limit
    rows = queryset.order_by().values("pk")
    if connection.vendor == "postgresql" and not rows.query.where:
        estimate = _round_estimate(_planner_estimate(rows))
        if estimate > 2 * limit:
            return VendorCount(estimate, exact=False, limit=limit)
    counted = rows[: limit + 1].count()
    if counted <= limit:
        return VendorCount(counted, exact=True, limit=limit)
    return VendorCount(limit, exact=False, limit=limit)


class VendorPaginator(Paginator):  # type: ignore[type-arg]
    """A Paginator whose count is `vendor_count`'s: the pages reach as far as the exact
    part of the count (the first 1,000 vendors; narrow the search to see others)."""

    @cached_property
    def vendor_count(self) -> VendorCount:
        return vendor_count(self.object_list)  # type: ignore[arg-type]

    @cached_property
    def count(self) -> int:
        counted = self.vendor_count
        return counted.value if counted.exact else counted.limit


# --- The directory ----------------------------------------------------------------------------


def directory_queryset(
    queryset: QuerySet[VendorCompany], *, organization: BuyerOrganization
) -> QuerySet[VendorCompany]:
    """Everything a directory row shows, in a fixed number of queries."""
    return with_qualification(
        queryset.prefetch_related(
            "service_functions",
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
