"""Auth plugins: NoAuth, TokenAuth, TempAuth (Swift v1), KeystoneAuth
(Identity v3), SigV4Auth (S3), and the on-disk TokenCache.

TempAuth, KeystoneAuth and SigV4Auth are imported when first asked for
(PEP 562), so a TempAuth script does not load the Keystone and SigV4 modules
and an S3 script not the TempAuth one.
"""

from typing import TYPE_CHECKING, Any

from .base import AuthPlugin, NoAuth, TokenAuth
from .token_cache import TokenCache

if TYPE_CHECKING:  # what __getattr__ returns, for type checkers
    from .keystone import KeystoneAuth
    from .sigv4 import SigV4Auth
    from .tempauth import TempAuth

__all__ = ["AuthPlugin", "NoAuth", "TokenAuth", "TempAuth", "KeystoneAuth", "SigV4Auth",
           "TokenCache"]


def __getattr__(name: str) -> Any:
    if name == "TempAuth":
        from .tempauth import TempAuth
        return TempAuth
    if name == "KeystoneAuth":
        from .keystone import KeystoneAuth
        return KeystoneAuth
    if name == "SigV4Auth":
        from .sigv4 import SigV4Auth
        return SigV4Auth
    raise AttributeError(f"module 'objclient.auth' has no attribute {name!r}")
