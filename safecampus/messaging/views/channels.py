"""Scaffolding: the pages are written in this module."""

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404


channel_list = channel_create = channel_detail = channel_edit = channel_secret = _missing
channel_test = channel_pause = channel_resume = channel_remove = _missing
