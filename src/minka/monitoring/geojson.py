"""Reading administrative boundaries from a GeoJSON FeatureCollection: pure, no database.

Each feature's code is taken from the first property that holds one (INEI shapefile exports use
FIRST_IDDP for departments, FIRST_IDPR for provinces, IDDIST or UBIGEO for districts); the level
follows from the code's length (2, 4 or 6 digits). Coordinates are rounded to 4 decimals
(about 11 m), which halves the size of the outlines the map downloads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CODE_PROPERTIES = ("UBIGEO", "IDDIST", "FIRST_IDPR", "IDPROV", "FIRST_IDDP", "IDDPTO", "CODE")
NAME_PROPERTIES = ("NOMBDIST", "NOMBPROV", "NOMBDEP", "NAME", "NOMBRE")
PRECISION = 4


class BoundaryError(ValueError):
    """A file that is not a usable boundary collection; `feature` is the 1-based feature."""

    def __init__(self, message: str, feature: int | None = None) -> None:
        super().__init__(message)
        self.feature = feature


@dataclass(frozen=True)
class Outline:
    level: int
    code: str
    name: str
    geometry: str  # compact GeoJSON geometry


def _round(coordinates: Any) -> Any:
    if isinstance(coordinates, list):
        return [_round(c) for c in coordinates]
    if isinstance(coordinates, float):
        return round(coordinates, PRECISION)
    return coordinates


def parse(data: bytes) -> list[Outline]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryError("not a JSON file") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise BoundaryError("not a GeoJSON FeatureCollection")
    merged: dict[str, tuple[str, list[Any]]] = {}
    for number, feature in enumerate(document.get("features") or [], start=1):
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        code = next((str(properties[p]).strip() for p in CODE_PROPERTIES if properties.get(p)), "")
        if not code.isdigit() or len(code) not in (2, 4, 6):
            raise BoundaryError("no 2-, 4- or 6-digit code among the properties", number)
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise BoundaryError("the geometry is not a polygon", number)
        name = next((str(properties[p]).strip() for p in NAME_PROPERTIES if properties.get(p)), "")
        polygons = _round(geometry["coordinates"])
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        # An area drawn as several features (islands, exclaves) becomes one MultiPolygon.
        merged.setdefault(code, (name, []))[1].extend(polygons)
    outlines = [
        Outline(
            level=len(code) // 2,
            code=code,
            name=name.title() or code,
            geometry=json.dumps(
                {"type": "MultiPolygon", "coordinates": polygons}, separators=(",", ":")
            ),
        )
        for code, (name, polygons) in merged.items()
    ]
    if not outlines:
        raise BoundaryError("the collection has no features")
    return outlines
