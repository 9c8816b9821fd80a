"""Pages of the student safety zone: the overview (the zone's figures, each a link to its list)
and the map of schools with their zones and the venues coloured by status.

The map draws from local assets only: without ``SAFECAMPUS_MAP_TILES`` it has no background at
all (no outside request); with it, a tile layer, and the coordinates come in the tiles' system
(``SAFECAMPUS_MAP_TILES_SYSTEM``: wgs84, gcj02 or bd09). Its rows are loaded separately
(``map_data``, compact and gzipped like the dashboard's map)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import pgettext
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from safecampus.core import geo
from safecampus.core.access import can, require, scope_for
from safecampus.core.capabilities import ZONE_MANAGE, ZONE_REGISTER_MENU, ZONE_RULES_READ
from safecampus.orgs.models import Bureau, School

from .. import access, selectors
from ..choices import VenueStatus, VenueType

#: the colour of a venue by its status (the legend shows the same)
STATUS_COLOURS = {
    VenueStatus.OPERATING: "#dc3545",
    VenueStatus.RECTIFYING: "#fd7e14",
    VenueStatus.CLOSED: "#6c757d",
    VenueStatus.RELOCATED: "#6f42c1",
    VenueStatus.EXEMPT: "#198754",
}


def zone_url(part: str = "", **params) -> str:
    """A page of the zone (``part`` under /zones/) with its filters."""
    query = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return reverse("zones:overview") + part + ("?" + urlencode(query) if query else "")


def tiles_system() -> str:
    system = getattr(settings, "SAFECAMPUS_MAP_TILES_SYSTEM", geo.WGS84) or geo.WGS84
    return system if system in geo.SYSTEMS else geo.WGS84


def map_bureaus(user) -> list[Bureau]:
    """The bureaus whose map ``user`` may narrow to (a city user's districts)."""
    scope = scope_for(user)
    ids = set(access.register_bureaus(scope))
    if not ids:
        q = access.school_geometry_q(scope)
        if q is not None:
            ids = set(School.objects.filter(q).values_list("bureau_id", flat=True))
    return list(Bureau.objects.filter(pk__in=ids).order_by("path"))


def _bureau_param(request, bureaus: list[Bureau]) -> int | None:
    raw = request.GET.get("bureau") or ""
    if not raw:
        return None
    try:
        bureau_id = int(raw)
    except ValueError:
        raise Http404 from None
    if bureau_id not in {b.pk for b in bureaus}:
        raise Http404
    return bureau_id


def links(user) -> list[dict]:
    """The zone's pages the user may open, for the overview."""
    out = [
        {
            "label": pgettext("safety zone", "Map"),
            "url": reverse("zones:map"),
            "icon": "map",
            "key": "map",
        },
        {
            "label": pgettext("safety zone", "Nearby venues"),
            "url": zone_url("venues/"),
            "icon": "shop",
            "key": "venues",
        },
        {
            "label": pgettext("safety zone", "Zone cases"),
            "url": zone_url("cases/"),
            "icon": "clipboard-check",
            "key": "cases",
        },
    ]
    if can(user, ZONE_RULES_READ):
        out.append(
            {
                "label": pgettext("safety zone", "School boundaries"),
                "url": zone_url("schools/"),
                "icon": "bounding-box",
                "key": "schools",
            }
        )
    if can(user, ZONE_RULES_READ):
        out.append(
            {
                "label": pgettext("safety zone", "Zone rules"),
                "url": reverse("zones:rules"),
                "icon": "journal-check",
                "key": "rules",
            }
        )
    return out


@login_required
@require_GET
def overview(request):
    require(request.user, ZONE_REGISTER_MENU)
    f = selectors.figures(request.user)
    figures = [
        {
            "key": "open",
            "n": f["open"],
            "url": zone_url("cases/", status="open"),
            "danger": False,
        },
        {"key": "overdue", "n": f["overdue"], "url": zone_url("cases/", overdue=1), "danger": True},
        {
            "key": "submitted",
            "n": f["submitted"],
            "url": zone_url("cases/", status="submitted"),
            "danger": False,
        },
        {
            "key": "closed",
            "n": f["closed"],
            "url": zone_url("cases/", status="closed"),
            "danger": False,
        },
    ]
    by_kind = [
        {**row, "url": zone_url("cases/", status="open", kind=row["kind"])} for row in f["by_kind"]
    ]
    no_boundary = None
    if "no_boundary" in f:
        no_boundary = {"n": f["no_boundary"], "url": zone_url("schools/", boundary=0)}
    return render(
        request,
        "zones/overview.html",
        {
            "figures": figures,
            "by_kind": by_kind,
            "no_boundary": no_boundary,
            "links": links(request.user),
            "today": f["today"],
        },
    )


@login_required
@require_GET
def zone_map(request):
    require(request.user, ZONE_REGISTER_MENU)
    bureaus = map_bureaus(request.user)
    bureau_id = _bureau_param(request, bureaus)
    data_url = reverse("zones:map_data")
    if bureau_id:
        data_url += "?" + urlencode({"bureau": bureau_id})
    config = {
        "data": data_url,
        "tiles": getattr(settings, "SAFECAMPUS_MAP_TILES", "") or "",
        "system": tiles_system(),
        "venue_url": zone_url("venues/0/"),
        "cases_url": zone_url("cases/"),
        "colours": {str(k): v for k, v in STATUS_COLOURS.items()},
        "statuses": {str(k): str(v) for k, v in VenueStatus.choices},
        "types": {str(k): str(v) for k, v in VenueType.choices},
        "text": {
            "details": pgettext("safety zone", "Venue details"),
            "cases": pgettext("safety zone", "Its cases"),
            "open": pgettext("safety zone", "Open cases"),
            "zone": pgettext("safety zone", "Zone"),
            "shown": pgettext("safety zone", "%(schools)s schools, %(venues)s venues."),
            "failed": pgettext("safety zone", "The map data could not be loaded."),
        },
    }
    return render(
        request,
        "zones/map.html",
        {
            "config": config,
            "bureaus": bureaus if len(bureaus) > 1 else [],
            "bureau_id": bureau_id,
            "legend": [(str(label), STATUS_COLOURS[value]) for value, label in VenueStatus.choices],
            "system_label": geo.system_label(tiles_system()),
            # the setting's name only for those who keep the zone
            "tiles_hint": can(request.user, ZONE_MANAGE),
        },
    )


@gzip_page
@login_required
@require_GET
def map_data(request):
    """/zones/map.json: the map's rows (``selectors.map_rows``), loaded after the page is drawn."""
    require(request.user, ZONE_REGISTER_MENU)
    bureau_id = None
    if request.GET.get("bureau"):
        bureau_id = _bureau_param(request, map_bureaus(request.user))
    rows = selectors.map_rows(request.user, bureau_id=bureau_id, tiles_system=tiles_system())
    return JsonResponse(rows, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


urlpatterns = [
    path("", overview, name="overview"),
    path("map/", zone_map, name="map"),
    path("map.json", map_data, name="map_data"),
]
