"""Demo proposals, made through the real services. Idempotent.

* Exchange rates for the demo currencies (PHP, INR, MXN, EUR to USD), marked
  as demo rates: enter real ones in the admin (there is no network access).
* The three demo vendors (Manila Bay CX, BPP, Monterrey Nearshore) submit
  proposals to Northwind's open helpline RFP. Its deadline is two weeks away:
  the proposals are sealed, and Northwind sees only who submitted and when.
* A second Northwind RFP, "After-hours and overflow customer support", whose
  deadline has passed, for the scoring and report demos. It is built by
  running the real services under `time_machine.travel(...)` (time-machine
  comes with the dev requirements): published three weeks ago, proposals
  submitted before its deadline (Manila Bay twice: two versions), Monterrey
  pricing in MXN. Then, in the present, it closes, its technical envelope
  opens (compliance is checked: BPP lacks PCI DSS, and Northwind's procurement
  manager overrides that with a justification). The RFP has two envelopes: the
  prices stay sealed until the technical evaluation (scoring's demo) is
  finalised. Without time-machine it is skipped.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

try:
    import time_machine  # a dev requirement: without it the demo skips the past RFP
except ImportError:  # pragma: no cover - production installs only requirements.txt
    time_machine = None

from accounts.models import BuyerOrganization, User
from accounts.selectors import active_user_by_email
from proposals import selectors, services
from proposals.models import ExchangeRate, Proposal, ProposalStatus
from rfp import services as rfp_services
from rfp.models import RFP, QuestionKind, RFPStatus
from vendors.models import Language, VendorCompany

DEMO_RATE_SOURCE = "Demo rates (illustrative, not market data)"
DEMO_RATES = [
    ("PHP", "USD", "0.0172"),
    ("INR", "USD", "0.0119"),
    ("MXN", "USD", "0.0540"),
    ("EUR", "USD", "1.0850"),
    ("USD", "EUR", "0.9217"),
]

HELPLINE = "Customer support for the patient helpline"
PAST = "After-hours and overflow customer support"

VENDORS: dict[str, dict[str, Any]] = {
    "owner@manilabay.example": {
        "company": "Manila Bay Contact Solutions Inc.",
        "prices": {
            "setup": "45000",
            "training": "1200",
            "per_fte": "2350",
            "per_contact": "1.10",
            "fixed_monthly": "6500",
        },
        "centres": {"Makati": "70", "Cebu City": "30"},
        "agents": "2700",
        "pci": "yes",
        "text": "We run patient-support lines for two US pharmacy chains (1.2 million contacts a "
        "year, voice and chat, 24/7) with HIPAA-trained agents and night shifts aligned to US "
        "time zones.",
        "texts": [
            "We forecast in 15-minute intervals with Genesys Cloud WEM, plan 32 % shrinkage and "
            "run an intraday desk that moves agents between voice and chat every half hour.",
            "Team leads score 6 contacts per agent per month on a shared form; we calibrate "
            "weekly with the client's quality team and share the results in the monthly review.",
        ],
        "slas": {},
        "staffing": [16, 32, 40],
    },
    "owner@bpp.example": {
        "company": "Bangalore Process Partners Pvt Ltd",
        "prices": {
            "setup": "38000",
            "training": "950",
            "per_fte": "2100",
            "per_contact": "0.95",
            "fixed_monthly": "7200",
        },
        "centres": {"Bengaluru": "60", "Pune": "40"},
        "agents": "6700",
        "pci": "no",
        "text": "Our healthcare revenue-cycle practice answers billing and claims enquiries for "
        "three US health systems; we would build the helpline team in Bengaluru with a Pune "
        "back-up site.",
        "slas": {
            "aht": (
                "420",
                "Our agents start slower on a new knowledge base: 420 s for "
                "the first six months, 360 s from month seven.",
            )
        },
        "texts": [
            "Erlang-C models in our WFM suite, refreshed daily from the ACD feed; a real-time "
            "analyst per 60 agents; overtime and cross-skilled back-office staff for peaks.",
            "Speech analytics covers 100 % of calls; analysts review 8 contacts per agent a month "
            "and hold fortnightly calibration with the client.",
        ],
        "staffing": [10, 25, 40],
    },
    "owner@mns.example": {
        "company": "Monterrey Nearshore Services S.A. de C.V.",
        "prices": {
            "setup": "52000",
            "training": "1400",
            "per_fte": "3100",
            "per_contact": "1.45",
            "fixed_monthly": "5900",
        },
        "centres": {"Monterrey": "80", "Guadalajara": "20"},
        "agents": "1800",
        "pci": "yes",
        "text": "Bilingual English–Spanish support in US Central time for a telecom operator "
        "(450 agents) and a fintech (120 agents), both since 2016, with COPC-certified quality.",
        "slas": {
            "attrition": (
                "40",
                "Attrition in Monterrey runs at 38–42 %; we budget "
                "replacement training in our price.",
            )
        },
        "texts": [
            "Verint WFM schedules in US Central time; we keep a bilingual flex pool of 10 % to "
            "absorb volume spikes without breaking the service level.",
            "COPC-aligned quality programme: 5 evaluations per agent a month, customer-verbatim "
            "reviews and joint calibration sessions every other week.",
        ],
        "staffing": [20, 35, 40],
    },
}

# Monterrey prices the past RFP in Mexican pesos (the buyer allows it there).
MXN_PRICES = {
    "setup": "960000",
    "training": "25900",
    "per_fte": "57400",
    "per_contact": "26.80",
    "fixed_monthly": "109000",
}


def seed_exchange_rates() -> int:
    made = 0
    as_of = timezone.localdate() - dt.timedelta(days=90)
    for base, quote, rate in DEMO_RATES:
        _, created = ExchangeRate.objects.get_or_create(
            base=base,
            quote=quote,
            source=DEMO_RATE_SOURCE,
            defaults={"rate": Decimal(rate), "as_of": as_of},
        )
        made += created
    return made


def _bid(user: User, rfp: RFP, spec: dict[str, Any], *, currency: str = "") -> Proposal | None:
    """Fill in and submit the vendor's proposal, if it has none yet."""
    company = user.vendor_membership.company
    if Proposal.objects.filter(rfp=rfp, company=company).exists():
        return None
    proposal = services.proposal_start(actor=user, rfp=rfp)
    working = selectors.proposal_working_copy(proposal.pk)
    prices = spec["prices"]
    if currency and currency != working.currency:
        proposal = services.proposal_settings_update(
            actor=user, proposal=proposal, version=working.version, currency=currency
        )
        prices = MXN_PRICES
    answers: dict[int, Any] = {}
    texts = iter([spec["text"], *spec["texts"]])
    for question in selectors.questions_of(working.rfp):
        if question.kind == QuestionKind.NUMBER:
            answers[question.pk] = spec["agents"]
        elif question.kind == QuestionKind.MULTIPLE_CHOICE:
            answers[question.pk] = question.choices[:3]
        elif question.kind == QuestionKind.SINGLE_CHOICE:
            answers[question.pk] = question.knockout_answer or question.choices[0]
        elif question.kind == QuestionKind.YES_NO:
            answers[question.pk] = "yes" if question.is_knockout else spec["pci"]
        elif question.kind == QuestionKind.TEXT:
            answers[question.pk] = next(texts, spec["text"])
    services.proposal_answers_save(
        actor=user, proposal=proposal, version=working.answers_version, answers=answers
    )
    centres = {c.city: c for c in company.delivery_centres.all()}
    for part in working.lots.all():
        lot = part.lot
        services.proposal_prices_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.pricing_version,
            prices={
                line.pk: prices.get(line.charge_type, "1000") for line in lot.pricing_lines.all()
            },
        )
        commitments = {}
        for level in lot.service_levels.all():
            alternative = spec["slas"].get(level.metric)
            commitments[level.pk] = (
                services.CommitmentInput(False, alternative[0], alternative[1])
                if alternative
                else services.CommitmentInput(True)
            )
        services.proposal_slas_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.slas_version,
            commitments=commitments,
        )
        services.proposal_centres_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.centres_version,
            shares={
                centres[city].pk: share
                for city, share in spec["centres"].items()
                if city in centres
            },
        )
        months = selectors.staffing_months(lot)
        services.proposal_staffing_save(
            actor=user,
            proposal=proposal,
            lot=lot,
            version=part.staffing_version,
            headcount=(spec["staffing"] * months)[:months],
            transition_plan="Weeks 1–4: knowledge transfer with Northwind's team leads and "
            "shadowing. Weeks 5–8: recruitment and classroom training. Weeks 9–12: nesting "
            "and a two-week parallel run, then go-live by wave with daily stand-ups.",
        )
    services.proposal_submit(actor=user, proposal=proposal)
    return proposal


def _seed_open_rfp(organization: BuyerOrganization, made: list[str]) -> None:
    rfp = RFP.objects.filter(organization=organization, title=HELPLINE).first()
    if rfp is None or not rfp.is_open_for_bids():
        return
    for email, spec in VENDORS.items():
        user = active_user_by_email(email)
        if user is None or not hasattr(user, "vendor_membership"):
            continue
        if _bid(user, rfp, spec) is not None:
            made.append(f"{spec['company']} submitted a proposal to {rfp.reference} (sealed)")


def _at(moment: dt.datetime) -> Any:
    return time_machine.travel(moment, tick=True)


def _seed_past_rfp(organization: BuyerOrganization, made: list[str]) -> None:
    if RFP.objects.filter(organization=organization, title=PAST).exists():
        return
    pm, admin = (
        active_user_by_email("pm@northwind.example"),
        active_user_by_email("admin@northwind.example"),
    )
    if pm is None or admin is None:
        return
    if time_machine is None:
        made.append(f"Skipped “{PAST}”: install the dev requirements (time-machine).")
        return
    companies = list(
        VendorCompany.objects.filter(legal_name__in=[v["company"] for v in VENDORS.values()])
    )
    template = RFP.objects.get(
        is_template=True, organization__isnull=True, template_key="customer-support"
    )
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=21)
    deadline = (start + dt.timedelta(days=10)).replace(hour=21, minute=0, second=0)
    with _at(start):
        rfp = rfp_services.rfp_create_from_template(actor=pm, template=template, title=PAST)
        rfp = rfp_services.rfp_update(
            actor=pm,
            rfp=rfp,
            version=rfp.version,
            summary="Evenings, nights and weekends, plus overflow from Northwind's in-house "
            "team during open enrolment: English only.",
            budget=Decimal("2900000"),
            required_languages=list(Language.objects.filter(code="en")),
            allow_vendor_currency=True,
            two_envelopes=True,
            question_deadline=start + dt.timedelta(days=5),
            submission_deadline=deadline,
        )
        if companies:
            rfp_services.rfp_invitations_create(actor=pm, rfp=rfp, companies=companies)
        rfp = rfp_services.rfp_submit_for_approval(
            actor=pm, rfp=rfp, version=rfp.version, comment="Budget and scope signed off."
        )
        rfp = rfp_services.rfp_approve(actor=admin, rfp=rfp, version=rfp.version)
    with _at(start + dt.timedelta(days=3)):
        for email, spec in VENDORS.items():
            user = active_user_by_email(email)
            if user is None or not hasattr(user, "vendor_membership"):
                continue
            currency = "MXN" if email == "owner@mns.example" else ""
            _bid(user, rfp, spec, currency=currency)
    manila = active_user_by_email("owner@manilabay.example")
    with _at(start + dt.timedelta(days=8)):
        proposal = Proposal.objects.filter(rfp=rfp, company__memberships__user=manila).first()
        if manila is not None and proposal is not None:
            # A second version: Manila Bay sharpens its per-FTE price.
            working = selectors.proposal_working_copy(proposal.pk)
            for part in working.lots.all():
                services.proposal_prices_save(
                    actor=manila,
                    proposal=proposal,
                    lot=part.lot,
                    version=part.pricing_version,
                    prices={
                        line.pk: "2240"
                        for line in part.lot.pricing_lines.all()
                        if line.charge_type == "per_fte"
                    },
                )
            services.proposal_submit(actor=manila, proposal=proposal)
    # The present: the deadline has passed.
    rfp_services.rfps_close_past_deadline()
    rfp = RFP.objects.get(pk=rfp.pk)
    services.technical_envelope_open(rfp=rfp)
    bpp = Proposal.objects.filter(
        rfp=rfp, company__legal_name=VENDORS["owner@bpp.example"]["company"]
    ).first()
    if bpp is not None and bpp.status == ProposalStatus.SUBMITTED:
        services.proposal_compliance_override(
            actor=pm,
            proposal=bpp,
            status="compliant",
            justification="Card payments go through Northwind's own PCI-certified IVR: agents "
            "never handle card data, so PCI DSS is not needed for this scope.",
        )
    # The prices stay sealed: they open once the technical evaluation is finalised.
    state = "closed" if rfp.status == RFPStatus.CLOSED else rfp.status
    made.append(
        f"{rfp.reference} {PAST} ({state}, deadline passed, 3 proposals opened, prices sealed "
        "until the technical evaluation is finalised)"
    )


def seed_proposals() -> list[str]:
    """Create the demo proposals that are missing; return a line for each one made."""
    made: list[str] = []
    if seed_exchange_rates():
        made.append("Demo exchange rates to USD (PHP, INR, MXN, EUR)")
    organization = BuyerOrganization.objects.filter(name="Northwind Health").first()
    if organization is None:
        return made
    _seed_open_rfp(organization, made)
    _seed_past_rfp(organization, made)
    return made
