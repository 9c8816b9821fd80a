"""A demo campaign for the demo district: launched to every school, some forms submitted (a few
late, some with non-compliant items that became hazards), some in progress, some reviewed; plus
next year's four-month campaign as a draft from its template."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from safecampus.accounts.models import RoleAssignment, User
from safecampus.campaigns import services as campaign_services
from safecampus.catalog.models import CatalogVersion
from safecampus.core.roles import Role
from safecampus.demo.hazards import PEOPLE, _school_officer
from safecampus.inspections import services
from safecampus.inspections.choices import Answer
from safecampus.inspections.models import FormAnswer


def seed_demo_campaign(*, district, password: str, submitted: int = 40, started: int = 15, seed=11):
    rng = random.Random(seed)
    today = timezone.localdate()
    centre = User.objects.get(username="centre")
    version = (
        CatalogVersion.objects.filter(bureau=district, status="published")
        .order_by("-number")
        .first()
    )
    campaign = campaign_services.campaign_save(
        actor=centre,
        bureau=district,
        data={
            "name": f"{today.year}年冬季校园安全风险隐患大排查",
            "doc_number": f"教安〔{today.year}〕18号",
            "description": (
                "各学校对照排查标准开展自查，部门排查与学校自查相结合，建立台账，逐一销号。"
            ),
            "forms_due": today + datetime.timedelta(days=10),
            "catalog_version": version,
        },
        phases=[
            {
                "name": "集中排查",
                "kind": "inspection",
                "starts_on": today - datetime.timedelta(days=10),
                "ends_on": today + datetime.timedelta(days=20),
            },
            {
                "name": "专项整治",
                "kind": "rectification",
                "starts_on": today + datetime.timedelta(days=21),
                "ends_on": today + datetime.timedelta(days=80),
                "weekly_reports": True,
            },
            {
                "name": "总结评估",
                "kind": "evaluation",
                "starts_on": today + datetime.timedelta(days=81),
                "ends_on": today + datetime.timedelta(days=100),
            },
        ],
        milestones=[
            {"name": "责任部门反馈整改情况", "due_on": today + datetime.timedelta(days=90)}
        ],
    )
    campaign_services.campaign_launch(actor=centre, campaign_id=campaign.pk)
    dept_users = {
        ra.department_id: ra.user
        for ra in RoleAssignment.objects.active()
        .filter(role=Role.DEPARTMENT_OFFICER, department__bureau=district)
        .select_related("user")
    }
    forms = list(campaign.forms.select_related("school").order_by("id")[: submitted + started])
    for n, form in enumerate(forms):
        officer = _school_officer(form.school, password)
        answers = list(FormAnswer.objects.filter(form=form).select_related("item"))
        bad = set(rng.sample(range(len(answers)), k=min(len(answers), rng.choice([0, 1, 1, 2, 3]))))
        rows = {}
        for i, a in enumerate(answers):
            if n >= submitted and i > len(answers) // 2:
                break  # a form still being filled in
            if i in bad:
                rows[a.pk] = {
                    "answer": Answer.NON_COMPLIANT,
                    "description": f"{a.item.text[:30]}——自查发现未落实",
                    "plan": "制定整改方案，落实责任人和资金，按期完成",
                    "deadline": today + datetime.timedelta(days=rng.randrange(20, 90)),
                    "responsible_person": rng.choice(PEOPLE),
                    "interim_measures": "设置警示标识，安排专人看守"
                    if a.item.default_level == "major"
                    else "",
                }
            elif rng.random() < 0.05:
                rows[a.pk] = {"answer": Answer.NOT_APPLICABLE, "na_reason": "本校无此设施"}
            else:
                rows[a.pk] = {"answer": Answer.COMPLIANT}
        services.form_save(actor=officer, form_id=form.pk, rows=rows)
        if n < submitted:
            services.form_submit(actor=officer, form_id=form.pk)
            if n % 4 == 0:
                for dept_id in sorted(services.review_departments(form)):
                    reviewer = dept_users.get(dept_id, centre)
                    services.form_review(
                        actor=reviewer,
                        form_id=form.pk,
                        decision="accept",
                        department_id=dept_id,
                    )
            elif n % 7 == 1:
                dept_id = min(services.review_departments(form) or {None})
                if dept_id is not None:
                    services.form_review(
                        actor=dept_users.get(dept_id, centre),
                        form_id=form.pk,
                        decision="return",
                        reason="整改措施不够具体，请补充责任人和完成时限",
                        department_id=dept_id,
                    )
    campaign_services.campaign_from_blueprint(
        actor=centre,
        bureau=district,
        key="special_rectification",
        year=today.year + 1,
        catalog_version=version,
        doc_number=f"教安〔{today.year + 1}〕3号",
    )
    return campaign
