"""Spot check pages: the list, ordering a check (with a preview of the strata), a check with its
strata, sample and the verification of its draw, assigning inspectors, an inspector's
assignments, recording a result with photos, and the photos served only inside the scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.access import can, require, scope_for
from safecampus.core.capabilities import SPOT_CHECK_ORDER, SPOT_CHECK_RECORD, SPOT_CHECK_VIEW
from safecampus.core.refusals import to_form
from safecampus.hazards.evidence import serve_evidence

from . import access, selectors, services
from .forms import AssignForm, RecordForm, SpotCheckOrderForm
from .lifecycle import ASSIGN
from .models import Claim, Result

PAGE_SIZE = 50
SAMPLE_PAGE_SIZE = 100
#: schools are never told about a check (a drawn school is not warned)


def _order_bureaus(user) -> frozenset[int]:
    return access.order_bureaus(scope_for(user))


@login_required
def check_list(request):
    require(request.user, SPOT_CHECK_VIEW)
    page = Paginator(selectors.check_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "spotchecks/check_list.html",
        {
            "page": page,
            "can_order": bool(_order_bureaus(request.user)),
            "can_record": can(request.user, SPOT_CHECK_RECORD),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def check_create(request):
    """Order a check. "Preview" shows each stratum's population and draw size; "Order and draw"
    draws at once."""
    bureaus = selectors.require_orderer(request.user)
    form = SpotCheckOrderForm(request.POST or None, bureau_ids=bureaus, user=request.user)
    preview = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            if "preview" in request.POST:
                preview = selectors.draw_preview(
                    user=request.user,
                    bureau=d["bureau"],
                    claims=d["claims"],
                    by_colour=d["by_colour"],
                    campaign=d["campaign"],
                    proportion=form.proportion,
                    minimum=d["minimum_per_stratum"],
                )
            else:
                try:
                    check = services.spot_check_order(
                        actor=request.user,
                        bureau=d["bureau"],
                        campaign=d["campaign"],
                        title=d["title"],
                        proportion=form.proportion,
                        claims=d["claims"],
                        by_colour=d["by_colour"],
                        minimum_per_stratum=d["minimum_per_stratum"],
                        seed=d["seed"],
                        note=d["note"],
                    )
                except ValidationError as exc:
                    to_form(form, exc)
                else:
                    messages.success(
                        request,
                        ngettext("%(n)d hazard drawn.", "%(n)d hazards drawn.", check.sample_size)
                        % {"n": check.sample_size},
                    )
                    return redirect(check)
        if form.errors:
            status = 400
    return render(
        request,
        "spotchecks/check_form.html",
        {
            "form": form,
            "preview": preview,
            "preview_population": sum(r.population for r in preview or ()),
            "preview_drawn": sum(r.drawn for r in preview or ()),
        },
        status=status,
    )


def _detail(request, check, *, verification=None, assign_form=None, status=200):
    user = request.user
    items = selectors.check_items(user=user, check=check)
    page = Paginator(items, SAMPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    strata = selectors.strata_table(user=user, check=check)
    labels = {s.key: s for s in strata}
    page.object_list = list(page.object_list)
    for item in page.object_list:
        item.stratum_row = labels.get(item.stratum)
    can_assign = selectors.can_assign(user, check)
    candidates = selectors.inspector_candidates(bureau_id=check.bureau_id) if can_assign else []
    if can_assign and assign_form is None:
        assign_form = AssignForm(candidates=candidates, item_ids=[])
    return render(
        request,
        "spotchecks/check_detail.html",
        {
            "check": check,
            "whole": selectors.sees_whole_check(user, check),
            "strata": strata,
            "page": page,
            "verification": verification,
            "can_assign": can_assign,
            "assign_form": assign_form,
            "record_any": access.may_record_any(scope_for(user), check),
            "claim_labels": [Claim(c).label for c in check.claims if c in Claim.values],
        },
        status=status,
    )


@login_required
def check_detail(request, pk: int):
    require(request.user, SPOT_CHECK_VIEW)
    check = selectors.check_get(user=request.user, pk=pk)
    return _detail(request, check)


@login_required
def check_verify(request, pk: int):
    """Draw again from the stored population and seed and compare with the stored sample."""
    require(request.user, SPOT_CHECK_VIEW)
    check = selectors.check_get(user=request.user, pk=pk)
    return _detail(request, check, verification=selectors.verify(check))


@login_required
@require_POST
def check_assign(request, pk: int):
    require(request.user, SPOT_CHECK_ORDER)
    check = selectors.check_get(user=request.user, pk=pk, action=ASSIGN)
    candidates = selectors.inspector_candidates(bureau_id=check.bureau_id)
    item_ids = selectors.item_ids(check)
    form = AssignForm(request.POST, candidates=candidates, item_ids=item_ids)
    if form.is_valid():
        d = form.cleaned_data
        inspector = selectors.candidate_user(candidates, d["inspector"])
        try:
            n = services.spot_check_assign(
                actor=request.user,
                spot_check=check,
                inspector=inspector,
                item_ids=d["items"],
                stratum=d["stratum"] or None,
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(
                request,
                ngettext("%(n)d hazard assigned.", "%(n)d hazards assigned.", n) % {"n": n},
            )
            return redirect(check)
    for errs in form.errors.values():
        for e in errs:
            messages.error(request, e)
    return _detail(request, check, assign_form=form, status=400)


@login_required
def my_assignments(request):
    require(request.user, SPOT_CHECK_RECORD)
    page = Paginator(selectors.my_assignments(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "spotchecks/my_assignments.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def item_detail(request, pk: int):
    """One drawn hazard: its claim, the result and photos once recorded; the record form for the
    person assigned (or the centre and leaders)."""
    require(request.user, SPOT_CHECK_VIEW)
    item = selectors.item_get(user=request.user, pk=pk)
    may_record = selectors.may_record(request.user, item)
    form = None
    status = 200
    if request.method == "POST":
        selectors.require_recorder(request.user, item)
        form = RecordForm(request.POST, request.FILES)
        # a result already recorded is refused by the service whatever the form holds
        if form.is_valid() or item.result != Result.PENDING:
            d = form.cleaned_data
            try:
                services.spot_check_record(
                    actor=request.user,
                    item=item,
                    result=d.get("result", ""),
                    finding=d.get("finding", ""),
                    checked_on=d.get("checked_on"),
                    files=d.get("files") or (),
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("Result recorded."))
                return redirect("spotchecks:item_detail", pk=item.pk)
        status = 400
        item = selectors.item_get(user=request.user, pk=pk)
        may_record = selectors.may_record(request.user, item)
    elif may_record:
        form = RecordForm()
    return render(
        request,
        "spotchecks/item_detail.html",
        {
            "item": item,
            "check": item.spot_check,
            "form": form if may_record or status == 400 else None,
            "evidence": item.evidence.all(),
        },
        status=status,
    )


@login_required
def evidence_file(request, pk: int):
    """A photo of a spot check, only to users whose scope includes its item (404 otherwise)."""
    require(request.user, SPOT_CHECK_VIEW)
    ev = selectors.evidence_get(user=request.user, pk=pk)
    return serve_evidence(ev)


@login_required
def evidence_thumb(request, pk: int):
    require(request.user, SPOT_CHECK_VIEW)
    ev = selectors.evidence_get(user=request.user, pk=pk)
    if not ev.thumbnail:
        raise Http404
    return serve_evidence(ev, thumbnail=True)
