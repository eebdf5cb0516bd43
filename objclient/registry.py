"""Which backend serves which URL scheme.

A URL's scheme names its backend: ``file://`` is the local backend,
``swift+https://`` the Swift backend over HTTPS, and so on.  Built-in
backends are imported only when a URL asks for them; a third-party package
adds one through the ``objclient.backends`` entry point group, the entry's
name being the scheme and its value a factory
``factory(url, **kwargs) -> objclient.contract.Backend``.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any, Callable, Dict, List, Optional

from .exceptions import InvalidArgument

__all__ = ["register", "factory_for", "known_schemes", "backend_scheme"]

Factory = Callable[..., Any]

_BUILTIN: Dict[str, str] = {
    "file": "objclient.backends.local:create_backend",
    "local": "objclient.backends.local:create_backend",
    "swift": "objclient.backends.swift:create_backend",
    "s3": "objclient.backends.s3:create_backend",
    "seaweedfs": "objclient.backends.seaweedfs:create_backend",
    "reduct": "objclient.backends.reduct:create_backend",
    "oio": "objclient.backends.oio:create_backend",
    "mictlanx": "objclient.backends.mictlanx:create_backend",
}

_registered: Dict[str, Factory] = {}
_entry_points: Optional[Dict[str, Any]] = None
_lock = threading.Lock()


def register(scheme: str, factory: Factory) -> None:
    """Serve URLs whose scheme starts with ``scheme`` with ``factory``."""
    _registered[scheme.lower()] = factory


def backend_scheme(url: str) -> str:
    """The backend part of a URL's scheme: ``swift`` for ``swift+https://...``."""
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        raise InvalidArgument("a storage URL looks like SCHEME://..., e.g. file:///srv/data "
                              "or s3+https://host")
    return scheme.split("+", 1)[0].lower()


def _load_entry_points() -> Dict[str, Any]:
    global _entry_points
    with _lock:
        if _entry_points is None:
            found: Dict[str, Any] = {}
            try:
                from importlib.metadata import entry_points
                for ep in entry_points(group="objclient.backends"):
                    found.setdefault(ep.name.lower(), ep)
            except Exception:  # noqa: BLE001 - a broken plugin must not break objclient
                found = {}
            _entry_points = found
        return _entry_points


def factory_for(url: str) -> Factory:
    """The factory that builds a backend for ``url``.

    :raises InvalidArgument: no backend serves this scheme.
    """
    name = backend_scheme(url)
    if name in _registered:
        return _registered[name]
    target = _BUILTIN.get(name)
    if target is None:
        ep = _load_entry_points().get(name)
        if ep is None:
            raise InvalidArgument(f"no backend for URL scheme {name!r}; known: "
                                  + ", ".join(known_schemes()))
        factory = ep.load()
    else:
        module, _, attr = target.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attr)
        except ImportError as exc:
            raise InvalidArgument(f"the {name} backend is not available: {exc}") from None
    _registered[name] = factory
    return factory


def known_schemes() -> List[str]:
    """Every scheme objclient can serve (built-in and plugins)."""
    return sorted(set(_BUILTIN) | set(_registered) | set(_load_entry_points()))
