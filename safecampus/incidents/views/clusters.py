"""Pages: clusters (being built)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path


def _not_yet(request, *args, **kwargs):  # replaced by the real views
    raise Http404


urlpatterns: list = [
    path("clusters/", _not_yet, name="cluster_list"),
    path("clusters/illness/new/", _not_yet, name="illness_new"),
]
