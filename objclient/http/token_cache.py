"""A token cache on disk, so that short scripts do not authenticate each run.

Tokens are kept in one JSON file (mode 0600 in a 0700 folder, written
atomically) keyed by a SHA-256 of the auth endpoint, the user (and scope) and
the secret, so that a wrong secret never picks up a token another one got and
the file holds no secret; an entry is dropped when it expires or when the
server refuses it.

TempAuth and Keystone use the default file (:func:`default_cache_path`)
unless told otherwise (:func:`objclient.auth.token_cache.cache_or_default`):
``token_cache=None`` (the default) means that file, ``token_cache=False``
none, a :class:`TokenCache` or a path that one.  A second process then sends
no authentication request while the token lives.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from typing import Any, Dict, Optional

__all__ = ["TokenCache", "default_cache_path"]


def default_cache_path() -> str:
    """``$XDG_CACHE_HOME/objclient/tokens.json`` (``~/.cache`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "objclient", "tokens.json")


class TokenCache:
    """Tokens kept between runs.

    :param path: the cache file; created with mode 0600.
    """

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = os.path.expanduser(path) if path else default_cache_path()
        self._lock = threading.Lock()

    @staticmethod
    def key(endpoint: str, user: str, secret: str = "") -> str:
        """The cache key for an auth endpoint, a user (with its scope) and
        the secret it logs in with: a SHA-256, so neither the names nor the
        secret are in the file."""
        text = f"{endpoint}\0{user}\0{secret}"
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _read(self) -> Dict[str, Any]:
        try:
            with open(self.path, "r", encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, ValueError):
            return {}
        return doc if isinstance(doc, dict) else {}

    def _write(self, doc: Dict[str, Any]) -> None:
        folder = os.path.dirname(self.path) or "."
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tokens.", dir=folder)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def load(self, key: str) -> Optional[Dict[str, Any]]:
        """The entry under ``key`` if present and not expired."""
        with self._lock:
            entry = self._read().get(key)
        if not isinstance(entry, dict):
            return None
        expires = entry.get("expires")
        if expires is not None and expires <= time.time() + 30:
            return None
        return entry

    def save(self, key: str, entry: Dict[str, Any]) -> None:
        """Store ``entry`` (``token``, ``endpoint``, ``expires``) under ``key``."""
        with self._lock:
            doc = self._read()
            now = time.time()
            doc = {k: v for k, v in doc.items()
                   if isinstance(v, dict) and (v.get("expires") is None or v["expires"] > now)}
            doc[key] = entry
            self._write(doc)

    def delete(self, key: str) -> None:
        """Forget the entry under ``key``."""
        with self._lock:
            doc = self._read()
            if doc.pop(key, None) is not None:
                self._write(doc)

