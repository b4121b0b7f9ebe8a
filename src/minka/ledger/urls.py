from django.urls import path

from minka.ledger import views

urlpatterns = [
    path("", views.summary, name="ledger-summary"),
    path(
        "<int:programme>/summary/<str:dimension>.<str:fmt>",
        views.summary_export,
        name="ledger-summary-export",
    ),
    path("<int:programme>/trial-balance/", views.trial_balance, name="ledger-trial-balance"),
    path(
        "<int:programme>/trial-balance.<str:fmt>",
        views.trial_balance_export,
        name="ledger-trial-balance-export",
    ),
    path("<int:programme>/accounts/", views.account_list, name="ledger-accounts"),
    path("<int:programme>/journals/", views.journal_list, name="ledger-journals"),
    path("accounts/<int:pk>/", views.account_statement, name="ledger-account"),
    path(
        "accounts/<int:pk>/statement.<str:fmt>",
        views.account_statement_export,
        name="ledger-account-export",
    ),
    path("journals/<int:pk>/", views.journal_detail, name="ledger-journal"),
    path("rates/", views.rate_list, name="ledger-rates"),
    path("rates/new/", views.rate_create, name="ledger-rate-create"),
]
