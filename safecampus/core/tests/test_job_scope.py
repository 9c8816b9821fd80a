"""The job pages, checked the one way (``core.testing.scope_matrix``): a job is its starter's,
and only while they still hold a role that may run its kind (another user: 404)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(world):
    job = Job.objects.create(
        kind="orgs.school_export",
        title="学校名单",
        created_by=world.users[Role.SAFETY_CENTRE],
        status=Job.Status.SUCCEEDED,
        output_name="schools.xlsx",
    )
    job.output_file.save("schools.xlsx", ContentFile(b"PK"), save=True)
    return job


def test_a_job_is_only_its_starters(world, job, client):
    u = world.users
    for url in (
        reverse("core:job_detail", args=[job.pk]),
        reverse("core:job_download", args=[job.pk]),
    ):
        scope_matrix(
            client,
            url,
            permitted=u[Role.SAFETY_CENTRE],
            # the system admin may run the kind, the auditor may not: neither started it
            out_of_scope=[u[Role.SYSTEM_ADMIN], u[Role.AUDITOR]],
        )
    scope_matrix(client, reverse("core:job_list"), permitted=u[Role.AUDITOR])


def test_a_starter_who_lost_the_role_no_longer_sees_the_job(world, job, client):
    centre = world.users[Role.SAFETY_CENTRE]
    centre.role_assignments.update(role=Role.LEADERSHIP)
    client.force_login(centre)
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 404
