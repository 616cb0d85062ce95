from django.urls import path

from proposals import views

urlpatterns = [
    path("", views.proposal_list, name="proposal_list"),
    path("start/<int:rfp_pk>/", views.proposal_start, name="proposal_start"),
    path("<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("<int:pk>/lots-and-currency/", views.proposal_settings, name="proposal_settings"),
    path("<int:pk>/questionnaire/", views.proposal_questionnaire, name="proposal_questionnaire"),
    path(
        "<int:pk>/lots/<int:lot_pk>/pricing/",
        views.proposal_lot_pricing,
        name="proposal_lot_pricing",
    ),
    path(
        "<int:pk>/lots/<int:lot_pk>/service-levels/",
        views.proposal_lot_slas,
        name="proposal_lot_slas",
    ),
    path(
        "<int:pk>/lots/<int:lot_pk>/delivery-centres/",
        views.proposal_lot_centres,
        name="proposal_lot_centres",
    ),
    path(
        "<int:pk>/lots/<int:lot_pk>/staffing/",
        views.proposal_lot_staffing,
        name="proposal_lot_staffing",
    ),
    path("<int:pk>/attachments/", views.proposal_attachments, name="proposal_attachments"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.proposal_attachment_download,
        name="proposal_attachment_download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.proposal_attachment_remove,
        name="proposal_attachment_remove",
    ),
    path("<int:pk>/check/", views.proposal_check, name="proposal_check"),
    path("<int:pk>/receipts/<int:number>/", views.proposal_receipt, name="proposal_receipt"),
    path("<int:pk>/withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
    path("<int:pk>/compliance/", views.proposal_compliance_override, name="proposal_compliance"),
    # The buyer's side, per RFP
    path("rfp/<int:rfp_pk>/", views.proposal_rfp_list, name="proposal_rfp_list"),
    path("rfp/<int:rfp_pk>/answers/", views.proposal_rfp_answers, name="proposal_rfp_answers"),
    path("rfp/<int:rfp_pk>/prices/", views.proposal_rfp_prices, name="proposal_rfp_prices"),
    path(
        "rfp/<int:rfp_pk>/open-commercial-envelope/",
        views.proposal_rfp_open_commercial,
        name="proposal_rfp_open_commercial",
    ),
    path(
        "rfp/<int:rfp_pk>/check-compliance/",
        views.proposal_rfp_compliance_check,
        name="proposal_rfp_compliance_check",
    ),
]
