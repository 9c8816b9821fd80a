"""The duties' reminders in the daily digest: due within three days and not done, to the
owner's people."""

import pytest

from safecampus.core.roles import Role
from safecampus.duties import services
from safecampus.duties.models import Occurrence
from safecampus.duties.reminders import duty_due_reminders
from safecampus.duties.tests.edge_helpers import D, at
from safecampus.notifications import registry
from safecampus.notifications.models import Notice
from safecampus.notifications.services import reminders_record

pytestmark = pytest.mark.dates


def test_registered_in_the_apps_ready():
    assert duty_due_reminders in registry.providers()


def test_due_within_three_days_and_not_done_reminds_the_owners_people(ew):
    today = D(2026, 11, 27)  # November's window closes on the 30th
    services.generate(ew.bureau, today=today, since=D(2026, 11, 1), ahead=0)
    reminders = duty_due_reminders(today=today)
    by_occurrence = {int(r.key.split(":")[1]): r for r in reminders}
    drill = by_occurrence[ew.drill.pk]
    school_people = {ew.users[Role.SCHOOL_OFFICER].pk, ew.users[Role.PRINCIPAL].pk}
    assert set(drill.recipient_ids) == school_people and drill.kind == "duty_due"
    assert drill.text == "“应急疏散演练”（2026-M11）须于2026-11-30前完成，尚未登记。"
    own = Occurrence.objects.get(code="OWN", period_key="2026-M11")
    assert by_occurrence[own.pk].recipient_ids == (ew.users[Role.SAFETY_CENTRE].pk,)
    # a daily check reminds nobody; nor does a drill already recorded, nor one due later
    codes = {Occurrence.objects.get(pk=pk).code for pk in by_occurrence}
    assert "CHECK" not in codes and "KDRILL" not in codes  # the quarter closes on 31 December
    services.record(
        actor=ew.users[Role.SCHOOL_OFFICER],
        occurrence_id=ew.drill.pk,
        data={"occurred_at": at(2026, 11, 20), "participants": 1, "evacuation_seconds": 60},
        files={"photo": [_jpeg()], "signin": [_jpeg()]},
        now=at(2026, 11, 27),
    )
    assert ew.drill.pk not in {int(r.key.split(":")[1]) for r in duty_due_reminders(today=today)}
    # on the 26th the window closes in four days: not yet
    assert not [r for r in duty_due_reminders(today=D(2026, 11, 26)) if "TWICE" in r.text]


def test_recorded_once_per_person_by_the_daily_run(ew):
    today = D(2026, 11, 28)
    reminders_record(today=today)
    mine = Notice.objects.filter(recipient=ew.users[Role.SCHOOL_OFFICER], kind="duty_due")
    n = mine.count()
    assert n >= 2  # the drill and the 2/month patrol
    reminders_record(today=today)
    assert mine.count() == n
    # another school's people are never told of school A's duties
    assert not Notice.objects.filter(recipient=ew.users[Role.PARTNER], kind="duty_due").exists()


def _jpeg():
    from safecampus.duties.tests.edge_helpers import jpeg

    return jpeg()
