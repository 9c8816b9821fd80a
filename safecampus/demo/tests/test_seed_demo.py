import datetime
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.orgs.models import Bureau, LeadershipMember, School


def test_seed_demo_builds_a_realistic_district(db):
    """The organisations, people and accounts; the activity at this size is left out (it is
    the slowest part of the seed): the campaign builder is tested below on 60 schools and the
    whole command on the shared demo district."""
    call_command("seed_demo", schools=200, no_activity=True)
    district = Bureau.objects.get(code_prefix="MH")
    schools = School.objects.filter(bureau=district)
    assert schools.count() == 200
    # the audit chain of the seed is checked and recorded, so auditors see it verified
    from safecampus.audit.models import AuditEvent, ChainCheck

    check = ChainCheck.objects.get()
    assert check.ok and check.head_seq == AuditEvent.objects.count()
    mix = Counter(schools.values_list("stage", flat=True))
    assert 0.35 < mix["kindergarten"] / 200 < 0.55
    assert 0.2 < mix["primary"] / 200 < 0.4
    assert schools.filter(boarding=True).exists() and schools.filter(ownership="private").exists()
    assert all(
        len(code) == 10 and code.isdigit() for code in schools.values_list("code", flat=True)
    )
    assert set(district.departments.values_list("name", flat=True)) >= {
        "普教一科",
        "法制科",
        "安全管理中心",
        "学前科",
    }
    leaders = LeadershipMember.objects.filter(group__bureau=district, position="leader")
    assert set(leaders.values_list("name", flat=True)) == {"恽敏霞", "何美龙"}
    assert (
        User.objects.filter(username__in=["centre", "school", "auditor", "secadmin"]).count() == 4
    )


def test_the_demo_campaign_is_launched_to_every_school_and_40_forms_are_in(db, clock, settings):
    from safecampus.campaigns.models import Campaign
    from safecampus.demo.campaign import seed_demo_campaign
    from safecampus.demo.organisations import DEMO_PASSWORD

    call_command("seed_demo", schools=60, no_activity=True, stdout=io.StringIO())
    district = Bureau.objects.get(code_prefix="MH")
    seed_demo_campaign(district=district, password=DEMO_PASSWORD)
    launched = Campaign.objects.get(bureau=district, status="launched")
    assert launched.forms.count() == 60
    assert launched.forms.filter(status__in=["submitted", "accepted", "returned"]).count() == 40
    assert Campaign.objects.filter(bureau=district, status="draft").count() == 1


def test_seed_demo_spreads_large_runs_over_district_bureaus_and_is_idempotent(db):
    call_command("seed_demo", schools=900, no_users=True)
    assert School.objects.count() == 900
    assert Bureau.objects.filter(parent__code_prefix="SH").count() == 3
    call_command("seed_demo", schools=900, no_users=True)
    assert School.objects.count() == 900


def test_seed_demo_shows_supervision_under_way(demo_district, clock):
    """The demo campaign is in its rectification phase with weekly reports (one late, one
    missing), a district report, a spot check with a false claim that reopened its hazard and
    opened an accountability record, an applied consultation, a school under 挂牌督办 and the
    first daily digests."""
    from safecampus.accountability.models import AccountabilityRecord, Consultation
    from safecampus.audit.models import AuditEvent, ChainCheck
    from safecampus.campaigns.models import Campaign
    from safecampus.hazards.models import HazardEvent
    from safecampus.notifications.models import Notification
    from safecampus.spotchecks.models import SpotCheckItem
    from safecampus.weekly.models import DistrictReport, WeeklyReport

    # the audit chain of the whole seed is checked and recorded, so auditors see it verified
    check = ChainCheck.objects.get()
    assert check.ok and check.head_seq == AuditEvent.objects.count()
    campaign = Campaign.objects.get(bureau=demo_district, status="launched")
    assert campaign.forms.count() == demo_district.schools.count()
    assert campaign.current_phase(clock.today).kind == "rectification"
    reports = WeeklyReport.objects.filter(campaign=campaign)
    assert reports.filter(status="submitted").count() >= 2
    assert reports.filter(late=True).count() == 1
    assert DistrictReport.objects.filter(campaign=campaign).exists()
    bad = SpotCheckItem.objects.get(spot_check__campaign=campaign, result="not_as_claimed")
    assert HazardEvent.objects.filter(hazard=bad.hazard, action="reopen").count() == 1
    assert AccountabilityRecord.objects.filter(spot_check_item=bad).count() == 1
    assert Consultation.objects.filter(campaign=campaign, status="decided").count() == 1
    assert AccountabilityRecord.objects.supervising().count() == 1
    assert Notification.objects.exists()
    # the demo's group robots are there, paused: the demo sends nothing outside
    from safecampus.messaging.models import Channel, Message

    robots = Channel.objects.filter(bureau__code_prefix="MH")
    assert robots.count() == 3 and not robots.filter(active=True).exists()
    assert Message.objects.filter(bureau__code_prefix="MH", status="failed").count() == 1


def test_seed_demo_without_activity_has_the_accounts_but_no_hazards(db):
    from safecampus.campaigns.models import Campaign
    from safecampus.hazards.models import Hazard

    call_command("seed_demo", schools=20, no_activity=True)
    assert User.objects.filter(username__in=["centre", "pj1", "school"]).count() == 3
    assert not Hazard.objects.exists() and not Campaign.objects.exists()


def _demo_weekly_reports(day: datetime.date, clock, media) -> dict:
    """Seed the demo district on ``day`` (09:00 Shanghai) and describe its weekly reports by
    week (counted from the start of the current report week) and department; then undo it."""
    from safecampus.campaigns.models import Campaign
    from safecampus.demo.campaign import seed_demo_campaign
    from safecampus.demo.hazards import seed_demo_hazards
    from safecampus.demo.organisations import DEMO_PASSWORD
    from safecampus.demo.supervision import seed_demo_supervision, week_start_of
    from safecampus.weekly.models import DistrictReport, WeeklyReport
    from safecampus.weekly.weeks import departments_owing, report_weeks

    clock.move_to(datetime.datetime.combine(day, datetime.time(9)))
    with override_settings(MEDIA_ROOT=media), transaction.atomic():
        # the district and the command's first steps of activity, which make the weekly
        # reports (the later ones, duties to duty watch, take most of the seed's time)
        call_command("seed_demo", schools=20, no_activity=True, stdout=io.StringIO())
        district = Bureau.objects.get(code_prefix="MH")
        seed_demo_hazards(district=district, password=DEMO_PASSWORD)
        seed_demo_supervision(
            campaign=seed_demo_campaign(district=district, password=DEMO_PASSWORD),
            password=DEMO_PASSWORD,
        )
        campaign = Campaign.objects.get(bureau__code_prefix="MH", status="launched")
        anchor = week_start_of(campaign, day)

        def week(start: datetime.date) -> int:
            return (start - anchor).days // 7

        departments = departments_owing(campaign).order_by("sort_order", "pk")
        reports = {
            (week(r.week_start), r.department.name): r
            for r in WeeklyReport.objects.filter(campaign=campaign).select_related("department")
        }
        state = {}
        for w in report_weeks(campaign):
            for department in departments:
                r = reports.get((week(w.start), department.name))
                if r is None:
                    kind = "missing" if w.start < anchor else "none"
                else:
                    kind = "late" if r.late else r.status
                state[(week(w.start), department.name)] = kind
        seeded = {
            "phase": campaign.current_phase(day).kind,
            "state": state,
            "submitted": sorted(
                (week(r.week_start), r.department.name, r.submitted_at - _midnight(anchor))
                for r in reports.values()
                if r.submitted_at
            ),
            "district": sorted(
                (week(d.week_start), len(d.departments))
                for d in DistrictReport.objects.filter(campaign=campaign)
            ),
        }
        transaction.set_rollback(True)
    return seeded


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def test_demo_weekly_reports_are_the_same_whatever_the_weekday(db, clock, tmp_path):
    """Seeded on a Monday or on the Sunday of the same week (whose report, due Friday, is
    already overdue), the demo has the same filed, late, missing and draft reports."""
    monday = _demo_weekly_reports(datetime.date(2026, 11, 16), clock, tmp_path / "monday")
    sunday = _demo_weekly_reports(datetime.date(2026, 11, 22), clock, tmp_path / "sunday")
    assert monday == sunday
    state = monday["state"]
    assert monday["phase"] == "rectification"
    by_week = {
        w: Counter(kind for (week, _), kind in state.items() if week == w)
        for w in sorted({week for week, _ in state})
    }
    n = len({name for _, name in state})
    # two complete weeks before this one: all on time, then one late and one missing
    assert by_week[-2] == {"submitted": n}
    assert by_week[-1] == {"submitted": n - 2, "late": 1, "missing": 1}
    # this week: two drafts started, nothing filed; the weeks ahead are empty
    assert by_week[0] == {"draft": 2, "none": n - 2}
    assert all(by_week[w] == {"none": n} for w in by_week if w > 0)
    assert min(by_week) == -2
    assert [w for w, _ in monday["district"]] == [-2, -1]


@pytest.mark.dates
def test_the_demo_incidents_seed_just_after_midnight(db, clock):
    """At 00:10 in Shanghai the class illness recorded "20 minutes ago" belongs to yesterday;
    the seed records it on the day that was then rather than failing on a day after today."""
    from safecampus.demo.incidents import seed_demo_incidents
    from safecampus.incidents.models import IllnessRecord

    call_command("seed_demo", schools=20, no_activity=True)
    clock.move_to(datetime.datetime(2027, 1, 1, 0, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    seed_demo_incidents(district=Bureau.objects.get(code_prefix="MH"))
    days = sorted(IllnessRecord.objects.values_list("day", flat=True))
    assert days == [datetime.date(2026, 12, 30), datetime.date(2026, 12, 31)]
