from django.urls import path

from minka.core.views_entity import entity_urls
from minka.programmes import views

urlpatterns = [
    *entity_urls(views.PROGRAMME),
    *entity_urls(views.OFFICE),
    path(
        "programmes/<int:pk>/funding/add/", views.funding_source_add, name="programme-funding-add"
    ),
]
