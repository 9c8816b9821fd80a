"""One way to refuse: a ``ValidationError`` with a code from one enumeration.

A service refuses with :func:`refuse`; a page shows the refusal on its form with :func:`to_form`;
the API answers with :func:`refusal_response` (``{"code", "message", "errors"}``, the status of
:data:`HTTP_STATUS`, 400 for any other code). The schema documents :class:`Code` (see
``core.schema``). A refusal changes nothing: services raise before they write, or inside the
transaction that the refusal rolls back.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class Code(StrEnum):
    """Every code a service refuses with; the API's ``code`` field takes one of these."""

    ALREADY_ARCHIVED = "already_archived"
    ALREADY_RECORDED = "already_recorded"
    ALREADY_REVOKED = "already_revoked"
    ALREADY_SUBMITTED = "already_submitted"
    ARCHIVED = "archived"
    BUSY = "busy"
    CLOSED = "closed"
    COMMENT_REQUIRED = "comment_required"
    COMPLETED = "completed"
    DEADLINE_REQUIRED = "deadline_required"
    DECIDED = "decided"
    DECISION_REQUIRED = "decision_required"
    DRAFT_EXISTS = "draft_exists"
    DUPLICATE = "duplicate"
    EMPTY = "empty"
    EVIDENCE_INVALID = "evidence_invalid"
    EVIDENCE_REQUIRED = "evidence_required"
    EVIDENCE_TOO_LARGE = "evidence_too_large"
    FORBIDDEN = "forbidden"
    INCOMPLETE = "incomplete"
    INTERIM_MEASURES_REQUIRED = "interim_measures_required"
    INVALID = "invalid"
    INVALID_LOGIN = "invalid_login"
    INVALID_TRANSITION = "invalid_transition"
    LEC_INCOMPLETE = "lec_incomplete"
    LOCKED = "locked"
    NO_CAMPAIGN = "no_campaign"
    NO_CHANGE = "no_change"
    NO_PHASE = "no_phase"
    NO_SUCH_WEEK = "no_such_week"
    NOT_ALLOWED = "not_allowed"
    NOT_CANDIDATE = "not_candidate"
    NOT_OWING = "not_owing"
    NOT_RUNNING = "not_running"
    NOT_STARTED = "not_started"
    NOTHING_SUBMITTED = "nothing_submitted"
    OUT_OF_SCOPE = "out_of_scope"
    PASSWORD_HAS_USERNAME = "password_has_username"
    PASSWORD_TOO_SIMPLE = "password_too_simple"
    PUBLISHED_FROZEN = "published_frozen"
    REASON_REQUIRED = "reason_required"
    RECORDED = "recorded"
    SCOPE = "scope"
    SELF_GRANT = "self_grant"
    SEPARATION_OF_DUTIES = "separation_of_duties"
    STALE = "stale"
    SUBMITTED = "submitted"
    UNKNOWN_ROLE = "unknown_role"
    WITHDRAWN = "withdrawn"
    WRONG_DEPARTMENT = "wrong_department"
    WRONG_ORG_LEVEL = "wrong_org_level"
    CONFIRM_REQUIRED = "confirm_required"
    FIVE_IN_PLACE_REQUIRED = "five_in_place_required"
    COORDINATES_INVALID = "coordinates_invalid"
    BOUNDARY_INVALID = "boundary_invalid"
    AT_SCHOOL = "at_school"
    IN_FUTURE = "in_future"
    OVERLAP = "overlap"
    NOT_COVERED = "not_covered"
    WEBHOOK_INVALID = "webhook_invalid"
    SEND_FAILED = "send_failed"


#: the HTTP status of a refusal in the API; a code not listed is 400
HTTP_STATUS: dict[str, int] = {
    Code.NOT_ALLOWED: 403,
    Code.INVALID_TRANSITION: 409,
    Code.STALE: 409,
    Code.LOCKED: 409,
    Code.ALREADY_SUBMITTED: 409,
}


def refuse(errors, code: str | Code = Code.INVALID) -> ValidationError:
    """A refusal, with ``code`` kept on the error and on every message.

    ``errors`` is a message, a list of messages, or ``{field: message | [messages]}`` where a
    message may also be a ``(message, code)`` pair of its own. Django drops ``code`` when it is
    given a dict or a list, so every message carries it, and so does the error (``exc.code``).
    """
    code = str(code)

    def wrap(messages):
        if not isinstance(messages, list):
            messages = [messages]
        out = []
        for m in messages:
            if isinstance(m, ValidationError):
                out.append(m)
            elif isinstance(m, tuple):
                out.append(ValidationError(m[0], code=m[1]))
            else:
                out.append(ValidationError(m, code=code))
        return out

    if isinstance(errors, dict):
        exc = ValidationError({field: wrap(messages) for field, messages in errors.items()})
    elif isinstance(errors, list):
        exc = ValidationError(wrap(errors))
    else:
        exc = ValidationError(errors, code=code)
    exc.code = code
    return exc


def refusal_code(exc: ValidationError) -> str:
    """The code a refusal carries: on the error, in its arguments, or on its first message."""
    code = getattr(exc, "code", None) or (exc.args[1] if len(exc.args) > 1 else None)
    if not code and hasattr(exc, "error_dict"):
        code = next((e.code for es in exc.error_dict.values() for e in es if e.code), None)
    if not code and hasattr(exc, "error_list"):
        code = next((e.code for e in exc.error_list if e.code), None)
    return str(code) if code else Code.INVALID.value


def http_status(code: str) -> int:
    return HTTP_STATUS.get(code, 400)


def errors_of(exc: ValidationError) -> dict[str, list[str]]:
    """``{field: [messages]}``; messages not tied to a field under ``non_field_errors``."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def to_form(form, exc: ValidationError) -> None:
    """Show a refusal on the form fields it names, the rest above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def refusal_response(exc: ValidationError):
    """The API's answer to a refusal: ``{"code", "message", "errors"}`` with its status."""
    from rest_framework.response import Response

    code = refusal_code(exc)
    errors = errors_of(exc)
    message = next((ms[0] for ms in errors.values() if ms), _("The input is not valid."))
    return Response({"code": code, "message": message, "errors": errors}, status=http_status(code))


__all__ = [
    "Code",
    "HTTP_STATUS",
    "errors_of",
    "http_status",
    "refusal_code",
    "refusal_response",
    "refuse",
    "to_form",
]
