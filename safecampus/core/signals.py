"""Signals core sends to the apps above it, so that core never imports them."""

from django.dispatch import Signal

#: A background job was given up (its worker stopped on each attempt). Sent inside the
#: transaction that marked it failed, with ``job`` (a ``core.models.Job``, ``created_by``
#: loaded). The notifications app tells the person who started it.
job_failed = Signal()
