"""Per-request context (request id) carried in a context variable, reset after each request."""

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("safecampus_request_id", default=None)
client_ip: ContextVar[str | None] = ContextVar("safecampus_client_ip", default=None)
