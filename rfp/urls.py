from django.urls import path

from rfp import views

urlpatterns = [
    path("", views.rfp_list, name="rfp_list"),
    path("new/", views.rfp_create, name="rfp_create"),
    path(
        "templates/<int:template_pk>/delete/", views.rfp_template_delete, name="rfp_template_delete"
    ),
    path("<int:pk>/", views.rfp_detail, name="rfp_detail"),
    path("<int:pk>/preview/", views.rfp_preview, name="rfp_preview"),
    path("<int:pk>/timeline/", views.rfp_timeline, name="rfp_timeline"),
    path("<int:pk>/check/", views.rfp_check, name="rfp_check"),
    path("<int:pk>/cancel/", views.rfp_cancel, name="rfp_cancel"),
    path("<int:pk>/save-as-template/", views.rfp_save_as_template, name="rfp_save_as_template"),
    path("<int:pk>/do/<str:action>/", views.rfp_transition, name="rfp_transition"),
    path("<int:pk>/edit/timeline/check/", views.rfp_timeline_check, name="rfp_timeline_check"),
    path("<int:pk>/edit/vendors/search/", views.rfp_vendor_search, name="rfp_vendor_search"),
    path("<int:pk>/edit/vendors/invite/", views.rfp_invite, name="rfp_invite"),
    path("<int:pk>/edit/<str:step>/", views.rfp_edit, name="rfp_edit"),
    path("<int:pk>/parts/<str:kind_name>/new/", views.rfp_part, name="rfp_part_new"),
    path("<int:pk>/parts/<str:kind_name>/<int:part_pk>/", views.rfp_part, name="rfp_part_edit"),
    path(
        "<int:pk>/parts/<str:kind_name>/<int:part_pk>/delete/",
        views.rfp_part_delete,
        name="rfp_part_delete",
    ),
    path("<int:pk>/documents/", views.rfp_attachment_add, name="rfp_attachment_add"),
    path(
        "<int:pk>/documents/<int:attachment_pk>/",
        views.rfp_attachment_download,
        name="rfp_attachment_download",
    ),
    path(
        "<int:pk>/documents/<int:attachment_pk>/delete/",
        views.rfp_attachment_delete,
        name="rfp_attachment_delete",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/delete/",
        views.rfp_invitation_delete,
        name="rfp_invitation_delete",
    ),
    path("<int:pk>/questions/", views.rfp_questions, name="rfp_questions"),
    path(
        "<int:pk>/questions/<int:question_pk>/answer/",
        views.rfp_question_answer,
        name="rfp_question_answer",
    ),
    path("<int:pk>/respond/", views.rfp_respond, name="rfp_respond"),
    path(
        "<int:pk>/addenda/<int:number>/acknowledge/",
        views.rfp_addendum_acknowledge,
        name="rfp_addendum_acknowledge",
    ),
]
