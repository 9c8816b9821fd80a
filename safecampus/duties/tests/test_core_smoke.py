"""The engine end to end on one small world: generation, recording, excuses, oversight."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from safecampus.core.roles import Role
from safecampus.duties import selectors, services
from safecampus.duties.models import Occurrence
from safecampus.duties.testing import school_year_terms, small_duty_catalog

pytestmark = pytest.mark.dates


def jpeg(name="drill.jpg", colour=(200, 30, 30)):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def dw(world):
    small_duty_catalog(world.bureau, world.department)
    school_year_terms(world.bureau, 2026)
    world.partner.kind = "health"
    world.partner.save()
    return world


def at(y, m, d, h=10):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime(y, m, d, h))


def test_generate_and_record(dw):
    today = datetime.date(2026, 11, 18)
    created = services.generate(dw.bureau, today=today, since=datetime.date(2026, 9, 1))
    assert created > 0
    again = services.generate(dw.bureau, today=today, since=datetime.date(2026, 9, 1))
    assert again == 0
    drills = Occurrence.objects.filter(code="DRILL", school=dw.school_a).order_by("period_start")
    assert [o.period_key for o in drills] == ["2026-M09", "2026-M10", "2026-M11", "2026-M12"]
    # the kindergarten owes its quarterly drill, not the monthly one
    assert not Occurrence.objects.filter(code="DRILL", school=dw.school_b).exists()
    assert Occurrence.objects.filter(code="KDRILL", school=dw.school_b).count() == 2
    # no boarding school: no night drill
    assert not Occurrence.objects.filter(code="BOARD").exists()
    # the department owes its meeting; the health partner its water test
    assert Occurrence.objects.filter(code="MEET", department=dw.department).exists()
    assert Occurrence.objects.filter(code="WATER", partner=dw.partner).exists()

    nov = drills.get(period_key="2026-M11")
    user = dw.users[Role.SCHOOL_OFFICER]
    with pytest.raises(ValidationError):
        services.record(
            actor=user,
            occurrence_id=nov.pk,
            data={"occurred_at": at(2026, 11, 10)},
            now=at(2026, 11, 18),
        )
    assert Occurrence.objects.get(pk=nov.pk).status == "due"
    rec = services.record(
        actor=user,
        occurrence_id=nov.pk,
        data={"occurred_at": at(2026, 11, 10), "participants": 820, "evacuation_seconds": 185},
        files={"photo": [jpeg()], "signin": [jpeg("signin.jpg", (1, 2, 3))]},
        now=at(2026, 11, 18),
    )
    nov.refresh_from_db()
    assert nov.status == "done" and rec.files.count() == 2
    # another school's officer: 404; the department: 403 (it oversees, it does not owe)
    with pytest.raises(Http404):
        services.ask_excuse(actor=dw.users[Role.PARTNER], occurrence_id=nov.pk, reason="x")
    with pytest.raises(PermissionDenied):
        services.ask_excuse(
            actor=dw.users[Role.DEPARTMENT_OFFICER], occurrence_id=nov.pk, reason="x"
        )
    services.mark_not_credible(
        actor=dw.users[Role.DEPARTMENT_OFFICER],
        occurrence_id=nov.pk,
        reason="照片与上月相同",
        open_accountability=True,
        now=at(2026, 11, 19),
    )
    nov.refresh_from_db()
    assert nov.status == "due" and nov.grace_end >= datetime.date(2026, 11, 26)

    f = selectors.tallies(
        selectors.compliance_queryset(Occurrence.objects.filter(code="DRILL"), today), today
    )[()]
    # September and October were never recorded; November is due again; December not yet open
    assert (f.done, f.missed, f.open, f.owed) == (0, 2, 1, 3)
