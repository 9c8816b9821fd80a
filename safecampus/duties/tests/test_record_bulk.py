"""A history brought in at once (``services.record_bulk``, the demo's): done and done late as
single records make them, with events and evidence; a bad entry refuses the whole with nothing
saved."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from safecampus.core.roles import Role
from safecampus.duties import services
from safecampus.duties.models import DutyEvidence, DutyRecord, Occurrence, OccurrenceEvent
from safecampus.duties.testing import school_year_terms, small_duty_catalog

pytestmark = pytest.mark.dates


def _jpeg(colour):
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(buf, "JPEG")
    return buf.getvalue()


def at(y, m, d, h=10):
    return timezone.make_aware(datetime.datetime(y, m, d, h))


@pytest.fixture
def owed(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    small_duty_catalog(world.bureau, world.department)
    school_year_terms(world.bureau, 2026)
    services.generate(
        world.bureau, today=datetime.date(2026, 11, 18), since=datetime.date(2026, 9, 1)
    )
    drills = Occurrence.objects.filter(code="DRILL", school=world.school_a).select_related(
        "duty", "school"
    )
    return world, {o.period_key: o for o in drills}


def _entry(world, occ, when, **kw):
    return {
        "occurrence": occ,
        "actor": world.users[Role.SCHOOL_OFFICER],
        "role": Role.SCHOOL_OFFICER,
        "occurred_at": when,
        "created_at": when + datetime.timedelta(hours=8),
        "participants": 800,
        "evacuation_seconds": 150,
        "files": {"photo": [("现场照片.jpg", _jpeg((1, 2, 3)))]},
        **kw,
    }


def test_done_and_late_with_events_and_evidence(owed):
    world, drills = owed
    n = services.record_bulk(
        entries=[
            _entry(world, drills["2026-M09"], at(2026, 9, 20)),
            # October's window ends on the 31st; five days' grace: late
            _entry(world, drills["2026-M10"], at(2026, 11, 3)),
        ],
        now=at(2026, 11, 18),
    )
    assert n == 2
    sep = Occurrence.objects.get(pk=drills["2026-M09"].pk)
    oct_ = Occurrence.objects.get(pk=drills["2026-M10"].pk)
    assert (sep.status, sep.recorded, sep.row_version) == ("done", 1, 1)
    assert sep.status_at == at(2026, 9, 20, 18)
    assert oct_.status == "done_late"
    events = OccurrenceEvent.objects.filter(occurrence__in=[sep, oct_]).order_by("at")
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("record", "due", "done"),
        ("record_late", "due", "done_late"),
    ]
    assert all(e.record_id for e in events)
    photo = DutyEvidence.objects.get(record__occurrence=sep)
    assert photo.kind == "photo" and photo.file.read()[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    "when",
    [at(2026, 8, 20), at(2026, 11, 10), at(2026, 12, 1)],
    ids=["before the window", "after the grace", "after now"],
)
def test_a_bad_entry_refuses_all_and_saves_nothing(owed, when):
    world, drills = owed
    bad = drills["2026-M09"] if when.month != 12 else drills["2026-M11"]
    with pytest.raises(ValidationError):
        services.record_bulk(
            entries=[
                _entry(world, drills["2026-M10"], at(2026, 10, 20)),
                _entry(world, bad, when),
            ],
            now=at(2026, 11, 18),
        )
    assert not DutyRecord.objects.exists() and not OccurrenceEvent.objects.exists()
    assert set(Occurrence.objects.values_list("status", flat=True)) == {"due"}


def test_a_role_the_table_does_not_know_is_refused(owed):
    world, drills = owed
    with pytest.raises(ValidationError) as exc:
        services.record_bulk(
            entries=[_entry(world, drills["2026-M09"], at(2026, 9, 20), role=Role.AUDITOR)],
            now=at(2026, 11, 18),
        )
    assert exc.value.code == "not_allowed"
    assert not DutyRecord.objects.exists()
