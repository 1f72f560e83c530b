"""Export dates as UTC ISO 8601 strings (``2014-01-14T17:32:12Z``), whatever their written form."""

from __future__ import annotations

import datetime as dt
import email.utils
import re

_EMPTY_WORDPRESS_DATE = "0000-00-00 00:00:00"
_WORDPRESS_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_UTC_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def _valid(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def wordpress(gmt: str | None, local: str | None = None) -> str | None:
    """A WordPress ``YYYY-MM-DD HH:MM:SS`` date; the GMT one, else the site's local one.

    Old or hand-made exports leave the GMT date empty or zero; the local date is then the best
    there is, read as UTC.
    """
    for value in (gmt, local):
        if value and value != _EMPTY_WORDPRESS_DATE:
            if _WORDPRESS_FORM.fullmatch(value) and _valid(value):
                # The usual form is already UTC ISO but for its separator and zone: a million
                # comments need not each be parsed into a datetime and written out again.
                return f"{value[:10]}T{value[11:]}Z"
            parsed = _parse_iso(value.replace(" ", "T", 1))
            if parsed is not None:
                return parsed
    return None


def rfc822(value: str | None) -> str | None:
    """An RSS ``pubDate`` such as ``Tue, 14 Jan 2014 17:31:03 +0000``."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return _utc(parsed)


def iso(value: str | None) -> str | None:
    """An ISO 8601 date such as Disqus's ``createdAt`` (``2013-10-10T19:20:29Z``)."""
    if not value:
        return None
    if _UTC_FORM.fullmatch(value) and _valid(value[:-1]):
        return value  # already the form returned: Disqus writes nothing else
    return _parse_iso(value)


def _parse_iso(value: str) -> str | None:
    try:
        parsed = dt.datetime.fromisoformat(value.removesuffix("Z"))
    except ValueError:
        return None
    return _utc(parsed)


def _utc(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"
