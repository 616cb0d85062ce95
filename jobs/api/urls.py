from rest_framework.routers import SimpleRouter

from jobs.api import views

router = SimpleRouter()
router.register("jobs", views.JobViewSet, basename="api-job")

urlpatterns = router.urls
