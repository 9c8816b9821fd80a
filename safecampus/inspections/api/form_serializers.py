"""Serializers of the form-filling API: forms, their sections, items and answers out, and one
input serializer per action (save answers, mark a section, upload evidence, import workbooks)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.orgs.choices import SchoolStage

from ..choices import FormStatus
from ..models import FormAnswer, FormEvent, FormEvidence, FormReview, InspectionForm

#: an id: a whole number the database can hold (a larger one is a 400, not a 500)
ID = {"min_value": 1, "max_value": 2**63 - 1}


# --- out ------------------------------------------------------------------------------------------


class _Ref(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FormSchoolSerializer(_Ref):
    code = serializers.CharField()
    stage = serializers.CharField()


class FormCampaignSerializer(_Ref):
    year = serializers.IntegerField()
    status = serializers.CharField()
    forms_due = serializers.DateField()


class FormSerializer(serializers.ModelSerializer):
    """A form as the list shows it."""

    campaign = FormCampaignSerializer(read_only=True)
    school = FormSchoolSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = InspectionForm
        fields = [
            "id",
            "campaign",
            "school",
            "status",
            "status_label",
            "item_count",
            "answered_count",
            "non_compliant_count",
            "round",
            "first_submitted_at",
            "submitted_at",
            "late",
            "returned_reason",
            "accepted_at",
            "updated_at",
        ]
        read_only_fields = fields


class FormEvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where to download the file.")
    thumbnail_url = serializers.SerializerMethodField(
        help_text="Where to download the photo's thumbnail; null for a document."
    )

    class Meta:
        model = FormEvidence
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
            "url",
            "thumbnail_url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("api-form-evidence-detail", args=[obj.pk])

    def get_thumbnail_url(self, obj) -> str | None:
        if not obj.thumbnail:
            return None
        return reverse("api-form-evidence-detail", args=[obj.pk]) + "?thumbnail=1"


class AnswerItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    text = serializers.CharField()
    guidance = serializers.CharField()
    default_level = serializers.CharField()


class AnswerHazardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    status = serializers.CharField()


class AnswerSerializer(serializers.ModelSerializer):
    """One item of a form with the school's answer and its evidence."""

    item = AnswerItemSerializer(read_only=True)
    department = _Ref(read_only=True, allow_null=True)
    hazard = AnswerHazardSerializer(read_only=True, allow_null=True)
    seq = serializers.IntegerField(
        source="client_seq",
        read_only=True,
        help_text="The sequence number of the change last saved (see `seq` of a saved row).",
    )
    evidence = FormEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = FormAnswer
        fields = [
            "id",
            "item",
            "department",
            "answer",
            "note",
            "description",
            "plan",
            "deadline",
            "responsible_person",
            "na_reason",
            "interim_measures",
            "hazard",
            "seq",
            "evidence",
            "updated_at",
        ]
        read_only_fields = fields


class SectionSerializer(serializers.Serializer):
    """A section of the form: one risk area's items."""

    id = serializers.IntegerField(help_text="The risk area's id (the section's id).")
    code = serializers.CharField()
    name = serializers.CharField()
    unanswered = serializers.IntegerField(help_text="Items of the section still unanswered.")
    answers = AnswerSerializer(many=True)


class FormReviewSerializer(serializers.ModelSerializer):
    department = _Ref(read_only=True)
    by = serializers.CharField(source="by.display_name", read_only=True)

    class Meta:
        model = FormReview
        fields = ["id", "department", "round", "decision", "reason", "by", "at"]
        read_only_fields = fields


class FormEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", read_only=True)
    actor_role = serializers.CharField(
        read_only=True,
        help_text="The role the actor acted in (`school_officer` …); blank when "
        "the role was not recorded.",
    )
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = FormEvent
        fields = ["id", "action", "action_label", "actor", "actor_role", "at", "comment", "data"]
        read_only_fields = fields


class FormDetailSerializer(FormSerializer):
    """A form with its sections, items and answers, what the caller may do, its reviews and
    its history."""

    actions = serializers.SerializerMethodField(
        help_text="The moves of the form's lifecycle the caller's roles allow now (`save`, "
        "`submit`, `accept`, `return`)."
    )
    can_fill = serializers.SerializerMethodField(
        help_text="Whether the caller may change the answers now (the page's editable cards)."
    )
    sections = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta(FormSerializer.Meta):
        fields = [*FormSerializer.Meta.fields, "actions", "can_fill", "sections"]
        fields += ["reviews", "events"]
        read_only_fields = fields

    def get_actions(self, obj) -> list[str]:
        return list(self.context["actions"])

    def get_can_fill(self, obj) -> bool:
        return self.context["can_fill"]

    @extend_schema_field(SectionSerializer(many=True))
    def get_sections(self, obj):
        return SectionSerializer(self.context["sections"], many=True).data

    @extend_schema_field(FormReviewSerializer(many=True))
    def get_reviews(self, obj):
        return FormReviewSerializer(self.context["reviews"], many=True).data

    @extend_schema_field(FormEventSerializer(many=True))
    def get_events(self, obj):
        return FormEventSerializer(self.context["events"], many=True).data


class SaveResultSerializer(serializers.Serializer):
    form = FormSerializer()
    changed = serializers.IntegerField(help_text="How many answers changed.")
    stale = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Answers whose row arrived with a `seq` older than the one saved: skipped, "
        "the newer answer was kept (it is in `answers`).",
    )
    answers = AnswerSerializer(many=True, help_text="The rows sent, as they now stand.")


class SectionResultSerializer(serializers.Serializer):
    form = FormSerializer()
    marked = serializers.ListField(
        child=serializers.CharField(),
        help_text="The codes of the items marked compliant (empty: all were already answered).",
    )


class SubmitResultSerializer(serializers.Serializer):
    form = FormSerializer()
    created = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the hazards entered in the register."
    )
    created_ids = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Ids of the hazards entered in the register (`/api/v1/hazards/{id}/`), in the "
        "order of `created`.",
    )
    updated = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of hazards of an earlier round updated."
    )
    withdrawn = serializers.ListField(
        child=serializers.CharField(),
        help_text="Codes of hazards withdrawn (their item is no longer non-compliant).",
    )


# --- in -------------------------------------------------------------------------------------------


class AnswerRowSerializer(serializers.Serializer):
    """One item's answer as sent: only the fields given change."""

    id = serializers.IntegerField(help_text="The answer's id (an item of this form).", **ID)
    answer = serializers.CharField(
        allow_blank=True,
        required=False,
        help_text="`compliant`, `non_compliant`, `not_applicable`, or empty (unanswered).",
    )
    note = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    description = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    plan = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    deadline = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        required=False,
        help_text="The rectification deadline, `2026-03-20` (also `2026/3/20`, `2026年3月20日`); "
        "empty or null clears it.",
    )
    responsible_person = serializers.CharField(
        allow_blank=True, required=False, trim_whitespace=False
    )
    na_reason = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    interim_measures = serializers.CharField(
        allow_blank=True, required=False, trim_whitespace=False
    )
    seq = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**62 - 1,
        help_text="The client's sequence number of this change (a timestamp in ms that only "
        "grows on the device), as the page's autosave sends it. A row with a lower `seq` than "
        "the one last saved for the item arrived late and is skipped (listed in `stale`); "
        "without it the row is applied as it comes.",
    )


class AnswersSaveSerializer(serializers.Serializer):
    answers = AnswerRowSerializer(
        many=True,
        allow_empty=False,
        help_text="One item (the page's autosave of a card) or several at once.",
    )

    def validate_answers(self, rows):
        ids = [r["id"] for r in rows]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Each item may be sent only once."))
        return rows


class WithAnswersSerializer(serializers.Serializer):
    """The page's buttons post the page: answers not saved yet may come along."""

    answers = AnswerRowSerializer(
        many=True,
        required=False,
        help_text="Answers to save first (as `answers/` takes them), as the page saves its "
        "unsaved input with the button.",
    )

    def validate_answers(self, rows):
        return AnswersSaveSerializer.validate_answers(self, rows)


class EvidenceUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        allow_empty=False,
        help_text="Photos (JPEG, PNG, WebP, HEIC), PDFs or Office documents, 20 MB each at "
        "most; recognised by their content, not their name.",
    )


class FormImportSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        allow_empty=False,
        help_text="Filled workbooks (.xlsx), or a zip of them. Each workbook is imported on its "
        "own: one with errors saves nothing.",
    )
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Submit each form that is complete after import."
    )


class FormListQuerySerializer(serializers.Serializer):
    """The list's filters (the page's, plus `campaign` and `school`)."""

    campaign = serializers.IntegerField(required=False, help_text="A campaign's id.", **ID)
    school = serializers.IntegerField(required=False, help_text="A school's id.", **ID)
    status = serializers.ChoiceField(choices=FormStatus.choices, required=False)
    stage = serializers.ChoiceField(
        choices=SchoolStage.choices, required=False, help_text="The school's stage."
    )
    late = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only forms submitted late, or still not submitted after the deadline.",
    )
    awaiting = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only submitted forms awaiting the caller's department's review.",
    )
    q = serializers.CharField(
        required=False, allow_blank=True, help_text="A school's name (part of it) or code."
    )
