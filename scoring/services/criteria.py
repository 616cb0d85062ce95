"""Setting up the evaluation (the standard criteria or a template's, a copy for a
template, the lock recorded at publication), its method settings, and adding,
changing and removing criteria."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from accounts.models import User
from bpo_portal.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
)
from rfp import services as rfp_services
from rfp.models import RFP
from scoring import selectors
from scoring.models import (
    Aggregation,
    Criterion,
    Evaluation,
    RankingMethod,
    Source,
    WeightMatrix,
)
from scoring.services._common import (
    CLOSED_STATUSES,
    HUNDRED,
    WEIGHT_PLACES,
    addendum_summary_needed,
    check_parent,
    children_of,
    clean_text,
    criteria_may_change,
    drop_matrix,
    lock_for_criteria,
    parse_decimal,
    publish_change,
    record_change,
    refuse_if_closed,
    require_manager,
    weight_label,
)
from scoring.starter_criteria import DEFAULT_CRITERIA, create_criteria


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


# --- Setting up the evaluation -------------------------------------------------------------------


def _weights_snapshot(evaluation: Evaluation) -> dict[str, str]:
    """Every criterion's weight in percent of its level, by path (for the audit log)."""
    tree = selectors.build_tree(selectors.criteria_of(evaluation))
    return {node.path: f"{node.criterion.weight.normalize():f}" for node in selectors.walk(tree)}


def _main_weights(evaluation: Evaluation) -> str:
    return ", ".join(f"{c.name} {weight_label(c.weight)}" for c in children_of(evaluation, None))


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
        record_change(
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
            record_change(
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
        record_change(
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
    record_change(
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
    threshold = parse_decimal(
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
        locked = lock_for_criteria(evaluation)
        refuse_if_closed(locked)
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
        lock = criteria_may_change(locked) if locking else None
        if lock is not None:
            addendum_summary_needed(lock, addendum_summary)
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
            publish_change(
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
        record_change(
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
    check_parent(evaluation, parent)
    name, source, description, rubric = _clean_criterion(name, source, description, rubric)
    with transaction.atomic():
        locked = lock_for_criteria(evaluation)
        lock = criteria_may_change(locked)
        addendum_summary_needed(lock, addendum_summary)
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
        siblings = children_of(locked, parent)
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
        dropped = drop_matrix(locked, parent)
        where = f" under {parent.name}" if parent else ""
        summary = (
            f"{actor} added the criterion “{name}”{where} ({criterion.get_source_display()})"
            + (": the AHP comparisons of its level were cleared" if dropped else "")
        )
        addendum = publish_change(
            locked,
            actor,
            lock,
            addendum_summary,
            [f"Evaluation criteria: “{name}” added{where}, {weight_label(criterion.weight)}"],
            summary,
        )
        record_change(
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
        locked = lock_for_criteria(evaluation)
        lock = criteria_may_change(locked)
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
        addendum_summary_needed(lock, addendum_summary)
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
        addendum = publish_change(
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
        record_change(
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
        locked = lock_for_criteria(evaluation)
        lock = criteria_may_change(locked)
        addendum_summary_needed(lock, addendum_summary)
        current = (
            Criterion.objects.select_for_update(of=("self",))
            .select_related("parent")
            .get(pk=criterion.pk)
        )
        parent = current.parent
        name = current.name
        siblings_before = {
            c.pk: c.weight for c in children_of(locked, parent) if c.pk != current.pk
        }
        current.delete()
        siblings = children_of(locked, parent)
        _rebalance(siblings)
        drop_matrix(locked, parent)
        summary = (
            f"{actor} removed the criterion “{name}”; the weights of the others at its level "
            "were scaled back to 100 % in proportion"
        )
        addendum = publish_change(
            locked,
            actor,
            lock,
            addendum_summary,
            [f"Evaluation criteria: “{name}” removed"]
            + [
                f"Evaluation criteria: {c.name} {weight_label(siblings_before[c.pk])} → "
                f"{weight_label(c.weight)}"
                for c in siblings
                if siblings_before[c.pk] != c.weight
            ],
            summary,
        )
        record_change(
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
