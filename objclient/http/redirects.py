"""Following a redirect: where to, with what method, and which headers go.

The client follows redirects itself, not its transport: requests strips only
``Authorization`` when the host changes, and would carry ``X-Auth-Token`` and
the like to another server.  Here every secret header goes when the origin
changes, and the request is no longer authenticated.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Tuple
from urllib.parse import urljoin, urlsplit

from .redact import SECRET_HEADERS

__all__ = ["REDIRECTS", "MAX_REDIRECTS", "redirect_target", "same_origin", "without_secrets"]

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10


def redirect_target(status: int, location: Optional[str], url: str,
                    method: str) -> Optional[Tuple[str, str]]:
    """``(url, method)`` of the request a redirect asks for, or None.

    :param status: the response status.
    :param location: its ``Location`` header.
    :param url: the URL that was sent.
    :param method: the method that was sent; a 303 turns it into GET
        (except for HEAD).
    """
    if status not in REDIRECTS or not location:
        return None
    return urljoin(url, location), ("GET" if status == 303 and method != "HEAD" else method)


def same_origin(a: str, b: str) -> bool:
    """True when both URLs have the same scheme, host and port."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme.lower(), pa.netloc.lower()) == (pb.scheme.lower(), pb.netloc.lower())


def without_secrets(headers: Dict[str, str], secret: FrozenSet[str]) -> Dict[str, str]:
    """``headers`` without the well-known secret ones nor those named in
    ``secret`` (lower-case names)."""
    return {k: v for k, v in headers.items()
            if k.lower() not in SECRET_HEADERS and k.lower() not in secret}
