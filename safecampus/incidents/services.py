"""Every write on incidents, illness records and the incident settings: one path per action.

Incidents are created by :func:`incident_report` (its ``report`` event, its first written step,
the verbal step when the call was already made) and moved by :func:`incident_act` through the
``INCIDENTS`` table. Each report is measured against the limits snapshotted on the incident when
it was reported (``timeliness``); the first report's deadlines and lateness are kept on the
incident for the figures. An urgent incident reaches the responsible department and the centre
at once (and the leadership group when it is serious); the others reach them in the digest.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from safecampus.core.access import get_for, roles_on, scope_for
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse
from safecampus.core.roles import Role
from safecampus.hazards.evidence import prepare_uploads, store_upload
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.services import notify, notify_now

from . import access, messages, restriction, timeliness
from .choices import (
    RESTRICTED_TYPES,
    SERIOUS,
    DisturbanceMeasure,
    IncidentAction,
    IncidentStatus,
    IncidentType,
    InsuranceResult,
    MediationKind,
    MediationOutcome,
    Responsibility,
    Severity,
    StepKind,
    SyncItem,
)
from .defaults import LIMITS
from .inputs import MAX_ID, refusal_code_of
from .inputs import choice as _choice
from .inputs import count as _count
from .inputs import integer as _integer
from .inputs import money as _money
from .inputs import not_future as _not_future
from .inputs import now as _now
from .inputs import stale as _stale
from .inputs import text as _text
from .inputs import when as _when
from .lifecycle import INCIDENTS
from .models import (
    ClusterAlert,
    Incident,
    IncidentAccess,
    IncidentEvent,
    IncidentEvidence,
    IncidentSettings,
    IncidentStep,
    ReportingLimit,
)

#: types that reach the department and the centre at once whatever their grade
URGENT_TYPES = frozenset(
    {
        IncidentType.FIRE,
        IncidentType.FOOD_POISONING,
        IncidentType.INFECTIOUS,
        IncidentType.VIOLENCE,
        IncidentType.ABUSE,
        IncidentType.DISASTER,
        IncidentType.DISTURBANCE,
    }
)


# --- settings and limits -------------------------------------------------------------------------


def settings_for(bureau_id: int) -> IncidentSettings:
    """The bureau's settings, created with the defaults on first use."""
    obj = IncidentSettings.objects.filter(bureau_id=bureau_id).first()
    if obj is None:
        obj, _created = IncidentSettings.objects.get_or_create(bureau_id=bureau_id)
    return obj


def limit_rows(bureau_id: int) -> list:
    """The bureau's configured limits, or the defaults when it has configured none."""
    rows = list(ReportingLimit.objects.filter(bureau_id=bureau_id))
    return rows or list(LIMITS)


def limits_for(bureau_id: int, incident_type: str, severity: str) -> timeliness.Limits:
    return timeliness.resolve(limit_rows(bureau_id), incident_type, severity)


# --- reading input -------------------------------------------------------------------------------


COUNT_FIELDS = ("affected_students", "affected_staff", "injured", "deaths")


def report_problems(data: dict, *, now, restricted: bool) -> tuple[dict, dict]:
    """Check a first report: ``(errors, clean)``."""
    errors: dict = {}
    clean: dict = {
        "incident_type": _choice(data.get("incident_type"), IncidentType, "incident_type", errors),
        "severity": _choice(data.get("severity"), Severity, "severity", errors),
        "title": _text(data, "title", errors, required=True, limit=120),
        "place": _text(data, "place", errors, required=True, limit=200),
        "description": _text(data, "description", errors, required=True),
        "measures": _text(data, "measures", errors, required=False),
        "private_details": _text(data, "private_details", errors, required=False),
    }
    for name in COUNT_FIELDS:
        clean[name] = _count(data.get(name), name, errors)
    occurred = _when(data.get("occurred_at"), "occurred_at", errors)
    if occurred is None and "occurred_at" not in errors:
        errors["occurred_at"] = [_("This field is required.")]
    known_given = _when(data.get("known_at"), "known_at", errors)
    known = known_given or occurred
    verbal = _when(data.get("verbal_at"), "verbal_at", errors)
    _not_future(occurred, "occurred_at", now, errors)
    _not_future(known_given, "known_at", now, errors)  # a blank one is the occurrence's
    _not_future(verbal, "verbal_at", now, errors)
    if occurred and known and known < occurred:
        errors.setdefault("known_at", []).append(
            _("The school cannot have learned of it before it happened.")
        )
    if occurred and verbal and verbal < occurred:
        errors.setdefault("verbal_at", []).append(
            _("The verbal report cannot come before the incident.")
        )
    restricted = restricted or clean["incident_type"] in RESTRICTED_TYPES
    if clean["private_details"] and not restricted:
        errors.setdefault("private_details", []).append(
            _("Names and private details are kept only on a restricted case; give counts here.")
        )
    clean.update(
        occurred_at=occurred,
        known_at=known,
        verbal_at=verbal,
        verbal_to=_text(data, "verbal_to", errors, required=False, limit=100),
        restricted=restricted,
    )
    return errors, clean


def _school_for(actor, school_id):
    from safecampus.orgs.models import School

    q = access.report_schools_q(scope_for(actor))
    if q is None:
        raise refuse(_("Your roles do not allow reporting incidents."), Code.NOT_ALLOWED)
    try:
        return School.objects.filter(q).get(pk=int(school_id))
    except (School.DoesNotExist, TypeError, ValueError):
        raise refuse(
            {"school": [_("Choose a school you may report for.")]}, Code.OUT_OF_SCOPE
        ) from None


def _routed_department(bureau_id: int, incident_type: str) -> int | None:
    from safecampus.orgs.models import Department

    routing = (
        IncidentSettings.objects.filter(bureau_id=bureau_id)
        .values_list("routing", flat=True)
        .first()
    ) or {}
    dept = routing.get(incident_type) or routing.get("*")
    if dept and Department.objects.filter(pk=dept, bureau_id=bureau_id).exists():
        return int(dept)
    return None


def _department_for(actor, school, role: str, routing_key: str) -> int | None:
    """The department a new case goes to: a department officer's own (so that its reporter
    reaches it, whatever the routing), else the bureau's routing for ``routing_key``."""
    from safecampus.orgs.models import Department

    if role == Role.DEPARTMENT_OFFICER:
        own = (
            Department.objects.filter(access.own_departments_q(scope_for(actor)) or Q(pk__in=[]))
            .filter(bureau_id=school.bureau_id)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if own is not None:
            return own
    return _routed_department(school.bureau_id, routing_key)


def _step(incident, kind, *, at, actor, role, due=None, late=False, text="", **extra):
    return IncidentStep.objects.create(
        incident=incident,
        kind=kind,
        at=at,
        recorded_at=extra.pop("recorded_at", at),
        due_at=due,
        late=late,
        text=text,
        actor=actor,
        actor_role=role,
        **extra,
    )


def _event(incident, action, *, actor, role, at, from_status, to_status, note="", data=None):
    return IncidentEvent.objects.create(
        incident=incident,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_role=role,
        at=at,
        note=note,
        data=data or {},
    )


def is_urgent(incident) -> bool:
    return (
        incident.severity in SERIOUS
        or incident.incident_type in URGENT_TYPES
        or incident.deaths > 0
        or incident.injured > 0
    )


def _officers(incident) -> dict[str, list[int]]:
    """Who hears of a new incident: the routed department's officers, the centre, and the
    leadership group (for a serious one)."""
    from safecampus.accounts.models import RoleAssignment

    rows = RoleAssignment.objects.active().filter(user__is_active=True)
    dept = (
        list(
            rows.filter(
                role=Role.DEPARTMENT_OFFICER, department_id=incident.department_id
            ).values_list("user_id", flat=True)
        )
        if incident.department_id
        else []
    )
    bureau = rows.filter(bureau_id=incident.bureau_id)
    return {
        "department": dept,
        "centre": list(bureau.filter(role=Role.SAFETY_CENTRE).values_list("user_id", flat=True)),
        "leaders": list(bureau.filter(role=Role.LEADERSHIP).values_list("user_id", flat=True)),
    }


def _raised_to_serious(old: str, new: str) -> bool:
    """Whether a report raised the grade to III (较大) or above."""
    order = list(Severity.values)
    return new in SERIOUS and (old not in order or order.index(new) > order.index(old))


def _tell_leaders_raised(incident, change, *, now) -> None:
    """A follow-up raised the grade to III or above: the leadership group hears at once (of a
    restricted case only those named on it, without detail)."""
    old, new = change
    grade = Severity(new).label
    if incident.restricted:
        leaders = _named_leaders(incident)
        text = _("A restricted case was raised to grade %(grade)s (no. %(pk)s).") % {
            "grade": grade,
            "pk": incident.pk,
        }
    else:
        leaders = _officers(incident)["leaders"]
        text = _("%(school)s: %(title)s raised to %(grade)s") % {
            "school": incident.school.name,
            "title": incident.title,
            "grade": grade,
        }
    notify_now(
        leaders,
        kind=NoticeKind.INCIDENT,
        text=text,
        url=incident.get_absolute_url(),
        key=f"incident:{incident.pk}:raised:{new}",
        now=now,
    )
    messages.incident_alert(
        incident,
        users=leaders,
        key=f"raised:{new}",
        headline="" if incident.restricted else text,
        now=now,
    )


def _named_leaders(incident) -> list[int]:
    """The leadership group's members named on a restricted ``incident``."""
    named = set(IncidentAccess.objects.filter(incident=incident).values_list("user_id", flat=True))
    return sorted(set(_officers(incident)["leaders"]) & named)


def _announce(incident, *, actor, now) -> None:
    """Tell those it concerns: at once when urgent, else in the digest. A restricted case
    reaches only the people named on it, with no detail in the notice."""
    people = _officers(incident)
    recipients = set(people["department"]) | set(people["centre"])
    if incident.severity in SERIOUS:
        recipients |= set(people["leaders"])
    if incident.restricted:
        named = set(
            IncidentAccess.objects.filter(incident=incident).values_list("user_id", flat=True)
        )
        recipients &= named
        recipients |= named
        text = _("A restricted case was reported (no. %(pk)s).") % {"pk": incident.pk}
    else:
        text = _("%(school)s reported: %(title)s (%(type)s, %(severity)s)") % {
            "school": incident.school.name,
            "title": incident.title,
            "type": incident.get_incident_type_display(),
            "severity": incident.get_severity_display(),
        }
    recipients.discard(actor.pk)
    send = notify_now if is_urgent(incident) else notify
    kwargs = {"now": now} if send is notify_now else {}
    send(
        sorted(recipients),
        kind=NoticeKind.INCIDENT,
        text=text,
        url=incident.get_absolute_url(),
        key=f"incident:{incident.pk}:report",
        **kwargs,
    )
    if is_urgent(incident):  # the groups hear at once (never of a restricted case)
        messages.incident_alert(incident, users=sorted(recipients), key="report", now=now)


# --- reporting -----------------------------------------------------------------------------------


def incident_report(*, actor, data: dict, files: Iterable = (), now=None) -> Incident:
    """Report an incident for a school: the first written report (快报), and the verbal report
    when the call was already made (``verbal_at``, ``verbal_to``). Bullying and abuse are
    restricted from the start; the centre may restrict any report (``restricted``)."""
    now = _now(now)
    data = dict(data or {})
    school = _school_for(actor, data.get("school"))
    wants_restricted = bool(data.get("restricted")) and bool(
        access.manage_bureaus(scope_for(actor)) & {school.bureau_id}
    )
    errors, clean = report_problems(data, now=now, restricted=wants_restricted)
    cluster = None
    if data.get("cluster"):
        cluster_id = _integer(data["cluster"])
        if cluster_id is not None and 1 <= cluster_id <= MAX_ID:
            cluster = (
                ClusterAlert.objects.visible_to(actor)
                .filter(pk=cluster_id, school=school, incident__isnull=True)
                .first()
            )
        if cluster is None:
            errors.setdefault("cluster", []).append(_("This cluster alert cannot be reported now."))
        elif clean.get("incident_type") != IncidentType.INFECTIOUS:
            errors.setdefault("incident_type", []).append(
                _("A cluster alert is reported as an infectious-disease cluster.")
            )
    if errors:
        raise refuse(errors, refusal_code_of(errors))
    files = prepare_uploads(list(files or []))
    limits = limits_for(school.bureau_id, clean["incident_type"], clean["severity"])
    first = timeliness.first_report(
        known_at=clean["known_at"],
        reported_at=now,
        verbal_at=clean["verbal_at"],
        limits=limits,
        cluster_due=cluster.due_at if cluster else None,
    )
    role = _reporting_role(actor, school)
    department_id = _department_for(actor, school, role, clean["incident_type"])

    def write():
        incident = Incident.objects.create(
            bureau_id=school.bureau_id,
            school=school,
            department_id=department_id,
            incident_type=clean["incident_type"],
            severity=clean["severity"],
            title=clean["title"],
            occurred_at=clean["occurred_at"],
            known_at=clean["known_at"],
            place=clean["place"],
            description=clean["description"],
            measures=clean["measures"],
            private_details=clean["private_details"],
            restricted=clean["restricted"],
            limits=limits.as_dict(),
            reported_at=now,
            reported_by=actor,
            verbal_at=clean["verbal_at"],
            verbal_due_at=first.verbal_due,
            written_due_at=first.written_due,
            first_late=first.late,
            last_step_at=now,
            cluster=cluster,
            status_changed_at=now,
            **{k: clean[k] for k in COUNT_FIELDS},
        )
        event = _event(
            incident,
            IncidentAction.REPORT,
            actor=actor,
            role=role,
            at=now,
            from_status="",
            to_status=IncidentStatus.OPEN,
            data={"limits": limits.as_dict(), "late": first.late},
        )
        if clean["verbal_at"] is not None:
            _step(
                incident,
                StepKind.VERBAL,
                at=clean["verbal_at"],
                recorded_at=now,
                actor=actor,
                role=role,
                due=first.verbal_due,
                late=timeliness.is_late(clean["verbal_at"], first.verbal_due),
                recipient=clean["verbal_to"],
            )
        _step(
            incident,
            StepKind.INITIAL,
            at=now,
            actor=actor,
            role=role,
            due=first.written_due,
            late=first.written_late,
            text=clean["description"],
            data={"measures": clean["measures"], **{k: clean[k] for k in COUNT_FIELDS}},
        )
        if incident.restricted:
            restriction.name(
                IncidentAccess,
                incident,
                restriction.first_names(incident.bureau_id, actor),
                by=actor,
                now=now,
            )
        for upload in files:
            store_upload(IncidentEvidence(incident=incident, event=event), upload, actor=actor)
        if cluster is not None:
            ClusterAlert.objects.filter(pk=cluster.pk).update(incident=incident, reported_at=now)
        _announce(incident, actor=actor, now=now)
        return incident

    return in_write_transaction(write)


def _reporting_role(actor, school) -> str:
    return access.reporting_role(scope_for(actor), school)


# --- acting on an incident -----------------------------------------------------------------------


def act_problems(incident, action: str, data: dict, files, now) -> tuple[dict, dict]:
    """Check the input of ``action`` on ``incident``: ``(errors, clean)``."""
    errors: dict = {}
    clean: dict = {"note": _text(data, "note", errors, required=False)}
    if action in (IncidentAction.FOLLOW_UP, IncidentAction.CLOSE):
        clean["note"] = _text(data, "note", errors, required=True)
        as_of = _when(data.get("as_of"), "as_of", errors)
        _not_future(as_of, "as_of", now, errors)
        if as_of is not None and as_of < incident.reported_at:
            errors.setdefault("as_of", []).append(
                _("A follow-up cannot describe the situation before the first report.")
            )
        clean["as_of"] = as_of
        for name in COUNT_FIELDS:
            if data.get(name) not in (None, ""):
                clean[name] = _count(data.get(name), name, errors)
        if data.get("severity"):
            clean["severity"] = _choice(data.get("severity"), Severity, "severity", errors)
        clean["measures"] = _text(data, "measures", errors, required=False)
    elif action == IncidentAction.VERBAL:
        at = _when(data.get("verbal_at"), "verbal_at", errors)
        if at is None and "verbal_at" not in errors:
            errors["verbal_at"] = [_("This field is required.")]
        _not_future(at, "verbal_at", now, errors)
        if at is not None and at < incident.occurred_at:
            errors.setdefault("verbal_at", []).append(
                _("The verbal report cannot come before the incident.")
            )
        clean["verbal_at"] = at
        clean["verbal_to"] = _text(data, "verbal_to", errors, required=True, limit=100)
    elif action == IncidentAction.SYNC:
        clean["item"] = _choice(data.get("item"), SyncItem, "item", errors)
        clean["note"] = _text(data, "note", errors, required=True)
    elif action == IncidentAction.RESPONSIBILITY:
        clean["value"] = _choice(data.get("value"), Responsibility, "value", errors)
        clean["note"] = _text(data, "note", errors, required=True)
    elif action == IncidentAction.INSURANCE:
        clean["value"] = _choice(data.get("value"), InsuranceResult, "value", errors)
        clean["amount"] = _money(data.get("amount"), "amount", errors)
    elif action == IncidentAction.MEDIATION:
        clean["kind"] = _choice(data.get("kind"), MediationKind, "kind", errors)
        clean["value"] = _choice(data.get("value"), MediationOutcome, "value", errors)
        clean["amount"] = _money(data.get("amount"), "amount", errors)
        clean["note"] = _text(data, "note", errors, required=True)
    elif action == IncidentAction.DISTURBANCE:
        clean["value"] = _choice(data.get("value"), DisturbanceMeasure, "value", errors)
        clean["note"] = _text(data, "note", errors, required=True)
    elif action in (IncidentAction.COMMENT, IncidentAction.RESTRICT):
        clean["note"] = _text(data, "note", errors, required=True)
    elif action in (IncidentAction.GRANT, IncidentAction.REVOKE):
        raw = data.get("user")
        try:
            clean["user"] = int(raw)
        except (TypeError, ValueError, OverflowError):
            errors["user"] = [_("Choose a person.")]
        if not 1 <= clean.get("user", 1) <= MAX_ID:
            errors["user"] = [_("Choose a person.")]
            clean.pop("user")
    elif action == IncidentAction.ADD_EVIDENCE and not files:
        errors["files"] = [_("Choose at least one file.")]
    if action == IncidentAction.SYNC and clean.get("item") in (incident.sync or {}):
        errors.setdefault("item", []).append(_("This item is already ticked."))
    return errors, clean


def incident_act(
    *,
    actor,
    incident_id: int,
    action: str,
    data: dict | None = None,
    files: Iterable = (),
    version=None,
    now=None,
) -> Incident:
    """Take ``action`` on an incident: one path for every button and endpoint."""
    now = _now(now)
    data = dict(data or {})
    files = list(files or [])
    incident = get_for(actor, Incident.objects.select_related("school"), incident_id)
    if action not in INCIDENTS.actions():
        raise refuse(_("Unknown action."), Code.INVALID_TRANSITION)
    roles = roles_on(actor, incident)
    INCIDENTS.check(incident, action, roles)
    errors, clean = act_problems(incident, action, data, files, now)
    if (
        action == IncidentAction.GRANT
        and "user" in clean
        and not restriction.eligible_users(incident.bureau_id, [clean["user"]])
    ):
        errors["user"] = [_("Only an active person of this bureau or its schools can be named.")]
    if action == IncidentAction.REVOKE and "user" in clean:
        named = set(
            IncidentAccess.objects.filter(incident=incident).values_list("user_id", flat=True)
        )
        if clean["user"] not in named:
            errors["user"] = [_("This person is not named on the case.")]
        elif named == {clean["user"]}:
            errors["user"] = [_("The last person named on a case cannot be removed.")]
    if errors:
        raise refuse(errors, Code.COMMENT_REQUIRED if set(errors) == {"note"} else Code.INVALID)
    if action == IncidentAction.ESCALATE and incident.restricted and not _named_leaders(incident):
        raise refuse(
            _(
                "Name a member of the leadership group on this restricted case before reporting "
                "it to the leadership group."
            ),
            Code.INVALID,
        )
    files = prepare_uploads(files) if files else []
    move = INCIDENTS.find(action, incident.status)
    role = INCIDENTS.acting_role(roles, move)

    def write():
        row = Incident.objects.select_for_update().get(pk=incident.pk)
        _stale(row, version)
        move_now = INCIDENTS.check(row, action, roles)
        event_data = _apply(row, action, clean, actor=actor, role=role, now=now)
        event = INCIDENTS.commit(
            row,
            move_now,
            now=now,
            event=lambda f, t: _event(
                row,
                action,
                actor=actor,
                role=role,
                at=now,
                from_status=f,
                to_status=t,
                note=clean.get("note", ""),
                data=event_data,
            ),
        )
        for upload in files:
            store_upload(IncidentEvidence(incident=row, event=event), upload, actor=actor)
        if event_data.get("raised"):
            _tell_leaders_raised(row, event_data["raised"], now=now)
        if action == IncidentAction.ESCALATE:
            if row.restricted:  # only the leaders named on it, without detail
                leaders = _named_leaders(row)
                text = _("A restricted case was reported to the leadership group (no. %(pk)s).")
                text %= {"pk": row.pk}
            else:
                leaders = _officers(row)["leaders"]
                text = _("Reported to the leadership group: %(title)s") % {"title": row.title}
            notify_now(
                leaders,
                kind=NoticeKind.INCIDENT,
                text=text,
                url=row.get_absolute_url(),
                key=f"incident:{row.pk}:escalate",
                now=now,
            )
            # the notice is not e-mailed (``POSTED_KINDS``): the leaders who asked for alerts
            # by e-mail get this one, without detail when the case is restricted
            messages.incident_alert(
                row,
                users=leaders,
                key="escalate",
                headline="" if row.restricted else text,
                now=now,
            )
        return row

    return in_write_transaction(write)


def _restrict_disputes(incident, *, actor, role, now) -> list[int]:
    """The disputes arising from ``incident``, now restricted, are restricted with it and named
    as it is (its access list), each with its own event; returns their ids."""
    from .choices import DisputeAction
    from .dispute_services import _event as dispute_event
    from .models import Dispute, DisputeAccess

    names = list(IncidentAccess.objects.filter(incident=incident).values_list("user_id", flat=True))
    done = []
    for dispute in Dispute.objects.select_for_update().filter(incident=incident, restricted=False):
        dispute.restricted = True
        dispute.version += 1
        dispute.save(update_fields=["restricted", "version"])
        named = restriction.name(DisputeAccess, dispute, names, by=actor, now=now)
        dispute_event(
            dispute,
            DisputeAction.RESTRICT,
            actor=actor,
            role=role,
            at=now,
            from_status=dispute.status,
            to_status=dispute.status,
            note=_("Restricted with incident no. %(pk)s.") % {"pk": incident.pk},
            data={"restricted": [False, True], "named": named, "incident": incident.pk},
        )
        restriction.scrub_notices(
            DisputeAccess,
            dispute,
            prefix="dispute",
            text=_("A restricted dispute needs attention (no. %(pk)s).") % {"pk": dispute.pk},
        )
        done.append(dispute.pk)
    return done


def _apply(row: Incident, action: str, clean: dict, *, actor, role, now) -> dict:
    """The record's own changes for ``action`` (before the commit saves it); the event's data."""
    data: dict = {}
    if action in (IncidentAction.FOLLOW_UP, IncidentAction.CLOSE):
        changed = {k: [getattr(row, k), clean[k]] for k in COUNT_FIELDS if k in clean}
        if clean.get("severity") and clean["severity"] != row.severity:
            changed["severity"] = [row.severity, clean["severity"]]
        for name, (_old, new) in changed.items():
            setattr(row, name, new)
        if "severity" in changed and _raised_to_serious(*changed["severity"]):
            data["raised"] = changed["severity"]  # the leadership group is told at once
        if clean.get("measures"):
            row.measures = clean["measures"]
        data["changes"] = changed
        kind = StepKind.FOLLOW_UP if action == IncidentAction.FOLLOW_UP else StepKind.FINAL
        limits = timeliness.Limits.from_dict(row.limits)
        if kind == StepKind.FOLLOW_UP:
            due = timeliness.follow_up_due_for(now, limits)
            late = False
            row.follow_ups += 1
        else:
            due = timeliness.final_due(row.known_at, limits)
            late = timeliness.is_late(now, due)
        _step(
            row,
            kind,
            at=now,
            actor=actor,
            role=role,
            due=due,
            late=late,
            text=clean["note"],
            data={
                "as_of": clean["as_of"].isoformat() if clean.get("as_of") else None,
                "measures": clean.get("measures", ""),
                **{k: clean[k] for k in COUNT_FIELDS if k in clean},
            },
        )
        row.last_step_at = now
    elif action == IncidentAction.VERBAL:
        row.verbal_at = clean["verbal_at"]
        limits = timeliness.Limits.from_dict(row.limits)
        first = timeliness.first_report(
            known_at=row.known_at,
            reported_at=row.reported_at,
            verbal_at=row.verbal_at,
            limits=limits,
            cluster_due=row.cluster.due_at if row.cluster_id else None,
        )
        row.first_late = first.late
        _step(
            row,
            StepKind.VERBAL,
            at=clean["verbal_at"],
            recorded_at=now,
            actor=actor,
            role=role,
            due=first.verbal_due,
            late=timeliness.is_late(clean["verbal_at"], first.verbal_due),
            recipient=clean["verbal_to"],
        )
        data["verbal_at"] = clean["verbal_at"].isoformat()
    elif action == IncidentAction.ACKNOWLEDGE:
        row.acknowledged_at = now
    elif action == IncidentAction.ESCALATE:
        row.escalated_at = now
    elif action == IncidentAction.SYNC:
        row.sync = {**(row.sync or {}), clean["item"]: {"at": now.isoformat(), "by": actor.pk}}
        data["item"] = clean["item"]
    elif action == IncidentAction.RESPONSIBILITY:
        data["value"] = [row.responsibility, clean["value"]]
        row.responsibility = clean["value"]
    elif action == IncidentAction.INSURANCE:
        data["value"] = [row.insurance, clean["value"]]
        data["amount"] = clean.get("amount")
        row.insurance = clean["value"]
    elif action == IncidentAction.MEDIATION:
        data.update(kind=clean["kind"], value=clean["value"], amount=clean.get("amount"))
        row.mediation = clean["value"]
    elif action == IncidentAction.DISTURBANCE:
        data["value"] = clean["value"]
    elif action == IncidentAction.RESTRICT:
        row.restricted = True
        named = restriction.name(
            IncidentAccess,
            row,
            restriction.first_names(row.bureau_id, actor, row.reported_by_id),
            by=actor,
            now=now,
        )
        data["named"] = named
        restriction.scrub_notices(
            IncidentAccess,
            row,
            prefix="incident",
            text=_("A restricted case was reported (no. %(pk)s).") % {"pk": row.pk},
        )
        data["disputes"] = _restrict_disputes(row, actor=actor, role=role, now=now)
    elif action == IncidentAction.GRANT:
        data["named"] = restriction.name(IncidentAccess, row, [clean["user"]], by=actor, now=now)
    elif action == IncidentAction.REVOKE:
        IncidentAccess.objects.filter(incident=row, user_id=clean["user"]).delete()
        data["removed"] = [clean["user"]]
    return data


__all__ = [
    "COUNT_FIELDS",
    "incident_act",
    "incident_report",
    "is_urgent",
    "limits_for",
    "settings_for",
]
