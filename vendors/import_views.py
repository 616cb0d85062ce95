"""The browser door for the vendor import: upload, follow the check, see every row, confirm,
follow the import. No view reads the file: a worker does (vendors.imports)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bpo_portal.errors import ApplicationError, ServiceUnavailableError
from bpo_portal.forms import add_application_error
from bpo_portal.permissions import Capability, require_buyer
from jobs.models import JobState
from jobs.selectors import job_status
from jobs.views import status_context
from vendors import imports
from vendors.import_forms import VendorImportUploadForm

ROWS_PER_PAGE = 100


@login_required
def vendor_import_start(request: HttpRequest) -> HttpResponse:
    membership = require_buyer(request.user, Capability.MANAGE_VENDORS)
    form = VendorImportUploadForm()
    if request.method == "POST":
        form = VendorImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                upload = imports.vendor_import_upload(
                    actor=request.user,  # type: ignore[arg-type]
                    file=form.cleaned_data["file"],
                )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                return redirect("vendor_import_detail", upload.pk)
    return render(
        request,
        "vendors/import_start.html",
        {
            "form": form,
            "recent": imports.vendor_imports_recent(organization=membership.organization),
            "columns": imports.COLUMNS,
            "max_rows": imports.MAX_ROWS,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def vendor_import_template(request: HttpRequest, file_format: str) -> HttpResponse:
    require_buyer(request.user, Capability.MANAGE_VENDORS)
    content, filename, content_type = imports.import_template(file_format=file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def vendor_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Before confirmation: the check's progress, then every row with its errors (or why the
    file is refused). After: the import job, then what it created."""
    upload = imports.vendor_import_for_user(user=request.user, pk=pk)  # type: ignore[arg-type]
    context: dict[str, object] = {"upload": upload}
    job = upload.job
    if job is not None:
        context.update(
            job=job,
            **status_context(
                job_status(job), next_url=request.get_full_path(), reload_when_finished=True
            ),
        )
        if job.state == JobState.DONE:
            context["page"] = Paginator(imports.imported_vendors(job=job), ROWS_PER_PAGE).get_page(
                request.GET.get("page")
            )
        return render(request, "vendors/import_detail.html", context)

    preview = imports.vendor_import_checked_preview(upload=upload)
    context["preview"] = preview
    if preview is None:  # the check is queued or running (or could not run)
        check = upload.check_job
        context["check"] = check
        if check is not None:
            context.update(
                status_context(
                    job_status(check), next_url=request.get_full_path(), reload_when_finished=True
                )
            )
    elif not preview.refused:
        show = request.GET.get("show") or ("problems" if preview.error_count else "all")
        rows = {
            "problems": preview.problem_rows,
            "check": [row for row in preview.rows if row.warnings and not row.errors],
        }.get(show, preview.rows)
        context.update(
            show=show, page=Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        )
    return render(request, "vendors/import_detail.html", context)


@login_required
@require_POST
def vendor_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = imports.vendor_import_for_user(user=request.user, pk=pk)  # type: ignore[arg-type]
    try:
        imports.vendor_import_confirm(actor=request.user, upload=upload)  # type: ignore[arg-type]
    except ServiceUnavailableError:
        raise  # a 503 page with the reason; the import page then shows the job as failed
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("vendor_import_detail", upload.pk)
