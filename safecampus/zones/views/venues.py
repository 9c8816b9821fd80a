"""Pages of the student safety zone: the venue register.

The list and the detail read through ``selectors`` (a school sees the venues in its own zone, a
partner unit those of the cases that concern it); every write goes through ``services`` after
``core.access.get_for`` (another scope 404, a role that may only read 403). The Excel import is
a background job (``imports.venue_import_job``) followed on the jobs' progress page.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core import geo
from safecampus.core.access import VIEW, get_for, require, roles_on, scope_for
from safecampus.core.capabilities import ZONE_VENUE_EDIT, ZONE_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.jobs import job_start
from safecampus.core.refusals import errors_of
from safecampus.orgs.models import Bureau, School

from .. import access, imports, selectors, services
from ..choices import OPEN_CASE, VenueAction, VenueStatus
from ..forms import STATUS_ACTIONS, VenueFilterForm, VenueForm, VenueImportForm, VenueStatusForm
from ..lifecycle import VENUES
from ..models import Venue, VenueEvent, ZoneCase, ZoneHit

PAGE_SIZE = 50


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def annotate_rows(user, venues: list[Venue]) -> None:
    """Give each venue of a page ``zone_schools`` ([(school name, nearest metres)], nearest
    first, the schools ``user`` sees) and ``open_cases`` (those ``user`` sees): two reads."""
    ids = [v.pk for v in venues]
    nearest: dict[int, dict[int, tuple[str, float]]] = defaultdict(dict)
    if ids:
        for venue_id, school_id, name, distance in (
            ZoneHit.objects.filter(
                venue_id__in=ids, school_id__in=School.objects.visible_to(user).values("pk")
            )
            .order_by("distance_m", "pk")
            .values_list("venue_id", "school_id", "school__name", "distance_m")
        ):
            nearest[venue_id].setdefault(school_id, (name, distance))
        counts = dict(
            ZoneCase.objects.visible_to(user)
            .filter(venue_id__in=ids, status__in=OPEN_CASE)
            .values("venue_id")
            .annotate(n=Count("pk"))
            .values_list("venue_id", "n")
        )
    else:
        counts = {}
    for v in venues:
        v.zone_schools = list(nearest.get(v.pk, {}).values())
        v.open_cases = counts.get(v.pk, 0)


@login_required
def venue_list(request):
    """The register: filters (type, status, in a zone, search), 50 a page."""
    require(request.user, ZONE_VIEW)
    form = VenueFilterForm(request.GET or None)
    filters = selectors.VenueFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = selectors.VenueFilters(
            kind=d.get("kind") or "",
            status=d.get("status") or "",
            in_zone=form.in_zone_value(),
            q=(d.get("q") or "").strip(),
        )
    qs = selectors.venues(request.user, filters).only(
        "pk", "name", "kind", "address", "status", "coord_system", "created_at"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    annotate_rows(request.user, rows)
    scope = scope_for(request.user)
    return render(
        request,
        "zones/venue_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": _query_without_page(request),
            "may_create": bool(access.venue_edit_bureaus(scope)),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _may_edit(user, venue) -> bool:
    return Venue.objects.restrict(user, access.EDIT).filter(pk=venue.pk).exists()


def status_buttons(user, venue) -> list[dict]:
    """The register's buttons offered on ``venue``: only those the table allows the user's
    roles now, and none while the venue has an open case (it moves with its cases)."""
    if not _may_edit(user, venue):
        return []
    if ZoneCase.objects.filter(venue=venue, status__in=OPEN_CASE).exists():
        return []
    allowed = VENUES.allowed(venue, roles_on(user, venue))
    return [
        {"action": a.value, "label": a.label, "needs_reason": a == VenueAction.EXEMPT}
        for a in STATUS_ACTIONS
        if a.value in allowed
    ]


def _schools_with_pages(user, school_ids: set[int]) -> set[int]:
    """Those of ``school_ids`` whose zone page ``user`` may open (a partner unit may not)."""
    scope = scope_for(user)
    q = None if scope.is_empty or not school_ids else access.school_geometry_q(scope, VIEW)
    if q is None:
        return set()
    return set(School.objects.filter(q, pk__in=school_ids).values_list("pk", flat=True))


@login_required
def venue_detail(request, pk: int):
    user = request.user
    require(user, ZONE_VIEW)
    venue = get_for(user, Venue.objects.select_related("bureau", "created_by", "relocated_to"), pk)
    hits = selectors.hits_of_venue(user, venue)
    linked = _schools_with_pages(user, {h.school_id for h in hits})
    for h in hits:
        h.school_linked = h.school_id in linked
    cases = list(
        ZoneCase.objects.visible_to(user)
        .filter(venue=venue)
        .select_related("school", "department")
        .order_by("-opened_at", "-pk")
    )
    # the whole history only for those who read the whole register: a school or a partner
    # unit sees the status changes and their dates, not the notes, actors and cases of
    # other schools' cases
    full_history = venue.bureau_id in access.register_bureaus(scope_for(user))
    events = list(VenueEvent.objects.filter(venue=venue).select_related("actor"))
    labels = dict(VenueStatus.choices)
    visible_cases = {c.pk for c in cases}
    for e in events:
        e.from_label = labels.get(e.from_status, e.from_status)
        e.to_label = labels.get(e.to_status, e.to_status)
        case_id = (e.data or {}).get("case") if full_history else None
        e.case_id = case_id if case_id in visible_cases else None
        e.shown_note = e.note if full_history else ""
    relocated_to = (
        venue.relocated_to
        if venue.relocated_to_id
        and Venue.objects.visible_to(user).filter(pk=venue.relocated_to_id).exists()
        else None
    )
    may_edit = _may_edit(user, venue)
    return render(
        request,
        "zones/venue_detail.html",
        {
            "venue": venue,
            "system_label": geo.system_label(venue.coord_system),
            "wgs_label": geo.system_label(geo.WGS84),
            "hits": hits,
            "cases": cases,
            "events": events,
            "partners": list(venue.partners.order_by("kind", "name")),
            "relocated_to": relocated_to,
            "may_edit": may_edit,
            "buttons": status_buttons(user, venue) if may_edit else [],
            "full_history": full_history,
            # over the cases the user sees only
            "has_open_case": any(c.status in OPEN_CASE for c in cases),
        },
    )


def _show_refusal(form, exc: ValidationError) -> None:
    """A service's refusal on the form, field by field ("coordinates" under the longitude)."""
    for field, msgs in errors_of(exc).items():
        if field == "coordinates":
            field = "longitude"
        form.add_error(field if field in form.fields else None, msgs)


@login_required
@require_http_methods(["GET", "POST"])
def venue_create(request):
    user = request.user
    require(user, ZONE_VENUE_EDIT)
    bureau_ids = access.venue_edit_bureaus(scope_for(user))
    if not bureau_ids:
        raise PermissionDenied(_("You may not enter venues in any bureau's register."))
    bureaus = list(Bureau.objects.filter(pk__in=bureau_ids).order_by("path", "pk"))
    form = VenueForm(request.POST or None, bureaus=bureaus)
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.register_venue(
                actor=user,
                bureau_id=form.cleaned_data["bureau"],
                data=form.service_data(),
                partners=[p.pk for p in form.cleaned_data["partners"]],
                source=form.cleaned_data["source"],
            )
        except ValidationError as exc:
            _show_refusal(form, exc)
        else:
            n = ZoneCase.objects.filter(venue=venue, status__in=OPEN_CASE).count()
            messages.success(
                request,
                _("Venue %(name)s registered.") % {"name": venue.name}
                + (
                    " " + _("It lies in a school's zone: %(n)d case(s) opened.") % {"n": n}
                    if n
                    else ""
                ),
            )
            return redirect("zones:venue_detail", pk=venue.pk)
    return render(
        request,
        "zones/venue_form.html",
        {"form": form, "venue": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_edit(request, pk: int):
    user = request.user
    require(user, ZONE_VIEW)
    venue = get_for(user, Venue, pk, access.EDIT)
    initial = {
        "kind": venue.kind,
        "name": venue.name,
        "licence": venue.licence,
        "address": venue.address,
        "longitude": f"{venue.longitude}",
        "latitude": f"{venue.latitude}",
        "coord_system": venue.coord_system,
        "partners": list(venue.partners.values_list("pk", flat=True)),
        "note": venue.note,
        "version": venue.version,
    }
    form = VenueForm(request.POST or None, initial=initial, venue=venue)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_venue(
                actor=user,
                venue_id=venue.pk,
                data=form.service_data(),
                partners=[p.pk for p in form.cleaned_data["partners"]],
                version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            _show_refusal(form, exc)
        else:
            messages.success(request, _("Venue %(name)s saved.") % {"name": venue.name})
            return redirect("zones:venue_detail", pk=venue.pk)
    return render(
        request,
        "zones/venue_form.html",
        {"form": form, "venue": venue},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def venue_status(request, pk: int):
    """A register button: rectify, close, relocate, exempt (with a reason), reopen."""
    user = request.user
    require(user, ZONE_VIEW)
    venue = get_for(user, Venue, pk, access.EDIT)
    form = VenueStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown action."))
        return redirect("zones:venue_detail", pk=venue.pk)
    action = form.cleaned_data["action"]
    try:
        services.venue_status(
            actor=user,
            venue_id=venue.pk,
            action=action,
            reason=form.cleaned_data.get("reason") or "",
            version=form.cleaned_data.get("version"),
        )
    except ValidationError as exc:
        for msgs in errors_of(exc).values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, _("%(action)s: done.") % {"action": VenueAction(action).label})
    return redirect("zones:venue_detail", pk=venue.pk)


# --- the Excel import ------------------------------------------------------------------------


@login_required
def venue_template(request):
    """The workbook to fill in: title and header block, an example row, the allowed values."""
    require(request.user, ZONE_VENUE_EDIT)
    return FileResponse(
        imports.template_bytes(request.user),
        as_attachment=True,
        filename=imports.template_name(),
        content_type=XLSX_CONTENT_TYPE,
    )


@login_required
@require_http_methods(["GET", "POST"])
def venue_import(request):
    """Venues from a workbook, all or nothing, in a background job."""
    require(request.user, ZONE_VENUE_EDIT)
    bureau_ids = access.venue_edit_bureaus(scope_for(request.user))
    if not bureau_ids:
        raise PermissionDenied(_("You may not enter venues in any bureau's register."))
    bureaus = Bureau.objects.filter(pk__in=bureau_ids).order_by("path", "pk")
    form = VenueImportForm(request.POST or None, request.FILES or None, bureaus=bureaus)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        params = {"name": upload.name}
        if form.cleaned_data.get("bureau"):
            params["bureau"] = form.cleaned_data["bureau"]
        job = job_start(
            kind=imports.JOB_KIND,
            title=_("Import of venues: %(name)s") % {"name": upload.name},
            user=request.user,
            params=params,
            input_file=upload,
        )
        return redirect(job)
    return render(
        request,
        "zones/venue_import.html",
        {"form": form, "template_url": reverse("zones:venue_template")},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("venues/", venue_list, name="venue_list"),
    path("venues/new/", venue_create, name="venue_create"),
    path("venues/template/", venue_template, name="venue_template"),
    path("venues/import/", venue_import, name="venue_import"),
    path("venues/<int:pk>/", venue_detail, name="venue_detail"),
    path("venues/<int:pk>/edit/", venue_edit, name="venue_edit"),
    path("venues/<int:pk>/status/", venue_status, name="venue_status"),
]
