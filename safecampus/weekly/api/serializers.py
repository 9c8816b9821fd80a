"""Serializers of the weekly report API: rows out, and one input serializer per action."""

from __future__ import annotations

from rest_framework import serializers

from ..choices import WeekState
from ..models import DistrictReport, ReportAction, ReportStatus, WeeklyReport, WeeklyReportEvent

#: an id: a whole number the database can hold (a larger one is a 400, not a 500)
ID = {"min_value": 1, "max_value": 2**63 - 1}


# --- weeks --------------------------------------------------------------------------------------


class WeekSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="The week's first day (its key in URLs).")
    end = serializers.DateField(help_text="The week's last day.")
    due = serializers.DateField(help_text="The day the departments' reports are due.")


class WeeklyCampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    status = serializers.CharField(help_text="The campaign's status (`launched`, `closed` …).")
    first_week = WeekSerializer(allow_null=True, help_text="Null: no report week.")
    last_week = WeekSerializer(allow_null=True, help_text="Null: no report week.")


class OwedReportSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign.pk")
    campaign_name = serializers.CharField(source="campaign.name")
    department = serializers.IntegerField(source="department.pk")
    department_name = serializers.CharField(source="department.name")
    week = WeekSerializer()
    state = serializers.ChoiceField(
        choices=WeekState.choices,
        help_text="`on_time`/`late`: submitted; `draft`: opened, not submitted, not yet due; "
        "`missing`: past its due day and not submitted; `not_due`: not opened, not yet due.",
    )
    current = serializers.BooleanField(help_text="True for the week holding today.")
    report = serializers.IntegerField(
        source="report.pk", allow_null=True, help_text="The report's id; null: not opened yet."
    )


# --- the matrix and a week -----------------------------------------------------------------------


class MatrixDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    submitted = serializers.IntegerField(help_text="Weeks this department has submitted.")


class CellSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    department_name = serializers.CharField()
    state = serializers.ChoiceField(choices=WeekState.choices)
    report = serializers.IntegerField(
        allow_null=True, help_text="The report's id when the caller reads it; else null."
    )


class WeekCountsSerializer(serializers.Serializer):
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    draft = serializers.IntegerField()
    missing = serializers.IntegerField()
    not_due = serializers.IntegerField()
    submitted = serializers.IntegerField(help_text="`on_time` + `late`.")


class MatrixWeekSerializer(WeekSerializer):
    current = serializers.BooleanField(help_text="True for the week holding today.")
    counts = WeekCountsSerializer()
    cells = CellSerializer(many=True, help_text="One per department, in `departments`' order.")


class MatrixSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    campaign_name = serializers.CharField()
    today = serializers.DateField()
    departments = MatrixDepartmentSerializer(many=True)
    weeks = MatrixWeekSerializer(many=True)


class DistrictReportSerializer(serializers.ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name")
    compiled_by_name = serializers.CharField(source="compiled_by.display_name")

    class Meta:
        model = DistrictReport
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "week_start",
            "week_end",
            "version",
            "doc_number",
            "compiled_by",
            "compiled_by_name",
            "compiled_at",
        ]


class WeekDetailSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    campaign_name = serializers.CharField()
    week = WeekSerializer()
    cells = CellSerializer(many=True)
    own_departments = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The departments of `cells` whose report the caller writes (opens with `open/`).",
    )
    district_reports = DistrictReportSerializer(
        many=True, help_text="The week's compiled district reports, newest version first."
    )
    can_compile = serializers.BooleanField(
        help_text="True when the caller compiles the district report (`compile/`)."
    )


# --- a department's report ------------------------------------------------------------------------


class WeeklyReportSerializer(serializers.ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name")
    department_name = serializers.CharField(source="department.name")
    status = serializers.ChoiceField(choices=ReportStatus.choices)

    class Meta:
        model = WeeklyReport
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "department",
            "department_name",
            "week_start",
            "week_end",
            "due_on",
            "status",
            "late",
            "created_at",
            "updated_at",
            "submitted_at",
        ]


class WeeklyReportEventSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=ReportAction.choices)
    actor_name = serializers.CharField(source="actor.display_name")

    class Meta:
        model = WeeklyReportEvent
        fields = ["action", "actor", "actor_name", "actor_role", "at", "data"]


class WeeklyReportDetailSerializer(WeeklyReportSerializer):
    submitted_by_name = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField(
        help_text="A submitted report's figures as frozen at submission; a draft's read live "
        "from the register: `totals`, `by_school`, `by_area` (each with `new`, `closed`, "
        "`in_progress`, `overdue`, `hard`, `resolved`, `total`, `major`), `change` since the "
        "previous submitted report (null: none), `previous_week`, `as_of`."
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text="What the caller may do now: `save`, `submit` (empty: read only)."
    )
    events = WeeklyReportEventSerializer(many=True, read_only=True)

    class Meta(WeeklyReportSerializer.Meta):
        fields = [
            *WeeklyReportSerializer.Meta.fields,
            "submitted_by",
            "submitted_by_name",
            "progress",
            "problems",
            "next_plan",
            "figures",
            "allowed_actions",
            "events",
        ]

    def get_submitted_by_name(self, obj) -> str | None:
        return obj.submitted_by.display_name if obj.submitted_by_id else None

    def get_figures(self, obj) -> dict:
        return self.context["figures"]

    def get_allowed_actions(self, obj) -> list[str]:
        return list(self.context["allowed_actions"])


class OpenSerializer(serializers.Serializer):
    department = serializers.IntegerField(
        **ID, help_text="The department whose report it is (one the caller writes for)."
    )


class NarrativeSerializer(serializers.Serializer):
    """The narrative of a report; a field left out keeps its text."""

    progress = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, help_text="Progress this week."
    )
    problems = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, help_text="Problems."
    )
    next_plan = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, help_text="Plan for next week."
    )


# --- the district report --------------------------------------------------------------------------


class CompileSerializer(serializers.Serializer):
    summary = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        help_text="The centre's summary of the week, at the head of the district report.",
    )


class RegisterRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    register = serializers.IntegerField(help_text="The figure in the register.")
    reported = serializers.IntegerField(help_text="The departments' submitted reports summed.")
    change = serializers.IntegerField(
        allow_null=True, help_text="Against the previous week's district report."
    )


class DepartmentRowSerializer(serializers.Serializer):
    department = serializers.CharField()
    submitted = serializers.BooleanField()
    cells = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(allow_null=True)),
        help_text="Per figure (in `register`'s order): [the register's, the report's (null: "
        "not submitted)].",
    )


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DistrictReport
        fields = ["id", "version", "compiled_at"]


class DistrictReportDetailSerializer(DistrictReportSerializer):
    register = RegisterRowSerializer(
        many=True,
        allow_null=True,
        help_text="Each figure of the register beside the reports summed (null: a report "
        "compiled before the register was stated).",
    )
    by_department = DepartmentRowSerializer(many=True, allow_null=True)
    missing = serializers.ListField(
        child=serializers.DictField(),
        help_text="The departments that had not submitted: `department_id`, `department`.",
    )
    versions = VersionSerializer(many=True, help_text="Every version of the week, newest first.")
    link_reports = serializers.BooleanField(
        help_text="True when the caller reads every department's report (the `report_id` of "
        "`departments` opens at `/api/v1/weekly-reports/{id}/`)."
    )

    class Meta(DistrictReportSerializer.Meta):
        fields = [
            *DistrictReportSerializer.Meta.fields,
            "summary",
            "figures",
            "departments",
            "register",
            "by_department",
            "missing",
            "versions",
            "link_reports",
        ]
