"""The daily certificate-expiry job: notices 30 and 7 days before, once each; expired marked."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from accounts.models import OutgoingEmail, VendorRole
from accounts.services import invitation_accept_new_user, invitation_create
from vendors import services
from vendors.models import Certification, CertificationType, VendorCompany
from vendors.tasks import process_certificate_expiry

EXPIRES = dt.date(2026, 6, 30)


def at(day: dt.date) -> time_machine.travel:
    """Just after the beat runs the job that day (06:00 UTC)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(6, 5), tzinfo=dt.UTC), tick=False)


def days_before(days: int) -> dt.date:
    return EXPIRES - dt.timedelta(days=days)


def notices() -> list[tuple[list[str], str]]:
    return [(email.to, email.subject) for email in OutgoingEmail.objects.order_by("pk")]


@pytest.fixture
def certification(vendor_a, vendor_a_company) -> Certification:
    with at(dt.date(2026, 1, 10)):
        return services.certification_save(
            actor=vendor_a,
            company=vendor_a_company,
            certification_type=CertificationType.objects.get(slug="iso-iec-27001"),
            issued_on=dt.date(2023, 7, 1),
            expires_on=EXPIRES,
            certificate_number="IS 712345",
        )


@pytest.fixture
def contributor(vendor_a, vendor_a_company):
    """A colleague who is not an owner: not told."""
    invitation = invitation_create(
        actor=vendor_a,
        email="colleague@vendor-a.example",
        role=VendorRole.CONTRIBUTOR,
        company=vendor_a_company,
    )
    return invitation_accept_new_user(
        token=invitation.plain_token, full_name="Colleague", password="a-long-pass-77"
    )


def run(day: dt.date) -> dict[str, int]:
    with at(day):
        return process_certificate_expiry.apply().get()


def test_owners_are_told_30_days_before_then_7_days_before_once_each(certification, contributor):
    OutgoingEmail.objects.all().delete()
    assert run(days_before(31)) == {"notified_30": 0, "notified_7": 0, "expired": 0}

    assert run(days_before(30)) == {"notified_30": 1, "notified_7": 0, "expired": 0}
    assert notices() == [
        (["owner@vendor-a.example"], "Your ISO/IEC 27001 certificate expires in 30 days")
    ]
    body = OutgoingEmail.objects.get().text
    assert "Manila Contact Co" in body
    assert "IS 712345" in body
    assert "expires on 30 June 2026, in 30 days" in body
    assert "/vendors/profile/" in body

    # The job runs again (a retry, a second beat): nothing is sent twice.
    assert run(days_before(30))["notified_30"] == 0
    assert run(days_before(20)) == {"notified_30": 0, "notified_7": 0, "expired": 0}

    assert run(days_before(7)) == {"notified_30": 0, "notified_7": 1, "expired": 0}
    assert run(days_before(7))["notified_7"] == 0
    assert run(days_before(1))["notified_7"] == 0
    assert [subject for _, subject in notices()] == [
        "Your ISO/IEC 27001 certificate expires in 30 days",
        "Your ISO/IEC 27001 certificate expires in 7 days",
    ]
    assert all(to == ["owner@vendor-a.example"] for to, _ in notices())


def test_an_expired_certificate_is_marked_once_and_buyers_see_it_expired(certification):
    assert run(EXPIRES)["expired"] == 0  # valid through its expiry date
    with at(EXPIRES + dt.timedelta(days=1)):
        assert process_certificate_expiry.apply().get()["expired"] == 1
        certification.refresh_from_db()
        assert certification.marked_expired_at is not None
        assert certification.is_expired
        assert not certification.is_valid_on(EXPIRES + dt.timedelta(days=1))
    marked_at = certification.marked_expired_at
    assert run(EXPIRES + dt.timedelta(days=2))["expired"] == 0
    certification.refresh_from_db()
    assert certification.marked_expired_at == marked_at


def test_a_certificate_first_seen_within_7_days_gets_only_the_7_day_notice(
    vendor_a, vendor_a_company
):
    with at(dt.date(2026, 6, 25)):
        services.certification_save(
            actor=vendor_a,
            company=vendor_a_company,
            certification_type=CertificationType.objects.get(slug="pci-dss"),
            issued_on=dt.date(2025, 6, 30),
            expires_on=EXPIRES,
        )
    OutgoingEmail.objects.all().delete()
    assert run(dt.date(2026, 6, 25)) == {"notified_30": 0, "notified_7": 1, "expired": 0}
    assert notices() == [(["owner@vendor-a.example"], "Your PCI DSS certificate expires in 5 days")]


def test_a_notice_missed_on_the_day_is_sent_the_next_day(certification):
    OutgoingEmail.objects.all().delete()
    assert run(days_before(28))["notified_30"] == 1  # the beat was down for two days
    assert notices()[0][1] == "Your ISO/IEC 27001 certificate expires in 28 days"


def test_the_last_day_says_today(certification):
    OutgoingEmail.objects.all().delete()
    assert run(EXPIRES)["notified_7"] == 1
    assert notices()[0][1] == "Your ISO/IEC 27001 certificate expires today"


def test_a_renewed_certificate_gets_its_notices_again_for_the_new_date(vendor_a, certification):
    run(days_before(30))
    run(days_before(7))
    renewed = EXPIRES.replace(year=2029)
    with at(days_before(3)):
        services.certification_save(
            actor=vendor_a,
            company=certification.company,
            certification=certification,
            expires_on=renewed,
        )
    OutgoingEmail.objects.all().delete()
    assert run(renewed - dt.timedelta(days=30))["notified_30"] == 1
    assert run(renewed - dt.timedelta(days=7))["notified_7"] == 1
    assert [subject for _, subject in notices()] == [
        "Your ISO/IEC 27001 certificate expires in 30 days",
        "Your ISO/IEC 27001 certificate expires in 7 days",
    ]


def test_a_certificate_without_an_expiry_date_is_never_noticed(vendor_a, vendor_a_company):
    with at(dt.date(2026, 1, 10)):
        services.certification_save(
            actor=vendor_a,
            company=vendor_a_company,
            certification_type=CertificationType.objects.get(slug="iso-9001"),
            issued_on=dt.date(2020, 1, 1),
            expires_on=None,
        )
    OutgoingEmail.objects.all().delete()
    for day in (dt.date(2026, 2, 1), dt.date(2030, 1, 1)):
        assert run(day) == {"notified_30": 0, "notified_7": 0, "expired": 0}
    assert notices() == []


def test_a_vendor_without_owners_is_noticed_but_nobody_is_e_mailed(db):
    company = VendorCompany.objects.create(
        legal_name="Unclaimed Co", headquarters_country="PH", is_claimed=False
    )
    Certification.objects.create(
        company=company,
        certification_type=CertificationType.objects.get(slug="iso-9001"),
        issued_on=dt.date(2024, 1, 1),
        expires_on=EXPIRES,
    )
    OutgoingEmail.objects.all().delete()
    assert run(days_before(30))["notified_30"] == 1
    assert notices() == []


def test_the_job_runs_daily_on_the_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["vendors-certificate-expiry"]
    assert (
        entry["task"]
        == process_certificate_expiry.name
        == ("vendors.tasks.process_certificate_expiry")
    )
    assert str(entry["schedule"]) == "<crontab: 0 6 * * * (m/h/dM/MY/d)>"
