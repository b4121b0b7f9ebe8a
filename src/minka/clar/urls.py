from django.contrib.auth.decorators import login_required
from django.urls import path

from minka.clar import views
from minka.core.views_entity import entity_edit, entity_export, entity_list


def _list(entity):
    return login_required(lambda r: entity_list(r, entity))


urlpatterns = [
    path("calls/", _list(views.CALL), name="calls-list"),
    path("calls/new/", login_required(lambda r: entity_edit(r, views.CALL)), name="calls-create"),
    path("calls/<int:pk>/", views.call_detail, name="calls-detail"),
    path(
        "calls/<int:pk>/edit/",
        login_required(lambda r, pk: entity_edit(r, views.CALL, pk)),
        name="calls-edit",
    ),
    path("calls/<int:pk>/envelopes/add/", views.envelope_add, name="call-envelope-add"),
    path("calls/<int:call_pk>/initiatives/new/", views.initiative_create, name="initiative-create"),
    path(
        "calls/export.<str:fmt>",
        login_required(lambda r, fmt: entity_export(r, views.CALL, fmt)),
        name="calls-export",
    ),
    path("initiatives/", _list(views.INITIATIVE), name="initiatives-list"),
    path(
        "initiatives/export.<str:fmt>",
        login_required(lambda r, fmt: entity_export(r, views.INITIATIVE, fmt)),
        name="initiatives-export",
    ),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiatives-detail"),
    path("initiatives/<int:pk>/submit/", views.initiative_submit, name="initiative-submit"),
    path("initiatives/<int:pk>/attach/", views.attachment_add, name="initiative-attach"),
    path("events/", _list(views.EVENT), name="clar-events-list"),
    path(
        "events/new/",
        login_required(lambda r: entity_edit(r, views.EVENT)),
        name="clar-events-create",
    ),
    path(
        "events/export.<str:fmt>",
        login_required(lambda r, fmt: entity_export(r, views.EVENT, fmt)),
        name="clar-events-export",
    ),
    path("events/<int:pk>/", views.event_detail, name="clar-events-detail"),
    path(
        "events/<int:pk>/edit/",
        login_required(lambda r, pk: entity_edit(r, views.EVENT, pk)),
        name="clar-events-edit",
    ),
    path("events/<int:pk>/jurors/add/", views.juror_add, name="clar-juror-add"),
    path(
        "events/<int:pk>/attendance/<int:initiative_pk>/", views.attendance, name="clar-attendance"
    ),
    path("events/<int:pk>/sheets/<int:initiative_pk>/<str:stage>/", views.sheet, name="clar-sheet"),
    path("events/<int:pk>/blank-sheets/", views.blank_sheets, name="clar-blank-sheets"),
    path("events/<int:pk>/results/", views.results, name="clar-results"),
    path("events/<int:pk>/midterm/<int:contract_pk>/", views.midterm, name="clar-midterm"),
    path("events/<int:pk>/acta.pdf", views.acta_pdf, name="clar-acta"),
    path("public/events/<int:pk>/", views.public_results, name="clar-public-results"),
]
