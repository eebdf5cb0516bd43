"""objclient: one synchronous Python client for many object stores.

>>> import objclient
>>> api = objclient.ObjectStorageApi("file:///tmp/objclient-doctest")  # doctest: +SKIP
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any  # noqa: E402

from . import exceptions  # noqa: E402
from .exceptions import ClientError  # noqa: E402

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
