from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "minka.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from minka.core.integrity import CHECKS
        from minka.ledger.integrity import check_ledger

        if all(name != "ledger" for name, _ in CHECKS):
            CHECKS.append(("ledger", check_ledger))
