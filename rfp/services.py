"""Every write about RFPs: drafting, the lifecycle, addenda, invitations, Q&A,
templates and reminders. Whichever door a request comes through (page, API,
Celery beat), the rules are here.

Edits carry the RFP's `version` (optimistic locking): a stale version is
refused with ConflictError and nothing is saved. After publication an edit
is an addendum: it needs a summary for vendors, who are notified and
acknowledge it. Changes to internal fields (the budget) never reach vendors.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import BuyerMembership, BuyerRole, User
from bpo_portal.audit import audit_record
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    validate_model,
)
from bpo_portal.mail import send_templated_email
from bpo_portal.money import is_currency
from bpo_portal.permissions import (
    Capability,
    buyer_membership,
    four_eyes_apply,
    require_buyer,
    require_second_person,
    require_vendor,
    second_person_refusal,
    vendor_membership,
)
from bpo_portal.uploads import validate_upload
from bpo_portal.web import site_link
from rfp import parts, selectors
from rfp.models import (
    CHARGE_DEFAULTS,
    CHOICE_KINDS,
    FIXED_BASIS,
    KNOCKOUT_KINDS,
    METRIC_DEFAULTS,
    RFP,
    VOLUME_FIELDS,
    VOLUME_LABELS,
    Addendum,
    AddendumAcknowledgement,
    ChargeType,
    Coverage,
    Direction,
    InvitationReminder,
    InvitationStatus,
    Lot,
    MeasurementFrequency,
    MetricKind,
    PricingLine,
    Question,
    QuestionKind,
    QuestionSection,
    Recurrence,
    RFPAttachment,
    RFPInvitation,
    RFPQuestion,
    RFPStatus,
    RFPTransition,
    ServiceLevel,
    SLAType,
    Visibility,
    truncate_to_second,
)
from vendors.geography import LocationModel
from vendors.models import VendorCompany
from vendors.selectors import vendor_is_blocked

REMINDER_HOURS = (72, 24)

# Fields only the buyer's team sees: changing them after publication is not an addendum.
INTERNAL_FIELDS = {"budget"}
LOCKED_AFTER_PUBLICATION = {"two_envelopes"}

DETAIL_FIELDS = {
    "title",
    "summary",
    "scope_of_work",
    "service_category",
    "industry",
    "coverage",
    "currency",
    "budget",
    "allow_vendor_currency",
    "accept_onshore",
    "accept_nearshore",
    "accept_offshore",
    "preferred_location_model",
    "onsite_staff_wanted",
    "visibility",
    "two_envelopes",
    "question_deadline",
    "submission_deadline",
    "expected_award_date",
}
DETAIL_M2M_FIELDS = {"service_functions", "required_languages", "required_certifications"}
DEADLINE_FIELDS = ("question_deadline", "submission_deadline")

SCOPE_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def sanitize_scope_html(html: str) -> str:
    """Rich text from the editor or the API, reduced to safe formatting."""
    cleaned = nh3.clean(
        html or "",
        tags=SCOPE_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
    # An editor left empty still sends "<p><br></p>".
    if not re.sub(r"<[^>]+>|&nbsp;|\s", "", cleaned):
        return ""
    return cleaned


# --- Small helpers -------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ApplicationError("Enter a number.") from None


def _describe(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%d %b %Y, %H:%M UTC")
    if isinstance(value, dt.date):
        return value.strftime("%d %b %Y")
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    return str(value)


def _field_label(model: type[Model], name: str) -> str:
    label = str(getattr(model._meta.get_field(name), "verbose_name", name))
    return label[:1].upper() + label[1:]


def _display(instance: Model, name: str) -> str:
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    choices = dict(getattr(field, "flatchoices", None) or [])
    if choices and value in choices:
        return str(choices[value])
    return _describe(value)


def _set_fields(instance: Model, fields: dict[str, Any], allowed: Collection[str]) -> list[str]:
    """Assign the given fields; return human-readable changes (for addenda)."""
    changes: list[str] = []
    for name, value in fields.items():
        if name not in allowed:
            raise ApplicationError(f"'{name}' cannot be changed here.")
        before = _display(instance, name)
        setattr(instance, name, value)
        after = _display(instance, name)
        if before != after and name not in INTERNAL_FIELDS:
            label = _field_label(type(instance), name)
            if name == "scope_of_work":
                changes.append("Scope of work: rewritten")
            elif name in ("summary", "description", "guidance", "text"):
                changes.append(f"{label}: changed")
            else:
                changes.append(f"{label}: {before} → {after}")
    return changes


def _org_users_with(organization_id: int, roles: Iterable[str]) -> list[str]:
    return list(
        BuyerMembership.objects.filter(
            organization_id=organization_id, role__in=list(roles), user__is_active=True
        ).values_list("user__email", flat=True)
    )


# --- Locking, state and addenda --------------------------------------------------------------

EDITABLE_STATUSES = (RFPStatus.DRAFT, RFPStatus.PUBLISHED)


def _lock(rfp: RFP, *, now: dt.datetime | None = None) -> RFP:
    """Lock the RFP for a change, its recorded status brought up to the clock first: a
    published RFP whose deadline has passed is closed, whoever asks and whatever the
    minute job has done, so no service acts on a stale "published"."""
    locked = (
        RFP.objects.select_for_update(of=("self",)).select_related("organization").get(pk=rfp.pk)
    )
    if locked.status == RFPStatus.PUBLISHED and locked.deadline_passed(now):
        _close_at_deadline(locked)
    return locked


def _close_at_deadline(locked: RFP) -> None:
    """Record the close that the deadline made (the RFP is locked by the caller). The
    version stays: every door already showed the RFP as closed, so a client holding
    that version is not out of date."""
    previous = locked.status
    locked.status = RFPStatus.CLOSED
    locked.save(update_fields=["status", "updated_at"])
    transition = RFPTransition.objects.create(
        rfp=locked,
        actor=None,
        from_status=previous,
        to_status=RFPStatus.CLOSED,
        comment="Closed automatically at the submission deadline.",
    )
    # The timeline shows when it closed (the deadline), not when it was noticed; never a
    # moment still to come (a caller passing a `now` ahead of the clock).
    assert locked.submission_deadline is not None
    closed_at = min(locked.submission_deadline, transition.created_at)
    RFPTransition.objects.filter(pk=transition.pk).update(created_at=closed_at)
    audit_record(
        actor=None,
        action="rfp.closed",
        obj=locked,
        organization=locked.organization,
        summary=f"{locked.reference} closed automatically at its submission deadline",
        data={"deadline": locked.submission_deadline.isoformat()}
        if locked.submission_deadline
        else {},
    )


def _check_version(locked: RFP, version: int | None) -> None:
    if version is None:
        raise ApplicationError.for_fields(
            {"version": "Send the RFP's version you edited (optimistic locking)."}
        )
    if int(version) != locked.version:
        who = f" by {locked.updated_by}" if locked.updated_by_id else ""
        raise ConflictError(
            f"Someone else saved this RFP{who} while you were editing it. Your changes "
            "have not been saved: check the current version, then save yours again.",
            extra={"current_version": locked.version, "your_version": int(version)},
        )


def _begin_edit(*, actor: User, rfp: RFP, version: int | None) -> RFP:
    """Inside a transaction: lock the RFP, check the role, its state and version."""
    if rfp.is_template:
        raise NotFoundError("RFP not found.")
    require_buyer(actor, Capability.EDIT_RFP, rfp.organization_id)
    locked = _lock(rfp)
    if locked.status == RFPStatus.PENDING_APPROVAL:
        raise ConflictError(
            "This RFP is waiting for approval and cannot be changed. "
            "Ask an admin to return it to draft first."
        )
    if locked.status not in EDITABLE_STATUSES:
        raise ConflictError(
            f"This RFP is {locked.get_status_display().lower()}: it can no longer be changed."
        )
    _check_version(locked, version)
    return locked


def _finish_edit(
    *,
    actor: User,
    rfp: RFP,
    changes: list[str],
    addendum_summary: str,
    action: str,
    summary: str,
) -> Addendum | None:
    """Bump the version; after publication, check the RFP is still complete and
    turn the change into an addendum that invitees are told about."""
    rfp.version += 1
    rfp.updated_by = actor
    rfp.save(update_fields=["version", "updated_by", "updated_at"])
    addendum = None
    if rfp.status == RFPStatus.PUBLISHED and changes:
        rfp_addendum_summary_check(addendum_summary)
        # Vendors already have it: refuse what would break it (no lot, no question, a
        # line multiplying a missing volume), not what the next addendum may complete.
        _raise_problems(
            selectors.rfp_with_content(rfp.pk),
            require_future_deadlines=False,
            keep=lambda p: not p.missing or p.field in ("lots", "questions"),
        )
        addendum = _addendum_create(
            actor=actor, rfp=rfp, summary=addendum_summary.strip(), changes=changes
        )
    audit_record(
        actor=actor,
        action=action,
        obj=rfp,
        organization=rfp.organization,
        summary=summary,
        data={"version": rfp.version, "changes": changes[:20]},
    )
    return addendum


def _raise_problems(
    rfp: RFP,
    *,
    require_future_deadlines: bool = True,
    keep: Callable[[selectors.Problem], bool] = lambda problem: True,
) -> None:
    problems = [
        problem
        for problem in selectors.rfp_problems(
            rfp, require_future_deadlines=require_future_deadlines
        )
        if keep(problem)
    ]
    if problems:
        fields: dict[str, list[str]] = {}
        for problem in problems:
            fields.setdefault(problem.field, []).append(problem.message)
        count = len(problems)
        raise ApplicationError.for_fields(
            fields,
            message=f"The RFP is not ready: {count} thing{'s' if count > 1 else ''} to fix. "
            + problems[0].message,
        )


def _addendum_create(*, actor: User, rfp: RFP, summary: str, changes: list[str]) -> Addendum:
    number = (Addendum.objects.filter(rfp=rfp).aggregate(n=Max("number"))["n"] or 0) + 1
    addendum = Addendum.objects.create(
        rfp=rfp,
        number=number,
        summary=summary,
        changes=changes,
        rfp_version=rfp.version,
        created_by=actor,
    )
    resubmitters = set(selectors.companies_with_submission(rfp).values_list("pk", flat=True))
    for invitation in selectors.active_invitations(rfp):
        send_templated_email(
            to=selectors.invitation_recipients(invitation),
            template_prefix="emails/rfp_addendum",
            context={
                "rfp": rfp,
                "addendum": addendum,
                "buyer": rfp.organization,
                "reconfirm": invitation.company_id in resubmitters,
                "url": site_link("rfp_detail", rfp.pk),
            },
        )
    return addendum


def rfp_addendum_summary_check(summary: str) -> str:
    """Every change after publication says what changed: vendors receive it. A higher
    layer asks before it changes anything (see `rfp_addendum_record`)."""
    if not summary.strip():
        raise ApplicationError.for_fields(
            {
                "addendum_summary": "This RFP is published: say what changed. Invited "
                "vendors receive it as an addendum."
            }
        )
    return summary.strip()


def rfp_addendum_record(
    *, actor: User, rfp: RFP, summary: str, changes: list[str], audit_summary: str
) -> Addendum:
    """A change made by a higher layer to its part of a published RFP (the evaluation
    criteria: see `rfp.parts`), sent to the invited vendors as a numbered addendum,
    exactly as rfp's own changes are: the version moves on, the RFP must still be
    complete, the change is audited. Call it inside the transaction that made the
    change, after making it: a refusal then undoes both. Only while the RFP takes bids."""
    require_buyer(actor, Capability.EDIT_RFP, rfp.organization_id)
    with transaction.atomic():
        locked = _lock(rfp)
        if locked.status != RFPStatus.PUBLISHED:
            raise ConflictError(
                f"This RFP is {locked.get_status_display().lower()}: no addendum can be sent."
            )
        addendum = _finish_edit(
            actor=actor,
            rfp=locked,
            changes=changes,
            addendum_summary=summary,
            action="rfp.addendum_recorded",
            summary=audit_summary,
        )
    assert addendum is not None  # published, with changes: _finish_edit made one
    return addendum


# --- Reference numbers --------------------------------------------------------------------


def reference_prefix(organization_name: str) -> str:
    """'Northwind Health' -> 'NH', 'Lumière Retail Group' -> 'LRG', 'Acme' -> 'ACM'."""
    ascii_name = unicodedata.normalize("NFKD", organization_name).encode("ascii", "ignore")
    words = re.findall(r"[A-Za-z0-9]+", ascii_name.decode())
    if len(words) >= 2:
        return "".join(word[0] for word in words[:4]).upper()
    return (words[0][:3] if words else "RFP").upper()


def _assign_reference(rfp: RFP) -> None:
    """The next number of the year in the organization, under a lock on the organization."""
    from accounts.models import BuyerOrganization

    assert rfp.organization_id is not None
    organization = BuyerOrganization.objects.select_for_update().get(pk=rfp.organization_id)
    year = timezone.now().year
    last = RFP.objects.filter(
        organization=organization, is_template=False, reference_year=year
    ).aggregate(n=Max("reference_number"))["n"]
    rfp.reference_year = year
    rfp.reference_number = (last or 0) + 1
    rfp.reference = f"{reference_prefix(organization.name)}-{year}-{rfp.reference_number:03d}"


# --- Creating RFPs and templates -------------------------------------------------------------


def _detail_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Whichever door: rich text sanitised, money as Decimal."""
    out = dict(fields)
    if "scope_of_work" in out:
        out["scope_of_work"] = sanitize_scope_html(out["scope_of_work"] or "")
    if "budget" in out:
        out["budget"] = _decimal(out["budget"])
    return out


def rfp_create(*, actor: User, title: str, **fields: Any) -> RFP:
    """A new draft in the actor's organization, in its default currency."""
    membership = require_buyer(actor, Capability.EDIT_RFP)
    if not title.strip():
        raise ApplicationError.for_fields({"title": "Give the RFP a title."})
    organization = membership.organization
    with transaction.atomic():
        rfp = RFP(
            organization=organization,
            title=title.strip(),
            currency=organization.default_currency,
            created_by=actor,
            updated_by=actor,
        )
        m2m = {k: fields.pop(k) for k in list(fields) if k in DETAIL_M2M_FIELDS}
        fields = _detail_fields(fields)
        _set_fields(rfp, fields, DETAIL_FIELDS)
        _clean_details(rfp, changed=set(fields))
        validate_model(rfp, exclude=["organization", "created_by", "updated_by"])
        _assign_reference(rfp)
        rfp.save()
        for name, values in m2m.items():
            getattr(rfp, name).set(values)
        RFPTransition.objects.create(rfp=rfp, actor=actor, to_status=RFPStatus.DRAFT)
        audit_record(
            actor=actor,
            action="rfp.created",
            obj=rfp,
            organization=organization,
            summary=f"{actor} created the draft RFP {rfp.reference} {rfp.title}",
        )
    return rfp


def _copy_content(source: RFP, target: RFP) -> None:
    """Copy the content (not deadlines, invitations or history) of one RFP into another."""
    target.service_functions.set(source.service_functions.all())
    target.required_languages.set(source.required_languages.all())
    target.required_certifications.set(source.required_certifications.all())
    for lot in source.lots.prefetch_related("pricing_lines", "service_levels"):
        lines = list(lot.pricing_lines.all())
        levels = list(lot.service_levels.all())
        lot.pk = None
        lot.rfp = target
        lot.save()
        for line in lines:
            line.pk = None
            line.lot = lot
        PricingLine.objects.bulk_create(lines)
        for level in levels:
            level.pk = None
            level.lot = lot
        ServiceLevel.objects.bulk_create(levels)
    for section in source.sections.prefetch_related("questions"):
        questions = list(section.questions.all())
        section.pk = None
        section.rfp = target
        section.save()
        for question in questions:
            question.pk = None
            question.section = section
        Question.objects.bulk_create(questions)


CONTENT_FIELDS = (
    "summary",
    "scope_of_work",
    "service_category_id",
    "industry_id",
    "coverage",
    "allow_vendor_currency",
    "accept_onshore",
    "accept_nearshore",
    "accept_offshore",
    "preferred_location_model",
    "onsite_staff_wanted",
    "visibility",
    "two_envelopes",
)


def rfp_create_from_template(*, actor: User, template: RFP, title: str = "") -> RFP:
    """A new draft with the template's content: lots, questionnaire, pricing, KPIs."""
    membership = require_buyer(actor, Capability.EDIT_RFP)
    if not template.is_template or template.organization_id not in (
        None,
        membership.organization_id,
    ):
        raise NotFoundError("Template not found.")
    with transaction.atomic():
        rfp = rfp_create(actor=actor, title=title.strip() or template.title)
        for name in CONTENT_FIELDS:
            setattr(rfp, name, getattr(template, name))
        if template.organization_id is not None:
            rfp.currency = template.currency
        rfp.source_template = template
        rfp.save()
        _copy_content(template, rfp)
        parts.copy_all(template, rfp)
        audit_record(
            actor=actor,
            action="rfp.created_from_template",
            obj=rfp,
            organization=rfp.organization,
            summary=f"{actor} started {rfp.reference} from the template '{template.title}'",
        )
    return rfp


def rfp_save_as_template(*, actor: User, rfp: RFP, title: str, description: str = "") -> RFP:
    """Keep an RFP's content as a template for the organization."""
    membership = require_buyer(actor, Capability.EDIT_RFP, rfp.organization_id)
    if not title.strip():
        raise ApplicationError.for_fields({"title": "Name the template."})
    if RFP.objects.filter(
        organization=membership.organization, is_template=True, title__iexact=title.strip()
    ).exists():
        raise ApplicationError.for_fields(
            {"title": "Your organization already has a template with this name."}
        )
    with transaction.atomic():
        template = RFP(
            organization=membership.organization,
            is_template=True,
            title=title.strip(),
            template_description=description.strip()[:300],
            currency=rfp.currency,
            created_by=actor,
        )
        for name in CONTENT_FIELDS:
            setattr(template, name, getattr(rfp, name))
        template.save()
        _copy_content(rfp, template)
        parts.copy_all(rfp, template)
        audit_record(
            actor=actor,
            action="rfp.template_saved",
            obj=template,
            organization=membership.organization,
            summary=f"{actor} saved {rfp.reference} as the template '{template.title}'",
        )
    return template


def rfp_template_delete(*, actor: User, template: RFP) -> None:
    membership = require_buyer(actor, Capability.EDIT_RFP)
    if not template.is_template or template.organization_id != membership.organization_id:
        raise NotFoundError("Template not found. Starter templates cannot be removed.")
    audit_record(
        actor=actor,
        action="rfp.template_deleted",
        obj=template,
        organization=membership.organization,
        summary=f"{actor} removed the template '{template.title}'",
    )
    template.delete()


# --- Editing the RFP's details and timeline ------------------------------------------------


LATER_ONLY_MESSAGE = (
    "The deadline can only move later once vendors have it: the RFP is published. "
    "It is {current}; choose a later date and time."
)


def _clean_details(
    rfp: RFP,
    *,
    changed: set[str],
    published: dict[str, dt.datetime | None] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Field-level checks for the details and the timeline. Deadlines are kept and
    compared in UTC to the second; only a deadline being set must be in the future.
    `published` holds the deadlines vendors already have: those only move later."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    for name in DEADLINE_FIELDS:
        if name in changed:
            setattr(rfp, name, truncate_to_second(getattr(rfp, name)))
    if "title" in changed and not (rfp.title or "").strip():
        errors["title"] = "Give the RFP a title."
    if "currency" in changed and not is_currency(rfp.currency):
        errors["currency"] = f"'{rfp.currency}' is not a currency code."
    if rfp.budget is not None and rfp.budget < 0:
        errors["budget"] = "The budget cannot be negative."
    if rfp.coverage not in Coverage.values:
        errors["coverage"] = "Choose the coverage hours."
    if rfp.visibility not in Visibility.values:
        errors["visibility"] = "Choose who may see the RFP."
    if rfp.preferred_location_model and rfp.preferred_location_model not in {
        m.value for m in LocationModel
    }:
        errors["preferred_location_model"] = "Choose onshore, nearshore or offshore."
    elif rfp.preferred_location_model and not getattr(
        rfp, f"accept_{rfp.preferred_location_model}"
    ):
        errors["preferred_location_model"] = "The preferred location model must be one you accept."
    if not (rfp.accept_onshore or rfp.accept_nearshore or rfp.accept_offshore) and changed & {
        "accept_onshore",
        "accept_nearshore",
        "accept_offshore",
    }:
        errors["accept_onshore"] = "Accept at least one location model."
    for name in DEADLINE_FIELDS:
        value = getattr(rfp, name)
        if name in changed and value is not None:
            if timezone.is_naive(value):
                errors[name] = "Give the time zone of this date and time."
            elif value <= now:
                errors[name] = "This date is in the past: choose a later one."
        current = (published or {}).get(name)
        moved_earlier = current is not None and (value is None or value < current)
        if name in changed and moved_earlier and name not in errors:
            assert current is not None
            errors[name] = LATER_ONLY_MESSAGE.format(
                current=f"{timezone.localtime(current):%d %b %Y at %H:%M %Z}"
            )
    q, s = rfp.question_deadline, rfp.submission_deadline
    if (
        q
        and s
        and "question_deadline" not in errors
        and "submission_deadline" not in errors
        and timezone.is_aware(q)
        and timezone.is_aware(s)
        and q >= s
    ):
        errors["question_deadline"] = (
            "The question deadline must be before the submission deadline."
        )
    award = rfp.expected_award_date
    if (
        award
        and s
        and "submission_deadline" not in errors
        and timezone.is_aware(s)
        and award < s.astimezone(dt.UTC).date()
    ):
        errors["expected_award_date"] = (
            "The expected award date must be after the submission deadline."
        )
    if errors:
        raise ApplicationError.for_fields(errors)


def _published_deadlines(rfp: RFP) -> dict[str, dt.datetime | None] | None:
    """The deadlines vendors have, once the RFP is published: they only move later."""
    if rfp.publication_at is None:
        return None
    return {name: getattr(rfp, name) for name in DEADLINE_FIELDS}


def rfp_timeline_errors(
    *,
    rfp: RFP,
    question_deadline: dt.datetime | None,
    submission_deadline: dt.datetime | None,
    expected_award_date: dt.date | None,
) -> dict[str, list[str]]:
    """What saving these dates would refuse, without saving (for inline validation)."""
    candidate = RFP.objects.get(pk=rfp.pk)
    values = {
        "question_deadline": question_deadline,
        "submission_deadline": submission_deadline,
        "expected_award_date": expected_award_date,
    }
    changed = {name for name, value in values.items() if getattr(candidate, name) != value}
    published = _published_deadlines(candidate)
    for name, value in values.items():
        setattr(candidate, name, value)
    try:
        _clean_details(candidate, changed=changed, published=published)
    except ApplicationError as exc:
        return {k: v for k, v in exc.fields.items() if k in values}
    return {}


def rfp_update(
    *, actor: User, rfp: RFP, version: int | None, addendum_summary: str = "", **fields: Any
) -> RFP:
    """Change the details or the timeline. After publication this is an addendum."""
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=rfp, version=version)
        m2m = {k: fields.pop(k) for k in list(fields) if k in DETAIL_M2M_FIELDS}
        fields = _detail_fields(fields)
        if locked.status == RFPStatus.PUBLISHED:
            for name in LOCKED_AFTER_PUBLICATION & set(fields):
                if fields[name] != getattr(locked, name):
                    raise ApplicationError.for_fields(
                        {name: "This cannot change once vendors have the RFP."}
                    )
        changed = {
            name for name, value in fields.items() if getattr(locked, name, object()) != value
        }
        published = _published_deadlines(locked)
        changes = _set_fields(locked, fields, DETAIL_FIELDS)
        _clean_details(locked, changed=changed, published=published)
        validate_model(locked, exclude=["organization", "created_by", "updated_by"])
        if published is not None and locked.submission_deadline is not None:
            # The seal follows the latest deadline ever published, never an earlier one.
            locked.seal_lifts_at = max(
                d for d in (locked.seal_lifts_at, locked.submission_deadline) if d is not None
            )
        locked.save()
        _record_deadline_changes(actor=actor, rfp=locked, before=published)
        for name, values in m2m.items():
            manager = getattr(locked, name)
            before = {str(v) for v in manager.all()}
            manager.set(values)
            after = {str(v) for v in manager.all()}
            if before != after:
                label = _field_label(RFP, name)
                changes.append(
                    f"{label}: {', '.join(sorted(before)) or '—'} → "
                    f"{', '.join(sorted(after)) or '—'}"
                )
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=changes,
            addendum_summary=addendum_summary,
            action="rfp.updated",
            summary=f"{actor} changed {locked.reference}",
        )
    return locked


def _record_deadline_changes(
    *, actor: User, rfp: RFP, before: dict[str, dt.datetime | None] | None
) -> None:
    """A published deadline moved: recorded with the old and the new value."""
    if before is None:
        return
    for name in DEADLINE_FIELDS:
        old, new = before[name], getattr(rfp, name)
        if old != new:
            audit_record(
                actor=actor,
                action="rfp.deadline_changed",
                obj=rfp,
                organization=rfp.organization,
                summary=f"{actor} moved the {_field_label(RFP, name)} of {rfp.reference} "
                f"from {_describe(old)} to {_describe(new)}",
                data={
                    "field": name,
                    "old": old.isoformat() if old else None,
                    "new": new.isoformat() if new else None,
                    "seal_lifts_at": rfp.seal_lifts_at.isoformat() if rfp.seal_lifts_at else None,
                },
            )


def rfp_attachment_add(
    *,
    actor: User,
    rfp: RFP,
    version: int | None,
    upload: UploadedFile[Any] | None,
    addendum_summary: str = "",
) -> RFPAttachment:
    content_type = validate_upload(upload, field="file")
    assert upload is not None
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=rfp, version=version)
        name = (upload.name or "document")[:200]
        attachment = RFPAttachment(
            rfp=locked,
            name=name,
            content_type=content_type,
            size=upload.size or 0,
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Document added: {name}"],
            addendum_summary=addendum_summary,
            action="rfp.attachment_added",
            summary=f"{actor} attached {name} to {locked.reference}",
        )
    return attachment


def rfp_attachment_downloaded(*, user: User, rfp: RFP, attachment: RFPAttachment) -> None:
    """Record who downloaded an RFP document, and when (the caller checked the right)."""
    if not attachment.file:
        return  # nothing is served: the download answers "no longer available"
    audit_record(
        actor=user,
        action="rfp.attachment_downloaded",
        obj=attachment,
        organization=rfp.organization,
        summary=f"{user} downloaded “{attachment.name}” of {rfp.reference}",
        data={"rfp_id": rfp.pk, "file": attachment.name},
    )


def rfp_attachment_delete(
    *, actor: User, attachment: RFPAttachment, version: int | None, addendum_summary: str = ""
) -> RFP:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=attachment.rfp, version=version)
        name = attachment.name
        attachment.file.delete(save=False)
        attachment.delete()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Document removed: {name}"],
            addendum_summary=addendum_summary,
            action="rfp.attachment_removed",
            summary=f"{actor} removed {name} from {locked.reference}",
        )
    return locked


# --- Parts: lots, sections, questions, pricing lines, service levels --------------------------

LOT_FIELDS = {
    "name",
    "description",
    "contract_term_months",
    "ramp_up_months",
    "sla_type",
    *(name for name, _, _ in VOLUME_FIELDS),
}


def _clean_lot(lot: Lot) -> None:
    errors: dict[str, str] = {}
    if not lot.name.strip():
        errors["name"] = "Name the lot, e.g. 'Voice support'."
    for name, _, _ in VOLUME_FIELDS:
        value = getattr(lot, name)
        if value is not None and value < 0:
            errors[name] = "Volumes cannot be negative."
    if not any(errors.get(name) for name, _, _ in VOLUME_FIELDS) and not lot.has_volumes:
        errors["volumes"] = (
            "Give at least one volume vendors can price against: FTEs, seats, hours, "
            "transactions, contacts, users or devices."
        )
    term = lot.contract_term_months
    if term is None:
        errors["contract_term_months"] = "Give the contract term in months."
    elif term < 1:
        errors["contract_term_months"] = "The contract term must be at least one month."
    if lot.ramp_up_months is not None:
        if lot.ramp_up_months < 0:
            errors["ramp_up_months"] = "The ramp-up cannot be negative."
        elif term and lot.ramp_up_months > term:
            errors["ramp_up_months"] = "The ramp-up cannot be longer than the contract term."
    if lot.sla_type not in SLAType.values:
        errors["sla_type"] = "Choose the SLA type."
    if errors:
        raise ApplicationError.for_fields(errors)
    validate_model(lot, exclude=["rfp"])


def _lot_fields(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    for name, _, _ in VOLUME_FIELDS:
        if name in out:
            out[name] = _decimal(out[name])
    for name in ("contract_term_months", "ramp_up_months"):
        if name in out and out[name] is not None:
            try:
                out[name] = int(out[name])
            except (TypeError, ValueError):
                raise ApplicationError.for_fields({name: "Enter a whole number of months."})
    return out


def _pricing_lines_still_valid(lot: Lot) -> None:
    """A lot's volume cannot be removed while a pricing line multiplies it."""
    for line in lot.pricing_lines.all():
        basis = line.volume_basis
        if basis and basis != FIXED_BASIS and not lot.volume(basis):
            raise ApplicationError.for_fields(
                {
                    basis: f"The pricing line '{line.description}' multiplies this volume: "
                    "keep it, or change that line first."
                }
            )


def lot_create(
    *, actor: User, rfp: RFP, version: int | None, addendum_summary: str = "", **fields: Any
) -> Lot:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=rfp, version=version)
        lot = Lot(rfp=locked, order=locked.lots.count())
        _set_fields(lot, _lot_fields(fields), LOT_FIELDS)
        _clean_lot(lot)
        lot.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Lot added: {lot.name}"],
            addendum_summary=addendum_summary,
            action="rfp.lot_added",
            summary=f"{actor} added the lot '{lot.name}' to {locked.reference}",
        )
    return lot


def lot_update(
    *, actor: User, lot: Lot, version: int | None, addendum_summary: str = "", **fields: Any
) -> Lot:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=lot.rfp, version=version)
        lot = Lot.objects.select_for_update().get(pk=lot.pk, rfp=locked)
        lot.rfp = locked
        changes = [
            f"Lot '{lot.name}': {c}" for c in _set_fields(lot, _lot_fields(fields), LOT_FIELDS)
        ]
        _clean_lot(lot)
        _pricing_lines_still_valid(lot)
        lot.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=changes,
            addendum_summary=addendum_summary,
            action="rfp.lot_changed",
            summary=f"{actor} changed the lot '{lot.name}' of {locked.reference}",
        )
    return lot


def lot_delete(*, actor: User, lot: Lot, version: int | None, addendum_summary: str = "") -> RFP:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=lot.rfp, version=version)
        name = lot.name
        Lot.objects.filter(pk=lot.pk, rfp=locked).delete()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Lot removed: {name}"],
            addendum_summary=addendum_summary,
            action="rfp.lot_removed",
            summary=f"{actor} removed the lot '{name}' from {locked.reference}",
        )
    return locked


SECTION_FIELDS = {"title", "description"}


def _clean_section(section: QuestionSection) -> None:
    if not section.title.strip():
        raise ApplicationError.for_fields({"title": "Give the section a title."})
    validate_model(section, exclude=["rfp"])


def question_section_create(
    *, actor: User, rfp: RFP, version: int | None, addendum_summary: str = "", **fields: Any
) -> QuestionSection:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=rfp, version=version)
        section = QuestionSection(rfp=locked, order=locked.sections.count())
        _set_fields(section, fields, SECTION_FIELDS)
        _clean_section(section)
        section.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Questionnaire section added: {section.title}"],
            addendum_summary=addendum_summary,
            action="rfp.section_added",
            summary=f"{actor} added the section '{section.title}' to {locked.reference}",
        )
    return section


def question_section_update(
    *,
    actor: User,
    section: QuestionSection,
    version: int | None,
    addendum_summary: str = "",
    **fields: Any,
) -> QuestionSection:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=section.rfp, version=version)
        section = QuestionSection.objects.get(pk=section.pk, rfp=locked)
        section.rfp = locked
        changes = [
            f"Section '{section.title}': {c}" for c in _set_fields(section, fields, SECTION_FIELDS)
        ]
        _clean_section(section)
        section.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=changes,
            addendum_summary=addendum_summary,
            action="rfp.section_changed",
            summary=f"{actor} changed the section '{section.title}' of {locked.reference}",
        )
    return section


def question_section_delete(
    *, actor: User, section: QuestionSection, version: int | None, addendum_summary: str = ""
) -> RFP:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=section.rfp, version=version)
        title = section.title
        QuestionSection.objects.filter(pk=section.pk, rfp=locked).delete()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Questionnaire section removed, with its questions: {title}"],
            addendum_summary=addendum_summary,
            action="rfp.section_removed",
            summary=f"{actor} removed the section '{title}' from {locked.reference}",
        )
    return locked


QUESTION_FIELDS = {
    "text",
    "kind",
    "choices",
    "mandatory",
    "guidance",
    "is_knockout",
    "knockout_answer",
}


def _clean_choices(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    seen: list[str] = []
    for item in value or []:
        text = str(item).strip()
        if text and text not in seen:
            seen.append(text[:200])
    return seen


def _clean_question(question: Question) -> None:
    errors: dict[str, str] = {}
    if not question.text.strip():
        errors["text"] = "Write the question."
    if question.kind not in QuestionKind.values:
        errors["kind"] = "Choose the type of answer."
    if question.kind in CHOICE_KINDS:
        if len(question.choices) < 2:
            errors["choices"] = "Give at least two choices, one per line."
    else:
        question.choices = []
    if question.is_knockout:
        question.mandatory = True
        if question.kind not in KNOCKOUT_KINDS:
            errors["is_knockout"] = (
                "Only yes/no and single-choice questions can be knock-out questions."
            )
        elif question.knockout_answer not in selectors.knockout_answer_options(question):
            errors["knockout_answer"] = (
                "Choose the answer a proposal must give: "
                + ", ".join(selectors.knockout_answer_options(question) or ["yes", "no"])
                + "."
            )
    else:
        question.knockout_answer = ""
    if errors:
        raise ApplicationError.for_fields(errors)
    validate_model(question, exclude=["section"])


def _question_fields(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    if "choices" in out:
        out["choices"] = _clean_choices(out["choices"])
    if "knockout_answer" in out:
        out["knockout_answer"] = (out["knockout_answer"] or "").strip()
    return out


def _section_of(locked: RFP, section: QuestionSection | int | None) -> QuestionSection:
    section_id = section.pk if isinstance(section, QuestionSection) else section
    found = (
        QuestionSection.objects.filter(pk=section_id, rfp=locked).first()
        if isinstance(section_id, int)
        else None
    )
    if found is None:
        raise ApplicationError.for_fields({"section": "Choose a section of this questionnaire."})
    return found


def question_create(
    *,
    actor: User,
    rfp: RFP,
    section: QuestionSection | int | None,
    version: int | None,
    addendum_summary: str = "",
    **fields: Any,
) -> Question:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=rfp, version=version)
        owner = _section_of(locked, section)
        question = Question(section=owner, order=owner.questions.count())
        _set_fields(question, _question_fields(fields), QUESTION_FIELDS)
        _clean_question(question)
        question.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Question added in '{owner.title}': {question.text[:120]}"],
            addendum_summary=addendum_summary,
            action="rfp.question_added",
            summary=f"{actor} added a question to {locked.reference}",
        )
    return question


def question_update(
    *,
    actor: User,
    question: Question,
    version: int | None,
    addendum_summary: str = "",
    section: QuestionSection | int | None = None,
    **fields: Any,
) -> Question:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=question.section.rfp, version=version)
        question = Question.objects.select_related("section").get(
            pk=question.pk, section__rfp=locked
        )
        if section is not None and getattr(section, "pk", section) != question.section_id:
            owner = _section_of(locked, section)
            question.section = owner
            question.order = owner.questions.count()
        changes = [
            f"Question '{question.text[:60]}': {c}"
            for c in _set_fields(question, _question_fields(fields), QUESTION_FIELDS)
        ]
        _clean_question(question)
        question.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=changes,
            addendum_summary=addendum_summary,
            action="rfp.question_changed",
            summary=f"{actor} changed a question of {locked.reference}",
        )
    return question


def question_delete(
    *, actor: User, question: Question, version: int | None, addendum_summary: str = ""
) -> RFP:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=question.section.rfp, version=version)
        text = question.text
        Question.objects.filter(pk=question.pk, section__rfp=locked).delete()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Question removed: {text[:120]}"],
            addendum_summary=addendum_summary,
            action="rfp.question_removed",
            summary=f"{actor} removed a question from {locked.reference}",
        )
    return locked


# The fields a buyer edits on a pricing line and on a KPI, in the order the forms show
# them: the one list the page (rfp/views.py PARTS), the forms and the API serializers
# follow (tests/rfp/test_editing.py checks they agree).
PRICING_FIELDS = (
    "charge_type",
    "description",
    "unit",
    "recurrence",
    "volume_basis",
    "fixed_quantity",
)


def _clean_pricing_line(line: PricingLine, lot: Lot) -> None:
    errors: dict[str, str] = {}
    if line.charge_type not in ChargeType.values:
        errors["charge_type"] = "Choose what kind of charge this is."
    else:
        recurrence, _, unit = CHARGE_DEFAULTS[line.charge_type]
        line.recurrence = line.recurrence or recurrence
        line.unit = (line.unit or "").strip() or unit
        if not (line.description or "").strip():
            line.description = ChargeType(line.charge_type).label
    if line.recurrence not in Recurrence.values:
        errors["recurrence"] = "Choose one-time or monthly."
    if not line.volume_basis:
        errors["volume_basis"] = "Choose the volume this price multiplies, or 'a fixed quantity'."
    elif line.volume_basis == FIXED_BASIS:
        if line.fixed_quantity is None or line.fixed_quantity <= 0:
            errors["fixed_quantity"] = "Give a quantity greater than zero."
    elif line.volume_basis not in VOLUME_LABELS:
        errors["volume_basis"] = "Choose one of the lot's volumes."
    elif not lot.volume(line.volume_basis):
        errors["volume_basis"] = (
            f"The lot '{lot.name}' has no {VOLUME_LABELS[line.volume_basis].lower()}. "
            "Give that volume on the lot first, or choose another."
        )
    if errors:
        raise ApplicationError.for_fields(errors)
    validate_model(line, exclude=["lot"])


def _pricing_fields(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    if "fixed_quantity" in out:
        out["fixed_quantity"] = _decimal(out["fixed_quantity"])
        if out["fixed_quantity"] is None:
            out["fixed_quantity"] = Decimal("1")
    return out


def _lot_of(locked: RFP, lot: Lot | int | None) -> Lot:
    lot_id = lot.pk if isinstance(lot, Lot) else lot
    found = Lot.objects.filter(pk=lot_id, rfp=locked).first() if isinstance(lot_id, int) else None
    if found is None:
        raise ApplicationError.for_fields({"lot": "Choose a lot of this RFP."})
    return found


def pricing_line_create(
    *,
    actor: User,
    rfp: RFP,
    lot: Lot | int | None,
    version: int | None,
    addendum_summary: str = "",
    **fields: Any,
) -> PricingLine:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=rfp, version=version)
        owner = _lot_of(locked, lot)
        line = PricingLine(lot=owner, order=owner.pricing_lines.count(), recurrence="")
        fields = _pricing_fields(fields)
        if "charge_type" in fields and "volume_basis" not in fields:
            fields["volume_basis"] = CHARGE_DEFAULTS.get(fields["charge_type"], ("", "", ""))[1]
        _set_fields(line, fields, PRICING_FIELDS)
        _clean_pricing_line(line, owner)
        line.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Pricing line added to '{owner.name}': {line.description}"],
            addendum_summary=addendum_summary,
            action="rfp.pricing_line_added",
            summary=f"{actor} added a pricing line to {locked.reference}",
        )
    return line


def pricing_line_update(
    *,
    actor: User,
    line: PricingLine,
    version: int | None,
    addendum_summary: str = "",
    **fields: Any,
) -> PricingLine:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=line.lot.rfp, version=version)
        line = PricingLine.objects.select_related("lot").get(pk=line.pk, lot__rfp=locked)
        changes = [
            f"Pricing line '{line.description}': {c}"
            for c in _set_fields(line, _pricing_fields(fields), PRICING_FIELDS)
        ]
        _clean_pricing_line(line, line.lot)
        line.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=changes,
            addendum_summary=addendum_summary,
            action="rfp.pricing_line_changed",
            summary=f"{actor} changed a pricing line of {locked.reference}",
        )
    return line


def pricing_line_delete(
    *, actor: User, line: PricingLine, version: int | None, addendum_summary: str = ""
) -> RFP:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=line.lot.rfp, version=version)
        description = line.description
        PricingLine.objects.filter(pk=line.pk, lot__rfp=locked).delete()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Pricing line removed: {description}"],
            addendum_summary=addendum_summary,
            action="rfp.pricing_line_removed",
            summary=f"{actor} removed a pricing line from {locked.reference}",
        )
    return locked


SERVICE_LEVEL_FIELDS = (
    "metric",
    "name",
    "target",
    "unit",
    "direction",
    "data_source",
    "measurement_frequency",
    "service_credit_percent",
)


def _clean_service_level(level: ServiceLevel) -> None:
    errors: dict[str, str] = {}
    if level.metric not in MetricKind.values:
        errors["metric"] = "Choose a metric."
    else:
        unit, direction = METRIC_DEFAULTS[level.metric]
        level.unit = level.unit.strip() if level.unit else unit
        level.direction = level.direction or direction
        if not (level.name or "").strip():
            if level.metric == MetricKind.OTHER:
                errors["name"] = "Name the KPI."
            else:
                level.name = MetricKind(level.metric).label
    if level.direction not in Direction.values:
        errors["direction"] = "Say whether higher or lower is better."
    if level.measurement_frequency not in MeasurementFrequency.values:
        errors["measurement_frequency"] = "Choose how often it is measured."
    if level.target is None:
        errors["target"] = "Give the target."
    elif level.unit.startswith("%") and not (0 <= level.target <= 100):
        errors["target"] = "A percentage is between 0 and 100."
    elif level.metric == MetricKind.NPS and not (-100 <= level.target <= 100):
        errors["target"] = "An NPS is between -100 and 100."
    elif level.target < 0 and level.metric != MetricKind.NPS:
        errors["target"] = "The target cannot be negative."
    credit = level.service_credit_percent
    if credit is not None and not (0 <= credit <= 100):
        errors["service_credit_percent"] = "A service credit is between 0% and 100% of the fees."
    if errors:
        raise ApplicationError.for_fields(errors)
    validate_model(level, exclude=["lot"])


def _service_level_fields(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    for name in ("target", "service_credit_percent"):
        if name in out:
            out[name] = _decimal(out[name])
    return out


def service_level_create(
    *,
    actor: User,
    rfp: RFP,
    lot: Lot | int | None,
    version: int | None,
    addendum_summary: str = "",
    **fields: Any,
) -> ServiceLevel:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=rfp, version=version)
        owner = _lot_of(locked, lot)
        level = ServiceLevel(lot=owner, order=owner.service_levels.count(), direction="")
        _set_fields(level, _service_level_fields(fields), SERVICE_LEVEL_FIELDS)
        _clean_service_level(level)
        level.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"KPI added to '{owner.name}': {level.name} {level.target_label}"],
            addendum_summary=addendum_summary,
            action="rfp.service_level_added",
            summary=f"{actor} added a KPI to {locked.reference}",
        )
    return level


def service_level_update(
    *,
    actor: User,
    level: ServiceLevel,
    version: int | None,
    addendum_summary: str = "",
    **fields: Any,
) -> ServiceLevel:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=level.lot.rfp, version=version)
        level = ServiceLevel.objects.select_related("lot").get(pk=level.pk, lot__rfp=locked)
        changes = [
            f"KPI '{level.name}': {c}"
            for c in _set_fields(level, _service_level_fields(fields), SERVICE_LEVEL_FIELDS)
        ]
        _clean_service_level(level)
        level.save()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=changes,
            addendum_summary=addendum_summary,
            action="rfp.service_level_changed",
            summary=f"{actor} changed a KPI of {locked.reference}",
        )
    return level


def service_level_delete(
    *, actor: User, level: ServiceLevel, version: int | None, addendum_summary: str = ""
) -> RFP:
    with transaction.atomic():
        locked = _begin_edit(actor=actor, rfp=level.lot.rfp, version=version)
        name = level.name
        ServiceLevel.objects.filter(pk=level.pk, lot__rfp=locked).delete()
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"KPI removed: {name}"],
            addendum_summary=addendum_summary,
            action="rfp.service_level_removed",
            summary=f"{actor} removed a KPI from {locked.reference}",
        )
    return locked


# --- The lifecycle ---------------------------------------------------------------------------

OPEN_STATUSES = (
    RFPStatus.DRAFT,
    RFPStatus.PENDING_APPROVAL,
    RFPStatus.PUBLISHED,
    RFPStatus.CLOSED,
    RFPStatus.UNDER_EVALUATION,
)

# action -> (statuses it starts from, status it leads to, capability, verb for messages)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, Capability, str]] = {
    "submit": (
        (RFPStatus.DRAFT,),
        RFPStatus.PENDING_APPROVAL,
        Capability.EDIT_RFP,
        "submitted for approval",
    ),
    "approve": (
        (RFPStatus.PENDING_APPROVAL,),
        RFPStatus.PUBLISHED,
        Capability.APPROVE_RFP,
        "approved",
    ),
    "return": (
        (RFPStatus.PENDING_APPROVAL,),
        RFPStatus.DRAFT,
        Capability.APPROVE_RFP,
        "returned to draft",
    ),
    "start_evaluation": (
        (RFPStatus.CLOSED,),
        RFPStatus.UNDER_EVALUATION,
        Capability.MANAGE_EVALUATION,
        "moved to evaluation",
    ),
    "award": (
        (RFPStatus.UNDER_EVALUATION,),
        RFPStatus.AWARDED,
        Capability.APPROVE_AWARD,
        "awarded",
    ),
    "cancel": (OPEN_STATUSES, RFPStatus.CANCELLED, Capability.EDIT_RFP, "cancelled"),
}


def transition_allowed(rfp: RFP, action: str) -> bool:
    """Whether the RFP's state allows the action (not whether the user may)."""
    sources = TRANSITIONS[action][0]
    return rfp.status in sources


def _transition(
    *,
    actor: User | None,
    rfp: RFP,
    action: str,
    version: int | None,
    comment: str = "",
    check: Callable[[RFP], None] | None = None,
) -> tuple[RFP, str]:
    """Inside a transaction: lock, check role, state and version (then `check`, the
    action's own rule, on the locked RFP), record the move."""
    sources, target, capability, verb = TRANSITIONS[action]
    if rfp.is_template:
        raise NotFoundError("RFP not found.")
    if actor is not None:
        require_buyer(actor, capability, rfp.organization_id)
    locked = _lock(rfp)
    if locked.status not in sources:
        raise ConflictError(
            f"This RFP is {locked.get_status_display().lower()}, so it cannot be {verb}.",
            extra={"status": locked.status},
        )
    if version is not None:
        _check_version(locked, version)
    if check is not None:
        check(locked)
    previous = locked.status
    locked.status = target
    locked.version += 1
    if actor is not None:
        locked.updated_by = actor
    RFPTransition.objects.create(
        rfp=locked, actor=actor, from_status=previous, to_status=target, comment=comment.strip()
    )
    return locked, previous


def _submitter(rfp: RFP) -> User | None:
    last = (
        RFPTransition.objects.filter(rfp=rfp, to_status=RFPStatus.PENDING_APPROVAL)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    return last.actor if last else None


def rfp_submit_for_approval(
    *, actor: User, rfp: RFP, version: int | None, comment: str = ""
) -> RFP:
    """A complete draft goes to the organization's admins for approval."""
    with transaction.atomic():
        locked, _ = _transition(
            actor=actor, rfp=rfp, action="submit", version=version, comment=comment
        )
        _raise_problems(selectors.rfp_with_content(locked.pk))
        locked.save()
        assert locked.organization_id is not None
        admins = [
            email
            for email in _org_users_with(locked.organization_id, [BuyerRole.ADMIN])
            if email != actor.email
        ]
        send_templated_email(
            to=admins,
            template_prefix="emails/rfp_approval_requested",
            context={
                "rfp": locked,
                "submitter": actor,
                "comment": comment.strip(),
                "url": site_link("rfp_check", locked.pk),
            },
        )
        audit_record(
            actor=actor,
            action="rfp.submitted",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} submitted {locked.reference} for approval",
        )
    return locked


SUBMITTED_FOR_APPROVAL = "submitted this RFP for approval"


def rfp_approval_refusal(*, actor: User, rfp: RFP) -> str | None:
    """Why this admin may not approve this RFP waiting for approval (four eyes: they
    submitted it), or None. The pages show it instead of the button; `rfp_approve`
    enforces the same rule."""
    if rfp.status != RFPStatus.PENDING_APPROVAL:
        return None
    return second_person_refusal(
        organization=rfp.organization,
        actor=actor,
        first_actor=_submitter(rfp),
        what=SUBMITTED_FOR_APPROVAL,
    )


def rfp_approve(*, actor: User, rfp: RFP, version: int | None, comment: str = "") -> RFP:
    """An admin approves an RFP waiting for approval: it is published and the
    invitations go out. Four eyes: the admin is not the person who submitted it,
    unless the organization switched four eyes off. There is no other way to
    publish: a draft is submitted first."""
    submitter: User | None = None

    def four_eyes(locked: RFP) -> None:
        nonlocal submitter
        submitter = _submitter(locked)
        require_second_person(
            organization=locked.organization,
            actor=actor,
            first_actor=submitter,
            what=SUBMITTED_FOR_APPROVAL,
        )

    with transaction.atomic():
        locked, _ = _transition(
            actor=actor,
            rfp=rfp,
            action="approve",
            version=version,
            comment=comment,
            check=four_eyes,
        )
        _raise_problems(selectors.rfp_with_content(locked.pk))
        now = timezone.now()
        locked.publication_at = now
        locked.seal_lifts_at = max(
            d for d in (locked.seal_lifts_at, locked.submission_deadline) if d is not None
        )
        locked.save()
        parts.publish_all(locked, actor)  # e.g. scoring records that the criteria locked
        for invitation in RFPInvitation.objects.filter(
            rfp=locked, sent_at__isnull=True
        ).select_related("company"):
            _send_invitation(invitation, rfp=locked, now=now)
        if submitter is not None and submitter.pk != actor.pk:
            send_templated_email(
                to=[submitter.email],
                template_prefix="emails/rfp_approved",
                context={
                    "rfp": locked,
                    "approver": actor,
                    "comment": comment.strip(),
                    "url": site_link("rfp_detail", locked.pk),
                },
            )
        own = submitter is not None and submitter.pk == actor.pk
        audit_record(
            actor=actor,
            action="rfp.published",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} approved and published {locked.reference}, "
            + (
                "which they had submitted themselves (four eyes switched off)"
                if own
                else f"submitted for approval by {submitter or 'an unknown user'}"
            ),
            data={
                "submitted_by": submitter.pk if submitter is not None else None,
                "approved_by": actor.pk,
                "four_eyes_required": four_eyes_apply(locked.organization),
                "comment": comment.strip(),
            },
        )
    return locked


def rfp_return_to_draft(*, actor: User, rfp: RFP, version: int | None, comment: str) -> RFP:
    """An admin sends an RFP back to its authors with comments."""
    if not comment.strip():
        raise ApplicationError.for_fields(
            {"comment": "Tell the author what to change before it can be approved."}
        )
    with transaction.atomic():
        submitter = _submitter(rfp)
        locked, _ = _transition(
            actor=actor, rfp=rfp, action="return", version=version, comment=comment
        )
        locked.save()
        if submitter is not None and submitter.pk != actor.pk:
            send_templated_email(
                to=[submitter.email],
                template_prefix="emails/rfp_returned",
                context={
                    "rfp": locked,
                    "approver": actor,
                    "comment": comment.strip(),
                    "url": site_link("rfp_detail", locked.pk),
                },
            )
        audit_record(
            actor=actor,
            action="rfp.returned",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} returned {locked.reference} to draft",
            data={"comment": comment.strip()},
        )
    return locked


def rfps_close_past_deadline(*, now: dt.datetime | None = None) -> list[int]:
    """Beat job: record the close of every published RFP whose submission deadline
    has passed (they already count as closed everywhere). Safe to run concurrently
    and again."""
    now = now or timezone.now()
    closed: list[int] = []
    for rfp_id in list(RFP.objects.past_submission_deadline(now).values_list("pk", flat=True)):
        with transaction.atomic():
            before = RFP.objects.filter(pk=rfp_id).values_list("status", flat=True).first()
            locked = _lock(RFP(pk=rfp_id), now=now)
            if before == RFPStatus.PUBLISHED and locked.status == RFPStatus.CLOSED:
                closed.append(locked.pk)
    return closed


def rfp_start_evaluation(*, actor: User, rfp: RFP, version: int | None, comment: str = "") -> RFP:
    with transaction.atomic():
        locked, _ = _transition(
            actor=actor, rfp=rfp, action="start_evaluation", version=version, comment=comment
        )
        locked.save()
        audit_record(
            actor=actor,
            action="rfp.evaluation_started",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} started the evaluation of {locked.reference}",
        )
    return locked


def rfp_award(*, actor: User, rfp: RFP, version: int | None, comment: str = "") -> RFP:
    """Record that the RFP is awarded. No door of its own: scoring calls it when the
    last lot with bids has an award approved by a second person (award_approve), so
    nobody marks an RFP awarded alone."""
    with transaction.atomic():
        locked, _ = _transition(
            actor=actor, rfp=rfp, action="award", version=version, comment=comment
        )
        locked.save()
        audit_record(
            actor=actor,
            action="rfp.awarded",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} marked {locked.reference} as awarded",
        )
    return locked


def rfp_cancel(*, actor: User, rfp: RFP, version: int | None, reason: str) -> RFP:
    """Cancel from any open state; every vendor that was told about it hears why."""
    if not reason.strip():
        raise ApplicationError.for_fields(
            {"reason": "Give the reason: invited vendors receive it."}
        )
    with transaction.atomic():
        locked, _ = _transition(
            actor=actor, rfp=rfp, action="cancel", version=version, comment=reason
        )
        locked.save()
        for invitation in RFPInvitation.objects.filter(
            rfp=locked, sent_at__isnull=False
        ).select_related("company"):
            send_templated_email(
                to=selectors.invitation_recipients(invitation),
                template_prefix="emails/rfp_cancelled",
                context={"rfp": locked, "buyer": locked.organization, "reason": reason.strip()},
            )
        audit_record(
            actor=actor,
            action="rfp.cancelled",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} cancelled {locked.reference}",
            data={"reason": reason.strip()},
        )
    return locked


# --- Distribution ----------------------------------------------------------------------------

INVITABLE_STATUSES = (RFPStatus.DRAFT, RFPStatus.PENDING_APPROVAL, RFPStatus.PUBLISHED)


def _send_invitation(invitation: RFPInvitation, *, rfp: RFP, now: dt.datetime) -> None:
    registered = invitation.company_id is not None
    send_templated_email(
        to=selectors.invitation_recipients(invitation),
        template_prefix="emails/rfp_invitation" if registered else "emails/rfp_invitation_register",
        context={
            "rfp": rfp,
            "buyer": rfp.organization,
            "invitation": invitation,
            "url": site_link("rfp_detail", rfp.pk),
            # Straight to "Register your company", with the invited address filled in:
            # the invitation attaches to a company registered with that address.
            "signup_url": site_link("vendor_register")
            + "?"
            + urlencode({"email": invitation.email or ""}),
        },
    )
    invitation.sent_at = now
    invitation.save(update_fields=["sent_at"])


def _check_can_invite(actor: User, rfp: RFP) -> RFP:
    require_buyer(actor, Capability.EDIT_RFP, rfp.organization_id)
    locked = _lock(rfp)
    if locked.status not in INVITABLE_STATUSES:
        raise ConflictError(
            f"This RFP is {locked.get_status_display().lower()}: vendors can no longer be invited."
        )
    return locked


def _invite_company(
    *, actor: User, rfp: RFP, company: VendorCompany, field: str = "company"
) -> RFPInvitation:
    assert rfp.organization is not None
    if vendor_is_blocked(organization=rfp.organization, company_id=company.pk):
        raise ApplicationError.for_fields(
            {field: f"{company.display_name} is blocked in your vendor list and cannot be invited."}
        )
    if RFPInvitation.objects.filter(rfp=rfp, company=company).exists():
        raise ApplicationError.for_fields({field: f"{company.display_name} is already invited."})
    invitation = RFPInvitation.objects.create(rfp=rfp, company=company, invited_by=actor)
    invitation.company = company
    if rfp.status == RFPStatus.PUBLISHED:
        _send_invitation(invitation, rfp=rfp, now=timezone.now())
    audit_record(
        actor=actor,
        action="rfp.vendor_invited",
        obj=rfp,
        organization=rfp.organization,
        summary=f"{actor} invited {company.display_name} to {rfp.reference}",
    )
    return invitation


def rfp_invitation_create(
    *,
    actor: User,
    rfp: RFP,
    company: VendorCompany | None = None,
    email: str = "",
) -> RFPInvitation:
    """Invite a registered vendor, or an e-mail address. An address of a registered
    vendor's user invites that company; any other address gets an invitation to
    register and is attached to the RFP when it does. Before publication the
    invitation waits; it is e-mailed when the RFP is published."""
    email = (email or "").strip().lower()
    if (company is None) == (not email):
        raise ApplicationError.for_fields(
            {"company": "Choose a vendor from the directory, or give an e-mail address."}
        )
    with transaction.atomic():
        locked = _check_can_invite(actor, rfp)
        if company is not None:
            return _invite_company(actor=actor, rfp=locked, company=company)
        try:
            validate_email(email)
        except ValidationError:
            raise ApplicationError.for_fields({"email": "Enter a valid e-mail address."})
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            vendor = vendor_membership(existing)
            if vendor is not None:
                return _invite_company(
                    actor=actor, rfp=locked, company=vendor.company, field="email"
                )
            if buyer_membership(existing) is not None:
                raise ApplicationError.for_fields(
                    {"email": "This address belongs to a buyer, not to a vendor."}
                )
        if RFPInvitation.objects.filter(rfp=locked, email__iexact=email).exists():
            raise ApplicationError.for_fields({"email": "This address is already invited."})
        invitation = RFPInvitation.objects.create(rfp=locked, email=email, invited_by=actor)
        if locked.status == RFPStatus.PUBLISHED:
            _send_invitation(invitation, rfp=locked, now=timezone.now())
        audit_record(
            actor=actor,
            action="rfp.vendor_invited",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} invited {email} (not registered yet) to {locked.reference}",
        )
    return invitation


def rfp_invitations_create(
    *, actor: User, rfp: RFP, companies: Iterable[VendorCompany]
) -> list[RFPInvitation]:
    """Invite several vendors from the directory at once: all or none."""
    with transaction.atomic():
        locked = _check_can_invite(actor, rfp)
        invitations = [
            _invite_company(actor=actor, rfp=locked, company=company, field="companies")
            for company in companies
        ]
    if not invitations:
        raise ApplicationError.for_fields({"companies": "Choose at least one vendor."})
    return invitations


def rfp_invitation_delete(*, actor: User, invitation: RFPInvitation) -> None:
    """Remove an invitation that has not been sent yet."""
    require_buyer(actor, Capability.EDIT_RFP, invitation.rfp.organization_id)
    if invitation.sent_at is not None:
        raise ConflictError(
            f"{invitation.invitee_name} has already received the RFP: the invitation "
            "cannot be withdrawn."
        )
    audit_record(
        actor=actor,
        action="rfp.invitation_removed",
        obj=invitation.rfp,
        organization=invitation.rfp.organization,
        summary=f"{actor} removed the invitation of {invitation.invitee_name}",
    )
    invitation.delete()


def rfp_invitations_attach_new_company(*, company: VendorCompany, email: str) -> int:
    """A vendor invited by e-mail has registered: its invitations now belong to
    its company. To be called by vendors.services.vendor_company_create."""
    email = (email or "").strip().lower()
    if not email:
        return 0
    attached = 0
    with transaction.atomic():
        for invitation in RFPInvitation.objects.select_for_update().filter(
            company__isnull=True, email__iexact=email
        ):
            if RFPInvitation.objects.filter(rfp_id=invitation.rfp_id, company=company).exists():
                invitation.delete()
                continue
            invitation.company = company
            invitation.save(update_fields=["company"])
            attached += 1
            audit_record(
                actor=None,
                action="rfp.invitation_attached",
                obj=invitation.rfp,
                organization=invitation.rfp.organization,
                summary=f"{company.display_name} registered and joined the invitation "
                f"sent to {email}",
            )
    return attached


def _vendor_rfp(actor: User, rfp: RFP) -> tuple[VendorCompany, RFP]:
    """The vendor's company, if the RFP is open to it (else 404: never reveal it exists)."""
    membership = require_vendor(actor, Capability.RESPOND_TO_RFPS)
    if not selectors.rfps_visible_to(actor).filter(pk=rfp.pk).exists():
        raise NotFoundError("RFP not found.")
    return membership.company, rfp


def _require_open_for_bids(rfp: RFP) -> None:
    if not rfp.is_open_for_bids():
        raise ConflictError("This RFP is no longer open for responses.")


def _vendor_invitation(company: VendorCompany, rfp: RFP, actor: User) -> RFPInvitation:
    invitation = RFPInvitation.objects.select_for_update().filter(rfp=rfp, company=company).first()
    if invitation is None:
        # An RFP open to every qualified vendor: joining it makes the vendor an invitee.
        invitation = RFPInvitation.objects.create(
            rfp=rfp, company=company, self_registered=True, sent_at=timezone.now()
        )
    return invitation


def rfp_intend_to_bid(*, actor: User, rfp: RFP) -> RFPInvitation:
    company, rfp = _vendor_rfp(actor, rfp)
    _require_open_for_bids(rfp)
    with transaction.atomic():
        invitation = _vendor_invitation(company, rfp, actor)
        invitation.status = InvitationStatus.INTENDS_TO_BID
        invitation.decline_reason = ""
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "decline_reason", "responded_at"])
        audit_record(
            actor=actor,
            action="rfp.intends_to_bid",
            obj=rfp,
            organization=rfp.organization,
            summary=f"{company.display_name} intends to bid on {rfp.reference}",
        )
    return invitation


def rfp_decline(*, actor: User, rfp: RFP, reason: str) -> RFPInvitation:
    if not reason.strip():
        raise ApplicationError.for_fields(
            {"reason": "Tell the buyer why, so that they can invite you to the right RFPs."}
        )
    company, rfp = _vendor_rfp(actor, rfp)
    _require_open_for_bids(rfp)
    with transaction.atomic():
        invitation = _vendor_invitation(company, rfp, actor)
        invitation.status = InvitationStatus.DECLINED
        invitation.decline_reason = reason.strip()
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "decline_reason", "responded_at"])
        audit_record(
            actor=actor,
            action="rfp.declined",
            obj=rfp,
            organization=rfp.organization,
            summary=f"{company.display_name} declined {rfp.reference}",
            data={"reason": reason.strip()},
        )
    return invitation


# --- Addenda --------------------------------------------------------------------------------


def addendum_acknowledge(*, actor: User, addendum: Addendum) -> AddendumAcknowledgement:
    """A vendor confirms it has read an addendum. Acknowledging twice is harmless."""
    company, rfp = _vendor_rfp(actor, addendum.rfp)
    if not rfp.is_open_for_bids():
        raise ConflictError("This RFP is no longer open: there is nothing to acknowledge.")
    acknowledgement, created = AddendumAcknowledgement.objects.get_or_create(
        addendum=addendum, company=company, defaults={"acknowledged_by": actor}
    )
    if created:
        audit_record(
            actor=actor,
            action="rfp.addendum_acknowledged",
            obj=rfp,
            organization=rfp.organization,
            summary=f"{company.display_name} acknowledged addendum {addendum.number} "
            f"of {rfp.reference}",
        )
    return acknowledgement


# --- Q&A --------------------------------------------------------------------------------------


def clarification_ask(*, actor: User, rfp: RFP, text: str) -> RFPQuestion:
    """A vendor asks a question, until the question deadline (UTC, to the second)."""
    company, rfp = _vendor_rfp(actor, rfp)
    text = (text or "").strip()
    if not text:
        raise ApplicationError.for_fields({"text": "Write your question."})
    if len(text) > 5000:
        raise ApplicationError.for_fields({"text": "Keep the question under 5,000 characters."})
    with transaction.atomic():
        locked = _lock(rfp)
        if locked.status != RFPStatus.PUBLISHED:
            raise ConflictError("This RFP is no longer open for questions.")
        if not locked.is_open_for_questions():
            raise ConflictError("The deadline for questions has passed.")
        invitation = RFPInvitation.objects.filter(rfp=locked, company=company).first()
        if invitation is not None and invitation.status == InvitationStatus.DECLINED:
            raise ConflictError("You declined this RFP. Say you intend to bid to ask questions.")
        number = (RFPQuestion.objects.filter(rfp=locked).aggregate(n=Max("number"))["n"] or 0) + 1
        question = RFPQuestion.objects.create(
            rfp=locked, number=number, company=company, asked_by=actor, text=text
        )
        assert locked.organization_id is not None
        send_templated_email(
            to=_org_users_with(
                locked.organization_id, [BuyerRole.ADMIN, BuyerRole.PROCUREMENT_MANAGER]
            ),
            template_prefix="emails/rfp_question_received",
            context={
                "rfp": locked,
                "question": question,
                "company": company,
                "url": site_link("rfp_questions", locked.pk),
            },
        )
        audit_record(
            actor=actor,
            action="rfp.question_asked",
            obj=locked,
            organization=locked.organization,
            summary=f"{company.display_name} asked question {number} on {locked.reference}",
        )
    return question


def clarification_answer(
    *,
    actor: User,
    question: RFPQuestion,
    answer: str,
    publish: bool,
    public_question: str = "",
) -> RFPQuestion:
    """Answer privately (only the asker sees it) or publish to every invitee,
    anonymised: the public wording can be edited to remove who asked."""
    require_buyer(actor, Capability.EDIT_RFP, question.rfp.organization_id)
    answer = (answer or "").strip()
    if not answer:
        raise ApplicationError.for_fields({"answer": "Write the answer."})
    if not question.rfp.is_open_for_bids():
        raise ConflictError("This RFP is no longer published: questions cannot be answered.")
    with transaction.atomic():
        question = (
            RFPQuestion.objects.select_for_update()
            .select_related("rfp", "company")
            .get(pk=question.pk)
        )
        if question.is_published and not publish:
            raise ConflictError("This answer is already published to every vendor.")
        newly_published = publish and not question.is_published
        now = timezone.now()
        question.answer = answer
        question.answered_by = actor
        question.answered_at = now
        if publish:
            question.public_question = (public_question or "").strip() or question.public_question
            if not question.public_question:
                question.public_question = question.text
            question.is_published = True
            question.published_at = question.published_at or now
        question.save()
        rfp = question.rfp
        url = site_link("rfp_questions", rfp.pk)
        send_templated_email(
            to=selectors.company_user_emails([question.company_id]).get(question.company_id, []),
            template_prefix="emails/rfp_answer",
            context={"rfp": rfp, "question": question, "own": True, "url": url},
        )
        if newly_published:
            for invitation in selectors.active_invitations(rfp).exclude(
                company_id=question.company_id
            ):
                send_templated_email(
                    to=selectors.invitation_recipients(invitation),
                    template_prefix="emails/rfp_answer",
                    context={"rfp": rfp, "question": question, "own": False, "url": url},
                )
        audit_record(
            actor=actor,
            action="rfp.question_answered",
            obj=rfp,
            organization=rfp.organization,
            summary=f"{actor} answered question {question.number} of {rfp.reference}"
            + (" and published it" if publish else " privately"),
        )
    return question


# --- Reminders ----------------------------------------------------------------------------------


def rfp_send_deadline_reminders(*, now: dt.datetime | None = None) -> int:
    """Beat job: remind invitees that have not submitted, 72 and 24 hours before
    the deadline. Each reminder is recorded, so it goes out once whoever runs it."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=max(REMINDER_HOURS))
    sent = 0
    for rfp in RFP.objects.open_for_bids(now).closing_by(horizon).select_related("organization"):
        assert rfp.submission_deadline is not None
        left = rfp.submission_deadline - now
        # The nearest threshold only: one reminder per threshold, never two at once.
        hours = min(h for h in REMINDER_HOURS if left <= dt.timedelta(hours=h))
        window_start = rfp.submission_deadline - dt.timedelta(hours=hours)
        for invitation in selectors.invitees_without_submission(rfp):
            if invitation.sent_at is not None and invitation.sent_at > window_start:
                continue  # invited inside the window: the invitation itself was the reminder
            try:
                with transaction.atomic():
                    _, created = InvitationReminder.objects.get_or_create(
                        invitation=invitation, hours_before=hours
                    )
                    if not created:
                        continue
                    send_templated_email(
                        to=selectors.invitation_recipients(invitation),
                        template_prefix="emails/rfp_reminder",
                        context={
                            "rfp": rfp,
                            "buyer": rfp.organization,
                            "hours": hours,
                            "url": site_link("rfp_detail", rfp.pk),
                        },
                    )
            except IntegrityError:
                continue  # another worker recorded it first
            sent += 1
    return sent


def ensure_permission_to_view(*, user: Any, rfp: RFP) -> None:
    """For file downloads: the same rule as every page."""
    if not selectors.rfps_visible_to(user).filter(pk=rfp.pk).exists():
        raise PermissionDeniedError("You cannot see this RFP.")
