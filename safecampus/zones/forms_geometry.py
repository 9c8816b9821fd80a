"""Forms of a school's zone geometry: the boundary drawn on the map, uploaded as GeoJSON or KML,
or listed vertex by vertex in a workbook; the parents' waiting areas; the filters of the list.

Forms only parse. Every rule of a boundary or a point (closed ring, no self-crossing, near the
gates, inside China, not swapped, a system given) lives in ``zones.geometry`` and
``zones.services``, whose refusals carry the messages shown.
"""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from safecampus.core import geo
from safecampus.core.excel import Column, ExcelRefused, cell_text, read_workbook, upload_problem
from safecampus.orgs.choices import CoordSystem

from .geometry import MAX_FILE_BYTES, MAX_VERTICES, BoundaryError, parse_upload

#: the columns of the workbook of vertices (and of its template)
VERTEX_COLUMNS = [
    Column("序号", width=8, required=True),
    Column("经度", width=16, required=True),
    Column("纬度", width=16, required=True),
]

_NO_SYSTEM = [("", gettext_lazy("— choose the coordinate system —"))]


class SystemField(forms.ChoiceField):
    """A coordinate system, always chosen (no default: a value without its system is refused)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Coordinate system"))
        super().__init__(choices=_NO_SYSTEM + list(CoordSystem.choices), **kwargs)
        self.error_messages["required"] = gettext_lazy(
            "Choose the coordinate system of the coordinates: WGS-84 (a phone's GPS), GCJ-02 "
            "(Amap, Tencent) or BD-09 (Baidu)."
        )


class _Styled(forms.Form):
    """Bootstrap classes on every visible widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if widget.is_hidden:
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class _Versioned(_Styled):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DrawForm(_Versioned):
    """The ring drawn on the map: ``[[lon, lat], …]`` (first repeated last) in ``coord_system``."""

    vertices = forms.CharField(widget=forms.HiddenInput)
    coord_system = SystemField(widget=forms.HiddenInput)

    def clean_vertices(self):
        raw = self.cleaned_data["vertices"]
        try:
            data = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("The drawn boundary cannot be read.")) from None
        if not isinstance(data, list):
            raise forms.ValidationError(_("The drawn boundary cannot be read."))
        return data


class BoundaryFileForm(_Versioned):
    """A GeoJSON or KML file with the system its coordinates are in."""

    file = forms.FileField(label=gettext_lazy("GeoJSON or KML file"))
    coord_system = SystemField()

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is None:
            return data
        if upload.size > MAX_FILE_BYTES:
            self.add_error("file", _("The file is larger than 2 MB."))
            return data
        try:
            data["vertices"] = parse_upload(upload.name, upload.read())
        except BoundaryError as exc:
            self.add_error("file", exc.problems)
        return data

    def source(self) -> str:
        name = (self.cleaned_data["file"].name or "").lower()
        return "kml" if name.endswith(".kml") else "geojson"


class VertexWorkbookForm(_Versioned):
    """A workbook of vertices (序号, 经度, 纬度; the last row repeats the first)."""

    file = forms.FileField(label=gettext_lazy("Workbook of vertices (.xlsx)"))
    coord_system = SystemField()

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is None:
            return data
        if problem := upload_problem(upload):
            self.add_error("file", problem)
            return data
        try:
            sheet = read_workbook(upload, columns=VERTEX_COLUMNS, name=upload.name)
        except ExcelRefused as exc:
            self.add_error("file", exc.message)
            return data
        rows = []
        problems = []
        for number, row in sheet.rows:
            order = geo.number(row.get("序号"))
            lon, lat = cell_text(row.get("经度")), cell_text(row.get("纬度"))
            if not lon or not lat:
                problems.append(
                    _("Row %(row)d: give both the longitude and the latitude.") % {"row": number}
                )
                continue
            rows.append((order if order is not None else float(number), number, [lon, lat]))
        if len(rows) > MAX_VERTICES:
            problems.append(_("A boundary may have at most %(n)d corners.") % {"n": MAX_VERTICES})
        if not rows and not problems:
            problems.append(_("The workbook lists no vertices."))
        if problems:
            self.add_error("file", problems)
            return data
        rows.sort(key=lambda r: (r[0], r[1]))
        data["vertices"] = [r[2] for r in rows]
        return data


class WaitingAreaForm(_Styled):
    name = forms.CharField(label=pgettext_lazy("safety zone", "Name"), max_length=64)
    longitude = forms.CharField(label=gettext_lazy("Longitude"), max_length=20)
    latitude = forms.CharField(label=gettext_lazy("Latitude"), max_length=20)
    coord_system = SystemField()


class GeometryFilterForm(_Styled):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    boundary = forms.ChoiceField(
        label=gettext_lazy("Boundary"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("yes", gettext_lazy("Recorded")),
            ("no", gettext_lazy("Not recorded")),
        ],
    )
    in_zone = forms.ChoiceField(
        label=gettext_lazy("Venues in the zone"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("yes", gettext_lazy("Some")),
            ("no", gettext_lazy("None")),
        ],
    )
