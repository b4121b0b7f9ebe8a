from django.urls import path

from minka.monitoring import views

urlpatterns = [
    path("", views.dashboard, name="monitoring-dashboard"),
    path("communities/<int:pk>/", views.community, name="monitoring-community"),
    path("communities/<int:pk>/assets/new/", views.valuation_add, name="monitoring-valuation-add"),
    path("communities/<int:pk>/spending/", views.spending_set, name="monitoring-spending-set"),
    path("reports/", views.report_index, name="monitoring-reports"),
    path("reports/<int:programme>/<str:code>/", views.report_view, name="monitoring-report"),
    path(
        "reports/<int:programme>/<str:code>.<str:fmt>",
        views.report_view,
        name="monitoring-report-export",
    ),
    path("map/", views.map_page, name="monitoring-map"),
    path("leaflet/<path:name>", views.leaflet_asset, name="monitoring-leaflet"),
    path("indicators/", views.indicator_reports, name="monitoring-indicator-reports"),
    path(
        "indicators/<int:programme>/report/",
        views.indicator_report_submit,
        name="monitoring-indicator-report-submit",
    ),
    path(
        "indicators/reports/<int:pk>/review/",
        views.indicator_report_review,
        name="monitoring-indicator-report-review",
    ),
    path("surveys/", views.surveys, name="monitoring-surveys"),
    path("surveys/<int:programme>/import/", views.survey_import, name="monitoring-survey-import"),
    path("plans/", views.plans, name="monitoring-plans"),
    path("plans/<int:pk>/", views.plan_detail, name="monitoring-plan"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="monitoring-plan-approve"),
    path("activities/<int:pk>/progress/", views.progress_add, name="monitoring-progress-add"),
]
