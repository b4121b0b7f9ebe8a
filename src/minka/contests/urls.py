from django.contrib.auth.decorators import login_required
from django.urls import path

from minka.contests import views
from minka.core.views_entity import entity_export, entity_list

urlpatterns = [
    path("", login_required(lambda r: entity_list(r, views.CONTEST)), name="contests-list"),
    path("new/", views.contest_create, name="contests-create"),
    path(
        "export.<str:fmt>",
        login_required(lambda r, fmt: entity_export(r, views.CONTEST, fmt)),
        name="contests-export",
    ),
    path("metrics/", views.metrics, name="contests-metrics"),
    path("<int:pk>/", views.contest_detail, name="contests-detail"),
    path("<int:pk>/activities/add/", views.activity_add, name="contest-activity-add"),
    path(
        "<int:pk>/activities/<int:activity_pk>/criteria/add/",
        views.criterion_add,
        name="contest-criterion-add",
    ),
    path("<int:pk>/tiers/", views.tiers, name="contest-tiers"),
    path("<int:pk>/open/", views.contest_open, name="contest-open"),
    path("<int:pk>/jurors/add/", views.juror_add, name="contest-juror-add"),
    path("<int:pk>/enrol/", views.enrol, name="contest-enrol"),
    path(
        "<int:pk>/participants/<int:participant_pk>/",
        views.participant,
        name="contest-participant",
    ),
    path(
        "<int:pk>/participants/<int:participant_pk>/map/",
        views.talking_map,
        name="contest-map",
    ),
    path(
        "<int:pk>/sheets/<int:participant_pk>/<int:activity_pk>/",
        views.sheet,
        name="contest-sheet",
    ),
    path("<int:pk>/blank-sheets/", views.blank_sheets, name="contest-blank-sheets"),
    path("<int:pk>/results/", views.results, name="contest-results"),
    path("<int:pk>/third-party/", views.third_party, name="contest-third-party"),
    path("<int:pk>/payments/prepare/", views.payment_prepare, name="contest-payment-prepare"),
    path("payments/<int:pk>/approve/", views.payment_approve, name="contest-payment-approve"),
    path("payments/<int:pk>/execute/", views.payment_execute, name="contest-payment-execute"),
    path("payments/<int:pk>/cancel/", views.payment_cancel, name="contest-payment-cancel"),
    path("<int:pk>/acta.pdf", views.acta_pdf, name="contest-acta"),
    path("public/<int:pk>/", views.public_results, name="contest-public-results"),
]
