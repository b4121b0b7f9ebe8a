from django.urls import path

from minka.core.views_entity import entity_urls
from minka.registry import views, views_import

urlpatterns = [
    *entity_urls(views.COMMUNITY),
    *entity_urls(views.HOUSEHOLD),
    *entity_urls(views.PERSON),
    *entity_urls(views.ORGANIZATION),
    *entity_urls(views.PROVIDER),
    *entity_urls(views.INSTITUTION),
    *entity_urls(views.BANK_ACCOUNT),
    path("import/", views_import.import_page, name="import"),
    path(
        "import/template/<str:kind>.<str:fmt>",
        views_import.import_template_download,
        name="import-template",
    ),
    path(
        "organizations/<int:pk>/members/add/",
        views.organization_member_add,
        name="organization-member-add",
    ),
    path(
        "organizations/<int:pk>/board/assign/",
        views.organization_board_assign,
        name="organization-board-assign",
    ),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership-end"),
    path("board-positions/<int:pk>/end/", views.board_position_end, name="board-position-end"),
    path("bank-accounts/<int:pk>/verify/", views.bank_account_verify, name="bank-account-verify"),
]
