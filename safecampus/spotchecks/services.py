"""Spot checks (抽查, 000 §四(三).1): order and draw, assign inspectors, record on-site results.

A result "not as claimed" (弄虚作假、敷衍了事) reopens the hazard and opens an accountability record
(通报追责) in the same transaction. Every step writes a :class:`SpotCheckEvent`.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accountability import services as accountability
from safecampus.accountability.models import RecordBasis, RecordKind
from safecampus.core.access import scope_for
from safecampus.core.refusals import Code, refuse
from safecampus.hazards import services as hazard_services
from safecampus.hazards.choices import OPEN_STATUSES, Status
from safecampus.hazards.evidence import checked_before_transaction, store_upload, upload_problems
from safecampus.hazards.models import Hazard
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.services import notify

from . import access
from .draw import draw
from .lifecycle import ASSIGN, CHECKS, COMPLETE, ITEMS
from .models import (
    Claim,
    EventAction,
    Result,
    SpotCheck,
    SpotCheckEvent,
    SpotCheckEvidence,
    SpotCheckItem,
    SpotCheckStatus,
)
from .selectors import inspector_roles, population_of

#: seeds are 63-bit so that they fit a signed 64-bit column
MAX_SEED = 2**63 - 1


def _order_role(actor, bureau_id: int) -> str:
    role = access.order_role(scope_for(actor), bureau_id)
    if role is None:
        raise PermissionDenied(
            _("Only the leadership group or the safety centre orders spot checks.")
        )
    return role


def claim_of(status: str) -> str | None:
    """The claim a hazard's status makes (as ``summary_q`` classifies it), or None when a check
    cannot draw it."""
    if status == Status.CLOSED:
        return Claim.RESOLVED
    if status in OPEN_STATUSES - {Status.HARD, Status.REPORTED}:
        return Claim.IN_PROGRESS
    return None


@transaction.atomic
def spot_check_order(
    *,
    actor,
    bureau,
    title: str,
    proportion: Decimal,
    claims: list[str],
    by_colour: bool = False,
    minimum_per_stratum: int = 1,
    campaign=None,
    note: str = "",
    seed: int | None = None,
) -> SpotCheck:
    """Order a check and draw its sample at once: the population, the seed and the sample are
    stored, so the draw can be repeated by anyone who sees the check."""
    role = _order_role(actor, bureau.pk)
    errors: dict = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the spot check a title.")]
    if proportion is None or not (Decimal("0") < Decimal(proportion) <= Decimal("1")):
        errors["proportion"] = [_("The proportion must be more than 0 % and at most 100 %.")]
    claims = sorted(set(claims or ()))
    if not claims or any(c not in Claim.values for c in claims):
        errors["claims"] = [_("Choose which claims to check.")]
    if minimum_per_stratum is None or minimum_per_stratum < 0:
        errors["minimum_per_stratum"] = [_("The minimum cannot be negative.")]
    if seed is not None and not (0 <= seed <= MAX_SEED):
        errors["seed"] = [_("The seed must be a whole number from 0 to 2⁶³−1.")]
    if campaign is not None and campaign.bureau_id != bureau.pk:
        errors["campaign"] = [_("The campaign is not of this bureau.")]
    if errors:
        raise refuse(errors, Code.INVALID)
    population = population_of(
        actor=actor, bureau=bureau, claims=claims, by_colour=by_colour, campaign=campaign
    )
    if not population:
        raise refuse(
            {
                "claims": [
                    _("No hazard of the bureau makes these claims: there is nothing to draw.")
                ]
            },
            Code.EMPTY,
        )
    if seed is None:
        seed = secrets.randbits(63)
    proportion = Decimal(proportion)
    sample = draw(population, proportion=proportion, minimum=minimum_per_stratum, seed=seed)
    check = SpotCheck.objects.create(
        bureau=bureau,
        campaign=campaign,
        title=title,
        proportion=proportion,
        minimum_per_stratum=minimum_per_stratum,
        by_colour=by_colour,
        claims=claims,
        seed=seed,
        population=population,
        population_size=len(population),
        sample_size=len(sample),
        note=(note or "").strip(),
        ordered_by=actor,
        ordered_role=role,
    )
    stratum_of = dict(population)
    statuses = dict(Hazard.objects.filter(pk__in=sample).values_list("pk", "status"))
    SpotCheckItem.objects.bulk_create(
        [
            SpotCheckItem(
                spot_check=check,
                hazard_id=pk,
                stratum=stratum_of[pk],
                claimed_status=statuses[pk],
                claim=claim_of(statuses[pk]),
            )
            for pk in sample
        ]
    )
    SpotCheckEvent.objects.create(
        spot_check=check,
        action=EventAction.ORDER,
        actor=actor,
        actor_role=role,
        data={
            "seed": str(seed),
            # "0.5" whether the form said 50 or 50.00 %
            "proportion": format(proportion.normalize(), "f"),
            "minimum_per_stratum": minimum_per_stratum,
            "by_colour": by_colour,
            "claims": claims,
            "campaign": getattr(campaign, "pk", None),
            "population_size": len(population),
            "sample": sample,
        },
    )
    return check


@transaction.atomic
def spot_check_assign(
    *, actor, spot_check: SpotCheck, inspector, item_ids=None, stratum: str | None = None
) -> int:
    """Assign ``inspector`` to the pending items named (or to every pending item of a stratum).
    The inspector is told once per check. Returns how many items were assigned."""
    check = SpotCheck.objects.select_for_update().get(pk=spot_check.pk)
    role = _order_role(actor, check.bureau_id)
    if check.status != SpotCheckStatus.OPEN:
        raise refuse(_("This spot check is completed."), Code.COMPLETED)
    CHECKS.check(check, ASSIGN, {role})
    held = inspector_roles(bureau_id=check.bureau_id).get(getattr(inspector, "pk", None))
    if held is None:
        raise refuse(
            {"inspector": [_("Choose an inspector, officer or leader of the bureau.")]},
            Code.INVALID,
        )
    roles, departments = held
    items = SpotCheckItem.objects.filter(spot_check=check).select_related("hazard")
    if stratum:
        items = items.filter(stratum=stratum, result=Result.PENDING)  # the rest of the stratum
    elif item_ids:
        items = items.filter(pk__in=list(item_ids))
    else:
        raise refuse({"items": [_("Choose the hazards to assign.")]}, Code.INVALID)
    items = list(items)
    if not items:
        raise refuse({"items": [_("Choose the hazards to assign.")]}, Code.INVALID)
    if not stratum and len(items) != len(set(item_ids)):
        raise refuse(
            {"items": [_("A hazard named is not drawn by this spot check.")]}, Code.INVALID
        )
    if any(i.result != Result.PENDING for i in items):
        raise refuse(
            {"items": [_("A hazard whose result is recorded cannot be reassigned.")]}, Code.RECORDED
        )
    if not all(access.may_be_assigned(roles, departments, i) for i in items):
        raise refuse(
            {
                "inspector": [
                    _(
                        "A department officer can only be assigned hazards of their own "
                        "department; choose an inspector, the centre or a leader for the others."
                    )
                ]
            },
            Code.WRONG_DEPARTMENT,
        )
    changes = [[i.pk, i.inspector_id] for i in items if i.inspector_id != inspector.pk]
    SpotCheckItem.objects.filter(pk__in=[pk for pk, _prev in changes]).update(inspector=inspector)
    SpotCheckEvent.objects.create(
        spot_check=check,
        action=EventAction.ASSIGN,
        actor=actor,
        actor_role=role,
        data={"inspector": inspector.pk, "items": changes, "stratum": stratum or ""},
    )
    if changes:
        notify(
            [inspector],
            kind=NoticeKind.SPOT_CHECK_ASSIGNED,
            text=_("Spot check “%(title)s”: hazards to verify on site.") % {"title": check.title},
            url=reverse("spotchecks:my_assignments"),
            key=f"spotcheck:{check.pk}:{inspector.pk}",
        )
    return len(changes)


def _record_roles(actor, item: SpotCheckItem) -> frozenset[str]:
    roles = access.record_roles(scope_for(actor), item)
    if not roles:
        raise PermissionDenied(_("Only the person assigned to this hazard records its result."))
    return roles


@checked_before_transaction
def spot_check_record(
    *,
    actor,
    item: SpotCheckItem,
    result: str,
    finding: str,
    checked_on: datetime.date | None,
    files=(),
) -> SpotCheckItem:
    """Record the on-site result of one drawn hazard, with evidence. Final: a second attempt is
    refused. "Not as claimed" reopens the hazard and opens an accountability record."""
    item = (
        SpotCheckItem.objects.select_for_update(of=("self",))
        .select_related("spot_check", "hazard__school", "hazard__responsible_department")
        .get(pk=item.pk)
    )
    roles = _record_roles(actor, item)
    check = SpotCheck.objects.select_for_update().get(pk=item.spot_check_id)
    if item.result != Result.PENDING:
        raise refuse(
            _(
                "The result of this hazard was already recorded on %(date)s; a result is final. "
                "Nothing was changed."
            )
            % {"date": item.checked_on.isoformat() if item.checked_on else "—"},
            Code.ALREADY_RECORDED,
        )
    errors: dict = {}
    finding = (finding or "").strip()
    if result not in (Result.CONFIRMED, Result.NOT_AS_CLAIMED):
        errors["result"] = [_("Choose the result.")]
    if result == Result.NOT_AS_CLAIMED and not finding:
        errors["finding"] = [_("Describe what was found not as claimed.")]
    today = timezone.localdate()
    if checked_on is None:
        errors["checked_on"] = [_("Give the date of the check.")]
    elif checked_on > today:
        errors["checked_on"] = [_("The date of the check cannot be in the future.")]
    elif checked_on < timezone.localtime(check.ordered_at).date():
        errors["checked_on"] = [_("The date of the check is before the check was ordered.")]
    files = list(files or ())
    if not files:
        errors["files"] = [_("Add at least one photo taken on site.")]
    elif problems := upload_problems(files):
        errors["files"] = problems
    if errors:
        raise refuse(errors, Code.INVALID)
    move = ITEMS.check(item, result, roles)
    role = ITEMS.acting_role(roles, move)

    record_id = None
    hazard = item.hazard
    if result == Result.NOT_AS_CLAIMED:
        hazard_services.hazard_reopen_from_spot_check(
            actor=actor,
            hazard=hazard,
            comment=finding,
            data={"spot_check": check.pk, "item": item.pk},
        )
        record = accountability.record_open(
            actor=actor,
            bureau_id=check.bureau_id,
            kind=RecordKind.CRITICISM,
            basis=RecordBasis.SPOT_CHECK,
            reason=_("Spot check “%(title)s”, hazard %(code)s not as claimed: %(finding)s")
            % {"title": check.title, "code": hazard.code, "finding": finding},
            school=hazard.school,
            department=hazard.responsible_department,
            hazards=[hazard],
            spot_check_item=item,
            system=True,
        )
        record_id = record.pk
    stored = [
        store_upload(SpotCheckEvidence(item=item), upload, actor=actor).pk for upload in files
    ]
    item.finding = finding
    item.checked_on = checked_on
    item.recorded_by = actor
    ITEMS.commit(
        item,
        move,
        update_fields=["finding", "checked_on", "recorded_by"],
        event=lambda _from, _to: SpotCheckEvent.objects.create(
            spot_check=check,
            item=item,
            action=EventAction.RECORD,
            actor=actor,
            actor_role=role,
            data={
                "hazard": hazard.pk,
                "result": result,
                "checked_on": checked_on.isoformat(),
                "evidence": stored,
                "accountability_record": record_id,
            },
        ),
    )
    if not SpotCheckItem.objects.filter(spot_check=check, result=Result.PENDING).exists():
        CHECKS.commit(
            check,
            CHECKS.check(check, COMPLETE, {role}),
            update_fields=[],
            event=lambda _from, _to: SpotCheckEvent.objects.create(
                spot_check=check,
                action=EventAction.COMPLETE,
                actor=actor,
                actor_role=role,
                data={"items": check.sample_size},
            ),
        )
    return item
