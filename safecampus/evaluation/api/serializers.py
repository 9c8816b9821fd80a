"""Serializers of the evaluation API: what the evaluation pages show, and one input serializer
per action."""

from __future__ import annotations

from rest_framework import serializers

from safecampus.hazards.choices import Summary

from ..models import CampaignArchive, SummaryConfirmation

#: an id: a whole number the database can hold (a larger one is a 400, not a 500)
ID = {"min_value": 1, "max_value": 2**63 - 1}


class EvaluationPhaseSerializer(serializers.Serializer):
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class ArchiveBriefSerializer(serializers.ModelSerializer):
    archived_by = serializers.CharField(source="archived_by.display_name", read_only=True)
    archived_role = serializers.CharField(read_only=True, help_text="The role archived as.")

    class Meta:
        model = CampaignArchive
        fields = [
            "id",
            "archived_at",
            "archived_by",
            "archived_role",
            "doc_number",
            "override_reason",
            "totals",
        ]


class EvaluationCampaignSerializer(serializers.Serializer):
    """A campaign as the list of campaigns in evaluation shows it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    status = serializers.CharField()
    evaluation_phase = EvaluationPhaseSerializer(allow_null=True)
    feedback_due = serializers.DateField(allow_null=True)
    archived = ArchiveBriefSerializer(allow_null=True)


class ProgressRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="The department (null: none).")
    name = serializers.CharField()
    total = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    stale = serializers.IntegerField(help_text="Confirmed, but the register changed since.")
    pending = serializers.IntegerField()
    resolved = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    hard = serializers.IntegerField()
    late = serializers.BooleanField(help_text="Hazards still to confirm after the deadline.")


class ProgressTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    stale = serializers.IntegerField()
    pending = serializers.IntegerField()
    resolved = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    hard = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    departments = ProgressRowSerializer(many=True)
    totals = ProgressTotalsSerializer()
    deadline = serializers.DateField(allow_null=True, help_text="The feedback deadline.")
    past_deadline = serializers.BooleanField()


class ReadinessSerializer(serializers.Serializer):
    forms_open = serializers.IntegerField()
    forms_total = serializers.IntegerField()
    hazards_unconfirmed = serializers.IntegerField()
    hazards_total = serializers.IntegerField()
    weekly_missing = serializers.IntegerField()
    deadline = serializers.DateField(allow_null=True)
    deadline_passed = serializers.BooleanField()
    items = serializers.ListField(
        child=serializers.DictField(), help_text="What is still incomplete, one item per kind."
    )
    complete = serializers.BooleanField()


class EvaluationNamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EvaluationSerializer(serializers.Serializer):
    """A campaign's evaluation as its page shows it above the confirmation list."""

    campaign = EvaluationCampaignSerializer()
    phase = EvaluationPhaseSerializer(allow_null=True)
    progress = ProgressSerializer()
    can_confirm = serializers.BooleanField()
    closed_reason = serializers.CharField(
        allow_null=True, help_text="Why confirmations are not taken now (null: they are)."
    )
    can_archive = serializers.BooleanField()
    readiness = ReadinessSerializer(
        allow_null=True, help_text="What is incomplete; for the centre before archiving only."
    )
    archive = ArchiveBriefSerializer(allow_null=True)
    can_draft_summary = serializers.BooleanField()
    material_departments = EvaluationNamedSerializer(many=True)


class ConfirmationSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", read_only=True)

    class Meta:
        model = SummaryConfirmation
        fields = [
            "id",
            "derived",
            "category",
            "complete_by",
            "note",
            "actor",
            "actor_role",
            "at",
        ]


class ConfirmationRowSerializer(serializers.Serializer):
    """A hazard of the confirmation list, with its latest confirmation."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    description = serializers.CharField()
    school = serializers.CharField(source="school.name")
    department = EvaluationNamedSerializer(source="responsible_department", allow_null=True)
    status = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    derived = serializers.ChoiceField(choices=Summary.choices)
    latest = ConfirmationSerializer(allow_null=True)
    stale = serializers.BooleanField(help_text="The register changed since the confirmation.")


class ConfirmationRowFilterSerializer(serializers.Serializer):
    department = serializers.IntegerField(required=False, **ID)
    state = serializers.ChoiceField(
        choices=[("pending", "pending"), ("confirmed", "confirmed")], required=False
    )
    category = serializers.ChoiceField(choices=Summary.choices, required=False)


class EvaluationHazardSerializer(serializers.Serializer):
    """One hazard: its confirmations so far, and whether the caller confirms it."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    description = serializers.CharField()
    campaign = serializers.IntegerField(source="campaign_id")
    school = serializers.CharField(source="school.name")
    department = EvaluationNamedSerializer(source="responsible_department", allow_null=True)
    status = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    derived = serializers.ChoiceField(choices=Summary.choices, source="summary")
    history = ConfirmationSerializer(many=True)
    can_confirm = serializers.BooleanField()
    closed_reason = serializers.CharField(allow_null=True)


class ConfirmInputSerializer(serializers.Serializer):
    as_derived = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Confirm the category the register gives, with the hazard's deadline "
        "(`category`, `complete_by` and `note` are then ignored).",
    )
    category = serializers.ChoiceField(choices=Summary.choices, required=False)
    complete_by = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Needed when it is being resolved (`in_progress`); not in the past.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Needed when the category differs from the one the register gives.",
    )


class ConfirmAllInputSerializer(serializers.Serializer):
    department = serializers.IntegerField(
        required=False, allow_null=True, help_text="Only this department's hazards.", **ID
    )


class ConfirmAllResultSerializer(serializers.Serializer):
    confirmed = serializers.IntegerField()
    skipped = serializers.ListField(
        child=serializers.CharField(),
        help_text="Codes of hazards being resolved whose deadline is missing or past: give "
        "their completion date one by one.",
    )


class ArchiveInputSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Needed before the feedback deadline: why the campaign is archived early.",
    )


class ArchiveSerializer(serializers.Serializer):
    """The archive as it was frozen: its record, the totals and the tables of the summary."""

    archive = ArchiveBriefSerializer()
    campaign = EvaluationNamedSerializer()
    totals = serializers.DictField()
    tables = serializers.DictField(help_text="The tables of the archive page and the summary.")
    incomplete = serializers.DictField(help_text="What was incomplete when it was archived.")


class ArchiveHazardFilterSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Summary.choices, required=False)
    department = serializers.CharField(required=False, help_text="The department's name.")


class ArchivedHazardPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = serializers.ListField(
        child=serializers.DictField(), help_text="The hazards as the snapshot holds them."
    )


class EvaluationJobSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    status = serializers.CharField()
    url = serializers.URLField(help_text="Follow the job here.")
