"""People, buyer organizations, memberships, invitations, API tokens, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField
from timezone_field import TimeZoneField

from bpo_portal.money import currency_choices


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in by e-mail; belongs to at most one buyer or vendor."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    time_zone = TimeZoneField(
        blank=True,
        null=True,
        use_pytz=False,
        help_text="Dates and deadlines are shown in this time zone. "
        "Leave empty to use your organization's.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.lower()
        super().save(*args, **kwargs)


class BuyerRole(models.TextChoices):
    ADMIN = "admin", "Admin"
    PROCUREMENT_MANAGER = "procurement_manager", "Procurement manager"
    EVALUATOR = "evaluator", "Evaluator"
    VIEWER = "viewer", "Viewer"


class VendorRole(models.TextChoices):
    """A vendor company's roles (vendors.models.VendorMembership); kept beside the buyer's
    so that an invitation, to either side, names its role without importing vendors."""

    OWNER = "owner", "Owner"
    CONTRIBUTOR = "contributor", "Contributor"


class BuyerOrganization(models.Model):
    """A company that runs sourcing events."""

    name = models.CharField(max_length=200)
    home_country = CountryField(help_text="Onshore, nearshore and offshore are judged from here.")
    default_currency = models.CharField(max_length=3, choices=currency_choices, default="USD")
    time_zone = TimeZoneField(default="UTC", use_pytz=False)
    business_hours_start = models.TimeField(default=dt.time(9, 0))
    business_hours_end = models.TimeField(default=dt.time(17, 0))
    four_eyes_required = models.BooleanField(
        "four eyes on publication and award",
        default=True,
        help_text="An RFP is published, and an award approved, only by an admin other than "
        "the person who submitted or proposed it. Switch off only for a team with a single "
        "admin: every step is still recorded in the audit log.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BuyerMembership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer_membership"
    )
    organization = models.ForeignKey(
        BuyerOrganization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=BuyerRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organization})"


class Invitation(models.Model):
    """An e-mailed link to join a buyer organization or a vendor company.

    Only a hash of the token is stored; the link itself is in the e-mail.
    """

    email = models.EmailField()
    role = models.CharField(max_length=32)
    buyer_organization = models.ForeignKey(
        BuyerOrganization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    vendor_company = models.ForeignKey(
        "vendors.VendorCompany",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(buyer_organization__isnull=False, vendor_company__isnull=True)
                    | models.Q(buyer_organization__isnull=True, vendor_company__isnull=False)
                ),
                name="invitation_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def target(self) -> Any:
        return self.buyer_organization or self.vendor_company

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "pending"

    @property
    def role_label(self) -> str:
        choices = dict(BuyerRole.choices) | dict(VendorRole.choices)
        return str(choices.get(self.role, self.role))


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotentRequest(models.Model):
    """A POST to the API sent with an `Idempotency-Key`, and the answer it got: the same
    key and request within a day get the same answer, never a second effect
    (accounts.idempotency). `status_code` is None while the first request runs."""

    scope = models.CharField(max_length=80)  # whose key: "token:<hash>" or "user:<id>"
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)  # method, path, query and body
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=500, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="one_request_per_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.scope})"


class AuditEvent(models.Model):
    """Who did what, when: every state change worth answering for."""

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    buyer_organization = models.ForeignKey(
        BuyerOrganization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_events",
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["buyer_organization", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action}"


class OutgoingEmail(models.Model):
    """An e-mail waiting for the worker. Written in the same transaction as the
    change that caused it, so a broker outage delays mail but never loses it."""

    to = models.JSONField()
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class WebhookEvent(models.TextChoices):
    """What a buyer organization's systems can be told (accounts.webhooks)."""

    RFP_PUBLISHED = "rfp.published", "RFP published"
    RFP_AMENDED = "rfp.amended", "RFP amended"
    RFP_CLOSED = "rfp.closed", "RFP closed"
    RFP_CANCELLED = "rfp.cancelled", "RFP cancelled"
    PROPOSAL_SUBMITTED = "proposal.submitted", "Proposal submitted"
    PROPOSAL_WITHDRAWN = "proposal.withdrawn", "Proposal withdrawn"
    ENVELOPE_OPENED = "envelope.opened", "Envelope opened"
    EVALUATION_FINALISED = "evaluation.finalised", "Evaluation finalised"
    REPORT_READY = "report.ready", "Report ready"
    AWARD_PROPOSED = "award.proposed", "Award proposed"
    AWARD_APPROVED = "award.approved", "Award approved"
    AWARD_RETURNED = "award.returned", "Award returned"


class WebhookSubscription(models.Model):
    """A buyer organization's endpoint for events, with the secret its deliveries are
    signed with. Disabled automatically after a day of failures."""

    organization = models.ForeignKey(
        BuyerOrganization, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField("endpoint URL", max_length=500)
    events = models.JSONField(default=list)  # WebhookEvent values
    secret = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url

    @property
    def event_labels(self) -> list[str]:
        labels = dict(WebhookEvent.choices)
        return [labels.get(event, event) for event in self.events]


class WebhookDelivery(models.Model):
    """One event for one subscription: written with the change that caused it (an
    outbox row), sent by the worker, retried with exponential back-off for a day."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(db_index=True)
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"
