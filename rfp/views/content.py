"""One set of views for the RFP's content in the editor: lots, questionnaire sections
and questions, pricing lines and KPIs (PARTS says how each kind is edited)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.web import request_user
from rfp import selectors, services
from rfp.forms import (
    DeleteForm,
    LotForm,
    PricingLineForm,
    QuestionForm,
    RFPEditForm,
    SectionForm,
    ServiceLevelForm,
)
from rfp.models import (
    CHARGE_DEFAULTS,
    METRIC_DEFAULTS,
    RFP,
    Lot,
    PricingLine,
    Question,
    QuestionSection,
    ServiceLevel,
)
from rfp.views._common import _editable_rfp, _first_error, _show_error
from rfp.views.editor import _addendum_note, _editor_guard

# --- Parts: one set of views for lots, sections, questions, pricing lines and KPIs -------------


@dataclass(frozen=True)
class PartKind:
    noun: str
    step: str
    form: type[RFPEditForm]
    instance_kwarg: str
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    get: Callable[[RFP, int], Any]
    fields: tuple[str, ...]


def _lot(rfp: RFP, part_pk: int) -> Lot:
    return get_object_or_404(Lot, pk=part_pk, rfp=rfp)


def _section(rfp: RFP, part_pk: int) -> QuestionSection:
    return get_object_or_404(QuestionSection, pk=part_pk, rfp=rfp)


def _question(rfp: RFP, part_pk: int) -> Question:
    return get_object_or_404(
        Question.objects.select_related("section"), pk=part_pk, section__rfp=rfp
    )


def _pricing_line(rfp: RFP, part_pk: int) -> PricingLine:
    return get_object_or_404(PricingLine.objects.select_related("lot"), pk=part_pk, lot__rfp=rfp)


def _service_level(rfp: RFP, part_pk: int) -> ServiceLevel:
    return get_object_or_404(ServiceLevel.objects.select_related("lot"), pk=part_pk, lot__rfp=rfp)


PARTS: dict[str, PartKind] = {
    "lot": PartKind(
        "lot",
        "lots",
        LotForm,
        "lot",
        services.lot_create,
        services.lot_update,
        services.lot_delete,
        _lot,
        tuple(n for n in LotForm.base_fields if n not in ("version", "addendum_summary")),
    ),
    "section": PartKind(
        "section",
        "questionnaire",
        SectionForm,
        "section",
        services.question_section_create,
        services.question_section_update,
        services.question_section_delete,
        _section,
        ("title", "description"),
    ),
    "question": PartKind(
        "question",
        "questionnaire",
        QuestionForm,
        "question",
        services.question_create,
        services.question_update,
        services.question_delete,
        _question,
        (
            "section",
            "text",
            "kind",
            "choices",
            "mandatory",
            "guidance",
            "is_knockout",
            "knockout_answer",
        ),
    ),
    "pricing-line": PartKind(
        "pricing line",
        "pricing",
        PricingLineForm,
        "line",
        services.pricing_line_create,
        services.pricing_line_update,
        services.pricing_line_delete,
        _pricing_line,
        ("lot", *services.PRICING_FIELDS),
    ),
    "kpi": PartKind(
        "KPI",
        "slas",
        ServiceLevelForm,
        "level",
        services.service_level_create,
        services.service_level_update,
        services.service_level_delete,
        _service_level,
        ("lot", *services.SERVICE_LEVEL_FIELDS),
    ),
}


def _part_form(
    kind: PartKind, rfp: RFP, data: Any = None, *, instance: Any = None, initial: Any = None
) -> RFPEditForm:
    kwargs: dict[str, Any] = {"rfp": rfp, "initial": initial or {}}
    if kind.form in (PricingLineForm, ServiceLevelForm):
        kwargs["editing"] = instance is not None
    return kind.form(data, **kwargs) if data is not None else kind.form(**kwargs)


def _part_initial(kind: PartKind, instance: Any) -> dict[str, Any]:
    initial = model_to_dict(instance, fields=[f for f in kind.fields if f != "section"])
    if isinstance(instance, Question):
        initial["section"] = instance.section_id
        initial["choices"] = "\n".join(instance.choices)
    if "lot" in initial:
        initial["lot"] = instance.lot_id
    return initial


def _new_part_initial(kind_name: str, request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    if kind_name == "lot":
        initial = {"sla_type": "customer", "contract_term_months": 36}
    elif kind_name == "question":
        initial = {"kind": "text", "mandatory": True, "section": request.GET.get("section")}
    elif kind_name == "pricing-line":
        initial = {"lot": request.GET.get("lot"), "recurrence": "monthly", "fixed_quantity": 1}
    elif kind_name == "kpi":
        initial = {
            "lot": request.GET.get("lot"),
            "direction": "higher",
            "measurement_frequency": "monthly",
        }
    return {k: v for k, v in initial.items() if v is not None}


@login_required
def rfp_part(
    request: HttpRequest, pk: int, kind_name: str, part_pk: int | None = None
) -> HttpResponse:
    kind = PARTS.get(kind_name)
    if kind is None:
        raise Http404
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    guard = _editor_guard(request, rfp)
    if guard is not None:
        return guard
    instance = kind.get(rfp, part_pk) if part_pk is not None else None
    initial = (
        _part_initial(kind, instance)
        if instance is not None
        else _new_part_initial(kind_name, request)
    )
    form = _part_form(kind, rfp, instance=instance, initial=initial)
    conflict = False
    if request.method == "POST":
        form = _part_form(kind, rfp, request.POST, instance=instance)
        if form.is_valid():
            fields = form.service_fields()
            common = {
                "actor": user,
                "version": form.cleaned_data["version"],
                "addendum_summary": form.cleaned_data.get("addendum_summary") or "",
            }
            try:
                if instance is None:
                    saved = kind.create(rfp=rfp, **common, **fields)
                else:
                    saved = kind.update(**{kind.instance_kwarg: instance}, **common, **fields)
            except ApplicationError as exc:
                _show_error(form, exc)
                conflict = isinstance(exc, ConflictError)
            else:
                updated = RFP.objects.get(pk=rfp.pk)
                messages.success(
                    request,
                    f"{kind.noun[:1].upper()}{kind.noun[1:]} saved: {saved}."
                    + _addendum_note(rfp, updated),
                )
                return redirect(
                    reverse("rfp_edit", args=[rfp.pk, kind.step]) + f"#{kind_name}-{saved.pk}"
                )
    context = {
        "rfp": rfp,
        "form": form,
        "kind": kind,
        "kind_name": kind_name,
        "instance": instance,
        "step_label": selectors.STEP_LABELS[kind.step],
        "charge_defaults": CHARGE_DEFAULTS,
        "metric_defaults": METRIC_DEFAULTS,
    }
    status = 409 if conflict else (400 if form.errors else 200)
    return render(request, "rfp/part_form.html", context, status=status)


@login_required
@require_POST
def rfp_part_delete(request: HttpRequest, pk: int, kind_name: str, part_pk: int) -> HttpResponse:
    kind = PARTS.get(kind_name)
    if kind is None:
        raise Http404
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    guard = _editor_guard(request, rfp)
    if guard is not None:
        return guard
    instance = kind.get(rfp, part_pk)
    form = DeleteForm(request.POST, rfp=rfp)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("rfp_part_edit", rfp.pk, kind_name, part_pk)
    try:
        updated = kind.delete(
            actor=user,
            version=form.cleaned_data["version"],
            addendum_summary=form.cleaned_data.get("addendum_summary") or "",
            **{kind.instance_kwarg: instance},
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{kind.noun[:1].upper()}{kind.noun[1:]} removed: {instance}."
            + _addendum_note(rfp, updated),
        )
    return redirect("rfp_edit", rfp.pk, kind.step)
