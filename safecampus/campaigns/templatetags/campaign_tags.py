import datetime

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def get(mapping, key):
    """``{{ counts|get:"submitted" }}``: a dict value by a variable key."""
    return (mapping or {}).get(key, 0)


@register.simple_tag
def days_until(day: datetime.date, today: datetime.date) -> str:
    n = (day - today).days
    if n == 0:
        return gettext("today")
    return ngettext("in %(n)s day", "in %(n)s days", n) % {"n": n}
