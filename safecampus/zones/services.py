"""What people do in the student safety zone: keep the venue register, record a school's
boundary and waiting areas, run cases to closure, keep the zone rules.

Every write runs in one transaction (``in_write_transaction``, retried while SQLite is locked)
and measures again at once what it changed: a venue registered or moved is checked before the
page answers, so its case is there when the page reloads. Files are checked before the
transaction (``prepare_uploads``).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core import geo
from safecampus.core.access import get_for, require, roles_on, scope_for
from safecampus.core.capabilities import ZONE_MANAGE, ZONE_VENUE_EDIT
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse
from safecampus.hazards.evidence import prepare_uploads, store_upload
from safecampus.orgs.models import Bureau, Department, PartnerUnit, School

from . import access, detection
from .choices import (
    ACTIVE_VENUE,
    OPEN_CASE,
    CaseAction,
    CaseStatus,
    MeasureFrom,
    RuleKind,
    VenueAction,
    VenueSource,
    VenueStatus,
    VenueType,
    ZoneEventKind,
)
from .geometry import Shape, gate_problems, ring_problems, to_wgs
from .lifecycle import CASES, VENUES
from .models import (
    SchoolBoundary,
    Venue,
    VenueEvent,
    WaitingArea,
    ZoneCase,
    ZoneCaseEvent,
    ZoneCaseEvidence,
    ZoneEvent,
    ZoneRule,
    ZoneSettings,
    ZoneSite,
)

#: a venue closer than this to a gate stands at the school itself: its position is wrong
AT_GATE_M = 5.0


def _now(now):
    return now or timezone.now()


def _stale(obj, version) -> None:
    if version is not None and int(version) != obj.version:
        raise refuse(
            _("Someone changed this record after you opened the page. Reload and try again."),
            Code.STALE,
        )


def point(lon, lat, system, *, field: str = "coordinates") -> tuple[Decimal, Decimal, float, float]:
    """A checked point: as entered (6 decimals) and in WGS-84. Refuses with a clear message."""
    why = geo.point_problem(lon, lat, system)
    if why:
        raise refuse({field: [why]}, Code.COORDINATES_INVALID)
    dlon = Decimal(str(geo.number(lon))).quantize(Decimal("0.000001"))
    dlat = Decimal(str(geo.number(lat))).quantize(Decimal("0.000001"))
    wlon, wlat = geo.to_wgs84(dlon, dlat, system)
    return dlon, dlat, wlon, wlat


# --- the venue register -------------------------------------------------------------------------

VENUE_FIELDS = ("kind", "name", "licence", "address", "note")


def venue_problems(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if data.get("kind") not in VenueType.values:
        errors["kind"] = [_("Choose the type of venue.")]
    if not (data.get("name") or "").strip():
        errors["name"] = [_("Give the venue's name.")]
    for name, limit in (("name", 100), ("licence", 64), ("address", 200), ("note", 400)):
        if len(data.get(name) or "") > limit:
            errors.setdefault(name, []).append(_("At most %(n)d characters.") % {"n": limit})
    return errors


def at_school_problems(points: list[tuple[float, float]], bureau_id: int) -> list[str | None]:
    """For each WGS-84 point, why a venue cannot stand there (at a school's gate, within a few
    metres, or inside a campus boundary), or ``None``: in four reads whatever the number."""
    if not points:
        return []
    tree = detection.subtree_ids(bureau_id)
    by_cell: dict[int, set[int]] = {}
    for cell, school_id in detection.ZoneCell.objects.filter(
        cell__in={geo.cell_of(*p) for p in points}, bureau_id__in=tree
    ).values_list("cell", "school_id"):
        by_cell.setdefault(cell, set()).add(school_id)
    sites = detection.sites_of({s for ids in by_cell.values() for s in ids})
    names = dict(School.objects.filter(pk__in=list(sites)).values_list("pk", "name"))
    out: list[str | None] = []
    for wlon, wlat in points:
        why = None
        for school_id in sorted(by_cell.get(geo.cell_of(wlon, wlat), ())):
            site = sites.get(school_id)
            if site is None:
                continue
            if site.gates:
                _gate, distance = detection.nearest_gate(site.gates, wlon, wlat)
                if distance is not None and distance < AT_GATE_M:
                    why = _(
                        "The venue's position is the gate of %(school)s: check the coordinates "
                        "and their system."
                    ) % {"school": names.get(school_id, "")}
                    break
            if site.shape is not None and site.shape.contains(wlon, wlat):
                why = _(
                    "The venue's position lies inside the campus of %(school)s: check the "
                    "coordinates and their system."
                ) % {"school": names.get(school_id, "")}
                break
        out.append(why)
    return out


def at_school_problem(wlon: float, wlat: float, bureau_id: int) -> str | None:
    """Refuse a venue that stands at a school: within a few metres of a gate, or inside a
    campus boundary (of the schools whose zones reach its cell)."""
    return at_school_problems([(wlon, wlat)], bureau_id)[0]


def _venue_event(venue, action, actor, role, now, *, note="", data=None):
    def event(from_status, to_status):
        return VenueEvent.objects.create(
            venue=venue,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            actor_role=role,
            at=now,
            note=note[:400],
            data=data or {},
        )

    return event


#: the largest key a database row can have
MAX_ID = 2**63 - 1


def _bureau_partners(bureau_id: int, ids: Iterable) -> list[PartnerUnit]:
    try:
        ids = {int(i) for i in ids or ()}
    except (TypeError, ValueError):
        raise refuse({"partners": [_("A partner unit is not one of this bureau's.")]}) from None
    if any(not 1 <= i <= MAX_ID for i in ids):
        raise refuse({"partners": [_("A partner unit is not one of this bureau's.")]})
    if not ids:
        return []
    chain = detection.chain_ids(bureau_id)
    found = list(PartnerUnit.objects.filter(pk__in=ids, bureau_id__in=chain))
    if len(found) != len(ids):
        raise refuse({"partners": [_("A partner unit is not one of this bureau's.")]})
    return found


def register_venue(
    *,
    actor,
    bureau_id: int,
    data: dict,
    partners: Iterable[int] = (),
    source: str = VenueSource.INSPECTION,
    now=None,
) -> Venue:
    """Enter a venue in a bureau's register and check it against the schools at once."""
    now = _now(now)
    require(actor, ZONE_VENUE_EDIT)
    if bureau_id not in access.venue_edit_bureaus(scope_for(actor)):
        raise PermissionDenied(_("You may not enter venues in this bureau's register."))
    errors = venue_problems(data)
    if source not in VenueSource.values:
        errors["source"] = [_("Choose where the venue was reported from.")]
    if errors:
        raise refuse(errors)
    dlon, dlat, wlon, wlat = point(
        data.get("longitude"), data.get("latitude"), data.get("coord_system")
    )
    if why := at_school_problem(wlon, wlat, bureau_id):
        raise refuse({"coordinates": [why]}, Code.AT_SCHOOL)
    units = _bureau_partners(bureau_id, partners)
    roles = scope_for(actor).roles

    def write():
        venue = Venue.objects.create(
            bureau_id=bureau_id,
            **{k: (data.get(k) or "").strip() for k in VENUE_FIELDS},
            longitude=dlon,
            latitude=dlat,
            coord_system=data["coord_system"],
            wgs_lon=wlon,
            wgs_lat=wlat,
            cell=geo.cell_of(wlon, wlat),
            source=source,
            created_by=actor,
            created_at=now,
            updated_at=now,
            status_changed_at=now,
        )
        venue.partners.set(units)
        VenueEvent.objects.create(
            venue=venue,
            action=VenueAction.REGISTER,
            from_status="",
            to_status=venue.status,
            actor=actor,
            actor_role=VENUES.acting_role(roles & ZONE_VENUE_EDIT),
            at=now,
            data={"source": source, "coordinates": [str(dlon), str(dlat), venue.coord_system]},
        )
        detection.check_venues([venue], now=now)
        return venue

    return in_write_transaction(write)


def update_venue(
    *,
    actor,
    venue_id: int,
    data: dict,
    partners: Iterable[int] | None = None,
    version=None,
    now=None,
) -> Venue:
    """Correct a venue's details or position (a new position is checked again at once)."""
    now = _now(now)
    venue = get_for(actor, Venue, venue_id, "edit")
    merged = {k: data.get(k, getattr(venue, k)) for k in VENUE_FIELDS}
    errors = venue_problems(merged)
    if errors:
        raise refuse(errors)
    moved = any(k in data for k in ("longitude", "latitude", "coord_system"))
    if moved:
        dlon, dlat, wlon, wlat = point(
            data.get("longitude", venue.longitude),
            data.get("latitude", venue.latitude),
            data.get("coord_system", venue.coord_system),
        )
        moved = (dlon, dlat, data.get("coord_system", venue.coord_system)) != (
            venue.longitude,
            venue.latitude,
            venue.coord_system,
        )
        if moved and (why := at_school_problem(wlon, wlat, venue.bureau_id)):
            raise refuse({"coordinates": [why]}, Code.AT_SCHOOL)
    units = _bureau_partners(venue.bureau_id, partners) if partners is not None else None
    roles = roles_on(actor, venue)

    def write():
        row = Venue.objects.select_for_update().get(pk=venue.pk)
        _stale(row, version)
        before = {k: getattr(row, k) for k in VENUE_FIELDS} | {
            "coordinates": [str(row.longitude), str(row.latitude), row.coord_system]
        }
        kind_changed = merged["kind"] != row.kind
        for k in VENUE_FIELDS:
            setattr(row, k, (merged[k] or "").strip())
        if moved:
            row.longitude, row.latitude = dlon, dlat
            row.coord_system = data.get("coord_system", row.coord_system)
            row.wgs_lon, row.wgs_lat, row.cell = wlon, wlat, geo.cell_of(wlon, wlat)
        after = {k: getattr(row, k) for k in VENUE_FIELDS} | {
            "coordinates": [str(row.longitude), str(row.latitude), row.coord_system]
        }
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if units is not None:
            old = sorted(row.partners.values_list("pk", flat=True))
            new = sorted(u.pk for u in units)
            if old != new:
                row.partners.set(units)
                changes["partners"] = [old, new]
        if not changes:
            return row
        action = VenueAction.MOVE if moved else VenueAction.EDIT
        move = VENUES.check(row, action, roles)
        row.updated_at = now
        VENUES.commit(
            row,
            move,
            now=now,
            event=_venue_event(
                row, action, actor, VENUES.acting_role(roles, move), now, data=changes
            ),
        )
        if moved or kind_changed:
            detection.check_venues([row], now=now)
        return row

    return in_write_transaction(write)


def venue_status(
    *, actor, venue_id: int, action: str, reason: str = "", version=None, now=None
) -> Venue:
    """A register button (rectify, close, relocate, exempt, reopen) on a venue with no open
    case; a venue with open cases moves with them."""
    now = _now(now)
    venue = get_for(actor, Venue, venue_id, "edit")
    if action not in (
        VenueAction.RECTIFY,
        VenueAction.CLOSE,
        VenueAction.RELOCATE,
        VenueAction.EXEMPT,
        VenueAction.REOPEN,
    ):
        raise refuse(_("Unknown action."), Code.INVALID_TRANSITION)
    if action == VenueAction.EXEMPT and not reason.strip():
        raise refuse({"reason": [_("Give the reason for the exemption.")]}, Code.REASON_REQUIRED)
    roles = roles_on(actor, venue)

    def write():
        row = Venue.objects.select_for_update().get(pk=venue.pk)
        _stale(row, version)
        if ZoneCase.objects.filter(venue=row, status__in=OPEN_CASE).exists():
            raise refuse(
                _("This venue has open cases: record its closure or relocation on them."),
                Code.INVALID_TRANSITION,
            )
        move = VENUES.check(row, action, roles)
        row.status_reason = reason.strip()[:200]
        row.updated_at = now
        VENUES.commit(
            row,
            move,
            now=now,
            event=_venue_event(
                row, action, actor, VENUES.acting_role(roles, move), now, note=reason
            ),
        )
        if action == VenueAction.REOPEN:
            detection.check_venues([row], now=now)
        return row

    return in_write_transaction(write)


# --- school geometry ----------------------------------------------------------------------------


def _geometry_school(actor, school_id: int) -> School:
    school = get_for(actor, School, school_id)
    if not access.can_edit_geometry(scope_for(actor), school):
        raise PermissionDenied(_("You may not change this school's zone geometry."))
    return school


def _zone_event(school, kind, action, actor, now, data, object_id=None):
    roles = access.geometry_roles(scope_for(actor), school) if actor else frozenset()
    return ZoneEvent.objects.create(
        bureau_id=school.bureau_id,
        school=school,
        kind=kind,
        object_id=object_id,
        action=action,
        actor=actor,
        actor_role=VENUES.acting_role(roles) if roles else "",
        at=now,
        data=data,
    )


def boundary_problems(school: School, vertices: list, system: str) -> list[str]:
    """Every reason the ring cannot be this school's boundary (its gates must stand near it)."""
    problems = ring_problems(vertices, system)
    if problems:
        return problems
    wgs = to_wgs(vertices, system)
    gates = [
        (g.name or _("gate"), *geo.to_wgs84(g.longitude, g.latitude, g.coord_system))
        for g in school.gates.all()
        if g.coord_system in geo.SYSTEMS
    ]
    return gate_problems(wgs, gates)


def save_boundary(
    *, actor, school_id: int, vertices: list, system: str, source: str, version=None, now=None
) -> SchoolBoundary:
    """Record a school's campus boundary (replacing the old one, which stays in the events)
    and measure the venues around the school again."""
    now = _now(now)
    school = _geometry_school(actor, school_id)
    problems = boundary_problems(school, vertices, system)
    if problems:
        raise refuse({"boundary": problems}, Code.BOUNDARY_INVALID)
    clean = [[float(geo.number(v[0])), float(geo.number(v[1]))] for v in vertices]
    wgs = to_wgs(clean, system)

    def write():
        row = SchoolBoundary.objects.select_for_update().filter(school=school).first()
        before = None
        if row is not None:
            _stale(row, version)
            before = {"coord_system": row.coord_system, "vertices": row.vertices}
        else:
            row = SchoolBoundary(school=school, bureau_id=school.bureau_id)
        row.coord_system, row.vertices, row.wgs, row.source = system, clean, wgs, source
        row.area_m2 = round(Shape(wgs).area_m2(), 1)
        row.updated_by, row.updated_at = actor, now
        row.version += 1
        row.save()
        _zone_event(
            school,
            ZoneEventKind.BOUNDARY,
            "save",
            actor,
            now,
            {
                "before": before,
                "after": {"coord_system": system, "vertices": clean},
                "source": source,
            },
        )
        detection.check_school(school.pk, now=now)
        return row

    return in_write_transaction(write)


def clear_boundary(*, actor, school_id: int, version=None, now=None) -> None:
    now = _now(now)
    school = _geometry_school(actor, school_id)

    def write():
        row = SchoolBoundary.objects.select_for_update().filter(school=school).first()
        if row is None:
            return
        _stale(row, version)
        _zone_event(
            school,
            ZoneEventKind.BOUNDARY,
            "clear",
            actor,
            now,
            {"before": {"coord_system": row.coord_system, "vertices": row.vertices}, "after": None},
        )
        row.delete()
        detection.check_school(school.pk, now=now)

    in_write_transaction(write)


def add_waiting_area(
    *, actor, school_id: int, name: str, lon, lat, system, now=None
) -> WaitingArea:
    now = _now(now)
    school = _geometry_school(actor, school_id)
    if not (name or "").strip():
        raise refuse({"name": [_("Name the waiting area (for example “南门家长等候区”).")]})
    dlon, dlat, wlon, wlat = point(lon, lat, system)

    def write():
        site = detection.sites_of([school.pk]).get(school.pk) or detection.refresh_sites(
            [school.pk]
        ).get(school.pk)
        gate_id, distance = detection.nearest_gate(site.gates if site else [], wlon, wlat)
        area = WaitingArea.objects.create(
            school=school,
            bureau_id=school.bureau_id,
            name=name.strip()[:64],
            longitude=dlon,
            latitude=dlat,
            coord_system=system,
            wgs_lon=wlon,
            wgs_lat=wlat,
            nearest_gate_id=gate_id,
            gate_distance_m=round(distance, 2) if distance is not None else None,
            created_by=actor,
            created_at=now,
        )
        _zone_event(
            school,
            ZoneEventKind.WAITING_AREA,
            "add",
            actor,
            now,
            {"name": area.name, "coordinates": [str(dlon), str(dlat), system]},
            object_id=area.pk,
        )
        return area

    return in_write_transaction(write)


def remove_waiting_area(*, actor, area_id: int, now=None) -> None:
    now = _now(now)
    area = get_for(actor, WaitingArea, area_id, "edit")
    school = area.school

    def write():
        _zone_event(
            school,
            ZoneEventKind.WAITING_AREA,
            "remove",
            actor,
            now,
            {
                "name": area.name,
                "coordinates": [str(area.longitude), str(area.latitude), area.coord_system],
            },
            object_id=area.pk,
        )
        WaitingArea.objects.filter(pk=area.pk).delete()

    in_write_transaction(write)


def waiting_limit(school: School) -> int | None:
    """The strictest waiting-area distance the school's rules set, or ``None``."""
    rules = detection.rules_by_bureau([school.bureau_id]).get(school.bureau_id, [])
    limits = [
        r.distance_m
        for r in rules
        if r.kind == RuleKind.WAITING_AREA and r.applies_to_stage(school.stage)
    ]
    return min(limits) if limits else None


# --- cases --------------------------------------------------------------------------------------

#: what each action needs from the person taking it
NEEDS_NOTE = {
    CaseAction.INSPECT,
    CaseAction.RECORD_CLOSURE,
    CaseAction.RECORD_RELOCATION,
    CaseAction.EXEMPT,
    CaseAction.REJECT,
    CaseAction.EXTEND,
    CaseAction.COMMENT,
}
#: the venue's move that follows a case's
VENUE_FOLLOWS = {
    CaseAction.ASSIGN: "case_rectify",
    CaseAction.RECORD_CLOSURE: "case_close",
    CaseAction.RECORD_RELOCATION: "case_relocate",
    CaseAction.EXEMPT: "case_exempt",
    CaseAction.REJECT: "case_reopen",
}
_VENUE_EVENT_ACTION = {
    "case_rectify": VenueAction.RECTIFY,
    "case_close": VenueAction.CLOSE,
    "case_relocate": VenueAction.RELOCATE,
    "case_exempt": VenueAction.EXEMPT,
    "case_reopen": VenueAction.REOPEN,
}


def case_problems(case: ZoneCase, action: str, data: dict, files: list, today) -> dict:
    errors: dict[str, list[str]] = {}
    note = (data.get("note") or "").strip()
    if action in NEEDS_NOTE and not note:
        errors["note"] = [_("Say what was done or why.")]
    if len(note) > 1000:
        errors["note"] = [_("At most %(n)d characters.") % {"n": 1000}]
    if action in (CaseAction.ASSIGN, CaseAction.EXTEND):
        deadline = data.get("deadline")
        if isinstance(deadline, str):
            try:
                deadline = datetime.date.fromisoformat(deadline)
            except ValueError:
                deadline = None
        if not isinstance(deadline, datetime.date):
            errors["deadline"] = [_("Give the deadline as a date.")]
        elif deadline < today:
            errors["deadline"] = [_("The deadline cannot be in the past.")]
        elif deadline > today + datetime.timedelta(days=3 * 366):
            errors["deadline"] = [_("The deadline is more than three years away.")]
        else:
            data["deadline"] = deadline
    if action == CaseAction.ADD_EVIDENCE and not files:
        errors["files"] = [_("Attach at least one photo or document.")]
    if action == CaseAction.RECORD_RELOCATION and any(
        data.get(k) not in (None, "") for k in ("longitude", "latitude", "coord_system")
    ):
        why = geo.point_problem(
            data.get("longitude"), data.get("latitude"), data.get("coord_system")
        )
        if why:
            errors["coordinates"] = [why]
    return errors


def act_on_case(
    *,
    actor,
    case_id: int,
    action: str,
    data: dict | None = None,
    files: Iterable = (),
    version=None,
    now=None,
) -> ZoneCase:
    """Take ``action`` on a case: one path for every button and endpoint.

    ``data``: ``note``; ``deadline`` (assign, extend); ``partners`` (assign: partner unit ids);
    ``address``, ``longitude``, ``latitude``, ``coord_system`` (a relocation's new place, which
    is registered as a venue of its own and checked)."""
    now = _now(now)
    data = dict(data or {})
    files = list(files or [])
    case = get_for(actor, ZoneCase, case_id)
    if action not in CaseAction.values:
        raise refuse(_("Unknown action."), Code.INVALID_TRANSITION)
    roles = roles_on(actor, case)
    move = CASES.check(case, action, roles)
    if move.internal:
        raise refuse(_("This is done by the check, not by hand."), Code.NOT_ALLOWED)
    today = timezone.localtime(now).date()
    errors = case_problems(case, action, data, files, today)
    if errors:
        raise refuse(errors, Code.COMMENT_REQUIRED if set(errors) == {"note"} else Code.INVALID)
    partners = (
        _bureau_partners(case.bureau_id, data.get("partners") or [])
        if action == CaseAction.ASSIGN and data.get("partners") is not None
        else None
    )
    relocation = None
    if action == CaseAction.RECORD_RELOCATION and data.get("coord_system"):
        relocation = point(data.get("longitude"), data.get("latitude"), data.get("coord_system"))
    files = prepare_uploads(files) if files else []
    role = CASES.acting_role(roles, move)

    def write():
        # the venue first, then the case: the order the check takes them in
        venue = Venue.objects.select_for_update().get(pk=case.venue_id)
        row = ZoneCase.objects.select_for_update().get(pk=case.pk)
        _stale(row, version)
        move_now = CASES.check(row, action, roles)
        event_data: dict = {}
        if action in (CaseAction.ASSIGN, CaseAction.EXTEND):
            event_data["deadline"] = [
                row.deadline.isoformat() if row.deadline else None,
                data["deadline"].isoformat(),
            ]
            row.deadline = data["deadline"]
        if partners is not None:
            old = sorted(row.partners.values_list("pk", flat=True))
            row.partners.set(partners)
            event_data["partners"] = [old, sorted(p.pk for p in partners)]
        new_venue = None
        if action == CaseAction.RECORD_RELOCATION:
            # the new place is entered in the register when the relocation is verified
            event_data["address"] = (data.get("address") or "").strip()[:200]
            if relocation is not None:
                event_data["to"] = [
                    str(relocation[0]),
                    str(relocation[1]),
                    data["coord_system"],
                ]
        if action == CaseAction.VERIFY and venue.relocated_to_id is None:
            new_venue = _verified_relocation(venue, actor, now)
            if new_venue is not None:
                event_data["new_venue"] = new_venue.pk
        event = CASES.commit(
            row,
            move_now,
            now=now,
            update_fields=["deadline"],
            event=lambda f, t: ZoneCaseEvent.objects.create(
                case=row,
                action=action,
                from_status=f,
                to_status=t,
                actor=actor,
                actor_role=role,
                at=now,
                note=(data.get("note") or "").strip(),
                data=event_data,
            ),
        )
        for upload in files:
            store_upload(ZoneCaseEvidence(case=row, event=event), upload, actor=actor)
        follow = VENUE_FOLLOWS.get(action)
        if follow:
            _venue_follows(venue, follow, row, actor, roles, now, data, new_venue)
            if action in (
                CaseAction.RECORD_CLOSURE,
                CaseAction.RECORD_RELOCATION,
                CaseAction.EXEMPT,
            ):
                _others_follow(row, venue, now)
            if action == CaseAction.REJECT:
                _others_back(row, venue, now)
        if new_venue is not None:
            detection.check_venues([new_venue], now=now)
        return row

    return in_write_transaction(write)


def _verified_relocation(venue: Venue, actor, now) -> Venue | None:
    """A relocated venue's new place, from the latest recorded relocation with coordinates,
    entered in the register once the relocation is verified (and then measured)."""
    if venue.status != VenueStatus.RELOCATED:
        return None
    recorded = (
        ZoneCaseEvent.objects.filter(
            case__venue=venue, action=CaseAction.RECORD_RELOCATION, data__has_key="to"
        )
        .order_by("-at", "-pk")
        .first()
    )
    if recorded is None:
        return None
    lon, lat, system = recorded.data["to"]
    dlon, dlat, wlon, wlat = point(lon, lat, system)
    return _relocated(
        venue,
        (dlon, dlat, wlon, wlat),
        {"address": recorded.data.get("address", ""), "coord_system": system},
        actor,
        now,
    )


def _relocated(venue: Venue, relocation, data, actor, now) -> Venue:
    dlon, dlat, wlon, wlat = relocation
    new = Venue.objects.create(
        bureau_id=venue.bureau_id,
        kind=venue.kind,
        name=venue.name,
        licence=venue.licence,
        address=(data.get("address") or "").strip()[:200],
        longitude=dlon,
        latitude=dlat,
        coord_system=data["coord_system"],
        wgs_lon=wlon,
        wgs_lat=wlat,
        cell=geo.cell_of(wlon, wlat),
        source=VenueSource.RELOCATION,
        created_by=actor,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    new.partners.set(venue.partners.all())
    VenueEvent.objects.create(
        venue=new,
        action=VenueAction.REGISTER,
        from_status="",
        to_status=new.status,
        actor=actor,
        actor_role="",
        at=now,
        data={"relocated_from": venue.pk},
    )
    venue.relocated_to = new
    venue.save(update_fields=["relocated_to"])
    return new


def _venue_follows(venue, follow, case, actor, roles, now, data, new_venue) -> None:
    move = VENUES.find(follow, venue.status)
    if move is None:  # the venue is already there (closed by another school's case)
        return
    if not frozenset(roles) & move.roles:
        return
    if follow == "case_exempt":
        venue.status_reason = (data.get("note") or "").strip()[:200]
    venue.updated_at = now
    VENUES.commit(
        venue,
        move,
        now=now,
        event=_venue_event(
            venue,
            _VENUE_EVENT_ACTION[follow],
            actor,
            VENUES.acting_role(roles, move),
            now,
            note=data.get("note") or "",
            data={"case": case.pk} | ({"relocated_to": new_venue.pk} if new_venue else {}),
        ),
    )


def _follow(other: ZoneCase, action: str, case: ZoneCase, venue: Venue, now) -> None:
    """The check's move of ``other`` after what was recorded on ``case`` about its venue."""
    move = CASES.check(other, action, {"engine"})
    CASES.commit(
        other,
        move,
        now=now,
        event=lambda f, t: ZoneCaseEvent.objects.create(
            case=other,
            action=action,
            from_status=f,
            to_status=t,
            actor=None,
            actor_role="engine",
            at=now,
            data={"case": case.pk, "venue_status": venue.status},
        ),
    )


def _others_follow(case: ZoneCase, venue: Venue, now) -> None:
    """The venue is gone: its running cases at other schools await their verification too."""
    for other in (
        ZoneCase.objects.select_for_update()
        .filter(venue=venue, status__in=[CaseStatus.OPEN, CaseStatus.RECTIFYING])
        .exclude(pk=case.pk)
    ):
        _follow(other, CaseAction.VENUE_GONE, case, venue, now)


def _others_back(case: ZoneCase, venue: Venue, now) -> None:
    """The recorded closure or relocation was rejected: the venue still operates, so its cases
    at other schools that awaited verification because of it are being rectified again."""
    moved = ZoneCaseEvent.objects.filter(case=OuterRef("pk"), action=CaseAction.VENUE_GONE)
    for other in (
        ZoneCase.objects.select_for_update()
        .filter(Exists(moved), venue=venue, status=CaseStatus.SUBMITTED)
        .exclude(pk=case.pk)
    ):
        _follow(other, CaseAction.VENUE_BACK, case, venue, now)


# --- rules and settings -------------------------------------------------------------------------

RULE_FIELDS = (
    "code",
    "name",
    "kind",
    "venue_types",
    "stages",
    "distance_m",
    "measure_from",
    "clause",
    "days",
)


def rule_problems(data: dict) -> dict:
    from safecampus.orgs.choices import SchoolStage

    errors: dict[str, list[str]] = {}
    code = (data.get("code") or "").strip()
    if not code or len(code) > 32:
        errors["code"] = [_("Give a short code (at most 32 characters).")]
    if not (data.get("name") or "").strip():
        errors["name"] = [_("Give the rule's name.")]
    if data.get("kind") not in RuleKind.values:
        errors["kind"] = [_("Choose the kind of rule.")]
    types = data.get("venue_types") or []
    if data.get("kind") == RuleKind.EXCLUSION and not types:
        errors["venue_types"] = [_("Choose the venue types the rule keeps out.")]
    if any(t not in VenueType.values for t in types):
        errors["venue_types"] = [_("Unknown venue type.")]
    if any(s not in SchoolStage.values for s in data.get("stages") or []):
        errors["stages"] = [_("Unknown school stage.")]
    try:
        distance = int(data.get("distance_m"))
    except (TypeError, ValueError):
        distance = 0
    if not 1 <= distance <= 2000:
        errors["distance_m"] = [_("The distance is between 1 and 2,000 metres.")]
    if data.get("measure_from") not in MeasureFrom.values:
        errors["measure_from"] = [
            _("Say whether the distance runs from the gates or the boundary.")
        ]
    if data.get("kind") == RuleKind.WAITING_AREA and data.get("measure_from") != MeasureFrom.GATE:
        errors["measure_from"] = [_("A waiting area is measured from the gates.")]
    if not (data.get("clause") or "").strip():
        errors["clause"] = [_("Cite the rule's source (document and article).")]
    try:
        days = int(data.get("days") or 30)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 365:
        errors["days"] = [_("Between 1 and 365 days.")]
    return errors


def _rule_state(rule: ZoneRule) -> dict:
    return {k: getattr(rule, k) for k in RULE_FIELDS} | {"is_active": rule.is_active}


def save_rule(
    *, actor, bureau_id: int, data: dict, rule_id: int | None = None, version=None, now=None
):
    """Create or change a bureau's own zone rule, then check the bureau's venues again (a job
    the page follows)."""
    now = _now(now)
    require(actor, ZONE_MANAGE)
    if bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise PermissionDenied(_("You may not keep this bureau's zone rules."))
    data = dict(data)
    errors = rule_problems(data)
    if errors:
        raise refuse(errors)
    clean = {
        "code": data["code"].strip(),
        "name": data["name"].strip()[:100],
        "kind": data["kind"],
        "venue_types": sorted(set(data.get("venue_types") or []))
        if data["kind"] == RuleKind.EXCLUSION
        else [],
        "stages": sorted(set(data.get("stages") or [])),
        "distance_m": int(data["distance_m"]),
        "measure_from": data["measure_from"],
        "clause": data["clause"].strip()[:200],
        "days": int(data.get("days") or 30),
    }

    def write():
        if rule_id is None:
            if ZoneRule.objects.filter(bureau_id=bureau_id, code=clean["code"]).exists():
                raise refuse(
                    {"code": [_("This bureau already has a rule with this code.")]}, Code.DUPLICATE
                )
            rule = ZoneRule.objects.create(
                bureau_id=bureau_id, created_at=now, updated_at=now, **clean
            )
            before = None
        else:
            rule = get_for(actor, ZoneRule.objects.select_for_update(), rule_id, "edit")
            if rule.bureau_id != bureau_id:
                raise PermissionDenied(_("This rule belongs to another bureau."))
            _stale(rule, version)
            before = _rule_state(rule)
            for k, v in clean.items():
                setattr(rule, k, v)
            if "is_active" in data:
                rule.is_active = bool(data["is_active"])
            rule.updated_at = now
            rule.version += 1
            rule.save()
        ZoneEvent.objects.create(
            bureau_id=bureau_id,
            kind=ZoneEventKind.RULE,
            object_id=rule.pk,
            action="create" if before is None else "update",
            actor=actor,
            actor_role="safety_centre",
            at=now,
            data={"before": before, "after": _rule_state(rule)},
        )
        return rule

    return in_write_transaction(write)


def set_department(*, actor, bureau_id: int, department_id: int | None, now=None) -> ZoneSettings:
    now = _now(now)
    require(actor, ZONE_MANAGE)
    if bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise PermissionDenied(_("You may not change this bureau's zone settings."))
    if (
        department_id is not None
        and not Department.objects.filter(pk=department_id, bureau_id=bureau_id).exists()
    ):
        raise refuse({"department": [_("Choose a department of this bureau.")]})

    def write():
        row, _created = ZoneSettings.objects.select_for_update().get_or_create(bureau_id=bureau_id)
        before = row.department_id
        row.department_id, row.updated_at = department_id, now
        row.save()
        ZoneEvent.objects.create(
            bureau_id=bureau_id,
            kind=ZoneEventKind.SETTINGS,
            action="department",
            actor=actor,
            actor_role="safety_centre",
            at=now,
            data={"department": [before, department_id]},
        )
        return row

    return in_write_transaction(write)


def recheck(*, actor, bureau_id: int, now=None, progress=None) -> Counter:
    """Check every venue of a bureau against every school again (the job ``zones.recheck``)."""
    now = _now(now)
    if bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise PermissionDenied(_("You may not check this bureau's venues again."))
    counts = detection.recheck_bureau(bureau_id, now=now, progress=progress)
    ZoneEvent.objects.create(
        bureau_id=bureau_id,
        kind=ZoneEventKind.RECHECK,
        action="recheck",
        actor=actor,
        actor_role="safety_centre",
        at=now,
        data=dict(counts),
    )
    return counts


def site_ready(school: School) -> bool:
    return ZoneSite.objects.filter(school=school).exists()


__all__ = [
    "ACTIVE_VENUE",
    "Bureau",
    "VenueStatus",
    "act_on_case",
    "add_waiting_area",
    "clear_boundary",
    "recheck",
    "register_venue",
    "remove_waiting_area",
    "save_boundary",
    "save_rule",
    "set_department",
    "update_venue",
    "venue_status",
]
