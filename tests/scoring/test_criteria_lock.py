"""Criteria and weights belong to the RFP before it is published (issue 12, item 3).

While the RFP is a draft they change freely and "submit for approval" checks them;
at publication they lock: before the submission deadline they change only by an
addendum the invited vendors receive, after it never. Vendors see the main criteria
and their weights (sub-criteria if the buyer chooses) on the RFP page and in the API.
Templates carry criteria; an RFP published without any gets them once, flagged.
Every door (service, page, API) is tried, with the message and nothing changed."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from bpo_portal.errors import ApplicationError, ConflictError
from rfp import selectors as rfp_selectors
from rfp import services as rfp_services
from rfp.models import RFP, Addendum, RFPStatus
from scoring import results as scoring_results
from scoring import selectors, services
from scoring.models import CriteriaChange, Criterion, Evaluation, WeightMatrix
from scoring.starter_criteria import STARTER_CRITERIA
from tests.conftest import token_client
from tests.reports.test_reports import make, pdf_text
from tests.rfp.conftest import emails_to, reload, starter_template
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db

LOCKED = "locked for good"


def login(user):
    client = Client()
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(name, args=args)


def evaluation_of(rfp):
    return f.fresh(Evaluation.objects.get(rfp=rfp))


def weights(evaluation, parent=None):
    return {
        c.name: c.weight for c in Criterion.objects.filter(evaluation=evaluation, parent=parent)
    }


def main_ids(evaluation):
    return {c.name: c.pk for c in Criterion.objects.filter(evaluation=evaluation, parent=None)}


NEW_TOPS = {"Cost": "35", "Quality": "35", "Technology": "15", "Location": "15"}


def new_top_weights(evaluation):
    ids = main_ids(evaluation)
    return {ids[name]: value for name, value in NEW_TOPS.items()}


def snapshot(evaluation):
    """Everything a change could touch: the tree, the weights, the matrices, the method."""
    evaluation = Evaluation.objects.get(pk=evaluation.pk)
    return (
        sorted(
            Criterion.objects.filter(evaluation=evaluation).values_list(
                "pk", "name", "source", "weight", "parent_id", "rubric"
            )
        ),
        WeightMatrix.objects.filter(evaluation=evaluation).count(),
        (evaluation.ranking_method, evaluation.aggregation, evaluation.show_subcriteria_to_vendors),
        CriteriaChange.objects.filter(evaluation=evaluation).count(),
        Addendum.objects.filter(rfp=evaluation.rfp_id).count(),
    )


# --- The lock follows the RFP's state -------------------------------------------------------------


def test_the_lock_is_derived_from_the_rfps_state(
    draft_rfp, published_rfp, opened, procurement_manager
):
    assert selectors.criteria_lock(draft_rfp).state == "open"
    assert selectors.criteria_lock(published_rfp).state == "addendum"
    assert selectors.criteria_lock(opened).state == "locked"
    # The second the deadline passes, before any job records the close.
    deadline = published_rfp.submission_deadline
    assert selectors.criteria_lock(published_rfp, now=deadline - dt.timedelta(seconds=1)).editable
    assert not selectors.criteria_lock(published_rfp, now=deadline).editable
    pending = rfp_services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=draft_rfp, version=draft_rfp.version
    )
    lock = selectors.criteria_lock(pending)
    assert not lock.editable and "waiting for approval" in lock.message


def test_publication_records_the_lock_with_every_weight(published_rfp, buyer_admin):
    evaluation = evaluation_of(published_rfp)
    event = AuditEvent.objects.get(action="scoring.criteria_locked")
    assert event.actor == buyer_admin
    assert event.data["weights"]["Cost"] == "40"
    assert event.data["weights"]["Quality › References and experience"] == "25"
    assert event.data["ranking_method"] == "weighted_sum"
    change = CriteriaChange.objects.filter(evaluation=evaluation).first()
    assert change.after_lock and "criteria, weights and ranking method are locked" in (
        change.summary
    )


# --- After the deadline: never, from every door ------------------------------------------------


def test_after_the_deadline_every_service_refuses_and_nothing_changes(opened, procurement_manager):
    evaluation = evaluation_of(opened)
    before = snapshot(evaluation)
    quality = f.main(evaluation, "Quality")
    children = list(Criterion.objects.filter(parent=quality))
    attempts = [
        lambda: services.weights_set(
            actor=procurement_manager,
            evaluation=evaluation,
            parent=None,
            weights=new_top_weights(evaluation),
            addendum_summary="Too late.",
        ),
        lambda: services.weights_set_by_ahp(
            actor=procurement_manager,
            evaluation=evaluation,
            parent=quality,
            criterion_ids=[c.pk for c in children],
            matrix=[[1] * len(children) for _ in children],
        ),
        lambda: services.criterion_create(
            actor=procurement_manager, evaluation=evaluation, name="Late", source="evaluators"
        ),
        lambda: services.criterion_update(
            actor=procurement_manager,
            criterion=f.leaf(evaluation, "Automation"),
            name="Automation and AI",
            source="evaluators",
        ),
        lambda: services.criterion_delete(
            actor=procurement_manager, criterion=f.main(evaluation, "Location")
        ),
        lambda: services.evaluation_settings_update(
            actor=procurement_manager,
            evaluation=evaluation,
            ranking_method="topsis",
            aggregation="mean",
            discussion_threshold="3",
        ),
        lambda: services.evaluation_settings_update(
            actor=procurement_manager,
            evaluation=evaluation,
            ranking_method="weighted_sum",
            aggregation="mean",
            discussion_threshold="3",
            show_subcriteria_to_vendors=True,
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ConflictError) as error:
            attempt()
        assert "submission deadline has passed" in error.value.message
        assert LOCKED in error.value.message
    assert snapshot(evaluation) == before


def test_the_discussion_threshold_is_internal_and_still_changes(opened, procurement_manager):
    evaluation = evaluation_of(opened)
    services.evaluation_settings_update(
        actor=procurement_manager,
        evaluation=evaluation,
        ranking_method="weighted_sum",
        aggregation="mean",
        discussion_threshold="4",
    )
    assert Evaluation.objects.get(pk=evaluation.pk).discussion_threshold == Decimal("4")
    assert not Addendum.objects.filter(rfp=opened).exists()


def test_after_the_deadline_the_pages_refuse(opened, procurement_manager):
    evaluation = evaluation_of(opened)
    before = snapshot(evaluation)
    client = login(procurement_manager)
    cost = f.main(evaluation, "Cost")
    for path in (
        url("scoring_criterion_new", opened.pk),
        url("scoring_criterion_edit", opened.pk, cost.pk),
        url("scoring_weights", opened.pk, "top"),
        url("scoring_ahp", opened.pk, "top"),
    ):
        page = client.get(path)
        assert page.status_code == 409 and LOCKED in page.content.decode(), path
    ids = main_ids(evaluation)
    response = client.post(
        url("scoring_weights", opened.pk, "top"),
        {f"weight_{ids[name]}": value for name, value in NEW_TOPS.items()},
    )
    assert response.status_code == 409 and LOCKED in response.content.decode()
    response = client.post(url("scoring_criterion_delete", opened.pk, cost.pk))
    assert response.status_code == 409
    client.post(
        url("scoring_method", opened.pk),
        {"ranking_method": "topsis", "aggregation": "median", "discussion_threshold": "3"},
    )  # the locked fields are disabled: a forged value is ignored (the API answers 409)
    criteria = client.get(url("scoring_criteria", opened.pk)).content.decode()
    assert LOCKED in criteria and "Add a main criterion" not in criteria
    assert snapshot(evaluation) == before


def test_after_the_deadline_the_api_refuses_409(opened, procurement_manager):
    evaluation = evaluation_of(opened)
    before = snapshot(evaluation)
    client = token_client(procurement_manager)
    base = f"/api/v1/evaluations/{opened.pk}/"
    quality = f.main(evaluation, "Quality")
    responses = [
        client.put(
            base + "weights/",
            {
                "parent": None,
                "weights": {str(k): v for k, v in new_top_weights(evaluation).items()},
            },
            format="json",
        ),
        client.post(base + "criteria/", {"name": "Late", "source": "evaluators"}, format="json"),
        client.patch(
            base + f"criteria/{quality.pk}/",
            {"name": "Service quality", "source": ""},
            format="json",
        ),
        client.delete(base + f"criteria/{quality.pk}/"),
        client.patch(
            base,
            {"ranking_method": "topsis", "aggregation": "mean", "discussion_threshold": "3.0"},
            format="json",
        ),
    ]
    for response in responses:
        assert response.status_code == 409, response.json()
        body = response.json()
        assert LOCKED in body["message"] and body["extra"]["fields"] == {}
    detail = client.get(base).json()
    assert detail["criteria_lock"] == "locked" and LOCKED in detail["criteria_lock_message"]
    assert snapshot(evaluation) == before


def test_after_the_deadline_by_the_clock_alone(published_rfp, procurement_manager):
    """No job has closed the RFP: the clock decides."""
    evaluation = evaluation_of(published_rfp)
    late = published_rfp.submission_deadline + dt.timedelta(seconds=1)
    with time_machine.travel(late), pytest.raises(ConflictError) as error:
        services.weights_set(
            actor=procurement_manager,
            evaluation=evaluation,
            parent=None,
            weights=new_top_weights(evaluation),
            addendum_summary="One second late.",
        )
    assert "submission deadline has passed" in error.value.message
    assert weights(evaluation)["Cost"] == Decimal("40")


def test_waiting_for_approval_nothing_changes(draft_rfp, procurement_manager):
    rfp_services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=draft_rfp, version=draft_rfp.version
    )
    evaluation = evaluation_of(draft_rfp)
    with pytest.raises(ConflictError) as error:
        services.weights_set(
            actor=procurement_manager,
            evaluation=evaluation,
            parent=None,
            weights=new_top_weights(evaluation),
        )
    assert "waiting for approval" in error.value.message
    assert weights(evaluation)["Cost"] == Decimal("40")


# --- Before the deadline: only by an addendum vendors see -----------------------------------------


def test_a_published_change_needs_the_addendum_summary(published_rfp, procurement_manager):
    evaluation = evaluation_of(published_rfp)
    before = snapshot(evaluation)
    with pytest.raises(ApplicationError) as error:
        services.weights_set(
            actor=procurement_manager,
            evaluation=evaluation,
            parent=None,
            weights=new_top_weights(evaluation),
        )
    assert "addendum_summary" in error.value.fields
    assert "Invited vendors receive it as an addendum" in error.value.message
    assert snapshot(evaluation) == before  # nothing half-saved


def test_a_published_change_goes_out_as_an_addendum_vendors_see(
    published_rfp, procurement_manager, vendor_a
):
    evaluation = evaluation_of(published_rfp)
    version = reload(published_rfp).version
    services.weights_set(
        actor=procurement_manager,
        evaluation=evaluation,
        parent=None,
        weights=new_top_weights(evaluation),
        addendum_summary="Quality now weighs as much as cost.",
    )
    addendum = Addendum.objects.get(rfp=published_rfp)
    assert addendum.summary == "Quality now weighs as much as cost."
    assert "Evaluation weights: Cost 40 % → 35 %" in addendum.changes
    assert "Evaluation weights: Quality 30 % → 35 %" in addendum.changes
    assert reload(published_rfp).version == version + 1
    change = CriteriaChange.objects.filter(evaluation=evaluation).first()
    assert change.addendum == addendum and change.after_lock
    event = AuditEvent.objects.get(action="scoring.weights_set")
    assert event.data["addendum"] == addendum.number
    ids = main_ids(evaluation)
    assert Decimal(event.data["before"][str(ids["Cost"])]) == 40
    assert Decimal(event.data["after"][str(ids["Cost"])]) == 35
    assert any(e.subject.startswith("Addendum 1 to") for e in emails_to(vendor_a.email))
    # The vendor sees the addendum and the new weights, on the page and in the API.
    page = login(vendor_a).get(url("rfp_detail", published_rfp.pk)).content.decode()
    assert "Quality now weighs as much as cost." in page
    assert "Evaluation weights: Quality 30 % → 35 %" in page
    body = token_client(vendor_a).get(f"/api/v1/rfps/{published_rfp.pk}/").json()
    assert [(c["name"], c["weight"]) for c in body["evaluation_criteria"]["criteria"]] == [
        ("Cost", "35"),
        ("Quality", "35"),
        ("Technology", "15"),
        ("Location", "15"),
    ]
    assert body["addenda"][0]["summary"] == "Quality now weighs as much as cost."


def test_addendum_path_from_the_page_and_the_api(published_rfp, procurement_manager, vendor_a):
    evaluation = evaluation_of(published_rfp)
    client = login(procurement_manager)
    ids = main_ids(evaluation)
    form = {f"weight_{ids[name]}": value for name, value in NEW_TOPS.items()}
    response = client.post(url("scoring_weights", published_rfp.pk, "top"), form)
    assert response.status_code == 400
    assert "Invited vendors receive it as an addendum" in response.content.decode()
    assert weights(evaluation)["Cost"] == Decimal("40")
    response = client.post(
        url("scoring_weights", published_rfp.pk, "top"),
        {**form, "addendum_summary": "Quality weighs as much as cost."},
    )
    assert response.status_code == 302 and weights(evaluation)["Cost"] == Decimal("35")
    # Removing a criterion: from its page, with the addendum's summary.
    location = f.main(evaluation, "Location")
    response = client.post(url("scoring_criterion_delete", published_rfp.pk, location.pk))
    assert response.status_code == 302 and Criterion.objects.filter(pk=location.pk).exists()
    api = token_client(procurement_manager)
    base = f"/api/v1/evaluations/{published_rfp.pk}/"
    response = api.delete(base + f"criteria/{location.pk}/")
    assert response.status_code == 400 and "addendum_summary" in response.json()["extra"]["fields"]
    response = api.delete(
        base + f"criteria/{location.pk}/",
        {"addendum_summary": "Location no longer counts."},
        format="json",
    )
    assert response.status_code == 200 and not Criterion.objects.filter(pk=location.pk).exists()
    assert response.json()["history"][0]["addendum"] == 2
    assert [a.summary for a in Addendum.objects.filter(rfp=published_rfp).order_by("number")] == [
        "Quality weighs as much as cost.",
        "Location no longer counts.",
    ]
    page = login(vendor_a).get(url("rfp_detail", published_rfp.pk)).content.decode()
    assert "“Location” removed" in page


# --- Submit for approval checks the criteria ------------------------------------------------------


def test_submit_for_approval_is_refused_without_criteria(draft_rfp, procurement_manager):
    evaluation = evaluation_of(draft_rfp)
    for criterion in Criterion.objects.filter(evaluation=evaluation, parent=None):
        services.criterion_delete(actor=procurement_manager, criterion=criterion)
    with pytest.raises(ApplicationError) as error:
        rfp_services.rfp_submit_for_approval(
            actor=procurement_manager, rfp=draft_rfp, version=reload(draft_rfp).version
        )
    assert "Set the evaluation criteria" in error.value.message
    assert "evaluation" in error.value.fields
    assert reload(draft_rfp).status == RFPStatus.DRAFT
    # The page: the task list and the check page say so, and link to the step.
    client = login(procurement_manager)
    check = client.get(url("rfp_check", draft_rfp.pk)).content.decode()
    assert "Set the evaluation criteria" in check
    assert url("rfp_edit", draft_rfp.pk, "evaluation") in check
    response = client.post(
        url("rfp_transition", draft_rfp.pk, "submit"),
        {"version": reload(draft_rfp).version, "comment": ""},
    )
    assert reload(draft_rfp).status == RFPStatus.DRAFT
    # The API.
    response = token_client(procurement_manager).post(
        f"/api/v1/rfps/{draft_rfp.pk}/submit/",
        {"version": reload(draft_rfp).version},
        format="json",
    )
    assert response.status_code == 400
    assert "evaluation" in response.json()["extra"]["fields"]
    readiness = token_client(procurement_manager).get(f"/api/v1/rfps/{draft_rfp.pk}/readiness/")
    step = next(s for s in readiness.json() if s["key"] == "evaluation")
    assert step["status"] == "not_started" and step["label"] == "Evaluation criteria"


def test_weights_that_do_not_add_up_stop_submission_and_approval(
    draft_rfp, procurement_manager, buyer_admin
):
    evaluation = evaluation_of(draft_rfp)
    # Legacy data: the services never leave a level off 100 %.
    Criterion.objects.filter(evaluation=evaluation, name="Cost", parent=None).update(weight=50)
    tasks = rfp_selectors.rfp_task_list(rfp_selectors.rfp_with_content(draft_rfp.pk))
    step = next(t for t in tasks if t.key == "evaluation")
    assert step.status == "has_errors" and step.label == "Evaluation criteria"
    with pytest.raises(ApplicationError) as error:
        rfp_services.rfp_submit_for_approval(
            actor=procurement_manager, rfp=draft_rfp, version=reload(draft_rfp).version
        )
    assert "add up to 110 %" in error.value.message
    # Mended while drafting, submitted; broken again behind the approver's back: refused.
    Criterion.objects.filter(evaluation=evaluation, name="Cost", parent=None).update(weight=40)
    pending = rfp_services.rfp_submit_for_approval(
        actor=procurement_manager, rfp=draft_rfp, version=reload(draft_rfp).version
    )
    Criterion.objects.filter(evaluation=evaluation, name="Cost", parent=None).update(weight=50)
    with pytest.raises(ApplicationError):
        rfp_services.rfp_approve(actor=buyer_admin, rfp=pending, version=pending.version)
    assert reload(draft_rfp).status == RFPStatus.PENDING_APPROVAL


def test_the_editor_lists_the_step_after_the_service_levels(draft_rfp, procurement_manager):
    client = login(procurement_manager)
    page = client.get(url("rfp_detail", draft_rfp.pk)).content.decode()
    assert page.index("Service levels (KPIs)") < page.index("Evaluation criteria")
    assert page.index("Evaluation criteria") < page.index("Timeline")
    step = client.get(url("rfp_edit", draft_rfp.pk, "evaluation"))
    assert step.status_code == 302 and step["Location"] == url("scoring_criteria", draft_rfp.pk)
    slas = client.get(url("rfp_edit", draft_rfp.pk, "slas")).content.decode()
    assert url("rfp_edit", draft_rfp.pk, "evaluation") in slas  # the next step
    criteria = client.get(step["Location"]).content.decode()
    steps = criteria[criteria.index('aria-label="Steps"') :]
    assert url("rfp_edit", draft_rfp.pk, "slas") in steps
    assert url("rfp_edit", draft_rfp.pk, "timeline") in steps


# --- What vendors see -----------------------------------------------------------------------------


def test_vendors_see_the_main_criteria_and_weights_on_the_page_and_in_the_api(
    published_rfp, vendor_a
):
    page = login(vendor_a).get(url("rfp_detail", published_rfp.pk)).content.decode()
    assert "Technical and commercial together" not in page
    assert "Evaluation criteria" in page
    for name, weight in (("Cost", "40"), ("Quality", "30"), ("Technology", "15")):
        assert name in page and f"{weight} %" in page
    assert "References and experience" not in page  # sub-criteria hidden by default
    body = token_client(vendor_a).get(f"/api/v1/rfps/{published_rfp.pk}/").json()
    criteria = body["evaluation_criteria"]
    assert [(c["name"], c["weight"], c["children"]) for c in criteria["criteria"]] == [
        ("Cost", "40", []),
        ("Quality", "30", []),
        ("Technology", "15", []),
        ("Location", "15", []),
    ]
    assert "weighted sum" in criteria["intro"]
    assert "budget" not in body


def by_showing_subcriteria(pm, evaluation):
    services.evaluation_settings_update(
        actor=pm,
        evaluation=evaluation,
        ranking_method="weighted_sum",
        aggregation="mean",
        discussion_threshold="3",
        show_subcriteria_to_vendors=True,
    )


@pytest.mark.parametrize("before_publication", [by_showing_subcriteria])
def test_vendors_see_the_sub_criteria_if_the_buyer_chooses(published_rfp, vendor_a):
    page = login(vendor_a).get(url("rfp_detail", published_rfp.pk)).content.decode()
    assert "References and experience" in page and "25 % of Quality" in page
    body = token_client(vendor_a).get(f"/api/v1/rfps/{published_rfp.pk}/").json()
    quality = body["evaluation_criteria"]["criteria"][1]
    assert [(c["name"], c["weight"]) for c in quality["children"]][:2] == [
        ("SLA commitments", "30"),
        ("References and experience", "25"),
    ]


def test_the_buyers_preview_shows_what_vendors_will_see(draft_rfp, procurement_manager):
    page = login(procurement_manager).get(url("rfp_preview", draft_rfp.pk)).content.decode()
    assert "Evaluation criteria" in page and "40 %" in page


# --- Templates carry criteria ---------------------------------------------------------------------


def test_each_starter_template_carries_its_criteria():
    for key, specs in STARTER_CRITERIA.items():
        evaluation = Evaluation.objects.get(rfp=starter_template(key))
        tops = weights(evaluation)
        assert tops == {spec.name: Decimal(spec.weight) for spec in specs}, key
        assert sum(tops.values()) == 100
    back_office = weights(Evaluation.objects.get(rfp=starter_template("finance-and-accounting")))
    front_office = weights(Evaluation.objects.get(rfp=starter_template("customer-support")))
    assert back_office["Location"] < front_office["Location"]


def test_an_rfp_from_a_starter_gets_its_criteria(procurement_manager):
    rfp = rfp_services.rfp_create_from_template(
        actor=procurement_manager, template=starter_template("it-help-desk")
    )
    evaluation = evaluation_of(rfp)
    assert weights(evaluation) == {
        "Cost": Decimal("35"),
        "Quality": Decimal("30"),
        "Technology": Decimal("25"),
        "Location": Decimal("10"),
    }
    assert "Service management" in weights(evaluation, f.main(evaluation, "Quality"))
    assert not evaluation.set_after_publication
    assert "copied from “IT help desk”" in CriteriaChange.objects.get(evaluation=evaluation).summary


def test_saving_as_a_template_and_starting_from_it_carries_the_criteria(
    draft_rfp, procurement_manager
):
    evaluation = evaluation_of(draft_rfp)
    quality = f.main(evaluation, "Quality")
    children = list(Criterion.objects.filter(parent=quality))
    services.weights_set_by_ahp(
        actor=procurement_manager,
        evaluation=evaluation,
        parent=quality,
        criterion_ids=[c.pk for c in children],
        matrix=[[1] * len(children) for _ in children],
    )
    services.evaluation_settings_update(
        actor=procurement_manager,
        evaluation=evaluation,
        ranking_method="topsis",
        aggregation="median",
        discussion_threshold="2",
    )
    template = rfp_services.rfp_save_as_template(
        actor=procurement_manager, rfp=draft_rfp, title="Our helpline template"
    )
    copy = rfp_services.rfp_create_from_template(actor=procurement_manager, template=template)
    for rfp in (template, copy):
        other = Evaluation.objects.get(rfp=rfp)
        assert (other.ranking_method, other.aggregation) == ("topsis", "median")
        assert weights(other) == weights(evaluation)
        other_quality = f.main(other, "Quality")
        assert weights(other, other_quality) == weights(evaluation, quality)
        matrix = WeightMatrix.objects.get(evaluation=other, parent=other_quality)
        assert set(matrix.criterion_ids) == set(
            Criterion.objects.filter(parent=other_quality).values_list("pk", flat=True)
        )
        assert not other.assignments.exists()


# --- An RFP published without criteria gets them once ------------------------------------------


def legacy(rfp):
    """An RFP published before criteria were part of the RFP (data, as it was)."""
    Evaluation.objects.filter(rfp=rfp).delete()
    return reload(rfp)


def test_a_published_rfp_without_criteria_gets_them_once(
    published_rfp, procurement_manager, vendor_a
):
    rfp = legacy(published_rfp)
    assert selectors.criteria_part_problems(rfp)[0].missing  # other addenda still go out
    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    assert evaluation.set_after_publication
    assert weights(evaluation)["Cost"] == Decimal("40")  # from the starter it came from
    event = AuditEvent.objects.get(action="scoring.criteria_set_after_publication")
    assert event.data["weights"]["Cost"] == "40" and event.data["addendum"] == 1
    addendum = Addendum.objects.get(rfp=rfp)
    assert "now part of the RFP" in addendum.summary
    body = token_client(vendor_a).get(f"/api/v1/rfps/{rfp.pk}/").json()
    assert "set after the RFP was published" in body["evaluation_criteria"]["notes"][0]
    # Once: asking again returns them; from now on the ordinary lock applies.
    assert services.evaluation_setup(actor=procurement_manager, rfp=rfp) == evaluation
    assert AuditEvent.objects.filter(action="scoring.criteria_set_after_publication").count() == 1
    for criterion in Criterion.objects.filter(evaluation=evaluation, parent=None):
        services.criterion_delete(
            actor=procurement_manager, criterion=criterion, addendum_summary="Withdrawn."
        )
    with pytest.raises(ConflictError) as error:
        services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    assert "already set once" in error.value.message


def test_after_the_deadline_once_too_and_the_results_and_report_say_so(
    opened, procurement_manager, evaluator, evaluator2
):
    rfp = legacy(opened)
    client = login(procurement_manager)
    page = client.get(url("scoring_overview", rfp.pk)).content.decode()
    assert "published without evaluation criteria" in page and "Set the criteria, once" in page
    response = client.post(url("scoring_setup", rfp.pk))
    assert response.status_code == 302
    evaluation = evaluation_of(rfp)
    assert evaluation.set_after_publication
    assert not Addendum.objects.filter(rfp=rfp).exists()  # the vendors can no longer act
    with pytest.raises(ConflictError):
        services.weights_set(
            actor=procurement_manager,
            evaluation=evaluation,
            parent=None,
            weights=new_top_weights(evaluation),
        )
    f.setup_panel(procurement_manager, evaluation, [evaluator, evaluator2])
    started = f.start(procurement_manager, f.fresh(evaluation))
    results = scoring_results.evaluation_results(rfp=started.rfp, user=procurement_manager)
    assert results.criteria_set_after_publication
    page = client.get(url("scoring_results", rfp.pk)).content.decode()
    assert "Criteria set after publication" in page


def test_the_report_says_criteria_set_after_publication(
    opened, procurement_manager, evaluator, evaluator2, django_capture_on_commit_callbacks
):
    rfp = legacy(opened)
    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    f.setup_panel(procurement_manager, evaluation, [evaluator, evaluator2])
    evaluation = f.start(procurement_manager, f.fresh(evaluation))
    for person in (evaluator, evaluator2):  # a proposal is ranked only once it is scored
        f.declare_none(person, evaluation)
        f.score_all(person, evaluation)
    report = make(procurement_manager, reload(rfp), capture=django_capture_on_commit_callbacks)
    text = pdf_text(report)
    methodology = text[text.index("Appendix A — Methodology") :]
    assert "Criteria set after publication" in methodology
    export = make(
        procurement_manager, reload(rfp), kind="xlsx", capture=django_capture_on_commit_callbacks
    )
    export.job.result_file.open("rb")
    summary = load_workbook(export.job.result_file).worksheets[0]
    rows = {row[0].value: row[1].value for row in summary.iter_rows()}
    export.job.result_file.close()
    assert rows["Criteria"].startswith("Set after publication")


def test_the_migration_flags_evaluations_made_after_publication(opened, draft_rfp):
    """The data migration: starter templates get their criteria (see above), and an
    evaluation set up after its RFP was published (the old way) is flagged."""
    migration = importlib.import_module("scoring.migrations.0002_criteria_before_publication")
    old_way = Evaluation.objects.get(rfp=opened)
    Evaluation.objects.filter(pk=old_way.pk).update(
        created_at=opened.publication_at + dt.timedelta(days=15)
    )
    migration.criteria_belong_to_the_rfp(apps, None)
    assert Evaluation.objects.get(pk=old_way.pk).set_after_publication
    assert not Evaluation.objects.get(rfp=draft_rfp).set_after_publication
    assert not RFP.objects.filter(
        is_template=True, organization__isnull=True, evaluation__isnull=True
    ).exists()


def test_what_if_still_works_on_locked_criteria_and_saves_nothing(scored, procurement_manager):
    before = snapshot(scored)
    ids = main_ids(scored)
    response = token_client(procurement_manager).post(
        f"/api/v1/evaluations/{scored.rfp_id}/what-if/",
        {"weights": {str(ids["Cost"]): "5"}},
        format="json",
    )
    assert response.status_code == 200
    cost = next(c for c in response.json()["criteria"] if c["name"] == "Cost")
    assert cost["weight_percent"] == pytest.approx(5.0)
    page = login(procurement_manager).get(
        url("scoring_results", scored.rfp_id), {f"w_{ids['Cost']}": "5"}
    )
    assert page.status_code == 200
    assert snapshot(scored) == before
    assert weights(scored)["Cost"] == Decimal("40")
