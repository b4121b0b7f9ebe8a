"""What the portal needs to publish a programme in IATI: the identity of the reporting
organization (the executing institution), which no other app records."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# IATI organisation identifiers: an agency prefix from the OrganisationRegistrationAgency
# codelist (e.g. PE-RUC, XM-DAC), a hyphen and the agency's own code; never /, &, | or ?.
validate_org_identifier = RegexValidator(
    r"^[A-Z]{2}-[A-Za-z0-9_]+-[^/&|?\s]+$",
    _(
        "Use an IATI organisation identifier: the registration agency's prefix, a hyphen and "
        "the code it gave (e.g. PE-RUC-20131370645), without spaces, /, &, | or ?."
    ),
)


class OrganisationType(models.TextChoices):
    """The IATI OrganisationType codes that an executing institution can have."""

    GOVERNMENT = "10", _("Government")
    LOCAL_GOVERNMENT = "11", _("Local government")
    OTHER_PUBLIC = "15", _("Other public sector")
    NATIONAL_NGO = "22", _("National NGO")
    MULTILATERAL = "40", _("Multilateral")
    OTHER = "90", _("Other")


class IatiPublisher(models.Model):
    """The executing institution as IATI reporting organization of one programme."""

    programme = models.OneToOneField(
        "programmes.Programme",
        on_delete=models.CASCADE,
        related_name="iati_publisher",
        verbose_name=_("programme"),
    )
    organisation_ref = models.CharField(
        _("IATI organisation identifier"),
        max_length=100,
        validators=[validate_org_identifier],
        help_text=_("The executing institution's identifier, e.g. PE-RUC-20131370645."),
    )
    organisation_type = models.CharField(
        _("organisation type"),
        max_length=2,
        choices=OrganisationType.choices,
        default=OrganisationType.GOVERNMENT,
    )
    organisation_name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        help_text=_("Leave blank to use the programme's executing institution."),
    )

    class Meta:
        verbose_name = _("IATI publisher")
        verbose_name_plural = _("IATI publishers")
        ordering = ["programme__code"]

    def __str__(self) -> str:
        return f"{self.programme.code}: {self.organisation_ref}"
