from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClarConfig(AppConfig):
    name = "minka.clar"
    label = "clar"
    verbose_name = _("CLAR")
