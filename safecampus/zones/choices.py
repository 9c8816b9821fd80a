"""Code lists of the student safety zone (DOMAIN.md §9); lifecycle tables are in ``lifecycle``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VenueType(models.TextChoices):
    INTERNET_CAFE = "internet_cafe", _("Internet café")
    ENTERTAINMENT = "entertainment", _("KTV and entertainment venue")
    GAME_HALL = "game_hall", _("Game hall")
    BAR = "bar", _("Bar")
    HOTEL = "hotel", _("Hotel or small inn")
    LOTTERY = "lottery", _("Lottery shop")
    POLLUTING = "polluting", _("Polluting works")
    VICE = "vice", _("Suspected vice")
    STALLS = "stalls", _("Street stalls")
    OTHER = "other", _("Other")


class VenueStatus(models.TextChoices):
    OPERATING = "operating", pgettext_lazy("venue status", "Operating")
    RECTIFYING = "rectifying", pgettext_lazy("venue status", "Under rectification")
    CLOSED = "closed", pgettext_lazy("venue status", "Closed")
    RELOCATED = "relocated", pgettext_lazy("venue status", "Relocated")
    EXEMPT = "exempt", pgettext_lazy("venue status", "Exempt")


#: a venue in these statuses is still there: inside a zone it opens a case
ACTIVE_VENUE = frozenset({VenueStatus.OPERATING, VenueStatus.RECTIFYING})


class VenueSource(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    PUBLIC_REPORT = "public_report", _("Public report")
    IMPORT = "import", _("Import")
    RELOCATION = "relocation", _("Relocation of a registered venue")


class VenueAction(models.TextChoices):
    REGISTER = "register", _("Register")
    EDIT = "edit", _("Correct details")
    MOVE = "move", _("Correct position")
    RECTIFY = "rectify", _("Put under rectification")
    CLOSE = "close", _("Record closure")
    RELOCATE = "relocate", _("Record relocation")
    EXEMPT = "exempt", _("Exempt")
    REOPEN = "reopen", _("Record reopening")


class MeasureFrom(models.TextChoices):
    GATE = "gate", _("The school gates")
    BOUNDARY = "boundary", _("The campus boundary")


class RuleKind(models.TextChoices):
    #: no venue of the listed types within the distance
    EXCLUSION = "exclusion", _("No such venues within the distance")
    #: the parents' waiting area lies within the distance of a gate
    WAITING_AREA = "waiting_area", _("Parents' waiting area within the distance of a gate")


class HitLine(models.TextChoices):
    """The line a distance was measured from."""

    GATE = "gate", _("Gate")
    BOUNDARY = "boundary", _("Campus boundary")
    #: the rule measures from the boundary, the school has none yet: measured from its gates
    GATES_INSTEAD = "gates_instead", _("Gates (no boundary recorded)")


class BoundarySource(models.TextChoices):
    DRAWN = "drawn", _("Drawn on the map")
    GEOJSON = "geojson", _("GeoJSON")
    KML = "kml", _("KML")
    EXCEL = "excel", _("Excel list of vertices")
    API = "api", _("API")


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("zone case status", "Found")
    RECTIFYING = "rectifying", pgettext_lazy("zone case status", "Being rectified")
    SUBMITTED = "submitted", pgettext_lazy("zone case status", "Awaiting verification")
    CLOSED = "closed", pgettext_lazy("zone case status", "Closed")
    LAPSED = "lapsed", pgettext_lazy("zone case status", "No longer in the zone")


#: a case still needs work (counts as open, and can be overdue)
OPEN_CASE = frozenset({CaseStatus.OPEN, CaseStatus.RECTIFYING, CaseStatus.SUBMITTED})
#: a case whose deadline can pass
RUNNING_CASE = frozenset({CaseStatus.OPEN, CaseStatus.RECTIFYING})


class CaseAction(models.TextChoices):
    OPEN = "open", _("Found in the zone")
    ASSIGN = "assign", _("Assign and set deadline")
    INSPECT = "inspect", _("Record an inspection")
    RECORD_CLOSURE = "record_closure", _("Record closure")
    RECORD_RELOCATION = "record_relocation", _("Record relocation")
    EXEMPT = "exempt", _("Exempt with reason")
    VERIFY = "verify", _("Verify and close")
    REJECT = "reject", _("Reject: still operating")
    EXTEND = "extend", _("Change deadline")
    COMMENT = "comment", _("Comment")
    ADD_EVIDENCE = "add_evidence", _("Add evidence")
    #: the engine: the venue no longer lies in any zone of the school
    LAPSE = "lapse", _("Left the zone")
    #: the engine: the distance or the rules changed, still in the zone
    REVISE = "revise", _("Measured again")
    #: the venue's closure or relocation was recorded on its case at another school
    VENUE_GONE = "venue_gone", _("Venue closed or moved (recorded on another case)")
    #: that record was rejected on the other case: the venue still operates
    VENUE_BACK = "venue_back", _("Venue still operating (rejected on another case)")


class ZoneEventKind(models.TextChoices):
    BOUNDARY = "boundary", _("Campus boundary")
    WAITING_AREA = "waiting_area", _("Parents' waiting area")
    RULE = "rule", _("Zone rule")
    SETTINGS = "settings", _("Zone settings")
    RECHECK = "recheck", _("Check of every venue")
