"""Constant query counts with 2 and 50 proposals: the buyer's list (sealed and
opened), the side-by-side answers and prices, and the API list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals import services
from proposals.models import EnvelopeOpening
from rfp import services as rfp_services
from tests.conftest import api_as, make_vendor
from tests.proposals.factories import equip_vendor, fill, submit

pytestmark = pytest.mark.django_db


def _count(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert getattr(response, "status_code", 200) == 200
    return len(queries)


def _add_bidders(rfp, pm, start: int, stop: int) -> None:
    for n in range(start, stop):
        user = make_vendor(f"owner@bidder{n}.example", f"Bidder {n:02d} Services", "PH")
        equip_vendor(user)
        rfp_services.rfp_invitation_create(
            actor=pm, rfp=rfp, company=user.vendor_membership.company
        )
        submit(user, fill(user, rfp, price=f"{10 + n}.00"))


def _doors(client, api, rfp) -> dict[str, int]:
    return {
        "list page": _count(lambda: client.get(reverse("proposal_rfp_list", args=[rfp.pk]))),
        "answers page": _count(lambda: client.get(reverse("proposal_rfp_answers", args=[rfp.pk]))),
        "prices page": _count(lambda: client.get(reverse("proposal_rfp_prices", args=[rfp.pk]))),
        "API list": _count(lambda: api.get("/api/v1/proposals/?page_size=100")),
    }


def _api(user):
    """An integration signed in as `user`, a fresh instance each time: the API reads the
    membership once a request, as with a token; a reused instance would have it cached."""
    return api_as(type(user).objects.get(pk=user.pk))


def _opened(client, procurement_manager, rfp) -> dict[str, int]:
    with time_machine.travel(rfp.submission_deadline + dt.timedelta(minutes=1), tick=False):
        services.technical_envelope_open(rfp=rfp)  # recorded before we count
        client.force_login(procurement_manager)
        return _doors(client, _api(procurement_manager), rfp)


def test_query_counts_do_not_grow_with_the_number_of_proposals(
    client, rfp, procurement_manager, vendor_a, vendor_b
):
    submit(vendor_a, fill(vendor_a, rfp))
    submit(vendor_b, fill(vendor_b, rfp))
    client.force_login(procurement_manager)
    sealed_two = _doors(client, _api(procurement_manager), rfp)
    opened_two = _opened(client, procurement_manager, rfp)
    EnvelopeOpening.objects.all().delete()  # back before the deadline: more vendors bid

    _add_bidders(rfp, procurement_manager, 0, 48)
    assert rfp.proposals.count() == 50
    client.force_login(procurement_manager)
    sealed_fifty = _doors(client, _api(procurement_manager), rfp)
    opened_fifty = _opened(client, procurement_manager, rfp)

    assert sealed_fifty == sealed_two, (sealed_two, sealed_fifty)
    assert opened_fifty == opened_two, (opened_two, opened_fifty)
    # Sealed: session, user, the RFP with its openings, the proposals (vendor and
    # time only). Opened: the same, plus the RFP's content once (lots, pricing
    # lines, KPIs, sections, questions, languages, certifications).
    assert max(sealed_two.values()) <= 6, sealed_two
    assert max(opened_two.values()) <= 16, opened_two
