from django.urls import path

from rfp.views import browse, clarifications, content, distribution, editor, lifecycle

urlpatterns = [
    path("", browse.rfp_list, name="rfp_list"),
    path("new/", browse.rfp_create, name="rfp_create"),
    path(
        "templates/<int:template_pk>/delete/",
        browse.rfp_template_delete,
        name="rfp_template_delete",
    ),
    path("<int:pk>/", browse.rfp_detail, name="rfp_detail"),
    path("<int:pk>/preview/", browse.rfp_preview, name="rfp_preview"),
    path("<int:pk>/timeline/", browse.rfp_timeline, name="rfp_timeline"),
    path("<int:pk>/check/", lifecycle.rfp_check, name="rfp_check"),
    path("<int:pk>/cancel/", lifecycle.rfp_cancel, name="rfp_cancel"),
    path("<int:pk>/save-as-template/", browse.rfp_save_as_template, name="rfp_save_as_template"),
    path("<int:pk>/do/<str:action>/", lifecycle.rfp_transition, name="rfp_transition"),
    path("<int:pk>/edit/timeline/check/", editor.rfp_timeline_check, name="rfp_timeline_check"),
    path("<int:pk>/edit/vendors/search/", editor.rfp_vendor_search, name="rfp_vendor_search"),
    path("<int:pk>/edit/vendors/invite/", distribution.rfp_invite, name="rfp_invite"),
    path("<int:pk>/edit/<str:step>/", editor.rfp_edit, name="rfp_edit"),
    path("<int:pk>/parts/<str:kind_name>/new/", content.rfp_part, name="rfp_part_new"),
    path("<int:pk>/parts/<str:kind_name>/<int:part_pk>/", content.rfp_part, name="rfp_part_edit"),
    path(
        "<int:pk>/parts/<str:kind_name>/<int:part_pk>/delete/",
        content.rfp_part_delete,
        name="rfp_part_delete",
    ),
    path("<int:pk>/documents/", editor.rfp_attachment_add, name="rfp_attachment_add"),
    path(
        "<int:pk>/documents/<int:attachment_pk>/",
        browse.rfp_attachment_download,
        name="rfp_attachment_download",
    ),
    path(
        "<int:pk>/documents/<int:attachment_pk>/delete/",
        editor.rfp_attachment_delete,
        name="rfp_attachment_delete",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/delete/",
        distribution.rfp_invitation_delete,
        name="rfp_invitation_delete",
    ),
    path("<int:pk>/questions/", clarifications.rfp_questions, name="rfp_questions"),
    path(
        "<int:pk>/questions/<int:question_pk>/answer/",
        clarifications.rfp_question_answer,
        name="rfp_question_answer",
    ),
    path("<int:pk>/respond/", distribution.rfp_respond, name="rfp_respond"),
    path(
        "<int:pk>/addenda/<int:number>/acknowledge/",
        distribution.rfp_addendum_acknowledge,
        name="rfp_addendum_acknowledge",
    ),
]
