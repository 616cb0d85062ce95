"""Starting a proposal and saving the parts of its working copy: lots and
currency, questionnaire, prices, service levels, delivery centres, staffing.
Each save checks the deadline and the part's version first (services.editing)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from accounts.audit import audit_record
from accounts.models import User
from bpo_portal.errors import ApplicationError, NotFoundError
from bpo_portal.permissions import Capability, require_vendor
from proposals import selectors
from proposals.models import (
    PriceEntry,
    Proposal,
    ProposalAnswer,
    ProposalAttachment,
    ProposalLot,
    ProposedCentre,
    SLACommitment,
)
from proposals.services.attachments import store_attachment, validated_upload
from proposals.services.editing import (
    bump_version,
    check_version,
    keyed_by_id,
    lock_own_proposal,
    lot_part,
    refuse_errors,
    refuse_if_closed,
)
from proposals.services.parsing import MAX_TEXT_ANSWER, clean_answer, parse_decimal, parse_price
from rfp import selectors as rfp_selectors
from rfp import services as rfp_services
from rfp.models import RFP, InvitationStatus, Lot, Question, QuestionKind

MAX_SLA_VALUE = Decimal("10000000000")
MAX_HEADCOUNT = 100_000
MAX_COMMENT = 500
HUNDRED = Decimal("100")
SHARE_PLACES = Decimal("0.01")

NOT_OPEN_TO_YOU = (
    "This RFP is not open to your company: only vendors the buyer invited (or qualified, "
    "for RFPs open to qualified vendors) can send a proposal."
)


# --- Starting -----------------------------------------------------------------------------------


def proposal_start(*, actor: User, rfp: RFP) -> Proposal:
    """The company's draft for this RFP (created on first use). Starting a
    proposal tells the buyer the vendor intends to bid."""
    membership = require_vendor(actor, Capability.RESPOND_TO_RFPS)
    if not rfp_selectors.rfps_visible_to(actor).filter(pk=rfp.pk).exists():
        raise NotFoundError(NOT_OPEN_TO_YOU)
    existing = Proposal.objects.filter(rfp_id=rfp.pk, company_id=membership.company_id).first()
    if existing is not None:
        return existing
    rfp = RFP.objects.select_related("organization").get(pk=rfp.pk)
    refuse_if_closed(rfp)
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
        locked = lock_own_proposal(actor, proposal)
        check_version(
            locked.version, version, part="the lots and currency", locked=locked, actor=actor
        )
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
        refuse_errors(errors, "field")
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
            bump_version(locked, actor, locked, "version")
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
        locked = lock_own_proposal(actor, proposal)
        check_version(
            locked.answers_version, version, part="the questionnaire", locked=locked, actor=actor
        )
        questions = {q.pk: q for q in Question.objects.filter(section__rfp_id=locked.rfp_id)}
        errors: dict[str, str] = {}
        cleaned: dict[int, Any] = {}
        for raw_id, raw in keyed_by_id(answers, "answers", errors).items():
            question = questions.get(raw_id)
            if question is None:
                errors[f"answers.{raw_id}"] = "This question is not part of the RFP."
                continue
            try:
                cleaned[question.pk] = clean_answer(question, raw)
            except ValueError as exc:
                errors[f"answers.{question.pk}"] = str(exc)
        uploads: dict[int, tuple[UploadedFile[Any], str]] = {}
        for raw_id, upload in keyed_by_id(files, "answers", errors).items():
            question = questions.get(raw_id)
            key = f"answers.{raw_id}"
            if question is None or question.kind != QuestionKind.FILE:
                errors[key] = "This question does not take a file."
                continue
            try:
                uploads[question.pk] = (upload, validated_upload(upload, field=key))
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
        refuse_errors(errors, "answer")
        for qid, (upload, content_type) in uploads.items():
            attachment = store_attachment(
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
            bump_version(locked, actor, locked, "answers_version")
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
        locked = lock_own_proposal(actor, proposal)
        part, rfp_lot = lot_part(locked, lot)
        check_version(part.pricing_version, version, part="the pricing", locked=locked, actor=actor)
        lines = {line.pk: line for line in rfp_lot.pricing_lines.all()}
        errors: dict[str, str] = {}
        raw_prices = keyed_by_id(prices, "prices", errors)
        raw_comments = keyed_by_id(comments or {}, "comments", errors)
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
        refuse_errors(errors, "price")
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
            bump_version(locked, actor, part, "pricing_version")
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
        locked = lock_own_proposal(actor, proposal)
        part, rfp_lot = lot_part(locked, lot)
        check_version(
            part.slas_version, version, part="the service levels", locked=locked, actor=actor
        )
        levels = {level.pk: level for level in rfp_lot.service_levels.all()}
        errors: dict[str, str] = {}
        cleaned: dict[int, tuple[bool, Decimal | None, str] | None] = {}
        for level_id, given in keyed_by_id(commitments, "slas", errors).items():
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
        refuse_errors(errors, "service level")
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
            bump_version(locked, actor, part, "slas_version")
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
        locked = lock_own_proposal(actor, proposal)
        part, _ = lot_part(locked, lot)
        check_version(
            part.centres_version, version, part="the delivery centres", locked=locked, actor=actor
        )
        own = set(locked.company.delivery_centres.values_list("pk", flat=True))
        errors: dict[str, str] = {}
        cleaned: dict[int, Decimal] = {}
        for centre_id, raw in keyed_by_id(shares, "centres", errors).items():
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
        refuse_errors(errors, "share")
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
            bump_version(locked, actor, part, "centres_version")
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
        locked = lock_own_proposal(actor, proposal)
        part, rfp_lot = lot_part(locked, lot)
        check_version(
            part.staffing_version, version, part="the staffing plan", locked=locked, actor=actor
        )
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
        refuse_errors(errors, "field")
        while plan and plan[-1] is None:
            plan.pop()
        plan = plan if any(n is not None for n in plan) else []
        if part.staffing_plan != plan or part.transition_plan != transition_plan:
            part.staffing_plan = plan
            part.transition_plan = transition_plan
            part.save(update_fields=["staffing_plan", "transition_plan"])
            bump_version(locked, actor, part, "staffing_version")
    return part
