"""Forms for the RFP pages. They parse and display; the services decide.

Every form that edits an RFP carries its `version` (optimistic locking) and,
once the RFP is published, the addendum summary vendors will read.
"""

from __future__ import annotations

from typing import Any

from django import forms

from bpo_portal.money import currency_choices
from rfp.models import (
    RFP,
    VOLUME_BASIS_CHOICES,
    VOLUME_FIELDS,
    ChargeType,
    Coverage,
    Direction,
    Lot,
    MeasurementFrequency,
    MetricKind,
    QuestionKind,
    QuestionSection,
    Recurrence,
    SLAType,
    Visibility,
)
from vendors.geography import LocationModel
from vendors.models import CertificationType, Industry, Language, ServiceCategory, ServiceFunction

COMMON_LANGUAGES = [
    "en", "es", "fr", "de", "pt", "it", "nl", "ar", "zh", "ja", "ko", "hi", "tl", "pl", "ru",
    "tr", "vi", "th", "id", "ms",
]  # fmt: skip


def _checks() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


def _radios() -> forms.RadioSelect:
    return forms.RadioSelect(attrs={"class": "form-check-input"})


DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _number(label: str, help_text: str = "", *, required: bool = False) -> forms.DecimalField:
    # No min_value here: the service refuses negative numbers with its own message.
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "class": "text-end"}),
    )


class RFPEditForm(forms.Form):
    """Base of every form that changes an RFP."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    addendum_summary = forms.CharField(
        label="What changed, for the vendors",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="This RFP is published: the change is sent to invited vendors as a numbered "
        "addendum, which they acknowledge.",
    )

    def __init__(self, *args: Any, rfp: RFP, **kwargs: Any) -> None:
        self.rfp = rfp
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", rfp.version)
        super().__init__(*args, **kwargs)
        if not rfp.is_open_for_bids():
            del self.fields["addendum_summary"]
        elif self.addendum_required:
            self.fields["addendum_summary"].required = True
            self.fields["addendum_summary"].error_messages["required"] = (
                "Say what changed: invited vendors receive it as an addendum."
            )

    # Only the details form can change nothing vendors see (the internal budget).
    addendum_required = True

    def service_fields(self) -> dict[str, Any]:
        """cleaned_data without the bookkeeping fields."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data.pop("addendum_summary", None)
        return data

    def with_version(self, version: int) -> None:
        """After a conflict: keep the user's input, but let a second save go through."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        self.data = data


class RFPCreateForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        help_text="What vendors will read first, e.g. 'Customer support for the patient helpline'.",
    )
    template = forms.ChoiceField(
        label="Start from",
        widget=_radios(),
        initial="blank",
        help_text="A template fills in lots, volumes, questions, pricing lines and KPIs. "
        "You can change everything afterwards.",
    )

    def __init__(self, *args: Any, templates: list[RFP], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates = {str(t.pk): t for t in templates}
        self.fields["template"].choices = [("blank", "A blank RFP")] + [
            (str(t.pk), t.title) for t in templates
        ]


class DetailsForm(RFPEditForm):
    title = forms.CharField(max_length=200, error_messages={"required": "Give the RFP a title."})
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Two or three sentences: what you are buying and why.",
        error_messages={"required": "Write a short summary for vendors."},
    )
    scope_of_work = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "data-rich-text": "true"}),
        help_text="Processes, channels, hours, systems, what is out of scope.",
        error_messages={"required": "Describe the scope of work."},
    )
    service_category = forms.ModelChoiceField(
        ServiceCategory.objects.all(),
        empty_label="Choose a category",
        error_messages={"required": "Choose a service category."},
    )
    service_functions = forms.ModelMultipleChoiceField(
        ServiceFunction.objects.select_related("category"),
        required=False,
        widget=_checks(),
        label="Services",
    )
    industry = forms.ModelChoiceField(
        Industry.objects.all(), required=False, empty_label="Any industry"
    )
    required_languages = forms.ModelMultipleChoiceField(
        Language.objects.all(),
        required=False,
        label="Languages",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Languages the service must be delivered in. Hold Ctrl (Cmd on a Mac) to "
        "choose several.",
    )
    coverage = forms.ChoiceField(label="Coverage hours", choices=Coverage.choices, widget=_radios())
    required_certifications = forms.ModelMultipleChoiceField(
        CertificationType.objects.all(),
        required=False,
        widget=_checks(),
        label="Required certifications",
    )
    accept_onshore = forms.BooleanField(label="Onshore", required=False)
    accept_nearshore = forms.BooleanField(label="Nearshore", required=False)
    accept_offshore = forms.BooleanField(label="Offshore", required=False)
    preferred_location_model = forms.ChoiceField(
        label="Preferred location model",
        required=False,
        choices=[("", "No preference")] + LocationModel.choices(),
    )
    onsite_staff_wanted = forms.BooleanField(
        label="We want some vendor staff on our premises", required=False
    )
    currency = forms.ChoiceField(choices=currency_choices)
    budget = _number(
        "Internal budget for the whole contract",
        "Optional. Only your team sees it: never vendors.",
    )
    allow_vendor_currency = forms.BooleanField(
        label="Vendors may price in their own currency", required=False
    )
    two_envelopes = forms.BooleanField(
        label="Two envelopes: open prices only after the technical evaluation",
        required=False,
    )

    location_fields = ("accept_onshore", "accept_nearshore", "accept_offshore")
    addendum_required = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "addendum_summary" in self.fields:
            self.fields["addendum_summary"].help_text = (
                "Sent to invited vendors as a numbered addendum, which they acknowledge. Leave "
                "it empty if you only changed the internal budget."
            )
        languages = list(Language.objects.all())
        common = sorted(
            (lang for lang in languages if lang.code in COMMON_LANGUAGES), key=lambda x: x.name
        )
        others = [lang for lang in languages if lang.code not in COMMON_LANGUAGES]
        self.fields["required_languages"].choices = [
            ("Most used in BPO", [(lang.pk, lang.name) for lang in common]),
            ("Every other language", [(lang.pk, lang.name) for lang in others]),
        ]
        self._categories = {
            function.pk: function.category.name
            for function in self.fields["service_functions"].queryset  # type: ignore[attr-defined]
        }

    def function_groups(self) -> list[tuple[str, list[Any]]]:
        """The services checkboxes, grouped by category."""
        groups: dict[str, list[Any]] = {}
        for widget in self["service_functions"]:
            category = self._categories.get(int(str(widget.data["value"])), "")
            groups.setdefault(category, []).append(widget)
        return list(groups.items())


class TimelineForm(RFPEditForm):
    question_deadline = forms.DateTimeField(
        widget=DATETIME_WIDGET,
        error_messages={"required": "Set the deadline for vendors' questions."},
        help_text="Vendors can ask questions until then.",
    )
    submission_deadline = forms.DateTimeField(
        widget=DATETIME_WIDGET,
        error_messages={"required": "Set the deadline for proposals."},
        help_text="Proposals are refused after this moment, to the second. The RFP closes "
        "by itself.",
    )
    expected_award_date = forms.DateField(required=False, widget=DATE_WIDGET)


class VisibilityForm(RFPEditForm):
    visibility = forms.ChoiceField(
        label="Who may respond", choices=Visibility.choices, widget=_radios()
    )


class LotForm(RFPEditForm):
    name = forms.CharField(max_length=150, help_text="e.g. 'Voice support' or 'Accounts payable'.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    fte_count = _number("FTEs", "Full-time equivalents you expect the vendor to staff.")
    seats = _number("Seats", "Workstations, if you price by seat.")
    hours_per_month = _number("Hours per month", "Productive agent hours per month.")
    transactions_per_month = _number(
        "Transactions per month", "Invoices, claims, tickets or records processed per month."
    )
    contacts_per_month = _number("Contacts per month", "Calls, chats and e-mails per month.")
    users = _number("Users", "People supported, for per-user charges.")
    devices = _number("Devices", "Devices supported, for per-device charges.")
    contract_term_months = forms.IntegerField(
        label="Contract term (months)",
        error_messages={"required": "Give the contract term in months."},
        widget=forms.NumberInput(attrs={"class": "text-end"}),
    )
    ramp_up_months = forms.IntegerField(
        label="Ramp-up (months)",
        required=False,
        help_text="Months from signature until full volume.",
        widget=forms.NumberInput(attrs={"class": "text-end"}),
    )
    sla_type = forms.ChoiceField(label="SLA type", choices=SLAType.choices, widget=_radios())

    volume_fields = tuple(name for name, _, _ in VOLUME_FIELDS)


class SectionForm(RFPEditForm):
    title = forms.CharField(max_length=200, help_text="e.g. 'Security and compliance'.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuestionForm(RFPEditForm):
    section = forms.ModelChoiceField(QuestionSection.objects.none(), empty_label=None)
    text = forms.CharField(label="Question", widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label="Type of answer", choices=QuestionKind.choices, widget=_radios())
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For choice questions: one choice per line.",
    )
    mandatory = forms.BooleanField(label="Vendors must answer", required=False, initial=True)
    guidance = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: what a good answer covers.",
    )
    is_knockout = forms.BooleanField(
        label="Knock-out question: a proposal without the required answer is non-compliant",
        required=False,
    )
    knockout_answer = forms.CharField(
        label="Required answer",
        required=False,
        max_length=200,
        help_text="For a yes/no question: yes or no. For a single choice: the choice, as written "
        "above.",
    )

    def __init__(self, *args: Any, rfp: RFP, **kwargs: Any) -> None:
        super().__init__(*args, rfp=rfp, **kwargs)
        self.fields["section"].queryset = QuestionSection.objects.filter(rfp=rfp)


class PricingLineForm(RFPEditForm):
    lot = forms.ModelChoiceField(Lot.objects.none(), empty_label=None)
    charge_type = forms.ChoiceField(
        label="Kind of charge",
        choices=[("", "Choose")] + ChargeType.choices,
        widget=forms.Select(attrs={"data-defaults": "charge"}),
    )
    description = forms.CharField(
        max_length=200, required=False, help_text="What vendors price, in their words."
    )
    unit = forms.CharField(max_length=60, required=False, help_text="e.g. 'per hour'.")
    recurrence = forms.ChoiceField(choices=Recurrence.choices, widget=_radios())
    volume_basis = forms.ChoiceField(
        label="Multiplied by",
        error_messages={"required": "Choose the volume this price multiplies."},
        choices=[("", "Choose the volume")] + VOLUME_BASIS_CHOICES,
        help_text="The lot volume the vendor's price is multiplied by to compute the total "
        "cost of ownership.",
    )
    fixed_quantity = _number(
        "Fixed quantity", "Only for lines not multiplied by a lot volume (usually 1)."
    )

    def __init__(self, *args: Any, rfp: RFP, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, rfp=rfp, **kwargs)
        if editing:
            del self.fields["lot"]
        else:
            self.fields["lot"].queryset = Lot.objects.filter(rfp=rfp)


class ServiceLevelForm(RFPEditForm):
    lot = forms.ModelChoiceField(Lot.objects.none(), empty_label=None)
    metric = forms.ChoiceField(
        choices=[("", "Choose")] + MetricKind.choices,
        widget=forms.Select(attrs={"data-defaults": "metric"}),
    )
    name = forms.CharField(
        max_length=150,
        required=False,
        label="Name in the contract",
        help_text="e.g. '80% of calls answered within 20 seconds'.",
    )
    target = _number("Target", required=True)
    unit = forms.CharField(max_length=30, required=False, help_text="e.g. %, seconds, points.")
    direction = forms.ChoiceField(choices=Direction.choices, widget=_radios())
    data_source = forms.CharField(
        max_length=150, required=False, help_text="Where the figure comes from."
    )
    measurement_frequency = forms.ChoiceField(
        label="Measured", choices=MeasurementFrequency.choices
    )
    service_credit_percent = _number("Service credit on breach (% of monthly fees)", "Optional.")

    def __init__(self, *args: Any, rfp: RFP, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, rfp=rfp, **kwargs)
        if editing:
            del self.fields["lot"]
        else:
            self.fields["lot"].queryset = Lot.objects.filter(rfp=rfp)


class DeleteForm(RFPEditForm):
    pass


class AttachmentForm(RFPEditForm):
    file = forms.FileField(
        label="Document", help_text="PDF, Word, Excel, PowerPoint or image, up to 20 MB."
    )


class TransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(TransitionForm):
    comment = forms.CharField(
        label="What needs to change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The author receives these comments by e-mail.",
    )


class CancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for cancelling",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Every vendor that received the RFP gets this reason by e-mail.",
    )


class SaveAsTemplateForm(forms.Form):
    title = forms.CharField(label="Template name", max_length=200)
    description = forms.CharField(
        required=False, max_length=300, help_text="When should a colleague use it?"
    )


class InviteEmailForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        help_text="A vendor not on BPO Portal yet receives an invitation to register; the RFP "
        "is waiting for them when they do.",
    )


class InviteCompaniesForm(forms.Form):
    companies = forms.ModelMultipleChoiceField(
        queryset=None,  # type: ignore[arg-type]
        widget=_checks(),
        label="Vendors",
        required=False,
    )

    def __init__(self, *args: Any, queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["companies"].queryset = queryset


class AskQuestionForm(forms.Form):
    text = forms.CharField(
        label="Your question",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The buyer sees which company asked. If the answer is published to every "
        "vendor, your company is not named.",
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    publish = forms.TypedChoiceField(
        label="Who sees the answer",
        choices=[
            ("1", "Every invited vendor (recommended: everyone bids on the same information)"),
            ("0", "Only the vendor who asked"),
        ],
        coerce=lambda value: value == "1",
        widget=_radios(),
        initial="1",
    )
    public_question = forms.CharField(
        label="The question as other vendors will read it",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Remove anything that identifies who asked: other vendors never learn it.",
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why are you not bidding?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the buyer sees this.",
    )
