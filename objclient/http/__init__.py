"""The wire layer: HTTPClient, its retry policy, body streams and redaction.

The names are imported on first use, so that ``import objclient`` does not
pay for urllib3 until an API that talks HTTP is built; requests is imported
only for a caller who passes a :class:`requests.Session`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .apiclient import BaseClient
    from .client import DEFAULT_TIMEOUT, HTTPClient, check_header
    from .keyring_saver import KeyringSaver
    from .retry import RetryPolicy
    from .stream import BodyStream
    from .transport import Request, Response, Transport, Urllib3Transport

__all__ = ["HTTPClient", "BaseClient", "KeyringSaver", "RetryPolicy", "BodyStream",
           "DEFAULT_TIMEOUT", "check_header", "Request", "Response", "Transport",
           "Urllib3Transport"]

_HOME = {"HTTPClient": ".client", "DEFAULT_TIMEOUT": ".client", "check_header": ".client",
         "RetryPolicy": ".retry", "BodyStream": ".stream", "BaseClient": ".apiclient",
         "KeyringSaver": ".keyring_saver", "Request": ".transport", "Response": ".transport",
         "Transport": ".transport", "Urllib3Transport": ".transport"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
