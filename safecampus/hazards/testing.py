"""Test helpers for the register: a small published catalog, uploads, hazards in any status.

Hazards are driven to their status through the services, so their events are the real ones.
"""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from safecampus.catalog.services import catalog_load
from safecampus.core.roles import Role

from . import services
from .choices import Action, Decision, Status

#: the actions that lead from a new report to each status, with who takes them
#: what a confirmation of a hazard fixed by a deadline brings besides the deadline (五落实: the
#: school's responsible person is given with the report)
FIVE_IN_PLACE = {
    "funds": "学校自筹2000元",
    "measures": "清理杂物，设置禁止堆放标识",
    "contingency_plan": "整改完成前安排专人值守，发现险情立即疏散",
}

_PATH: dict[str, list[tuple[str, str]]] = {
    Status.REPORTED: [],
    Status.ASSIGNED: [(Action.CONFIRM, "dept")],
    Status.RECTIFYING: [(Action.CONFIRM, "dept"), (Action.START, "school")],
    Status.SUBMITTED: [(Action.CONFIRM, "dept"), (Action.SUBMIT, "school")],
    Status.CLOSED: [(Action.CONFIRM, "dept"), (Action.SUBMIT, "school"), (Action.ACCEPT, "dept")],
    Status.HARD: [(Action.CONFIRM, "dept"), (Action.MARK_HARD, "dept")],
    Status.WITHDRAWN: [(Action.WITHDRAW, "dept")],
}


def small_catalog(bureau, department, *, cooperating=None):
    """A published catalog of two areas and three items; A01 items name ``department``."""
    coop = [cooperating.name] if cooperating is not None else []
    data = {
        "title": "测试排查标准",
        "areas": [
            {
                "code": "A01",
                "name": "消防安全",
                "items": [
                    {
                        "code": "A01-01",
                        "text": "疏散通道畅通，安全出口不锁闭",
                        "responsible": [department.name],
                        "cooperating": coop,
                    },
                    {
                        "code": "A01-02",
                        "text": "消防设施完好有效",
                        "responsible": [department.name],
                        "default_level": "major",
                    },
                ],
            },
            {
                "code": "A02",
                "name": "食品安全",
                "items": [{"code": "A02-01", "text": "食堂持证经营", "responsible": []}],
            },
        ],
    }
    version, _warnings = catalog_load(bureau=bureau, data=data)
    return version


def jpeg_upload(name: str = "photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def hazard_at(
    status: str,
    *,
    school,
    school_user,
    dept_user,
    item=None,
    deadline: datetime.date | None = None,
    **data,
):
    """A hazard reported by ``school_user`` and moved to ``status`` through the services."""
    if item is None:
        from safecampus.catalog.models import CheckItem

        item = CheckItem.objects.filter(
            version__bureau_id=school.bureau_id, version__status="published", code="A01-01"
        ).first()
    data.setdefault("description", "二楼东侧疏散通道堆放杂物")
    data.setdefault("responsible_person", "张老师")
    hazard = services.hazard_report(actor=school_user, school=school, item=item, data=data)
    deadline = deadline or timezone.localdate() + datetime.timedelta(days=30)
    # an overdue hazard made today: confirmed with the day it was found, its deadline moved
    # back afterwards (a deadline before the date found is refused by the services)
    backdated = deadline < hazard.found_on
    for action, who in _PATH[status]:
        actor = dept_user if who == "dept" else school_user
        changes = {}
        if action == Action.CONFIRM:
            changes = {"deadline": hazard.found_on if backdated else deadline, **FIVE_IN_PLACE}
        hazard = services.hazard_act(
            actor=actor,
            hazard_id=hazard.pk,
            action=action,
            version=hazard.version,
            comment="测试" if action in (Action.WITHDRAW, Action.MARK_HARD) else "",
            changes=changes,
            files=[jpeg_upload()] if action == Action.SUBMIT else (),
        )
    if backdated and any(action == Action.CONFIRM for action, _who in _PATH[status]):
        type(hazard).objects.filter(pk=hazard.pk).update(deadline=deadline)
        hazard.refresh_from_db()
    return hazard


__all__ = ["FIVE_IN_PLACE", "small_catalog", "jpeg_upload", "hazard_at", "Decision", "Role"]
