"""Pages: disputes (being built)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path


def _not_yet(request, *args, **kwargs):  # replaced by the real views
    raise Http404


urlpatterns: list = [
    path("disputes/", _not_yet, name="dispute_list"),
    path("disputes/new/", _not_yet, name="dispute_new"),
    path("disputes/<int:pk>/", _not_yet, name="dispute_detail"),
    path("disputes/<int:pk>/act/<str:action>/", _not_yet, name="dispute_act"),
]
