from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bpo_portal import health, views

handler400 = "bpo_portal.errors.handler400"
handler403 = "bpo_portal.errors.handler403"
handler404 = "bpo_portal.errors.handler404"
handler500 = "bpo_portal.errors.handler500"

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("rfp.api.urls")),
    path("", include("proposals.api.urls")),
    path("", include("vendors.api.urls")),
    path("", include("jobs.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("scoring.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("home.urls")),
    path("", include("accounts.urls")),
    path("rfps/", include("rfp.urls")),
    path("proposals/", include("proposals.urls")),
    path("jobs/", include("jobs.urls")),
    path("reports/", include("reports.urls")),
    path("vendors/", include("vendors.urls")),
    path("scoring/", include("scoring.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # Swagger UI sets inline styles; allow them on this page only.
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="swagger-ui",
    ),
    # Last: anything else under /api/ is a 404 in the error shape, never an HTML page.
    re_path(r"^api/(?P<rest>.*)$", views.api_not_found, name="api-not-found"),
]
