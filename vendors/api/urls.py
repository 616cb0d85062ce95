from django.urls import path
from rest_framework.routers import SimpleRouter

from vendors.api import views

router = SimpleRouter()
router.register("vendors", views.VendorViewSet, basename="api-vendor")

children = []
for prefix, viewset, basename in (
    ("delivery-centres", views.DeliveryCentreViewSet, "api-vendor-centre"),
    ("certifications", views.CertificationViewSet, "api-vendor-certification"),
    ("references", views.ReferenceViewSet, "api-vendor-reference"),
):
    children += [
        path(
            f"vendors/<int:vendor>/{prefix}/",
            viewset.as_view({"get": "list", "post": "create"}),
            name=f"{basename}-list",
        ),
        path(
            f"vendors/<int:vendor>/{prefix}/<int:pk>/",
            viewset.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
            name=f"{basename}-detail",
        ),
    ]

urlpatterns = [*router.urls, *children]
