"""Forms of the scoring pages. They only parse and show input; the rules are in
scoring.services, which the views call with the cleaned data."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms

from scoring.models import (
    COMMENT_REQUIRED_AT_OR_ABOVE,
    COMMENT_REQUIRED_AT_OR_BELOW,
    SCORE_MAX,
    SCORE_MIN,
    Aggregation,
    Criterion,
    RankingMethod,
    Source,
)

ADDENDUM_HELP = (
    "The RFP is published: this change is sent to every invited vendor as a numbered "
    "addendum. Say what changed and why, in a sentence."
)


class CriteriaForm(forms.Form):
    """A form that changes the criteria: once the RFP is published it asks for the
    addendum's summary, which vendors receive (the service refuses a change without it)."""

    addendum_required = True

    def __init__(self, *args: Any, addendum: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.addendum = addendum
        if addendum:
            self.fields["addendum_summary"] = forms.CharField(
                label="Addendum for vendors",
                required=self.addendum_required,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=ADDENDUM_HELP,
                error_messages={
                    "required": "The RFP is published: say what changed. Invited vendors "
                    "receive it as an addendum."
                },
            )

    def keep_addendum_last(self) -> None:
        if "addendum_summary" in self.fields:
            self.fields["addendum_summary"] = self.fields.pop("addendum_summary")


class SettingsForm(CriteriaForm):
    # Needed only when the method or what vendors see changes (the threshold is internal).
    addendum_required = False

    ranking_method = forms.ChoiceField(
        label="Ranking method",
        choices=RankingMethod.choices,
        widget=forms.RadioSelect,
        help_text="Weighted sum: each proposal's points are its weighted scores added up. "
        "TOPSIS: how close each proposal is to an ideal one that is best on every criterion.",
    )
    aggregation = forms.ChoiceField(
        label="Evaluators' scores are combined by their",
        choices=Aggregation.choices,
        widget=forms.RadioSelect,
        help_text="The median is not moved by one evaluator who is far from the others.",
    )
    show_subcriteria_to_vendors = forms.BooleanField(
        label="Show the sub-criteria and their weights to vendors",
        required=False,
        help_text="Vendors always see the main criteria and their weights with the RFP.",
    )
    discussion_threshold = forms.DecimalField(
        label="Flag an item for discussion when its scores are this far apart (points of 10)",
        min_value=Decimal(0),
        max_value=Decimal(10),
        decimal_places=1,
        help_text="For the panel only: it can change until an award is approved.",
    )

    def __init__(self, *args: Any, locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if locked:  # what vendors bid against: shown, not offered (the service refuses it too)
            for name in ("ranking_method", "aggregation", "show_subcriteria_to_vendors"):
                self.fields[name].disabled = True


SOURCE_CHOICES = [(value, label) for value, label in Source.choices]


class CriterionForm(CriteriaForm):
    name = forms.CharField(max_length=120)
    source = forms.ChoiceField(
        label="Where its value comes from",
        choices=SOURCE_CHOICES,
        help_text="A group adds up its sub-criteria; evaluators score 0–10 against the rubric; "
        "automatic criteria are computed from the proposals, with their explanation.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    rubric = forms.CharField(
        label="Rubric for evaluators",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What earns a high or a low score. Evaluators see it beside every item.",
    )


class WeightsForm(CriteriaForm):
    """One percentage per criterion of a level."""

    def __init__(self, *args: Any, criteria: Sequence[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"weight_{criterion.pk}"] = forms.DecimalField(
                label=criterion.name,
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=4,
                initial=criterion.weight.normalize(),
                widget=forms.NumberInput(attrs={"step": "any", "class": "text-end"}),
            )
        self.keep_addendum_last()

    def weights(self) -> dict[int, Decimal]:
        return {c.pk: self.cleaned_data[f"weight_{c.pk}"] for c in self.criteria}


SAATY_VALUES = [
    "9",
    "8",
    "7",
    "6",
    "5",
    "4",
    "3",
    "2",
    "1",
    "1/2",
    "1/3",
    "1/4",
    "1/5",
    "1/6",
    "1/7",
    "1/8",
    "1/9",
]
SAATY_WORDS = {
    1: "equally",
    3: "moderately more",
    5: "strongly more",
    7: "very strongly more",
    9: "extremely more",
}


def saaty_choices(first: str, second: str) -> list[tuple[str, str]]:
    choices = []
    for value in SAATY_VALUES:
        if value == "1":
            choices.append((value, "Equally important (1)"))
            continue
        number = int(value.split("/")[-1])
        winner = first if "/" not in value else second
        words = SAATY_WORDS.get(number, "more")
        choices.append((value, f"{winner} {words} important ({number})"))
    return choices


def judgement_choice(value: float) -> str:
    """The select value closest to a stored judgement."""
    if value >= 1:
        return str(min(max(round(value), 1), 9))
    return f"1/{min(max(round(1 / value), 2), 9)}"


class AHPForm(CriteriaForm):
    """One judgement per pair of criteria (the upper triangle of the matrix)."""

    def __init__(
        self,
        *args: Any,
        criteria: Sequence[Criterion],
        matrix: Sequence[Sequence[float]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.pairs: list[tuple[int, int, str]] = []
        for i, first in enumerate(self.criteria):
            for j in range(i + 1, len(self.criteria)):
                second = self.criteria[j]
                name = f"pair_{first.pk}_{second.pk}"
                initial = judgement_choice(matrix[i][j]) if matrix else "1"
                self.fields[name] = forms.ChoiceField(
                    label=f"{first.name} compared with {second.name}",
                    choices=saaty_choices(first.name, second.name),
                    initial=initial,
                )
                self.pairs.append((i, j, name))
        self.keep_addendum_last()

    def judgements(self) -> dict[tuple[int, int], str]:
        return {(i, j): self.cleaned_data[name] for i, j, name in self.pairs}


class AssignmentForm(forms.Form):
    criteria = forms.MultipleChoiceField(
        label="Scores",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    lot = forms.ChoiceField(label="In", required=False)

    def __init__(
        self,
        *args: Any,
        options: Sequence[tuple[int, str]],
        lots: Sequence[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criteria"].choices = [(str(pk), label) for pk, label in options]
        self.fields["lot"].choices = [("", "Every lot")] + [(str(pk), n) for pk, n in lots]
        if len(lots) <= 1:
            self.fields["lot"].widget = forms.HiddenInput()


class ConflictForm(forms.Form):
    """Per vendor: a conflict of interest or not, and what it is."""

    hide_optional = True

    def __init__(self, *args: Any, vendors: Sequence[tuple[int, str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vendors = []
        for company_id, name, declaration in vendors:
            choice = f"conflict_{company_id}"
            details = f"details_{company_id}"
            self.fields[choice] = forms.ChoiceField(
                label=name,
                choices=[
                    ("no", "I have no conflict of interest with this vendor"),
                    ("yes", "I have a conflict of interest"),
                ],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                initial=None
                if declaration is None
                else ("yes" if declaration.has_conflict else "no"),
                error_messages={"required": f"Say whether you have a conflict with {name}."},
            )
            self.fields[details] = forms.CharField(
                label=f"What is the conflict with {name}?",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=declaration.details if declaration else "",
            )
            self.vendors.append((company_id, name, declaration, choice, details))

    def declarations(self) -> dict[int, tuple[bool, str]]:
        return {
            company_id: (self.cleaned_data[choice] == "yes", self.cleaned_data[details])
            for company_id, _, _, choice, details in self.vendors
        }


SCORE_CHOICES = [("", "Not scored")] + [(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]
COMMENT_HELP = (
    f"Required for a score from 0 to {COMMENT_REQUIRED_AT_OR_BELOW} or from "
    f"{COMMENT_REQUIRED_AT_OR_ABOVE} to 10."
)


class ScoresForm(forms.Form):
    """A score (0-10) and a comment per item of one vendor. Each item is a fieldset
    whose legend names the criterion, so the fields are just "Score" and "Comment"."""

    hide_optional = True

    def __init__(self, *args: Any, items: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = []
        for item in items:
            score = item.score
            editable = score is None or not score.is_submitted
            score_name, comment_name = f"score_{item.key}", f"comment_{item.key}"
            self.fields[score_name] = forms.ChoiceField(
                label="Score",
                choices=SCORE_CHOICES,
                required=False,
                initial=str(score.score) if score else "",
                disabled=not editable,
            )
            self.fields[comment_name] = forms.CharField(
                label="Comment",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=score.comment if score else "",
                help_text=COMMENT_HELP,
                disabled=not editable,
            )
            self.items.append((item, score_name, comment_name, editable))

    def entries(self) -> dict[tuple[int, int], tuple[str, str]]:
        return {
            (item.criterion.pk, item.lot.pk): (
                self.cleaned_data[score_name],
                self.cleaned_data[comment_name],
            )
            for item, score_name, comment_name, editable in self.items
            if editable
        }


class ConsensusForm(forms.Form):
    score = forms.DecimalField(
        label="Agreed score (0–10)",
        min_value=Decimal(0),
        max_value=Decimal(10),
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown with the results, in the drill-down and in the report.",
    )


class FinaliseForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the RFP timeline",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AwardForm(forms.Form):
    winners = forms.MultipleChoiceField(
        label="Award the lot to",
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose one vendor, or several to share the lot (multisourcing).",
    )
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why this vendor: the approver and the board read it.",
    )
    notify_ranks = forms.BooleanField(
        label="Tell the other bidders their rank (never their scores)", required=False
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, choices: Sequence[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["winners"].choices = [(str(pk), label) for pk, label in choices]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve the award"), ("return", "Send it back")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you send it back: say what should change.",
    )
