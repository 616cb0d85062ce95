"""What the dashboards' RFP panels show."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from rfp import selectors, services
from tests.conftest import make_vendor
from tests.rfp.conftest import make_ready_rfp

pytestmark = pytest.mark.django_db


def test_buyer_dashboard(buyer_admin, procurement_manager, published, vendor_a):
    pending = make_ready_rfp(procurement_manager, title="Waiting", invite=())
    services.rfp_update(
        actor=procurement_manager,
        rfp=pending,
        version=pending.version,
        visibility="open_to_qualified",
    )
    pending.refresh_from_db()
    services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=pending, version=pending.version
    )
    services.clarification_ask(actor=vendor_a, rfp=published, text="Hours?")
    admin_panel = selectors.buyer_dashboard(buyer_admin)
    assert admin_panel["total"] == 2
    assert admin_panel["counts"]["Published"] == 1
    assert [r.title for r in admin_panel["awaiting_approval"]] == ["Waiting"]
    assert admin_panel["open_rfps"][0].unanswered_count == 1
    pm_panel = selectors.buyer_dashboard(procurement_manager)
    assert pm_panel["awaiting_approval"] == []  # not theirs to approve
    html = render_to_string("rfp/partials/dashboard_buyer.html", {"rfp_dashboard": admin_panel})
    assert "Waiting for your approval" in html and "1 to answer" in html


def test_buyer_dashboard_empty_state(other_buyer):
    panel = selectors.buyer_dashboard(other_buyer)
    assert panel["total"] == 0
    html = render_to_string("rfp/partials/dashboard_buyer.html", {"rfp_dashboard": panel})
    assert "Create your first RFP" in html


def test_vendor_dashboard(published, vendor_a, vendor_b, procurement_manager):
    services.rfp_intend_to_bid(actor=vendor_b, rfp=published)
    services.lot_update(
        actor=procurement_manager,
        lot=published.lots.get(),
        version=published.version,
        fte_count=50,
        addendum_summary="50 FTE",
    )
    panel = selectors.vendor_dashboard(vendor_a)
    assert [r.pk for r in panel["awaiting_response"]] == [published.pk]
    assert panel["addenda_to_acknowledge"] == 1
    assert selectors.vendor_dashboard(vendor_b)["awaiting_response"] == []
    html = render_to_string("rfp/partials/dashboard_vendor.html", {"rfp_dashboard": panel})
    assert "Respond" in html and "987" not in html


def test_vendor_dashboard_empty_state(unattached_user):
    vendor = make_vendor("owner@empty.example", "Empty Co", "PH")
    panel = selectors.vendor_dashboard(vendor)
    html = render_to_string("rfp/partials/dashboard_vendor.html", {"rfp_dashboard": panel})
    assert "No open invitations" in html
    assert selectors.vendor_dashboard(unattached_user)["open_rfps"] == []
