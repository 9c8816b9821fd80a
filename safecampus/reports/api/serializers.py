"""Serializers of the dashboard API: the filters in, the figures out."""

from __future__ import annotations

from rest_framework import serializers

ID = {"min_value": 1, "max_value": 2**63 - 1}


class DashboardFiltersSerializer(serializers.Serializer):
    """The dashboard's filters, as its page takes them (checked by the page's filter form)."""

    campaign = serializers.CharField(
        required=False,
        help_text="A campaign's id, `current` (launched and not closed), or empty (every "
        "hazard, any campaign or none).",
    )
    found_from = serializers.DateField(required=False)
    found_to = serializers.DateField(required=False)
    bureau = serializers.IntegerField(
        required=False, help_text="One of the caller's bureaus.", **ID
    )
    stage = serializers.CharField(required=False, help_text="A school type.")
    department = serializers.IntegerField(
        required=False,
        help_text="A department officer's dashboard: one of their departments (the first "
        "when they have no bureau-wide role and give none).",
        **ID,
    )


class DashboardNamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DashboardFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.IntegerField()
    url = serializers.CharField(help_text="The register filtered to the same rows, or a page.")
    in_register = serializers.BooleanField()
    tone = serializers.CharField()


class WaitingDepartmentSerializer(serializers.Serializer):
    department = DashboardNamedSerializer()
    figures = DashboardFigureSerializer(many=True)
    total = serializers.IntegerField()


class ReportDueSerializer(serializers.Serializer):
    label = serializers.CharField()
    week_start = serializers.DateField()
    due = serializers.DateField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    url = serializers.CharField()


class WaitingSerializer(serializers.Serializer):
    """What waits for a department officer's action."""

    departments = WaitingDepartmentSerializer(many=True)
    reports = ReportDueSerializer(many=True)
    forms = DashboardFigureSerializer()
    total = serializers.IntegerField()
    weekly_url = serializers.CharField()


class SnapshotStateSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(allow_null=True, help_text="Null: not counted yet.")
    refreshing = serializers.BooleanField(help_text="A count is running now.")
    ready = serializers.BooleanField(help_text="Counted, and no count is running.")
    job = serializers.IntegerField(
        allow_null=True, help_text="The counting job, followed at `/api/v1/jobs/{id}/`."
    )
    percent = serializers.IntegerField(allow_null=True, help_text="The job's progress, 0–100.")


class DashboardSerializer(serializers.Serializer):
    title = serializers.CharField()
    department = DashboardNamedSerializer(allow_null=True, help_text="A department's dashboard.")
    filters = serializers.DictField(
        child=serializers.CharField(), help_text="The filters applied, as register parameters."
    )
    as_of = serializers.DateTimeField(
        help_text="When the figures were counted: now when counted live, else the snapshot's."
    )
    live = serializers.BooleanField(
        help_text="Counted live (a small scope); false: read from a snapshot."
    )
    snapshot = SnapshotStateSerializer(allow_null=True)
    figures = serializers.DictField(
        allow_null=True,
        help_text="Every figure of the dashboard page (dates as ISO strings); null while the "
        "first count of a snapshot runs (follow `snapshot.job`).",
    )
    waiting = WaitingSerializer(allow_null=True, help_text="For a department officer.")


class MapSerializer(serializers.Serializer):
    points = serializers.ListField(
        child=serializers.ListField(),
        help_text="`[school id, name, longitude, latitude, open hazards, worst open colour]`.",
    )
    url = serializers.CharField(
        required=False, help_text="The register of a point: this plus `school=<id>`."
    )
    pending = serializers.BooleanField(required=False, help_text="The snapshot is not counted.")


class SchoolHazardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    description = serializers.CharField()
    area = serializers.CharField(source="area.name", allow_null=True, default=None)
    item_code = serializers.CharField()
    status = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)


class OpenHazardSerializer(SchoolHazardSerializer):
    days_left = serializers.IntegerField(allow_null=True)
    days_late = serializers.IntegerField()


class ReturnedHazardSerializer(SchoolHazardSerializer):
    returned_at = serializers.DateTimeField(allow_null=True)
    return_reason = serializers.CharField(allow_null=True)


class ClosedHazardSerializer(SchoolHazardSerializer):
    closed_on = serializers.DateField(allow_null=True)
    days_taken = serializers.IntegerField(allow_null=True)


class SchoolFormSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.CharField(source="campaign.name")
    forms_due = serializers.DateField(source="campaign.forms_due")
    status = serializers.CharField()
    overdue = serializers.BooleanField()
    returned_reason = serializers.CharField(allow_blank=True, required=False)


class OverdueDutySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    duty = serializers.CharField(source="duty.name")
    grace_end = serializers.DateField()


class SchoolDashboardSerializer(serializers.Serializer):
    """The school dashboard as its page shows it."""

    school = DashboardNamedSerializer()
    today = serializers.DateField()
    year_start = serializers.DateField()
    figures = DashboardFigureSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    open_hazards = OpenHazardSerializer(many=True)
    open_more = serializers.BooleanField()
    open_all_url = serializers.CharField()
    returned = ReturnedHazardSerializer(many=True)
    forms_to_fill = SchoolFormSerializer(many=True)
    forms_returned = SchoolFormSerializer(many=True)
    history = ClosedHazardSerializer(many=True)
    closed_all_url = serializers.CharField()
    duties = serializers.ListField(child=serializers.DictField())
    duties_url = serializers.CharField()
    duties_overdue = OverdueDutySerializer(many=True)


class DashboardJobSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    status = serializers.CharField()
    url = serializers.URLField(help_text="Follow the job here.")
