from __future__ import annotations

import zoneinfo
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vendors.geography import is_known_country
from vendors.models import (
    Certification,
    CertificationType,
    ClientReference,
    DeliveryCentre,
    DeliveryMode,
    EmployeeBand,
    Industry,
    Language,
    QualificationStatus,
    RevenueBand,
    RiskRating,
    SecurityControl,
    ServiceFunction,
    Technology,
    VendorCompany,
    VendorQualification,
)


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$", "example": "09:00:00"}
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time at the delivery centre, in its `time_zone`: "09:00:00", with no
    UTC offset, so not JSON Schema's `time` format (which requires one)."""


class SlugNameSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class DeliveryCentreSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")
    languages = serializers.SerializerMethodField()
    time_zone = serializers.CharField()
    opens_at = LocalTimeField(allow_null=True)
    closes_at = LocalTimeField(
        allow_null=True, help_text="May be earlier than the opening time for night shifts."
    )
    location_model = serializers.SerializerMethodField(
        help_text="Onshore, nearshore or offshore for the requesting buyer (null for vendors)."
    )

    class Meta:
        model = DeliveryCentre
        fields = [
            "id",
            "name",
            "country",
            "city",
            "seats",
            "languages",
            "is_24_7",
            "time_zone",
            "opens_at",
            "closes_at",
            "delivery_mode",
            "location_model",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_languages(self, obj: DeliveryCentre) -> list[str]:
        return [language.code for language in obj.languages.all()]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_location_model(self, obj: DeliveryCentre) -> str | None:
        classify = self.context.get("classify")
        return classify(str(obj.country)) if classify else None


class DeliveryCentreWriteSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    country = serializers.CharField(max_length=2)
    city = serializers.CharField(max_length=100)
    seats = serializers.IntegerField(min_value=1, max_value=1_000_000)
    languages = serializers.SlugRelatedField(
        slug_field="code", queryset=Language.objects.all(), many=True
    )
    is_24_7 = serializers.BooleanField(default=False)
    time_zone = serializers.CharField(required=False, max_length=64)
    opens_at = LocalTimeField(required=False, allow_null=True)
    closes_at = LocalTimeField(required=False, allow_null=True)
    delivery_mode = serializers.ChoiceField(
        choices=DeliveryMode.choices, default=DeliveryMode.OFFSITE
    )

    def validate_country(self, value: str) -> str:
        if not is_known_country(value):
            raise serializers.ValidationError(f"'{value}' is not a known ISO 3166 country code.")
        return value.upper()

    def validate_time_zone(self, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise serializers.ValidationError(f"'{value}' is not a time zone.") from exc
        return value


class CertificationSerializer(serializers.ModelSerializer):
    certification_type = SlugNameSerializer()
    status = serializers.SerializerMethodField()
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = Certification
        fields = [
            "id",
            "certification_type",
            "issued_by",
            "certificate_number",
            "issued_on",
            "expires_on",
            "status",
            "evidence_url",
        ]

    def get_status(self, obj: Certification) -> str:
        if obj.is_expired:
            return "expired"
        return "expiring_soon" if obj.expires_soon else "valid"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_evidence_url(self, obj: Certification) -> str | None:
        if not obj.evidence:
            return None
        return reverse("vendor_certification_evidence", args=[obj.pk])


class CertificationWriteSerializer(serializers.Serializer):
    certification_type = serializers.SlugRelatedField(
        slug_field="slug", queryset=CertificationType.objects.all()
    )
    issued_by = serializers.CharField(required=False, allow_blank=True, max_length=150)
    certificate_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True)
    evidence = serializers.FileField(required=False, allow_null=True)


class ReferenceSerializer(serializers.ModelSerializer):
    industry = serializers.SlugRelatedField(
        slug_field="slug", queryset=Industry.objects.all(), required=False, allow_null=True
    )
    service_function = serializers.SlugRelatedField(
        slug_field="slug", queryset=ServiceFunction.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = ClientReference
        fields = [
            "id",
            "client_name",
            "industry",
            "service_function",
            "years",
            "may_contact",
            "contact_name",
            "contact_email",
        ]
        read_only_fields = ["id"]

    def to_representation(self, instance: ClientReference) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not instance.may_contact and self.context.get("viewer") == "buyer":
            data["contact_name"] = data["contact_email"] = ""
        return data


class QualificationSerializer(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Null until your organization sets one."
    )

    class Meta:
        model = VendorQualification
        fields = ["status", "risk_rating", "notes", "tags", "updated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, obj: VendorQualification) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())


class QualificationInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=QualificationStatus.choices, required=False)
    risk_rating = serializers.ChoiceField(choices=RiskRating.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)


def _slugs(items: Any) -> list[str]:
    return [item.slug for item in items]


class VendorListSerializer(serializers.ModelSerializer):
    headquarters_country = serializers.CharField(source="headquarters_country.code")
    functions = serializers.SerializerMethodField()
    location_models = serializers.SerializerMethodField()
    countries = serializers.SerializerMethodField()
    qualification_status = serializers.SerializerMethodField()

    class Meta:
        model = VendorCompany
        fields = [
            "id",
            "legal_name",
            "trading_name",
            "website",
            "headquarters_country",
            "total_seats",
            "has_24_7",
            "completeness",
            "is_claimed",
            "functions",
            "countries",
            "location_models",
            "qualification_status",
            "updated_at",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_functions(self, obj: VendorCompany) -> list[str]:
        return _slugs(obj.service_functions.all())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_countries(self, obj: VendorCompany) -> list[str]:
        return sorted({str(c.country) for c in obj.delivery_centres.all()})

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_location_models(self, obj: VendorCompany) -> list[str]:
        classify = self.context.get("classify")
        if not classify:
            return []
        return sorted({classify(str(c.country)) for c in obj.delivery_centres.all()})

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_qualification_status(self, obj: VendorCompany) -> str | None:
        if self.context.get("viewer") != "buyer":
            return None
        recorded = getattr(obj, "buyer_qualifications", [])
        return recorded[0].status if recorded else QualificationStatus.NEW


class VendorProfileSerializer(VendorListSerializer):
    industries = serializers.SerializerMethodField()
    technologies = serializers.SerializerMethodField()
    security_controls = serializers.SerializerMethodField()
    delivery_centres = serializers.SerializerMethodField()
    certifications = CertificationSerializer(many=True, read_only=True)
    references = serializers.SerializerMethodField()
    qualification = serializers.SerializerMethodField()

    class Meta(VendorListSerializer.Meta):
        fields = [
            *VendorListSerializer.Meta.fields,
            "headquarters_city",
            "year_founded",
            "employee_band",
            "revenue_band",
            "description",
            "security_notes",
            "industries",
            "technologies",
            "security_controls",
            "delivery_centres",
            "certifications",
            "references",
            "qualification",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_industries(self, obj: VendorCompany) -> list[str]:
        return _slugs(obj.industries.all())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_technologies(self, obj: VendorCompany) -> list[str]:
        return [t.name for t in obj.technologies.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_security_controls(self, obj: VendorCompany) -> list[str]:
        return [c.name for c in obj.security_controls.all()]

    @extend_schema_field(DeliveryCentreSerializer(many=True))
    def get_delivery_centres(self, obj: VendorCompany) -> list[dict[str, Any]]:
        return DeliveryCentreSerializer(
            obj.delivery_centres.all(), many=True, context=self.context
        ).data  # type: ignore[return-value]

    @extend_schema_field(ReferenceSerializer(many=True))
    def get_references(self, obj: VendorCompany) -> list[dict[str, Any]]:
        return ReferenceSerializer(obj.references.all(), many=True, context=self.context).data  # type: ignore[return-value]

    @extend_schema_field(QualificationSerializer(allow_null=True))
    def get_qualification(self, obj: VendorCompany) -> dict[str, Any] | None:
        """Only the requesting buyer's own qualification; never anyone else's."""
        qualification = self.context.get("qualification")
        return QualificationSerializer(qualification).data if qualification else None


class VendorProfileUpdateSerializer(serializers.Serializer):
    legal_name = serializers.CharField(max_length=200, required=False)
    trading_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    headquarters_country = serializers.CharField(max_length=2, required=False)
    headquarters_city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    year_founded = serializers.IntegerField(min_value=1800, required=False, allow_null=True)
    employee_band = serializers.ChoiceField(
        choices=EmployeeBand.choices, required=False, allow_blank=True
    )
    revenue_band = serializers.ChoiceField(
        choices=RevenueBand.choices, required=False, allow_blank=True
    )
    description = serializers.CharField(required=False, allow_blank=True)
    security_notes = serializers.CharField(required=False, allow_blank=True)
    service_functions = serializers.SlugRelatedField(
        slug_field="slug", queryset=ServiceFunction.objects.all(), many=True, required=False
    )
    industries = serializers.SlugRelatedField(
        slug_field="slug", queryset=Industry.objects.all(), many=True, required=False
    )
    technologies = serializers.SlugRelatedField(
        slug_field="name", queryset=Technology.objects.all(), many=True, required=False
    )
    security_controls = serializers.SlugRelatedField(
        slug_field="name", queryset=SecurityControl.objects.all(), many=True, required=False
    )
