"""Code lists of security standards (DOMAIN.md §8)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Pillar(models.TextChoices):
    """人防、物防、技防."""

    PEOPLE = "people", _("People (人防)")
    PHYSICAL = "physical", _("Physical (物防)")
    TECHNICAL = "technical", _("Technical (技防)")


class RuleKind(models.TextChoices):
    """A minimum (the measure must reach the threshold), a maximum (must not exceed it) or a
    check (the condition must hold)."""

    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")
    CHECK = "check", _("Condition")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PolicyMode(models.TextChoices):
    STRICTER = "stricter", _("Take the stricter (就高不就低)")
    SPECIFIC = "specific", _("The first rule set that has the rule")


class Outcome(models.TextChoices):
    PASS = "pass", _("Complies")
    FAIL = "fail", _("Fails")
    NA = "na", _("Does not apply")
    UNKNOWN = "unknown", _("Facts missing")


class FindingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("standards finding", "Open")
    RESOLVED = "resolved", pgettext_lazy("standards finding", "Resolved")


class FindingAction(models.TextChoices):
    OPEN = "open", pgettext_lazy("standards finding", "Found")
    RAISE_HAZARD = "raise_hazard", pgettext_lazy("standards finding", "Turned into a hazard")
    LINK_HAZARD = "link_hazard", pgettext_lazy("standards finding", "Linked to the open hazard")
    RESOLVE = "resolve", pgettext_lazy("standards finding", "Complies again")
    REVISE = "revise", pgettext_lazy("standards finding", "Explanation updated")
    LAPSE = "lapse", pgettext_lazy("standards finding", "No longer applies")


class FactsStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    RETURNED = "returned", _("Returned for correction")


class VersionAction(models.TextChoices):
    """What happens to a rule set, a version or a bureau's policy (``StandardsEvent``)."""

    CREATE = "create", _("Rule set created")
    PUBLISH = "publish", _("Version published")
    LOAD = "load", _("Shipped version loaded")
    POLICY = "policy", _("Standards applied changed")


class FactsAction(models.TextChoices):
    UPDATE = "update", _("Facts updated")
    IMPORT = "import", _("Facts imported")
    VERIFY = "verify", _("Verified")
    RETURN = "return", _("Returned")


class Four100(models.TextChoices):
    """The "4个100%" of 002 §二.3."""

    GUARDS = "guards", _("Full-time guards")
    CLOSED = "closed", _("Closed management")
    ALARM_VIDEO = "alarm_video", _("One-button alarm and video")
    ESCORT = "escort", _("护学岗")
