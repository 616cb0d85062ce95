"""The organization's webhooks: the list, a new one, and each one's delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import webhooks
from accounts.forms import WebhookForm
from accounts.models import WebhookDelivery, WebhookSubscription
from bpo_portal.errors import ApplicationError
from bpo_portal.forms import add_application_error
from bpo_portal.permissions import Capability, require_buyer
from bpo_portal.web import request_user

DELIVERIES_SHOWN = 50


def _subscription(request: HttpRequest, pk: int) -> WebhookSubscription:
    membership = require_buyer(request_user(request), Capability.MANAGE_SETTINGS)
    return get_object_or_404(WebhookSubscription, pk=pk, organization_id=membership.organization_id)


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    membership = require_buyer(user, Capability.MANAGE_SETTINGS)
    form = WebhookForm()
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                subscription = webhooks.webhook_create(actor=user, **form.cleaned_data)
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(
                    request,
                    "Webhook added. Copy its signing secret now: it is shown only once.",
                )
                request.session["webhook_secret"] = [subscription.pk, subscription.secret]
                return redirect("webhook_detail", subscription.pk)
    subscriptions = WebhookSubscription.objects.filter(organization_id=membership.organization_id)
    return render(
        request,
        "accounts/webhooks.html",
        {"form": form, "subscriptions": subscriptions},
        status=400 if form.errors else 200,
    )


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _subscription(request, pk)
    shown = request.session.pop("webhook_secret", None)
    secret = shown[1] if shown and shown[0] == subscription.pk else None
    deliveries = list(subscription.deliveries.all()[:DELIVERIES_SHOWN])
    return render(
        request,
        "accounts/webhook_detail.html",
        {
            "subscription": subscription,
            "deliveries": deliveries,
            "secret": secret,
            "shown": DELIVERIES_SHOWN,
        },
    )


@login_required
@require_POST
def webhook_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request_user(request)
    subscription = _subscription(request, pk)
    try:
        if action == "on":
            webhooks.webhook_update(actor=user, subscription=subscription, is_active=True)
            messages.success(request, "Webhook switched on: new events are sent to it.")
        elif action == "off":
            webhooks.webhook_update(actor=user, subscription=subscription, is_active=False)
            messages.success(request, "Webhook switched off: no events are sent to it.")
        elif action == "secret":
            request.session["webhook_secret"] = [
                subscription.pk,
                webhooks.webhook_secret_roll(actor=user, subscription=subscription),
            ]
            messages.success(request, "New signing secret: copy it now, it is shown only once.")
        elif action == "delete":
            webhooks.webhook_delete(actor=user, subscription=subscription)
            messages.success(request, "Webhook removed.")
            return redirect("webhook_list")
        else:
            messages.error(request, "Unknown action.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("webhook_detail", subscription.pk)


@login_required
@require_POST
def webhook_redeliver(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    subscription = _subscription(request, pk)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, subscription=subscription)
    try:
        webhooks.delivery_redeliver(actor=request_user(request), delivery=delivery)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The {delivery.event} event is being sent again.")
    return redirect("webhook_detail", subscription.pk)
