"""Deadline reminders: 72 and 24 hours before, to invitees that have not submitted, once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from rfp import services, tasks
from rfp.models import InvitationReminder
from tests.rfp.conftest import (
    close_at_deadline,
    company_of,
    emails_to,
    make_ready_rfp,
    publish,
)

pytestmark = pytest.mark.django_db


def reminders(address: str) -> list[str]:
    return [e.subject for e in emails_to(address) if "hours left" in e.subject]


def test_reminders_go_out_72_and_24_hours_before_once_each(published, vendor_a, vendor_b):
    deadline = published.submission_deadline
    with time_machine.travel(deadline - dt.timedelta(hours=73), tick=False):
        assert tasks.send_rfp_deadline_reminders() == 0
    with time_machine.travel(deadline - dt.timedelta(hours=72), tick=False):
        assert tasks.send_rfp_deadline_reminders() == 2
        assert tasks.send_rfp_deadline_reminders() == 0  # recorded: never twice
    with time_machine.travel(deadline - dt.timedelta(hours=30), tick=False):
        assert tasks.send_rfp_deadline_reminders() == 0
    with time_machine.travel(deadline - dt.timedelta(hours=23, minutes=59), tick=False):
        assert tasks.send_rfp_deadline_reminders() == 2
    with time_machine.travel(deadline - dt.timedelta(hours=1), tick=False):
        assert tasks.send_rfp_deadline_reminders() == 0
    assert reminders(vendor_a.email) == [
        f"72 hours left: proposals for {published.reference} are due soon",
        f"24 hours left: proposals for {published.reference} are due soon",
    ]
    assert InvitationReminder.objects.count() == 4


def test_no_reminder_for_declined_closed_or_draft(published, draft, vendor_b, procurement_manager):
    services.rfp_decline(actor=vendor_b, rfp=published, reason="No")
    with time_machine.travel(published.submission_deadline - dt.timedelta(hours=70), tick=False):
        assert tasks.send_rfp_deadline_reminders() == 1  # vendor_a only
    assert reminders(vendor_b.email) == []
    close_at_deadline(published)
    with time_machine.travel(published.submission_deadline - dt.timedelta(hours=20), tick=False):
        assert tasks.send_rfp_deadline_reminders() == 0


def test_a_vendor_invited_inside_the_window_gets_no_reminder_for_it(
    procurement_manager, buyer_admin, vendor_a, vendor_b
):
    rfp = publish(make_ready_rfp(procurement_manager, invite=(company_of(vendor_a),)), buyer_admin)
    with time_machine.travel(rfp.submission_deadline - dt.timedelta(hours=50), tick=False):
        services.rfp_invitation_create(
            actor=procurement_manager, rfp=rfp, company=company_of(vendor_b)
        )
        # a's 72-hour reminder, late (the beat was down); b was just invited: nothing.
        assert tasks.send_rfp_deadline_reminders() == 1
    with time_machine.travel(rfp.submission_deadline - dt.timedelta(hours=24), tick=False):
        assert tasks.send_rfp_deadline_reminders() == 2
