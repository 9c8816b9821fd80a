from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")


class SchoolStage(models.TextChoices):
    """学段/类型 of DOMAIN.md §2."""

    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary school")
    SENIOR = "senior", _("Senior secondary school")
    NINE_YEAR = "nine_year", _("Nine-year school")
    TWELVE_YEAR = "twelve_year", _("Twelve-year school")
    COMPLETE_SECONDARY = "complete_secondary", _("Complete secondary school")
    VOCATIONAL = "vocational", _("Secondary vocational school")
    SPECIAL = "special", _("Special education school")
    REFORM = "reform", _("Specialised (reform) school")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class CoordSystem(models.TextChoices):
    """Every coordinate carries its system (DOMAIN.md §9)."""

    WGS84 = "wgs84", _("WGS-84 (GPS)")
    GCJ02 = "gcj02", _("GCJ-02 (Amap/Tencent)")
    BD09 = "bd09", _("BD-09 (Baidu)")


class DepartmentKind(models.TextChoices):
    OFFICE = "office", _("Office")
    SECTION = "section", _("Section (科室)")
    CENTRE = "centre", _("Centre")
    INSTITUTE = "institute", _("Institute")


class PartnerKind(models.TextChoices):
    POLICE = "police", _("Public security")
    FIRE = "fire", _("Fire and rescue")
    MARKET = "market", _("Market regulation")
    HEALTH = "health", _("Health commission")
    STREET = "street", _("Street / township")
    CULTURE = "culture", _("Culture and law enforcement")
    TRANSPORT = "transport", _("Transport")
    OTHER = "other", _("Other")


class LeadershipPosition(models.TextChoices):
    LEADER = "leader", _("Group leader (组长)")
    DEPUTY = "deputy", _("Deputy leader (副组长)")
    MEMBER = "member", _("Member (组员)")
