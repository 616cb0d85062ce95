from rest_framework.routers import SimpleRouter

from rfp.api import views

router = SimpleRouter()
router.register("rfps", views.RFPViewSet, basename="api-rfp")
router.register("rfp-templates", views.RFPTemplateViewSet, basename="api-rfp-template")
_nested = [
    ("lots", views.LotViewSet, "api-rfp-lot"),
    ("sections", views.QuestionSectionViewSet, "api-rfp-section"),
    ("questions", views.QuestionViewSet, "api-rfp-question"),
    ("pricing-lines", views.PricingLineViewSet, "api-rfp-pricing-line"),
    ("service-levels", views.ServiceLevelViewSet, "api-rfp-service-level"),
    ("invitations", views.InvitationViewSet, "api-rfp-invitation"),
    ("clarifications", views.ClarificationViewSet, "api-rfp-clarification"),
    ("addenda", views.AddendumViewSet, "api-rfp-addendum"),
]
for prefix, viewset, basename in _nested:
    router.register(rf"rfps/(?P<rfp>\d+)/{prefix}", viewset, basename=basename)

urlpatterns = router.urls
