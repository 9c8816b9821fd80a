"""The roles of DOMAIN.md §1 and the organisation level each one is granted at."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDITOR = "auditor", _("Auditor")
    SAFETY_CENTRE = "safety_centre", _("Safety management centre")
    LEADERSHIP = "leadership", _("Leadership group")
    DEPARTMENT_OFFICER = "department_officer", _("Department officer")
    INSPECTOR = "inspector", _("Inspector")
    SCHOOL_OFFICER = "school_officer", _("School safety officer")
    PRINCIPAL = "principal", _("Principal")
    PARTNER = "partner", _("Partner unit")


class OrgLevel(models.TextChoices):
    BUREAU = "bureau", _("Education bureau")
    DEPARTMENT = "department", _("Department")
    SCHOOL = "school", _("School")
    PARTNER = "partner", _("Partner unit")


#: Which kind of organisation a role is granted in.
ROLE_LEVEL: dict[str, str] = {
    Role.SYSTEM_ADMIN: OrgLevel.BUREAU,
    Role.SECURITY_ADMIN: OrgLevel.BUREAU,
    Role.AUDITOR: OrgLevel.BUREAU,
    Role.SAFETY_CENTRE: OrgLevel.BUREAU,
    Role.LEADERSHIP: OrgLevel.BUREAU,
    Role.INSPECTOR: OrgLevel.BUREAU,
    Role.DEPARTMENT_OFFICER: OrgLevel.DEPARTMENT,
    Role.SCHOOL_OFFICER: OrgLevel.SCHOOL,
    Role.PRINCIPAL: OrgLevel.SCHOOL,
    Role.PARTNER: OrgLevel.PARTNER,
}

#: 三员分立: one person never holds two of these.
SEPARATED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})

SCHOOL_ROLES = frozenset({Role.SCHOOL_OFFICER, Role.PRINCIPAL})
