from django.urls import path

from minka.portal import views

urlpatterns = [
    path("", views.home, name="portal-home"),
    path("programmes/<str:code>/", views.programme, name="portal-programme"),
    path("programmes/<str:code>/iati.xml", views.programme_iati_file, name="portal-programme-iati"),
    path("results/", views.results, name="portal-results"),
    path("organizations/", views.organizations, name="portal-organizations"),
    path("data/", views.open_data, name="portal-data"),
    path("data/iati.xml", views.iati_file, name="portal-iati"),
    path("data/<slug:table>.<str:fmt>", views.data_file, name="portal-data-file"),
]
