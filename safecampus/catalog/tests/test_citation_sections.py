"""Every citation of the default catalog names a section present in its seed, and the items the
review found citing the wrong section now say what their section says."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from safecampus.catalog.management.commands.load_default_catalog import default_catalog_data
from safecampus.catalog.seed_sections import (
    citation_problem,
    cited_sections,
    load_seeds,
    seed_sections,
)


def _seeds_dir() -> Path | None:
    """The seed documents: $SAFECAMPUS_SEEDS, or shared/seeds beside the checkout (the main
    checkout and the worktrees one level further down)."""
    candidates = [os.environ.get("SAFECAMPUS_SEEDS", "")] + [
        str(base / "shared" / "seeds") for base in settings.BASE_DIR.parents[:2]
    ]
    for candidate in candidates:
        if candidate and Path(candidate, "000_b0b7d186cefae7de.txt").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="module")
def seeds():
    directory = _seeds_dir()
    if directory is None:
        pytest.skip("the seed documents are not here (set SAFECAMPUS_SEEDS)")
    return load_seeds(directory)


def _items():
    return {i["code"]: i for a in default_catalog_data()["areas"] for i in a["items"]}


def test_every_citation_names_a_section_of_its_seed(seeds):
    data = default_catalog_data()
    problems = {
        obj["code"]: problem
        for area in data["areas"]
        for obj in [area, *area["items"]]
        if (problem := citation_problem(obj["source"], seeds))
    }
    assert problems == {}


#: (item, words of the item's text, words of the cited section): each item the review flagged
FLAGGED = [
    ("A01-13", "配合街道", "每半年要组织开展1次拉网式排查"),
    ("A01-16", "定期开展", "定期开展学校、教职工、家长、学生之间的内部矛盾纠纷排查"),
    ("A01-08", "逐级签订安全生产责任书", "逐级签订安全生产责任书"),
    ("A01-12", "逐一销号", "逐一销号"),
    ("A02-11", "易制毒、易制爆化学试剂", "易制毒和易制爆化学试剂使用和管理"),
    ("A03-01", "校长（园长）负责制", "推进食品安全校长（园长）负责制"),
    ("A03-16", "健康体检", "食堂从业人员和幼儿园教职工进行1次健康体检"),
    ("A03-17", "健康体检", "食堂从业人员和幼儿园教职工进行1次健康体检"),
    ("A05-09", "安全教育周", "安全教育周"),
    ("A11-08", "家长接送区", "家长接送区"),
    ("A15-04", "驻场服务商周例会", "持续开展驻场服务商周例会"),
]


@pytest.mark.parametrize("code, in_item, in_section", FLAGGED)
def test_a_flagged_item_says_what_its_section_says(seeds, code, in_item, in_section):
    item = _items()[code]
    assert in_item in item["text"]
    name, ids = cited_sections(item["source"])
    assert in_section in seeds[name][ids[0]]


def test_what_the_seeds_do_not_say_is_not_claimed():
    items = _items()
    # 004 gives no yearly period for the health check, 000 no 双人双锁, 003 §1 no 100% for schools
    assert "每年" not in items["A03-16"]["text"] and "每年" not in items["A03-17"]["text"]
    assert "双人" not in items["A02-11"]["text"]
    assert "100%" not in items["A01-08"]["text"]
    # the 24 h watch, the 5 patrols a day and the headcount come from the national standard
    for code in ("A07-11", "A07-12", "A08-12"):
        assert items[code]["source"] == "GB/T 29315-2022"


def test_the_parser_reads_headings_and_the_lost_task_markers():
    text = "\n".join(
        [
            "四、工作安排",
            "（一）集中排查阶段",
            "2.消防方面",
            "任务分工：",
            "①第一项任务。",
            "责任主体：各学校",
            "责任部门：安全管理中心",
            "第二项任务（标号在文本中丢失）。",
            "责任主体：各学校",
            "责任部门：普教二科",
            "五、工作要求",
        ]
    )
    sections = seed_sections(text)
    assert {"四", "四(一)", "四(一)2", "四(一)2①", "四(一)2②", "五"} <= set(sections)
    assert sections["四(一)2②"].startswith("第二项任务")
    assert citation_problem("GB/T 29315-2022", {}) is None
    assert "no section" in citation_problem("000_abc.txt §四(一)2③", {"000_abc.txt": sections})
    assert "not a citation" in citation_problem("见附件", {})
