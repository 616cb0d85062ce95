"""Demo RFPs, created through the real services. Idempotent: an RFP with the
same title in the same organization is left alone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.utils import timezone

from accounts.models import BuyerOrganization
from accounts.selectors import active_user_by_email
from rfp import services
from rfp.models import RFP
from vendors.models import Industry, Language, VendorCompany

HELPLINE = "Customer support for the patient helpline"
FINANCE = "Finance and accounting shared services"
LUMIERE = "Service client omnicanal France et Belgique"

INVITED = [
    "Manila Bay Contact Solutions Inc.",
    "Bangalore Process Partners Pvt Ltd",
    "Monterrey Nearshore Services S.A. de C.V.",
]


def _at_five_pm(days: int, zone: str) -> dt.datetime:
    """A deadline `days` from now at 17:00 in the buyer's time zone, as UTC."""
    local = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)) + dt.timedelta(days=days)
    return local.replace(hour=17, minute=0, second=0, microsecond=0)


def _starter(key: str) -> RFP:
    return RFP.objects.get(is_template=True, organization__isnull=True, template_key=key)


def _seed_northwind(made: list[str]) -> None:
    organization = BuyerOrganization.objects.filter(name="Northwind Health").first()
    pm, admin = (
        active_user_by_email("pm@northwind.example"),
        active_user_by_email("admin@northwind.example"),
    )
    if organization is None or pm is None or admin is None:
        return
    if not RFP.objects.filter(organization=organization, title=HELPLINE).exists():
        rfp = services.rfp_create_from_template(
            actor=pm, template=_starter("customer-support"), title=HELPLINE
        )
        rfp = services.rfp_update(
            actor=pm,
            rfp=rfp,
            version=rfp.version,
            summary="Northwind Health wants a partner to answer its patient helpline — "
            "appointments, billing questions and nurse-line triage — in English and Spanish, "
            "seven days a week.",
            industry=Industry.objects.filter(slug="healthcare").first(),
            budget=Decimal("4200000"),
            required_languages=list(Language.objects.filter(code__in=["en", "es"])),
            question_deadline=_at_five_pm(7, "America/New_York"),
            submission_deadline=_at_five_pm(14, "America/New_York"),
            expected_award_date=(timezone.now() + dt.timedelta(days=45)).date(),
        )
        companies = list(VendorCompany.objects.filter(legal_name__in=INVITED))
        if companies:
            services.rfp_invitations_create(actor=pm, rfp=rfp, companies=companies)
        rfp = services.rfp_submit_for_approval(
            actor=pm, rfp=rfp, version=rfp.version, comment="Ready to go: budget signed off."
        )
        rfp = services.rfp_approve(actor=admin, rfp=rfp, version=rfp.version)
        manila = next((c for c in companies if c.legal_name == INVITED[0]), None)
        manila_user = active_user_by_email("owner@manilabay.example")
        if manila is not None and manila_user is not None:
            question = services.clarification_ask(
                actor=manila_user,
                rfp=rfp,
                text="Manila Bay here: is the nurse-line triage in scope for the vendor, or only "
                "the transfer of calls to Northwind's nurses?",
            )
            services.clarification_answer(
                actor=admin,
                question=question,
                answer="Only the transfer: agents follow the triage script and transfer "
                "clinical calls to Northwind's nurses. No clinical advice is given by the vendor.",
                publish=True,
                public_question="Is the nurse-line triage in scope for the vendor, or only the "
                "transfer of calls to Northwind's nurses?",
            )
        bpp_user = active_user_by_email("owner@bpp.example")
        if bpp_user is not None and any(c.legal_name == INVITED[1] for c in companies):
            services.rfp_intend_to_bid(actor=bpp_user, rfp=rfp)
        made.append(f"{rfp.reference} {rfp.title} (published, {len(companies)} vendors invited)")
    if not RFP.objects.filter(organization=organization, title=FINANCE).exists():
        rfp = services.rfp_create_from_template(
            actor=pm, template=_starter("finance-and-accounting"), title=FINANCE
        )
        made.append(f"{rfp.reference} {rfp.title} (draft)")


def _seed_lumiere(made: list[str]) -> None:
    organization = BuyerOrganization.objects.filter(name="Lumière Retail Group").first()
    pm = active_user_by_email("pm@lumiere.example")
    if organization is None or pm is None:
        return
    if not RFP.objects.filter(organization=organization, title=LUMIERE).exists():
        rfp = services.rfp_create_from_template(
            actor=pm, template=_starter("customer-support"), title=LUMIERE
        )
        rfp = services.rfp_update(
            actor=pm,
            rfp=rfp,
            version=rfp.version,
            required_languages=list(Language.objects.filter(code__in=["fr", "nl"])),
            budget=Decimal("1800000"),
        )
        made.append(f"{rfp.reference} {rfp.title} (draft)")


def seed_rfps() -> list[str]:
    """Create the demo RFPs that are missing; return a line for each one made."""
    made: list[str] = []
    _seed_northwind(made)
    _seed_lumiere(made)
    return made
