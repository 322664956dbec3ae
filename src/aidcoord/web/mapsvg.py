"""The map as an inline SVG drawn on the server: Europe's outlines (no tiles), sites and planned flows.

An equirectangular projection scaled by cos(50°) keeps central Europe's shapes close to true and needs
nothing but arithmetic, so the page works offline and without a mapping library.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from aidcoord.planning.problem import Allocation
from aidcoord.plans.service import HubWeekLoad
from aidcoord.scenario.model import Site

LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = -11.0, 42.0, 35.0, 61.0
WIDTH = 1000.0
KX = math.cos(math.radians(50.0))
HEIGHT = round(WIDTH * (LAT_MAX - LAT_MIN) / ((LON_MAX - LON_MIN) * KX))


def project(lon: float, lat: float) -> tuple[float, float]:
    """SVG coordinates of a point."""
    x = (lon - LON_MIN) / (LON_MAX - LON_MIN) * WIDTH
    y = (LAT_MAX - lat) / (LAT_MAX - LAT_MIN) * HEIGHT
    return round(x, 1), round(y, 1)


def _ring_path(ring: Sequence[Sequence[float]]) -> str:
    points = [project(p[0], p[1]) for p in ring]
    return "M" + "L".join(f"{x},{y}" for x, y in points) + "Z"


@cache
def outlines() -> tuple[tuple[str, str], ...]:
    """(country name, SVG path) for every country of the packaged GeoJSON."""
    text = (resources.files("aidcoord") / "data" / "reference" / "europe_countries.geojson").read_text()
    shapes = []
    for feature in json.loads(text)["features"]:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        )
        path = "".join(_ring_path(ring) for polygon in polygons for ring in polygon)
        shapes.append((str(feature["properties"].get("name", "")), path))
    return tuple(shapes)


@dataclass(frozen=True, slots=True)
class Flow:
    """A line between two sites carrying planned tonnes."""

    x1: float
    y1: float
    x2: float
    y2: float
    tonnes: float
    width: float
    stage: str
    label: str


@dataclass(frozen=True, slots=True)
class Marker:
    """A site on the map, with the hub's peak utilisation where it is a hub."""

    site: Site
    x: float
    y: float
    note: str


@dataclass(frozen=True, slots=True)
class Drawing:
    """Everything the map template draws."""

    width: float
    height: float
    countries: tuple[tuple[str, str], ...]
    flows: tuple[Flow, ...]
    markers: tuple[Marker, ...]
    total_tonnes: float


def draw(
    site_list: Iterable[Site],
    allocations: Iterable[Allocation],
    origin_of_offer: Mapping[str, str],
    delivery_of_requirement: Mapping[str, str],
    unit_mass_kg: Mapping[str, float],
    loads: Iterable[HubWeekLoad],
) -> Drawing:
    """Project the sites and sum the visible allocations' tonnes per depot → hub and hub → hand-over."""
    by_id = {s.site_id: s for s in site_list}
    legs: dict[tuple[str, str, str], float] = {}
    for a in allocations:
        tonnes = a.quantity * unit_mass_kg[a.offer_id] / 1000.0
        origin = origin_of_offer.get(a.offer_id)
        if origin is not None:
            legs[("depot → hub", origin, a.hub_site_id)] = (
                legs.get(("depot → hub", origin, a.hub_site_id), 0.0) + tonnes
            )
        # The hand-over point is the requirement's delivery site (requirements are everyone's).
        target = delivery_of_requirement[a.requirement_id]
        legs[("hub → hand-over", a.hub_site_id, target)] = (
            legs.get(("hub → hand-over", a.hub_site_id, target), 0.0) + tonnes
        )
    peak = max(legs.values(), default=1.0)
    flows = []
    for (stage, source, target), tonnes in sorted(legs.items()):
        if source not in by_id or target not in by_id:
            continue
        x1, y1 = project(by_id[source].lon, by_id[source].lat)
        x2, y2 = project(by_id[target].lon, by_id[target].lat)
        width = round(1.0 + 9.0 * math.sqrt(tonnes / peak), 2)
        flows.append(Flow(x1, y1, x2, y2, tonnes, width, stage, f"{source} → {target}: {tonnes:,.0f} t"))
    utilisation: dict[str, tuple[float, float]] = {}
    for load in loads:
        best = utilisation.get(load.hub_site_id, (0.0, load.capacity_t))
        if load.capacity_t > 0 and load.tonnes / load.capacity_t > best[0] / max(best[1], 1e-9):
            best = (load.tonnes, load.capacity_t)
        utilisation[load.hub_site_id] = best
    markers = []
    for site in sorted(by_id.values(), key=lambda s: s.site_id):
        x, y = project(site.lon, site.lat)
        note = ""
        if site.kind == "hub" and site.throughput_t_per_week is not None:
            tonnes, capacity = utilisation.get(site.site_id, (0.0, site.throughput_t_per_week))
            note = f"{site.throughput_t_per_week:,.0f} t/week; peak week {tonnes:,.0f} t"
            if capacity > 0:
                note += f" ({tonnes / capacity:.0%})"
        markers.append(Marker(site, x, y, note))
    return Drawing(
        WIDTH,
        HEIGHT,
        outlines(),
        tuple(flows),
        tuple(markers),
        sum(t for (stage, _, _), t in legs.items() if stage == "depot → hub"),
    )
