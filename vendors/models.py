"""Vendor companies, their BPO profiles, and what each buyer privately thinks of them."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField
from timezone_field import TimeZoneField

from accounts.models import VendorRole

# --- Taxonomies (loaded by data migrations, editable in the admin) --------------------


class ServiceCategory(models.Model):
    """Back office, front office, knowledge process outsourcing, multifunctional."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    description = models.CharField(max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "service categories"

    def __str__(self) -> str:
        return self.name


class ServiceFunction(models.Model):
    """A process a vendor runs: payroll, chat support, medical coding..."""

    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="functions"
    )
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["category__sort_order", "sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "industries"

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    """ISO 639-1 languages, loaded from pycountry."""

    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CertificationType(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TechnologyKind(models.TextChoices):
    CRM = "crm", "CRM"
    TICKETING = "ticketing", "Ticketing and ITSM"
    CONTACT_CENTRE = "contact_centre", "Contact-centre and omnichannel"
    RPA = "rpa", "RPA and automation"
    AI_ANALYTICS = "ai_analytics", "AI and analytics"
    CLOUD = "cloud", "Cloud"
    WORKFORCE = "workforce", "Workforce management and quality"
    FINANCE = "finance", "Finance and HR systems"


class Technology(models.Model):
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=32, choices=TechnologyKind.choices)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name_plural = "technologies"

    def __str__(self) -> str:
        return self.name


class SecurityControl(models.Model):
    """A security or data-protection measure a delivery operation may have."""

    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- The vendor --------------------------------------------------------------------------

#: The text-search configuration of the directory (PostgreSQL, made by migration 0003):
#: `simple` (no language's stemming: vendors write in English, French, Spanish and more)
#: with `unaccent` first, so "Bogota" finds "Bogotá" and "societe" finds "Société".
SEARCH_CONFIG = "vendor_search"


class PostgresOnly(models.Func):
    """An expression PostgreSQL computes and other databases leave empty (NULL).

    The stored search columns are generated on every database, so the model is the same
    everywhere; SQLite (`make run`, the quick tests) searches with `icontains` instead
    (vendors.selectors.search_vendors) and keeps the column NULL."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        return "NULL", []


def vendor_search_document() -> PostgresOnly:
    """Names weigh most (A), then the description (B) and the headquarters city (C)."""
    return PostgresOnly(
        SearchVector("legal_name", config=SEARCH_CONFIG, weight="A")
        + SearchVector("trading_name", config=SEARCH_CONFIG, weight="A")
        + SearchVector("description", config=SEARCH_CONFIG, weight="B")
        + SearchVector("headquarters_city", config=SEARCH_CONFIG, weight="C"),
        output_field=SearchVectorField(),
    )


class EmployeeBand(models.TextChoices):
    UNDER_50 = "1-49", "1–49"
    UNDER_250 = "50-249", "50–249"
    UNDER_1000 = "250-999", "250–999"
    UNDER_5000 = "1000-4999", "1,000–4,999"
    UNDER_10000 = "5000-9999", "5,000–9,999"
    OVER_10000 = "10000+", "10,000 or more"


class RevenueBand(models.TextChoices):
    UNDER_1M = "<1m", "Under USD 1 million"
    UNDER_10M = "1-10m", "USD 1–10 million"
    UNDER_50M = "10-50m", "USD 10–50 million"
    UNDER_250M = "50-250m", "USD 50–250 million"
    UNDER_1B = "250m-1b", "USD 250 million – 1 billion"
    OVER_1B = ">1b", "Over USD 1 billion"


class VendorCompany(models.Model):
    """A BPO vendor: registers itself and keeps its profile current."""

    legal_name = models.CharField(max_length=200)
    trading_name = models.CharField(max_length=200, blank=True)
    website = models.URLField(blank=True)
    website_domain = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    headquarters_country = CountryField()
    headquarters_city = models.CharField(max_length=100, blank=True)
    year_founded = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1800)]
    )
    employee_band = models.CharField(max_length=16, choices=EmployeeBand.choices, blank=True)
    revenue_band = models.CharField(max_length=16, choices=RevenueBand.choices, blank=True)
    description = models.TextField(blank=True)
    service_functions = models.ManyToManyField(ServiceFunction, blank=True, related_name="vendors")
    industries = models.ManyToManyField(Industry, blank=True, related_name="vendors")
    technologies = models.ManyToManyField(Technology, blank=True, related_name="vendors")
    security_controls = models.ManyToManyField(SecurityControl, blank=True, related_name="vendors")
    security_notes = models.TextField(
        "data-protection measures",
        blank=True,
        help_text="How client data is protected: policies, audits, incident response.",
    )
    # Profiles created by a buyer's import stay unclaimed until the vendor's contact joins.
    is_claimed = models.BooleanField(default=True)
    claim_email = models.EmailField(blank=True)
    imported_by = models.ForeignKey(
        "accounts.BuyerOrganization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imported_vendors",
    )
    total_seats = models.PositiveIntegerField(default=0, editable=False)
    has_24_7 = models.BooleanField(default=False, editable=False)
    completeness = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Computed by the database from the row itself on every insert and update, whichever
    # door wrote it (services, the import, the admin, bulk inserts): it cannot go stale.
    # GIN-indexed on PostgreSQL (migration 0003); NULL on SQLite.
    search_vector = models.GeneratedField(
        expression=vendor_search_document(),
        output_field=SearchVectorField(),
        db_persist=True,
        editable=False,
    )
    # Both names, lower-case and without accents, for trigram matching and the ranking
    # (GIN trigram index): stored, so a search does not unaccent every candidate row.
    search_name = models.GeneratedField(
        expression=PostgresOnly(
            models.Func(
                "legal_name",
                "trading_name",
                function="vendor_search_name",
                output_field=models.TextField(),
            ),
            output_field=models.TextField(),
        ),
        output_field=models.TextField(),
        db_persist=True,
        editable=False,
    )

    class Meta:
        ordering = ["legal_name"]
        verbose_name_plural = "vendor companies"
        indexes = [
            # The directory's orderings, each ending in the primary key as the page does,
            # so the first page is read off an index (LIMIT 20) instead of sorting 100,000 rows.
            models.Index(fields=["legal_name", "id"], name="vendor_name_idx"),
            models.Index(fields=["-total_seats", "legal_name", "id"], name="vendor_seats_idx"),
            models.Index(
                fields=["-completeness", "legal_name", "id"], name="vendor_completeness_idx"
            ),
            models.Index(fields=["-created_at", "id"], name="vendor_created_idx"),
            models.Index(fields=["headquarters_country"], name="vendor_hq_country_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.trading_name or self.legal_name


class VendorMembership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vendor_membership"
    )
    company = models.ForeignKey(VendorCompany, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=VendorRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.company})"


class AccessRequest(models.Model):
    """Someone whose registration matched an existing company asks its owners to let them in."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    company = models.ForeignKey(
        VendorCompany, on_delete=models.CASCADE, related_name="access_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vendor_access_requests"
    )
    message = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "requester"],
                condition=models.Q(status="pending"),
                name="one_pending_access_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.company}"


class DeliveryMode(models.TextChoices):
    OFFSITE = "offsite", "Offsite, in the vendor's centre"
    ONSITE = "onsite", "On-premises at the client"


class DeliveryCentre(models.Model):
    company = models.ForeignKey(
        VendorCompany, on_delete=models.CASCADE, related_name="delivery_centres"
    )
    name = models.CharField(max_length=120, blank=True)
    country = CountryField()
    city = models.CharField(max_length=100)
    seats = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    languages = models.ManyToManyField(Language, related_name="delivery_centres")
    is_24_7 = models.BooleanField("open 24/7", default=False)
    time_zone = TimeZoneField(use_pytz=False)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(
        null=True, blank=True, help_text="May be earlier than the opening time for night shifts."
    )
    delivery_mode = models.CharField(
        max_length=16, choices=DeliveryMode.choices, default=DeliveryMode.OFFSITE
    )

    class Meta:
        ordering = ["country", "city"]
        indexes = [
            # The directory's country and location filters: the companies with a centre
            # in these countries, without touching the table.
            models.Index(fields=["country", "company"], name="centre_country_company_idx"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.city}, {self.country.name}"

    @property
    def hours_label(self) -> str:
        if self.is_24_7:
            return "24/7"
        if self.opens_at and self.closes_at:
            return f"{self.opens_at:%H:%M}–{self.closes_at:%H:%M} ({self.time_zone})"
        return "Hours not given"


def private_upload_to(instance: Any, filename: str) -> str:
    """Random names under private/: nobody can guess or list them."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"private/{instance._meta.app_label}/{uuid.uuid4().hex}{suffix}"


class Certification(models.Model):
    company = models.ForeignKey(
        VendorCompany, on_delete=models.CASCADE, related_name="certifications"
    )
    certification_type = models.ForeignKey(
        CertificationType, on_delete=models.PROTECT, related_name="certifications"
    )
    issued_by = models.CharField("certification body", max_length=150, blank=True)
    certificate_number = models.CharField(max_length=100, blank=True)
    issued_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True, help_text="Leave empty if it does not expire."
    )
    evidence = models.FileField(upload_to=private_upload_to, blank=True, max_length=200)
    evidence_name = models.CharField(max_length=200, blank=True)
    evidence_content_type = models.CharField(max_length=100, blank=True)
    notified_30_days_at = models.DateTimeField(null=True, blank=True)
    notified_7_days_at = models.DateTimeField(null=True, blank=True)
    marked_expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["certification_type__name"]
        indexes = [
            models.Index(
                fields=["certification_type", "company"], name="certification_type_company_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certification_type} ({self.company})"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.issued_on <= day and (self.expires_on is None or self.expires_on >= day)

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    @property
    def expires_soon(self) -> bool:
        if self.expires_on is None or self.is_expired:
            return False
        return (self.expires_on - timezone.localdate()).days <= 30


class ClientReference(models.Model):
    company = models.ForeignKey(VendorCompany, on_delete=models.CASCADE, related_name="references")
    client_name = models.CharField(max_length=150)
    industry = models.ForeignKey(Industry, null=True, blank=True, on_delete=models.SET_NULL)
    service_function = models.ForeignKey(
        ServiceFunction, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="service"
    )
    years = models.PositiveSmallIntegerField(
        "years as a client", validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    may_contact = models.BooleanField("buyers may contact this reference", default=False)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["client_name"]

    def __str__(self) -> str:
        return self.client_name


# --- What each buyer organization privately keeps about a vendor -------------------------


class QualificationStatus(models.TextChoices):
    NEW = "new", "New"
    QUALIFIED = "qualified", "Qualified"
    REJECTED = "rejected", "Rejected"
    BLOCKED = "blocked", "Blocked"


class RiskRating(models.TextChoices):
    UNRATED = "", "Not rated"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class BuyerTag(models.Model):
    organization = models.ForeignKey(
        "accounts.BuyerOrganization", on_delete=models.CASCADE, related_name="vendor_tags"
    )
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_tag_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class VendorQualification(models.Model):
    """One buyer organization's private view of one vendor. Never shown to the
    vendor or to other buyers."""

    organization = models.ForeignKey(
        "accounts.BuyerOrganization", on_delete=models.CASCADE, related_name="vendor_qualifications"
    )
    company = models.ForeignKey(
        VendorCompany, on_delete=models.CASCADE, related_name="qualifications"
    )
    status = models.CharField(
        max_length=16, choices=QualificationStatus.choices, default=QualificationStatus.NEW
    )
    risk_rating = models.CharField(max_length=16, choices=RiskRating.choices, blank=True)
    notes = models.TextField(blank=True)
    tags = models.ManyToManyField(BuyerTag, blank=True, related_name="qualifications")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "company"], name="one_qualification")
        ]

    def __str__(self) -> str:
        return f"{self.company}: {self.get_status_display()} for {self.organization}"


class LocationOverride(models.Model):
    """A buyer's own view of a country: a US buyer may count Colombia as nearshore."""

    class Model(models.TextChoices):
        ONSHORE = "onshore", "Onshore"
        NEARSHORE = "nearshore", "Nearshore"
        OFFSHORE = "offshore", "Offshore"

    organization = models.ForeignKey(
        "accounts.BuyerOrganization", on_delete=models.CASCADE, related_name="location_overrides"
    )
    country = CountryField()
    location_model = models.CharField(max_length=16, choices=Model.choices)

    class Meta:
        ordering = ["country"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "country"], name="one_override_per_country"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country.name}: {self.location_model}"


class BuyerLocation(models.Model):
    """One buyer's onshore or nearshore country, stored so the directory's location
    filter is one indexed subquery (every country not stored is offshore).

    Derived data: `vendors.services.buyer_locations_refresh` writes it from the one rule
    (`vendors.selectors.location_model_for`: geography plus the buyer's overrides) when
    the organization is created, its home country changes or an override changes.
    `buyer_country` is the home country it was computed for."""

    organization = models.ForeignKey(
        "accounts.BuyerOrganization", on_delete=models.CASCADE, related_name="+"
    )
    # Plain codes: derived data, never a form's field.
    buyer_country = models.CharField(max_length=2)
    country = models.CharField(max_length=2)
    location_model = models.CharField(max_length=16, choices=LocationOverride.Model.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "country"], name="one_location_per_buyer_country"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "location_model", "country"],
                name="buyer_location_model_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.location_model}"
