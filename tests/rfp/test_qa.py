"""Q&A: questions until the deadline, private or published answers, and anonymity."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bpo_portal.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from rfp import selectors, services
from tests.conftest import make_vendor
from tests.rfp.conftest import emails_to

pytestmark = pytest.mark.django_db

ASKED = "Manila Contact Co here: do you accept night shifts from Cebu?"
PUBLIC = "Do you accept night shifts from a second site?"


def ask(rfp, vendor, text=ASKED):
    return services.clarification_ask(actor=vendor, rfp=rfp, text=text)


def test_vendors_ask_until_the_question_deadline(published, vendor_a, procurement_manager):
    question = ask(published, vendor_a)
    assert question.number == 1 and question.company == vendor_a.vendor_membership.company
    assert "New question" in emails_to(procurement_manager.email)[-1].subject
    with time_machine.travel(published.question_deadline - dt.timedelta(seconds=1), tick=False):
        assert ask(published, vendor_a, "Second").number == 2
    with (
        time_machine.travel(published.question_deadline, tick=False),
        pytest.raises(ConflictError, match="deadline for questions has passed"),
    ):
        ask(published, vendor_a, "Too late")
    with pytest.raises(ApplicationError) as error:
        ask(published, vendor_a, "  ")
    assert "text" in error.value.fields


def test_only_vendors_that_can_see_the_rfp_ask(published, draft, vendor_a, buyer_admin):
    outsider = make_vendor("owner@c.example", "Cairo Contact", "EG")
    with pytest.raises(NotFoundError):
        ask(published, outsider)
    with pytest.raises(NotFoundError):
        ask(draft, vendor_a)
    with pytest.raises(PermissionDeniedError):
        ask(published, buyer_admin)


def test_a_vendor_that_declined_cannot_ask(published, vendor_b):
    services.rfp_decline(actor=vendor_b, rfp=published, reason="No")
    with pytest.raises(ConflictError, match="declined"):
        ask(published, vendor_b)


def test_a_private_answer_reaches_only_the_asker(published, vendor_a, vendor_b, buyer_admin):
    question = ask(published, vendor_a)
    before_b = len(emails_to(vendor_b.email))
    services.clarification_answer(
        actor=buyer_admin, question=question, answer="Yes.", publish=False
    )
    assert "has been answered" in emails_to(vendor_a.email)[-1].subject
    assert len(emails_to(vendor_b.email)) == before_b
    assert list(selectors.clarifications_visible_to(vendor_b, published)) == []
    assert list(selectors.clarifications_visible_to(vendor_a, published)) == [question]


def test_a_published_answer_is_anonymised_for_other_vendors(
    published, vendor_a, vendor_b, procurement_manager
):
    question = ask(published, vendor_a)
    services.clarification_answer(
        actor=procurement_manager,
        question=question,
        answer="Yes, with the same controls.",
        publish=True,
        public_question=PUBLIC,
    )
    question.refresh_from_db()
    assert question.is_published and question.public_question == PUBLIC
    mail = emails_to(vendor_b.email)[-1]
    assert "new answer has been published" in mail.subject
    assert PUBLIC in mail.text and "Yes, with the same controls." in mail.text
    for clue in ("Manila", vendor_a.email, "Cebu", vendor_a.full_name):
        assert clue not in mail.text and clue not in mail.subject
    # The asker is told its question became public.
    assert "also published" in emails_to(vendor_a.email)[-1].text
    assert list(selectors.clarifications_visible_to(vendor_b, published)) == [question]


def test_publishing_without_new_wording_uses_the_question(published, vendor_a, buyer_admin):
    question = ask(published, vendor_a, "Is Spanish needed?")
    services.clarification_answer(actor=buyer_admin, question=question, answer="Yes", publish=True)
    question.refresh_from_db()
    assert question.public_question == "Is Spanish needed?"


def test_answer_refusals(published, vendor_a, evaluator, buyer_admin):
    question = ask(published, vendor_a)
    with pytest.raises(PermissionDeniedError):
        services.clarification_answer(actor=evaluator, question=question, answer="x", publish=True)
    with pytest.raises(ApplicationError) as error:
        services.clarification_answer(
            actor=buyer_admin, question=question, answer=" ", publish=True
        )
    assert "answer" in error.value.fields
    services.clarification_answer(actor=buyer_admin, question=question, answer="A", publish=True)
    with pytest.raises(ConflictError, match="already published"):
        services.clarification_answer(
            actor=buyer_admin, question=question, answer="B", publish=False
        )


def test_correcting_a_published_answer_does_not_email_everyone_again(
    published, vendor_a, vendor_b, buyer_admin
):
    question = ask(published, vendor_a)
    services.clarification_answer(actor=buyer_admin, question=question, answer="A", publish=True)
    before = len(emails_to(vendor_b.email))
    services.clarification_answer(actor=buyer_admin, question=question, answer="A+", publish=True)
    assert len(emails_to(vendor_b.email)) == before
