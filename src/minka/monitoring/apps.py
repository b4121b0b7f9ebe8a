from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "minka.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring and evaluation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The indicators computed from the apps that exist today register themselves here;
        # another app adds its own with `minka.monitoring.indicators.register(...)`.
        from minka.monitoring import indicators  # noqa: F401
