"""Self-inspection forms over HTTP (mounted under /api/v1/), the filling side; scoped exactly as
the pages (``inspections.views``), through the same selectors and services:

- ``forms/``: the forms the caller sees (filters ``campaign``, ``school``, ``status``, ``stage``,
  ``late``, ``awaiting``, ``q``), also as ``campaigns/{id}/forms/`` (404 for a campaign outside
  the scope, as the page); ``forms/{id}/``: one form with its sections, items, answers and
  evidence, the moves the caller may make, its reviews and its history;
- ``forms/{id}/answers/``: save one item's answer (the page's autosave of a card, with its
  ``seq``: a late row never overwrites a newer one) or several at once;
- ``forms/{id}/sections/{area_id}/mark-compliant/``: every unanswered item of a section
  compliant, one history line; ``forms/{id}/submit/``: submit (hazards entered in the register);
- ``answers/{id}/evidence/``: attach photos or documents (checked before anything is written);
  ``form-evidence/{id}/``: download one (``?thumbnail=1``: the photo's thumbnail);
- ``forms/{id}/export/``: the form's workbook (the page's bytes and file name);
  ``forms/{id}/import/``, ``campaigns/{id}/forms/import/``: import filled workbooks, and
  ``campaigns/{id}/forms/export/``: zip every form of a campaign, each a job (``202``, follow it
  at ``/api/v1/jobs/{id}/``; an import's result lists every bad cell of every workbook in
  Chinese, and a workbook with any error saves nothing).

Refusals are ``{"code", "message", "errors"}``: ``invalid`` and ``incomplete`` 400 (a refused
row is named in ``errors`` as ``answers.<answer id>.<field>``), ``locked`` and
``already_submitted`` 409; nothing is saved.
"""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.campaigns.choices import CampaignStatus
from safecampus.core.access import require, roles_on
from safecampus.core.api import (
    ID,
    NOT_FOUND,
    IgnoreAccept,
    Pagination,
    capability_permission,
    error,
    file_answer,
    job_answer,
    key,
    who,
)
from safecampus.core.capabilities import CAMPAIGN_MANAGE, CAMPAIGN_VIEW, FORM_FILL
from safecampus.core.db import in_write_transaction
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.refusals import Code, refuse
from safecampus.hazards.evidence import serve_evidence

from .. import selectors, services
from ..excel import export_name, form_import_start, form_workbook_bytes, forms_zip_start
from ..forms import ImportForm
from ..lifecycle import ACCEPT, FORM, RETURN, SAVE
from ..models import FormAnswer, FormEvidence, InspectionForm
from .form_serializers import (
    AnswerSerializer,
    AnswersSaveSerializer,
    EvidenceUploadSerializer,
    FormDetailSerializer,
    FormImportSerializer,
    FormListQuerySerializer,
    FormSerializer,
    SaveResultSerializer,
    SectionResultSerializer,
    SubmitResultSerializer,
    WithAnswersSerializer,
)

TAGS = ["forms"]

_FORBIDDEN_VIEW = error(f"`permission_denied`: the caller holds none of {who(CAMPAIGN_VIEW)}.")
_FORBIDDEN_FILL = error(
    f"`permission_denied`: the caller holds none of {who(FORM_FILL)}, or does not fill in this "
    "form (only its school, or the safety centre of its bureau, does)."
)
_LOCKED = error(
    "`locked`: the form was submitted (or accepted), or its campaign is closed: its answers no "
    "longer change (a save that changes nothing is answered 200 with `changed` 0)."
)
_ROWS_INVALID = error(
    "`invalid`: a value that is not allowed (an unknown answer, a date that is not one, a text "
    "too long, an item not on the form, a non-compliant item whose hazard is being handled "
    "changed), each under `answers.<answer id>.<field>`, all of them in `non_field_errors` "
    "with the item's code. Messages in Chinese; nothing is saved."
)
_JOB = OpenApiResponse(
    description="The job was started: follow it at `url` (`/api/v1/jobs/{id}/`).",
)
_AREA_ID = OpenApiParameter(
    "area_id", int, OpenApiParameter.PATH, description="The section's (risk area's) id."
)


def _row_refusal(exc: ValidationError) -> ValidationError:
    """A refusal of rows (``exc.rows``: answer id → {field: message}) with every bad field
    named as ``answers.<id>.<field>``; the item-labelled messages under ``non_field_errors``."""
    rows = getattr(exc, "rows", None)
    if not rows:
        return exc
    errors: dict = {"non_field_errors": list(exc.messages)}
    for answer_id, fields in rows.items():
        for field, message in fields.items():
            errors[f"answers.{answer_id}.{field}"] = [message]
    return refuse(errors, getattr(exc, "code", None) or Code.INVALID)


def _flat_errors(errors: dict, data) -> dict[str, list[str]]:
    """The input serializer's errors of the rows as ``answers.<answer id>.<field>`` (the
    row's position when its id is not usable)."""
    out: dict[str, list[str]] = {}
    rows = errors.get("answers")
    sent = data.get("answers") if hasattr(data, "get") else None
    if isinstance(rows, list):
        for n, row in enumerate(rows):
            if not row:
                continue
            if not isinstance(row, dict):
                out["answers"] = [str(row)]
                continue
            raw = sent[n] if isinstance(sent, list) and n < len(sent) else None
            rid = raw.get("id") if isinstance(raw, dict) else None
            label = rid if isinstance(rid, int) and "id" not in row else n
            for field, messages in row.items():
                out[f"answers.{label}.{field}"] = [str(m) for m in messages]
    elif rows is not None:
        out["answers"] = [str(m) for m in (rows if isinstance(rows, list) else [rows])]
    for field, messages in errors.items():
        if field != "answers":
            out[field] = [str(m) for m in messages]
    return out


def _form_for(user, pk) -> InspectionForm:
    """A form the user reads (the page's ``_form_for``): 403 without the capability, 404
    outside the scope."""
    require(user, CAMPAIGN_VIEW)
    return selectors.form_for(user, key(pk))


def _sections(answers: list[FormAnswer]) -> list[dict]:
    """The form's sections as the page groups them: one per risk area, in form order."""
    sections: list[dict] = []
    for a in answers:
        if not sections or sections[-1]["id"] != a.item.area_id:
            area = a.item.area
            sections.append({"id": area.pk, "code": area.code, "name": area.name, "unanswered": 0})
            sections[-1]["answers"] = []
        sections[-1]["answers"].append(a)
        sections[-1]["unanswered"] += not a.answer
    return sections


def _start_import(request, *, campaign, form_id: int | None = None):
    """The page's import form checks the upload (every file over the limits named), then the
    job starts."""
    if not request.FILES.getlist("files"):
        raise refuse({"files": [_("Choose one or more .xlsx workbooks, or a zip of them.")]})
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        raise refuse({f: list(ms) for f, ms in form.errors.items()})
    return form_import_start(
        actor=request.user,
        campaign=campaign,
        files=form.cleaned_data["files"],
        submit=form.cleaned_data["submit"],
        form_id=form_id,
    )


def _rows(request, serializer_class) -> dict[int, dict]:
    """The answer rows of the request ({answer id: the fields sent, ``seq`` included}); bad
    input refused with every field named."""
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        raise refuse(_flat_errors(serializer.errors, request.data))
    rows = serializer.validated_data.get("answers") or []
    return {r["id"]: {f: v for f, v in r.items() if f != "id"} for r in rows}


def _list_parameters() -> list:
    return [FormListQuerySerializer]


class _Base(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, capability_permission(CAMPAIGN_VIEW, write=FORM_FILL)]
    pagination_class = Pagination
    queryset = InspectionForm.objects.none()  # for the schema; reads go through the selectors


def _filtered_list(view, request, campaign=None):
    query = FormListQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    d = query.validated_data
    forms = selectors.form_list(
        request.user,
        campaign,
        status=d.get("status", ""),
        stage=d.get("stage", ""),
        late=d["late"],
        awaiting=d["awaiting"],
        q=(d.get("q") or "").strip(),
        school=d.get("school"),
    )
    if campaign is None and "campaign" in d:
        forms = forms.filter(campaign_id=d["campaign"])
    page = view.paginate_queryset(forms)
    return view.get_paginated_response(FormSerializer(page, many=True).data)


@extend_schema(tags=TAGS)
class FormViewSet(_Base):
    """The self-inspection forms of the campaigns: read, fill in, submit, Excel."""

    serializer_class = FormSerializer

    @extend_schema(
        parameters=_list_parameters(),
        responses={
            200: FormSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN_VIEW,
        },
        summary="List the forms the caller sees",
        description="The forms of every campaign the caller sees (newest campaign first, then "
        "by school), filtered as the campaign's form list page filters them. "
        f"Roles: {who(CAMPAIGN_VIEW)}: the bureau's readers every form of their bureau, a "
        "school its own.",
    )
    def list(self, request):
        require(request.user, CAMPAIGN_VIEW)
        return _filtered_list(self, request)

    @extend_schema(
        parameters=[ID],
        responses={200: FormDetailSerializer, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="One form with its sections, items, answers and evidence",
        description="With the moves the caller may make now (`actions`), whether it may change "
        "the answers (`can_fill`), the departments' reviews and the form's history. "
        f"Roles: {who(CAMPAIGN_VIEW)}, on the forms in their scope.",
    )
    def retrieve(self, request, pk=None):
        return Response(self._detail(_form_for(request.user, pk)))

    def _detail(self, form: InspectionForm) -> dict:
        user = self.request.user
        answers = selectors.answers(form)
        actions = FORM.allowed(form, roles_on(user, form))
        can_fill = (
            SAVE in actions
            and form.campaign.status != CampaignStatus.CLOSED
            and selectors.may_fill(user, form)
        )
        reviews = selectors.reviews(form)
        if not services.pending_review_departments(user, form, reviews):
            # as the page's review panel: gone once the caller's department(s) reviewed this round
            actions = [a for a in actions if a not in (ACCEPT, RETURN)]
        context = {
            "actions": actions,
            "can_fill": can_fill,
            "sections": _sections(answers),
            "reviews": reviews,
            "events": list(selectors.events(form)),
        }
        return FormDetailSerializer(form, context=context).data

    @extend_schema(
        parameters=[ID],
        request=AnswersSaveSerializer,
        responses={
            200: SaveResultSerializer,
            400: _ROWS_INVALID,
            403: _FORBIDDEN_FILL,
            404: NOT_FOUND,
            409: _LOCKED,
        },
        summary="Save answers: one item (autosave) or several",
        description="Only the fields sent change; no completeness check yet (that is at "
        "submission). The first saved answer starts the form (`in_progress`). A row with a "
        "`seq` lower than the one saved for its item left the device before a newer change "
        "and is skipped, listed in `stale` (the newer answer is kept and returned). One bad "
        "row saves nothing. Saves by the same person within 30 minutes are one `save` event. "
        f"Roles: {who(FORM_FILL)}: the school's, or the centre for a school of its bureau.",
    )
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        form = _form_for(request.user, pk)
        rows = _rows(request, AnswersSaveSerializer)
        stale: set = set()

        def save():
            stale.clear()  # a retried attempt starts again
            return services.form_save(actor=request.user, form_id=form.pk, rows=rows, stale=stale)

        try:
            _form, changed = in_write_transaction(save)
        except ValidationError as exc:
            raise _row_refusal(exc) from exc
        form = selectors.form_for(request.user, form.pk)
        result = {
            "form": form,
            "changed": changed,
            "stale": sorted(stale),
            "answers": selectors.answers(form, pk__in=list(rows)),
        }
        return Response(SaveResultSerializer(result).data)

    @extend_schema(
        parameters=[ID, _AREA_ID],
        request=WithAnswersSerializer,
        responses={
            200: SectionResultSerializer,
            400: error(
                "`invalid`: the section (`area_id`, an integer) is not on the form, or an "
                "answer sent is not allowed (named as `answers.<answer id>.<field>`). Nothing "
                "is saved."
            ),
            403: _FORBIDDEN_FILL,
            404: error(
                "`not_found`: no such form, or it is outside the caller's scope; or `area_id` "
                "is not an integer id."
            ),
            409: _LOCKED,
        },
        summary="Mark every unanswered item of a section compliant",
        description='The page\'s "all compliant" button of one section (risk area): every '
        "still-unanswered item of it becomes compliant, in one `save` event naming the section; "
        "items already answered keep their answer, and each marked item can still be changed "
        "one by one. `answers` sent along are saved first, in the same transaction. "
        f"Roles: {who(FORM_FILL)}: the school's, or the centre for a school of its "
        "bureau.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"sections/(?P<area_id>[^/.]+)/mark-compliant",
        url_name="mark-section",
    )
    def mark_section(self, request, pk=None, area_id=None):
        form = _form_for(request.user, pk)
        area = key(area_id)
        if not selectors.may_fill(request.user, form):
            raise PermissionDenied(_("Only the school (or the safety centre) fills in this form."))
        rows = _rows(request, WithAnswersSerializer)

        def save_and_mark():
            # one transaction, as the page's: the answers sent and the marks, or nothing
            if rows:
                services.form_save(actor=request.user, form_id=form.pk, rows=rows)
            return services.form_mark_section(actor=request.user, form_id=form.pk, area_id=area)

        try:
            _form, codes = in_write_transaction(save_and_mark)
        except ValidationError as exc:
            raise _row_refusal(exc) from exc
        form = selectors.form_for(request.user, form.pk)
        return Response(SectionResultSerializer({"form": form, "marked": codes}).data)

    @extend_schema(
        parameters=[ID],
        request=WithAnswersSerializer,
        responses={
            200: SubmitResultSerializer,
            400: error(
                "`incomplete`: items need attention (an item unanswered; a non-compliant one "
                "without its description, plan, deadline, responsible person, or interim "
                "measures for a major hazard; not applicable without a reason), each under "
                "`answers.<answer id>.<field>`, all with the item's code in `non_field_errors`. "
                "Nothing is submitted; `answers` sent along stay saved. `invalid`: an answer "
                "sent is not allowed; nothing is saved."
            ),
            403: _FORBIDDEN_FILL,
            404: NOT_FOUND,
            409: error(
                "`already_submitted`: the form was already submitted (a second click; nothing "
                "changed); `locked`: its campaign is closed."
            ),
        },
        summary="Submit the form",
        description="Checks completeness, locks the form for the departments' review and "
        "enters every non-compliant item in the hazard register (or updates, or withdraws, the "
        "hazard an earlier round made), all at once; after the deadline the form is marked "
        "late. `answers` not saved yet may come along (as the page posts its unsaved input): "
        "they are saved first and stay saved when the submission is refused. "
        f"Roles: {who(FORM_FILL)}: the school's, or the centre for a school of its bureau.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        form = _form_for(request.user, pk)
        rows = _rows(request, WithAnswersSerializer)
        try:
            result, refused = in_write_transaction(
                lambda: services.form_save_and_submit(
                    actor=request.user, form_id=form.pk, rows=rows
                )
            )
        except ValidationError as exc:  # a bad answer: nothing saved
            raise _row_refusal(exc) from exc
        if refused is not None:  # the answers sent stay saved
            raise _row_refusal(refused)
        result = {**result, "form": selectors.form_for(request.user, form.pk)}
        return Response(SubmitResultSerializer(result).data)

    @extend_schema(
        parameters=[ID],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The form's workbook, named “<school>_<campaign>_自查表.xlsx” (the "
                "page's bytes and name).",
            ),
            403: _FORBIDDEN_VIEW,
            404: NOT_FOUND,
        },
        summary="Download the form as an Excel workbook",
        description="Blank or partly filled, to fill in offline and import again. "
        f"Roles: {who(CAMPAIGN_VIEW)}, on the forms in their scope.",
    )
    @action(detail=True, methods=["get"], content_negotiation_class=IgnoreAccept)
    def export(self, request, pk=None):
        form = _form_for(request.user, pk)
        return file_answer(
            io.BytesIO(form_workbook_bytes(form)), export_name(form), content_type=XLSX_CONTENT_TYPE
        )

    @extend_schema(
        parameters=[ID],
        request={"multipart/form-data": FormImportSerializer},
        responses={
            202: _JOB,
            400: error(
                "`invalid`: no file, or a file over the limits (a zip too large, too many "
                "members, a zip inside a workbook), each named in `errors.files`. Nothing is "
                "started. The workbooks' own errors (every bad cell, in Chinese) are in the "
                "job's result."
            ),
            403: _FORBIDDEN_FILL,
            404: NOT_FOUND,
        },
        summary="Import a filled workbook into this form (a job)",
        description="The workbook must be this form's. A workbook with any error saves "
        "nothing; the job's result lists every bad cell. With `submit`, a form complete after "
        f"the import is submitted. Roles: {who(FORM_FILL)}: the school's, or the centre for a "
        "school of its bureau.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_workbook(self, request, pk=None):
        form = _form_for(request.user, pk)
        if not selectors.may_fill(request.user, form):
            raise PermissionDenied(_("Only the school (or the safety centre) fills in this form."))
        job = _start_import(request, campaign=form.campaign, form_id=form.pk)
        return job_answer(job, request)


@extend_schema(tags=TAGS)
class CampaignFormsViewSet(_Base):
    """The forms of one campaign: the list, the zip of them all, the import of many."""

    serializer_class = FormSerializer

    @extend_schema(
        parameters=[ID, *_list_parameters()],
        responses={
            200: FormSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN_VIEW,
            404: NOT_FOUND,
        },
        summary="List a campaign's forms",
        description="As `GET /api/v1/forms/?campaign={id}`, by school, but 404 for a campaign "
        f"outside the caller's scope (the page's answer). Roles: {who(CAMPAIGN_VIEW)}.",
    )
    def list(self, request, pk=None):
        require(request.user, CAMPAIGN_VIEW)
        campaign = selectors.campaign_for(request.user, key(pk))
        return _filtered_list(self, request, campaign)

    @extend_schema(
        parameters=[ID],
        request=None,
        responses={
            202: _JOB,
            403: error(f"`permission_denied`: the caller holds none of {who(CAMPAIGN_MANAGE)}."),
            404: NOT_FOUND,
        },
        summary="Zip every form of a campaign (a job)",
        description="One workbook per school, as `forms/{id}/export/` writes it; the zip is "
        "the job's file. Roles: "
        f"{who(CAMPAIGN_MANAGE)}, for the campaigns of their bureau (404 for any other).",
    )
    def export(self, request, pk=None):
        require(request.user, CAMPAIGN_MANAGE)
        campaign = selectors.campaign_to_run(request.user, key(pk))
        return job_answer(forms_zip_start(actor=request.user, campaign=campaign), request)

    @extend_schema(
        parameters=[ID],
        request={"multipart/form-data": FormImportSerializer},
        responses={
            202: _JOB,
            400: error(
                "`invalid`: no file, or a file over the limits, each named in `errors.files`. "
                "Nothing is started. The workbooks' own errors (every bad cell, in Chinese) "
                "are in the job's result."
            ),
            403: error(f"`permission_denied`: the caller holds none of {who(FORM_FILL)}."),
            404: NOT_FOUND,
        },
        summary="Import filled workbooks of a campaign's forms (a job)",
        description="Each workbook (several files, or a zip of them) is imported into the form "
        "it belongs to, on its own: one with errors saves nothing, the others are saved. With "
        f"`submit`, each form complete after its import is submitted. Roles: {who(FORM_FILL)}: "
        "a school its own form, the centre any form of its bureau.",
    )
    def import_workbooks(self, request, pk=None):
        require(request.user, FORM_FILL)
        campaign = selectors.campaign_for(request.user, key(pk))
        return job_answer(_start_import(request, campaign=campaign), request)


@extend_schema(tags=TAGS)
class AnswerViewSet(_Base):
    """One item's answer: its evidence."""

    queryset = FormAnswer.objects.none()  # for the schema
    serializer_class = AnswerSerializer

    @extend_schema(
        parameters=[ID],
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={
            201: AnswerSerializer,
            400: error(
                "`invalid`: no file, or a file refused (not a photo, PDF or Office document by "
                "its content, larger than 20 MB, a damaged photo), each named in "
                "`errors.files`. Nothing is stored."
            ),
            403: _FORBIDDEN_FILL,
            404: NOT_FOUND,
            409: _LOCKED,
        },
        summary="Attach photos or documents to an answer",
        description="Multipart `files` (one or several). Every file is checked by its content "
        "(type, size, a photo that opens) before anything is written; the answer is returned "
        "with its evidence. On submission a non-compliant item's photos become its hazard's "
        f"evidence. Roles: {who(FORM_FILL)}: the school's, or the centre for a school of its "
        "bureau, while the form can change.",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request, pk=None):
        answer = selectors.answer_for(request.user, key(pk))
        serializer = EvidenceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            # checks the files before its transaction begins (not inside one: no
            # ATOMIC_REQUESTS), as the page's upload does
            services.answer_attach(
                actor=request.user, answer_id=answer.pk, files=serializer.validated_data["files"]
            )
        except FormAnswer.DoesNotExist as exc:
            raise PermissionDenied(
                _("Only the school (or the safety centre) fills in this form.")
            ) from exc
        [answer] = selectors.answers(answer.form, pk=answer.pk)
        return Response(AnswerSerializer(answer).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS)
class FormEvidenceViewSet(_Base):
    """Evidence files of answers, only to whoever sees the answer's form."""

    queryset = FormEvidence.objects.none()  # for the schema
    content_negotiation_class = IgnoreAccept

    @extend_schema(
        parameters=[
            ID,
            OpenApiParameter(
                "thumbnail",
                bool,
                required=False,
                description="`1`: the photo's small JPEG thumbnail instead of the file.",
            ),
        ],
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file, with the content type recognised from its content and "
                "its original (Chinese) name; photos and PDFs inline.",
            ),
            403: _FORBIDDEN_VIEW,
            404: error(
                "`not_found`: no such file, it is outside the caller's scope, or it has no "
                "thumbnail (a document)."
            ),
        },
        summary="Download an answer's photo or document",
        description=f"Roles: {who(CAMPAIGN_VIEW)}, for the forms in their scope (the same check "
        "as the page's).",
    )
    def retrieve(self, request, pk=None):
        evidence = selectors.evidence_for(request.user, key(pk))
        thumbnail = request.query_params.get("thumbnail") in ("1", "true")
        if thumbnail and not evidence.thumbnail:
            raise exceptions.NotFound(_("This file has no thumbnail."))
        return serve_evidence(evidence, thumbnail=thumbnail)


router = SimpleRouter()
router.register("forms", FormViewSet, basename="api-form")
router.register("answers", AnswerViewSet, basename="api-form-answer")
router.register("form-evidence", FormEvidenceViewSet, basename="api-form-evidence")

urlpatterns = [
    *router.urls,
    path(
        "campaigns/<str:pk>/forms/",
        CampaignFormsViewSet.as_view({"get": "list"}),
        name="api-campaign-forms",
    ),
    path(
        "campaigns/<str:pk>/forms/export/",
        CampaignFormsViewSet.as_view({"post": "export"}),
        name="api-campaign-forms-export",
    ),
    path(
        "campaigns/<str:pk>/forms/import/",
        CampaignFormsViewSet.as_view({"post": "import_workbooks"}),
        name="api-campaign-forms-import",
    ),
]
