"""Scoring in the browser: the procurement manager starts the scoring, an evaluator
declares no conflict and scores, the panel's disagreement is settled by a consensus
score, the buyer explores what-if weights, and the award is proposed and approved."""

from __future__ import annotations

import pytest

from accounts.models import BuyerRole
from proposals.models import Proposal
from scoring import services
from scoring.models import AwardDecision, Criterion
from tests.conftest import PASSWORD, add_member, make_buyer_org
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_scoring_journey(journey, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    f.ensure_reference_data()
    organization = make_buyer_org("admin@buyer.example", "Northwind Health")
    admin = organization.memberships.get(role=BuyerRole.ADMIN).user
    pm = add_member(organization, "pm@buyer.example", BuyerRole.PROCUREMENT_MANAGER)
    erin = add_member(organization, "erin@buyer.example", BuyerRole.EVALUATOR)
    omar = add_member(organization, "omar@buyer.example", BuyerRole.EVALUATOR)
    manila = f.make_vendor("owner@manila.example", "Manila Contact Co", "PH")
    bangalore = f.make_vendor("owner@bangalore.example", "Bangalore Process Ltd", "IN")
    rfp = f.make_rfp(pm, admin, [manila, bangalore])
    f.submit(manila, rfp, f.Bid())
    f.submit(
        bangalore,
        rfp,
        f.Bid(
            prices=f.PRICES_B,
            slas={"aht": "400"},
            centres=(f.Centre("IN", "Bangalore", "100", time_zone="Asia/Kolkata"),),
        ),
    )
    rfp = f.pass_deadline(rfp)
    evaluation = services.evaluation_setup(actor=pm, rfp=rfp)
    f.setup_panel(pm, evaluation, [erin, omar])
    base = f"/scoring/rfp/{rfp.pk}"

    # The procurement manager checks the criteria and starts the scoring.
    buyer = journey("scoring-manager")
    buyer.login(pm.email, PASSWORD)
    buyer.goto(f"{base}/criteria/")
    buyer.step("criteria and weights")
    buyer.goto(f"{base}/start/")
    buyer.step("start scoring")
    buyer.page.click("main button:has-text('Start scoring')")
    buyer.page.wait_for_load_state("networkidle")
    assert "Scoring has started" in buyer.page.content()
    buyer.step("overview after start")

    # Omar scores through the services; he rates Manila's references low.
    f.declare_none(omar, f.fresh(evaluation))
    f.score_all(omar, f.fresh(evaluation), {"Manila Contact Co": {"References and experience": 3}})

    # Erin declares no conflict and scores in the browser.
    panel = journey("scoring-evaluator")
    panel.login(erin.email, PASSWORD)
    panel.goto(f"{base}/my-scores/")
    assert "0 of 10" in panel.page.content()
    panel.step("my scores before declaring")
    panel.page.click("text=Declare conflicts of interest")
    panel.page.wait_for_load_state("networkidle")
    for radio in panel.page.locator("input[type=radio][value=no]").all():
        radio.check()
    panel.step("conflict of interest declarations")
    panel.page.click("main button:has-text('Record my declarations')")
    panel.page.wait_for_load_state("networkidle")
    for vendor in ("Manila Contact Co", "Bangalore Process Ltd"):
        panel.page.click(f"a:has-text('Score'):right-of(:text('{vendor}'))")
        panel.page.wait_for_load_state("networkidle")
        selects = panel.page.locator("select[name^=score_]")
        for index in range(selects.count()):
            selects.nth(index).select_option("9" if index == 0 else "7")
        panel.page.locator("textarea[name^=comment_]").first.fill(
            "Two large patient lines in the US, confirmed by references."
        )
        if vendor == "Manila Contact Co":
            panel.step("scoring a vendor")
        panel.page.click("main button:has-text('Save draft scores')")
        panel.page.wait_for_load_state("networkidle")
    assert "10 of 10" in panel.page.content()
    panel.step("all items scored")
    panel.page.click("text=Check and submit your scores")
    panel.page.wait_for_load_state("networkidle")
    panel.step("check before submitting")
    panel.page.click("main button:has-text('Submit my scores')")
    panel.page.wait_for_load_state("networkidle")
    assert "10 submitted" in panel.page.content()
    manila_proposal = Proposal.objects.get(rfp=rfp, company__legal_name="Manila Contact Co")
    panel.goto(f"{base}/my-scores/{manila_proposal.pk}/")
    assert "Other evaluators" in panel.page.content()
    panel.step("other evaluators' scores after submitting")

    # Consensus on the flagged item.
    buyer.goto(f"{base}/consensus/")
    assert "Discuss" in buyer.page.content()
    buyer.step("consensus with a flagged item")
    buyer.page.click("text=Set consensus")
    buyer.page.wait_for_load_state("networkidle")
    buyer.page.fill("#id_score", "6")
    buyer.page.fill("#id_justification", "After a reference call the panel agreed on 6.")
    buyer.step("consensus score form")
    buyer.page.click("main button:has-text('Record the consensus score')")
    buyer.page.wait_for_load_state("networkidle")
    assert "Consensus score of" in buyer.page.content()

    # Results, drill-down and what-if weights (htmx, nothing saved).
    buyer.goto(f"{base}/results/")
    ranking = buyer.page.locator(".ranking-table tbody tr").first
    assert "Bangalore Process Ltd" in ranking.inner_text()
    buyer.step("results")
    cost = Criterion.objects.get(evaluation=evaluation, name="Cost")
    location = Criterion.objects.get(evaluation=evaluation, name="Location")
    for criterion, value in ((cost, "10"), (location, "60")):
        buyer.page.locator(f"#w_{criterion.pk}").evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
            value,
        )
    buyer.page.wait_for_selector("text=What-if, not saved")
    buyer.page.wait_for_load_state("networkidle")
    first = buyer.page.locator(".ranking-table tbody tr").first.inner_text()
    assert "Manila Contact Co" in first
    assert buyer.page.locator(f"#w_{cost.pk}_value").inner_text() == "10"
    buyer.step("what-if weights")
    assert Criterion.objects.get(pk=cost.pk).weight == 40
    buyer.goto(f"{base}/results/")
    buyer.page.click(".ranking-table a:has-text('Manila Contact Co')")
    buyer.page.wait_for_load_state("networkidle")
    buyer.page.locator("summary:has-text('How this is computed')").first.click()
    buyer.step("drill-down")

    # The award: proposed, checked, then approved by the admin.
    buyer.goto(f"{base}/award/")
    buyer.step("award")
    buyer.page.click("text=Propose the award")
    buyer.page.wait_for_load_state("networkidle")
    buyer.page.fill(
        "#id_justification",
        "Lowest total cost of ownership; SLA commitments close to target; references confirmed.",
    )
    buyer.step("propose the award")
    buyer.page.click("main button:has-text('Continue')")
    buyer.page.wait_for_load_state("networkidle")
    buyer.step("check the award")
    buyer.page.click("main button:has-text('Propose the award')")
    buyer.page.wait_for_load_state("networkidle")
    assert AwardDecision.objects.filter(status="proposed").exists()

    approver = journey("scoring-admin")
    approver.login(admin.email, PASSWORD)
    approver.goto(f"{base}/award/")
    approver.page.click("text=Review and decide")
    approver.page.wait_for_load_state("networkidle")
    approver.page.check("input[name=decision][value=approve]")
    approver.step("approve the award")
    approver.page.click("main button:has-text('Record the decision')")
    approver.page.wait_for_load_state("networkidle")
    assert "Approved by" in approver.page.content()
    approver.step("award approved")

    winner = journey("scoring-vendor")
    winner.login("owner@bangalore.example", PASSWORD)
    winner.goto("/scoring/outcomes/")
    assert "Awarded to you" in winner.page.content()
    winner.step("vendor sees the outcome")
