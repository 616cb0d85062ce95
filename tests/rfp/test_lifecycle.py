"""The lifecycle, whichever door: every transition, every refusal, the automatic close."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from rfp import selectors, services, tasks
from rfp.models import RFP, RFPInvitation, RFPStatus, RFPTransition
from tests.rfp.conftest import (
    close_at_deadline,
    company_of,
    emails_to,
    make_ready_rfp,
    publish,
    reload,
)

pytestmark = pytest.mark.django_db


def statuses(rfp: RFP) -> list[tuple[str, str]]:
    return list(
        RFPTransition.objects.filter(rfp=rfp).order_by("id").values_list("from_status", "to_status")
    )


def test_a_new_rfp_gets_the_next_reference_of_its_organization(procurement_manager, other_buyer):
    first = services.rfp_create(actor=procurement_manager, title="One")
    second = services.rfp_create(actor=procurement_manager, title="Two")
    theirs = services.rfp_create(actor=other_buyer, title="Theirs")
    year = timezone.now().year
    assert first.reference == f"NH-{year}-001"
    assert second.reference == f"NH-{year}-002"
    assert theirs.reference == f"LR-{year}-001"
    assert first.status == RFPStatus.DRAFT and first.currency == "USD"
    assert statuses(first) == [("", "draft")]


def test_reference_prefixes():
    assert services.reference_prefix("Northwind Health") == "NH"
    assert services.reference_prefix("Lumière Retail Group") == "LRG"
    assert services.reference_prefix("Acme") == "ACM"
    assert services.reference_prefix("!!!") == "RFP"


def test_submit_approve_publish_path(draft, procurement_manager, buyer_admin, vendor_a):
    rfp = services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=draft, version=draft.version, comment="Please check"
    )
    assert rfp.status == RFPStatus.PENDING_APPROVAL
    assert emails_to(buyer_admin.email)[-1].subject.startswith("Please approve")
    # Nothing goes to vendors until it is published.
    assert not emails_to(vendor_a.email)
    assert not RFPInvitation.objects.filter(rfp=rfp, sent_at__isnull=False).exists()

    rfp = services.rfp_approve(actor=buyer_admin, rfp=rfp, version=rfp.version)
    assert rfp.status == RFPStatus.PUBLISHED and rfp.publication_at is not None
    invitation = RFPInvitation.objects.get(rfp=rfp)
    assert invitation.sent_at == rfp.publication_at
    assert "invites you to respond" in emails_to(vendor_a.email)[-1].subject
    assert "is approved" in emails_to(procurement_manager.email)[-1].subject
    assert statuses(rfp) == [
        ("", "draft"),
        ("draft", "pending_approval"),
        ("pending_approval", "published"),
    ]
    comments = [t.comment for t in RFPTransition.objects.filter(rfp=rfp).order_by("id")]
    assert comments[1] == "Please check"


def test_a_draft_is_never_published_directly(draft, buyer_admin):
    # Four eyes (issue 12): there is no "publish" any more, only submit then approve.
    assert "publish" not in services.TRANSITIONS and not hasattr(services, "rfp_publish")
    with pytest.raises(ConflictError, match="draft, so it cannot be approved"):
        services.rfp_approve(actor=buyer_admin, rfp=draft, version=draft.version)
    assert reload(draft).status == RFPStatus.DRAFT
    assert statuses(draft) == [("", "draft")]


@pytest.mark.parametrize("role", ["procurement_manager", "evaluator", "viewer"])
def test_only_admins_approve(role, draft, buyer_admin, request):
    user = request.getfixturevalue(role)
    rfp = services.rfp_submit_for_approval(actor=buyer_admin, rfp=draft, version=draft.version)
    with pytest.raises(PermissionDeniedError, match="Only an admin"):
        services.rfp_approve(actor=user, rfp=rfp, version=rfp.version)
    assert reload(rfp).status == RFPStatus.PENDING_APPROVAL


@pytest.mark.parametrize("role", ["evaluator", "viewer", "other_buyer", "vendor_a"])
def test_others_cannot_submit(role, draft, request):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDeniedError):
        services.rfp_submit_for_approval(actor=user, rfp=draft, version=draft.version)


def test_return_to_draft_needs_comments_and_tells_the_author(
    draft, procurement_manager, buyer_admin
):
    rfp = services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=draft, version=draft.version
    )
    with pytest.raises(ApplicationError) as error:
        services.rfp_return_to_draft(actor=buyer_admin, rfp=rfp, version=rfp.version, comment=" ")
    assert "comment" in error.value.fields
    rfp = services.rfp_return_to_draft(
        actor=buyer_admin, rfp=rfp, version=rfp.version, comment="Lower the FTE count"
    )
    assert rfp.status == RFPStatus.DRAFT
    mail = emails_to(procurement_manager.email)[-1]
    assert "returned to draft" in mail.subject and "Lower the FTE count" in mail.text
    with pytest.raises(ConflictError, match="cannot be returned to draft"):
        services.rfp_return_to_draft(actor=buyer_admin, rfp=rfp, version=rfp.version, comment="x")


def test_an_incomplete_rfp_cannot_be_submitted_or_published(procurement_manager, buyer_admin):
    rfp = services.rfp_create(actor=procurement_manager, title="Empty")
    with pytest.raises(ApplicationError) as error:
        services.rfp_submit_for_approval(actor=procurement_manager, rfp=rfp, version=rfp.version)
    assert error.value.status_code == 400
    fields = error.value.fields
    for expected in ("summary", "lots", "questions", "question_deadline", "invitations"):
        assert expected in fields, expected
    assert error.value.message.startswith("The RFP is not ready")
    assert reload(rfp).status == RFPStatus.DRAFT
    assert statuses(rfp) == [("", "draft")]  # nothing half-saved
    with pytest.raises(ApplicationError):
        services.rfp_approve(actor=buyer_admin, rfp=rfp, version=rfp.version)


def test_publishing_refuses_deadlines_that_passed_meanwhile(
    draft, procurement_manager, buyer_admin
):
    rfp = services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=draft, version=draft.version
    )
    after = draft.question_deadline + dt.timedelta(seconds=1)
    with time_machine.travel(after, tick=False), pytest.raises(ApplicationError) as error:
        services.rfp_approve(actor=buyer_admin, rfp=rfp, version=rfp.version)
    assert error.value.fields["question_deadline"] == [
        "The question deadline has passed: choose a later date."
    ]
    assert reload(draft).status == RFPStatus.PENDING_APPROVAL


def test_pending_approval_cannot_be_edited(draft, procurement_manager):
    rfp = services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=draft, version=draft.version
    )
    with pytest.raises(ConflictError, match="waiting for approval"):
        services.rfp_update(actor=procurement_manager, rfp=rfp, version=rfp.version, title="New")


def test_closed_at_the_deadline_then_evaluate_then_award(
    published, procurement_manager, buyer_admin
):
    rfp = close_at_deadline(published)
    assert rfp.status == RFPStatus.CLOSED
    with pytest.raises(ConflictError, match="closed: it can no longer be changed"):
        services.rfp_update(actor=procurement_manager, rfp=rfp, version=rfp.version, title="x")
    rfp = services.rfp_start_evaluation(actor=procurement_manager, rfp=rfp, version=rfp.version)
    assert rfp.status == RFPStatus.UNDER_EVALUATION
    with pytest.raises(PermissionDeniedError, match="Only an admin can approve an award"):
        services.rfp_award(actor=procurement_manager, rfp=rfp, version=rfp.version)
    rfp = services.rfp_award(actor=buyer_admin, rfp=rfp, version=rfp.version, comment="Lot 1: A")
    assert rfp.status == RFPStatus.AWARDED
    assert [to for _, to in statuses(rfp)][-4:] == [
        "published",
        "closed",
        "under_evaluation",
        "awarded",
    ]


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("start_evaluation", "cannot be moved to evaluation"),
        ("award", "cannot be awarded"),
        ("approve", "cannot be approved"),
        ("return", "cannot be returned to draft"),
    ],
)
def test_invalid_transitions_from_draft_answer_409(action, expected, draft, buyer_admin):
    service = {
        "start_evaluation": services.rfp_start_evaluation,
        "award": services.rfp_award,
        "approve": services.rfp_approve,
        "return": services.rfp_return_to_draft,
    }[action]
    with pytest.raises(ConflictError, match=expected) as error:
        service(actor=buyer_admin, rfp=draft, version=draft.version, comment="c")
    assert error.value.status_code == 409
    assert error.value.extra["status"] == "draft"


def test_published_cannot_be_submitted_or_published_again(published, buyer_admin):
    with pytest.raises(ConflictError, match="published, so it cannot be submitted"):
        services.rfp_submit_for_approval(
            actor=buyer_admin, rfp=published, version=published.version
        )
    with pytest.raises(ConflictError, match="published, so it cannot be approved"):
        services.rfp_approve(actor=buyer_admin, rfp=published, version=published.version)


def test_a_stale_version_refuses_a_transition(draft, buyer_admin, procurement_manager):
    stale = draft.version
    services.rfp_update(actor=procurement_manager, rfp=draft, version=stale, title="Changed")
    with pytest.raises(ConflictError, match="saved this RFP at .* while you were editing it"):
        services.rfp_submit_for_approval(actor=buyer_admin, rfp=draft, version=stale)
    assert reload(draft).status == RFPStatus.DRAFT


@pytest.mark.parametrize(
    "state", ["draft", "pending_approval", "published", "closed", "evaluation"]
)
def test_cancel_from_every_open_state(state, procurement_manager, buyer_admin, vendor_a):
    rfp = make_ready_rfp(procurement_manager, invite=(company_of(vendor_a),))
    if state == "pending_approval":
        rfp = services.rfp_submit_for_approval(
            actor=procurement_manager, rfp=rfp, version=rfp.version
        )
    if state in ("published", "closed", "evaluation"):
        rfp = publish(rfp, buyer_admin)
    if state in ("closed", "evaluation"):
        rfp = close_at_deadline(rfp)
    if state == "evaluation":
        rfp = services.rfp_start_evaluation(actor=buyer_admin, rfp=rfp, version=rfp.version)
    with pytest.raises(ApplicationError) as error:
        services.rfp_cancel(actor=procurement_manager, rfp=rfp, version=rfp.version, reason="")
    assert "reason" in error.value.fields
    before = len(emails_to(vendor_a.email))
    rfp = services.rfp_cancel(
        actor=procurement_manager, rfp=rfp, version=rfp.version, reason="Budget withdrawn."
    )
    assert rfp.status == RFPStatus.CANCELLED
    assert RFPTransition.objects.filter(rfp=rfp).last().comment == "Budget withdrawn."
    sent = emails_to(vendor_a.email)[before:]
    if state in ("draft", "pending_approval"):
        assert sent == []  # the vendor never heard of it
    else:
        assert len(sent) == 1 and "Budget withdrawn." in sent[0].text


def test_awarded_and_cancelled_are_final(published, buyer_admin):
    rfp = services.rfp_cancel(
        actor=buyer_admin, rfp=published, version=published.version, reason="Stop"
    )
    with pytest.raises(ConflictError, match="cancelled, so it cannot be cancelled"):
        services.rfp_cancel(actor=buyer_admin, rfp=rfp, version=rfp.version, reason="again")


def test_the_beat_job_closes_at_the_deadline_to_the_second(published):
    deadline = published.submission_deadline
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        assert tasks.close_rfps_past_deadline() == 0
        assert reload(published).status == RFPStatus.PUBLISHED
    with time_machine.travel(deadline, tick=False):
        assert tasks.close_rfps_past_deadline() == 1
        assert tasks.close_rfps_past_deadline() == 0  # idempotent
    rfp = reload(published)
    assert rfp.status == RFPStatus.CLOSED
    last = RFPTransition.objects.filter(rfp=rfp).last()
    assert last.actor is None and "automatically" in last.comment


def test_the_beat_job_ignores_drafts_and_future_deadlines(draft, published):
    with time_machine.travel(draft.submission_deadline + dt.timedelta(days=1), tick=False):
        assert services.rfps_close_past_deadline() == [published.pk]
    assert reload(draft).status == RFPStatus.DRAFT


def test_the_timeline_lists_transitions_and_addenda(published, procurement_manager):
    services.rfp_update(
        actor=procurement_manager,
        rfp=published,
        version=published.version,
        submission_deadline=published.submission_deadline + dt.timedelta(days=2),
        addendum_summary="Two more days.",
    )
    entries = selectors.rfp_timeline(published)
    assert [e.title for e in entries] == [
        "Created as draft",
        "Draft → Waiting for approval",
        "Waiting for approval → Published",
        "Addendum 1",
    ]
    assert entries[-1].comment == "Two more days."
