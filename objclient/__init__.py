"""objclient: one synchronous Python client for many object stores.

>>> import objclient
>>> api = objclient.ObjectStorageApi("file:///tmp/objclient-doctest")  # doctest: +SKIP
"""

from typing import TYPE_CHECKING, Any

from . import exceptions
from ._version import __version__
from .exceptions import ClientError

if TYPE_CHECKING:  # what __getattr__ returns, for users' type checkers (py.typed)
    from .api import ObjectStorageApi
    from .http import HTTPClient, RetryPolicy

__all__ = ["ObjectStorageApi", "HTTPClient", "RetryPolicy", "ClientError",
           "exceptions", "__version__"]


def __getattr__(name: str) -> Any:  # PEP 562: keep ``import objclient`` light
    if name == "ObjectStorageApi":
        from .api import ObjectStorageApi
        return ObjectStorageApi
    if name == "HTTPClient":
        from .http import HTTPClient
        return HTTPClient
    if name == "RetryPolicy":
        from .http import RetryPolicy
        return RetryPolicy
    raise AttributeError(f"module 'objclient' has no attribute {name!r}")
