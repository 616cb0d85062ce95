"""The vendor's side: starting a proposal, the task list's editor pages, the
attachments, the check page with submission, the receipts and withdrawal.

Every editor page is a plain form (POST, redirect to the task list) that htmx
also saves on change: an htmx request gets back the "Saved at 14:02" status
and the part's new version instead of a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.web import request_user
from proposals import checklist, presenters, selectors, services
from proposals.forms import (
    AttachmentForm,
    CentresForm,
    PartForm,
    PricingForm,
    QuestionnaireForm,
    SettingsForm,
    SLAForm,
    StaffingForm,
    WithdrawForm,
    show_error,
)
from proposals.models import Envelope, Proposal, ProposalAttachment, ProposalStatus, ProposalVersion
from rfp.models import RFP
from rfp.selectors import lot_volumes


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _status(form: forms.Form, error: ApplicationError | None) -> int:
    if isinstance(error, ConflictError):
        return 409
    return 400 if form.errors else 200


# --- Starting -----------------------------------------------------------------------------------


@login_required
@require_POST
def proposal_start(request: HttpRequest, rfp_pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = RFP.objects.filter(pk=rfp_pk, is_template=False).first()
    if rfp is None:
        raise Http404
    try:
        proposal = services.proposal_start(actor=user, rfp=rfp)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise
        messages.error(request, exc.message)
        return redirect("rfp_detail", rfp_pk)
    return redirect("proposal_detail", proposal.pk)


# --- The parts ----------------------------------------------------------------------------------


def _save_part(
    request: HttpRequest,
    proposal: Proposal,
    form: PartForm,
    save: Callable[[PartForm], int],
    *,
    template: str,
    context: dict[str, Any],
    saved_message: str,
    label: str,
    oob: Callable[[], str] | None = None,
) -> HttpResponse:
    """Validate, call the service, answer the plain POST or the autosave."""
    error: ApplicationError | None = None
    if request.method == "POST":
        if form.is_valid():
            try:
                new_version = save(form)
            except ApplicationError as exc:
                error = exc
                show_error(form, exc)
            else:
                if _is_htmx(request):
                    return _autosave_response(
                        request, version=new_version, oob=oob() if oob else ""
                    )
                messages.success(request, saved_message)
                return redirect("proposal_detail", proposal.pk)
        if _is_htmx(request):
            return _autosave_response(request, form=form, error=error)
    return render(
        request,
        template,
        {
            "proposal": proposal,
            "rfp": proposal.rfp,
            "form": form,
            "editable": form.editable,
            "conflict": isinstance(error, ConflictError),
            "part_label": label,
            "autosave": True,
            **context,
        },
        status=_status(form, error),
    )


def _autosave_response(
    request: HttpRequest,
    *,
    version: int | None = None,
    form: forms.Form | None = None,
    error: ApplicationError | None = None,
    oob: str = "",
) -> HttpResponse:
    errors: list[tuple[str, str]] = []
    if form is not None:
        for message in form.non_field_errors():
            errors.append(("", message))
        for name, field_errors in form.errors.items():
            if name == "__all__":
                continue
            label = form.fields[name].label if name in form.fields else name
            for message in field_errors:
                errors.append((f"id_{name}", f"{label}: {message}"))
    html = render_to_string(
        "proposals/partials/save_status.html",
        {
            "saved_at": timezone.now() if version is not None else None,
            "version": version,
            "errors": errors,
            "conflict": isinstance(error, ConflictError),
            "oob": True,
        },
        request=request,
    )
    status = 200 if version is not None else (409 if isinstance(error, ConflictError) else 400)
    return HttpResponse(html + oob, status=status)


def _vendor_part(request: HttpRequest, pk: int) -> tuple[Proposal, bool]:
    proposal = selectors.vendor_proposal(request_user(request), pk)
    return proposal, proposal.rfp.is_open_for_bids()


def _lot_of(proposal: Proposal, lot_pk: int) -> tuple[Any, Any]:
    lots = selectors.lots_by_id(proposal.rfp)
    if lot_pk not in lots:
        raise Http404
    part = next((p for p in proposal.lots.all() if p.lot_id == lot_pk), None)
    if part is None:
        raise Http404("You are not bidding on this lot.")
    return lots[lot_pk], part


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
def proposal_settings(request: HttpRequest, pk: int) -> HttpResponse:
    proposal, editable = _vendor_part(request, pk)
    rfp = proposal.rfp
    lots = list(rfp.lots.all())
    form = SettingsForm(
        _data(request),
        currencies=selectors.currency_options(rfp),
        lots=lots,
        editable=editable,
        initial={
            "version": proposal.version,
            "currency": proposal.currency,
            "lots": [str(part.lot_id) for part in proposal.lots.all()],
        },
    )

    def save(form: PartForm) -> int:
        saved = services.proposal_settings_update(
            actor=request_user(request),
            proposal=proposal,
            version=form.cleaned_data["version"],
            currency=form.cleaned_data.get("currency") or proposal.currency,
            lot_ids=[int(i) for i in form.cleaned_data.get("lots") or []]
            if len(lots) > 1
            else None,
        )
        return saved.version

    rate = (
        selectors.exchange_rate_for(base=proposal.currency, quote=rfp.currency)
        if proposal.currency != rfp.currency
        else None
    )
    return _save_part(
        request,
        proposal,
        form,
        save,
        template="proposals/edit_settings.html",
        # Dropping a lot deletes its prices: that is saved on purpose, not on change.
        context={"rate": rate, "autosave": False},
        saved_message="Lots and currency saved.",
        label="Lots and currency",
    )


@login_required
def proposal_questionnaire(request: HttpRequest, pk: int) -> HttpResponse:
    proposal, editable = _vendor_part(request, pk)
    questions = selectors.questions_of(proposal.rfp)
    answers = {answer.question_id: answer.value for answer in proposal.answers.all()}
    attachments = {a.pk: a for a in proposal.attachments.all()}
    form = QuestionnaireForm(
        _data(request),
        request.FILES if request.method == "POST" else None,
        questions=questions,
        answers=answers,
        editable=editable,
        initial={"version": proposal.answers_version},
    )

    def save(form: PartForm) -> int:
        assert isinstance(form, QuestionnaireForm)
        saved = services.proposal_answers_save(
            actor=request_user(request),
            proposal=proposal,
            version=form.cleaned_data["version"],
            answers=form.answers(),
            files=form.uploads(),
        )
        return saved.answers_version

    def files_oob() -> str:
        fresh = selectors.proposal_working_copy(proposal.pk)
        current = {a.pk: a for a in fresh.attachments.all()}
        fresh_answers = {answer.question_id: answer.value for answer in fresh.answers.all()}
        return "".join(
            render_to_string(
                "proposals/partials/file_answer.html",
                {
                    "question": question,
                    "attachment": current.get(fresh_answers.get(question.pk)),
                    "proposal": proposal,
                    "oob": True,
                },
            )
            for question in questions
            if question.kind == "file"
        )

    sections = []
    for section in proposal.rfp.sections.all():
        fields = []
        for question in section.questions.all():
            fields.append(
                (
                    question,
                    form[f"answers_{question.pk}"],
                    attachments.get(answers.get(question.pk)) if question.kind == "file" else None,
                )
            )
        sections.append((section, fields))
    return _save_part(
        request,
        proposal,
        form,
        save,
        template="proposals/edit_questionnaire.html",
        context={"sections": sections},
        saved_message="Questionnaire saved.",
        label="Questionnaire",
        oob=files_oob if any(q.kind == "file" for q in questions) else None,
    )


@login_required
def proposal_lot_pricing(request: HttpRequest, pk: int, lot_pk: int) -> HttpResponse:
    proposal, editable = _vendor_part(request, pk)
    lot, part = _lot_of(proposal, lot_pk)
    form = PricingForm(
        _data(request),
        lines=list(lot.pricing_lines.all()),
        entries={entry.pricing_line_id: entry for entry in part.prices.all()},
        editable=editable,
        initial={"version": part.pricing_version},
    )

    def save(form: PartForm) -> int:
        assert isinstance(form, PricingForm)
        saved = services.proposal_prices_save(
            actor=request_user(request),
            proposal=proposal,
            lot=lot,
            version=form.cleaned_data["version"],
            prices=form.prices(),
            comments=form.comments(),
        )
        return saved.pricing_version

    def totals_oob() -> str:
        fresh = selectors.proposal_working_copy(proposal.pk)
        _, costs, rate = presenters.working_content(fresh)
        return render_to_string(
            "proposals/partials/running_total.html",
            {"lot": lot, "cost": costs.get(lot.pk), "proposal": fresh, "rate": rate, "oob": True},
        )

    _, costs, rate = presenters.working_content(proposal)
    return _save_part(
        request,
        proposal,
        form,
        save,
        template="proposals/edit_pricing.html",
        context={
            "lot": lot,
            "cost": costs.get(lot.pk),
            "rate": rate,
            "volumes": lot_volumes(lot),
        },
        saved_message=f"Prices for “{lot.name}” saved.",
        label=f"Pricing: {lot.name}",
        oob=totals_oob,
    )


@login_required
def proposal_lot_slas(request: HttpRequest, pk: int, lot_pk: int) -> HttpResponse:
    proposal, editable = _vendor_part(request, pk)
    lot, part = _lot_of(proposal, lot_pk)
    form = SLAForm(
        _data(request),
        levels=list(lot.service_levels.all()),
        commitments={c.service_level_id: c for c in part.sla_commitments.all()},
        editable=editable,
        initial={"version": part.slas_version},
    )

    def save(form: PartForm) -> int:
        assert isinstance(form, SLAForm)
        saved = services.proposal_slas_save(
            actor=request_user(request),
            proposal=proposal,
            lot=lot,
            version=form.cleaned_data["version"],
            commitments=form.commitments(),
        )
        return saved.slas_version

    return _save_part(
        request,
        proposal,
        form,
        save,
        template="proposals/edit_slas.html",
        context={"lot": lot},
        saved_message=f"Service levels for “{lot.name}” saved.",
        label=f"Service levels: {lot.name}",
    )


@login_required
def proposal_lot_centres(request: HttpRequest, pk: int, lot_pk: int) -> HttpResponse:
    proposal, editable = _vendor_part(request, pk)
    lot, part = _lot_of(proposal, lot_pk)
    centres = list(proposal.company.delivery_centres.all())
    spoken = {
        language.code
        for proposed in part.centres.all()
        for language in proposed.delivery_centre.languages.all()
    }
    form = CentresForm(
        _data(request),
        centres=centres,
        shares={c.delivery_centre_id: c.share for c in part.centres.all()},
        editable=editable,
        initial={"version": part.centres_version},
    )

    def save(form: PartForm) -> int:
        assert isinstance(form, CentresForm)
        saved = services.proposal_centres_save(
            actor=request_user(request),
            proposal=proposal,
            lot=lot,
            version=form.cleaned_data["version"],
            shares=form.shares(),
        )
        return saved.centres_version

    return _save_part(
        request,
        proposal,
        form,
        save,
        template="proposals/edit_centres.html",
        context={
            "lot": lot,
            "language_coverage": [
                (language.name, language.code in spoken)
                for language in proposal.rfp.required_languages.all()
            ],
            "total": sum((c.share for c in part.centres.all()), 0),
        },
        saved_message=f"Delivery centres for “{lot.name}” saved.",
        label=f"Delivery centres: {lot.name}",
    )


@login_required
def proposal_lot_staffing(request: HttpRequest, pk: int, lot_pk: int) -> HttpResponse:
    proposal, editable = _vendor_part(request, pk)
    lot, part = _lot_of(proposal, lot_pk)
    form = StaffingForm(
        _data(request),
        months=selectors.staffing_months(lot),
        plan=list(part.staffing_plan or []),
        editable=editable,
        initial={"version": part.staffing_version, "transition_plan": part.transition_plan},
    )

    def save(form: PartForm) -> int:
        assert isinstance(form, StaffingForm)
        saved = services.proposal_staffing_save(
            actor=request_user(request),
            proposal=proposal,
            lot=lot,
            version=form.cleaned_data["version"],
            headcount=form.headcount(),
            transition_plan=form.cleaned_data.get("transition_plan", ""),
        )
        return saved.staffing_version

    return _save_part(
        request,
        proposal,
        form,
        save,
        template="proposals/edit_staffing.html",
        context={"lot": lot},
        saved_message=f"Staffing plan for “{lot.name}” saved.",
        label=f"Staffing: {lot.name}",
    )


# --- Attachments --------------------------------------------------------------------------------


@login_required
def proposal_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    proposal, editable = _vendor_part(request, pk)
    form = AttachmentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        two_envelopes=proposal.rfp.two_envelopes,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                attachment = services.proposal_attachment_add(
                    actor=request_user(request),
                    proposal=proposal,
                    upload=form.cleaned_data["file"],
                    description=form.cleaned_data.get("description", ""),
                    envelope=form.cleaned_data.get("envelope") or Envelope.TECHNICAL,
                )
            except ApplicationError as exc:
                show_error(form, exc)
                status = 409 if isinstance(exc, ConflictError) else 400
            else:
                messages.success(request, f"{attachment.name} added to your proposal.")
                return redirect("proposal_attachments", proposal.pk)
        else:
            status = 400
    questions = {q.pk: q for q in selectors.questions_of(proposal.rfp)}
    return render(
        request,
        "proposals/edit_attachments.html",
        {
            "proposal": proposal,
            "rfp": proposal.rfp,
            "form": form,
            "editable": editable,
            "attachments": [(a, questions.get(a.question_id)) for a in proposal.attachments.all()],
        },
        status=status,
    )


@login_required
@require_POST
def proposal_attachment_remove(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    proposal = selectors.vendor_proposal(request_user(request), pk)
    attachment = get_object_or_404(
        ProposalAttachment, pk=attachment_pk, proposal=proposal, removed_at__isnull=True
    )
    try:
        services.proposal_attachment_remove(actor=request_user(request), attachment=attachment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{attachment.name} removed from your proposal.")
    return redirect("proposal_attachments", proposal.pk)


# --- Check, submit, receipt, withdraw -----------------------------------------------------------


@login_required
def proposal_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers, then submit."""
    user = request_user(request)
    proposal, editable = _vendor_part(request, pk)
    error: ApplicationError | None = None
    if request.method == "POST":
        try:
            version = services.proposal_submit(actor=user, proposal=proposal)
        except ApplicationError as exc:
            error = exc
            proposal = selectors.proposal_working_copy(proposal.pk)
            editable = proposal.rfp.is_open_for_bids()
        else:
            return redirect("proposal_receipt", proposal.pk, version.number)
    content, costs, rate = presenters.working_content(proposal)
    problems = checklist.proposal_problems(proposal)
    groups = presenters.proposal_task_list(proposal, problems=problems)
    links = {task.key: task.url for group in groups for task in group.tasks}
    return render(
        request,
        "proposals/check.html",
        {
            "proposal": proposal,
            "rfp": proposal.rfp,
            "editable": editable,
            "problems": presenters.problem_summary(proposal, problems),
            "error": error,
            "content": content,
            "rate": rate,
            "answer_sections": presenters.answer_sections(proposal.rfp, content),
            "warnings": [] if problems else selectors.vendor_compliance_warnings(proposal, content),
            "lots": presenters.lot_views(proposal.rfp, content, costs),
            "links": links if editable else None,
            "lot_links": None
            if not editable
            else {
                part.lot_id: {
                    key: reverse(f"proposal_lot_{key}", args=[proposal.pk, part.lot_id])
                    for key in ("pricing", "slas", "centres", "staffing")
                }
                for part in proposal.lots.all()
            },
        },
        status=409 if isinstance(error, ConflictError) else (400 if error else 200),
    )


@login_required
def proposal_receipt(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    proposal = selectors.vendor_proposal(request_user(request), pk)
    version = get_object_or_404(
        ProposalVersion.objects.select_related("submitted_by").defer("content"),
        proposal=proposal,
        number=number,
    )
    return render(
        request,
        "proposals/receipt.html",
        {
            "proposal": proposal,
            "rfp": proposal.rfp,
            "version": version,
            "is_current": proposal.submitted_version_id == version.pk
            and proposal.status == ProposalStatus.SUBMITTED,
            "editable": proposal.rfp.is_open_for_bids(),
        },
    )


@login_required
def proposal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    proposal, editable = _vendor_part(request, pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_withdraw(
                actor=request_user(request), proposal=proposal, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            show_error(form, exc)
            status = 409 if isinstance(exc, ConflictError) else 400
        else:
            messages.success(
                request,
                "Your proposal is withdrawn: the buyer will not evaluate it. You can still "
                "submit it again before the deadline.",
            )
            return redirect("proposal_detail", proposal.pk)
    return render(
        request,
        "proposals/withdraw.html",
        {"proposal": proposal, "rfp": proposal.rfp, "form": form, "editable": editable},
        status=status,
    )
