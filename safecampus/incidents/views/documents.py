"""Pages: documents (being built)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path


def _not_yet(request, *args, **kwargs):  # replaced by the real views
    raise Http404


urlpatterns: list = [
    path("<int:pk>/document/<str:kind>/", _not_yet, name="incident_document"),
    path("summary/", _not_yet, name="monthly_summary"),
    path("export/", _not_yet, name="incident_export"),
    path("disputes/export/", _not_yet, name="dispute_export"),
]
