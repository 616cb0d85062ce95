# ruff: noqa: E501  (a table of demo data reads better on long lines)
"""Fifteen demo vendors with realistic BPO profiles, created through the real
services. Idempotent: an existing company (same legal name) is left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.demo import DemoLogin, ensure_user
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
    VendorQualification,
)

# A one-page PDF: enough for the demo's evidence downloads.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

SUPPORT = ["customer-support-by-phone", "customer-support-by-chat", "customer-support-by-e-mail"]
SECURITY_NOTES = (
    "Client data stays in segregated production networks; agents work on locked-down thin "
    "clients with USB and printing disabled. Annual external audits; a 24-hour breach "
    "notification commitment; data retention follows each client's policy."
)

# (legal name, trading name, HQ country, city, website, owner e-mail, owner name,
#  year, employees, revenue, description, functions, industries, technologies,
#  centres [(country, city, seats, languages, hours or "24/7", mode)],
#  certifications [(slug, years ago issued, years until expiry or None)],
#  references [(client, industry, function, years, may contact)])
VENDORS: list[dict[str, Any]] = [
    {
        "legal": "Manila Bay Contact Solutions Inc.",
        "trading": "Manila Bay CX",
        "country": "PH",
        "city": "Makati",
        "web": "https://manilabay-cs.example",
        "email": "owner@manilabay.example",
        "owner": "Maria Santos",
        "year": 2009,
        "employees": "5000-9999",
        "revenue": "50-250m",
        "about": "Omnichannel customer experience for US healthcare and e-commerce brands, with night "
        "shifts aligned to US time zones and a dedicated HIPAA-trained patient-support practice.",
        "functions": [
            *SUPPORT,
            "customer-support-on-social-media",
            "technical-support",
            "medical-billing-and-coding",
        ],
        "industries": ["healthcare", "retail-and-e-commerce", "telecommunications"],
        "tech": ["Salesforce", "Zendesk", "Genesys Cloud", "Speech analytics", "AWS"],
        "centres": [
            ("PH", "Makati", 1800, ["en", "tl"], "24/7", "offsite"),
            ("PH", "Cebu City", 900, ["en", "tl"], ("21:00", "06:00"), "offsite"),
        ],
        "certs": [
            ("iso-iec-27001", 2, 1),
            ("hipaa", 1, None),
            ("pci-dss", 1, 0.05),
            ("copc", 3, -0.2),
        ],
        "refs": [
            ("Northstar Pharmacy", "healthcare", "customer-support-by-phone", 6, True),
            ("ShopWave", "retail-and-e-commerce", "customer-support-by-chat", 4, False),
        ],
    },
    {
        "legal": "Bangalore Process Partners Pvt Ltd",
        "trading": "BPP",
        "country": "IN",
        "city": "Bengaluru",
        "web": "https://bpp.example",
        "email": "owner@bpp.example",
        "owner": "Arjun Rao",
        "year": 2004,
        "employees": "10000+",
        "revenue": "250m-1b",
        "about": "Finance and accounting, IT help desk and healthcare revenue-cycle services for "
        "mid-market and enterprise clients, with strong automation and analytics practices.",
        "functions": [
            "bookkeeping-and-accounting",
            "accounts-payable",
            "accounts-receivable",
            "it-help-desk",
            "application-support",
            "medical-billing-and-coding",
            "data-analytics",
        ],
        "industries": [
            "banking-and-financial-services",
            "healthcare",
            "software-and-saas",
            "insurance",
        ],
        "tech": ["SAP", "ServiceNow", "UiPath", "Power BI", "Microsoft Azure"],
        "centres": [
            ("IN", "Bengaluru", 4200, ["en", "hi", "kn"], "24/7", "offsite"),
            ("IN", "Pune", 2500, ["en", "hi", "mr"], ("09:00", "18:00"), "offsite"),
        ],
        "certs": [
            ("iso-iec-27001", 3, 2),
            ("iso-9001", 3, 2),
            ("soc-2-type-ii", 1, 1),
            ("hipaa", 2, None),
        ],
        "refs": [("Meridian Bank", "banking-and-financial-services", "accounts-payable", 8, True)],
    },
    {
        "legal": "Monterrey Nearshore Services S.A. de C.V.",
        "trading": "MNS",
        "country": "MX",
        "city": "Monterrey",
        "web": "https://mns.example",
        "email": "owner@mns.example",
        "owner": "Lucía Hernández",
        "year": 2012,
        "employees": "1000-4999",
        "revenue": "50-250m",
        "about": "Bilingual English–Spanish customer support, collections and technical support from "
        "northern Mexico, in US Central time, for telecom, fintech and utilities clients.",
        "functions": [*SUPPORT, "technical-support", "collections", "sales-and-telemarketing"],
        "industries": [
            "telecommunications",
            "banking-and-financial-services",
            "energy-and-utilities",
        ],
        "tech": ["Five9", "Salesforce", "Zendesk", "Verint WFM"],
        "centres": [
            ("MX", "Monterrey", 1200, ["es", "en"], ("07:00", "22:00"), "offsite"),
            ("MX", "Guadalajara", 600, ["es", "en"], ("08:00", "20:00"), "offsite"),
        ],
        "certs": [("pci-dss", 1, 1), ("iso-iec-27001", 2, 1), ("copc", 1, 2)],
        "refs": [("Telco Norte", "telecommunications", "technical-support", 5, True)],
    },
    {
        "legal": "Andes Customer Care S.A.S.",
        "trading": "Andes CX",
        "country": "CO",
        "city": "Medellín",
        "web": "https://andescx.example",
        "email": "owner@andescx.example",
        "owner": "Camilo Restrepo",
        "year": 2014,
        "employees": "1000-4999",
        "revenue": "10-50m",
        "about": "Nearshore bilingual contact centre in Medellín and Bogotá specialised in travel, "
        "hospitality and e-commerce, with strong CSAT scores and social-media care.",
        "functions": [*SUPPORT, "customer-support-on-social-media", "content-moderation"],
        "industries": [
            "travel-and-transportation",
            "food-service-and-hospitality",
            "retail-and-e-commerce",
        ],
        "tech": ["Talkdesk", "Freshdesk", "HubSpot", "Google Cloud"],
        "centres": [
            ("CO", "Medellín", 900, ["es", "en", "pt"], ("06:00", "23:00"), "offsite"),
            ("CO", "Bogotá", 500, ["es", "en"], "24/7", "offsite"),
        ],
        "certs": [("pci-dss", 1, 1), ("iso-9001", 2, 1)],
        "refs": [
            ("SkyHop Airlines", "travel-and-transportation", "customer-support-by-phone", 4, True)
        ],
    },
    {
        "legal": "Quetzal Outsourcing S.A.",
        "trading": "Quetzal BPO",
        "country": "GT",
        "city": "Guatemala City",
        "web": "https://quetzalbpo.example",
        "email": "owner@quetzalbpo.example",
        "owner": "Andrea Morales",
        "year": 2016,
        "employees": "250-999",
        "revenue": "10-50m",
        "about": "Spanish and English sales, lead generation and customer support for US small and "
        "mid-sized businesses, one hour from Central time.",
        "functions": ["sales-and-telemarketing", "lead-generation", *SUPPORT],
        "industries": ["real-estate", "insurance", "retail-and-e-commerce"],
        "tech": ["HubSpot", "Five9", "Zoho CRM"],
        "centres": [("GT", "Guatemala City", 450, ["es", "en"], ("07:00", "19:00"), "offsite")],
        "certs": [("iso-9001", 1, 2)],
        "refs": [("Sunbelt Realty", "real-estate", "lead-generation", 3, True)],
    },
    {
        "legal": "Maple Leaf Business Services Ltd.",
        "trading": "Maple Leaf BPO",
        "country": "CA",
        "city": "Halifax",
        "web": "https://mapleleafbpo.example",
        "email": "owner@mapleleafbpo.example",
        "owner": "Liam Fraser",
        "year": 2001,
        "employees": "1000-4999",
        "revenue": "50-250m",
        "about": "Bilingual English–French customer and technical support from Atlantic Canada, "
        "for regulated industries needing data to stay in North America.",
        "functions": [*SUPPORT, "technical-support", "claims-processing"],
        "industries": [
            "insurance",
            "healthcare",
            "public-sector",
            "banking-and-financial-services",
        ],
        "tech": ["Genesys Cloud", "ServiceNow", "Microsoft Dynamics 365", "Microsoft Azure"],
        "centres": [
            ("CA", "Halifax", 700, ["en", "fr"], ("08:00", "20:00"), "offsite"),
            ("CA", "Moncton", 400, ["en", "fr"], ("08:00", "20:00"), "onsite"),
        ],
        "certs": [("iso-iec-27001", 2, 1), ("soc-2-type-ii", 1, 1), ("pci-dss", 2, 0.5)],
        "refs": [("Atlantic Mutual", "insurance", "claims-processing", 9, True)],
    },
    {
        "legal": "Heartland Claims & Billing LLC",
        "trading": "Heartland",
        "country": "US",
        "city": "Omaha",
        "web": "https://heartlandcb.example",
        "email": "owner@heartlandcb.example",
        "owner": "Grace Miller",
        "year": 1998,
        "employees": "250-999",
        "revenue": "10-50m",
        "about": "Onshore medical billing and coding, claims processing and payer customer service "
        "for US hospitals and insurers, with certified coders and HITRUST controls.",
        "functions": [
            "medical-billing-and-coding",
            "claims-processing",
            "customer-support-by-phone",
        ],
        "industries": ["healthcare", "insurance"],
        "tech": ["Salesforce", "Amazon Connect", "Tableau"],
        "centres": [("US", "Omaha", 350, ["en", "es"], ("08:00", "18:00"), "offsite")],
        "certs": [("hitrust", 1, 1), ("hipaa", 2, None), ("soc-2-type-ii", 1, 1)],
        "refs": [("Prairie Health System", "healthcare", "medical-billing-and-coding", 11, True)],
    },
    {
        "legal": "Vistula Shared Services sp. z o.o.",
        "trading": "Vistula",
        "country": "PL",
        "city": "Kraków",
        "web": "https://vistula-ss.example",
        "email": "owner@vistula-ss.example",
        "owner": "Katarzyna Nowak",
        "year": 2008,
        "employees": "1000-4999",
        "revenue": "50-250m",
        "about": "Multilingual finance, HR and IT shared services for European companies from Kraków "
        "and Wrocław, covering 14 languages and GDPR-native processes.",
        "functions": [
            "accounts-payable",
            "accounts-receivable",
            "payroll",
            "hr-administration",
            "it-help-desk",
            "shared-services-operation",
        ],
        "industries": ["manufacturing", "logistics", "retail-and-e-commerce", "software-and-saas"],
        "tech": ["SAP", "Workday", "ServiceNow", "UiPath"],
        "centres": [
            (
                "PL",
                "Kraków",
                1500,
                ["pl", "en", "de", "fr", "it", "es"],
                ("08:00", "18:00"),
                "offsite",
            ),
            ("PL", "Wrocław", 800, ["pl", "en", "de", "nl"], ("08:00", "18:00"), "offsite"),
        ],
        "certs": [("iso-iec-27001", 2, 1), ("gdpr", 1, None), ("iso-22301", 1, 2)],
        "refs": [("Rheinwerk AG", "manufacturing", "accounts-payable", 7, True)],
    },
    {
        "legal": "Cape Coast Contact Centres (Pty) Ltd",
        "trading": "Cape Coast CX",
        "country": "ZA",
        "city": "Cape Town",
        "web": "https://capecoastcx.example",
        "email": "owner@capecoastcx.example",
        "owner": "Thabo Nkosi",
        "year": 2011,
        "employees": "1000-4999",
        "revenue": "10-50m",
        "about": "Native English-speaking customer service and sales for UK and Australian brands, "
        "with time-zone overlap to Europe and a strong retail and telecoms track record.",
        "functions": [*SUPPORT, "sales-and-telemarketing", "collections"],
        "industries": ["retail-and-e-commerce", "telecommunications", "energy-and-utilities"],
        "tech": ["NICE CXone", "Salesforce", "Playvox"],
        "centres": [
            ("ZA", "Cape Town", 1100, ["en", "af", "zu"], ("07:00", "23:00"), "offsite"),
            ("ZA", "Durban", 500, ["en", "zu"], ("08:00", "20:00"), "offsite"),
        ],
        "certs": [("pci-dss", 1, 1), ("iso-9001", 2, 1)],
        "refs": [
            ("Britannia Energy", "energy-and-utilities", "customer-support-by-phone", 5, True)
        ],
    },
    {
        "legal": "Nile Delta Outsourcing S.A.E.",
        "trading": "Nile BPO",
        "country": "EG",
        "city": "Cairo",
        "web": "https://nilebpo.example",
        "email": "owner@nilebpo.example",
        "owner": "Omar Farouk",
        "year": 2007,
        "employees": "5000-9999",
        "revenue": "50-250m",
        "about": "Arabic, English, French and German customer and technical support from Cairo and "
        "Alexandria, serving European and Middle Eastern telecom and tech companies.",
        "functions": [*SUPPORT, "technical-support", "it-help-desk", "content-moderation"],
        "industries": ["telecommunications", "software-and-saas", "gaming"],
        "tech": ["Genesys Cloud", "Zendesk", "Jira Service Management", "AWS"],
        "centres": [
            ("EG", "Cairo", 3000, ["ar", "en", "fr", "de"], "24/7", "offsite"),
            ("EG", "Alexandria", 900, ["ar", "en", "it"], ("08:00", "22:00"), "offsite"),
        ],
        "certs": [("iso-iec-27001", 1, 2), ("copc", 2, 1), ("gdpr", 1, None)],
        "refs": [("EuroTel", "telecommunications", "technical-support", 6, True)],
    },
    {
        "legal": "Selangor Digital Services Sdn Bhd",
        "trading": "SDS",
        "country": "MY",
        "city": "Kuala Lumpur",
        "web": "https://sds-my.example",
        "email": "owner@sds-my.example",
        "owner": "Nurul Aziz",
        "year": 2013,
        "employees": "1000-4999",
        "revenue": "10-50m",
        "about": "Multilingual Asia-Pacific support hub covering Mandarin, Cantonese, Malay, Japanese "
        "and Korean, plus finance and accounting for regional headquarters.",
        "functions": [*SUPPORT, "bookkeeping-and-accounting", "accounts-payable", "data-entry"],
        "industries": ["gaming", "travel-and-transportation", "software-and-saas"],
        "tech": ["Salesforce", "Freshdesk", "Xero", "Google Cloud"],
        "centres": [
            ("MY", "Kuala Lumpur", 1300, ["ms", "en", "zh", "ja", "ko"], "24/7", "offsite")
        ],
        "certs": [("iso-iec-27001", 2, 1), ("pci-dss", 1, 1)],
        "refs": [("Lotus Games", "gaming", "customer-support-by-chat", 4, False)],
    },
    {
        "legal": "Saigon Data Processing JSC",
        "trading": "SDP Vietnam",
        "country": "VN",
        "city": "Ho Chi Minh City",
        "web": "https://sdp-vn.example",
        "email": "owner@sdp-vn.example",
        "owner": "Nguyen Thi Lan",
        "year": 2015,
        "employees": "250-999",
        "revenue": "1-10m",
        "about": "High-accuracy data entry, transcription, document processing and content moderation "
        "at competitive rates, with double-keying and statistical quality control.",
        "functions": ["data-entry", "transcription", "document-processing", "content-moderation"],
        "industries": ["insurance", "logistics", "media-and-entertainment"],
        "tech": ["UiPath", "Generative AI assistants", "AWS"],
        "centres": [("VN", "Ho Chi Minh City", 600, ["vi", "en", "ja"], "24/7", "offsite")],
        "certs": [("iso-9001", 1, 2), ("iso-iec-27001", 1, 2)],
        "refs": [("PacificLog", "logistics", "document-processing", 3, True)],
    },
    {
        "legal": "Cebu Finance & Accounting Hub Corp.",
        "trading": "CFAH",
        "country": "PH",
        "city": "Cebu City",
        "web": "https://cfah.example",
        "email": "owner@cfah.example",
        "owner": "Jose Reyes",
        "year": 2010,
        "employees": "250-999",
        "revenue": "10-50m",
        "about": "CPA-led bookkeeping, payroll and accounts payable for US and Australian small "
        "businesses, on QuickBooks, Xero and NetSuite.",
        "functions": [
            "bookkeeping-and-accounting",
            "payroll",
            "accounts-payable",
            "accounts-receivable",
        ],
        "industries": ["real-estate", "food-service-and-hospitality", "retail-and-e-commerce"],
        "tech": ["QuickBooks", "Xero", "Oracle NetSuite"],
        "centres": [("PH", "Cebu City", 400, ["en", "tl"], ("08:00", "17:00"), "offsite")],
        "certs": [("iso-iec-27001", 1, 2), ("soc-2-type-ii", 1, 1)],
        "refs": [("Bayside Restaurants", "food-service-and-hospitality", "payroll", 5, True)],
    },
    {
        "legal": "Hyderabad Knowledge Services Ltd",
        "trading": "HKS",
        "country": "IN",
        "city": "Hyderabad",
        "web": "https://hks.example",
        "email": "owner@hks.example",
        "owner": "Priya Reddy",
        "year": 2006,
        "employees": "5000-9999",
        "revenue": "250m-1b",
        "about": "Knowledge process outsourcing: market research, financial analysis and data analytics "
        "for consulting, banking and pharmaceutical clients.",
        "functions": [
            "market-research",
            "financial-analysis",
            "data-analytics",
            "legal-process-outsourcing",
        ],
        "industries": ["banking-and-financial-services", "healthcare", "software-and-saas"],
        "tech": ["Power BI", "Tableau", "Generative AI assistants", "Microsoft Azure"],
        "centres": [("IN", "Hyderabad", 2200, ["en", "hi", "te"], ("09:00", "18:00"), "offsite")],
        "certs": [("iso-iec-27001", 2, 1), ("iso-9001", 2, 1)],
        "refs": [
            ("Crescent Capital", "banking-and-financial-services", "financial-analysis", 7, True)
        ],
    },
    {
        "legal": "Lone Star Tech Support Inc.",
        "trading": "Lone Star Support",
        "country": "US",
        "city": "Austin",
        "web": "https://lonestarsupport.example",
        "email": "owner@lonestarsupport.example",
        "owner": "Ethan Brooks",
        "year": 2003,
        "employees": "250-999",
        "revenue": "10-50m",
        "about": "Onshore tier 1–3 technical support and IT help desk for SaaS companies, with "
        "US-citizen agents for clients in regulated and public-sector markets.",
        "functions": [
            "technical-support",
            "it-help-desk",
            "application-support",
            "customer-support-by-chat",
        ],
        "industries": ["software-and-saas", "public-sector", "education"],
        "tech": ["ServiceNow", "Jira Service Management", "Amazon Connect", "AWS"],
        "centres": [
            ("US", "Austin", 300, ["en", "es"], "24/7", "offsite"),
            ("US", "Denver", 150, ["en"], ("07:00", "19:00"), "onsite"),
        ],
        "certs": [("soc-2-type-ii", 1, 1), ("iso-iec-20000-1", 2, 1)],
        "refs": [("CloudLedger", "software-and-saas", "technical-support", 6, True)],
    },
]


def _lookup(model: Any, field: str, values: list[str]) -> list[Any]:
    found = list(model.objects.filter(**{f"{field}__in": values}))
    missing = set(values) - {getattr(obj, field) for obj in found}
    if missing:
        raise ValueError(f"Unknown {model.__name__} {sorted(missing)} in demo data")
    return found


def _time(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def _years(years: float) -> dt.timedelta:
    return dt.timedelta(days=round(365 * years))


def seed_vendor(spec: dict[str, Any]) -> DemoLogin:
    user = ensure_user(spec["email"], spec["owner"])
    if VendorCompany.objects.filter(legal_name=spec["legal"]).exists():
        return DemoLogin(user.email, f"{spec['trading']} ({spec['country']}): vendor owner")
    company = services.vendor_company_create(
        user=user,
        legal_name=spec["legal"],
        headquarters_country=spec["country"],
        website=spec["web"],
    )
    services.vendor_profile_update(
        actor=user,
        company=company,
        trading_name=spec["trading"],
        headquarters_city=spec["city"],
        year_founded=spec["year"],
        employee_band=spec["employees"],
        revenue_band=spec["revenue"],
        description=spec["about"],
        security_notes=SECURITY_NOTES,
        service_functions=_lookup(ServiceFunction, "slug", spec["functions"]),
        industries=_lookup(Industry, "slug", spec["industries"]),
        technologies=_lookup(Technology, "name", spec["tech"]),
        security_controls=list(SecurityControl.objects.all()[:7]),
    )
    for country, city, seats, languages, hours, mode in spec["centres"]:
        timing: dict[str, Any] = (
            {"is_24_7": True}
            if hours == "24/7"
            else {"is_24_7": False, "opens_at": _time(hours[0]), "closes_at": _time(hours[1])}
        )
        services.delivery_centre_save(
            actor=user,
            company=company,
            country=country,
            city=city,
            seats=seats,
            languages=_lookup(Language, "code", languages),
            delivery_mode=mode,
            **timing,
        )
    today = timezone.localdate()
    for index, (slug, issued_years_ago, expires_in_years) in enumerate(spec["certs"]):
        evidence = (
            SimpleUploadedFile(f"{slug}-certificate.pdf", DEMO_PDF, "application/pdf")
            if index == 0
            else None
        )
        services.certification_save(
            actor=user,
            company=company,
            certification_type=CertificationType.objects.get(slug=slug),
            issued_by="Bureau Veritas" if index % 2 == 0 else "SGS",
            certificate_number=f"{slug.upper()[:6]}-{company.pk:03d}{index}",
            issued_on=today - _years(issued_years_ago),
            expires_on=None if expires_in_years is None else today + _years(expires_in_years),
            evidence=evidence,
        )
    for client, industry, function, years, may_contact in spec["refs"]:
        services.reference_save(
            actor=user,
            company=company,
            client_name=client,
            industry=Industry.objects.get(slug=industry),
            service_function=ServiceFunction.objects.get(slug=function),
            years=years,
            may_contact=may_contact,
            contact_name="Head of Customer Operations" if may_contact else "",
            contact_email=f"vendor-reference@{spec['web'].split('//')[1]}" if may_contact else "",
        )
    return DemoLogin(user.email, f"{spec['trading']} ({spec['country']}): vendor owner")


def seed_vendors() -> list[DemoLogin]:
    return [seed_vendor(spec) for spec in VENDORS]


def seed_buyer_views() -> None:
    """Northwind (US) counts Latin America as nearshore and has qualified a shortlist."""
    admin = User.objects.filter(email="admin@northwind.example").first()
    if (
        admin is None
        or VendorQualification.objects.filter(organization__name="Northwind Health").exists()
    ):
        return
    for country in ("CO", "GT", "CR", "DO"):
        services.location_override_set(actor=admin, country=country, location_model="nearshore")
    shortlist = {
        "Manila Bay Contact Solutions Inc.": ("qualified", "low", ["healthcare", "tier 1"]),
        "Bangalore Process Partners Pvt Ltd": ("qualified", "medium", ["F&A", "healthcare"]),
        "Monterrey Nearshore Services S.A. de C.V.": ("qualified", "low", ["Spanish", "tier 1"]),
        "Andes Customer Care S.A.S.": ("qualified", "medium", ["Spanish"]),
        "Heartland Claims & Billing LLC": ("qualified", "low", ["healthcare", "onshore"]),
        "Quetzal Outsourcing S.A.": ("rejected", "high", []),
        "Saigon Data Processing JSC": ("blocked", "critical", []),
    }
    notes = {
        "qualified": "Passed security questionnaire and reference calls.",
        "rejected": "Too small for our volumes at this time.",
        "blocked": "Failed the data-protection audit; do not invite.",
    }
    for legal_name, (status, risk, tags) in shortlist.items():
        company = VendorCompany.objects.get(legal_name=legal_name)
        services.qualification_update(
            actor=admin,
            company=company,
            status=status,
            risk_rating=risk,
            notes=notes[status],
            tags=tags,
        )
