"""The token cache auth plugins keep tokens in (it lives in the wire layer,
which builds one for ``keyring_saver``; see :mod:`objclient.http.token_cache`)."""

from __future__ import annotations

from ..http.token_cache import TokenCache, default_cache_path

__all__ = ["TokenCache", "default_cache_path"]
