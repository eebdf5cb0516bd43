"""KeyringSaver: troveclient's ``keyring_saver``, tokens kept in the keyring.

The keyring is an in-memory backend set with ``keyring.set_keyring``; the
Swift v1 auth server is scripted (tests/serverfixture.py).
"""

from __future__ import annotations

import sys
from typing import Dict, Iterator, List, Optional, Set, Tuple

import keyring
import keyring.backend
import keyring.errors
import pytest

from objclient.auth import TempAuth, TokenAuth, TokenCache
from objclient.exceptions import InvalidArgument, NotSupported
from objclient.http import HTTPClient, KeyringSaver
from tests.serverfixture import ScriptedServer, Seen, Step, running_server

USER, KEY = "test:tester", "testing-key"


class _NeverChosen:
    """A priority that raises: keyring's own backend choice skips the class
    (every KeyringBackend subclass joins it), so only set_keyring uses it."""

    def __get__(self, obj: object, owner: type) -> float:
        raise RuntimeError("MemoryKeyring is only set explicitly")


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in a dict (and is never the system's)."""

    priority = _NeverChosen()  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: Dict[Tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> Optional[str]:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such password")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


class SwiftV1:
    """Scripted TempAuth: tok-1, tok-2 ... for the right key."""

    def __init__(self, server: ScriptedServer) -> None:
        self.server = server
        self.issued: List[str] = []
        self.live: Set[str] = set()

    def __call__(self, seen: Seen) -> Optional[Step]:
        if seen.path != "/auth/v1.0":
            if seen.headers.get("X-Auth-Token") not in self.live:
                return Step(status=401, body=b"Unauthorized")
            return None
        if seen.headers.get("X-Auth-Key") != KEY:
            return Step(status=401, body=b"Unauthorized")
        token = f"tok-{len(self.issued) + 1}"
        self.issued.append(token)
        self.live.add(token)
        return Step(headers={"X-Auth-Token": token, "X-Auth-Token-Expires": "3600",
                             "X-Storage-Url": f"{self.server.url}/v1/AUTH_test"}, body=b"")


@pytest.fixture
def swift() -> Iterator[SwiftV1]:
    with running_server() as server:
        auth = SwiftV1(server)
        server.handler = auth
        yield auth


def _plugin(swift: SwiftV1) -> TempAuth:
    return TempAuth(f"{swift.server.url}/auth/v1.0", USER, KEY)


def test_a_second_run_reuses_the_token_from_the_keyring(
        swift: SwiftV1, memory_keyring: MemoryKeyring) -> None:
    HTTPClient(_plugin(swift), keyring_saver=True).get("c")
    assert swift.issued == ["tok-1"]
    assert "tok-1" in memory_keyring.store[("objclient", "tokens")]
    second = HTTPClient(_plugin(swift), keyring_saver=True)
    second.get("c")
    assert swift.issued == ["tok-1"]
    assert second.auth_plugin.token == "tok-1"


def test_a_refused_token_is_dropped_from_the_keyring(
        swift: SwiftV1, memory_keyring: MemoryKeyring) -> None:
    HTTPClient(_plugin(swift), keyring_saver=True).get("c")
    swift.live.discard("tok-1")  # revoked
    http = HTTPClient(_plugin(swift), keyring_saver=True)
    http.get("c")
    assert swift.issued == ["tok-1", "tok-2"]
    doc = memory_keyring.store[("objclient", "tokens")]
    assert "tok-2" in doc and "tok-1" not in doc


def test_the_key_never_reaches_the_keyring(swift: SwiftV1,
                                           memory_keyring: MemoryKeyring) -> None:
    HTTPClient(_plugin(swift), keyring_saver=True).get("c")
    assert KEY not in str(memory_keyring.store)


def test_a_saver_can_name_its_keyring_service(swift: SwiftV1,
                                              memory_keyring: MemoryKeyring) -> None:
    saver = KeyringSaver(service="trove")
    HTTPClient(_plugin(swift), keyring_saver=saver).get("c")
    assert list(memory_keyring.store) == [("trove", "tokens")]
    assert repr(saver) == "KeyringSaver(service='trove')"


def test_a_damaged_keyring_entry_is_ignored(swift: SwiftV1,
                                            memory_keyring: MemoryKeyring) -> None:
    memory_keyring.store[("objclient", "tokens")] = "not json"
    HTTPClient(_plugin(swift), keyring_saver=True).get("c")
    assert swift.issued == ["tok-1"]


def test_the_keyring_entry_goes_when_the_last_token_does(
        memory_keyring: MemoryKeyring) -> None:
    saver = KeyringSaver()
    saver.save("k", {"token": "t", "expires": None})
    saver.delete("k")
    assert memory_keyring.store == {}
    saver.delete("k")  # nothing left: no error


def test_without_keyring_asking_for_a_saver_fails_at_construction(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring raises ImportError
    with pytest.raises(NotSupported, match="pip install keyring") as info:
        HTTPClient(TempAuth("http://127.0.0.1:1/auth/v1.0", USER, KEY), keyring_saver=True)
    assert info.value.capability == "keyring"
    assert HTTPClient(TempAuth("http://127.0.0.1:1/auth/v1.0", USER, KEY)).keyring_saver is None


def test_a_file_token_cache_is_a_saver_too(swift: SwiftV1, tmp_path: object) -> None:
    cache = TokenCache(f"{tmp_path}/tokens.json")
    plugin = _plugin(swift)
    HTTPClient(plugin, keyring_saver=cache).get("c")
    assert plugin.token_cache is cache
    assert cache.load(plugin._cache_key)["token"] == "tok-1"  # type: ignore[index]


def test_a_saver_for_a_plugin_without_tokens_is_refused(
        memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(InvalidArgument, match="keeps no token"):
        HTTPClient(TokenAuth("static"), keyring_saver=True)
    with pytest.raises(InvalidArgument, match="needs an auth plugin"):
        HTTPClient("http://127.0.0.1:1", keyring_saver=True)


def test_a_plugin_with_its_own_cache_keeps_it(memory_keyring: MemoryKeyring,
                                              tmp_path: object) -> None:
    plugin = TempAuth("http://127.0.0.1:1/auth/v1.0", USER, KEY,
                      token_cache=TokenCache(f"{tmp_path}/t.json"))
    with pytest.raises(InvalidArgument, match="already has a token cache"):
        HTTPClient(plugin, keyring_saver=True)


def test_a_saver_without_save_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="save\\(http_client\\)"):
        HTTPClient(None, keyring_saver="yes")


def test_a_keyring_without_a_usable_backend_fails_at_construction() -> None:
    from keyring.backends import fail
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(NotSupported, match="no backend that can store"):
            HTTPClient(TempAuth("http://127.0.0.1:1/auth/v1.0", USER, KEY), keyring_saver=True)
    finally:
        keyring.set_keyring(previous)
