"""ISO 8601 times from servers, as epoch seconds.

Keystone's ``expires_at``, Swift's listing ``last_modified`` and S3's
``LastModified`` are all ISO 8601, some with ``Z``, some with no zone at all
(which these servers mean as UTC).  One function reads them all;
another reads HTTP dates (``Last-Modified``).
"""

from __future__ import annotations

import datetime
import functools
from typing import Optional

__all__ = ["iso_to_epoch", "http_date_to_epoch"]


_fromisoformat = datetime.datetime.fromisoformat
_EPOCH = datetime.datetime(1970, 1, 1)


def iso_to_epoch(value: Optional[str]) -> Optional[float]:
    """Epoch seconds of an ISO 8601 time, UTC when it names no zone.

    :returns: None when ``value`` is empty or not ISO 8601.
    """
    if not value:
        return None
    try:
        when = _fromisoformat(value)
    except ValueError:
        # "Z" spelled out: fromisoformat reads it itself only from Python 3.11.
        text = value.strip()
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        try:
            when = _fromisoformat(text)
        except ValueError:
            return None
    if when.tzinfo is None:
        # A listing parses thousands of these: the subtraction is 3x faster
        # than attaching a zone and asking for the timestamp.
        return (when - _EPOCH).total_seconds()
    return when.timestamp()


_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


@functools.lru_cache(maxsize=1024)  # objects made in one second share their date
def http_date_to_epoch(value: Optional[str]) -> Optional[float]:
    """Epoch seconds of an HTTP date (``Last-Modified``, RFC 9110).

    The form servers send, ``Sun, 06 Nov 1994 08:49:37 GMT``, is read
    directly (a fifth of the cost of :mod:`email.utils`, which reads every
    response's date); the obsolete forms go through :mod:`email.utils`.

    :returns: None when ``value`` is empty or not a date.
    """
    if not value:
        return None
    parts = value.split()
    if len(parts) == 6 and parts[5] == "GMT" and parts[2] in _MONTHS:
        clock = parts[4].split(":")
        try:
            when = datetime.datetime(int(parts[3]), _MONTHS[parts[2]], int(parts[1]),
                                     int(clock[0]), int(clock[1]), int(clock[2]))
        except (ValueError, IndexError):
            return None
        return (when - _EPOCH).total_seconds()
    import email.utils  # the obsolete forms only: not loaded for what servers send
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
