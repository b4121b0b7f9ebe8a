from django.contrib.auth.decorators import login_required
from django.urls import path

from minka.contracts import views
from minka.core.views_entity import entity_export, entity_list

urlpatterns = [
    path("", login_required(lambda r: entity_list(r, views.CONTRACT)), name="contracts-list"),
    path(
        "export.<str:fmt>",
        login_required(lambda r, fmt: entity_export(r, views.CONTRACT, fmt)),
        name="contracts-export",
    ),
    path("new/", views.contract_create, name="contracts-create"),
    path("worklist/", views.worklist, name="contracts-worklist"),
    path("bank-batch/", views.bank_batch, name="contracts-bank-batch"),
    path("<int:pk>/", views.contract_detail, name="contracts-detail"),
    path("<int:pk>/pdf/", views.contract_pdf, name="contract-pdf"),
    path("<int:pk>/decide/", views.contract_decide, name="contract-decide"),
    path("<int:pk>/sign/", views.contract_sign, name="contract-sign"),
    path("<int:pk>/deposits/add/", views.deposit_add, name="contract-deposit-add"),
    path("<int:pk>/tranches/<int:number>/atf/", views.atf_prepare, name="contract-atf-prepare"),
    path("<int:pk>/tranche2/request/", views.tranche2_request, name="contract-tranche2-request"),
    path("<int:pk>/midterm/", views.midterm, name="contract-midterm"),
    path("<int:pk>/misuse/", views.misuse_raise, name="contract-misuse-raise"),
    path("<int:pk>/expenses/add/", views.expense_report_submit, name="contract-expense-add"),
    path("<int:pk>/addenda/add/", views.addendum_add, name="contract-addendum-add"),
    path("<int:pk>/liquidate/", views.liquidate, name="contract-liquidate"),
    path("<int:pk>/cancel/", views.cancel, name="contract-cancel"),
    path("atf/<int:pk>/approve/", views.atf_approve, name="atf-approve"),
    path("atf/<int:pk>/execute/", views.atf_execute, name="atf-execute"),
    path("atf/<int:pk>/cancel/", views.atf_cancel, name="atf-cancel"),
    path("misuse/<int:pk>/lift/", views.misuse_lift, name="misuse-lift"),
    path(
        "expense-reports/<int:pk>/review/",
        views.expense_report_review,
        name="expense-report-review",
    ),
]
