import uuid

from .context import client_ip, request_id


class RequestIdMiddleware:
    """Gives each request an id (or keeps the proxy's ``X-Request-ID``) for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        request.request_id = rid
        ip = request.META.get("REMOTE_ADDR")
        tokens = (request_id.set(rid), client_ip.set(ip))
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(tokens[0])
            client_ip.reset(tokens[1])
        response["X-Request-ID"] = rid
        return response
