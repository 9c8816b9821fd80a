"""Pages: incidents (being built)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path


def _not_yet(request, *args, **kwargs):  # replaced by the real views
    raise Http404


urlpatterns: list = [
    path("", _not_yet, name="incident_list"),
    path("new/", _not_yet, name="incident_new"),
    path("<int:pk>/", _not_yet, name="incident_detail"),
    path("<int:pk>/act/<str:action>/", _not_yet, name="incident_act"),
    path("<int:pk>/files/<int:evidence_pk>/", _not_yet, name="incident_evidence"),
]
