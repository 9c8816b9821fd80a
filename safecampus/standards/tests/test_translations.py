"""The standards app speaks Chinese: the model names and labels shown on the pages and in the
API, and one name for a finding (核查问题) across the pages."""

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext

from safecampus.standards.models import Finding, GateFacts, SecurityFacts


def _chinese(text) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (SecurityFacts, None),
        (SecurityFacts, "status"),
        (SecurityFacts, "return_reason"),
        (GateFacts, None),
        (GateFacts, "name"),
        (GateFacts, "position"),
        (GateFacts, "guards_day"),
        (GateFacts, "guards_night"),
        (GateFacts, "guards_peak"),
        (GateFacts, "barrier"),
        (GateFacts, "video"),
        (GateFacts, "video_linked"),
        (GateFacts, "alarm"),
        (Finding, "required"),
        (Finding, "actual"),
        (Finding, "opened_at"),
        (Finding, "resolved_at"),
    ],
)
def test_model_names_and_labels_are_chinese(model, name):
    with translation.override("zh-hans"):
        label = (
            model._meta.verbose_name if name is None else model._meta.get_field(name).verbose_name
        )
        assert _chinese(label), (model.__name__, name, str(label))


def test_a_finding_is_called_the_same_on_every_page():
    msgids = [
        "No findings match.",
        "Open findings",
        "Open finding",
        "Security standards findings",
        "This finding is already a hazard.",
        "Choose findings from the list.",
        "Choose at least one finding to turn into a hazard.",
        "No open finding of this list is waiting to become a hazard.",
        "Give either the findings' ids or all=true.",
        "Only the department a finding goes to, or the safety centre, turns it into a hazard.",
    ]
    with translation.override("zh-hans"):
        texts = [gettext(m) for m in msgids]
        texts += [
            pgettext("standards finding", "Schools with open findings"),
            pgettext("standards finding", "Open findings not yet hazards"),
        ]
    for text in texts:
        assert "核查问题" in text, text
        assert not any(w in text for w in ("核查发现", "检查发现", "未整改问题")), text
