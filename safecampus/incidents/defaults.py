"""The reporting limits a bureau starts with: common practice, since no single national rule
fixes them (DOMAIN.md §10). A bureau changes them on its settings page."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from .choices import IncidentType
from .timeliness import LimitRow

PRACTICE = "通行做法：事发30分钟内口头报告、1小时内书面报告"
HEALTH = "突发公共卫生事件：2小时内报告，每日17:00前续报，处置结束终报"
CLUSTER = "传染病聚集性疫情（同班1日3例或3日5例）：1小时内报告"

LIMITS: tuple[LimitRow, ...] = (
    LimitRow("", "", verbal_minutes=30, written_minutes=60, source=PRACTICE),
    LimitRow(
        IncidentType.FOOD_POISONING,
        "",
        verbal_minutes=120,
        written_minutes=120,
        daily_follow_up_by=datetime.time(17, 0),
        source=HEALTH,
    ),
    LimitRow(
        IncidentType.INFECTIOUS,
        "",
        verbal_minutes=60,
        written_minutes=60,
        daily_follow_up_by=datetime.time(17, 0),
        source=CLUSTER,
    ),
)

#: a sentence for the settings page
EXPLANATION = _(
    "Limits run from when the school learned of the incident. Exactly on the limit is on time."
)
