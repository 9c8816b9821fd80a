"""Each department's written material (书面材料) at the end of the rectification phase: 000
§四(二)3 "整改工作结束后，各责任部门将职责范围内的风险隐患整改情况形成书面材料", before the centre's
summary (§四(三)). Made from the department's hazards of the campaign (in the three categories
of §四(三), as confirmed, else as the register gives them) and its weekly reports, as a 公文
(``core.documents``) signed by the department. Before the rectification phase has ended (and
while the campaign is open) it is a draft, marked 草稿 under the title and in the file name.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.campaigns.choices import CampaignStatus, PhaseKind
from safecampus.core.access import get_for, scope_for
from safecampus.core.documents import Document, file_name, issuer_of
from safecampus.hazards.choices import Summary
from safecampus.orgs.choices import DepartmentKind
from safecampus.orgs.models import Department
from safecampus.weekly.models import ReportStatus, WeeklyReport
from safecampus.weekly.weeks import report_weeks

from . import access
from .document import day_text
from .selectors import CATEGORIES, attach_latest, campaign_hazards

_NUMERALS = "一二三四五六七八九十"


@dataclass
class Material:
    campaign: object
    department: Department
    today: datetime.date
    #: the rectification phase's last day, None without such a phase
    rectification_ends: datetime.date | None
    hazards: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    #: weeks whose report was owed by ``today``: due before it (as the weekly matrix counts
    #: them missing) or already submitted
    weeks_due: int = 0
    #: weeks due before ``today`` without a submitted report (the matrix's 未报)
    missing: int = 0

    @property
    def draft(self) -> bool:
        """A draft until the rectification phase has ended, or the campaign was closed (an
        archived campaign's material is final whenever it was archived)."""
        if self.campaign.status == CampaignStatus.CLOSED:
            return False
        return self.rectification_ends is None or self.today <= self.rectification_ends


def department_get(*, user, campaign, pk: int) -> Department:
    """The department whose material ``user`` reads: 404 when it is not theirs to read."""
    q = access.material_department_q(scope_for(user), campaign)
    qs = Department.objects.filter(q) if q is not None else Department.objects.none()
    return get_for(user, qs, pk)


def material_departments(*, user, campaign) -> list[Department]:
    """The departments whose material ``user`` reads, for the evaluation page."""
    q = access.material_department_q(scope_for(user), campaign)
    if q is None:
        return []
    return list(Department.objects.visible_to(user).filter(q).order_by("sort_order", "name"))


def material_collect(*, user, campaign, department, today: datetime.date | None = None):
    """The department's hazards of ``campaign`` and its submitted weekly reports, read
    through ``user``'s scope."""
    today = today or timezone.localdate()
    hazards = list(
        campaign_hazards(user=user, campaign=campaign)
        .filter(responsible_department=department)
        .select_related("school")
        .order_by("school__name", "code")
    )
    attach_latest(hazards)
    for h in hazards:
        h.final = h.latest.category if h.latest else h.derived
    reports = list(
        WeeklyReport.objects.visible_to(user)
        .filter(campaign=campaign, department=department, status=ReportStatus.SUBMITTED)
        .order_by("week_start")
    )
    phases = [p for p in campaign.phases.all() if p.kind == PhaseKind.RECTIFICATION]
    submitted = {r.week_start for r in reports}
    past_due = {w.start for w in report_weeks(campaign) if w.due < today}
    return Material(
        campaign=campaign,
        department=department,
        today=today,
        rectification_ends=max((p.ends_on for p in phases), default=None),
        hazards=hazards,
        reports=reports,
        weeks_due=len(past_due | submitted),
        missing=len(past_due - submitted),
    )


def material_file_name(m: Material) -> str:
    """闵行区教育局_<campaign>_书面材料_法制科[_草稿].docx"""
    return file_name(
        m.campaign.bureau.name,
        m.campaign.name,
        _("Written summary"),
        m.department.name,
        _("draft") if m.draft else "",
        ext="docx",
    )


def _addressee(bureau) -> str:
    centre = (
        Department.objects.filter(bureau=bureau, kind=DepartmentKind.CENTRE)
        .order_by("sort_order", "pk")
        .first()
    )
    return centre.name if centre else _("The bureau's safety management centre")


def material_document(m: Material) -> bytes:
    bureau = m.campaign.bureau
    labels = dict(Summary.choices)
    counts = Counter(h.final for h in m.hazards)
    total = len(m.hazards)
    major = sum(1 for h in m.hazards if h.level == "major")
    mark = ""
    if m.draft:
        mark = _("DRAFT: the rectification phase has not ended; figures as of %(date)s") % {
            "date": day_text(m.today)
        }
    doc = Document(
        bureau=bureau,
        title=_("Written material of %(department)s on the rectification of %(campaign)s")
        % {"department": m.department.name, "campaign": m.campaign.name},
        subtitle=f"（{mark}）" if mark else "",
        addressee=_addressee(bureau),
    )
    n = iter(_NUMERALS)

    doc.heading(1, f"{next(n)}、" + _("Overview"))
    doc.para(
        _(
            "In this campaign the department is responsible for %(total)s hazards, %(major)s "
            "of them major: %(resolved)s resolved, %(in_progress)s being resolved with a "
            "deadline, %(hard)s hard to resolve in the short term."
        )
        % {
            "total": total,
            "major": major,
            "resolved": counts[Summary.RESOLVED],
            "in_progress": counts[Summary.IN_PROGRESS],
            "hard": counts[Summary.HARD],
        }
    )
    doc.table(
        [_("Category"), _("Hazards"), _("Share (%)")],
        [
            [
                str(labels[c]),
                counts[c],
                round(100 * counts[c] / total, 1) if total else 0,
            ]
            for c in CATEGORIES
        ],
        widths=[3, 1, 1],
    )

    doc.heading(1, f"{next(n)}、" + _("Rectification by category"))
    sub = iter(_NUMERALS)
    for c in CATEGORIES:
        rows = [h for h in m.hazards if h.final == c]
        doc.heading(2, f"（{next(sub)}）{labels[c]}（{len(rows)}）")
        if not rows:
            doc.para(_("None."))
        elif c == Summary.RESOLVED:
            doc.table(
                [_("Code"), _("School"), _("Description"), _("Closed on")],
                [[h.code, h.school.name, h.description, h.closed_on or ""] for h in rows],
                widths=[2.4, 2, 3.6, 1.8],
            )
        elif c == Summary.IN_PROGRESS:
            doc.table(
                [_("Code"), _("School"), _("Description"), _("Status"), _("To be completed by")],
                [
                    [
                        h.code,
                        h.school.name,
                        h.description,
                        h.get_status_display(),
                        (h.latest.complete_by if h.latest else None) or h.deadline or "",
                    ]
                    for h in rows
                ],
                widths=[2.4, 1.8, 3, 1.4, 1.8],
            )
        else:
            doc.table(
                [
                    _("Code"),
                    _("School"),
                    _("Description"),
                    _("Interim safety measures"),
                    _("Responsible for interim measures"),
                ],
                [
                    [
                        h.code,
                        h.school.name,
                        h.description,
                        h.interim_measures,
                        " ".join(x for x in (h.interim_unit, h.interim_person) if x),
                    ]
                    for h in rows
                ],
                widths=[2.4, 1.6, 2.4, 2.4, 1.8],
            )

    doc.heading(1, f"{next(n)}、" + _("Weekly reports"))
    late = sum(1 for r in m.reports if r.late)
    doc.para(
        _(
            "%(due)s weekly reports were due; %(on_time)s submitted on time, %(late)s late, "
            "%(missing)s missing."
        )
        % {
            "due": m.weeks_due,
            "on_time": len(m.reports) - late,
            "late": late,
            "missing": m.missing,
        }
    )
    if m.reports:
        doc.table(
            [_("Week"), _("Submitted"), _("New this week"), _("Closed this week"), _("Progress")],
            [
                [
                    f"{r.week_start:%m-%d}—{r.week_end:%m-%d}",
                    timezone.localtime(r.submitted_at).strftime("%m-%d")
                    + (f"（{_('late')}）" if r.late else ""),
                    (r.figures.get("totals") or {}).get("new", 0),
                    (r.figures.get("totals") or {}).get("closed", 0),
                    r.progress,
                ]
                for r in m.reports
            ],
            widths=[1.6, 1.6, 1, 1, 4],
        )

    doc.heading(1, f"{next(n)}、" + _("Problems and next steps"))
    last = m.reports[-1] if m.reports else None
    doc.heading(2, "（一）" + _("Problems"))
    doc.para((last.problems if last else "") or _("None."))
    doc.heading(2, "（二）" + _("Next steps"))
    doc.para((last.next_plan if last else "") or _("None."))

    doc.signature(m.today, issuer=issuer_of(bureau) + m.department.name)
    return doc.bytes()
