"""Reads of spot checks, always through the user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from safecampus.accounts.models import RoleAssignment
from safecampus.campaigns.models import Campaign
from safecampus.core.access import VIEW, get_for, scope_for
from safecampus.core.capabilities import SPOT_CHECK_RECORD
from safecampus.core.roles import Role
from safecampus.hazards.choices import RiskColour, Status
from safecampus.hazards.models import Hazard, summary_q
from safecampus.orgs.models import Bureau, Department

from . import access
from .draw import draw, parse_stratum, sample_size, strata, stratum_key
from .lifecycle import ASSIGN, CHECKS, ITEMS
from .models import Result, SpotCheck, SpotCheckEvidence, SpotCheckItem

#: what a row of the sample shows, fetched in the same query
ITEM_RELATED = (
    "hazard__school",
    "hazard__responsible_department",
    "inspector",
)


def sees_whole_check(user, check: SpotCheck) -> bool:
    """The bureau's centre, leaders and inspectors see every stratum; a department its own."""
    return access.sees_whole_check(scope_for(user), check)


def check_list(*, user) -> QuerySet[SpotCheck]:
    """Checks in scope, newest first, with the drawn and recorded items the user may see."""
    item_q = access.item_q(scope_for(user), VIEW, prefix="items__") or Q(pk__in=[])
    return (
        SpotCheck.objects.visible_to(user)
        .select_related("bureau", "campaign", "ordered_by")
        .annotate(
            seen=Count("items", filter=item_q, distinct=True),
            recorded=Count(
                "items", filter=item_q & ~Q(items__result=Result.PENDING), distinct=True
            ),
        )
        .order_by("-ordered_at", "-id")
    )


def check_get(*, user, pk: int, action: str = VIEW) -> SpotCheck:
    """A check for a page: 404 outside the scope, 403 when ``action`` is not allowed on it."""
    return get_for(
        user, SpotCheck.objects.select_related("bureau", "campaign", "ordered_by"), pk, action
    )


def check_items(*, user, check: SpotCheck) -> QuerySet[SpotCheckItem]:
    return (
        SpotCheckItem.objects.visible_to(user)
        .filter(spot_check=check)
        .select_related(*ITEM_RELATED)
        .order_by("stratum", "hazard_id")
    )


def item_ids(check: SpotCheck) -> list[int]:
    """The ids of every item of a check (what an assignment may name)."""
    return list(SpotCheckItem.objects.filter(spot_check=check).values_list("pk", flat=True))


@dataclass
class Stratum:
    key: str
    department: str
    colour: str | None
    population: int
    drawn: int = 0
    recorded: int = 0
    not_as_claimed: int = 0


def strata_table(*, user, check: SpotCheck) -> list[Stratum]:
    """Population and sample per stratum, in the key order of the draw. A department officer
    gets the strata of its departments and of the items it is assigned."""
    scope = scope_for(user)
    counts = {
        row["stratum"]: row
        for row in SpotCheckItem.objects.visible_to(user)
        .filter(spot_check=check)
        .values("stratum")
        .annotate(
            drawn=Count("pk"),
            recorded=Count("pk", filter=~Q(result=Result.PENDING)),
            bad=Count("pk", filter=Q(result=Result.NOT_AS_CLAIMED)),
        )
        .order_by()
    }
    whole = sees_whole_check(user, check)
    sizes = {key: len(ids) for key, ids in strata(check.population).items()}
    keys = [
        k
        for k in sizes
        if whole or k in counts or access.is_own_department(scope, parse_stratum(k)[0])
    ]
    labels = stratum_labels(keys)
    rows = []
    for key in keys:
        row = counts.get(key, {})
        rows.append(
            Stratum(
                key=key,
                department=labels[key][0],
                colour=labels[key][1],
                population=sizes[key],
                drawn=row.get("drawn", 0),
                recorded=row.get("recorded", 0),
                not_as_claimed=row.get("bad", 0),
            )
        )
    return rows


def population_of(*, actor, bureau, claims, by_colour: bool, campaign=None) -> list[list]:
    """The hazards a check could draw, as sorted ``[id, stratum]`` pairs; through the actor's
    scope, so nobody draws from hazards they cannot see. "In progress" means confirmed and
    being rectified (assigned, rectifying, awaiting acceptance), which a check can reopen."""
    q = None
    for claim in claims:
        q = summary_q(claim) if q is None else q | summary_q(claim)
    if q is None:
        return []
    # a hazard still awaiting the department's confirmation claims nothing yet
    qs = (
        Hazard.objects.visible_to(actor)
        .filter(q, bureau_id=bureau.pk)
        .exclude(status=Status.REPORTED)
    )
    if campaign is not None:
        qs = qs.filter(campaign_id=campaign.pk)
    rows = qs.order_by("pk").values_list("pk", "responsible_department_id", "risk_colour")
    return [[pk, stratum_key(dept, colour, by_colour=by_colour)] for pk, dept, colour in rows]


def stratum_labels(keys) -> dict[str, tuple[str, str | None]]:
    """Stratum key → (department name, "" for none; colour label, None when not by colour)."""
    dept_ids = {d for d in (parse_stratum(k)[0] for k in keys) if d is not None}
    names = (
        dict(Department.objects.filter(pk__in=dept_ids).values_list("pk", "name"))
        if dept_ids
        else {}
    )
    colours = dict(RiskColour.choices)
    out = {}
    for key in keys:
        dept_id, colour = parse_stratum(key)
        out[key] = (
            names.get(dept_id, "") if dept_id else "",
            None if colour is None else str(colours.get(colour, "")),
        )
    return out


def draw_preview(
    *, user, bureau, claims, by_colour: bool, campaign, proportion, minimum: int
) -> list[Stratum]:
    """What an order would draw: each stratum's population and sample size (no draw made)."""
    sizes = {
        key: len(ids)
        for key, ids in strata(
            population_of(
                actor=user, bureau=bureau, claims=claims, by_colour=by_colour, campaign=campaign
            )
        ).items()
    }
    labels = stratum_labels(sizes)
    return [
        Stratum(
            key=key,
            department=labels[key][0],
            colour=labels[key][1],
            population=size,
            drawn=sample_size(size, proportion=proportion, minimum=minimum),
        )
        for key, size in sizes.items()
    ]


@dataclass
class Verification:
    stored: list[int]
    again: list[int]
    match: bool
    differences: list[int] = field(default_factory=list)


def verify(check: SpotCheck) -> Verification:
    """Draw again from the stored population and seed; compare with the stored sample (the
    items, and the sample recorded in the order event)."""
    again = draw(
        check.population,
        proportion=check.proportion,
        minimum=check.minimum_per_stratum,
        seed=check.seed,
    )
    stored = sorted(
        SpotCheckItem.objects.filter(spot_check=check).values_list("hazard_id", flat=True)
    )
    return Verification(
        stored=stored,
        again=again,
        match=stored == again,
        differences=sorted(set(stored) ^ set(again)),
    )


def my_assignments(*, user) -> QuerySet[SpotCheckItem]:
    """The drawn hazards ``user`` is assigned to, those still to check first."""
    return (
        SpotCheckItem.objects.visible_to(user)
        .filter(inspector_id=user.pk)
        .select_related("spot_check", *ITEM_RELATED)
        .annotate(
            done=Case(
                When(result=Result.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("done", "-spot_check__ordered_at", "stratum", "hazard_id")
    )


def item_get(*, user, pk: int, action: str = VIEW) -> SpotCheckItem:
    return get_for(
        user,
        SpotCheckItem.objects.select_related(
            "spot_check",
            "hazard__area",
            "hazard__item",
            "recorded_by",
            *ITEM_RELATED,
        ),
        pk,
        action,
    )


def evidence_get(*, user, pk: int) -> SpotCheckEvidence:
    return get_for(user, SpotCheckEvidence, pk)


@dataclass
class Candidate:
    user: object
    roles: set[str] = field(default_factory=set)
    department_pks: set[int] = field(default_factory=set)
    departments: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        names = ", ".join(
            [str(Role(r).label) for r in sorted(self.roles) if r != Role.DEPARTMENT_OFFICER]
            + self.departments
        )
        return f"{self.user.display_name} ({names})"


def inspector_candidates(*, bureau_id: int) -> list[Candidate]:
    """People who may be assigned to a check of the bureau (SPOT_CHECK_RECORD roles held in the
    bureau or one of its departments), in one query."""
    rows = (
        RoleAssignment.objects.active()
        .filter(role__in=SPOT_CHECK_RECORD, user__is_active=True)
        .filter(Q(bureau_id=bureau_id) | Q(department__bureau_id=bureau_id))
        .select_related("user", "department")
        .order_by("user__username", "role", "department_id")
    )
    out: dict[int, Candidate] = {}
    for ra in rows:
        c = out.setdefault(ra.user_id, Candidate(user=ra.user))
        c.roles.add(ra.role)
        if ra.department_id:
            c.department_pks.add(ra.department_id)
            c.departments.append(ra.department.name)
    return list(out.values())


def inspector_roles(*, bureau_id: int) -> dict[int, tuple[set[str], set[int]]]:
    """User id → (roles, department ids) of the people a check of the bureau may be given to."""
    return {
        c.user.pk: (c.roles, c.department_pks) for c in inspector_candidates(bureau_id=bureau_id)
    }


def order_bureau_choices(bureau_ids) -> QuerySet[Bureau]:
    """The bureaus an order may name (those where the user orders spot checks), by name."""
    return Bureau.objects.filter(pk__in=bureau_ids).order_by("name")


def order_campaigns(*, user, bureau_ids) -> QuerySet[Campaign]:
    """The campaigns an order may draw from: those the user sees, of the bureaus it orders in."""
    return (
        Campaign.objects.visible_to(user).filter(bureau_id__in=bureau_ids).order_by("-year", "-id")
    )


def candidate_user(candidates: list[Candidate], user_id):
    """The person of ``candidates`` with id ``user_id``, or None (the service refuses it)."""
    return next((c.user for c in candidates if c.user.pk == user_id), None)


def can_assign(user, check: SpotCheck) -> bool:
    """Whether ``user`` may assign inspectors on ``check`` now (an orderer, the check open)."""
    role = access.order_role(scope_for(user), check.bureau_id)
    return role is not None and ASSIGN in CHECKS.allowed(check, {role})


def may_record(user, item: SpotCheckItem) -> bool:
    """Whether the record form is offered: the table allows a result with the roles the user
    holds for recording this item (the centre and leaders any; the person assigned)."""
    return bool(ITEMS.allowed(item, access.record_roles(scope_for(user), item)))


def require_orderer(user) -> frozenset[int]:
    """The bureaus where ``user`` orders spot checks; 403 when there is none."""
    bureaus = access.order_bureaus(scope_for(user))
    if not bureaus:
        raise PermissionDenied(
            _("Only the leadership group or the safety centre orders spot checks.")
        )
    return bureaus


def require_recorder(user, item: SpotCheckItem) -> None:
    """403 for a user who may not record a pending item's result (a result already recorded is
    refused by the service, whoever asks)."""
    if item.result == Result.PENDING and not may_record(user, item):
        raise PermissionDenied(_("Only the person assigned to this hazard records its result."))
