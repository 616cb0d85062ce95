"""What the RFP pages share: finding the RFP the user may see or edit, and showing a
service's refusal in a form."""

from __future__ import annotations

from django import forms
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from bpo_portal.errors import ApplicationError, ConflictError
from bpo_portal.permissions import Capability, require_buyer
from bpo_portal.web import request_user
from rfp import selectors
from rfp.forms import RFPEditForm
from rfp.models import RFP, RFPInvitation


def _show_error(form: forms.Form, error: ApplicationError) -> None:
    """A service's refusal in the form: beside each field it names, the rest at the top.
    After a version conflict the form keeps the user's input and the current version."""
    if isinstance(error, ConflictError) and "current_version" in error.extra:
        if isinstance(form, RFPEditForm):
            form.with_version(error.extra["current_version"])
        form.add_error(None, error.message)
        return
    placed = False
    for name, field_messages in error.fields.items():
        for message in field_messages:
            if name in form.fields:
                form.add_error(name, message)
            else:
                form.add_error(None, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _first_error(form: forms.Form) -> str:
    for field_errors in form.errors.values():
        if field_errors:
            return str(field_errors[0])
    return "Please try again."


def _status_for(form: forms.Form, error: ApplicationError | None = None) -> int:
    if error is not None and isinstance(error, ConflictError):
        return 409
    return 400 if form.errors else 200


def _visible_rfp(request: HttpRequest, pk: int) -> RFP:
    return get_object_or_404(
        selectors.rfps_visible_to(request_user(request)).select_related("organization"), pk=pk
    )


def _editable_rfp(request: HttpRequest, pk: int) -> RFP:
    """An RFP the user may edit: their organization's, their role allows it."""
    rfp = _visible_rfp(request, pk)
    require_buyer(request_user(request), Capability.EDIT_RFP, rfp.organization_id)
    return rfp


def _rfp_content(request: HttpRequest, pk: int) -> RFP:
    rfp = get_object_or_404(
        selectors.rfp_detail_queryset(request_user(request)).prefetch_related(
            Prefetch(
                "invitations",
                queryset=RFPInvitation.objects.select_related("company").order_by(
                    "created_at", "id"
                ),
            )
        ),
        pk=pk,
    )
    return rfp
