"""The starter library: four sensible templates, loaded once, each publishable."""

from __future__ import annotations

import pytest
from django.apps import apps

from rfp import selectors, services
from rfp.models import RFP, Question
from rfp.starter_templates import STARTER_TEMPLATES, load_starter_templates
from tests.rfp.conftest import company_of, in_days, starter_template

pytestmark = pytest.mark.django_db

KEYS = ["customer-support", "finance-and-accounting", "it-help-desk", "hr-and-payroll"]


def test_the_four_starter_templates_are_loaded_by_the_migration():
    starter_template()
    templates = RFP.objects.filter(is_template=True, organization__isnull=True)
    assert sorted(t.template_key for t in templates) == sorted(KEYS)
    assert load_starter_templates(apps) == 0  # idempotent


@pytest.mark.parametrize("key", KEYS)
def test_each_template_is_complete(key):
    template = selectors.rfp_with_content(starter_template(key).pk)
    assert template.service_category is not None
    assert template.service_functions.exists()
    lots = list(template.lots.all())
    assert lots
    for lot in lots:
        assert lot.has_volumes and lot.contract_term_months
        assert list(lot.pricing_lines.all()) and list(lot.service_levels.all())
    questions = Question.objects.filter(section__rfp=template)
    assert questions.filter(is_knockout=True).exists()
    problems = {p.step for p in selectors.rfp_problems(template)}
    # Only what a template cannot know: the deadlines and the vendors.
    assert problems <= {"timeline", "vendors"}


@pytest.mark.parametrize("key", KEYS)
def test_an_rfp_from_each_template_can_be_published(
    key, procurement_manager, buyer_admin, vendor_a
):
    rfp = services.rfp_create_from_template(
        actor=procurement_manager, template=starter_template(key), title=f"From {key}"
    )
    rfp = services.rfp_update(
        actor=procurement_manager,
        rfp=rfp,
        version=rfp.version,
        question_deadline=in_days(5),
        submission_deadline=in_days(10),
    )
    services.rfp_invitation_create(actor=procurement_manager, rfp=rfp, company=company_of(vendor_a))
    rfp = services.rfp_submit_for_approval(actor=procurement_manager, rfp=rfp, version=rfp.version)
    rfp = services.rfp_approve(actor=buyer_admin, rfp=rfp, version=rfp.version)
    assert rfp.status == "published"


def test_templates_offered_to_a_buyer(procurement_manager, other_buyer, draft, vendor_a):
    own = services.rfp_save_as_template(actor=procurement_manager, rfp=draft, title="Ours")
    offered = set(selectors.templates_available_to(procurement_manager))
    assert own in offered and len(offered) == len(STARTER_TEMPLATES) + 1
    assert own not in set(selectors.templates_available_to(other_buyer))
    assert list(selectors.templates_available_to(vendor_a)) == []
    # Templates never appear among RFPs.
    assert own not in selectors.rfps_visible_to(procurement_manager)
