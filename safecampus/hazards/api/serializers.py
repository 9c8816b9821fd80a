"""Serializers of the register API: lean list rows, the full detail, and one small input
serializer per action. Inputs are only parsed here; every rule lives in ``services``."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.catalog.choices import HazardLevel
from safecampus.orgs.models import School

from ..choices import Decision, EvidencePhase, RiskColour, Status, Summary
from ..models import Hazard, HazardEvent, HazardEvidence
from ..services import CONFIRM_FIELDS, EDIT_FIELDS, REPORT_FIELDS, allowed_actions

# --- fields -------------------------------------------------------------------------------------


def _enum_schema(choices) -> dict:
    lines = "\n".join(f"* `{value}` - {label}" for value, label in choices.choices)
    return {"type": "string", "enum": list(choices.values), "description": lines}


# Named enum components: other apps use ``status`` and ``level`` for other choice sets.
@extend_schema_field(_enum_schema(Status), component_name="HazardStatusEnum")
class StatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Status.choices, **kwargs)

    def to_representation(self, value):
        return super().to_representation(value) or None  # a report has no "from" status


@extend_schema_field(_enum_schema(HazardLevel), component_name="HazardLevelEnum")
class LevelField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=HazardLevel.choices, **kwargs)


# --- output -------------------------------------------------------------------------------------


class RefSerializer(serializers.Serializer):
    """A related organisation as ``{id, name}``."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ErrorSerializer(serializers.Serializer):
    """The body of every error: a stable code, a message to show, and messages per field."""

    code = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class HazardListSerializer(serializers.ModelSerializer):
    """A register row. Reads only the row and its ``select_related`` relations: no query per row."""

    school = RefSerializer(read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    level = LevelField(read_only=True)
    status = StatusField(read_only=True)
    status_display = serializers.SerializerMethodField()
    responsible_department = RefSerializer(read_only=True, allow_null=True)
    is_overdue = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()
    summary = serializers.ChoiceField(choices=Summary.choices, read_only=True, allow_null=True)
    # blank until the hazard is graded (a model field's blank is lost on a read-only field)
    risk_colour = serializers.ChoiceField(
        choices=RiskColour.choices, read_only=True, allow_blank=True
    )

    class Meta:
        model = Hazard
        fields = [
            "id",
            "code",
            "school",
            "area_code",
            "area_name",
            "item_code",
            "description",
            "location",
            "source",
            "level",
            "risk_colour",
            "risk_score",
            "status",
            "status_display",
            "responsible_department",
            "deadline",
            "is_overdue",
            "days_overdue",
            "summary",
            "supervised",
            "found_on",
            "version",
        ]
        read_only_fields = fields

    def _today(self):
        # one "today" per response, so that every row is judged against the same date
        return self.context.setdefault("_today", timezone.localdate())

    def get_status_display(self, obj) -> str:
        # translate the labels once per response, not once per row
        labels = self.context.setdefault("_status_labels", {})
        if not labels:
            labels.update({value: str(label) for value, label in Status.choices})
        return labels.get(obj.status, obj.status)

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue(self._today())

    def get_days_overdue(self, obj) -> int:
        return obj.days_overdue(self._today())


class HazardEvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="The file on the pages (a signed-in session)."
    )
    thumbnail_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="The file through the API (`/api/v1/hazard-evidence/{id}/`), for token callers."
    )

    class Meta:
        model = HazardEvidence
        fields = [
            "id",
            "event",
            "phase",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
            "url",
            "thumbnail_url",
            "download_url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()

    def get_download_url(self, obj) -> str:
        return reverse("hazard-evidence-detail", args=[obj.pk])

    @extend_schema_field(OpenApiTypes.STR)
    def get_thumbnail_url(self, obj) -> str | None:
        return obj.thumbnail_url() if obj.thumbnail else None


class HazardEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True)
    from_status = StatusField(read_only=True, allow_null=True)
    to_status = StatusField(read_only=True)
    evidence = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = HazardEvent
        fields = [
            "id",
            "action",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "actor_role",
            "at",
            "comment",
            "data",
            "evidence",
        ]
        read_only_fields = fields


class HazardDetailSerializer(HazardListSerializer):
    """Everything about one hazard, with its timeline, its files and what the caller may do."""

    reported_by = serializers.PrimaryKeyRelatedField(read_only=True)
    reported_by_name = serializers.CharField(source="reported_by.display_name", read_only=True)
    item_text = serializers.CharField(source="item.text", read_only=True, allow_null=True)
    cooperating_departments = RefSerializer(many=True, read_only=True)
    summary_display = serializers.CharField(source="get_summary_display", read_only=True)
    events = HazardEventSerializer(many=True, read_only=True)
    evidence = HazardEvidenceSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(HazardListSerializer.Meta):
        fields = [
            *HazardListSerializer.Meta.fields,
            "bureau",
            "year",
            "catalog_version",
            "area",
            "item",
            "item_text",
            "found_by",
            "reported_by",
            "reported_by_name",
            "reported_at",
            "remedy_type",
            "lec_l",
            "lec_e",
            "lec_c",
            "responsible_person",
            "responsible_phone",
            "measures",
            "funds",
            "contingency_plan",
            "interim_measures",
            "interim_unit",
            "interim_person",
            "interim_deadline",
            "cooperating_departments",
            "escalated",
            "delay_explanation",
            "summary_display",
            "status_changed_at",
            "closed_on",
            "updated_at",
            "events",
            "evidence",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        """Action values (``mark_hard``, ``add_evidence``…) the caller may take now."""
        return allowed_actions(self.context["request"].user, obj)


# --- input --------------------------------------------------------------------------------------


class FilesField(serializers.ListField):
    """``files`` repeated in a multipart body."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.FileField(allow_empty_file=False))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("Photos or documents; repeat the field for each file."))
        super().__init__(**kwargs)


class HazardCreateSerializer(serializers.ModelSerializer):
    """A new report. The item (or, without an item, the area) must be of the school's bureau's
    published catalog; departments default from the item."""

    school = serializers.PrimaryKeyRelatedField(queryset=School.objects.none())
    item = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    area = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    responsible_department = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    cooperating_departments = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=50
    )
    level = LevelField(required=False)
    files = FilesField()

    class Meta:
        model = Hazard
        fields = [
            "school",
            "item",
            "area",
            *REPORT_FIELDS,
            "responsible_department",
            "cooperating_departments",
            "files",
        ]
        extra_kwargs = {"source": {"required": False}, "found_on": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["school"].queryset = School.objects.visible_to(request.user)


class ActSerializer(serializers.Serializer):
    """What every action takes: the version the caller saw, and a comment."""

    version = serializers.IntegerField(
        min_value=1, help_text=_("The hazard's version the caller saw (optimistic locking).")
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ConfirmSerializer(ActSerializer, serializers.ModelSerializer):
    level = LevelField(required=False)

    class Meta:
        model = Hazard
        fields = ["version", "comment", *CONFIRM_FIELDS]


class EditSerializer(ActSerializer, serializers.ModelSerializer):
    """A correction of the hazard's details; only the fields given change."""

    level = LevelField(required=False)

    class Meta:
        model = Hazard
        fields = ["version", "comment", *EDIT_FIELDS]
        extra_kwargs = {f: {"required": False} for f in EDIT_FIELDS}


class ExtendSerializer(ActSerializer):
    deadline = serializers.DateField()


class TransferSerializer(ActSerializer):
    responsible_department = serializers.IntegerField(min_value=1)


class DecideSerializer(ActSerializer):
    decisions = serializers.ListField(
        child=serializers.ChoiceField(choices=Decision.choices), max_length=len(Decision)
    )
    deadline = serializers.DateField(required=False, allow_null=True)
    responsible_department = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class SubmitSerializer(ActSerializer):
    files = FilesField()


class EvidenceSerializer(ActSerializer):
    files = FilesField(required=True, allow_empty=False)
    phase = serializers.ChoiceField(choices=EvidencePhase.choices, required=False)
