from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safecampus.accounts.models import ApiToken, RoleAssignment, User
from safecampus.orgs.models import Bureau


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organisation = serializers.CharField(read_only=True)

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "role",
            "role_display",
            "bureau",
            "department",
            "school",
            "partner",
            "organisation",
            "granted_at",
        ]


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "phone", "bureau", "must_change_password", "roles"]

    def get_roles(self, obj) -> list[dict]:
        qs = (
            RoleAssignment.objects.active()
            .filter(user=obj)
            .select_related("bureau", "department", "school", "partner")
        )
        return RoleAssignmentSerializer(qs, many=True).data


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("Username"))
    password = serializers.CharField(label=_("Password"), style={"input_type": "password"})
    name = serializers.CharField(
        label=_("Token name"),
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("What the token is for, to recognise it in the list of your tokens."),
    )
    bureau = serializers.PrimaryKeyRelatedField(
        label=_("Bureau"),
        queryset=Bureau.objects.all(),
        required=False,
        help_text="The id of the bureau whose app or login page is used: a failure with an "
        "unknown username is shown to that bureau's auditors. Default: the deployment's bureau.",
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    expires_at = serializers.DateTimeField(read_only=True)
    current = serializers.SerializerMethodField(
        help_text="True for the token that authenticated this request."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"]
        read_only_fields = fields

    def get_current(self, obj) -> bool:
        request = self.context.get("request")
        auth = getattr(request, "auth", None)
        return isinstance(auth, ApiToken) and auth.pk == obj.pk


class TokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The key: shown this once, only its hash is stored."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields
