"""The integration door for people and organizations."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services, webhooks
from accounts.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    InvitationInputSerializer,
    InvitationSerializer,
    MembershipSerializer,
    MeSerializer,
    RoleInputSerializer,
    WebhookCreatedSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
    WebhookUpdateSerializer,
)
from accounts.models import (
    ApiToken,
    BuyerMembership,
    Invitation,
    WebhookDelivery,
    WebhookSubscription,
)
from bpo_portal.api import ScopedViewSet
from bpo_portal.permissions import (
    Capability,
    IsBuyer,
    buyer_membership,
    require_buyer,
    vendor_membership,
)


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="Who am I: user, organization and role")
    def get(self, request: Request) -> Response:
        buyer = buyer_membership(request.user)
        vendor = vendor_membership(request.user)
        data = {
            "user": request.user,
            "kind": "buyer" if buyer else "vendor" if vendor else "none",
            "role": buyer.role if buyer else vendor.role if vendor else None,
            "organization": buyer.organization if buyer else None,
            "vendor_company": {"id": vendor.company_id, "name": vendor.company.display_name}
            if vendor
            else None,
        }
        return Response(MeSerializer(data).data)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Your personal API tokens. The key is shown once, when the token is created."""

    serializer_class = ApiTokenSerializer
    model = ApiToken

    def visible_queryset(self) -> QuerySet[ApiToken]:
        return selectors.user_api_tokens(user=self.request.user)  # type: ignore[arg-type]

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request: Request) -> Response:
        data = ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.api_token_create(user=request.user, name=data.validated_data["name"])  # type: ignore[arg-type]
        return Response(
            ApiTokenCreatedSerializer(token, context={"key": key}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(summary="Revoke a token", responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.api_token_revoke(user=request.user, token=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Members of your buyer organization. Admins change roles and remove members."""

    serializer_class = MembershipSerializer
    permission_classes = [IsBuyer]
    model = BuyerMembership

    def visible_queryset(self) -> QuerySet[BuyerMembership]:
        membership = buyer_membership(self.request.user)
        assert membership is not None
        return selectors.organization_members(organization=membership.organization)

    @extend_schema(
        request=RoleInputSerializer, responses=MembershipSerializer, summary="Change a role"
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_buyer(request.user, Capability.MANAGE_MEMBERS)
        data = RoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            actor=request.user,  # type: ignore[arg-type]
            membership=self.get_object(),
            role=data.validated_data["role"],
        )
        return Response(MembershipSerializer(membership).data)

    @extend_schema(summary="Remove a member", responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_buyer(request.user, Capability.MANAGE_MEMBERS)
        services.membership_remove(actor=request.user, membership=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Pending invitations to your buyer organization (admins only)."""

    serializer_class = InvitationSerializer
    permission_classes = [IsBuyer]
    model = Invitation

    def visible_queryset(self) -> QuerySet[Invitation]:
        membership = require_buyer(self.request.user, Capability.MANAGE_MEMBERS)
        return selectors.organization_pending_invitations(organization=membership.organization)

    @extend_schema(request=InvitationInputSerializer, responses={201: InvitationSerializer})
    def create(self, request: Request) -> Response:
        membership = require_buyer(request.user, Capability.MANAGE_MEMBERS)
        data = InvitationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            actor=request.user,  # type: ignore[arg-type]
            organization=membership.organization,
            **data.validated_data,
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw an invitation", responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.invitation_revoke(actor=request.user, invitation=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedViewSet,
):
    """Your organization's webhooks (admins): where events are sent, and the log of each
    delivery. See accounts/webhooks.py for the events, the signature and the retries."""

    serializer_class = WebhookSerializer
    permission_classes = [IsBuyer]
    model = WebhookSubscription

    def visible_queryset(self) -> QuerySet[WebhookSubscription]:
        membership = require_buyer(self.request.user, Capability.MANAGE_SETTINGS)
        return WebhookSubscription.objects.filter(organization_id=membership.organization_id)

    @extend_schema(
        summary="Add a webhook",
        request=WebhookSerializer,
        responses={201: WebhookCreatedSerializer},
    )
    def create(self, request: Request) -> Response:
        data = WebhookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        subscription = webhooks.webhook_create(
            actor=request.user,  # type: ignore[arg-type]
            url=values["url"],
            events=values["events"],
            description=values.get("description", ""),
        )
        return Response(WebhookCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a webhook (switch it back on with is_active)",
        request=WebhookUpdateSerializer,
        responses=WebhookSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = WebhookUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = webhooks.webhook_update(
            actor=request.user,  # type: ignore[arg-type]
            subscription=self.get_object(),
            **data.validated_data,
        )
        return Response(WebhookSerializer(subscription).data)

    @extend_schema(summary="Remove a webhook", responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        webhooks.webhook_delete(actor=request.user, subscription=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="A webhook's deliveries, newest first",
        responses=WebhookDeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(self.get_object().deliveries.all())  # type: ignore[arg-type]
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery's event again (a new delivery)",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery>[0-9]+)/redeliver",
    )
    def redeliver(self, request: Request, pk: str, delivery: str) -> Response:
        found = get_object_or_404(WebhookDelivery, pk=int(delivery), subscription=self.get_object())
        again = webhooks.delivery_redeliver(actor=request.user, delivery=found)  # type: ignore[arg-type]
        return Response(WebhookDeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
