"""The proposal editor's forms, built from the RFP's questions, pricing lines,
KPIs and the vendor's delivery centres.

They only collect what people typed: every rule (decimals per currency,
shares, knock-outs, the deadline) is checked by proposals.services, whose
errors come back keyed like `prices.12`; a form's field for it is `prices_12`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from bpo_portal.errors import ApplicationError, ConflictError
from proposals.models import ComplianceStatus, Envelope
from proposals.services import CommitmentInput
from rfp.models import Lot, Question, QuestionKind

DECIMAL_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}


def field_name(key: str) -> str:
    """The form field for a service error key: "prices.12" -> "prices_12"."""
    return key.replace(".", "_")


def show_error(form: forms.Form, error: ApplicationError) -> None:
    """A service's refusal in the form: beside each field it names, the rest at
    the top. The user's input stays in the form."""
    if isinstance(error, ConflictError) or not error.fields:
        form.add_error(None, error.message)
        return
    placed = False
    for key, messages in error.fields.items():
        name = field_name(key)
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
            else:
                form.add_error(None, message)
        placed = True
    if not placed:
        form.add_error(None, error.message)


class PartForm(forms.Form):
    """A page of the editor: carries the version of the part it edits."""

    hide_optional = True
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, editable: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editable = editable
        if not editable:
            for field in self.fields.values():
                field.disabled = True


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value != value.to_integral_value() else f"{value:f}"
    return str(value)


class SettingsForm(PartForm):
    currency = forms.ChoiceField(
        label="Currency of your prices",
        help_text="The buyer compares prices in its own currency, converted at the stored "
        "exchange rate recorded with your proposal when you submit.",
    )
    lots = forms.MultipleChoiceField(
        label="Lots you bid on",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
        help_text="You may bid on some or all lots. Dropping a lot deletes what you entered "
        "for it.",
    )

    def __init__(self, *args: Any, currencies: list[str], lots: list[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in currencies]
        self.fields["lots"].choices = [(str(lot.pk), lot.name) for lot in lots]
        if len(currencies) == 1:
            self.fields["currency"].disabled = True
        if len(lots) == 1:
            self.fields["lots"].disabled = True


def question_field(question: Question) -> forms.Field:
    label = question.text
    kind = question.kind
    field: forms.Field
    if kind == QuestionKind.YES_NO:
        field = forms.ChoiceField(
            choices=[("yes", "Yes"), ("no", "No")],
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            required=False,
        )
    elif kind == QuestionKind.NUMBER:
        field = forms.CharField(
            widget=forms.TextInput(attrs={**DECIMAL_ATTRS, "class": "input-number"}),
            required=False,
        )
    elif kind == QuestionKind.SINGLE_CHOICE:
        field = forms.ChoiceField(
            choices=[(c, c) for c in question.choices],
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            required=False,
        )
    elif kind == QuestionKind.MULTIPLE_CHOICE:
        field = forms.MultipleChoiceField(
            choices=[(c, c) for c in question.choices],
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            required=False,
        )
    elif kind == QuestionKind.FILE:
        field = forms.FileField(
            required=False,
            widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx"}),
        )
    else:
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    field.label = label
    field.help_text = question.guidance
    return field


class QuestionnaireForm(PartForm):
    def __init__(
        self,
        *args: Any,
        questions: list[Question],
        answers: dict[int, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            name = f"answers_{question.pk}"
            self.fields[name] = question_field(question)
            if not self.editable:
                self.fields[name].disabled = True
            value = answers.get(question.pk)
            if question.kind != QuestionKind.FILE and value is not None:
                self.initial.setdefault(name, value)
            self.fields[name].question = question  # type: ignore[attr-defined]

    def answers(self) -> dict[int, Any]:
        """The values typed, for the service. File questions come through `uploads`."""
        out = {}
        for question in self.questions:
            if question.kind == QuestionKind.FILE:
                continue
            out[question.pk] = self.cleaned_data.get(f"answers_{question.pk}")
        return out

    def uploads(self) -> dict[int, Any]:
        return {
            question.pk: self.cleaned_data[f"answers_{question.pk}"]
            for question in self.questions
            if question.kind == QuestionKind.FILE
            and self.cleaned_data.get(f"answers_{question.pk}")
        }


class PricingForm(PartForm):
    def __init__(
        self, *args: Any, lines: list[Any], entries: dict[int, Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            entry = entries.get(line.pk)
            self.fields[f"prices_{line.pk}"] = forms.CharField(
                label=f"Unit price: {line.description}",
                required=False,
                max_length=60,
                widget=forms.TextInput(attrs={**DECIMAL_ATTRS, "class": "text-end"}),
                initial=_text(entry.unit_price.normalize()) if entry else "",
            )
            self.fields[f"comments_{line.pk}"] = forms.CharField(
                label=f"Comment: {line.description}",
                required=False,
                max_length=500,
                initial=entry.comment if entry else "",
            )
            if not self.editable:
                self.fields[f"prices_{line.pk}"].disabled = True
                self.fields[f"comments_{line.pk}"].disabled = True

    def rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [
            (line, self[f"prices_{line.pk}"], self[f"comments_{line.pk}"]) for line in self.lines
        ]

    def prices(self) -> dict[int, Any]:
        return {line.pk: self.cleaned_data.get(f"prices_{line.pk}", "") for line in self.lines}

    def comments(self) -> dict[int, str]:
        return {line.pk: self.cleaned_data.get(f"comments_{line.pk}", "") for line in self.lines}


class SLAForm(PartForm):
    def __init__(
        self, *args: Any, levels: list[Any], commitments: dict[int, Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.levels = levels
        for level in levels:
            commitment = commitments.get(level.pk)
            prefix = f"slas_{level.pk}"
            self.fields[f"{prefix}_accepts_target"] = forms.ChoiceField(
                label=level.name,
                choices=[
                    ("yes", f"We commit to the target ({level.target_label})"),
                    ("no", "We propose another value"),
                ],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
                initial=None
                if commitment is None
                else ("yes" if commitment.accepts_target else "no"),
            )
            self.fields[f"{prefix}_proposed_value"] = forms.CharField(
                label=f"Value you propose{f' ({level.unit})' if level.unit else ''}",
                required=False,
                max_length=40,
                widget=forms.TextInput(attrs=DECIMAL_ATTRS),
                initial=_text(commitment.proposed_value) if commitment else "",
            )
            self.fields[f"{prefix}_comment"] = forms.CharField(
                label="Why, and how you will get there",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=commitment.comment if commitment else "",
            )
            if not self.editable:
                for suffix in ("accepts_target", "proposed_value", "comment"):
                    self.fields[f"{prefix}_{suffix}"].disabled = True

    def rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (
                level,
                self[f"slas_{level.pk}_accepts_target"],
                self[f"slas_{level.pk}_proposed_value"],
                self[f"slas_{level.pk}_comment"],
            )
            for level in self.levels
        ]

    def commitments(self) -> dict[int, Any]:
        out = {}
        for level in self.levels:
            prefix = f"slas_{level.pk}"
            choice = self.cleaned_data.get(f"{prefix}_accepts_target") or ""
            out[level.pk] = CommitmentInput(
                accepts_target={"yes": True, "no": False}.get(choice),
                proposed_value=self.cleaned_data.get(f"{prefix}_proposed_value", ""),
                comment=self.cleaned_data.get(f"{prefix}_comment", ""),
            )
        return out


class CentresForm(PartForm):
    def __init__(
        self, *args: Any, centres: list[Any], shares: dict[int, Decimal], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.centres = centres
        for centre in centres:
            share = shares.get(centre.pk)
            self.fields[f"centres_{centre.pk}"] = forms.CharField(
                label=f"Share handled by {centre}",
                required=False,
                max_length=10,
                widget=forms.TextInput(
                    attrs={**DECIMAL_ATTRS, "class": "text-end", "data-share": "1"}
                ),
                initial=_text(share.normalize()) if share is not None else "",
                disabled=not self.editable,
            )

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(centre, self[f"centres_{centre.pk}"]) for centre in self.centres]

    def shares(self) -> dict[int, Any]:
        return {c.pk: self.cleaned_data.get(f"centres_{c.pk}", "") for c in self.centres}


class StaffingForm(PartForm):
    transition_plan = forms.CharField(
        label="Transition plan",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Knowledge transfer, recruitment and training, parallel run, go-live "
        "criteria and the risks you see.",
    )

    def __init__(self, *args: Any, months: int, plan: list[int | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.months = months
        for month in range(1, months + 1):
            value = plan[month - 1] if month <= len(plan) else None
            self.fields[f"headcount_{month}"] = forms.CharField(
                label=f"Month {month}",
                required=False,
                max_length=10,
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "class": "text-end", "autocomplete": "off"}
                ),
                initial="" if value is None else str(value),
                disabled=not self.editable,
            )
        if not self.editable:
            self.fields["transition_plan"].disabled = True

    def month_fields(self) -> list[forms.BoundField]:
        return [self[f"headcount_{month}"] for month in range(1, self.months + 1)]

    def headcount(self) -> list[Any]:
        return [
            self.cleaned_data.get(f"headcount_{month}", "") for month in range(1, self.months + 1)
        ]


class AttachmentForm(forms.Form):
    hide_optional = False
    file = forms.FileField(
        label="File",
        help_text="PDF, Word, Excel, PowerPoint, PNG or JPEG, up to 20 MB.",
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx"}),
    )
    description = forms.CharField(
        label="What it is", required=False, max_length=200, help_text="e.g. “Transition plan”."
    )
    envelope = forms.ChoiceField(
        label="Envelope",
        choices=[
            (Envelope.TECHNICAL, "Technical envelope: opened at the deadline"),
            (
                Envelope.COMMERCIAL,
                "Commercial envelope: price sheets, opened after the technical evaluation",
            ),
        ],
        initial=Envelope.TECHNICAL,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, two_envelopes: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not two_envelopes:
            del self.fields["envelope"]


class WithdrawForm(forms.Form):
    hide_optional = False
    reason = forms.CharField(
        label="Why are you withdrawing? (for your records and the buyer's)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ComplianceOverrideForm(forms.Form):
    hide_optional = True
    status = forms.ChoiceField(
        label="Decision",
        choices=[
            (ComplianceStatus.COMPLIANT, "Compliant"),
            (ComplianceStatus.NON_COMPLIANT, "Non-compliant"),
            ("", "Use the automatic result"),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        required=False,
    )
    justification = forms.CharField(
        label="Justification",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Recorded in the audit log and shown next to the result.",
    )


class CommercialOpenForm(forms.Form):
    hide_optional = False
    confirm = forms.BooleanField(
        label="The technical evaluation is finished: open the prices.",
        error_messages={"required": "Confirm that the technical evaluation is finished."},
    )
    comment = forms.CharField(
        label="Comment for the timeline",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
