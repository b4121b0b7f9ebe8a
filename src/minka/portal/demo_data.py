"""Demo IATI publishers, so every demo programme can be published on the portal."""

from __future__ import annotations

from collections.abc import Callable

from minka.core.validators import ruc_check_digit
from minka.portal.models import IatiPublisher, OrganisationType
from minka.programmes.models import Programme


def seed(*, scale: str, seed: int, log: Callable[[str], None]) -> int:
    made = 0
    for number, programme in enumerate(Programme.objects.order_by("code"), start=1):
        # A demo RUC of the executing institution, valid by SUNAT's check digit.
        base = f"2013{number:06d}"
        ruc = base + str(ruc_check_digit(base))
        IatiPublisher.objects.get_or_create(
            programme=programme,
            defaults={
                "organisation_ref": f"PE-RUC-{ruc}",
                "organisation_type": OrganisationType.GOVERNMENT,
                "organisation_name": programme.institution or programme.name,
            },
        )
        made += 1
    log(f"portal: {made} programmes publishable in IATI")
    return made
