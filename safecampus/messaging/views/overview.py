"""Scaffolding: the pages are written in this module."""

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404


overview = _missing
