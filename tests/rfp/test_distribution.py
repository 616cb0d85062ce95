"""Who sees an RFP, invitations (directory and e-mail), intent to bid, declines."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bpo_portal.errors import ApplicationError, ConflictError, NotFoundError
from rfp import selectors, services
from rfp.models import InvitationStatus, RFPInvitation, Visibility
from tests.conftest import make_user, make_vendor
from tests.rfp.conftest import (
    close_at_deadline,
    company_of,
    emails_to,
    make_ready_rfp,
    publish,
    reload,
)
from vendors.models import QualificationStatus, VendorQualification
from vendors.services import qualification_update, vendor_company_create

pytestmark = pytest.mark.django_db


def visible(user) -> set[int]:
    return set(selectors.rfps_visible_to(user).values_list("pk", flat=True))


def test_buyers_see_their_organization_rfps_in_every_status(
    draft, published, evaluator, viewer, other_buyer
):
    assert visible(evaluator) == visible(viewer) == {draft.pk, published.pk}
    assert visible(other_buyer) == set()


def test_vendors_never_see_drafts_or_rfps_they_are_not_invited_to(
    draft, published, vendor_a, vendor_b, unattached_user
):
    assert visible(vendor_a) == {published.pk}  # invited to both, but one is a draft
    assert visible(vendor_b) == {published.pk}
    assert visible(unattached_user) == set()
    outsider = make_vendor("owner@c.example", "Cairo Contact", "EG")
    assert visible(outsider) == set()


def test_open_to_qualified_rfps_reach_qualified_vendors_only(
    procurement_manager, buyer_admin, vendor_a, vendor_b, other_buyer
):
    rfp = make_ready_rfp(procurement_manager, visibility=Visibility.OPEN_TO_QUALIFIED)
    rfp = publish(rfp, buyer_admin)  # no invitation needed when open to qualified vendors
    assert rfp.pk not in visible(vendor_a)
    qualification_update(actor=buyer_admin, company=company_of(vendor_a), status="qualified")
    # Another buyer's qualification does not count.
    qualification_update(actor=other_buyer, company=company_of(vendor_b), status="qualified")
    assert rfp.pk in visible(vendor_a)
    assert rfp.pk not in visible(vendor_b)
    # Joining it makes the vendor an invitee.
    invitation = services.rfp_intend_to_bid(actor=vendor_a, rfp=rfp)
    assert invitation.self_registered and invitation.status == InvitationStatus.INTENDS_TO_BID


def test_invite_from_the_directory_before_and_after_publication(
    draft, procurement_manager, buyer_admin, vendor_a, vendor_b
):
    first = RFPInvitation.objects.get(rfp=draft)
    assert first.sent_at is None
    # Inviting again is answered with the invitation already there: no second one.
    again = services.rfp_invitation_create(
        actor=procurement_manager, rfp=draft, company=company_of(vendor_a)
    )
    assert again.pk == first.pk and not again.created_now
    assert RFPInvitation.objects.filter(rfp=draft).count() == 1
    rfp = publish(draft, buyer_admin)
    before = len(emails_to(vendor_b.email))
    invitation = services.rfp_invitation_create(
        actor=procurement_manager, rfp=rfp, company=company_of(vendor_b)
    )
    assert invitation.sent_at is not None  # sent at once
    assert len(emails_to(vendor_b.email)) == before + 1


def test_blocked_vendors_cannot_be_invited(draft, procurement_manager, buyer_admin, vendor_b):
    qualification_update(actor=buyer_admin, company=company_of(vendor_b), status="blocked")
    with pytest.raises(ApplicationError, match="blocked") as error:
        services.rfp_invitation_create(
            actor=procurement_manager, rfp=draft, company=company_of(vendor_b)
        )
    assert "company" in error.value.fields
    assert company_of(vendor_b) not in selectors.vendors_to_invite(draft, show_all=True)


def test_the_picker_offers_qualified_vendors_by_default(draft, buyer_admin, vendor_a, vendor_b):
    qualification_update(actor=buyer_admin, company=company_of(vendor_b), status="qualified")
    assert list(selectors.vendors_to_invite(draft)) == [company_of(vendor_b)]
    # vendor_a is already invited: not offered again.
    assert company_of(vendor_a) not in selectors.vendors_to_invite(draft, show_all=True)


def test_inviting_several_is_all_or_nothing(
    draft, procurement_manager, buyer_admin, vendor_a, vendor_b
):
    blocked = make_vendor("owner@blocked.example", "Blocked Contact Ltd", "PH")
    VendorQualification.objects.create(
        organization=draft.organization,
        company=company_of(blocked),
        status=QualificationStatus.BLOCKED,
    )
    with pytest.raises(ApplicationError, match="blocked"):
        services.rfp_invitations_create(
            actor=procurement_manager,
            rfp=draft,
            companies=[company_of(vendor_b), company_of(blocked)],
        )
    assert not RFPInvitation.objects.filter(rfp=draft, company=company_of(vendor_b)).exists()
    # vendor_a was invited already: asked again with vendor_b, both are there, once.
    services.rfp_invitations_create(
        actor=procurement_manager, rfp=draft, companies=[company_of(vendor_b), company_of(vendor_a)]
    )
    assert RFPInvitation.objects.filter(rfp=draft).count() == 2


def test_invite_by_email_unregistered_vendor_is_attached_when_it_registers(
    procurement_manager, buyer_admin, unattached_user
):
    rfp = make_ready_rfp(procurement_manager)
    invitation = services.rfp_invitation_create(
        actor=procurement_manager, rfp=rfp, email=" New.Vendor@Example.com "
    )
    assert invitation.company is None and invitation.email == "new.vendor@example.com"
    rfp = publish(rfp, buyer_admin)
    mail = emails_to("new.vendor@example.com")[-1]
    assert "register your company" in mail.text
    invitation.refresh_from_db()
    assert invitation.sent_at is not None

    user = make_user("new.vendor@example.com", "New Vendor")
    company = vendor_company_create(
        user=user, legal_name="New Vendor Ltd", headquarters_country="PH"
    )
    # Registering attached the invitation (vendors.services calls the RFP service).
    invitation.refresh_from_db()
    assert invitation.company == company
    assert rfp.pk in visible(user)
    # Calling it again changes nothing.
    assert services.rfp_invitations_attach_new_company(company=company, email=user.email) == 0


def test_invite_by_email_of_a_registered_vendor_invites_its_company(
    draft, procurement_manager, vendor_b, viewer
):
    invitation = services.rfp_invitation_create(
        actor=procurement_manager, rfp=draft, email=vendor_b.email
    )
    assert invitation.company == company_of(vendor_b)
    with pytest.raises(ApplicationError, match="belongs to a buyer"):
        services.rfp_invitation_create(actor=procurement_manager, rfp=draft, email=viewer.email)
    with pytest.raises(ApplicationError) as error:
        services.rfp_invitation_create(actor=procurement_manager, rfp=draft, email="nope")
    assert error.value.fields == {"email": ["Enter a valid e-mail address."]}


def test_an_unsent_invitation_can_be_removed_a_sent_one_cannot(
    draft, procurement_manager, buyer_admin
):
    invitation = RFPInvitation.objects.get(rfp=draft)
    other = services.rfp_invitation_create(
        actor=procurement_manager, rfp=draft, email="someone@vendor.example"
    )
    services.rfp_invitation_delete(actor=procurement_manager, invitation=other)
    publish(draft, buyer_admin)
    with pytest.raises(ConflictError, match="already received"):
        services.rfp_invitation_delete(
            actor=procurement_manager, invitation=reload(draft).invitations.get(pk=invitation.pk)
        )


def test_no_invitations_once_closed(published, procurement_manager):
    rfp = close_at_deadline(published)
    with pytest.raises(ConflictError, match="can no longer be invited"):
        services.rfp_invitation_create(actor=procurement_manager, rfp=rfp, email="x@y.example")


def test_intent_to_bid_and_decline(published, vendor_a, vendor_b):
    invitation = services.rfp_intend_to_bid(actor=vendor_a, rfp=published)
    assert invitation.status == InvitationStatus.INTENDS_TO_BID and invitation.responded_at
    with pytest.raises(ApplicationError) as error:
        services.rfp_decline(actor=vendor_b, rfp=published, reason="  ")
    assert "reason" in error.value.fields
    invitation = services.rfp_decline(actor=vendor_b, rfp=published, reason="Too small for us")
    assert invitation.status == InvitationStatus.DECLINED
    assert invitation.decline_reason == "Too small for us"
    # Changing one's mind before the deadline is allowed.
    invitation = services.rfp_intend_to_bid(actor=vendor_b, rfp=published)
    assert invitation.status == InvitationStatus.INTENDS_TO_BID and invitation.decline_reason == ""


def test_responses_refused_for_outsiders_and_after_the_deadline(published, draft, vendor_a):
    outsider = make_vendor("owner@c.example", "Cairo Contact", "EG")
    with pytest.raises(NotFoundError):
        services.rfp_intend_to_bid(actor=outsider, rfp=published)
    with pytest.raises(NotFoundError):
        services.rfp_intend_to_bid(actor=vendor_a, rfp=draft)  # a draft does not exist for them
    after = published.submission_deadline + dt.timedelta(seconds=1)
    with (
        time_machine.travel(after, tick=False),
        pytest.raises(ConflictError, match="no longer open"),
    ):
        services.rfp_intend_to_bid(actor=vendor_a, rfp=published)


def test_invitees_without_submission_today_are_active_invitees(published, vendor_a, vendor_b):
    services.rfp_decline(actor=vendor_b, rfp=published, reason="No")
    companies = {i.company for i in selectors.invitees_without_submission(published)}
    assert companies == {company_of(vendor_a)}
    assert list(selectors.companies_with_submission(published)) == []
