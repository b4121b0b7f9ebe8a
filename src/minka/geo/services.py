"""Writes to the gazetteer."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from minka.core.errors import DomainError
from minka.geo.gazetteer import AreaRow, fold
from minka.geo.models import AdminArea

UPDATABLE = (
    "name",
    "reniec_code",
    "capital",
    "latitude",
    "longitude",
    "altitude_m",
    "poverty_rate",
    "extreme_poverty_rate",
)


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def gazetteer_load(*, rows: list[AreaRow], country: str = "PE") -> LoadResult:
    """Create or update administrative areas from `rows` (parents before children).

    Re-loading the same rows changes nothing; a later file may add what an earlier one lacked
    (e.g. poverty rates) without erasing values it does not carry."""
    ordered = sorted(rows, key=lambda r: (r.level, r.code))
    existing = {a.code: a for a in AdminArea.objects.filter(country=country)}
    created = updated = unchanged = 0
    to_create: list[AdminArea] = []
    to_update: list[AdminArea] = []
    for row in ordered:
        if row.level not in (1, 2, 3) or len(row.code) != row.level * 2:
            raise DomainError(_("“%(code)s” is not a UBIGEO code.") % {"code": row.code})
        area = existing.get(row.code)
        if area is None:
            parent = existing.get(row.code[: (row.level - 1) * 2]) if row.level > 1 else None
            if row.level > 1 and parent is None:
                raise DomainError(
                    _("The area %(code)s has no parent %(parent)s in the gazetteer.")
                    % {"code": row.code, "parent": row.code[: (row.level - 1) * 2]}
                )
            area = AdminArea(
                country=country,
                level=row.level,
                code=row.code,
                path=row.code,
                parent=parent,
                **{f: getattr(row, f) for f in UPDATABLE},
            )
            if parent is not None and parent.pk is None:
                # Parents created in this same load are saved first so children can point at them.
                AdminArea.objects.bulk_create(to_create)
                to_create.clear()
            to_create.append(area)
            existing[row.code] = area
            created += 1
            continue
        changed = False
        for field in UPDATABLE:
            value = getattr(row, field)
            if field == "name" and fold(value) == fold(area.name):
                continue  # an upper-case INEI spelling never replaces the accented one
            if value not in (None, "") and getattr(area, field) != value:
                setattr(area, field, value)
                changed = True
        if changed:
            to_update.append(area)
            updated += 1
        else:
            unchanged += 1
    AdminArea.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        AdminArea.objects.bulk_update(to_update, UPDATABLE, batch_size=500)
    return LoadResult(created=created, updated=updated, unchanged=unchanged)
