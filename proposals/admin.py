"""The Django admin door. Proposals are read-only here (every change goes
through the services), and the seal holds exactly as in the pages: before the
deadline an operator sees only which vendor submitted and when; after it, the
submitted versions through the envelopes. Working copies are never shown."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from proposals import selectors
from proposals.content import content_for_envelopes
from proposals.models import EnvelopeOpening, ExchangeRate, Proposal, ProposalVersion


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["base", "quote", "rate", "as_of", "source"]
    list_filter = ["base", "quote"]
    search_fields = ["base", "quote", "source"]
    date_hierarchy = "as_of"


def _envelopes(proposal: Proposal) -> selectors.Envelopes:
    return selectors.envelope_state(proposal.rfp)


class ProposalVersionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ProposalVersion
    extra = 0
    can_delete = False
    fields = ["number", "submitted_at", "submitted_by_name", "sha256", "submitted_content"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="content")
    def submitted_content(self, version: ProposalVersion) -> str:
        envelopes = _envelopes(version.proposal)
        if not envelopes.technical_open:
            return "Sealed until the deadline."
        shown = content_for_envelopes(version.content, commercial_open=envelopes.commercial_open)
        return format_html(
            "<pre style='max-height:30em;overflow:auto'>{}</pre>",
            json.dumps(shown, indent=2, ensure_ascii=False, sort_keys=True),
        )


META_FIELDS = ["rfp", "company", "status", "submitted_at", "withdrawn_at", "seal"]
OPEN_FIELDS = [
    "compliance_status",
    "compliance_reasons",
    "compliance_override",
    "compliance_override_reason",
    "compliance_overridden_by",
    "compliance_overridden_at",
]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["rfp", "company", "status", "submitted_at", "seal"]
    list_filter = ["status"]
    search_fields = ["rfp__reference", "rfp__title", "company__legal_name"]
    list_select_related = ["rfp", "company"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("rfp__envelope_openings")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None or not _envelopes(obj).technical_open:
            return list(META_FIELDS)
        return [*META_FIELDS, *OPEN_FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        if obj is None or not _envelopes(obj).technical_open:
            return []
        return [ProposalVersionInline]

    @admin.display(description="envelopes")
    def seal(self, proposal: Proposal) -> str:
        envelopes = _envelopes(proposal)
        if not envelopes.technical_open:
            return "Sealed until the deadline"
        return "Open" if envelopes.commercial_open else "Technical open, prices sealed"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EnvelopeOpening)
class EnvelopeOpeningAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["rfp", "envelope", "opened_at", "opened_by", "recorded_at"]
    list_filter = ["envelope"]
    readonly_fields = ["rfp", "envelope", "opened_at", "opened_by", "comment", "recorded_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
