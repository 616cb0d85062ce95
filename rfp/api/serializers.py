"""RFP API shapes. Buyers and vendors get separate serializers: a vendor's never
has the budget, the invitees, or who asked a question."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bpo_portal.api_fields import AwareDateTimeField
from rfp import parts
from rfp.models import (
    RFP,
    VOLUME_BASIS_CHOICES,
    VOLUME_FIELDS,
    Addendum,
    ChargeType,
    Coverage,
    Direction,
    InvitationStatus,
    Lot,
    MeasurementFrequency,
    MetricKind,
    PricingLine,
    Question,
    QuestionKind,
    QuestionSection,
    Recurrence,
    RFPAttachment,
    RFPInvitation,
    RFPQuestion,
    RFPStatus,
    RFPTransition,
    ServiceLevel,
    SLAType,
    Visibility,
)
from rfp.tasklist import STATUSES
from vendors.geography import LocationModel
from vendors.models import CertificationType, Industry, Language, ServiceCategory, ServiceFunction

VOLUME_NAMES = [name for name, _, _ in VOLUME_FIELDS]


def _choice_text(choices: Any, **kwargs: Any) -> serializers.CharField:
    """A read-only code documented by its values. Not an enum component: names such as
    `status` and `kind` mean different choice sets in different apps."""
    values = ", ".join(f"`{value}`" for value, _ in choices)
    return serializers.CharField(read_only=True, help_text=f"One of {values}.", **kwargs)


def _rfp_status() -> serializers.CharField:
    """The status as of now: `closed` from the second the deadline passes."""
    return _choice_text(RFPStatus.choices, source="current_status")


def _currency(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=3, help_text="ISO 4217 currency code, e.g. `USD`.", **kwargs
    )


# --- Content (read), shared by buyers and vendors -----------------------------------------


class RFPPricingLineSerializer(serializers.ModelSerializer):
    lot = serializers.IntegerField(source="lot_id", read_only=True)

    class Meta:
        model = PricingLine
        fields = [
            "id",
            "lot",
            "charge_type",
            "description",
            "unit",
            "recurrence",
            "volume_basis",
            "fixed_quantity",
            "order",
        ]
        read_only_fields = fields


class RFPServiceLevelSerializer(serializers.ModelSerializer):
    lot = serializers.IntegerField(source="lot_id", read_only=True)

    class Meta:
        model = ServiceLevel
        fields = [
            "id",
            "lot",
            "metric",
            "name",
            "target",
            "unit",
            "direction",
            "data_source",
            "measurement_frequency",
            "service_credit_percent",
            "order",
        ]
        read_only_fields = fields


class RFPLotSerializer(serializers.ModelSerializer):
    pricing_lines = RFPPricingLineSerializer(many=True, read_only=True)
    service_levels = RFPServiceLevelSerializer(many=True, read_only=True)

    class Meta:
        model = Lot
        fields = [
            "id",
            "name",
            "description",
            "order",
            *VOLUME_NAMES,
            "contract_term_months",
            "ramp_up_months",
            "sla_type",
            "pricing_lines",
            "service_levels",
        ]
        read_only_fields = fields


class QuestionnaireQuestionSerializer(serializers.ModelSerializer):
    section = serializers.IntegerField(source="section_id", read_only=True)
    kind = _choice_text(QuestionKind.choices)

    class Meta:
        model = Question
        fields = [
            "id",
            "section",
            "text",
            "kind",
            "choices",
            "mandatory",
            "guidance",
            "is_knockout",
            "knockout_answer",
            "order",
        ]
        read_only_fields = fields


class QuestionnaireSectionSerializer(serializers.ModelSerializer):
    questions = QuestionnaireQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = QuestionSection
        fields = ["id", "title", "description", "order", "questions"]
        read_only_fields = fields


class RFPAttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = RFPAttachment
        fields = ["id", "name", "content_type", "size", "created_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj: RFPAttachment) -> str:
        return reverse("rfp_attachment_download", args=[obj.rfp_id, obj.pk])


class RFPAddendumSerializer(serializers.ModelSerializer):
    class Meta:
        model = Addendum
        fields = ["number", "summary", "changes", "created_at"]
        read_only_fields = fields


class RFPNamedItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class RFPBuyerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


_CONTENT_FIELDS = [
    "id",
    "reference",
    "title",
    "status",
    "summary",
    "scope_of_work",
    "service_category",
    "service_functions",
    "industry",
    "required_languages",
    "coverage",
    "currency",
    "allow_vendor_currency",
    "required_certifications",
    "accept_onshore",
    "accept_nearshore",
    "accept_offshore",
    "preferred_location_model",
    "onsite_staff_wanted",
    "two_envelopes",
    "evaluation_criteria",
    "publication_at",
    "question_deadline",
    "submission_deadline",
    "seal_lifts_at",
    "expected_award_date",
    "lots",
    "sections",
    "attachments",
    "addenda",
]


class PublishedItemSerializer(serializers.Serializer):
    name = serializers.CharField()
    weight = serializers.CharField(help_text="Percent of its level, e.g. `40` or `12.5`.")
    description = serializers.CharField()
    children = serializers.ListField(
        child=serializers.DictField(),
        help_text="The sub-criteria, in the same shape, when the buyer shows them.",
    )


class PublishedPartSerializer(serializers.Serializer):
    title = serializers.CharField()
    intro = serializers.CharField(help_text="How proposals are ranked.")
    criteria = PublishedItemSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


def _published_item(item: parts.PublishedItem) -> dict[str, Any]:
    return {
        "name": item.name,
        "weight": f"{item.weight:f}",
        "description": item.description,
        "children": [_published_item(child) for child in item.children],
    }


class _ContentSerializer(serializers.ModelSerializer):
    service_category = RFPNamedItemSerializer(read_only=True, allow_null=True)
    industry = RFPNamedItemSerializer(read_only=True, allow_null=True)
    # Declared: a read-only model field loses allow_blank, and "" (no preference) is a value.
    preferred_location_model = serializers.ChoiceField(
        choices=LocationModel.choices(), allow_blank=True, read_only=True
    )
    service_functions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    required_certifications = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    required_languages = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    lots = RFPLotSerializer(many=True, read_only=True)
    sections = QuestionnaireSectionSerializer(many=True, read_only=True)
    attachments = RFPAttachmentSerializer(many=True, read_only=True)
    addenda = RFPAddendumSerializer(many=True, read_only=True)
    status = _rfp_status()
    currency = _currency(read_only=True)
    evaluation_criteria = serializers.SerializerMethodField(
        help_text="How proposals are evaluated: the main criteria and their weights (and the "
        "sub-criteria if the buyer shows them). Null while none are set."
    )

    @extend_schema_field(PublishedPartSerializer(allow_null=True))
    def get_evaluation_criteria(self, obj: RFP) -> dict[str, Any] | None:
        part = next((p for p in parts.published_parts(obj) if p.key == "evaluation"), None)
        if part is None:
            return None
        return {
            "title": part.title,
            "intro": part.intro,
            "criteria": [_published_item(item) for item in part.items],
            "notes": list(part.notes),
        }


class RFPVendorSerializer(_ContentSerializer):
    """What an invited vendor reads: no budget, no invitees."""

    buyer = RFPBuyerRefSerializer(source="organization", read_only=True)

    class Meta:
        model = RFP
        fields = [*_CONTENT_FIELDS[:3], "buyer", *_CONTENT_FIELDS[3:]]
        read_only_fields = fields


class RFPBuyerSerializer(_ContentSerializer):
    """The buyer's full view, with the internal budget and the version to send back."""

    class Meta:
        model = RFP
        fields = [
            *_CONTENT_FIELDS,
            "budget",
            "visibility",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RFPBuyerListSerializer(serializers.ModelSerializer):
    service_category = RFPNamedItemSerializer(read_only=True, allow_null=True)
    status = _rfp_status()
    currency = _currency(read_only=True)
    invitation_count = serializers.IntegerField(read_only=True)
    unanswered_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = RFP
        fields = [
            "id",
            "reference",
            "title",
            "status",
            "visibility",
            "service_category",
            "currency",
            "budget",
            "question_deadline",
            "submission_deadline",
            "publication_at",
            "version",
            "invitation_count",
            "unanswered_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RFPVendorListSerializer(serializers.ModelSerializer):
    buyer = RFPBuyerRefSerializer(source="organization", read_only=True)
    service_category = RFPNamedItemSerializer(read_only=True, allow_null=True)
    status = _rfp_status()
    currency = _currency(read_only=True)
    your_status = serializers.SerializerMethodField(
        help_text="Your invitation's status, or null for an RFP open to qualified vendors "
        "you have not answered yet."
    )

    class Meta:
        model = RFP
        fields = [
            "id",
            "reference",
            "title",
            "buyer",
            "status",
            "service_category",
            "currency",
            "question_deadline",
            "submission_deadline",
            "your_status",
        ]
        read_only_fields = fields

    def get_your_status(self, obj: RFP) -> str | None:
        own = getattr(obj, "own_invitations", [])
        return own[0].status if own else None


# --- Writes -----------------------------------------------------------------------------------


class RFPVersionedInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        help_text="The RFP's `version` you last read. A stale one answers 409 and saves nothing."
    )
    addendum_summary = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Required once the RFP is published: what changed, sent to vendors as an "
        "addendum.",
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        return {
            "version": data.pop("version"),
            "addendum_summary": data.pop("addendum_summary", ""),
            "fields": data,
        }


def _decimal(**kwargs: Any) -> serializers.DecimalField:
    # No min_value: the service refuses negative numbers with its own field message.
    return serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, **kwargs)


class RFPFieldsMixin(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    scope_of_work = serializers.CharField(
        required=False, allow_blank=True, help_text="HTML; sanitised on save."
    )
    service_category = serializers.PrimaryKeyRelatedField(
        queryset=ServiceCategory.objects.all(), required=False, allow_null=True
    )
    service_functions = serializers.PrimaryKeyRelatedField(
        queryset=ServiceFunction.objects.all(), many=True, required=False
    )
    industry = serializers.PrimaryKeyRelatedField(
        queryset=Industry.objects.all(), required=False, allow_null=True
    )
    required_languages = serializers.SlugRelatedField(
        queryset=Language.objects.all(), slug_field="code", many=True, required=False
    )
    coverage = serializers.ChoiceField(choices=Coverage.choices, required=False)
    currency = _currency(required=False)
    budget = _decimal(required=False, help_text="Internal: never shown to vendors.")
    allow_vendor_currency = serializers.BooleanField(required=False)
    required_certifications = serializers.PrimaryKeyRelatedField(
        queryset=CertificationType.objects.all(), many=True, required=False
    )
    accept_onshore = serializers.BooleanField(required=False)
    accept_nearshore = serializers.BooleanField(required=False)
    accept_offshore = serializers.BooleanField(required=False)
    preferred_location_model = serializers.ChoiceField(
        choices=LocationModel.choices(), required=False, allow_blank=True
    )
    onsite_staff_wanted = serializers.BooleanField(required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    two_envelopes = serializers.BooleanField(required=False)
    question_deadline = AwareDateTimeField(required=False, allow_null=True)
    submission_deadline = AwareDateTimeField(required=False, allow_null=True)
    expected_award_date = serializers.DateField(required=False, allow_null=True)


class RFPCreateSerializer(RFPFieldsMixin):
    title = serializers.CharField(max_length=200)
    template = serializers.PrimaryKeyRelatedField(
        queryset=RFP.objects.filter(is_template=True),
        required=False,
        allow_null=True,
        help_text="Start from a template (see /rfp-templates/): its lots, questionnaire, "
        "pricing lines and KPIs are copied. Other fields are then applied on top.",
    )


class RFPUpdateSerializer(RFPFieldsMixin, RFPVersionedInputSerializer):
    pass


class RFPLotInputSerializer(RFPVersionedInputSerializer):
    name = serializers.CharField(max_length=150, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    fte_count = _decimal(required=False)
    seats = _decimal(required=False)
    hours_per_month = _decimal(required=False)
    transactions_per_month = _decimal(required=False)
    contacts_per_month = _decimal(required=False)
    users = _decimal(required=False)
    devices = _decimal(required=False)
    contract_term_months = serializers.IntegerField(required=False, allow_null=True)
    ramp_up_months = serializers.IntegerField(required=False, allow_null=True)
    sla_type = serializers.ChoiceField(choices=SLAType.choices, required=False)


class QuestionnaireSectionInputSerializer(RFPVersionedInputSerializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class QuestionnaireQuestionInputSerializer(RFPVersionedInputSerializer):
    section = serializers.IntegerField(required=False, help_text="A section of this RFP.")
    text = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=QuestionKind.choices, required=False)
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    mandatory = serializers.BooleanField(required=False)
    guidance = serializers.CharField(required=False, allow_blank=True)
    is_knockout = serializers.BooleanField(required=False)
    knockout_answer = serializers.CharField(required=False, allow_blank=True)


class RFPPricingLineInputSerializer(RFPVersionedInputSerializer):
    lot = serializers.IntegerField(required=False, help_text="A lot of this RFP (on create).")
    charge_type = serializers.ChoiceField(choices=ChargeType.choices, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=60, required=False, allow_blank=True)
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, required=False)
    volume_basis = serializers.ChoiceField(
        choices=VOLUME_BASIS_CHOICES,
        required=False,
        allow_blank=True,
        help_text="The lot volume the price multiplies, or 'fixed'.",
    )
    fixed_quantity = _decimal(required=False)


class RFPServiceLevelInputSerializer(RFPVersionedInputSerializer):
    lot = serializers.IntegerField(required=False, help_text="A lot of this RFP (on create).")
    metric = serializers.ChoiceField(choices=MetricKind.choices, required=False)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    target = _decimal(required=False)
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    data_source = serializers.CharField(max_length=150, required=False, allow_blank=True)
    measurement_frequency = serializers.ChoiceField(
        choices=MeasurementFrequency.choices, required=False
    )
    service_credit_percent = _decimal(required=False)


class RFPTransitionInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The RFP's `version` you last read.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RFPCancelInputSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    reason = serializers.CharField(
        allow_blank=True, help_text="Required: e-mailed to every vendor that received the RFP."
    )


class RFPSaveAsTemplateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class RFPTemplateSerializer(serializers.ModelSerializer):
    scope = serializers.SerializerMethodField()
    service_category = RFPNamedItemSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RFP
        fields = ["id", "title", "template_description", "service_category", "scope"]
        read_only_fields = fields

    def get_scope(self, obj: RFP) -> str:
        return "starter" if obj.organization_id is None else "organization"


class RFPTransitionSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(
        allow_null=True, help_text="Null when the deadline closed it (nobody acted)."
    )
    from_status = _choice_text(RFPStatus.choices)
    to_status = _choice_text(RFPStatus.choices)

    class Meta:
        model = RFPTransition
        fields = ["from_status", "to_status", "actor", "comment", "created_at"]
        read_only_fields = fields


class RFPProblemSerializer(serializers.Serializer):
    step = serializers.CharField()
    field = serializers.CharField()
    message = serializers.CharField()


class RFPStepSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    status = _choice_text([(v, v) for v in STATUSES])
    problems = RFPProblemSerializer(many=True)


# --- Invitations, Q&A, responses ---------------------------------------------------------------


class RFPInvitationSerializer(serializers.ModelSerializer):
    company = RFPNamedItemSerializer(read_only=True, allow_null=True, source="company_summary")
    status = _choice_text(InvitationStatus.choices)
    # "" when the invitation went to a registered company: not an e-mail address.
    email = serializers.CharField(
        read_only=True, help_text="For a vendor that has not registered yet; else empty."
    )

    class Meta:
        model = RFPInvitation
        fields = [
            "id",
            "company",
            "email",
            "status",
            "decline_reason",
            "self_registered",
            "sent_at",
            "responded_at",
            "created_at",
        ]
        read_only_fields = fields


class RFPInvitationInputSerializer(serializers.Serializer):
    company = serializers.IntegerField(
        required=False, allow_null=True, help_text="A vendor company from the directory."
    )
    email = serializers.EmailField(
        required=False, allow_blank=True, help_text="Or the e-mail of a vendor not registered yet."
    )


class ClarificationBuyerSerializer(serializers.ModelSerializer):
    company = RFPNamedItemSerializer(read_only=True, source="company_summary")
    asked_by = serializers.StringRelatedField()
    answered_by = serializers.StringRelatedField()

    class Meta:
        model = RFPQuestion
        fields = [
            "id",
            "number",
            "company",
            "asked_by",
            "text",
            "public_question",
            "answer",
            "answered_by",
            "answered_at",
            "is_published",
            "published_at",
            "created_at",
        ]
        read_only_fields = fields


class ClarificationVendorSerializer(serializers.ModelSerializer):
    """Anonymised: a published answer shows the public wording, never who asked."""

    question = serializers.SerializerMethodField()
    yours = serializers.SerializerMethodField()

    class Meta:
        model = RFPQuestion
        fields = ["id", "number", "question", "answer", "is_published", "published_at", "yours"]
        read_only_fields = fields

    def _company_id(self) -> int | None:
        return self.context.get("company_id")

    def get_yours(self, obj: RFPQuestion) -> bool:
        return obj.company_id == self._company_id()

    def get_question(self, obj: RFPQuestion) -> str:
        return obj.text if obj.company_id == self._company_id() else obj.public_question


class ClarificationAskInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)


class ClarificationAnswerInputSerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True)
    publish = serializers.BooleanField(
        help_text="true: every invitee reads it, anonymised. false: only the asker."
    )
    public_question = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The question as other vendors read it (defaults to the original).",
    )


class RFPDeclineInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class RFPVendorResponseSerializer(serializers.Serializer):
    status = _choice_text(InvitationStatus.choices)
    responded_at = serializers.DateTimeField()


class RFPTransitionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = _rfp_status()
    version = serializers.IntegerField()
