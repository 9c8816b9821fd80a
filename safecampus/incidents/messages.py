"""What incidents say outside the platform (DOMAIN.md §12): alerts that cannot wait.

An urgent incident (the ones told at once in-app), a grade raised to III or above, an illness
cluster and a dispute at risk go at once, whatever the hour, to the robots of the school, of the
department the case is routed to and of the bureau's own group, and by e-mail to the people told
in-app who asked for alerts. Queued in the business transaction, keyed ``alert:<case>:<pk>:…``.

A restricted case (bullying, abuse, or restricted by the centre) never goes to a robot, not
even as a neutral line, and its e-mails say only that something waits on the platform
(``Post.restricted``). When a case becomes restricted later, what was queued for it and not yet
sent is withdrawn (:func:`withdraw_case`, called where its notices are scrubbed).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.messaging.choices import Topic
from safecampus.messaging.dispatch import Post, post, withdraw


def _post(case, *, key: str, title: str, lines: list[str], users, url: str, now, department_id):
    return post(
        Post(
            topic=Topic.ALERT,
            key=key,
            bureau_id=case.bureau_id,
            title=title,
            body="\n".join(lines),
            url=url,
            schools=(case.school_id,),
            departments=(department_id,) if department_id else (),
            bureau=True,
            users=tuple(sorted(set(users))),
            restricted=bool(getattr(case, "restricted", False)),
        ),
        now=now,
    )


def incident_alert(incident, *, users, key: str, headline: str = "", now=None) -> int:
    """An urgent incident (``key``: ``report``, ``raised:<grade>``): its robots and e-mails.
    ``headline`` says what happened (the report by default)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = headline or _("Urgent incident at %(school)s: %(title)s") % {
            "school": incident.school.name,
            "title": incident.title,
        }
        lines = [
            _("- School: %(school)s") % {"school": incident.school.name},
            _("- Type: %(type)s, grade %(grade)s")
            % {
                "type": incident.get_incident_type_display(),
                "grade": incident.get_severity_display(),
            },
            _("- Occurred at: %(at)s")
            % {"at": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d %H:%M")},
        ]
        if incident.injured or incident.deaths:
            lines.append(
                _("- Injured: %(injured)s, dead: %(deaths)s")
                % {"injured": incident.injured, "deaths": incident.deaths}
            )
    return _post(
        incident,
        key=f"alert:incident:{incident.pk}:{key}",
        title=title,
        lines=lines,
        users=users,
        url=incident.get_absolute_url(),
        now=now,
        department_id=incident.department_id,
    )


def cluster_alert(alert, *, users, text: str, url: str, department_id=None, now=None) -> int:
    """An illness cluster reached the thresholds: its school's, department's and bureau's
    robots (a cluster names a class and counts, never a pupil)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Illness cluster at %(school)s") % {"school": alert.school.name}
    return _post(
        alert,
        key=f"alert:cluster:{alert.pk}",
        title=title,
        lines=[text],
        users=users,
        url=url,
        now=now,
        department_id=department_id,
    )


def dispute_alert(dispute, *, users, key: str, why: str, now=None) -> int:
    """A dispute at risk (or escalated): its robots and e-mails."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Dispute at risk at %(school)s: %(title)s") % {
            "school": dispute.school.name,
            "title": dispute.title,
        }
        lines = [
            _("- School: %(school)s") % {"school": dispute.school.name},
            _("- Why: %(why)s") % {"why": why},
        ]
    return _post(
        dispute,
        key=f"alert:dispute:{dispute.pk}:{key}",
        title=title,
        lines=lines,
        users=users,
        url=dispute.get_absolute_url(),
        now=now,
        department_id=dispute.department_id,
    )


def withdraw_case(prefix: str, pk: int, *, now=None) -> int:
    """``prefix`` case ``pk`` (``incident`` / ``dispute``) became restricted: its messages not
    yet sent never reach a robot and lose their detail by e-mail."""
    return withdraw(f"alert:{prefix}:{pk}:", now=now)


__all__ = ["cluster_alert", "dispute_alert", "incident_alert", "withdraw_case"]
