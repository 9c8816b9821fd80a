"""Serializers of the campaigns API: rows out, and one input serializer per action."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.orgs.choices import SchoolStage

from .. import selectors, services
from ..choices import WEEKDAYS, PhaseKind, SchoolSelection
from ..models import Campaign, CampaignMilestone, CampaignPhase

#: an id: a whole number the database can hold (a larger one is a 400, not a 500)
ID = {"min_value": 1, "max_value": 2**63 - 1}


# --- out ------------------------------------------------------------------------------------------


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignPhase
        fields = ["name", "kind", "starts_on", "ends_on", "weekly_reports"]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignMilestone
        fields = ["name", "due_on"]


class KeyDateSerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField()


class CampaignSerializer(serializers.ModelSerializer):
    """A campaign in the list, with the forms the caller sees and how many are in."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    form_total = serializers.IntegerField(
        read_only=True, help_text="The campaign's forms the caller sees."
    )
    form_done = serializers.IntegerField(
        read_only=True, help_text="Of those, the ones submitted or accepted."
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "bureau",
            "name",
            "doc_number",
            "year",
            "blueprint",
            "status",
            "status_display",
            "catalog_version",
            "forms_due",
            "launched_at",
            "form_total",
            "form_done",
        ]


class CampaignDetailSerializer(serializers.ModelSerializer):
    """A campaign as its page shows it: the plan, the phase now, the next deadline."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    phases = PhaseSerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    school_codes = serializers.SerializerMethodField(
        help_text="The listed schools' codes (when `school_selection` is `list`)."
    )
    key_dates = serializers.SerializerMethodField(
        help_text="Every deadline in date order: the forms deadline, then the key deadlines."
    )
    current_phase = serializers.SerializerMethodField(help_text="The phase today falls in.")
    next_deadline = serializers.SerializerMethodField(help_text="The next deadline from today.")
    schools_in_scope = serializers.SerializerMethodField(
        help_text="A draft: how many schools its launch gives a form. Null once launched."
    )
    past_deadline_warning = serializers.SerializerMethodField(
        help_text="A draft whose forms deadline has passed: launching it makes every school "
        "late at once, so `launch` needs `confirm_past_deadline`. Null otherwise."
    )
    can_manage = serializers.SerializerMethodField(
        help_text="Whether the caller plans, launches and closes this campaign."
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "bureau",
            "name",
            "doc_number",
            "description",
            "year",
            "blueprint",
            "status",
            "status_display",
            "catalog_version",
            "school_selection",
            "stages",
            "school_codes",
            "forms_due",
            "report_week_start",
            "report_due_weekday",
            "phases",
            "milestones",
            "key_dates",
            "current_phase",
            "next_deadline",
            "schools_in_scope",
            "past_deadline_warning",
            "launched_at",
            "created_at",
            "can_manage",
        ]

    def _today(self):
        return self.context.get("today") or timezone.localdate()

    def get_school_codes(self, obj) -> list[str]:
        return selectors.school_codes(obj)

    @extend_schema_field(KeyDateSerializer(many=True))
    def get_key_dates(self, obj) -> list[dict]:
        dates = [{"date": d, "name": n} for d, n in obj.key_dates()]
        return KeyDateSerializer(dates, many=True).data

    @extend_schema_field(PhaseSerializer(allow_null=True))
    def get_current_phase(self, obj):
        phase = obj.current_phase(self._today())
        return PhaseSerializer(phase).data if phase else None

    @extend_schema_field(KeyDateSerializer(allow_null=True))
    def get_next_deadline(self, obj):
        found = obj.next_deadline(self._today())
        return KeyDateSerializer({"date": found[0], "name": found[1]}).data if found else None

    def get_schools_in_scope(self, obj) -> int | None:
        return selectors.schools_in_scope_count(obj) if obj.is_draft else None

    def get_past_deadline_warning(self, obj) -> str | None:
        if obj.is_draft and services.launch_deadline_passed(obj, self._today()):
            return services.past_deadline_warning(obj)
        return None

    def get_can_manage(self, obj) -> bool:
        return obj.bureau_id in self.context.get("manage_bureau_ids", ())


class StageProgressSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Forms by status (every status, 0 when none)."
    )
    total = serializers.IntegerField()


class DepartmentProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Forms holding items the department reviews, by the form's status.",
    )
    total = serializers.IntegerField()
    awaiting = serializers.IntegerField(
        help_text="Submitted forms the department has not yet accepted in their current round."
    )


class CampaignProgressSerializer(serializers.Serializer):
    """The progress figures of the campaign's page, over the forms the caller sees."""

    total = serializers.IntegerField(help_text="The campaign's forms the caller sees.")
    late = serializers.IntegerField(help_text="Of those, the ones late.")
    overall = serializers.DictField(
        child=serializers.IntegerField(), help_text="Forms by status (every status)."
    )
    by_stage = StageProgressSerializer(many=True)
    departments = DepartmentProgressSerializer(many=True)


class TemplateDateSerializer(serializers.Serializer):
    what = serializers.CharField()
    starts = serializers.CharField(help_text="`MM-DD`: shifted to the campaign's year.")
    ends = serializers.CharField(allow_null=True, help_text="`MM-DD` (a phase), else null.")
    given = serializers.BooleanField(
        help_text="The document gives this date; false: the product suggests it."
    )
    weekly_reports = serializers.BooleanField()


def _month_day(md) -> str | None:
    return f"{md[0]:02d}-{md[1]:02d}" if md else None


class CampaignTemplateSerializer(serializers.Serializer):
    """A shipped campaign template the create page offers."""

    key = serializers.CharField()
    label = serializers.CharField()
    name = serializers.CharField(help_text="The campaign's name, after the year.")
    description = serializers.CharField()
    basis = serializers.CharField(help_text="The document and clause the template follows.")
    forms_due = serializers.SerializerMethodField(help_text="`MM-DD`.")
    dates = serializers.SerializerMethodField()

    def get_forms_due(self, obj) -> str:
        return _month_day(obj.forms_due)

    @extend_schema_field(TemplateDateSerializer(many=True))
    def get_dates(self, obj) -> list[dict]:
        return [
            {**d, "starts": _month_day(d["starts"]), "ends": _month_day(d["ends"])}
            for d in obj.dates()
        ]


class LaunchResultSerializer(serializers.Serializer):
    forms_made = serializers.IntegerField(help_text="Forms sent to schools by this launch.")
    campaign = CampaignDetailSerializer()


class JobAcceptedSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    status = serializers.CharField()
    url = serializers.URLField(help_text="Follow the job here.")


# --- in -------------------------------------------------------------------------------------------


class CampaignCreateSerializer(serializers.Serializer):
    """The "new" page's fields."""

    blueprint = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=32,
        help_text="A template's `key` (see `campaign-templates`); empty: a blank campaign.",
    )
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Empty: the template's name after the year (a blank campaign needs one).",
    )
    doc_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    catalog_version = serializers.IntegerField(
        **ID, help_text="A published catalog version of a bureau whose campaigns the caller runs."
    )
    forms_due = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Needed for a blank campaign; a template brings its own dates.",
    )


class PhaseInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=PhaseKind.choices, default=PhaseKind.OTHER)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    weekly_reports = serializers.BooleanField(default=False)


class MilestoneInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    due_on = serializers.DateField()


class CampaignUpdateSerializer(serializers.Serializer):
    """The edit page's fields; any subset. `phases` and `milestones`, when given, replace the
    plan's. After launch the schools and the catalog version are fixed and ignored."""

    name = serializers.CharField(max_length=200)
    doc_number = serializers.CharField(allow_blank=True, max_length=64)
    description = serializers.CharField(allow_blank=True)
    forms_due = serializers.DateField()
    report_week_start = serializers.ChoiceField(choices=WEEKDAYS, allow_null=True)
    report_due_weekday = serializers.ChoiceField(choices=WEEKDAYS, allow_null=True)
    catalog_version = serializers.IntegerField(**ID)
    school_selection = serializers.ChoiceField(choices=SchoolSelection.choices)
    stages = serializers.ListField(child=serializers.ChoiceField(choices=SchoolStage.choices))
    school_codes = serializers.ListField(
        child=serializers.CharField(max_length=32),
        max_length=5000,
        help_text="For `school_selection` `list`: the schools' 10-digit codes.",
    )
    phases = serializers.ListField(child=PhaseInSerializer(), max_length=12)
    milestones = serializers.ListField(child=MilestoneInSerializer(), max_length=12)


class CampaignLaunchSerializer(serializers.Serializer):
    confirm_past_deadline = serializers.BooleanField(
        default=False,
        help_text="Launch a draft whose forms deadline has passed anyway (every school is "
        "late at once).",
    )
