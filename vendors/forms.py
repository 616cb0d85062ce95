from __future__ import annotations

from typing import Any

from django import forms
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from accounts.models import VendorRole
from vendors.models import (
    Certification,
    CertificationType,
    ClientReference,
    DeliveryCentre,
    Industry,
    Language,
    LocationOverride,
    QualificationStatus,
    RiskRating,
    SecurityControl,
    ServiceFunction,
    Technology,
    TechnologyKind,
    VendorCompany,
)


class GroupedCheckboxes(forms.ModelMultipleChoiceField):
    """Checkboxes grouped by a attribute (category, kind) for long taxonomies."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *args: Any, group_by: str, group_label: Any = None, **kwargs: Any) -> None:
        self.group_by = group_by
        self.group_label = group_label or (lambda value: str(value))
        super().__init__(*args, **kwargs)

    def groups(self, selected: list[str]) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        grouped: dict[str, list[tuple[str, str, bool]]] = {}
        for obj in self.queryset:
            key = self.group_label(getattr(obj, self.group_by))
            grouped.setdefault(key, []).append((str(obj.pk), str(obj), str(obj.pk) in selected))
        return list(grouped.items())


class VendorRegistrationForm(forms.Form):
    """The public "Register your company" page: the owner's account and the company at once."""

    legal_name = forms.CharField(label="Company legal name", max_length=200)
    headquarters_country = LazyTypedChoiceField(
        label="Headquarters country", choices=[("", "Choose a country")] + list(countries)
    )
    website = forms.URLField(
        required=False, assume_scheme="https", help_text="e.g. https://example.com"
    )
    full_name = forms.CharField(label="Your full name", max_length=150)
    email = forms.EmailField(label="Your work e-mail address")
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common or all-numeric password.",
    )
    password2 = forms.CharField(
        label="Type the password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("password1")
            and data.get("password2")
            and data["password1"] != data["password2"]
        ):
            self.add_error("password2", "The two passwords do not match.")
        return data


class CompanyDetailsForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = VendorCompany
        fields = [
            "legal_name",
            "trading_name",
            "website",
            "headquarters_country",
            "headquarters_city",
            "year_founded",
            "employee_band",
            "revenue_band",
            "description",
        ]
        labels = {"employee_band": "Employees", "revenue_band": "Annual revenue"}
        help_texts = {
            "trading_name": "The name buyers know you by, if different.",
            "description": (
                "What you do best, for whom, and what makes you different. At least 100 characters."
            ),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}


class ServicesForm(forms.Form):
    service_functions = GroupedCheckboxes(
        queryset=ServiceFunction.objects.select_related("category"),
        group_by="category",
        required=False,
        label="Services you provide",
    )
    industries = forms.ModelMultipleChoiceField(
        queryset=Industry.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Industries you serve",
    )


class TechnologyForm(forms.Form):
    technologies = GroupedCheckboxes(
        queryset=Technology.objects.all(),
        group_by="kind",
        group_label=lambda kind: TechnologyKind(kind).label,
        required=False,
        label="Platforms and tools you use",
    )


class SecurityForm(forms.Form):
    security_controls = forms.ModelMultipleChoiceField(
        queryset=SecurityControl.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Security measures in place",
    )
    security_notes = forms.CharField(
        label="Data-protection measures",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="Policies, audits, data residency, incident response.",
    )


class DeliveryCentreForm(forms.ModelForm):
    languages = forms.ModelMultipleChoiceField(
        queryset=Language.objects.all(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (Cmd on a Mac) to choose several.",
    )

    class Meta:
        model = DeliveryCentre
        fields = [
            "name",
            "country",
            "city",
            "seats",
            "languages",
            "delivery_mode",
            "is_24_7",
            "time_zone",
            "opens_at",
            "closes_at",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "name": "Optional, e.g. 'Makati campus'.",
            "time_zone": "Leave as is to use the country's main time zone.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].required = False
        self.fields["seats"].min_value = 1
        self.fields["seats"].widget.attrs["min"] = 1


class CertificationForm(forms.ModelForm):
    evidence = forms.FileField(
        required=False,
        help_text="PDF, PNG or JPEG, up to 20 MB. Buyers can download it.",
    )

    class Meta:
        model = Certification
        fields = [
            "certification_type",
            "issued_by",
            "certificate_number",
            "issued_on",
            "expires_on",
        ]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["certification_type"].queryset = CertificationType.objects.all()
        self.fields["certification_type"].label = "Certification"


class ReferenceForm(forms.ModelForm):
    class Meta:
        model = ClientReference
        fields = [
            "client_name",
            "industry",
            "service_function",
            "years",
            "may_contact",
            "contact_name",
            "contact_email",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_function"].queryset = ServiceFunction.objects.select_related(
            "category"
        )


class ColleagueInviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=VendorRole.choices, initial=VendorRole.CONTRIBUTOR)


class AccessRequestForm(forms.Form):
    message = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="A note for the owners",
        help_text="Say who you are and your role, so they recognise you.",
    )


class QualificationForm(forms.Form):
    status = forms.ChoiceField(choices=QualificationStatus.choices)
    risk_rating = forms.ChoiceField(choices=RiskRating.choices, required=False, label="Risk rating")
    tags = forms.CharField(
        required=False, help_text="Separate tags with commas, e.g. 'healthcare, Spanish, tier 1'."
    )
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Private notes",
        help_text="Only people in your organization see these.",
    )

    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]


class LocationOverrideForm(forms.ModelForm):
    class Meta:
        model = LocationOverride
        fields = ["country", "location_model"]
        labels = {"location_model": "Count it as"}


class VendorCompanyRegistrationForm(forms.ModelForm):
    """For a signed-in user without an organization (the onboarding page)."""

    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = VendorCompany
        fields = ["legal_name", "headquarters_country", "website"]
        labels = {
            "legal_name": "Company legal name",
            "headquarters_country": "Headquarters country",
        }
