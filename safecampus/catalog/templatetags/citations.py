"""``{{ text|citation }}``: seed citations as the document's title and clause
(``safecampus.catalog.citations``)."""

from django import template

from safecampus.catalog.citations import render

register = template.Library()


@register.filter
def citation(text) -> str:
    return render(str(text)) if text else ""
