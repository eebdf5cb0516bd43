"""ISO 8601 times from servers, as epoch seconds.

Keystone's ``expires_at``, Swift's listing ``last_modified`` and S3's
``LastModified`` are all ISO 8601, some with ``Z``, some with no zone at all
(which these servers mean as UTC).  One function reads them all.
"""

from __future__ import annotations

import datetime
from typing import Optional

__all__ = ["iso_to_epoch"]


def iso_to_epoch(value: Optional[str]) -> Optional[float]:
    """Epoch seconds of an ISO 8601 time, UTC when it names no zone.

    :returns: None when ``value`` is empty or not ISO 8601.
    """
    if not value:
        return None
    try:
        # "Z" spelled out: fromisoformat reads it itself only from Python 3.11.
        when = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()
