"""The dashboard's figures as an Excel workbook: one sheet per group of figures, written from the
same dictionary the page renders (``selectors.dashboard``), so the numbers are the page's.

Each sheet is headed by what it shows, the scope and filters of the figures and when they were
counted; rates are numbers shown as percentages, dates are dates."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from safecampus.core.excel import Heading, Percent, add_table_sheet

#: the title of every sheet starts with it ("统计分析 — 概况")
TITLE = "统计分析"


def _pct(value: float | None):
    """A rate of the page (45.3, in per cent) as a number shown as a percentage."""
    return "—" if value is None else Percent(round(value / 100, 4))


def dashboard_workbook(
    d: dict, *, statuses: list[tuple[str, str]], as_of, scope: str = "", filters: str = ""
) -> bytes:
    """The workbook's bytes; ``as_of``: when the figures were counted (local time); ``scope``
    and ``filters``: whose figures and which, as the header block of every sheet says."""
    wb = Workbook()
    wb.remove(wb.active)

    def _sheet(wb, title: str, headers: list[str], rows: list[list], widths=None) -> None:
        heading = Heading(f"{TITLE} — {title}", scope=scope, filters=filters, as_of=as_of)
        add_table_sheet(wb, title, headers, rows, widths, heading=heading)

    t = d["totals"]
    figure, number = _("Figure"), _("Number")
    _sheet(
        wb,
        _("Overview"),
        [figure, number],
        [
            [_("Hazards"), t["total"]["n"]],
            [_("Open hazards"), t["open"]["n"]],
            [_("Awaiting confirmation"), t["reported"]["n"]],
            [_("Confirmed"), t["confirmed"]["n"]],
            [_("Closed"), t["closed"]["n"]],
            [_("Closed on time"), t["on_time"]["n"]],
            [_("Rectification rate (closed ÷ confirmed)"), _pct(d["rates"]["rectification"])],
            [_("On-time rate (closed on time ÷ closed)"), _pct(d["rates"]["on_time"])],
            [pgettext("count", "Overdue"), t["overdue"]["n"]],
            [_("Major hazards (open)"), t["major"]["n"]],
            [_("Hard to resolve"), t["hard"]["n"]],
        ],
        widths=[40, 14],
    )
    breakdowns = [
        (_("By status"), _("Status"), d["by_status"]),
        (_("By risk area"), _("Risk area"), d["by_area"]),
        (_("By department"), _("Department"), d["by_department"]),
        (_("By school type"), _("School type"), d["by_stage"]),
        (_("By risk grade"), _("Risk grade"), d["by_colour"]),
        (_("Overdue by days"), _("Days overdue"), d["overdue_buckets"]),
        (_("Worst departments"), _("Department"), d["worst_departments"]),
    ]
    for title, head, rows in breakdowns:
        _sheet(wb, title, [head, _("Hazards")], [[r["label"], r["n"]] for r in rows])
    if len(d["by_bureau"]) > 1:
        _sheet(
            wb,
            _("By bureau"),
            [_("Bureau"), pgettext("hazards", "Open"), pgettext("count", "Overdue")],
            [[r["label"], r["n"], r["overdue"]] for r in d["by_bureau"]],
        )
    _sheet(
        wb,
        _("Major and hard"),
        [_("Hazard code"), _("School"), _("Department"), _("Status"), _("Deadline")],
        [
            [
                h["code"],
                h["school"],
                h["department"],
                h["status_label"],
                h["deadline"],
            ]
            for h in d["majors"]
        ],
        widths=[18, 28, 16, 14, 14],
    )
    c = d["campaign"]
    if c:
        _sheet(
            wb,
            _("Campaign forms"),
            [figure, number],
            [
                [_("Campaign"), c["campaign"]["name"]],
                [_("Forms"), c["forms"]["n"]],
                [_("Submitted"), c["submitted"]["n"]],
                [_("Accepted"), c["accepted"]["n"]],
                [_("Returned"), c["returned"]["n"]],
                [_("Submission rate"), _pct(c["rate"])],
                [_("Late schools"), c["late"]["n"]],
            ],
            widths=[28, 40],
        )
    _sheet(
        wb,
        _("Weekly trend"),
        [_("Week from"), _("Week to"), _("New"), _("Closed")],
        [[w["start"], w["end"], w["new"], w["closed"]] for w in d["trend"]],
        widths=[16, 16, 10, 10],
    )
    league_head = [
        _("School"),
        pgettext("hazards", "Open"),
        pgettext("count", "Overdue"),
        _("Closed"),
        _("Average days to close"),
    ]
    for key, title in (
        ("open", _("Most open")),
        ("overdue", _("Most overdue")),
        ("slowest", _("Slowest to close")),
    ):
        _sheet(
            wb,
            title,
            league_head,
            [
                [r["name"], r["open"], r["overdue"], r["closed"], r["avg_days"]]
                for r in d["league"][key]
            ],
        )
    _sheet(
        wb,
        _("Spot checks"),
        [_("Result"), _("Hazards")],
        [[r["label"], r["n"]] for r in d["spot_checks"]],
    )
    _sheet(
        wb,
        _("Accountability"),
        [_("Measure")] + [label for _s, label in statuses] + [_("Total")],
        [[r["label"]] + [cell["n"] for cell in r["cells"]] + [r["n"]] for r in d["accountability"]],
        widths=[36] + [14] * (len(statuses) + 1),
    )
    if d.get("duties"):
        _sheet(
            wb,
            pgettext("duty oversight", "Duty compliance"),
            [
                pgettext("duty oversight", "Period"),
                _("From"),
                _("To"),
                pgettext("duty oversight", "Owed"),
                pgettext("duty oversight", "Done (on time or late)"),
                pgettext("duty oversight", "Missed"),
                pgettext("duty oversight", "Completion rate"),
            ],
            [
                [
                    r["label"],
                    r["start"],
                    r["end"],
                    r["owed"]["n"],
                    r["completed"]["n"],
                    r["missed"]["n"],
                    _pct(r["rate"]),
                ]
                for r in d["duties"]
            ],
            widths=[14, 14, 14, 10, 16, 10, 10],
        )
    if d.get("standards"):
        st = d["standards"]
        _sheet(
            wb,
            _("People, physical and technical defence (人防物防技防)")[:31],
            [
                figure,
                pgettext("standards compliance", "Rate"),
                _("Miss it"),
                pgettext("standards compliance", "Schools"),
            ],
            [
                *[[f["label"], _pct(f["rate"]), f["fail"], f["total"]] for f in st["four100"]],
                [_("Schools with open findings"), None, st["schools"]["n"], None],
                [_("Open findings not yet hazards"), None, st["no_hazard"]["n"], None],
            ],
            widths=[30, 10, 10, 10],
        )
    if d.get("incidents"):
        inc = d["incidents"]
        _sheet(
            wb,
            _("Incidents (突发事件)")[:31],
            [figure, number],
            [
                [pgettext("incident status", "Being handled"), inc["open"]["n"]],
                [_("Serious, being handled"), inc["serious_open"]["n"]],
                [_("Restricted cases being handled, besides (count only)"), inc["restricted_open"]],
                [_("Incidents this month"), inc["month"]["n"]],
                [_("First reports on time this month"), _pct(inc["rate"])],
                [_("Open cluster alerts"), inc["clusters"]["n"]],
                [_("Open disputes"), inc["disputes"]["open"]["n"]],
                [_("At risk of petitions"), inc["disputes"]["petition"]["n"]],
                [_("Flagged for a sensitive period"), inc["disputes"]["flagged"]["n"]],
                [_("Restricted disputes, besides (count only)"), inc["disputes"]["restricted"]],
                *(
                    [
                        [
                            f"{_('Duty rosters')}（{inc['watch']['period']['name']}）",
                            inc["watch"]["published"]["value"],
                        ],
                        [_("Missed shifts"), inc["watch"]["missed"]["value"]],
                    ]
                    if inc.get("watch")
                    else []
                ),
            ],
            widths=[40, 14],
        )
    if d.get("messaging"):
        msg = d["messaging"]
        _sheet(
            wb,
            _("Messages (消息推送)")[:31],
            [figure, number],
            [
                [_("Robots failing"), msg["robots"]["failing"]["n"]],
                *[
                    [f"· {r['name']}：{r['last_error'] or '—'}", None]
                    for r in msg["failing_robots"]
                ],
                [_("Robots working"), msg["robots"]["working"]["n"]],
                [_("Robots paused"), msg["robots"]["paused"]["n"]],
                [_("Messages waiting"), msg["messages"]["waiting"]["n"]],
                [_("Failed, last 7 days"), msg["messages"]["failed"]["n"]],
                [_("Outcome unknown, last 7 days"), msg["messages"]["uncertain"]["n"]],
            ],
            widths=[60, 14],
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def dashboard_file(*, user, form, d: dict, statuses, as_of) -> tuple[bytes, str]:
    """The dashboard's workbook for ``user`` with the filters of ``form`` (a valid
    ``DashboardFilterForm``), and its file name:
    "闵行区教育局_统计分析_<filters>_2026-12-05.xlsx"."""
    from django.utils import timezone

    from safecampus.core.excel import file_name, filters_label, form_filters, scope_label

    filters = form_filters(form)
    scope = scope_label(user)
    content = dashboard_workbook(
        d, statuses=statuses, as_of=as_of, scope=scope, filters=filters_label(filters)
    )
    name = file_name(scope, TITLE, "-".join(v for _l, v in filters), timezone.localdate())
    return content, name
