from rest_framework.routers import SimpleRouter

from proposals.api import views

router = SimpleRouter()
router.register("proposals", views.ProposalViewSet, basename="api-proposal")
router.register("proposal-envelopes", views.EnvelopeViewSet, basename="api-proposal-envelope")

urlpatterns = router.urls
