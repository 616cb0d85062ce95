"""Webhooks (issue 20, part 4): events from the audit trail, written with the change,
signed, delivered to a real HTTP receiver on 127.0.0.1 that the tests start, retried
with back-off when it fails, given up (and the webhook switched off, the admins told)
after a day; redelivery; the delivery log; public addresses only; who may manage them."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client

from accounts import webhooks
from accounts.models import OutgoingEmail, WebhookDelivery, WebhookEvent, WebhookSubscription
from bpo_portal.errors import ApplicationError, NotFoundError, PermissionDeniedError
from tests.conftest import api_as
from tests.rfp.conftest import company_of, make_ready_rfp, publish
from tests.scoring import factories

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records what it gets and answers the given
    status codes in turn (the last one from then on)."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((dict(self.headers.items()), body))
                status = (
                    receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/bpo"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver([200])
    yield server
    server.close()


def subscribe(admin: Any, url: str, events: list[str] | None = None) -> WebhookSubscription:
    return webhooks.webhook_create(
        actor=admin, url=url, events=events or [WebhookEvent.RFP_PUBLISHED]
    )


def published(subscription: WebhookSubscription) -> int:
    """An RFP-published event for the subscription's organization, from no RFP."""
    return webhooks.event_emit(
        organization=subscription.organization_id,
        action="rfp.published",
        obj=None,
        summary="An RFP was published",
    )


def test_an_event_is_signed_delivered_and_thin(
    buyer_admin, procurement_manager, vendor_a, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(buyer_admin, receiver.url)
    rfp = make_ready_rfp(procurement_manager, invite=(company_of(vendor_a),))
    with django_capture_on_commit_callbacks(execute=True):
        publish(rfp, buyer_admin)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.last_status_code == 200
    ((headers, body),) = receiver.received
    assert webhooks.verify(subscription.secret, body, headers["BPO-Signature"])
    assert not webhooks.verify("whsec_wrong", body, headers["BPO-Signature"])
    assert headers["BPO-Event-Type"] == "rfp.published"
    assert headers["BPO-Event-Id"] == str(delivery.event_id)
    payload = json.loads(body)
    assert payload["type"] == "rfp.published"
    assert payload["rfp"] == {
        "id": rfp.pk,
        "reference": rfp.reference,
        "title": rfp.title,
        "url": f"/api/v1/rfps/{rfp.pk}/",
    }
    assert "budget" not in body.decode()


def test_a_replayed_or_tampered_delivery_does_not_verify(buyer_admin, receiver):
    subscription = subscribe(buyer_admin, receiver.url)
    body = b'{"type":"rfp.published"}'
    header = webhooks.sign(subscription.secret, body, 1_800_000_000)
    assert webhooks.verify(subscription.secret, body, header, now=1_800_000_100)
    # Replayed ten minutes later: refused.
    assert not webhooks.verify(subscription.secret, body, header, now=1_800_000_600)
    assert not webhooks.verify(subscription.secret, body + b" ", header, now=1_800_000_100)
    assert not webhooks.verify(subscription.secret, body, "garbage", now=1_800_000_100)


def test_nothing_is_sent_for_a_change_that_is_rolled_back(
    buyer_admin, procurement_manager, vendor_a, receiver, django_capture_on_commit_callbacks
):
    subscribe(buyer_admin, receiver.url)
    rfp = make_ready_rfp(procurement_manager, invite=(company_of(vendor_a),))
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        publish(rfp, buyer_admin)
        raise RuntimeError("the request failed after publishing")
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


def test_only_subscribed_events_of_ones_own_organization_are_sent(
    buyer_admin,
    other_buyer,
    procurement_manager,
    vendor_a,
    receiver,
    django_capture_on_commit_callbacks,
):
    mine = subscribe(buyer_admin, receiver.url, [WebhookEvent.PROPOSAL_SUBMITTED])
    theirs = subscribe(other_buyer, receiver.url, [WebhookEvent.RFP_PUBLISHED])
    with django_capture_on_commit_callbacks(execute=True):
        # Published: mine does not listen to that, and theirs is not this buyer's.
        rfp = factories.make_rfp(procurement_manager, buyer_admin, [vendor_a])
    assert not WebhookDelivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        factories.submit(vendor_a, rfp)
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription == mine and delivery.event == "proposal.submitted"
    assert delivery.status == "delivered"
    assert not theirs.deliveries.exists()


def test_a_failing_endpoint_is_retried_with_back_off_until_it_recovers(buyer_admin):
    receiver = Receiver([500, 503, 200])
    try:
        subscription = subscribe(buyer_admin, receiver.url)
        start = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
        with time_machine.travel(start, tick=False) as clock:
            published(subscription)
            delivery = WebhookDelivery.objects.get()
            assert webhooks.delivery_attempt(delivery_id=delivery.pk) == "retry"
            delivery.refresh_from_db()
            assert delivery.last_status_code == 500 and delivery.attempts == 1
            assert delivery.next_attempt_at == start + dt.timedelta(seconds=30)
            # Not due yet: a second worker (or a redelivered message) does nothing.
            assert webhooks.delivery_attempt(delivery_id=delivery.pk) == "not due"
            clock.shift(dt.timedelta(seconds=30))
            assert webhooks.delivery_attempt(delivery_id=delivery.pk) == "retry"
            delivery.refresh_from_db()
            assert delivery.next_attempt_at == start + dt.timedelta(seconds=90)  # then 1 min
            clock.shift(dt.timedelta(seconds=60))
            assert webhooks.delivery_attempt(delivery_id=delivery.pk) == "delivered"
        delivery.refresh_from_db()
        assert delivery.status == "delivered" and delivery.attempts == 3
        assert len(receiver.received) == 3
        # Every attempt carries the same event id.
        assert {h["BPO-Event-Id"] for h, _ in receiver.received} == {str(delivery.event_id)}
    finally:
        receiver.close()


def test_after_a_day_of_failures_the_webhook_is_switched_off_and_admins_told(buyer_admin):
    receiver = Receiver([500])
    try:
        subscription = subscribe(buyer_admin, receiver.url)
        with time_machine.travel(
            dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC), tick=False
        ) as clock:
            published(subscription)
            delivery = WebhookDelivery.objects.get()
            outcomes = []
            for _ in range(40):
                outcome = webhooks.delivery_attempt(delivery_id=delivery.pk)
                outcomes.append(outcome)
                if outcome == "failed":
                    break
                delivery.refresh_from_db()
                clock.move_to(delivery.next_attempt_at)
        assert outcomes[-1] == "failed"
        assert 10 <= len(outcomes) <= 25  # back-off: at most 2 hours apart, for a day
        subscription.refresh_from_db()
        assert not subscription.is_active and "500" in subscription.disabled_reason
        told = [e for e in OutgoingEmail.objects.all() if buyer_admin.email in e.to]
        assert told and "switched off" in told[-1].subject
        # Switched off: later events are not even written.
        assert published(subscription) == 0
    finally:
        receiver.close()


def test_an_admin_redelivers_an_event_with_the_same_id(
    buyer_admin, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(buyer_admin, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        published(subscription)
    first = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = webhooks.delivery_redeliver(actor=buyer_admin, delivery=first)
    again.refresh_from_db()
    assert again.pk != first.pk and again.event_id == first.event_id
    assert again.status == "delivered"
    assert [h["BPO-Event-Id"] for h, _ in receiver.received] == [str(first.event_id)] * 2


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://user:pass@example.com/hook",
    ],
)
def test_only_public_https_addresses_are_accepted(buyer_admin, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ApplicationError) as refused:
        subscribe(buyer_admin, url)
    assert "url" in refused.value.fields


def test_an_address_that_turns_private_is_not_called(buyer_admin, receiver, settings):
    subscription = subscribe(buyer_admin, receiver.url)
    # Saved while allowed, now refused at delivery: each attempt checks the address again.
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    published(subscription)
    delivery = WebhookDelivery.objects.get()
    assert webhooks.delivery_attempt(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("Give an https:// address")  # refused, clearly
    assert receiver.received == []


def test_only_admins_manage_webhooks_of_their_own_organization(
    buyer_admin, procurement_manager, other_buyer, receiver
):
    with pytest.raises(PermissionDeniedError):
        subscribe(procurement_manager, receiver.url)
    subscription = subscribe(buyer_admin, receiver.url)
    with pytest.raises(NotFoundError):
        webhooks.webhook_delete(actor=other_buyer, subscription=subscription)
    assert api_as(procurement_manager).get("/api/v1/organization/webhooks/").status_code == 403
    assert (
        api_as(other_buyer).get(f"/api/v1/organization/webhooks/{subscription.pk}/").status_code
        == 404
    )


def test_the_api_shows_the_secret_once_and_the_delivery_log(
    buyer_admin, receiver, django_capture_on_commit_callbacks
):
    api = api_as(buyer_admin)
    created = api.post(
        "/api/v1/organization/webhooks/",
        {"url": receiver.url, "events": ["rfp.published", "award.approved"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    webhook_id = created.json()["id"]
    shown = api.get(f"/api/v1/organization/webhooks/{webhook_id}/").json()
    assert "secret" not in shown and shown["events"] == ["award.approved", "rfp.published"]
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.event_emit(
            organization=buyer_admin.buyer_membership.organization_id,
            action="scoring.award_approved",
            obj=None,
            summary="Award approved",
        )
    log = api.get(f"/api/v1/organization/webhooks/{webhook_id}/deliveries/").json()
    assert log["count"] == 1 and log["results"][0]["status"] == "delivered"
    assert log["results"][0]["last_status_code"] == 200
    delivery_id = log["results"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(
            f"/api/v1/organization/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver/"
        )
    assert again.status_code == 202
    assert len(receiver.received) == 2
    assert webhooks.verify(
        secret, receiver.received[0][1], receiver.received[0][0]["BPO-Signature"]
    )
    off = api.patch(
        f"/api/v1/organization/webhooks/{webhook_id}/", {"is_active": False}, format="json"
    )
    assert off.status_code == 200 and off.json()["is_active"] is False
    bad = api.post(
        "/api/v1/organization/webhooks/",
        {"url": receiver.url, "events": ["rfp.exploded"]},
        format="json",
    )
    assert bad.status_code == 400


def test_the_pages_add_show_and_redeliver(
    buyer_admin, receiver, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(buyer_admin)
    assert client.get("/organization/webhooks/").status_code == 200
    added = client.post(
        "/organization/webhooks/",
        {"url": receiver.url, "events": ["rfp.published"], "description": "ERP"},
    )
    subscription = WebhookSubscription.objects.get()
    assert (
        added.status_code == 302
        and added["Location"] == f"/organization/webhooks/{subscription.pk}/"
    )
    page = client.get(added["Location"]).content.decode()
    assert subscription.secret in page  # shown once...
    assert subscription.secret not in client.get(added["Location"]).content.decode()  # ...only
    with django_capture_on_commit_callbacks(execute=True):
        published(subscription)
    delivery = WebhookDelivery.objects.get()
    page = client.get(f"/organization/webhooks/{subscription.pk}/").content.decode()
    assert "Delivered" in page and "HTTP 200" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/organization/webhooks/{subscription.pk}/deliveries/{delivery.pk}/redeliver/")
    assert WebhookDelivery.objects.count() == 2
    refused = client.post("/organization/webhooks/", {"url": "ftp://x", "events": []})
    assert refused.status_code == 400
    assert mail.outbox == [] or all("switched off" not in m.subject for m in mail.outbox)
