"""Builders shared by the zone case tests: a case at school A (a café 150 m from its gate),
one user per role holding that role on it, a photo."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from safecampus.core.roles import Role
from safecampus.zones import services
from safecampus.zones.models import Venue, ZoneCase
from safecampus.zones.testing import ORIGIN, Zones, away, venue_data, zone_world

#: the roles a person may hold on a case at school A (``users[role]`` holds exactly it)
CASE_ROLES = [
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.DEPARTMENT_OFFICER,
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
    Role.PARTNER,
]


@dataclass
class CaseWorld:
    world: object
    z: Zones
    venue: Venue
    case: ZoneCase
    users: dict

    def fresh(self) -> ZoneCase:
        return ZoneCase.objects.get(pk=self.case.pk)


def case_world(world, *, metres: float = 150, name: str = "星空网吧") -> CaseWorld:
    z = zone_world(world)
    centre = world.users[Role.SAFETY_CENTRE]
    venue = services.register_venue(
        actor=centre, bureau_id=world.bureau.pk, data=venue_data(away(ORIGIN, metres), name=name)
    )
    case = ZoneCase.objects.get(venue=venue, school=world.school_a)
    users = {**world.users, Role.DEPARTMENT_OFFICER: z.law_officer}
    return CaseWorld(world, z, venue, case, users)


def photo(name: str = "现场.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
