"""The integration door for proposals: parse, call one service, render.

Rows come from `proposals_visible_to(user)` and what each row shows from
`proposal_access(user, rfp)`: the seal and the envelopes hold here exactly
as in the pages. Another vendor's proposal, or another organization's,
answers 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from bpo_portal.api import ScopedViewSet
from bpo_portal.api_fields import UpdatedAfterFilter
from bpo_portal.errors import NotFoundError, PermissionDeniedError
from bpo_portal.parsers import MultiPartParser
from bpo_portal.permissions import IsBuyer, IsBuyerOrVendor, IsVendor, buyer_membership
from bpo_portal.uploads import serve_private_file
from bpo_portal.web import request_user
from proposals import selectors, services
from proposals.api import serializers as s
from proposals.content import read_content
from proposals.filters import ProposalFilter
from proposals.models import EnvelopeOpening, Proposal, ProposalAttachment
from rfp.models import RFP, Lot, PricingLine
from rfp.selectors import rfps_visible_to

LOT_PK = OpenApiParameter("lot", OpenApiTypes.INT, OpenApiParameter.PATH, description="Lot id")


def _costs(proposal: Proposal, access: selectors.ProposalAccess) -> dict[int, Any] | None:
    """The TCO per lot of the submitted version, if the user may see prices.
    Reads the RFP's prefetched lots and pricing lines."""
    version = proposal.submitted_version
    if not (access.is_buyer and access.commercial_visible and proposal.counts and version):
        return None
    content = read_content(version.content, commercial_open=True)
    costs = {}
    for lot in proposal.rfp.lots.all():
        cost = selectors.lot_cost(lot, content)
        if cost is not None:
            costs[lot.pk] = cost
    return costs


@extend_schema_view(
    list=extend_schema(
        summary="Proposals you can see",
        description="Vendors: their own proposals. Buyers: their organization's submitted or "
        "withdrawn proposals: before the deadline only the vendor, the status and the time; "
        "after it the compliance, and the TCO once the commercial envelope is open.",
        responses=s.ProposalSerializer(many=True),
    ),
    retrieve=extend_schema(
        summary="A proposal",
        description="Vendors: the working copy (`draft`) with each part's version. Buyers, "
        "after the deadline: the submitted version (`content`), prices only once the "
        "commercial envelope is open.",
        responses=s.ProposalDetailSerializer,
    ),
)
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Proposal
    permission_classes = [IsBuyerOrVendor]
    filter_backends = [DjangoFilterBackend, UpdatedAfterFilter]
    filterset_class = ProposalFilter
    # Refused here: a proposal's time of change would tell the buyer, before the
    # deadline, that a vendor is still editing (the seal).
    updated_field = None
    serializer_class = s.ProposalSerializer

    def visible_queryset(self) -> QuerySet[Proposal]:
        return (
            selectors.proposals_visible_to(self.request.user)
            .select_related(
                "rfp",
                "rfp__organization",
                "company",
                "submitted_version",
                "compliance_overridden_by",
            )
            .prefetch_related(
                Prefetch(
                    "rfp__envelope_openings",
                    queryset=EnvelopeOpening.objects.select_related("opened_by"),
                ),
                Prefetch(
                    "rfp__lots",
                    queryset=Lot.objects.prefetch_related(
                        Prefetch(
                            "pricing_lines", queryset=PricingLine.objects.order_by("order", "id")
                        )
                    ),
                ),
            )
            .order_by("rfp_id", "company__legal_name", "id")
        )

    def get_permissions(self) -> Sequence[Any]:
        # Only a vendor starts a proposal: a buyer gets 403 whatever it sent.
        if self.action == "create":
            return [IsVendor()]
        return super().get_permissions()

    def _access(self, rfp: RFP, cache: dict[int, selectors.ProposalAccess]) -> Any:
        if rfp.pk not in cache:
            cache[rfp.pk] = selectors.proposal_access(self.request.user, rfp)
        return cache[rfp.pk]

    def _open_due(self, rows: list[Proposal]) -> bool:
        """As in the pages: the first look after a deadline records the opening."""
        opened = False
        if buyer_membership(self.request.user) is not None:
            for rfp in {proposal.rfp_id: proposal.rfp for proposal in rows}.values():
                opened |= services.technical_envelope_open_if_due(rfp=rfp)
        return opened

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        if self._open_due(rows):
            ids = [proposal.pk for proposal in rows]
            by_id = {p.pk: p for p in self.get_queryset().filter(pk__in=ids)}
            rows = [by_id[pk] for pk in ids]
        cache: dict[int, selectors.ProposalAccess] = {}
        data = []
        for proposal in rows:
            access = self._access(proposal.rfp, cache)
            data.append(s.proposal_data(proposal, access, costs=_costs(proposal, access)))
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _proposal(self) -> Proposal:
        proposal = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if self._open_due([proposal]):
            proposal = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return proposal

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._detail(self._proposal(), read=True))

    def _detail(self, proposal: Proposal, *, read: bool = False) -> dict[str, Any]:
        access = selectors.proposal_access(self.request.user, proposal.rfp)
        if read:
            services.proposal_read_record(
                reader=request_user(self.request), proposal=proposal, access=access
            )
        data = s.proposal_data(proposal, access, detail=True, costs=_costs(proposal, access))
        if access.is_vendor:
            data["draft"] = s.draft_data(selectors.proposal_working_copy(proposal.pk))
        return data

    def _vendor_proposal(self) -> Proposal:
        proposal = self._proposal()
        if not selectors.proposal_access(self.request.user, proposal.rfp).is_vendor:
            raise PermissionDeniedError("Only the vendor can change its proposal.")
        return proposal

    def _fresh(self, proposal: Proposal) -> Response:
        return Response(self._detail(self.get_queryset().get(pk=proposal.pk)))

    @extend_schema(
        summary="Start (or get) your company's draft for an RFP",
        request=s.ProposalCreateSerializer,
        responses={201: s.ProposalDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        data = s.ProposalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rfp = RFP.objects.filter(pk=data.validated_data["rfp"], is_template=False).first()
        if rfp is None:
            raise NotFoundError(services.NOT_OPEN_TO_YOU)
        proposal = services.proposal_start(actor=request_user(request), rfp=rfp)
        response = self._fresh(proposal)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Change the currency or the lots you bid on",
        request=s.SettingsUpdateSerializer,
        responses=s.ProposalDetailSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        proposal = self._vendor_proposal()
        data = s.SettingsUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_settings_update(
            actor=request_user(request),
            proposal=proposal,
            version=data.validated_data["version"],
            currency=data.validated_data.get("currency"),
            lot_ids=data.validated_data.get("lots"),
        )
        return self._fresh(proposal)

    @extend_schema(
        summary="Answer questions (only those given)",
        request=s.AnswersSerializer,
        responses=s.ProposalDetailSerializer,
    )
    @action(detail=True, methods=["put"])
    def answers(self, request: Request, pk: int) -> Response:
        proposal = self._vendor_proposal()
        data = s.AnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_answers_save(
            actor=request_user(request),
            proposal=proposal,
            version=data.validated_data["version"],
            answers={a["question"]: a["value"] for a in data.validated_data["answers"]},
        )
        return self._fresh(proposal)

    @extend_schema(
        summary="Price a lot's pricing lines",
        request=s.PricesSerializer,
        responses=s.ProposalDetailSerializer,
        parameters=[LOT_PK],
    )
    @action(detail=True, methods=["put"], url_path=r"lots/(?P<lot>\d+)/prices")
    def prices(self, request: Request, pk: int, lot: int) -> Response:
        proposal = self._vendor_proposal()
        data = s.PricesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = data.validated_data["prices"]
        services.proposal_prices_save(
            actor=request_user(request),
            proposal=proposal,
            lot=int(lot),
            version=data.validated_data["version"],
            prices={row["pricing_line"]: row["unit_price"] for row in rows},
            comments={row["pricing_line"]: row["comment"] for row in rows if "comment" in row},
        )
        return self._fresh(proposal)

    @extend_schema(
        summary="Commit to a lot's service levels, or propose other values",
        request=s.CommitmentsSerializer,
        responses=s.ProposalDetailSerializer,
        parameters=[LOT_PK],
    )
    @action(detail=True, methods=["put"], url_path=r"lots/(?P<lot>\d+)/service-levels")
    def service_levels(self, request: Request, pk: int, lot: int) -> Response:
        proposal = self._vendor_proposal()
        data = s.CommitmentsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_slas_save(
            actor=request_user(request),
            proposal=proposal,
            lot=int(lot),
            version=data.validated_data["version"],
            commitments={
                row["service_level"]: services.CommitmentInput(
                    accepts_target=row["accepts_target"],
                    proposed_value=row.get("proposed_value"),
                    comment=row.get("comment") or "",
                )
                for row in data.validated_data["commitments"]
            },
        )
        return self._fresh(proposal)

    @extend_schema(
        summary="Set the delivery centres of a lot and their shares",
        request=s.CentresSerializer,
        responses=s.ProposalDetailSerializer,
        parameters=[LOT_PK],
    )
    @action(detail=True, methods=["put"], url_path=r"lots/(?P<lot>\d+)/centres")
    def centres(self, request: Request, pk: int, lot: int) -> Response:
        proposal = self._vendor_proposal()
        data = s.CentresSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_centres_save(
            actor=request_user(request),
            proposal=proposal,
            lot=int(lot),
            version=data.validated_data["version"],
            shares={row["delivery_centre"]: row["share"] for row in data.validated_data["centres"]},
        )
        return self._fresh(proposal)

    @extend_schema(
        summary="Set a lot's staffing and transition plan",
        request=s.StaffingSerializer,
        responses=s.ProposalDetailSerializer,
        parameters=[LOT_PK],
    )
    @action(detail=True, methods=["put"], url_path=r"lots/(?P<lot>\d+)/staffing")
    def staffing(self, request: Request, pk: int, lot: int) -> Response:
        proposal = self._vendor_proposal()
        data = s.StaffingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_staffing_save(
            actor=request_user(request),
            proposal=proposal,
            lot=int(lot),
            version=data.validated_data["version"],
            headcount=data.validated_data["headcount"],
            transition_plan=data.validated_data.get("transition_plan", ""),
        )
        return self._fresh(proposal)

    @extend_schema(
        summary="Add a supporting document (multipart)",
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.ProposalDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="attachments", parser_classes=[MultiPartParser])
    def attachments(self, request: Request, pk: int) -> Response:
        proposal = self._vendor_proposal()
        data = s.AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_attachment_add(
            actor=request_user(request),
            proposal=proposal,
            upload=data.validated_data["file"],
            description=data.validated_data.get("description", ""),
            envelope=data.validated_data.get("envelope", "technical"),
        )
        response = self._fresh(proposal)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        methods=["GET"],
        summary="Download an attachment",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @extend_schema(
        methods=["DELETE"], summary="Remove an attachment from the draft", responses={204: None}
    )
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"attachments/(?P<attachment>\d+)",
    )
    def attachment(self, request: Request, pk: int, attachment: int) -> Any:
        proposal = self._proposal()
        found = get_object_or_404(ProposalAttachment, pk=attachment, proposal=proposal)
        found.proposal = proposal
        if request.method == "DELETE":
            if not selectors.proposal_access(request.user, proposal.rfp).is_vendor:
                raise PermissionDeniedError("Only the vendor can change its proposal.")
            services.proposal_attachment_remove(actor=request_user(request), attachment=found)
            return Response(status=status.HTTP_204_NO_CONTENT)
        services.proposal_attachment_download(user=request_user(request), attachment=found)
        return serve_private_file(
            request, found.file, filename=found.name, content_type=found.content_type
        )

    @extend_schema(
        summary="Submit: validates everything and returns the receipt",
        request=None,
        responses={201: s.ReceiptSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsVendor])
    def submit(self, request: Request, pk: int) -> Response:
        proposal = self._vendor_proposal()
        version = services.proposal_submit(actor=request_user(request), proposal=proposal)
        return Response(s.receipt_data(version, counts=True), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw a submitted proposal (until the deadline)",
        request=s.WithdrawSerializer,
        responses=s.ProposalDetailSerializer,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsVendor])
    def withdraw(self, request: Request, pk: int) -> Response:
        proposal = self._vendor_proposal()
        data = s.WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_withdraw(
            actor=request_user(request),
            proposal=proposal,
            reason=data.validated_data.get("reason", ""),
        )
        return self._fresh(proposal)

    @extend_schema(
        summary="Your submitted versions and their receipts",
        request=None,
        responses=s.ReceiptSerializer(many=True),
    )
    @action(detail=True, methods=["get"], permission_classes=[IsVendor], pagination_class=None)
    def versions(self, request: Request, pk: int) -> Response:
        proposal = self._vendor_proposal()
        return Response(
            [
                s.receipt_data(
                    version, counts=proposal.counts and proposal.submitted_version_id == version.pk
                )
                for version in selectors.proposal_versions(proposal)
            ]
        )

    @extend_schema(
        summary="Override the compliance result, with a justification (buyers)",
        request=s.ComplianceOverrideSerializer,
        responses=s.ProposalDetailSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="compliance-override",
        permission_classes=[IsBuyer],
    )
    def compliance_override(self, request: Request, pk: int) -> Response:
        proposal = self._proposal()
        data = s.ComplianceOverrideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_compliance_override(
            actor=request_user(request),
            proposal=proposal,
            status=data.validated_data["status"],
            justification=data.validated_data["justification"],
        )
        return self._fresh(proposal)


class EnvelopeSerializer(s.serializers.Serializer):  # type: ignore[type-arg,name-defined]
    rfp = s.serializers.IntegerField()
    two_envelopes = s.serializers.BooleanField()
    deadline = s.serializers.DateTimeField(allow_null=True)
    technical_open = s.serializers.BooleanField()
    technical_opened_at = s.serializers.DateTimeField(allow_null=True)
    commercial_open = s.serializers.BooleanField()
    commercial_opened_at = s.serializers.DateTimeField(allow_null=True)
    commercial_opened_by = s.serializers.CharField()


def _envelope_data(rfp: RFP, envelopes: selectors.Envelopes) -> dict[str, Any]:
    return {
        "rfp": rfp.pk,
        "two_envelopes": envelopes.two_envelopes,
        "deadline": envelopes.deadline,
        "technical_open": envelopes.technical_open,
        "technical_opened_at": envelopes.technical_opened_at,
        "commercial_open": envelopes.commercial_open,
        "commercial_opened_at": envelopes.commercial_opened_at,
        "commercial_opened_by": envelopes.commercial_opened_by,
    }


@extend_schema_view(
    retrieve=extend_schema(
        summary="Which envelopes of an RFP's proposals are open", responses=EnvelopeSerializer
    )
)
class EnvelopeViewSet(ScopedViewSet):
    """The envelopes of an RFP's proposals (buyers). The id is the RFP's."""

    model = RFP
    permission_classes = [IsBuyer]
    serializer_class = EnvelopeSerializer

    def visible_queryset(self) -> QuerySet[RFP]:
        return rfps_visible_to(self.request.user).prefetch_related("envelope_openings__opened_by")

    def _rfp(self) -> RFP:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def retrieve(self, request: Request, pk: int) -> Response:
        rfp = self._rfp()
        return Response(_envelope_data(rfp, selectors.envelope_state(rfp)))

    @extend_schema(
        summary="Open the commercial envelope: the technical evaluation is finalised",
        description="Two-envelope RFPs only. Refused with 409 until the technical evaluation "
        "is final (every technical item has a submitted or consensus score, every item flagged "
        "for discussion a consensus score): `extra.reasons` lists what is missing.",
        request=s.CommercialOpenSerializer,
        responses=EnvelopeSerializer,
    )
    @action(detail=True, methods=["post"], url_path="open-commercial")
    def open_commercial(self, request: Request, pk: int) -> Response:
        rfp = self._rfp()
        data = s.CommercialOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.commercial_envelope_open(
            actor=request_user(request), rfp=rfp, comment=data.validated_data.get("comment", "")
        )
        rfp = self._rfp()
        return Response(_envelope_data(rfp, selectors.envelope_state(rfp)))

    @extend_schema(
        summary="Check the compliance of every proposal again",
        request=None,
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"], url_path="check-compliance")
    def check_compliance(self, request: Request, pk: int) -> Response:
        rfp = self._rfp()
        count = services.proposals_compliance_check(rfp=rfp, actor=request_user(request))
        return Response({"checked": count})
