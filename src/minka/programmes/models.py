"""Programmes, their funding sources, the areas they cover and their local offices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minka.core.money import CURRENCY_CHOICES, Money
from minka.core.scope import ScopeSpec


class Programme(models.Model):
    """A development programme (a project, a national fund's window) that transfers money to
    community organizations in the areas it covers."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    institution = models.CharField(_("executing institution"), max_length=200, blank=True)
    currency = models.CharField(
        _("operating currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    description = models.TextField(_("description"), blank=True)
    bank_account = models.CharField(
        _("disbursement account"),
        max_length=34,
        blank=True,
        help_text=_("The programme's account that transfers are made from (IBAN or number)."),
    )
    bank_bic = models.CharField(_("disbursement bank BIC"), max_length=11, blank=True)
    coverage_areas = models.ManyToManyField(
        "geo.AdminArea", related_name="programmes", verbose_name=_("areas covered")
    )
    history = HistoricalRecords()

    scope = ScopeSpec(programme="pk")

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="programme_dates_order", condition=Q(ends_on__gte=models.F("starts_on"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class FundingKind(models.TextChoices):
    IFAD_LOAN = "ifad_loan", _("IFAD loan")
    IFAD_GRANT = "ifad_grant", _("IFAD grant")
    NATIONAL = "national", _("National government")
    MUNICIPAL = "municipal", _("Municipalities")
    OTHER = "other", _("Other co-financiers")


class FundingSource(models.Model):
    """Money a programme has to spend, by source, in the currency it was agreed in."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="funding_sources",
        verbose_name=_("programme"),
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("type"), max_length=12, choices=FundingKind.choices)
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    history = HistoricalRecords()

    scope = ScopeSpec(programme="programme_id")

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["programme_id", "name"]
        constraints = [
            models.CheckConstraint(name="funding_amount_positive", condition=Q(amount_minor__gt=0)),
            models.UniqueConstraint(fields=["programme", "name"], name="funding_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.amount})"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)


class LocalOffice(models.Model):
    """A programme's field office; its officers see the communities of its areas."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="local_offices",
        verbose_name=_("programme"),
    )
    name = models.CharField(_("name"), max_length=150)
    town = models.CharField(_("town"), max_length=100, blank=True)
    areas = models.ManyToManyField(
        "geo.AdminArea", related_name="local_offices", verbose_name=_("areas served")
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_offices",
        verbose_name=_("head of office"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(programme="programme_id")

    class Meta:
        verbose_name = _("local office")
        verbose_name_plural = _("local offices")
        ordering = ["programme_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="localoffice_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
