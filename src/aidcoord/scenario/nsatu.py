"""The embedded scenario `nsatu`: a year of NSATU-style assistance built from the reference data.

Real figures: the participant nations with GDP and defence spending, each donor's share of the
pledged value (Kiel Ukraine Support Tracker military allocations) and the Rzeszów-Jasionka hub's
throughput. Everything else (catalogue, quantities, requirements, depots, lanes, the Romanian hub's
location and capacity, courses) is illustrative and generated deterministically from a fixed seed.

Regenerate the shipped package with
``python -m aidcoord.scenario.nsatu --out src/aidcoord/data/scenarios/nsatu``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import io
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from aidcoord.scenario.model import (
    Course,
    Item,
    Lane,
    Nation,
    Offer,
    PlanningSettings,
    Requirement,
    Scenario,
    Site,
    SpecialtySubstitute,
    Substitute,
    TrainingNeed,
)

# --- settings ------------------------------------------------------------------------------------

SCENARIO_NAME = "nsatu"
TITLE = "NSATU 2025: a year of security assistance to Ukraine through Rzeszów-Jasionka and Romania"
START_DATE = dt.date(2025, 1, 6)
HORIZON_WEEKS = 52
LATENESS_DECAY = 0.1
TRANSPORT_COST_WEIGHT = 0.0
SEED = 20250106

TOTAL_PLEDGED_EUR = 16_000_000_000.0
"""Value of all offers over the 52 weeks, shared out by the Kiel military allocations."""

RZE_T_PER_WEEK = 4150.0
"""18,000 t a month (NSATU deputy commander, Aug 2025) x 12 / 52 = 4,154 t a week, rounded."""
ROU_T_PER_WEEK = 1200.0
"""Illustrative: the Romanian hub is smaller; its capacity is not public."""

N_REQUIREMENTS = 300
RECIPIENT = "UKR"
_REFERENCE = "data/reference"

# --- small deterministic helpers -----------------------------------------------------------------


class _Rng:
    """A seeded generator that only uses `random.Random.random()`, whose stream Python keeps stable."""

    def __init__(self, seed: int) -> None:
        self._r = random.Random(seed)

    def random(self) -> float:
        """A float in [0, 1)."""
        return self._r.random()

    def uniform(self, lo: float, hi: float) -> float:
        """A float in [lo, hi)."""
        return lo + (hi - lo) * self._r.random()

    def integer(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi], both included."""
        return lo + min(hi - lo, int(self._r.random() * (hi - lo + 1)))

    def pick(self, weights: Sequence[float]) -> int:
        """An index drawn with probability proportional to `weights`."""
        total = sum(weights)
        x = self._r.random() * total
        acc = 0.0
        for i, w in enumerate(weights):
            acc += w
            if x < acc:
                return i
        return len(weights) - 1


def _read_reference(name: str) -> list[dict[str, str]]:
    """Rows of a CSV file under the package's reference data."""
    text = (resources.files("aidcoord") / _REFERENCE / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _apportion(total: int, weights: Sequence[float], caps: Sequence[int]) -> list[int]:
    """Split a small `total` into integers >= 1 roughly proportional to `weights` (D'Hondt), within `caps`."""
    n = len(weights)
    out = [1] * n
    for _ in range(total - n):
        best, best_q = -1, -1.0
        for i in range(n):
            if out[i] < caps[i]:
                q = weights[i] / (out[i] + 0.5)
                if q > best_q:
                    best, best_q = i, q
        if best < 0:
            break
        out[best] += 1
    return out


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` >= len(weights) into integers >= 1 proportional to `weights` (largest remainder)."""
    n = len(weights)
    free = total - n
    wsum = sum(weights)
    exact = [free * w / wsum for w in weights]
    out = [1 + math.floor(x) for x in exact]
    order = sorted(range(n), key=lambda i: (-(exact[i] - math.floor(exact[i])), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


# --- real data -----------------------------------------------------------------------------------


def kiel_military_by_nation() -> dict[str, float]:
    """Kiel Ukraine Support Tracker military allocations (EUR bn) summed over the whole series, by ISO3."""
    out: dict[str, float] = {}
    for row in _read_reference("kiel/data_explorer.csv"):
        out[row["iso"]] = out.get(row["iso"], 0.0) + float(row["military"])
    return out


def _optional_float(text: str) -> float | None:
    """A float, or None for a blank cell."""
    return float(text) if text.strip() else None


def _nations(kiel: Mapping[str, float], donors: Sequence[str]) -> tuple[Nation, ...]:
    """The participant nations of nations.csv (Ukraine as recipient), with Kiel totals as extra columns."""
    rows = _read_reference("nations.csv")
    out: list[Nation] = []
    for row in rows:
        nid = row["nation_id"]
        role = "recipient" if nid == RECIPIENT else ("donor" if nid in donors else "participant")
        out.append(
            Nation(
                nation_id=nid,
                name=row["name"],
                gdp_usd_bn=_optional_float(row["gdp_usd_bn_2024"]),
                defence_pct_gdp=_optional_float(row["defence_pct_gdp_2024e"]),
                nato_member=row["nato_member"].strip().lower() == "true",
                extra={
                    "role": role,
                    "udcg_participant": row.get("udcg_participant", ""),
                    "kiel_military_eur_bn": f"{kiel[nid]:.3f}" if nid in kiel else "",
                },
            )
        )
    if not any(n.nation_id == RECIPIENT for n in out):
        out.append(
            Nation(
                nation_id=RECIPIENT,
                name="Ukraine",
                gdp_usd_bn=None,
                defence_pct_gdp=None,
                nato_member=False,
                extra={"role": "recipient", "udcg_participant": "recipient", "kiel_military_eur_bn": ""},
            )
        )
    return tuple(out)


# --- illustrative places -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Depot:
    nation_id: str
    name: str
    lat: float
    lon: float
    port: str = ""
    """A European port of entry for overseas depots (empty: road all the way)."""


@dataclass(frozen=True, slots=True)
class _Port:
    name: str
    lat: float
    lon: float
    sea_weeks: int
    sea_eur_per_t: float


_PORTS: dict[str, _Port] = {
    "Bremerhaven": _Port("Bremerhaven (DEU)", 53.54, 8.58, 3, 140.0),
    "Constanta": _Port("Constanța (ROU)", 44.17, 28.64, 5, 190.0),
    "Rotterdam": _Port("Rotterdam (NLD)", 51.92, 4.48, 1, 90.0),
}
"""Overseas donors ship to one of these ports, then on by road: the Americas to Bremerhaven (3 weeks),
Asia-Pacific via Suez to Constanța (5 weeks), Iceland to Rotterdam (1 week)."""

_DEPOTS: tuple[_Depot, ...] = (
    _Depot("USA", "Anniston, Alabama", 33.63, -85.97, "Bremerhaven"),
    _Depot("USA", "Chambersburg, Pennsylvania", 39.94, -77.66, "Bremerhaven"),
    _Depot("USA", "Kaiserslautern, Germany (US stocks in Europe)", 49.44, 7.77),
    _Depot("DEU", "Unterlüß, Lower Saxony", 52.85, 10.29),
    _Depot("DEU", "Kassel, Hesse", 51.32, 9.50),
    _Depot("DEU", "Munich, Bavaria", 48.14, 11.58),
    _Depot("GBR", "Bicester, Oxfordshire", 51.90, -1.15),
    _Depot("GBR", "Donnington, Shropshire", 52.70, -2.45),
    _Depot("GBR", "Longtown, Cumbria", 55.01, -2.97),
    _Depot("DNK", "Aarhus", 56.16, 10.20),
    _Depot("DNK", "Karup", 56.30, 9.12),
    _Depot("SWE", "Karlskoga", 59.33, 14.52),
    _Depot("SWE", "Örnsköldsvik", 63.29, 18.72),
    _Depot("NLD", "Soesterberg", 52.12, 5.29),
    _Depot("NLD", "Rotterdam", 51.92, 4.48),
    _Depot("NOR", "Raufoss", 60.73, 10.61),
    _Depot("NOR", "Kongsberg", 59.67, 9.65),
    _Depot("FRA", "Bourges", 47.08, 2.40),
    _Depot("FRA", "Roanne", 46.04, 4.07),
    _Depot("CAN", "Montreal, Quebec", 45.50, -73.57, "Bremerhaven"),
    _Depot("CAN", "London, Ontario", 42.98, -81.25, "Bremerhaven"),
    _Depot("POL", "Stalowa Wola", 50.58, 22.05),
    _Depot("POL", "Skarżysko-Kamienna", 51.11, 20.87),
    _Depot("FIN", "Tampere", 61.50, 23.76),
    _Depot("FIN", "Hamina", 60.57, 27.20),
    _Depot("ITA", "La Spezia", 44.10, 9.82),
    _Depot("ITA", "Rome", 41.90, 12.50),
    _Depot("BEL", "Herstal", 50.66, 5.63),
    _Depot("BEL", "Antwerp", 51.22, 4.40),
    _Depot("ESP", "Zaragoza", 41.65, -0.88),
    _Depot("LTU", "Kaunas", 54.90, 23.90),
    _Depot("AUS", "Bendigo, Victoria", -36.76, 144.28, "Constanta"),
    _Depot("EST", "Tallinn", 59.44, 24.75),
    _Depot("SVK", "Trenčín", 48.89, 18.04),
    _Depot("LVA", "Riga", 56.95, 24.11),
    _Depot("CZE", "Brno", 49.20, 16.61),
    _Depot("ROU", "Cugir", 45.84, 23.37),
    _Depot("PRT", "Lisbon", 38.72, -9.14),
    _Depot("HRV", "Zagreb", 45.81, 15.98),
    _Depot("BGR", "Kazanlak", 42.62, 25.40),
    _Depot("LUX", "Luxembourg", 49.61, 6.13),
    _Depot("IRL", "Dublin", 53.35, -6.26),
    _Depot("GRC", "Thessaloniki", 40.64, 22.94),
    _Depot("SVN", "Ljubljana", 46.06, 14.51),
    _Depot("TUR", "Kırıkkale", 39.85, 33.51),
    _Depot("JPN", "Yokohama", 35.44, 139.64, "Constanta"),
    _Depot("ISL", "Reykjavík", 64.15, -21.94, "Rotterdam"),
    _Depot("NZL", "Auckland", -36.85, 174.76, "Constanta"),
    _Depot("KOR", "Busan", 35.18, 129.08, "Constanta"),
    _Depot("AUT", "Vienna", 48.21, 16.37),
)

_DELIVERY: tuple[tuple[str, str, float, float], ...] = (
    ("DLV-LVIV", "Hand-over point near Lviv", 49.84, 24.03),
    ("DLV-KYIV", "Hand-over point near Kyiv", 50.45, 30.52),
    ("DLV-DNIPRO", "Hand-over point near Dnipro", 48.46, 35.05),
    ("DLV-KHARKIV", "Hand-over point near Kharkiv", 49.99, 36.23),
    ("DLV-ODESA", "Hand-over point near Odesa", 46.48, 30.72),
    ("DLV-ZAPORIZHZHIA", "Hand-over point near Zaporizhzhia", 47.84, 35.14),
)

ROAD_FACTOR = 1.25
"""Road distance = great-circle distance x this factor."""
ROAD_KM_PER_WEEK = 700.0
"""Road progress per week, handling included; lead times round up to whole weeks, at least 1."""
ROAD_EUR_PER_T_KM = 0.12
HANDLING_EUR_PER_T = 40.0
FORWARD_EUR_PER_T_KM = 0.20
"""Hub to hand-over point: convoys into Ukraine cost more per tonne-km (escort, war risk)."""
FORWARD_HANDLING_EUR_PER_T = 60.0
PORT_HANDLING_EUR_PER_T = 30.0


def _depot_ids() -> list[tuple[str, _Depot]]:
    """Depots with their site ids DEP-<nation>-<n>."""
    count: dict[str, int] = {}
    out: list[tuple[str, _Depot]] = []
    for d in _DEPOTS:
        count[d.nation_id] = count.get(d.nation_id, 0) + 1
        out.append((f"DEP-{d.nation_id}-{count[d.nation_id]}", d))
    return out


def _sites() -> tuple[Site, ...]:
    """Headquarters and hubs from sites.csv, the donors' depots and the hand-over points in Ukraine."""
    out: list[Site] = []
    capacity = {"HUB-RZE": RZE_T_PER_WEEK, "HUB-ROU": ROU_T_PER_WEEK}
    for row in _read_reference("sites.csv"):
        sid = row["site_id"]
        out.append(
            Site(
                site_id=sid,
                name=row["name"],
                kind=row["kind"],
                nation_id=row["nation_id"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                throughput_t_per_week=capacity.get(sid) if row["kind"] == "hub" else None,
                extra={"note": row.get("note", "")},
            )
        )
    for sid, d in _depot_ids():
        note = "illustrative location"
        if d.port:
            note += f"; ships via {_PORTS[d.port].name}"
        out.append(Site(sid, f"Depot {d.name}", "depot", d.nation_id, d.lat, d.lon, None, {"note": note}))
    for sid, name, lat, lon in _DELIVERY:
        out.append(Site(sid, name, "delivery", RECIPIENT, lat, lon, None, {"note": "illustrative location"}))
    return tuple(out)


def _road_weeks(km: float) -> int:
    """Whole weeks for `km` of great-circle distance by road."""
    return max(1, math.ceil(km * ROAD_FACTOR / ROAD_KM_PER_WEEK))


def _lanes(sites: Sequence[Site]) -> tuple[Lane, ...]:
    """Lanes from every depot to every hub and from every hub to every hand-over point."""
    depots = dict(_depot_ids())
    hubs = [s for s in sites if s.kind == "hub"]
    out: list[Lane] = []
    for s in sites:
        if s.kind != "depot":
            continue
        d = depots[s.site_id]
        for h in hubs:
            if d.port:
                port = _PORTS[d.port]
                km = _km(port.lat, port.lon, h.lat, h.lon)
                weeks = port.sea_weeks + _road_weeks(km)
                cost = port.sea_eur_per_t + PORT_HANDLING_EUR_PER_T
                cost += km * ROAD_FACTOR * ROAD_EUR_PER_T_KM + HANDLING_EUR_PER_T
                mode, via = "sea+road", port.name
                total_km = _km(s.lat, s.lon, port.lat, port.lon) + km
            else:
                km = _km(s.lat, s.lon, h.lat, h.lon)
                weeks = _road_weeks(km)
                cost = km * ROAD_FACTOR * ROAD_EUR_PER_T_KM + HANDLING_EUR_PER_T
                mode, via, total_km = "road", "", km
            out.append(
                Lane(
                    s.site_id,
                    h.site_id,
                    mode,
                    weeks,
                    float(round(cost)),
                    {"distance_km": str(round(total_km)), "via": via},
                )
            )
    for h in hubs:
        for s in sites:
            if s.kind != "delivery":
                continue
            km = _km(h.lat, h.lon, s.lat, s.lon)
            cost = km * ROAD_FACTOR * FORWARD_EUR_PER_T_KM + FORWARD_HANDLING_EUR_PER_T
            out.append(
                Lane(
                    h.site_id,
                    s.site_id,
                    "road",
                    _road_weeks(km),
                    float(round(cost)),
                    {"distance_km": str(round(km)), "via": ""},
                )
            )
    return tuple(out)


# --- illustrative catalogue ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cat:
    item_id: str
    name: str
    category: str
    capability: str
    unit: str
    mass_kg: float
    value_eur: float
    priority: int
    suppliers: frozenset[str]
    """Donors that may offer it; empty: any donor that gives lethal aid."""
    popularity: float
    """How often donors pick it within its capability (0: only in signature packages)."""


_EAST = "CZE SVK BGR POL ROU HRV"

_CATALOGUE_TABLE = """
# (a backslash at the end of a line continues it)
# item_id | name | category | capability | unit | kg | EUR | priority | suppliers (* any) | popularity
ITM-AD-PATRIOT | Patriot fire unit (radar, control station, launchers) | weapon system | air-defence \
  | fire unit | 250000 | 370000000 | 1 | USA DEU NLD | 0
ITM-AD-PAC3 | Patriot PAC-3 MSE interceptor | missile | air-defence | round | 400 | 4000000 | 1 \
  | USA DEU NLD NOR SWE DNK CAN BEL | 3
ITM-AD-PAC2 | Patriot PAC-2 GEM-T interceptor | missile | air-defence | round | 900 | 3000000 | 1 \
  | USA DEU NLD ESP ROU | 1.5
ITM-AD-IRIST-FU | IRIS-T SLM fire unit | weapon system | air-defence | fire unit | 80000 | 140000000 | 1 \
  | DEU | 0
ITM-AD-IRIST | IRIS-T SLM interceptor | missile | air-defence | round | 120 | 450000 | 1 \
  | DEU NOR SWE DNK NLD BEL | 2.5
ITM-AD-NASAMS-FU | NASAMS fire unit | weapon system | air-defence | fire unit | 60000 | 90000000 | 1 \
  | USA NOR CAN | 0
ITM-AD-AMRAAM | AIM-120 AMRAAM interceptor (NASAMS) | missile | air-defence | round | 160 | 1100000 | 1 \
  | USA NOR CAN ESP DNK NLD | 2
ITM-AD-ASTER30 | Aster 30 interceptor (SAMP/T) | missile | air-defence | round | 450 | 2200000 | 1 \
  | FRA ITA | 3
ITM-AD-STINGER | Stinger MANPADS missile | missile | air-defence | round | 16 | 150000 | 1 | * | 1.5
ITM-AD-PIORUN | Piorun MANPADS missile | missile | air-defence | round | 17 | 120000 | 1 \
  | POL NOR EST LTU LVA BEL | 1.5
ITM-AD-GEPARD | Gepard self-propelled anti-aircraft gun | vehicle | air-defence | vehicle | 47500 \
  | 3500000 | 1 | DEU | 1
ITM-AD-35MM | 35 mm anti-aircraft ammunition, box of 100 rounds | ammunition | air-defence | box | 190 \
  | 12000 | 1 | DEU NLD NOR | 1.5
ITM-AD-RADAR | Air-surveillance radar (TRML-4D / Ground Master class) | sensor | air-defence | radar \
  | 25000 | 20000000 | 1 | USA DEU FRA NLD SWE | 0.7
ITM-155-HE | 155 mm HE round (M795 class, with charges) | ammunition | artillery | round | 47 | 4000 | 2 \
  | * | 5
ITM-155-HE-EU | 155 mm HE round (European lot, DM121/L15 class, with charges) | ammunition | artillery \
  | round | 47 | 4300 | 2 | * | 4
ITM-155-GUIDED | 155 mm guided round (Excalibur class) | ammunition | artillery | round | 50 | 110000 | 2 \
  | USA SWE | 1
ITM-152-HE | 152 mm HE round | ammunition | artillery | round | 52 | 3200 | 2 | EAST | 3
ITM-122-HE | 122 mm HE round (D-30) | ammunition | artillery | round | 33 | 1800 | 2 \
  | EAST FIN EST LVA LTU | 2
ITM-105-HE | 105 mm HE round | ammunition | artillery | round | 21 | 1400 | 2 \
  | USA GBR CAN AUS NZL LTU BEL ITA PRT ESP | 1.5
ITM-120-MOR | 120 mm mortar bomb | ammunition | artillery | round | 16 | 1100 | 2 | * | 1.5
ITM-GMLRS | GMLRS guided rocket | ammunition | artillery | rocket | 310 | 170000 | 2 | USA GBR DEU ITA | 2
ITM-122-GRAD | 122 mm Grad rocket | ammunition | artillery | rocket | 66 | 2500 | 2 | EAST | 1.5
ITM-ART-PZH2000 | PzH 2000 self-propelled howitzer | weapon system | artillery | vehicle | 57000 \
  | 15000000 | 3 | DEU NLD ITA | 1
ITM-ART-M109 | M109 self-propelled howitzer (refurbished) | weapon system | artillery | vehicle | 27500 \
  | 3000000 | 3 | USA ITA NOR LVA BEL GBR | 1
ITM-ART-CAESAR | CAESAR truck-mounted howitzer | weapon system | artillery | vehicle | 17700 | 5000000 | 3 \
  | FRA DNK LUX | 1
ITM-ART-M777 | M777 towed howitzer | weapon system | artillery | gun | 4200 | 2500000 | 3 | USA CAN AUS | 1
ITM-MINE-AT | Anti-tank mine (DM31 class) | ammunition | mines | mine | 10 | 1300 | 2 | * | 1
ITM-MINE-AT-B | Anti-tank mine (TM-62 compatible) | ammunition | mines | mine | 10 | 700 | 2 | EAST FIN | 1
ITM-MBT-LEO2A6 | Leopard 2A6 main battle tank | vehicle | armour | vehicle | 62000 | 9000000 | 3 \
  | DEU PRT SWE | 1
ITM-MBT-LEO2A4 | Leopard 2A4 main battle tank | vehicle | armour | vehicle | 55000 | 2500000 | 3 \
  | CAN POL NOR ESP FIN DNK NLD | 1
ITM-MBT-LEO1A5 | Leopard 1A5 main battle tank (refurbished) | vehicle | armour | vehicle | 42000 \
  | 1300000 | 3 \
  | DEU DNK NLD BEL | 1
ITM-MBT-M1A1 | M1A1 Abrams main battle tank | vehicle | armour | vehicle | 63000 | 6000000 | 3 | USA AUS | 1
ITM-MBT-CR2 | Challenger 2 main battle tank | vehicle | armour | vehicle | 62500 | 10000000 | 3 | GBR | 0.5
ITM-MBT-T72 | T-72M1 main battle tank (modernised) | vehicle | armour | vehicle | 41000 | 1500000 | 3 \
  | CZE POL SVK NLD USA | 1
ITM-IFV-CV90 | CV90 infantry fighting vehicle | vehicle | armour | vehicle | 35000 | 7600000 | 3 \
  | SWE DNK NLD | 1
ITM-IFV-MARDER | Marder 1A3 infantry fighting vehicle | vehicle | armour | vehicle | 33500 | 1600000 | 3 \
  | DEU | 1
ITM-IFV-BRADLEY | M2A2 Bradley infantry fighting vehicle | vehicle | armour | vehicle | 27600 | 1800000 | 3 \
  | USA | 1.5
ITM-APC-M113 | M113 armoured personnel carrier | vehicle | armour | vehicle | 12300 | 350000 | 3 | * | 1
ITM-MRAP | Mine-protected patrol vehicle (MRAP / Bushmaster class) | vehicle | armour | vehicle | 15000 \
  | 700000 | 3 | * | 1
ITM-ARV | Armoured recovery vehicle (Bergepanzer class) | vehicle | armour | vehicle | 54000 | 5000000 | 3 \
  | DEU NLD DNK NOR POL SWE | 0.5
ITM-120-TANK | 120 mm tank round | ammunition | armour | round | 21 | 6000 | 3 | * | 1
ITM-UAS-FPV | FPV strike drone | drone | drones | drone | 2.5 | 450 | 3 | * | 2
ITM-UAS-QUAD | Reconnaissance quadcopter | drone | drones | drone | 1.5 | 2500 | 3 | * | 1.5
ITM-UAS-ISR | Fixed-wing ISR drone system (2 aircraft, ground station) | drone | drones | system | 150 \
  | 400000 | 3 | * | 1
ITM-UAS-LM | Loitering munition (Switchblade 600 class) | drone | drones | round | 25 | 90000 | 3 | * | 1
ITM-USV | Uncrewed surface vessel | drone | drones | vessel | 1200 | 250000 | 3 | GBR NLD NOR DNK | 0.7
ITM-CUAS | Counter-drone jammer (vehicle kit) | equipment | drones | kit | 40 | 60000 | 3 | * | 1
ITM-DEM-KIT | Manual demining kit (detector, tools, protective gear) | equipment | demining | kit | 40 \
  | 9000 | 4 | * | 1.5
ITM-DEM-MACH | Remote-controlled mine-clearing machine (flail) | vehicle | demining | vehicle | 22000 \
  | 1200000 | 4 | * | 1
ITM-DEM-EOD | EOD robot | equipment | demining | robot | 300 | 180000 | 4 | * | 1
ITM-MED-IFAK | Individual first-aid kit | medical | medical | kit | 0.6 | 70 | 4 | * | 2
ITM-MED-AMB | Armoured ambulance | vehicle | medical | vehicle | 14000 | 650000 | 4 | * | 1
ITM-MED-SURG | Containerised field surgical unit | medical | medical | unit | 9000 | 1100000 | 4 | * | 0.7
ITM-ENG-BRIDGE | Armoured vehicle-launched bridge | vehicle | engineering | vehicle | 45000 | 3500000 | 5 \
  | DEU GBR USA SWE FIN NLD | 1
ITM-ENG-GEN100 | Diesel generator 100 kVA | equipment | engineering | generator | 1900 | 28000 | 5 | * | 1.5
ITM-ENG-FORT | Field fortification set (gabions, barriers, wire) for 100 m | materiel | engineering | set \
  | 6000 | 30000 | 5 | * | 1
ITM-LOG-TRUCK | Heavy cargo truck 8x8 | vehicle | logistics | vehicle | 15000 | 250000 | 5 | * | 1.5
ITM-LOG-FUEL | Fuel tanker truck | vehicle | logistics | vehicle | 14000 | 230000 | 5 | * | 1
ITM-LOG-4X4 | 4x4 utility vehicle | vehicle | logistics | vehicle | 3000 | 55000 | 5 | * | 1
ITM-WIN-CLOTH | Winter clothing set | clothing | winter | set | 7 | 320 | 5 | * | 1.5
ITM-WIN-TENT | Heated 10-person tent | equipment | winter | tent | 280 | 6500 | 5 | * | 1
"""
"""The illustrative catalogue; priority 1 air defence, 2 artillery ammunition and mines, 3 armour,
artillery pieces and drones, 4 demining and medical, 5 engineering, logistics and winter."""


def _parse_catalogue(table: str) -> tuple[_Cat, ...]:
    """Catalogue lines from the `|`-separated table."""
    out: list[_Cat] = []
    for line in table.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        f = [x.strip() for x in line.split("|")]
        suppliers = frozenset(f[8].replace("EAST", _EAST).split()) - {"*"}
        out.append(
            _Cat(f[0], f[1], f[2], f[3], f[4], float(f[5]), float(f[6]), int(f[7]), suppliers, float(f[9]))
        )
    return tuple(out)


_CATALOGUE = _parse_catalogue(_CATALOGUE_TABLE)

_SUBSTITUTES: tuple[tuple[str, str], ...] = (
    ("ITM-155-HE", "ITM-155-HE-EU"),
    ("ITM-155-HE-EU", "ITM-155-HE"),
    ("ITM-AD-STINGER", "ITM-AD-PIORUN"),
    ("ITM-AD-PIORUN", "ITM-AD-STINGER"),
    ("ITM-MINE-AT", "ITM-MINE-AT-B"),
    ("ITM-MBT-LEO2A6", "ITM-MBT-LEO2A4"),
    ("ITM-MBT-LEO2A6", "ITM-MBT-M1A1"),
    ("ITM-MBT-LEO2A4", "ITM-MBT-LEO1A5"),
    ("ITM-IFV-CV90", "ITM-IFV-MARDER"),
    ("ITM-IFV-MARDER", "ITM-IFV-BRADLEY"),
    ("ITM-ART-PZH2000", "ITM-ART-M109"),
)
"""(item, substitute): the substitute may fill a requirement for the item, unit for unit."""

_NON_LETHAL_DONORS = frozenset({"AUT", "IRL", "JPN", "KOR"})
_NON_LETHAL_CAPABILITIES = frozenset({"demining", "medical", "engineering", "logistics", "winter"})

_CAPABILITY_SPLIT: dict[str, float] = {
    "air-defence": 0.33,
    "artillery": 0.24,
    "mines": 0.02,
    "armour": 0.18,
    "drones": 0.08,
    "demining": 0.03,
    "medical": 0.02,
    "engineering": 0.04,
    "logistics": 0.05,
    "winter": 0.01,
}
"""How each donor's value (after its signature packages) is spread over capabilities."""

_SIGNATURE: dict[str, tuple[tuple[str, int, str], ...]] = {
    "USA": (("ITM-AD-PATRIOT", 1, ""), ("ITM-AD-NASAMS-FU", 2, ""), ("ITM-MBT-M1A1", 12, ""),
            ("ITM-ART-M777", 12, "")),
    "DEU": (("ITM-AD-PATRIOT", 1, ""), ("ITM-AD-IRIST-FU", 4, ""), ("ITM-ART-PZH2000", 6, ""),
            ("ITM-AD-GEPARD", 10, ""), ("ITM-IFV-MARDER", 20, "")),
    "GBR": (("ITM-MBT-CR2", 6, ""), ("ITM-ART-M109", 12, ""), ("ITM-USV", 20, "")),
    "NLD": (("ITM-AD-PATRIOT", 1, ""), ("ITM-152-HE", 15_000, "DEP-CZE-1")),
    "NOR": (("ITM-AD-NASAMS-FU", 1, ""), ("ITM-MBT-LEO2A4", 8, "")),
    "ESP": (("ITM-MBT-LEO2A4", 10, ""),),
    "SWE": (("ITM-IFV-CV90", 10, ""),),
    "DNK": (("ITM-ART-CAESAR", 8, ""), ("ITM-MBT-LEO1A5", 20, ""), ("ITM-152-HE", 20_000, "DEP-CZE-1")),
    "FRA": (("ITM-ART-CAESAR", 12, ""),),
    "CAN": (("ITM-152-HE", 10_000, "DEP-CZE-1"), ("ITM-122-GRAD", 8_000, "DEP-CZE-1")),
    "POL": (("ITM-MBT-T72", 30, ""), ("ITM-MBT-LEO2A4", 10, ""), ("ITM-MINE-AT-B", 10_000, "")),
    "CZE": (("ITM-MBT-T72", 10, ""),),
}  # fmt: skip
"""Big-ticket packages (item, quantity, origin) offered before the rest of a donor's value is spread.
An origin in another nation is funded procurement: the donor pays, the supplier's depot ships
(152 mm and Grad rounds bought in Czechia)."""

_OFFER_SIZE_EUR = 45_000_000.0
"""About one generic offer per this much of a donor's value."""

_CHEAP_OFFER_CAP_EUR = 15_000_000.0
"""An offer of an item worth under EUR 1,000 a unit (first-aid kits, FPV drones) stays below this value."""

_FILLERS = ("ITM-155-HE", "ITM-155-HE-EU", "ITM-120-MOR")
"""Ammunition that takes up the rest of each donor's value, so its total matches its share closely."""
_NON_LETHAL_FILLERS = ("ITM-WIN-CLOTH", "ITM-ENG-GEN100", "ITM-DEM-KIT")


def _items() -> tuple[Item, ...]:
    """The catalogue."""
    return tuple(
        Item(c.item_id, c.name, c.category, c.capability, c.unit, float(c.mass_kg), float(c.value_eur))
        for c in _CATALOGUE
    )


def _eligible(cat: _Cat, nation: str) -> bool:
    """Whether a donor may offer a catalogue line."""
    if nation in _NON_LETHAL_DONORS and cat.capability not in _NON_LETHAL_CAPABILITIES:
        return False
    return not cat.suppliers or nation in cat.suppliers


# --- offers --------------------------------------------------------------------------------------


def _available_week(rng: _Rng) -> int:
    """A week an offer becomes available: carry-over early in the year, two surges, the rest spread."""
    k = rng.pick([0.25, 0.2, 0.2, 0.35])
    if k == 0:
        return rng.integer(0, 6)
    if k == 1:
        return rng.integer(10, 14)
    if k == 2:
        return rng.integer(30, 34)
    return rng.integer(0, 44)


def _status(rng: _Rng) -> str:
    """Mostly committed, some announced, a few withdrawn."""
    return ("committed", "announced", "withdrawn")[rng.pick([0.76, 0.19, 0.05])]


def _offers(rng: _Rng, shares: Mapping[str, float], depots: Mapping[str, Sequence[str]]) -> tuple[Offer, ...]:
    """Offers whose value per donor is TOTAL_PLEDGED_EUR x its Kiel share."""
    cats = {c.item_id: c for c in _CATALOGUE}
    out: list[Offer] = []
    for nation, share in shares.items():
        target = TOTAL_PLEDGED_EUR * share
        lines: list[tuple[str, int, str]] = list(_SIGNATURE.get(nation, ()))
        spent = sum(cats[i].value_eur * q for i, q, _ in lines)
        if spent > target:
            raise ValueError(f"signature packages of {nation} exceed its share")
        rest = target - spent
        pool = [c for c in _CATALOGUE if c.popularity > 0 and _eligible(c, nation)]
        caps = [cap for cap in _CAPABILITY_SPLIT if any(c.capability == cap for c in pool)]
        cap_w = [_CAPABILITY_SPLIT[cap] for cap in caps]
        n_generic = max(1, round(rest / _OFFER_SIZE_EUR))
        fillers = [cats[f] for f in (_NON_LETHAL_FILLERS if nation in _NON_LETHAL_DONORS else _FILLERS)]
        for _ in range(n_generic - 1):
            value = min(rest / n_generic * rng.uniform(0.5, 1.5), target - spent)
            cap = caps[rng.pick(cap_w)]
            choices = [c for c in pool if c.capability == cap and c.value_eur <= value]
            if not choices:
                continue
            cat = choices[rng.pick([c.popularity for c in choices])]
            if cat.value_eur < 1_000:
                value = min(value, _CHEAP_OFFER_CAP_EUR)
            qty = int(value // cat.value_eur)
            lines.append((cat.item_id, qty, ""))
            spent += qty * cat.value_eur
        filler = fillers[rng.pick([1.0] * len(fillers))]
        if target - spent >= filler.value_eur / 2:
            lines.append((filler.item_id, round((target - spent) / filler.value_eur), ""))
        n_signature = len(_SIGNATURE.get(nation, ()))
        drafted = [
            (_available_week(rng), item_id, qty, origin, "committed" if k < n_signature else _status(rng))
            for k, (item_id, qty, origin) in enumerate(lines)
        ]
        drafted.sort(key=lambda x: (x[0], x[1], -x[2], x[3]))
        for n, (week, item_id, qty, origin, status) in enumerate(drafted, start=1):
            if not origin:
                origin = depots[nation][rng.integer(0, len(depots[nation]) - 1)]
            out.append(Offer(f"OFF-{nation}-{n:04d}", nation, item_id, qty, week, origin, status))
    return tuple(out)


# --- requirements --------------------------------------------------------------------------------

_DEMAND_RATIO: dict[str, float] = {
    "air-defence": 1.8,
    "artillery": 1.5,
    "mines": 1.4,
    "armour": 1.1,
    "drones": 1.5,
    "demining": 1.0,
    "medical": 0.8,
    "engineering": 1.0,
    "logistics": 0.9,
    "winter": 1.3,
}
"""Requirement quantity / offered (not withdrawn) quantity, by capability: > 1 means a shortfall."""

_SUBSTITUTE_SHIFT = 0.4
"""Share of a one-way substitute's demand that is requested as the preferred item instead."""

_PRIORITY_FACTOR: dict[int, float] = {1: 4.0, 2: 3.0, 3: 2.0, 4: 1.5, 5: 1.0}
"""Requirement weight = this factor x unit value in thousand EUR (priority-weighted value per unit)."""

_SITE_WEIGHTS: dict[str, tuple[float, ...]] = {
    # LVIV, KYIV, DNIPRO, KHARKIV, ODESA, ZAPORIZHZHIA
    "air-defence": (1.0, 3.0, 2.0, 2.0, 2.0, 1.5),
    "artillery": (0.3, 1.0, 3.0, 3.0, 1.0, 3.0),
    "mines": (0.2, 1.0, 3.0, 3.0, 1.0, 3.0),
    "armour": (0.5, 1.0, 3.0, 3.0, 1.0, 3.0),
    "drones": (0.5, 1.0, 3.0, 3.0, 1.5, 3.0),
    "demining": (0.5, 2.0, 2.0, 2.0, 1.5, 1.5),
    "medical": (2.0, 2.0, 2.0, 1.5, 1.0, 1.5),
    "engineering": (1.0, 1.5, 2.5, 2.5, 1.0, 2.5),
    "logistics": (2.0, 2.0, 2.0, 1.5, 1.0, 1.5),
    "winter": (1.0, 2.0, 2.0, 2.0, 1.0, 2.0),
}


def _due_week(rng: _Rng, priority: int) -> int:
    """A due week: the most urgent classes are wanted earlier."""
    if priority == 1:
        return rng.integer(3, 40)
    if priority == 2:
        return rng.integer(3, 48)
    return rng.integer(5, HORIZON_WEEKS - 1)


def _requirements(rng: _Rng, offers: Sequence[Offer]) -> tuple[Requirement, ...]:
    """About N_REQUIREMENTS lines whose totals per item follow the offered supply times _DEMAND_RATIO."""
    supply: dict[str, int] = {}
    for o in offers:
        if o.status != "withdrawn":
            supply[o.item_id] = supply.get(o.item_id, 0) + o.quantity
    demand: dict[str, float] = {}
    for c in _CATALOGUE:
        s = supply.get(c.item_id, 0)
        base = s if s > 0 else max(1.0, 20_000_000 / c.value_eur)
        demand[c.item_id] = _DEMAND_RATIO[c.capability] * base * rng.uniform(0.85, 1.2)
    one_way = [(a, b) for a, b in _SUBSTITUTES if (b, a) not in _SUBSTITUTES]
    for preferred, sub in one_way:
        moved = demand[sub] * _SUBSTITUTE_SHIFT
        demand[sub] -= moved
        demand[preferred] += moved
    cats = [c for c in _CATALOGUE if round(demand[c.item_id]) >= 1]
    qty = [round(demand[c.item_id]) for c in cats]
    lines = _apportion(
        N_REQUIREMENTS, [math.sqrt(q * c.value_eur) for c, q in zip(cats, qty, strict=True)], qty
    )
    site_ids = [d[0] for d in _DELIVERY]
    drafted: list[tuple[int, int, str, str, int, float]] = []
    for c, total, k in zip(cats, qty, lines, strict=True):
        parts = _split(total, [rng.uniform(0.5, 1.5) for _ in range(k)])
        weight = max(0.01, round(_PRIORITY_FACTOR[c.priority] * c.value_eur / 1000, 2))
        for q in parts:
            site = site_ids[rng.pick(_SITE_WEIGHTS[c.capability])]
            drafted.append((c.priority, _due_week(rng, c.priority), c.item_id, site, q, weight))
    drafted.sort(key=lambda x: (x[0], x[1], x[2], x[3], -x[4]))
    return tuple(
        Requirement(f"REQ-{n:04d}", item_id, q, prio, weight, due, site)
        for n, (prio, due, item_id, site, q, weight) in enumerate(drafted, start=1)
    )


# --- training ------------------------------------------------------------------------------------

_SPECIALTIES: tuple[tuple[str, int, tuple[int, int], tuple[int, int], tuple[str, ...]], ...] = (
    # specialty, priority, seats per run, duration weeks, providers
    ("air-defence-operator", 1, (30, 60), (8, 12), ("USA", "DEU", "NLD", "FRA", "ITA", "NOR")),
    ("air-defence-maintainer", 1, (15, 30), (12, 16), ("USA", "DEU", "NLD")),
    ("artillery-crew", 2, (60, 150), (5, 8), ("USA", "GBR", "DEU", "FRA", "DNK", "ITA", "POL", "EST")),
    ("armour-crew", 3, (60, 120), (6, 10), ("DEU", "POL", "USA", "GBR", "ESP", "PRT", "SWE", "CAN")),
    ("drone-operator", 3, (80, 200), (3, 5), ("GBR", "LVA", "NLD", "EST", "LTU")),
    ("demining", 4, (40, 80), (4, 6), ("DNK", "LTU", "BEL", "JPN", "NOR")),
    ("combat-medic", 4, (100, 250), (3, 5), ("GBR", "CAN", "NZL", "ITA", "FIN", "IRL")),
    ("logistics", 5, (50, 120), (4, 6), ("DEU", "NLD", "POL", "CZE", "SWE")),
)

_SPECIALTY_SUBSTITUTES: tuple[tuple[str, str], ...] = (
    # need's specialty, specialty whose graduates may fill it
    ("air-defence-maintainer", "air-defence-operator"),
    ("drone-operator", "artillery-crew"),
)
"""Illustrative: operators take over first-line maintenance; artillery crews fly spotting drones."""

_CREWED: dict[tuple[str, str], str] = {
    ("air-defence", "weapon system"): "air-defence-operator",
    ("air-defence", "vehicle"): "air-defence-operator",
    ("air-defence", "sensor"): "air-defence-operator",
    ("artillery", "weapon system"): "artillery-crew",
    ("armour", "vehicle"): "armour-crew",
    ("drones", "drone"): "drone-operator",
    ("drones", "equipment"): "drone-operator",
    ("demining", "equipment"): "demining",
    ("demining", "vehicle"): "demining",
    ("medical", "vehicle"): "combat-medic",
    ("logistics", "vehicle"): "logistics",
}
"""The specialty a requirement's equipment needs trained crews of, by (capability, category)."""


def _with_specialty(requirements: Sequence[Requirement], items: Sequence[Item]) -> tuple[Requirement, ...]:
    """Requirements with the `specialty` extra column: the crews their equipment needs (blank: none)."""
    kind = {i.item_id: (i.capability, i.category) for i in items}
    return tuple(
        dataclasses.replace(r, extra={**r.extra, "specialty": _CREWED.get(kind[r.item_id], "")})
        for r in requirements
    )


_TRAINING_NEED_RATIO: dict[int, float] = {1: 1.3, 2: 1.2, 3: 1.0, 4: 0.9, 5: 0.8}
_TRAINING_WEIGHT: dict[int, float] = {1: 10.0, 2: 6.0, 3: 3.0, 4: 2.0, 5: 1.0}
"""Weight per trainee by priority class."""


def _training(
    rng: _Rng, depots: Mapping[str, Sequence[str]]
) -> tuple[tuple[Course, ...], tuple[TrainingNeed, ...]]:
    """Courses offered by plausible nations at their first depot, and the recipient's training needs."""
    courses: list[Course] = []
    needs: list[tuple[int, int, str, int, float]] = []
    count: dict[str, int] = {}
    for specialty, priority, (s_lo, s_hi), (d_lo, d_hi), providers in _SPECIALTIES:
        seats_total = 0
        for nation in providers:
            runs = rng.integer(1, 2)
            for r in range(runs):
                duration = rng.integer(d_lo, d_hi)
                lo = r * (HORIZON_WEEKS - duration) // runs
                hi = (r + 1) * (HORIZON_WEEKS - duration) // runs - 1
                seats = 5 * round(rng.integer(s_lo, s_hi) / 5)
                count[nation] = count.get(nation, 0) + 1
                courses.append(
                    Course(
                        f"CRS-{nation}-{count[nation]:02d}",
                        nation,
                        specialty,
                        seats,
                        rng.integer(lo, max(lo, hi)),
                        duration,
                        depots[nation][0],
                    )
                )
                seats_total += seats
        wanted = seats_total * _TRAINING_NEED_RATIO[priority]
        k = 3 if priority <= 2 else 2
        parts = _split(round(wanted), [rng.uniform(0.7, 1.3) for _ in range(k)])
        for j, trainees in enumerate(parts):
            due = min(HORIZON_WEEKS - 1, (j + 1) * HORIZON_WEEKS // k - rng.integer(0, 4))
            needs.append((priority, due, specialty, trainees, _TRAINING_WEIGHT[priority]))
    courses.sort(key=lambda c: c.course_id)
    needs.sort(key=lambda x: (x[0], x[1], x[2]))
    return tuple(courses), tuple(
        TrainingNeed(f"TRN-{n:03d}", specialty, trainees, prio, weight, due)
        for n, (prio, due, specialty, trainees, weight) in enumerate(needs, start=1)
    )


# --- the scenario --------------------------------------------------------------------------------

_SOURCES: tuple[dict[str, str], ...] = (
    {
        "title": "World Bank, World Development Indicators: GDP (current US$), NY.GDP.MKTP.CD, 2024",
        "path": "https://data.worldbank.org/indicator/NY.GDP.MKTP.CD",
        "used_for": "nations.gdp_usd_bn",
    },
    {
        "title": "NATO, Defence Expenditure of NATO Countries (2014-2024), June 2024 (2024 estimates)",
        "path": "https://www.nato.int/cps/en/natohq/topics_49198.htm",
        "used_for": "nations.defence_pct_gdp",
    },
    {
        "title": "Kiel Institute for the World Economy, Ukraine Support Tracker, Release 29: "
        "military allocations by donor, summed over the whole series",
        "path": "https://www.ifw-kiel.de/topics/war-against-ukraine/ukraine-support-tracker/",
        "used_for": "each donor's share of the offered value (offers.csv); nations.kiel_military_eur_bn",
    },
    {
        "title": "NSATU deputy commander, interview, August 2025: about 18,000 t a month through "
        "Rzeszów-Jasionka",
        "used_for": "sites.throughput_t_per_week of HUB-RZE (18,000 x 12 / 52, rounded to 4,150 t)",
    },
    {
        "title": "NATO SHAPE news on NSATU, December 2024: headquarters in Wiesbaden, staff at SHAPE, "
        "hubs in Poland and Romania",
        "path": "https://shape.nato.int/",
        "used_for": "sites HQ-WIE, SHAPE, HUB-RZE, HUB-ROU (approximate coordinates)",
    },
)

_ILLUSTRATIVE: tuple[str, ...] = (
    "items.csv: the catalogue, unit masses and unit values are plausible round figures, not prices paid",
    "substitutes.csv",
    "offers.csv: items, quantities, availability weeks, origins and statuses; only the value per donor "
    f"follows the Kiel shares (EUR {TOTAL_PLEDGED_EUR / 1e9:.0f} bn in all)",
    "requirements.csv: the whole prioritised list (quantities, weights, due weeks, hand-over points)",
    "sites.csv: depots (DEP-*) and hand-over points (DLV-*) are approximate places, not real facilities",
    "sites.csv: the Romanian hub's location and its capacity of 1,200 t a week",
    "lanes.csv: lead times and costs from great-circle distances (road x1.25 at 700 km a week, "
    "handling included; overseas depots add sea lift to a European port)",
    "courses.csv, training_needs.csv and specialty_substitutes.csv",
    "requirements.csv: the specialty column (the crews a requirement's equipment needs trained)",
    "nations.csv: Ukraine's GDP and defence share are left blank (not in the reference data)",
)

_NOTES: tuple[str, ...] = (
    "Requirement weight = priority factor (1: 4, 2: 3, 3: 2, 4: 1.5, 5: 1) x unit value in thousand EUR, "
    "so weighted fulfilment is priority-weighted value.",
    "Priority classes: 1 air and missile defence; 2 artillery ammunition and mines; 3 armour, artillery "
    "pieces and drones; 4 demining and medical; 5 engineering, logistics and winter equipment.",
    "Overseas donors ship by sea to a European port (the Americas: Bremerhaven, 3 weeks; Asia-Pacific: "
    "Constanța via Suez, 5 weeks; Iceland: Rotterdam, 1 week), then by road.",
    "Austria, Ireland, Japan and South Korea offer non-lethal aid only.",
    "Offer value shares count every offer whatever its status.",
    "Courses run at the offering nation's first depot site.",
)


def build_nsatu() -> Scenario:
    """The embedded `nsatu` scenario, built deterministically from the reference data."""
    rng = _Rng(SEED)
    kiel = kiel_military_by_nation()
    nation_ids = [r["nation_id"] for r in _read_reference("nations.csv")]
    depot_nations = {d.nation_id for d in _DEPOTS}
    donors = [n for n in nation_ids if kiel.get(n, 0.0) > 0 and n != RECIPIENT]
    missing = [n for n in donors if n not in depot_nations]
    if missing:
        raise ValueError(f"no depot for donors {missing}")
    total = sum(kiel[n] for n in donors)
    shares = {n: kiel[n] / total for n in sorted(donors, key=lambda n: (-kiel[n], n))}
    sites = _sites()
    depots: dict[str, list[str]] = {}
    for sid, d in _depot_ids():
        depots.setdefault(d.nation_id, []).append(sid)
    offers = _offers(rng, shares, depots)
    requirements = _requirements(rng, offers)
    courses, needs = _training(rng, depots)
    items = _items()
    meta: dict[str, Any] = {
        "description": "A year of multinational security assistance to Ukraine coordinated NSATU-style: "
        "real participants, donor value shares and hub throughput; illustrative catalogue, pledges, "
        "requirements, depots, lanes and courses.",
        "sources": [dict(s) for s in _SOURCES],
        "illustrative": list(_ILLUSTRATIVE),
        "notes": list(_NOTES),
    }
    return Scenario(
        name=SCENARIO_NAME,
        settings=PlanningSettings(START_DATE, HORIZON_WEEKS, LATENESS_DECAY, TRANSPORT_COST_WEIGHT),
        nations=_nations(kiel, donors),
        sites=sites,
        lanes=_lanes(sites),
        items=items,
        substitutes=tuple(Substitute(a, b) for a, b in _SUBSTITUTES),
        requirements=_with_specialty(requirements, items),
        offers=offers,
        courses=courses,
        training_needs=needs,
        specialty_substitutes=tuple(SpecialtySubstitute(a, b) for a, b in _SPECIALTY_SUBSTITUTES),
        title=TITLE,
        meta=meta,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Write the `nsatu` package to --out (the shipped copy lives in aidcoord/data/scenarios/nsatu)."""
    parser = argparse.ArgumentParser(description="Build the embedded nsatu scenario package.")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the package to")
    args = parser.parse_args(argv)
    from aidcoord.scenario.io import write_package

    write_package(build_nsatu(), args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
