from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Bureau, Department, Region, School, SchoolGate
from safecampus.orgs.services import SCHOOL_FIELDS


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent"]


class BureauSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bureau
        fields = ["id", "name", "short_name", "code_prefix", "region", "parent"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "bureau", "name", "kind", "head", "phone"]


class SchoolGateSerializer(serializers.ModelSerializer):
    class Meta:
        model = SchoolGate
        fields = ["name", "longitude", "latitude", "coord_system"]


class SchoolSerializer(serializers.ModelSerializer):
    gates = SchoolGateSerializer(many=True, required=False)
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)

    class Meta:
        model = School
        fields = ["id", *SCHOOL_FIELDS, "stage_display", "gates", "updated_at"]
        read_only_fields = ["updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "bureau" in self.fields:
            self.fields["bureau"].queryset = Bureau.objects.restrict(request.user, "manage_schools")

    def validate(self, attrs):
        students = attrs.get("students", getattr(self.instance, "students", 0))
        boarders = attrs.get("boarders", getattr(self.instance, "boarders", 0))
        boarding = attrs.get("boarding", getattr(self.instance, "boarding", False))
        if boarders > students:
            raise serializers.ValidationError(
                {"boarders": _("Cannot exceed the number of students.")}
            )
        if boarders and not boarding:
            raise serializers.ValidationError(
                {"boarders": _("Only a boarding school has boarders.")}
            )
        return attrs


class SchoolListSerializer(serializers.ModelSerializer):
    """Lean rows for the list endpoint (no gates): one query per page."""

    stage_display = serializers.SerializerMethodField()

    def get_stage_display(self, obj) -> str:
        # Translate the labels once per response, not once per row.
        labels = self.context.setdefault("_stage_labels", {})
        if not labels:
            labels.update({value: str(label) for value, label in SchoolStage.choices})
        return labels.get(obj.stage, obj.stage)

    class Meta:
        model = School
        fields = [
            "id",
            "bureau",
            "code",
            "name",
            "stage",
            "stage_display",
            "ownership",
            "boarding",
            "students",
            "staff",
            "is_active",
        ]
