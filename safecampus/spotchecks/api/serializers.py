"""Serializers of the spot check API: lean list rows, a check with its strata, draw and items,
an item with its result and photos, and one small input serializer per action. Inputs are only
parsed here; every rule lives in ``services`` (and the scope in ``selectors``)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.core.api import AbsentToService, RequiredDate, RequiredText
from safecampus.hazards.api.serializers import FilesField, RefSerializer

from ..models import Claim, Result, SpotCheck, SpotCheckEvidence, SpotCheckItem, SpotCheckStatus
from ..services import MAX_SEED

ID = {"min_value": 1, "max_value": 2**63 - 1}


def _enum_schema(choices) -> dict:
    lines = "\n".join(f"* `{value}` - {label}" for value, label in choices.choices)
    return {"type": "string", "enum": list(choices.values), "description": lines}


# Named enum components: other apps use ``status`` and ``result`` for other choice sets.
@extend_schema_field(_enum_schema(SpotCheckStatus), component_name="SpotCheckStatusEnum")
class CheckStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=SpotCheckStatus.choices, **kwargs)


@extend_schema_field(_enum_schema(Result), component_name="SpotCheckResultEnum")
class ResultField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Result.choices, **kwargs)


@extend_schema_field(_enum_schema(Claim), component_name="SpotCheckClaimEnum")
class ClaimField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Claim.choices, **kwargs)


_RECORDED = [
    (Result.CONFIRMED.value, Result.CONFIRMED.label),
    (Result.NOT_AS_CLAIMED.value, Result.NOT_AS_CLAIMED.label),
]


@extend_schema_field(
    {
        "type": "string",
        "enum": [v for v, _label in _RECORDED],
        "description": "\n".join(f"* `{v}` - {label}" for v, label in _RECORDED),
    },
    component_name="SpotCheckRecordedResultEnum",
)
class RecordedResultField(serializers.ChoiceField):
    """A result that can be recorded (not "pending")."""

    def __init__(self, **kwargs):
        super().__init__(choices=_RECORDED, **kwargs)


class PersonSerializer(serializers.Serializer):
    """A person as ``{id, name}``."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


# --- output: checks ---------------------------------------------------------------------------


class SpotCheckListSerializer(serializers.ModelSerializer):
    """A row of the list: what the list page shows. ``seen`` and ``recorded`` count the drawn
    hazards the caller may see (a department its own)."""

    bureau = RefSerializer(read_only=True)
    campaign = serializers.SerializerMethodField()
    status = CheckStatusField(read_only=True)
    ordered_by = PersonSerializer(read_only=True)
    seen = serializers.IntegerField(read_only=True, help_text="Drawn hazards the caller sees.")
    recorded = serializers.IntegerField(
        read_only=True, help_text="Of those, the ones whose result is recorded."
    )

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "title",
            "bureau",
            "campaign",
            "status",
            "proportion",
            "ordered_by",
            "ordered_role",
            "ordered_at",
            "completed_at",
            "seen",
            "recorded",
        ]
        read_only_fields = fields

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_campaign(self, obj):
        c = obj.campaign
        return None if c is None else {"id": c.pk, "name": c.name}


class StratumSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="`d<department id>`, `d-` for none; `/<colour>`.")
    department = serializers.CharField(help_text="The department's name; empty for none.")
    colour = serializers.CharField(
        allow_null=True, help_text="The colour's label; null when not stratified by colour."
    )
    population = serializers.IntegerField()
    drawn = serializers.IntegerField()
    recorded = serializers.IntegerField()
    not_as_claimed = serializers.IntegerField()


class PreviewStratumSerializer(serializers.Serializer):
    key = serializers.CharField()
    department = serializers.CharField()
    colour = serializers.CharField(allow_null=True)
    population = serializers.IntegerField()
    drawn = serializers.IntegerField(help_text="How many the order would draw.")


class PreviewSerializer(serializers.Serializer):
    strata = PreviewStratumSerializer(many=True)
    population = serializers.IntegerField()
    drawn = serializers.IntegerField()


class HazardRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    school = RefSerializer()
    responsible_department = RefSerializer(allow_null=True)


class SpotCheckEvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheckEvidence
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "url"]
        fields += ["thumbnail_url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("spot-check-evidence-detail", args=[obj.pk])

    @extend_schema_field(OpenApiTypes.STR)
    def get_thumbnail_url(self, obj) -> str | None:
        return reverse("spot-check-evidence-thumb", args=[obj.pk]) if obj.thumbnail else None


class SpotCheckItemSerializer(serializers.ModelSerializer):
    """A drawn hazard: reads only the row and its ``select_related`` relations."""

    spot_check = serializers.IntegerField(source="spot_check_id", read_only=True)
    hazard = HazardRefSerializer(read_only=True)
    claim = ClaimField(read_only=True)
    inspector = PersonSerializer(read_only=True, allow_null=True)
    result = ResultField(read_only=True)

    class Meta:
        model = SpotCheckItem
        fields = [
            "id",
            "spot_check",
            "hazard",
            "stratum",
            "claim",
            "claimed_status",
            "inspector",
            "result",
            "checked_on",
            "recorded_at",
        ]
        read_only_fields = fields


class MyAssignmentSerializer(SpotCheckItemSerializer):
    """An assignment: the drawn hazard with its check's title."""

    spot_check_title = serializers.CharField(source="spot_check.title", read_only=True)

    class Meta(SpotCheckItemSerializer.Meta):
        fields = [*SpotCheckItemSerializer.Meta.fields, "spot_check_title"]
        read_only_fields = fields


class SpotCheckItemDetailSerializer(SpotCheckItemSerializer):
    """A drawn hazard with its result, finding and photos, and what the caller may do."""

    spot_check_title = serializers.CharField(source="spot_check.title", read_only=True)
    description = serializers.CharField(source="hazard.description", read_only=True)
    location = serializers.CharField(source="hazard.location", read_only=True)
    deadline = serializers.DateField(source="hazard.deadline", read_only=True, allow_null=True)
    recorded_by = PersonSerializer(read_only=True, allow_null=True)
    evidence = SpotCheckEvidenceSerializer(many=True, read_only=True)
    may_record = serializers.SerializerMethodField()

    class Meta(SpotCheckItemSerializer.Meta):
        fields = [
            *SpotCheckItemSerializer.Meta.fields,
            "spot_check_title",
            "description",
            "location",
            "deadline",
            "finding",
            "recorded_by",
            "evidence",
            "may_record",
        ]
        read_only_fields = fields

    def get_may_record(self, obj) -> bool:
        """Whether the caller may record this hazard's result now."""
        return self.context["may_record"]


class InspectorChoiceSerializer(serializers.Serializer):
    """A person a check's hazards may be assigned to."""

    id = serializers.IntegerField(source="user.pk", help_text="The `inspector` of `assign/`.")
    name = serializers.CharField(source="user.display_name")
    label = serializers.CharField(help_text="The name with the roles and departments held.")


class SpotCheckDetailSerializer(SpotCheckListSerializer):
    """A check with what verifies its draw (the inputs, the seed and, for those who see the
    whole check, the population), its strata and whom its hazards may be assigned to. The drawn
    hazards are listed, paginated, at ``spot-check-items/?spot_check=<id>``."""

    whole = serializers.SerializerMethodField()
    claims = serializers.ListField(child=ClaimField(), read_only=True)
    seed = serializers.CharField(read_only=True, help_text="The seed (a 63-bit integer).")
    population_size = serializers.SerializerMethodField()
    sample_size = serializers.SerializerMethodField()
    population = serializers.SerializerMethodField()
    strata = serializers.SerializerMethodField()
    can_assign = serializers.SerializerMethodField()
    inspectors = serializers.SerializerMethodField()
    record_any = serializers.SerializerMethodField()

    class Meta(SpotCheckListSerializer.Meta):
        # the strata count what is drawn and recorded
        fields = [
            *(f for f in SpotCheckListSerializer.Meta.fields if f not in ("seen", "recorded")),
            "whole",
            "claims",
            "by_colour",
            "minimum_per_stratum",
            "seed",
            "note",
            "population_size",
            "sample_size",
            "population",
            "strata",
            "can_assign",
            "inspectors",
            "record_any",
        ]
        read_only_fields = fields

    def get_whole(self, obj) -> bool:
        """True for the bureau's centre, leaders and inspectors: every stratum; a department
        sees its own strata and items only."""
        return self.context["whole"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_population_size(self, obj) -> int | None:
        return obj.population_size if self.context["whole"] else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_sample_size(self, obj) -> int | None:
        return obj.sample_size if self.context["whole"] else None

    @extend_schema_field(
        {
            "type": "array",
            "nullable": True,
            "items": {
                "type": "array",
                "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                "minItems": 2,
                "maxItems": 2,
            },
            "description": "`[[hazard id, stratum key], …]` sorted by id: who could have been "
            "drawn (only for those who see the whole check; null otherwise).",
        }
    )
    def get_population(self, obj):
        return obj.population if self.context["whole"] else None

    @extend_schema_field(StratumSerializer(many=True))
    def get_strata(self, obj):
        return StratumSerializer(self.context["strata"], many=True).data

    def get_can_assign(self, obj) -> bool:
        return self.context["can_assign"]

    @extend_schema_field(InspectorChoiceSerializer(many=True))
    def get_inspectors(self, obj):
        """The people `assign/` may name as `inspector` (as the page's assign form offers
        them); empty when the caller may not assign."""
        return InspectorChoiceSerializer(self.context["inspectors"], many=True).data

    def get_record_any(self, obj) -> bool:
        """Whether the caller records any item of the check (the centre, the leaders)."""
        return self.context["record_any"]


class VerificationSerializer(serializers.Serializer):
    """The draw repeated from the stored population and seed, compared with the stored sample.
    The lists are given to those who see the whole check only (null otherwise)."""

    match = serializers.BooleanField()
    stored = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    again = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    differences = serializers.ListField(child=serializers.IntegerField(), allow_null=True)


class AssignedSerializer(serializers.Serializer):
    assigned = serializers.IntegerField(help_text="How many hazards changed inspector.")
    spot_check = SpotCheckDetailSerializer()


# --- input --------------------------------------------------------------------------------------


class OrderSerializer(serializers.Serializer):
    """An order, as the order form: ``percent`` of each stratum (rounded up), at least
    ``minimum_per_stratum``; ``seed`` empty for a random one."""

    bureau = serializers.IntegerField(
        required=False, help_text="Default: the caller's bureau when it orders in only one.", **ID
    )
    campaign = serializers.IntegerField(required=False, allow_null=True, **ID)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        help_text="The share of each stratum drawn, in %.",
    )
    claims = serializers.ListField(child=ClaimField(), required=False, default=list)
    by_colour = serializers.BooleanField(required=False, default=False)
    minimum_per_stratum = serializers.IntegerField(
        min_value=0, max_value=10000, required=False, default=1
    )
    seed = serializers.IntegerField(
        min_value=0, max_value=MAX_SEED, required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PreviewInputSerializer(OrderSerializer):
    """The inputs of an order (the title, seed and note are not needed)."""


class AssignSerializer(serializers.Serializer):
    """One person to the hazards named (``items``), or to every pending hazard of a
    ``stratum``."""

    inspector = serializers.IntegerField(
        help_text="A person holding an inspector's, officer's or leader's role in the bureau "
        "(one of the check's `inspectors`).",
        **ID,
    )
    items = serializers.ListField(
        child=serializers.IntegerField(**ID), required=False, max_length=10000
    )
    stratum = serializers.CharField(required=False, allow_blank=True, max_length=64)


class _RequiredResult(AbsentToService, RecordedResultField):
    """Required; absent, the service refuses it (as the page)."""


class _RequiredFiles(AbsentToService, FilesField):
    """Required; none, the service refuses it (as the page)."""

    absent = ()


class RecordSerializer(serializers.Serializer):
    """The on-site result, as the record form: multipart with ``files`` repeated."""

    result = _RequiredResult(help_text="Absent: refused `invalid` on `result`.")
    finding = RequiredText(
        allow_blank=True, help_text="What was found; absent or blank: refused `invalid`."
    )
    checked_on = RequiredDate(
        allow_null=True,
        help_text="The day of the check (not in the future, not before the order); absent or "
        "null: refused `invalid` on `checked_on`.",
    )
    files = _RequiredFiles(
        help_text="At least one photo taken on site (JPEG, PNG, WebP, HEIC, PDF or Office, "
        "at most 20 MB each); repeat the field for each file. None: refused `invalid`."
    )
