"""Serializers of the standards API: facts sheets and their revisions, cards, rule sets,
findings, compliance figures, and one small input serializer per action. Inputs are only
parsed here; every rule (fact names, ranges, gate counts, versions) lives in
``standards.services``, whose refusals carry the Chinese messages per field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.catalog import citations
from safecampus.catalog.choices import HazardLevel
from safecampus.hazards.api.serializers import ErrorSerializer, RefSerializer
from safecampus.orgs.choices import SchoolStage

from ..choices import (
    FactsAction,
    FactsStatus,
    FindingAction,
    FindingStatus,
    Four100,
    Outcome,
    Pillar,
    PolicyMode,
    RuleKind,
    VersionStatus,
)
from ..facts import BOOL, DATE, GATE_FACTS, SCHOOL_FACTS
from ..models import Finding, FindingEvent, RuleSet, RuleSetVersion, SchoolStanding

#: the longest gate name kept (``GateFacts.name``)
GATE_NAME_MAX = 32

__all__ = ["ErrorSerializer"]

# --- fields -------------------------------------------------------------------------------------


def _enum_schema(choices) -> dict:
    lines = "\n".join(f"* `{value}` - {label}" for value, label in choices.choices)
    return {"type": "string", "enum": list(choices.values), "description": lines}


def _choice_field(choices, component: str):
    """A choice field documented as the named enum component ``component`` (other apps use
    ``status``, ``kind`` and ``level`` for other choice sets)."""

    @extend_schema_field(_enum_schema(choices), component_name=component)
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    Field.__name__ = f"{component}Field"
    return Field


class ClauseTextField(serializers.CharField):
    """``clause`` as a person reads it: a source document cited by its title and clause."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "clause")
        kwargs.setdefault("read_only", True)
        kwargs.setdefault(
            "help_text",
            _("The clause as shown to people: the document's title and clause (《…》第…条)."),
        )
        super().__init__(**kwargs)

    def to_representation(self, value):
        return citations.render(super().to_representation(value) or "")


FactsStatusField = _choice_field(FactsStatus, "StandardFactsStatusEnum")
FactsActionField = _choice_field(FactsAction, "StandardFactsActionEnum")
FindingStatusField = _choice_field(FindingStatus, "StandardFindingStatusEnum")
FindingActionField = _choice_field(FindingAction, "StandardFindingActionEnum")
OutcomeField = _choice_field(Outcome, "StandardOutcomeEnum")
PillarField = _choice_field(Pillar, "StandardPillarEnum")
RuleKindField = _choice_field(RuleKind, "StandardRuleKindEnum")
VersionStatusField = _choice_field(VersionStatus, "StandardVersionStatusEnum")
ModeField = _choice_field(PolicyMode, "StandardPolicyModeEnum")
LevelField = _choice_field(HazardLevel, "StandardLevelEnum")


def _labels(context: dict, key: str, choices) -> dict:
    """Translated labels, once per response rather than once per row."""
    labels = context.setdefault(key, {})
    if not labels:
        labels.update({value: str(label) for value, label in choices.choices})
    return labels


class StandardUserRefSerializer(serializers.Serializer):
    """A user as ``{id, name}``."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


def _fact_field(fact):
    kwargs = {"allow_null": True, "required": False, "help_text": fact.label}
    if fact.type == BOOL:
        return serializers.BooleanField(**kwargs)
    if fact.type == DATE:
        return serializers.DateField(**kwargs)
    return serializers.IntegerField(**kwargs)


#: the school-level facts by name (``null``: not recorded); for the schema and the output
FactValuesSerializer = type(
    "StandardFactValuesSerializer",
    (serializers.Serializer,),
    {f.name: _fact_field(f) for f in SCHOOL_FACTS},
)
GateValuesSerializer = type(
    "StandardGateSerializer",
    (serializers.Serializer,),
    {
        "position": serializers.IntegerField(read_only=True, help_text=_("gate number")),
        "name": serializers.CharField(read_only=True),
        **{f.name: _fact_field(f) for f in GATE_FACTS},
    },
)


# --- facts --------------------------------------------------------------------------------------


class FactsSerializer(serializers.Serializer):
    """A school's facts sheet: the school-level facts by name, one entry per gate, the
    sheet's version (send it back with a change) and its verification."""

    school = RefSerializer(read_only=True)
    stage = serializers.CharField(read_only=True)
    gate_count = serializers.IntegerField(read_only=True)
    recorded = serializers.BooleanField(
        read_only=True, help_text=_("False until the school records its facts the first time.")
    )
    version = serializers.IntegerField(read_only=True)
    status = FactsStatusField(read_only=True)
    status_display = serializers.CharField(read_only=True)
    return_reason = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_by = StandardUserRefSerializer(read_only=True, allow_null=True)
    verified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    verified_by = StandardUserRefSerializer(read_only=True, allow_null=True)
    facts = FactValuesSerializer(read_only=True)
    gates = GateValuesSerializer(many=True, read_only=True)


class FactsListSerializer(serializers.Serializer):
    """A facts sheet row (no gates: see the detail). Reads only the row and its
    ``select_related`` relations."""

    school = RefSerializer(read_only=True)
    stage = serializers.CharField(source="school.stage", read_only=True)
    version = serializers.IntegerField(read_only=True)
    status = FactsStatusField(read_only=True)
    status_display = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_by = StandardUserRefSerializer(read_only=True, allow_null=True)
    verified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    verified_by = StandardUserRefSerializer(read_only=True, allow_null=True)
    facts = serializers.SerializerMethodField()

    def get_status_display(self, obj) -> str:
        return _labels(self.context, "_facts_status", FactsStatus).get(obj.status, obj.status)

    @extend_schema_field(FactValuesSerializer)
    def get_facts(self, obj) -> dict:
        return FactValuesSerializer({f.name: getattr(obj, f.name) for f in SCHOOL_FACTS}).data


class FactsInputSerializer(serializers.Serializer):
    """A change of the facts: only the facts named change (``null`` clears one)."""

    facts = serializers.DictField(
        required=False,
        default=dict,
        help_text=_(
            "School-level facts by name (the names of `StandardFactValues`); an unknown name "
            "or a value out of range is refused per field."
        ),
    )
    gates = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        default=list,
        help_text=_(
            "One object per gate, in order (gate 1 first), with the gate facts to change and "
            "optionally its `name`; no more entries than the school has gates."
        ),
    )
    version = serializers.IntegerField(
        min_value=0,
        max_value=2**63 - 1,
        required=False,
        help_text=_("The sheet's version as read; a newer one is refused with 409 `stale`."),
    )
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        """A gate's ``name``, when given, is text of at most ``GATE_NAME_MAX`` characters
        (refused per gate, as ``gate2.name``)."""
        errors = {}
        for n, gate in enumerate(attrs.get("gates") or [], start=1):
            if "name" not in gate:
                continue
            name = gate["name"]
            if not isinstance(name, str):
                errors[f"gate{n}.name"] = [_("The gate's name must be text.")]
            elif len(name.strip()) > GATE_NAME_MAX:
                errors[f"gate{n}.name"] = [
                    _("The gate's name is at most %(n)d characters.") % {"n": GATE_NAME_MAX}
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class FactsPutSerializer(FactsInputSerializer):
    version = serializers.IntegerField(
        min_value=0,
        max_value=2**63 - 1,
        help_text=_("The sheet's version as read; a newer one is refused with 409 `stale`."),
    )


class FactsVerifySerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=0,
        max_value=2**63 - 1,
        help_text=_(
            "The sheet's version as read; another version now is refused with 409 `stale`."
        ),
    )


class FactsReturnSerializer(FactsVerifySerializer):
    reason = serializers.CharField(max_length=300, help_text=_("Why the facts are returned."))


class FactsRevisionSerializer(serializers.Serializer):
    """One revision of a facts sheet: the whole sheet as the change left it, and what changed
    (``{fact: [before, after]}``, a gate's as ``gate2.guards_day``)."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(read_only=True)
    action = FactsActionField(read_only=True)
    action_display = serializers.SerializerMethodField()
    at = serializers.DateTimeField(read_only=True)
    actor = StandardUserRefSerializer(read_only=True, allow_null=True)
    actor_role = serializers.CharField(read_only=True)
    status = FactsStatusField(read_only=True)
    comment = serializers.CharField(read_only=True)
    changes = serializers.DictField(child=serializers.ListField(), read_only=True)
    facts = serializers.SerializerMethodField()
    gates = serializers.SerializerMethodField()

    def get_action_display(self, obj) -> str:
        return _labels(self.context, "_facts_action", FactsAction).get(obj.action, obj.action)

    @extend_schema_field(FactValuesSerializer)
    def get_facts(self, obj) -> dict:
        return (obj.data or {}).get("school", {})

    @extend_schema_field(GateValuesSerializer(many=True))
    def get_gates(self, obj) -> list:
        return (obj.data or {}).get("gates", [])


class HistoryQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        help_text=_("Only the revision in force at the end of that day: the facts on that date."),
    )


# --- cards --------------------------------------------------------------------------------------


class CardLineSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    pillar = PillarField(read_only=True)
    outcome = OutcomeField(read_only=True)
    outcome_display = serializers.CharField(read_only=True)
    explanation = serializers.CharField(read_only=True)
    clause = serializers.CharField(read_only=True)
    clause_text = ClauseTextField()
    rule_set = serializers.CharField(
        read_only=True, help_text=_("The rule set that decided the outcome.")
    )
    required = serializers.JSONField(read_only=True, allow_null=True)
    actual = serializers.JSONField(read_only=True, allow_null=True)
    missing = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("Facts still missing.")
    )
    finding = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("The open finding's id.")
    )


class Four100FlagsSerializer(serializers.Serializer):
    guards = serializers.BooleanField(read_only=True, allow_null=True)
    closed = serializers.BooleanField(read_only=True, allow_null=True)
    alarm_video = serializers.BooleanField(read_only=True, allow_null=True)
    escort = serializers.BooleanField(read_only=True, allow_null=True)


class CardSerializer(serializers.Serializer):
    """A school's 人防物防技防 card: each requirement's outcome under its bureau's rules."""

    school = RefSerializer(read_only=True)
    stage = serializers.CharField(read_only=True)
    evaluated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    failing = serializers.IntegerField(read_only=True)
    unknown = serializers.IntegerField(read_only=True)
    mode = ModeField(read_only=True)
    four100 = Four100FlagsSerializer(read_only=True)
    requirements = CardLineSerializer(many=True, read_only=True)


class StandingSerializer(serializers.ModelSerializer):
    """A school's standing at its last evaluation."""

    school = RefSerializer(read_only=True)

    class Meta:
        model = SchoolStanding
        fields = [
            "school",
            "stage",
            "failing",
            "unknown",
            "four_guards",
            "four_closed",
            "four_alarm_video",
            "four_escort",
            "evaluated_at",
        ]
        read_only_fields = fields


# --- rule sets ----------------------------------------------------------------------------------


class RuleSetVersionSerializer(serializers.ModelSerializer):
    status = VersionStatusField(read_only=True)

    class Meta:
        model = RuleSetVersion
        fields = ["id", "number", "status", "note", "created_at", "published_at"]
        read_only_fields = fields


class RuleSetSerializer(serializers.ModelSerializer):
    bureau = RefSerializer(read_only=True, allow_null=True)
    extends = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    published_version = serializers.SerializerMethodField()

    class Meta:
        model = RuleSet
        fields = [
            "id",
            "code",
            "name",
            "region_name",
            "bureau",
            "extends",
            "description",
            "published_version",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_published_version(self, obj) -> int | None:
        # ``versions`` is prefetched by the view: no query per row
        numbers = [v.number for v in obj.versions.all() if v.status == VersionStatus.PUBLISHED]
        return max(numbers) if numbers else None


class ResolvedRuleSerializer(serializers.Serializer):
    """A rule as it applies: its own or inherited from the set it extends."""

    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    pillar = PillarField(read_only=True)
    kind = RuleKindField(read_only=True)
    applies = serializers.CharField(read_only=True)
    measure = serializers.CharField(read_only=True)
    threshold = serializers.CharField(read_only=True)
    condition = serializers.CharField(read_only=True)
    clause = serializers.CharField(read_only=True)
    clause_text = ClauseTextField()
    explanation = serializers.CharField(read_only=True)
    level = LevelField(read_only=True)
    item_code = serializers.CharField(read_only=True)
    four100 = serializers.CharField(read_only=True)
    set_code = serializers.CharField(read_only=True, help_text=_("The rule set it comes from."))
    inherited = serializers.BooleanField(read_only=True)


class RuleSetDetailSerializer(RuleSetSerializer):
    versions = serializers.SerializerMethodField(
        help_text=_("Newest first; a draft only for those who edit the set.")
    )
    rules_version = serializers.SerializerMethodField()
    rules = serializers.SerializerMethodField()

    class Meta(RuleSetSerializer.Meta):
        fields = [*RuleSetSerializer.Meta.fields, "versions", "rules_version", "rules"]
        read_only_fields = fields

    @extend_schema_field(RuleSetVersionSerializer(many=True))
    def get_versions(self, obj) -> list:
        versions = self.context.get("versions")
        return RuleSetVersionSerializer(
            obj.versions.all() if versions is None else versions, many=True
        ).data

    @extend_schema_field(OpenApiTypes.INT)
    def get_rules_version(self, obj) -> int | None:
        version = self.context.get("rules_version")
        return version.number if version is not None else None

    @extend_schema_field(ResolvedRuleSerializer(many=True))
    def get_rules(self, obj) -> list:
        return ResolvedRuleSerializer(self.context.get("rules", []), many=True).data


# --- findings -----------------------------------------------------------------------------------


class StandardHazardRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True, help_text=_("values of `HazardStatusEnum`"))


class FindingSerializer(serializers.ModelSerializer):
    """A finding row. Reads only the row and its ``select_related`` relations."""

    school = RefSerializer(read_only=True)
    department = RefSerializer(read_only=True, allow_null=True)
    pillar = PillarField(read_only=True)
    level = LevelField(read_only=True)
    status = FindingStatusField(read_only=True)
    status_display = serializers.SerializerMethodField()
    hazard = StandardHazardRefSerializer(read_only=True, allow_null=True)
    clause_text = ClauseTextField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "school",
            "key",
            "title",
            "pillar",
            "level",
            "status",
            "status_display",
            "clause",
            "clause_text",
            "explanation",
            "required",
            "actual",
            "rule_set_code",
            "department",
            "opened_at",
            "resolved_at",
            "hazard",
            "version",
        ]
        read_only_fields = fields

    def get_status_display(self, obj) -> str:
        return _labels(self.context, "_finding_status", FindingStatus).get(obj.status, obj.status)


class FindingEventSerializer(serializers.ModelSerializer):
    action = FindingActionField(read_only=True)
    actor = StandardUserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = FindingEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "actor_role", "at", "data"]
        read_only_fields = fields


class FindingDetailSerializer(FindingSerializer):
    events = FindingEventSerializer(many=True, read_only=True)
    can_raise_hazard = serializers.SerializerMethodField()

    class Meta(FindingSerializer.Meta):
        fields = [*FindingSerializer.Meta.fields, "events", "can_raise_hazard"]
        read_only_fields = fields

    def get_can_raise_hazard(self, obj) -> bool:
        """True when the caller may turn this finding into a hazard now."""
        return bool(self.context.get("can_raise_hazard"))


class FindingInterimSerializer(serializers.Serializer):
    """The interim measures a major hazard needs (002 §三.4); ignored for other levels."""

    interim_measures = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    interim_unit = serializers.CharField(required=False, allow_blank=True, max_length=100)
    interim_person = serializers.CharField(required=False, allow_blank=True, max_length=100)
    interim_deadline = serializers.DateField(required=False, allow_null=True)


class RaiseHazardsSerializer(FindingInterimSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        allow_empty=False,
        max_length=1000,
        help_text=_("The findings to turn into hazards."),
    )
    all = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Every open finding the caller may act on that is not a hazard yet."),
    )

    def validate(self, attrs):
        if bool(attrs.get("ids")) == bool(attrs.get("all")):
            raise serializers.ValidationError(
                {"ids": [_("Give either the findings' ids or all=true.")]}
            )
        return attrs


# --- compliance ---------------------------------------------------------------------------------

_COUNTS = {
    value: serializers.IntegerField(read_only=True, help_text=label)
    for value, label in Outcome.choices
}

RuleFigureSerializer = type(
    "StandardRuleFigureSerializer",
    (serializers.Serializer,),
    {
        "key": serializers.CharField(read_only=True),
        "title": serializers.CharField(read_only=True),
        "pillar": serializers.CharField(read_only=True, help_text=_("pillar")),
        "clause": serializers.CharField(read_only=True),
        "clause_text": ClauseTextField(),
        **_COUNTS,
        "applies": serializers.IntegerField(read_only=True),
        "rate": serializers.FloatField(
            read_only=True,
            allow_null=True,
            help_text=_(
                "Percent complying of those it applies to (null for a department, which counts "
                "its open findings only)"
            ),
        ),
    },
)
StageFigureSerializer = type(
    "StandardStageFigureSerializer",
    (serializers.Serializer,),
    {
        "stage": serializers.ChoiceField(choices=SchoolStage.choices, read_only=True),
        **_COUNTS,
        "rate": serializers.FloatField(read_only=True, allow_null=True),
    },
)
Four100FigureSerializer = type(
    "StandardFour100FigureSerializer",
    (serializers.Serializer,),
    {
        "pass": serializers.IntegerField(read_only=True),
        "fail": serializers.IntegerField(read_only=True),
        "unknown": serializers.IntegerField(read_only=True),
        "total": serializers.IntegerField(read_only=True),
        "rate": serializers.FloatField(read_only=True, allow_null=True),
    },
)
Four100Serializer = type(
    "StandardFour100Serializer",
    (serializers.Serializer,),
    {part: Four100FigureSerializer(read_only=True) for part in Four100.values},
)


class StandardComplianceSerializer(serializers.Serializer):
    """The figures of the compliance page: over the bureaus the caller reads whole, or (a
    department, ``whole`` false) the open findings that go to it."""

    whole = serializers.BooleanField(read_only=True)
    by_rule = RuleFigureSerializer(many=True, read_only=True)
    by_stage = StageFigureSerializer(many=True, read_only=True)
    four100 = Four100Serializer(read_only=True)


class StandardComplianceQuerySerializer(serializers.Serializer):
    stage = serializers.ChoiceField(
        choices=SchoolStage.choices,
        required=False,
        help_text=_("Count one stage only (per requirement and the 4个100%)."),
    )
