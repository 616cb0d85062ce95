from rest_framework.routers import SimpleRouter

from scoring.api import views

router = SimpleRouter()
router.register("evaluations", views.EvaluationViewSet, basename="api-evaluation")

urlpatterns = router.urls
