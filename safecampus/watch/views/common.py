"""What the duty watch pages share."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError


def query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def flash_refusal(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)
