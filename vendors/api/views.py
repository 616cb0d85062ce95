"""The integration door for vendors: profiles, delivery centres, certifications,
references, the directory search and each buyer's qualification."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from bpo_portal.api import ScopedViewSet
from bpo_portal.api_fields import UpdatedAfterFilter
from bpo_portal.errors import NotFoundError
from bpo_portal.pagination import PageNumberPagination
from bpo_portal.parsers import JSONParser, MultiPartParser
from bpo_portal.permissions import (
    Capability,
    IsBuyer,
    IsBuyerOrVendor,
    buyer_membership,
    require_buyer,
    require_vendor,
    vendor_membership,
)
from vendors import selectors, services
from vendors.api.serializers import (
    CertificationSerializer,
    CertificationWriteSerializer,
    DeliveryCentreSerializer,
    DeliveryCentreWriteSerializer,
    QualificationInputSerializer,
    QualificationSerializer,
    ReferenceSerializer,
    VendorListSerializer,
    VendorProfileSerializer,
    VendorProfileUpdateSerializer,
)
from vendors.filters import VendorFilter
from vendors.models import Certification, ClientReference, DeliveryCentre, VendorCompany


def _classifier(request: Request) -> Callable[[str], str] | None:
    membership = buyer_membership(request.user)
    if membership is None:
        return None
    organization = membership.organization
    overrides = selectors.location_overrides_for(organization=organization)
    return lambda country: (
        selectors.location_model_for(
            organization=organization, country=country, overrides=overrides
        ).value
    )


class VendorPagination(PageNumberPagination):
    """The directory's pages: `count` is exact up to 1,000 vendors (`count_exact` says
    whether it is); beyond, 1,000, or the table's estimate for the unfiltered list.
    The pages reach the first 1,000 (vendors.selectors.vendor_count)."""

    django_paginator_class = selectors.VendorPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        counted = self.page.paginator.vendor_count  # type: ignore[union-attr]
        response.data["count"] = counted.value
        response.data["count_exact"] = counted.exact
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_exact"] = {
            "type": "boolean",
            "description": "False when `count` is not exact: more than 1,000 vendors match.",
        }
        paginated["required"] = [*paginated.get("required", []), "count_exact"]
        return paginated


class VendorViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """The vendor directory (buyers) and vendor profiles.

    Buyers search every vendor with the same filters as the directory page and
    read any profile, with their own private qualification. A vendor's users
    see and edit only their own company.
    """

    model = VendorCompany
    permission_classes = [IsBuyerOrVendor]
    filter_backends = [DjangoFilterBackend, UpdatedAfterFilter]
    filterset_class = VendorFilter
    pagination_class = VendorPagination
    http_method_names = ["get", "patch", "put", "head", "options"]

    def visible_queryset(self) -> QuerySet[VendorCompany]:
        queryset = selectors.companies_visible_to(user=self.request.user)
        membership = buyer_membership(self.request.user)
        if self.action == "list" and membership is not None:
            return selectors.directory_queryset(queryset, organization=membership.organization)
        return queryset.prefetch_related(*selectors.PROFILE_PREFETCH)

    def get_serializer_class(self) -> Any:
        return VendorListSerializer if self.action == "list" else VendorProfileSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        context["classify"] = _classifier(self.request)
        context["viewer"] = "buyer" if buyer_membership(self.request.user) else "vendor"
        return context

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        company = self.get_object()
        context = self.get_serializer_context()
        membership = buyer_membership(request.user)
        if membership is not None:
            context["qualification"] = selectors.qualification_for(
                organization=membership.organization, company=company
            )
        return Response(VendorProfileSerializer(company, context=context).data)

    @extend_schema(request=VendorProfileUpdateSerializer, responses=VendorProfileSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        company = self.get_object()
        require_vendor(request.user, Capability.EDIT_VENDOR_PROFILE, company)
        data = VendorProfileUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.vendor_profile_update(actor=request.user, company=company, **data.validated_data)  # type: ignore[arg-type]
        company = selectors.vendor_profile(company_id=company.pk)
        return Response(
            VendorProfileSerializer(company, context=self.get_serializer_context()).data
        )

    @extend_schema(request=VendorProfileUpdateSerializer, responses=VendorProfileSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        methods=["GET"],
        responses=QualificationSerializer,
        summary="Your organization's qualification",
    )
    @extend_schema(
        methods=["PUT"],
        request=QualificationInputSerializer,
        responses=QualificationSerializer,
        summary="Set your organization's status, risk rating, notes and tags",
    )
    @action(detail=True, methods=["get", "put"], permission_classes=[IsBuyer])
    def qualification(self, request: Request, pk: str | None = None) -> Response:
        company = self.get_object()
        membership = require_buyer(request.user, Capability.VIEW_ORGANIZATION)
        if request.method == "PUT":
            data = QualificationInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            qualification = services.qualification_update(
                actor=request.user,  # type: ignore[arg-type]
                company=company,
                **data.validated_data,
            )
        else:
            qualification = selectors.qualification_for(
                organization=membership.organization, company=company
            )
            if qualification is None:
                return Response(
                    {
                        "status": "new",
                        "risk_rating": "",
                        "notes": "",
                        "tags": [],
                        "updated_at": None,
                    }
                )
        return Response(QualificationSerializer(qualification).data)


class _CompanyChildViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Rows of one vendor's profile under /vendors/{vendor}/...: buyers and
    the vendor's users read; only the vendor's users write."""

    permission_classes = [IsBuyerOrVendor]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    write_serializer: Any
    read_serializer: Any

    def company(self) -> VendorCompany:
        company_id = int(self.kwargs["vendor"])
        visible = (
            selectors.companies_visible_to(user=self.request.user).filter(pk=company_id).first()
        )
        if visible is None:
            raise NotFoundError("Vendor not found.")
        return visible

    def writable_company(self) -> VendorCompany:
        company = self.company()
        own = vendor_membership(self.request.user)
        if own is None or own.company_id != company.pk:
            require_vendor(self.request.user, Capability.EDIT_VENDOR_PROFILE, company)
        return company

    def get_serializer_class(self) -> Any:
        return self.read_serializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["classify"] = _classifier(self.request)
            context["viewer"] = "buyer" if buyer_membership(self.request.user) else "vendor"
        return context

    def save(self, company: VendorCompany, instance: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        company = self.writable_company()
        data = self.write_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        instance = self.save(company, None, dict(data.validated_data))
        return Response(
            self.read_serializer(instance, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        company = self.writable_company()
        instance = self.get_object()
        data = self.write_serializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        instance = self.save(company, instance, dict(data.validated_data))
        return Response(self.read_serializer(instance, context=self.get_serializer_context()).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)


@extend_schema(request=DeliveryCentreWriteSerializer, responses=DeliveryCentreSerializer)
class DeliveryCentreViewSet(_CompanyChildViewSet):
    model = DeliveryCentre
    read_serializer = DeliveryCentreSerializer
    write_serializer = DeliveryCentreWriteSerializer

    def visible_queryset(self) -> QuerySet[DeliveryCentre]:
        return DeliveryCentre.objects.filter(company=self.company()).prefetch_related("languages")

    def save(self, company: VendorCompany, instance: Any, data: dict[str, Any]) -> Any:
        return services.delivery_centre_save(
            actor=self.request.user, company=company, centre=instance, **data
        )  # type: ignore[arg-type]

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.writable_company()
        services.delivery_centre_delete(actor=request.user, centre=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    # A certificate comes with its evidence file: documented as multipart (JSON, without
    # the file, is accepted too).
    request={"multipart/form-data": CertificationWriteSerializer},
    responses=CertificationSerializer,
)
class CertificationViewSet(_CompanyChildViewSet):
    model = Certification
    read_serializer = CertificationSerializer
    write_serializer = CertificationWriteSerializer
    parser_classes = [MultiPartParser, JSONParser]

    def visible_queryset(self) -> QuerySet[Certification]:
        return Certification.objects.filter(company=self.company()).select_related(
            "certification_type"
        )

    def save(self, company: VendorCompany, instance: Any, data: dict[str, Any]) -> Any:
        evidence = data.pop("evidence", None)
        return services.certification_save(
            actor=self.request.user,  # type: ignore[arg-type]
            company=company,
            certification=instance,
            evidence=evidence,
            **data,
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.writable_company()
        services.certification_delete(actor=request.user, certification=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=ReferenceSerializer, responses=ReferenceSerializer)
class ReferenceViewSet(_CompanyChildViewSet):
    model = ClientReference
    read_serializer = ReferenceSerializer
    write_serializer = ReferenceSerializer

    def visible_queryset(self) -> QuerySet[ClientReference]:
        return ClientReference.objects.filter(company=self.company()).select_related(
            "industry", "service_function"
        )

    def save(self, company: VendorCompany, instance: Any, data: dict[str, Any]) -> Any:
        return services.reference_save(
            actor=self.request.user, company=company, reference=instance, **data
        )  # type: ignore[arg-type]

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.writable_company()
        services.reference_delete(actor=request.user, reference=self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
