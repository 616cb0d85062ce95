"""The RFP's content, what vendors price and answer: lots, questionnaire sections and
questions, pricing lines and service levels (KPIs). Each create, update and delete is
one edit of the RFP (rfp.services._editing): locked, version-checked, an addendum after
publication.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.models import User
from bpo_portal.errors import ApplicationError, validate_model
from rfp import selectors
from rfp.models import (
    CHARGE_DEFAULTS,
    CHOICE_KINDS,
    FIXED_BASIS,
    KNOCKOUT_KINDS,
    METRIC_DEFAULTS,
    RFP,
    VOLUME_FIELDS,
    VOLUME_LABELS,
    ChargeType,
    Direction,
    Lot,
    MeasurementFrequency,
    MetricKind,
    PricingLine,
    Question,
    QuestionKind,
    QuestionSection,
    Recurrence,
    ServiceLevel,
    SLAType,
)
from rfp.services._editing import _begin_edit, _decimal, _finish_edit, _set_fields

# --- Lots -----------------------------------------------------------------------------------

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


# --- Questionnaire: sections and questions -----------------------------------------------------

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


# --- Pricing lines and service levels (KPIs) ---------------------------------------------------

# The fields a buyer edits on a pricing line and on a KPI, in the order the forms show
# them: the one list the page (rfp/views/content.py PARTS), the forms and the API serializers
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
