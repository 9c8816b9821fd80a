"""API token authentication: hashed keys, idle and absolute expiry, a throttled last-use."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``.

    Listed first in ``DEFAULT_AUTHENTICATION_CLASSES`` so that an unauthenticated request is
    answered 401 with ``WWW-Authenticate: Token`` (DRF takes the header from the first class;
    session authentication has none and would make it a 403). A request without the header
    falls through to session authentication as before."""

    model = ApiToken

    def authenticate_credentials(self, key):
        now = timezone.now()
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("The API token is not valid. Obtain a new one."), code="invalid_token"
            )
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(
                _("The API token has expired. Obtain a new one."), code="token_expired"
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("This account is deactivated."), code="user_inactive"
            )
        touch = timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS)
        if token.last_used_at is None or now - token.last_used_at >= touch:
            # a plain UPDATE of one row, at most once per API_TOKEN_TOUCH_SECONDS
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return (token.user, token)
