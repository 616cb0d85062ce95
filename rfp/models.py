"""RFPs: content (lots, questionnaire, pricing template, SLAs), lifecycle,
addenda, invitations and Q&A.

Starter and organization templates are RFP rows with `is_template=True`
(starter ones have no organization): copying a template is copying an RFP.

Longer than our other modules (about 900 lines) on purpose: it is the RFP's tables
and the clock rules on them (`RFP.is_open_for_bids`, `RFPQuerySet`), which a reader
of the seal wants in one place; each model is short.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bpo_portal.money import currency_choices
from rfp import pricing
from vendors.geography import LocationModel
from vendors.models import private_upload_to

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


class RFPStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Waiting for approval"
    PUBLISHED = "published", "Published"
    CLOSED = "closed", "Closed"
    UNDER_EVALUATION = "under_evaluation", "Under evaluation"
    AWARDED = "awarded", "Awarded"
    CANCELLED = "cancelled", "Cancelled"


# What a vendor may see: the RFP was published at some point.
VENDOR_VISIBLE_STATUSES = (
    RFPStatus.PUBLISHED,
    RFPStatus.CLOSED,
    RFPStatus.UNDER_EVALUATION,
    RFPStatus.AWARDED,
    RFPStatus.CANCELLED,
)


class Visibility(models.TextChoices):
    INVITE_ONLY = "invite_only", "Invited vendors only"
    OPEN_TO_QUALIFIED = "open_to_qualified", "Invited vendors and every vendor you qualified"


class Coverage(models.TextChoices):
    BUSINESS_HOURS = "business_hours", "Business hours"
    EXTENDED = "extended", "Extended hours (evenings and weekends)"
    ALWAYS = "24_7", "24/7"


def _open_for_bids_q(now: dt.datetime) -> Q:
    return Q(status=RFPStatus.PUBLISHED, is_template=False, submission_deadline__gt=now)


def _past_deadline_q(now: dt.datetime) -> Q:
    return Q(status=RFPStatus.PUBLISHED, is_template=False, submission_deadline__lte=now)


class RFPQuerySet(models.QuerySet["RFP"]):
    """The database side of the deadline rules in `RFP`: every filter on whether an RFP
    takes bids or questions goes through these, so the lists agree with the pages.
    Deadlines are stored to the second (see `truncate_to_second`)."""

    def open_for_bids(self, now: dt.datetime) -> RFPQuerySet:
        return self.filter(_open_for_bids_q(now))

    def open_for_questions(self, now: dt.datetime) -> RFPQuerySet:
        return self.open_for_bids(now).filter(question_deadline__gt=now)

    def closing_by(self, moment: dt.datetime) -> RFPQuerySet:
        return self.filter(submission_deadline__lte=moment)

    def past_submission_deadline(self, now: dt.datetime) -> RFPQuerySet:
        """Published RFPs whose deadline has passed: closed, whether or not the minute
        job has recorded it yet."""
        return self.filter(_past_deadline_q(now))

    def seal_lifted(self, now: dt.datetime) -> RFPQuerySet:
        """RFPs whose proposals may be opened: published once, not cancelled, and the
        latest deadline ever published has passed."""
        return self.filter(
            is_template=False, publication_at__isnull=False, seal_lifts_at__lte=now
        ).exclude(status=RFPStatus.CANCELLED)

    def with_status(self, statuses: list[str], now: dt.datetime) -> RFPQuerySet:
        """RFPs whose current status (`RFP.current_status`) is one of these."""
        condition = Q(pk__in=[])
        for status in set(statuses):
            condition |= _current_status_q(status, now)
        return self.filter(condition)

    def status_counts(self, now: dt.datetime) -> dict[str, int]:
        """How many RFPs are in each current status, in one query."""
        counts = self.aggregate(
            **{
                status: models.Count("pk", filter=_current_status_q(status, now))
                for status in RFPStatus.values
            }
        )
        return {status: counts[status] or 0 for status in RFPStatus.values}


def _current_status_q(status: str, now: dt.datetime) -> Q:
    if status == RFPStatus.PUBLISHED:
        return _open_for_bids_q(now)
    if status == RFPStatus.CLOSED:
        return Q(status=RFPStatus.CLOSED) | _past_deadline_q(now)
    return Q(status=status)


def truncate_to_second(moment: dt.datetime | None) -> dt.datetime | None:
    """Deadlines are kept to the second: a fraction of a second never decides."""
    return moment.replace(microsecond=0) if moment is not None else None


class RFP(models.Model):
    organization = models.ForeignKey(
        "accounts.BuyerOrganization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rfps",
        help_text="Empty for the starter templates everyone can use.",
    )
    reference = models.CharField(max_length=32, blank=True, editable=False)
    reference_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    reference_number = models.PositiveIntegerField(null=True, blank=True, editable=False)

    title = models.CharField(max_length=200)
    summary = models.TextField(
        blank=True, help_text="Two or three sentences: what you are buying and why."
    )
    scope_of_work = models.TextField(
        blank=True, help_text="The processes, channels, hours and volumes in scope."
    )
    service_category = models.ForeignKey(
        "vendors.ServiceCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rfps",
    )
    service_functions = models.ManyToManyField(
        "vendors.ServiceFunction", blank=True, related_name="rfps", verbose_name="services"
    )
    industry = models.ForeignKey(
        "vendors.Industry", null=True, blank=True, on_delete=models.PROTECT, related_name="rfps"
    )
    required_languages = models.ManyToManyField(
        "vendors.Language",
        blank=True,
        related_name="rfps",
        verbose_name="languages",
        help_text="Languages the service must be delivered in.",
    )
    coverage = models.CharField(
        "coverage hours", max_length=20, choices=Coverage.choices, default=Coverage.BUSINESS_HOURS
    )
    currency = models.CharField(max_length=3, choices=currency_choices, default="USD")
    budget = models.DecimalField(
        "internal budget",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text="For your team only: vendors never see it.",
    )
    allow_vendor_currency = models.BooleanField(
        "vendors may price in their own currency", default=False
    )
    required_certifications = models.ManyToManyField(
        "vendors.CertificationType", blank=True, related_name="rfps"
    )
    accept_onshore = models.BooleanField("onshore", default=True)
    accept_nearshore = models.BooleanField("nearshore", default=True)
    accept_offshore = models.BooleanField("offshore", default=True)
    preferred_location_model = models.CharField(
        max_length=16, choices=LocationModel.choices(), blank=True
    )
    onsite_staff_wanted = models.BooleanField("on-premises staff wanted", default=False)

    publication_at = models.DateTimeField(null=True, blank=True, editable=False)
    question_deadline = models.DateTimeField(null=True, blank=True)
    submission_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    seal_lifts_at = models.DateTimeField(
        "proposals may open from",
        null=True,
        blank=True,
        editable=False,
        help_text="The latest submission deadline ever published: it only moves later, and "
        "no proposal opens before it, whatever happens to the deadline.",
    )
    expected_award_date = models.DateField(null=True, blank=True)

    status = models.CharField(
        max_length=20, choices=RFPStatus.choices, default=RFPStatus.DRAFT, db_index=True
    )
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.INVITE_ONLY
    )
    two_envelopes = models.BooleanField(
        "two envelopes",
        default=False,
        help_text="Evaluators score the technical proposal before the prices are opened.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    is_template = models.BooleanField(default=False, editable=False)
    template_key = models.SlugField(blank=True, editable=False)
    template_description = models.CharField(max_length=300, blank=True)
    source_template = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RFPQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "RFP"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"],
                condition=Q(is_template=False),
                name="rfp_reference_unique_per_organization",
            ),
            models.UniqueConstraint(
                fields=["template_key"],
                condition=Q(is_template=True, organization__isnull=True),
                name="rfp_starter_template_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(is_template=True),
                name="rfp_has_organization_unless_starter_template",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}" if self.reference else self.title

    # --- The clock: the one home of "open for bids", "open for questions" and the seal.
    # Compared in UTC to the second (deadlines are stored without fractions); an RFP
    # with no deadline is open for nothing. `RFPQuerySet` says the same to the database.

    def deadline_passed(self, now: dt.datetime | None = None) -> bool:
        return self.submission_deadline is not None and _now(now) >= self.submission_deadline

    def is_open_for_bids(self, now: dt.datetime | None = None) -> bool:
        """Proposals can be started, changed, submitted and withdrawn."""
        return (
            self.status == RFPStatus.PUBLISHED
            and not self.is_template
            and self.submission_deadline is not None
            and _now(now) < self.submission_deadline
        )

    def is_open_for_questions(self, now: dt.datetime | None = None) -> bool:
        return (
            self.is_open_for_bids(now)
            and self.question_deadline is not None
            and _now(now) < self.question_deadline
        )

    def seal_lifted(self, now: dt.datetime | None = None) -> bool:
        """Whether the proposals may be opened: the RFP was published, is not cancelled,
        and the latest deadline it ever published has passed (closing early, or a
        deadline moved earlier by any means, never opens them sooner)."""
        return (
            self.publication_at is not None
            and self.status != RFPStatus.CANCELLED
            and self.seal_lifts_at is not None
            and _now(now) >= self.seal_lifts_at
        )

    def current_status(self, now: dt.datetime | None = None) -> str:
        """The status as of now: a published RFP is closed the moment its deadline
        passes, before the minute job records it."""
        if self.status == RFPStatus.PUBLISHED and self.deadline_passed(now):
            return RFPStatus.CLOSED
        return self.status

    @property
    def current_status_display(self) -> str:
        return str(RFPStatus(self.current_status()).label)

    @property
    def accepted_location_models(self) -> list[str]:
        return [
            label
            for accepted, label in (
                (self.accept_onshore, "Onshore"),
                (self.accept_nearshore, "Nearshore"),
                (self.accept_offshore, "Offshore"),
            )
            if accepted
        ]

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES.get(self.current_status(), "secondary")


STATUS_BADGES: dict[str, str] = {
    RFPStatus.DRAFT: "secondary",
    RFPStatus.PENDING_APPROVAL: "warning",
    RFPStatus.PUBLISHED: "success",
    RFPStatus.CLOSED: "dark",
    RFPStatus.UNDER_EVALUATION: "info",
    RFPStatus.AWARDED: "primary",
    RFPStatus.CANCELLED: "danger",
}


class RFPAttachment(models.Model):
    rfp = models.ForeignKey(RFP, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=private_upload_to, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


# --- Lots and volumes ------------------------------------------------------------------


class SLAType(models.TextChoices):
    CUSTOMER = "customer", "Customer SLA (one agreement for this service)"
    INTERNAL = "internal", "Internal SLA (between departments)"
    MULTILEVEL = "multilevel", "Multilevel SLA (corporate, customer and service levels)"


# The lot volumes a pricing line can multiply, in display order.
VOLUME_FIELDS: list[tuple[str, str, str]] = [
    ("fte_count", "FTEs", "FTE"),
    ("seats", "Seats", "seat"),
    ("hours_per_month", "Hours per month", "hour"),
    ("transactions_per_month", "Transactions per month", "transaction"),
    ("contacts_per_month", "Contacts per month", "contact"),
    ("users", "Users", "user"),
    ("devices", "Devices", "device"),
]
VOLUME_LABELS = {name: label for name, label, _ in VOLUME_FIELDS}


def _volume(verbose: str, help_text: str = "") -> models.DecimalField[Any, Any]:
    return models.DecimalField(
        verbose,
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=help_text,
    )


class Lot(models.Model):
    """A process that may be awarded on its own (multisourcing)."""

    rfp = models.ForeignKey(RFP, on_delete=models.CASCADE, related_name="lots")
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    fte_count = _volume("FTEs", "Full-time equivalents you expect the vendor to staff.")
    seats = _volume("seats", "Workstations, if you price by seat.")
    hours_per_month = _volume("hours per month", "Productive agent hours per month.")
    transactions_per_month = _volume(
        "transactions per month", "Invoices, claims, tickets or records processed per month."
    )
    contacts_per_month = _volume("contacts per month", "Calls, chats and e-mails per month.")
    users = _volume("users", "People supported, for per-user charges.")
    devices = _volume("devices", "Devices supported, for per-device charges.")
    contract_term_months = models.PositiveSmallIntegerField(
        "contract term (months)", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    ramp_up_months = models.PositiveSmallIntegerField(
        "ramp-up (months)",
        null=True,
        blank=True,
        help_text="Months from signature until full volume.",
    )
    sla_type = models.CharField(
        "SLA type", max_length=16, choices=SLAType.choices, default=SLAType.CUSTOMER
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def volume(self, name: str) -> Decimal | None:
        value: Decimal | None = getattr(self, name)
        return value

    @property
    def volumes(self) -> list[tuple[str, str, Decimal]]:
        """(field, label, value) of the volumes that are set."""
        return [
            (name, label, getattr(self, name))
            for name, label, _ in VOLUME_FIELDS
            if getattr(self, name) is not None
        ]

    @property
    def has_volumes(self) -> bool:
        return any(value for _, _, value in self.volumes)


# --- Questionnaire -----------------------------------------------------------------------


class QuestionKind(models.TextChoices):
    TEXT = "text", "Text"
    YES_NO = "yes_no", "Yes or no"
    NUMBER = "number", "Number"
    SINGLE_CHOICE = "single_choice", "One choice from a list"
    MULTIPLE_CHOICE = "multiple_choice", "Several choices from a list"
    FILE = "file", "File upload"


CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
KNOCKOUT_KINDS = (QuestionKind.YES_NO, QuestionKind.SINGLE_CHOICE)


class QuestionSection(models.Model):
    rfp = models.ForeignKey(RFP, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    section = models.ForeignKey(QuestionSection, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField("question")
    kind = models.CharField(
        "answer type", max_length=20, choices=QuestionKind.choices, default=QuestionKind.TEXT
    )
    choices = models.JSONField(default=list, blank=True)
    mandatory = models.BooleanField(default=True)
    guidance = models.TextField(
        blank=True, help_text="Help for the vendor: what a good answer says."
    )
    is_knockout = models.BooleanField(
        "knock-out question",
        default=False,
        help_text="A proposal without the required answer is non-compliant.",
    )
    knockout_answer = models.CharField("required answer", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def knockout_answer_label(self) -> str:
        if self.kind == QuestionKind.YES_NO:
            return {"yes": "Yes", "no": "No"}.get(self.knockout_answer, self.knockout_answer)
        return self.knockout_answer


# --- Pricing template -------------------------------------------------------------------


class Recurrence(models.TextChoices):
    ONE_TIME = "one_time", "One-time"
    MONTHLY = "monthly", "Monthly"


class ChargeType(models.TextChoices):
    SETUP = "setup", "Setup (one-time)"
    TRANSITION = "transition", "Transition (one-time)"
    TRAINING = "training", "Training (one-time)"
    HOURLY = "hourly", "Hourly rate"
    PER_FTE = "per_fte", "Per FTE per month"
    PER_TRANSACTION = "per_transaction", "Per transaction"
    PER_CONTACT = "per_contact", "Per contact"
    FIXED_MONTHLY = "fixed_monthly", "Fixed monthly fee"
    MAINTENANCE = "maintenance", "Maintenance"
    UPGRADES = "upgrades", "Upgrades"
    PER_USER = "per_user", "Per user per month"
    PER_DEVICE = "per_device", "Per device per month"


FIXED_BASIS = "fixed"
VOLUME_BASIS_CHOICES = [(FIXED_BASIS, "A fixed quantity (no lot volume)")] + [
    (name, label) for name, label, _ in VOLUME_FIELDS
]

# charge type -> (recurrence, volume basis, unit) a new line starts with.
CHARGE_DEFAULTS: dict[str, tuple[str, str, str]] = {
    ChargeType.SETUP: (Recurrence.ONE_TIME, FIXED_BASIS, "lump sum"),
    ChargeType.TRANSITION: (Recurrence.ONE_TIME, FIXED_BASIS, "lump sum"),
    ChargeType.TRAINING: (Recurrence.ONE_TIME, "fte_count", "per FTE trained"),
    ChargeType.HOURLY: (Recurrence.MONTHLY, "hours_per_month", "per hour"),
    ChargeType.PER_FTE: (Recurrence.MONTHLY, "fte_count", "per FTE per month"),
    ChargeType.PER_TRANSACTION: (Recurrence.MONTHLY, "transactions_per_month", "per transaction"),
    ChargeType.PER_CONTACT: (Recurrence.MONTHLY, "contacts_per_month", "per contact"),
    ChargeType.FIXED_MONTHLY: (Recurrence.MONTHLY, FIXED_BASIS, "per month"),
    ChargeType.MAINTENANCE: (Recurrence.MONTHLY, FIXED_BASIS, "per month"),
    ChargeType.UPGRADES: (Recurrence.ONE_TIME, FIXED_BASIS, "lump sum"),
    ChargeType.PER_USER: (Recurrence.MONTHLY, "users", "per user per month"),
    ChargeType.PER_DEVICE: (Recurrence.MONTHLY, "devices", "per device per month"),
}


class PricingLine(models.Model):
    """One thing the vendor prices. The buyer's volume it multiplies makes the
    total cost of ownership computable (see rfp.pricing)."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="pricing_lines")
    charge_type = models.CharField(max_length=20, choices=ChargeType.choices)
    description = models.CharField(max_length=200)
    unit = models.CharField(max_length=60, help_text="What one price covers, e.g. 'per hour'.")
    recurrence = models.CharField(max_length=10, choices=Recurrence.choices)
    volume_basis = models.CharField(
        "multiplied by",
        max_length=30,
        choices=VOLUME_BASIS_CHOICES,
        blank=True,
        help_text="The lot volume the vendor's price is multiplied by.",
    )
    fixed_quantity = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("1"),
        validators=NON_NEGATIVE,
        help_text="Used when the line is not multiplied by a lot volume.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def quantity_over_term(self) -> Decimal | None:
        """Units the vendor's price is multiplied by over the whole contract (None if the
        lot lacks the volume or the term): one-time lines once, monthly lines every month."""
        lot = self.lot
        volumes = pricing.volumes_from_mapping(
            {name: getattr(lot, name) for name in (*pricing.VOLUME_BASES, "contract_term_months")}
        )
        line = pricing.PricedLine(
            key=str(self.pk),
            recurrence=self.recurrence,
            volume_basis=self.volume_basis,
            unit_price=Decimal("1"),
            fixed_quantity=self.fixed_quantity,
        )
        try:
            return pricing.line_total(line, volumes).total
        except pricing.PricingError:
            return None

    @property
    def basis_label(self) -> str:
        if self.volume_basis == FIXED_BASIS:
            return f"{self.fixed_quantity.normalize():f} (fixed)"
        return VOLUME_LABELS.get(self.volume_basis, "—")


# --- Service levels ---------------------------------------------------------------------


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class MetricKind(models.TextChoices):
    CSAT = "csat", "Customer satisfaction (CSAT)"
    NPS = "nps", "Net Promoter Score (NPS)"
    RETENTION = "retention", "Customer retention rate"
    AHT = "aht", "Average handle time"
    FCR = "fcr", "First-contact resolution"
    SERVICE_LEVEL = "service_level", "Service level (answered within target time)"
    ACCURACY = "accuracy", "Accuracy"
    UPTIME = "uptime", "Uptime"
    ATTRITION = "attrition", "Attrition"
    OTHER = "other", "Other"


# metric -> (unit, direction) a new KPI starts with.
METRIC_DEFAULTS: dict[str, tuple[str, str]] = {
    MetricKind.CSAT: ("%", Direction.HIGHER),
    MetricKind.NPS: ("points", Direction.HIGHER),
    MetricKind.RETENTION: ("%", Direction.HIGHER),
    MetricKind.AHT: ("seconds", Direction.LOWER),
    MetricKind.FCR: ("%", Direction.HIGHER),
    MetricKind.SERVICE_LEVEL: ("%", Direction.HIGHER),
    MetricKind.ACCURACY: ("%", Direction.HIGHER),
    MetricKind.UPTIME: ("%", Direction.HIGHER),
    MetricKind.ATTRITION: ("% per year", Direction.LOWER),
    MetricKind.OTHER: ("", Direction.HIGHER),
}


class MeasurementFrequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class ServiceLevel(models.Model):
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="service_levels")
    metric = models.CharField(max_length=20, choices=MetricKind.choices)
    name = models.CharField(
        max_length=150, help_text="How it reads in the contract, e.g. '80% of calls in 20 s'."
    )
    target = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=30, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    data_source = models.CharField(
        max_length=150, blank=True, help_text="Where the figure comes from, e.g. 'ACD reports'."
    )
    measurement_frequency = models.CharField(
        max_length=12, choices=MeasurementFrequency.choices, default=MeasurementFrequency.MONTHLY
    )
    service_credit_percent = models.DecimalField(
        "service credit on breach (% of monthly fees)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def target_label(self) -> str:
        sign = "≥" if self.direction == Direction.HIGHER else "≤"
        unit = self.unit if self.unit.startswith("%") else f" {self.unit}" if self.unit else ""
        return f"{sign} {self.target.normalize():f}{unit}"


# --- Lifecycle record -------------------------------------------------------------------


class RFPTransition(models.Model):
    """One step of the lifecycle: who, when, from, to, why."""

    rfp = models.ForeignKey(RFP, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=RFPStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=RFPStatus.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.rfp_id}: {self.from_status or 'new'} → {self.to_status}"


# --- Addenda ----------------------------------------------------------------------------


class Addendum(models.Model):
    """A change made after publication, numbered, notified and acknowledged."""

    rfp = models.ForeignKey(RFP, on_delete=models.CASCADE, related_name="addenda")
    number = models.PositiveSmallIntegerField()
    summary = models.TextField(help_text="What changed, in words the vendors understand.")
    changes = models.JSONField(default=list, blank=True)
    rfp_version = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name_plural = "addenda"
        constraints = [
            models.UniqueConstraint(fields=["rfp", "number"], name="addendum_number_unique")
        ]

    def __str__(self) -> str:
        return f"Addendum {self.number}"


class AddendumAcknowledgement(models.Model):
    addendum = models.ForeignKey(
        Addendum, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    company = models.ForeignKey(
        "vendors.VendorCompany", on_delete=models.CASCADE, related_name="addendum_acknowledgements"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["addendum", "company"], name="one_acknowledgement_per_company"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} acknowledged {self.addendum}"


# --- Distribution -----------------------------------------------------------------------


class InvitationStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    INTENDS_TO_BID = "intends_to_bid", "Intends to bid"
    DECLINED = "declined", "Declined"


class RFPInvitation(models.Model):
    """A vendor asked to respond: a registered company, or an e-mail address
    until that vendor registers."""

    # Not a column: False on an invitation a service returned because it already existed.
    created_now = True

    rfp = models.ForeignKey(RFP, on_delete=models.CASCADE, related_name="invitations")
    company = models.ForeignKey(
        "vendors.VendorCompany",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rfp_invitations",
    )
    email = models.EmailField(blank=True, help_text="For a vendor that has not registered yet.")
    status = models.CharField(
        max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.INVITED
    )
    decline_reason = models.TextField(blank=True)
    self_registered = models.BooleanField(
        default=False, help_text="A qualified vendor that joined an open RFP on its own."
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the e-mail went out: at publication, or at once."
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rfp", "company"],
                condition=Q(company__isnull=False),
                name="one_invitation_per_company",
            ),
            models.UniqueConstraint(
                fields=["rfp", "email"],
                condition=Q(company__isnull=True),
                name="one_invitation_per_email",
            ),
            models.CheckConstraint(
                condition=Q(company__isnull=False) | ~Q(email=""),
                name="invitation_has_company_or_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company or self.email} → {self.rfp_id}"

    @property
    def invitee_name(self) -> str:
        return self.company.display_name if self.company else self.email

    @property
    def is_registered(self) -> bool:
        return self.company_id is not None

    @property
    def company_summary(self) -> dict[str, Any] | None:
        if self.company is None:
            return None
        return {"id": self.company.pk, "name": self.company.display_name}


class InvitationReminder(models.Model):
    """A deadline reminder that went out: recorded so that it goes out once."""

    invitation = models.ForeignKey(
        RFPInvitation, on_delete=models.CASCADE, related_name="reminders"
    )
    hours_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "hours_before"], name="one_reminder_per_invitation_and_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hours_before} h reminder for {self.invitation}"


# --- Q&A ----------------------------------------------------------------------------------


class RFPQuestion(models.Model):
    """A vendor's clarification question. Other vendors never learn who asked:
    a published answer shows only `public_question` and the answer."""

    rfp = models.ForeignKey(RFP, on_delete=models.CASCADE, related_name="clarifications")
    number = models.PositiveSmallIntegerField()
    company = models.ForeignKey(
        "vendors.VendorCompany", on_delete=models.CASCADE, related_name="rfp_questions"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField("question")
    public_question = models.TextField(
        blank=True,
        help_text="The question as other vendors read it: remove anything that identifies "
        "the vendor who asked.",
    )
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["rfp", "number"], name="clarification_number_unique")
        ]

    def __str__(self) -> str:
        return f"Q{self.number}"

    @property
    def is_answered(self) -> bool:
        return bool(self.answer)

    @property
    def company_summary(self) -> dict[str, Any]:
        return {"id": self.company.pk, "name": self.company.display_name}
