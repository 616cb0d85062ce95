"""Drafting an RFP: creating it (blank or from a template), saving it as a template,
editing its details and timeline, and its documents. After publication an edit is an
addendum (see rfp.services._editing).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import nh3
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import BuyerOrganization, User
from bpo_portal.errors import ApplicationError, NotFoundError, validate_model
from bpo_portal.money import is_currency
from bpo_portal.permissions import Capability, require_buyer
from bpo_portal.uploads import stored_file_delete, validate_upload
from rfp import parts
from rfp.models import (
    RFP,
    Coverage,
    PricingLine,
    Question,
    RFPAttachment,
    RFPStatus,
    RFPTransition,
    ServiceLevel,
    Visibility,
    truncate_to_second,
)
from rfp.services._editing import (
    _begin_edit,
    _decimal,
    _describe,
    _field_label,
    _finish_edit,
    _set_fields,
)
from vendors.geography import LocationModel

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
        stored = attachment.file.name
        attachment.delete()
        if stored:
            # Only once the row is gone for good: a rolled-back edit keeps its document.
            storage = attachment.file.storage
            transaction.on_commit(lambda: stored_file_delete(storage, stored))
        _finish_edit(
            actor=actor,
            rfp=locked,
            changes=[f"Document removed: {name}"],
            addendum_summary=addendum_summary,
            action="rfp.attachment_removed",
            summary=f"{actor} removed {name} from {locked.reference}",
        )
    return locked
