from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve

from bpo_portal.errors import error_page


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_page(
        request,
        403,
        "Your session expired or the form was opened in another tab. "
        "Go back, reload the page and try again: what you typed may need to be entered again.",
    )


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any address under /api/ that names nothing: a 404 in the API's error shape (also
    while DEBUG is on, when Django would answer its HTML page), saying when only the
    final slash is missing (the API's addresses end with one)."""
    path = request.path_info
    message = "Not found: no API endpoint has this address. The list is at /api/docs/."
    if not path.endswith("/"):
        try:
            resolve(path + "/")
        except Resolver404:
            pass
        else:
            message = f"Not found: the API's addresses end with a slash ({path}/)."
    return error_page(request, 404, message)
