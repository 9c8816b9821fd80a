from django import template

from safecampus.weekly.choices import WeekState

register = template.Library()

_BADGES = {
    WeekState.ON_TIME: "text-bg-success",
    WeekState.LATE: "text-bg-warning",
    WeekState.DRAFT: "text-bg-info",
    WeekState.MISSING: "text-bg-danger",
    WeekState.NOT_DUE: "text-bg-light border",
}


@register.inclusion_tag("weekly/_state.html")
def week_state(state: str, report=None):
    return {"state": state, "label": WeekState(state).label, "css": _BADGES[state], "r": report}
