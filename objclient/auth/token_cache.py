"""The token cache auth plugins keep tokens in (it lives in the wire layer,
which builds one for ``keyring_saver``; see :mod:`objclient.http.token_cache`),
and which one a plugin uses by default."""

from __future__ import annotations

from typing import Optional

from ..http.token_cache import TokenCache, default_cache_path

__all__ = ["TokenCache", "default_cache_path", "cache_or_default"]


def cache_or_default(cache: Optional[TokenCache], use_default: bool) -> Optional[TokenCache]:
    """The cache a plugin authenticates with: its own, else (when it was made
    with ``token_cache=None``) a :class:`TokenCache` on the default file.

    Plugins call this at their first authentication, not when they are made:
    HTTPClient's ``keyring_saver`` gives a plugin its cache in between, and
    a plugin that already has one refuses it.
    """
    if cache is None and use_default:
        return TokenCache()
    return cache
