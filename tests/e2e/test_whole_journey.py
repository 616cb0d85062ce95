"""The whole journey, in a real browser, one step after another: a procurement manager
drafts an RFP from a starter template, an admin approves it, it goes to three vendors
(one registers from the invitation), a vendor asks a question the buyer answers for
everyone, all three submit and a late change is refused, the deadline passes, two
evaluators declare no conflict and score, the manager settles a disagreement, tries
what-if weights, has a real Celery worker make the PDF report (the page shows its
progress), downloads it and proposes the award, the admin approves it, and each vendor
sees the outcome. Every step saves a screenshot under test-artifacts/e2e/whole-journey/
and is checked with axe-core."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import BuyerRole
from proposals.models import Proposal
from rfp.models import RFP
from rfp.services import rfps_close_past_deadline
from scoring.models import Criterion
from scoring.results import evaluation_results_for_rules
from tests.conftest import PASSWORD, add_member, make_buyer_org, make_user
from tests.e2e.conftest import ARTIFACTS
from tests.helpers import RealWorker, jobs_sent_to_a_private_queue, move_deadline_into_the_past
from tests.proposals.factories import equip_vendor
from tests.scoring import factories as f
from vendors.services import vendor_company_create

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEWCOMER = "ana@monterrey.example"
TITLE = "Customer support for the patient helpline"


def click(j, selector: str) -> None:
    """Click a link or a button that loads another page, and wait for it."""
    with j.page.expect_navigation():
        j.page.click(selector)


def goto(j, path: str) -> None:
    j.page.goto(j.base_url + path)  # waits for the page's load event


def login(j, email: str) -> None:
    goto(j, "/accounts/login/")
    j.page.fill("input[name=login]", email)
    j.page.fill("input[name=password]", PASSWORD)
    click(j, "main button[type=submit]")
    assert "Successfully signed in" in j.page.content()


def local_input(moment: dt.datetime) -> str:
    """A datetime-local value in the buyer's time zone (the page's)."""
    return moment.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M")


def draft_the_rfp(buyer) -> RFP:
    page = buyer.page
    login(buyer, "paula@northwind.example")
    buyer.step("buyer dashboard")
    click(buyer, "text=Create your first RFP")
    page.fill("#id_title", TITLE)
    page.locator("label:has-text('Customer support')").click()
    buyer.step("create an rfp from the starter")
    click(buyer, "main button:has-text('Create the draft')")
    assert "is created as a draft" in page.content()
    buyer.step("draft task list")
    rfp = RFP.objects.get(title=TITLE, is_template=False)

    click(buyer, "main a:has-text('Details')")
    page.fill("#id_budget", "1250000")
    click(buyer, "main button:has-text('Save details')")
    assert "Details saved." in page.content()
    buyer.step("details saved")

    click(buyer, "nav[aria-label='Steps'] a:has-text('Lots and volumes')")
    click(buyer, "main a:has-text('Change')")
    page.fill("#id_contacts_per_month", "12000")
    buyer.step("lot volumes")
    click(buyer, "main button:has-text('Save the lot')")
    assert "Lot saved" in page.content()
    buyer.step("lots and volumes")

    click(buyer, "nav[aria-label='Steps'] a:has-text('Questionnaire')")
    click(buyer, "main a:has-text('Add a question to')")
    page.fill("#id_text", "Describe a patient helpline you have run: volumes, languages, results.")
    buyer.step("add a question")
    click(buyer, "main button:has-text('Save the question')")
    assert "Question saved" in page.content()
    buyer.step("questionnaire")

    click(buyer, "nav[aria-label='Steps'] a:has-text('Pricing')")
    buyer.step("pricing")
    click(buyer, "nav[aria-label='Steps'] a:has-text('Service levels')")
    buyer.step("service levels")

    # The criteria and weights are set while drafting: vendors will see them, and they
    # lock when the RFP is published.
    click(buyer, "nav[aria-label='Steps'] a:has-text('Evaluation criteria')")
    assert "lock when the RFP is published" in page.content()
    buyer.step("evaluation criteria from the starter")
    click(buyer, "main a:has-text('Set weights')")
    page.get_by_label("Cost", exact=True).fill("35")
    page.get_by_label("Quality", exact=True).fill("35")
    buyer.step("weights of the main criteria")
    click(buyer, "main button:has-text('Save the weights')")
    assert "Weights saved." in page.content()
    buyer.step("evaluation criteria set")

    click(buyer, "nav[aria-label='Steps'] a:has-text('Timeline')")
    now = timezone.now()
    page.fill("#id_question_deadline", local_input(now + dt.timedelta(days=7)))
    page.fill("#id_submission_deadline", local_input(now + dt.timedelta(days=14)))
    page.fill("#id_expected_award_date", (now + dt.timedelta(days=45)).strftime("%Y-%m-%d"))
    page.locator("#id_expected_award_date").dispatch_event("change")
    page.wait_for_selector("text=These dates work.")
    buyer.step("timeline checked as typed")
    click(buyer, "main button:has-text('Save the timeline')")
    assert "Timeline saved." in page.content()

    click(buyer, "nav[aria-label='Steps'] a:has-text('Vendors')")
    click(buyer, "text=Show every vendor in the directory")
    page.locator("label:has-text('Manila Contact Co')").click()
    page.locator("label:has-text('Bangalore Process Ltd')").click()
    buyer.step("invite from the directory")
    click(buyer, "main button:has-text('Invite the selected vendors')")
    assert "Invited: Bangalore Process Ltd, Manila Contact Co." in page.content()
    page.fill("#id_email", NEWCOMER)
    click(buyer, "main button:text-is('Invite')")
    assert NEWCOMER in page.locator("#invitees").inner_text()
    buyer.step("three vendors invited")

    click(buyer, "main a:has-text('Check your answers')")
    buyer.step("check your answers")
    click(buyer, "main button:has-text('Submit for approval')")
    buyer.step("submitted for approval")
    return rfp


def approve_and_publish(admin) -> None:
    page = admin.page
    login(admin, "admin@northwind.example")
    admin.step("admin dashboard: waiting for approval")
    click(admin, f"main a:has-text('{TITLE}')")
    assert "Review before approval" in page.content()
    admin.step("admin reviews before approval")
    click(admin, "main button:has-text('Approve and publish')")
    assert "is approved and published" in page.content()
    admin.step("admin approved: published")


def link_in_email(to: str, pattern: str) -> str:
    for message in reversed(mail.outbox):
        if to in message.to:
            found = re.search(pattern, message.body)
            if found:
                return "/" + found.group(0).split("/", 3)[3]
    raise AssertionError(f"no e-mail to {to} with {pattern}: {[m.subject for m in mail.outbox]}")


def newcomer_registers(vendor) -> None:
    page = vendor.page
    goto(vendor, link_in_email(NEWCOMER, r"http://\S+"))
    assert page.input_value("#id_email") == NEWCOMER
    page.fill("#id_legal_name", "Monterrey Nearshore Services")
    page.select_option("#id_headquarters_country", "MX")
    page.fill("#id_website", "https://monterrey.example")
    page.fill("#id_full_name", "Ana Garza")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    vendor.step("newcomer registers the company from the invitation")
    click(vendor, "main button[type=submit]")
    assert "Check your inbox" in page.content()
    vendor.step("newcomer: check your inbox")
    goto(vendor, link_in_email(NEWCOMER, r"http://\S+/accounts/confirm-email/\S+/"))
    vendor.step("newcomer confirms the e-mail address")
    click(vendor, "main button[type=submit]")
    login(vendor, NEWCOMER)
    vendor.step("newcomer dashboard: the rfp is waiting")
    click(vendor, f"main a:has-text('{TITLE}')")
    criteria = vendor.page.locator("#evaluation").inner_text()
    assert "Cost" in criteria and "35" in criteria, criteria  # known before any bid
    vendor.step("newcomer reads the rfp")
    click(vendor, "main button:has-text('We intend to bid')")
    vendor.step("newcomer intends to bid")


QUESTION = (
    "Manila Contact Co already runs a US insurer's helpline from Makati: may we serve "
    "Spanish-speaking callers from the same site?"
)
PUBLIC_QUESTION = "May Spanish-speaking callers be served from the site that serves English?"
ANSWER = "Yes, if the site meets the service levels for both languages."


def vendor_asks_a_question(vendor) -> None:
    page = vendor.page
    login(vendor, "maria@manila.example")
    vendor.step("manila dashboard")
    click(vendor, f"main a:has-text('{TITLE}')")
    click(vendor, "main button:has-text('We intend to bid')")
    click(vendor, "text=Ask a question, read the answers")
    page.fill("textarea[name=text]", QUESTION)
    vendor.step("manila asks a question")
    click(vendor, "main button:has-text('Send the question')")
    assert "Question 1 was sent" in page.content()
    vendor.step("manila's question sent")


def buyer_answers_publicly(buyer) -> None:
    page = buyer.page
    goto(buyer, "/dashboard/")
    buyer.step("buyer dashboard: a question to answer")
    click(buyer, "main a:has-text('1 to answer')")
    buyer.step("buyer sees the question")
    click(buyer, "main a:has-text('Answer')")
    page.fill("#id_answer", ANSWER)
    page.fill("#id_public_question", PUBLIC_QUESTION)
    buyer.step("buyer answers for every vendor, anonymised")
    click(buyer, "main button:has-text('Send the answer')")
    assert "published to every invited vendor" in page.content()
    buyer.step("answer published")


def other_vendor_reads_the_answer(vendor) -> None:
    page = vendor.page
    login(vendor, "ravi@bangalore.example")
    click(vendor, f"main a:has-text('{TITLE}')")
    click(vendor, "main button:has-text('We intend to bid')")
    click(vendor, "text=Ask a question, read the answers")
    published = page.locator("section:has(#published-title)").inner_text()
    assert PUBLIC_QUESTION in published and ANSWER in published
    assert "Manila" not in page.content()
    vendor.step("bangalore reads the anonymised answer")


def saved(page) -> None:
    """Wait for the autosave to say so."""
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)


def back_to_proposal(vendor) -> None:
    click(vendor, "text=Save and return to your proposal")


def fill_in_a_proposal(vendor, who: str, prices: list[str], *, screenshots: bool) -> None:
    page = vendor.page

    def step(label: str) -> None:
        if screenshots:
            vendor.step(f"{who}: {label}")

    goto(vendor, "/dashboard/")
    click(vendor, "main button:has-text('Start a proposal')")
    step("proposal task list")
    click(vendor, "main a:has-text('Questionnaire')")
    textareas = page.locator("textarea")
    for index in range(textareas.count()):
        textareas.nth(index).fill(f"{who}: we run this today for a health insurer ({index + 1}).")
    page.locator("input.input-number").first.fill("1200")
    page.locator("label:text-is('Phone')").click()
    page.locator("label:text-is('Chat')").click()
    for radio in page.locator("input[type=radio][value=yes]").all():
        page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    saved(page)
    step("questionnaire saved as it is typed")
    back_to_proposal(vendor)

    click(vendor, "main a:has-text('Pricing')")
    inputs = page.locator("input[name^=prices_]")
    for index, amount in enumerate(prices):
        inputs.nth(index).fill(amount)
    inputs.nth(len(prices) - 1).press("Tab")
    saved(page)
    step("pricing with the running total")
    back_to_proposal(vendor)

    click(vendor, "main a:has-text('Service levels')")
    for radio in page.locator("input[type=radio][value=yes]").all():
        page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    saved(page)
    back_to_proposal(vendor)

    click(vendor, "main a:has-text('Delivery centres')")
    if not page.locator("input[name^=centres_]").count():
        vendor.step(f"{who}: no delivery centre yet")
        add_a_delivery_centre(vendor, who)
    page.locator("input[name^=centres_]").first.fill("100")
    page.locator("input[name^=centres_]").first.press("Tab")
    saved(page)
    step("delivery centres")
    back_to_proposal(vendor)

    click(vendor, "main a:has-text('Staffing and transition plan')")
    for index, headcount in enumerate(["15", "30", "40"]):
        page.fill(f"#id_headcount_{index + 1}", headcount)
    page.fill("#id_transition_plan", "Four weeks of knowledge transfer, then a parallel run.")
    back_to_proposal(vendor)
    assert "100%" in page.content()
    step("every part completed")


def add_a_delivery_centre(vendor, who: str) -> None:
    """The newcomer's profile has no centre yet: it adds one and comes straight back."""
    page = vendor.page
    click(vendor, "main a:has-text('Add a delivery centre to your profile')")
    page.select_option("#id_country", "MX")
    page.fill("#id_city", "Monterrey")
    page.fill("#id_seats", "180")
    page.select_option("#id_languages", ["en", "es"])
    page.fill("#id_opens_at", "07:00")
    page.fill("#id_closes_at", "22:00")
    vendor.step(f"{who}: add a delivery centre to the profile")
    click(vendor, "main button[type=submit]")
    assert "Delivery centre saved." in page.content()
    assert "Share of the volume" in page.content()  # back on the proposal's centres


def submit_the_proposal(vendor, who: str) -> str:
    page = vendor.page
    click(vendor, "main a:has-text('Check your answers and submit')")
    vendor.step(f"{who}: check your answers")
    click(vendor, "main button:has-text('Submit proposal')")
    assert "Proposal submitted" in page.content()
    fingerprint = page.locator("code").first.inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
    vendor.step(f"{who}: receipt with its fingerprint")
    return fingerprint


def late_change_is_refused(vendor, rfp: RFP) -> None:
    """Monterrey lowers a price and is about to submit again when the deadline passes."""
    page = vendor.page
    click(vendor, "main a:has-text('Back to your proposal')")
    click(vendor, "main a:has-text('Pricing')")
    page.locator("input[name^=prices_]").first.fill("20000")
    page.locator("input[name^=prices_]").first.press("Tab")
    saved(page)
    back_to_proposal(vendor)
    assert "You changed your proposal after submitting it" in page.content()
    click(vendor, "main a:has-text('Check your answers and submit')")
    vendor.step("monterrey changed a price, about to submit again")
    deadline_passes(rfp)
    click(vendor, "main button:has-text('Submit proposal')")
    message = page.locator(".alert-danger, .error-summary").first.inner_text()
    assert "The deadline for proposals passed" in message, message
    vendor.step("monterrey: the late submission is refused")


def deadline_passes(rfp: RFP) -> None:
    """Time passes: the submission deadline is a second ago, and the minute job that
    closes RFPs past their deadline has run."""
    move_deadline_into_the_past(rfp.pk)
    rfps_close_past_deadline()


def buyer_opens_the_proposals(buyer) -> None:
    page = buyer.page
    goto(buyer, "/dashboard/")
    buyer.step("buyer dashboard after the deadline")
    click(buyer, f"main a:has-text('{TITLE}')")
    buyer.step("buyer: the rfp is closed")
    click(buyer, "main a:has-text('Compare the proposals')")
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    buyer.step("buyer: three proposals, opened at the deadline")
    click(buyer, "main a:has-text('Answers side by side')")
    assert "we run this today for a health insurer" in page.content()
    buyer.step("buyer: answers side by side")
    click(buyer, "main a:has-text('Prices and TCO')")
    assert "$42,000.00" in page.content() and "$30,000.00" in page.content()
    buyer.step("buyer: prices side by side")


def buyer_sets_up_the_evaluation(buyer) -> None:
    page = buyer.page
    click(buyer, "nav[aria-label=Breadcrumb] a:has-text('NH-')")
    click(buyer, "main a.btn:text-is('Evaluation')")
    buyer.step("buyer: the evaluation set while drafting")
    click(buyer, "nav[aria-label='Evaluation sections'] a:text-is('Criteria and weights')")
    assert "Set weights" not in page.content()  # locked since publication
    buyer.step("buyer: criteria and weights, locked")
    click(buyer, "nav[aria-label='Evaluation sections'] a:text-is('Panel')")
    for section in page.locator("main section.card").all():
        for group in ("Quality", "Technology"):
            section.locator(f"label:text-is('{group}')").click()
    buyer.step("buyer: two evaluators on the panel")
    click(buyer, "main button:has-text('Save the panel')")
    assert "Panel saved: Erin, Omar." in page.content()
    click(buyer, "nav[aria-label='Evaluation sections'] a:text-is('Overview')")
    buyer.step("buyer: evaluation overview, ready to start")
    click(buyer, "main a:has-text('Start scoring')")
    buyer.step("buyer: start scoring")
    click(buyer, "main button:has-text('Start scoring')")
    assert "Scoring has started" in page.content()
    buyer.step("buyer: scoring started")


VENDORS = ("Manila Contact Co", "Bangalore Process Ltd", "Monterrey Nearshore Services")


def evaluator_scores(panel, who: str, email: str, first_score: str) -> None:
    """Declare no conflict with any vendor, score every item, submit. The first item
    of each vendor gets `first_score`, every other item 7."""
    page = panel.page
    login(panel, email)
    panel.step(f"{who}: dashboard, with the scoring waiting")
    click(panel, f"section[aria-labelledby=scoring-panel-title] a:has-text('{TITLE}')")
    panel.step(f"{who}: my scores before declaring")
    click(panel, "text=Declare conflicts of interest")
    for radio in page.locator("input[type=radio][value=no]").all():
        page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    panel.step(f"{who}: no conflict with any vendor")
    click(panel, "main button:has-text('Record my declarations')")
    assert "Your declarations are recorded." in page.content()
    for vendor in VENDORS:
        click(panel, f"a:has-text('Score'):right-of(:text('{vendor}'))")
        selects = page.locator("select[name^=score_]")
        for index in range(selects.count()):
            selects.nth(index).select_option(first_score if index == 0 else "7")
        page.locator("textarea[name^=comment_]").first.fill(
            f"{who}: a helpline of this size run today, confirmed by the references."
        )
        if vendor == VENDORS[0]:
            panel.step(f"{who}: scoring {vendor}")
        click(panel, "main button:has-text('Save draft scores')")
    click(panel, "text=Check and submit your scores")
    panel.step(f"{who}: check before submitting")
    click(panel, "main button:has-text('Submit my scores')")
    assert "submitted" in page.content()
    panel.step(f"{who}: scores submitted")


def buyer_settles_the_disagreement(buyer, rfp: RFP) -> None:
    """Erin and Omar are four points apart on one item for each vendor: the manager
    records a consensus score for each flagged item (no award while one is open)."""
    page = buyer.page
    goto(buyer, f"/scoring/rfp/{rfp.pk}/consensus/")
    assert "Discuss" in page.content()
    buyer.step("buyer: consensus, items flagged for discussion")
    for settled in range(5):
        goto(buyer, f"/scoring/rfp/{rfp.pk}/consensus/")
        if not page.locator("text=Set consensus").count():
            break
        click(buyer, "text=Set consensus")
        page.fill("#id_score", "7")
        page.fill("#id_justification", "After a reference call the panel agreed on 7.")
        if not settled:
            buyer.step("buyer: consensus score")
        click(buyer, "main button:has-text('Record the consensus score')")
        assert "Consensus score of" in page.content()
    assert settled >= 2


def non_compliant_vendors(rfp: RFP) -> list[str]:
    return [
        p.company.legal_name
        for p in Proposal.objects.filter(rfp=rfp, status="submitted").select_related("company")
        if p.effective_compliance == "non_compliant"
    ]


def top_scorer_if_compliance_were_ignored(rfp: RFP) -> str:
    """The premise of the report check: counted as compliant, the excluded vendor would
    have the highest score (worked out in a transaction that is rolled back)."""
    with transaction.atomic():
        Proposal.objects.filter(rfp=rfp, status="submitted").update(
            compliance_override="compliant", compliance_override_reason="premise check"
        )
        winner = evaluation_results_for_rules(rfp=rfp).lots[0].winner
        transaction.set_rollback(True)
    assert winner is not None
    return Proposal.objects.select_related("company").get(pk=winner.proposal_id).company.legal_name


def buyer_tries_what_if_weights(buyer, rfp: RFP) -> None:
    page = buyer.page
    goto(buyer, f"/scoring/rfp/{rfp.pk}/results/")
    ranking = page.locator(".ranking-table tbody tr")
    # Only awardable proposals are ranked: a non-compliant one is listed apart, with why.
    excluded = non_compliant_vendors(rfp)
    assert ranking.count() == 3 - len(excluded)
    for name in excluded:
        assert name not in page.locator(".ranking-table").inner_text()
        assert f"{name}: Excluded (non-compliant)" in page.locator("main").inner_text()
    before = ranking.first.inner_text()
    buyer.step("buyer: results")
    cost = Criterion.objects.get(evaluation__rfp=rfp, name="Cost")
    weight_before = cost.weight
    page.locator(f"#w_{cost.pk}").evaluate(
        "(el) => { el.value = 5; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    page.wait_for_selector("text=What-if, not saved")
    page.wait_for_load_state("networkidle")
    assert page.locator(f"#w_{cost.pk}_value").inner_text() == "5"
    buyer.step("buyer: what-if, cost weighs 5")
    assert Criterion.objects.get(pk=cost.pk).weight == weight_before  # nothing saved
    assert before
    goto(buyer, f"/scoring/rfp/{rfp.pk}/results/")  # the saved ranking is back
    assert page.locator(".ranking-table tbody tr").first.inner_text() == before


def buyer_generates_the_report(buyer, rfp: RFP) -> Path:
    """The PDF is made by a real Celery worker: the page shows the progress bar until
    the download button appears."""
    page = buyer.page
    goto(buyer, f"/rfps/{rfp.pk}/")
    click(buyer, "main a:text-is('Reports')")
    buyer.step("buyer: reports")
    page.select_option("#id_kind", label="PDF comparison report")
    click(buyer, "main button:has-text('Generate report')")
    page.wait_for_selector(".job-status .progress, .job-status .alert-success")
    buyer.step("buyer: the report is being made", check_accessibility=False)
    download_button = page.locator(".job-status a:has-text('Download')")
    download_button.wait_for(timeout=90_000)
    buyer.step("buyer: the report is ready")
    with page.expect_download() as info:
        download_button.click()
    target = ARTIFACTS / "whole-journey" / "comparison-report.pdf"
    info.value.save_as(target)
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= 4
    for vendor in VENDORS:
        assert vendor in text, vendor
    # The highest scorer is non-compliant, and the executive summary recommends an
    # awardable vendor, never the excluded one.
    excluded = non_compliant_vendors(rfp)
    assert top_scorer_if_compliance_were_ignored(rfp) in excluded
    recommended = text.split("Recommended vendor", 1)[1].strip().splitlines()[0]
    assert not any(name in recommended for name in excluded), recommended
    assert any(name in recommended for name in VENDORS), recommended
    return target


def buyer_proposes_the_award(buyer, rfp: RFP) -> str:
    page = buyer.page
    goto(buyer, f"/scoring/rfp/{rfp.pk}/award/")
    buyer.step("buyer: award")
    click(buyer, "text=Propose the award")
    chosen = page.locator("input[name=winners]:checked")
    assert chosen.count() == 1  # the first ranked, chosen for the manager
    winner = page.locator(f"label[for='{chosen.get_attribute('id')}']").inner_text().strip()
    page.fill(
        "#id_justification",
        "Best overall score; lowest total cost of ownership; references confirmed.",
    )
    buyer.step("buyer: propose the award")
    click(buyer, "main button:has-text('Continue')")
    buyer.step("buyer: check the award")
    click(buyer, "main button:has-text('Propose the award')")
    return winner


def admin_approves_the_award(admin, rfp: RFP) -> None:
    page = admin.page
    goto(admin, f"/scoring/rfp/{rfp.pk}/award/")
    click(admin, "text=Review and decide")
    page.check("input[name=decision][value=approve]")
    admin.step("admin: approve the award")
    click(admin, "main button:has-text('Record the decision')")
    assert "Approved by" in page.content()
    admin.step("admin: award approved")


def vendors_see_the_outcome(vendors: dict, winner: str) -> None:
    for name, vendor in vendors.items():
        goto(vendor, "/dashboard/")
        click(vendor, "nav a:text-is('Outcomes')")
        row = vendor.page.locator("tbody tr", has_text=TITLE).inner_text()
        expected = "Awarded to you" if name in winner else "Awarded to another vendor"
        assert expected in row, (name, winner, row)
        vendor.step(f"{name}: the outcome")


def test_whole_journey(journey, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    f.ensure_reference_data()
    organization = make_buyer_org("admin@northwind.example", "Northwind Health")
    add_member(organization, "paula@northwind.example", BuyerRole.PROCUREMENT_MANAGER)
    add_member(organization, "erin@northwind.example", BuyerRole.EVALUATOR)
    add_member(organization, "omar@northwind.example", BuyerRole.EVALUATOR)
    for email, person, company, country in (
        ("maria@manila.example", "Maria Santos", "Manila Contact Co", "PH"),
        ("ravi@bangalore.example", "Ravi Iyer", "Bangalore Process Ltd", "IN"),
    ):
        owner = make_user(email, person)
        vendor_company_create(user=owner, legal_name=company, headquarters_country=country)
        equip_vendor(owner, country=country)

    def actor():
        j = journey("whole-journey")
        j.page.set_default_timeout(15_000)
        return j

    buyer = actor()
    rfp = draft_the_rfp(buyer)
    admin = actor()
    approve_and_publish(admin)
    newcomer = actor()
    newcomer_registers(newcomer)
    manila = actor()
    vendor_asks_a_question(manila)
    buyer_answers_publicly(buyer)
    bangalore = actor()
    other_vendor_reads_the_answer(bangalore)

    fill_in_a_proposal(
        manila, "manila", ["42000", "1100", "2300", "1.05", "6200"], screenshots=True
    )
    submit_the_proposal(manila, "manila")
    fill_in_a_proposal(
        bangalore, "bangalore", ["30000", "900", "2100", "0.95", "5000"], screenshots=False
    )
    submit_the_proposal(bangalore, "bangalore")
    # Monterrey bids lowest but, a newcomer, lacks the mandatory certification: the
    # highest scorer is non-compliant, and the report must not recommend it.
    fill_in_a_proposal(
        newcomer, "monterrey", ["22000", "650", "1500", "0.70", "3600"], screenshots=False
    )
    submit_the_proposal(newcomer, "monterrey")
    late_change_is_refused(newcomer, rfp)

    buyer_opens_the_proposals(buyer)
    buyer_sets_up_the_evaluation(buyer)
    evaluator_scores(actor(), "erin", "erin@northwind.example", "9")
    evaluator_scores(actor(), "omar", "omar@northwind.example", "5")
    buyer_settles_the_disagreement(buyer, rfp)
    buyer_tries_what_if_weights(buyer, rfp)
    with real_report_worker(monkeypatch):
        buyer_generates_the_report(buyer, rfp)
    winner = buyer_proposes_the_award(buyer, rfp)
    admin_approves_the_award(admin, rfp)
    vendors_see_the_outcome(
        {"Manila": manila, "Bangalore": bangalore, "Monterrey": newcomer}, winner
    )


@contextlib.contextmanager
def real_report_worker(monkeypatch):
    """Background jobs go, for this block, to a real Celery worker on a private queue
    (the configured broker: Redis in CI), which writes where the live server reads."""
    with jobs_sent_to_a_private_queue(monkeypatch, "test-journey") as queue:
        worker = RealWorker(queue, extra_env={"MEDIA_ROOT": str(django_settings.MEDIA_ROOT)})
        try:
            worker.wait_ready()
            yield worker
        finally:
            worker.stop()
