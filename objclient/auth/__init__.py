"""Auth plugins.  Keystone v3 and S3 SigV4 come with their backends."""

from .base import AuthPlugin, NoAuth, TokenAuth
from .tempauth import TempAuth
from .token_cache import TokenCache

__all__ = ["AuthPlugin", "NoAuth", "TokenAuth", "TempAuth", "TokenCache"]
