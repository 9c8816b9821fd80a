"""Writes to the risk catalog. Published versions are frozen: every edit goes to the draft."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record, config_change_record, model_snapshot
from safecampus.core.access import scope_for
from safecampus.core.capabilities import CATALOG_MANAGE
from safecampus.orgs.access import roles_in_bureau
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Bureau, Department

from .choices import HazardLevel, RouteSubject, VersionStatus
from .models import CatalogVersion, CheckItem, CheckItemRoute, RiskArea

ITEM_FIELDS = [
    "code",
    "text",
    "guidance",
    "legal_basis",
    "source",
    "stages",
    "boarding_only",
    "needs_canteen",
    "needs_chem_lab",
    "responsible_body",
    "school_facing",
    "default_level",
    "subject",
    "sort_order",
]


def _require_manager(*, actor, bureau_id: int) -> None:
    if actor is not None and not CATALOG_MANAGE & roles_in_bureau(scope_for(actor), bureau_id):
        raise PermissionDenied(_("Only the safety centre edits this bureau's catalog."))


def _require_draft(version: CatalogVersion) -> None:
    if not version.is_draft:
        raise ValidationError(
            _("A published version never changes. Create a draft to edit the catalog."),
            code="published_frozen",
        )


def _next_number(bureau: Bureau) -> int:
    return (bureau.catalog_versions.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def catalog_load(*, bureau: Bureau, data: dict, actor=None, publish: bool = True):
    """Create a version from catalog data (the shipped default or an import).

    Department names are resolved within the bureau; names it lacks are returned as warnings
    and left out, so a bureau with other departments still gets every item.
    """
    _require_manager(actor=actor, bureau_id=bureau.pk)
    if CatalogVersion.objects.filter(bureau=bureau, status=VersionStatus.DRAFT).exists():
        raise ValidationError(
            _("This bureau already has a draft. Publish or edit it first."), code="draft_exists"
        )
    version = CatalogVersion.objects.create(
        bureau=bureau,
        number=_next_number(bureau),
        title=data.get("title") or _("Risk catalog"),
        created_by=actor,
    )
    warnings = _fill(version=version, areas=data["areas"])
    if publish:
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = actor
        version.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        action=Action.IMPORT,
        actor=actor,
        actor_username="" if actor else "system",
        target=version,
        bureau_id=bureau.pk,
        data={
            "kind": "catalog",
            "areas": len(data["areas"]),
            "items": version.items.count(),
            "warnings": warnings,
        },
    )
    return version, warnings


def _fill(*, version: CatalogVersion, areas: list[dict]) -> list[str]:
    departments = {d.name: d for d in Department.objects.filter(bureau_id=version.bureau_id)}
    warnings: list[str] = []
    area_objs, item_rows = [], []
    for a_order, area in enumerate(areas):
        area_obj = RiskArea(
            version=version,
            code=area["code"],
            name=area["name"],
            source=area.get("source", ""),
            sort_order=a_order,
        )
        area_objs.append(area_obj)
        for i_order, item in enumerate(area.get("items", [])):
            item_rows.append((area_obj, i_order, item))
    RiskArea.objects.bulk_create(area_objs)
    items = []
    for area_obj, i_order, item in item_rows:
        body = item.get("responsible_body") or "各学校"
        items.append(
            CheckItem(
                version=version,
                area=area_obj,
                code=item["code"],
                text=item["text"],
                guidance=item.get("guidance", ""),
                legal_basis=item.get("legal_basis", ""),
                source=item.get("source", ""),
                stages=list(item.get("stages") or []),
                boarding_only=bool(item.get("boarding_only")),
                needs_canteen=bool(item.get("needs_canteen")),
                needs_chem_lab=bool(item.get("needs_chem_lab")),
                responsible_body=body,
                school_facing=item.get(
                    "school_facing", "各学校" in body or bool(item.get("stages"))
                ),
                default_level=item.get("default_level") or HazardLevel.GENERAL,
                subject=item.get("subject") or "",
                sort_order=i_order,
            )
        )
    CheckItem.objects.bulk_create(items)
    through_r = CheckItem.responsible_departments.through
    through_c = CheckItem.cooperating_departments.through
    rows_r, rows_c = [], []
    for obj, (_a, _o, item) in zip(items, item_rows, strict=True):
        for names, rows, through in (
            (item.get("responsible", []), rows_r, through_r),
            (item.get("cooperating", []), rows_c, through_c),
        ):
            for name in names:
                if name in departments:
                    rows.append(through(checkitem_id=obj.pk, department_id=departments[name].pk))
                else:
                    warnings.append(
                        _("Item %(c)s: no department named %(n)s") % {"c": obj.code, "n": name}
                    )
    through_r.objects.bulk_create(rows_r)
    through_c.objects.bulk_create(rows_c)
    routes = []
    for obj, (_a, _o, item) in zip(items, item_rows, strict=True):
        for n, route in enumerate(item.get("routes") or []):
            name = route.get("department", "")
            if name not in departments:
                warnings.append(
                    _("Item %(c)s: no department named %(n)s") % {"c": obj.code, "n": name}
                )
                continue
            routes.append(
                CheckItemRoute(
                    item_id=obj.pk,
                    department=departments[name],
                    stages=list(route.get("stages") or []),
                    subject=route.get("subject") or "",
                    sort_order=n,
                )
            )
    CheckItemRoute.objects.bulk_create(routes)
    return warnings


def routes_check(routes: list[dict]) -> dict[str, list[str]]:
    """Errors of routes given as data (stages and subjects must be known ones)."""
    errors: dict[str, list[str]] = {}
    for route in routes:
        if set(route.get("stages") or []) - set(SchoolStage.values):
            errors.setdefault("routes", []).append(_("Unknown school stage."))
        if (route.get("subject") or "") not in {"", *RouteSubject.values}:
            errors.setdefault("routes", []).append(_("Unknown subject."))
    return errors


def version_as_data(version: CatalogVersion) -> dict:
    """The version as plain data (the same shape as the shipped default catalog)."""
    items = version.items.select_related("area").prefetch_related(
        "responsible_departments", "cooperating_departments", "routes__department"
    )
    by_area: dict[int, list[dict]] = {}
    for item in items:
        by_area.setdefault(item.area_id, []).append(
            {
                **{f: getattr(item, f) for f in ITEM_FIELDS},
                "responsible": [d.name for d in item.responsible_departments.all()],
                "cooperating": [d.name for d in item.cooperating_departments.all()],
                "routes": [
                    {"department": r.department.name, "stages": r.stages, "subject": r.subject}
                    for r in item.routes.all()
                ],
            }
        )
    return {
        "title": version.title,
        "areas": [
            {"code": a.code, "name": a.name, "source": a.source, "items": by_area.get(a.pk, [])}
            for a in version.areas.all()
        ],
    }


@transaction.atomic
def version_create_draft(*, actor, bureau: Bureau) -> CatalogVersion:
    """A new draft holding a copy of the latest published version (or nothing)."""
    _require_manager(actor=actor, bureau_id=bureau.pk)
    latest = (
        CatalogVersion.objects.filter(bureau=bureau, status=VersionStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )
    data = version_as_data(latest) if latest else {"title": _("Risk catalog"), "areas": []}
    version, _w = catalog_load(bureau=bureau, data=data, actor=actor, publish=False)
    version.based_on = latest
    version.save(update_fields=["based_on"])
    return version


@transaction.atomic
def version_publish(*, actor, version: CatalogVersion) -> CatalogVersion:
    version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
    _require_manager(actor=actor, bureau_id=version.bureau_id)
    _require_draft(version)
    if not version.items.exists():
        raise ValidationError(_("An empty catalog cannot be published."), code="empty")
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        action=Action.CONFIG_CHANGED,
        actor=actor,
        target=version,
        data={"published": version.number, "items": version.items.count()},
    )
    return version


@transaction.atomic
def item_save(
    *,
    actor,
    version: CatalogVersion,
    data: dict,
    item: CheckItem | None = None,
    responsible=(),
    cooperating=(),
    routes=None,
) -> CheckItem:
    """Create or change an item of a draft. ``routes`` (``[(department, stages, subject)]``)
    replaces the item's routing by stage or subject; ``None`` keeps it."""
    _require_manager(actor=actor, bureau_id=version.bureau_id)
    _require_draft(version)
    route_depts = [r[0] for r in routes or ()]
    for dept in [*responsible, *cooperating, *route_depts]:
        if dept.bureau_id != version.bureau_id:
            raise ValidationError(
                {"responsible_departments": _("Choose departments of this bureau.")}
            )
    area = data.get("area")
    if area is not None and area.version_id != version.pk:
        raise ValidationError({"area": _("Choose an area of this version.")})
    stages = data.get("stages") or []
    if set(stages) - set(SchoolStage.values):
        raise ValidationError({"stages": _("Unknown school stage.")})
    before = model_snapshot(item) if item is not None else None
    item = item or CheckItem(version=version)
    for key in [*ITEM_FIELDS, "area"]:
        if key in data:
            setattr(item, key, data[key])
    item.full_clean(exclude=["version"])
    item.save()
    item.responsible_departments.set(responsible)
    item.cooperating_departments.set(cooperating)
    if routes is not None:
        errors = routes_check([{"stages": st, "subject": su} for _d, st, su in routes])
        if errors:
            raise ValidationError(errors)
        item.routes.all().delete()
        CheckItemRoute.objects.bulk_create(
            CheckItemRoute(item=item, department=d, stages=list(st), subject=su, sort_order=n)
            for n, (d, st, su) in enumerate(routes)
        )
    config_change_record(actor=actor, obj=item, before=before)
    return item


@transaction.atomic
def area_save(*, actor, version: CatalogVersion, data: dict, area: RiskArea | None = None):
    """Create or rename a risk area of a draft (code, name, source, order)."""
    _require_manager(actor=actor, bureau_id=version.bureau_id)
    _require_draft(version)
    if area is not None and area.version_id != version.pk:
        raise ValidationError({"code": _("Choose an area of this version.")})
    before = model_snapshot(area) if area is not None else None
    area = area or RiskArea(version=version)
    for key in ("code", "name", "source", "sort_order"):
        if key in data:
            setattr(area, key, data[key])
    area.full_clean(exclude=["version"], validate_unique=False)
    if RiskArea.objects.filter(version=version, code=area.code).exclude(pk=area.pk).exists():
        raise ValidationError({"code": _("This version already has an area with this code.")})
    area.save()
    config_change_record(actor=actor, obj=area, before=before)
    return area


@transaction.atomic
def item_delete(*, actor, item: CheckItem) -> None:
    _require_manager(actor=actor, bureau_id=item.version.bureau_id)
    _require_draft(item.version)
    snapshot = model_snapshot(item)
    item.delete()
    # the audit row last: it holds the audit log's append lock until the transaction ends
    audit_record(
        action=Action.CONFIG_CHANGED,
        actor=actor,
        target=item.version,
        data={"item_removed_from_draft": snapshot},
    )
