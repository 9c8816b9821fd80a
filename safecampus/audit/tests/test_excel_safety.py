"""The audit log export writes user text (names of users and objects) as text, never as a
formula."""

import io

import pytest

from safecampus.audit.excel import write_audit_workbook
from safecampus.audit.models import Action, AuditEvent
from safecampus.audit.services import audit_record
from safecampus.core.testing import SchoolFactory, UserFactory
from safecampus.core.testing_excel import FORMULA_TEXTS, assert_text_not_formula

pytestmark = pytest.mark.django_db


def test_the_audit_export_writes_user_text_as_text(world):
    actor = UserFactory(bureau=world.bureau, username=FORMULA_TEXTS[0])
    for text in FORMULA_TEXTS[1:]:
        school = SchoolFactory(bureau=world.bureau, name=text)
        audit_record(action=Action.CONFIG_CHANGED, actor=actor, target=school, data={"name": text})
    buf = io.BytesIO()
    n = write_audit_workbook(buf, AuditEvent.objects.order_by("pk"))
    assert n == AuditEvent.objects.count() >= 5
    assert_text_not_formula(buf.getvalue())
