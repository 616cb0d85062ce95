"""The award: proposed per lot with a justification, approved by another admin or
sent back; on approval vendors are told (rank only if chosen, never scores), the
lot's scores lock and the RFP is awarded."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from bpo_portal.errors import ApplicationError, ConflictError, PermissionDeniedError
from proposals.models import Proposal
from proposals.services import proposal_compliance_override
from rfp.models import RFP
from scoring import award as award_services
from scoring import results as scoring_results
from scoring import selectors, services
from scoring.models import AwardDecision, AwardStatus, Criterion
from tests.conftest import add_member
from tests.rfp.conftest import emails_to
from tests.scoring import factories as f

pytestmark = pytest.mark.django_db

JUSTIFICATION = (
    "Lowest total cost of ownership with SLA commitments close to target; the panel "
    "found its references relevant."
)


def proposal_of(evaluation, legal_name):
    return Proposal.objects.get(rfp=evaluation.rfp, company__legal_name=legal_name)


def propose(evaluation, pm, winner="Bangalore Process Ltd", **extra):
    return award_services.award_propose(
        actor=pm,
        evaluation=evaluation,
        lot=evaluation.rfp.lots.get(),
        winners=[proposal_of(evaluation, winner)],
        justification=extra.pop("justification", JUSTIFICATION),
        **extra,
    )


def test_the_whole_flow(scored, procurement_manager, buyer_admin, vendor_a, vendor_b):
    award = propose(scored, procurement_manager, notify_ranks=True)
    assert award.status == AwardStatus.PROPOSED
    assert [e["vendor"] for e in award.ranking_snapshot] == [
        "Bangalore Process Ltd",
        "Manila Contact Co",
    ]
    assert any("Please approve" in e.subject for e in emails_to(buyer_admin.email))
    assert not emails_to(vendor_b.email)[-1].subject.startswith("Northwind")  # nobody told yet

    award_services.award_approve(actor=buyer_admin, award=award, comment="Agreed.")
    award.refresh_from_db()
    assert award.status == AwardStatus.APPROVED and award.decided_by == buyer_admin
    assert RFP.objects.get(pk=scored.rfp_id).status == "awarded"
    won = emails_to(vendor_b.email)[-1]
    assert "awards you" in won.subject
    lost = emails_to(vendor_a.email)[-1]
    assert "Outcome" in lost.subject and "ranked 2 of 2" in lost.text
    for email in (won, lost):  # never a score
        assert "points" not in email.text and "score" not in email.text.lower()
    assert AuditEvent.objects.filter(action="scoring.award_approved").exists()

    # Vendors see the outcome on their side.
    outcome_b = selectors.vendor_outcomes(vendor_b)
    assert [(o.won, o.rank) for o in outcome_b] == [(True, None)]
    outcome_a = selectors.vendor_outcomes(vendor_a)
    assert [(o.won, o.rank, o.bidders) for o in outcome_a] == [(False, 2, 2)]


def test_ranks_are_not_shared_unless_chosen(scored, procurement_manager, buyer_admin, vendor_a):
    award = propose(scored, procurement_manager, notify_ranks=False)
    award_services.award_approve(actor=buyer_admin, award=award)
    assert "ranked" not in emails_to(vendor_a.email)[-1].text
    assert [o.rank for o in selectors.vendor_outcomes(vendor_a)] == [None]


def test_after_approval_everything_is_locked(scored, procurement_manager, buyer_admin, evaluator):
    award = propose(scored, procurement_manager)
    award_services.award_approve(actor=buyer_admin, award=award)
    evaluation = f.fresh(scored)
    proposal = proposal_of(evaluation, "Manila Contact Co")
    lot = evaluation.rfp.lots.get()
    with pytest.raises(ConflictError):
        services.consensus_set(
            actor=procurement_manager,
            evaluation=evaluation,
            criterion=f.leaf(evaluation, "Security"),
            proposal=proposal,
            lot=lot,
            score="5",
            justification="Trying to change the score after the award.",
        )
    tops = Criterion.objects.filter(evaluation=evaluation, parent=None)
    with pytest.raises(ConflictError):
        services.weights_set(
            actor=procurement_manager,
            evaluation=evaluation,
            parent=None,
            weights={c.pk: 25 for c in tops},
        )
    with pytest.raises(ConflictError):
        services.evaluation_settings_update(
            actor=procurement_manager,
            evaluation=evaluation,
            ranking_method="topsis",
            aggregation="mean",
            discussion_threshold="3",
        )


def test_scoring_after_the_lock_is_refused(
    started, procurement_manager, buyer_admin, evaluator, evaluator2
):
    """Evaluator 2 submitted, evaluator 1 still has a draft when the award is approved
    (after a consensus covers the missing items): the draft can no longer change."""
    f.declare_none(evaluator2, started)
    f.score_all(evaluator2, started)
    f.declare_none(evaluator, started)
    f.score_all(evaluator, started, submit=False)
    # While evaluator 1's items wait, the results are provisional and nothing is awarded.
    with pytest.raises(ConflictError) as waiting:
        propose(started, procurement_manager)
    assert "The results are provisional: 10 item(s)" in waiting.value.message
    # The panel settles them by consensus instead.
    for proposal in Proposal.objects.filter(rfp=started.rfp):
        for leaf in f.evaluator_leaves(started):
            services.consensus_set(
                actor=procurement_manager,
                evaluation=f.fresh(started),
                criterion=leaf,
                proposal=proposal,
                lot=started.rfp.lots.get(),
                score="7",
                justification="Evaluator 1 is away; the panel agreed evaluator 2's score.",
            )
    award = propose(started, procurement_manager)
    award_services.award_approve(actor=buyer_admin, award=award)
    work = selectors.evaluator_workload(evaluation=f.fresh(started), user=evaluator)
    item = work.vendors[0].items[0]
    with pytest.raises(ConflictError) as error:
        services.scores_save(
            actor=evaluator,
            evaluation=f.fresh(started),
            proposal=work.vendors[0].proposal,
            scores={(item.criterion.pk, item.lot.pk): services.ScoreInput(5)},
        )
    assert "locked" in error.value.message


def test_four_eyes_and_roles(scored, procurement_manager, buyer_admin, buyer_org, viewer):
    with pytest.raises(PermissionDeniedError):
        propose(scored, viewer)
    award = propose(scored, procurement_manager)
    with pytest.raises(PermissionDeniedError):
        award_services.award_approve(actor=procurement_manager, award=award)  # only admins approve
    award_services.award_return(
        actor=buyer_admin, award=award, comment="Add the cost per FTE to the justification."
    )
    # An admin who proposes cannot approve their own proposal.
    award = propose(scored, buyer_admin)
    with pytest.raises(PermissionDeniedError) as error:
        award_services.award_approve(actor=buyer_admin, award=award)
    assert "another admin" in error.value.message
    second_admin = add_member(buyer_org, "admin2@buyer.example", "admin")
    award_services.award_approve(actor=second_admin, award=award)
    assert AwardDecision.objects.filter(status=AwardStatus.RETURNED).count() == 1


def test_sending_back_needs_a_comment_and_tells_the_proposer(
    scored, procurement_manager, buyer_admin
):
    award = propose(scored, procurement_manager)
    with pytest.raises(ApplicationError) as error:
        award_services.award_return(actor=buyer_admin, award=award, comment="no")
    assert "comment" in error.value.fields
    award_services.award_return(
        actor=buyer_admin, award=award, comment="Justify why not the cheapest on the SLA."
    )
    award.refresh_from_db()
    assert award.status == AwardStatus.RETURNED
    assert "sent back" in emails_to(procurement_manager.email)[-1].subject
    with pytest.raises(ConflictError):
        award_services.award_approve(actor=buyer_admin, award=award)


def test_award_refusals(scored, procurement_manager):
    with pytest.raises(ApplicationError) as error:
        propose(scored, procurement_manager, justification="Cheapest.")
    assert "justification" in error.value.fields
    with pytest.raises(ApplicationError):
        award_services.award_propose(
            actor=procurement_manager,
            evaluation=scored,
            lot=scored.rfp.lots.get(),
            winners=[],
            justification=JUSTIFICATION,
        )
    propose(scored, procurement_manager)
    with pytest.raises(ConflictError):
        propose(scored, procurement_manager, winner="Manila Contact Co")


def test_multisourcing_awards_a_lot_to_several_vendors(
    scored, procurement_manager, buyer_admin, vendor_a, vendor_b
):
    award = award_services.award_propose(
        actor=procurement_manager,
        evaluation=scored,
        lot=scored.rfp.lots.get(),
        winners=[p.pk for p in Proposal.objects.filter(rfp=scored.rfp)],
        justification=JUSTIFICATION + " Split 60/40 to keep a second source.",
    )
    award_services.award_approve(actor=buyer_admin, award=award)
    assert all(
        o.won for o in selectors.vendor_outcomes(vendor_a) + selectors.vendor_outcomes(vendor_b)
    )


def test_no_award_while_items_are_unscored(started, procurement_manager):
    with pytest.raises(ApplicationError) as error:
        propose(started, procurement_manager)
    assert "still need" in error.value.message


def test_a_non_compliant_proposal_cannot_be_awarded(
    buyer_admin, procurement_manager, vendor_a, vendor_b, evaluator
):
    rfp = f.make_rfp(procurement_manager, buyer_admin, [vendor_a, vendor_b])
    f.submit(vendor_a, rfp, f.Bid())
    f.submit(vendor_b, rfp, f.Bid(prices=f.PRICES_B, knockout="no"))
    rfp = f.pass_deadline(rfp)
    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    f.setup_panel(procurement_manager, evaluation, [evaluator])
    evaluation = f.start(procurement_manager, f.fresh(evaluation))
    f.declare_none(evaluator, evaluation)
    f.score_all(evaluator, evaluation)
    with pytest.raises(ApplicationError) as error:
        propose(f.fresh(evaluation), procurement_manager)
    assert "non-compliant" in error.value.message


def test_two_envelopes_no_award_before_the_prices_open(
    buyer_admin, procurement_manager, vendor_a, vendor_b, evaluator
):
    rfp = f.make_rfp(procurement_manager, buyer_admin, [vendor_a, vendor_b], two_envelopes=True)
    f.submit(vendor_a, rfp, f.Bid())
    f.submit(vendor_b, rfp, f.Bid(prices=f.PRICES_B))
    rfp = f.pass_deadline(rfp)
    evaluation = services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    f.setup_panel(procurement_manager, evaluation, [evaluator])
    evaluation = f.start(procurement_manager, f.fresh(evaluation))
    with pytest.raises(ApplicationError) as error:  # technical items still missing
        services.technical_evaluation_finalise(actor=procurement_manager, evaluation=evaluation)
    assert "still" in error.value.message
    f.declare_none(evaluator, evaluation)
    f.score_all(evaluator, evaluation)
    evaluation = f.fresh(evaluation)
    with pytest.raises(ConflictError) as error:
        propose(evaluation, procurement_manager)
    assert "sealed" in error.value.message
    with pytest.raises(PermissionDeniedError):
        services.technical_evaluation_finalise(actor=evaluator, evaluation=evaluation)
    services.technical_evaluation_finalise(
        actor=procurement_manager, evaluation=evaluation, comment="Technical scores final."
    )
    results = scoring_results.evaluation_results(rfp=evaluation.rfp, user=procurement_manager)
    assert results.commercial_open and not results.cost_excluded
    award = propose(f.fresh(evaluation), procurement_manager)
    assert award.pk


def test_no_award_while_a_flagged_item_has_no_consensus(
    started, procurement_manager, evaluator, evaluator2, vendor_a
):
    """Every item is scored, but the evaluators are 7 points apart on one: the results
    are not settled, so no award can be proposed (the same rule guards the approval)."""
    company = vendor_a.vendor_membership.company.legal_name
    leaf = f.evaluator_leaves(started)[0]
    for person, value in ((evaluator, 2), (evaluator2, 9)):
        f.declare_none(person, started)
        f.score_all(person, started, {company: {leaf.name: value}})
    with pytest.raises(ConflictError) as refused:
        propose(f.fresh(started), procurement_manager)
    assert "1 item(s) flagged for discussion still need a consensus score" in (
        refused.value.message
    )
    assert not AwardDecision.objects.exists()
    client = Client()
    client.force_login(procurement_manager)
    page = client.get(reverse("scoring_award", args=[started.rfp_id])).content.decode()
    assert "1 item(s) flagged for discussion still need a consensus score." in page
    assert 'aria-disabled="true">Propose the award' in page


def test_an_award_whose_winner_turned_non_compliant_cannot_be_approved(
    scored, procurement_manager, buyer_admin
):
    award = propose(scored, procurement_manager)
    proposal_compliance_override(
        actor=procurement_manager,
        proposal=proposal_of(scored, "Bangalore Process Ltd"),
        status="non_compliant",
        justification="Its PCI DSS certificate was withdrawn after the proposal.",
    )
    with pytest.raises(ConflictError) as refused:
        award_services.award_approve(actor=buyer_admin, award=award)
    assert "Bangalore Process Ltd is non-compliant" in refused.value.message
    assert AwardDecision.objects.get(pk=award.pk).status == AwardStatus.PROPOSED
