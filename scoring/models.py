"""Scoring: one evaluation per RFP, its criteria tree and weights, the evaluator
panel (assignments, conflict-of-interest declarations, 0-10 scores), the
consensus the procurement manager records, and the award decisions.

The numbers themselves are computed from what people decided: `scoring.results.
evaluation_results` computes every score from the submitted proposals, the
evaluators' scores and the weights, with the pure mathematics of `scoring.engine`.
Its output is kept (`StoredResults`) under a key of its inputs' state
(`ResultsInputs`, counted by the database itself), and recomputed when they change.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

SCORE_MIN = 0
SCORE_MAX = 10
# Scores at the extremes of the scale need a comment: the evaluator says why.
COMMENT_REQUIRED_AT_OR_BELOW = 2
COMMENT_REQUIRED_AT_OR_ABOVE = 9

# The rubric every evaluator-scored criterion shares (a criterion adds its own guidance).
SCORE_BANDS: list[tuple[str, str, str]] = [
    ("0–2", "Unacceptable", "Does not meet the requirement, or major gaps. Comment required."),
    ("3–4", "Weak", "Meets part of the requirement; significant concerns."),
    ("5–6", "Acceptable", "Meets the requirement."),
    ("7–8", "Good", "Meets the requirement fully and exceeds it in places."),
    (
        "9–10",
        "Excellent",
        "Clearly exceeds the requirement; evidence of best practice. Comment required.",
    ),
]


class RankingMethod(models.TextChoices):
    WEIGHTED_SUM = "weighted_sum", "Weighted sum"
    TOPSIS = "topsis", "TOPSIS (closeness to the ideal proposal)"


class Aggregation(models.TextChoices):
    MEAN = "mean", "Mean of the evaluators' scores"
    MEDIAN = "median", "Median of the evaluators' scores"


class Source(models.TextChoices):
    """Where a criterion's value comes from. A criterion without a source is a
    group: its value is the weighted sum of its sub-criteria."""

    GROUP = "", "Group of sub-criteria"
    EVALUATORS = "evaluators", "Scored by evaluators (0–10)"
    TCO = "tco", "Automatic: total cost of ownership"
    LOCATION_MODEL = "location_model", "Automatic: onshore, nearshore or offshore preference"
    BUSINESS_HOURS = "business_hours", "Automatic: business-hours overlap"
    LANGUAGES = "languages", "Automatic: language match"
    KNOCKOUTS = "knockouts", "Automatic: knock-out questions"
    CERTIFICATIONS = "certifications", "Automatic: required certifications"
    SLA = "sla", "Automatic: SLA commitments"


AUTOMATIC_SOURCES = frozenset(
    {
        Source.TCO,
        Source.LOCATION_MODEL,
        Source.BUSINESS_HOURS,
        Source.LANGUAGES,
        Source.KNOCKOUTS,
        Source.CERTIFICATIONS,
        Source.SLA,
    }
)
# Sources that read prices: hidden until the commercial envelope opens.
COMMERCIAL_SOURCES = frozenset({Source.TCO})


class Standard(models.TextChoices):
    COST = "cost", "Cost"
    QUALITY = "quality", "Quality"
    TECHNOLOGY = "technology", "Technology"
    LOCATION = "location", "Location"


class Evaluation(models.Model):
    """How an RFP's proposals are scored. The criteria, their weights and the method
    are part of the RFP: set while it is drafted, locked when it is published (changed
    before the deadline only by an addendum vendors see, never after it). The lock
    follows the RFP's state: see `scoring.selectors.criteria_lock`."""

    rfp = models.OneToOneField("rfp.RFP", on_delete=models.CASCADE, related_name="evaluation")
    ranking_method = models.CharField(
        max_length=16, choices=RankingMethod.choices, default=RankingMethod.WEIGHTED_SUM
    )
    aggregation = models.CharField(
        "evaluators' scores combined by",
        max_length=8,
        choices=Aggregation.choices,
        default=Aggregation.MEAN,
    )
    discussion_threshold = models.DecimalField(
        "discussion threshold (points)",
        max_digits=3,
        decimal_places=1,
        default=Decimal("3.0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text="When the highest and lowest score of an item are this far apart, "
        "the item is flagged for discussion.",
    )
    show_subcriteria_to_vendors = models.BooleanField(
        "show the sub-criteria to vendors",
        default=False,
        help_text="Vendors always see the main criteria and their weights; tick to show "
        "the sub-criteria and their weights too.",
    )
    set_after_publication = models.BooleanField(
        "criteria set after publication",
        default=False,
        editable=False,
        help_text="The RFP was published without criteria (before they were part of the "
        "RFP) and got them afterwards, once: the results and the report say so.",
    )
    scoring_started_at = models.DateTimeField(null=True, blank=True)
    scoring_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Evaluation of RFP {self.rfp_id}"

    @property
    def scoring_started(self) -> bool:
        return self.scoring_started_at is not None


class Criterion(models.Model):
    """A node of the criteria tree. `weight` is a percentage of its siblings
    (the children of one parent add up to 100 %)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    rubric = models.TextField(
        blank=True, help_text="What evaluators look for, and what earns a high or low score."
    )
    source = models.CharField(max_length=20, choices=Source.choices, blank=True, default="")
    standard = models.CharField(max_length=12, choices=Standard.choices, blank=True, default="")
    weight = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0) & Q(weight__lte=100), name="criterion_weight_percent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_group(self) -> bool:
        return self.source == Source.GROUP

    @property
    def is_automatic(self) -> bool:
        return self.source in AUTOMATIC_SOURCES

    @property
    def is_scored_by_evaluators(self) -> bool:
        return self.source == Source.EVALUATORS

    @property
    def is_cost(self) -> bool:
        return self.source in COMMERCIAL_SOURCES


class WeightMatrix(models.Model):
    """The AHP pairwise comparisons behind one level's weights: `matrix[i][j]`
    says how many times more important `criterion_ids[i]` is than
    `criterion_ids[j]` (Saaty's 1-9 scale). A level without one has direct weights."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="weight_matrices"
    )
    parent = models.ForeignKey(
        Criterion, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    criterion_ids = models.JSONField()
    matrix = models.JSONField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "parent"],
                condition=Q(parent__isnull=False),
                name="one_matrix_per_criterion",
            ),
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=Q(parent__isnull=True),
                name="one_top_level_matrix",
            ),
        ]

    def __str__(self) -> str:
        return f"AHP matrix under {self.parent_id or 'the top level'}"


class CriteriaChange(models.Model):
    """The visible history of the criteria, weights and method. A change made after
    the RFP was published (`after_lock`) went out as the addendum it names; `reason`
    holds the reasons the old "change after scoring started" path asked for."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    after_lock = models.BooleanField("after publication", default=False)
    addendum = models.ForeignKey(
        "rfp.Addendum", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.summary


class EvaluatorAssignment(models.Model):
    """An evaluator scores a criterion (every evaluator-scored criterion under it),
    for one lot or, without a lot, for every lot."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scoring_assignments"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="assignments")
    lot = models.ForeignKey(
        "rfp.Lot", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["evaluator__full_name", "evaluator__email", "criterion__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluator", "criterion", "lot"],
                condition=Q(lot__isnull=False),
                name="one_assignment_per_lot",
            ),
            models.UniqueConstraint(
                fields=["evaluator", "criterion"],
                condition=Q(lot__isnull=True),
                name="one_assignment_for_all_lots",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator_id} scores {self.criterion_id}"


class ConflictDeclaration(models.Model):
    """Before seeing a vendor's proposal, an evaluator declares whether they have a
    conflict of interest with that vendor. A conflict removes them from it."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey("vendors.VendorCompany", on_delete=models.CASCADE, related_name="+")
    has_conflict = models.BooleanField()
    details = models.TextField(blank=True)
    declared_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["declared_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "evaluator", "company"], name="one_declaration_per_vendor"
            )
        ]

    def __str__(self) -> str:
        state = "conflict" if self.has_conflict else "no conflict"
        return f"{self.evaluator_id} / {self.company_id}: {state}"


class EvaluatorScore(models.Model):
    """One evaluator's 0-10 score of one item: a criterion, for one proposal, in
    one lot. A draft until the evaluator submits; never changed after that."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="+")
    lot = models.ForeignKey("rfp.Lot", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )
    comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["criterion__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluator", "criterion", "proposal", "lot"], name="one_score_per_item"
            ),
            models.CheckConstraint(condition=Q(score__lte=SCORE_MAX), name="score_at_most_10"),
        ]
        indexes = [models.Index(fields=["evaluation", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.score}/10 by {self.evaluator_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class ConsensusScore(models.Model):
    """The score the procurement manager sets for an item after discussion, with
    the justification; it replaces the evaluators' mean or median."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="consensus_scores"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="+")
    lot = models.ForeignKey("rfp.Lot", on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(SCORE_MIN)), MaxValueValidator(Decimal(SCORE_MAX))],
    )
    justification = models.TextField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["criterion", "proposal", "lot"], name="one_consensus_per_item"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN) & Q(score__lte=SCORE_MAX),
                name="consensus_on_the_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"Consensus {self.score} on {self.criterion_id}/{self.proposal_id}"


class AwardStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for approval"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Sent back"


class AwardDecision(models.Model):
    """The procurement manager proposes the award of a lot (one vendor, or several
    for multisourcing) with a justification; an admin approves or sends it back.
    Returned proposals stay as history."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="awards")
    lot = models.ForeignKey("rfp.Lot", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=AwardStatus.choices, default=AwardStatus.PROPOSED
    )
    winners = models.ManyToManyField("proposals.Proposal", related_name="+")
    justification = models.TextField()
    notify_ranks = models.BooleanField(
        "tell the other bidders their rank",
        default=False,
        help_text="Unsuccessful bidders always learn the outcome; tick to also tell each its "
        "rank. Scores are never shared.",
    )
    ranking_snapshot = models.JSONField(
        default=list, blank=True, help_text="The ranking the decision was made on."
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["lot__order", "lot_id", "-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot"],
                condition=Q(status__in=["proposed", "approved"]),
                name="one_open_award_per_lot",
            )
        ]

    def __str__(self) -> str:
        return f"Award of lot {self.lot_id} ({self.status})"

    @property
    def is_approved(self) -> bool:
        return self.status == AwardStatus.APPROVED


class ResultsInputs(models.Model):
    """How many times what an RFP's results read has been written: kept by database
    triggers on every input table (`scoring.results.inputs`), in the same transaction
    as the write, so that no write path (a service, the admin, a bulk `update()`, raw
    SQL) can change an input without changing this number. A plain id rather than a
    foreign key: the triggers also count the writes that delete the RFP."""

    rfp_id = models.BigIntegerField(primary_key=True)
    generation = models.BigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "results inputs"

    def __str__(self) -> str:
        return f"RFP {self.rfp_id}: generation {self.generation}"


class StoredResults(models.Model):
    """An RFP's computed results (every lot, or one), as the page, the API and the
    reports read them, stored with the key of the inputs they were computed from
    (see `scoring.results.stored`). Never computed while the proposals are sealed, and
    computed without any price while the commercial envelope is."""

    ALL_LOTS = 0

    rfp = models.ForeignKey("rfp.RFP", on_delete=models.CASCADE, related_name="+")
    lot_id = models.BigIntegerField(default=ALL_LOTS)
    # sha256 of the inputs' generation, the envelopes' state and the code's version.
    inputs_key = models.CharField(max_length=64)
    generation = models.BigIntegerField()
    technical_open = models.BooleanField()
    commercial_open = models.BooleanField()
    computed_at = models.DateTimeField()
    compute_ms = models.PositiveIntegerField()
    # The EvaluationResults, pickled and signed with the secret key (read only if the
    # signature matches); and the API's JSON without the per-criterion drill-down.
    results = models.BinaryField()
    summary_json = models.BinaryField()

    class Meta:
        verbose_name_plural = "stored results"
        constraints = [
            models.UniqueConstraint(fields=["rfp", "lot_id"], name="one_stored_result_per_lot")
        ]

    def __str__(self) -> str:
        return f"Results of RFP {self.rfp_id} (lot {self.lot_id or 'all'})"
