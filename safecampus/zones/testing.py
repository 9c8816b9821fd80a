"""Test builders for the student safety zone: schools with gates at known WGS-84 positions, the
shipped rule packs, the department that takes cases (法制科) and points so many metres away."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from safecampus.core import geo
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.orgs.models import SchoolGate

from . import detection
from .loading import load_pack

#: school A's gate (WGS-84), in Minhang
ORIGIN = (121.400000, 31.100000)


@dataclass
class Zones:
    world: object
    law: object  # 法制科
    law_officer: object
    gate_a: SchoolGate
    gate_b: SchoolGate


def gate_at(school, lon: float, lat: float, system: str = geo.WGS84, name: str = "1号门"):
    """A gate of ``school`` at (lon, lat) given in ``system`` (6 decimals, as a form keeps it)."""
    gate = SchoolGate.objects.create(
        school=school,
        name=name,
        longitude=f"{lon:.6f}",
        latitude=f"{lat:.6f}",
        coord_system=system,
    )
    detection.refresh_sites([school.pk])
    return gate


def wgs_gate(gate) -> tuple[float, float]:
    return geo.to_wgs84(gate.longitude, gate.latitude, gate.coord_system)


def away(
    origin: tuple[float, float], metres: float, azimuth: float = 90.0, system: str = geo.WGS84
):
    """The point ``metres`` from ``origin`` (WGS-84) along ``azimuth``, written in ``system``
    with 6 decimals: ``(lon, lat)`` strings."""
    lon, lat = geo.offset(origin[0], origin[1], azimuth, metres)
    lon, lat = geo.from_wgs84(lon, lat, system)
    return f"{lon:.6f}", f"{lat:.6f}"


def square(centre: tuple[float, float], half: float, system: str = geo.WGS84) -> list[list[float]]:
    """A closed square ring ``half`` metres each side of ``centre`` (WGS-84), in ``system``."""
    corners = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        lon, lat = geo.offset(centre[0], centre[1], 90.0, dx * half)
        lon, lat = geo.offset(lon, lat, 0.0, dy * half)
        lon, lat = geo.from_wgs84(lon, lat, system)
        corners.append([round(lon, 7), round(lat, 7)])
    return corners + [corners[0]]


def venue_data(
    point: tuple[str, str],
    *,
    kind: str = "internet_cafe",
    system: str = geo.WGS84,
    name: str = "星空网吧",
) -> dict:
    return {
        "kind": kind,
        "name": name,
        "licence": "",
        "address": "测试路1号",
        "longitude": point[0],
        "latitude": point[1],
        "coord_system": system,
    }


def zone_world(world, packs=("safety_zone_gate", "waiting_area")) -> Zones:
    """``world`` with 法制科 and its officer, school A's gate at ``ORIGIN`` and school B's
    (a kindergarten) 1 km east, and the shipped packs loaded into the bureau."""
    law = DepartmentFactory(bureau=world.bureau, name="法制科")
    officer = user_with_role(Role.DEPARTMENT_OFFICER, law, username="fzk")
    for pack in packs:
        load_pack(world.bureau, pack, now=timezone.now())
    gate_a = gate_at(world.school_a, *ORIGIN)
    b = geo.offset(*ORIGIN, 90.0, 1000.0)
    gate_b = gate_at(world.school_b, *b)
    return Zones(world, law, officer, gate_a, gate_b)
