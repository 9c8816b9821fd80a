from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from safecampus.accounts import selectors, services
from safecampus.accounts.login_bureau import default_login_bureau
from safecampus.accounts.models import ApiToken

from .serializers import (
    ApiTokenSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer, summary="The current user and their roles")
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class LoginThrottle(AnonRateThrottle):
    rate = "30/min"


class TokenView(APIView):
    """Exchange a username and password for an API token, under the same login policy
    (lockout after five failures) as the web login."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LoginThrottle]

    def get_authenticate_header(self, request):
        # no authenticator runs here, but a refused login is still a 401, not a 403
        return "Token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            401: OpenApiResponse(
                description="`invalid_login`: wrong username or password; `locked`: the "
                "account is locked for 15 minutes after five failures."
            ),
            403: OpenApiResponse(
                description="`password_change_required`: the password was reset, or is the "
                "account's first; log in on "
                "the web and choose a new one first."
            ),
            429: OpenApiResponse(description="`throttled`: more than 30 attempts a minute."),
        },
        summary="Obtain an API token",
        description="Each call issues a new token; only its hash is stored, so the key is in "
        "this answer and nowhere else. A token expires after `API_TOKEN_IDLE_DAYS` (30) days "
        "unused and `API_TOKEN_MAX_DAYS` (90) days after it was issued; then requests with it "
        "get 401 `token_expired`. Errors: 401 `invalid_login` (wrong username or password), "
        "401 `locked` (account locked for 15 minutes after five failures), 403 "
        "`password_change_required`.",
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.login_attempt(
                request=request,
                username=data.validated_data["username"],
                password=data.validated_data["password"],
                bureau=data.validated_data.get("bureau") or default_login_bureau(),
            )
        except ValidationError as exc:
            raise AuthenticationFailed(exc.messages[0], code=exc.code) from exc
        if user.must_change_password:
            raise PermissionDenied(
                _("Your password was reset. Log in on the web and choose a new one first.")
                if selectors.password_was_reset(user)
                else _(
                    "This is the first password of your account. Log in on the web and choose "
                    "your own first."
                ),
                code="password_change_required",
            )
        token, key = services.api_token_issue(user=user, name=data.validated_data.get("name", ""))
        token.token = key
        return Response(
            TokenSerializer(token, context={"request": request}).data, status=status.HTTP_200_OK
        )


class ApiTokenListView(APIView):
    """The caller's own API tokens."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=ApiTokenSerializer(many=True),
        summary="My API tokens",
        description="The caller's tokens with when they were created, last used and expire. "
        "Keys are never shown again; `prefix` tells them apart.",
    )
    def get(self, request):
        tokens = ApiToken.objects.owned_by(request.user)
        return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)


class ApiTokenDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def _token(self, request, pk):
        # another user's token is "not found", like anything outside the caller's scope
        return selectors.own_token(user=request.user, pk=pk)

    @extend_schema(responses=ApiTokenSerializer, summary="One of my API tokens")
    def get(self, request, pk):
        token = self._token(request, pk)
        return Response(ApiTokenSerializer(token, context={"request": request}).data)

    @extend_schema(
        responses={204: None},
        summary="Revoke one of my API tokens",
        description="The token stops working at once. Revoking the token that authenticates "
        "this request is allowed (a logout for scripts).",
    )
    def delete(self, request, pk):
        services.api_token_revoke(actor=request.user, token=self._token(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
