"""The district report's document number (发文字号): taken once per compiled version from the
bureau's serial, stored, shown on the page and in every download; a failed compilation gives it
back; a department's report (internal) carries none."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safecampus.core.documents import chinese_date
from safecampus.core.testing_documents import assert_gongwen, open_docx
from safecampus.orgs.models import Bureau
from safecampus.weekly import services
from safecampus.weekly.documents import (
    _title,
    district_document,
    docx_bytes,
    report_document,
)
from safecampus.weekly.models import DistrictReport

from .conftest import place
from .test_views import draft, submitted

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def numbered(wk):
    Bureau.objects.filter(pk=wk.bureau.pk).update(doc_number_prefix="闵教安")
    wk.bureau.refresh_from_db()
    wk.campaign.refresh_from_db()
    place(wk, "reported", reported_on=wk.last_week.start)
    submitted(wk)
    return wk


def compile_(w, **kw):
    return services.district_report_compile(
        actor=w.centre, campaign=w.campaign, week_start=w.last_week.start, **kw
    )


def test_each_compiled_version_takes_the_next_number(numbered):
    w = numbered
    year = w.today.year
    v1, v2 = compile_(w), compile_(w, summary="补充")
    assert (v1.version, v1.doc_number) == (1, f"闵教安〔{year}〕1号")
    assert (v2.version, v2.doc_number) == (2, f"闵教安〔{year}〕2号")
    assert DistrictReport.objects.get(pk=v1.pk).doc_number == f"闵教安〔{year}〕1号"


def test_a_failed_compilation_gives_its_number_back(numbered, monkeypatch):
    w = numbered

    def fail(**kwargs):
        raise ValidationError("storage failed")

    monkeypatch.setattr(DistrictReport.objects, "create", fail)
    with pytest.raises(ValidationError):
        compile_(w)
    monkeypatch.undo()
    assert compile_(w).doc_number == f"闵教安〔{w.today.year}〕1号"


def test_the_download_shows_the_stored_number_every_time(numbered, client_for):
    w = numbered
    district = compile_(w)
    client = client_for(w.centre)
    page = client.get(reverse("weekly:district_detail", args=[district.pk])).content.decode()
    assert district.doc_number in page
    url = reverse("weekly:district_docx", args=[district.pk])
    for _n in range(2):
        r = client.get(url)
        assert r.status_code == 200
        content = b"".join(r.streaming_content) if r.streaming else r.content
        doc = assert_gongwen(
            content,
            title=_title(w.campaign),
            number=district.doc_number,
            date=chinese_date(w.today),
        )
        texts = [p.text for p in doc.paragraphs]
        above_title = [t for t in texts[: texts.index(_title(w.campaign))] if t]
        assert above_title == [f"闵教安〔{w.today.year}〕1号"]
    assert DistrictReport.objects.get().doc_number == f"闵教安〔{w.today.year}〕1号"


def test_a_bureau_without_a_prefix_compiles_without_a_number(wk):
    place(wk, "reported", reported_on=wk.last_week.start)
    submitted(wk)
    district = compile_(wk)
    assert district.doc_number == ""
    doc = open_docx(io.BytesIO(docx_bytes(district_document(district))))
    texts = [p.text for p in doc.paragraphs]
    assert not any("〔" in t for t in texts[: texts.index(_title(wk.campaign))])


def test_department_reports_and_drafts_carry_no_number(numbered):
    w = numbered
    compile_(w)  # the bureau has numbers; its departments' reports are internal
    for report in (
        w.campaign.weekly_reports.get(week_start=w.last_week.start),
        draft(w, w.week),
    ):
        doc = open_docx(io.BytesIO(docx_bytes(report_document(report, report.figures or {}))))
        texts = [p.text for p in doc.paragraphs]
        assert not any("闵教安" in t for t in texts), report.status
