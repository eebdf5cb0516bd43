"""Timing one attempt: what ``timings=True`` and ``perfdata`` record."""

from __future__ import annotations

import time
from typing import Any, Dict, Optional

from ..models import TimingRecord
from .body import RequestBody
from .redact import redact_url

__all__ = ["AttemptTimer"]


class AttemptTimer:
    """Times one attempt (a context manager) and records it on exit.

    :param client: the HTTPClient (its ``timings`` flag, ``_times`` list
        and ``_lock``).
    :param method: the method sent.
    :param url: the URL, until the attempt knows the absolute one.
    :param attempt: the attempt number, from 1.
    :param body: the request body (its bytes sent are recorded).
    :param perfdata: a caller's dict of phase timings, or None.
    :param service: the phase name in ``perfdata``.
    """

    __slots__ = ("client", "method", "url", "attempt", "body", "perfdata", "service",
                 "status", "received", "start")

    def __init__(self, client: Any, method: str, url: str, attempt: int,
                 body: RequestBody, perfdata: Optional[Dict[str, Any]],
                 service: Optional[str]) -> None:
        self.client, self.method, self.url, self.attempt = client, method, url, attempt
        self.body, self.perfdata, self.service = body, perfdata, service
        self.status: Optional[int] = None
        self.received = 0

    def __enter__(self) -> "AttemptTimer":
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc: Any) -> None:
        client = self.client
        if not client.timings and self.perfdata is None:
            return  # nothing records this attempt
        elapsed = time.monotonic() - self.start
        if client.timings:
            rec = TimingRecord(method=self.method, url=redact_url(self.url), status=self.status,
                               start=time.time() - elapsed, elapsed=elapsed,
                               bytes_sent=self.body.length, bytes_received=self.received,
                               attempt=self.attempt)
            with client._lock:
                client._times.append(rec)
        perfdata = self.perfdata
        if perfdata is not None:
            with client._lock:  # parts moved by several threads share one perfdata
                phase = perfdata.setdefault(self.service or "http", {})
                phase["overall"] = phase.get("overall", 0.0) + elapsed
                phase["requests"] = phase.get("requests", 0) + 1
                if self.attempt > 1:
                    phase["retries"] = phase.get("retries", 0) + 1
