"""Pages: limits (being built)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path


def _not_yet(request, *args, **kwargs):  # replaced by the real views
    raise Http404


urlpatterns: list = [
    path("settings/", _not_yet, name="settings"),
]
