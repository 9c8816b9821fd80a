"""The shipped campaign templates: each one's phases (names, order, dates within the year), and
which dates the seeds give and which are the product's suggestion (shown as 建议日期)."""

import datetime

import pytest
from django.urls import reverse

from safecampus.campaigns.blueprints import BLUEPRINTS, on
from safecampus.campaigns.choices import PhaseKind

INS, R, E = PhaseKind.INSPECTION, PhaseKind.RECTIFICATION, PhaseKind.EVALUATION

#: key → (phases as (name, kind, weekly reports, given)), forms due given, given milestones)
EXPECTED = {
    "special_rectification": (
        [
            ("集中排查", INS, False, True),
            ("专项整治", R, True, True),
            ("总结评估", E, False, True),
        ],
        True,
        {"责任部门反馈整改情况"},
    ),
    "q4": (
        [
            ("全面排查", INS, False, False),
            ("集中整治", R, True, False),
            ("总结评估", E, False, False),
        ],
        False,
        set(),
    ),
    "sweep_h1": (
        [
            ("拉网式排查", INS, False, False),
            ("闭环整改", R, True, False),
            ("总结", E, False, False),
        ],
        False,
        set(),
    ),
    "sweep_h2": (
        [
            ("拉网式排查", INS, False, False),
            ("闭环整改", R, True, False),
            ("总结", E, False, False),
        ],
        False,
        set(),
    ),
}


def test_every_template_is_tested():
    assert set(BLUEPRINTS) == set(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_each_templates_phases_and_which_dates_are_given(key):
    bp = BLUEPRINTS[key]
    phases, forms_due_given, given_milestones = EXPECTED[key]
    assert [(p.name, p.kind, p.weekly_reports, p.given) for p in bp.phases] == phases
    assert bp.forms_due_given is forms_due_given
    assert bp.given_milestones == given_milestones
    assert bp.basis and ".txt" not in bp.basis and "§" not in bp.basis


@pytest.mark.parametrize("key", sorted(EXPECTED))
@pytest.mark.parametrize("year", [2026, 2028])  # 2028: a leap year
def test_each_templates_dates_lie_within_the_year_in_order(key, year):
    bp = BLUEPRINTS[key]
    spans = [(on(year, p.starts), on(year, p.ends)) for p in bp.phases]
    for starts, ends in spans:
        assert datetime.date(year, 1, 1) <= starts <= ends <= datetime.date(year, 12, 31)
    # phases follow one another without a gap or an overlap
    for (_s, ends), (starts, _e) in zip(spans, spans[1:], strict=False):
        assert starts == ends + datetime.timedelta(days=1)
    inspection = spans[0]
    assert inspection[0] <= on(year, bp.forms_due) <= inspection[1]
    for _name, md in bp.milestones:
        assert spans[0][0] <= on(year, md) <= spans[-1][1]


def test_the_seed_given_dates_of_the_four_month_campaign():
    """000 §四: 3/1–3/31, 4/1–5/31, 6/1–6/30, forms by 3/20, feedback by 6/10."""
    bp = BLUEPRINTS["special_rectification"]
    assert [(p.starts, p.ends) for p in bp.phases] == [
        ((3, 1), (3, 31)),
        ((4, 1), (5, 31)),
        ((6, 1), (6, 30)),
    ]
    assert bp.forms_due == (3, 20) and bp.milestones == (("责任部门反馈整改情况", (6, 10)),)


def test_the_q4_template_stays_within_the_fourth_quarter():
    bp = BLUEPRINTS["q4"]
    assert bp.phases[0].starts == (10, 1) and bp.phases[-1].ends == (12, 31)


def test_the_sweeps_are_half_a_year_apart():
    h1, h2 = BLUEPRINTS["sweep_h1"], BLUEPRINTS["sweep_h2"]
    assert h1.phases[-1].ends < (7, 1) <= h2.phases[0].starts


def test_the_create_page_marks_the_suggested_dates(camp, client_for):
    page = client_for(camp.centre).get(reverse("campaigns:campaign_create")).content.decode()
    assert 'data-testid="suggested-note"' in page

    def card(key):
        start = page.index(f'data-testid="blueprint-{key}"')
        return page[start : page.index("</div>\n", page.index("<ul", start))]

    assert "建议日期" not in card("special_rectification")
    for key in ("q4", "sweep_h1", "sweep_h2"):
        dates = len(BLUEPRINTS[key].dates())
        assert card(key).count('data-testid="suggested"') == dates, key
    assert ".txt" not in page
