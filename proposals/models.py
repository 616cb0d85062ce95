"""Proposals: a vendor's response to an RFP, its submitted versions (receipts),
the exchange rates used to compare prices, and the opening of the envelopes.

The rows a vendor edits (answers, prices, SLA commitments, centres, staffing
plans) are a working copy. What the buyer reads is never the working copy but
the last submitted `ProposalVersion`: an immutable canonical JSON snapshot with
its SHA-256, so a vendor editing its draft after submitting cannot change what
counts, and nothing after the deadline can.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from bpo_portal.money import currency_choices
from vendors.models import private_upload_to


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ComplianceStatus(models.TextChoices):
    NOT_CHECKED = "", "Not checked yet"
    COMPLIANT = "compliant", "Compliant"
    NON_COMPLIANT = "non_compliant", "Non-compliant"


class Envelope(models.TextChoices):
    TECHNICAL = "technical", "Technical envelope"
    COMMERCIAL = "commercial", "Commercial envelope"


STATUS_BADGES = {
    ProposalStatus.DRAFT: "text-bg-secondary",
    ProposalStatus.SUBMITTED: "text-bg-success",
    ProposalStatus.WITHDRAWN: "text-bg-dark",
}
COMPLIANCE_BADGES = {
    ComplianceStatus.NOT_CHECKED: "text-bg-light border",
    ComplianceStatus.COMPLIANT: "text-bg-success",
    ComplianceStatus.NON_COMPLIANT: "text-bg-danger",
}


class ExchangeRate(models.Model):
    """1 `base` = `rate` `quote`, as published by `source` on `as_of`.

    Entered by an operator in the admin (there is no network access to fetch
    rates). The rate used by a proposal is copied into its submitted version,
    so editing or adding rates never changes a submitted proposal.
    """

    base = models.CharField(max_length=3, choices=currency_choices)
    quote = models.CharField(max_length=3, choices=currency_choices)
    rate = models.DecimalField(
        max_digits=20, decimal_places=10, validators=[MinValueValidator(Decimal("0.0000000001"))]
    )
    as_of = models.DateField()
    source = models.CharField(max_length=200, help_text="Who published the rate, e.g. 'ECB'.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["base", "quote", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["base", "quote", "as_of"], name="one_exchange_rate_per_day"
            ),
            models.CheckConstraint(
                condition=~Q(base=models.F("quote")), name="rate_two_currencies"
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate.normalize():f} {self.quote} ({self.as_of})"


class Proposal(models.Model):
    """One vendor company's response to one RFP. Colleagues of the same vendor
    share it; each editable part carries its own version for optimistic locking."""

    rfp = models.ForeignKey("rfp.RFP", on_delete=models.CASCADE, related_name="proposals")
    company = models.ForeignKey(
        "vendors.VendorCompany", on_delete=models.CASCADE, related_name="proposals"
    )
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    currency = models.CharField(max_length=3, choices=currency_choices)
    # Optimistic locking: the proposal's settings (currency, lots) and its answers.
    version = models.PositiveIntegerField(default=1)
    answers_version = models.PositiveIntegerField(default=1)

    submitted_version = models.ForeignKey(
        "ProposalVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The version that counts: the last one submitted.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    changed_since_submission = models.BooleanField(default=False)

    compliance_status = models.CharField(
        max_length=16, choices=ComplianceStatus.choices, blank=True, default=""
    )
    compliance_reasons = models.JSONField(default=list, blank=True)
    compliance_checked_at = models.DateTimeField(null=True, blank=True)
    compliance_override = models.CharField(
        max_length=16, choices=ComplianceStatus.choices, blank=True, default=""
    )
    compliance_override_reason = models.TextField(blank=True)
    compliance_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    compliance_overridden_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rfp_id", "company__legal_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rfp", "company"], name="one_proposal_per_vendor")
        ]
        indexes = [models.Index(fields=["rfp", "status"])]

    def __str__(self) -> str:
        return f"Proposal of {self.company_id} to RFP {self.rfp_id}"

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES.get(self.status, "text-bg-secondary")

    @property
    def effective_compliance(self) -> str:
        """The buyer's override if there is one, else the automatic result."""
        return self.compliance_override or self.compliance_status

    @property
    def effective_compliance_label(self) -> str:
        return str(ComplianceStatus(self.effective_compliance).label)

    @property
    def compliance_badge(self) -> str:
        return COMPLIANCE_BADGES[ComplianceStatus(self.effective_compliance)]

    @property
    def counts(self) -> bool:
        """Submitted and not withdrawn: the buyer evaluates it."""
        return self.status == ProposalStatus.SUBMITTED and self.submitted_version_id is not None


class ProposalLot(models.Model):
    """A lot the vendor bids on, with its staffing and transition plan."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lots")
    lot = models.ForeignKey("rfp.Lot", on_delete=models.CASCADE, related_name="+")
    staffing_plan = models.JSONField(
        default=list, blank=True, help_text="Headcount in each month of the ramp-up."
    )
    transition_plan = models.TextField(blank=True)
    pricing_version = models.PositiveIntegerField(default=1)
    slas_version = models.PositiveIntegerField(default=1)
    centres_version = models.PositiveIntegerField(default=1)
    staffing_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["lot__order", "lot_id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "lot"], name="one_proposal_lot_per_lot")
        ]

    def __str__(self) -> str:
        return f"Lot {self.lot_id} of proposal {self.proposal_id}"


class PriceEntry(models.Model):
    proposal_lot = models.ForeignKey(ProposalLot, on_delete=models.CASCADE, related_name="prices")
    pricing_line = models.ForeignKey("rfp.PricingLine", on_delete=models.CASCADE, related_name="+")
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal_lot", "pricing_line"], name="one_price_per_line"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.pricing_line_id}: {self.unit_price}"


class SLACommitment(models.Model):
    proposal_lot = models.ForeignKey(
        ProposalLot, on_delete=models.CASCADE, related_name="sla_commitments"
    )
    service_level = models.ForeignKey(
        "rfp.ServiceLevel", on_delete=models.CASCADE, related_name="+"
    )
    accepts_target = models.BooleanField()
    proposed_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal_lot", "service_level"], name="one_commitment_per_level"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.service_level_id}: {'target' if self.accepts_target else self.proposed_value}"
        )


class ProposedCentre(models.Model):
    proposal_lot = models.ForeignKey(ProposalLot, on_delete=models.CASCADE, related_name="centres")
    delivery_centre = models.ForeignKey(
        "vendors.DeliveryCentre", on_delete=models.CASCADE, related_name="+"
    )
    share = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-share", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal_lot", "delivery_centre"], name="one_share_per_centre"
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=100), name="share_between_0_and_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_centre_id}: {self.share} %"


class ProposalAnswer(models.Model):
    """The answer to one questionnaire question, typed by the question's kind:
    text (str), yes/no ("yes"/"no"), number (a decimal as str), single choice
    (str), multiple choice (list of str), file (an attachment id)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey("rfp.Question", on_delete=models.CASCADE, related_name="+")
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"


class ProposalAttachment(models.Model):
    """A file of the proposal. Removing it from a draft only detaches it
    (`removed_at`): a submitted version may still refer to it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    envelope = models.CharField(max_length=12, choices=Envelope.choices, default=Envelope.TECHNICAL)
    question = models.ForeignKey(
        "rfp.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to=private_upload_to, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class ImmutableError(Exception):
    pass


class ProposalVersion(models.Model):
    """A submission: the canonical JSON of everything submitted, its SHA-256,
    the server time and who submitted. Never changed once written."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    sha256 = models.CharField("SHA-256", max_length=64)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by_name = models.CharField(max_length=200)
    rfp_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["proposal_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="one_number_per_version")
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of proposal {self.proposal_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError("A submitted proposal version cannot be changed.")
        super().save(*args, **kwargs)


class EnvelopeOpening(models.Model):
    """When an envelope of an RFP's proposals was opened: the technical one at
    the deadline (recorded by the minute job or the buyer's first look), the
    commercial one when the procurement manager finalises the technical
    evaluation."""

    rfp = models.ForeignKey("rfp.RFP", on_delete=models.CASCADE, related_name="envelope_openings")
    envelope = models.CharField(max_length=12, choices=Envelope.choices)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rfp", "envelope"], name="one_opening_per_envelope")
        ]

    def __str__(self) -> str:
        return f"{self.get_envelope_display()} of RFP {self.rfp_id}"
