"""OpenAPI: the error responses every operation really answers, with one ``Error`` schema.

A postprocessing hook of drf-spectacular adds to each operation the errors it can answer and
points them at ``#/components/schemas/Error`` (the body made by
:func:`safecampus.core.api.exception_handler` and :mod:`safecampus.core.errors`). Responses an
endpoint declares itself (with its own description of the codes) are kept; only their schema
is made the shared one.
"""

from __future__ import annotations

from drf_spectacular import openapi

from .refusals import Code

#: the codes of errors that are not a service's refusal: DRF's own (authentication, permission,
#: not found, throttling, unreadable input), the authentication's (``accounts.authentication``,
#: ``accounts.api``) and the JSON answers of ``core.errors`` and ``core.middleware``
GENERIC_CODES = (
    "authentication_failed",
    "bad_request",
    "csrf_failed",
    "database_busy",
    "database_unavailable",
    "error",
    "invalid_token",
    "method_not_allowed",
    "not_acceptable",
    "not_authenticated",
    "not_found",
    "parse_error",
    "password_change_required",
    "permission_denied",
    "server_error",
    "throttled",
    "token_expired",
    "unsupported_media_type",
    "user_inactive",
)

#: every value the ``code`` of an error may take: the refusals (``core.refusals.Code``) and the
#: generic codes
ERROR_CODES = sorted({c.value for c in Code} | set(GENERIC_CODES))

ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Every error of the API: a stable `code` for programs, a `message` in the user's "
        "language (Chinese by default) to show to people, and `errors` per input field."
    ),
    "properties": {
        "code": {
            "type": "string",
            "enum": ERROR_CODES,
            "description": "Stable machine-readable code: a service's refusal (`invalid`, "
            "`stale`, `invalid_transition`, `not_allowed` …) or a generic error "
            "(`not_authenticated`, `token_expired`, `permission_denied`, `not_found`, "
            "`throttled`, `database_unavailable`, `server_error` …).",
            "example": "invalid",
        },
        "message": {
            "type": "string",
            "description": "What went wrong, to show to the user.",
            "example": "该字段不能为空。",
        },
        "errors": {
            "type": "object",
            "description": (
                "Messages per input field (`non_field_errors` for the input as a whole); empty "
                "for errors that are not about the input. A nested field holds an object of "
                "the same shape."
            ),
            "additionalProperties": {
                "oneOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "object", "additionalProperties": True},
                ]
            },
            "example": {"title": ["该字段不能为空。"]},
        },
    },
    "required": ["code", "message", "errors"],
}

DESCRIPTIONS = {
    400: "`invalid`: the input does not parse or breaks a rule (messages per field in `errors`).",
    401: "`not_authenticated` (no credentials), `authentication_failed`, `invalid_token`, "
    "`token_expired` (an API token unused for 30 days or issued 90 days ago), "
    "`user_inactive`. The answer carries `WWW-Authenticate: Token`.",
    403: "`permission_denied`: the caller's roles do not allow this (or a session request "
    "without its CSRF token).",
    404: "`not_found`: no such object, or it is outside the caller's scope.",
    #: a list without ids in its path answers 404 only for a page that is not there
    "page": "`not_found`: the `page` asked for is past the last page, or not a page number.",
    503: "`database_unavailable`: the database cannot be reached; retry after `Retry-After` "
    "seconds.",
}

HEADERS = {
    401: {
        "WWW-Authenticate": {
            "schema": {"type": "string", "example": "Token"},
            "description": "The authentication scheme to use: `Token`.",
        }
    },
    503: {
        "Retry-After": {
            "schema": {"type": "integer", "example": 30},
            "description": "Seconds after which to retry.",
        }
    },
}

_BODY_METHODS = {"post", "put", "patch"}


def _codes(path: str, method: str, operation: dict) -> list[int]:
    codes = []
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if method in _BODY_METHODS or has_query:
        codes.append(400)
    # every endpoint but the token exchange needs credentials; the exchange answers 401 for a
    # wrong password and 403 when the password must be changed first
    codes += [401, 403]
    if "{" in path or _is_paginated(operation):
        codes.append(404)
    codes.append(503)
    return codes


def _is_paginated(operation: dict) -> bool:
    return any(
        p.get("in") == "query" and p.get("name") == "page" for p in operation.get("parameters", [])
    )


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            codes = set(_codes(path, method, operation))
            codes |= {int(c) for c in responses if str(c).isdigit() and int(c) >= 400}
            for code in sorted(codes):
                description = DESCRIPTIONS.get(code, "")
                if code == 404 and "{" not in path:
                    description = DESCRIPTIONS["page"]
                response = responses.setdefault(str(code), {"description": description})
                response["content"] = {"application/json": {"schema": ERROR_REF}}
                if code in HEADERS:
                    response.setdefault("headers", {}).update(HEADERS[code])
    return result


#: a time of day as DRF writes and reads it: ``HH:MM[:SS[.ffffff]]``, without an offset
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def _local_times(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node["pattern"] = TIME_PATTERN
            node.setdefault("example", "17:00:00")
            node.setdefault("description", "A time of day, Shanghai time: `HH:MM:SS`.")
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def local_times(result, generator, request, public):
    """drf-spectacular postprocessing hook: a time of day (a ``TimeField``) is written
    ``17:00:00``, in Shanghai time and without an offset, which OpenAPI's ``format: time`` (RFC
    3339, with an offset) does not allow; it is documented by its pattern instead."""
    _local_times(result)
    return result


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, and each operation's description names the roles that may call it:
    those of the view's capability permission (``core.api.capability_permission``: reading or
    writing, by the method), unless the description already says. An endpoint open to every
    signed-in person says that its records are the caller's own or scoped to the caller."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return operation
        description = operation.get("description", "")
        if "roles" not in description.lower():
            operation["description"] = f"{description}\n\nRoles: {self._roles()}".strip()
        return operation

    def _roles(self) -> str:
        for permission in self.view.get_permissions():
            reads = getattr(permission, "reads", None)
            if reads is not None:
                roles = reads if self.method in ("GET", "HEAD", "OPTIONS") else permission.writes
                return (
                    ", ".join(f"`{role}`" for role in sorted(roles))
                    + " (those the endpoint admits; the rules of an action may refuse some of "
                    "them, with 403 `not_allowed`)."
                )
        from rest_framework.permissions import IsAuthenticated

        if not any(isinstance(p, IsAuthenticated) for p in self.view.get_permissions()):
            return "anyone; no credentials are needed."
        return (
            "every signed-in person; what it reads or changes is the caller's own or within "
            "their scope."
        )
