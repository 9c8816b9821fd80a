"""Rules a hazard must keep at report and at confirm: interim measures of a major hazard, dates,
the risk grade, departments from the catalog, the reporter's scope, the frozen catalog version."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from safecampus.catalog.choices import HazardLevel
from safecampus.catalog.services import version_create_draft, version_publish
from safecampus.core.roles import Role
from safecampus.hazards import services
from safecampus.hazards.choices import Action, RemedyType, RiskColour, Status
from safecampus.hazards.models import Hazard, HazardCounter, HazardEvent
from safecampus.hazards.testing import FIVE_IN_PLACE

from .helpers import attempt, days, state

INTERIM = {
    "interim_measures": "设置警戒线，专人值守",
    "interim_unit": "甲小学总务处",
    "interim_person": "李主任",
    "interim_deadline": days(3),
}


def report(reg, user=None, **kwargs):
    kwargs.setdefault("item", reg.item)
    data = {"description": "消防栓被遮挡", "responsible_person": "王老师", **kwargs.pop("data", {})}
    return services.hazard_report(
        actor=user or reg.users[Role.SCHOOL_OFFICER], school=reg.school_a, data=data, **kwargs
    )


def assert_nothing_reported():
    assert (Hazard.objects.count(), HazardEvent.objects.count()) == (0, 0)
    assert HazardCounter.objects.count() == 0


@pytest.mark.parametrize("missing", [None, *INTERIM])
def test_a_major_hazard_fixed_by_a_deadline_needs_interim_measures_at_report(reg, missing):
    data = {"level": HazardLevel.MAJOR, "remedy_type": RemedyType.DEADLINE}
    data |= {k: v for k, v in INTERIM.items() if k != missing} if missing else {}
    with pytest.raises(ValidationError) as exc:
        report(reg, data=data)
    assert exc.value.code == "interim_measures_required"
    assert set(exc.value.error_dict) == ({missing} if missing else set(INTERIM))
    assert_nothing_reported()


def test_the_item_default_level_major_asks_for_interim_measures_too(reg):
    with pytest.raises(ValidationError) as exc:
        report(reg, item=reg.catalog.items.get(code="A01-02"))
    assert exc.value.code == "interim_measures_required"
    assert_nothing_reported()


@pytest.mark.parametrize(
    "data",
    [
        {"level": HazardLevel.MAJOR, **INTERIM},
        {"level": HazardLevel.MAJOR, "remedy_type": RemedyType.ON_SPOT},
    ],
    ids=["with_interim_measures", "fixed_on_the_spot"],
)
def test_a_major_hazard_is_accepted_and_listed_for_supervision_at_confirm(reg, data):
    hazard = report(reg, data=data)
    assert (hazard.level, hazard.supervised, hazard.code) == (
        HazardLevel.MAJOR,
        False,
        f"{reg.bureau.code_prefix}-{hazard.year}-000001",
    )
    hazard = services.hazard_act(
        actor=reg.users[Role.DEPARTMENT_OFFICER],
        hazard_id=hazard.pk,
        action=Action.CONFIRM,
        version=hazard.version,
        changes={"deadline": days(60), **FIVE_IN_PLACE},
    )
    assert (hazard.status, hazard.supervised) == (Status.ASSIGNED, True)
    assert hazard.events.last().data == {
        "deadline": [None, str(days(60))],
        **{f: ["", v] for f, v in FIVE_IN_PLACE.items()},
        "supervised": [False, True],
    }


def test_confirm_that_raises_the_level_to_major_needs_interim_measures(reg):
    hazard = report(reg)
    before = state(hazard)
    user = reg.users[Role.DEPARTMENT_OFFICER]
    changes = {"level": HazardLevel.MAJOR, "deadline": days(60), **FIVE_IN_PLACE}
    outcome = attempt(user, hazard, Action.CONFIRM, changes=changes)
    assert outcome == "interim_measures_required"
    assert state(hazard) == before
    assert Hazard.objects.get(pk=hazard.pk).level == HazardLevel.GENERAL

    assert attempt(user, hazard, Action.CONFIRM, changes={**changes, **INTERIM}) == "ok"
    hazard.refresh_from_db()
    assert (hazard.level, hazard.supervised, hazard.interim_person) == (
        HazardLevel.MAJOR,
        True,
        "李主任",
    )


def test_a_hazard_cannot_be_found_in_the_future(reg):
    with pytest.raises(ValidationError) as exc:
        report(reg, data={"found_on": days(1)})
    assert (exc.value.code, set(exc.value.error_dict)) == ("invalid", {"found_on"})
    assert_nothing_reported()
    assert report(reg, data={"found_on": days(0)}).found_on == days(0)


@pytest.mark.parametrize(
    "lec", [{"lec_l": 3}, {"lec_l": 3, "lec_e": 6}, {"lec_c": 7}], ids=["L", "LE", "C"]
)
def test_a_partial_lec_grade_is_refused(reg, lec):
    with pytest.raises(ValidationError) as exc:
        report(reg, data={k: Decimal(v) for k, v in lec.items()})
    assert (exc.value.code, set(exc.value.error_dict)) == ("lec_incomplete", {"lec_l"})
    assert_nothing_reported()


@pytest.mark.parametrize(
    ("lec", "fields"),
    [
        (("0", "6", "7"), {"lec_l"}),
        (("3", "-6", "7"), {"lec_e"}),
        (("10.1", "6", "7"), {"lec_l"}),
        (("3", "6", "101"), {"lec_c"}),
        (("9999.9", "9999.9", "9999.9"), {"lec_l", "lec_e", "lec_c"}),  # D would overflow
    ],
)
def test_lec_values_outside_the_tables_are_refused(reg, lec, fields):
    data = dict(zip(["lec_l", "lec_e", "lec_c"], map(Decimal, lec), strict=True))
    with pytest.raises(ValidationError) as exc:
        report(reg, data=data)
    assert (exc.value.code, set(exc.value.error_dict)) == ("invalid", fields)
    assert_nothing_reported()


def test_the_largest_lec_values_give_the_largest_score(reg):
    hazard = report(reg, data={"lec_l": Decimal(10), "lec_e": Decimal(10), "lec_c": Decimal(100)})
    hazard.refresh_from_db()
    assert (hazard.risk_score, hazard.risk_colour) == (Decimal("10000.00"), RiskColour.RED)


def test_a_full_lec_grade_sets_score_and_colour(reg):
    hazard = report(reg, data={"lec_l": Decimal(3), "lec_e": Decimal(6), "lec_c": Decimal(7)})
    hazard.refresh_from_db()
    assert (hazard.risk_score, hazard.risk_colour) == (Decimal("126.00"), RiskColour.YELLOW)


@pytest.mark.parametrize(
    ("lec", "score", "colour"),
    [
        (("320", "1", "1"), "320.00", RiskColour.RED),
        (("319.9", "1", "1"), "319.90", RiskColour.ORANGE),
        (("160", "1", "1"), "160.00", RiskColour.ORANGE),
        (("159.9", "1", "1"), "159.90", RiskColour.YELLOW),
        (("70", "1", "1"), "70.00", RiskColour.YELLOW),
        (("69.9", "1", "1"), "69.90", RiskColour.BLUE),
        (("0.1", "0.5", "1"), "0.05", RiskColour.BLUE),
        (("6", "6", "15"), "540.00", RiskColour.RED),
    ],
)
def test_risk_grade_bands(settings, lec, score, colour):
    assert settings.SAFECAMPUS_RISK_BANDS == [
        (320, "red"),
        (160, "orange"),
        (70, "yellow"),
        (0, "blue"),
    ]
    assert services.risk_grade(*map(Decimal, lec)) == (Decimal(score), colour)


def test_risk_grade_without_all_three_values_is_none():
    assert services.risk_grade(Decimal(3), None, Decimal(7)) == (None, "")


@override_settings(SAFECAMPUS_RISK_BANDS=[(100, "red"), (50, "orange"), (10, "yellow")])
@pytest.mark.parametrize(
    ("d", "colour"),
    [("126", "red"), ("100", "red"), ("99.9", "orange"), ("10", "yellow"), ("9.9", "blue")],
)
def test_risk_grade_follows_the_configured_bands(d, colour):
    assert services.risk_grade(Decimal(d), Decimal(1), Decimal(1))[1] == colour


@pytest.mark.parametrize(
    ("given", "responsible", "cooperating"),
    [
        ({}, "department", ["other_dept"]),
        ({"responsible_department": "other_dept"}, "other_dept", []),
        ({"cooperating_departments": []}, "department", []),
        ({"item": "A02-01"}, None, []),
    ],
    ids=["from_item", "chosen_responsible", "no_cooperation", "item_without_department"],
)
def test_departments_default_from_the_check_item(reg, given, responsible, cooperating):
    kwargs = {k: getattr(reg, v) if k == "responsible_department" else v for k, v in given.items()}
    if "item" in given:
        kwargs["item"] = reg.catalog.items.get(code=given["item"])
    hazard = report(reg, **kwargs)
    assert hazard.responsible_department == (getattr(reg, responsible) if responsible else None)
    assert list(hazard.cooperating_departments.all()) == [getattr(reg, c) for c in cooperating]


def test_a_department_may_not_report_a_hazard_it_would_not_see(reg):
    # Given the officer of 普教一科, reporting for 安保科 (which neither it nor the item shares)
    user = reg.users[Role.DEPARTMENT_OFFICER]
    # When the report is made, it is refused and nothing is saved, not even a code
    with pytest.raises(ValidationError) as exc:
        report(reg, user, responsible_department=reg.other_dept)
    assert exc.value.code == "out_of_scope"
    assert_nothing_reported()
    # Then the next report still gets the first code of the year
    hazard = report(reg, user)
    assert (hazard.seq, hazard.code) == (1, f"{reg.bureau.code_prefix}-{hazard.year}-000001")
    assert hazard.events.get().actor_role == Role.DEPARTMENT_OFFICER


def test_a_school_may_not_report_at_another_school(reg):
    with pytest.raises(PermissionDenied):
        report(reg, reg.school_b_user)
    assert_nothing_reported()


def test_a_hazard_keeps_its_catalog_version_when_a_new_one_is_published(reg):
    # Given a hazard reported against version 1 of the catalog
    hazard = report(reg)
    centre = reg.users[Role.SAFETY_CENTRE]
    # When the centre drafts and publishes version 2
    draft = version_create_draft(actor=centre, bureau=reg.bureau)
    version_publish(actor=centre, version=draft)
    # Then the hazard still names version 1 and its item, and new reports use version 2's item
    hazard.refresh_from_db()
    assert (hazard.catalog_version, hazard.item, hazard.item_code) == (
        reg.catalog,
        reg.item,
        "A01-01",
    )
    assert hazard.item.version == reg.catalog
    new = report(reg, item=draft.items.get(code="A01-01"))
    assert (new.catalog_version, new.item_code, new.area_code) == (draft, "A01-01", "A01")
    assert new.events.get().data == {"code": new.code, "catalog_version": draft.pk}


@pytest.mark.parametrize("field", ["item", "area"])
def test_an_item_or_area_of_a_draft_catalog_is_refused(reg, field):
    draft = version_create_draft(actor=reg.users[Role.SAFETY_CENTRE], bureau=reg.bureau)
    target = draft.items.get(code="A01-01") if field == "item" else draft.areas.get(code="A01")
    with pytest.raises(ValidationError) as exc:
        report(reg, **{"item": None, field: target})
    assert (exc.value.code, set(exc.value.error_dict)) == ("invalid", {field})
    assert_nothing_reported()
