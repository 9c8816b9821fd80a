"""Who reaches which facts, cards, findings and rule sets, and which roles a user holds on them.

- **Facts and the card** of a school (``SecurityFacts``, ``SchoolStanding``, revisions): the
  school's own staff; the bureau's officers (centre, leaders, inspectors, departments); a partner
  unit only for the schools it covers and only when the bureau granted it. Kept (``edit``) by the
  school and by the bureau's centre; verified (``verify``) by the bureau's departments and centre.
- **Findings**: the school's own; the department a finding goes to; the bureau-wide roles. Turned
  into hazards (``act``) by that department and by the bureau's centre.
- **Rule sets**: the shipped ones (no bureau) are read by every officer and school; a bureau's
  own by its members and the bureaus above; a partner unit reads none (only the cards granted).
  Edited by ``STANDARDS_MANAGE`` of the keeping bureau; a shipped set is never edited. A draft
  version is shown only to those who edit the set (the views' concern).
- **The policy**: read by the bureau's officers; changed by ``STANDARDS_MANAGE``.

Pure functions of the scope: no model is imported here.
"""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import VIEW, Scope, any_of, ids_in, roles_in_bureau
from safecampus.core.capabilities import (
    BUREAU_WIDE,
    CATALOG_MEMBER_READ,
    ORG_VIEW,
    STANDARDS_CARD_READERS,
    STANDARDS_FACTS_EDIT,
    STANDARDS_FINDING_ACT,
    STANDARDS_MANAGE,
    STANDARDS_RULESET_MENU,
    STANDARDS_VERIFY,
)
from safecampus.core.roles import SCHOOL_ROLES, Role

EDIT = "edit"
VERIFY = "verify"
ACT = "act"
FACTS_ACTIONS = frozenset({VIEW, EDIT, VERIFY})
FINDING_ACTIONS = frozenset({VIEW, ACT})
RULESET_ACTIONS = frozenset({VIEW, EDIT})
POLICY_ACTIONS = frozenset({VIEW, EDIT})

#: bureau roles that read every school's card of their bureau(s)
CARD_READERS = STANDARDS_CARD_READERS


def facts_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    """Facts, revisions and cards (``prefix`` leads from another model to the school's row)."""
    own = (
        ids_in(f"{prefix}school_id", scope.school_ids)
        if scope.has(*(SCHOOL_ROLES & STANDARDS_FACTS_EDIT))
        else None
    )
    if action == EDIT:
        return any_of(own, ids_in(f"{prefix}bureau_id", scope.bureau_ids(Role.SAFETY_CENTRE)))
    if action == VERIFY:
        return ids_in(f"{prefix}bureau_id", scope.bureau_ids(*STANDARDS_VERIFY))
    partner = None
    if scope.has(Role.PARTNER) and scope.partner_ids:
        partner = Q(
            **{
                f"{prefix}school__partner_coverages__partner_id__in": sorted(scope.partner_ids),
                f"{prefix}school__partner_coverages__partner__standards_grants__isnull": False,
            }
        )
    return any_of(
        ids_in(f"{prefix}school_id", scope.school_ids) if scope.has(*SCHOOL_ROLES) else None,
        ids_in(f"{prefix}bureau_id", scope.bureau_ids(*CARD_READERS)),
        partner,
    )


def school_facts_q(scope: Scope, action: str = VIEW) -> Q | None:
    """``facts_q`` over ``orgs.School`` itself: the schools whose card and facts ``scope``
    reaches for ``action`` (a school with no facts recorded yet included)."""
    if action == EDIT:
        return any_of(
            ids_in("pk", scope.school_ids)
            if scope.has(*(SCHOOL_ROLES & STANDARDS_FACTS_EDIT))
            else None,
            ids_in("bureau_id", scope.bureau_ids(Role.SAFETY_CENTRE)),
        )
    if action == VERIFY:
        return ids_in("bureau_id", scope.bureau_ids(*STANDARDS_VERIFY))
    partner = None
    if scope.has(Role.PARTNER) and scope.partner_ids:
        partner = Q(
            partner_coverages__partner_id__in=sorted(scope.partner_ids),
            partner_coverages__partner__standards_grants__isnull=False,
        )
    return any_of(
        ids_in("pk", scope.school_ids) if scope.has(*SCHOOL_ROLES) else None,
        ids_in("bureau_id", scope.bureau_ids(*CARD_READERS)),
        partner,
    )


def facts_roles(scope: Scope, school) -> frozenset[str]:
    """The roles ``scope`` holds on ``school``'s facts: its staff, and the bureau's roles."""
    roles = set(roles_in_bureau(scope, school.bureau_id))
    if school.pk in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    return frozenset(roles)


def can_edit_facts(scope: Scope, school) -> bool:
    return bool(facts_roles(scope, school) & STANDARDS_FACTS_EDIT)


def can_verify_facts(scope: Scope, school) -> bool:
    return bool(roles_in_bureau(scope, school.bureau_id) & STANDARDS_VERIFY)


def finding_q(scope: Scope, action: str = VIEW, prefix: str = "") -> Q | None:
    dept = (
        ids_in(f"{prefix}department_id", scope.department_ids)
        if scope.has(Role.DEPARTMENT_OFFICER)
        else None
    )
    centre = ids_in(f"{prefix}bureau_id", scope.bureau_ids(*STANDARDS_MANAGE))
    if action == ACT:
        return any_of(dept, centre)
    return any_of(
        dept,
        centre,
        ids_in(f"{prefix}bureau_id", scope.bureau_ids(*BUREAU_WIDE)),
        ids_in(f"{prefix}school_id", scope.school_ids) if scope.has(*SCHOOL_ROLES) else None,
    )


def finding_roles(scope: Scope, finding) -> frozenset[str]:
    roles = set()
    if finding.school_id in scope.school_ids:
        roles |= scope.roles & SCHOOL_ROLES
    if finding.department_id is not None and finding.department_id in scope.department_ids:
        roles.add(Role.DEPARTMENT_OFFICER)
    roles |= roles_in_bureau(scope, finding.bureau_id) & (BUREAU_WIDE | STANDARDS_MANAGE)
    return frozenset(roles)


def can_act_on_finding(scope: Scope, finding) -> bool:
    return bool(finding_roles(scope, finding) & STANDARDS_FINDING_ACT)


#: roles that read rule sets: every standards role but a partner unit, which reads only the cards
#: its bureau granted it (no rule set, not even a shipped one)
RULESET_READERS = STANDARDS_RULESET_MENU


def _reader_bureaus(scope: Scope) -> frozenset[int]:
    return scope.bureau_ids(*ORG_VIEW) | (
        scope.member_bureau_ids
        if scope.has(*(CATALOG_MEMBER_READ & RULESET_READERS))
        else frozenset()
    )


def ruleset_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    if action == EDIT:
        return ids_in(f"{prefix}bureau_id", scope.bureau_ids(*STANDARDS_MANAGE))
    if not scope.has(*RULESET_READERS):
        return None
    return any_of(
        Q(**{f"{prefix}bureau__isnull": True}),
        ids_in(f"{prefix}bureau_id", _reader_bureaus(scope)),
    )


def ruleset_roles(scope: Scope, rule_set) -> frozenset[str]:
    if rule_set.bureau_id is None:
        return frozenset()
    return roles_in_bureau(scope, rule_set.bureau_id)


def policy_q(scope: Scope, action: str) -> Q | None:
    if action == EDIT:
        return ids_in("bureau_id", scope.bureau_ids(*STANDARDS_MANAGE))
    return ids_in("bureau_id", scope.bureau_ids(*ORG_VIEW))


def policy_roles(scope: Scope, policy) -> frozenset[str]:
    return roles_in_bureau(scope, policy.bureau_id)


def compliance_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose whole figures ``scope`` reads (a department reads its own findings'
    figures through ``finding_q``)."""
    return scope.bureau_ids(*BUREAU_WIDE)


def manage_bureaus(scope: Scope) -> frozenset[int]:
    return scope.bureau_ids(*STANDARDS_MANAGE)


def card_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose every card ``scope`` reads (a department's too)."""
    return scope.bureau_ids(*CARD_READERS)


def policy_reader_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose standards policy ``scope`` reads (their officers)."""
    return scope.bureau_ids(*ORG_VIEW)
