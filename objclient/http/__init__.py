"""The wire layer: HTTPClient, its retry policy, body streams and redaction."""

from .client import DEFAULT_TIMEOUT, HTTPClient, check_header
from .retry import RetryPolicy
from .stream import BodyStream

__all__ = ["HTTPClient", "RetryPolicy", "BodyStream", "DEFAULT_TIMEOUT", "check_header"]
