"""A vendor fills in a proposal (saved automatically as it types) and submits
it, and sees the receipt; a late attempt is refused; after the deadline the
buyer sees the answers and the prices side by side."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from proposals.models import Proposal
from tests.conftest import PASSWORD, add_member, make_buyer_org, make_vendor
from tests.helpers import move_deadline_into_the_past
from tests.proposals.factories import company_of, equip_vendor, fill, make_rfp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _saved(page) -> None:
    """Wait for the autosave to say so."""
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)


def test_a_vendor_submits_a_late_one_is_refused_and_the_buyer_compares(journey, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    organization = make_buyer_org("admin@buyer.example", "Northwind Health")
    admin = organization.memberships.get().user
    pm = add_member(organization, "pm@buyer.example", "procurement_manager")
    manila = make_vendor("owner@manila.example", "Manila Contact Co", "PH")
    late = make_vendor("owner@late.example", "Latecomer Services", "IN")
    equip_vendor(manila, languages=("en", "es"))
    equip_vendor(late, country="IN")
    rfp = make_rfp(pm, admin, invite=(company_of(manila), company_of(late)))
    late_draft = fill(late, rfp, price="9.00")

    # --- The vendor fills in its proposal ---------------------------------------------------
    vendor = journey("proposal-vendor")
    page = vendor.page
    vendor.login("owner@manila.example", PASSWORD)
    vendor.goto("/proposals/")
    vendor.step("open rfps")
    page.click("text=Start a proposal")
    page.wait_for_load_state("networkidle")
    assert "Your proposal" in page.content()
    vendor.step("task list")

    page.click("text=Questionnaire")
    page.wait_for_load_state("networkidle")
    textareas = page.locator("textarea")
    for index in range(textareas.count()):
        textareas.nth(index).fill(f"We have run this for ten years (answer {index + 1}).")
    page.locator("input.input-number").first.fill("1200")
    page.locator("label:text-is('Phone')").click()
    page.locator("label:text-is('Chat')").click()
    for radio in page.locator("input[type=radio][value=yes]").all():
        page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    _saved(page)
    vendor.step("questionnaire saved automatically")
    page.click("text=Save and return to your proposal")
    page.wait_for_load_state("networkidle")

    page.click("text=Pricing")
    page.wait_for_load_state("networkidle")
    prices = page.locator("input[name^=prices_]")
    for index, amount in enumerate(["42000", "1100", "2300", "1.05", "6200"]):
        prices.nth(index).fill(amount)
    prices.nth(4).press("Tab")
    _saved(page)
    assert "$5," in page.locator("#running-total").inner_text()  # the TCO, live
    # Bad input: too many decimals, explained without losing anything.
    prices.nth(0).fill("42000.999")
    prices.nth(0).press("Tab")
    page.wait_for_selector("#save-status .alert")
    assert "USD has 2 decimal places" in page.locator("#save-status").inner_text()
    vendor.step("pricing with an error to fix")
    prices.nth(0).fill("42000")
    prices.nth(0).press("Tab")
    _saved(page)
    vendor.step("pricing saved")
    page.click("text=Save and return to your proposal")
    page.wait_for_load_state("networkidle")

    page.click("text=Service levels")
    page.wait_for_load_state("networkidle")
    for radio in page.locator("input[type=radio][value=yes]").all():
        page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    _saved(page)
    page.click("text=Save and return to your proposal")
    page.wait_for_load_state("networkidle")

    page.click("text=Delivery centres")
    page.wait_for_load_state("networkidle")
    page.locator("input[name^=centres_]").first.fill("100")
    page.locator("input[name^=centres_]").first.press("Tab")
    _saved(page)
    assert page.locator("#share-total").inner_text() == "100 %"
    vendor.step("delivery centres")
    page.click("text=Save and return to your proposal")
    page.wait_for_load_state("networkidle")

    page.click("text=Staffing and transition plan")
    page.wait_for_load_state("networkidle")
    for index, headcount in enumerate(["15", "30", "40"]):
        page.fill(f"#id_headcount_{index + 1}", headcount)
    page.fill("#id_transition_plan", "Four weeks of knowledge transfer, then a parallel run.")
    page.click("text=Save and return to your proposal")
    page.wait_for_load_state("networkidle")
    assert "100%" in page.content()
    vendor.step("every part completed")

    page.click("text=Check your answers and submit")
    page.wait_for_load_state("networkidle")
    vendor.step("check your answers")
    page.click("button:text('Submit proposal')")
    page.wait_for_load_state("networkidle")
    assert "Proposal submitted" in page.content()
    proposal = Proposal.objects.get(company=company_of(manila))
    version = proposal.versions.get()
    assert version.sha256 in page.content()
    vendor.step("receipt")

    # --- Another vendor tries one second too late ---------------------------------------------
    latecomer = journey("proposal-late")
    latecomer.login("owner@late.example", PASSWORD)
    latecomer.goto(f"/proposals/{late_draft.pk}/check/")
    latecomer.step("check page before the deadline")
    move_deadline_into_the_past(rfp.pk)
    latecomer.page.click("button:text('Submit proposal')")
    latecomer.page.wait_for_load_state("networkidle")
    assert re.search(r"deadline for proposals passed", latecomer.page.content())
    latecomer.step("late submission refused")
    assert not late_draft.versions.exists()

    # --- After the deadline the buyer compares ------------------------------------------------
    buyer = journey("proposal-buyer")
    buyer.login("pm@buyer.example", PASSWORD)
    buyer.goto(f"/proposals/rfp/{rfp.pk}/")
    assert "Manila Contact Co" in buyer.page.content() and "Compliant" in buyer.page.content()
    assert "Latecomer" not in buyer.page.content()  # a draft never reaches the buyer
    buyer.step("proposals received")
    buyer.goto(f"/proposals/rfp/{rfp.pk}/answers/")
    assert "We have run this for ten years" in buyer.page.content()
    buyer.step("answers side by side")
    buyer.goto(f"/proposals/rfp/{rfp.pk}/prices/")
    assert "$42,000.00" in buyer.page.content() and "Lowest" in buyer.page.content()
    buyer.step("prices side by side")
    buyer.goto(f"/proposals/{proposal.pk}/")
    assert version.sha256[:12] in buyer.page.content()
    buyer.step("one proposal in full")
