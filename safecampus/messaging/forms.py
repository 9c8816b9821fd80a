"""The messaging pages' forms. The webhook and the secret are write-only: their inputs never
render a value, not even the one just typed when the form comes back with an error."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import ROBOTS, Status, Topic, Transport

TIME = forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M")


def _topic_choices():
    return [(t.value, t.label) for t in Topic if t != Topic.TEST]


class WriteOnly(forms.TextInput):
    """A text input that never shows a value (the webhook's token stays unseen)."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


class _Quiet(forms.Form):
    quiet_start = forms.TimeField(label=_("quiet from"), required=False, widget=TIME)
    quiet_end = forms.TimeField(label=_("quiet until"), required=False, widget=TIME)


class ChannelForm(_Quiet):
    """A new robot: its owner, service, group, webhook, secret, keywords, topics, quiet hours."""

    owner = forms.ChoiceField(label=_("Whose group"))
    transport = forms.ChoiceField(
        label=_("service"),
        choices=[(t.value, t.label) for t in Transport if t in ROBOTS],
        widget=forms.RadioSelect,
        initial=Transport.DINGTALK,
    )
    name = forms.CharField(
        label=_("group name"),
        max_length=64,
        help_text=_("The group's name as people know it, e.g. 甲小学安全工作群."),
    )
    webhook = forms.CharField(
        label=_("webhook address"),
        max_length=500,
        widget=WriteOnly(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"}),
        help_text=_(
            "DingTalk: group settings → 机器人 → add a 自定义 robot, then copy its Webhook "
            "(https://oapi.dingtalk.com/robot/send?access_token=…). WeCom: group → 群机器人 → add "
            "a robot, then copy its Webhook address (https://qyapi.weixin.qq.com/cgi-bin/webhook/"
            "send?key=…). It is never shown again once saved."
        ),
    )
    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "DingTalk only: under the robot's 安全设置 choose 加签 and copy the secret that "
            "starts with SEC. It is never shown again once saved."
        ),
    )
    keywords = forms.CharField(
        label=_("keywords"),
        required=False,
        max_length=200,
        help_text=_(
            "DingTalk's 自定义关键词, if the robot has them (separated by spaces or commas): each "
            "message carries one."
        ),
    )
    topics = forms.MultipleChoiceField(
        label=_("topics carried"),
        choices=_topic_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    field_order = ["owner", "transport", "name", "webhook", "secret", "keywords", "topics"]

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = {o.value: o for o in owners}
        self.fields["owner"].choices = [(o.value, o.label) for o in owners]
        self.fields["topics"].initial = [t for t, _label in _topic_choices()]
        for name in ("name", "keywords"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["webhook"].widget.attrs["class"] = "form-control"
        self.fields["secret"].widget.attrs["class"] = "form-control"
        self.fields["owner"].widget.attrs["class"] = "form-select"

    def service_data(self) -> dict:
        d = self.cleaned_data
        owner = self.owners[d["owner"]]
        return {
            "bureau": owner.bureau_id,
            "department": owner.department,
            "school": owner.school,
            "transport": d["transport"],
            "name": d["name"],
            "webhook": d["webhook"],
            "secret": d["secret"],
            "keywords": d["keywords"],
            "topics": d["topics"],
            "quiet_start": d["quiet_start"],
            "quiet_end": d["quiet_end"],
        }


class ChannelEditForm(_Quiet):
    name = forms.CharField(label=_("group name"), max_length=64)
    keywords = forms.CharField(
        label=_("keywords"),
        required=False,
        max_length=200,
        help_text=ChannelForm.base_fields["keywords"].help_text,
    )
    topics = forms.MultipleChoiceField(
        label=_("topics carried"),
        choices=_topic_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    field_order = ["name", "keywords", "topics"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "keywords"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("name", "keywords", "topics", "quiet_start", "quiet_end")}


class SecretForm(forms.Form):
    webhook = forms.CharField(
        label=_("new webhook address"),
        required=False,
        max_length=500,
        widget=WriteOnly(
            attrs={"autocomplete": "off", "class": "form-control", "inputmode": "url"}
        ),
        help_text=_("Leave empty to keep the present one."),
    )
    secret = forms.CharField(
        label=_("new signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "class": "form-control"}),
        help_text=_("Leave empty to keep the present one."),
    )
    unsign = forms.BooleanField(
        label=_("The robot no longer uses 加签: remove the secret"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        d = super().clean()
        if not d.get("webhook") and not d.get("secret") and not d.get("unsign"):
            raise forms.ValidationError(_("Give a new webhook address or a new secret."))
        if d.get("secret") and d.get("unsign"):
            raise forms.ValidationError(_("Give a new secret or remove it, not both."))
        return d

    def secret_value(self):
        d = self.cleaned_data
        if d.get("unsign"):
            return ""
        return d.get("secret") or None


DAY = forms.NumberInput(attrs={"class": "form-control", "min": 0, "max": 365})
#: the unit under each day field of the ladder
DAYS = pgettext_lazy("unit of the ladder", "days overdue")


class SettingsForm(forms.Form):
    quiet_start = forms.TimeField(label=_("quiet from"), widget=TIME)
    quiet_end = forms.TimeField(label=_("quiet until"), widget=TIME)
    digest_time = forms.TimeField(label=_("daily digest at"), widget=TIME)
    general_head_days = forms.IntegerField(
        label=_("department head"), min_value=0, max_value=365, widget=DAY, help_text=DAYS
    )
    general_centre_days = forms.IntegerField(
        label=_("safety centre"), min_value=0, max_value=365, widget=DAY, help_text=DAYS
    )
    general_leaders_days = forms.IntegerField(
        label=_("leadership group"), min_value=0, max_value=365, widget=DAY, help_text=DAYS
    )
    major_head_days = forms.IntegerField(
        label=_("department head"), min_value=0, max_value=365, widget=DAY, help_text=DAYS
    )
    major_centre_days = forms.IntegerField(
        label=_("safety centre"), min_value=0, max_value=365, widget=DAY, help_text=DAYS
    )
    major_leaders_days = forms.IntegerField(
        label=_("leadership group"), min_value=0, max_value=365, widget=DAY, help_text=DAYS
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = list(departments)
        for dept, officers, head in self.departments:
            self.fields[f"head_{dept.pk}"] = forms.ChoiceField(
                label=dept.name,
                required=False,
                choices=[("", _("No head: all its officers"))]
                + [(str(u.pk), u.display_name) for u in officers],
                initial=str(head) if head else "",
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def ladder(self, level: str):
        return [self[f"{level}_{s}_days"] for s in ("head", "centre", "leaders")]

    def head_fields(self):
        return [self[f"head_{d.pk}"] for d, _o, _h in self.departments]

    def service_data(self) -> dict:
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k != "version" and not k.startswith("head_")
        }

    def heads(self):
        """[(department, officer or None, present head id)] for the departments changed."""
        out = []
        for dept, officers, head in self.departments:
            raw = self.cleaned_data.get(f"head_{dept.pk}") or ""
            chosen = next((u for u in officers if str(u.pk) == raw), None)
            if getattr(chosen, "pk", None) != head:
                out.append((dept, chosen))
        return out


class PreferenceForm(_Quiet):
    email = forms.EmailField(
        label=_("e-mail address"),
        required=False,
        widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "email"}),
        help_text=_("Empty: no e-mail at all; the notices stay in the platform."),
    )
    email_topics = forms.MultipleChoiceField(
        label=_("by e-mail"),
        choices=[(t.value, t.label) for t in Topic if t not in (Topic.TEST, Topic.DIGEST)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    email_digest = forms.BooleanField(label=_("daily digest by e-mail"), required=False)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("Any status"))] + list(Status.choices)
    )
    transport = forms.ChoiceField(
        label=_("service"),
        required=False,
        choices=[("", _("Any service"))] + list(Transport.choices),
    )
    topic = forms.ChoiceField(
        label=_("topic"), required=False, choices=[("", _("Any topic"))] + list(Topic.choices)
    )
    channel = forms.TypedChoiceField(
        label=_("group robot"), required=False, coerce=int, empty_value=None
    )
    days = forms.TypedChoiceField(
        label=_("period"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any time")), ("7", _("Last 7 days")), ("30", _("Last 30 days"))],
    )
    created_from = forms.DateField(
        label=_("created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    #: the dashboard's bureau filter, carried by its links
    bureau = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("Any robot"))] + [
            (str(c.pk), f"{c.owner} · {c.name}") for c in channels
        ]
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select form-select-sm"
        self.fields["created_from"].widget.attrs["class"] = "form-control form-control-sm"

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def _yes_no(value):
    return {"true": True, "false": False}.get(value)


class ChannelFilterForm(forms.Form):
    """The robot list's filters (the dashboard card's links: ``failing``, ``active``,
    ``bureau``)."""

    active = forms.TypedChoiceField(
        label=_("State"),
        required=False,
        coerce=_yes_no,
        empty_value=None,
        choices=[
            ("", _("Any state")),
            ("true", pgettext_lazy("robot filter", "Active")),
            ("false", pgettext_lazy("robot filter", "Paused")),
        ],
    )
    failing = forms.TypedChoiceField(
        label=_("delivery"),
        required=False,
        coerce=_yes_no,
        empty_value=None,
        choices=[
            ("", pgettext_lazy("robot filter", "Any")),
            ("true", pgettext_lazy("robot filter", "Failing")),
            ("false", pgettext_lazy("robot filter", "Not failing")),
        ],
    )
    #: the dashboard's bureau filter, carried by its links
    bureau = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.visible_fields():
            f.field.widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v is not None}
