"""Maps drawn on the server as SVG, from the referential's geometries.

Geometries are projected once, at import, into a département's frame: an equirectangular
projection in kilometres around the département's reference latitude, good to a few metres at
that scale. Paths are stored; drawing a map is then string assembly, with no geometry work on
the request path.
"""

import math
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON_EQUATOR = 111.320
# Simplification tolerance in degrees (about 100 m): invisible on a département's map.
SIMPLIFY_TOLERANCE = 0.001


def project(geometry: BaseGeometry, ref_latitude: float) -> BaseGeometry:
    kx = KM_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(ref_latitude))

    def transform(coords):
        out = coords.copy()
        out[:, 0] = coords[:, 0] * kx
        out[:, 1] = -coords[:, 1] * KM_PER_DEGREE_LAT
        return out

    return shapely.transform(geometry, transform)


def svg_path(geometry: BaseGeometry, ref_latitude: float) -> str:
    """SVG path data of a (multi)polygon, projected and simplified, 10 m precision."""
    if geometry is None or geometry.is_empty:
        return ""
    simplified = geometry.simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
    projected = project(simplified, ref_latitude)
    parts = []
    for polygon in getattr(projected, "geoms", [projected]):
        if polygon.geom_type != "Polygon":
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = list(ring.coords)[:-1]
            if len(coords) < 3:
                continue
            points = " ".join(f"{x:.2f},{y:.2f}" for x, y in coords)
            parts.append(f"M{points}Z")
    return "".join(parts)


def viewbox(geometry: BaseGeometry, ref_latitude: float, margin: float = 2.0) -> str:
    minx, miny, maxx, maxy = project(geometry, ref_latitude).bounds
    return (
        f"{minx - margin:.2f} {miny - margin:.2f} "
        f"{maxx - minx + 2 * margin:.2f} {maxy - miny + 2 * margin:.2f}"
    )


@dataclass(frozen=True)
class MapShape:
    path: str
    label: str
    highlighted: bool = False
    href: str = ""


@dataclass(frozen=True)
class SvgMap:
    """What the map template draws: an outline, shapes, a title and a text alternative."""

    key: str
    viewbox: str
    outline: str
    shapes: list[MapShape]
    title: str
    description: str


def label_point(path: str) -> tuple[float, float] | None:
    """Where to write the name (or number) of a shape drawn by `path` (the data of `svg_path`):
    a point inside its largest polygon, so that a crescent or a shape with an enclave still
    holds its label. None for an empty path."""
    polygons = []
    for ring in path.split("M")[1:]:
        points = [tuple(map(float, p.split(","))) for p in ring.rstrip("Z").split()]
        if len(points) >= 3:
            polygon = shapely.Polygon(points)
            polygons.append(polygon if polygon.is_valid else polygon.buffer(0))
    if not polygons:
        return None
    largest = max(polygons, key=lambda p: p.area)
    for other in polygons:  # its holes (an enclave) are other rings within it
        if other is not largest and largest.contains(other):
            largest = largest.difference(other)
    if largest.is_empty:
        return None
    point = largest.representative_point()
    return round(point.x, 2), round(point.y, 2)
