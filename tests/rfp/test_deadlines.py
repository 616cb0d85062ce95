"""The clock, from every door: a published deadline only moves later, the seal lifts at
the latest deadline ever published, and an RFP is closed everywhere the second its
deadline passes. One rule ("open for bids", "open for questions") in one place."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from bpo_portal.errors import ApplicationError, ConflictError
from proposals import selectors as proposal_selectors
from proposals import services as proposal_services
from proposals.models import EnvelopeOpening
from rfp import selectors, services
from rfp.models import RFP, Addendum, RFPStatus, RFPTransition, truncate_to_second
from tests.conftest import api_as
from tests.proposals.factories import equip_vendor, fill, submit
from tests.rfp.conftest import in_days, reload

pytestmark = pytest.mark.django_db

LATER_ONLY = "can only move later once vendors have it"


def _local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _logged_in(client, user):
    client.force_login(user)
    return client


# --- A published deadline only moves later ------------------------------------------------------


@pytest.mark.parametrize("name", ["submission_deadline", "question_deadline"])
def test_the_service_refuses_an_earlier_deadline_after_publication(
    name, published, procurement_manager
):
    before = reload(published)
    with pytest.raises(ApplicationError) as error:
        services.rfp_update(
            actor=procurement_manager,
            rfp=published,
            version=before.version,
            addendum_summary="Closing early.",
            **{name: getattr(before, name) - dt.timedelta(days=1)},
        )
    assert LATER_ONLY in error.value.fields[name][0]
    after = reload(published)
    assert (getattr(after, name), after.version, after.seal_lifts_at) == (
        getattr(before, name),
        before.version,
        before.seal_lifts_at,
    )
    assert not Addendum.objects.filter(rfp=published).exists()


def test_a_deadline_cannot_be_removed_after_publication(published, procurement_manager):
    with pytest.raises(ApplicationError) as error:
        services.rfp_update(
            actor=procurement_manager,
            rfp=published,
            version=published.version,
            addendum_summary="No deadline.",
            submission_deadline=None,
        )
    assert LATER_ONLY in error.value.fields["submission_deadline"][0]
    assert reload(published).submission_deadline == published.submission_deadline


def test_the_api_refuses_an_earlier_deadline_in_the_error_shape(published, procurement_manager):
    """The attack of the review: from two weeks away to eight seconds away."""
    response = api_as(procurement_manager).patch(
        f"/api/v1/rfps/{published.pk}/",
        {
            "version": published.version,
            "submission_deadline": (timezone.now() + dt.timedelta(seconds=8)).isoformat(),
            "addendum_summary": "Closing now.",
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert LATER_ONLY in body["extra"]["fields"]["submission_deadline"][0]
    assert reload(published).submission_deadline == published.submission_deadline


def test_the_page_refuses_an_earlier_deadline_and_keeps_the_input(
    client, published, procurement_manager
):
    earlier = published.submission_deadline - dt.timedelta(days=3)
    response = _logged_in(client, procurement_manager).post(
        reverse("rfp_edit", args=[published.pk, "timeline"]),
        {
            "version": published.version,
            "question_deadline": _local_input(published.question_deadline),
            "submission_deadline": _local_input(earlier),
            "addendum_summary": "Three days fewer.",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert LATER_ONLY in html
    assert "Three days fewer." in html  # nothing the user typed is lost
    assert reload(published).submission_deadline == published.submission_deadline


def test_the_inline_check_says_so_while_the_user_types(client, published, procurement_manager):
    response = _logged_in(client, procurement_manager).post(
        reverse("rfp_timeline_check", args=[published.pk]),
        {
            "version": published.version,
            "question_deadline": _local_input(published.question_deadline),
            "submission_deadline": _local_input(published.submission_deadline - dt.timedelta(1)),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and LATER_ONLY in response.content.decode()


def test_an_extension_moves_the_seal_and_is_recorded_with_old_and_new(
    published, procurement_manager
):
    old = reload(published).submission_deadline
    assert reload(published).seal_lifts_at == old
    new = old + dt.timedelta(days=3, microseconds=123456)
    rfp = services.rfp_update(
        actor=procurement_manager,
        rfp=published,
        version=published.version,
        submission_deadline=new,
        addendum_summary="Three more days.",
    )
    rfp = reload(rfp)
    assert rfp.submission_deadline == truncate_to_second(new)  # kept to the second
    assert rfp.seal_lifts_at == rfp.submission_deadline
    entry = AuditEvent.objects.filter(action="rfp.deadline_changed").get()
    assert entry.actor_id == procurement_manager.pk
    assert entry.data["field"] == "submission_deadline"
    assert entry.data["old"] == old.isoformat()
    assert entry.data["new"] == rfp.submission_deadline.isoformat()


def test_nothing_changes_once_the_deadline_has_passed(published, procurement_manager):
    deadline = published.submission_deadline
    with time_machine.travel(deadline, tick=False), pytest.raises(ConflictError) as error:
        services.rfp_update(
            actor=procurement_manager,
            rfp=published,
            version=published.version,
            submission_deadline=deadline + dt.timedelta(days=7),
            addendum_summary="Reopening.",
        )
    assert "closed" in error.value.message
    assert reload(published).submission_deadline == deadline


# --- The seal follows the latest deadline ever published ----------------------------------------


@pytest.fixture
def bid(published, vendor_a):
    equip_vendor(vendor_a)
    proposal = fill(vendor_a, published, price="4321.09")
    submit(vendor_a, proposal)
    return proposal


def test_the_seal_holds_until_the_latest_published_deadline(
    client, published, bid, procurement_manager
):
    """Extended, then an attempt to take the extension back: refused, and the proposals
    stay sealed until the extended deadline, from every door."""
    first = reload(published).submission_deadline
    extended = first + dt.timedelta(days=2)
    services.rfp_update(
        actor=procurement_manager,
        rfp=published,
        version=published.version,
        submission_deadline=extended,
        addendum_summary="Two more days.",
    )
    with pytest.raises(ApplicationError):
        services.rfp_update(
            actor=procurement_manager,
            rfp=published,
            version=reload(published).version,
            submission_deadline=first,
            addendum_summary="Back to the first date.",
        )
    api = api_as(procurement_manager)
    _logged_in(client, procurement_manager)
    with time_machine.travel(first + dt.timedelta(hours=1), tick=False):
        rfp = reload(published)
        assert not rfp.seal_lifted() and proposal_selectors.envelope_state(rfp).sealed
        detail = api.get(f"/api/v1/proposals/{bid.pk}/").json()
        assert detail["sealed"] is True and "content" not in detail
        page = client.get(reverse("proposal_detail", args=[bid.pk])).content.decode()
        assert "4,321.09" not in page
        with pytest.raises(ConflictError):
            proposal_services.technical_envelope_open(rfp=rfp)
        assert proposal_services.technical_envelopes_open_due() == []
        assert not EnvelopeOpening.objects.filter(rfp=rfp).exists()
    with time_machine.travel(extended, tick=False):
        assert proposal_services.technical_envelopes_open_due() == [published.pk]
        detail = api.get(f"/api/v1/proposals/{bid.pk}/").json()
        assert detail["sealed"] is False
    opening = EnvelopeOpening.objects.get(rfp=published)
    assert opening.opened_at == extended


def test_a_deadline_moved_earlier_behind_the_services_back_opens_nothing(published, bid):
    """Even if the deadline column is changed directly (a database console, a bug), the
    seal keeps the latest deadline vendors were given."""
    promised = reload(published).seal_lifts_at
    RFP.objects.filter(pk=published.pk).update(
        submission_deadline=timezone.now() - dt.timedelta(minutes=5)
    )
    rfp = reload(published)
    assert rfp.current_status() == RFPStatus.CLOSED  # no more bids...
    assert proposal_selectors.envelope_state(rfp).sealed  # ...and nothing opens
    with pytest.raises(proposal_selectors.ProposalsSealedError):
        proposal_selectors.proposals_for_evaluation(rfp=rfp)
    assert proposal_services.technical_envelopes_open_due() == []
    with time_machine.travel(promised, tick=False):
        assert not proposal_selectors.envelope_state(reload(published)).sealed


def test_the_admin_cannot_change_a_published_rfp(client, published):
    operator = get_user_model().objects.create_superuser(
        email="ops@bpo-portal.example", password="x" * 12
    )
    client.force_login(operator)
    url = reverse("admin:rfp_rfp_change", args=[published.pk])
    response = client.post(
        url,
        {
            "title": published.title,
            "submission_deadline_0": "2020-01-01",
            "submission_deadline_1": "00:00:00",
        },
    )
    assert response.status_code == 403
    assert reload(published).submission_deadline == published.submission_deadline
    assert client.get(url).status_code == 200  # it still shows the RFP


# --- The status follows the clock ---------------------------------------------------------------


def test_every_door_says_closed_the_second_the_deadline_passes(
    client, published, procurement_manager, vendor_a
):
    deadline = published.submission_deadline
    api = api_as(procurement_manager)
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        assert api.get(f"/api/v1/rfps/{published.pk}/").json()["status"] == "published"
        assert reload(published).is_open_for_bids()
    with time_machine.travel(deadline, tick=False):
        assert reload(published).status == RFPStatus.PUBLISHED  # the minute job has not run
        assert api.get(f"/api/v1/rfps/{published.pk}/").json()["status"] == "closed"
        listed = api.get("/api/v1/rfps/", {"status": "closed"}).json()["results"]
        assert [row["id"] for row in listed] == [published.pk]
        assert api.get("/api/v1/rfps/", {"status": "published"}).json()["results"] == []
        assert api_as(vendor_a).get(f"/api/v1/rfps/{published.pk}/").json()["status"] == "closed"
        page = _logged_in(client, procurement_manager).get(
            reverse("rfp_detail", args=[published.pk])
        )
        html = page.content.decode()
        assert re.search(r'class="badge[^"]*">Closed<', html)
        assert "Close now" not in html and "Change the RFP (addendum)" not in html
        dashboard = client.get(reverse("dashboard")).content.decode()
        assert published.reference in dashboard
        client.force_login(vendor_a)
        vendor_page = client.get(reverse("rfp_detail", args=[published.pk])).content.decode()
        assert "proposals are no longer accepted" in vendor_page


def test_closing_early_by_hand_is_gone_from_every_door(client, published, procurement_manager):
    response = api_as(procurement_manager).post(
        f"/api/v1/rfps/{published.pk}/close/", {"version": published.version}, format="json"
    )
    assert response.status_code == 404
    _logged_in(client, procurement_manager)
    html = client.get(reverse("rfp_detail", args=[published.pk])).content.decode()
    assert "Close now" not in html
    response = client.post(
        reverse("rfp_transition", args=[published.pk, "close"]), {"version": published.version}
    )
    assert response.status_code == 404
    assert reload(published).status == RFPStatus.PUBLISHED


def test_starting_the_evaluation_after_the_deadline_records_the_close_first(
    published, procurement_manager
):
    """Before the minute job runs: the service brings the status up to the clock."""
    with time_machine.travel(published.submission_deadline, tick=False):
        rfp = services.rfp_start_evaluation(
            actor=procurement_manager, rfp=published, version=published.version
        )
    assert rfp.status == RFPStatus.UNDER_EVALUATION
    moves = list(
        RFPTransition.objects.filter(rfp=published)
        .order_by("id")
        .values_list("to_status", "actor_id")
    )
    assert moves[-2:] == [("closed", None), ("under_evaluation", procurement_manager.pk)]


def test_a_close_recorded_late_is_dated_at_the_deadline(published):
    """The minute job was down for a day: the timeline still says when the RFP closed."""
    deadline = published.submission_deadline
    with time_machine.travel(deadline + dt.timedelta(days=1), tick=False):
        assert services.rfps_close_past_deadline() == [published.pk]
    close = RFPTransition.objects.filter(rfp=published, to_status=RFPStatus.CLOSED).get()
    assert close.created_at == deadline and close.actor is None
    entries = [e for e in selectors.rfp_timeline(published) if e.kind == "transition"]
    assert entries[-1].at == deadline and "Closed" in entries[-1].title


# --- One rule for "open for bids" and "open for questions" --------------------------------------


def test_the_model_and_the_database_agree_to_the_second(published):
    rfp = reload(published)
    deadline, questions = rfp.submission_deadline, rfp.question_deadline
    assert deadline.microsecond == 0 and questions.microsecond == 0
    for moment, bids, asks in (
        (questions - dt.timedelta(seconds=1), True, True),
        (questions, True, False),
        (deadline - dt.timedelta(seconds=1), True, False),
        (deadline - dt.timedelta(microseconds=1), True, False),
        (deadline, False, False),
    ):
        assert rfp.is_open_for_bids(moment) is bids, moment
        assert rfp.is_open_for_questions(moment) is asks, moment
        assert RFP.objects.open_for_bids(moment).filter(pk=rfp.pk).exists() is bids, moment
        assert RFP.objects.open_for_questions(moment).filter(pk=rfp.pk).exists() is asks
        expected = RFPStatus.PUBLISHED if bids else RFPStatus.CLOSED
        assert rfp.current_status(moment) == expected
        assert RFP.objects.with_status([expected], moment).filter(pk=rfp.pk).exists()
        assert RFP.objects.status_counts(moment)[expected] == 1


def test_no_deadline_is_open_for_nothing(draft):
    RFP.objects.filter(pk=draft.pk).update(
        status=RFPStatus.PUBLISHED, submission_deadline=None, question_deadline=None
    )
    rfp = reload(draft)
    assert not rfp.is_open_for_bids() and not rfp.is_open_for_questions()
    assert not RFP.objects.open_for_bids(timezone.now()).filter(pk=rfp.pk).exists()
    assert rfp.current_status() == RFPStatus.PUBLISHED and not rfp.seal_lifted()


def test_a_vendor_question_at_the_question_deadline_is_refused(published, vendor_a):
    with (
        time_machine.travel(published.question_deadline, tick=False),
        pytest.raises(ConflictError, match="deadline for questions has passed"),
    ):
        services.clarification_ask(actor=vendor_a, rfp=published, text="Volumes?")


def test_deadlines_are_kept_to_the_second(draft, procurement_manager):
    moment = in_days(20).replace(microsecond=654321)
    rfp = services.rfp_update(
        actor=procurement_manager, rfp=draft, version=draft.version, submission_deadline=moment
    )
    assert reload(rfp).submission_deadline == moment.replace(microsecond=0)


def test_no_deadline_lookup_outside_the_one_rule():
    """`submission_deadline__...` filters live in rfp/models.py only (RFPQuerySet)."""
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("accounts", "bpo_portal", "jobs", "vendors", "rfp", "proposals", "scoring")
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts
        and path != root / "rfp" / "models.py"
        and re.search(r"submission_deadline__|question_deadline__", path.read_text())
    ]
    reports = [
        str(path.relative_to(root))
        for path in (root / "reports").rglob("*.py")
        if re.search(r"submission_deadline__|question_deadline__", path.read_text())
    ]
    assert offenders + reports == []


def test_the_api_shows_when_the_seal_lifts(published, vendor_a):
    body = api_as(vendor_a).get(f"/api/v1/rfps/{published.pk}/").json()
    assert body["seal_lifts_at"] is not None
    assert json.dumps(body).count("seal_lifts_at") == 1
