"""Build vendor profiles through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from vendors import services
from vendors.models import (
    CertificationType,
    Industry,
    Language,
    SecurityControl,
    ServiceFunction,
    Technology,
    VendorCompany,
)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def pdf_upload(name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def add_centre(
    user: User,
    company: VendorCompany,
    country: str,
    city: str = "City",
    seats: int = 100,
    **extra: Any,
) -> Any:
    languages = extra.pop("languages", ["en"])
    if extra.pop("is_24_7", False):
        extra["is_24_7"] = True
    else:
        extra.setdefault("opens_at", dt.time(9))
        extra.setdefault("closes_at", dt.time(18))
    return services.delivery_centre_save(
        actor=user,
        company=company,
        country=country,
        city=city,
        seats=seats,
        languages=list(Language.objects.filter(code__in=languages)),
        **extra,
    )


def complete_profile(user: User, company: VendorCompany, country: str = "PH") -> VendorCompany:
    """Everything the completeness checklist asks for."""
    services.vendor_profile_update(
        actor=user,
        company=company,
        trading_name=company.legal_name.split()[0] + " CX",
        website=f"https://{company.pk}-vendor.example",
        headquarters_city="Makati",
        year_founded=2010,
        employee_band="1000-4999",
        revenue_band="10-50m",
        description="We run omnichannel customer support for healthcare and retail brands. " * 3,
        security_notes="Segregated networks, DLP, annual audits.",
        service_functions=list(ServiceFunction.objects.filter(slug__startswith="customer-support")),
        industries=list(Industry.objects.filter(slug="healthcare")),
        technologies=list(Technology.objects.filter(name__in=["Zendesk", "Salesforce"])),
        security_controls=list(SecurityControl.objects.all()[:3]),
    )
    add_centre(user, company, country, "Makati", 500, languages=["en", "tl"], is_24_7=True)
    services.certification_save(
        actor=user,
        company=company,
        certification_type=CertificationType.objects.get(slug="iso-iec-27001"),
        issued_on=timezone.localdate() - dt.timedelta(days=300),
        expires_on=timezone.localdate() + dt.timedelta(days=400),
        evidence=pdf_upload(),
    )
    services.reference_save(
        actor=user, company=company, client_name="Acme Health", years=4, may_contact=False
    )
    company.refresh_from_db()
    return company
