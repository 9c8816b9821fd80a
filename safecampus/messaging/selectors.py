"""What the messaging pages read: the robots a person keeps (with their state and figures), the
organisations they may set one up for, the outbox filtered, a bureau's settings and its
departments' officers. Every read goes through ``visible_to``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.access import scope_for
from safecampus.orgs.models import Bureau, Department, School

from . import access
from .choices import Status
from .models import Channel, ChannelEvent, Message, MessagingSettings, Preference

#: the overview counts failures and uncertain messages of this many days
RECENT_DAYS = 7

WORKING, FAILING, PAUSED, BLOCKED, UNUSED = "working", "failing", "paused", "blocked", "unused"


@dataclass(frozen=True)
class State:
    code: str
    label: str
    #: Bootstrap colour of the badge
    colour: str


def channel_state(channel: Channel, now: datetime.datetime) -> State:
    """Working, failing (with its last error), paused, blocked until …, or not used yet."""
    if not channel.active:
        return State(PAUSED, _("Paused"), "secondary")
    if channel.blocked_until and channel.blocked_until > now:
        until = timezone.localtime(channel.blocked_until).strftime("%m-%d %H:%M")
        return State(BLOCKED, _("Blocked by the service until %(t)s") % {"t": until}, "warning")
    failing = channel.last_error and (
        channel.last_ok_at is None
        or (channel.last_error_at is not None and channel.last_error_at > channel.last_ok_at)
    )
    if failing:
        return State(FAILING, _("Failing"), "danger")
    if channel.last_ok_at:
        return State(WORKING, _("Working"), "success")
    return State(UNUSED, _("Not used yet"), "light")


def channels(user):
    """The live (not removed) robots ``user`` keeps, owner first."""
    return (
        Channel.objects.visible_to(user)
        .filter(removed_at__isnull=True)
        .select_related("bureau", "department", "school")
        .order_by("bureau_id", "school_id", "department_id", "name", "id")
    )


def figures(channel_ids, now: datetime.datetime) -> dict[int, dict[str, int]]:
    """Per robot: messages waiting (any age), failed and uncertain of the last days (one query)."""
    since = now - datetime.timedelta(days=RECENT_DAYS)
    rows = (
        Message.objects.filter(channel_id__in=list(channel_ids))
        .filter(
            Q(status__in=[Status.PENDING, Status.SENDING])
            | Q(status__in=[Status.FAILED, Status.UNCERTAIN], created_at__gte=since)
        )
        .values("channel_id", "status")
        .annotate(n=Count("pk"))
    )
    out: dict[int, dict[str, int]] = {}
    for row in rows:
        key = Status.PENDING if row["status"] == Status.SENDING else row["status"]
        counts = out.setdefault(row["channel_id"], {})
        counts[key] = counts.get(key, 0) + row["n"]
    return out


def filtered_channels(user, filters: dict, now: datetime.datetime):
    """``channels`` narrowed as the robot list's links say (the dashboard card's figures):
    ``bureau``; ``active`` (True: not paused); ``failing`` (True: active and refused or blocked
    by the service now, ``figures.failing_q``; False: the others)."""
    from .figures import failing_q

    qs = channels(user)
    if filters.get("bureau") is not None:
        qs = qs.filter(bureau_id=filters["bureau"])
    if filters.get("active") is not None:
        qs = qs.filter(active=filters["active"])
    if filters.get("failing") is True:
        qs = qs.filter(failing_q(now))
    elif filters.get("failing") is False:
        qs = qs.exclude(pk__in=Channel.objects.filter(failing_q(now)).values("pk"))
    return qs


def attach_figures(rows: list[Channel], now: datetime.datetime) -> list[Channel]:
    """``state`` and ``figures`` attached to robots already read (one query)."""
    counts = figures([c.pk for c in rows], now)
    for c in rows:
        c.state = channel_state(c, now)
        c.figures = {
            "pending": counts.get(c.pk, {}).get(Status.PENDING, 0),
            "failed": counts.get(c.pk, {}).get(Status.FAILED, 0),
            "uncertain": counts.get(c.pk, {}).get(Status.UNCERTAIN, 0),
        }
    return rows


def channel_rows(user, now: datetime.datetime) -> list[Channel]:
    """The robots with ``state`` and ``figures`` attached (two queries)."""
    return attach_figures(list(channels(user)), now)


def email_figures(user, now: datetime.datetime) -> dict[str, int] | None:
    """For the centre: the bureau's e-mails waiting, failed and uncertain (None for others)."""
    bureaus = access.manage_bureaus(scope_for(user))
    if not bureaus:
        return None
    since = now - datetime.timedelta(days=RECENT_DAYS)
    rows = (
        Message.objects.visible_to(user)
        .filter(channel__isnull=True, bureau_id__in=sorted(bureaus))
        .filter(
            Q(status__in=[Status.PENDING, Status.SENDING])
            | Q(status__in=[Status.FAILED, Status.UNCERTAIN], created_at__gte=since)
        )
        .values("status")
        .annotate(n=Count("pk"))
    )
    out = {"pending": 0, "failed": 0, "uncertain": 0}
    for row in rows:
        key = "pending" if row["status"] in (Status.PENDING, Status.SENDING) else row["status"]
        out[key] += row["n"]
    return out


@dataclass(frozen=True)
class Owner:
    value: str
    label: str
    bureau_id: int
    department: Department | None = None
    school: School | None = None


def owners(user) -> list[Owner]:
    """The organisations ``user`` may set up a robot for: the bureau and its departments (the
    centre), their own department (a department officer), their own school (school staff)."""
    scope = scope_for(user)
    managed = sorted(access.manage_bureaus(scope))
    departments = access.own_departments(scope)
    schools = access.own_schools(scope)
    out: list[Owner] = []
    if managed:
        for b in Bureau.objects.visible_to(user).filter(pk__in=managed).order_by("path"):
            out.append(Owner(f"bureau:{b.pk}", _("%(name)s (the bureau)") % {"name": b.name}, b.pk))
    if managed or departments:
        rows = (
            Department.objects.visible_to(user)
            .filter(Q(bureau_id__in=managed) | Q(pk__in=departments))
            .order_by("bureau_id", "name")
        )
        out += [Owner(f"department:{d.pk}", d.name, d.bureau_id, department=d) for d in rows]
    if schools:
        rows = School.objects.visible_to(user).filter(pk__in=schools).order_by("name")
        out += [Owner(f"school:{s.pk}", s.name, s.bureau_id, school=s) for s in rows]
    return out


def managed_bureaus(user) -> list[Bureau]:
    """The bureaus whose message settings ``user`` keeps (the centre)."""
    managed = sorted(access.manage_bureaus(scope_for(user)))
    if not managed:
        return []
    return list(Bureau.objects.visible_to(user).filter(pk__in=managed).order_by("path"))


def keeps_bureau(user, bureau_id: int) -> bool:
    return bureau_id in access.manage_bureaus(scope_for(user))


def channel_events(channel: Channel, limit: int = 30) -> list[ChannelEvent]:
    return list(
        ChannelEvent.objects.filter(channel=channel)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


def messages(user):
    """The outgoing messages ``user`` reads, newest first."""
    return (
        Message.objects.visible_to(user)
        .select_related("channel", "recipient")
        .defer("body")
        .order_by("-created_at", "-id")
    )


def filtered_messages(user, filters: dict):
    qs = messages(user)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("transport"):
        qs = qs.filter(transport=filters["transport"])
    if filters.get("topic"):
        qs = qs.filter(topic=filters["topic"])
    if filters.get("channel"):
        qs = qs.filter(channel_id=filters["channel"])
    if filters.get("days"):
        qs = qs.filter(created_at__gte=timezone.now() - datetime.timedelta(days=filters["days"]))
    if filters.get("created_from"):
        start = datetime.datetime.combine(filters["created_from"], datetime.time.min)
        qs = qs.filter(created_at__gte=timezone.make_aware(start))
    if filters.get("bureau") is not None:
        qs = qs.filter(bureau_id=filters["bureau"])
    return qs


def bureau_settings(bureau_id: int) -> MessagingSettings:
    """The bureau's settings (the defaults, unsaved, while it has none)."""
    return MessagingSettings.objects.filter(bureau_id=bureau_id).first() or MessagingSettings(
        bureau_id=bureau_id, version=0
    )


def department_officers(user, bureau_id: int) -> list[tuple[Department, list, int | None]]:
    """Each department of the bureau with its officers and its head's id."""
    from safecampus.accounts.models import RoleAssignment
    from safecampus.core.roles import Role

    from .models import DepartmentHead

    departments = list(
        Department.objects.visible_to(user).filter(bureau_id=bureau_id).order_by("name")
    )
    ids = [d.pk for d in departments]
    officers: dict[int, list] = {}
    assignments = (
        RoleAssignment.objects.active()
        .filter(role=Role.DEPARTMENT_OFFICER, department_id__in=ids, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    for ra in assignments:
        people = officers.setdefault(ra.department_id, [])
        if ra.user not in people:
            people.append(ra.user)
    heads = dict(
        DepartmentHead.objects.filter(department_id__in=ids).values_list("department_id", "user_id")
    )
    return [(d, officers.get(d.pk, []), heads.get(d.pk)) for d in departments]


def preference(user) -> Preference | None:
    return Preference.objects.filter(user=user).first()
