"""Builders shared by the engine's edge tests (test_services, test_lifecycle)."""

import datetime
import io
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from safecampus.duties import services

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date
#: the November drill of school A: window 1–30 November 2026, grace to 5 December
TODAY = D(2026, 11, 18)


def at(y, m, d, h=10, minute=0, tz=SHANGHAI):
    return datetime.datetime(y, m, d, h, minute, tzinfo=tz)


def jpeg(name="drill.jpg", colour=(200, 30, 30)):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def drill_files():
    return {"photo": [jpeg()], "signin": [jpeg("signin.jpg", (1, 2, 3))]}


def drill_data(occurred_at, **kw):
    return {"occurred_at": occurred_at, "participants": 820, "evacuation_seconds": 185, **kw}


def record_drill(ew, occurred_at, now, **kw):
    return services.record(
        actor=ew.school_officer,
        occurrence_id=ew.drill.pk,
        data=drill_data(occurred_at),
        files=drill_files(),
        now=now,
        **kw,
    )
