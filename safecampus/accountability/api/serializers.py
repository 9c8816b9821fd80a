"""Serializers of the accountability API: rows out, and one input serializer per action.

The choices an input may name (schools, departments, late weekly reports, campaigns, hazards)
come from the same selectors as the pages' forms, so an id outside them is a 400 here as it is
an invalid choice there. The rules (a reason, a deadline for 限期整改, the hazards of the school
concerned, candidates for a consultation …) stay in ``services``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safecampus.campaigns.models import Campaign
from safecampus.core.api import RequiredText
from safecampus.hazards.api.serializers import StatusField as HazardStatusField
from safecampus.hazards.choices import Decision
from safecampus.hazards.models import Hazard
from safecampus.orgs.models import Department, School
from safecampus.weekly.models import WeeklyReport

from .. import selectors, services
from ..access import APPLY, CLOSE, FOLLOW_UP
from ..models import (
    AccountabilityEvent,
    AccountabilityRecord,
    Consultation,
    ConsultationItem,
    ConsultationKind,
    RecordBasis,
    RecordKind,
)

#: an id: a whole number the database can hold (a larger one is a 400, not a 500)
ID = {"min_value": 1, "max_value": 2**63 - 1}

RECORD_ACTIONS = [(FOLLOW_UP, _("Record a follow-up")), (CLOSE, _("Close the record"))]
CONSULTATION_ACTIONS = [(APPLY, _("Apply the decisions"))]


# --- accountability records: out ---------------------------------------------------------------


class AccountabilityRecordSerializer(serializers.ModelSerializer):
    """A row of the list."""

    school_name = serializers.CharField(
        source="school.name", default=None, allow_null=True, read_only=True
    )
    department_name = serializers.CharField(
        source="department.name", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = AccountabilityRecord
        fields = [
            "id",
            "bureau",
            "kind",
            "status",
            "basis",
            "school",
            "school_name",
            "department",
            "department_name",
            "reason",
            "deadline",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields


class AccountabilityRecordEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True)

    class Meta:
        model = AccountabilityEvent
        fields = ["id", "action", "actor", "actor_name", "actor_role", "at", "comment", "data"]
        read_only_fields = fields


class AccountabilityRecordHazardSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    status = HazardStatusField(read_only=True)

    class Meta:
        model = Hazard
        fields = ["id", "code", "school", "school_name", "status", "deadline"]
        read_only_fields = fields


class AccountabilityRecordDetailSerializer(AccountabilityRecordSerializer):
    """A record with its history, the hazards concerned the caller may see, and the steps the
    caller may take now."""

    opened_by = serializers.IntegerField(source="opened_by_id", read_only=True)
    opened_by_name = serializers.CharField(source="opened_by.display_name", read_only=True)
    weekly_report = serializers.IntegerField(
        source="weekly_report_id", allow_null=True, read_only=True
    )
    spot_check_item = serializers.IntegerField(
        source="spot_check_item_id", allow_null=True, read_only=True
    )
    hazards = AccountabilityRecordHazardSerializer(
        source="visible_hazards", many=True, read_only=True
    )
    events = AccountabilityRecordEventSerializer(source="events_list", many=True, read_only=True)
    allowed_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=RECORD_ACTIONS),
        read_only=True,
        help_text="The steps the caller may take now (`follow_up`, `close`), as the page's "
        "buttons.",
    )

    class Meta(AccountabilityRecordSerializer.Meta):
        fields = [
            *AccountabilityRecordSerializer.Meta.fields,
            "opened_by",
            "opened_by_name",
            "weekly_report",
            "spot_check_item",
            "hazards",
            "events",
            "allowed_actions",
        ]
        read_only_fields = fields


# --- accountability records: in ----------------------------------------------------------------


class AccountabilityRecordCreateSerializer(serializers.Serializer):
    """Open a record (the page's form): against a school and/or a department of a bureau the
    caller manages. Needs ``context["user"]`` and ``context["bureau_ids"]``."""

    kind = serializers.ChoiceField(choices=RecordKind.choices)
    basis = serializers.ChoiceField(choices=RecordBasis.choices)
    school = serializers.PrimaryKeyRelatedField(
        queryset=School.objects.none(), required=False, allow_null=True, default=None
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.none(), required=False, allow_null=True, default=None
    )
    reason = serializers.CharField()
    hazard_codes = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        default=list,
        help_text="Codes of the hazards concerned (of the school or department named).",
    )
    weekly_report = serializers.PrimaryKeyRelatedField(
        queryset=WeeklyReport.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A late weekly report the record is opened on.",
    )
    deadline = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Rectify by; required for `deadline` (限期整改).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" not in self.context:  # the schema's instance
            return
        user, bureau_ids = self.context["user"], self.context["bureau_ids"]
        self.fields["school"].queryset = selectors.record_schools(user=user, bureau_ids=bureau_ids)
        self.fields["department"].queryset = selectors.record_departments(
            user=user, bureau_ids=bureau_ids
        )
        self.fields["weekly_report"].queryset = selectors.record_weekly_reports(
            user=user, bureau_ids=bureau_ids
        )

    def validate_hazard_codes(self, codes):
        try:
            return selectors.hazards_by_code(
                user=self.context["user"],
                bureau_ids=self.context["bureau_ids"],
                codes=[c.strip() for c in codes],
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class AccountabilityRecordStepSerializer(serializers.Serializer):
    comment = RequiredText(
        allow_blank=True,
        help_text="What was done (督促、复查、整改情况); absent or blank: refused "
        "`comment_required`.",
    )


# --- consultations: out ------------------------------------------------------------------------


class ConsultationSerializer(serializers.ModelSerializer):
    """A row of the list."""

    campaign_name = serializers.CharField(
        source="campaign.name", default=None, allow_null=True, read_only=True
    )
    n_items = serializers.IntegerField(
        read_only=True, help_text="The hazards discussed that the caller may see."
    )

    class Meta:
        model = Consultation
        fields = [
            "id",
            "bureau",
            "kind",
            "title",
            "held_on",
            "location",
            "status",
            "campaign",
            "campaign_name",
            "n_items",
            "decided_at",
        ]
        read_only_fields = fields


class ConsultationItemSerializer(serializers.ModelSerializer):
    hazard_code = serializers.CharField(source="hazard.code", read_only=True)
    hazard_status = HazardStatusField(source="hazard.status", read_only=True)
    hazard_deadline = serializers.DateField(source="hazard.deadline", read_only=True)
    school_name = serializers.CharField(source="hazard.school.name", read_only=True)
    responsible_department_name = serializers.CharField(
        source="hazard.responsible_department.name", default=None, allow_null=True, read_only=True
    )
    department_name = serializers.CharField(
        source="department.name", default=None, allow_null=True, read_only=True
    )
    decisions = serializers.ListField(
        child=serializers.ChoiceField(choices=Decision.choices), read_only=True
    )

    class Meta:
        model = ConsultationItem
        fields = [
            "id",
            "hazard",
            "hazard_code",
            "hazard_status",
            "hazard_deadline",
            "school_name",
            "responsible_department_name",
            "reason",
            "decisions",
            "department",
            "department_name",
            "deadline",
            "comment",
            "applied_at",
        ]
        read_only_fields = fields


class ConsultationDepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]
        read_only_fields = fields


class ConsultationDetailSerializer(ConsultationSerializer):
    """A consultation with the items the caller may see (a department reads only those on its
    hazards) and, for who applies the decisions, the departments a decision may name."""

    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True, read_only=True)
    items = ConsultationItemSerializer(source="visible_items", many=True, read_only=True)
    departments = ConsultationDepartmentSerializer(
        source="decision_departments",
        many=True,
        read_only=True,
        help_text="The departments a decision may name (empty unless the caller may apply).",
    )
    allowed_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=CONSULTATION_ACTIONS),
        read_only=True,
        help_text="`apply` when the caller may apply the decisions now.",
    )

    class Meta(ConsultationSerializer.Meta):
        fields = [
            *ConsultationSerializer.Meta.fields,
            "attendees",
            "notes",
            "created_by",
            "created_at",
            "decided_by",
            "items",
            "departments",
            "allowed_actions",
        ]
        read_only_fields = fields


class ConsultationCandidateSerializer(serializers.ModelSerializer):
    """A hazard that may be discussed at a new consultation."""

    school_name = serializers.CharField(source="school.name", read_only=True)
    responsible_department_name = serializers.CharField(
        source="responsible_department.name", default=None, allow_null=True, read_only=True
    )
    status = HazardStatusField(read_only=True)
    reason = serializers.SerializerMethodField(help_text="`hard` or `disputed`.")

    class Meta:
        model = Hazard
        fields = [
            "id",
            "code",
            "bureau",
            "school",
            "school_name",
            "status",
            "responsible_department",
            "responsible_department_name",
            "responsibility_disputed",
            "deadline",
            "reason",
        ]
        read_only_fields = fields

    def get_reason(self, hazard) -> str:
        return services.item_reason(hazard)


# --- consultations: in -------------------------------------------------------------------------


class ConsultationCreateSerializer(serializers.Serializer):
    """Plan a consultation (the page's form). Needs ``context["user"]`` and
    ``context["bureau_ids"]`` (the bureaus whose consultations the caller holds)."""

    kind = serializers.ChoiceField(choices=ConsultationKind.choices)
    title = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attendees = serializers.CharField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.none(), required=False, allow_null=True, default=None
    )
    hazards = serializers.PrimaryKeyRelatedField(
        queryset=Hazard.objects.none(),
        many=True,
        help_text="Ids of the hazards to discuss, from `GET /api/v1/consultations/candidates/`.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" not in self.context:  # the schema's instance
            return
        user, bureau_ids = self.context["user"], self.context["bureau_ids"]
        self.fields["campaign"].queryset = selectors.consultation_campaigns(
            user=user, bureau_ids=bureau_ids
        )
        # any hazard the caller sees in its bureaus: whether it is a candidate is the
        # service's to say (`not_candidate`)
        self.fields["hazards"].child_relation.queryset = selectors.consultation_hazards(
            user=user, bureau_ids=bureau_ids
        )


class ConsultationItemDecisionSerializer(serializers.Serializer):
    """The decision on one hazard of the consultation (one item)."""

    item = serializers.IntegerField(**ID, help_text="The item's id (`items[].id` of the detail).")
    decisions = serializers.ListField(
        child=serializers.ChoiceField(choices=Decision.choices), required=False, default=list
    )
    department = serializers.IntegerField(
        **ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="The department named (`new_department`), one of the detail's `departments`.",
    )
    deadline = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="The new deadline."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ConsultationApplySerializer(serializers.Serializer):
    """The decisions on the consultation's hazards, all at once (the page's one form). Needs
    ``context["items"]`` (the items the caller sees) and ``context["departments"]``."""

    items = ConsultationItemDecisionSerializer(many=True)

    def validate_items(self, rows):
        items = {item.pk for item in self.context["items"]}
        departments = {d.pk: d for d in self.context["departments"]}
        seen: set[int] = set()
        decisions: dict[int, dict] = {}
        for row in rows:
            if row["item"] not in items:
                raise serializers.ValidationError(
                    _("Not a hazard of this consultation: item %(id)s") % {"id": row["item"]}
                )
            if row["item"] in seen:
                raise serializers.ValidationError(
                    _("The decision on item %(id)s is given twice.") % {"id": row["item"]}
                )
            seen.add(row["item"])
            department = row["department"]
            if department is not None and department not in departments:
                raise serializers.ValidationError(
                    _("Choose a department of the consultation's bureau.")
                )
            decisions[row["item"]] = {
                "decisions": row["decisions"],
                "department": departments.get(department) if department is not None else None,
                "deadline": row["deadline"],
                "comment": row["comment"],
            }
        return decisions
