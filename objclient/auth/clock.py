"""The server's clock as a client sees it: the local clock plus a learned offset.

S3 refuses a request signed more than 15 minutes away from its own time
(403 ``RequestTimeTooSkewed``), and a Keystone token's ``expires_at`` is
written in Keystone's time.  A host whose clock is wrong would otherwise
fail every request (S3) or re-authenticate on every one (a token that looks
expired).  An auth plugin keeps one :class:`ServerClock`; it learns the
offset from the time a server states (its ``Date`` header ...) and reads
"now" through it from then on.  The local clock is injectable, so tests
shift it instead of the machine's.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Mapping, Optional

from ..timestamps import http_date_to_epoch, iso_to_epoch

__all__ = ["ServerClock", "server_time_of", "amz_to_epoch"]

LOG = logging.getLogger("objclient.auth")

#: Offsets smaller than this are noise (``Date`` has a resolution of one
#: second, plus the network's delay) and are not learned.
DEFAULT_TOLERANCE = 5.0


def amz_to_epoch(value: Optional[str]) -> Optional[float]:
    """Epoch seconds of an ``x-amz-date`` (``YYYYMMDDTHHMMSSZ``), or None."""
    if not value or len(value) != 16 or value[8] != "T" or value[15] not in "Zz":
        return None
    return iso_to_epoch(f"{value[:4]}-{value[4:6]}-{value[6:8]}T{value[9:11]}:"
                        f"{value[11:13]}:{value[13:15]}+00:00")


def server_time_of(headers: Mapping[str, str]) -> Optional[float]:
    """The time a response says it was sent: ``x-amz-date`` if present,
    else the middle of the second its ``Date`` header names.

    :param headers: a case-insensitive mapping of response headers.
    :returns: epoch seconds, or None when neither header can be read.
    """
    when = amz_to_epoch(headers.get("x-amz-date"))
    if when is not None:
        return when
    when = http_date_to_epoch(headers.get("Date"))
    return None if when is None else when + 0.5


class ServerClock:
    """The local clock corrected by the offset of one server's clock.

    :param local: the local clock (epoch seconds); ``time.time`` by default.
    :param server: how log lines name the server (``"the S3 server"`` ...).
    :param tolerance: offsets below this many seconds are not learned.
    """

    def __init__(self, local: Optional[Callable[[], float]] = None, *,
                 server: str = "the server", tolerance: float = DEFAULT_TOLERANCE) -> None:
        self.local = local or time.time
        self.server = server
        self.tolerance = tolerance
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        """Seconds to add to the local clock to get the server's."""
        return self._offset

    def now(self) -> float:
        """The server's time now, as far as this client knows (epoch seconds)."""
        return self.local() + self._offset

    def learn(self, server_time: float) -> bool:
        """Take the offset between ``server_time`` (just stated by the server)
        and the local clock; a change is logged at WARNING (normally once).

        :returns: True when the offset changed by more than the tolerance
            (so a request refused for its time may pass if sent again).
        """
        offset = server_time - self.local()
        if abs(offset) < self.tolerance:
            offset = 0.0
        with self._lock:
            if abs(offset - self._offset) < self.tolerance:
                return False
            self._offset = offset
        LOG.warning("the clock of %s is %.0f s %s this host's; this client adds that "
                    "offset from now on (the host's clock needs fixing: NTP)", self.server,
                    abs(offset), "behind" if offset < 0 else "ahead of")
        return True
