"""Serializers of the duties API: the catalog, occurrences with their records and events, one
small input serializer per action, and the compliance figures. Inputs are only parsed here;
every rule lives in ``duties.services``."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.core.api import RequiredText
from safecampus.hazards.api.serializers import ErrorSerializer, RefSerializer
from safecampus.orgs.choices import SchoolStage

from ..choices import DutyCategory, Evidence, Figure, OccurrenceStatus, Owner, VersionStatus
from ..models import Duty, DutyCatalogVersion, DutyEvidence, DutyRecord, Occurrence
from ..selectors import STATUS_KEYS

__all__ = ["ErrorSerializer"]

# --- fields ---------------------------------------------------------------------------------


def _enum_schema(choices) -> dict:
    lines = "\n".join(f"* `{value}` - {label}" for value, label in choices.choices)
    return {"type": "string", "enum": list(choices.values), "description": lines}


def _choice_field(choices, component: str):
    """A choice field documented as the named enum component ``component`` (other apps use
    ``status`` and ``kind`` for other choice sets)."""

    @extend_schema_field(_enum_schema(choices), component_name=component)
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    Field.__name__ = f"{component}Field"
    return Field


OccurrenceStatusField = _choice_field(OccurrenceStatus, "DutyOccurrenceStatusEnum")
OwnerField = _choice_field(Owner, "DutyOwnerEnum")
CategoryField = _choice_field(DutyCategory, "DutyCategoryEnum")
EvidenceField = _choice_field(Evidence, "DutyEvidenceKindEnum")
VersionStatusField = _choice_field(VersionStatus, "DutyVersionStatusEnum")


def _labels(context: dict, key: str, choices) -> dict:
    """Translated labels, once per response rather than once per row."""
    labels = context.setdefault(key, {})
    if not labels:
        labels.update({value: str(label) for value, label in choices.choices})
    return labels


def evidence_url(evidence_id: int) -> str:
    return reverse("duty-evidence-detail", args=[evidence_id])


# --- the catalog ----------------------------------------------------------------------------


class DutyVersionSerializer(serializers.ModelSerializer):
    """A version of a bureau's duty catalog."""

    bureau = RefSerializer(read_only=True)
    status = VersionStatusField(read_only=True)

    class Meta:
        model = DutyCatalogVersion
        fields = ["id", "bureau", "number", "title", "status", "published_at", "created_at"]
        read_only_fields = fields


class DutySerializer(serializers.ModelSerializer):
    """One duty: what counts as done, its rule, window and grace, who owes it and who oversees
    it, and where it comes from."""

    category = CategoryField(read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    evidence = serializers.ListField(child=EvidenceField(), read_only=True)
    evidence_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    figures = serializers.ListField(
        child=serializers.ChoiceField(choices=Figure.choices), read_only=True
    )
    figure_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    frequency_label = serializers.CharField(
        read_only=True, help_text=_("The frequency rule in Chinese words (每月1次, 每学期开学前).")
    )
    stages = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("The school stages it applies to (values of `StageEnum`); empty: all."),
    )
    stage_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    partner_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    owed_by_departments = RefSerializer(many=True, read_only=True)
    overseeing_department = RefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Duty
        fields = [
            "id",
            "code",
            "name",
            "category",
            "category_display",
            "done_when",
            "evidence",
            "evidence_labels",
            "figures",
            "figure_labels",
            "frequency",
            "frequency_label",
            "window_days",
            "grace_days",
            "in_vacation",
            "stages",
            "stage_labels",
            "boarding_only",
            "needs_canteen",
            "needs_chem_lab",
            "owed_by_schools",
            "owed_by_centre",
            "owed_by_departments",
            "partner_kinds",
            "overseeing_department",
            "responsible_text",
            "source",
        ]
        read_only_fields = fields


class DutyVersionDetailSerializer(DutyVersionSerializer):
    duties = serializers.SerializerMethodField()

    class Meta(DutyVersionSerializer.Meta):
        fields = [*DutyVersionSerializer.Meta.fields, "duties"]
        read_only_fields = fields

    @extend_schema_field(DutySerializer(many=True))
    def get_duties(self, obj):
        # the view passes the duties it read through their own scope
        return DutySerializer(self.context["duties"], many=True, context=self.context).data


# --- occurrences ----------------------------------------------------------------------------


class OccurrenceListSerializer(serializers.ModelSerializer):
    """An occurrence row. Reads only the row and its ``select_related`` relations."""

    duty = serializers.SerializerMethodField()
    owner_kind = OwnerField(read_only=True)
    owner_name = serializers.SerializerMethodField()
    school = RefSerializer(read_only=True, allow_null=True)
    department = RefSerializer(read_only=True, allow_null=True)
    partner = RefSerializer(read_only=True, allow_null=True)
    overseeing_department = RefSerializer(read_only=True, allow_null=True)
    status = OccurrenceStatusField(read_only=True)
    effective_status = serializers.SerializerMethodField()
    status_display = serializers.SerializerMethodField()

    class Meta:
        model = Occurrence
        fields = [
            "id",
            "code",
            "duty",
            "owner_kind",
            "owner_name",
            "school",
            "department",
            "partner",
            "overseeing_department",
            "period_key",
            "period_start",
            "period_end",
            "window_start",
            "window_end",
            "grace_end",
            "required",
            "recorded",
            "status",
            "effective_status",
            "status_display",
            "status_at",
            "row_version",
        ]
        read_only_fields = fields

    def _today(self):
        # one "today" per response, so that every row is judged against the same date
        return self.context.setdefault("_today", timezone.localdate())

    @extend_schema_field(RefSerializer)
    def get_duty(self, obj) -> dict:
        return {"id": obj.duty_id, "name": obj.duty.name}

    def get_owner_name(self, obj) -> str:
        return str(obj.owner.name)

    @extend_schema_field(
        {
            **_enum_schema(OccurrenceStatus),
            "description": "The status as of today: a due "
            "occurrence whose window and grace have passed is `missed` before the daily sweep "
            "marks it so.",
        }
    )
    def get_effective_status(self, obj) -> str:
        return obj.effective_status(self._today())

    def get_status_display(self, obj) -> str:
        labels = _labels(self.context, "_status_labels", OccurrenceStatus)
        return labels.get(obj.effective_status(self._today()), obj.status)


class EvidenceSerializer(serializers.ModelSerializer):
    kind = EvidenceField(read_only=True)
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = DutyEvidence
        fields = [
            "id",
            "kind",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "url",
            "thumbnail_url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        """``GET /api/v1/duty-evidence/{id}/``: the file, to whoever sees the occurrence."""
        return evidence_url(obj.pk)

    @extend_schema_field(OpenApiTypes.STR)
    def get_thumbnail_url(self, obj) -> str | None:
        return f"{evidence_url(obj.pk)}?thumbnail=1" if obj.thumbnail else None


class RecordSerializer(serializers.ModelSerializer):
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)
    figures = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    created_role = serializers.CharField(
        read_only=True, help_text=_("The role the record was made as (values of `ActorRoleEnum`).")
    )
    files = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = DutyRecord
        fields = [
            "id",
            "occurred_at",
            "scenario",
            "summary",
            "participants",
            "evacuation_seconds",
            "figures",
            "supersedes",
            "created_at",
            "created_by",
            "created_by_name",
            "created_role",
            "files",
        ]
        read_only_fields = fields


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    action = serializers.CharField(read_only=True)
    from_status = OccurrenceStatusField(read_only=True)
    to_status = OccurrenceStatusField(read_only=True)
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    actor_name = serializers.SerializerMethodField()
    role = serializers.CharField(read_only=True)
    comment = serializers.CharField(read_only=True)
    record = serializers.IntegerField(source="record_id", read_only=True, allow_null=True)
    accountability_record = serializers.IntegerField(
        source="accountability_record_id", read_only=True, allow_null=True
    )
    at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor_name(self, obj) -> str | None:
        return obj.actor.display_name if obj.actor_id else None


class OccurrenceDetailSerializer(OccurrenceListSerializer):
    """One occurrence with its duty, its records (and their files), its events, and what the
    caller may do now."""

    duty_detail = DutySerializer(source="duty", read_only=True)
    records = RecordSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(OccurrenceListSerializer.Meta):
        fields = [
            *OccurrenceListSerializer.Meta.fields,
            "reopened_at",
            "duty_detail",
            "records",
            "events",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        """The endpoints the caller may call now: ``record``, ``correct`` (``record`` with
        ``supersedes``), ``ask_excuse``, ``decide_excuse``, ``not_credible``."""
        return self.context.get("allowed_actions", [])


# --- input ----------------------------------------------------------------------------------


class FilesField(serializers.ListField):
    """A file field repeated in a multipart body."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.FileField(allow_empty_file=False))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)


def _figure(help_text):
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=1_000_000, help_text=help_text
    )


class RecordInputSerializer(serializers.Serializer):
    """A record of what was done (multipart). The duty says which figures and which kinds of
    evidence are required (``figures`` and ``evidence`` of its catalog entry)."""

    occurred_at = serializers.DateTimeField(
        help_text=_("When it was held (not in the future, within the window or its grace).")
    )
    scenario = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    participants = _figure(Figure.PARTICIPANTS.label)
    evacuation_seconds = _figure(Figure.EVACUATION_SECONDS.label)
    signed = _figure(Figure.SIGNED.label)
    total = _figure(Figure.TOTAL.label)
    found = _figure(Figure.FOUND.label)
    files_photo = FilesField(help_text=_("Photos; repeat the field for each file."))
    files_signin = FilesField(help_text=_("The sign-in sheet (photo or PDF)."))
    files_minutes = FilesField(help_text=_("The minutes (document, PDF or photo)."))
    files_document = FilesField(help_text=_("Documents (PDF, Word, Excel or photo)."))
    supersedes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=_("The record this one corrects (of the same occurrence)."),
    )

    FIGURES = ("participants", "evacuation_seconds", "signed", "total", "found")

    def service_arguments(self) -> dict:
        data = self.validated_data
        return {
            "data": {
                "occurred_at": data["occurred_at"],
                "scenario": data["scenario"],
                "summary": data["summary"],
                **{f: data.get(f) for f in self.FIGURES},
            },
            "files": {kind: data.get(f"files_{kind}") or [] for kind in Evidence.values},
            "supersedes": data.get("supersedes"),
        }


class AskExcuseSerializer(serializers.Serializer):
    reason = RequiredText(
        allow_blank=True,
        max_length=2000,
        help_text=_("Why the period cannot be done (required: refused `comment_required`)."),
    )


class DecideExcuseSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text=_("True accepts the excuse, false refuses it."))
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text=_("Required when refusing (refused `comment_required`)."),
    )


class NotCredibleSerializer(serializers.Serializer):
    reason = RequiredText(
        allow_blank=True,
        max_length=2000,
        help_text=_("Why the record is not credible (required: refused `comment_required`)."),
    )
    open_accountability = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Also open an accountability record (criticism) against the owner."),
    )


# --- compliance -----------------------------------------------------------------------------


class ComplianceQuerySerializer(serializers.Serializer):
    """The filters of the compliance figures (query parameters)."""

    from_ = serializers.DateField(required=False, help_text=_("Windows ending on or after."))
    to = serializers.DateField(required=False, help_text=_("Windows ending on or before."))
    month = serializers.RegexField(
        r"^20\d\d-(0[1-9]|1[0-2])$",
        required=False,
        help_text=_("YYYY-MM: windows ending in this month (instead of from and to)."),
        error_messages={"invalid": _("Give the month as YYYY-MM.")},
    )
    code = serializers.CharField(required=False, max_length=24)
    stage = serializers.ChoiceField(choices=SchoolStage.choices, required=False)
    overseeing_department = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1
    )
    live = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Count now rather than read the summary (a scope of one bureau; ignored for wider "
            "scopes)."
        ),
    )

    def get_fields(self):
        fields = super().get_fields()
        # ``from`` is a keyword in Python
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": [_("The end lies before the start.")]})
        for key in ("from", "to"):
            if attrs.get(key) and not 2000 <= attrs[key].year <= 2099:
                raise serializers.ValidationError({key: [_("Give a date between 2000 and 2099.")]})
        return attrs


class TallySerializer(serializers.Serializer):
    owed = serializers.IntegerField(help_text=_("done + late + missed + open"))
    done = serializers.IntegerField()
    late = serializers.IntegerField()
    missed = serializers.IntegerField()
    open = serializers.IntegerField()
    excused = serializers.IntegerField()
    rate = serializers.FloatField(
        allow_null=True, help_text=_("(done + late) / owed, or null when nothing is owed.")
    )


class DutyTallySerializer(TallySerializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StageTallySerializer(TallySerializer):
    stage = serializers.CharField(allow_null=True, help_text=_("Null: not owed by a school."))
    stage_display = serializers.CharField()


class MonthTallySerializer(TallySerializer):
    month = serializers.CharField(help_text=_("YYYY-MM of the windows' end."))


class ComplianceSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(help_text=_("When the figures were counted."))
    source = serializers.ChoiceField(
        choices=[("live", "live"), ("summary", "summary")],
        help_text=_(
            "live: counted now; summary: read from the summary refreshed every 30 minutes "
            "(as_of is its time)."
        ),
    )
    today = serializers.DateField(help_text=_("The day (Asia/Shanghai) they are judged on."))
    start = serializers.DateField()
    end = serializers.DateField()
    overall = TallySerializer()
    per_duty = DutyTallySerializer(many=True)
    per_stage = StageTallySerializer(many=True)
    per_month = MonthTallySerializer(many=True)


#: the ``status`` filter's values, the figures of the compliance page
STATUS_FILTER_CHOICES = [(key, key) for key in STATUS_KEYS]
