from django.urls import path

from reports import views

urlpatterns = [
    path("rfps/<int:rfp_pk>/", views.report_list, name="report_list"),
]
