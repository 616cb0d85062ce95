from django.urls import path

from accounts import views, views_webhooks

urlpatterns = [
    path("organization/members/", views.organization_members, name="organization_members"),
    path(
        "organization/members/<int:pk>/role/",
        views.membership_change_role,
        name="membership_change_role",
    ),
    path(
        "organization/members/<int:pk>/remove/", views.membership_remove, name="membership_remove"
    ),
    path(
        "organization/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("organization/settings/", views.organization_settings, name="organization_settings"),
    path("organization/webhooks/", views_webhooks.webhook_list, name="webhook_list"),
    path("organization/webhooks/<int:pk>/", views_webhooks.webhook_detail, name="webhook_detail"),
    path(
        "organization/webhooks/<int:pk>/<str:action>/",
        views_webhooks.webhook_action,
        name="webhook_action",
    ),
    path(
        "organization/webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        views_webhooks.webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("organization/audit/", views.audit_log, name="audit_log"),
    path("organization/audit/export.csv", views.audit_log_export, name="audit_log_export"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
