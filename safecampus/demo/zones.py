"""The student safety zone of the demo district (学生安全区域): the zone rules loaded, a culture
and law-enforcement partner, campus boundaries and parents' waiting areas, about 200 venues
around the schools, every venue checked and a few cases moved along.

The venues are placed where they physically stand (a point in WGS-84 so many metres from a
gate) and then written in the system their source would use: most in GCJ-02 (Amap, as the
schools' gates), some in WGS-84 (phone GPS) and some in BD-09 (Baidu), each converted properly
from the same physical spot (``core.geo.from_wgs84``). Some lie in the zones of the demo
primary school (the ``school`` account's) and kindergarten (``kg``), some between two schools
(one case for each), many near other schools and the rest anywhere in the district.

The check runs as of 45 days ago, so that the cases have a history: 法制科 (``fzk``) assigned
some with deadlines, the police (``police``) recorded a closure that was verified and another
waiting for verification, an inspection, and one case is overdue.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.core import geo
from safecampus.orgs.choices import PartnerKind
from safecampus.orgs.models import PartnerCoverage, PartnerUnit, School, SchoolGate
from safecampus.zones import detection, services
from safecampus.zones.choices import CaseStatus
from safecampus.zones.geometry import area_m2
from safecampus.zones.loading import load_pack
from safecampus.zones.models import SchoolBoundary, Venue, WaitingArea, ZoneCase

PACKS = ("minhang", "safety_zone_gate", "waiting_area")
CULTURE = "闵行区文化市场行政执法大队"
#: shares of the district's schools with a recorded boundary and with a waiting area
BOUNDARY_SHARE, WAITING_SHARE = 0.4, 0.3
VENUES = 200

NAMES = {
    "internet_cafe": ["星空网吧", "极速网咖", "飞跃网络会所", "云端电竞馆", "网鱼网咖"],
    "entertainment": ["金嗓子KTV", "欢乐颂KTV", "星光娱乐会所", "麦霸量贩KTV"],
    "game_hall": ["童梦游戏厅", "欢乐电玩城", "超级玩家电玩"],
    "bar": ["夜色酒吧", "蓝调清吧", "转角酒馆"],
    "hotel": ["如家快捷旅馆", "温馨小旅馆", "便民招待所", "悦来宾馆"],
    "lottery": ["福彩投注站", "体彩销售点"],
    "polluting": ["宏达五金加工厂", "利民塑料回收站", "新光喷漆作坊"],
    "vice": ["梦幻足浴", "丽人按摩店"],
    "stalls": ["校门口流动摊贩", "路边小吃摊"],
    "other": ["烟酒专卖店", "二手电玩店"],
}
#: (type, weight) of the venues placed anywhere
KINDS = [
    ("internet_cafe", 16),
    ("entertainment", 12),
    ("game_hall", 8),
    ("bar", 8),
    ("hotel", 18),
    ("lottery", 10),
    ("polluting", 6),
    ("vice", 4),
    ("stalls", 10),
    ("other", 8),
]
SYSTEMS = [(geo.GCJ02, 60), (geo.WGS84, 25), (geo.BD09, 15)]
STREETS = ["沪闵路", "七莘路", "莘松路", "虹梅路", "都市路", "莲花南路", "浦星公路", "银都路"]


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def _gates_wgs(school_ids) -> dict[int, list[tuple[float, float]]]:
    out: dict[int, list[tuple[float, float]]] = {}
    for school_id, lon, lat, system in (
        SchoolGate.objects.filter(school_id__in=school_ids)
        .order_by("school_id", "id")
        .values_list("school_id", "longitude", "latitude", "coord_system")
    ):
        out.setdefault(school_id, []).append(geo.to_wgs84(lon, lat, system))
    return out


def _written(rng, wlon: float, wlat: float, system: str | None = None):
    """The physical WGS-84 point written in a source's system, 6 decimals as a form keeps it:
    (system, lon, lat, wgs lon, wgs lat)."""
    system = system or _weighted(rng, SYSTEMS)
    lon, lat = geo.from_wgs84(wlon, wlat, system)
    dlon = Decimal(f"{lon:.6f}")
    dlat = Decimal(f"{lat:.6f}")
    x, y = geo.to_wgs84(dlon, dlat, system)
    return system, dlon, dlat, x, y


def _rectangle(gates: list[tuple[float, float]]) -> list[list[float]]:
    """A campus north of its gates (they stand on its south side), in WGS-84."""
    lons, lats = [g[0] for g in gates], [g[1] for g in gates]
    west, _ = geo.offset(min(lons), min(lats), 270.0, 40.0)
    east, _ = geo.offset(max(lons), min(lats), 90.0, 40.0)
    _, south = geo.offset(min(lons), min(lats), 180.0, 3.0)
    _, north = geo.offset(min(lons), max(lats), 0.0, 120.0)
    corners = [[west, south], [east, south], [east, north], [west, north]]
    return corners + [corners[0]]


def _boundaries(rng, schools, gates, now, *, given=(), without=()) -> set[int]:
    rows = []
    for school in schools:
        chance = rng.random()
        if not gates.get(school.pk) or school.pk in without:
            continue
        if school.pk not in given and chance >= BOUNDARY_SHARE:
            continue
        ring = [
            list(geo.from_wgs84(lon, lat, geo.GCJ02)) for lon, lat in _rectangle(gates[school.pk])
        ]
        ring = [[round(lon, 6), round(lat, 6)] for lon, lat in ring]
        ring[-1] = ring[0]
        wgs = [list(geo.to_wgs84(lon, lat, geo.GCJ02)) for lon, lat in ring]
        rows.append(
            SchoolBoundary(
                school=school,
                bureau_id=school.bureau_id,
                coord_system=geo.GCJ02,
                vertices=ring,
                wgs=wgs,
                source="drawn",
                area_m2=area_m2(wgs),
                updated_at=now,
            )
        )
    SchoolBoundary.objects.bulk_create(rows)
    return {r.school_id for r in rows}


def _waiting_areas(rng, schools, gates, now) -> int:
    rows = []
    for school in schools:
        if not gates.get(school.pk) or rng.random() >= WAITING_SHARE:
            continue
        glon, glat = gates[school.pk][0]
        # most within the 50 m of 001 §二(三), some too far
        metres = rng.uniform(15, 45) if rng.random() < 0.75 else rng.uniform(60, 110)
        wlon, wlat = geo.offset(glon, glat, rng.uniform(150, 210), metres)
        system, dlon, dlat, x, y = _written(rng, wlon, wlat)
        rows.append(
            WaitingArea(
                school=school,
                bureau_id=school.bureau_id,
                name="家长等候区",
                longitude=dlon,
                latitude=dlat,
                coord_system=system,
                wgs_lon=x,
                wgs_lat=y,
                created_at=now,
            )
        )
    WaitingArea.objects.bulk_create(rows)
    return len(rows)


def _venue(rng, district, kind, wlon, wlat, now, n, *, system=None, source="inspection"):
    system, dlon, dlat, x, y = _written(rng, wlon, wlat, system)
    return Venue(
        bureau=district,
        kind=kind,
        name=f"{rng.choice(NAMES[kind])}（{rng.choice(STREETS)}店）",
        licence=f"310112{n:06d}" if kind in ("internet_cafe", "entertainment", "hotel") else "",
        address=f"上海市闵行区{rng.choice(STREETS)}{rng.randint(1, 2999)}号",
        longitude=dlon,
        latitude=dlat,
        coord_system=system,
        wgs_lon=x,
        wgs_lat=y,
        cell=geo.cell_of(x, y),
        source=rng.choice(["inspection", "inspection", "report", "import"])
        if source is None
        else source,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )


def _pairs(gates: dict, ids: list[int], most: int = 6) -> list[tuple[int, int]]:
    """Schools whose first gates stand 120–380 m apart (a venue between them lies in both
    zones)."""
    firsts = [(pk, gates[pk][0]) for pk in ids if gates.get(pk)]
    pairs = []
    for i, (a, ga) in enumerate(firsts):
        for b, gb in firsts[i + 1 :]:
            if abs(ga[0] - gb[0]) > 0.005 or abs(ga[1] - gb[1]) > 0.005:
                continue
            if 120 < geo.distance_m(*ga, *gb) < 380:
                pairs.append((a, b))
                if len(pairs) >= most:
                    return pairs
    return pairs


def _venues(rng, district, schools, gates, boundaries, school, kg, now) -> list[Venue]:
    out: list[Venue] = []

    def near(school_id, kind, metres, azimuth, system=None):
        glon, glat = gates[school_id][0]
        if school_id in boundaries:  # outside the campus: south of the gates
            azimuth = 90.0 + (azimuth % 180.0)
        wlon, wlat = geo.offset(glon, glat, azimuth, metres)
        out.append(_venue(rng, district, kind, wlon, wlat, now, len(out), system=system))

    # the demo primary school: inside its zones in every system, and one just outside
    for kind, metres, system in (
        ("internet_cafe", 80, geo.GCJ02),
        ("internet_cafe", 150, geo.BD09),
        ("entertainment", 120, geo.WGS84),
        ("game_hall", 170, geo.GCJ02),
        ("hotel", 90, geo.GCJ02),
        ("polluting", 190, geo.WGS84),
        ("bar", 60, geo.BD09),
        ("internet_cafe", 260, geo.GCJ02),
        ("lottery", 100, geo.GCJ02),
    ):
        near(school.pk, kind, metres, rng.uniform(0, 360), system)
    # the demo kindergarten: KTV and a game hall inside, an internet café (not a primary or
    # secondary school, so only the gate rule applies)
    for kind, metres, system in (
        ("entertainment", 70, geo.GCJ02),
        ("game_hall", 140, geo.WGS84),
        ("internet_cafe", 110, geo.BD09),
        ("vice", 180, geo.GCJ02),
        ("stalls", 40, geo.GCJ02),
    ):
        near(kg.pk, kind, metres, rng.uniform(0, 360), system)
    ids = [s.pk for s in schools]
    # between two schools: one case for each
    for a, b in _pairs(gates, ids):
        (alon, alat), (blon, blat) = gates[a][0], gates[b][0]
        out.append(
            _venue(
                rng, district, "internet_cafe", (alon + blon) / 2, (alat + blat) / 2, now, len(out)
            )
        )
    # near other schools
    others = [pk for pk in ids if pk not in (school.pk, kg.pk) and gates.get(pk)]
    while others and len(out) < VENUES * 0.55:
        near(
            rng.choice(others),
            _weighted(rng, KINDS),
            rng.uniform(30, 260),
            rng.uniform(0, 360),
        )
    # anywhere in the district
    from safecampus.demo.organisations import LAT, LNG

    while len(out) < VENUES:
        wlon, wlat = geo.to_wgs84(rng.uniform(*LNG), rng.uniform(*LAT), geo.GCJ02)
        out.append(_venue(rng, district, _weighted(rng, KINDS), wlon, wlat, now, len(out)))
    return Venue.objects.bulk_create(out)


def _cases_of(school_id, *, partner=None) -> list[ZoneCase]:
    qs = ZoneCase.objects.filter(school_id=school_id, status=CaseStatus.OPEN)
    if partner is not None:
        qs = qs.filter(partners=partner)
    return list(qs.order_by("distance_m", "pk"))


def _move_cases(district, school, kg, police, opened, now) -> dict:
    """法制科 assigns, the police record, 法制科 verifies: a history for the demo accounts."""
    fzk = User.objects.get(username="fzk")
    officer = User.objects.get(username="police")
    done = {"assigned": 0, "closed": 0, "submitted": 0, "overdue": 0, "inspected": 0}

    def act(user, case, action, when, **data):
        return services.act_on_case(actor=user, case_id=case.pk, action=action, data=data, now=when)

    def day(offset: int) -> datetime.date:
        return timezone.localtime(now).date() + datetime.timedelta(days=offset)

    mine = _cases_of(school.pk, partner=police)
    if mine:  # closed: assigned, the police closed the café, 法制科 verified
        case = mine.pop(0)
        act(
            fzk,
            case,
            "assign",
            opened + datetime.timedelta(days=3),
            deadline=day(10),
            note="请文化执法、公安联合查处，限期关停",
        )
        act(
            officer,
            case,
            "record_closure",
            now - datetime.timedelta(days=12),
            note="已联合执法，责令停业，现场已关停并拆除招牌",
        )
        act(fzk, case, "verify", now - datetime.timedelta(days=8), note="现场核实已关停")
        done["assigned"] += 1
        done["closed"] += 1
    if mine:  # overdue: the deadline passed three days ago
        case = mine.pop(0)
        act(
            fzk,
            case,
            "assign",
            opened + datetime.timedelta(days=4),
            deadline=day(-3),
            note="限期整改",
        )
        done["assigned"] += 1
        done["overdue"] += 1
    if mine:  # a closure recorded by the police, waiting for 法制科
        case = mine.pop(0)
        act(
            fzk,
            case,
            "assign",
            opened + datetime.timedelta(days=5),
            deadline=day(20),
            note="限期整改",
        )
        act(
            officer,
            case,
            "record_closure",
            now - datetime.timedelta(days=2),
            note="经营者已自行停业，待核实",
        )
        done["assigned"] += 1
        done["submitted"] += 1
    kg_cases = _cases_of(kg.pk, partner=police)
    if kg_cases:  # an inspection recorded, still running
        case = kg_cases.pop(0)
        act(
            fzk,
            case,
            "assign",
            opened + datetime.timedelta(days=6),
            deadline=day(15),
            note="请公安、文化执法检查",
        )
        act(
            officer,
            case,
            "inspect",
            now - datetime.timedelta(days=5),
            note="现场检查：未发现接纳未成年人，已告知限期搬离",
        )
        done["assigned"] += 1
        done["inspected"] += 1
    # a few more assigned across the district
    others = (
        ZoneCase.objects.filter(bureau=district, status=CaseStatus.OPEN)
        .exclude(school_id__in=[school.pk, kg.pk])
        .order_by("pk")[:6]
    )
    for i, case in enumerate(list(others)):
        act(
            fzk,
            case,
            "assign",
            opened + datetime.timedelta(days=2 + i),
            deadline=day(5 + 5 * i),
            note="限期整改",
        )
        done["assigned"] += 1
    return done


def seed_demo_zones(*, district, now=None, seed: int = 18) -> dict:
    """The zone rules, partner, geometry, venues and cases of the demo district."""
    now = now or timezone.now()
    rng = random.Random(seed)
    opened = now - datetime.timedelta(days=45)
    for pack in PACKS:
        load_pack(district, pack, now=opened)
    schools = list(School.objects.filter(bureau=district, is_active=True).order_by("id"))
    culture, _made = PartnerUnit.objects.get_or_create(
        bureau=district, name=CULTURE, defaults={"kind": PartnerKind.CULTURE}
    )
    PartnerCoverage.objects.bulk_create(
        [PartnerCoverage(partner=culture, school=s) for s in schools], ignore_conflicts=True
    )
    police = PartnerUnit.objects.get(bureau=district, kind=PartnerKind.POLICE)
    school = next(s for s in schools if s.stage == "primary")
    kg = next(s for s in schools if s.stage == "kindergarten")
    gates = _gates_wgs([s.pk for s in schools])
    # the demo primary school has its boundary recorded, the demo kindergarten not yet
    boundaries = _boundaries(rng, schools, gates, opened, given={school.pk}, without={kg.pk})
    waiting = _waiting_areas(rng, schools, gates, opened)
    venues = _venues(
        rng, district, schools, gates, boundaries, school, kg, opened - datetime.timedelta(days=15)
    )
    counts = detection.recheck_bureau(district.pk, now=opened)
    moved = _move_cases(district, school, kg, police, opened, now)
    return {
        "venues": len(venues),
        "boundaries": len(boundaries),
        "waiting_areas": waiting,
        "cases": ZoneCase.objects.filter(bureau=district).count(),
        "opened": counts.get("opened", 0),
        **moved,
    }
