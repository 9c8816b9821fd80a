"""Loading the shipped default duty catalog (``duties.defaults``) into a bureau.

Department names are resolved against the bureau's departments, as the risk catalog's loader
does (``catalog.services.catalog_load``): a name the bureau lacks leaves the field empty (or
the department out of the owers) and is reported, so a bureau organised differently still gets
every duty.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse

from . import defaults, services
from .choices import VersionStatus
from .models import Duty, DutyCatalogVersion

#: the fields of a default entry copied onto the duty as they are
FIELDS = (
    "code",
    "name",
    "category",
    "done_when",
    "evidence",
    "figures",
    "frequency",
    "window_days",
    "grace_days",
    "in_vacation",
    "stages",
    "boarding_only",
    "needs_canteen",
    "needs_chem_lab",
    "owed_by_schools",
    "owed_by_centre",
    "partner_kinds",
    "source",
    "sort_order",
)


@dataclass
class LoadResult:
    version: DutyCatalogVersion
    duties: int
    #: a line in Chinese for each department name the bureau lacks
    warnings: list[str] = field(default_factory=list)


def load_default_catalog(
    *,
    bureau,
    actor=None,
    publish: bool = True,
    published_at: datetime.datetime | None = None,
    entries: list[dict] | None = None,
) -> LoadResult:
    """Create a new version of ``bureau``'s duty catalog holding the default duties and (with
    ``publish``) publish it as of ``published_at`` (default: now). Without ``publish`` it is
    left as the bureau's draft (refused when there is one already). ``actor`` None is the
    system (the command, the demo); a user must hold ``DUTY_MANAGE`` for the bureau."""
    from safecampus.orgs.models import Department

    if actor is not None:
        services._manage(actor, bureau.pk)
    entries = defaults.DUTIES if entries is None else entries
    if (
        not publish
        and DutyCatalogVersion.objects.filter(bureau=bureau, status=VersionStatus.DRAFT).exists()
    ):
        raise refuse(
            _("This bureau already has a draft duty catalog; edit or publish it first."),
            Code.DRAFT_EXISTS,
        )
    departments = {d.name: d for d in Department.objects.filter(bureau=bureau)}
    warnings: list[str] = []

    def resolve(code: str, name: str):
        if not name:
            return None
        if name not in departments:
            line = _("Duty %(code)s: this bureau has no department named %(name)s") % {
                "code": code,
                "name": name,
            }
            if line not in warnings:
                warnings.append(line)
            return None
        return departments[name]

    def write() -> LoadResult:
        latest = DutyCatalogVersion.objects.filter(bureau=bureau).order_by("-number").first()
        moment = published_at or timezone.now()
        version = DutyCatalogVersion.objects.create(
            bureau=bureau,
            number=(latest.number + 1) if latest else 1,
            title=defaults.TITLE,
            based_on=latest,
            created_by=actor,
            status=VersionStatus.PUBLISHED if publish else VersionStatus.DRAFT,
            published_at=moment if publish else None,
            published_by=actor if publish else None,
        )
        rows, owers = [], []
        for entry in entries:
            overseer = resolve(entry["code"], entry.get("overseeing", ""))
            rows.append(
                Duty(
                    version=version,
                    bureau=bureau,
                    overseeing_department=overseer,
                    **{f: entry[f] for f in FIELDS if f in entry},
                )
            )
            owers.append(
                [d for name in entry.get("departments", []) if (d := resolve(entry["code"], name))]
            )
        created = Duty.objects.bulk_create(rows)
        through = Duty.owed_by_departments.through
        through.objects.bulk_create(
            [
                through(duty_id=duty.pk, department_id=d.pk)
                for duty, ds in zip(created, owers, strict=True)
                for d in ds
            ]
        )
        if publish:
            problems = services.duty_problems(version.duties.prefetch_related(None))
            if problems:
                raise refuse({"duties": problems}, Code.INVALID)
        audit_record(
            action=Action.IMPORT,
            actor=actor,
            actor_username="" if actor else "system",
            target=version,
            bureau_id=bureau.pk,
            data={
                "kind": "duty_catalog",
                "duties": len(created),
                "published": publish,
                "warnings": warnings,
            },
        )
        return LoadResult(version, len(created), warnings)

    return in_write_transaction(write)


__all__ = ["LoadResult", "load_default_catalog"]
