from django.urls import path

from jobs import views

urlpatterns = [
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/status/", views.job_status_partial, name="job_status"),
    path("<int:pk>/retry/", views.job_retry, name="job_retry"),
    path("<int:pk>/download/", views.job_download, name="job_download"),
]
