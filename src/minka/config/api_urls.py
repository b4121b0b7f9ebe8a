from django.urls import path

from minka.config.api import api

urlpatterns = [path("", api.urls)]
