from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record
from safecampus.core.access import require
from safecampus.core.capabilities import ACCOUNT_MANAGE
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import to_form

from . import selectors, services
from .forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    RoleGrantForm,
    UserCreateForm,
    UserEditForm,
)
from .login_bureau import login_bureau, remember_login_bureau
from .models import ApiToken, RoleAssignment, User


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request, bureau_id: int | None = None):
    if request.user.is_authenticated:
        return redirect("core:home")
    bureau = login_bureau(request, bureau_id)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                bureau=bureau,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            # the new session row and last_login in one short write, retried if SQLite is busy
            in_write_transaction(lambda: login(request, user))
            target = request.POST.get("next") or request.GET.get("next")
            if not (target and url_has_allowed_host_and_scheme(target, {request.get_host()})):
                target = "core:home"
            response = redirect(target)
            remember_login_bureau(response, user)
            return response
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", ""), "bureau": bureau},
    )


@require_POST
def logout_view(request):
    user = request.user

    def record_and_end():
        if user.is_authenticated:
            audit_record(action=Action.LOGOUT, actor=user)
        logout(request)

    in_write_transaction(record_and_end)
    return redirect("accounts:login")


@login_required
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed."))
            return redirect("core:home")
    reset = request.user.must_change_password and selectors.password_was_reset(request.user)
    return render(request, "accounts/password_change.html", {"form": form, "reset": reset})


def _require_manager(user):
    require(user, ACCOUNT_MANAGE, _("Only the security administrator manages accounts."))


@login_required
def user_list(request):
    _require_manager(request.user)
    qs = (
        User.objects.editable_by(request.user)
        .select_related("bureau")
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.active().select_related(
                    "bureau", "department", "school", "partner"
                ),
                to_attr="active_roles",
            )
        )
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__contains=q))
    if request.GET.get("locked") == "1":
        from django.utils import timezone

        qs = qs.filter(locked_until__gt=timezone.now())
    page = Paginator(qs.order_by("username"), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": q})


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    _require_manager(request.user)
    form = UserCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("Account %(u)s created.") % {"u": user.username})
            return redirect(user)
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def user_detail(request, pk: int):
    _require_manager(request.user)
    target = selectors.account_for_edit(user=request.user, pk=pk)
    return _render_detail(request, target)


def _render_detail(request, target, **forms):
    assignments = target.role_assignments.select_related(
        "bureau", "department", "school", "partner", "granted_by", "revoked_by"
    ).order_by("revoked_at", "-granted_at")
    ctx = {
        "target": target,
        "assignments": assignments,
        "edit_form": forms.get("edit_form")
        or UserEditForm(
            initial={
                "full_name": target.full_name,
                "phone": target.phone,
                "is_active": target.is_active,
            }
        ),
        "grant_form": forms.get("grant_form") or RoleGrantForm(user=request.user),
        "reset_form": forms.get("reset_form") or PasswordResetForm(),
    }
    return render(request, "accounts/user_detail.html", ctx)


def _target(request, pk):
    _require_manager(request.user)
    return selectors.account_for_edit(user=request.user, pk=pk)


@login_required
@require_POST
def user_edit(request, pk: int):
    target = _target(request, pk)
    form = UserEditForm(request.POST)
    if form.is_valid():
        try:
            services.user_update(actor=request.user, user=target, **form.cleaned_data)
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(target)
    return _render_detail(request, target, edit_form=form)


@login_required
@require_POST
def user_grant(request, pk: int):
    target = _target(request, pk)
    form = RoleGrantForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.role_grant(
                actor=request.user,
                user=target,
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["organisation"],
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("Role granted."))
            return redirect(target)
    return _render_detail(request, target, grant_form=form)


@login_required
@require_POST
def user_revoke(request, pk: int, assignment_pk: int):
    target = _target(request, pk)
    assignment = selectors.assignment_of(user=request.user, target=target, pk=assignment_pk)
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Role revoked."))
    return redirect(target)


@login_required
@require_POST
@sensitive_post_parameters()
def user_reset_password(request, pk: int):
    target = _target(request, pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.password_reset(
                actor=request.user, user=target, new_password=form.cleaned_data["new_password"]
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(
                request, _("Password reset. The user must change it at the next login.")
            )
            return redirect(target)
    return _render_detail(request, target, reset_form=form)


@login_required
@require_POST
def user_unlock(request, pk: int):
    target = _target(request, pk)
    services.account_unlock(actor=request.user, user=target)
    messages.success(request, _("Account unlocked."))
    return redirect(target)


@login_required
def token_list(request):
    """The user's own API tokens: when each was created, last used and expires."""
    from django.conf import settings
    from django.utils import timezone

    context = {
        "tokens": ApiToken.objects.owned_by(request.user),
        "now": timezone.now(),
        "idle_days": settings.API_TOKEN_IDLE_DAYS,
        "max_days": settings.API_TOKEN_MAX_DAYS,
    }
    return render(request, "accounts/token_list.html", context)


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = selectors.own_token(user=request.user, pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("API token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("accounts:token_list")
