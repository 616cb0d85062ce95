"""Webhooks: a buyer organization's systems told when something happens.

- **Events** come from the audit trail: `audit_record` (accounts.audit) passes every
  event worth telling (EVENTS maps audit actions to webhook events) to `event_emit`,
  so every door (page, API, worker) emits alike. A delivery row is written in the
  same transaction as the change (an outbox: nothing sent for a rolled-back change,
  nothing lost when the broker is down) and sent by the worker after commit.
- **Payloads are thin**: the event, when, and what it is about (ids, the RFP's
  reference, the API address to read it from), never a price or a proposal's content:
  the receiver reads the rest through the API, where the seal applies.
- **Signed**: `BPO-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the
  subscription's secret>`. A receiver recomputes it and refuses a timestamp more than
  five minutes old (replays). `BPO-Event-Id` is the same on every retry and redelivery.
- **Retries**: a non-2xx answer, a timeout or a refused connection is retried with
  exponential back-off (30 s, 1, 2, 4… minutes, at most 2 hours apart) for 24 hours;
  then the delivery has failed, the subscription is disabled and the organization's
  admins are e-mailed. The delivery log shows each attempt's outcome; an admin may
  redeliver any delivery (a new delivery of the same event).
- **Only public addresses**: an endpoint must be HTTPS on a host that resolves to
  public addresses only (checked when saved and again, pinned, at each delivery: no
  DNS rebinding to the cloud's metadata service or the internal network). Tests and
  development allow http and loopback (WEBHOOKS_ALLOW_PRIVATE_ADDRESSES).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from accounts.mail import send_templated_email
from accounts.models import (
    BuyerOrganization,
    BuyerRole,
    User,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from accounts.selectors import organization_emails
from accounts.tasks import deliver_webhook
from bpo_portal.errors import ApplicationError, NotFoundError
from bpo_portal.permissions import Capability, require_buyer
from bpo_portal.queue import BrokerUnavailable, enqueue_now, enqueue_on_commit
from bpo_portal.web import site_link

# Audit actions -> the webhook event they are.
EVENTS: dict[str, str] = {
    "rfp.published": WebhookEvent.RFP_PUBLISHED,
    "rfp.addendum_recorded": WebhookEvent.RFP_AMENDED,
    "rfp.closed": WebhookEvent.RFP_CLOSED,
    "rfp.cancelled": WebhookEvent.RFP_CANCELLED,
    "proposal.submitted": WebhookEvent.PROPOSAL_SUBMITTED,
    "proposal.withdrawn": WebhookEvent.PROPOSAL_WITHDRAWN,
    "proposals.technical_envelope_opened": WebhookEvent.ENVELOPE_OPENED,
    "proposals.commercial_envelope_opened": WebhookEvent.ENVELOPE_OPENED,
    "scoring.technical_finalised": WebhookEvent.EVALUATION_FINALISED,
    "report.ready": WebhookEvent.REPORT_READY,
    "scoring.award_proposed": WebhookEvent.AWARD_PROPOSED,
    "scoring.award_approved": WebhookEvent.AWARD_APPROVED,
    "scoring.award_returned": WebhookEvent.AWARD_RETURNED,
}

KEEP_TRYING_FOR = dt.timedelta(hours=24)
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(hours=2)
TIMEOUT_SECONDS = 10
SIGNATURE_TOLERANCE = dt.timedelta(minutes=5)
MAX_SUBSCRIPTIONS = 10


# --- Subscriptions ------------------------------------------------------------------------------


def _clean_events(events: Any) -> list[str]:
    valid = set(WebhookEvent.values)
    chosen = sorted({str(event) for event in (events or [])})
    unknown = [event for event in chosen if event not in valid]
    if unknown:
        raise ApplicationError.for_fields(
            {"events": f"Unknown event: {', '.join(unknown)}. Choose from {', '.join(valid)}."}
        )
    if not chosen:
        raise ApplicationError.for_fields({"events": "Choose at least one event."})
    return chosen


def _public_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, all of them public, or ApplicationError."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ApplicationError.for_fields({"url": f"The host {host} cannot be found."})
    addresses = sorted({info[4][0] for info in infos})
    if not settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise ApplicationError.for_fields(
                    {
                        "url": f"{host} resolves to {address}, a private or reserved "
                        "address: webhooks go to public addresses only."
                    }
                )
    return addresses


def check_url(url: str) -> tuple[str, str, int, list[str]]:
    """(scheme, host, port, addresses) of an acceptable endpoint, or ApplicationError."""
    parts = urlsplit(url.strip())
    allowed = ("https", "http") if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise ApplicationError.for_fields(
            {"url": "Give an https:// address (the events are signed, and sent encrypted)."}
        )
    if parts.username or parts.password:
        raise ApplicationError.for_fields(
            {"url": "Leave credentials out of the address: verify the signature instead."}
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ApplicationError.for_fields({"url": "The port is not a number."})
    return parts.scheme, parts.hostname, port, _public_addresses(parts.hostname, port)


def webhook_create(
    *, actor: User, url: str, events: Any, description: str = ""
) -> WebhookSubscription:
    """An admin subscribes an endpoint of their organization. The secret is on the
    returned subscription (show it to them: it signs every delivery)."""
    membership = require_buyer(actor, Capability.MANAGE_SETTINGS)
    check_url(url)
    chosen = _clean_events(events)
    if (
        WebhookSubscription.objects.filter(organization_id=membership.organization_id).count()
        >= MAX_SUBSCRIPTIONS
    ):
        raise ApplicationError(
            f"An organization has at most {MAX_SUBSCRIPTIONS} webhooks: remove one first."
        )
    return WebhookSubscription.objects.create(
        organization_id=membership.organization_id,
        url=url.strip(),
        events=chosen,
        description=description.strip()[:200],
        secret="whsec_" + secrets.token_urlsafe(32),
        created_by=actor,
    )


def _own(actor: User, subscription: WebhookSubscription) -> None:
    membership = require_buyer(actor, Capability.MANAGE_SETTINGS)
    if subscription.organization_id != membership.organization_id:
        raise NotFoundError("Webhook not found.")


def webhook_update(
    *,
    actor: User,
    subscription: WebhookSubscription,
    url: str | None = None,
    events: Any = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change an endpoint; switching it back on clears why it was disabled."""
    _own(actor, subscription)
    if url is not None:
        check_url(url)
        subscription.url = url.strip()
    if events is not None:
        subscription.events = _clean_events(events)
    if description is not None:
        subscription.description = description.strip()[:200]
    if is_active is not None and is_active != subscription.is_active:
        subscription.is_active = is_active
        subscription.disabled_at = None if is_active else timezone.now()
        subscription.disabled_reason = "" if is_active else f"Switched off by {actor}."
    subscription.save()
    return subscription


def webhook_secret_roll(*, actor: User, subscription: WebhookSubscription) -> str:
    """A new secret; deliveries from now on are signed with it."""
    _own(actor, subscription)
    subscription.secret = "whsec_" + secrets.token_urlsafe(32)
    subscription.save(update_fields=["secret", "updated_at"])
    return subscription.secret


def webhook_delete(*, actor: User, subscription: WebhookSubscription) -> None:
    _own(actor, subscription)
    subscription.delete()


def delivery_redeliver(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again, now (a new delivery with the same event id)."""
    _own(actor, delivery.subscription)
    again = WebhookDelivery.objects.create(
        subscription=delivery.subscription,
        event_id=delivery.event_id,
        event=delivery.event,
        payload=delivery.payload,
    )
    _send_after_commit(again)
    return again


# --- Events -------------------------------------------------------------------------------------


def _rfp_of(obj: Model | None) -> Any:
    """The RFP an audited object belongs to, when it has one (RFP, proposal, award...)."""
    if obj is None:
        return None
    if obj._meta.label == "rfp.RFP":
        return obj
    for path in ("rfp", "evaluation.rfp"):
        current: Any = obj
        for name in path.split("."):
            current = getattr(current, name, None)
        if current is not None:
            return current
    return None


def event_emit(
    *, organization: BuyerOrganization | int, action: str, obj: Model | None, summary: str
) -> int:
    """Write a delivery for each active subscription of the organization to the event
    an audit action is (none for the others). Called by audit_record, in the change's
    transaction. Returns the number of deliveries."""
    event = EVENTS.get(action)
    if event is None:
        return 0
    organization_id = organization if isinstance(organization, int) else organization.pk
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(
            organization_id=organization_id, is_active=True
        )
        if event in subscription.events
    ]
    if not subscriptions:
        return 0
    rfp = _rfp_of(obj)
    event_id = uuid.uuid4()
    payload: dict[str, Any] = {
        "id": str(event_id),
        "type": event,
        "created_at": timezone.now().isoformat(),
        "summary": summary,
        "object": {
            "type": obj._meta.label_lower if obj is not None else "",
            "id": obj.pk if obj is not None else None,
        },
        "rfp": {
            "id": rfp.pk,
            "reference": rfp.reference,
            "title": rfp.title,
            "url": reverse("api-rfp-detail", args=[rfp.pk]),
        }
        if rfp is not None
        else None,
    }
    for subscription in subscriptions:
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event_id=event_id, event=event, payload=payload
        )
        _send_after_commit(delivery)
    return len(subscriptions)


def _send_after_commit(delivery: WebhookDelivery, countdown: float | None = None) -> None:
    # Broker down: the delivery row stays pending and deliveries_resend_due sends it.
    enqueue_on_commit(deliver_webhook, countdown=countdown, delivery_id=delivery.pk)


# --- Delivering ---------------------------------------------------------------------------------


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None) -> bool:
    """What a receiver does (and the tests): the signature matches, and it is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > SIGNATURE_TOLERANCE.total_seconds():
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def _post(subscription: WebhookSubscription, body: bytes, headers: dict[str, str]) -> int:
    """POST to the endpoint, connecting to the address checked (never re-resolved)."""
    scheme, host, port, addresses = check_url(subscription.url)
    parts = urlsplit(subscription.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = urllib3.Timeout(connect=TIMEOUT_SECONDS, read=TIMEOUT_SECONDS)
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            addresses[0],
            port,
            timeout=timeout,
            retries=False,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(addresses[0], port, timeout=timeout, retries=False)
    try:
        response = pool.urlopen(
            "POST",
            path,
            body=body,
            headers={**headers, "Host": parts.netloc.rsplit("@", 1)[-1]},
            redirect=False,
            preload_content=False,
        )
        response.read(64 * 1024)  # a receiver's answer is not ours to keep
        response.release_conn()
        return int(response.status)
    finally:
        pool.close()


def _next_wait(attempts: int) -> dt.timedelta:
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), LONGEST_WAIT)


def delivery_attempt(*, delivery_id: int) -> str:
    """One attempt at a pending delivery that is due (the worker's task: safe to run
    twice or after a crash; a delivery not due or not pending is left alone)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return "not pending"
        if delivery.next_attempt_at > now:
            return "not due"
        subscription = delivery.subscription
        if not subscription.is_active:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.last_error = "The webhook was switched off."
            delivery.save(update_fields=["status", "last_error"])
            return "switched off"
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "BPO-Portal-Webhooks/1",
            "BPO-Event-Id": str(delivery.event_id),
            "BPO-Event-Type": delivery.event,
            "BPO-Delivery-Id": str(delivery.pk),
            "BPO-Signature": sign(subscription.secret, body, int(time.time())),
        }
        status_code: int | None = None
        error = ""
        try:
            status_code = _post(subscription, body, headers)
        except ApplicationError as exc:  # the address no longer resolves to a public one
            error = exc.message if not exc.fields else next(iter(exc.fields.values()))[0]
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.last_status_code = status_code
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = delivery.last_attempt_at
            delivery.last_error = ""
            delivery.save()
            return "delivered"
        delivery.last_error = error  # empty when the endpoint answered (its status is kept)
        next_at = delivery.last_attempt_at + _next_wait(delivery.attempts)
        if next_at > delivery.created_at + KEEP_TRYING_FOR:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.save()
            _disable(subscription, delivery)
            return "failed"
        delivery.next_attempt_at = next_at
        delivery.save()
        _send_after_commit(delivery, countdown=(next_at - timezone.now()).total_seconds())
        return "retry"


def _disable(subscription: WebhookSubscription, delivery: WebhookDelivery) -> None:
    if not subscription.is_active:
        return
    subscription.is_active = False
    subscription.disabled_at = timezone.now()
    last = delivery.last_error or f"the endpoint answered HTTP {delivery.last_status_code}"
    subscription.disabled_reason = (
        f"Every delivery attempt for {KEEP_TRYING_FOR.total_seconds() / 3600:.0f} hours failed "
        f"(last: {last})"
    )[:300]
    subscription.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    send_templated_email(
        to=organization_emails(
            organization_id=subscription.organization_id, roles=[BuyerRole.ADMIN]
        ),
        template_prefix="emails/webhook_disabled",
        context={
            "subscription": subscription,
            "delivery": delivery,
            "url": site_link("webhook_detail", subscription.pk),
        },
    )


def deliveries_resend_due() -> int:
    """Beat, every minute: queue the pending deliveries that are due and were not sent
    (the broker was down, a worker died holding one)."""
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=timezone.now() - dt.timedelta(seconds=30),
        ).values_list("pk", flat=True)[:500]
    )
    for pk in due:
        try:
            enqueue_now(deliver_webhook, delivery_id=pk)
        except BrokerUnavailable:
            break
    return len(due)
