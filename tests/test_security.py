"""Security headers on every kind of page, templates a strict Content-Security-Policy can
live with, and uploads that no guessable URL serves."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from tests.conftest import token_client
from tests.vendors.factories import pdf_upload
from vendors import services as vendor_services
from vendors.models import Certification, CertificationType

ROOT = Path(__file__).resolve().parent.parent


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_secure_headers(response, *, page: str) -> None:
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"], page
    for directive in ("script-src", "style-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(csp[directive]), page
    assert csp["frame-ancestors"] == ["'none'"], page
    assert csp["object-src"] == ["'none'"], page
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"], page
    assert response["X-Frame-Options"] == "DENY", page
    assert response["X-Content-Type-Options"] == "nosniff", page
    assert response["Referrer-Policy"] == "same-origin", page
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", page


@pytest.mark.django_db
def test_pages_errors_and_the_api_send_the_security_headers(buyer_admin):
    anonymous = Client()
    admin = Client()
    admin.force_login(buyer_admin)
    for client, path, status in [
        (anonymous, "/", 200),
        (anonymous, reverse("account_login"), 200),
        (anonymous, "/no/such/page/", 404),
        (admin, reverse("dashboard"), 200),
        (admin, reverse("audit_log"), 200),
        (admin, reverse("rfp_list"), 200),
        (admin, "/api/schema/", 200),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        assert_secure_headers(response, page=path)
    api = token_client(buyer_admin).get("/api/v1/me/")
    assert api.status_code == 200
    assert_secure_headers(api, page="/api/v1/me/")


@pytest.mark.django_db
def test_swagger_ui_may_inline_styles_but_never_scripts(buyer_admin):
    client = Client()
    client.force_login(buyer_admin)
    csp = csp_directives(client.get("/api/docs/")["Content-Security-Policy"])
    assert "'unsafe-inline'" in csp["style-src"]  # Swagger UI's own styles, this page only
    assert "'unsafe-inline'" not in csp["script-src"]


def test_production_is_https_only_with_hsts_and_secure_cookies():
    """The production settings, in their own process, answering an HTTPS request."""
    probe = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/api/v1/me/', secure=True);"
        "plain = Client().get('/api/v1/me/');"
        "from django.conf import settings as s;"
        "print(json.dumps({'headers': dict(r.headers), 'plain': plain.status_code,"
        " 'location': plain.headers.get('Location', ''),"
        " 'cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE]}))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}},
        "DJANGO_SETTINGS_MODULE": "bpo_portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    headers = answer["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert answer["plain"] == 301 and answer["location"].startswith("https://")
    assert answer["cookies"] == [True, True]


# --- Templates a strict CSP can live with ---------------------------------------------------

# A <script type="application/json"> holds data, not code: the CSP lets it be.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"javascript:", re.I)
HTMX_EVAL = re.compile(r"\shx-on[:\-]|\bjs:", re.I)
# The PDF templates are rendered by WeasyPrint, never by a browser.
EXEMPT = [ROOT / "templates" / "reports"]


def browser_templates() -> list[Path]:
    ours = [
        Path(config.path)
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).parts
    ]
    assert len(ours) >= 7  # bpo_portal, accounts, vendors, rfp, proposals, scoring, jobs...
    folders = [ROOT / "templates"] + [path / "templates" for path in ours]
    return sorted(
        path
        for folder in folders
        if folder.is_dir()
        for path in folder.rglob("*.html")
        if not any(path.is_relative_to(exempt) for exempt in EXEMPT)
    )


def test_the_scan_finds_our_templates():
    names = {str(path.relative_to(ROOT)) for path in browser_templates()}
    assert "templates/base.html" in names
    assert any(name.startswith("templates/rfp/") for name in names)
    assert not any(name.startswith("templates/reports/") for name in names)


def test_templates_have_no_inline_scripts_styles_or_event_handlers():
    found = []
    for path in browser_templates():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for what, pattern in [
                ("inline <script>", INLINE_SCRIPT),
                ("style attribute", STYLE_ATTRIBUTE),
                ("<style> element", STYLE_ELEMENT),
                ("on* handler", HANDLER_ATTRIBUTE),
                ("javascript: URL", JAVASCRIPT_URL),
                ("htmx evaluated code", HTMX_EVAL),
            ]:
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line.strip()}")
    assert found == [], "the CSP blocks these (use static/js and classes):\n" + "\n".join(found)


def test_the_scan_would_catch_each_kind():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">')
    assert not INLINE_SCRIPT.search('<script src="/static/app.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="data">')
    assert STYLE_ATTRIBUTE.search('<div style="width: 40%">')
    assert not STYLE_ATTRIBUTE.search('<link rel="stylesheet" href="x">')
    assert HANDLER_ATTRIBUTE.search('<button onclick="go()">')
    assert not HANDLER_ATTRIBUTE.search('<input name="only">')
    assert HTMX_EVAL.search('<form hx-on::after-request="reset()">')


# --- Uploads are never served from a guessable URL ------------------------------------------


def test_no_url_serves_the_media_folder():
    for path in (settings.MEDIA_URL + "private/vendors/x.pdf", "/media/private/vendors/x.pdf"):
        with pytest.raises(Resolver404):
            resolve(path)
    assert not getattr(settings, "WHITENOISE_ROOT", None)
    media = Path(settings.MEDIA_ROOT).resolve()
    for static in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]:
        folder = Path(static[1] if isinstance(static, tuple) else static).resolve()
        assert not media.is_relative_to(folder) and not folder.is_relative_to(media)


def test_every_file_field_stores_under_a_random_private_name():
    fields = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert len(fields) >= 4
    for model, field in fields:
        first = field.generate_filename(model(), "passport-scan.pdf")
        second = field.generate_filename(model(), "passport-scan.pdf")
        assert first.startswith("private/"), (model, field.name, first)
        assert "passport" not in first and first != second, (model, field.name, first)


@pytest.mark.django_db
def test_an_uploaded_file_is_served_only_through_the_checked_view(vendor_a, vendor_b, buyer_admin):
    company = vendor_a.vendor_membership.company
    certification = vendor_services.certification_save(
        actor=vendor_a,
        company=company,
        certification_type=CertificationType.objects.get(slug="iso-iec-27001"),
        issued_on=dt.date(2025, 1, 10),
        expires_on=dt.date(2028, 1, 10),
        evidence=pdf_upload("iso-27001.pdf"),
    )
    stored = Certification.objects.get(pk=certification.pk).evidence.name
    assert (Path(settings.MEDIA_ROOT) / stored).exists()

    owner = Client()
    owner.force_login(vendor_a)
    for guess in (settings.MEDIA_URL + stored, "/media/" + stored, "/static/" + stored):
        assert owner.get(guess).status_code == 404, guess

    url = reverse("vendor_certification_evidence", args=[certification.pk])
    response = owner.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    buyer = Client()
    buyer.force_login(buyer_admin)
    assert buyer.get(url).status_code == 200
    competitor = Client()
    competitor.force_login(vendor_b)
    assert competitor.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the log-in page
