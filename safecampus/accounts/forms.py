from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import scope_for
from safecampus.core.forms import bootstrap
from safecampus.core.roles import ROLE_LEVEL, OrgLevel, Role
from safecampus.orgs.models import Bureau, Department, PartnerUnit, School

from . import access


def _style(form):
    bootstrap(form)


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput)
    new_password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput,
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=64)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    bureau = forms.ModelChoiceField(label=_("Bureau"), queryset=Bureau.objects.none())
    password = forms.CharField(
        label=_("Temporary password"),
        widget=forms.PasswordInput,
        help_text=_("The user must change it at first login."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"].queryset = Bureau.objects.restrict(user, "manage_accounts")
        _style(self)


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=64)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    is_active = forms.BooleanField(label=_("Account active"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(label=_("Temporary password"), widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class RoleGrantForm(forms.Form):
    """Choose a role and the organisation it is held in; choices obey the admin's scope."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    bureau = forms.ModelChoiceField(
        label=_("Bureau"), queryset=Bureau.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    school_code = forms.CharField(
        label=_("School identification code"), max_length=10, required=False
    )
    partner = forms.ModelChoiceField(
        label=_("Partner unit"), queryset=PartnerUnit.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        self.schools = School.objects.filter(access.managed_q(scope))
        self.fields["bureau"].queryset = Bureau.objects.filter(access.managed_q(scope, "pk"))
        self.fields["department"].queryset = Department.objects.filter(
            access.managed_q(scope)
        ).select_related("bureau")
        self.fields["partner"].queryset = PartnerUnit.objects.filter(access.managed_q(scope))
        _style(self)

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if not role:
            return data
        level = ROLE_LEVEL[role]
        org = None
        if level == OrgLevel.BUREAU:
            org = data.get("bureau")
            field = "bureau"
        elif level == OrgLevel.DEPARTMENT:
            org = data.get("department")
            field = "department"
        elif level == OrgLevel.PARTNER:
            org = data.get("partner")
            field = "partner"
        else:
            field = "school_code"
            code = (data.get("school_code") or "").strip()
            org = self.schools.filter(code=code).first() if code else None
            if code and org is None:
                self.add_error(field, _("No school with this code in your scope."))
                return data
        if org is None:
            self.add_error(field, _("This role needs this field."))
        data["organisation"] = org
        return data
