"""Input serializers for the scoring API, and the documented shape of its output.

The results are computed as frozen dataclasses by `scoring.selectors.
evaluation_results` and returned as `scoring_results.results_as_dict(...)` (fast:
no serializer walks a hundred proposals field by field). The `*Schema`
serializers below describe that shape for the OpenAPI schema; a test keeps
them in step with the dataclasses.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from scoring.models import Aggregation, RankingMethod, Source

# --- Input ---------------------------------------------------------------------------------------


def _addendum_summary() -> serializers.CharField:
    """Every criteria write takes one: after publication the change is an addendum."""
    return serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Once the RFP is published (until its deadline): what changed, sent to the "
        "invited vendors as a numbered addendum. Required then.",
    )


class SetupSerializer(serializers.Serializer[Any]):
    rfp = serializers.IntegerField(help_text="The RFP to evaluate.")
    addendum_summary = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Only for an RFP published without criteria, which may get them once: "
        "the addendum vendors receive while it takes bids.",
    )


class SettingsSerializer(serializers.Serializer[Any]):
    ranking_method = serializers.ChoiceField(choices=RankingMethod.choices)
    aggregation = serializers.ChoiceField(choices=Aggregation.choices)
    discussion_threshold = serializers.DecimalField(max_digits=3, decimal_places=1)
    show_subcriteria_to_vendors = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Vendors see the sub-criteria and their weights too; omitted: unchanged.",
    )
    addendum_summary = _addendum_summary()


class CriterionInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    source = serializers.ChoiceField(choices=Source.choices, allow_blank=True)
    parent = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    rubric = serializers.CharField(required=False, allow_blank=True, default="")
    addendum_summary = _addendum_summary()


class WeightsSerializer(serializers.Serializer[Any]):
    parent = serializers.IntegerField(
        allow_null=True, help_text="The group whose sub-criteria are weighted; null: main criteria."
    )
    weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=7, decimal_places=4),
        help_text="Criterion id -> percent; the level must add up to 100.",
    )
    addendum_summary = _addendum_summary()


class AHPSerializer(serializers.Serializer[Any]):
    parent = serializers.IntegerField(allow_null=True)
    criterion_ids = serializers.ListField(child=serializers.IntegerField(), min_length=2)
    matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()),
        help_text="Square, reciprocal, every value between 1/9 and 9 (Saaty's scale); rows and "
        "columns in criterion_ids order.",
    )
    addendum_summary = _addendum_summary()


class AssignmentInputSerializer(serializers.Serializer[Any]):
    evaluator = serializers.IntegerField()
    criteria = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    lot = serializers.IntegerField(required=False, allow_null=True, default=None)


class DeclarationSerializer(serializers.Serializer[Any]):
    company = serializers.IntegerField()
    has_conflict = serializers.BooleanField()
    details = serializers.CharField(required=False, allow_blank=True, default="")


class ConflictsSerializer(serializers.Serializer[Any]):
    declarations = DeclarationSerializer(many=True)


class ScoreEntrySerializer(serializers.Serializer[Any]):
    criterion = serializers.IntegerField()
    lot = serializers.IntegerField()
    score = serializers.JSONField(help_text="A whole number from 0 to 10; null clears a draft.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ScoresSerializer(serializers.Serializer[Any]):
    proposal = serializers.IntegerField()
    scores = ScoreEntrySerializer(many=True)


class ConsensusInputSerializer(serializers.Serializer[Any]):
    criterion = serializers.IntegerField()
    proposal = serializers.IntegerField()
    lot = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    justification = serializers.CharField(required=False, allow_blank=True, default="")


class WhatIfSerializer(serializers.Serializer[Any]):
    weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=7, decimal_places=4, min_value=0, max_value=100),
        help_text="Criterion id -> percent of its siblings; each level is rescaled to 100 %.",
    )
    lot = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate_weights(self, value: dict[str, Any]) -> dict[str, Any]:
        if not all(re.fullmatch(r"[0-9]+", key) for key in value):
            raise serializers.ValidationError("Key each weight by its criterion's id (a number).")
        return value


class FinaliseSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AwardProposeSerializer(serializers.Serializer[Any]):
    lot = serializers.IntegerField()
    winners = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    justification = serializers.CharField()
    notify_ranks = serializers.BooleanField(default=False)


class DecisionSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


# --- Output --------------------------------------------------------------------------------------


class EvaluationSummarySchema(serializers.Serializer[Any]):
    rfp = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    ranking_method = serializers.CharField()
    aggregation = serializers.CharField()
    discussion_threshold = serializers.CharField()
    show_subcriteria_to_vendors = serializers.BooleanField()
    set_after_publication = serializers.BooleanField()
    scoring_started_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(help_text="Its settings' last change.")


class AHPSchema(serializers.Serializer[Any]):
    parent_id = serializers.IntegerField(allow_null=True)
    criterion_ids = serializers.ListField(child=serializers.IntegerField())
    names = serializers.ListField(child=serializers.CharField())
    matrix = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))
    priorities = serializers.ListField(child=serializers.FloatField())
    lambda_max = serializers.FloatField()
    consistency_index = serializers.FloatField()
    consistency_ratio = serializers.FloatField()
    random_index = serializers.FloatField()
    is_consistent = serializers.BooleanField()
    most_inconsistent = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    current_value = serializers.FloatField(allow_null=True)
    suggested_value = serializers.FloatField(allow_null=True)
    message = serializers.CharField()


class CriterionNodeSchema(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    path = serializers.CharField()
    standard = serializers.CharField()
    source = serializers.CharField()
    source_label = serializers.CharField()
    kind = serializers.CharField(help_text="benefit, cost or group")
    description = serializers.CharField()
    rubric = serializers.CharField()
    weight_percent = serializers.FloatField(help_text="Of its siblings, as stored (or what-if).")
    effective_percent = serializers.FloatField(help_text="Of its siblings, as used.")
    global_percent = serializers.FloatField(help_text="Of the total, as used.")
    excluded = serializers.BooleanField(help_text="Set aside: prices are still sealed.")
    children = serializers.ListField(child=serializers.DictField(), help_text="CriterionNode")
    ahp = AHPSchema(allow_null=True)


class ExplanationRowSchema(serializers.Serializer[Any]):
    label = serializers.CharField()
    detail = serializers.CharField()
    value = serializers.CharField()


class EvaluatorScoreSchema(serializers.Serializer[Any]):
    evaluator_id = serializers.IntegerField()
    evaluator = serializers.CharField()
    score = serializers.IntegerField()
    comment = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)


class ConsensusSchema(serializers.Serializer[Any]):
    score = serializers.CharField()
    justification = serializers.CharField()
    set_by = serializers.CharField()
    set_at = serializers.DateTimeField()


class ItemScoresSchema(serializers.Serializer[Any]):
    scores = EvaluatorScoreSchema(many=True)
    aggregation = serializers.CharField()
    aggregate = serializers.FloatField(allow_null=True)
    spread = serializers.FloatField(allow_null=True)
    needs_discussion = serializers.BooleanField()
    consensus = ConsensusSchema(allow_null=True)


class LeafScoreSchema(serializers.Serializer[Any]):
    criterion_id = serializers.IntegerField()
    name = serializers.CharField()
    path = serializers.CharField()
    source = serializers.CharField()
    kind = serializers.CharField()
    global_percent = serializers.FloatField()
    raw = serializers.FloatField(allow_null=True)
    raw_display = serializers.CharField()
    normalised = serializers.FloatField(allow_null=True)
    points = serializers.FloatField(allow_null=True)
    contribution = serializers.FloatField(allow_null=True)
    formula = serializers.CharField()
    rows = ExplanationRowSchema(many=True)
    problem = serializers.CharField()
    evaluators = ItemScoresSchema(allow_null=True)


class CriterionScoreSchema(serializers.Serializer[Any]):
    criterion_id = serializers.IntegerField()
    name = serializers.CharField()
    global_percent = serializers.FloatField()
    score_points = serializers.FloatField(allow_null=True)
    contribution = serializers.FloatField(allow_null=True)


class TCOLineSchema(serializers.Serializer[Any]):
    pricing_line_id = serializers.IntegerField()
    description = serializers.CharField()
    charge_type = serializers.CharField()
    recurrence = serializers.CharField()
    basis = serializers.CharField()
    unit_price = serializers.CharField(help_text="In the bid's currency (`bid_currency`).")
    quantity = serializers.CharField()
    months = serializers.IntegerField()
    bid_total = serializers.CharField(help_text="In the bid's currency (`bid_currency`).")
    total = serializers.CharField(help_text="In the RFP's currency (`currency`).")


class TCOSchema(serializers.Serializer[Any]):
    currency = serializers.CharField(
        help_text="The currency of every total here: the RFP's (converted from the bid's)."
    )
    bid_currency = serializers.CharField(
        help_text="The currency the vendor priced in: its unit prices and line bid totals."
    )
    rate = serializers.CharField(
        allow_null=True, help_text="1 `bid_currency` = `rate` `currency`, as recorded with the bid."
    )
    rate_as_of = serializers.DateField(allow_null=True)
    rate_source = serializers.CharField()
    total = serializers.CharField()
    one_time = serializers.CharField()
    recurring = serializers.CharField()
    per_user = serializers.CharField()
    per_device = serializers.CharField()
    monthly_run_rate = serializers.CharField()
    lines = TCOLineSchema(many=True)


class CentreSchema(serializers.Serializer[Any]):
    name = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    country_name = serializers.CharField()
    share = serializers.CharField()
    location_model = serializers.CharField()
    location_label = serializers.CharField()
    accepted = serializers.BooleanField()
    preferred = serializers.BooleanField()
    preference_points = serializers.FloatField()
    hours_label = serializers.CharField()
    overlap_hours = serializers.FloatField(allow_null=True)
    buyer_hours = serializers.FloatField()
    overlap_points = serializers.FloatField()
    languages = serializers.ListField(child=serializers.CharField())
    languages_matched = serializers.ListField(child=serializers.CharField())
    language_points = serializers.FloatField()


class ProposalResultSchema(serializers.Serializer[Any]):
    proposal_id = serializers.IntegerField()
    company_id = serializers.IntegerField()
    vendor = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    total_points = serializers.FloatField(allow_null=True)
    not_ranked_reason = serializers.CharField()
    compliance = serializers.CharField()
    compliance_label = serializers.CharField()
    compliance_reasons = serializers.ListField(child=serializers.CharField())
    compliance_override_reason = serializers.CharField()
    awardable = serializers.BooleanField()
    criteria = CriterionScoreSchema(many=True)
    leaves = LeafScoreSchema(
        many=True,
        required=False,
        help_text="The per-item drill-down: only with `?expand=leaves`, and in the results "
        "of one proposal.",
    )
    tco = TCOSchema(allow_null=True, help_text="Null while the prices are sealed.")
    centres = CentreSchema(many=True)
    separation_ideal = serializers.FloatField(allow_null=True)
    separation_anti_ideal = serializers.FloatField(allow_null=True)


class ProposalResultsSchema(serializers.Serializer[Any]):
    lot_id = serializers.IntegerField()
    lot_name = serializers.CharField()
    proposal = ProposalResultSchema()


class SensitivitySchema(serializers.Serializer[Any]):
    criterion_id = serializers.IntegerField()
    name = serializers.CharField()
    current_percent = serializers.FloatField()
    new_percent = serializers.FloatField(
        allow_null=True,
        help_text="The criterion's new weight (percent), the other weights unchanged, at "
        "which the rival draws level with the recommended proposal (Triantaphyllou & "
        "Sánchez 1997); null when no weight between 0 and 100 does it.",
    )
    relative_change_percent = serializers.FloatField(
        allow_null=True,
        help_text="That change as a percentage of the current weight (negative: the weight falls).",
    )
    new_winner_id = serializers.IntegerField(allow_null=True)
    new_winner = serializers.CharField()
    direction = serializers.CharField()
    message = serializers.CharField()
    analysed = serializers.BooleanField(
        help_text="False when the TOPSIS search hit its time limit before this criterion."
    )


class FlaggedSchema(serializers.Serializer[Any]):
    criterion_id = serializers.IntegerField()
    criterion = serializers.CharField()
    proposal_id = serializers.IntegerField()
    vendor = serializers.CharField()
    spread = serializers.FloatField()
    resolved = serializers.BooleanField()


class AwardViewSchema(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    winner_ids = serializers.ListField(child=serializers.IntegerField())
    winners = serializers.ListField(child=serializers.CharField())
    justification = serializers.CharField()
    notify_ranks = serializers.BooleanField()
    proposed_by = serializers.CharField()
    proposed_at = serializers.DateTimeField()
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_comment = serializers.CharField()


class CriterionComparisonSchema(serializers.Serializer[Any]):
    criterion_id = serializers.IntegerField()
    name = serializers.CharField()
    global_percent = serializers.FloatField()
    recommended_points = serializers.FloatField(allow_null=True)
    runner_up_points = serializers.FloatField(allow_null=True)
    gain = serializers.FloatField(
        allow_null=True, help_text="Weighted points the recommended proposal gains here."
    )
    message = serializers.CharField()


class BidFlagSchema(serializers.Serializer[Any]):
    proposal_id = serializers.IntegerField()
    vendor = serializers.CharField()
    tco = serializers.DecimalField(max_digits=20, decimal_places=2)
    median = serializers.DecimalField(max_digits=20, decimal_places=2)
    difference_percent = serializers.FloatField()
    kind = serializers.ChoiceField(choices=["low", "high"])
    message = serializers.CharField()


class LotResultsSchema(serializers.Serializer[Any]):
    lot_id = serializers.IntegerField()
    lot_name = serializers.CharField()
    ranking = ProposalResultSchema(many=True)
    not_ranked = ProposalResultSchema(many=True)
    tie_breaks = serializers.ListField(child=serializers.CharField())
    sensitivity = SensitivitySchema(many=True)
    sensitivity_note = serializers.CharField()
    most_critical = serializers.CharField(
        help_text="The percent-top critical criterion: the smallest relative change of its "
        "weight lets an awardable rival draw level with the recommended proposal."
    )
    most_critical_any = serializers.CharField(
        help_text="The percent-any critical criterion: the smallest relative change of its "
        "weight reorders any two awardable proposals."
    )
    most_critical_any_message = serializers.CharField()
    items_total = serializers.IntegerField()
    items_missing = serializers.IntegerField(help_text="Evaluator items with no score at all.")
    items_unscored = serializers.IntegerField(
        help_text="Items of proposals that can win still waiting for an assigned "
        "evaluator's score (or a consensus score)."
    )
    provisional = serializers.BooleanField()
    provisional_note = serializers.CharField()
    flagged = FlaggedSchema(many=True)
    award = AwardViewSchema(allow_null=True)
    award_history = AwardViewSchema(many=True)
    why = CriterionComparisonSchema(
        many=True, help_text="The recommended proposal against the runner-up, per main criterion."
    )
    why_summary = serializers.CharField()
    recommended_tco = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    lowest_tco = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    bid_flags = BidFlagSchema(
        many=True,
        help_text="Compliant bids more than 30 % below or above the median of the compliant bids.",
    )
    bid_flags_note = serializers.CharField()


class ConsensusItemSchema(ItemScoresSchema):
    """One item scored by evaluators: who scored what, the aggregate and spread."""

    criterion_id = serializers.IntegerField()
    criterion = serializers.CharField(help_text="The criterion's path in the tree.")
    proposal_id = serializers.IntegerField()
    vendor = serializers.CharField()


class ConsensusLotSchema(serializers.Serializer[Any]):
    lot_id = serializers.IntegerField()
    lot_name = serializers.CharField()
    items_total = serializers.IntegerField()
    items_missing = serializers.IntegerField()
    flagged = FlaggedSchema(many=True)
    items = ConsensusItemSchema(many=True)


class EvaluationResultsSchema(serializers.Serializer[Any]):
    rfp_id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    organization = serializers.CharField()
    currency = serializers.CharField()
    method = serializers.CharField()
    method_label = serializers.CharField()
    aggregation = serializers.CharField()
    aggregation_label = serializers.CharField()
    discussion_threshold = serializers.FloatField()
    two_envelopes = serializers.BooleanField()
    commercial_open = serializers.BooleanField()
    cost_excluded = serializers.BooleanField()
    what_if = serializers.BooleanField()
    scoring_started = serializers.BooleanField()
    criteria_set_after_publication = serializers.BooleanField(
        help_text="The RFP was published without criteria and got them once, afterwards."
    )
    criteria = CriterionNodeSchema(many=True)
    top_level_ahp = AHPSchema(allow_null=True)
    problems = serializers.ListField(child=serializers.CharField())
    lots = LotResultsSchema(many=True)
    score_bands = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    generated_at = serializers.DateTimeField()
    items_unscored = serializers.IntegerField()
    provisional = serializers.BooleanField(
        help_text="True while any item of a proposal that can win is unscored: the ranking "
        "may still change and no award can be proposed."
    )
    provisional_note = serializers.CharField()
    budget = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, help_text="The internal budget."
    )
    budget_check = serializers.CharField()


class EvaluationDetailSchema(serializers.Serializer[Any]):
    rfp = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    ranking_method = serializers.CharField()
    aggregation = serializers.CharField()
    discussion_threshold = serializers.CharField()
    show_subcriteria_to_vendors = serializers.BooleanField()
    set_after_publication = serializers.BooleanField()
    criteria_lock = serializers.ChoiceField(
        choices=["open", "addendum", "locked"],
        help_text="open: a draft, change freely; addendum: published, each change is an "
        "addendum vendors receive; locked: waiting for approval or past the deadline.",
    )
    criteria_lock_message = serializers.CharField()
    scoring_started_at = serializers.DateTimeField(allow_null=True)
    criteria = CriterionNodeSchema(many=True)
    problems = serializers.ListField(child=serializers.CharField())
    history = serializers.ListField(child=serializers.DictField())


class WhatIfResultSchema(serializers.Serializer[Any]):
    weights = CriterionNodeSchema(many=True)
    lots = serializers.ListField(child=serializers.DictField())


class ScoreSchema(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    evaluator = serializers.IntegerField()
    evaluator_name = serializers.CharField()
    criterion = serializers.IntegerField()
    proposal = serializers.IntegerField()
    lot = serializers.IntegerField()
    score = serializers.IntegerField()
    comment = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)


class AssignmentSchema(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    evaluator = serializers.IntegerField()
    evaluator_name = serializers.CharField()
    criterion = serializers.IntegerField()
    lot = serializers.IntegerField(allow_null=True)
