"""Finding and reading RFPs, and starting one: the list, a new RFP (blank or from a
template), the RFP page, the preview, the timeline, document downloads, and the
organization's templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from bpo_portal.errors import ApplicationError
from bpo_portal.permissions import (
    Capability,
    buyer_can,
    buyer_membership,
    require_buyer,
    vendor_membership,
)
from bpo_portal.uploads import serve_private_file
from bpo_portal.web import request_user
from rfp import selectors, services
from rfp.filters import RFPFilter
from rfp.forms import DeclineForm, RFPCreateForm, SaveAsTemplateForm, TransitionForm
from rfp.models import RFP, InvitationStatus, RFPAttachment, RFPQuestion, RFPStatus, RFPTransition
from rfp.views._common import _editable_rfp, _rfp_content, _show_error, _status_for, _visible_rfp

# --- List and create --------------------------------------------------------------------------


@login_required
def rfp_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if buyer_membership(user) is None and vendor_membership(user) is None:
        return redirect("onboarding")
    queryset = selectors.rfp_list_queryset(user)
    filterset = RFPFilter(request.GET or None, queryset=queryset)
    rfps = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    page = Paginator(rfps, 25).get_page(request.GET.get("page"))
    if vendor_membership(user) is not None:
        for rfp in page.object_list:
            own = rfp.own_invitations  # type: ignore[attr-defined]
            rfp.own_invitation = own[0] if own else None  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "rfp/list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "is_vendor": vendor_membership(user) is not None,
            "can_create": buyer_can(user, Capability.EDIT_RFP),
            "sort_choices": [
                ("-created", "Newest first"),
                ("deadline", "Deadline, soonest first"),
                ("reference", "Reference"),
                ("title", "Title"),
            ],
            "current_sort": request.GET.get("ordering", "-created"),
            "filtered": bool(
                request.GET.get("q")
                or request.GET.getlist("status")
                or request.GET.get("service_category")
            ),
        },
    )


@login_required
def rfp_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_buyer(user, Capability.EDIT_RFP)
    templates = list(selectors.templates_available_to(user))
    form = RFPCreateForm(templates=templates, initial={"template": request.GET.get("template")})
    if request.method == "POST":
        form = RFPCreateForm(request.POST, templates=templates)
        if form.is_valid():
            choice = form.cleaned_data["template"]
            try:
                if choice == "blank":
                    rfp = services.rfp_create(actor=user, title=form.cleaned_data["title"])
                else:
                    rfp = services.rfp_create_from_template(
                        actor=user,
                        template=form.templates[choice],
                        title=form.cleaned_data["title"],
                    )
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request,
                    f"{rfp.reference} is created as a draft. Work through each part below.",
                )
                return redirect("rfp_detail", rfp.pk)
    return render(
        request,
        "rfp/create.html",
        {
            "form": form,
            "starter_templates": [t for t in templates if t.organization_id is None],
            "own_templates": [t for t in templates if t.organization_id is not None],
        },
        status=_status_for(form),
    )


# --- Detail -----------------------------------------------------------------------------------


@login_required
def rfp_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _rfp_content(request, pk)
    if vendor_membership(user) is not None:
        return _vendor_detail(request, rfp)
    invitations = list(rfp.invitations.all())
    acknowledged = selectors.addendum_acknowledgements(rfp)
    addenda = list(rfp.addenda.all())
    counts = RFPQuestion.objects.filter(rfp=rfp).aggregate(
        total=Count("id"), unanswered=Count("id", filter=Q(answer=""))
    )
    return render(
        request,
        "rfp/detail_buyer.html",
        {
            "rfp": rfp,
            "tasks": selectors.rfp_task_list(rfp)
            if rfp.status in (RFPStatus.DRAFT, RFPStatus.PENDING_APPROVAL)
            else None,
            "invitations": invitations,
            "invitation_counts": {
                status: sum(1 for i in invitations if i.status == status)
                for status in InvitationStatus.values
            },
            "addenda": [(addendum, len(acknowledged.get(addendum.pk, ()))) for addendum in addenda],
            "question_counts": counts,
            "question_total": sum(len(s.questions.all()) for s in rfp.sections.all()),
            "last_transition": RFPTransition.objects.filter(rfp=rfp)
            .select_related("actor")
            .order_by("-created_at", "-id")
            .first(),
            "can_edit": buyer_can(user, Capability.EDIT_RFP),
            "can_approve": buyer_can(user, Capability.APPROVE_RFP),
            "approval_refusal": _approval_refusal(user, rfp),
            "actions": _available_actions(user, rfp),
            "transition_form": TransitionForm(initial={"version": rfp.version}),
        },
    )


def _approval_refusal(user: User, rfp: RFP) -> str | None:
    """Why this admin cannot approve it (four eyes), shown instead of the button."""
    if not buyer_can(user, Capability.APPROVE_RFP):
        return None
    return services.rfp_approval_refusal(actor=user, rfp=rfp)


def _available_actions(user: User, rfp: RFP) -> list[str]:
    """What this user may do to this RFP now, for the buttons (the services decide)."""
    out = []
    for action, (sources, _, capability, _) in services.TRANSITIONS.items():
        if rfp.current_status() in sources and buyer_can(user, capability):
            out.append(action)
    return out


def _vendor_detail(
    request: HttpRequest, rfp: RFP, *, decline_form: DeclineForm | None = None
) -> HttpResponse:
    vendor = vendor_membership(request_user(request))
    assert vendor is not None
    invitation = selectors.vendor_invitation(rfp, vendor.company_id)
    addenda = selectors.addenda_for_company(rfp, vendor.company_id)
    return render(
        request,
        "rfp/detail_vendor.html",
        {
            "rfp": rfp,
            "invitation": invitation,
            "addenda": addenda,
            "unacknowledged": [a for a in addenda if a.acknowledged_at is None],  # type: ignore[attr-defined]
            "answers": RFPQuestion.objects.filter(rfp=rfp, is_published=True),
            "decline_form": decline_form or DeclineForm(),
            "show_decline": decline_form is not None,
            "open_for_bids": rfp.is_open_for_bids(),
        },
        status=400 if decline_form is not None and decline_form.errors else 200,
    )


@login_required
def rfp_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Exactly what an invited vendor will see (the same template), for the buyer."""
    user = request_user(request)
    if buyer_membership(user) is None:
        raise Http404
    rfp = _rfp_content(request, pk)
    return render(
        request,
        "rfp/preview.html",
        {
            "rfp": rfp,
            "addenda": list(rfp.addenda.all()),
            "answers": RFPQuestion.objects.filter(rfp=rfp, is_published=True),
        },
    )


@login_required
def rfp_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    if buyer_membership(user) is None:
        raise Http404
    rfp = _visible_rfp(request, pk)
    return render(
        request, "rfp/timeline.html", {"rfp": rfp, "entries": selectors.rfp_timeline(rfp)}
    )


@login_required
def rfp_attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    rfp = _visible_rfp(request, pk)
    attachment = get_object_or_404(RFPAttachment, pk=attachment_pk, rfp=rfp)
    services.rfp_attachment_downloaded(user=request_user(request), rfp=rfp, attachment=attachment)
    return serve_private_file(
        request, attachment.file, filename=attachment.name, content_type=attachment.content_type
    )


# --- Templates ---------------------------------------------------------------------------------


@login_required
def rfp_save_as_template(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rfp = _editable_rfp(request, pk)
    form = SaveAsTemplateForm(initial={"title": rfp.title})
    if request.method == "POST":
        form = SaveAsTemplateForm(request.POST)
        if form.is_valid():
            try:
                template = services.rfp_save_as_template(actor=user, rfp=rfp, **form.cleaned_data)
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request,
                    f"Saved as the template '{template.title}'. Colleagues can start new RFPs "
                    "from it.",
                )
                return redirect("rfp_detail", rfp.pk)
    return render(
        request, "rfp/save_as_template.html", {"rfp": rfp, "form": form}, status=_status_for(form)
    )


@login_required
@require_POST
def rfp_template_delete(request: HttpRequest, template_pk: int) -> HttpResponse:
    user = request_user(request)
    template = get_object_or_404(selectors.templates_available_to(user), pk=template_pk)
    try:
        services.rfp_template_delete(actor=user, template=template)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The template '{template.title}' was removed.")
    return redirect("rfp_create")
