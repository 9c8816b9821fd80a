"""Serializers of the review and on-site inspection API: rows out, and one input serializer per
action (see ``reviews``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safecampus.core.api import RequiredText

from ..choices import Answer
from ..models import FormReview, InspectionForm, SiteFinding, SiteInspection

#: an id: a whole number the database can hold (a larger one is a 400, not a 500)
ID = {"min_value": 1, "max_value": 2**63 - 1}
#: the most findings one inspection records (the shipped catalog has 168 items)
MAX_FINDINGS = 1000


# --- the review queue and a review --------------------------------------------------------------


class ReviewQueueFormSerializer(serializers.ModelSerializer):
    """A form awaiting the caller's department's review, with the columns of the queue page."""

    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)
    school_code = serializers.CharField(source="school.code", read_only=True)
    school_stage = serializers.CharField(source="school.stage", read_only=True)

    class Meta:
        model = InspectionForm
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "school",
            "school_name",
            "school_code",
            "school_stage",
            "status",
            "late",
            "round",
            "item_count",
            "answered_count",
            "non_compliant_count",
            "submitted_at",
        ]


class DepartmentReviewSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = FormReview
        fields = [
            "department",
            "department_name",
            "round",
            "decision",
            "reason",
            "by",
            "by_name",
            "at",
        ]

    def get_by_name(self, obj) -> str:
        return obj.by.get_full_name() or obj.by.get_username()


class ReviewedFormSerializer(serializers.ModelSerializer):
    """A form after a department's decision: its status and every review so far."""

    reviews = serializers.SerializerMethodField()

    class Meta:
        model = InspectionForm
        fields = ["id", "status", "round", "returned_reason", "accepted_at", "reviews"]

    def get_reviews(self, obj) -> DepartmentReviewSerializer(many=True):
        return DepartmentReviewSerializer(self.context.get("reviews", []), many=True).data


class FormAcceptSerializer(serializers.Serializer):
    department = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The department whose part is accepted (the page's review panel has one "
        "section per department). Absent: every department the caller reviews this form for "
        "and that has not reviewed this submission yet.",
        **ID,
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="An optional comment."
    )


class FormReturnSerializer(serializers.Serializer):
    department = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The department returning the form (one section of the page's review "
        "panel). Absent: every department the caller reviews this form for and that has not "
        "reviewed this submission yet.",
        **ID,
    )
    reason = RequiredText(
        allow_blank=True,
        help_text="Why the form goes back, so the school knows what to change. Absent or "
        "blank: the return is refused (`reason_required`).",
    )


# --- on-site inspections -----------------------------------------------------------------------


class SiteInspectionSerializer(serializers.ModelSerializer):
    campaign_name = serializers.SerializerMethodField()
    school_name = serializers.CharField(source="school.name", read_only=True)
    department_name = serializers.SerializerMethodField()

    class Meta:
        model = SiteInspection
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "school",
            "school_name",
            "department",
            "department_name",
            "inspected_on",
            "inspectors",
            "summary",
            "created_by",
            "created_at",
        ]

    def get_campaign_name(self, obj) -> str | None:
        return obj.campaign.name if obj.campaign_id else None

    def get_department_name(self, obj) -> str | None:
        return obj.department.name if obj.department_id else None


class SiteFindingSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_text = serializers.CharField(source="item.text", read_only=True)
    hazard_code = serializers.SerializerMethodField()

    class Meta:
        model = SiteFinding
        fields = ["id", "item", "item_code", "item_text", "answer", "note", "hazard", "hazard_code"]

    def get_hazard_code(self, obj) -> str | None:
        return obj.hazard.code if obj.hazard_id else None


class SiteInspectionDetailSerializer(SiteInspectionSerializer):
    findings = serializers.SerializerMethodField()

    class Meta(SiteInspectionSerializer.Meta):
        fields = [*SiteInspectionSerializer.Meta.fields, "findings"]

    def get_findings(self, obj) -> SiteFindingSerializer(many=True):
        return SiteFindingSerializer(self.context.get("findings", []), many=True).data


class SiteFindingInputSerializer(serializers.Serializer):
    """One checked item, as a card of the page: its result and, when non-compliant, the
    hazard's description, plan, deadline and responsible person (and the interim measures of a
    major item)."""

    item = serializers.IntegerField(help_text="A check item of the campaign's catalog.", **ID)
    answer = serializers.ChoiceField(choices=Answer.choices)
    note = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    plan = serializers.CharField(required=False, allow_blank=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    responsible_person = serializers.CharField(required=False, allow_blank=True)
    interim_measures = serializers.CharField(required=False, allow_blank=True)


class SiteInspectionCreateSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(help_text="The campaign the inspection belongs to.", **ID)
    school = serializers.IntegerField(
        help_text="A school of the campaign (one with a form) that the caller sees.", **ID
    )
    inspected_on = serializers.DateField(
        required=False, allow_null=True, help_text="Absent: today."
    )
    inspectors = RequiredText(
        max_length=200,
        allow_blank=True,
        help_text="Who inspected; absent or blank: refused `invalid` on `inspectors`.",
    )
    summary = serializers.CharField(required=False, allow_blank=True)
    department = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The department inspecting: the caller's own (any of the bureau's for the "
        "safety centre).",
        **ID,
    )
    findings = SiteFindingInputSerializer(
        many=True, help_text="The items checked; each non-compliant one becomes a hazard."
    )

    def validate_findings(self, value):
        items = [f["item"] for f in value]
        if len(items) > MAX_FINDINGS:
            raise serializers.ValidationError(
                _("At most %(n)s items in one inspection.") % {"n": MAX_FINDINGS}
            )
        if len(set(items)) != len(items):
            raise serializers.ValidationError(_("Record each item only once."))
        return value


# --- what recording an inspection offers -------------------------------------------------------


class SiteInspectionNewQuerySerializer(serializers.Serializer):
    campaign = serializers.IntegerField(help_text="The campaign.", **ID)
    school = serializers.IntegerField(
        required=False, help_text="The school chosen: its items are listed.", **ID
    )


class InspectionChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class InspectionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    text = serializers.CharField()
    area_code = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    default_level = serializers.CharField(
        help_text="`major`: a non-compliant finding needs `interim_measures`."
    )
    department = serializers.IntegerField(
        source="department_at_school.pk",
        allow_null=True,
        default=None,
        help_text="The department that takes this item at the chosen school (routed by the "
        "school's stage or the item's subject, else its first responsible department), as on "
        "the school's form; null if none.",
    )
    department_name = serializers.CharField(
        source="department_at_school.name", allow_null=True, default=None
    )


class SiteInspectionNewSerializer(serializers.Serializer):
    schools = InspectionChoiceSerializer(
        many=True, help_text="The campaign's schools the caller sees."
    )
    departments = InspectionChoiceSerializer(
        many=True, help_text="The departments the caller records an inspection for."
    )
    school = InspectionChoiceSerializer(allow_null=True, help_text="The school chosen, if any.")
    items = InspectionItemSerializer(
        many=True, help_text="The chosen school's check items (none without a school)."
    )
