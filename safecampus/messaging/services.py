"""Writing the messaging app's records: robots (with their test send), the bureau's settings and
its departments' heads, a person's preferences. Pages and API call these; each checks who may
act through the access module and refuses bad input in Chinese, changing nothing.

The webhook's token and the signing secret never leave these functions: the channel's events and
the audit log name the fields changed, never their values."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.services import audit_record
from safecampus.core.access import scope_for
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse
from safecampus.orgs.models import Department, School

from . import access, transports
from .choices import ROBOTS, ChannelAction, Outcome, Status, Topic, Transport
from .models import (
    Attempt,
    Channel,
    ChannelEvent,
    DepartmentHead,
    Message,
    MessagingSettings,
    Preference,
)
from .outbox import drain, enqueue

#: the fields a robot's form edits, besides the webhook and the secret
PLAIN_FIELDS = ("name", "keywords", "topics", "quiet_start", "quiet_end")
SECRET_FIELDS = ("webhook", "secret")


def _clean_topics(topics) -> list[str]:
    valid = {t.value for t in Topic if t != Topic.TEST}
    chosen = [str(t) for t in (topics or [])]
    bad = [t for t in chosen if t not in valid]
    if bad:
        raise refuse({"topics": _("Unknown topics: %(t)s") % {"t": ", ".join(bad)}})
    return [t for t in [v.value for v in Topic] if t in chosen]


def _clean_quiet(start, end) -> None:
    if (start is None) != (end is None):
        raise refuse(
            {"quiet_end": _("Give both ends of the quiet hours, or neither.")}, Code.INVALID
        )


def _check_webhook(transport: str, webhook: str) -> str:
    try:
        return transports.webhook_check(transport, webhook)
    except ValidationError as exc:
        raise refuse({"webhook": exc.messages}, Code.WEBHOOK_INVALID) from None


def _owner(bureau_id: int, department=None, school=None):
    """(department, school) checked to belong to the bureau."""
    if school is not None:
        school = school if isinstance(school, School) else School.objects.filter(pk=school).first()
        if school is None or school.bureau_id != bureau_id:
            raise refuse({"school": _("This school is not of the bureau.")}, Code.SCOPE)
        return None, school
    if department is not None:
        department = (
            department
            if isinstance(department, Department)
            else Department.objects.filter(pk=department).first()
        )
        if department is None or department.bureau_id != bureau_id:
            raise refuse({"department": _("This department is not of the bureau.")}, Code.SCOPE)
        return department, None
    return None, None


def channel_create(
    *,
    actor,
    bureau,
    transport: str,
    name: str,
    webhook: str,
    secret: str = "",
    keywords: str = "",
    topics=None,
    quiet_start=None,
    quiet_end=None,
    department=None,
    school=None,
) -> Channel:
    """Set up a group robot for the bureau, one of its departments or one of its schools."""
    bureau_id = getattr(bureau, "pk", bureau)
    department, school = _owner(bureau_id, department, school)
    if not access.may_keep_for(
        scope_for(actor),
        bureau_id=bureau_id,
        department_id=getattr(department, "pk", None),
        school_id=getattr(school, "pk", None),
    ):
        raise PermissionDenied(_("You may not set up a robot for this organisation."))
    if transport not in ROBOTS:
        raise refuse({"transport": _("Choose DingTalk or WeCom.")})
    name = (name or "").strip()
    if not name:
        raise refuse({"name": _("This field is required.")})
    webhook = _check_webhook(transport, webhook)
    if transport == Transport.WECOM and secret:
        raise refuse({"secret": _("A WeCom group robot has no signing secret.")})
    topics = _clean_topics(topics if topics is not None else [t.value for t in Topic][:-1])
    _clean_quiet(quiet_start, quiet_end)

    def work() -> Channel:
        channel = Channel.objects.create(
            bureau_id=bureau_id,
            department=department,
            school=school,
            transport=transport,
            name=name[:64],
            webhook=webhook,
            secret=(secret or "").strip(),
            keywords=(keywords or "").strip()[:200],
            topics=topics,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
            created_by=actor,
        )
        fields = {"transport": transport, "name": channel.name, "signed": channel.signed}
        ChannelEvent.objects.create(
            channel=channel, action=ChannelAction.CREATE, actor=actor, data=fields
        )
        audit_record(
            action="config_created",
            actor=actor,
            target=channel,
            bureau_id=bureau_id,
            data={"robot": fields, "owner": str(channel.owner)},
        )
        return channel

    return in_write_transaction(work)


def _lock(channel: Channel, version: int | None) -> Channel:
    locked = Channel.objects.select_for_update().get(pk=channel.pk)
    if locked.removed_at is not None:
        raise refuse(_("This robot was removed."), Code.INVALID_TRANSITION)
    if version is not None and int(version) != locked.version:
        raise refuse(
            _("Someone changed this robot meanwhile; reload the page and try again."), Code.STALE
        )
    return locked


def _require_keeper(actor, channel: Channel) -> None:
    if not Channel.objects.restrict(actor, access.EDIT).filter(pk=channel.pk).exists():
        raise PermissionDenied(_("You may not change this robot."))


def channel_update(*, actor, channel: Channel, data: dict, version: int | None = None) -> Channel:
    """Change a robot's name, keywords, topics or quiet hours (not its webhook or secret)."""
    _require_keeper(actor, channel)
    clean = {k: data[k] for k in PLAIN_FIELDS if k in data}
    if "topics" in clean:
        clean["topics"] = _clean_topics(clean["topics"])
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()[:64]
        if not clean["name"]:
            raise refuse({"name": _("This field is required.")})
    if "keywords" in clean:
        clean["keywords"] = (clean["keywords"] or "").strip()[:200]

    def work() -> Channel:
        locked = _lock(channel, version)
        start = clean.get("quiet_start", locked.quiet_start)
        end = clean.get("quiet_end", locked.quiet_end)
        _clean_quiet(start, end)
        changed = {k: v for k, v in clean.items() if getattr(locked, k) != v}
        if not changed:
            return locked
        for k, v in changed.items():
            setattr(locked, k, v)
        locked.version += 1
        locked.save(update_fields=[*changed, "version"])
        shown = {k: str(v) if isinstance(v, datetime.time) else v for k, v in changed.items()}
        ChannelEvent.objects.create(
            channel=locked, action=ChannelAction.UPDATE, actor=actor, data=shown
        )
        audit_record(
            action="config_changed",
            actor=actor,
            target=locked,
            bureau_id=locked.bureau_id,
            data={"fields": sorted(changed)},
        )
        return locked

    return in_write_transaction(work)


def channel_secret_replace(
    *, actor, channel: Channel, webhook: str = "", secret: str | None = None, version=None
) -> Channel:
    """Replace the webhook and/or the signing secret (an empty webhook keeps the old one; a
    secret of ``None`` keeps it, ``""`` removes it). Neither value is ever shown or logged."""
    _require_keeper(actor, channel)
    new_webhook = _check_webhook(channel.transport, webhook) if webhook else None
    if channel.transport == Transport.WECOM and secret:
        raise refuse({"secret": _("A WeCom group robot has no signing secret.")})

    def work() -> Channel:
        locked = _lock(channel, version)
        fields = []
        if new_webhook is not None and new_webhook != locked.webhook:
            locked.webhook = new_webhook
            fields.append("webhook")
        if secret is not None and secret.strip() != locked.secret:
            locked.secret = secret.strip()
            fields.append("secret")
        if not fields:
            return locked
        locked.version += 1
        locked.blocked_until = None
        locked.save(update_fields=[*fields, "version", "blocked_until"])
        ChannelEvent.objects.create(
            channel=locked, action=ChannelAction.SECRET, actor=actor, data={"fields": fields}
        )
        audit_record(
            action="config_changed",
            actor=actor,
            target=locked,
            bureau_id=locked.bureau_id,
            data={"fields": fields},
        )
        return locked

    return in_write_transaction(work)


def _switch(actor, channel: Channel, action: str, version=None) -> Channel:
    _require_keeper(actor, channel)

    def work() -> Channel:
        locked = _lock(channel, version)
        now = timezone.now()
        if action == ChannelAction.PAUSE:
            if not locked.active:
                raise refuse(_("This robot is already paused."), Code.INVALID_TRANSITION)
            locked.active = False
        elif action == ChannelAction.RESUME:
            if locked.active:
                raise refuse(_("This robot is not paused."), Code.INVALID_TRANSITION)
            locked.active = True
        else:
            locked.active = False
            locked.removed_at = now
            # what waits for a removed robot is cancelled, with the reason
            waiting = list(
                Message.objects.filter(channel=locked, status=Status.PENDING).values_list(
                    "pk", flat=True
                )
            )
            _cancel_many(waiting, now=now, actor=actor, detail=_("The robot was removed."))
        locked.version += 1
        locked.save(update_fields=["active", "removed_at", "version"])
        ChannelEvent.objects.create(channel=locked, action=action, actor=actor)
        audit_record(
            action="config_changed",
            actor=actor,
            target=locked,
            bureau_id=locked.bureau_id,
            data={"robot": action},
        )
        return locked

    return in_write_transaction(work)


def _cancel_many(ids, *, now, actor, detail: str) -> None:
    from django.db.models import F

    from .choices import Action
    from .models import MessageEvent

    rows = Message.objects.filter(pk__in=ids, status=Status.PENDING)
    moved = list(rows.values_list("pk", flat=True))
    rows.update(status=Status.CANCELLED, version=F("version") + 1, last_error=detail[:300])
    MessageEvent.objects.bulk_create(
        [
            MessageEvent(
                message_id=pk,
                action=Action.CANCEL,
                from_status=Status.PENDING,
                to_status=Status.CANCELLED,
                actor=actor,
                at=now,
                detail=detail[:300],
            )
            for pk in moved
        ]
    )


def channel_pause(*, actor, channel: Channel, version=None) -> Channel:
    return _switch(actor, channel, ChannelAction.PAUSE, version)


def channel_resume(*, actor, channel: Channel, version=None) -> Channel:
    return _switch(actor, channel, ChannelAction.RESUME, version)


def channel_remove(*, actor, channel: Channel, version=None) -> Channel:
    return _switch(actor, channel, ChannelAction.DELETE, version)


def channel_test_send(*, actor, channel: Channel, now=None) -> tuple[bool, str]:
    """Send a test message now, through the outbox (it counts against the robot's limit), and
    say plainly what the service answered: (delivered, message in Chinese)."""
    _require_keeper(actor, channel)
    now = now or timezone.now()
    if channel.removed_at is not None:
        raise refuse(_("This robot was removed."), Code.INVALID_TRANSITION)
    stamp = uuid.uuid4().hex
    owner = channel.owner
    name = getattr(actor, "full_name", "") or actor.get_username()

    def work() -> Message:
        enqueue(
            [
                Message(
                    bureau_id=channel.bureau_id,
                    channel=channel,
                    transport=channel.transport,
                    topic=Topic.TEST,
                    key=f"test:{channel.pk}:{stamp}",
                    title=_("SafeCampus test message"),
                    body=_(
                        "This robot of %(owner)s is connected to SafeCampus. Sent by %(name)s "
                        "at %(time)s."
                    )
                    % {
                        "owner": owner,
                        "name": name,
                        "time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
                    },
                    created_at=now,
                    not_before=now,
                    next_attempt_at=now,
                )
            ]
        )
        ChannelEvent.objects.create(channel=channel, action=ChannelAction.TEST, actor=actor)
        return Message.objects.get(key=f"test:{channel.pk}:{stamp}")

    message = in_write_transaction(work)
    if not channel.active:
        return False, _("The robot is paused: the test message waits until it is resumed.")
    drain(now=now, channel_ids=[channel.pk], message_ids=[message.pk], max_rounds=1)
    message.refresh_from_db()
    if message.status == Status.SENT:
        return True, _("The test message was delivered. Check the group.")
    last = Attempt.objects.filter(message=message).order_by("-at", "-id").first()
    if last is not None and last.outcome == Outcome.LIMITED:
        return False, last.detail
    if message.last_error:
        return False, message.last_error
    return False, _(
        "The robot has sent its %(n)s messages of this minute; the test message waits its turn."
    ) % {"n": settings.SAFECAMPUS_ROBOT_PER_MINUTE}


# --- the bureau's settings ----------------------------------------------------------------------

SETTINGS_FIELDS = (
    "quiet_start",
    "quiet_end",
    "digest_time",
    "general_head_days",
    "general_centre_days",
    "general_leaders_days",
    "major_head_days",
    "major_centre_days",
    "major_leaders_days",
)


LADDER_STEPS = ("head", "centre", "leaders")


def _ladder_errors(cfg: MessagingSettings, data: dict) -> dict:
    """The ladders as they would be once ``data`` is merged with the saved ``cfg``: every
    step between 0 and 365 days, and going up (head ≤ centre ≤ leaders), per level."""
    errors = {}
    for level in ("general", "major"):
        steps = []
        for step in LADDER_STEPS:
            name = f"{level}_{step}_days"
            value = data.get(name)
            value = getattr(cfg, name) if value is None else value
            try:
                steps.append(int(value))
            except (TypeError, ValueError):
                steps.append(-1)
        if any(v < 0 or v > 365 for v in steps):
            errors[f"{level}_head_days"] = _("Days overdue must be between 0 and 365.")
        elif not steps[0] <= steps[1] <= steps[2]:
            errors[f"{level}_centre_days"] = _(
                "The ladder goes up: the head first, then the centre, then the leadership group "
                "(days overdue may not decrease)."
            )
    return errors


def settings_save(*, actor, bureau, data: dict, version=None) -> MessagingSettings:
    """Keep the bureau's quiet hours, digest hour and escalation ladder (the centre). The
    ladder is checked as it will be: the given days merged with the saved ones."""
    bureau_id = getattr(bureau, "pk", bureau)
    if bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise PermissionDenied(_("Only the safety centre keeps the bureau's message settings."))

    def work() -> MessagingSettings:
        cfg, created = MessagingSettings.objects.select_for_update().get_or_create(
            bureau_id=bureau_id
        )
        if version is not None and not created and int(version) != cfg.version:
            raise refuse(
                _("Someone changed these settings meanwhile; reload the page and try again."),
                Code.STALE,
            )
        if errors := _ladder_errors(cfg, data):
            raise refuse(errors)  # the row made just now goes with the transaction
        changed = {k: data[k] for k in SETTINGS_FIELDS if k in data and getattr(cfg, k) != data[k]}
        if not changed and not created:
            return cfg
        before = {k: str(getattr(cfg, k)) for k in changed}
        for k, v in changed.items():
            setattr(cfg, k, v)
        cfg.updated_by = actor
        cfg.updated_at = timezone.now()
        cfg.version += 0 if created else 1
        cfg.save()
        audit_record(
            action="config_changed",
            actor=actor,
            target=cfg,
            bureau_id=bureau_id,
            data={k: [before[k], str(v)] for k, v in changed.items()},
            target_repr=_("Message settings"),
        )
        return cfg

    return in_write_transaction(work)


def settings_and_heads_save(*, actor, bureau, data: dict, heads, version=None) -> MessagingSettings:
    """The settings page's one write: the settings and each department's head (``heads``:
    pairs of a department and a user or ``None``) in one transaction, so a refused head
    leaves nothing saved."""

    def work() -> MessagingSettings:
        cfg = settings_save(actor=actor, bureau=bureau, data=data, version=version)
        for department, user in heads:
            department_head_set(actor=actor, department=department, user=user)
        return cfg

    return in_write_transaction(work)


def department_head_set(*, actor, department: Department, user) -> DepartmentHead | None:
    """Name the department officer who is the department's head for escalations (``None``
    clears it: the department's escalations then go to all its officers)."""
    from safecampus.accounts.models import RoleAssignment
    from safecampus.core.roles import Role

    if department.bureau_id not in access.manage_bureaus(scope_for(actor)):
        raise PermissionDenied(_("Only the safety centre names the departments' heads."))
    if user is not None:
        held = (
            RoleAssignment.objects.active()
            .filter(user=user, role=Role.DEPARTMENT_OFFICER, department=department)
            .exists()
        )
        if not held:
            raise refuse(
                {"user": _("The head must be an officer of this department.")}, Code.INVALID
            )

    def work():
        DepartmentHead.objects.filter(department=department).delete()
        head = None
        if user is not None:
            head = DepartmentHead.objects.create(department=department, user=user, set_by=actor)
        audit_record(
            action="config_changed",
            actor=actor,
            target=department,
            bureau_id=department.bureau_id,
            data={"department_head": getattr(user, "pk", None)},
        )
        return head

    return in_write_transaction(work)


# --- a person's preferences ---------------------------------------------------------------------


def preference_save(*, user, data: dict) -> Preference:
    """Keep one's own e-mail address, the topics one receives by e-mail, the daily digest by
    e-mail and one's own quiet hours."""
    from django.core.validators import validate_email

    email = (data.get("email") or "").strip()
    errors = {}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    topics = data.get("email_topics")
    if topics is not None:
        try:
            topics = _clean_topics(topics)
        except ValidationError as exc:
            errors["email_topics"] = exc.messages
    if errors:
        raise refuse(errors)
    _clean_quiet(data.get("quiet_start"), data.get("quiet_end"))

    def work() -> Preference:
        pref, _created = Preference.objects.select_for_update().get_or_create(user=user)
        pref.email = email
        if topics is not None:
            pref.email_topics = topics
        if "email_digest" in data:
            pref.email_digest = bool(data["email_digest"])
        pref.quiet_start = data.get("quiet_start")
        pref.quiet_end = data.get("quiet_end")
        pref.updated_at = timezone.now()
        pref.save()
        return pref

    return in_write_transaction(work)
