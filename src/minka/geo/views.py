"""Gazetteer and territory pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _l

from minka.core.ui import Column, Entity, Filter, Related, register
from minka.geo import selectors
from minka.geo.models import AdminArea, AreaLevel, Territory
from minka.registry.selectors import community_list

AREA = register(
    Entity(
        slug="areas",
        model=AdminArea,
        title=_l("Administrative areas"),
        list_selector=selectors.area_list,
        get_selector=selectors.get_area_for_user,
        columns=[
            Column("code", _l("UBIGEO (INEI)")),
            Column("reniec_code", _l("RENIEC code")),
            Column("name", _l("Name"), link=True),
            Column("get_level_display", _l("Level")),
            Column("parent.name", _l("Belongs to")),
            Column("poverty_rate", _l("Poverty rate (%)")),
        ],
        detail_fields=[
            Column("code", _l("UBIGEO (INEI)")),
            Column("reniec_code", _l("RENIEC code")),
            Column("name", _l("Name")),
            Column("get_level_display", _l("Level")),
            Column("parent", _l("Belongs to")),
            Column("capital", _l("Capital")),
            Column("latitude", _l("Latitude")),
            Column("longitude", _l("Longitude")),
            Column("altitude_m", _l("Altitude (m)")),
            Column("poverty_rate", _l("Poverty rate (%)")),
            Column("extreme_poverty_rate", _l("Extreme poverty rate (%)")),
        ],
        filters=[
            Filter(
                "level",
                _l("Level"),
                lambda user: [(str(v), label) for v, label in AreaLevel.choices],
            )
        ],
        related=[
            Related(
                _l("Areas within"),
                lambda obj, user: obj.children.all(),
                [Column("code", _l("UBIGEO (INEI)")), Column("name", _l("Name"), link=True)],
                entity="areas",
            ),
            Related(
                _l("Communities"),
                lambda obj, user: community_list(user=user, params={"area": obj.path}),
                [Column("code", _l("Code")), Column("name", _l("Name"), link=True)],
                entity="communities",
            ),
        ],
        search_help=_l("Name or UBIGEO"),
    )
)

TERRITORY = register(
    Entity(
        slug="territories",
        model=Territory,
        title=_l("Territories"),
        list_selector=selectors.territory_list,
        get_selector=selectors.get_territory_for_user,
        columns=[
            Column("code", _l("Code")),
            Column("name", _l("Name"), link=True),
            Column("get_kind_display", _l("Kind")),
            Column("area.name", _l("Main area")),
            Column("programme.code", _l("Programme")),
            Column("community_count", _l("Communities")),
        ],
        detail_fields=[
            Column("code", _l("Code")),
            Column("name", _l("Name")),
            Column("get_kind_display", _l("Kind")),
            Column("area", _l("Main area")),
            Column("programme", _l("Programme")),
            Column("description", _l("Description")),
        ],
        related=[
            Related(
                _l("Communities"),
                lambda obj, user: community_list(user=user, params={"territory": str(obj.pk)}),
                [
                    Column("code", _l("Code")),
                    Column("name", _l("Name"), link=True),
                    Column("district.name", _l("District")),
                ],
                entity="communities",
            ),
        ],
        search_help=_l("Name"),
    )
)
