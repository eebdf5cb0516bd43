"""Tokens kept in the system keyring: troveclient's ``keyring_saver``.

:class:`KeyringSaver` is a :class:`~objclient.auth.TokenCache` whose store
is the ``keyring`` package (the desktop's secret service, macOS Keychain,
Windows Credential Locker, or whatever backend ``keyring.set_keyring``
chose) instead of a file.  ``HTTPClient(plugin, keyring_saver=True)`` gives
one to the plugin: the plugin saves each new token there and, in the next
run, starts from the saved token instead of authenticating.

``keyring`` is optional; asking for a saver without it fails at once, with
the command that installs it.
"""

from __future__ import annotations

import importlib
import json
from typing import Any, Dict, Optional

from .token_cache import TokenCache
from ..exceptions import NotSupported

__all__ = ["KeyringSaver", "load_keyring", "usable_keyring"]

#: The keyring "user name" the token document is stored under.
_ENTRY = "tokens"


def usable_keyring() -> Optional[Any]:
    """The ``keyring`` module, or None when it is not installed or has no
    backend that can store a secret (a headless host without a secret
    service: keyring then falls back to a backend that refuses every call)."""
    try:
        module = importlib.import_module("keyring")
    except ImportError:
        return None
    get_keyring = getattr(module, "get_keyring", None)
    if get_keyring is not None and type(get_keyring()).__module__ == "keyring.backends.fail":
        return None
    return module


def load_keyring() -> Any:
    """The ``keyring`` module, with a backend that can store secrets.

    :raises NotSupported: it is not installed, or has no usable backend.
    """
    module = usable_keyring()
    if module is not None:
        return module
    try:
        importlib.import_module("keyring")
    except ImportError:
        raise NotSupported("keyring_saver needs the optional 'keyring' package, which is "
                           "not installed: pip install keyring", capability="keyring") from None
    raise NotSupported("keyring_saver: the keyring package has no backend that can store "
                       "secrets here (no secret service running?); install one, such as "
                       "keyrings.alt, or pass a TokenCache", capability="keyring")


class KeyringSaver(TokenCache):
    """A token cache in the system keyring.

    All tokens are one JSON document, the password of ``(service,
    "tokens")``; entries expire as in a file :class:`TokenCache`.

    :param service: the keyring service name.
    :raises NotSupported: ``keyring`` is not installed.
    """

    def __init__(self, service: str = "objclient") -> None:
        self._keyring = load_keyring()
        self.service = service
        super().__init__(path=f"keyring:{service}")  # (a name only: nothing on disk)

    def _read(self) -> Dict[str, Any]:
        text = self._keyring.get_password(self.service, _ENTRY)
        if not text:
            return {}
        try:
            doc = json.loads(text)
        except ValueError:
            return {}  # not ours, or damaged: start again
        return doc if isinstance(doc, dict) else {}

    def _write(self, doc: Dict[str, Any]) -> None:
        if doc:
            self._keyring.set_password(self.service, _ENTRY, json.dumps(doc))
            return
        try:
            self._keyring.delete_password(self.service, _ENTRY)
        except self._keyring.errors.PasswordDeleteError:
            pass  # already gone

    def __repr__(self) -> str:
        return f"KeyringSaver(service={self.service!r})"
