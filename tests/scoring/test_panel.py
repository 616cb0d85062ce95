"""The evaluator panel: assignments and conflict-of-interest declarations."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from proposals.models import Proposal
from scoring import selectors, services
from scoring.models import ConflictDeclaration, EvaluatorAssignment, EvaluatorScore
from tests.rfp.conftest import emails_to
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db


def companies(evaluation):
    return {
        p.company.legal_name: p.company_id
        for p in Proposal.objects.filter(rfp=evaluation.rfp).select_related("company")
    }


def test_assigning_a_group_gives_its_evaluator_criteria(evaluation, evaluator):
    work = selectors.evaluator_workload(evaluation=evaluation, user=evaluator)
    # Quality has 2 evaluator criteria, Technology 3; one lot; two vendors.
    assert work.total == (2 + 3) * 2
    assert {item.criterion.name for item in work.items} == {
        "References and experience",
        "Quality management",
        "Platforms and tools",
        "Automation",
        "Security",
    }
    assert any("Quality" in e.subject or "panel" in e.subject for e in emails_to(evaluator.email))


def test_assignments_are_replaced_and_drafts_outside_them_dropped(
    started, procurement_manager, evaluator
):
    f.declare_none(evaluator, started)
    f.score_all(evaluator, started, submit=False)
    assert EvaluatorScore.objects.filter(evaluator=evaluator).count() == 10
    services.assignments_set(
        actor=procurement_manager,
        evaluation=started,
        evaluator=evaluator,
        criteria=[f.leaf(started, "Security")],
    )
    assert list(
        EvaluatorAssignment.objects.filter(evaluator=evaluator).values_list(
            "criterion__name", flat=True
        )
    ) == ["Security"]
    assert set(
        EvaluatorScore.objects.filter(evaluator=evaluator).values_list("criterion__name", flat=True)
    ) == {"Security"}
    assert AuditEvent.objects.filter(action="scoring.panel_changed").exists()


def test_only_evaluators_of_the_organization_can_be_assigned(
    evaluation, procurement_manager, viewer, other_buyer
):
    for person in (viewer, other_buyer, procurement_manager):
        with pytest.raises(ApplicationError) as error:
            services.assignments_set(
                actor=procurement_manager,
                evaluation=evaluation,
                evaluator=person,
                criteria=[f.main(evaluation, "Quality")],
            )
        assert "evaluator" in error.value.fields


def test_automatic_criteria_cannot_be_assigned(evaluation, procurement_manager, evaluator):
    with pytest.raises(ApplicationError) as error:
        services.assignments_set(
            actor=procurement_manager,
            evaluation=evaluation,
            evaluator=evaluator,
            criteria=[f.main(evaluation, "Cost")],
        )
    assert "computed automatically" in error.value.message


def test_only_managers_assign(evaluation, evaluator, evaluator2):
    with pytest.raises(PermissionDeniedError):
        services.assignments_set(
            actor=evaluator,
            evaluation=evaluation,
            evaluator=evaluator2,
            criteria=[f.main(evaluation, "Quality")],
        )


def test_declaring_no_conflict_opens_the_vendor(started, evaluator):
    work = selectors.evaluator_workload(evaluation=started, user=evaluator)
    assert len(work.undeclared) == 2
    target = work.vendors[0]
    with pytest.raises(PermissionDeniedError):
        selectors.proposal_for_evaluator(
            evaluation=started, user=evaluator, proposal_id=target.proposal.pk
        )
    services.conflicts_declare(
        actor=evaluator,
        evaluation=started,
        declarations={target.proposal.company_id: services.Declaration(False)},
    )
    seen, submitted = selectors.proposal_for_evaluator(
        evaluation=started, user=evaluator, proposal_id=target.proposal.pk
    )
    assert seen.declared and not seen.conflicted
    assert submitted.content.currency is None  # prices are never part of it
    assert all(part.prices is None for part in submitted.content.lots.values())


def test_a_declared_conflict_removes_the_evaluator_from_the_vendor(started, evaluator):
    ids = companies(started)
    f.declare_none(evaluator, started)
    f.score_all(evaluator, started, submit=False)
    manila = ids["Manila Contact Co"]
    services.conflicts_declare(
        actor=evaluator,
        evaluation=started,
        declarations={manila: services.Declaration(True, "My brother is their head of sales.")},
    )
    # Their scores of that vendor are gone, and they can neither see nor score it.
    assert not EvaluatorScore.objects.filter(evaluator=evaluator, proposal__company_id=manila)
    work = selectors.evaluator_workload(evaluation=started, user=evaluator)
    conflicted = next(v for v in work.vendors if v.proposal.company_id == manila)
    assert conflicted.conflicted
    assert work.total == 5  # only the other vendor's items are left
    with pytest.raises(PermissionDeniedError):
        selectors.proposal_for_evaluator(
            evaluation=started, user=evaluator, proposal_id=conflicted.proposal.pk
        )
    with pytest.raises(PermissionDeniedError):
        services.scores_save(
            actor=evaluator,
            evaluation=started,
            proposal=conflicted.proposal,
            scores={
                (f.leaf(started, "Security").pk, started.rfp.lots.get().pk): services.ScoreInput(5)
            },
        )
    event = AuditEvent.objects.filter(action="scoring.conflict_declared").first()
    assert "conflict of interest" in event.summary and "discarded" in event.summary


def test_a_conflict_needs_details_and_cannot_be_withdrawn(started, evaluator):
    manila = companies(started)["Manila Contact Co"]
    with pytest.raises(ApplicationError) as error:
        services.conflicts_declare(
            actor=evaluator,
            evaluation=started,
            declarations={manila: services.Declaration(True, "")},
        )
    assert f"conflicts.{manila}.details" in error.value.fields
    assert not ConflictDeclaration.objects.exists()
    services.conflicts_declare(
        actor=evaluator,
        evaluation=started,
        declarations={manila: services.Declaration(True, "I worked there until 2024.")},
    )
    with pytest.raises(ConflictError):
        services.conflicts_declare(
            actor=evaluator,
            evaluation=started,
            declarations={manila: services.Declaration(False)},
        )


def test_declarations_are_for_panel_members_and_bidders_only(started, viewer, evaluator):
    with pytest.raises(PermissionDeniedError):
        services.conflicts_declare(actor=viewer, evaluation=started, declarations={})
    with pytest.raises(ApplicationError) as error:
        services.conflicts_declare(
            actor=evaluator,
            evaluation=started,
            declarations={999_999: services.Declaration(False)},
        )
    assert "no proposal" in error.value.message


def test_panel_progress_shows_counts_not_drafts(started, evaluator, procurement_manager):
    f.declare_none(evaluator, started)
    f.score_all(evaluator, started, submit=False)
    rows = {row["user"].pk: row for row in selectors.panel_progress(started)}
    assert rows[evaluator.pk]["scored"] == 10
    assert rows[evaluator.pk]["submitted"] == 0
    assert rows[evaluator.pk]["declared"] == 2


def test_the_whole_panel_is_saved_or_nothing(
    evaluation, procurement_manager, evaluator, evaluator2
):
    before = set(evaluation.assignments.values_list("evaluator_id", "criterion_id"))
    security = f.leaf(evaluation, "Security")
    with pytest.raises(ApplicationError) as refused:
        services.panel_assignments_set(
            actor=procurement_manager,
            evaluation=evaluation,
            choices=[(evaluator, [security.pk], None), (evaluator2, [999999], None)],
        )
    assert refused.value.extra["evaluator"] == evaluator2.pk
    assert set(evaluation.assignments.values_list("evaluator_id", "criterion_id")) == before
    services.panel_assignments_set(
        actor=procurement_manager,
        evaluation=evaluation,
        choices=[(evaluator, [security.pk], None)],
    )
    assert list(
        evaluation.assignments.filter(evaluator=evaluator).values_list("criterion_id", flat=True)
    ) == [security.pk]
