"""Four eyes on publication and award (issue 12, item 5).

An RFP is published only by submit (its author) then approve (an admin), and the admin
who approves is not the person who submitted it; an award is approved by an admin other
than its proposer. One organization setting switches both off (a team with one admin);
either way the audit log says who submitted or proposed, and who approved. Every rule is
tried from the service, the page and the API, with its message and nothing changed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.models import AuditEvent, BuyerOrganization, User
from bpo_portal.errors import ConflictError, PermissionDeniedError
from bpo_portal.permissions import require_second_person, second_person_refusal
from proposals.models import Proposal
from rfp import services
from rfp.models import RFP, RFPInvitation, RFPStatus, RFPTransition
from scoring import award as award_services
from scoring.models import AwardDecision, AwardStatus, Evaluation
from tests.conftest import add_member, api_as
from tests.rfp.conftest import emails_to, reload
from tests.scoring.conftest import (  # noqa: F401  (the fixtures `scored` is built from)
    before_publication,
    evaluation,
    evaluator2,
    opened,
    published_rfp,
    scored,
    started,
)

pytestmark = pytest.mark.django_db

SELF_APPROVAL = "You submitted this RFP for approval: another admin must approve it"
SELF_AWARD = "You proposed this award: another admin must approve it"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def transitions(rfp: RFP) -> list[tuple[str, str, int | None]]:
    return list(
        RFPTransition.objects.filter(rfp=rfp)
        .order_by("id")
        .values_list("from_status", "to_status", "actor_id")
    )


def switch_four_eyes(admin: User, on: bool) -> BuyerOrganization:
    organization = admin.buyer_membership.organization
    return account_services.buyer_organization_update(
        actor=admin, organization=organization, four_eyes_required=on
    )


@pytest.fixture
def second_admin(buyer_org: BuyerOrganization) -> User:
    return add_member(buyer_org, "admin2@buyer.example", "admin")


@pytest.fixture
def submitted_by_admin(draft: RFP, buyer_admin: User) -> RFP:
    """The procurement manager's draft, submitted for approval by the admin."""
    return services.rfp_submit_for_approval(actor=buyer_admin, rfp=draft, version=draft.version)


def assert_still_pending(rfp: RFP, before: list[tuple[str, str, int | None]]) -> None:
    """Nothing changed: still waiting, no new transition, nothing published or sent."""
    fresh = reload(rfp)
    assert fresh.status == RFPStatus.PENDING_APPROVAL
    assert fresh.version == rfp.version and fresh.publication_at is None
    assert transitions(rfp) == before
    assert not AuditEvent.objects.filter(action="rfp.published").exists()
    assert not RFPInvitation.objects.filter(rfp=rfp, sent_at__isnull=False).exists()


# --- The rule, once ----------------------------------------------------------------------------


def test_one_rule_for_every_second_step(buyer_org, buyer_admin, second_admin):
    kwargs = {"organization": buyer_org, "what": "proposed this award"}
    refusal = second_person_refusal(actor=buyer_admin, first_actor=buyer_admin, **kwargs)
    assert refusal is not None and refusal.startswith(SELF_AWARD)
    assert "switch four eyes off in its settings" in refusal
    assert second_person_refusal(actor=second_admin, first_actor=buyer_admin, **kwargs) is None
    # The first step's author given by id works too; unknown (deleted user): not refused.
    assert second_person_refusal(actor=buyer_admin, first_actor=buyer_admin.pk, **kwargs)
    assert second_person_refusal(actor=buyer_admin, first_actor=None, **kwargs) is None
    with pytest.raises(PermissionDeniedError) as error:
        require_second_person(actor=buyer_admin, first_actor=buyer_admin, **kwargs)
    assert error.value.status_code == 403 and error.value.message == refusal
    buyer_org.four_eyes_required = False
    assert second_person_refusal(actor=buyer_admin, first_actor=buyer_admin, **kwargs) is None


# --- Publication: no way around submit then approve ----------------------------------------------


def test_publish_straight_from_draft_is_gone_from_every_door(draft, buyer_admin):
    assert "publish" not in services.TRANSITIONS and not hasattr(services, "rfp_publish")
    with pytest.raises(ConflictError, match="draft, so it cannot be approved"):
        services.rfp_approve(actor=buyer_admin, rfp=draft, version=draft.version)
    # The API: no such endpoint, in the error shape, and not in the schema.
    api = api_as(buyer_admin)
    response = api.post(f"/api/v1/rfps/{draft.pk}/publish/", {"version": draft.version})
    assert response.status_code == 404
    assert response.json()["message"]
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert not [path for path in schema["paths"] if path.endswith("/publish/")]
    # The page: no "Publish" for a draft, only "Submit for approval"; the old URL is gone.
    page = logged_in(buyer_admin)
    html = page.get(reverse("rfp_check", args=[draft.pk])).content.decode()
    assert "Publish now" not in html
    assert "Submit for approval" in html
    detail = page.get(reverse("rfp_detail", args=[draft.pk])).content.decode()
    assert "Check and submit for approval" in detail and "Check and publish" not in detail
    url = reverse("rfp_transition", args=[draft.pk, "publish"])
    assert page.post(url, {"version": draft.version}).status_code == 404
    assert reload(draft).status == RFPStatus.DRAFT
    assert transitions(draft) == [("", "draft", draft.created_by_id)]


def test_the_admin_who_submitted_cannot_approve_it_service(submitted_by_admin, buyer_admin):
    rfp = submitted_by_admin
    before = transitions(rfp)
    with pytest.raises(PermissionDeniedError) as error:
        services.rfp_approve(actor=buyer_admin, rfp=rfp, version=rfp.version)
    assert error.value.message.startswith(SELF_APPROVAL)
    assert services.rfp_approval_refusal(actor=buyer_admin, rfp=rfp) == error.value.message
    assert_still_pending(rfp, before)


def test_the_admin_who_submitted_cannot_approve_it_page(submitted_by_admin, buyer_admin):
    rfp = submitted_by_admin
    before = transitions(rfp)
    page = logged_in(buyer_admin)
    # The pages say why instead of offering a button that would fail.
    check = page.get(reverse("rfp_check", args=[rfp.pk])).content.decode()
    assert SELF_APPROVAL in check and "Approve and publish</button>" not in check
    assert "Return with comments" in check  # sending it back stays possible
    detail = page.get(reverse("rfp_detail", args=[rfp.pk])).content.decode()
    assert SELF_APPROVAL in detail and "Review and approve" not in detail
    # Posting anyway is refused with the same message, and nothing changes.
    response = page.post(
        reverse("rfp_transition", args=[rfp.pk, "approve"]),
        {"version": rfp.version, "comment": "Looks good to me."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("rfp_check", args=[rfp.pk])
    assert SELF_APPROVAL in response.content.decode()
    assert_still_pending(rfp, before)


def test_the_admin_who_submitted_cannot_approve_it_api(submitted_by_admin, buyer_admin):
    rfp = submitted_by_admin
    before = transitions(rfp)
    response = api_as(buyer_admin).post(
        f"/api/v1/rfps/{rfp.pk}/approve/", {"version": rfp.version}, format="json"
    )
    assert response.status_code == 403
    body = response.json()
    assert body["message"].startswith(SELF_APPROVAL) and body["extra"] == {"fields": {}}
    assert_still_pending(rfp, before)


def test_another_admin_approves_and_the_log_says_who_did_what(
    submitted_by_admin, buyer_admin, second_admin, vendor_a
):
    rfp = submitted_by_admin
    page = logged_in(second_admin)
    check = page.get(reverse("rfp_check", args=[rfp.pk])).content.decode()
    assert "Approve and publish</button>" in check and SELF_APPROVAL not in check
    response = page.post(
        reverse("rfp_transition", args=[rfp.pk, "approve"]), {"version": rfp.version}
    )
    assert response.status_code == 302
    rfp = reload(rfp)
    assert rfp.status == RFPStatus.PUBLISHED
    assert transitions(rfp)[-2:] == [
        ("draft", "pending_approval", buyer_admin.pk),
        ("pending_approval", "published", second_admin.pk),
    ]
    assert "is approved" in emails_to(buyer_admin.email)[-1].subject
    assert "invites you to respond" in emails_to(vendor_a.email)[-1].subject
    submitted = AuditEvent.objects.get(action="rfp.submitted", object_id=str(rfp.pk))
    assert submitted.actor == buyer_admin
    published = AuditEvent.objects.get(action="rfp.published", object_id=str(rfp.pk))
    assert published.actor == second_admin
    assert published.data["submitted_by"] == buyer_admin.pk
    assert published.data["approved_by"] == second_admin.pk
    assert published.data["four_eyes_required"] is True
    assert f"submitted for approval by {buyer_admin}" in published.summary


def test_another_admin_approves_through_the_api(submitted_by_admin, second_admin):
    rfp = submitted_by_admin
    response = api_as(second_admin).post(
        f"/api/v1/rfps/{rfp.pk}/approve/", {"version": rfp.version}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "published"


def test_a_procurement_manager_submits_and_the_admin_approves(
    draft, procurement_manager, buyer_admin
):
    """The everyday path: four eyes hold without a second admin."""
    rfp = services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=draft, version=draft.version
    )
    assert services.rfp_approval_refusal(actor=buyer_admin, rfp=rfp) is None
    rfp = services.rfp_approve(actor=buyer_admin, rfp=rfp, version=rfp.version)
    assert rfp.status == RFPStatus.PUBLISHED


def test_returned_and_resubmitted_the_latest_submitter_counts(
    draft, procurement_manager, buyer_admin, second_admin
):
    rfp = services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=draft, version=draft.version
    )
    rfp = services.rfp_return_to_draft(
        actor=second_admin, rfp=rfp, version=rfp.version, comment="Add the Spanish volumes."
    )
    rfp = services.rfp_submit_for_approval(actor=buyer_admin, rfp=rfp, version=rfp.version)
    with pytest.raises(PermissionDeniedError, match=SELF_APPROVAL):
        services.rfp_approve(actor=buyer_admin, rfp=rfp, version=rfp.version)
    rfp = services.rfp_approve(actor=second_admin, rfp=reload(rfp), version=rfp.version)
    assert rfp.status == RFPStatus.PUBLISHED


# --- The switch -------------------------------------------------------------------------------


def test_the_switch_is_on_by_default_and_only_admins_change_it(
    buyer_org, buyer_admin, procurement_manager
):
    assert buyer_org.four_eyes_required is True
    assert api_as(buyer_admin).get("/api/v1/me/").json()["organization"]["four_eyes_required"]
    url = reverse("organization_settings")
    assert logged_in(procurement_manager).get(url).status_code == 403
    with pytest.raises(PermissionDeniedError, match="Only an admin"):
        switch_four_eyes(procurement_manager, False)
    assert BuyerOrganization.objects.get(pk=buyer_org.pk).four_eyes_required is True
    assert not AuditEvent.objects.filter(action="organization.four_eyes_changed").exists()


def test_an_admin_switches_four_eyes_off_on_the_settings_page_and_it_is_recorded(
    buyer_org, buyer_admin
):
    page = logged_in(buyer_admin)
    url = reverse("organization_settings")
    html = page.get(url).content.decode()
    assert 'name="four_eyes_required"' in html and "publication and award" in html
    form = {
        "name": buyer_org.name,
        "home_country": buyer_org.home_country.code,
        "default_currency": buyer_org.default_currency,
        "time_zone": str(buyer_org.time_zone),
        "business_hours_start": "09:00",
        "business_hours_end": "17:00",
        # an unticked checkbox is not sent: four eyes off
    }
    assert page.post(url, form).status_code == 302
    assert BuyerOrganization.objects.get(pk=buyer_org.pk).four_eyes_required is False
    event = AuditEvent.objects.get(action="organization.four_eyes_changed")
    assert event.actor == buyer_admin and event.buyer_organization_id == buyer_org.pk
    assert event.data == {"old": True, "new": False}
    assert "switched four eyes on publication and award off" in event.summary
    # Saving again without a change records no switch; switching back on does.
    assert page.post(url, form).status_code == 302
    assert AuditEvent.objects.filter(action="organization.four_eyes_changed").count() == 1
    assert page.post(url, {**form, "four_eyes_required": "on"}).status_code == 302
    back = AuditEvent.objects.filter(action="organization.four_eyes_changed").first()
    assert back.data == {"old": False, "new": True}


def test_with_four_eyes_off_one_admin_submits_and_approves_in_two_recorded_steps(
    draft, buyer_admin
):
    switch_four_eyes(buyer_admin, False)
    rfp = services.rfp_submit_for_approval(actor=buyer_admin, rfp=draft, version=draft.version)
    assert services.rfp_approval_refusal(actor=buyer_admin, rfp=rfp) is None
    html = logged_in(buyer_admin).get(reverse("rfp_check", args=[rfp.pk])).content.decode()
    assert "Approve and publish</button>" in html and SELF_APPROVAL not in html
    response = api_as(buyer_admin).post(
        f"/api/v1/rfps/{rfp.pk}/approve/", {"version": rfp.version}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert transitions(rfp)[-2:] == [
        ("draft", "pending_approval", buyer_admin.pk),
        ("pending_approval", "published", buyer_admin.pk),
    ]
    published = AuditEvent.objects.get(action="rfp.published", object_id=str(rfp.pk))
    assert published.data["submitted_by"] == published.data["approved_by"] == buyer_admin.pk
    assert published.data["four_eyes_required"] is False
    assert "submitted themselves (four eyes switched off)" in published.summary


# --- The award follows the same switch ---------------------------------------------------------


@pytest.fixture
def ready_to_award(request: pytest.FixtureRequest) -> Evaluation:
    """The scoring tests' scored evaluation (its fixtures are imported above)."""
    return request.getfixturevalue("scored")  # type: ignore[no-any-return]


def propose_as(user: User, scored_evaluation: Evaluation) -> AwardDecision:
    rfp = scored_evaluation.rfp
    return award_services.award_propose(
        actor=user,
        evaluation=scored_evaluation,
        lot=rfp.lots.get(),
        winners=[Proposal.objects.get(rfp=rfp, company__legal_name="Manila Contact Co")],
        justification="Best technical scores; the panel agreed on the references given.",
    )


def test_the_admin_who_proposed_an_award_cannot_approve_it_from_any_door(
    ready_to_award, buyer_admin
):
    award = propose_as(buyer_admin, ready_to_award)
    with pytest.raises(PermissionDeniedError) as error:
        award_services.award_approve(actor=buyer_admin, award=award)
    assert error.value.message.startswith(SELF_AWARD)
    rfp = ready_to_award.rfp
    api = api_as(buyer_admin)
    response = api.post(
        f"/api/v1/evaluations/{rfp.pk}/awards/{award.pk}/approve/", {}, format="json"
    )
    assert response.status_code == 403 and response.json()["message"].startswith(SELF_AWARD)
    page = logged_in(buyer_admin)
    url = reverse("scoring_award_decide", args=[rfp.pk, award.pk])
    html = page.get(url).content.decode()
    assert SELF_AWARD in html and "Record the decision" not in html
    response = page.post(url, {"decision": "approve", "comment": ""})
    assert SELF_AWARD in response.content.decode()
    award.refresh_from_db()
    assert award.status == AwardStatus.PROPOSED and award.decided_by is None
    assert reload(rfp).status == RFPStatus.UNDER_EVALUATION
    assert not AuditEvent.objects.filter(action="scoring.award_approved").exists()


def test_with_four_eyes_off_the_proposer_approves_the_award_and_it_is_recorded(
    ready_to_award, buyer_admin
):
    switch_four_eyes(buyer_admin, False)
    award = AwardDecision.objects.get(pk=propose_as(buyer_admin, ready_to_award).pk)
    assert award_services.award_approval_refusal(actor=buyer_admin, award=award) is None
    award_services.award_approve(actor=buyer_admin, award=award, comment="Single admin.")
    award.refresh_from_db()
    assert award.status == AwardStatus.APPROVED and award.decided_by == buyer_admin
    proposed = AuditEvent.objects.get(action="scoring.award_proposed")
    approved = AuditEvent.objects.get(action="scoring.award_approved")
    assert proposed.actor == approved.actor == buyer_admin
    assert approved.data["proposed_by"] == approved.data["approved_by"] == buyer_admin.pk
    assert approved.data["four_eyes_required"] is False
    assert "proposed themselves (four eyes switched off)" in approved.summary


def test_an_award_approved_by_another_admin_names_both(
    ready_to_award, procurement_manager, buyer_admin
):
    award = propose_as(procurement_manager, ready_to_award)
    award_services.award_approve(actor=buyer_admin, award=award)
    approved = AuditEvent.objects.get(action="scoring.award_approved")
    assert approved.data["proposed_by"] == procurement_manager.pk
    assert approved.data["approved_by"] == buyer_admin.pk
    assert approved.data["four_eyes_required"] is True
    assert f"proposed by {procurement_manager}" in approved.summary
