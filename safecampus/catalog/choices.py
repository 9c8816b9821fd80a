from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class HazardLevel(models.TextChoices):
    GENERAL = "general", _("General hazard")
    MAJOR = "major", _("Major hazard")


class RouteSubject(models.TextChoices):
    """Whom a check item is about, where the seeds split an item's departments by it
    (000 §四(一)4①: 人事科（教师）、普教一科（学生）)."""

    TEACHERS = "teachers", pgettext_lazy("subject", "Teachers")
    STUDENTS = "students", pgettext_lazy("subject", "Students")
