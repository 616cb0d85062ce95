from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import (
    ApiToken,
    BuyerMembership,
    BuyerRole,
    Invitation,
    WebhookDelivery,
    WebhookEvent,
)


# Declared, not ModelSerializers: /me/ is the lightest request an integration makes, and a
# ModelSerializer inspects its model's fields again on every request.
class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class BuyerOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    home_country = serializers.CharField(source="home_country.code", read_only=True)
    default_currency = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True)
    four_eyes_required = serializers.BooleanField(read_only=True)


class MeSerializer(serializers.Serializer):
    user = UserSerializer()
    kind = serializers.ChoiceField(choices=["buyer", "vendor", "none"])
    role = serializers.CharField(allow_null=True)
    organization = BuyerOrganizationSerializer(allow_null=True)
    vendor_company = serializers.DictField(allow_null=True)


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSerializer(read_only=True)

    class Meta:
        model = BuyerMembership
        fields = ["id", "user", "role", "created_at"]
        read_only_fields = ["id", "user", "created_at"]


class RoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=BuyerRole.choices)


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "created_at", "expires_at"]
        read_only_fields = ["id", "status", "created_at", "expires_at"]


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=BuyerRole.choices)


class ApiTokenSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "key_prefix", "created_at", "last_used_at", "revoked_at", "active"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.SerializerMethodField(help_text="Shown once: store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]

    def get_key(self, obj: Any) -> str:
        return str(self.context["key"])


class WebhookSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False
    )
    is_active = serializers.BooleanField(required=False)
    disabled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    disabled_reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every delivery (BPO-Signature). Shown only in this answer.",
    )


class WebhookUpdateSerializer(serializers.Serializer[Any]):
    url = serializers.URLField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        allow_empty=False,
        required=False,
    )
    is_active = serializers.BooleanField(required=False)


class WebhookDeliverySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    event_id = serializers.UUIDField()
    event = serializers.CharField()
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    payload = serializers.JSONField()
