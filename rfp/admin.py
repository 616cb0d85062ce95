from django.contrib import admin
from django.http import HttpRequest

from rfp.models import (
    RFP,
    Addendum,
    Lot,
    PricingLine,
    Question,
    QuestionSection,
    RFPInvitation,
    RFPQuestion,
    RFPTransition,
    ServiceLevel,
)


class LotInline(admin.TabularInline):
    model = Lot
    extra = 0
    fields = [
        "name",
        "order",
        "fte_count",
        "hours_per_month",
        "contacts_per_month",
        "contract_term_months",
    ]
    show_change_link = True


class TransitionInline(admin.TabularInline):
    model = RFPTransition
    extra = 0
    readonly_fields = ["actor", "from_status", "to_status", "comment", "created_at"]
    can_delete = False


@admin.register(RFP)
class RFPAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "title",
        "organization",
        "status",
        "is_template",
        "submission_deadline",
    ]
    list_filter = ["status", "is_template", "visibility"]
    search_fields = ["reference", "title", "template_key"]
    # The lifecycle and the seal change only through the services (approval, addenda,
    # the clock); once vendors have an RFP the admin shows it and changes nothing.
    readonly_fields = [
        "reference",
        "status",
        "version",
        "publication_at",
        "seal_lifts_at",
        "created_by",
        "updated_by",
    ]
    raw_id_fields = ["organization", "source_template"]
    inlines = [LotInline, TransitionInline]

    def has_change_permission(self, request: HttpRequest, obj: RFP | None = None) -> bool:
        if obj is not None and obj.publication_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: RFP | None = None) -> bool:
        if obj is not None and obj.publication_at is not None:
            return False
        return super().has_delete_permission(request, obj)


class PricingLineInline(admin.TabularInline):
    model = PricingLine
    extra = 0


class ServiceLevelInline(admin.TabularInline):
    model = ServiceLevel
    extra = 0


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = ["name", "rfp", "contract_term_months"]
    raw_id_fields = ["rfp"]
    inlines = [PricingLineInline, ServiceLevelInline]


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0


@admin.register(QuestionSection)
class QuestionSectionAdmin(admin.ModelAdmin):
    list_display = ["title", "rfp", "order"]
    raw_id_fields = ["rfp"]
    inlines = [QuestionInline]


@admin.register(RFPInvitation)
class RFPInvitationAdmin(admin.ModelAdmin):
    list_display = ["rfp", "company", "email", "status", "sent_at"]
    list_filter = ["status"]
    raw_id_fields = ["rfp", "company", "invited_by"]


@admin.register(RFPQuestion)
class RFPQuestionAdmin(admin.ModelAdmin):
    list_display = ["rfp", "number", "company", "is_published", "answered_at"]
    raw_id_fields = ["rfp", "company", "asked_by", "answered_by"]


@admin.register(Addendum)
class AddendumAdmin(admin.ModelAdmin):
    list_display = ["rfp", "number", "created_at", "created_by"]
    raw_id_fields = ["rfp", "created_by"]
