"""Forms drawn the same way everywhere: Bootstrap classes, an error summary
at the top linking to each field, the message beside the field, input kept.

Styling happens in the templates (`forms/field.html` and the `render_widget`
tag), so allauth's forms and ours look alike without a mixin.
"""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting

from bpo_portal.errors import ApplicationError


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


def add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's error in the form: beside its field, or at the top."""
    placed = False
    for name, messages in error.fields.items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)
