"""Q&A during the tender: a vendor asks until the question deadline; the buyer answers
privately, or publishes the answer, anonymised, to every invitee.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import BuyerRole, User
from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.permissions import Capability, require_buyer
from bpo_portal.web import site_link
from rfp import selectors
from rfp.models import RFP, InvitationStatus, RFPInvitation, RFPQuestion, RFPStatus
from rfp.services._editing import _lock, _org_users_with
from rfp.services.distribution import _vendor_rfp


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
