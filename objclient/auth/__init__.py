"""Auth plugins: NoAuth, TokenAuth, TempAuth (Swift v1), KeystoneAuth
(Identity v3), SigV4Auth (S3), and the on-disk TokenCache."""

from .base import AuthPlugin, NoAuth, TokenAuth
from .keystone import KeystoneAuth
from .sigv4 import SigV4Auth
from .tempauth import TempAuth
from .token_cache import TokenCache

__all__ = ["AuthPlugin", "NoAuth", "TokenAuth", "TempAuth", "KeystoneAuth", "SigV4Auth",
           "TokenCache"]
