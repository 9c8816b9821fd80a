"""Code lists of incidents, accident handling and disputes (DOMAIN.md §10); the lifecycle tables
are in ``lifecycle``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IncidentType(models.TextChoices):
    INJURY = "injury", _("Injury accident")
    FIRE = "fire", _("Fire")
    FOOD_POISONING = "food_poisoning", _("Food poisoning")
    INFECTIOUS = "infectious", _("Infectious-disease cluster")
    VIOLENCE = "violence", _("Violence")
    BULLYING = "bullying", _("Bullying")
    ABUSE = "abuse", _("Abuse or sexual assault")
    TRAFFIC = "traffic", _("Traffic accident")
    DISASTER = "disaster", _("Natural disaster")
    PUBLIC_OPINION = "public_opinion", _("Public-opinion event")
    DISTURBANCE = "disturbance", _("School disturbance (校闹)")
    OTHER = "other", _("Other")


#: types whose cases concern minors' privacy: restricted from the first report
RESTRICTED_TYPES = frozenset({IncidentType.BULLYING, IncidentType.ABUSE})

#: the keys of ``IncidentSettings.routing`` besides the incident types: disputes, and the
#: default for every type not routed on its own
ROUTING_DISPUTE = "dispute"
ROUTING_DEFAULT = "*"
ROUTING_CHOICES = (
    *IncidentType.choices,
    (ROUTING_DISPUTE, pgettext_lazy("routing", "Disputes")),
    (ROUTING_DEFAULT, pgettext_lazy("routing", "Other types (default)")),
)
ROUTING_KEYS = frozenset(k for k, _label in ROUTING_CHOICES)
#: public-health events (2 h report, daily follow-ups by 17:00, closing report)
PUBLIC_HEALTH_TYPES = frozenset({IncidentType.FOOD_POISONING, IncidentType.INFECTIOUS})


class Severity(models.TextChoices):
    """The four grades of the national emergency plans (IV to I)."""

    GENERAL = "general", _("General (IV)")
    LARGER = "larger", _("Larger (III)")
    MAJOR = "major", _("Major (II)")
    EXTRAORDINARY = "extraordinary", _("Extraordinary (I)")


#: the grades that call for 三同步 and reach the leadership group at once
SERIOUS = frozenset({Severity.LARGER, Severity.MAJOR, Severity.EXTRAORDINARY})
SEVERITY_RANK = {s: i for i, s in enumerate(Severity.values)}


class IncidentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident status", "Being handled")
    CLOSED = "closed", pgettext_lazy("incident status", "Closed (final report filed)")


class StepKind(models.TextChoices):
    """The reports an incident is made of, in order."""

    VERBAL = "verbal", _("Verbal report (phone)")
    INITIAL = "initial", _("First written report (快报)")
    FOLLOW_UP = "follow_up", _("Follow-up report (续报)")
    FINAL = "final", _("Closing report (终报)")


class IncidentAction(models.TextChoices):
    REPORT = "report", _("Report")
    VERBAL = "verbal", _("Record the verbal report")
    FOLLOW_UP = "follow_up", _("File a follow-up report")
    CLOSE = "close", _("File the closing report")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    ESCALATE = "escalate", _("Report to the leadership group")
    SYNC = "sync", _("Tick a 三同步 item")
    RESPONSIBILITY = "responsibility", _("Record the responsibility determination")
    INSURANCE = "insurance", _("Record the liability-insurance claim")
    MEDIATION = "mediation", _("Record a mediation step")
    DISTURBANCE = "disturbance", _("Record the handling of a school disturbance")
    COMMENT = "comment", _("Comment")
    RESTRICT = "restrict", _("Restrict the case")
    GRANT = "grant", _("Name a person on the case")
    REVOKE = "revoke", _("Remove a person from the case")
    ADD_EVIDENCE = "add_evidence", _("Add files")


class SyncItem(models.TextChoices):
    """三同步 (003 §4): report, handle and respond to public opinion together."""

    REPORT = "report", _("Reported at the same time")
    HANDLE = "handle", _("Handled at the same time")
    OPINION = "opinion", _("Public opinion answered at the same time")


class Responsibility(models.TextChoices):
    SCHOOL = "school", _("The school is liable")
    PARTLY = "partly", _("The school is partly liable")
    NONE = "none", _("The school is not liable")
    PENDING = "pending", _("Still being determined")


class InsuranceResult(models.TextChoices):
    FILED = "filed", _("Claim filed")
    PAID = "paid", _("Paid")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MediationKind(models.TextChoices):
    PEOPLES = "peoples", pgettext_lazy("mediation route", "People's mediation (人民调解)")
    ADMINISTRATIVE = "administrative", pgettext_lazy("mediation route", "Administrative mediation")
    ARBITRATION = "arbitration", pgettext_lazy("mediation route", "Arbitration")
    COURT = "court", pgettext_lazy("mediation route", "Court")


class MediationOutcome(models.TextChoices):
    STARTED = "started", pgettext_lazy("mediation outcome", "Started")
    SESSION = "session", pgettext_lazy("mediation outcome", "Session held")
    AGREED = "agreed", pgettext_lazy("mediation outcome", "Agreement reached")
    FAILED = "failed", pgettext_lazy("mediation outcome", "Failed")
    JUDGED = "judged", pgettext_lazy("mediation outcome", "Decided (award or judgement)")


#: a mediation outcome that ends that path
MEDIATION_ENDS = frozenset(
    {MediationOutcome.AGREED, MediationOutcome.FAILED, MediationOutcome.JUDGED}
)


class DisturbanceMeasure(models.TextChoices):
    POLICE_CALLED = "police_called", _("Police called and the disturbance stopped")
    DIALOGUE = "dialogue", _("Dialogue with the family")
    LEGAL = "legal", _("Referred to legal channels")
    OTHER = "other", _("Other measure")


# --- disputes (矛盾纠纷) --------------------------------------------------------------------------


class PartyRole(models.TextChoices):
    SCHOOL = "school", pgettext_lazy("dispute party", "School")
    STAFF = "staff", pgettext_lazy("dispute party", "Staff")
    PARENT = "parent", pgettext_lazy("dispute party", "Parent")
    STUDENT = "student", pgettext_lazy("dispute party", "Student")
    OTHER = "other", pgettext_lazy("dispute party", "Other")


class DisputeSubject(models.TextChoices):
    INJURY = "injury", pgettext_lazy("dispute subject", "Injury or accident")
    DISCIPLINE = "discipline", pgettext_lazy("dispute subject", "Discipline and teaching")
    FEES = "fees", pgettext_lazy("dispute subject", "Fees and money")
    LABOUR = "labour", pgettext_lazy("dispute subject", "Staff employment")
    ADMISSION = "admission", pgettext_lazy("dispute subject", "Admission and enrolment")
    BULLYING = "bullying", pgettext_lazy("dispute subject", "Bullying")
    NEIGHBOURHOOD = "neighbourhood", pgettext_lazy("dispute subject", "Neighbourhood")
    OTHER = "other", pgettext_lazy("dispute subject", "Other")


class RiskLevel(models.TextChoices):
    LOW = "low", pgettext_lazy("dispute risk", "Low")
    MEDIUM = "medium", pgettext_lazy("dispute risk", "Medium")
    HIGH = "high", pgettext_lazy("dispute risk", "High")


class DisputeSource(models.TextChoices):
    SCREENING = "screening", pgettext_lazy("dispute source", "Monthly screening")
    REPORT = "report", pgettext_lazy("dispute source", "Reported")
    PETITION = "petition", pgettext_lazy("dispute source", "Letter or visit (信访)")
    INCIDENT = "incident", pgettext_lazy("dispute source", "Arising from an incident")


class DisputeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("dispute status", "Registered")
    MEDIATING = "mediating", pgettext_lazy("dispute status", "Being mediated")
    ESCALATED = "escalated", pgettext_lazy("dispute status", "Escalated")
    RESOLVED = "resolved", pgettext_lazy("dispute status", "Resolved")


OPEN_DISPUTE = frozenset({DisputeStatus.OPEN, DisputeStatus.MEDIATING, DisputeStatus.ESCALATED})


class DisputeAction(models.TextChoices):
    REGISTER = "register", pgettext_lazy("dispute action", "Register")
    MEDIATE = "mediate", pgettext_lazy("dispute action", "Record a mediation step")
    ESCALATE = "escalate", pgettext_lazy("dispute action", "Escalate")
    RESOLVE = "resolve", pgettext_lazy("dispute action", "Record the resolution")
    REOPEN = "reopen", pgettext_lazy("dispute action", "Reopen")
    ASSESS = "assess", pgettext_lazy("dispute action", "Assess the risk again")
    COMMENT = "comment", pgettext_lazy("dispute action", "Comment")
    RESTRICT = "restrict", pgettext_lazy("dispute action", "Restrict the case")
    GRANT = "grant", pgettext_lazy("dispute action", "Name a person on the case")
    REVOKE = "revoke", pgettext_lazy("dispute action", "Remove a person from the case")
