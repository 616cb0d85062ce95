from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import (
    ApiToken,
    BuyerMembership,
    BuyerOrganization,
    BuyerRole,
    Invitation,
    User,
)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name"]
        read_only_fields = fields


class BuyerOrganizationSerializer(serializers.ModelSerializer):
    home_country = serializers.CharField(source="home_country.code")
    time_zone = serializers.CharField()

    class Meta:
        model = BuyerOrganization
        fields = [
            "id",
            "name",
            "home_country",
            "default_currency",
            "time_zone",
            "four_eyes_required",
        ]
        read_only_fields = fields


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
