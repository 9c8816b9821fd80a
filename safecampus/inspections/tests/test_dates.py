"""A self-inspection form whose hazard deadline is before the day it is submitted (the day the
hazard is found) is refused, naming the item; nothing is submitted and no hazard is made."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from safecampus.campaigns.testing import complete_rows
from safecampus.hazards.models import Hazard
from safecampus.inspections import services
from safecampus.inspections.choices import FormStatus

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Shanghai


def test_a_deadline_before_the_day_found_refuses_the_submission(camp):
    with time_machine.travel(NOW, tick=False):
        rows = complete_rows(camp.form_a, non_compliant={"A01-01"})
        answer_id = next(k for k, r in rows.items() if r["answer"] == "non_compliant")
        rows[answer_id]["deadline"] = datetime.date(1999, 1, 1)
        services.form_save(actor=camp.school_user, form_id=camp.form_a.pk, rows=rows)
        hazards = Hazard.objects.count()
        with pytest.raises(ValidationError) as exc:
            services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
        assert exc.value.code == "incomplete"
        assert exc.value.rows == {
            str(answer_id): {"deadline": "整改时限不能早于发现隐患的日期（2026-11-20）。"}
        }
        camp.form_a.refresh_from_db()
        assert camp.form_a.status != FormStatus.SUBMITTED
        assert Hazard.objects.count() == hazards
        # the day it is found is accepted
        rows[answer_id]["deadline"] = datetime.date(2026, 11, 20)
        services.form_save(actor=camp.school_user, form_id=camp.form_a.pk, rows=rows)
        services.form_submit(actor=camp.school_user, form_id=camp.form_a.pk)
        assert Hazard.objects.get(campaign=camp.campaign).deadline == datetime.date(2026, 11, 20)
