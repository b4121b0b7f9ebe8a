"""A server-rendered map: points (longitude, latitude) projected into an SVG box. No tiles,
no JavaScript; a plain equirectangular projection, with longitudes shrunk by the cosine of the
middle latitude so that shapes near the equator (Peru) keep their proportions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    label: str
    weight: int


@dataclass(frozen=True)
class Plot:
    width: int
    height: int
    dots: list[Dot]


def project(
    points: Sequence[tuple[float, float, str, int]],
    *,
    width: int = 480,
    height: int = 360,
    margin: int = 24,
) -> Plot:
    """Points (latitude, longitude, label, weight) in an SVG box of `width` × `height`; the
    radius grows with the square root of the weight (area ∝ weight)."""
    if not points:
        return Plot(width, height, [])
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    shrink = math.cos(math.radians((max(lats) + min(lats)) / 2))
    span_x = (max(lons) - min(lons)) * shrink or 1.0
    span_y = (max(lats) - min(lats)) or 1.0
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    used_w, used_h = span_x * scale, span_y * scale
    off_x, off_y = (width - used_w) / 2, (height - used_h) / 2
    if max(lons) == min(lons):
        off_x = width / 2
    if max(lats) == min(lats):
        off_y = height / 2
    top = max(weight for *_rest, weight in points) or 1
    dots = [
        Dot(
            x=round(off_x + (lon - min(lons)) * shrink * scale, 1),
            y=round(off_y + (max(lats) - lat) * scale, 1) if max(lats) != min(lats) else off_y,
            r=round(3 + 9 * math.sqrt(max(weight, 0) / top), 1),
            label=label,
            weight=weight,
        )
        for lat, lon, label, weight in points
    ]
    return Plot(width, height, dots)
