"""The template of the annual work plan: the 41 rows of 003's 任务分解表
(《2024年普陀区教育系统安全工作主要任务分解表》, the attachment at the end of
003_f300bb9461ec7c5d.txt), reproduced as the seed has them: quarter, row number (序号), the
task (主要工作任务, with its number within the quarter) and the responsible units (责任单位).

``owners`` maps the responsible-unit text onto who owes a task in a bureau:

- bureau departments by name (局安办, 德育科, 基教科, 宣传科, 考试中心, 事业服务中心 …): those the
  bureau has are linked (``owed_by_departments``); 基教科(信息化科) is 信息化科 where the bureau
  has one, else 基教科;
- 督导安全中心 is the bureau's safety centre (``owed_by_centre``);
- schools by stage: 中小幼 and 各基层单位 / 全系统基层单位 every school, 中小学 primary and
  secondary, 小学, 幼儿园, 中学, 一贯制学校 those stages;
- 其他单位 (units other than schools) and 使用校车学校 (the product does not know which schools
  run a school bus): no owner; the text is kept on the task, and the centre or the departments
  named beside them owe it.

A task no named unit resolves to in a bureau is owed by the centre, and the loader says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SOURCE = "003_f300bb9461ec7c5d.txt"
#: the year the seed's table is for; its texts name it and the next (2024, 2025)
SEED_YEAR = 2024


@dataclass(frozen=True)
class Row:
    number: int
    quarter: int
    task: str
    responsible: str


ROWS: list[Row] = [
    Row(1, 1, "(1) 做好学校元旦、春节放假期间安全维稳工作", "局安办、中小幼、其他单位"),
    Row(2, 1, "(2) 开展消防安全和实验室安全专项治理行动", "督导安全中心、中小幼"),
    Row(
        3, 1, "(3) 开学前做好校车的安全检查及年度复核准备工作", "德育科、督导安全中心、使用校车学校"
    ),
    Row(4, 1, "(4) 组织新学期开学安全工作检查", "局安办、督导安全中心"),
    Row(5, 1, "(5) 开展春季“开学第一课”安全教育活动", "德育科、中小学"),
    Row(6, 1, "(6) 开展“全国中小学生安全教育日”活动", "德育科、中小学"),
    Row(7, 1, "(7) 组织开展网络安全应急预案修订、培训工作", "督导安全中心"),
    Row(8, 1, "(8) 筹备和召开全系统安全工作会议", "局安办、德育科、督导安全中心"),
    Row(9, 1, "(9) 签订校园安全生产责任书", "局安办、中小幼、其他单位"),
    Row(10, 1, "(10) 各单位上交安全工作计划，补充完善相关制度", "督导安全中心、中小幼、其他单位"),
    Row(11, 1, "(11) 进行一季度安全隐患排查，上报一季度安全工作总结", "督导安全中心"),
    Row(12, 1, "(12) 学校交通安全隐患排查", "局安办、德育科、中小幼"),
    Row(13, 2, "(1) 开展春季传染病防控、饮食饮水卫生安全检查等工作", "局安办、中小幼"),
    Row(14, 2, "(2) 做好各类安全管理人员的分类培训", "局安办、督导安全中心"),
    Row(15, 2, "(3) 开展“5.12”安全教育日活动", "德育科、中小幼"),
    Row(16, 2, "(4) 联合公安、食药、交警、消防等部门进行安全检查", "德育科、督导安全中心"),
    Row(
        17, 2, "(5) 6.16 安全生产宣传日及区教育系统“安全生产月”活动", "德育科、督导安全中心、中小幼"
    ),
    Row(18, 2, "(6) 做好各项重大考试前风险评估及报备工作", "局安办、考试中心"),
    Row(19, 2, "(7) 做好 6.26 国际禁毒日宣传教育活动", "德育科、中小学"),
    Row(20, 2, "(8) 上半年安全工作检查，上报上半年安全工作总结", "局安办、各基层单位"),
    Row(21, 2, "(9) 开展幼儿园、小学安全生产绩效考核工作", "局安办、小学、幼儿园"),
    Row(22, 3, "(1) 开展暑假前安全隐患排查整治行动", "督导安全中心、中小幼"),
    Row(23, 3, "(2) 各校开展各类暑期安全教育活动", "德育科、中小幼"),
    Row(24, 3, "(3) 开展秋季学期开学安全工作检查", "督导安全中心、中小幼"),
    Row(25, 3, "(4) 开学前做好校车的安全检查及复核准备工作", "德育科、督导安全中心、使用校车学校"),
    Row(26, 3, "(5) 开展秋季“开学第一课”安全教育活动", "德育科、中小幼"),
    Row(27, 3, "(6) 开展安全教育周及“9.18”安全演练活动", "德育科、中小学"),
    Row(
        28,
        3,
        "(7) 做好极端天气、防汛、防台宣传工作及应急准备",
        "督导安全中心、事业服务中心、中小幼",
    ),
    Row(29, 3, "(8) 落实校方责任保险投保工作", "德育科、中小幼"),
    Row(30, 3, "(9) 开展食品安全教育周、国家网络安全宣传周活动", "基教科、宣传科"),
    Row(31, 3, "(10) 开展网络安全演练", "宣传科、基教科(信息化科)、督导安全中心、中小幼"),
    Row(32, 3, "(11) 开展第三季度各类安全自查、调研工作", "局安办、中小幼、其他单位"),
    Row(33, 4, "(1) 落实国庆期间学校师生安全教育工作", "德育科、中小幼"),
    Row(34, 4, "(2) 开展 11.9 全国消防日主题教育活动", "德育科、督导安全中心、中小幼"),
    Row(35, 4, "(3) 联合公安、食药、交警、消防等部门进行秋季安全检查", "局安办、中小幼"),
    Row(36, 4, "(4) 开展冬季传染病防控工作", "基教科、中小幼"),
    Row(37, 4, "(5) 开展 12.2 交通安全宣传日活动", "德育科、中小学"),
    Row(38, 4, "(6) 各学校(园)总结 2024 年学校安全工作", "中小幼"),
    Row(
        39,
        4,
        "(7) 开展中学、一贯制学校和其他教育单位年度安全绩效考核",
        "局安办、中学、一贯制学校及其他单位",
    ),
    Row(
        40,
        4,
        "(8) 开展四季度安全工作排查，各单位上报全年安全工作总结",
        "督导安全中心、全系统基层单位",
    ),
    Row(41, 4, "(9) 讨论、起草 2025 年区教育系统安全重点工作", "局安办"),
]

KINDERGARTEN = ["kindergarten"]
PRIMARY = ["primary"]
SECONDARY = ["junior", "senior", "complete_secondary"]
THROUGH = ["nine_year", "twelve_year"]
PRIMARY_SECONDARY = [
    "primary",
    "junior",
    "senior",
    "nine_year",
    "twelve_year",
    "complete_secondary",
    "vocational",
    "special",
    "reform",
]
ALL = "all"

#: a unit's name → the department names it may be, in order of preference
DEPARTMENT_UNITS = {
    "局安办": ["局安办"],
    "德育科": ["德育科"],
    "基教科": ["基教科"],
    "基教科(信息化科)": ["信息化科", "基教科"],
    "宣传科": ["宣传科"],
    "考试中心": ["考试中心"],
    "事业服务中心": ["事业服务中心"],
}
CENTRE_UNITS = {"督导安全中心"}
#: a unit → the school stages it means (ALL: every school)
SCHOOL_UNITS = {
    "中小幼": ALL,
    "各基层单位": ALL,
    "全系统基层单位": ALL,
    "中小学": PRIMARY_SECONDARY,
    "小学": PRIMARY,
    "幼儿园": KINDERGARTEN,
    "中学": SECONDARY,
    "一贯制学校": THROUGH,
}
#: units that name no ower the product can know: the text is kept
UNMAPPED_UNITS = {"其他单位", "使用校车学校"}


@dataclass
class Owners:
    #: candidate department names, one list per unit named
    departments: list[list[str]] = field(default_factory=list)
    centre: bool = False
    schools: bool = False
    #: the stages of the schools (empty: every stage)
    stages: list[str] = field(default_factory=list)
    #: the units named that map onto nobody
    unmapped: list[str] = field(default_factory=list)


def units(responsible: str) -> list[str]:
    """The units a 责任单位 text names ("中学、一贯制学校及其他单位": three units)."""
    out = []
    for part in re.split(r"[、，,]", responsible):
        out += [p.strip() for p in part.split("及") if p.strip()]
    return out


def owners(responsible: str) -> Owners:
    """Who owes a task whose responsible units are ``responsible``."""
    result = Owners()
    stages: set[str] = set()
    every_school = False
    for unit in units(responsible):
        if unit in DEPARTMENT_UNITS:
            result.departments.append(DEPARTMENT_UNITS[unit])
        elif unit in CENTRE_UNITS:
            result.centre = True
        elif unit in SCHOOL_UNITS:
            result.schools = True
            if SCHOOL_UNITS[unit] == ALL:
                every_school = True
            else:
                stages |= set(SCHOOL_UNITS[unit])
        else:
            result.unmapped.append(unit)
    if result.schools and not every_school:
        result.stages = [s for s in PRIMARY_SECONDARY + KINDERGARTEN if s in stages]
    return result


def task_text(row: Row, year: int) -> str:
    """The row's task for the plan of ``year``: the seed's years (2024, 2025) moved along."""
    return row.task.replace(f"{SEED_YEAR + 1} 年", f"{year + 1} 年").replace(
        f"{SEED_YEAR} 年", f"{year} 年"
    )


__all__ = ["ROWS", "Owners", "Row", "owners", "task_text", "units"]
