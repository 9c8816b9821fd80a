"""Regressions found in review: the Shanghai day of publication, the API's status filter against
the figures, corrections across the window's end, out-of-range dates, the matrix cell links,
and the reused-photo warning limited to what the overseer may see."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from safecampus.core.refusals import refusal_code
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.duties import selectors, services
from safecampus.duties.models import DutyCatalogVersion, Occurrence
from safecampus.duties.testing import school_year_terms, small_duty_catalog
from safecampus.duties.tests.edge_helpers import TODAY, D, at, drill_data, drill_files, jpeg

pytestmark = pytest.mark.dates


def test_a_catalog_is_owed_from_the_shanghai_day_it_was_published(world):
    # 07:30 on 1 December in Shanghai is still 30 November in UTC
    published = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)
    small_duty_catalog(world.bureau, world.department, published_at=published)
    school_year_terms(world.bureau, 2026)
    services.generate(world.bureau, today=D(2026, 12, 3), since=D(2026, 11, 1), ahead=0)
    owed = Occurrence.objects.filter(school=world.school_a)
    assert not owed.filter(code="DRILL", period_key="2026-M11").exists()
    assert not owed.filter(code="CHECK", period_key="2026-11-30").exists()
    assert owed.filter(code="CHECK", period_key="2026-12-01").exists()


def test_the_api_status_filter_counts_as_the_figures_do(ew, client_for, clock):
    clock.move_to(timezone.make_aware(datetime.datetime(2026, 11, 18, 10)))
    services.generate(ew.bureau, today=TODAY, since=D(2026, 11, 1))  # and ahead: December
    figures = selectors.tallies(
        selectors.compliance_queryset(Occurrence.objects.visible_to(ew.centre), TODAY), TODAY
    )[()]
    c = client_for(ew.centre)
    for key, expected in (("open", figures.open), ("owed", figures.owed)):
        body = c.get(reverse("duty-occurrence-list"), {"status": key, "page_size": 500}).json()
        assert body["count"] == expected, key
    assert Occurrence.objects.filter(window_start__gt=TODAY).exists()


def test_a_correction_cannot_turn_late_into_on_time(ew):
    late = services.record(
        actor=ew.school_officer,
        occurrence_id=ew.drill.pk,
        data=drill_data(at(2026, 12, 1, 9)),
        files=drill_files(),
        now=at(2026, 12, 2),
    )
    with pytest.raises(ValidationError) as refused:
        services.record(
            actor=ew.school_officer,
            occurrence_id=ew.drill.pk,
            data=drill_data(at(2026, 11, 28)),
            files=drill_files(),
            supersedes=late.pk,
            now=at(2026, 12, 2),
        )
    assert refusal_code(refused.value) == "invalid"
    assert "首次记录" in str(refused.value.message_dict["occurred_at"])
    # a correction on the same side of the window's end is taken
    services.record(
        actor=ew.school_officer,
        occurrence_id=ew.drill.pk,
        data=drill_data(at(2026, 12, 1, 15), participants=790),
        files=drill_files(),
        supersedes=late.pk,
        now=at(2026, 12, 2),
    )
    assert Occurrence.objects.get(pk=ew.drill.pk).status == "done_late"


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("duties:compliance", {"month": "9999-12"}),
        ("duties:compliance", {"start": "9999-12-31", "end": "9999-12-31"}),
        ("duties:compliance", {"start": "0001-01-01", "end": "9999-12-31"}),
        ("duties:occurrence_list", {"month": "9999-12"}),
        ("duty-occurrence-list", {"month": "9999-12"}),
        ("duty-compliance", {"month": "9999-12"}),
        ("duty-compliance", {"from": "0001-01-01", "to": "9999-12-31"}),
    ],
)
def test_dates_out_of_range_are_a_clear_400(ew, client_for, url, params):
    response = client_for(ew.centre).get(reverse(url), params)
    assert response.status_code == 400


def test_a_term_of_year_zero_is_refused(ew, client_for):
    response = client_for(ew.centre).post(
        reverse("duties:term_new", args=[ew.bureau.pk]),
        {"school_year": "0000-0001", "kind": "autumn", "start": "0001-09-01", "end": "0001-12-31"},
    )
    assert response.status_code in (200, 400)
    assert "2026-2027" in response.content.decode()


def test_a_matrix_cell_opens_exactly_what_it_counts(ew, client_for, clock):
    clock.move_to(timezone.make_aware(datetime.datetime(2026, 11, 18, 10)))
    occ = Occurrence.objects.get(code="DRILL", school=ew.school_a, period_key="2026-M11")
    services.ask_excuse(
        actor=ew.school_officer, occurrence_id=occ.pk, reason="停课", now=at(2026, 11, 10)
    )
    services.decide_excuse(actor=ew.centre, occurrence_id=occ.pk, accept=True, now=at(2026, 11, 11))
    c = client_for(ew.centre)
    page = c.get(reverse("duties:matrix"), {"code": "DRILL"})
    cells = [cell for row in page.context["m"]["rows"] for cell in row["cells"] if cell]
    assert cells
    for cell in cells:
        listed = c.get(cell["url"])
        assert listed.context["page"].paginator.count == cell["t"].owed, cell["url"]


def test_the_reused_photo_warning_names_nothing_out_of_reach(ew, world):
    photo = jpeg("same.jpg", (9, 99, 199))
    other_school_user = user_with_role(Role.SCHOOL_OFFICER, world.school_other, username="far")
    other_version = small_duty_catalog(
        world.other_bureau, DepartmentFactory(bureau=world.other_bureau, name="普教科")
    )
    DutyCatalogVersion.objects.filter(pk=other_version.pk).update(
        published_at=timezone.make_aware(datetime.datetime(2026, 11, 1))
    )
    services.generate(world.other_bureau, today=TODAY, since=D(2026, 11, 1), ahead=0)
    far = Occurrence.objects.get(code="DRILL", school=world.school_other, period_key="2026-M11")
    far_record = services.record(
        actor=other_school_user,
        occurrence_id=far.pk,
        data=drill_data(at(2026, 11, 5)),
        files={"photo": [photo], "signin": [jpeg("s.jpg", (5, 5, 5))]},
        now=at(2026, 11, 6),
    )
    photo.seek(0)
    mine = services.record(
        actor=ew.school_officer,
        occurrence_id=ew.drill.pk,
        data=drill_data(at(2026, 11, 6)),
        files={"photo": [photo], "signin": [jpeg("s2.jpg", (6, 6, 6))]},
        now=at(2026, 11, 7),
    )
    # the other bureau's record is out of the department's reach: nothing of it is named
    assert selectors.reused_photos([mine], user=ew.dept_officer) == {}
    assert selectors.reused_photos([far_record], user=other_school_user) == {}
    # the same photo used again within the department's reach is flagged
    photo.seek(0)
    school_b = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="b")
    kdrill = Occurrence.objects.get(code="KDRILL", school=world.school_b, period_key="2026-Q4")
    again = services.record(
        actor=school_b,
        occurrence_id=kdrill.pk,
        data={"occurred_at": at(2026, 11, 8), "participants": 80},
        files={"photo": [photo]},
        now=at(2026, 11, 9),
    )
    assert [
        e.record_id for e in selectors.reused_photos([again], user=ew.dept_officer)[again.pk]
    ] == [mine.pk]
