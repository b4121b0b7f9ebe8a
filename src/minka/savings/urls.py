from django.contrib.auth.decorators import login_required
from django.urls import path

from minka.core.views_entity import entity_export, entity_list
from minka.savings import views

urlpatterns = [
    path("", views.home, name="savings-home"),
    path(
        "groups/",
        login_required(lambda r: entity_list(r, views.GROUP)),
        name="savings-groups-list",
    ),
    path(
        "groups/export.<str:fmt>",
        login_required(lambda r, fmt: entity_export(r, views.GROUP, fmt)),
        name="savings-groups-export",
    ),
    path("groups/new/", views.group_enrol, name="savings-group-enrol"),
    path("groups/<int:pk>/", views.group_detail, name="savings-groups-detail"),
    path("groups/<int:pk>/savers/add/", views.saver_add, name="savings-saver-add"),
    path("groups/<int:pk>/balances/", views.balances, name="savings-balances"),
    path("groups/<int:pk>/incentives/", views.incentives_prepare, name="savings-incentives"),
    path("groups/<int:pk>/fund/new/", views.fund_create, name="savings-fund-create"),
    path("groups/<int:pk>/insurance/add/", views.policy_add, name="savings-policy-add"),
    path("groups/<int:pk>/passbook/<int:person_pk>/", views.passbook, name="savings-passbook"),
    path("accounts/<int:pk>/withdrawal/", views.withdrawal_add, name="savings-withdrawal-add"),
    path("statements/import/", views.statement_import, name="savings-statement-import"),
    path("worklist/", views.worklist, name="savings-worklist"),
    path("report/", views.report, name="savings-report"),
    path("programmes/<int:pk>/settings/", views.settings_edit, name="savings-settings"),
    path(
        "batches/",
        login_required(lambda r: entity_list(r, views.BATCH)),
        name="savings-batches-list",
    ),
    path(
        "batches/export.<str:fmt>",
        login_required(lambda r, fmt: entity_export(r, views.BATCH, fmt)),
        name="savings-batches-export",
    ),
    path("batches/<int:pk>/", views.batch_detail, name="savings-batches-detail"),
    path("batches/<int:pk>/approve/", views.batch_approve, name="savings-batch-approve"),
    path("batches/<int:pk>/execute/", views.batch_execute, name="savings-batch-execute"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="savings-batch-cancel"),
    path("funds/<int:pk>/", views.fund_detail, name="savings-fund"),
    path("funds/<int:pk>/seed/", views.seed_prepare, name="savings-seed-prepare"),
    path("funds/<int:pk>/products/add/", views.product_add, name="savings-product-add"),
    path("funds/<int:pk>/loans/add/", views.loan_add, name="savings-loan-add"),
    path("funds/<int:pk>/movements/add/", views.movement_add, name="savings-movement-add"),
    path("seed/<int:pk>/approve/", views.seed_approve, name="savings-seed-approve"),
    path("seed/<int:pk>/execute/", views.seed_execute, name="savings-seed-execute"),
    path("seed/<int:pk>/cancel/", views.seed_cancel, name="savings-seed-cancel"),
    path("loans/<int:pk>/", views.loan_detail, name="savings-loan"),
    path("loans/<int:pk>/repay/", views.repayment_add, name="savings-repayment-add"),
    path("insurance/", views.insurance, name="savings-insurance"),
    path("insurance/<int:pk>/", views.policy_detail, name="savings-policy"),
    path("insurance/<int:pk>/claims/add/", views.claim_add, name="savings-claim-add"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="savings-claim-decide"),
    path("programmes/<int:pk>/premiums/", views.premium_prepare, name="savings-premium-prepare"),
    path("premiums/<int:pk>/approve/", views.premium_approve, name="savings-premium-approve"),
    path("premiums/<int:pk>/execute/", views.premium_execute, name="savings-premium-execute"),
    path("premiums/<int:pk>/cancel/", views.premium_cancel, name="savings-premium-cancel"),
]
