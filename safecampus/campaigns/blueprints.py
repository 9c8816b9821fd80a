"""The campaign templates shipped with the product. Dates are (month, day) and shift to the year
chosen when a campaign is made from a template.

- ``special_rectification``: the four-month campaign of 000 §四: 集中排查 3/1–3/31 with school
  forms due 3/20, 专项整治 4/1–5/31 with weekly reports, 总结评估 6/1–6/30 with department
  feedback due 6/10.
- ``q4``: 攻坚四季度、坚定保平安 of 002. The notice fixes the quarter, not the dates inside it; the
  split below (inspection in October, rectification to mid-December, summary after) is ours.
- ``sweep_h1`` / ``sweep_h2``: the half-yearly 拉网式排查 of 004 §二(三), with a closed-loop
  rectification phase after each sweep; month boundaries are ours.

Each date says whether the seed gives it (``given``) or it is the product's suggestion; the create
page marks the suggestions "建议日期". ``basis`` is what users see (the document's title and
clause); ``source`` (a seed file) is for the code only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import PhaseKind

MonthDay = tuple[int, int]


@dataclass(frozen=True)
class PhasePlan:
    name: str
    kind: str
    starts: MonthDay
    ends: MonthDay
    weekly_reports: bool = False
    #: the seed gives these dates; False: they are the product's suggestion
    given: bool = False


@dataclass(frozen=True)
class Blueprint:
    key: str
    label: str
    name: str
    source: str
    forms_due: MonthDay
    phases: tuple[PhasePlan, ...]
    milestones: tuple[tuple[str, MonthDay], ...] = ()
    description: str = ""
    #: the document and clause the template follows, as users see it (never a file name)
    basis: str = ""
    #: the seed gives the forms deadline; False: it is the product's suggestion
    forms_due_given: bool = False
    #: names of the milestones whose dates the seed gives (the others are suggestions)
    given_milestones: frozenset[str] = frozenset()

    def dates(self) -> list[dict]:
        """Every date of the template in order: ``what``, ``starts``, ``ends`` (a phase) or
        None, ``given`` (by the seed; False: the product's suggestion), ``weekly_reports``."""
        return [
            *(
                {
                    "what": p.name,
                    "starts": p.starts,
                    "ends": p.ends,
                    "given": p.given,
                    "weekly_reports": p.weekly_reports,
                }
                for p in self.phases
            ),
            {
                "what": str(_("Forms due")),
                "starts": self.forms_due,
                "ends": None,
                "given": self.forms_due_given,
                "weekly_reports": False,
            },
            *(
                {
                    "what": n,
                    "starts": md,
                    "ends": None,
                    "given": n in self.given_milestones,
                    "weekly_reports": False,
                }
                for n, md in self.milestones
            ),
        ]


BLUEPRINTS: dict[str, Blueprint] = {
    b.key: b
    for b in (
        Blueprint(
            key="special_rectification",
            label=_("Four-month special rectification"),
            name="校园安全专项整治",
            source="000_b0b7d186cefae7de.txt §四",
            forms_due=(3, 20),
            phases=(
                # 000 §四(一)–(三) give every phase's dates, the forms deadline (3月20日前) and
                # the departments' feedback (6月10日前)
                PhasePlan("集中排查", PhaseKind.INSPECTION, (3, 1), (3, 31), given=True),
                PhasePlan("专项整治", PhaseKind.RECTIFICATION, (4, 1), (5, 31), True, given=True),
                PhasePlan("总结评估", PhaseKind.EVALUATION, (6, 1), (6, 30), given=True),
            ),
            milestones=(("责任部门反馈整改情况", (6, 10)),),
            basis="《闵行区教育局校园安全专项整治工作实施方案》第四部分“工作安排”",
            forms_due_given=True,
            given_milestones=frozenset({"责任部门反馈整改情况"}),
            description=(
                "学校自查与部门排查相结合；各学校填写排查表，将排查结果、整改计划、完成时限"
                "报对应责任部门；专项整治阶段实行周报机制；总结评估阶段各责任部门反馈整改情况。"
            ),
        ),
        Blueprint(
            key="q4",
            label=_("Fourth-quarter campaign"),
            name="攻坚四季度、坚定保平安",
            source="002_baf5f1843da22c12.txt",
            forms_due=(10, 20),
            phases=(
                PhasePlan("全面排查", PhaseKind.INSPECTION, (10, 1), (10, 31)),
                PhasePlan("集中整治", PhaseKind.RECTIFICATION, (11, 1), (12, 15), True),
                PhasePlan("总结评估", PhaseKind.EVALUATION, (12, 16), (12, 31)),
            ),
            milestones=(("责任部门反馈整改情况", (12, 20)),),
            description="全面排查各类风险隐患，建立风险清单和台账，逐一销号。",
            # 002 names the fourth quarter and no date inside it: every date is a suggestion
            basis="《兖州区学校“攻坚四季度、坚定保平安”工作方案》",
        ),
        Blueprint(
            key="sweep_h1",
            label=_("Half-yearly sweep, first half"),
            name="上半年校园安全拉网式排查",
            source="004_72fa6b74ce07b938.txt §二(三)",
            forms_due=(3, 25),
            phases=(
                PhasePlan("拉网式排查", PhaseKind.INSPECTION, (3, 1), (3, 31)),
                PhasePlan("闭环整改", PhaseKind.RECTIFICATION, (4, 1), (5, 31), True),
                PhasePlan("总结", PhaseKind.EVALUATION, (6, 1), (6, 15)),
            ),
            description="建立台账，闭环整改，确保资金、人员、措施、时限、预案“五落实”。",
            # 004 §二(三) says "每半年…1次" and no date: every date is a suggestion
            basis=(
                "崇义街道《关于切实加强辖区中小学幼儿园安全风险防控体系建设确保校园安全的通知》"
                "第二部分第（三）项"
            ),
        ),
        Blueprint(
            key="sweep_h2",
            label=_("Half-yearly sweep, second half"),
            name="下半年校园安全拉网式排查",
            source="004_72fa6b74ce07b938.txt §二(三)",
            forms_due=(9, 25),
            phases=(
                PhasePlan("拉网式排查", PhaseKind.INSPECTION, (9, 1), (9, 30)),
                PhasePlan("闭环整改", PhaseKind.RECTIFICATION, (10, 1), (11, 30), True),
                PhasePlan("总结", PhaseKind.EVALUATION, (12, 1), (12, 15)),
            ),
            description="建立台账，闭环整改，确保资金、人员、措施、时限、预案“五落实”。",
            # 004 §二(三) says "每半年…1次" and no date: every date is a suggestion
            basis=(
                "崇义街道《关于切实加强辖区中小学幼儿园安全风险防控体系建设确保校园安全的通知》"
                "第二部分第（三）项"
            ),
        ),
    )
}


def on(year: int, month_day: MonthDay) -> datetime.date:
    return datetime.date(year, *month_day)
