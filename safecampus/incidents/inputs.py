"""Reading what people typed: times, counts, choices, texts and amounts, each problem a message
in the caller's ``errors`` (field → messages), so that a form shows them all at once."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from safecampus.core.refusals import Code, refuse

#: how far in the future a time may lie (clocks of phones drift)
CLOCK_SLACK = datetime.timedelta(minutes=2)
TEXT_MAX = 4000
#: no time before this year is one of the platform's (Shanghai's clocks then were not yet on
#: +08:00, and such a time would be written with a local-mean-time offset no client reads)
EARLIEST_YEAR = 1970
#: the largest id (or other integer) the database's integer columns hold: a bigger one in a
#: filter or an id field is a 400 with a message, never an OverflowError
MAX_ID = 2**63 - 1


def now(now):
    return now or timezone.now()


def stale(obj, version) -> None:
    if version is not None and str(version) != "" and int(version) != obj.version:
        raise refuse(
            _("Someone changed this record after you opened the page. Reload and try again."),
            Code.STALE,
        )


def when(value, field: str, errors: dict) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        try:  # well formed but no such time ("2027-02-30 10:00") raises
            parsed = parse_datetime(str(value).strip().replace(" ", "T", 1))
        except ValueError:
            parsed = None
    if parsed is None:
        errors.setdefault(field, []).append(_("Enter a date and time such as 2027-03-01 08:30."))
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if parsed.year < EARLIEST_YEAR:
        errors.setdefault(field, []).append(_("This time lies too far in the past."))
        return None
    return parsed


def count(value, field: str, errors: dict) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        errors.setdefault(field, []).append(_("Enter a whole number."))
        return 0
    if number < 0 or number > 100000:
        errors.setdefault(field, []).append(_("Enter a number from 0 to 100000."))
        return 0
    return number


def text(data: dict, field: str, errors: dict, *, required: bool, limit: int = TEXT_MAX) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("This field is required."))
    if len(value) > limit:
        errors.setdefault(field, []).append(_("At most %(n)s characters.") % {"n": limit})
    return value[:limit]


def choice(value, choices, field: str, errors: dict, *, required: bool = True) -> str:
    value = str(value or "")
    if not value and not required:
        return ""
    if value not in choices.values:
        errors.setdefault(field, []).append(_("Choose one of the listed values."))
    return value


def not_future(at, field: str, now, errors: dict) -> None:
    if at is not None and at > now + CLOCK_SLACK:
        errors.setdefault(field, []).append((_("This time lies in the future."), Code.IN_FUTURE))


def money(value, field: str, errors: dict) -> str | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Enter an amount in yuan, such as 12000.50."))
        return None
    if not amount.is_finite():  # NaN, Infinity
        errors.setdefault(field, []).append(_("Enter an amount in yuan, such as 12000.50."))
        return None
    if amount < 0 or amount > Decimal("100000000"):
        errors.setdefault(field, []).append(_("Enter an amount from 0 to 100,000,000 yuan."))
        return None
    return str(amount.quantize(Decimal("0.01")))


def integer(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def refusal_code_of(errors: dict) -> str:
    """The code of a refusal made of ``errors``: ``in_future`` when every problem is a time in
    the future, else ``invalid``."""
    codes = {m[1] if isinstance(m, tuple) else None for ms in errors.values() for m in ms}
    return Code.IN_FUTURE if codes == {Code.IN_FUTURE} else Code.INVALID
