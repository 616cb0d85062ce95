"""Opening the scoring, the evaluator panel (who scores which criteria, for which
lot) and the evaluators' conflict-of-interest declarations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.mail import send_templated_email
from accounts.models import BuyerMembership, BuyerRole, User
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from bpo_portal.permissions import (
    Capability,
    require_buyer,
)
from bpo_portal.web import site_link
from proposals.models import Proposal, ProposalStatus
from proposals.selectors import ProposalsSealedError, envelope_state
from rfp import services as rfp_services
from rfp.models import RFP, Lot, RFPStatus
from scoring import selectors
from scoring.models import (
    ConflictDeclaration,
    Criterion,
    Evaluation,
    EvaluatorAssignment,
    EvaluatorScore,
)
from scoring.services._common import (
    CLOSED_STATUSES,
    clean_text,
    lock_evaluation,
    record_change,
    refuse_if_closed,
    require_manager,
)

# --- Starting the scoring ------------------------------------------------------------------------


def evaluation_start_scoring(*, actor: User, evaluation: Evaluation) -> Evaluation:
    """Open scoring: the proposals are open, the criteria complete, the weights add
    up, each evaluator-scored criterion has an evaluator. Moves the RFP to evaluation
    (the criteria locked when it was published)."""
    rfp = evaluation.rfp
    require_manager(actor, rfp)
    with transaction.atomic():
        locked = lock_evaluation(evaluation)
        refuse_if_closed(locked)
        if locked.scoring_started:
            raise ConflictError("Scoring has already started.")
        if not envelope_state(locked.rfp).technical_open:
            raise ProposalsSealedError(
                "The proposals are still sealed: scoring starts once they open at the "
                "submission deadline."
            )
        tree = selectors.build_tree(selectors.criteria_of(locked))
        problems = selectors.criteria_problems(locked, tree, selectors.assignments_of(locked))
        if problems:
            raise ApplicationError(
                f"Scoring cannot start yet: {problems[0]}"
                + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                extra={"problems": problems},
            )
        current = RFP.objects.get(pk=rfp.pk)
        # Past its deadline the RFP is closed (rfp_start_evaluation records the close).
        if current.current_status() == RFPStatus.CLOSED:
            rfp_services.rfp_start_evaluation(actor=actor, rfp=current, version=None)
        elif current.status != RFPStatus.UNDER_EVALUATION:
            raise ConflictError(
                f"This RFP is {current.get_status_display().lower()}: it cannot be evaluated."
            )
        locked.scoring_started_at = timezone.now()
        locked.scoring_started_by = actor
        locked.save(update_fields=["scoring_started_at", "scoring_started_by"])
        record_change(
            locked,
            actor,
            f"{actor} started the scoring",
            action="scoring.started",
        )
        evaluators = sorted(
            {a.evaluator.email for a in selectors.assignments_of(locked) if a.evaluator.is_active}
        )
        send_templated_email(
            to=evaluators,
            template_prefix="emails/scoring_open",
            context={"rfp": locked.rfp, "url": site_link("scoring_my_work", rfp.pk)},
        )
    return locked


# --- The panel -----------------------------------------------------------------------------------


def panel_assignments_set(
    *,
    actor: User,
    evaluation: Evaluation,
    choices: Sequence[tuple[User, Iterable[Criterion | int], Lot | None]],
) -> None:
    """Save several evaluators' assignments at once (the panel page's one form), all or
    nothing: (evaluator, criteria, lot or None for every lot) each, as
    `assignments_set`. A refusal names the evaluator in `extra["evaluator"]` and saves
    nobody's choices."""
    with transaction.atomic():
        for evaluator, criteria, lot in choices:
            try:
                assignments_set(
                    actor=actor,
                    evaluation=evaluation,
                    evaluator=evaluator,
                    criteria=criteria,
                    lot=lot,
                )
            except ApplicationError as exc:
                exc.extra = {**exc.extra, "evaluator": evaluator.pk}
                raise


def assignments_set(
    *,
    actor: User,
    evaluation: Evaluation,
    evaluator: User,
    criteria: Iterable[Criterion | int],
    lot: Lot | None = None,
) -> list[EvaluatorAssignment]:
    """Set what an evaluator scores, for one lot or (lot=None) every lot: each
    criterion given (a group means every evaluator-scored criterion in it).
    Replaces that evaluator's assignments for the same lot choice; their draft
    scores on items no longer assigned are discarded (submitted scores stay)."""
    rfp = evaluation.rfp
    require_manager(actor, rfp)
    membership = BuyerMembership.objects.filter(
        user=evaluator, organization_id=rfp.organization_id
    ).first()
    if membership is None or membership.role != BuyerRole.EVALUATOR or not evaluator.is_active:
        raise ApplicationError.for_fields(
            {"evaluator": "Choose an evaluator of your organization."}
        )
    if lot is not None and lot.rfp_id != rfp.pk:
        raise NotFoundError("Lot not found.")
    ids = {c.pk if isinstance(c, Criterion) else int(c) for c in criteria}
    with transaction.atomic():
        locked = lock_evaluation(evaluation)
        refuse_if_closed(locked)
        tree = selectors.build_tree(selectors.criteria_of(locked))
        nodes = {n.criterion.pk: n for n in selectors.walk(tree)}
        errors = []
        for pk in sorted(ids):
            node = nodes.get(pk)
            if node is None:
                raise ApplicationError.for_fields({"criteria": "Unknown criterion."})
            if not any(leaf.criterion.is_scored_by_evaluators for leaf in node.leaves()):
                errors.append(f"“{node.path}” is computed automatically: nobody scores it.")
        if errors:
            raise ApplicationError.for_fields({"criteria": errors})
        existing = {
            a.criterion_id: a
            for a in EvaluatorAssignment.objects.filter(
                evaluation=locked, evaluator=evaluator, lot=lot
            )
        }
        removed = [a for pk, a in existing.items() if pk not in ids]
        added = [pk for pk in ids if pk not in existing]
        if not removed and not added:
            return list(existing.values())
        for assignment in removed:
            assignment.delete()
        EvaluatorAssignment.objects.bulk_create(
            EvaluatorAssignment(
                evaluation=locked, evaluator=evaluator, criterion_id=pk, lot=lot, assigned_by=actor
            )
            for pk in sorted(added)
        )
        if removed:
            _discard_unassigned_drafts(locked, evaluator)
        scope = f"lot “{lot.name}”" if lot else "every lot"

        def names(pks: Iterable[int]) -> str:
            return ", ".join(nodes[pk].path for pk in pks)

        summary = f"{actor} set what {evaluator} scores in {scope}"
        if added:
            summary += f"; added {names(sorted(added))}"
        if removed:
            summary += f"; removed {names(sorted(a.criterion_id for a in removed))}"
        audit_record(
            actor=actor,
            action="scoring.panel_changed",
            obj=locked,
            organization=rfp.organization,
            summary=summary,
            data={
                "evaluator": evaluator.pk,
                "lot": lot.pk if lot else None,
                "criteria": sorted(ids),
            },
        )
        if added:
            send_templated_email(
                to=[evaluator.email],
                template_prefix="emails/scoring_assigned",
                context={
                    "rfp": rfp,
                    "evaluator": evaluator,
                    "criteria": [nodes[pk].path for pk in sorted(added)],
                    "scope": scope,
                    "started": locked.scoring_started,
                    "url": site_link("scoring_my_work", rfp.pk),
                },
            )
    return list(EvaluatorAssignment.objects.filter(evaluation=locked, evaluator=evaluator, lot=lot))


def _discard_unassigned_drafts(evaluation: Evaluation, evaluator: User) -> None:
    tree = selectors.build_tree(selectors.criteria_of(evaluation))
    nodes = {n.criterion.pk: n for n in selectors.walk(tree)}
    allowed: set[tuple[int, int | None]] = set()
    for a in EvaluatorAssignment.objects.filter(evaluation=evaluation, evaluator=evaluator):
        node = nodes.get(a.criterion_id)
        if node is not None:
            allowed.update((leaf.criterion.pk, a.lot_id) for leaf in node.leaves())
    for draft in EvaluatorScore.objects.filter(
        evaluation=evaluation, evaluator=evaluator, submitted_at__isnull=True
    ):
        if (draft.criterion_id, None) not in allowed and (
            draft.criterion_id,
            draft.lot_id,
        ) not in allowed:
            draft.delete()


# --- Conflicts of interest -----------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    has_conflict: bool | None
    details: str = ""


def conflicts_declare(
    *, actor: User, evaluation: Evaluation, declarations: Mapping[int, Declaration]
) -> list[ConflictDeclaration]:
    """The evaluator declares, per vendor (company id), whether they have a conflict
    of interest. A declared conflict removes them from that vendor: they can
    neither see nor score its proposal, and any score they gave it is discarded.
    A conflict, once declared, can only be lifted by the procurement manager
    reassigning the panel. All or nothing."""
    rfp = evaluation.rfp
    require_buyer(actor, Capability.SCORE, rfp.organization_id)
    if not EvaluatorAssignment.objects.filter(evaluation=evaluation, evaluator=actor).exists():
        raise PermissionDeniedError("You are not on the evaluation panel of this RFP.")
    bidders = dict(
        Proposal.objects.filter(rfp=rfp, status=ProposalStatus.SUBMITTED).values_list(
            "company_id", "company__legal_name"
        )
    )
    errors: dict[str, str] = {}
    cleaned: dict[int, tuple[bool, str]] = {}
    for raw_id, declaration in declarations.items():
        company_id = int(raw_id)
        key = f"conflicts.{company_id}"
        if company_id not in bidders:
            errors[key] = "This vendor has no proposal in this RFP."
            continue
        if declaration.has_conflict is None:
            errors[key] = "Say whether you have a conflict of interest with this vendor."
            continue
        details = clean_text(declaration.details, limit=2000)
        if declaration.has_conflict and len(details) < 10:
            errors[f"{key}.details"] = (
                "Describe the conflict in a sentence (for example a former employer or a "
                "relative): it is recorded."
            )
            continue
        cleaned[company_id] = (declaration.has_conflict, details)
    if errors:
        raise ApplicationError.for_fields(errors)
    out = []
    with transaction.atomic():
        locked = lock_evaluation(evaluation)
        if locked.rfp.status in CLOSED_STATUSES:
            raise ConflictError("The evaluation of this RFP is closed.")
        existing = {
            d.company_id: d
            for d in ConflictDeclaration.objects.select_for_update(of=("self",)).filter(
                evaluation=locked, evaluator=actor
            )
        }
        for company_id, (has_conflict, details) in cleaned.items():
            current = existing.get(company_id)
            if current is not None and current.has_conflict and not has_conflict:
                raise ConflictError(
                    f"You declared a conflict of interest with {bidders[company_id]}. Ask the "
                    "procurement manager if it no longer applies."
                )
            if current is not None and current.has_conflict == has_conflict:
                out.append(current)
                continue
            if current is None:
                current = ConflictDeclaration(
                    evaluation=locked, evaluator=actor, company_id=company_id
                )
            current.has_conflict = has_conflict
            current.details = details
            current.save()
            out.append(current)
            discarded = 0
            if has_conflict:
                discarded, _ = EvaluatorScore.objects.filter(
                    evaluation=locked, evaluator=actor, proposal__company_id=company_id
                ).delete()
            audit_record(
                actor=actor,
                action="scoring.conflict_declared",
                obj=current,
                organization=rfp.organization,
                summary=f"{actor} declared "
                + ("a conflict of interest" if has_conflict else "no conflict of interest")
                + f" with {bidders[company_id]}"
                + (f" ({discarded} score(s) discarded)" if discarded else ""),
                data={"company": company_id, "has_conflict": has_conflict, "details": details},
            )
    return out
