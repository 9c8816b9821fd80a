"""The Word documents of incidents, in the 公文 layout of ``core.documents``:

- the reports of one incident: 事件快报 (the first written report), 事件续报（第N次） (a
  follow-up) and 事件终报 (the closing report), each as it stood when that report was filed;
- the monthly summary of a bureau (``XX教育局2027年3月校园突发事件情况汇总``).

The documents are official papers written in Chinese whatever the reader's language, so their
wording is written here in Chinese (as the 清单 of ``zones.exports`` is), not through gettext;
the code lists are named by the document's own words (``TYPE_TEXT``…), which the exports use
too.

Privacy: a restricted case's document never holds ``private_details``, nor any free text of
it (title, place, description, report notes, measures, the notes of its accident-handling
events): the mask stands in their place and a line says that names are not written down.
Only the people named on the case reach it at all (``selectors.incident_get`` audits the read).
The monthly summary lists no restricted case: it counts them.
"""

from __future__ import annotations

import datetime

from django.utils import timezone, translation

from safecampus.core.documents import Document, issuer_of, safe_filename_part
from safecampus.core.roles import Role

from . import selectors, timeliness
from .choices import (
    SERIOUS,
    DisturbanceMeasure,
    IncidentAction,
    IncidentStatus,
    IncidentType,
    InsuranceResult,
    MediationKind,
    MediationOutcome,
    Responsibility,
    Severity,
    StepKind,
    SyncItem,
)
from .models import Incident, IncidentEvent, IncidentStep
from .services import COUNT_FIELDS

KINDS = (StepKind.INITIAL, StepKind.FOLLOW_UP, StepKind.FINAL)
PRIVACY_LINE = "涉及未成年人隐私，姓名不在文书中载明。"
RESTRICTED_MASK = "（受限案件，详情不导出）"

TYPE_TEXT = {
    IncidentType.INJURY: "伤害事故",
    IncidentType.FIRE: "火灾",
    IncidentType.FOOD_POISONING: "食物中毒",
    IncidentType.INFECTIOUS: "传染病聚集性疫情",
    IncidentType.VIOLENCE: "暴力事件",
    IncidentType.BULLYING: "学生欺凌",
    IncidentType.ABUSE: "侵害（含性侵害）",
    IncidentType.TRAFFIC: "交通事故",
    IncidentType.DISASTER: "自然灾害",
    IncidentType.PUBLIC_OPINION: "舆情事件",
    IncidentType.DISTURBANCE: "校闹",
    IncidentType.OTHER: "其他",
}
SEVERITY_TEXT = {
    Severity.GENERAL: "一般（Ⅳ级）",
    Severity.LARGER: "较大（Ⅲ级）",
    Severity.MAJOR: "重大（Ⅱ级）",
    Severity.EXTRAORDINARY: "特别重大（Ⅰ级）",
}
#: the short grade names of the summary's table
SEVERITY_SHORT = {
    Severity.GENERAL: "一般",
    Severity.LARGER: "较大",
    Severity.MAJOR: "重大",
    Severity.EXTRAORDINARY: "特别重大",
}
STATUS_TEXT = {IncidentStatus.OPEN: "处置中", IncidentStatus.CLOSED: "已终报"}
KIND_TEXT = {
    StepKind.VERBAL: "口头报告",
    StepKind.INITIAL: "事件快报",
    StepKind.FOLLOW_UP: "事件续报",
    StepKind.FINAL: "事件终报",
}
SYNC_TEXT = {
    SyncItem.REPORT: "同步报告",
    SyncItem.HANDLE: "同步处置",
    SyncItem.OPINION: "同步回应舆情",
}
RESPONSIBILITY_TEXT = {
    Responsibility.SCHOOL: "学校承担责任",
    Responsibility.PARTLY: "学校承担部分责任",
    Responsibility.NONE: "学校无责任",
    Responsibility.PENDING: "责任认定中",
}
INSURANCE_TEXT = {
    InsuranceResult.FILED: "已报案理赔",
    InsuranceResult.PAID: "已赔付",
    InsuranceResult.PARTLY_PAID: "部分赔付",
    InsuranceResult.REFUSED: "拒赔",
    InsuranceResult.WITHDRAWN: "已撤回",
}
MEDIATION_KIND_TEXT = {
    MediationKind.PEOPLES: "人民调解",
    MediationKind.ADMINISTRATIVE: "行政调解",
    MediationKind.ARBITRATION: "仲裁",
    MediationKind.COURT: "诉讼",
}
MEDIATION_TEXT = {
    MediationOutcome.STARTED: "已启动",
    MediationOutcome.SESSION: "已开展调解",
    MediationOutcome.AGREED: "达成协议",
    MediationOutcome.FAILED: "调解不成",
    MediationOutcome.JUDGED: "已裁决（判决）",
}
DISTURBANCE_TEXT = {
    DisturbanceMeasure.POLICE_CALLED: "已报警并制止",
    DisturbanceMeasure.DIALOGUE: "与家属沟通对话",
    DisturbanceMeasure.LEGAL: "引导通过法律途径解决",
    DisturbanceMeasure.OTHER: "其他措施",
}
COUNT_TEXT = {
    "affected_students": ("涉及学生", "人"),
    "affected_staff": ("涉及教职工", "人"),
    "injured": ("受伤", "人"),
    "deaths": ("死亡", "人"),
}


def day_text(day: datetime.date) -> str:
    """2027年3月1日 (a date in a document's text; the signature date is 二〇二七年…)."""
    return f"{day.year}年{day.month}月{day.day}日"


def moment_text(at: datetime.datetime | None) -> str:
    """2027年3月1日 09:30 (Asia/Shanghai)."""
    if at is None:
        return "—"
    local = timezone.localtime(at)
    return f"{day_text(local.date())} {local:%H:%M}"


# One count of "minutes late" for the pages, the exports and the documents.
minutes_late = timeliness.minutes_late
first_minutes_late = timeliness.first_minutes_late


def timeliness_text(late_minutes: int) -> str:
    return "按时" if late_minutes <= 0 else f"迟报{late_minutes}分钟"


def _role_text(role: str) -> str:
    if role not in Role.values:
        return ""
    with translation.override("zh-hans"):
        return str(Role(role).label)


def _counts_text(counts: dict) -> str:
    parts = [
        f"{label}{int(counts.get(key) or 0)}{unit}" for key, (label, unit) in COUNT_TEXT.items()
    ]
    return "，".join(parts) + "。"


# --- one incident's report ----------------------------------------------------------------------


class DocumentNotFound(LookupError):
    """The incident has no report of that kind (or no N-th follow-up)."""


def pick_step(steps: list[IncidentStep], kind: str, n: int | None = None):
    """The report of ``kind`` among ``steps`` and its number among those of its kind (1-based);
    for a follow-up the ``n``-th (default the latest)."""
    of_kind = [s for s in steps if s.kind == kind]
    if not of_kind:
        raise DocumentNotFound(kind)
    if kind != StepKind.FOLLOW_UP or n is None:
        return of_kind[-1], len(of_kind)
    if not 1 <= n <= len(of_kind):
        raise DocumentNotFound(kind)
    return of_kind[n - 1], n


def document_title(kind: str, number: int = 1) -> str:
    if kind == StepKind.FOLLOW_UP:
        return f"事件续报（第{number}次）"
    return KIND_TEXT[kind]


def document_file_name(incident: Incident, kind: str, number: int, step: IncidentStep) -> str:
    """ "甲小学-事件续报（第2次）-学生课间摔伤-2027年3月1日.docx"; a restricted case's file
    name leaves its title out."""
    title = "受限案件" if incident.restricted else incident.title
    parts = [
        incident.school.name,
        document_title(kind, number),
        title,
        day_text(timezone.localtime(step.at).date()),
    ]
    return "-".join(safe_filename_part(p) for p in parts if p) + ".docx"


def _counts_at(steps: list[IncidentStep], step: IncidentStep) -> dict:
    """The counts as the reports said them up to ``step`` (each report restates those that
    changed)."""
    counts: dict = {}
    for s in steps:
        for key in COUNT_TEXT:
            if key in (s.data or {}):
                counts[key] = s.data[key]
        if s.pk == step.pk:
            break
    return counts


def _measures_at(steps: list[IncidentStep], step: IncidentStep, incident: Incident) -> str:
    text = ""
    for s in steps:
        if (s.data or {}).get("measures"):
            text = s.data["measures"]
        if s.pk == step.pk:
            break
    return text or incident.measures


def _change_text(name: str, old, new) -> str:
    if name == "severity":
        return f"事件等级由{SEVERITY_TEXT.get(old, old)}调整为{SEVERITY_TEXT.get(new, new)}"
    label, unit = COUNT_TEXT.get(name, (name, ""))
    return f"{label}人数由{old}{unit}变为{new}{unit}"


def _change_order(field: str) -> tuple[int, str]:
    """Changes in the order of the form (PostgreSQL's jsonb keeps its keys in its own order)."""
    order = ("severity", *COUNT_FIELDS)
    return (order.index(field) if field in order else len(order), field)


def _step_event(events: list[IncidentEvent], step: IncidentStep) -> IncidentEvent | None:
    """The event written with a follow-up or closing report (same action, same time)."""
    action = IncidentAction.FOLLOW_UP if step.kind == StepKind.FOLLOW_UP else IncidentAction.CLOSE
    return next((e for e in events if e.action == action and e.at == step.at), None)


def _handling_lines(incident: Incident, events: list[IncidentEvent], until) -> list[str]:
    """Responsibility, insurance, mediation and 校闹 handling up to ``until``, one a line; the
    notes are left out of a restricted case."""
    lines = []
    for e in events:
        if e.at > until:
            continue
        data = e.data or {}
        value = data.get("value")
        if isinstance(value, list):
            value = value[-1]
        if e.action == IncidentAction.RESPONSIBILITY:
            text = f"责任认定：{RESPONSIBILITY_TEXT.get(value, value)}"
        elif e.action == IncidentAction.INSURANCE:
            text = f"校方责任险：{INSURANCE_TEXT.get(value, value)}"
            if data.get("amount") not in (None, ""):
                text += f"，金额{data['amount']}元"
        elif e.action == IncidentAction.MEDIATION:
            kind = MEDIATION_KIND_TEXT.get(data.get("kind"), data.get("kind") or "")
            text = f"{kind}：{MEDIATION_TEXT.get(value, value)}"
            if data.get("amount") not in (None, ""):
                text += f"，金额{data['amount']}元"
        elif e.action == IncidentAction.DISTURBANCE:
            text = f"校闹处置：{DISTURBANCE_TEXT.get(value, value)}"
        else:
            continue
        text = f"{day_text(timezone.localtime(e.at).date())}，{text}"
        if e.note and not incident.restricted:
            text += f"（{e.note}）"
        lines.append(text + "。")
    return lines


def _sync_line(incident: Incident) -> str:
    ticks = []
    for item, label in SYNC_TEXT.items():
        done = (incident.sync or {}).get(item)
        if done:
            at = datetime.datetime.fromisoformat(done["at"]) if done.get("at") else None
            ticks.append(f"☑{label}（{moment_text(at)}）" if at else f"☑{label}")
        else:
            ticks.append(f"☐{label}")
    return "　".join(ticks)


def incident_document(
    incident: Incident, *, kind: str, n: int | None = None, now=None
) -> tuple[bytes, str]:
    """The 公文 of one report of ``incident`` (already fetched for the reader through
    ``selectors.incident_get``): ``(docx bytes, file name)``. Raises :class:`DocumentNotFound`
    when the incident has no such report."""
    if kind not in KINDS:
        raise DocumentNotFound(kind)
    now = now or timezone.now()
    tl = selectors.timeline(incident)
    steps, events = tl["steps"], tl["events"]
    step, number = pick_step(steps, kind, n)
    title = document_title(kind, number)
    bureau = incident.bureau
    # A restricted case's document holds no free text of it: its title, place, description,
    # report notes and measures may name minors. The mask stands in their place.
    masked = incident.restricted

    def free(text: str) -> str:
        return RESTRICTED_MASK if masked else text

    doc = Document(
        issuer=incident.school.name,
        title=title,
        subtitle="受限案件" if masked else incident.title,
        addressee=issuer_of(bureau),
    )

    doc.heading(1, "一、基本信息")
    doc.para(f"报送单位：{incident.school.name}")
    doc.para(f"报送时间：{moment_text(step.at)}")
    doc.para(f"事件类型：{TYPE_TEXT.get(incident.incident_type, incident.incident_type)}")
    doc.para(f"事件等级：{SEVERITY_TEXT.get(incident.severity, incident.severity)}")
    doc.para(f"发生时间：{moment_text(incident.occurred_at)}")
    doc.para(f"发生地点：{free(incident.place)}")
    doc.para(f"知悉时间：{moment_text(incident.known_at)}")
    if incident.verbal_at:
        doc.para(f"口头报告时间：{moment_text(incident.verbal_at)}")

    section = iter(["二", "三", "四", "五", "六", "七", "八"])
    if kind == StepKind.INITIAL:
        doc.heading(1, f"{next(section)}、基本情况")
        doc.para(free(step.text or incident.description))
    else:
        doc.heading(1, f"{next(section)}、基本情况")
        doc.para(free(incident.description))
        as_of = (step.data or {}).get("as_of")
        heading = "续报情况" if kind == StepKind.FOLLOW_UP else "处置结果"
        doc.heading(1, f"{next(section)}、{heading}")
        if as_of:
            doc.para(f"截至{moment_text(datetime.datetime.fromisoformat(as_of))}：")
        doc.para(free(step.text))
        event = _step_event(events, step)
        changes = (event.data or {}).get("changes") if event else None
        if changes:
            doc.para(
                "主要变化："
                + "；".join(
                    _change_text(k, *changes[k]) for k in sorted(changes, key=_change_order)
                )
                + "。"
            )
    if incident.restricted:
        doc.para(PRIVACY_LINE)

    doc.heading(1, f"{next(section)}、已采取措施")
    doc.para(free(_measures_at(steps, step, incident) or "无"))

    doc.heading(1, f"{next(section)}、涉及人数")
    doc.para(_counts_text(_counts_at(steps, step)))

    handling = _handling_lines(incident, events, step.at)
    if kind == StepKind.FINAL or handling:
        doc.heading(1, f"{next(section)}、事故处理")
        for line in handling or ["无责任认定、保险理赔或调解事项。"]:
            doc.para(line)

    if incident.severity in SERIOUS or incident.sync:
        doc.heading(1, f"{next(section)}、“三同步”落实情况")
        doc.para(_sync_line(incident))

    doc.heading(1, f"{next(section)}、报送时效")
    if kind == StepKind.INITIAL:
        late = first_minutes_late(incident)
        line = f"首报{timeliness_text(late)}"
        limits = []
        if incident.verbal_due_at:
            limits.append(f"口头报告时限{moment_text(incident.verbal_due_at)}")
        if incident.written_due_at:
            limits.append(f"书面报告时限{moment_text(incident.written_due_at)}")
        if limits:
            line += f"（{'，'.join(limits)}）"
        doc.para(line + "。")
    else:
        late = step.minutes_late if step.late else 0
        line = f"本次报告{timeliness_text(late)}"
        if step.due_at:
            line += f"（时限{moment_text(step.due_at)}）"
        summary = selectors.timeliness_of(incident, steps, now=min(now, step.at))
        if summary.missed:
            line += f"；此前应报未报续报{summary.missed}次"
        doc.para(line + "。")

    doc.blank()
    role = _role_text(step.actor_role)
    signer = doc.para(f"报送人：{step.actor.display_name}" + (f"（{role}）" if role else ""))
    signer.paragraph_format.keep_with_next = True  # with the telephone line and the date
    doc.para("联系电话：____________________")
    doc.signature(timezone.localtime(step.at).date())
    return doc.bytes(), document_file_name(incident, kind, number, step)


# --- the monthly summary -----------------------------------------------------------------------


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def summary_title(bureau, month: datetime.date) -> str:
    return f"{issuer_of(bureau)}{month.year}年{month.month}月校园突发事件情况汇总"


def summary_file_name(bureau, month: datetime.date) -> str:
    return safe_filename_part(summary_title(bureau, month)) + ".docx"


def monthly_summary(user, *, bureau, month: datetime.date, now=None) -> tuple[bytes, str]:
    """The month's summary of ``bureau`` as ``user`` sees it: ``(docx bytes, file name)``.

    Built from ``selectors.figures`` (restricted cases counted, never shown) and
    ``selectors.incidents`` (the serious cases listed, restricted ones left out even for a
    reader named on them). It reads a bounded number of queries whatever the month's size, so
    it is written while the reader waits for one bureau and one month; a province-wide summary
    would be a job.
    """
    from safecampus.core.excel import scope_label

    from .models import Dispute

    now = now or timezone.now()
    since, until = month_bounds(month)
    figures = selectors.figures(user, bureau_id=bureau.pk, since=since, until=until, now=now)
    counted = selectors._window(
        Incident.objects.counted_for(user).filter(bureau_id=bureau.pk, restricted=False),
        since,
        until,
    )
    cross: dict[tuple[str, str], int] = {}
    for row in counted.values_list("incident_type", "severity"):
        cross[row] = cross.get(row, 0) + 1
    serious = list(
        selectors.incidents(
            user,
            selectors.IncidentFilters(bureau_id=bureau.pk, serious=True, since=since, until=until),
        ).filter(restricted=False)
    )
    restricted_serious = counted.filter(restricted=True, severity__in=SERIOUS).count()
    disputes = Dispute.objects.counted_for(user).filter(bureau_id=bureau.pk)
    open_disputes = disputes.open()
    open_n = open_disputes.count()
    petition_n = open_disputes.filter(petition_risk=True).count()
    high_n = open_disputes.filter(risk="high").count()
    new_n = disputes.filter(found_on__gte=since, found_on__lte=until).count()

    title = summary_title(bureau, month)
    doc = Document(bureau=bureau, title=title, subtitle=f"（统计范围：{scope_label(user)}）")
    doc.heading(1, "一、总体情况")
    total = figures["total"]
    rate = "—" if figures["rate"] is None else f"{figures['rate']}%"
    doc.para(
        f"{month.year}年{month.month}月，共报送校园突发事件{total}起，其中处置中{figures['open']}"
        f"起、已终报{total - figures['open']}起；较大及以上事件{figures['serious']}起。"
    )
    doc.para(
        f"首报按时率{rate}（按时{figures['on_time']}起，迟报{figures['late']}起）；"
        f"应报未报续报{figures['missed_follow_ups']}次。"
    )
    if figures["restricted"]:
        doc.para(f"另有受限案件{figures['restricted']}起，按规定不列明细，未计入上述统计。")

    doc.heading(1, "二、分类型、分等级情况")
    grades = list(Severity.values)
    rows = []
    for t in IncidentType.values:
        counts = [cross.get((t, g), 0) for g in grades]
        if sum(counts):
            rows.append([TYPE_TEXT[t], *counts, sum(counts)])
    if rows:
        totals = [sum(r[i + 1] for r in rows) for i in range(len(grades))]
        rows.append(["合计", *totals, sum(totals)])
    doc.table(
        ["事件类型", *(SEVERITY_SHORT[g] for g in grades), "合计"],
        rows,
        widths=[3, 1.2, 1.2, 1.2, 1.6, 1.2],
        empty="本月无校园突发事件报告。",
    )

    doc.heading(1, "三、较大及以上事件")
    doc.table(
        ["学校", "事件", "类型", "等级", "发生时间", "状态"],
        [
            [
                i.school.name,
                i.title,
                TYPE_TEXT.get(i.incident_type, i.incident_type),
                SEVERITY_SHORT.get(i.severity, i.severity),
                moment_text(i.occurred_at),
                STATUS_TEXT.get(i.status, i.status),
            ]
            for i in serious
        ],
        widths=[2, 3, 1.8, 1.1, 2.6, 1.5],
        empty="本月无较大及以上事件。" if not restricted_serious else "",
    )
    if restricted_serious:
        doc.para(f"另有受限案件{restricted_serious}起，按规定不列明细。")

    doc.heading(1, "四、矛盾纠纷情况")
    doc.para(
        f"本月新排查登记矛盾纠纷{new_n}件；截至{day_text(timezone.localtime(now).date())}，"
        f"尚未化解{open_n}件，其中高风险{high_n}件、有群访或越级上访风险{petition_n}件。"
    )
    doc.signature(timezone.localtime(now).date())
    return doc.bytes(), summary_file_name(bureau, month)


__all__ = [
    "DocumentNotFound",
    "KINDS",
    "PRIVACY_LINE",
    "RESTRICTED_MASK",
    "SEVERITY_TEXT",
    "STATUS_TEXT",
    "TYPE_TEXT",
    "first_minutes_late",
    "incident_document",
    "monthly_summary",
]


def document_for(user, pk, *, kind: str, n=None) -> tuple[bytes, str]:
    """The 公文 of one report of the incident ``pk`` as ``user`` may read it, for the page and
    the API alike: ``(docx bytes, file name)``. ``kind`` initial (快报), follow_up (续报; ``n``
    the N-th, default the latest) or final (终报). Read through ``selectors.incident_get(...,
    what="document")``: a restricted case's download is audited, and anyone not named on it,
    an unknown kind or ``n``, or a report the incident does not have yet is ``Http404``."""
    from django.http import Http404
    from django.utils.translation import pgettext

    if kind not in KINDS:
        raise Http404
    incident = selectors.incident_get(user, pk, what="document")
    try:
        number = int(n) if n not in (None, "") else None
    except ValueError:
        raise Http404 from None
    try:
        return incident_document(incident, kind=kind, n=number)
    except DocumentNotFound:
        raise Http404(
            pgettext("incident documents", "This incident has no such report yet.")
        ) from None


def summary_bureau(user, bureau_id=None):
    """The bureau whose monthly summary ``user`` asks for: ``bureau_id`` among those the user
    sees (another is ``Http404``), or without one the first of them. Requires the roles that
    see incident figures (``PermissionDenied``)."""
    from django.http import Http404

    from safecampus.core.access import get_for, require
    from safecampus.core.capabilities import INCIDENT_FIGURES_VIEW
    from safecampus.orgs.models import Bureau

    require(user, INCIDENT_FIGURES_VIEW)
    bureaus = Bureau.objects.visible_to(user).order_by("pk")
    if bureau_id not in (None, ""):
        return get_for(user, bureaus, bureau_id)
    bureau = bureaus.first()
    if bureau is None:
        raise Http404
    return bureau


def summary_for(user, *, bureau, month: datetime.date) -> tuple[bytes, str]:
    """The month's summary of ``bureau`` (from :func:`summary_bureau`) for the page and the API
    alike: ``(docx bytes, file name)``, the download written to the audit log."""
    from safecampus.audit.models import Action
    from safecampus.audit.services import audit_record
    from safecampus.core.db import in_write_transaction

    content, name = monthly_summary(user, bureau=bureau, month=month)
    in_write_transaction(
        lambda: audit_record(
            action=Action.EXPORT,
            actor=user,
            bureau_id=bureau.pk,
            data={"kind": "incidents.summary", "month": f"{month:%Y-%m}"},
        )
    )
    return content, name


def parse_month(value: str | None, today: datetime.date) -> datetime.date | None:
    """ "2027-03" → 2027-03-01; a month still to come, or anything else, is no month."""
    if not value:
        return None
    try:
        year, month = (int(x) for x in value.split("-")[:2])
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return None
    return first if first <= today.replace(day=1) else None
