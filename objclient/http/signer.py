"""The auth interface the wire layer asks for; :mod:`objclient.auth` implements it.

The wire layer sits below auth: it names what it needs from a plugin here,
and :class:`objclient.auth.AuthPlugin` provides it.  A plugin signs one
request type, :class:`~objclient.http.transport.Request`, whose headers are
a plain ``dict``.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Protocol, Tuple, runtime_checkable

from .transport import Request

__all__ = ["Auth", "Request"]


@runtime_checkable
class Auth(Protocol):
    """What :class:`~objclient.http.HTTPClient` asks of an auth plugin.

    The client calls :meth:`authenticate` when the plugin is not
    :attr:`valid`, adds :meth:`get_headers` to each request, lets
    :meth:`sign` see the final request of every attempt, and on a 401 calls
    :meth:`invalidate` and tries once more; on a 403 it lets
    :meth:`correct_clock` learn the server's clock.
    """

    #: Extra header names the plugin puts secrets in (redacted in logs).
    secret_headers: Tuple[str, ...]

    @property
    def valid(self) -> bool:
        """Whether :meth:`get_headers` can be used without authenticating."""

    def authenticate(self, http: Any) -> None:
        """Obtain credentials through ``http`` (an HTTPClient)."""

    def get_headers(self) -> Dict[str, str]:
        """Headers to add to every authenticated request."""

    def get_endpoint(self, service_type: Optional[str] = None,
                     interface: Optional[str] = None,
                     region: Optional[str] = None) -> Optional[str]:
        """The service endpoint learnt while authenticating, if any."""

    def invalidate(self) -> bool:
        """Forget the credentials after a 401; True when retrying may help."""

    def correct_clock(self, status: int, headers: Mapping[str, str], body: bytes) -> bool:
        """Learn the server's clock from a 403; True when a resend may pass."""

    def sign(self, request: Request) -> None:
        """Sign the final request of one attempt (may change its URL and headers)."""
