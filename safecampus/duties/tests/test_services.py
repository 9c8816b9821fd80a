"""The services at their edges: each status at the window's edges and at midnight in Shanghai,
excuses, "not credible", N records per period, corrections, append-only history, the sweep,
applicability, scope, and the compliance figures against hand-built records."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from safecampus.accountability.models import AccountabilityRecord
from safecampus.core.refusals import refusal_code
from safecampus.core.roles import Role
from safecampus.duties import selectors, services, summary
from safecampus.duties.models import DutyRecord, Occurrence, OccurrenceEvent
from safecampus.duties.tests.edge_helpers import (
    TODAY,
    D,
    at,
    drill_data,
    drill_files,
    record_drill,
)

pytestmark = pytest.mark.dates
UTC = datetime.UTC


def status_of(occ):
    return Occurrence.objects.get(pk=occ.pk).status


# --- each status at the window's edges ----------------------------------------------------------


@pytest.mark.parametrize(
    ("occurred_at", "now", "status"),
    [
        (at(2026, 11, 1, 0, 0), at(2026, 11, 1, 8), "done"),  # the window's first minute
        (at(2026, 11, 30, 23, 59), at(2026, 12, 1, 8), "done"),  # its last minute
        (at(2026, 12, 1, 0, 0), at(2026, 12, 1, 8), "done_late"),  # midnight: in the grace
        # 16:30 UTC on 30 November is 00:30 on 1 December in Shanghai: the Shanghai day counts
        (datetime.datetime(2026, 11, 30, 16, 30, tzinfo=UTC), at(2026, 12, 1, 8), "done_late"),
        (datetime.datetime(2026, 11, 30, 15, 59, tzinfo=UTC), at(2026, 12, 1, 8), "done"),
        (at(2026, 12, 5, 23, 0), at(2026, 12, 5, 23, 30), "done_late"),  # the grace's last day
    ],
)
def test_the_status_a_record_gives_at_the_window_edges(ew, occurred_at, now, status):
    record_drill(ew, occurred_at, now)
    occ = Occurrence.objects.get(pk=ew.drill.pk)
    assert (occ.status, occ.recorded, occ.status_at) == (status, 1, now)
    event = OccurrenceEvent.objects.get(occurrence=occ)
    assert (event.action, event.from_status, event.to_status, event.role) == (
        "record" if status == "done" else "record_late",
        "due",
        status,
        Role.SCHOOL_OFFICER,
    )


@pytest.mark.parametrize(
    ("occurred_at", "now", "field_message"),
    [
        (at(2026, 10, 31, 23, 59), at(2026, 11, 18), "不在本周期的登记时间"),  # before the window
        (at(2026, 12, 5, 10), at(2026, 12, 6, 0, 0), "已于2026-12-05结束"),  # after the grace
        (at(2026, 11, 19), at(2026, 11, 18), "日期和时间不能晚于当前。"),  # in the future
    ],
)
def test_a_record_outside_window_and_grace_is_refused_and_nothing_saved(
    ew, occurred_at, now, field_message
):
    with pytest.raises(ValidationError) as exc:
        record_drill(ew, occurred_at, now)
    assert any(field_message in m for m in exc.value.message_dict["occurred_at"])
    assert status_of(ew.drill) == "due"
    assert not DutyRecord.objects.exists() and not OccurrenceEvent.objects.exists()


def test_missing_figures_and_evidence_are_refused_by_field(ew):
    with pytest.raises(ValidationError) as exc:
        services.record(
            actor=ew.school_officer,
            occurrence_id=ew.drill.pk,
            data={"occurred_at": at(2026, 11, 10), "participants": "很多"},
            now=at(2026, 11, 18),
        )
    errors = exc.value.message_dict
    assert set(errors) == {"participants", "evacuation_seconds", "files_photo", "files_signin"}
    assert errors["participants"] == ["“参与人数”须为整数。"]
    assert status_of(ew.drill) == "due" and not DutyRecord.objects.exists()


def test_missed_after_the_grace_before_and_after_the_sweep(ew):
    occ = Occurrence.objects.get(pk=ew.drill.pk)
    assert occ.effective_status(D(2026, 12, 5)) == "due"
    assert occ.effective_status(D(2026, 12, 6)) == "missed"
    assert occ in Occurrence.objects.effective_missed(D(2026, 12, 6))
    assert occ not in Occurrence.objects.effective_missed(D(2026, 12, 5))
    services.sweep_missed(today=D(2026, 12, 5))
    assert status_of(occ) == "due"
    pending = Occurrence.objects.filter(status="due", grace_end__lt=D(2026, 12, 6)).count()
    assert services.sweep_missed(today=D(2026, 12, 6)) == pending > 0
    assert status_of(occ) == "missed"
    # a second run (or one after a worker died) finds nothing more to do
    assert services.sweep_missed(today=D(2026, 12, 6)) == 0
    assert OccurrenceEvent.objects.filter(occurrence=occ, action="miss").count() == 1


# --- excuses and oversight ----------------------------------------------------------------------


def test_an_excuse_asked_and_accepted(ew):
    with pytest.raises(ValidationError) as exc:
        services.ask_excuse(actor=ew.school_officer, occurrence_id=ew.drill.pk, reason="  ")
    assert refusal_code(exc.value) == "comment_required" and status_of(ew.drill) == "due"
    services.ask_excuse(
        actor=ew.school_officer, occurrence_id=ew.drill.pk, reason="全校停课", now=at(2026, 11, 18)
    )
    assert status_of(ew.drill) == "excuse_requested"
    # the owner cannot decide its own excuse
    with pytest.raises(PermissionDenied):
        services.decide_excuse(actor=ew.school_officer, occurrence_id=ew.drill.pk, accept=True)
    services.decide_excuse(
        actor=ew.dept_officer, occurrence_id=ew.drill.pk, accept=True, now=at(2026, 11, 19)
    )
    assert status_of(ew.drill) == "excused"
    assert list(
        OccurrenceEvent.objects.filter(occurrence=ew.drill).values_list("action", "role")
    ) == [("ask_excuse", Role.SCHOOL_OFFICER), ("accept_excuse", Role.DEPARTMENT_OFFICER)]


def test_a_refused_excuse_is_due_again_with_reopen_days_at_least(ew):
    services.ask_excuse(
        actor=ew.school_officer, occurrence_id=ew.drill.pk, reason="停电", now=at(2026, 12, 4)
    )
    with pytest.raises(ValidationError) as exc:
        services.decide_excuse(actor=ew.centre, occurrence_id=ew.drill.pk, accept=False)
    assert refusal_code(exc.value) == "comment_required"
    assert status_of(ew.drill) == "excuse_requested"
    services.decide_excuse(
        actor=ew.centre,
        occurrence_id=ew.drill.pk,
        accept=False,
        comment="停电不影响疏散演练",
        now=at(2026, 12, 4, 15),
    )
    occ = Occurrence.objects.get(pk=ew.drill.pk)
    assert occ.status == "due"
    assert occ.grace_end == D(2026, 12, 4) + datetime.timedelta(services.REOPEN_DAYS)
    # still open after the original grace: recorded late on 10 December
    record_drill(ew, at(2026, 12, 10, 9), at(2026, 12, 10, 10))
    assert status_of(ew.drill) == "done_late"


def test_not_credible_reopens_and_opens_an_accountability_record(ew):
    first = record_drill(ew, at(2026, 11, 10), at(2026, 11, 10, 12))
    services.mark_not_credible(
        actor=ew.dept_officer,
        occurrence_id=ew.drill.pk,
        reason="照片与上月相同",
        open_accountability=True,
        now=at(2026, 11, 30, 16),
    )
    occ = Occurrence.objects.get(pk=ew.drill.pk)
    assert (occ.status, occ.recorded, occ.reopened_at) == ("due", 0, at(2026, 11, 30, 16))
    assert occ.grace_end == D(2026, 12, 7)  # 30 November + REOPEN_DAYS, past the grace
    event = OccurrenceEvent.objects.get(occurrence=occ, action="not_credible")
    record = AccountabilityRecord.objects.get(pk=event.accountability_record_id)
    assert record.school_id == ew.school_a.pk and "照片与上月相同" in record.reason
    # the earlier record is kept (history) but no longer counts: a new one is needed
    assert selectors.tallies(Occurrence.objects.filter(pk=occ.pk), D(2026, 12, 1))[()].done == 0
    second = record_drill(ew, at(2026, 12, 2, 9), at(2026, 12, 2, 10))
    assert status_of(ew.drill) == "done_late"
    assert list(DutyRecord.objects.filter(occurrence=occ).order_by("pk")) == [first, second]


def test_not_credible_without_accountability_opens_none(ew):
    record_drill(ew, at(2026, 11, 10), at(2026, 11, 10, 12))
    services.mark_not_credible(
        actor=ew.centre, occurrence_id=ew.drill.pk, reason="签到表不全", now=at(2026, 11, 12)
    )
    assert status_of(ew.drill) == "due"
    assert not AccountabilityRecord.objects.exists()
    # only the overseers: the owner is refused
    record_drill(ew, at(2026, 11, 13), at(2026, 11, 13, 12))
    with pytest.raises(PermissionDenied):
        services.mark_not_credible(actor=ew.school_officer, occurrence_id=ew.drill.pk, reason="x")


def test_n_records_per_period(ew):
    occ = Occurrence.objects.get(code="TWICE", school=ew.school_a, period_key="2026-M11")
    assert occ.required == 2

    def rec(day):
        return services.record(
            actor=ew.school_officer,
            occurrence_id=occ.pk,
            data={"occurred_at": at(2026, 11, day)},
            now=at(2026, 11, day, 12),
        )

    rec(5)
    occ.refresh_from_db()
    assert (occ.status, occ.recorded) == ("due", 1)
    rec(20)
    occ.refresh_from_db()
    assert (occ.status, occ.recorded) == ("done", 2)
    assert list(
        OccurrenceEvent.objects.filter(occurrence=occ).values_list("action", "to_status")
    ) == [("record_part", "due"), ("record", "done")]


def test_a_correction_supersedes_and_keeps_the_status(ew):
    first = record_drill(ew, at(2026, 12, 1, 9), at(2026, 12, 1, 10))
    assert status_of(ew.drill) == "done_late"
    with pytest.raises(ValidationError) as exc:
        record_drill(ew, at(2026, 11, 30, 9), at(2026, 12, 1, 11))
    assert refusal_code(exc.value) == "already_recorded"
    # a correction across the window's end would turn late into on time: refused
    with pytest.raises(ValidationError):
        record_drill(ew, at(2026, 11, 30, 9), at(2026, 12, 1, 11), supersedes=first.pk)
    fixed = record_drill(ew, at(2026, 12, 1, 8), at(2026, 12, 1, 11), supersedes=first.pk)
    occ = Occurrence.objects.get(pk=ew.drill.pk)
    assert (occ.status, occ.recorded, fixed.supersedes_id) == ("done_late", 1, first.pk)
    assert list(
        OccurrenceEvent.objects.filter(occurrence=occ).values_list(
            "action", "from_status", "to_status", "record_id"
        )
    ) == [
        ("record_late", "due", "done_late", first.pk),
        ("correct", "done_late", "done_late", fixed.pk),
    ]


def test_history_is_append_only(ew):
    rec = record_drill(ew, at(2026, 11, 10), at(2026, 11, 10, 12))
    event = OccurrenceEvent.objects.get(occurrence=ew.drill)
    rec.summary = "改过"
    for row in (rec, event):
        with pytest.raises(ValueError, match="append-only"):
            row.save()
        with pytest.raises(ValueError, match="append-only"):
            row.delete()
    assert DutyRecord.objects.get(pk=rec.pk).summary == ""


# --- applicability ------------------------------------------------------------------------------


def test_applicability_by_stage_boarding_canteen_and_chemistry_lab(ew):
    from safecampus.duties.testing import duty

    school = ew.school_a  # a primary school, day pupils
    canteen = duty(ew.version, "CANTEEN", "食品安全月调度", "monthly", needs_canteen=True)
    chem = duty(ew.version, "CHEM", "危化品检查", "monthly", needs_chem_lab=True)
    board = duty(ew.version, "NIGHT", "宿舍检查", "monthly", boarding_only=True)
    kg = duty(ew.version, "KG", "幼儿园检查", "monthly", stages=["kindergarten"])
    school.has_canteen, school.has_chem_lab, school.boarding = True, False, False
    assert (canteen.applies_to(school), chem.applies_to(school)) == (True, False)
    assert (board.applies_to(school), kg.applies_to(school)) == (False, False)
    assert kg.applies_to(ew.school_b)
    school.save()
    services.generate(ew.bureau, today=TODAY, since=D(2026, 11, 1), ahead=0)
    owed = set(Occurrence.objects.filter(school=school).values_list("code", flat=True))
    assert {"CANTEEN", "DRILL", "CHECK"} <= owed and not {"CHEM", "NIGHT", "KG", "KDRILL"} & owed
    assert Occurrence.objects.filter(code="KG", school=ew.school_b).exists()


# --- scope ----------------------------------------------------------------------------------------


def test_scope_of_the_services(ew):
    from safecampus.core.testing import DepartmentFactory
    from safecampus.duties.testing import small_duty_catalog

    # the other bureau has its own duties
    small_duty_catalog(ew.other_bureau, DepartmentFactory(bureau=ew.other_bureau))
    services.generate(ew.other_bureau, today=TODAY, since=D(2026, 11, 1), ahead=0)
    other = Occurrence.objects.get(code="DRILL", school=ew.school_other, period_key="2026-M11")
    kg = Occurrence.objects.filter(school=ew.school_b).first()
    for occ in (other, kg):
        with pytest.raises(Http404):
            services.record(
                actor=ew.school_officer,
                occurrence_id=occ.pk,
                data=drill_data(at(2026, 11, 10)),
                files=drill_files(),
                now=at(2026, 11, 18),
            )
    # a partner unit only its own; a department those it owes or oversees; the centre its own
    partner = ew.users[Role.PARTNER]
    # the spring term's water test (window from 17 January) and the schools' January periods
    services.generate(ew.bureau, today=D(2027, 1, 20), since=D(2027, 1, 17), ahead=0)
    assert Occurrence.objects.filter(code="WATER", partner=ew.partner).count() == 1
    assert set(Occurrence.objects.visible_to(partner).values_list("owner_kind", flat=True)) == {
        "partner"
    }
    dept = Occurrence.objects.visible_to(ew.dept_officer)
    assert set(dept.values_list("code", flat=True)) == {
        "DRILL",
        "KDRILL",
        "CHECK",
        "MEET",
        "WATER",
    }  # fmt: skip  (not TWICE and OWN: nobody oversees them)
    own = Occurrence.objects.get(code="OWN", period_key="2026-M11", bureau=ew.bureau)
    assert own not in dept and own in Occurrence.objects.visible_to(ew.centre)
    assert not Occurrence.objects.visible_to(ew.centre).filter(bureau=ew.other_bureau).exists()
    with pytest.raises(PermissionDenied):  # the department oversees nothing it does not see
        services.record(
            actor=ew.dept_officer,
            occurrence_id=ew.drill.pk,
            data=drill_data(at(2026, 11, 10)),
            files=drill_files(),
            now=at(2026, 11, 18),
        )
    services.record(
        actor=ew.centre,
        occurrence_id=own.pk,
        data={"occurred_at": at(2026, 11, 10)},
        now=at(2026, 11, 18),
    )
    assert status_of(own) == "done"
    with pytest.raises(Http404):
        services.decide_excuse(actor=ew.dept_officer, occurrence_id=own.pk, accept=True)


# --- compliance figures against hand-built records ------------------------------------------------


def test_tallies_are_exact(ew):
    today = D(2026, 12, 6)
    drills = Occurrence.objects.filter(code="DRILL", school=ew.school_a)
    # November: done late; the centre's own: done; school B's kindergarten drill Q4: excused
    record_drill(ew, at(2026, 12, 1, 9), at(2026, 12, 1, 10))
    own = Occurrence.objects.get(code="OWN", period_key="2026-M11")
    services.record(
        actor=ew.centre, occurrence_id=own.pk, data={"occurred_at": at(2026, 11, 3)},
        now=at(2026, 11, 3, 12),
    )  # fmt: skip
    kd = Occurrence.objects.get(code="KDRILL", school=ew.school_b, period_key="2026-Q4")
    kg_user = _kg_officer(ew)
    services.ask_excuse(actor=kg_user, occurrence_id=kd.pk, reason="园舍改造", now=at(2026, 11, 20))
    services.decide_excuse(actor=ew.centre, occurrence_id=kd.pk, accept=True, now=at(2026, 11, 21))
    twice = Occurrence.objects.get(code="TWICE", school=ew.school_a, period_key="2026-M11")
    services.record(
        actor=ew.school_officer, occurrence_id=twice.pk, data={"occurred_at": at(2026, 11, 5)},
        now=at(2026, 11, 5, 12),
    )  # fmt: skip
    # December's occurrences, generated for 6 December
    services.generate(ew.bureau, today=today, since=D(2026, 11, 1), ahead=0)
    qs = Occurrence.objects.filter(code__in=["DRILL", "KDRILL", "OWN", "TWICE"])
    counted = selectors.compliance_queryset(qs, today)
    t = selectors.tallies(counted, today)[()]
    # DRILL Nov late, Dec open; KDRILL Q4 excused for B; OWN Nov done, Dec open;
    # TWICE (A and B) Nov: one record of two, grace to 2 December: missed; Dec: open
    assert (t.done, t.late, t.missed, t.open, t.excused) == (1, 1, 2, 4, 1)
    assert (t.owed, t.completed, t.percent) == (8, 2, "25.0%")
    by_code = selectors.tallies(counted, today, ("code",))
    assert {k[0]: (v.done, v.late, v.missed, v.open, v.excused) for k, v in by_code.items()} == {
        "DRILL": (0, 1, 0, 1, 0),
        "KDRILL": (0, 0, 0, 0, 1),
        "OWN": (1, 0, 0, 1, 0),
        "TWICE": (0, 0, 2, 2, 0),
    }
    by_stage = selectors.tallies(counted, today, ("school__stage",))
    assert {k[0]: v.owed for k, v in by_stage.items()} == {
        "primary": 4,
        "kindergarten": 2,
        None: 2,
    }
    months = selectors.month_tallies(counted, today)
    assert {k[0]: (v.completed, v.owed) for k, v in months.items()} == {
        "2026-11": (2, 4),
        "2026-12": (0, 4),
    }
    assert drills.count() == 2
    # the same figures through compliance_figures, live and from the summary
    centre_live = selectors.compliance_figures(user=ew.centre, today=today, live=True)
    summary.refresh(ew.bureau.pk, today=today, now=at(2026, 12, 6, 0, 30))
    from_summary = selectors.compliance_figures(user=ew.centre, today=today)
    assert from_summary.source == "summary" and from_summary.as_of == at(2026, 12, 6, 0, 30)
    assert centre_live.source == "live" and centre_live.as_of is None
    for view in ("total", "by_code", "by_stage", "by_month"):
        assert getattr(from_summary, view) == getattr(centre_live, view), view
    # a department's figures are counted live, over what it oversees or owes
    dept = selectors.compliance_figures(user=ew.dept_officer, today=today)
    assert dept.source == "live" and "OWN" not in {k[0] for k in dept.by_code}


def _kg_officer(ew):
    from safecampus.core.testing import user_with_role

    return user_with_role(Role.SCHOOL_OFFICER, ew.school_b, username="kg_officer")
