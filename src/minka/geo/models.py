"""The gazetteer: a generic administrative hierarchy (Peru: UBIGEO) and agro-ecological
territories that group communities."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minka.core.scope import ScopeSpec


class AreaLevel(models.IntegerChoices):
    DEPARTMENT = 1, _("Department")
    PROVINCE = 2, _("Province")
    DISTRICT = 3, _("District")


class AdminArea(models.Model):
    """A department, province or district. `path` is the concatenated code of the area and its
    ancestors (Peru: the UBIGEO prefix), so a whole subtree is one indexed prefix filter."""

    country = models.CharField(_("country"), max_length=2, default="PE")
    level = models.PositiveSmallIntegerField(_("level"), choices=AreaLevel.choices)
    code = models.CharField(
        _("code"), max_length=12, help_text=_("INEI UBIGEO code, zero-padded to 6 digits in Peru.")
    )
    reniec_code = models.CharField(_("RENIEC code"), max_length=12, blank=True)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(_("path"), max_length=24, db_index=True)
    capital = models.CharField(_("capital"), max_length=120, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    altitude_m = models.IntegerField(_("altitude (m)"), null=True, blank=True)
    poverty_rate = models.FloatField(_("poverty rate (%)"), null=True, blank=True)
    extreme_poverty_rate = models.FloatField(_("extreme poverty rate (%)"), null=True, blank=True)

    scope = ScopeSpec(reference=True)

    class Meta:
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["country", "code"], name="adminarea_unique_code"),
            models.UniqueConstraint(fields=["country", "path"], name="adminarea_unique_path"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def ubigeo(self) -> str:
        return self.code

    def ancestors(self) -> list[AdminArea]:
        chain: list[AdminArea] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class TerritoryKind(models.TextChoices):
    WATERSHED = "watershed", _("Watershed")
    AGROECOLOGICAL = "agroecological", _("Territory of similar agro-ecology")
    CORRIDOR = "corridor", _("Economic corridor")


class Territory(models.Model):
    """A group of communities that compete and plan together (a watershed, a corridor)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=TerritoryKind.choices)
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="territories",
        verbose_name=_("programme"),
    )
    area = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        related_name="territories",
        verbose_name=_("main area"),
        help_text=_("The smallest administrative area that contains the territory."),
    )
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(area="area__path", programme="programme_id")

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
