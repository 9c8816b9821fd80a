"""The API of spot checks (mounted under /api/v1/), scoped exactly as the pages:

- ``spot-checks``: the checks the caller sees (the bureau's centre, leaders and inspectors every
  check of their bureau; a department officer the checks that drew its hazards), newest first;
  ``POST`` orders one and draws at once (the leadership group, the centre); ``preview/`` says
  what an order would draw; one check with its draw (inputs, seed and, for those who see the
  whole check, the population), its strata and the drawn hazards the caller sees; ``verify/``
  draws again from the stored population and seed and compares; ``assign/`` gives hazards to an
  inspector.
- ``spot-check-items``: ``?mine=true`` the caller's assignments (those still to check first),
  ``?spot_check=<id>`` the drawn hazards of a check the caller sees; one drawn hazard with its
  result and photos; ``result/`` records the on-site result with photos (multipart).
- ``spot-check-evidence``: a photo, and ``thumb/`` its thumbnail, to those who see its item.

Every write goes through ``spotchecks.services`` (which writes the event), every read through
``spotchecks.selectors``. A refusal is ``{"code", "message", "errors"}`` with the status of
``core.refusals.HTTP_STATUS``; nothing is saved.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from safecampus.core.access import require, scope_for
from safecampus.core.api import (
    ID,
    NOT_FOUND,
    IgnoreAccept,
    Pagination,
    capability_permission,
    error,
    key,
    who,
)
from safecampus.core.capabilities import SPOT_CHECK_ORDER, SPOT_CHECK_RECORD, SPOT_CHECK_VIEW
from safecampus.core.refusals import Code, refuse
from safecampus.hazards.evidence import serve_evidence

from .. import access, selectors, services
from ..lifecycle import ASSIGN
from ..models import SpotCheck, SpotCheckEvidence, SpotCheckItem
from .serializers import (
    AssignedSerializer,
    AssignSerializer,
    MyAssignmentSerializer,
    OrderSerializer,
    PreviewInputSerializer,
    PreviewSerializer,
    RecordSerializer,
    SpotCheckDetailSerializer,
    SpotCheckItemDetailSerializer,
    SpotCheckItemSerializer,
    SpotCheckListSerializer,
    VerificationSerializer,
)

_TAGS = ["spot checks"]
_SCOPE = (
    " The bureau's centre, leaders and inspectors reach every check of their bureau; a "
    "department officer the checks that drew its department's hazards (and the hazards it is "
    "assigned); schools never see spot checks."
)
_FORBIDDEN_VIEW = error(f"`permission_denied`: the caller holds none of {who(SPOT_CHECK_VIEW)}.")
_FORBIDDEN_ORDER = error(
    f"`permission_denied`: the caller holds none of {who(SPOT_CHECK_ORDER)} in a bureau."
)
_ORDER_INVALID = error(
    "`invalid`: a field is missing or wrong (no title, a proportion outside (0, 100] %, no "
    "claim, a negative minimum, a seed outside 0..2⁶³−1, a bureau where the caller does not "
    "order, a campaign not of the bureau); `empty`: no hazard of the bureau makes these claims. "
    "Messages in Chinese; nothing is saved."
)


class _Base(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, capability_permission(SPOT_CHECK_VIEW)]
    pagination_class = Pagination


def _order_inputs(user, data: dict):
    """The bureau and campaign an order names, among those the order form offers."""
    bureau_ids = selectors.require_orderer(user)
    bureau_id = data.get("bureau")
    if bureau_id is None and len(bureau_ids) == 1:
        bureau_id = next(iter(bureau_ids))
    bureau = selectors.order_bureau_choices(bureau_ids).filter(pk=bureau_id).first()
    if bureau is None:
        raise refuse({"bureau": [_("Choose a bureau where you order spot checks.")]}, Code.INVALID)
    campaign = None
    if data.get("campaign") is not None:
        campaign = (
            selectors.order_campaigns(user=user, bureau_ids=bureau_ids)
            .filter(pk=data["campaign"])
            .first()
        )
        if campaign is None:
            raise refuse({"campaign": [_("The campaign is not of this bureau.")]}, Code.INVALID)
    return bureau, campaign


def _check_detail(user, check: SpotCheck) -> dict:
    scope = scope_for(user)
    can_assign = selectors.can_assign(user, check)
    context = {
        "whole": selectors.sees_whole_check(user, check),
        "strata": selectors.strata_table(user=user, check=check),
        "can_assign": can_assign,
        # as the page's assign form offers them
        "inspectors": (
            selectors.inspector_candidates(bureau_id=check.bureau_id) if can_assign else []
        ),
        "record_any": access.may_record_any(scope, check),
    }
    return SpotCheckDetailSerializer(check, context=context).data


@extend_schema(tags=_TAGS)
class SpotCheckViewSet(_Base):
    """Spot checks (抽查): ordered and drawn by the leadership group or the centre."""

    serializer_class = SpotCheckListSerializer
    queryset = SpotCheck.objects.none()  # for the schema; reads go through the selectors
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def _check(self, pk, act: str = "view") -> SpotCheck:
        return selectors.check_get(user=self.request.user, pk=key(pk), action=act)

    @extend_schema(
        responses={200: SpotCheckListSerializer(many=True), 403: _FORBIDDEN_VIEW},
        summary="List the spot checks the caller sees",
        description="Newest first, as the list page (which has no filters), with the drawn and "
        "recorded hazards the caller sees of each. "
        f"Roles: {who(SPOT_CHECK_VIEW)}.{_SCOPE}",
    )
    def list(self, request):
        page = self.paginate_queryset(selectors.check_list(user=request.user))
        return self.get_paginated_response(SpotCheckListSerializer(page, many=True).data)

    @extend_schema(
        parameters=[ID],
        responses={200: SpotCheckDetailSerializer, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="One spot check with its draw and strata",
        description="The inputs of the draw (proportion, minimum per stratum, claims, "
        "stratification, campaign) and its seed; for those who see the whole check also the "
        "stored population, so that anyone can draw again (`verify/`). The strata are those "
        "the caller sees; the drawn hazards the caller sees are listed, paginated, at "
        "`spot-check-items/?spot_check=<id>` (not embedded here). For a caller who may "
        "assign, `inspectors` lists whom `assign/` may name, as the page's assign form. "
        f"Roles: {who(SPOT_CHECK_VIEW)}.{_SCOPE}",
    )
    def retrieve(self, request, pk=None):
        return Response(_check_detail(request.user, self._check(pk)))

    @extend_schema(
        request=OrderSerializer,
        responses={201: SpotCheckDetailSerializer, 400: _ORDER_INVALID, 403: _FORBIDDEN_ORDER},
        summary="Order a spot check and draw its sample",
        description='As the order form\'s "Order and draw": the population (the hazards of the '
        "bureau making the claims, through the caller's scope), the seed (random when not "
        "given) and the sample are stored; the order writes the `order` event. "
        f"Roles: {who(SPOT_CHECK_ORDER)}, in their bureau.",
    )
    def create(self, request):
        selectors.require_orderer(request.user)  # 403 before reading the input
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        bureau, campaign = _order_inputs(request.user, d)
        check = services.spot_check_order(
            actor=request.user,
            bureau=bureau,
            campaign=campaign,
            title=d.get("title", ""),
            proportion=d["percent"] / 100,
            claims=d["claims"],
            by_colour=d["by_colour"],
            minimum_per_stratum=d["minimum_per_stratum"],
            seed=d.get("seed"),
            note=d["note"],
        )
        check = self._check(check.pk)
        return Response(_check_detail(request.user, check), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PreviewInputSerializer,
        responses={
            200: PreviewSerializer,
            400: error(
                "`invalid`: a field is wrong (a proportion outside (0, 100] %, a negative "
                "minimum, a bureau where the caller does not order, a campaign not of it)."
            ),
            403: _FORBIDDEN_ORDER,
        },
        summary="Preview an order: each stratum's population and draw size",
        description='As the order form\'s "Preview": nothing is drawn or saved. '
        f"Roles: {who(SPOT_CHECK_ORDER)}, in their bureau.",
    )
    @action(detail=False, methods=["post"])
    def preview(self, request):
        selectors.require_orderer(request.user)
        serializer = PreviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        bureau, campaign = _order_inputs(request.user, d)
        rows = selectors.draw_preview(
            user=request.user,
            bureau=bureau,
            claims=d["claims"],
            by_colour=d["by_colour"],
            campaign=campaign,
            proportion=d["percent"] / 100,
            minimum=d["minimum_per_stratum"],
        )
        body = {
            "strata": [r.__dict__ for r in rows],
            "population": sum(r.population for r in rows),
            "drawn": sum(r.drawn for r in rows),
        }
        return Response(PreviewSerializer(body).data)

    @extend_schema(
        parameters=[ID],
        request=None,
        responses={
            200: VerificationSerializer,
            400: error("Not used: the request has no body."),
            403: _FORBIDDEN_VIEW,
            404: NOT_FOUND,
        },
        summary="Verify the draw: draw again from the stored population and seed",
        description='As the check page\'s "Verify the draw": `match` says whether the stored '
        "sample is what the draw gives. `stored`, `again` and `differences` (hazard ids) only "
        "for those who see the whole check. Nothing is saved. "
        f"Roles: {who(SPOT_CHECK_VIEW)}.{_SCOPE}",
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        check = self._check(pk)
        v = selectors.verify(check)
        whole = selectors.sees_whole_check(request.user, check)
        body = {
            "match": v.match,
            "stored": v.stored if whole else None,
            "again": v.again if whole else None,
            "differences": v.differences if whole else None,
        }
        return Response(VerificationSerializer(body).data)

    @extend_schema(
        parameters=[ID],
        request=AssignSerializer,
        responses={
            200: AssignedSerializer,
            400: error(
                "`invalid`: no inspector of the bureau, or no hazard named (or one the check "
                "did not draw); `completed`: the check is completed; `recorded`: a hazard "
                "named already has its result; `wrong_department`: a department officer "
                "named for another department's hazard. Nothing is saved."
            ),
            403: _FORBIDDEN_ORDER,
            404: NOT_FOUND,
        },
        summary="Assign an inspector to drawn hazards",
        description="As the check page's assign form: `inspector` to the hazards named in "
        "`items`, or (with `stratum`) to every pending hazard of the stratum. The inspector "
        "is told once per check; writes the `assign` event. "
        f"Roles: {who(SPOT_CHECK_ORDER)}, on the checks of their bureau.",
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        require(request.user, SPOT_CHECK_ORDER)
        check = self._check(pk, ASSIGN)
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        candidates = selectors.inspector_candidates(bureau_id=check.bureau_id)
        n = services.spot_check_assign(
            actor=request.user,
            spot_check=check,
            inspector=selectors.candidate_user(candidates, d["inspector"]),
            item_ids=d.get("items") or [],
            stratum=d.get("stratum") or None,
        )
        check = self._check(check.pk)
        return Response({"assigned": n, "spot_check": _check_detail(request.user, check)})


class ItemQuerySerializer(serializers.Serializer):
    mine = serializers.BooleanField(
        required=False,
        default=False,
        help_text="`true`: the caller's assignments, those still to check first.",
    )
    spot_check = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="The drawn hazards of this check the caller sees.",
    )

    def validate(self, attrs):
        if not attrs.get("mine") and attrs.get("spot_check") is None:
            raise serializers.ValidationError(
                {"mine": [_("Give mine=true, or the spot check whose hazards to list.")]}
            )
        return attrs


@extend_schema(tags=_TAGS)
class SpotCheckItemViewSet(_Base):
    """The drawn hazards of spot checks, and their on-site results."""

    serializer_class = SpotCheckItemSerializer
    queryset = SpotCheckItem.objects.none()  # for the schema
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _item(self, pk) -> SpotCheckItem:
        return selectors.item_get(user=self.request.user, pk=key(pk))

    def _detail(self, item: SpotCheckItem) -> Response:
        item = self._item(item.pk)
        context = {"may_record": selectors.may_record(self.request.user, item)}
        body = SpotCheckItemDetailSerializer(item, context=context).data
        return Response(body)

    @extend_schema(
        parameters=[ItemQuerySerializer],
        responses={
            200: MyAssignmentSerializer(many=True),
            400: error("`invalid`: neither `mine=true` nor `spot_check` given, or not valid."),
            403: error(
                f"`permission_denied`: the caller holds none of {who(SPOT_CHECK_VIEW)} "
                f"(for `mine`, none of {who(SPOT_CHECK_RECORD)})."
            ),
            404: error("`not_found`: the spot check is outside the caller's scope."),
        },
        summary="List drawn hazards: the caller's assignments, or a check's",
        description='`mine=true`: as the "My spot checks" page, the hazards the caller is '
        "assigned, those still to check first (roles: "
        f"{who(SPOT_CHECK_RECORD)}). `spot_check=<id>`: the drawn hazards of a check the "
        f"caller sees, as on the check page (roles: {who(SPOT_CHECK_VIEW)}).{_SCOPE}",
    )
    def list(self, request):
        query = ItemQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if query.validated_data["mine"]:
            require(request.user, SPOT_CHECK_RECORD)
            qs = selectors.my_assignments(user=request.user)
        else:
            check = selectors.check_get(user=request.user, pk=query.validated_data["spot_check"])
            qs = selectors.check_items(user=request.user, check=check).select_related("spot_check")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(MyAssignmentSerializer(page, many=True).data)

    @extend_schema(
        parameters=[ID],
        responses={200: SpotCheckItemDetailSerializer, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="One drawn hazard with its result and photos",
        description="`may_record` says whether the caller may record its result now (the "
        "person assigned; the centre and leaders any). "
        f"Roles: {who(SPOT_CHECK_VIEW)}.{_SCOPE}",
    )
    def retrieve(self, request, pk=None):
        return self._detail(self._item(pk))

    @extend_schema(
        parameters=[ID],
        request={"multipart/form-data": RecordSerializer, "application/json": RecordSerializer},
        responses={
            200: SpotCheckItemDetailSerializer,
            400: error(
                "`invalid`: no result, no date of the check (or one in the future, or before "
                'the order), no finding for "not as claimed", no photo, or a file that is not '
                "a readable photo, PDF or Office document, or is over 20 MB (checked by "
                "content, each problem under `files`); `already_recorded`: the result is "
                "recorded already (a result is final). Messages in Chinese; nothing is saved."
            ),
            403: error(
                "`permission_denied`: the caller is not the person assigned to this hazard "
                "(nor the centre or a leader of the bureau)."
            ),
            404: NOT_FOUND,
            409: error("`invalid_transition`: the result cannot be recorded now."),
        },
        summary="Record the on-site result of a drawn hazard, with photos",
        description="As the record form of the hazard's page (multipart, `files` repeated): "
        "`confirmed`, or `not_as_claimed` with a `finding`, which sends the hazard back to "
        "rectification and opens a circulated criticism (通报批评) in the same transaction. "
        "The files are checked (content, image decoding, size) and their thumbnails made "
        "before the write transaction. Writes the `record` event (and `complete` with the "
        "check's last result). Roles: the person assigned "
        f"({who(SPOT_CHECK_RECORD)}); the centre and leaders of the bureau any hazard.",
    )
    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        item = self._item(pk)
        selectors.require_recorder(request.user, item)
        serializer = RecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        services.spot_check_record(
            actor=request.user,
            item=item,
            result=d.get("result", ""),
            finding=d.get("finding", ""),
            checked_on=d.get("checked_on"),
            files=d.get("files") or (),
        )
        return self._detail(item)


_FILE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The file, with the content type recognised from its content, under its "
    "original name (as the page serves it).",
)


@extend_schema(tags=_TAGS)
class SpotCheckEvidenceViewSet(_Base):
    """Photos of spot check results, only to those who see their drawn hazard."""

    queryset = SpotCheckEvidence.objects.none()  # for the schema
    content_negotiation_class = IgnoreAccept

    def _evidence(self, pk) -> SpotCheckEvidence:
        return selectors.evidence_get(user=self.request.user, pk=key(pk))

    @extend_schema(
        parameters=[ID],
        responses={(200, "*/*"): _FILE, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="Download a photo of a spot check result",
        description="The same check as the photo on the page: 404 unless the caller sees its "
        f"drawn hazard. Roles: {who(SPOT_CHECK_VIEW)}.{_SCOPE}",
    )
    def retrieve(self, request, pk=None):
        return serve_evidence(self._evidence(pk))

    @extend_schema(
        parameters=[ID],
        responses={
            (200, "image/jpeg"): OpenApiResponse(
                OpenApiTypes.BINARY, description="A small JPEG thumbnail of the photo."
            ),
            403: _FORBIDDEN_VIEW,
            404: error("`not_found`: no such photo, outside the caller's scope, or no thumbnail."),
        },
        summary="A photo's thumbnail",
        description=f"As the file. Roles: {who(SPOT_CHECK_VIEW)}.{_SCOPE}",
    )
    @action(detail=True, methods=["get"])
    def thumb(self, request, pk=None):
        evidence = self._evidence(pk)
        if not evidence.thumbnail:
            raise Http404
        return serve_evidence(evidence, thumbnail=True)


__all__ = [
    "SpotCheckEvidenceViewSet",
    "SpotCheckItemViewSet",
    "SpotCheckViewSet",
]
