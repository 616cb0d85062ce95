from django.urls import path

from reports.api import views

urlpatterns = [
    path(
        "rfps/<int:rfp>/reports/",
        views.ReportViewSet.as_view({"get": "list", "post": "create"}),
        name="api-report-list",
    ),
    path(
        "rfps/<int:rfp>/ocds/",
        views.OcdsReleasePackageView.as_view(),
        name="api-rfp-ocds",
    ),
]
