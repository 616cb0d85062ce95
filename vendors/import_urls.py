"""Mounted at vendors/import/ by vendors/urls.py."""

from django.urls import path

from vendors import import_views as views

urlpatterns = [
    path("", views.vendor_import_start, name="vendor_import_start"),
    path(
        "template.<str:file_format>",
        views.vendor_import_template,
        name="vendor_import_template",
    ),
    path("<int:pk>/", views.vendor_import_detail, name="vendor_import_detail"),
    path("<int:pk>/confirm/", views.vendor_import_confirm, name="vendor_import_confirm"),
]
