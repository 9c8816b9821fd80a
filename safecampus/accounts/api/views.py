from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from safecampus.accounts import services
from safecampus.core.db import in_write_transaction

from .serializers import MeSerializer, TokenRequestSerializer, TokenSerializer


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

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        summary="Obtain an API token",
        description="Errors: 401 `invalid_login` (wrong username or password), "
        "401 `locked` (account locked for 15 minutes after five failures).",
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.login_attempt(
                request=request,
                username=data.validated_data["username"],
                password=data.validated_data["password"],
            )
        except ValidationError as exc:
            raise AuthenticationFailed(exc.messages[0], code=exc.code) from exc
        if user.must_change_password:
            raise PermissionDenied(
                _("Your password was reset. Log in on the web and choose a new one first."),
                code="password_change_required",
            )
        token, _created = in_write_transaction(lambda: Token.objects.get_or_create(user=user))
        return Response({"token": token.key}, status=status.HTTP_200_OK)
