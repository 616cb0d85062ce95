from django.urls import include, path

from vendors import views

urlpatterns = [
    # buyers
    path("", views.directory, name="vendor_directory"),
    path("<int:pk>/", views.vendor_detail, name="vendor_detail"),
    path("locations/", views.location_overrides, name="vendor_location_overrides"),
    path("import/", include("vendors.import_urls")),
    # registration
    path("register/", views.register, name="vendor_register"),
    path("register/done/", views.register_done, name="vendor_register_done"),
    path("<int:pk>/request-access/", views.request_access, name="vendor_request_access"),
    # the vendor's own profile
    path("profile/", views.profile, name="vendor_profile"),
    path("profile/details/", views.profile_details, name="vendor_profile_details"),
    path("profile/services/", views.profile_services, name="vendor_profile_services"),
    path("profile/technology/", views.profile_technology, name="vendor_profile_technology"),
    path("profile/security/", views.profile_security, name="vendor_profile_security"),
    path("profile/centres/new/", views.centre_edit, name="vendor_centre_add"),
    path("profile/centres/<int:pk>/", views.centre_edit, name="vendor_centre_edit"),
    path("profile/certifications/new/", views.certification_edit, name="vendor_certification_add"),
    path(
        "profile/certifications/<int:pk>/",
        views.certification_edit,
        name="vendor_certification_edit",
    ),
    path("profile/references/new/", views.reference_edit, name="vendor_reference_add"),
    path("profile/references/<int:pk>/", views.reference_edit, name="vendor_reference_edit"),
    path("profile/<str:kind>/<int:pk>/delete/", views.child_delete, name="vendor_child_delete"),
    path(
        "certifications/<int:pk>/evidence/",
        views.certification_evidence,
        name="vendor_certification_evidence",
    ),
    # colleagues
    path("company/users/", views.company_users, name="vendor_company_users"),
    path(
        "company/users/<int:pk>/<str:action>/",
        views.company_user_action,
        name="vendor_company_user_action",
    ),
]
