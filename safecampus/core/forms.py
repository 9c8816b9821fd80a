from django import forms


def bootstrap(form: forms.BaseForm) -> None:
    """Give every widget of ``form`` its Bootstrap 5 class (kept if one is already set)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


def id_param(value) -> int | None:
    """A record id from a query or form parameter, or None when it is not one (empty, not plain
    ASCII digits like "²" or "١", or too big for the database's integer)."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return int(value)
