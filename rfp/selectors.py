"""Reads about RFPs: who may see which, what each page needs preloaded, and
whether an RFP is ready to go out (the task list and the publication check)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from bpo_portal.permissions import Capability, buyer_can, buyer_membership, vendor_membership
from rfp import hooks, parts, pricing
from rfp.models import (
    CHOICE_KINDS,
    FIXED_BASIS,
    KNOCKOUT_KINDS,
    RFP,
    STATUS_BADGES,
    VENDOR_VISIBLE_STATUSES,
    VOLUME_FIELDS,
    VOLUME_LABELS,
    Addendum,
    AddendumAcknowledgement,
    InvitationStatus,
    Lot,
    PricingLine,
    Question,
    QuestionKind,
    QuestionSection,
    RFPInvitation,
    RFPQuerySet,
    RFPQuestion,
    RFPStatus,
    RFPTransition,
    ServiceLevel,
    Visibility,
)
from rfp.tasklist import StatusDisplay, step_status
from vendors.models import QualificationStatus, VendorCompany, VendorMembership, VendorQualification
from vendors.selectors import search_vendors

# --- Who sees what ----------------------------------------------------------------------


def rfps_visible_to(user: Any) -> RFPQuerySet:
    """The one rule for object-level access, used by pages, API and tasks.

    Buyers see every RFP of their organization, whatever its status. Vendors
    see RFPs that were published and that they were invited to, plus RFPs
    open to every qualified vendor of a buyer that qualified them. Nobody
    sees templates here, nor other organizations' RFPs.
    """
    rfps = RFP.objects.filter(is_template=False)
    membership = buyer_membership(user)
    if membership is not None:
        return rfps.filter(organization_id=membership.organization_id)
    vendor = vendor_membership(user)
    if vendor is not None:
        return rfps.filter(
            vendor_visible_q(vendor.company_id),
            status__in=VENDOR_VISIBLE_STATUSES,
            publication_at__isnull=False,
        )
    return rfps.none()


def vendor_visible_q(company_id: int) -> Q:
    invited = RFPInvitation.objects.filter(
        rfp=OuterRef("pk"), company_id=company_id, sent_at__isnull=False
    )
    qualified = VendorQualification.objects.filter(
        organization=OuterRef("organization"),
        company_id=company_id,
        status=QualificationStatus.QUALIFIED,
    )
    return Q(Exists(invited)) | Q(Exists(qualified), visibility=Visibility.OPEN_TO_QUALIFIED)


def rfp_list_queryset(user: Any) -> QuerySet[RFP]:
    """The list page and the API list: one query for the page, whatever its length."""
    rfps = rfps_visible_to(user).select_related("organization", "service_category")
    vendor = vendor_membership(user)
    if vendor is not None:
        rfps = rfps.prefetch_related(
            Prefetch(
                "invitations",
                queryset=RFPInvitation.objects.filter(company_id=vendor.company_id),
                to_attr="own_invitations",
            )
        )
    elif buyer_membership(user) is not None:
        rfps = rfps.annotate(
            invitation_count=Count("invitations", distinct=True),
            unanswered_count=Count(
                "clarifications", filter=Q(clarifications__answer=""), distinct=True
            ),
        )
    return rfps.order_by("-created_at", "-id")


DETAIL_PREFETCH: tuple[Any, ...] = (
    "service_functions",
    "required_languages",
    "required_certifications",
    Prefetch(
        "lots",
        queryset=Lot.objects.prefetch_related(
            Prefetch("pricing_lines", queryset=PricingLine.objects.order_by("order", "id")),
            Prefetch("service_levels", queryset=ServiceLevel.objects.order_by("order", "id")),
        ),
    ),
    Prefetch(
        "sections",
        queryset=QuestionSection.objects.prefetch_related(
            Prefetch("questions", queryset=Question.objects.order_by("order", "id"))
        ),
    ),
    "attachments",
    Prefetch("addenda", queryset=Addendum.objects.select_related("created_by")),
)


def rfp_detail_queryset(user: Any) -> QuerySet[RFP]:
    return (
        rfps_visible_to(user)
        .select_related("organization", "service_category", "industry", "created_by", "updated_by")
        .prefetch_related(*DETAIL_PREFETCH)
    )


def rfp_with_content(rfp_id: int) -> RFP:
    """One RFP with everything the readiness check reads, for services and tasks."""
    return (
        RFP.objects.select_related("organization", "service_category")
        .prefetch_related(*DETAIL_PREFETCH, "invitations")
        .get(pk=rfp_id)
    )


def templates_available_to(user: Any) -> QuerySet[RFP]:
    """Starter templates and the user's organization's own."""
    membership = buyer_membership(user)
    if membership is None:
        return RFP.objects.none()
    return (
        RFP.objects.filter(is_template=True)
        .filter(Q(organization__isnull=True) | Q(organization_id=membership.organization_id))
        .select_related("service_category")
        .annotate(lot_count=Count("lots", distinct=True))
        .order_by("organization_id", "title")
    )


# --- Invitations, addenda, Q&A ------------------------------------------------------------


def rfp_invitations(rfp: RFP) -> QuerySet[RFPInvitation]:
    """Every invitee and its status: for the buyer only."""
    return RFPInvitation.objects.filter(rfp=rfp).select_related("company", "invited_by")


def vendor_invitation(rfp: RFP, company_id: int) -> RFPInvitation | None:
    return RFPInvitation.objects.filter(rfp=rfp, company_id=company_id).first()


def active_invitations(rfp: RFP) -> QuerySet[RFPInvitation]:
    """Invitees that were told about the RFP and did not decline."""
    return (
        RFPInvitation.objects.filter(rfp=rfp, sent_at__isnull=False)
        .exclude(status=InvitationStatus.DECLINED)
        .select_related("company")
    )


def invitees_without_submission(rfp: RFP) -> QuerySet[RFPInvitation]:
    """Invitees that still owe a proposal (deadline reminders go to them)."""
    return active_invitations(rfp).exclude(company_id__in=hooks.submitted_company_ids(rfp))


def companies_with_submission(rfp: RFP) -> QuerySet[VendorCompany]:
    """Vendors whose submitted proposal counts: after an addendum they are asked
    to review it and submit again."""
    return VendorCompany.objects.filter(pk__in=hooks.submitted_company_ids(rfp))


def company_user_emails(company_ids: list[int]) -> dict[int, list[str]]:
    """Every user of each company: RFP e-mails go to the whole bid team."""
    emails: dict[int, list[str]] = {}
    for company_id, email in VendorMembership.objects.filter(
        company_id__in=company_ids, user__is_active=True
    ).values_list("company_id", "user__email"):
        emails.setdefault(company_id, []).append(email)
    return emails


def invitation_recipients(invitation: RFPInvitation) -> list[str]:
    if invitation.company_id is None:
        return [invitation.email]
    return company_user_emails([invitation.company_id]).get(invitation.company_id, [])


def addenda_for_company(rfp: RFP, company_id: int) -> list[Addendum]:
    """The RFP's addenda, each with `acknowledged_at` for this vendor (or None)."""
    acknowledged = dict(
        AddendumAcknowledgement.objects.filter(
            addendum__rfp=rfp, company_id=company_id
        ).values_list("addendum_id", "acknowledged_at")
    )
    addenda = list(Addendum.objects.filter(rfp=rfp).order_by("number"))
    for addendum in addenda:
        addendum.acknowledged_at = acknowledged.get(addendum.pk)  # type: ignore[attr-defined]
    return addenda


def addendum_acknowledgements(rfp: RFP) -> dict[int, set[int]]:
    """addendum id -> ids of the companies that acknowledged it (buyer view)."""
    out: dict[int, set[int]] = {}
    for addendum_id, company_id in AddendumAcknowledgement.objects.filter(
        addendum__rfp=rfp
    ).values_list("addendum_id", "company_id"):
        out.setdefault(addendum_id, set()).add(company_id)
    return out


def unacknowledged_addenda_count(rfp: RFP, company_id: int) -> int:
    return Addendum.objects.filter(rfp=rfp).exclude(acknowledgements__company_id=company_id).count()


def clarifications_visible_to(user: Any, rfp: RFP) -> QuerySet[RFPQuestion]:
    """Buyers: every question with who asked. Vendors: their own questions and the
    published answers (anonymised by the templates and serializers)."""
    questions = RFPQuestion.objects.filter(rfp=rfp)
    if buyer_membership(user) is not None and rfp.organization_id == getattr(
        buyer_membership(user), "organization_id", None
    ):
        return questions.select_related("company", "asked_by", "answered_by")
    vendor = vendor_membership(user)
    if vendor is not None:
        return questions.filter(Q(company_id=vendor.company_id) | Q(is_published=True))
    return questions.none()


# --- The timeline ----------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "transition" or "addendum"
    title: str
    actor: str
    comment: str
    badge: str = "secondary"
    number: int | None = None


def rfp_timeline(rfp: RFP) -> list[TimelineEntry]:
    """Every transition and addendum, oldest first."""
    entries: list[TimelineEntry] = []
    labels = dict(RFPStatus.choices)
    for transition in RFPTransition.objects.filter(rfp=rfp).select_related("actor"):
        if transition.from_status:
            title = f"{labels[transition.from_status]} → {labels[transition.to_status]}"
        else:
            title = f"Created as {labels[transition.to_status].lower()}"
        entries.append(
            TimelineEntry(
                at=transition.created_at,
                kind="transition",
                title=title,
                actor=str(transition.actor) if transition.actor else "BPO Portal (automatic)",
                comment=transition.comment,
                badge=STATUS_BADGES.get(transition.to_status, "secondary"),
            )
        )
    for addendum in Addendum.objects.filter(rfp=rfp).select_related("created_by"):
        entries.append(
            TimelineEntry(
                at=addendum.created_at,
                kind="addendum",
                title=f"Addendum {addendum.number}",
                actor=str(addendum.created_by) if addendum.created_by else "",
                comment=addendum.summary,
                badge="info",
                number=addendum.number,
            )
        )
    entries += hooks.timeline_entries(rfp)  # the envelope openings (proposals/apps.py)
    return sorted(entries, key=lambda entry: entry.at)


# --- Readiness: the task list and the publication check -------------------------------------

STEPS: list[tuple[str, str]] = [
    ("details", "Details"),
    ("lots", "Lots and volumes"),
    ("questionnaire", "Questionnaire"),
    ("pricing", "Pricing"),
    ("slas", "Service levels (KPIs)"),
    ("timeline", "Timeline"),
    ("vendors", "Vendors"),
]
STEP_LABELS = dict(STEPS)
OPTIONAL_STEPS = {"slas"}


@dataclass(frozen=True)
class Problem:
    step: str
    field: str  # dotted, as the API reports it
    message: str
    missing: bool = True  # False: something entered is wrong (not just absent)


@dataclass
class StepState(StatusDisplay):
    key: str
    label: str
    status: str  # one of rfp.tasklist.STATUSES
    problems: list[Problem] = field(default_factory=list)


def _details_problems(rfp: RFP) -> list[Problem]:
    problems = []
    if not rfp.title.strip():
        problems.append(Problem("details", "title", "Give the RFP a title."))
    if not rfp.summary.strip():
        problems.append(Problem("details", "summary", "Write a short summary for vendors."))
    if not rfp.scope_of_work.strip():
        problems.append(Problem("details", "scope_of_work", "Describe the scope of work."))
    if rfp.service_category_id is None:
        problems.append(Problem("details", "service_category", "Choose a service category."))
    if not (rfp.accept_onshore or rfp.accept_nearshore or rfp.accept_offshore):
        problems.append(
            Problem(
                "details",
                "accept_onshore",
                "Accept at least one location model: onshore, nearshore or offshore.",
                missing=False,
            )
        )
    elif rfp.preferred_location_model and not getattr(
        rfp, f"accept_{rfp.preferred_location_model}"
    ):
        problems.append(
            Problem(
                "details",
                "preferred_location_model",
                "The preferred location model must be one you accept.",
                missing=False,
            )
        )
    return problems


def lot_problems(lot: Lot, position: int) -> list[Problem]:
    prefix = f"lots.{position}"
    problems = []
    if not lot.has_volumes:
        problems.append(
            Problem(
                "lots",
                f"{prefix}.volumes",
                f"Lot '{lot.name}': give at least one volume (FTEs, hours, contacts...).",
            )
        )
    if not lot.contract_term_months:
        problems.append(
            Problem(
                "lots",
                f"{prefix}.contract_term_months",
                f"Lot '{lot.name}': give the contract term in months.",
            )
        )
    elif lot.ramp_up_months and lot.ramp_up_months > lot.contract_term_months:
        problems.append(
            Problem(
                "lots",
                f"{prefix}.ramp_up_months",
                f"Lot '{lot.name}': the ramp-up cannot be longer than the contract term.",
                missing=False,
            )
        )
    return problems


def pricing_line_problems(line: PricingLine, lot: Lot, position: str) -> list[Problem]:
    where = f"Lot '{lot.name}', line '{line.description}'"
    if not line.volume_basis:
        return [
            Problem(
                "pricing",
                f"{position}.volume_basis",
                f"{where}: choose the volume this price multiplies.",
                missing=False,
            )
        ]
    if line.volume_basis != FIXED_BASIS and not lot.volume(line.volume_basis):
        return [
            Problem(
                "pricing",
                f"{position}.volume_basis",
                f"{where}: the lot has no {VOLUME_LABELS[line.volume_basis].lower()}. "
                "Give that volume on the lot, or change what this line multiplies.",
                missing=False,
            )
        ]
    return []


def question_problems(question: Question, position: str) -> list[Problem]:
    problems = []
    if question.kind in CHOICE_KINDS and len(question.choices) < 2:
        problems.append(
            Problem(
                "questionnaire",
                f"{position}.choices",
                f"Question '{question.text[:60]}': give at least two choices.",
                missing=False,
            )
        )
    if question.is_knockout:
        if question.kind not in KNOCKOUT_KINDS:
            problems.append(
                Problem(
                    "questionnaire",
                    f"{position}.is_knockout",
                    f"Question '{question.text[:60]}': only yes/no and single-choice "
                    "questions can be knock-out questions.",
                    missing=False,
                )
            )
        elif question.knockout_answer not in knockout_answer_options(question):
            problems.append(
                Problem(
                    "questionnaire",
                    f"{position}.knockout_answer",
                    f"Question '{question.text[:60]}': choose the required answer.",
                    missing=False,
                )
            )
    return problems


def knockout_answer_options(question: Question) -> list[str]:
    if question.kind == QuestionKind.YES_NO:
        return ["yes", "no"]
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return list(question.choices)
    return []


def timeline_problems(
    rfp: RFP, *, now: dt.datetime | None = None, require_future: bool = True
) -> list[Problem]:
    now = now or timezone.now()
    problems = []
    if rfp.question_deadline is None:
        problems.append(
            Problem("timeline", "question_deadline", "Set the deadline for vendors' questions.")
        )
    elif require_future and rfp.question_deadline <= now:
        problems.append(
            Problem(
                "timeline",
                "question_deadline",
                "The question deadline has passed: choose a later date.",
                missing=False,
            )
        )
    if rfp.submission_deadline is None:
        problems.append(
            Problem("timeline", "submission_deadline", "Set the deadline for proposals.")
        )
    elif require_future and rfp.submission_deadline <= now:
        problems.append(
            Problem(
                "timeline",
                "submission_deadline",
                "The submission deadline has passed: choose a later date.",
                missing=False,
            )
        )
    if (
        rfp.question_deadline
        and rfp.submission_deadline
        and rfp.question_deadline >= rfp.submission_deadline
    ):
        problems.append(
            Problem(
                "timeline",
                "question_deadline",
                "The question deadline must be before the submission deadline.",
                missing=False,
            )
        )
    if (
        rfp.expected_award_date
        and rfp.submission_deadline
        and rfp.expected_award_date < timezone.localdate(rfp.submission_deadline)
    ):
        problems.append(
            Problem(
                "timeline",
                "expected_award_date",
                "The expected award date must be after the submission deadline.",
                missing=False,
            )
        )
    return problems


def rfp_problems(
    rfp: RFP, *, now: dt.datetime | None = None, require_future_deadlines: bool = True
) -> list[Problem]:
    """Everything that stops the RFP from going out. Reads prefetched
    relations (see `rfp_with_content`)."""
    problems = _details_problems(rfp)
    lots = list(rfp.lots.all())
    if not lots:
        problems.append(Problem("lots", "lots", "Add at least one lot."))
        problems.append(Problem("pricing", "pricing_lines", "Add a lot, then its pricing lines."))
    for position, lot in enumerate(lots):
        problems.extend(lot_problems(lot, position))
        lines = list(lot.pricing_lines.all())
        if not lines:
            problems.append(
                Problem(
                    "pricing",
                    f"lots.{position}.pricing_lines",
                    f"Lot '{lot.name}': add at least one pricing line.",
                )
            )
        for index, line in enumerate(lines):
            problems.extend(
                pricing_line_problems(line, lot, f"lots.{position}.pricing_lines.{index}")
            )
    questions = [
        (section_index, index, question)
        for section_index, section in enumerate(rfp.sections.all())
        for index, question in enumerate(section.questions.all())
    ]
    if not questions:
        problems.append(
            Problem("questionnaire", "questions", "Add at least one question for vendors.")
        )
    for section_index, index, question in questions:
        problems.extend(question_problems(question, f"sections.{section_index}.questions.{index}"))
    problems.extend(timeline_problems(rfp, now=now, require_future=require_future_deadlines))
    if rfp.visibility == Visibility.INVITE_ONLY and not list(rfp.invitations.all()):
        problems.append(
            Problem(
                "vendors",
                "invitations",
                "Invite at least one vendor, or open the RFP to every vendor you qualified.",
            )
        )
    for part in parts.registered():  # the parts higher layers add (rfp.parts)
        problems.extend(part.problems(rfp))
    return problems


def _step_started(rfp: RFP, key: str) -> bool:
    if key == "details":
        return bool(rfp.summary or rfp.scope_of_work or rfp.service_category_id)
    if key == "lots":
        return bool(list(rfp.lots.all()))
    if key == "questionnaire":
        return bool(list(rfp.sections.all()))
    if key == "pricing":
        return any(list(lot.pricing_lines.all()) for lot in rfp.lots.all())
    if key == "slas":
        return any(list(lot.service_levels.all()) for lot in rfp.lots.all())
    if key == "timeline":
        return bool(rfp.question_deadline or rfp.submission_deadline)
    if key == "vendors":
        return bool(list(rfp.invitations.all())) or rfp.visibility != Visibility.INVITE_ONLY
    return False


def editor_steps() -> list[tuple[str, str]]:
    """The editor's steps in order: rfp's own, and the parts higher layers add."""
    steps = list(STEPS)
    for part in parts.registered():
        keys = [key for key, _ in steps]
        position = keys.index(part.after) + 1 if part.after in keys else len(steps)
        steps.insert(position, (part.key, part.label))
    return steps


def rfp_task_list(rfp: RFP, *, now: dt.datetime | None = None) -> list[StepState]:
    """Each step of the editor with its status, for the GOV.UK-style task list."""
    problems = rfp_problems(rfp, now=now)
    states = []
    for key, label in editor_steps():
        mine = [p for p in problems if p.step == key]
        part = parts.get(key)
        started = part.started(rfp) if part is not None else _step_started(rfp, key)
        optional = part.optional if part is not None else key in OPTIONAL_STEPS
        states.append(StepState(key, label, step_status(mine, started, optional=optional), mine))
    return states


# --- Pricing: a lot's volumes as the pure module wants them ---------------------------------


def lot_volumes(lot: Lot) -> pricing.LotVolumes:
    return pricing.LotVolumes(
        contract_term_months=lot.contract_term_months or 0,
        **{name: getattr(lot, name) for name, _, _ in VOLUME_FIELDS},
    )


# --- Choosing vendors to invite -------------------------------------------------------------


def vendors_to_invite(
    rfp: RFP, *, show_all: bool = False, search: str = ""
) -> QuerySet[VendorCompany]:
    """The directory for the invitation picker: qualified vendors by default, every
    vendor on request; never blocked ones or vendors already invited."""
    assert rfp.organization is not None

    companies = VendorCompany.objects.exclude(
        qualifications__organization=rfp.organization,
        qualifications__status=QualificationStatus.BLOCKED,
    ).exclude(rfp_invitations__rfp=rfp)
    if not show_all:
        companies = companies.filter(
            qualifications__organization=rfp.organization,
            qualifications__status=QualificationStatus.QUALIFIED,
        )
    companies = search_vendors(companies, search)
    return companies.prefetch_related(
        Prefetch(
            "qualifications",
            queryset=VendorQualification.objects.filter(organization=rfp.organization),
            to_attr="buyer_qualifications",
        )
    ).order_by("legal_name")


# --- Dashboards --------------------------------------------------------------------------------


def buyer_dashboard(user: Any) -> dict[str, Any]:
    """What the buyer dashboard's RFP panel shows: counts, what needs the user,
    and the next deadlines."""
    rfps = rfps_visible_to(user)
    now = timezone.now()
    counts = rfps.status_counts(now)
    awaiting_approval: list[RFP] = []
    if buyer_can(user, Capability.APPROVE_RFP):
        awaiting_approval = list(
            rfps.filter(status=RFPStatus.PENDING_APPROVAL).order_by("updated_at")[:5]
        )
    returned_drafts: list[RFP] = []
    if buyer_can(user, Capability.EDIT_RFP):
        returned_drafts = list(
            rfps.filter(status=RFPStatus.DRAFT, created_by=user).order_by("-updated_at")[:5]
        )
    open_rfps = list(
        rfps.open_for_bids(now)
        .annotate(
            unanswered_count=Count(
                "clarifications", filter=Q(clarifications__answer=""), distinct=True
            ),
            intending_count=Count(
                "invitations",
                filter=Q(invitations__status=InvitationStatus.INTENDS_TO_BID),
                distinct=True,
            ),
        )
        .order_by("submission_deadline")[:5]
    )
    # Past their deadline, not yet awarded: the evaluation is the next step.
    to_evaluate = list(
        rfps.with_status([RFPStatus.CLOSED, RFPStatus.UNDER_EVALUATION], now).order_by(
            "-submission_deadline"
        )[:5]
    )
    return {
        "counts": {label: counts.get(value, 0) for value, label in RFPStatus.choices},
        "total": sum(counts.values()),
        "awaiting_approval": awaiting_approval,
        "my_drafts": returned_drafts,
        "open_rfps": open_rfps,
        "to_evaluate": to_evaluate,
        "can_create": buyer_can(user, Capability.EDIT_RFP),
    }


def vendor_dashboard(user: Any) -> dict[str, Any]:
    """What the vendor dashboard's RFP panel shows: invitations to answer, open
    RFPs by deadline, addenda to acknowledge."""
    vendor = vendor_membership(user)
    if vendor is None:
        return {"awaiting_response": [], "open_rfps": [], "addenda_to_acknowledge": 0}
    now = timezone.now()
    visible = rfps_visible_to(user).select_related("organization")
    open_rfps = list(
        visible.open_for_bids(now)
        .prefetch_related(
            Prefetch(
                "invitations",
                queryset=RFPInvitation.objects.filter(company_id=vendor.company_id),
                to_attr="own_invitations",
            )
        )
        .annotate(
            unacknowledged=Count(
                "addenda",
                filter=~Q(
                    addenda__in=Addendum.objects.filter(
                        acknowledgements__company_id=vendor.company_id
                    )
                ),
                distinct=True,
            )
        )
        .order_by("submission_deadline")[:10]
    )
    for rfp in open_rfps:
        own = rfp.own_invitations  # type: ignore[attr-defined]
        rfp.own_invitation = own[0] if own else None  # type: ignore[attr-defined]
    return {
        "awaiting_response": [
            rfp
            for rfp in open_rfps
            if rfp.own_invitation is None  # type: ignore[attr-defined]
            or rfp.own_invitation.status == InvitationStatus.INVITED  # type: ignore[attr-defined]
        ],
        "open_rfps": open_rfps,
        "addenda_to_acknowledge": sum(rfp.unacknowledged for rfp in open_rfps),  # type: ignore[attr-defined]
    }
