"""The integration door for RFPs: parse, call one service, render.

Every row goes through `rfps_visible_to(user)`: another organization's RFP,
or an RFP a vendor was not invited to, answers 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from bpo_portal.api import ScopedViewSet
from bpo_portal.api_fields import UpdatedAfterFilter
from bpo_portal.conditional import version_given
from bpo_portal.errors import ApplicationError
from bpo_portal.permissions import (
    Capability,
    IsBuyer,
    IsBuyerOrVendor,
    IsVendor,
    require_buyer,
    vendor_membership,
)
from bpo_portal.web import request_user
from rfp import selectors, services
from rfp.api import serializers as s
from rfp.filters import RFPFilter
from rfp.models import (
    RFP,
    Addendum,
    Lot,
    PricingLine,
    Question,
    QuestionSection,
    RFPInvitation,
    RFPQuestion,
    ServiceLevel,
)
from vendors.models import VendorCompany

RFP_DETAIL = PolymorphicProxySerializer(
    component_name="RFPDetail",
    serializers=[s.RFPBuyerSerializer, s.RFPVendorSerializer],
    resource_type_field_name=None,
)
RFP_LIST_ITEM = PolymorphicProxySerializer(
    component_name="RFPListItem",
    serializers=[s.RFPBuyerListSerializer, s.RFPVendorListSerializer],
    resource_type_field_name=None,
)
RFP_PK = OpenApiParameter("rfp", OpenApiTypes.INT, OpenApiParameter.PATH, description="RFP id")


def _is_vendor(request: Request) -> bool:
    return vendor_membership(request.user) is not None


def _buyer_detail(rfp: RFP) -> dict[str, Any]:
    fresh = selectors.rfp_with_content(rfp.pk)
    return s.RFPBuyerSerializer(fresh).data  # type: ignore[return-value]


@extend_schema_view(
    list=extend_schema(
        summary="RFPs you can see",
        description="Buyers: every RFP of their organization, with the internal budget. "
        "Vendors: published RFPs they are invited to or open to them, without the budget.",
        responses=RFP_LIST_ITEM,
    ),
    retrieve=extend_schema(
        summary="An RFP with its lots, questionnaire, pricing and KPIs", responses=RFP_DETAIL
    ),
)
class RFPViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = RFP
    permission_classes = [IsBuyerOrVendor]
    filter_backends = [DjangoFilterBackend, UpdatedAfterFilter]
    filterset_class = RFPFilter
    if_match_is_version = True  # the RFP's ETag carries its version

    def visible_queryset(self) -> QuerySet[RFP]:
        if self.action == "list":
            return selectors.rfp_list_queryset(self.request.user)
        return selectors.rfp_detail_queryset(self.request.user)

    def get_permissions(self) -> Sequence[Any]:
        # Vendors read RFPs and answer their invitation; every other write is the
        # buyer's: a vendor gets 403 whatever it sent, not a complaint about the body.
        if self.action in ("intend_to_bid", "decline"):
            return [IsVendor()]
        if self.request.method not in SAFE_METHODS:
            return [IsBuyer()]
        return super().get_permissions()

    @property
    def updated_field(self) -> str | None:
        """Buyers sync on `updated_at`; vendors not (it moves with the buyer's internal
        edits, the budget say, which a vendor must not even see happen)."""
        if getattr(self, "swagger_fake_view", False):
            return "updated_at"
        return None if _is_vendor(self.request) else "updated_at"

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        vendor = _is_vendor(self.request)
        if self.action == "list":
            return s.RFPVendorListSerializer if vendor else s.RFPBuyerListSerializer
        return s.RFPVendorSerializer if vendor else s.RFPBuyerSerializer

    def _rfp(self) -> RFP:
        return get_object_or_404(
            selectors.rfps_visible_to(self.request.user).select_related("organization"),
            pk=self.kwargs["pk"],
        )

    @extend_schema(
        summary="Create a draft RFP, blank or from a template",
        request=s.RFPCreateSerializer,
        responses={201: s.RFPBuyerSerializer},
    )
    def create(self, request: Request) -> Response:
        data = s.RFPCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        template = fields.pop("template", None)
        title = fields.pop("title")
        if template is not None:
            rfp = services.rfp_create_from_template(
                actor=request_user(request), template=template, title=title
            )
            if fields:
                rfp = services.rfp_update(
                    actor=request_user(request), rfp=rfp, version=rfp.version, **fields
                )
        else:
            rfp = services.rfp_create(actor=request_user(request), title=title, **fields)
        return Response(_buyer_detail(rfp), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft's details or timeline (an addendum once published)",
        request=s.RFPUpdateSerializer,
        responses=s.RFPBuyerSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rfp = self._rfp()
        require_buyer(request.user, Capability.EDIT_RFP, rfp.organization_id)
        data = s.RFPUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parsed = data.service_kwargs()
        rfp = services.rfp_update(
            actor=request_user(request),
            rfp=rfp,
            version=parsed["version"],
            addendum_summary=parsed["addendum_summary"],
            **parsed["fields"],
        )
        return Response(_buyer_detail(rfp))

    # --- Transitions ---------------------------------------------------------------------

    def _transition(self, request: Request, service: Any) -> Response:
        rfp = self._rfp()
        data = s.RFPTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rfp = service(actor=request_user(request), rfp=rfp, **data.validated_data)
        return Response({"id": rfp.pk, "status": rfp.status, "version": rfp.version})

    @extend_schema(
        summary="Submit a draft for approval",
        request=s.RFPTransitionInputSerializer,
        responses=s.RFPTransitionResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: int) -> Response:
        return self._transition(request, services.rfp_submit_for_approval)

    @extend_schema(
        summary="Approve and publish (admins; four eyes: not the one who submitted it)",
        request=s.RFPTransitionInputSerializer,
        responses=s.RFPTransitionResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: int) -> Response:
        return self._transition(request, services.rfp_approve)

    @extend_schema(
        summary="Return to draft with comments (admins; comment required)",
        request=s.RFPTransitionInputSerializer,
        responses=s.RFPTransitionResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request: Request, pk: int) -> Response:
        return self._transition(request, services.rfp_return_to_draft)

    @extend_schema(
        summary="Start the evaluation of a closed RFP",
        request=s.RFPTransitionInputSerializer,
        responses=s.RFPTransitionResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="start-evaluation")
    def start_evaluation(self, request: Request, pk: int) -> Response:
        return self._transition(request, services.rfp_start_evaluation)

    @extend_schema(
        summary="Cancel, with the reason vendors receive",
        request=s.RFPCancelInputSerializer,
        responses=s.RFPTransitionResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        rfp = self._rfp()
        data = s.RFPCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rfp = services.rfp_cancel(actor=request_user(request), rfp=rfp, **data.validated_data)
        return Response({"id": rfp.pk, "status": rfp.status, "version": rfp.version})

    @extend_schema(
        summary="Save the RFP's content as an organization template",
        request=s.RFPSaveAsTemplateInputSerializer,
        responses={201: s.RFPTemplateSerializer},
    )
    @action(detail=True, methods=["post"], url_path="save-as-template")
    def save_as_template(self, request: Request, pk: int) -> Response:
        rfp = self._rfp()
        data = s.RFPSaveAsTemplateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.rfp_save_as_template(
            actor=request_user(request), rfp=rfp, **data.validated_data
        )
        return Response(s.RFPTemplateSerializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Each part's status and what stops publication (buyers)",
        responses=s.RFPStepSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def readiness(self, request: Request, pk: int) -> Response:
        rfp = self._rfp()
        require_buyer(request.user, Capability.VIEW_ORGANIZATION, rfp.organization_id)
        tasks = selectors.rfp_task_list(selectors.rfp_with_content(rfp.pk))
        return Response(s.RFPStepSerializer(tasks, many=True).data)

    @extend_schema(
        summary="The lifecycle: every transition (buyers)",
        responses=s.RFPTransitionSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request: Request, pk: int) -> Response:
        rfp = self._rfp()
        require_buyer(request.user, Capability.VIEW_ORGANIZATION, rfp.organization_id)
        transitions = rfp.transitions.select_related("actor").order_by("created_at", "id")
        return Response(s.RFPTransitionSerializer(transitions, many=True).data)

    # --- Vendor responses -------------------------------------------------------------------

    @extend_schema(
        summary="Vendors: we intend to bid", request=None, responses=s.RFPVendorResponseSerializer
    )
    @action(detail=True, methods=["post"], url_path="intend-to-bid")
    def intend_to_bid(self, request: Request, pk: int) -> Response:
        invitation = services.rfp_intend_to_bid(actor=request_user(request), rfp=self._rfp())
        return Response(s.RFPVendorResponseSerializer(invitation).data)

    @extend_schema(
        summary="Vendors: decline, with a reason",
        request=s.RFPDeclineInputSerializer,
        responses=s.RFPVendorResponseSerializer,
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: int) -> Response:
        rfp = self._rfp()
        data = s.RFPDeclineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.rfp_decline(
            actor=request_user(request), rfp=rfp, reason=data.validated_data["reason"]
        )
        return Response(s.RFPVendorResponseSerializer(invitation).data)


@extend_schema(summary="RFP templates: the starter library and your organization's")
class RFPTemplateViewSet(mixins.ListModelMixin, ScopedViewSet):
    model = RFP
    permission_classes = [IsBuyer]
    serializer_class = s.RFPTemplateSerializer
    filter_backends: list[Any] = [UpdatedAfterFilter]

    def visible_queryset(self) -> QuerySet[RFP]:
        return selectors.templates_available_to(self.request.user)


# --- Parts ------------------------------------------------------------------------------------


class _RFPChildViewSet(ScopedViewSet):
    """Rows that belong to one RFP (`rfp` in the URL) the user can see."""

    filter_backends: list[Any] = [UpdatedAfterFilter]  # refuses it: no time of change

    def rfp(self) -> RFP:
        if not hasattr(self, "_rfp_cache"):
            self._rfp_cache = get_object_or_404(
                selectors.rfps_visible_to(self.request.user).select_related("organization"),
                pk=self.kwargs["rfp"],
            )
        return self._rfp_cache

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        vendor = vendor_membership(self.request.user)
        context["company_id"] = vendor.company_id if vendor else None
        return context


def _version_from(request: Request) -> int | None:
    raw = version_given(request, request.query_params.get("version") or request.data.get("version"))
    if raw in (None, ""):
        raise ApplicationError.for_fields({"version": "Send ?version= (the RFP's version)."})
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ApplicationError.for_fields({"version": "The version is a whole number."})


class _PartViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    _RFPChildViewSet,
):
    """List, read, create, change and remove a part of an RFP. Writes carry the
    RFP's `version`; DELETE takes it as `?version=` (and `?addendum_summary=`)."""

    if_match_is_version = True  # the RFP's version, as its ETag carries

    input_serializer: type[s.RFPVersionedInputSerializer]
    parent_field: str | None = None  # "section" or "lot": required on create
    instance_kwarg: str
    create_service: Any
    update_service: Any
    delete_service: Any

    def get_permissions(self) -> Sequence[Any]:
        # Invited vendors read the RFP's parts; only buyers change them.
        if self.request.method not in SAFE_METHODS:
            return [IsBuyer()]
        return super().get_permissions()

    def _respond(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        data = dict(self.get_serializer(obj).data)
        data["rfp_version"] = RFP.objects.values_list("version", flat=True).get(pk=self.rfp().pk)
        return Response(data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rfp = self.rfp()
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        parsed = data.service_kwargs()
        fields = parsed["fields"]
        extra = {}
        if self.parent_field is not None:
            extra[self.parent_field] = fields.pop(self.parent_field, None)
        obj = self.create_service(
            actor=request_user(request),
            rfp=rfp,
            version=parsed["version"],
            addendum_summary=parsed["addendum_summary"],
            **extra,
            **fields,
        )
        return self._respond(obj, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        parsed = data.service_kwargs()
        fields = parsed["fields"]
        if self.parent_field == "lot":
            fields.pop("lot", None)  # a line stays in its lot
        obj = self.update_service(
            actor=request_user(request),
            version=parsed["version"],
            addendum_summary=parsed["addendum_summary"],
            **{self.instance_kwarg: obj},
            **fields,
        )
        return self._respond(obj)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        rfp = self.delete_service(
            actor=request_user(request),
            version=_version_from(request),
            addendum_summary=request.query_params.get("addendum_summary", ""),
            **{self.instance_kwarg: obj},
        )
        return Response({"rfp_version": rfp.version})


def _part_schema(noun: str, output: Any, input_: Any) -> Any:
    return extend_schema_view(
        list=extend_schema(summary=f"The RFP's {noun}s", parameters=[RFP_PK]),
        retrieve=extend_schema(summary=f"One {noun}", parameters=[RFP_PK]),
        create=extend_schema(
            summary=f"Add a {noun}", parameters=[RFP_PK], request=input_, responses={201: output}
        ),
        partial_update=extend_schema(
            summary=f"Change a {noun}", parameters=[RFP_PK], request=input_, responses=output
        ),
        destroy=extend_schema(
            summary=f"Remove a {noun}",
            parameters=[
                RFP_PK,
                OpenApiParameter("version", int, required=True),
                OpenApiParameter("addendum_summary", str, description="Once published."),
            ],
            responses={200: OpenApiTypes.OBJECT},
        ),
    )


@_part_schema("lot", s.RFPLotSerializer, s.RFPLotInputSerializer)
class LotViewSet(_PartViewSet):
    model = Lot
    serializer_class = s.RFPLotSerializer
    input_serializer = s.RFPLotInputSerializer
    instance_kwarg = "lot"
    create_service = staticmethod(services.lot_create)
    update_service = staticmethod(services.lot_update)
    delete_service = staticmethod(services.lot_delete)
    http_method_names = ["get", "post", "patch", "delete"]

    def visible_queryset(self) -> QuerySet[Lot]:
        return Lot.objects.filter(rfp=self.rfp()).prefetch_related(
            "pricing_lines", "service_levels"
        )


@_part_schema(
    "questionnaire section", s.QuestionnaireSectionSerializer, s.QuestionnaireSectionInputSerializer
)
class QuestionSectionViewSet(_PartViewSet):
    model = QuestionSection
    serializer_class = s.QuestionnaireSectionSerializer
    input_serializer = s.QuestionnaireSectionInputSerializer
    instance_kwarg = "section"
    create_service = staticmethod(services.question_section_create)
    update_service = staticmethod(services.question_section_update)
    delete_service = staticmethod(services.question_section_delete)
    http_method_names = ["get", "post", "patch", "delete"]

    def visible_queryset(self) -> QuerySet[QuestionSection]:
        return QuestionSection.objects.filter(rfp=self.rfp()).prefetch_related("questions")


@_part_schema("question", s.QuestionnaireQuestionSerializer, s.QuestionnaireQuestionInputSerializer)
class QuestionViewSet(_PartViewSet):
    model = Question
    serializer_class = s.QuestionnaireQuestionSerializer
    input_serializer = s.QuestionnaireQuestionInputSerializer
    parent_field = "section"
    instance_kwarg = "question"
    create_service = staticmethod(services.question_create)
    update_service = staticmethod(services.question_update)
    delete_service = staticmethod(services.question_delete)
    http_method_names = ["get", "post", "patch", "delete"]

    def visible_queryset(self) -> QuerySet[Question]:
        return Question.objects.filter(section__rfp=self.rfp()).select_related("section")


@_part_schema("pricing line", s.RFPPricingLineSerializer, s.RFPPricingLineInputSerializer)
class PricingLineViewSet(_PartViewSet):
    model = PricingLine
    serializer_class = s.RFPPricingLineSerializer
    input_serializer = s.RFPPricingLineInputSerializer
    parent_field = "lot"
    instance_kwarg = "line"
    create_service = staticmethod(services.pricing_line_create)
    update_service = staticmethod(services.pricing_line_update)
    delete_service = staticmethod(services.pricing_line_delete)
    http_method_names = ["get", "post", "patch", "delete"]

    def visible_queryset(self) -> QuerySet[PricingLine]:
        return PricingLine.objects.filter(lot__rfp=self.rfp()).select_related("lot__rfp")


@_part_schema("service level (KPI)", s.RFPServiceLevelSerializer, s.RFPServiceLevelInputSerializer)
class ServiceLevelViewSet(_PartViewSet):
    model = ServiceLevel
    serializer_class = s.RFPServiceLevelSerializer
    input_serializer = s.RFPServiceLevelInputSerializer
    parent_field = "lot"
    instance_kwarg = "level"
    create_service = staticmethod(services.service_level_create)
    update_service = staticmethod(services.service_level_update)
    delete_service = staticmethod(services.service_level_delete)
    http_method_names = ["get", "post", "patch", "delete"]

    def visible_queryset(self) -> QuerySet[ServiceLevel]:
        return ServiceLevel.objects.filter(lot__rfp=self.rfp()).select_related("lot__rfp")


# --- Invitations --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Invited vendors and their status (buyers)", parameters=[RFP_PK]),
    create=extend_schema(
        summary="Invite a vendor from the directory, or by e-mail",
        parameters=[RFP_PK],
        request=s.RFPInvitationInputSerializer,
        responses={201: s.RFPInvitationSerializer},
    ),
    destroy=extend_schema(summary="Withdraw an invitation not sent yet", parameters=[RFP_PK]),
)
class InvitationViewSet(mixins.ListModelMixin, _RFPChildViewSet):
    model = RFPInvitation
    serializer_class = s.RFPInvitationSerializer
    permission_classes = [IsBuyer]

    def visible_queryset(self) -> QuerySet[RFPInvitation]:
        return selectors.rfp_invitations(self.rfp())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rfp = self.rfp()
        data = s.RFPInvitationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        company = None
        if data.validated_data.get("company"):
            company = VendorCompany.objects.filter(pk=data.validated_data["company"]).first()
            if company is None:
                raise ApplicationError.for_fields({"company": "No vendor has this id."})
        invitation = services.rfp_invitation_create(
            actor=request_user(request),
            rfp=rfp,
            company=company,
            email=data.validated_data.get("email") or "",
        )
        # Inviting again answers with the invitation already there (200), not an error.
        return Response(
            s.RFPInvitationSerializer(invitation).data,
            status=status.HTTP_201_CREATED if invitation.created_now else status.HTTP_200_OK,
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.rfp_invitation_delete(actor=request_user(request), invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Q&A and addenda ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Questions and answers",
        description="Buyers: every question, with who asked. Vendors: their own questions and "
        "the published answers, anonymised.",
        parameters=[RFP_PK],
        responses=PolymorphicProxySerializer(
            component_name="Clarification",
            serializers=[s.ClarificationBuyerSerializer, s.ClarificationVendorSerializer],
            resource_type_field_name=None,
        ),
    ),
    create=extend_schema(
        summary="Vendors: ask a question (until the question deadline)",
        parameters=[RFP_PK],
        request=s.ClarificationAskInputSerializer,
        responses={201: s.ClarificationVendorSerializer},
    ),
)
class ClarificationViewSet(mixins.ListModelMixin, _RFPChildViewSet):
    model = RFPQuestion
    permission_classes = [IsBuyerOrVendor]

    def visible_queryset(self) -> QuerySet[RFPQuestion]:
        return selectors.clarifications_visible_to(self.request.user, self.rfp())

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if _is_vendor(self.request):
            return s.ClarificationVendorSerializer
        return s.ClarificationBuyerSerializer

    def get_permissions(self) -> Sequence[Any]:
        # Vendors ask, buyers answer.
        if self.action == "create":
            return [IsVendor()]
        if self.action == "answer":
            return [IsBuyer()]
        return super().get_permissions()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rfp = self.rfp()
        data = s.ClarificationAskInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.clarification_ask(
            actor=request_user(request), rfp=rfp, text=data.validated_data["text"]
        )
        return Response(
            s.ClarificationVendorSerializer(question, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Buyers: answer privately or publish to every invitee",
        parameters=[RFP_PK],
        request=s.ClarificationAnswerInputSerializer,
        responses=s.ClarificationBuyerSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, rfp: int, pk: int) -> Response:
        question = self.get_object()
        data = s.ClarificationAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.clarification_answer(
            actor=request_user(request), question=question, **data.validated_data
        )
        return Response(s.ClarificationBuyerSerializer(question).data)


@extend_schema_view(list=extend_schema(summary="Addenda, oldest first", parameters=[RFP_PK]))
class AddendumViewSet(mixins.ListModelMixin, _RFPChildViewSet):
    model = Addendum
    serializer_class = s.RFPAddendumSerializer
    permission_classes = [IsBuyerOrVendor]
    lookup_field = "number"

    def visible_queryset(self) -> QuerySet[Addendum]:
        return Addendum.objects.filter(rfp=self.rfp()).order_by("number")

    @extend_schema(
        summary="Vendors: acknowledge an addendum",
        parameters=[RFP_PK],
        request=None,
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, rfp: int, number: int) -> Response:
        addendum = self.get_object()
        acknowledgement = services.addendum_acknowledge(
            actor=request_user(request), addendum=addendum
        )
        return Response(
            {"number": addendum.number, "acknowledged_at": acknowledgement.acknowledged_at}
        )
