"""The one retry policy of objclient.

A :class:`RetryPolicy` is a small frozen value: it says which failures are
worth another attempt and how long to wait before it.  Its methods are pure,
so backoff is tested without sleeping; the loop that applies it lives in
:class:`objclient.http.HTTPClient`.
"""

from __future__ import annotations

import random
from typing import Any, FrozenSet, Optional

import attrs

__all__ = ["RetryPolicy", "RetryState", "IDEMPOTENT_METHODS", "RETRY_STATUSES"]

#: Methods whose repetition cannot change the result.
IDEMPOTENT_METHODS: FrozenSet[str] = frozenset(
    {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "COPY", "TRACE"})

#: Statuses that say "try again later" rather than "this is wrong".
RETRY_STATUSES: FrozenSet[int] = frozenset({408, 429, 500, 502, 503, 504})


def _non_negative(_inst: object, attribute: Any, value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, not {value!r}")


@attrs.frozen
class RetryPolicy:
    """When and how often a request is sent again.

    :param total: retries after the first attempt (0 disables retries).
    :param backoff_factor: the first wait in seconds; each retry doubles it.
    :param backoff_max: no wait is longer than this.
    :param jitter: each wait is multiplied by a random factor in
        ``[1 - jitter, 1 + jitter]`` so that many clients do not retry in step.
    :param respect_retry_after: wait as long as a ``Retry-After`` header
        asks (still bounded by the call's deadline).
    :param retry_after_max: a longer ``Retry-After`` ends the retries at once.
    :param statuses: response statuses that are retried.
    :param methods: methods retried after the request may have reached the
        server; a POST is retried only when the call is marked idempotent.
    """

    total: int = attrs.field(default=3, validator=_non_negative)
    backoff_factor: float = attrs.field(default=0.25, validator=_non_negative)
    backoff_max: float = attrs.field(default=20.0, validator=_non_negative)
    jitter: float = attrs.field(default=0.25, validator=_non_negative)
    respect_retry_after: bool = True
    retry_after_max: float = 120.0
    statuses: FrozenSet[int] = attrs.field(default=RETRY_STATUSES, converter=frozenset)
    methods: FrozenSet[str] = attrs.field(
        default=IDEMPOTENT_METHODS,
        converter=lambda ms: frozenset(m.upper() for m in ms))

    @classmethod
    def disabled(cls) -> "RetryPolicy":
        """A policy that never retries."""
        return cls(total=0)

    def may_resend(self, method: str, idempotent: Optional[bool]) -> bool:
        """Whether a request that may have reached the server can be sent again.

        :param idempotent: the caller's word; None means "judge by method".
        """
        if idempotent is not None:
            return idempotent
        return method.upper() in self.methods

    def is_retry_status(self, status: int) -> bool:
        """Whether a response with this status is worth another attempt."""
        return status in self.statuses

    def backoff(self, retry_number: int, rng: Optional[random.Random] = None) -> float:
        """Seconds to wait before retry number ``retry_number`` (1-based).

        Exponential: ``backoff_factor * 2 ** (retry_number - 1)``, capped at
        ``backoff_max``, then jittered.  Pure except for ``rng``.
        """
        if retry_number < 1 or self.backoff_factor == 0:
            return 0.0
        base = min(self.backoff_max, self.backoff_factor * (2 ** (retry_number - 1)))
        if self.jitter:
            rand = (rng or random).uniform(1.0 - self.jitter, 1.0 + self.jitter)
            base = min(self.backoff_max, base * rand)
        return max(0.0, base)

    def wait_before(self, retry_number: int, retry_after: Optional[float],
                    rng: Optional[random.Random] = None) -> Optional[float]:
        """The wait before a retry, honouring ``Retry-After``.

        :returns: seconds to wait, or None when the server asked for a wait
            longer than ``retry_after_max`` (give up now).
        """
        wait = self.backoff(retry_number, rng)
        if retry_after is not None and self.respect_retry_after:
            if retry_after > self.retry_after_max:
                return None
            wait = max(wait, retry_after)
        return wait


@attrs.frozen
class RetryState:
    """Where one call stands in its policy: an immutable value, like
    urllib3's ``Retry``; :meth:`increment` returns the next state or raises.

    :param policy: the call's :class:`RetryPolicy`.
    :param retries: retries already granted.
    :param wait: seconds to wait before the retry this state grants.
    """

    policy: RetryPolicy
    retries: int = 0
    wait: float = 0.0

    def increment(self, error: BaseException, retry_after: Optional[float] = None,
                  rng: Optional[random.Random] = None,
                  deadline_left: Optional[float] = None) -> "RetryState":
        """The state for one more attempt after ``error``.

        :param error: raised when no retry is left, when the server asked
            for a wait longer than the policy allows, or when the wait would
            end past the deadline.
        :param retry_after: the server's ``Retry-After``, in seconds.
        :param deadline_left: seconds until the call's deadline, if any.
        :raises BaseException: ``error``.
        """
        if self.retries >= self.policy.total:
            raise error
        wait = self.policy.wait_before(self.retries + 1, retry_after, rng)
        if wait is None or (deadline_left is not None and wait >= deadline_left):
            raise error
        return RetryState(self.policy, self.retries + 1, wait)
