"""Every write about scoring: the criteria and weights (direct or AHP), the
evaluator panel, conflict-of-interest declarations, scores, consensus, the
end of the technical evaluation and the award. Whichever door a request comes
through (page, API, demo), the rules are here.

Criteria, weights and the ranking method are part of the RFP: set while it is
drafted (a step of the RFP editor, see scoring.apps), locked when it is
published. Before the submission deadline they change only by an addendum the
invited vendors receive; after it they never change (`selectors.criteria_lock`
is the one rule). Every change is in the criteria's history and the audit log,
with the weights before and after. Once an award is approved, nothing about
that lot's scores changes any more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import BuyerMembership, BuyerRole, User
from bpo_portal.audit import audit_record
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from bpo_portal.mail import send_templated_email
from bpo_portal.permissions import (
    Capability,
    require_buyer,
)
from bpo_portal.web import site_link
from proposals.models import EnvelopeOpening, Proposal, ProposalStatus
from proposals.selectors import ProposalsSealedError, envelope_state
from proposals.services import commercial_envelope_open
from rfp import services as rfp_services
from rfp.models import RFP, Addendum, Lot, RFPStatus
from scoring import engine, selectors
from scoring.models import (
    COMMENT_REQUIRED_AT_OR_ABOVE,
    COMMENT_REQUIRED_AT_OR_BELOW,
    SCORE_MAX,
    SCORE_MIN,
    Aggregation,
    AwardDecision,
    AwardStatus,
    ConflictDeclaration,
    ConsensusScore,
    CriteriaChange,
    Criterion,
    Evaluation,
    EvaluatorAssignment,
    EvaluatorScore,
    RankingMethod,
    Source,
    WeightMatrix,
)
from scoring.starter_criteria import DEFAULT_CRITERIA as DEFAULT_CRITERIA  # the standard set
from scoring.starter_criteria import CriterionSpec as CriterionSpec
from scoring.starter_criteria import create_criteria

HUNDRED = Decimal("100")
WEIGHT_PLACES = Decimal("0.0001")
MIN_JUSTIFICATION = 20
MAX_TEXT = 4000
CLOSED_STATUSES = (RFPStatus.CANCELLED, RFPStatus.AWARDED)


# --- Helpers -------------------------------------------------------------------------------------


def require_manager(actor: User, rfp: RFP) -> None:
    require_buyer(actor, Capability.MANAGE_EVALUATION, rfp.organization_id)


def lock_evaluation(evaluation: Evaluation) -> Evaluation:
    return (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("rfp__organization")
        .get(pk=evaluation.pk)
    )


def clean_text(value: Any, *, limit: int = MAX_TEXT) -> str:
    return str(value or "").strip()[:limit]


def _refuse_if_closed(evaluation: Evaluation) -> None:
    rfp = evaluation.rfp
    if rfp.status == RFPStatus.CANCELLED:
        raise ConflictError("This RFP was cancelled: its evaluation is closed.")
    if (
        rfp.status == RFPStatus.AWARDED
        or AwardDecision.objects.filter(evaluation=evaluation, status=AwardStatus.APPROVED).exists()
    ):
        raise ConflictError(
            "An award is approved: the criteria, weights and method are locked for good."
        )


def _refuse_if_technical_final(evaluation: Evaluation) -> None:
    """Once a two-envelope RFP's prices are open, its technical scores were final:
    no score or consensus may change afterwards, when prices could sway it."""
    rfp = evaluation.rfp
    if rfp.two_envelopes and envelope_state(rfp).commercial_open:
        raise ConflictError(
            "The technical evaluation is finalised and the prices are open: technical scores "
            "and consensus scores no longer change."
        )


def _lock_for_criteria(evaluation: Evaluation) -> Evaluation:
    """Lock the evaluation and its RFP: a publication or a deadline change cannot slip
    in between the check of the lock and the change."""
    locked = lock_evaluation(evaluation)
    locked.rfp = (
        RFP.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=locked.rfp_id)
    )
    return locked


def _may_change(evaluation: Evaluation) -> selectors.CriteriaLock:
    """Whether the criteria may change now (the one rule: `selectors.criteria_lock`):
    refused (409) waiting for approval, after the deadline, once cancelled or awarded."""
    _refuse_if_closed(evaluation)
    lock = selectors.criteria_lock(evaluation.rfp)
    if not lock.editable:
        raise ConflictError(lock.message)
    return lock


def _summary_needed(lock: selectors.CriteriaLock, addendum_summary: str) -> None:
    """Before changing anything: once published, the addendum's summary is required."""
    if lock.needs_addendum:
        rfp_services.rfp_addendum_summary_check(addendum_summary)


def _publish_change(
    evaluation: Evaluation,
    actor: User,
    lock: selectors.CriteriaLock,
    addendum_summary: str,
    changes: list[str],
    summary: str,
) -> Addendum | None:
    """After publication, a change of the criteria reaches the invited vendors as a
    numbered addendum (rfp's own: the summary is required, the RFP's version moves on)."""
    if not lock.needs_addendum:
        return None
    return rfp_services.rfp_addendum_record(
        actor=actor,
        rfp=evaluation.rfp,
        summary=addendum_summary.strip(),
        changes=changes,
        audit_summary=summary,
    )


def _record(
    evaluation: Evaluation,
    actor: User,
    summary: str,
    *,
    action: str,
    data: dict[str, Any] | None = None,
    addendum: Addendum | None = None,
) -> None:
    """The criteria's history and the audit log (with the addendum that told vendors)."""
    after_publication = evaluation.rfp.publication_at is not None
    CriteriaChange.objects.create(
        evaluation=evaluation,
        actor=actor,
        summary=summary[:300],
        after_lock=after_publication,
        addendum=addendum,
        data=data or {},
    )
    extra = {"addendum": addendum.number} if addendum is not None else {}
    audit_record(
        actor=actor,
        action=action,
        obj=evaluation,
        organization=evaluation.rfp.organization,
        summary=summary,
        data={**(data or {}), **extra},
    )


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f} %"


def _parse_decimal(raw: Any, field: str, errors: dict[str, str], what: str) -> Decimal | None:
    if isinstance(raw, bool):
        errors[field] = f"{what} must be a number."
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors[field] = f"{what} must be a number."
        return None
    if not value.is_finite():
        errors[field] = f"{what} must be a number."
        return None
    return value


def _children(evaluation: Evaluation, parent: Criterion | None) -> list[Criterion]:
    return list(
        Criterion.objects.filter(evaluation=evaluation, parent=parent).order_by("order", "id")
    )


def _check_parent(evaluation: Evaluation, parent: Criterion | None) -> None:
    if parent is not None and parent.evaluation_id != evaluation.pk:
        raise NotFoundError("Criterion not found.")


def _rebalance(siblings: list[Criterion]) -> None:
    """Scale sibling weights back to 100 % in proportion (equal if all are zero);
    the rounding remainder goes to the largest."""
    if not siblings:
        return
    total = sum((c.weight for c in siblings), Decimal(0))
    if total <= 0:
        for c in siblings:
            c.weight = (HUNDRED / len(siblings)).quantize(WEIGHT_PLACES)
    else:
        for c in siblings:
            c.weight = (c.weight * HUNDRED / total).quantize(WEIGHT_PLACES, ROUND_HALF_UP)
    remainder = HUNDRED - sum((c.weight for c in siblings), Decimal(0))
    largest = max(siblings, key=lambda c: (c.weight, -c.pk))
    largest.weight += remainder
    Criterion.objects.bulk_update(siblings, ["weight"])


def _drop_matrix(evaluation: Evaluation, parent: Criterion | None) -> bool:
    deleted, _ = WeightMatrix.objects.filter(evaluation=evaluation, parent=parent).delete()
    return bool(deleted)


# --- Setting up the evaluation -------------------------------------------------------------------


def _weights_snapshot(evaluation: Evaluation) -> dict[str, str]:
    """Every criterion's weight in percent of its level, by path (for the audit log)."""
    tree = selectors.build_tree(selectors.criteria_of(evaluation))
    return {node.path: f"{node.criterion.weight.normalize():f}" for node in selectors.walk(tree)}


def _main_weights(evaluation: Evaluation) -> str:
    return ", ".join(f"{c.name} {_percent(c.weight)}" for c in _children(evaluation, None))


def _copy_tree(source: Evaluation, target: Evaluation) -> None:
    """The criteria tree and the AHP matrices of one evaluation into another (empty) one."""
    new_ids: dict[int, int] = {}
    by_parent: dict[int | None, list[Criterion]] = {}
    for criterion in selectors.criteria_of(source):
        by_parent.setdefault(criterion.parent_id, []).append(criterion)

    def copy(parent_id: int | None, new_parent: Criterion | None) -> None:
        for criterion in by_parent.get(parent_id, []):
            old_id = criterion.pk
            criterion.pk = None
            criterion.evaluation = target
            criterion.parent = new_parent
            criterion.save()
            new_ids[old_id] = criterion.pk
            copy(old_id, criterion)

    copy(None, None)
    for matrix in WeightMatrix.objects.filter(evaluation=source):
        ids = [new_ids[i] for i in matrix.criterion_ids if i in new_ids]
        if len(ids) != len(matrix.criterion_ids):
            continue  # a stale matrix: its level's weights are already stored
        WeightMatrix.objects.create(
            evaluation=target,
            parent_id=new_ids.get(matrix.parent_id) if matrix.parent_id else None,
            criterion_ids=ids,
            matrix=matrix.matrix,
        )


def evaluation_copy(*, source: RFP, target: RFP) -> Evaluation | None:
    """Copy an RFP's (or a template's) criteria, weights and method to another RFP or
    template, when it is started from the template or saved as one (the RFP editor's
    part, see scoring.apps). Not the panel, the scores or the history."""
    original = Evaluation.objects.filter(rfp_id=source.pk).first()
    if original is None or Evaluation.objects.filter(rfp_id=target.pk).exists():
        return None
    evaluation = Evaluation.objects.create(
        rfp=target,
        ranking_method=original.ranking_method,
        aggregation=original.aggregation,
        discussion_threshold=original.discussion_threshold,
        show_subcriteria_to_vendors=original.show_subcriteria_to_vendors,
        created_by=target.created_by,
    )
    _copy_tree(original, evaluation)
    if not target.is_template and target.created_by is not None:
        _record(
            evaluation,
            target.created_by,
            f"Criteria and weights copied from “{source.title}”: {_main_weights(evaluation)}",
            action="scoring.criteria_copied",
            data={"from": source.pk, "weights": _weights_snapshot(evaluation)},
        )
    return evaluation


def evaluation_setup(*, actor: User, rfp: RFP, addendum_summary: str = "") -> Evaluation:
    """Give the RFP its evaluation: the criteria of the template it was started from,
    or else the four standard criteria (Cost, Quality, Technology, Location) with their
    sub-criteria and starting weights. Calling it again returns the existing evaluation.

    Criteria belong to the RFP before it is published. An RFP published without any
    (before they were part of the RFP) may get them once, afterwards: flagged
    `set_after_publication` for the results and the report, audited, and sent to the
    invited vendors as an addendum while the RFP still takes bids."""
    require_manager(actor, rfp)
    if rfp.is_template:
        raise NotFoundError("RFP not found.")
    with transaction.atomic():
        locked = (
            RFP.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=rfp.pk)
        )
        if locked.status in CLOSED_STATUSES:
            raise ConflictError(
                f"This RFP is {locked.get_status_display().lower()}: it cannot be evaluated."
            )
        existing = Evaluation.objects.filter(rfp=locked).first()
        if existing is not None and Criterion.objects.filter(evaluation=existing).exists():
            return existing
        after_publication = locked.publication_at is not None
        lock = selectors.criteria_lock(locked)
        if not after_publication and not lock.editable:
            raise ConflictError(lock.message)
        if existing is not None and existing.set_after_publication:
            raise ConflictError(
                "The criteria of this RFP were already set once after its publication: they "
                "cannot be set again."
            )
        if existing is None:
            evaluation = Evaluation.objects.create(
                rfp=locked, created_by=actor, set_after_publication=after_publication
            )
        else:
            evaluation = existing
            evaluation.set_after_publication = after_publication
            evaluation.save(update_fields=["set_after_publication", "updated_at"])
        evaluation.rfp = locked
        template = (
            Evaluation.objects.filter(rfp_id=locked.source_template_id).first()
            if locked.source_template_id
            else None
        )
        if template is not None and Criterion.objects.filter(evaluation=template).exists():
            _copy_tree(template, evaluation)
            origin = f"the criteria of the template “{locked.source_template}”"
        else:
            create_criteria(Criterion, evaluation, DEFAULT_CRITERIA)
            origin = "the standard criteria"
        if not after_publication:
            _record(
                evaluation,
                actor,
                f"{actor} set up the evaluation of {locked.reference} with {origin}",
                action="scoring.evaluation_created",
            )
            return evaluation
        summary = (
            f"{actor} set the criteria of {locked.reference} after its publication, once "
            f"({origin}): {_main_weights(evaluation)}"
        )
        addendum = None
        if lock.needs_addendum:
            addendum = rfp_services.rfp_addendum_record(
                actor=actor,
                rfp=locked,
                summary=addendum_summary.strip()
                or "The evaluation criteria and their weights are now part of the RFP.",
                changes=[f"Evaluation criteria: {_main_weights(evaluation)}"],
                audit_summary=summary,
            )
        _record(
            evaluation,
            actor,
            summary,
            action="scoring.criteria_set_after_publication",
            data={"weights": _weights_snapshot(evaluation)},
            addendum=addendum,
        )
    return evaluation


def evaluation_record_lock(*, rfp: RFP, actor: User) -> None:
    """The RFP was just published: its criteria, weights and ranking method are what
    vendors bid against. Recorded in the history and the audit log with every weight
    (the lock itself follows the RFP's state: `selectors.criteria_lock`)."""
    evaluation = Evaluation.objects.filter(rfp_id=rfp.pk).first()
    if evaluation is None:
        return
    evaluation.rfp = rfp
    _record(
        evaluation,
        actor,
        f"{rfp.reference} was published: the criteria, weights and ranking method are locked "
        f"({_main_weights(evaluation)}; {evaluation.get_ranking_method_display()})",
        action="scoring.criteria_locked",
        data={
            "weights": _weights_snapshot(evaluation),
            "ranking_method": evaluation.ranking_method,
            "aggregation": evaluation.aggregation,
            "show_subcriteria_to_vendors": evaluation.show_subcriteria_to_vendors,
        },
    )


def evaluation_settings_update(
    *,
    actor: User,
    evaluation: Evaluation,
    ranking_method: str,
    aggregation: str,
    discussion_threshold: Any,
    show_subcriteria_to_vendors: bool | None = None,
    addendum_summary: str = "",
) -> Evaluation:
    """The ranking method, how evaluators' scores combine, whether vendors see the
    sub-criteria, and the spread that flags an item for discussion.

    The method, the aggregation and what vendors see lock with the criteria (they
    decide the ranking vendors bid for); the discussion threshold is the panel's
    internal working rule and changes until an award is approved."""
    require_manager(actor, evaluation.rfp)
    errors: dict[str, str] = {}
    if ranking_method not in RankingMethod.values:
        errors["ranking_method"] = "Choose weighted sum or TOPSIS."
    if aggregation not in Aggregation.values:
        errors["aggregation"] = "Choose the mean or the median."
    threshold = _parse_decimal(
        discussion_threshold, "discussion_threshold", errors, "The discussion threshold"
    )
    if threshold is not None and not (Decimal(0) <= threshold <= Decimal(10)):
        errors["discussion_threshold"] = "The discussion threshold is between 0 and 10 points."
    elif threshold is not None and threshold != threshold.quantize(Decimal("0.1")):
        errors["discussion_threshold"] = "Give the threshold with at most one decimal."
    if errors:
        raise ApplicationError.for_fields(errors)
    assert threshold is not None
    with transaction.atomic():
        locked = _lock_for_criteria(evaluation)
        _refuse_if_closed(locked)
        show = (
            locked.show_subcriteria_to_vendors
            if show_subcriteria_to_vendors is None
            else bool(show_subcriteria_to_vendors)
        )
        labels = {
            "ranking_method": "ranking method",
            "aggregation": "aggregation",
            "show_subcriteria_to_vendors": "sub-criteria shown to vendors",
            "discussion_threshold": "discussion threshold",
        }
        before = {
            "ranking_method": locked.ranking_method,
            "aggregation": locked.aggregation,
            "show_subcriteria_to_vendors": locked.show_subcriteria_to_vendors,
            "discussion_threshold": f"{locked.discussion_threshold:f}",
        }
        after = {
            "ranking_method": ranking_method,
            "aggregation": aggregation,
            "show_subcriteria_to_vendors": show,
            "discussion_threshold": f"{threshold:.1f}",
        }
        changed = [key for key in before if before[key] != after[key]]
        if not changed:
            return locked
        locking = [key for key in changed if key != "discussion_threshold"]
        lock = _may_change(locked) if locking else None
        if lock is not None:
            _summary_needed(lock, addendum_summary)
        locked.ranking_method = ranking_method
        locked.aggregation = aggregation
        locked.show_subcriteria_to_vendors = show
        locked.discussion_threshold = threshold
        locked.save(
            update_fields=[
                "ranking_method",
                "aggregation",
                "show_subcriteria_to_vendors",
                "discussion_threshold",
                "updated_at",
            ]
        )
        described = {
            key: f"{labels[key]}: {_setting_label(key, before[key])} → "
            f"{_setting_label(key, after[key])}"
            for key in changed
        }
        summary = f"{actor} changed the method ({'; '.join(described.values())})"
        addendum = (
            _publish_change(
                locked,
                actor,
                lock,
                addendum_summary,
                [f"Evaluation {described[key]}" for key in locking],
                summary,
            )
            if lock is not None
            else None
        )
        _record(
            locked,
            actor,
            summary,
            action="scoring.settings_changed",
            data={"before": before, "after": after},
            addendum=addendum,
        )
    return locked


def _setting_label(key: str, value: Any) -> str:
    if key == "ranking_method":
        return str(RankingMethod(value).label)
    if key == "aggregation":
        return str(Aggregation(value).label).split(" of ")[0].lower()
    if key == "show_subcriteria_to_vendors":
        return "yes" if value else "no"
    return str(value)


# --- Criteria ------------------------------------------------------------------------------------


def _clean_criterion(
    name: str, source: str, description: str, rubric: str
) -> tuple[str, str, str, str]:
    errors: dict[str, str] = {}
    name = clean_text(name, limit=500)
    if not name:
        errors["name"] = "Give the criterion a name."
    elif len(name) > 120:
        errors["name"] = "Keep the name under 120 characters."
    if source not in Source.values:
        errors["source"] = "Choose where the criterion's value comes from."
    if errors:
        raise ApplicationError.for_fields(errors)
    return name, source, clean_text(description), clean_text(rubric)


def _unique_name(
    evaluation: Evaluation, parent: Criterion | None, name: str, pk: int | None
) -> None:
    clash = Criterion.objects.filter(evaluation=evaluation, parent=parent, name__iexact=name)
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if clash.exists():
        raise ApplicationError.for_fields({"name": f"There is already a criterion “{name}” here."})


def criterion_create(
    *,
    actor: User,
    evaluation: Evaluation,
    name: str,
    source: str,
    parent: Criterion | None = None,
    description: str = "",
    rubric: str = "",
    addendum_summary: str = "",
) -> Criterion:
    """Add a criterion (a group, an automatic criterion or one scored by evaluators)
    with weight 0 % (100 % if it is the first of its level): set the weights of its
    level afterwards. While drafting; once published, by addendum before the deadline."""
    require_manager(actor, evaluation.rfp)
    _check_parent(evaluation, parent)
    name, source, description, rubric = _clean_criterion(name, source, description, rubric)
    with transaction.atomic():
        locked = _lock_for_criteria(evaluation)
        lock = _may_change(locked)
        _summary_needed(lock, addendum_summary)
        if parent is not None:
            parent = Criterion.objects.select_for_update(of=("self",)).get(pk=parent.pk)
            if not parent.is_group:
                raise ApplicationError.for_fields(
                    {
                        "parent": f"“{parent.name}” is scored on its own: only a group has "
                        "sub-criteria."
                    }
                )
        _unique_name(locked, parent, name, None)
        siblings = _children(locked, parent)
        criterion = Criterion.objects.create(
            evaluation=locked,
            parent=parent,
            name=name,
            source=source,
            description=description,
            rubric=rubric,
            weight=HUNDRED if not siblings else Decimal(0),
            order=max((c.order for c in siblings), default=-1) + 1,
        )
        dropped = _drop_matrix(locked, parent)
        where = f" under {parent.name}" if parent else ""
        summary = (
            f"{actor} added the criterion “{name}”{where} ({criterion.get_source_display()})"
            + (": the AHP comparisons of its level were cleared" if dropped else "")
        )
        addendum = _publish_change(
            locked,
            actor,
            lock,
            addendum_summary,
            [f"Evaluation criteria: “{name}” added{where}, {_percent(criterion.weight)}"],
            summary,
        )
        _record(
            locked,
            actor,
            summary,
            action="scoring.criterion_added",
            data={"criterion": criterion.pk, "name": name, "weight": f"{criterion.weight:f}"},
            addendum=addendum,
        )
    return criterion


def criterion_update(
    *,
    actor: User,
    criterion: Criterion,
    name: str,
    source: str,
    description: str = "",
    rubric: str = "",
    addendum_summary: str = "",
) -> Criterion:
    """Rename a criterion, change where its value comes from, its description or its
    rubric. While drafting; once published, by addendum before the deadline."""
    evaluation = criterion.evaluation
    require_manager(actor, evaluation.rfp)
    name, source, description, rubric = _clean_criterion(name, source, description, rubric)
    with transaction.atomic():
        locked = _lock_for_criteria(evaluation)
        lock = _may_change(locked)
        current = Criterion.objects.select_for_update(of=("self",)).get(pk=criterion.pk)
        changes = []
        if source != current.source:
            if current.source == Source.GROUP and current.children.exists():
                raise ApplicationError.for_fields(
                    {"source": "Remove the sub-criteria first: this criterion is a group."}
                )
            changes.append("source")
        if name != current.name:
            _unique_name(locked, current.parent, name, current.pk)
            changes.append("name")
        if description != current.description:
            changes.append("description")
        if rubric != current.rubric:
            changes.append("rubric")
        if not changes:
            return current
        _summary_needed(lock, addendum_summary)
        before = {
            "name": current.name,
            "source": current.source,
            "description": current.description,
            "rubric": current.rubric,
        }
        current.name, current.source = name, source
        current.description, current.rubric = description, rubric
        current.save(update_fields=["name", "source", "description", "rubric"])
        summary = f"{actor} changed the {', '.join(changes)} of “{before['name']}”" + (
            f" (now “{name}”)" if name != before["name"] else ""
        )
        addendum = _publish_change(
            locked,
            actor,
            lock,
            addendum_summary,
            [
                f"Evaluation criteria: “{before['name']}” renamed “{name}”"
                if change == "name"
                else f"Evaluation criteria: the {change} of “{name}” changed"
                for change in changes
            ],
            summary,
        )
        _record(
            locked,
            actor,
            summary,
            action="scoring.criterion_changed",
            data={
                "criterion": current.pk,
                "changed": changes,
                "before": {k: before[k] for k in changes},
                "after": {k: getattr(current, k) for k in changes},
            },
            addendum=addendum,
        )
    return current


def criterion_delete(*, actor: User, criterion: Criterion, addendum_summary: str = "") -> None:
    """Remove a criterion and its sub-criteria. The remaining weights of its level are
    scaled back to 100 % in proportion. While drafting; once published, by addendum
    before the deadline."""
    evaluation = criterion.evaluation
    require_manager(actor, evaluation.rfp)
    with transaction.atomic():
        locked = _lock_for_criteria(evaluation)
        lock = _may_change(locked)
        _summary_needed(lock, addendum_summary)
        current = (
            Criterion.objects.select_for_update(of=("self",))
            .select_related("parent")
            .get(pk=criterion.pk)
        )
        parent = current.parent
        name = current.name
        siblings_before = {c.pk: c.weight for c in _children(locked, parent) if c.pk != current.pk}
        current.delete()
        siblings = _children(locked, parent)
        _rebalance(siblings)
        _drop_matrix(locked, parent)
        summary = (
            f"{actor} removed the criterion “{name}”; the weights of the others at its level "
            "were scaled back to 100 % in proportion"
        )
        addendum = _publish_change(
            locked,
            actor,
            lock,
            addendum_summary,
            [f"Evaluation criteria: “{name}” removed"]
            + [
                f"Evaluation criteria: {c.name} {_percent(siblings_before[c.pk])} → "
                f"{_percent(c.weight)}"
                for c in siblings
                if siblings_before[c.pk] != c.weight
            ],
            summary,
        )
        _record(
            locked,
            actor,
            summary,
            action="scoring.criterion_removed",
            data={
                "criterion": criterion.pk,
                "name": name,
                "before": {str(k): f"{v:f}" for k, v in siblings_before.items()},
                "after": {str(c.pk): f"{c.weight:f}" for c in siblings},
            },
            addendum=addendum,
        )


# --- Weights -------------------------------------------------------------------------------------


def _level(
    evaluation: Evaluation, parent: Criterion | None, ids: Iterable[int]
) -> tuple[list[Criterion], str]:
    _check_parent(evaluation, parent)
    siblings = _children(evaluation, parent)
    where = f"under “{parent.name}”" if parent else "of the main criteria"
    given = {int(i) for i in ids}
    if given != {c.pk for c in siblings}:
        raise ApplicationError.for_fields(
            {"weights": f"Give a weight for each criterion {where}, and only for those."}
        )
    return siblings, where


def _engine_error(exc: engine.EngineInputError, prefix: str = "") -> ApplicationError:
    field = exc.field or "weights"
    return ApplicationError.for_fields({f"{prefix}{field}": str(exc)}, message=str(exc))


def _weight_changes(siblings: list[Criterion], before: Mapping[int, Decimal]) -> list[str]:
    return [
        f"{c.name} {_percent(before[c.pk])} → {_percent(c.weight)}"
        for c in siblings
        if before[c.pk] != c.weight
    ]


def weights_set(
    *,
    actor: User,
    evaluation: Evaluation,
    parent: Criterion | None,
    weights: Mapping[int, Any],
    addendum_summary: str = "",
) -> list[Criterion]:
    """Set one level's weights directly, in percent: each between 0 and 100, the
    level adding up to 100 %. Replaces the level's AHP comparisons, if any. While
    drafting; once published, by addendum before the deadline."""
    require_manager(actor, evaluation.rfp)
    errors: dict[str, str] = {}
    values: dict[int, Decimal] = {}
    for raw_id, raw in weights.items():
        try:
            pk = int(raw_id)
        except (TypeError, ValueError):
            raise ApplicationError.for_fields({"weights": "Unknown criterion."}) from None
        value = _parse_decimal(raw, f"weights.{pk}", errors, "A weight")
        if value is None:
            continue
        if not (Decimal(0) <= value <= HUNDRED):
            errors[f"weights.{pk}"] = "A weight is a percentage between 0 and 100."
        elif value != value.quantize(WEIGHT_PLACES):
            errors[f"weights.{pk}"] = "Give a weight with at most four decimals."
        values[pk] = value
    if errors:
        raise ApplicationError.for_fields(errors)
    try:
        engine.validate_direct_weights({str(k): v for k, v in values.items()})
    except engine.EngineInputError as exc:
        raise _engine_error(exc) from None
    with transaction.atomic():
        locked = _lock_for_criteria(evaluation)
        lock = _may_change(locked)
        siblings, where = _level(locked, parent, values)
        before = {c.pk: c.weight for c in siblings}
        had_matrix = WeightMatrix.objects.filter(evaluation=locked, parent=parent).exists()
        if all(before[pk] == values[pk] for pk in values) and not had_matrix:
            return siblings
        _summary_needed(lock, addendum_summary)
        for criterion in siblings:
            criterion.weight = values[criterion.pk]
        Criterion.objects.bulk_update(siblings, ["weight"])
        _drop_matrix(locked, parent)
        changed = _weight_changes(siblings, before)
        summary = f"{actor} set the weights {where} directly" + (
            f": {', '.join(changed)}" if changed else " (replacing the AHP comparisons)"
        )
        addendum = _publish_change(
            locked,
            actor,
            lock,
            addendum_summary,
            [f"Evaluation weights: {change}" for change in changed]
            or [f"Evaluation weights {where}: set directly instead of by pairwise comparison"],
            summary,
        )
        _record(
            locked,
            actor,
            summary,
            action="scoring.weights_set",
            data={
                "parent": parent.pk if parent else None,
                "before": {str(k): f"{v:f}" for k, v in before.items()},
                "after": {str(c.pk): f"{c.weight:f}" for c in siblings},
            },
            addendum=addendum,
        )
    return siblings


def weights_set_by_ahp(
    *,
    actor: User,
    evaluation: Evaluation,
    parent: Criterion | None,
    criterion_ids: Sequence[int],
    matrix: Sequence[Sequence[Any]] | None = None,
    judgements: Mapping[tuple[int, int], Any] | None = None,
    addendum_summary: str = "",
) -> WeightMatrix:
    """Derive one level's weights from pairwise comparisons on Saaty's 1-9 scale
    (Analytic Hierarchy Process): either the full reciprocal `matrix` (rows and
    columns in `criterion_ids` order) or one judgement per pair, keyed by
    0-based (row, column) positions. The matrix is stored with its consistency;
    a consistency ratio above 0.10 is accepted but flagged on every page. While
    drafting; once published, by addendum before the deadline."""
    require_manager(actor, evaluation.rfp)
    ids = [int(i) for i in criterion_ids]
    if len(ids) < 2 or len(set(ids)) != len(ids):
        raise ApplicationError.for_fields(
            {"criterion_ids": "Compare at least two different criteria."}
        )
    try:
        if judgements is not None:
            cells: dict[tuple[int, int], Any] = {}
            for key, raw in judgements.items():
                value = raw
                if isinstance(raw, str):
                    value = _judgement_value(raw)
                cells[key] = value
            full = engine.ahp_matrix_from_judgements(len(ids), cells)
        elif matrix is not None:
            full = [[float(v) if not isinstance(v, bool) else v for v in row] for row in matrix]
        else:
            raise ApplicationError.for_fields({"matrix": "Give the pairwise comparisons."})
        result = engine.ahp_priorities(full)  # validates: square, 1/9..9, reciprocal
    except engine.EngineInputError as exc:
        raise _engine_error(exc) from None
    except (TypeError, ValueError):
        raise ApplicationError.for_fields(
            {"matrix": "Every comparison must be a number between 1/9 and 9."}
        ) from None
    if len(full) != len(ids):
        raise ApplicationError.for_fields(
            {"matrix": f"The matrix has {len(full)} rows for {len(ids)} criteria."}
        )
    with transaction.atomic():
        locked = _lock_for_criteria(evaluation)
        lock = _may_change(locked)
        siblings, where = _level(locked, parent, ids)
        _summary_needed(lock, addendum_summary)
        before = {c.pk: c.weight for c in siblings}
        percent = {
            pk: (Decimal(repr(p)) * HUNDRED).quantize(WEIGHT_PLACES, ROUND_HALF_UP)
            for pk, p in zip(ids, result.priorities, strict=True)
        }
        by_id = {c.pk: c for c in siblings}
        for pk, value in percent.items():
            by_id[pk].weight = value
        remainder = HUNDRED - sum(percent.values(), Decimal(0))
        max(siblings, key=lambda c: (c.weight, -c.pk)).weight += remainder
        Criterion.objects.bulk_update(siblings, ["weight"])
        stored, _ = WeightMatrix.objects.update_or_create(
            evaluation=locked,
            parent=parent,
            defaults={"criterion_ids": ids, "matrix": full, "updated_by": actor},
        )
        verdict = f"CR {result.consistency_ratio:.3f}" + (
            "" if result.is_consistent else ", inconsistent (above 0.10)"
        )
        summary = f"{actor} derived the weights {where} by AHP ({verdict}): " + ", ".join(
            f"{by_id[pk].name} {_percent(by_id[pk].weight)}" for pk in ids
        )
        addendum = _publish_change(
            locked,
            actor,
            lock,
            addendum_summary,
            [f"Evaluation weights: {change}" for change in _weight_changes(siblings, before)]
            or [f"Evaluation weights {where}: derived by pairwise comparison, unchanged"],
            summary,
        )
        _record(
            locked,
            actor,
            summary,
            action="scoring.weights_ahp",
            data={
                "parent": parent.pk if parent else None,
                "criterion_ids": ids,
                "matrix": full,
                "consistency_ratio": result.consistency_ratio,
                "before": {str(k): f"{v:f}" for k, v in before.items()},
                "after": {str(c.pk): f"{c.weight:f}" for c in siblings},
            },
            addendum=addendum,
        )
    return stored


def _judgement_value(raw: str) -> float:
    """ "3" -> 3.0, "1/5" -> 0.2 (the form's select values)."""
    text = raw.strip()
    if "/" in text:
        top, bottom = text.split("/", 1)
        return float(top) / float(bottom)
    return float(text)


# --- Starting the scoring ------------------------------------------------------------------------


def evaluation_start_scoring(*, actor: User, evaluation: Evaluation) -> Evaluation:
    """Open scoring: the proposals are open, the criteria complete, the weights add
    up, each evaluator-scored criterion has an evaluator. Moves the RFP to evaluation
    (the criteria locked when it was published)."""
    rfp = evaluation.rfp
    require_manager(actor, rfp)
    with transaction.atomic():
        locked = lock_evaluation(evaluation)
        _refuse_if_closed(locked)
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
        _record(
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
        _refuse_if_closed(locked)
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


# --- Scores --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreInput:
    """One item's score from a form or the API: `score` None (or "") clears a draft."""

    score: Any
    comment: str = ""


def parse_score(raw: Any) -> int | None:
    """A whole number from 0 to 10, or None for a blank; ValueError otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError
    number = int(value)
    if not SCORE_MIN <= number <= SCORE_MAX:
        raise ValueError
    return number


def comment_required(score: int) -> bool:
    return score <= COMMENT_REQUIRED_AT_OR_BELOW or score >= COMMENT_REQUIRED_AT_OR_ABOVE


def _locked_lots(evaluation: Evaluation) -> set[int]:
    return set(
        AwardDecision.objects.filter(
            evaluation=evaluation, status=AwardStatus.APPROVED
        ).values_list("lot_id", flat=True)
    )


def scores_save(
    *,
    actor: User,
    evaluation: Evaluation,
    proposal: Proposal,
    scores: Mapping[tuple[int, int], ScoreInput],
) -> list[EvaluatorScore]:
    """Save the evaluator's draft scores of one vendor's items, keyed by (criterion
    id, lot id): whole numbers 0-10, a comment required at 0-2 and 9-10. Only
    items assigned to the evaluator, of a vendor they declared no conflict with,
    after scoring started, not yet submitted, in a lot not yet awarded. All or
    nothing."""
    rfp = evaluation.rfp
    require_buyer(actor, Capability.SCORE, rfp.organization_id)
    if not evaluation.scoring_started:
        raise ConflictError(
            "Scoring has not started yet: the procurement manager opens it once the proposals "
            "are open and the criteria are final."
        )
    _refuse_if_technical_final(evaluation)
    workload = selectors.evaluator_workload(evaluation=evaluation, user=actor)
    work = workload.vendor(proposal.pk)
    if work is None:
        raise PermissionDeniedError("You are not assigned to score this proposal.")
    if not work.declared:
        raise PermissionDeniedError(
            f"Declare first whether you have a conflict of interest with {work.vendor}."
        )
    if work.conflicted:
        raise PermissionDeniedError(
            f"You declared a conflict of interest with {work.vendor}: you cannot score its "
            "proposal."
        )
    items = {(item.criterion.pk, item.lot.pk): item for item in work.items}
    locked_lots = _locked_lots(evaluation)
    errors: dict[str, str] = {}
    cleaned: dict[tuple[int, int], tuple[int | None, str]] = {}
    for raw_key, given in scores.items():
        criterion_id, lot_id = (int(raw_key[0]), int(raw_key[1]))
        key = f"scores.{criterion_id}-{lot_id}"
        item = items.get((criterion_id, lot_id))
        if item is None:
            raise PermissionDeniedError(
                "You are not assigned to score this criterion for this vendor."
            )
        if lot_id in locked_lots:
            raise ConflictError(
                f"The award of lot “{item.lot.name}” is approved: its scores are locked."
            )
        if item.score is not None and item.score.is_submitted:
            raise ConflictError(
                f"You submitted your score of “{item.path}” on "
                f"{timezone.localtime(item.score.submitted_at):%d %b %Y}: it can no longer change."
            )
        comment = clean_text(given.comment)
        try:
            value = parse_score(given.score)
        except ValueError:
            errors[f"{key}.score"] = f"“{item.path}”: give a whole number from 0 to 10."
            continue
        if value is not None and comment_required(value) and not comment:
            errors[f"{key}.comment"] = (
                f"“{item.path}”: a score of {value} needs a comment saying why (required from "
                f"0 to {COMMENT_REQUIRED_AT_OR_BELOW} and from {COMMENT_REQUIRED_AT_OR_ABOVE} "
                "to 10)."
            )
            continue
        cleaned[(criterion_id, lot_id)] = (value, comment)
    if errors:
        raise ApplicationError.for_fields(errors)
    try:
        return _write_scores(actor, evaluation, proposal, cleaned)
    except IntegrityError:
        raise ConflictError(
            "These scores were saved from another window at the same moment: reload the page "
            "and check them."
        ) from None


def _write_scores(
    actor: User,
    evaluation: Evaluation,
    proposal: Proposal,
    cleaned: Mapping[tuple[int, int], tuple[int | None, str]],
) -> list[EvaluatorScore]:
    saved = []
    with transaction.atomic():
        for (criterion_id, lot_id), (value, comment) in cleaned.items():
            current = (
                EvaluatorScore.objects.select_for_update(of=("self",))
                .filter(
                    evaluator=actor, criterion_id=criterion_id, proposal=proposal, lot_id=lot_id
                )
                .first()
            )
            if current is not None and current.is_submitted:
                raise ConflictError("This score was submitted meanwhile: it can no longer change.")
            if value is None:
                if current is not None:
                    current.delete()
                continue
            if current is None:
                current = EvaluatorScore(
                    evaluation=evaluation,
                    evaluator=actor,
                    criterion_id=criterion_id,
                    proposal=proposal,
                    lot_id=lot_id,
                )
            elif current.score == value and current.comment == comment:
                saved.append(current)
                continue
            current.score = value
            current.comment = comment
            current.save()
            saved.append(current)
    return saved


def scores_submit(*, actor: User, evaluation: Evaluation) -> int:
    """Submit every draft score: possible once every assigned item of every vendor
    the evaluator has no conflict with is scored. Submitted scores count in the
    results, are final, and open the other evaluators' scores of the same items."""
    rfp = evaluation.rfp
    require_buyer(actor, Capability.SCORE, rfp.organization_id)
    if not evaluation.scoring_started:
        raise ConflictError("Scoring has not started yet.")
    _refuse_if_technical_final(evaluation)
    workload = selectors.evaluator_workload(evaluation=evaluation, user=actor)
    if workload.total == 0 and not workload.vendors:
        raise PermissionDeniedError("You have nothing to score in this RFP.")
    if workload.undeclared:
        names = ", ".join(v.vendor for v in workload.undeclared)
        raise ApplicationError(f"Declare first whether you have a conflict of interest: {names}.")
    missing = workload.total - workload.scored
    if missing:
        raise ApplicationError(
            f"You have scored {workload.scored} of {workload.total} items: score the other "
            f"{missing} before submitting."
        )
    locked_lots = _locked_lots(evaluation)
    drafts = [
        item.score
        for item in workload.items
        if item.score is not None and not item.score.is_submitted
    ]
    if any(score.lot_id in locked_lots for score in drafts):
        raise ConflictError("An award is approved: its lot's scores are locked.")
    if not drafts:
        raise ConflictError("Your scores are already submitted.")
    now = timezone.now()
    with transaction.atomic():
        count = EvaluatorScore.objects.filter(
            pk__in=[s.pk for s in drafts], submitted_at__isnull=True
        ).update(submitted_at=now)
        audit_record(
            actor=actor,
            action="scoring.scores_submitted",
            obj=evaluation,
            organization=rfp.organization,
            summary=f"{actor} submitted {count} score{'s' if count != 1 else ''} for "
            f"{rfp.reference}",
            data={"count": count},
        )
    return count


# --- Consensus -----------------------------------------------------------------------------------


def _item_checks(
    evaluation: Evaluation, criterion: Criterion, proposal: Proposal, lot: Lot
) -> None:
    if criterion.evaluation_id != evaluation.pk or not criterion.is_scored_by_evaluators:
        raise NotFoundError("This criterion is not scored by evaluators in this evaluation.")
    if lot.rfp_id != evaluation.rfp_id or proposal.rfp_id != evaluation.rfp_id:
        raise NotFoundError("Proposal or lot not found.")
    if not evaluation.scoring_started:
        raise ConflictError("Scoring has not started yet.")
    _refuse_if_technical_final(evaluation)
    if lot.pk in _locked_lots(evaluation):
        raise ConflictError(f"The award of lot “{lot.name}” is approved: its scores are locked.")
    if not proposal.counts:
        raise ConflictError("Only a submitted proposal that was not withdrawn is evaluated.")


def consensus_set(
    *,
    actor: User,
    evaluation: Evaluation,
    criterion: Criterion,
    proposal: Proposal,
    lot: Lot,
    score: Any,
    justification: str,
) -> ConsensusScore:
    """The procurement manager records the score the panel agreed for an item
    (0-10, one decimal at most), with a justification; it replaces the
    evaluators' mean or median in the results."""
    require_manager(actor, evaluation.rfp)
    errors: dict[str, str] = {}
    value = _parse_decimal(score, "score", errors, "The consensus score")
    if value is not None:
        if not Decimal(SCORE_MIN) <= value <= Decimal(SCORE_MAX):
            errors["score"] = "The consensus score is between 0 and 10."
        elif value != value.quantize(Decimal("0.1")):
            errors["score"] = "Give the consensus score with at most one decimal."
    justification = clean_text(justification)
    if len(justification) < MIN_JUSTIFICATION:
        errors["justification"] = (
            "Explain the agreed score in a sentence or two: it is shown with the results and "
            "in the report."
        )
    if errors:
        raise ApplicationError.for_fields(errors)
    assert value is not None
    _item_checks(evaluation, criterion, proposal, lot)
    with transaction.atomic():
        lock_evaluation(evaluation)
        current = (
            ConsensusScore.objects.select_for_update(of=("self",))
            .filter(criterion=criterion, proposal=proposal, lot=lot)
            .first()
        )
        before = f"{current.score:f}" if current else None
        if current is None:
            current = ConsensusScore(
                evaluation=evaluation, criterion=criterion, proposal=proposal, lot=lot
            )
        current.score = value
        current.justification = justification
        current.set_by = actor
        current.save()
        vendor = proposal.company.display_name
        audit_record(
            actor=actor,
            action="scoring.consensus_set",
            obj=current,
            organization=evaluation.rfp.organization,
            summary=f"{actor} set the consensus score of {vendor} on “{criterion.name}” to "
            f"{value:f}" + (f" (was {before})" if before else ""),
            data={
                "criterion": criterion.pk,
                "proposal": proposal.pk,
                "lot": lot.pk,
                "before": before,
                "after": f"{value:f}",
                "justification": justification,
            },
        )
    return current


def consensus_clear(
    *, actor: User, evaluation: Evaluation, criterion: Criterion, proposal: Proposal, lot: Lot
) -> None:
    """Go back to the evaluators' mean or median for an item."""
    require_manager(actor, evaluation.rfp)
    _item_checks(evaluation, criterion, proposal, lot)
    with transaction.atomic():
        current = ConsensusScore.objects.filter(
            criterion=criterion, proposal=proposal, lot=lot
        ).first()
        if current is None:
            return
        before = f"{current.score:f}"
        current.delete()
        audit_record(
            actor=actor,
            action="scoring.consensus_cleared",
            obj=evaluation,
            organization=evaluation.rfp.organization,
            summary=f"{actor} removed the consensus score ({before}) of "
            f"{proposal.company.display_name} on “{criterion.name}”",
            data={"criterion": criterion.pk, "proposal": proposal.pk, "lot": lot.pk},
        )


# --- The end of the technical evaluation ---------------------------------------------------------


def technical_evaluation_finalise(
    *, actor: User, evaluation: Evaluation, comment: str = ""
) -> EnvelopeOpening:
    """Two-envelope RFPs: the procurement manager finalises the technical evaluation,
    which opens the prices (the proposals' commercial envelope). Whether it is final
    (every technical item scored, flagged items given a consensus score) is checked by
    commercial_envelope_open itself, through scoring_results.technical_evaluation_blockers:
    the same rule whichever door opens the prices."""
    rfp = evaluation.rfp
    require_manager(actor, rfp)
    if not rfp.two_envelopes:
        raise ConflictError("This RFP has one envelope: its prices opened with the proposals.")
    if envelope_state(rfp).commercial_open:
        raise ConflictError("The technical evaluation is already finalised: prices are open.")
    with transaction.atomic():
        opening = commercial_envelope_open(
            actor=actor, rfp=rfp, comment=clean_text(comment) or "Technical evaluation finalised."
        )
        audit_record(
            actor=actor,
            action="scoring.technical_finalised",
            obj=evaluation,
            organization=rfp.organization,
            summary=f"{actor} finalised the technical evaluation of {rfp.reference}: prices open",
        )
    return opening
