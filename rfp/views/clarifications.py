"""Q&A: vendors ask, the buyer answers privately or publishes the answer to every
invitee."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from bpo_portal.errors import ApplicationError
from bpo_portal.permissions import Capability, buyer_can, vendor_membership
from bpo_portal.web import request_user
from rfp import selectors, services
from rfp.forms import AnswerForm, AskQuestionForm
from rfp.models import RFPQuestion
from rfp.views._common import _editable_rfp, _show_error, _status_for, _visible_rfp

# --- Q&A -----------------------------------------------------------------------------------------


@login_required
def rfp_questions(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _visible_rfp(request, pk)
    questions = selectors.clarifications_visible_to(user, rfp)
    vendor = vendor_membership(user)
    ask_form = AskQuestionForm()
    if request.method == "POST":
        ask_form = AskQuestionForm(request.POST)
        if ask_form.is_valid():
            try:
                question = services.clarification_ask(
                    actor=user, rfp=rfp, text=ask_form.cleaned_data["text"]
                )
            except ApplicationError as exc:
                _show_error(ask_form, exc)
            else:
                messages.success(
                    request,
                    f"Question {question.number} was sent to {rfp.organization}. You will be "
                    "e-mailed when it is answered.",
                )
                return redirect("rfp_questions", rfp.pk)
    context: dict[str, Any] = {"rfp": rfp, "ask_form": ask_form}
    if vendor is not None:
        context["own_questions"] = [q for q in questions if q.company_id == vendor.company_id]
        context["published"] = [q for q in questions if q.is_published]
        template = "rfp/questions_vendor.html"
    else:
        context["questions"] = list(questions)
        context["can_answer"] = buyer_can(user, Capability.EDIT_RFP) and rfp.is_open_for_bids()
        template = "rfp/questions_buyer.html"
    return render(request, template, context, status=_status_for(ask_form))


@login_required
def rfp_question_answer(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    question = get_object_or_404(
        RFPQuestion.objects.select_related("company", "asked_by"), pk=question_pk, rfp=rfp
    )
    form = AnswerForm(
        initial={
            "answer": question.answer,
            "public_question": question.public_question or question.text,
            "publish": "1" if question.is_published or not question.answer else "0",
        }
    )
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.clarification_answer(actor=user, question=question, **form.cleaned_data)
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request,
                    f"Question {question.number} is answered"
                    + (
                        " and published to every invited vendor."
                        if form.cleaned_data["publish"]
                        else ". Only the vendor who asked can see the answer."
                    ),
                )
                return redirect("rfp_questions", rfp.pk)
    return render(
        request,
        "rfp/question_answer.html",
        {"rfp": rfp, "question": question, "form": form},
        status=_status_for(form),
    )
