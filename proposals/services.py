"""Every write about proposals: drafting, submission, withdrawal, the envelopes
and compliance. Whichever door a request comes through (page, API, Celery
beat, the demo), the rules are here.

* Only users of the vendor company with the right to respond may change its
  proposal, only while the RFP is published and strictly before its
  submission deadline (UTC, to the second). Every write re-reads the RFP
  under a lock on the proposal, so a request that started one second before
  the deadline and arrives after it is refused.
* Each editable part carries a version (optimistic locking): a save made
  from a stale page is refused with ConflictError and nothing is written.
  A save is all or nothing: one bad value refuses the whole part.
* Submission validates everything, writes an immutable ProposalVersion (the
  canonical JSON snapshot and its SHA-256) and e-mails the receipt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import BuyerMembership, BuyerRole, User
from bpo_portal.audit import audit_record
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from bpo_portal.mail import send_templated_email
from bpo_portal.permissions import Capability, buyer_membership, require_buyer, require_vendor
from bpo_portal.uploads import DOCUMENT_KINDS, validate_upload
from bpo_portal.web import site_link
from proposals import checklist, selectors
from proposals.compliance import evaluate_compliance
from proposals.content import build_content, content_sha256, decimal_text, read_content
from proposals.models import (
    ComplianceStatus,
    Envelope,
    EnvelopeOpening,
    PriceEntry,
    Proposal,
    ProposalAnswer,
    ProposalAttachment,
    ProposalLot,
    ProposalStatus,
    ProposalVersion,
    ProposedCentre,
    SLACommitment,
)
from rfp.models import RFP, InvitationStatus, Lot, Question, QuestionKind, RFPStatus

MAX_UNIT_PRICE = Decimal("10000000000")  # ten billion of any currency: a typo, not a price
MAX_NUMBER_ANSWER = Decimal("1000000000000000")
MAX_SLA_VALUE = Decimal("10000000000")
MAX_HEADCOUNT = 100_000
MAX_TEXT_ANSWER = 20_000
MAX_COMMENT = 500
MAX_ATTACHMENTS = 50
HUNDRED = Decimal("100")
SHARE_PLACES = Decimal("0.01")

NOT_OPEN_TO_YOU = (
    "This RFP is not open to your company: only vendors the buyer invited (or qualified, "
    "for RFPs open to qualified vendors) can send a proposal."
)


# --- Who, when ----------------------------------------------------------------------------------


def _refuse_if_closed(rfp: RFP, *, now: dt.datetime | None = None) -> None:
    """Nothing changes after the deadline (UTC, to the second), nor once the RFP
    is no longer published."""
    deadline = rfp.submission_deadline
    if rfp.status == RFPStatus.CANCELLED:
        raise ConflictError("The buyer cancelled this RFP: proposals can no longer be changed.")
    if deadline is not None and rfp.deadline_passed(now):
        raise ConflictError(
            f"The deadline for proposals passed on {deadline:%d %b %Y at %H:%M:%S} UTC: "
            "nothing can be submitted, changed or withdrawn any more.",
            extra={"deadline": deadline.isoformat()},
        )
    if not rfp.is_open_for_bids(now):
        raise ConflictError("This RFP is closed: proposals can no longer be changed.")


def _lock(actor: User, proposal: Proposal) -> Proposal:
    """Inside a transaction: the vendor's own proposal, locked, with a fresh RFP
    that is still open for proposals."""
    membership = require_vendor(actor, Capability.RESPOND_TO_RFPS)
    if proposal.company_id != membership.company_id:
        raise NotFoundError("Proposal not found.")
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .get(pk=proposal.pk)
    )
    locked.rfp = RFP.objects.select_related("organization").get(pk=locked.rfp_id)
    _refuse_if_closed(locked.rfp)
    return locked


def _check_version(current: int, given: int | str | None, *, part: str, locked: Proposal) -> None:
    if given in (None, ""):
        raise ApplicationError.for_fields(
            {"version": f"Send the version of {part} you edited (optimistic locking)."}
        )
    try:
        given_number = int(given)
    except (TypeError, ValueError):
        raise ApplicationError.for_fields({"version": "The version must be a whole number."})
    if given_number != current:
        who = ""
        if locked.updated_by_id and locked.updated_by is not None:
            when = timezone.localtime(locked.updated_at)
            who = f" (the last save was by {locked.updated_by} at {when:%H:%M})"
        raise ConflictError(
            f"Someone else saved {part} while you were editing it{who}. Your changes have not "
            "been saved and nothing of theirs was overwritten: your input is still in the "
            "form. Reload the page to see their version, then make your changes again.",
            extra={"current_version": current, "your_version": given_number},
        )


def _touch(locked: Proposal, actor: User) -> None:
    locked.updated_by = actor
    if locked.status != ProposalStatus.DRAFT:
        locked.changed_since_submission = True
    locked.save(update_fields=["updated_by", "changed_since_submission", "updated_at"])


def _bump(locked: Proposal, actor: User, holder: Any, field: str) -> None:
    """Something changed: the part's version moves on, so stale pages conflict."""
    setattr(holder, field, getattr(holder, field) + 1)
    holder.save(update_fields=[field])
    _touch(locked, actor)


def _part(locked: Proposal, lot: Lot | int) -> tuple[ProposalLot, Lot]:
    lot_id = lot if isinstance(lot, int) else lot.pk
    part = (
        ProposalLot.objects.select_for_update(of=("self",))
        .select_related("lot")
        .filter(proposal=locked, lot_id=lot_id)
        .first()
    )
    if part is None:
        if not Lot.objects.filter(pk=lot_id, rfp_id=locked.rfp_id).exists():
            raise NotFoundError("Lot not found.")
        raise ConflictError(
            "You are not bidding on this lot: choose it under “Lots and currency” first."
        )
    return part, part.lot


def _by_id(values: Mapping[Any, Any], prefix: str, errors: dict[str, str]) -> dict[int, Any]:
    """Keys from a form or JSON are strings: ids as ints, anything else an error."""
    out: dict[int, Any] = {}
    for key, value in values.items():
        try:
            out[int(key)] = value
        except (TypeError, ValueError):
            errors[f"{prefix}.{key}"] = "Unknown item."
    return out


def _refuse(errors: dict[str, str], what: str) -> None:
    if errors:
        count = len(errors)
        first = next(iter(errors.values()))
        raise ApplicationError.for_fields(
            errors,
            message=f"Nothing was saved: {count} {what}{'s' if count > 1 else ''} need"
            f"{'' if count > 1 else 's'} your attention. {first}",
        )


# --- Parsing what people type -------------------------------------------------------------------

_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_decimal(raw: Any, *, example: str = "1250.50") -> Decimal | None:
    """A decimal from a form or JSON value; None if blank. Commas are accepted
    only as thousands separators (1,250.50); anything else is refused."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"Enter a number, like {example}.")
    if isinstance(raw, (int, Decimal)):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(str(raw))
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            return None
        if len(text) > 40:
            raise ValueError("That number is far too long: check for extra digits.")
        if "," in text:
            if not _GROUPED.match(text):
                raise ValueError(f"Use a point for decimals, like {example}.")
            text = text.replace(",", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"Enter a number, like {example}.")
    if not value.is_finite():
        raise ValueError(f"Enter a number, like {example}.")
    return value


def parse_price(raw: Any, *, currency: str) -> Decimal | None:
    """A unit price: not negative, no more decimals than the currency has, and
    not absurdly large. None if blank."""
    value = parse_decimal(raw)
    if value is None:
        return None
    if value < 0:
        raise ValueError("A price cannot be negative.")
    if value > MAX_UNIT_PRICE:
        raise ValueError(
            f"{value:,.0f} {currency} is more than any single price can be "
            f"({MAX_UNIT_PRICE:,.0f} {currency}): check for extra digits."
        )
    problem = checklist.price_decimals_problem(value, currency)
    if problem:
        raise ValueError(problem)
    return value


def clean_answer(question: Question, raw: Any) -> Any:
    """The stored form of an answer to this question; None if blank.
    Raises ValueError with a message for the person who typed it."""
    kind = question.kind
    if raw is None:
        return None
    if kind == QuestionKind.TEXT:
        text = str(raw).strip()
        if len(text) > MAX_TEXT_ANSWER:
            raise ValueError(f"Keep the answer under {MAX_TEXT_ANSWER:,} characters.")
        return text or None
    if kind == QuestionKind.YES_NO:
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        text = str(raw).strip().lower()
        if not text:
            return None
        if text in ("yes", "true"):
            return "yes"
        if text in ("no", "false"):
            return "no"
        raise ValueError("Answer yes or no.")
    if kind == QuestionKind.NUMBER:
        number = parse_decimal(raw, example="1200")
        if number is None:
            return None
        if abs(number) > MAX_NUMBER_ANSWER:
            raise ValueError("That number is too large: check for extra digits.")
        return decimal_text(number)
    if kind == QuestionKind.SINGLE_CHOICE:
        text = str(raw).strip()
        if not text:
            return None
        if text not in question.choices:
            raise ValueError("Choose one of the options.")
        return text
    if kind == QuestionKind.MULTIPLE_CHOICE:
        items = [raw] if isinstance(raw, str) else list(raw)
        chosen = {str(item).strip() for item in items if str(item).strip()}
        unknown = chosen - set(question.choices)
        if unknown:
            raise ValueError("Choose from the options given.")
        return [choice for choice in question.choices if choice in chosen] or None
    if kind == QuestionKind.FILE:
        if raw in ("", None):
            return None
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ValueError("Upload the file, or give the id of one of your attachments.")
    raise ValueError("This question cannot be answered.")


# --- Starting -----------------------------------------------------------------------------------


def proposal_start(*, actor: User, rfp: RFP) -> Proposal:
    """The company's draft for this RFP (created on first use). Starting a
    proposal tells the buyer the vendor intends to bid."""
    from rfp import selectors as rfp_selectors
    from rfp import services as rfp_services

    membership = require_vendor(actor, Capability.RESPOND_TO_RFPS)
    if not rfp_selectors.rfps_visible_to(actor).filter(pk=rfp.pk).exists():
        raise NotFoundError(NOT_OPEN_TO_YOU)
    existing = Proposal.objects.filter(rfp_id=rfp.pk, company_id=membership.company_id).first()
    if existing is not None:
        return existing
    rfp = RFP.objects.select_related("organization").get(pk=rfp.pk)
    _refuse_if_closed(rfp)
    invitation = rfp_selectors.vendor_invitation(rfp, membership.company_id)
    if invitation is None or invitation.status != InvitationStatus.INTENDS_TO_BID:
        rfp_services.rfp_intend_to_bid(actor=actor, rfp=rfp)
    with transaction.atomic():
        try:
            with transaction.atomic():
                proposal = Proposal.objects.create(
                    rfp=rfp,
                    company_id=membership.company_id,
                    currency=rfp.currency,
                    created_by=actor,
                    updated_by=actor,
                )
        except IntegrityError:
            # A colleague started it at the same moment: use theirs.
            return Proposal.objects.get(rfp=rfp, company_id=membership.company_id)
        lots = list(Lot.objects.filter(rfp=rfp))
        if len(lots) == 1:
            ProposalLot.objects.create(proposal=proposal, lot=lots[0])
        audit_record(
            actor=actor,
            action="proposal.started",
            obj=proposal,
            summary=f"{actor} started a proposal to {rfp.reference}",
        )
    return proposal


# --- The parts of a draft -----------------------------------------------------------------------


def proposal_settings_update(
    *,
    actor: User,
    proposal: Proposal,
    version: int | str | None,
    currency: str | None = None,
    lot_ids: Iterable[int] | None = None,
) -> Proposal:
    """The currency of the prices and the lots bid on. Dropping a lot deletes
    what was entered for it."""
    with transaction.atomic():
        locked = _lock(actor, proposal)
        _check_version(locked.version, version, part="the lots and currency", locked=locked)
        rfp = locked.rfp
        errors: dict[str, str] = {}
        if currency is not None:
            currency = currency.strip().upper()
            options = selectors.currency_options(rfp)
            if currency not in options:
                errors["currency"] = (
                    f"Price in {rfp.currency}: the buyer does not accept other currencies."
                    if len(options) == 1
                    else f"Choose one of {', '.join(options)}: only these have a stored "
                    f"exchange rate to {rfp.currency}."
                )
        wanted: set[int] | None = None
        if lot_ids is not None:
            wanted = {int(i) for i in lot_ids}
            known = set(Lot.objects.filter(rfp=rfp).values_list("pk", flat=True))
            if wanted - known:
                errors["lots"] = "Choose lots of this RFP."
            elif not wanted:
                errors["lots"] = "Choose at least one lot to bid on."
        _refuse(errors, "field")
        changed = False
        if currency is not None and currency != locked.currency:
            locked.currency = currency
            locked.save(update_fields=["currency"])
            changed = True
        if wanted is not None:
            current = set(
                ProposalLot.objects.filter(proposal=locked).values_list("lot_id", flat=True)
            )
            if current != wanted:
                ProposalLot.objects.filter(proposal=locked, lot_id__in=current - wanted).delete()
                ProposalLot.objects.bulk_create(
                    [
                        ProposalLot(proposal=locked, lot_id=lot_id)
                        for lot_id in sorted(wanted - current)
                    ]
                )
                changed = True
        if changed:
            _bump(locked, actor, locked, "version")
    return locked


def proposal_answers_save(
    *,
    actor: User,
    proposal: Proposal,
    version: int | str | None,
    answers: Mapping[int, Any],
    files: Mapping[int, UploadedFile[Any]] | None = None,
) -> Proposal:
    """Answer questions (only those given; a blank value clears an answer).
    A file question is answered by uploading its file (`files`) or by naming
    one of the proposal's attachments."""
    files = dict(files or {})
    with transaction.atomic():
        locked = _lock(actor, proposal)
        _check_version(locked.answers_version, version, part="the questionnaire", locked=locked)
        questions = {q.pk: q for q in Question.objects.filter(section__rfp_id=locked.rfp_id)}
        errors: dict[str, str] = {}
        cleaned: dict[int, Any] = {}
        for raw_id, raw in _by_id(answers, "answers", errors).items():
            question = questions.get(raw_id)
            if question is None:
                errors[f"answers.{raw_id}"] = "This question is not part of the RFP."
                continue
            try:
                cleaned[question.pk] = clean_answer(question, raw)
            except ValueError as exc:
                errors[f"answers.{question.pk}"] = str(exc)
        uploads: dict[int, tuple[UploadedFile[Any], str]] = {}
        for raw_id, upload in _by_id(files, "answers", errors).items():
            question = questions.get(raw_id)
            key = f"answers.{raw_id}"
            if question is None or question.kind != QuestionKind.FILE:
                errors[key] = "This question does not take a file."
                continue
            try:
                uploads[question.pk] = (upload, _validated_upload(upload, field=key))
            except ApplicationError as exc:
                errors[key] = exc.fields.get(key, [exc.message])[0]
        referenced = [
            (qid, value)
            for qid, value in cleaned.items()
            if questions[qid].kind == QuestionKind.FILE and value is not None
        ]
        if referenced:
            own = set(
                ProposalAttachment.objects.filter(
                    proposal=locked, removed_at__isnull=True
                ).values_list("pk", flat=True)
            )
            for qid, value in referenced:
                if value not in own:
                    errors[f"answers.{qid}"] = "Upload the file: that attachment is not yours."
        _refuse(errors, "answer")
        for qid, (upload, content_type) in uploads.items():
            attachment = _store_attachment(
                locked, actor, upload, content_type, question=questions[qid]
            )
            cleaned[qid] = attachment.pk
        existing = {a.question_id: a for a in ProposalAnswer.objects.filter(proposal=locked)}
        changed = False
        for qid, value in cleaned.items():
            answer = existing.get(qid)
            if value is None:
                if answer is not None:
                    answer.delete()
                    changed = True
                continue
            if answer is None:
                ProposalAnswer.objects.create(proposal=locked, question_id=qid, value=value)
                changed = True
            elif answer.value != value:
                answer.value = value
                answer.save(update_fields=["value", "updated_at"])
                changed = True
        if changed:
            _bump(locked, actor, locked, "answers_version")
    return locked


def proposal_prices_save(
    *,
    actor: User,
    proposal: Proposal,
    lot: Lot | int,
    version: int | str | None,
    prices: Mapping[int, Any],
    comments: Mapping[int, str] | None = None,
) -> ProposalLot:
    """Unit prices for the lot's pricing lines, in the proposal's currency (a
    blank price clears the line). All or nothing."""
    with transaction.atomic():
        locked = _lock(actor, proposal)
        part, rfp_lot = _part(locked, lot)
        _check_version(part.pricing_version, version, part="the pricing", locked=locked)
        lines = {line.pk: line for line in rfp_lot.pricing_lines.all()}
        errors: dict[str, str] = {}
        raw_prices = _by_id(prices, "prices", errors)
        raw_comments = _by_id(comments or {}, "comments", errors)
        cleaned: dict[int, Decimal | None] = {}
        for line_id in set(raw_prices) | set(raw_comments):
            if line_id not in lines:
                errors[f"prices.{line_id}"] = "This pricing line is not part of the lot."
                continue
            if line_id in raw_prices:
                try:
                    cleaned[line_id] = parse_price(raw_prices[line_id], currency=locked.currency)
                except ValueError as exc:
                    errors[f"prices.{line_id}"] = str(exc)
            if len(str(raw_comments.get(line_id) or "")) > MAX_COMMENT:
                errors[f"comments.{line_id}"] = f"Keep the comment under {MAX_COMMENT} characters."
        _refuse(errors, "price")
        existing = {p.pricing_line_id: p for p in PriceEntry.objects.filter(proposal_lot=part)}
        changed = False
        for line_id in set(cleaned) | set(raw_comments):
            entry = existing.get(line_id)
            amount = cleaned.get(line_id, entry.unit_price if entry else None)
            comment = (
                str(raw_comments[line_id] or "").strip()
                if line_id in raw_comments
                else (entry.comment if entry else "")
            )
            if amount is None:
                if entry is not None:
                    entry.delete()
                    changed = True
                continue
            if entry is None:
                PriceEntry.objects.create(
                    proposal_lot=part, pricing_line_id=line_id, unit_price=amount, comment=comment
                )
                changed = True
            elif entry.unit_price != amount or entry.comment != comment:
                entry.unit_price, entry.comment = amount, comment
                entry.save(update_fields=["unit_price", "comment"])
                changed = True
        if changed:
            _bump(locked, actor, part, "pricing_version")
    return part


@dataclass(frozen=True)
class CommitmentInput:
    """One SLA answer: accept the target, or propose another value and say why.
    `accepts_target=None` clears the answer."""

    accepts_target: bool | None
    proposed_value: Any = None
    comment: str = ""


def proposal_slas_save(
    *,
    actor: User,
    proposal: Proposal,
    lot: Lot | int,
    version: int | str | None,
    commitments: Mapping[int, CommitmentInput],
) -> ProposalLot:
    with transaction.atomic():
        locked = _lock(actor, proposal)
        part, rfp_lot = _part(locked, lot)
        _check_version(part.slas_version, version, part="the service levels", locked=locked)
        levels = {level.pk: level for level in rfp_lot.service_levels.all()}
        errors: dict[str, str] = {}
        cleaned: dict[int, tuple[bool, Decimal | None, str] | None] = {}
        for level_id, given in _by_id(commitments, "slas", errors).items():
            key = f"slas.{level_id}"
            if level_id not in levels:
                errors[f"{key}.accepts_target"] = "This service level is not part of the lot."
                continue
            comment = (given.comment or "").strip()
            if len(comment) > 2000:
                errors[f"{key}.comment"] = "Keep the comment under 2,000 characters."
                continue
            if given.accepts_target is None:
                cleaned[level_id] = None
                continue
            if given.accepts_target:
                cleaned[level_id] = (True, None, comment)
                continue
            try:
                value = parse_decimal(given.proposed_value, example="80")
            except ValueError as exc:
                errors[f"{key}.proposed_value"] = str(exc)
                continue
            if value is None:
                errors[f"{key}.proposed_value"] = (
                    f"Give the value you propose instead of {levels[level_id].target_label}."
                )
            elif abs(value) > MAX_SLA_VALUE:
                errors[f"{key}.proposed_value"] = "That value is too large: check for extra digits."
            elif value != value.quantize(SHARE_PLACES):
                errors[f"{key}.proposed_value"] = "Give at most two decimal places."
            elif not comment:
                errors[f"{key}.comment"] = "Explain why you propose another value."
            else:
                cleaned[level_id] = (False, value, comment)
        _refuse(errors, "service level")
        existing = {c.service_level_id: c for c in SLACommitment.objects.filter(proposal_lot=part)}
        changed = False
        for level_id, values in cleaned.items():
            commitment = existing.get(level_id)
            if values is None:
                if commitment is not None:
                    commitment.delete()
                    changed = True
                continue
            accepts, value, comment = values
            if commitment is None:
                SLACommitment.objects.create(
                    proposal_lot=part,
                    service_level_id=level_id,
                    accepts_target=accepts,
                    proposed_value=value,
                    comment=comment,
                )
                changed = True
            elif (commitment.accepts_target, commitment.proposed_value, commitment.comment) != (
                accepts,
                value,
                comment,
            ):
                commitment.accepts_target = accepts
                commitment.proposed_value = value
                commitment.comment = comment
                commitment.save(update_fields=["accepts_target", "proposed_value", "comment"])
                changed = True
        if changed:
            _bump(locked, actor, part, "slas_version")
    return part


def proposal_centres_save(
    *,
    actor: User,
    proposal: Proposal,
    lot: Lot | int,
    version: int | str | None,
    shares: Mapping[int, Any],
) -> ProposalLot:
    """The delivery centres (from the vendor's profile) that serve the lot and
    each one's share of the volume. Replaces the lot's whole set; centres with
    a blank share are not proposed. Shares are percentages with at most two
    decimals; over 100 % in total is refused at once, and submission needs
    exactly 100 %."""
    with transaction.atomic():
        locked = _lock(actor, proposal)
        part, _ = _part(locked, lot)
        _check_version(part.centres_version, version, part="the delivery centres", locked=locked)
        own = set(locked.company.delivery_centres.values_list("pk", flat=True))
        errors: dict[str, str] = {}
        cleaned: dict[int, Decimal] = {}
        for centre_id, raw in _by_id(shares, "centres", errors).items():
            key = f"centres.{centre_id}"
            if centre_id not in own:
                errors[key] = "Choose a delivery centre from your company profile."
                continue
            try:
                share = parse_decimal(raw, example="60")
            except ValueError as exc:
                errors[key] = str(exc)
                continue
            if share is None or share == 0:
                continue
            if share < 0 or share > HUNDRED:
                errors[key] = "A share is a percentage between 0 and 100."
            elif share != share.quantize(SHARE_PLACES):
                errors[key] = "Give at most two decimal places."
            else:
                cleaned[centre_id] = share
        if not errors:
            total = sum(cleaned.values(), Decimal(0))
            if total > HUNDRED:
                errors["centres"] = (
                    f"The shares add up to {total.normalize():f} %: they must add up to "
                    "exactly 100 %."
                )
        _refuse(errors, "share")
        deleted, _ = (
            ProposedCentre.objects.filter(proposal_lot=part)
            .exclude(delivery_centre_id__in=list(cleaned))
            .delete()
        )
        changed = bool(deleted)
        existing = {
            c.delivery_centre_id: c for c in ProposedCentre.objects.filter(proposal_lot=part)
        }
        for centre_id, share in cleaned.items():
            proposed = existing.get(centre_id)
            if proposed is None:
                ProposedCentre.objects.create(
                    proposal_lot=part, delivery_centre_id=centre_id, share=share
                )
                changed = True
            elif proposed.share != share:
                proposed.share = share
                proposed.save(update_fields=["share"])
                changed = True
        if changed:
            _bump(locked, actor, part, "centres_version")
    return part


def proposal_staffing_save(
    *,
    actor: User,
    proposal: Proposal,
    lot: Lot | int,
    version: int | str | None,
    headcount: Iterable[Any],
    transition_plan: str = "",
) -> ProposalLot:
    """Headcount in each month of the lot's ramp-up (blank: not given yet) and
    the transition plan."""
    with transaction.atomic():
        locked = _lock(actor, proposal)
        part, rfp_lot = _part(locked, lot)
        _check_version(part.staffing_version, version, part="the staffing plan", locked=locked)
        months = selectors.staffing_months(rfp_lot)
        values = list(headcount)
        errors: dict[str, str] = {}
        if len(values) > months:
            errors["headcount"] = (
                f"The ramp-up of this lot lasts {months} month{'s' if months > 1 else ''}: "
                f"give at most {months} values."
            )
        plan: list[int | None] = []
        for index, raw in enumerate(values[:months], start=1):
            key = f"headcount.{index}"
            try:
                number = parse_decimal(raw, example="25")
            except ValueError as exc:
                errors[key] = str(exc)
                continue
            if number is None:
                plan.append(None)
            elif number != number.to_integral_value() or number < 0:
                errors[key] = "Give the headcount as a whole number of people."
            elif number > MAX_HEADCOUNT:
                errors[key] = f"That is more than {MAX_HEADCOUNT:,} people: check the number."
            else:
                plan.append(int(number))
        transition_plan = (transition_plan or "").strip()
        if len(transition_plan) > MAX_TEXT_ANSWER:
            errors["transition_plan"] = f"Keep the plan under {MAX_TEXT_ANSWER:,} characters."
        _refuse(errors, "field")
        while plan and plan[-1] is None:
            plan.pop()
        plan = plan if any(n is not None for n in plan) else []
        if part.staffing_plan != plan or part.transition_plan != transition_plan:
            part.staffing_plan = plan
            part.transition_plan = transition_plan
            part.save(update_fields=["staffing_plan", "transition_plan"])
            _bump(locked, actor, part, "staffing_version")
    return part


# --- Attachments --------------------------------------------------------------------------------


def _validated_upload(upload: UploadedFile[Any] | None, *, field: str) -> str:
    """The shared check (size, real type among documents), and the name must
    not claim another type than the content: a PNG named .pdf misleads
    whoever opens it."""
    content_type = validate_upload(upload, field=field, kinds=DOCUMENT_KINDS)
    assert upload is not None
    claimed = mimetypes.guess_type(upload.name or "")[0]
    if claimed and claimed != content_type:
        kind = (mimetypes.guess_extension(content_type) or "").lstrip(".").upper() or content_type
        raise ApplicationError.for_fields(
            {
                field: f"The file is named “{upload.name}” but its content is a {kind} file. "
                "Rename it or export it again in the right format."
            }
        )
    return content_type


def _sha256_of(upload: UploadedFile[Any]) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _store_attachment(
    locked: Proposal,
    actor: User,
    upload: UploadedFile[Any],
    content_type: str,
    *,
    question: Question | None = None,
    description: str = "",
    envelope: str = Envelope.TECHNICAL,
) -> ProposalAttachment:
    current = ProposalAttachment.objects.filter(proposal=locked, removed_at__isnull=True)
    if current.count() >= MAX_ATTACHMENTS:
        raise ApplicationError.for_fields(
            {"file": f"A proposal can hold {MAX_ATTACHMENTS} files: remove one first."}
        )
    sha = _sha256_of(upload)
    if question is not None:
        same = current.filter(question=question, sha256=sha).first()
        if same is not None:
            return same  # the same file sent again (an autosave): keep the one we have
        current.filter(question=question).update(removed_at=timezone.now())
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    return ProposalAttachment.objects.create(
        proposal=locked,
        envelope=envelope,
        question=question,
        description=description[:200],
        file=upload,
        name=name,
        content_type=content_type,
        size=upload.size or 0,
        sha256=sha,
        uploaded_by=actor,
    )


def proposal_attachment_add(
    *,
    actor: User,
    proposal: Proposal,
    upload: UploadedFile[Any] | None,
    description: str = "",
    envelope: str = Envelope.TECHNICAL,
) -> ProposalAttachment:
    """A supporting document (PDF, image, Word, Excel or PowerPoint), checked by
    its content and size. On a two-envelope RFP a price sheet goes in the
    commercial envelope, which the buyer opens after the technical evaluation."""
    content_type = _validated_upload(upload, field="file")
    assert upload is not None
    if envelope not in Envelope.values:
        raise ApplicationError.for_fields(
            {"envelope": "Choose the technical or commercial envelope."}
        )
    if len(description) > 200:
        raise ApplicationError.for_fields(
            {"description": "Keep the description under 200 characters."}
        )
    with transaction.atomic():
        locked = _lock(actor, proposal)
        if not locked.rfp.two_envelopes:
            envelope = Envelope.TECHNICAL
        attachment = _store_attachment(
            locked, actor, upload, content_type, description=description.strip(), envelope=envelope
        )
        _touch(locked, actor)
    return attachment


def proposal_attachment_remove(*, actor: User, attachment: ProposalAttachment) -> None:
    """Take a file out of the draft. The file itself is kept while a submitted
    version refers to it."""
    with transaction.atomic():
        locked = _lock(actor, attachment.proposal)
        row = (
            ProposalAttachment.objects.select_for_update(of=("self",))
            .filter(pk=attachment.pk, proposal=locked, removed_at__isnull=True)
            .first()
        )
        if row is None:
            raise NotFoundError("Attachment not found.")
        row.removed_at = timezone.now()
        row.save(update_fields=["removed_at"])
        if row.question_id is not None:
            ProposalAnswer.objects.filter(
                proposal=locked, question_id=row.question_id, value=row.pk
            ).delete()
            locked.answers_version += 1
            locked.save(update_fields=["answers_version"])
        _touch(locked, actor)


# --- Submission, withdrawal ---------------------------------------------------------------------


def _bid_team(proposal: Proposal) -> list[str]:
    from rfp.selectors import company_user_emails

    return company_user_emails([proposal.company_id]).get(proposal.company_id, [])


def proposal_submit(*, actor: User, proposal: Proposal) -> ProposalVersion:
    """Validate everything and record a new version: the receipt is its server
    time and the SHA-256 of its content. Until the deadline a vendor may submit
    again; every version is kept and the last one counts."""
    with transaction.atomic():
        locked = _lock(actor, proposal)
        now = timezone.now()
        working = selectors.proposal_working_copy(locked.pk)
        rfp = working.rfp
        rate = None
        if working.currency != rfp.currency:
            rate = selectors.exchange_rate_for(
                base=working.currency, quote=rfp.currency, on=now.date()
            )
        problems = checklist.proposal_problems(working)
        if problems:
            fields: dict[str, list[str]] = {}
            for problem in problems:
                fields.setdefault(problem.field, []).append(problem.message)
            count = len(problems)
            raise ApplicationError.for_fields(
                fields,
                message=f"Your proposal cannot be submitted yet: {count} thing"
                f"{'s' if count > 1 else ''} to finish. {problems[0].message}",
            )
        content = build_content(
            working,
            exchange_rate=rate.as_content() if rate is not None else None,
            rfp_version=rfp.version,
        )
        number = (
            ProposalVersion.objects.filter(proposal=locked).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        version = ProposalVersion.objects.create(
            proposal=locked,
            number=number,
            content=content,
            sha256=content_sha256(content),
            submitted_at=now,
            submitted_by=actor,
            submitted_by_name=str(actor),
            rfp_version=rfp.version,
        )
        locked.status = ProposalStatus.SUBMITTED
        locked.submitted_version = version
        locked.submitted_at = now
        locked.withdrawn_at = None
        locked.withdrawal_reason = ""
        locked.changed_since_submission = False
        locked.updated_by = actor
        locked.save()
        company = working.company
        send_templated_email(
            to=_bid_team(locked),
            template_prefix="emails/proposal_receipt",
            context={
                "rfp": rfp,
                "company": company,
                "version": version,
                "submitter": actor,
                "url": site_link("proposal_receipt", locked.pk, number),
            },
        )
        audit_record(
            actor=actor,
            action="proposal.submitted",
            obj=locked,
            organization=rfp.organization,
            summary=f"{company.display_name} submitted a proposal to {rfp.reference}"
            + (f" (version {number})" if number > 1 else ""),
            data={"version": number, "sha256": version.sha256},
        )
    return version


def proposal_withdraw(*, actor: User, proposal: Proposal, reason: str = "") -> Proposal:
    """Withdraw a submitted proposal, until the deadline. The draft stays: the
    vendor may submit again before the deadline."""
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ApplicationError.for_fields({"reason": "Keep the reason under 2,000 characters."})
    with transaction.atomic():
        locked = _lock(actor, proposal)
        if locked.status != ProposalStatus.SUBMITTED:
            raise ConflictError("Only a submitted proposal can be withdrawn.")
        now = timezone.now()
        locked.status = ProposalStatus.WITHDRAWN
        locked.withdrawn_at = now
        locked.withdrawal_reason = reason
        locked.updated_by = actor
        locked.save()
        rfp = locked.rfp
        company = locked.company
        send_templated_email(
            to=_bid_team(locked),
            template_prefix="emails/proposal_withdrawn",
            context={
                "rfp": rfp,
                "company": company,
                "actor": actor,
                "withdrawn_at": now,
                "url": site_link("proposal_detail", locked.pk),
            },
        )
        audit_record(
            actor=actor,
            action="proposal.withdrawn",
            obj=locked,
            organization=rfp.organization,
            summary=f"{company.display_name} withdrew its proposal to {rfp.reference}",
        )
    return locked


# --- The envelopes ------------------------------------------------------------------------------


def _managers(rfp: RFP) -> list[str]:
    return list(
        BuyerMembership.objects.filter(
            organization_id=rfp.organization_id,
            role__in=[BuyerRole.ADMIN, BuyerRole.PROCUREMENT_MANAGER],
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )


def technical_envelope_open(*, rfp: RFP, now: dt.datetime | None = None) -> EnvelopeOpening:
    """Record that the proposals opened at the deadline and check their
    compliance. Idempotent: the minute job and the buyer's first look may both
    call it. The opening counts from the deadline itself, whenever recorded."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            RFP.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=rfp.pk)
        )
        existing = EnvelopeOpening.objects.filter(rfp=locked, envelope=Envelope.TECHNICAL).first()
        if existing is not None:
            return existing
        if locked.status == RFPStatus.CANCELLED or locked.publication_at is None:
            raise ConflictError(
                "This RFP was cancelled or never published: its proposals stay sealed."
            )
        if not locked.seal_lifted(now):
            raise ConflictError(
                "The proposals open at the submission deadline, not before.",
                extra={
                    "opens_at": locked.seal_lifts_at.isoformat() if locked.seal_lifts_at else None
                },
            )
        deadline = locked.seal_lifts_at
        assert deadline is not None  # the seal lifted
        count = Proposal.objects.filter(rfp=locked, status=ProposalStatus.SUBMITTED).count()
        opening = EnvelopeOpening.objects.create(
            rfp=locked,
            envelope=Envelope.TECHNICAL,
            opened_at=deadline,
            comment=f"{count} proposal{'s' if count != 1 else ''} received."
            + (
                "" if locked.two_envelopes else " Prices open with them: this RFP has one envelope."
            ),
        )
        proposals_compliance_check(rfp=locked, actor=None, now=now)
        send_templated_email(
            to=_managers(locked),
            template_prefix="emails/proposal_envelope_opened",
            context={
                "rfp": locked,
                "envelope": opening,
                "count": count,
                "url": site_link("proposal_rfp_list", locked.pk),
            },
        )
        audit_record(
            actor=None,
            action="proposals.technical_envelope_opened",
            obj=locked,
            organization=locked.organization,
            summary=f"The proposals to {locked.reference} opened at the submission deadline "
            f"({count} received)",
        )
    return opening


def technical_envelope_open_if_due(*, rfp: RFP) -> bool:
    """The buyer's first look after the deadline records the opening (and checks
    compliance) if the minute job has not done it yet. True if it did."""
    envelopes = selectors.envelope_state(rfp)
    if not envelopes.technical_open or envelopes.technical_recorded:
        return False
    try:
        technical_envelope_open(rfp=rfp)
    except ApplicationError:
        return False
    return True


def technical_envelopes_open_due(*, now: dt.datetime | None = None) -> list[int]:
    """Beat job: record the opening of every RFP whose deadline has passed."""
    now = now or timezone.now()
    due = (
        RFP.objects.seal_lifted(now)
        .exclude(envelope_openings__envelope=Envelope.TECHNICAL)
        .values_list("pk", flat=True)
    )
    opened = []
    for rfp_id in list(due):
        try:
            technical_envelope_open(rfp=RFP(pk=rfp_id), now=now)
        except ApplicationError:
            continue
        opened.append(rfp_id)
    return opened


# Whether an RFP's technical evaluation is final is scoring's rule, and scoring is a
# higher layer: it registers its check here (scoring/apps.py). `check(rfp)` returns
# the reasons the evaluation is not final yet, for people; an empty list means final.
TechnicalEvaluationCheck = Callable[[RFP], list[str]]
_technical_evaluation_check: TechnicalEvaluationCheck | None = None


def technical_evaluation_check_register(check: TechnicalEvaluationCheck) -> None:
    """Called once by scoring's AppConfig.ready(). Registering again replaces it."""
    global _technical_evaluation_check
    _technical_evaluation_check = check


def commercial_envelope_blockers(rfp: RFP) -> list[str]:
    """Why the commercial envelope of this two-envelope RFP may not open yet (empty:
    it may). Without a registered check it stays shut: prices never open unchecked."""
    if _technical_evaluation_check is None:
        return ["The technical evaluation cannot be checked here, so the prices stay sealed."]
    return list(_technical_evaluation_check(rfp))


def commercial_envelope_open(*, actor: User, rfp: RFP, comment: str = "") -> EnvelopeOpening:
    """Open the prices of a two-envelope RFP, once its technical evaluation is final
    (every technical item scored, every item flagged for discussion given a
    consensus score): whoever calls it, the proposals page, the API or scoring's
    finalisation, the rule is checked here. Calling it again returns the first
    opening."""
    require_buyer(actor, Capability.MANAGE_EVALUATION, rfp.organization_id)
    with transaction.atomic():
        locked = (
            RFP.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=rfp.pk)
        )
        if not locked.two_envelopes:
            raise ConflictError(
                "This RFP has one envelope: the prices opened with the proposals at the deadline."
            )
        existing = EnvelopeOpening.objects.filter(rfp=locked, envelope=Envelope.COMMERCIAL).first()
        if existing is not None:
            return existing
        envelopes = selectors.envelope_state(locked)
        if not envelopes.technical_open:
            raise ConflictError(
                "The proposals are still sealed: the commercial envelope opens after the "
                "technical one, which opens at the submission deadline."
            )
        blockers = commercial_envelope_blockers(locked)
        if blockers:
            raise ConflictError(
                "The prices stay sealed until the technical evaluation is finalised: "
                + " ".join(blockers),
                extra={"reasons": blockers},
            )
        if not envelopes.technical_recorded:
            technical_envelope_open(rfp=locked)
        opening = EnvelopeOpening.objects.create(
            rfp=locked,
            envelope=Envelope.COMMERCIAL,
            opened_at=timezone.now(),
            opened_by=actor,
            comment=(comment or "").strip()[:2000] or "Technical evaluation finalised.",
        )
        audit_record(
            actor=actor,
            action="proposals.commercial_envelope_opened",
            obj=locked,
            organization=locked.organization,
            summary=f"{actor} opened the commercial envelope of {locked.reference}",
            data={"comment": opening.comment},
        )
    return opening


# --- Compliance ---------------------------------------------------------------------------------


def proposals_compliance_check(
    *, rfp: RFP, actor: User | None, now: dt.datetime | None = None
) -> int:
    """Check every proposal that counts against the RFP's rules (see
    proposals.compliance) and store the result. Buyers' overrides stay."""
    from vendors.selectors import location_model_for, location_overrides_for

    if actor is not None:
        require_buyer(actor, Capability.MANAGE_EVALUATION, rfp.organization_id)
    if not selectors.envelope_state(rfp, now=now).technical_open:
        raise selectors.ProposalsSealedError("The proposals are sealed until the deadline.")
    content_rfp = selectors.rfp_for_proposals(rfp.pk)
    organization = content_rfp.organization
    assert organization is not None
    overrides = location_overrides_for(organization=organization)

    def location_of(country: str) -> Any:
        return location_model_for(organization=organization, country=country, overrides=overrides)

    checked = 0
    now = now or timezone.now()
    with transaction.atomic():
        for proposal in (
            Proposal.objects.select_for_update(of=("self",))
            .filter(rfp=content_rfp, status=ProposalStatus.SUBMITTED)
            .select_related("submitted_version")
        ):
            if proposal.submitted_version is None:
                continue
            result = evaluate_compliance(
                rfp=content_rfp,
                content=read_content(proposal.submitted_version.content, commercial_open=False),
                location_of=location_of,
            )
            proposal.compliance_status = result.status
            proposal.compliance_reasons = result.reasons
            proposal.compliance_checked_at = now
            proposal.save(
                update_fields=["compliance_status", "compliance_reasons", "compliance_checked_at"]
            )
            checked += 1
        if actor is not None:
            audit_record(
                actor=actor,
                action="proposals.compliance_checked",
                obj=content_rfp,
                organization=organization,
                summary=f"{actor} checked the compliance of {checked} proposals to "
                f"{content_rfp.reference} again",
            )
    return checked


def proposal_compliance_override(
    *, actor: User, proposal: Proposal, status: str, justification: str
) -> Proposal:
    """A buyer admin or procurement manager overrules the automatic result, with
    a justification that is recorded, audited and shown. `status=""` returns to
    the automatic result."""
    rfp = proposal.rfp
    require_buyer(actor, Capability.MANAGE_EVALUATION, rfp.organization_id)
    justification = (justification or "").strip()
    if status not in ComplianceStatus.values:
        raise ApplicationError.for_fields(
            {"status": "Choose compliant, non-compliant or the automatic result."}
        )
    if len(justification) < 10:
        raise ApplicationError.for_fields(
            {
                "justification": "Explain the decision in a sentence: it is recorded and shown "
                "with the result."
            }
        )
    if len(justification) > 2000:
        raise ApplicationError.for_fields(
            {"justification": "Keep the justification under 2,000 characters."}
        )
    if not selectors.envelope_state(rfp).technical_open:
        raise selectors.ProposalsSealedError("The proposals are sealed until the deadline.")
    with transaction.atomic():
        locked = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("company")
            .get(pk=proposal.pk)
        )
        if not locked.counts:
            raise ConflictError("Only a submitted proposal that was not withdrawn is evaluated.")
        previous = locked.effective_compliance
        locked.compliance_override = status
        locked.compliance_override_reason = justification
        locked.compliance_overridden_by = actor
        locked.compliance_overridden_at = timezone.now()
        locked.save(
            update_fields=[
                "compliance_override",
                "compliance_override_reason",
                "compliance_overridden_by",
                "compliance_overridden_at",
            ]
        )
        label = str(ComplianceStatus(status).label) if status else "the automatic result"
        audit_record(
            actor=actor,
            action="proposal.compliance_overridden",
            obj=locked,
            organization=rfp.organization,
            summary=f"{actor} set the compliance of {locked.company.display_name}'s proposal "
            f"to {label.lower()}",
            data={"from": previous, "to": status, "justification": justification},
        )
    return locked


def ensure_can_download(*, user: Any, attachment: ProposalAttachment) -> None:
    """Vendors: their own files. Buyers: files of the version that counts,
    once its envelope is open."""
    access = selectors.proposal_access(user, attachment.proposal.rfp)
    if access.is_vendor and attachment.proposal.company_id == access.company_id:
        return
    proposal = attachment.proposal
    if access.is_buyer and proposal.counts and proposal.submitted_version is not None:
        listed = {
            item["id"]: item for item in proposal.submitted_version.content.get("attachments", [])
        }
        item = listed.get(attachment.pk)
        if (
            item is not None
            and access.technical_visible
            and (item.get("envelope") != Envelope.COMMERCIAL or access.commercial_visible)
        ):
            return
    raise PermissionDeniedError("You cannot download this file.")


# --- Reads and downloads, recorded -------------------------------------------------------------


def proposal_attachment_download(*, user: User, attachment: ProposalAttachment) -> None:
    """Check the right to a proposal's file and record the download (page and API).
    A buyer's download goes to the buyer's audit log; a vendor fetching its own file is
    recorded without an organization, so the buyer learns nothing about a working copy."""
    ensure_can_download(user=user, attachment=attachment)
    proposal = attachment.proposal
    buyer_side = buyer_membership(user) is not None
    audit_record(
        actor=user,
        action="proposal.attachment_downloaded",
        obj=attachment,
        organization=proposal.rfp.organization if buyer_side else None,
        summary=f"{user} downloaded “{attachment.name}” of {proposal.company.display_name}'s "
        f"proposal to {proposal.rfp.reference}",
        data={
            "proposal_id": proposal.pk,
            "rfp_id": proposal.rfp_id,
            "company_id": proposal.company_id,
            "file": attachment.name,
        },
    )


def proposal_read_record(
    *, reader: User, proposal: Proposal, access: selectors.ProposalAccess
) -> None:
    """A buyer opened one proposal (its page or the API's detail): who, when, and which
    envelopes were open to them. Lists are not recorded, nor a vendor reading its own."""
    if not access.is_buyer:
        return
    _record_read(
        reader, proposal, technical=access.technical_visible, commercial=access.commercial_visible
    )


def proposal_technical_read_record(*, reader: User, proposal: Proposal) -> None:
    """An evaluator opened one proposal's technical content to score it."""
    _record_read(reader, proposal, technical=True, commercial=False)


def _record_read(reader: User, proposal: Proposal, *, technical: bool, commercial: bool) -> None:
    audit_record(
        actor=reader,
        action="proposal.read",
        obj=proposal,
        organization=proposal.rfp.organization,
        summary=f"{reader} read {proposal.company.display_name}'s proposal to "
        f"{proposal.rfp.reference}",
        data={
            "rfp_id": proposal.rfp_id,
            "company_id": proposal.company_id,
            "technical": technical,
            "commercial": commercial,
        },
    )
