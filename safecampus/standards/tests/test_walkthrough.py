"""Fixes from a newcomer's walk through every role's pages."""

import datetime
import io

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.core.jobs import HANDLERS
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory
from safecampus.standards import selectors, services
from safecampus.standards.choices import FactsAction
from safecampus.standards.models import (
    FactsRevision,
    Finding,
    RuleSet,
    SecurityFacts,
    StandardsPolicy,
)
from safecampus.standards.testing import compliant_values, record_facts, standards_world
from safecampus.standards.tests.test_findings_views import fw  # noqa: F401

pytestmark = pytest.mark.dates

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))

NIGHT = {
    "key": "guards.night",
    "title": "夜间至少2名保安员（区定）",
    "pillar": "people",
    "kind": "min",
    "applies": "not boarding",
    "measure": "guards_night",
    "threshold": "2",
    "clause": "闵行区要求",
    "explanation": "夜间应至少{required}名，现有{actual}名",
    "level": "major",
    "item_code": "A08-03",
    "sort_order": 20,
}


@pytest.fixture(autouse=True)
def _evaluate_kind(monkeypatch):
    # the evaluation job is registered by the engine's owner; the jobs never run in these tests
    if "standards.evaluate" not in HANDLERS:
        monkeypatch.setitem(HANDLERS, "standards.evaluate", "safecampus.standards.services.x")


@pytest.fixture
def ww(world):
    standards_world(world)
    world.centre = world.users[Role.SAFETY_CENTRE]
    for school in (world.school_a, world.school_b):
        record_facts(school, world.centre, now=NOW)
    services.evaluate_bureau(world.bureau, now=NOW)
    return world


def _own_set_first(w):
    own = services.create_rule_set(
        actor=w.centre,
        bureau=w.bureau,
        code="minhang",
        name="闵行区补充要求",
        extends=RuleSet.objects.get(code="shanghai"),
    )
    draft = own.versions.get()
    services.save_rule(actor=w.centre, version_id=draft.pk, data=dict(NIGHT))
    services.publish(actor=w.centre, version_id=draft.pk, now=NOW)
    services.set_policy(
        actor=w.centre,
        bureau=w.bureau,
        mode="stricter",
        rule_set_ids=[own.pk, RuleSet.objects.get(code="gb29315").pk],
    )
    services.evaluate_bureau(w.bureau, now=NOW)
    return own


def test_compliance_row_named_after_the_first_listed_set(ww, client_for):
    _own_set_first(ww)
    html = client_for(ww.centre).get("/standards/compliance/").content.decode()
    assert "夜间至少2名保安员（区定）" in html
    assert "夜间至少1名保安员" not in html
    response = client_for(ww.centre).get("/standards/compliance/export.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    cells = {c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert "夜间至少2名保安员（区定）" in cells
    assert "夜间至少1名保安员" not in cells


# --- 1. citations by document, never a file name -------------------------------------------------


def _no_seed_file(text):
    assert "000_" not in text and ".txt" not in text


def _cells(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    wb = load_workbook(io.BytesIO(content))
    return [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]


def test_card_compliance_page_and_export_cite_documents(ww, client_for):
    c = client_for(ww.centre)
    card = c.get(f"/standards/schools/{ww.school_a.pk}/").content.decode()
    _no_seed_file(card)
    assert "《" in card and "第四条" in card
    page = c.get("/standards/compliance/").content.decode()
    _no_seed_file(page)
    assert "第四条" in page
    cells = _cells(c.get("/standards/compliance/export.xlsx"))
    _no_seed_file(" ".join(cells))
    assert any("第四条" in cell for cell in cells)


def test_findings_list_export_and_api_cite_documents(ww, client_for):
    record_facts(ww.school_a, ww.centre, values=compliant_values(video_days=15), gates=[], now=NOW)
    assert Finding.objects.filter(school=ww.school_a, clause__contains=".txt").exists()
    c = client_for(ww.centre)
    page = c.get("/standards/findings/").content.decode()
    _no_seed_file(page)
    assert "第四条" in page or "《" in page
    finding = Finding.objects.filter(school=ww.school_a, clause__contains=".txt").first()
    _no_seed_file(c.get(f"/standards/findings/{finding.pk}/").content.decode())
    _no_seed_file(" ".join(_cells(c.get("/standards/findings/export.xlsx"))))
    api = c.get("/api/v1/standard-findings/").json()
    rows = api["results"] if isinstance(api, dict) else api
    assert rows and all("clause_text" in r for r in rows)
    _no_seed_file(" ".join(r["clause_text"] for r in rows))
    card = c.get(f"/api/v1/standard-cards/{ww.school_a.pk}/").json()
    assert "clause_text" in str(card)
    assert (
        "000_" not in "".join(line["clause_text"] for p in card["pillars"] for line in p["lines"])
        if "pillars" in card
        else True
    )


# --- 3. partner units ---------------------------------------------------------------------------


def test_partner_units_get_no_findings_and_no_facts_log(ww, client_for):
    partner = ww.users[Role.PARTNER]
    c = client_for(partner)
    for url in ("/standards/findings/", "/standards/findings/export.xlsx"):
        assert c.get(url).status_code == 403
    StandardsPolicy.objects.get(bureau=ww.bureau).granted_partners.add(ww.partner)
    assert c.get("/standards/findings/").status_code == 403
    finding = Finding.objects.filter(school=ww.school_a).first()
    if finding is not None:
        assert c.get(f"/standards/findings/{finding.pk}/").status_code in (403, 404)
    card = c.get(f"/standards/schools/{ww.school_a.pk}/")
    assert card.status_code == 200
    assert 'data-testid="history-link"' not in card.content.decode()
    assert c.get(f"/standards/schools/{ww.school_a.pk}/history/").status_code == 403
    # a school it does not cover stays out of sight
    assert c.get(f"/standards/schools/{ww.school_b.pk}/history/").status_code == 404
    # the others keep the log
    centre = client_for(ww.centre)
    assert (
        'data-testid="history-link"'
        in centre.get(f"/standards/schools/{ww.school_a.pk}/").content.decode()
    )
    assert centre.get(f"/standards/schools/{ww.school_a.pk}/history/").status_code == 200
    assert client_for(ww.users[Role.SCHOOL_OFFICER]).get("/standards/findings/").status_code == 200


# --- 4. a part of the "4个100%" no rule sets -----------------------------------------------------

UNSET = "本局适用的规则集未设此项要求"


def test_a_part_no_rule_sets_is_named_so(ww, client_for):
    tagged = selectors.four100_parts({ww.bureau.pk})
    assert "escort" not in tagged and "guards" in tagged
    c = client_for(ww.centre)
    page = c.get("/standards/compliance/").content.decode()
    assert 'data-testid="four100-escort-unset"' in page and UNSET in page
    assert 'data-testid="four100-escort-rate"' not in page
    assert 'data-testid="four100-guards-rate"' in page
    card = c.get(f"/standards/schools/{ww.school_a.pk}/").content.decode()
    assert "data-unset" in card and "未设" in card
    figures = selectors.dashboard_figures(ww.centre)
    escort = next(f for f in figures["four100"] if f["part"] == "escort")
    guards = next(f for f in figures["four100"] if f["part"] == "guards")
    assert escort["unset"] and not guards["unset"]
    html = render_to_string("standards/compliance/_dashboard_card.html", {"s": figures})
    assert 'data-testid="std-four100-escort-unset"' in html
    assert 'data-testid="std-four100-guards-rate"' in html


# --- 5. the preview of a set not applied yet -----------------------------------------------------


def test_preview_says_when_the_bureau_does_not_apply_the_set(ww, client_for):
    own = services.create_rule_set(
        actor=ww.centre,
        bureau=ww.bureau,
        code="minhang2",
        name="闵行区试行要求",
        extends=RuleSet.objects.get(code="shanghai"),
    )
    draft = own.versions.get()
    services.save_rule(actor=ww.centre, version_id=draft.pk, data=dict(NIGHT))
    url = f"/standards/rulesets/versions/{draft.pk}/preview/"
    html = client_for(ww.centre).get(url).content.decode()
    assert 'data-testid="not-applied"' in html
    assert "本局尚未适用该规则集" in html
    # applied: no such note
    own_applied = _own_set_first(ww)
    draft2 = services.draft_of(actor=ww.centre, rule_set_id=own_applied.pk)
    html = (
        client_for(ww.centre)
        .get(f"/standards/rulesets/versions/{draft2.pk}/preview/")
        .content.decode()
    )
    assert 'data-testid="not-applied"' not in html


# --- 6. the policy form -------------------------------------------------------------------------


def _policy_post(ww, positions):
    sets = {rs.code: rs.pk for rs in RuleSet.objects.all()}
    data = {"bureau": ww.bureau.pk, "mode": "stricter", "apply": []}
    for code, position in positions.items():
        data["apply"].append(sets[code])
        data[f"position_{sets[code]}"] = position
    return data


@pytest.mark.parametrize(
    "positions",
    [
        {"shanghai": "-1", "gb29315": "2"},
        {"shanghai": "abc", "gb29315": "1"},
        {"shanghai": "1.5", "gb29315": "1"},
        {"shanghai": "2", "gb29315": "2"},
        {"shanghai": "0", "gb29315": "1"},
    ],
)
def test_policy_order_numbers_are_whole_distinct_from_one(ww, client_for, positions):
    policy = StandardsPolicy.objects.get(bureau=ww.bureau)
    before = list(policy.entries.order_by("position").values_list("rule_set__code", flat=True))
    changed = policy.changed_at
    jobs = Job.objects.count()
    response = client_for(ww.centre).post("/standards/policy/", _policy_post(ww, positions))
    assert response.status_code == 400
    html = response.content.decode()
    assert "顺序号" in html and 'data-testid="policy-errors"' in html
    assert "is-invalid" in html
    policy.refresh_from_db()
    after = list(policy.entries.order_by("position").values_list("rule_set__code", flat=True))
    assert after == before and policy.changed_at == changed
    assert Job.objects.count() == jobs


def test_policy_accepts_good_order_numbers(ww, client_for):
    response = client_for(ww.centre).post(
        "/standards/policy/", _policy_post(ww, {"shanghai": "2", "gb29315": "1"})
    )
    assert response.status_code == 302
    policy = StandardsPolicy.objects.get(bureau=ww.bureau)
    assert list(policy.entries.order_by("position").values_list("rule_set__code", flat=True)) == [
        "gb29315",
        "shanghai",
    ]


def test_policy_warns_of_a_set_without_a_published_version(ww, client_for):
    services.create_rule_set(
        actor=ww.centre,
        bureau=ww.bureau,
        code="draftonly",
        name="未发布要求",
        extends=RuleSet.objects.get(code="shanghai"),
    )
    html = client_for(ww.centre).get("/standards/policy/").content.decode()
    assert 'data-testid="unpublished-draftonly"' in html
    assert "尚无已发布版本：发布前不起作用" in html
    assert 'data-testid="unpublished-shanghai"' not in html


# --- 10. the card on a phone --------------------------------------------------------------------


def test_card_lists_the_failing_requirements_first(ww, client_for):
    record_facts(ww.school_a, ww.centre, values=compliant_values(video_days=15), now=NOW)
    html = client_for(ww.centre).get(f"/standards/schools/{ww.school_a.pk}/").content.decode()
    box = html.split('data-testid="failing-box"')[1].split("</ul>")[0]
    assert 'href="#req-video.days"' in box
    assert 'id="req-video.days"' in html
    assert html.index('data-testid="failing-box"') < html.index('data-testid="pillar-people"')
    assert 'href="#failing" data-testid="fail-count"' in html
    record_facts(ww.school_a, ww.centre, now=NOW)
    html = client_for(ww.centre).get(f"/standards/schools/{ww.school_a.pk}/").content.decode()
    assert 'data-testid="failing-box"' not in html


# --- 11. history names an import ----------------------------------------------------------------


def test_history_names_an_import_in_chinese(ww, client_for):
    revision = services.update_facts(
        actor=ww.centre,
        school_id=ww.school_a.pk,
        values=compliant_values(video_days=40),
        now=NOW,
        action=FactsAction.IMPORT,
    )
    FactsRevision.objects.filter(pk=revision.pk).update(actor=None, actor_role="import")
    html = client_for(ww.centre).get(f"/standards/schools/{ww.school_a.pk}/history/")
    html = html.content.decode()
    assert "（import）" not in html and "import" not in html.split('data-testid="revisions"')[1]
    assert "Excel导入" in html


# --- 12. the per-school sheet prints legibly ------------------------------------------------------


def test_per_school_sheet_prints_on_several_pages_wide(ww, client_for):
    content = client_for(ww.centre).get("/standards/compliance/export.xlsx").content
    ws = load_workbook(io.BytesIO(content)).worksheets[1]
    columns = ws.max_column
    assert columns > 12
    assert ws.page_setup.fitToWidth >= max(2, -(-columns // 12))
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows and ws.print_title_cols == "$A:$B"


# --- 7. raising refused for missing interim measures ---------------------------------------------


def test_refused_raise_keeps_the_ticks_and_marks_the_interim_fields(fw, client_for):  # noqa: F811
    video = Finding.objects.get(school=fw.school_a, key="video.days", status="open")
    barriers = Finding.objects.get(school=fw.school_a, key="barriers", status="open")
    c = client_for(fw.users[Role.DEPARTMENT_OFFICER])
    response = c.post("/standards/findings/raise/", {"ids": [video.pk, barriers.pk]})
    assert response.status_code == 400
    html = response.content.decode()
    for pk in (video.pk, barriers.pk):
        tick = html.split(f'data-testid="pick-{pk}"')[1].split(">")[0]
        assert "checked" in tick
    panel = html.split('data-testid="raise-panel"')[1]
    assert 'data-testid="raise-errors"' in panel
    for name in ("interim_measures", "interim_unit", "interim_person", "interim_deadline"):
        field = (
            html.split(f'name="{name}"')[0].rsplit("<", 1)[1]
            + html.split(f'name="{name}"')[1].split(">")[0]
        )
        assert "is-invalid" in field, name
    # a GET of the list ticks nothing
    assert (
        " checked"
        not in c.get("/standards/findings/")
        .content.decode()
        .split(f'data-testid="pick-{video.pk}"')[1]
        .split(">")[0]
    )


def test_single_finding_interim_help_speaks_of_one(fw, client_for):  # noqa: F811
    barriers = Finding.objects.get(school=fw.school_a, key="barriers", status="open")
    c = client_for(fw.users[Role.SAFETY_CENTRE])
    html = c.get(f"/standards/findings/{barriers.pk}/").content.decode()
    assert 'data-testid="interim-fields"' in html
    assert "所选的全部" not in html
    response = c.post(f"/standards/findings/{barriers.pk}/raise/", {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "所选的全部" not in html
    assert html.count("is-invalid") >= 4


# --- 8. the findings list ------------------------------------------------------------------------


def test_department_filter_names_the_centre_once_and_empty_list_hides_the_panel(
    fw,  # noqa: F811
    client_for,
):
    DepartmentFactory(bureau=fw.bureau, name="安全管理中心")
    c = client_for(fw.users[Role.SAFETY_CENTRE])
    html = c.get("/standards/findings/").content.decode()
    assert "本局安全管理中心（未分派科室）" in html
    assert 'data-testid="raise-panel"' in html
    empty = c.get("/standards/findings/?school=不存在的学校").content.decode()
    assert 'data-testid="raise-panel"' not in empty


# --- 9. the facts form asks only what applies ----------------------------------------------------


def test_facts_form_of_a_kindergarten_leaves_out_lab_and_dorm(ww, client_for):
    school = ww.school_b
    assert not school.has_chem_lab and not school.boarding
    url = f"/standards/schools/{school.pk}/facts/"
    c = client_for(ww.centre)
    html = c.get(url).content.decode()
    for name in ("lab_security_door", "lab_safe", "video_lab", "lab_intrusion"):
        assert f'data-testid="field-{name}"' not in html
    for name in ("dorm_managers", "video_dorm"):
        assert f'data-testid="field-{name}"' not in html
    assert 'data-testid="hidden-note"' in html
    assert "本校无化学实验室" in html and "本校非寄宿制" in html and "不适用" in html
    note = html.split('data-testid="gate-count-note"')[1].split("</p>")[0]
    assert f"{school.gate_count}个" in note and "安全管理中心" in note
    assert 'data-testid="help-gate1.guards_peak"' in html
    assert "总人数" in html
    # saving the form leaves the facts it does not ask alone
    before = SecurityFacts.objects.get(school=school)
    assert before.lab_safe is True and before.dorm_managers == 2
    data = {"version": before.version, "guards_total": "12"}
    response = c.post(url, data)
    assert response.status_code in (200, 302)
    after = SecurityFacts.objects.get(school=school)
    assert after.lab_safe is True and after.dorm_managers == 2
    # a school with a lab and boarders is asked
    school.has_chem_lab = True
    school.boarding = True
    school.save()
    html = c.get(url).content.decode()
    assert 'data-testid="field-lab_safe"' in html and 'data-testid="field-dorm_managers"' in html
    assert 'data-testid="hidden-note"' not in html


def test_rule_form_shows_an_inherited_clause_by_document(ww, client_for):
    own = services.create_rule_set(
        actor=ww.centre,
        bureau=ww.bureau,
        code="minhang3",
        name="闵行区补充要求三",
        extends=RuleSet.objects.get(code="shanghai"),
    )
    draft = own.versions.get()
    url = f"/standards/rulesets/versions/{draft.pk}/rules/new/?key=guards.night"
    html = client_for(ww.centre).get(url).content.decode()
    field = html.split('name="clause"')[1].split(">")[0]
    assert "第四条" in field
    _no_seed_file(field)


def test_partner_units_get_no_findings_from_the_api(ww, client_for):
    StandardsPolicy.objects.get(bureau=ww.bureau).granted_partners.add(ww.partner)
    c = client_for(ww.users[Role.PARTNER])
    assert c.get("/api/v1/standard-findings/").status_code == 403
    assert client_for(ww.centre).get("/api/v1/standard-findings/").status_code == 200
