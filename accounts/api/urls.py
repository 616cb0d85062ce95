from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter()
router.register("tokens", views.ApiTokenViewSet, basename="api-token")
router.register("organization/members", views.MembershipViewSet, basename="api-member")
router.register("organization/invitations", views.InvitationViewSet, basename="api-invitation")
router.register("organization/webhooks", views.WebhookViewSet, basename="api-webhook")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    *router.urls,
]
