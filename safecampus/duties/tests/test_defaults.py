"""The shipped default duty catalog: at least 40 duties whose rules parse, every citation names
a section present in its seed and saying what the duty says; the loader and its command."""

import datetime
import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from safecampus.catalog.seed_sections import citation_problem, cited_sections, load_seeds
from safecampus.core.roles import Role
from safecampus.duties import rules, services
from safecampus.duties.choices import DutyCategory, Evidence, Figure
from safecampus.duties.defaults import DUTIES, citations
from safecampus.duties.loading import load_default_catalog
from safecampus.duties.models import Duty, DutyCatalogVersion, Occurrence
from safecampus.duties.testing import school_year_terms
from safecampus.orgs.choices import PartnerKind, SchoolStage
from safecampus.orgs.models import Department


def _seeds_dir() -> Path | None:
    candidates = [os.environ.get("SAFECAMPUS_SEEDS", "")] + [
        str(base / "shared" / "seeds") for base in settings.BASE_DIR.parents[:2]
    ]
    for candidate in candidates:
        if candidate and Path(candidate, "003_f300bb9461ec7c5d.txt").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="module")
def seeds():
    directory = _seeds_dir()
    if directory is None:
        pytest.skip("the seed documents are not here (set SAFECAMPUS_SEEDS)")
    return load_seeds(directory)


BY_CODE = {d["code"]: d for d in DUTIES}


def test_at_least_forty_duties_with_unique_codes_and_rules_that_parse():
    assert len(DUTIES) >= 40
    assert len(BY_CODE) == len(DUTIES)
    for d in DUTIES:
        rules.parse(d["frequency"])
        assert d["category"] in DutyCategory.values
        assert set(d["evidence"]) <= set(Evidence.values)
        assert set(d["figures"]) <= set(Figure.values)
        assert set(d["stages"]) <= set(SchoolStage.values)
        assert set(d["partner_kinds"]) <= set(PartnerKind.values)
        assert d["owed_by_schools"] or d["owed_by_centre"] or d["partner_kinds"], d["code"]
        assert d["name"] and d["done_when"] and len(d["code"]) <= 24


def test_every_source_cites_a_section_that_exists_in_its_seed(seeds):
    problems = {
        d["code"]: problem
        for d in DUTIES
        for c in citations(d["source"])
        if (problem := citation_problem(c, seeds))
    }
    assert problems == {}


#: (duty, words its cited sections must hold): the section really says it
SAYS = [
    ("EVAC-PS", "中小学每月开展一次"),
    ("EVAC-PS", "中小学要每月至少开展1次应急疏散演练"),
    ("EVAC-KG", "幼儿园要每季度至少开展1次应急疏散演练"),
    ("NAP-DRILL", "幼儿园午睡时段应急逃生疏散演练"),
    ("NIGHT-DRILL", "寄宿学生夜间应急逃生疏散演练"),
    ("GUARD-TRAIN", "每年组织不少于1次的校园专职保安员专业培训和实操演练"),
    ("FIRE-DRILL", "组织不少于1次的教职工和学生灭火疏散演练"),
    ("LEAD-MEET", "领导班子每季度一次"),
    ("DEPUTY-MEET", "分管领导每月一次安全专题会议"),
    ("AGREEMENT", "确保签约率 100%"),
    ("DAILY-CHECK", "坚持每天开展隐患排查整治"),
    ("DAILY-REVIEW", "要坚持每天研判安全情况"),
    ("FOOD-DAY", "“日管控”"),
    ("FOOD-WEEK", "“周排查”"),
    ("FOOD-MONTH", "“月调度”"),
    ("PARENT-LETTER", "发放致家长一封信，签字存档"),
    ("INSURANCE", "落实校方责任保险投保工作"),
    ("INSURANCE", "为学校购买校方责任险"),
    ("EDU-WEEK", "“安全教育周”"),
    ("EDU-DAY", "“全国中小学生安全教育日”"),
    ("DAY-512", "“5.12”全国防灾减灾日"),
    ("DAY-616", "“6.16”安全"),
    ("SAFETY-MONTH", "“安全生产月”"),
    ("DAY-626", "6.26 国际禁毒日"),
    ("DRILL-918", "“9.18”安全演练"),
    ("DAY-119", "“11.9”全国消防安全教育宣传日"),
    ("DAY-122", "12.2 交通安全宣传日"),
    ("FOOD-EDU-WEEK", "食品安全教育周"),
    ("NET-WEEK", "国家网络安全宣传周"),
    ("NET-MONTHLY", "全系统网络安全月报告制度"),
    ("NET-VENDOR", "驻场服务商周例会"),
    ("STREET-MEET", "每月召开1次会议研究学校安全稳定工作"),
    ("STREET-SCREEN", "每月开展1次风险隐患、矛盾纠纷排查"),
    ("STREET-SWEEP", "每半年要组织开展1次拉网式排查"),
    ("SURROUNDINGS", "每半年开展1次校园周边环境专项整治"),
    ("WATER-TEST", "每学期开学前对饮用水进行1次检测"),
    ("MARKET-INSPECT", "每年开展4次督查指导"),
    ("MARKET-TRAIN", "每年对食堂从业人员进行1次业务培训"),
    ("FIRE-LESSON", "每学期到所包学校上1堂消防知识辅导课"),
    ("POLICE-TERROR", "指导学校每年开展1次反恐防暴培训"),
    ("HOLIDAY-DUTY", "节假日期间领导带班应急值守制度"),
    ("DISPUTE", "内部矛盾纠纷排查"),
    ("CHEM-CHECK", "定期排查危险化学品药品存放情况"),
]


@pytest.mark.parametrize(("code", "words"), SAYS)
def test_the_cited_sections_say_it(seeds, code, words):
    texts = []
    for c in citations(BY_CODE[code]["source"]):
        name, ids = cited_sections(c)
        texts += [seeds[name][i] for i in ids]
    assert any(words in t for t in texts), (code, words)


def test_the_frequencies_the_issue_names():
    assert BY_CODE["EVAC-PS"]["frequency"] == "monthly"
    assert "kindergarten" not in BY_CODE["EVAC-PS"]["stages"]
    assert (BY_CODE["EVAC-KG"]["frequency"], BY_CODE["EVAC-KG"]["stages"]) == (
        "quarterly",
        ["kindergarten"],
    )
    assert BY_CODE["EDU-DAY"]["frequency"] == "on last-mon-03"
    assert BY_CODE["WATER-TEST"]["frequency"] == "before-term"
    assert BY_CODE["WATER-TEST"]["partner_kinds"] == ["health"]
    assert BY_CODE["MARKET-INSPECT"]["frequency"] == "4/year"
    assert BY_CODE["MARKET-INSPECT"]["partner_kinds"] == ["market"]
    assert BY_CODE["AGREEMENT"]["figures"] == ["signed", "total"]
    assert BY_CODE["FOOD-DAY"]["needs_canteen"] and BY_CODE["FOOD-WEEK"]["needs_canteen"]
    assert (
        BY_CODE["NET-MONTHLY"]["owed_by_centre"] and not BY_CODE["NET-MONTHLY"]["owed_by_schools"]
    )
    assert BY_CODE["SURROUNDINGS"]["frequency"] == "half-yearly"


def test_load_resolves_department_names_and_reports_the_missing(world):
    Department.objects.create(bureau=world.bureau, name="安全管理中心")
    moment = timezone.make_aware(datetime.datetime(2026, 9, 1, 8))
    result = load_default_catalog(bureau=world.bureau, published_at=moment)
    version = result.version
    assert version.status == "published" and version.published_at == moment
    assert result.duties == len(DUTIES) == version.duties.count()
    drill = version.duties.get(code="EVAC-PS")
    assert drill.overseeing_department.name == "安全管理中心"
    assert drill.stages == BY_CODE["EVAC-PS"]["stages"] and drill.source.startswith("002_")
    # 普教一科 is the world's department: the themed days are overseen by it
    assert version.duties.get(code="DAY-512").overseeing_department == world.department
    # no 学前科, 宣传科 here: left empty, and said so
    kg = version.duties.get(code="EVAC-KG")
    assert kg.overseeing_department is None
    assert any("EVAC-KG" in w and "学前科" in w for w in result.warnings)
    assert any("宣传科" in w for w in result.warnings)
    assert not version.duties.get(code="NET-MONTHLY").owed_by_departments.exists()


def test_load_links_the_owing_departments_the_bureau_has(world):
    press = Department.objects.create(bureau=world.bureau, name="宣传科")
    version = load_default_catalog(bureau=world.bureau).version
    assert list(version.duties.get(code="NET-VENDOR").owed_by_departments.all()) == [press]


def test_load_as_a_draft_and_a_second_draft_is_refused(world):
    load_default_catalog(bureau=world.bureau, publish=False)
    with pytest.raises(ValidationError):
        load_default_catalog(bureau=world.bureau, publish=False)
    assert DutyCatalogVersion.objects.filter(bureau=world.bureau).count() == 1
    # publishing one next to the draft is fine: the next number
    published = load_default_catalog(bureau=world.bureau).version
    assert published.number == 2


def test_only_the_centre_loads_it(world):
    with pytest.raises(PermissionDenied):
        load_default_catalog(bureau=world.bureau, actor=world.users[Role.SCHOOL_OFFICER])
    assert not DutyCatalogVersion.objects.exists()
    version = load_default_catalog(
        bureau=world.bureau, actor=world.users[Role.SAFETY_CENTRE]
    ).version
    assert version.published_by == world.users[Role.SAFETY_CENTRE]


@pytest.mark.dates
def test_the_loaded_catalog_generates_what_each_body_owes(world):
    world.partner.kind = "health"
    world.partner.save()
    school_year_terms(world.bureau, 2026)
    moment = timezone.make_aware(datetime.datetime(2026, 9, 1, 8))
    load_default_catalog(bureau=world.bureau, published_at=moment)
    services.generate(world.bureau, today=datetime.date(2026, 11, 18))
    a = set(Occurrence.objects.filter(school=world.school_a).values_list("code", flat=True))
    b = set(Occurrence.objects.filter(school=world.school_b).values_list("code", flat=True))
    assert {"EVAC-PS", "DAILY-CHECK", "LEAD-MEET", "DAY-119"} <= a
    assert "EVAC-KG" not in a and "NIGHT-DRILL" not in a
    assert {"EVAC-KG", "NAP-DRILL"} <= b and "EVAC-PS" not in b
    assert set(Occurrence.objects.filter(partner=world.partner).values_list("code", flat=True)) >= {
        "WATER-TEST",
        "HEALTH-VISIT",
    }
    assert Occurrence.objects.filter(owner_kind="centre", code="NET-MONTHLY").exists()


def test_command_by_name_and_by_id(world):
    out = io.StringIO()
    call_command("load_duty_catalog", bureau=world.bureau.name, stdout=out, stderr=io.StringIO())
    assert f"{len(DUTIES)} duties" in out.getvalue()
    call_command("load_duty_catalog", bureau=str(world.bureau.pk), stdout=out, stderr=io.StringIO())
    assert DutyCatalogVersion.objects.filter(bureau=world.bureau).count() == 2
    assert Duty.objects.filter(version__bureau=world.bureau).count() == 2 * len(DUTIES)
    with pytest.raises(CommandError):
        call_command("load_duty_catalog", bureau="没有这个局", stdout=out)
