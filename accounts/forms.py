from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest

from accounts.models import BuyerOrganization, BuyerRole, User, WebhookEvent


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    full_name = forms.CharField(
        label="Your full name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request: HttpRequest, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class BuyerOrganizationForm(forms.ModelForm):
    class Meta:
        model = BuyerOrganization
        fields = ["name", "home_country", "default_currency", "time_zone"]
        labels = {"name": "Organization name", "default_currency": "Default currency"}
        help_texts = {
            "home_country": "Vendors in this country are onshore; neighbours are nearshore.",
            "time_zone": "Deadlines are shown in this time zone unless a user picks their own.",
        }


class OrganizationSettingsForm(forms.ModelForm):
    class Meta:
        model = BuyerOrganization
        fields = [
            "name",
            "home_country",
            "default_currency",
            "time_zone",
            "business_hours_start",
            "business_hours_end",
            "four_eyes_required",
        ]
        widgets = {
            "business_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "business_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "business_hours_start": (
                "Used to score how well a delivery centre's hours overlap yours."
            ),
        }


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address", widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(choices=BuyerRole.choices, initial=BuyerRole.EVALUATOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=BuyerRole.choices)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "time_zone"]
        labels = {"full_name": "Full name"}


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text="What will use it, e.g. 'ERP sync' or 'Power BI'.",
    )


class InvitationSignupForm(forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=150)
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


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="Endpoint URL",
        max_length=500,
        assume_scheme="https",
        help_text="An https:// address of your system that accepts POST requests.",
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What to tell it.",
    )
