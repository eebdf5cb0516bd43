"""What the Swift sub-clients share: sending a request for a call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple


from ...contract import Backend, CallOptions
from ...exceptions import ClientError
from ...http.transport import Response

if TYPE_CHECKING:  # pragma: no cover
    from . import SwiftBackend

__all__ = ["SwiftRequests", "merged_headers", "int_header", "refine"]


def refine(err: ClientError, cls: type, message: str) -> ClientError:
    """A more precise error (``NoSuchObject`` ...) keeping ``err``'s details."""
    return cls(message, status=err.status, method=err.method, url=err.url,
               request_id=err.request_id, server_message=err.server_message,
               attempts=err.attempts, code=err.code)


def merged_headers(opts: CallOptions, headers: Optional[Mapping[str, str]] = None,
                   ) -> Dict[str, str]:
    """The call's headers, then the request's own (which win)."""
    out = dict(opts.headers or {})
    if opts.reqid:
        out.setdefault("X-Openstack-Request-Id", opts.reqid)
    out.update(headers or {})
    return out


def int_header(headers: Mapping[str, str], name: str) -> int:
    """An integer header (0 when absent or unreadable)."""
    try:
        return int(headers.get(name) or 0)
    except ValueError:
        return 0


class SwiftRequests:
    """Mixin: ``self.swift``, ``self._send`` and ``self._json`` for a sub-client."""

    backend: "Backend"

    @property
    def swift(self) -> "SwiftBackend":
        """The Swift backend this sub-client belongs to."""
        return self.backend  # type: ignore[return-value]

    def _send(self, method: str, path: str, opts: CallOptions, service: str, *,
              headers: Optional[Mapping[str, str]] = None, **kwargs: Any
              ) -> Response:
        """One request to ``/v1<path>`` (``path`` already quoted)."""
        return self.swift.http.request(
            method, self.swift.url(path), headers=merged_headers(opts, headers),
            **opts.http_kwargs(service), **kwargs)

    def _json(self, method: str, path: str, opts: CallOptions, service: str, *,
              headers: Optional[Mapping[str, str]] = None, **kwargs: Any
              ) -> Tuple[Response, Any]:
        """Like :meth:`_send`, decoding a JSON body."""
        return self.swift.http.request_json(
            method, self.swift.url(path), headers=merged_headers(opts, headers),
            **opts.http_kwargs(service), **kwargs)
